#!/bin/bash
# Sessions and credentials on authkeepd: expiry (a 2-second session
# lifetime, for calls and for downloads), sign-in expiry, sign out, revoke everywhere, password change
# (new verifier, other sessions revoked, backups untouched) and the one-time
# recovery code.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"

authkeepd_start --session-ttl 2s --login-ttl 1

KEY=$(new_key)
RKEY=$(new_key)
create_account erin@example.com "$KEY" "$RKEY"
expect 201 "" "create with a recovery code"
cp "$T/account.json" "$T/created.json"

# An account with a backup, whose session expires beside erin's.
FKEY=$(new_key)
create_account fay@example.com "$FKEY"
expect 201 "" "create fay"
signin fay@example.com "$FKEY"
put_backup 0 phone
expect 200 "" "fay's backup"
api GET /v1/backup
expect 200 "" "fay's download"
FAY=$TOKEN

# A session lasts session_ttl.
signin erin@example.com "$KEY"
left=$(($(jq -r .expires_at "$T/signin") - $(date +%s)))
[ "$left" -ge 1 ] && [ "$left" -le 2 ] || fail "expires_at: $left seconds left, expected 2"
api GET /v1/account
expect 200 "" "fresh session"
assert_eq true "$(field .has_recovery_code)" "has a recovery code"
api GET /v1/backup
expect 404 no_backup "fresh session, no backup yet"
sleep 3
api GET /v1/account
expect 401 session_expired "expired session"
# A download checks the session first, with a backup or without one.
api GET /v1/backup
expect 401 session_expired "download, expired session, no backup"
TOKEN=$FAY
for q in "" "?version=1" "?version=2"; do
	api GET "/v1/backup$q"
	expect 401 session_expired "download$q, expired session"
done

# A sign-in must finish within login_ttl.
raw POST /v1/auth/start '{"email": "erin@example.com"}'
login=$(field .login_id)
sleep 2
raw POST /v1/auth/finish "{\"login_id\": \"$login\", \"A\": \"AQ==\", \"M1\": \"$(head -c 32 /dev/zero | base64)\"}"
expect 401 login_expired "late finish"

# Longer sessions from here on.
authkeepd_stop || exit 1
authkeepd_start --session-ttl 1h --rate-signin 0

# Revoke one, revoke all.
signin erin@example.com "$KEY"
T1=$TOKEN
signin erin@example.com "$KEY"
T2=$TOKEN
signin erin@example.com "$KEY"
T3=$TOKEN
api GET /v1/account
assert_eq 3 "$(field .sessions)" "three sessions"
TOKEN=$T1
api DELETE /v1/session
expect 204 "" "sign out T1"
api GET /v1/account
expect 401 session_expired "T1 is gone"
TOKEN=$T2
api GET /v1/account
expect 200 "" "T2 still works"
assert_eq 2 "$(field .sessions)" "two sessions"
api POST /v1/sessions/revoke
expect 204 "" "revoke all"
for t in "$T2" "$T3"; do
	TOKEN=$t
	api GET /v1/account
	expect 401 session_expired "revoked everywhere"
done

# A backup to prove that a password change leaves it alone.
signin erin@example.com "$KEY"
put_backup 0 laptop
expect 200 "" "backup"
OTHER=$TOKEN
signin erin@example.com "$KEY"

# Password change: the old key stops working, the new one works, the other
# session is revoked, this one stays.
NEWKEY=$(new_key)
cred=$("$SRP_TOOL" credential erin@example.com "$NEWKEY")
api POST /v1/password "$(with_proof erin@example.com "$KEY" password "$cred")"
expect 204 "" "password change"
api GET /v1/account
expect 200 "" "this session stays"
assert_eq true "$(field .has_recovery_code)" "the recovery code stays"
SAVED=$TOKEN
TOKEN=$OTHER
api GET /v1/account
expect 401 session_expired "other sessions are revoked"
for q in "" "?version=1"; do
	api GET "/v1/backup$q"
	expect 401 session_expired "download$q, revoked session"
	assert_eq null "$(field .envelope)" "no envelope for a revoked session"
done
"$SRP_TOOL" signin "$SERVER_URL" erin@example.com "$KEY" >"$T/out" && fail "old key still signs in"
assert_eq bad_password "$(jq -r .error "$T/out")" "old key"
signin erin@example.com "$NEWKEY"
assert_eq "$(jq -c .wrapped_key <<<"$cred")" "$(jq -c .wrapped_key "$T/signin")" "re-wrapped key returned"
api GET /v1/backup
expect 200 "" "backups untouched"
assert_eq 1 "$(field .version)" "same version"
api GET '/v1/backup?version=1'
expect 200 "" "version 1 by number"
assert_eq laptop "$(field .device_id)" "version 1's device"
TOKEN=$FAY
api GET /v1/backup
expect 401 session_expired "download, expired session, in the longer-lived server"
TOKEN=$SAVED
api POST /v1/password '{"kdf": {"alg": "argon2id13"}}'
expect 400 bad_request "incomplete password change"

# The recovery code: its own verifier and wrapped key, used up by the
# password change it allows.
signin erin@example.com "$RKEY" recovery
assert_eq true "$(jq -r .recovery "$T/signin")" "recovery sign-in"
assert_eq "$(jq -c .recovery.wrapped_key "$T/created.json")" "$(jq -c .wrapped_key "$T/signin")" \
	"the recovery-wrapped key"
"$SRP_TOOL" signin "$SERVER_URL" erin@example.com "$NEWKEY" recovery >"$T/out" &&
	fail "the password signed in as the recovery code"
assert_eq bad_password "$(jq -r .error "$T/out")" "password as recovery code"
FORGOT=$(new_key)
api POST /v1/password "$(with_proof erin@example.com "$RKEY" recovery \
	"$("$SRP_TOOL" credential erin@example.com "$FORGOT")")"
expect 204 "" "forgotten password replaced with the recovery code"
api GET /v1/account
assert_eq false "$(field .has_recovery_code)" "the recovery code is used up"
"$SRP_TOOL" signin "$SERVER_URL" erin@example.com "$RKEY" recovery >"$T/out" &&
	fail "a used recovery code signed in"
assert_eq bad_password "$(jq -r .error "$T/out")" "used recovery code"
sleep 1.1 # the third failure from this address slows the next sign-in down by a second
signin erin@example.com "$FORGOT"

# A password change may set a new recovery code.
NEWR=$(new_key)
body=$(jq -c --argjson r "$("$SRP_TOOL" credential erin@example.com "$NEWR" recovery)" \
	'. + {recovery: $r}' <<<"$("$SRP_TOOL" credential erin@example.com "$FORGOT")")
api POST /v1/password "$(with_proof erin@example.com "$FORGOT" password "$body")"
expect 204 "" "new recovery code"
signin erin@example.com "$NEWR" recovery
assert_eq true "$(jq -r .recovery "$T/signin")" "new recovery code works"

# A download draws on the account's bucket once its session is known good.
authkeepd_stop || exit 1
authkeepd_start --session-ttl 1h --rate-signin 0 --rate-account 0.5 --burst-account 2
signin fay@example.com "$FKEY"
for n in 1 2; do
	api GET /v1/backup
	expect 200 "" "download $n of the burst"
done
api GET /v1/backup
expect 429 rate_limited "download past the account's burst"
assert_eq null "$(field .envelope)" "no envelope past the burst"
TOKEN=$FAY
api GET /v1/backup
expect 401 session_expired "an expired session, whatever the bucket"
echo ok
