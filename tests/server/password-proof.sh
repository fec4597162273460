#!/bin/bash
# A session token alone changes neither the password nor the recovery code:
# POST /v1/password also needs a fresh SRP proof, of the current password or
# of the recovery code, for the session's own account; without one nothing
# changes and the old password still signs in.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"

# Failed proofs here are on purpose: keep the address from being slowed down,
# and its many sign-ins for one account from being rate-limited.
authkeepd_start --slow-after 100 --rate-signin 0

KEY=$(new_key)
RKEY=$(new_key)
create_account gina@example.com "$KEY" "$RKEY"
expect 201 "" "create gina"
HKEY=$(new_key)
create_account hank@example.com "$HKEY"
expect 201 "" "create hank"

signin gina@example.com "$KEY"
NEW=$(new_key)
cred=$("$SRP_TOOL" credential gina@example.com "$NEW")
with_code=$(jq -c --argjson r "$("$SRP_TOOL" credential gina@example.com "$(new_key)" recovery)" \
	'. + {recovery: $r}' <<<"$cred")

# The token alone: refused with a clear sentence, nothing changes.
api POST /v1/password "$cred"
expect 403 proof_required "password change with the token alone"
assert_contains "$(field .message)" "needs a proof of the current password or of the recovery code" \
	"message"
api POST /v1/password "$with_code"
expect 403 proof_required "new recovery code with the token alone"
api GET /v1/account
expect 200 "" "the session still works"
assert_eq true "$(field .has_recovery_code)" "the recovery code stays"
"$SRP_TOOL" signin "$SERVER_URL" gina@example.com "$KEY" >"$T/out" ||
	fail "the old password no longer signs in: $(cat "$T/out")"
"$SRP_TOOL" signin "$SERVER_URL" gina@example.com "$NEW" >"$T/out" && fail "the new password signed in"
assert_eq bad_password "$(jq -r .error "$T/out")" "the new password is not set"

# A wrong proof, another account's proof, a malformed proof: refused.
api POST /v1/password "$(with_proof gina@example.com "$(new_key)" password "$cred")"
expect 401 bad_password "proof of a wrong password"
api POST /v1/password "$(with_proof hank@example.com "$HKEY" password "$cred")"
expect 403 proof_required "proof of another account's password"
api POST /v1/password "$(jq -c '. + {proof: {login_id: "x"}}' <<<"$cred")"
expect 400 bad_request "proof without A and M1"
assert_contains "$(field .message)" "proof.A" "names the field"
api POST /v1/password "$(jq -c '. + {proof: {login_id: "x", A: "AQ==", M1: "'"$(head -c 32 /dev/zero | base64)"'"}}' <<<"$cred")"
expect 401 login_expired "proof of no sign-in"
"$SRP_TOOL" signin "$SERVER_URL" gina@example.com "$KEY" >"$T/out" ||
	fail "the old password no longer signs in after refused changes: $(cat "$T/out")"

# With a proof of the current password: changed, and the proof is used once.
body=$(with_proof gina@example.com "$KEY" password "$cred")
api POST /v1/password "$body"
expect 204 "" "password change with a proof"
api POST /v1/password "$body"
expect 401 login_expired "the same proof again"
"$SRP_TOOL" signin "$SERVER_URL" gina@example.com "$KEY" >"$T/out" && fail "the old password still signs in"
signin gina@example.com "$NEW"

# Replacing the recovery code with a proof of the recovery code.
NEWR=$(new_key)
body=$(jq -c --argjson r "$("$SRP_TOOL" credential gina@example.com "$NEWR" recovery)" \
	'. + {recovery: $r}' <<<"$("$SRP_TOOL" credential gina@example.com "$NEW")")
api POST /v1/password "$(with_proof gina@example.com "$RKEY" recovery "$body")"
expect 204 "" "new recovery code with a proof of the old one"
signin gina@example.com "$NEWR" recovery
"$SRP_TOOL" signin "$SERVER_URL" gina@example.com "$RKEY" recovery >"$T/out" &&
	fail "the replaced recovery code still signs in"

# A proof of the recovery code without a new one uses the code up.
api POST /v1/password "$(with_proof gina@example.com "$NEWR" recovery "$("$SRP_TOOL" credential gina@example.com "$NEW")")"
expect 204 "" "password set with the recovery code"
api GET /v1/account
assert_eq false "$(field .has_recovery_code)" "the used recovery code is gone"
echo ok
