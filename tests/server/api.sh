#!/bin/bash
# authkeepd's endpoints and their error paths through curl + jq: health,
# routing, account creation and its validation, sign-in, the account view,
# malformed requests. Each answer is checked for its status and error code.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"

authkeepd_start

raw GET /healthz
expect 200 "" "healthz"
assert_eq ok "$(field .status)" "healthz status"

raw GET /nowhere
expect 404 not_found "unknown path"
raw GET /v1/accounts
expect 405 method_not_allowed "GET on accounts"
assert_contains "$(field .message)" "POST" "405 names the allowed method"

# Account creation: good, duplicate (case-insensitive), and every kind of bad input.
KEY=$(new_key)
create_account alice@example.com "$KEY"
expect 201 "" "create account"
assert_eq 32 "$(field '.account_id | length')" "account id is 32 hex"
create_account ALICE@Example.com "$(new_key)"
expect 409 account_exists "same email, other case"

good=$("$SRP_TOOL" credential bob@example.com "$(new_key)")
bad_create() { # JQ_EDIT CODE WHAT [FIELD]
	raw POST /v1/accounts "$(jq -c --arg e bob@example.com ". + {email: \$e} | $1" <<<"$good")"
	expect 400 "$2" "$3"
	[ -z "${4:-}" ] || assert_contains "$(field .message)" "$4" "$3: message names the field"
}
bad_create 'del(.email)' bad_request "no email" email
bad_create '.email = "no-at-sign"' bad_request "email without @" email
bad_create '.email = "a b@c.d"' bad_request "email with a space" email
bad_create '.email = 42' bad_request "email not a string" email
bad_create '.kdf.alg = "scrypt"' bad_request "unknown kdf" kdf.alg
bad_create '.kdf.salt = "AAAA"' bad_request "short kdf salt" kdf.salt
bad_create '.kdf.opslimit = 0' bad_request "opslimit 0" kdf.opslimit
bad_create '.kdf.opslimit = 1.5' bad_request "opslimit not whole" kdf.opslimit
bad_create '.kdf.memlimit = 100' bad_request "memlimit too small" kdf.memlimit
bad_create '.srp_salt = "!!!!"' bad_request "salt not base64" srp_salt
bad_create '.srp_salt = "AAAAAAAAAAAAAAAAAAAAAA=="' bad_request "salt starting with zero" srp_salt
bad_create '.srp_verifier = "AAAA"' bad_request "zero verifier" srp_verifier
bad_create ".srp_verifier = \"$(head -c 512 /dev/zero | tr '\0' '\377' | base64 -w0)\"" \
	bad_request "verifier not below N" srp_verifier
bad_create ".srp_verifier = \"$(head -c 600 /dev/urandom | base64 -w0)\"" bad_request \
	"verifier too long" srp_verifier
bad_create '.wrapped_key.nonce = "AAAA"' bad_request "short nonce" wrapped_key.nonce
bad_create 'del(.wrapped_key)' bad_request "no wrapped key" wrapped_key
bad_create '.recovery = 5' bad_request "recovery not an object" recovery
bad_create '.recovery = {"kdf": {}}' bad_request "incomplete recovery" recovery.kdf.alg

raw POST /v1/accounts '{"email": "x@y.z", "email": "x@y.z"}'
expect 400 bad_json "duplicate key"
raw POST /v1/accounts '[1, 2]'
expect 400 bad_json "not an object"
raw POST /v1/accounts '{"email": '
expect 400 bad_json "truncated JSON"
raw POST /v1/accounts ''
expect 400 bad_json "empty body"
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: text/plain' \
	--data-binary '{}' "$SERVER_URL/v1/accounts")
expect 415 unsupported_media_type "text/plain body"

# Sign-in with libauthkeep's SRP client; then the account view.
signin alice@example.com "$KEY"
assert_eq 43 "${#TOKEN}" "session token length"
assert_eq false "$(jq -r .recovery "$T/signin")" "password sign-in"
assert_eq 24 "$(jq -r .wrapped_key.nonce "$T/signin" | base64 -d | wc -c)" "wrapped key nonce"
expires=$(jq -r .expires_at "$T/signin")
now=$(date +%s)
[ $((expires - now)) -gt $((29 * 86400)) ] || fail "sessions last 30 days by default"
api GET /v1/account
expect 200 "" "account view"
assert_eq alice@example.com "$(field .email)" "email is lower-cased"
assert_eq false "$(field .has_recovery_code)" "no recovery code"
assert_eq 1 "$(field .sessions)" "one session"
assert_eq "$ACCOUNT_ID" "$(field .account_id)" "account id"

# Wrong password, unknown account, replayed or unknown login ids, bad A.
"$SRP_TOOL" signin "$SERVER_URL" alice@example.com "$(new_key)" >"$T/out" && fail "wrong key signed in"
assert_eq bad_password "$(jq -r .error "$T/out")" "wrong key"
"$SRP_TOOL" signin "$SERVER_URL" nobody@example.com "$KEY" >"$T/out" && fail "unknown email signed in"
assert_eq bad_password "$(jq -r .error "$T/out")" "unknown email: like a wrong password"
"$SRP_TOOL" signin "$SERVER_URL" alice@example.com "$KEY" recovery >"$T/out" && fail "no recovery code"
assert_eq bad_password "$(jq -r .error "$T/out")" "recovery sign-in without a code"
sleep 1.1 # the third failure from this address slows the next sign-in down by a second
raw POST /v1/auth/start '{"email": "alice@example.com", "recovery": "yes"}'
expect 400 bad_request "recovery not a boolean"
raw POST /v1/auth/start '{"email": "alice@example.com"}'
expect 200 "" "start"
login=$(field .login_id)
assert_eq 512 "$(field .B | base64 -d | wc -c)" "B is 512 bytes"
assert_eq 1 "$(field .kdf.opslimit)" "kdf returned"
zeroA=$(head -c 512 /dev/zero | base64 -w0)
m1=$(head -c 32 /dev/zero | base64 -w0)
raw POST /v1/auth/finish "{\"login_id\": \"$login\", \"A\": \"$zeroA\", \"M1\": \"$m1\"}"
expect 400 bad_request "A = 0"
raw POST /v1/auth/finish "{\"login_id\": \"$login\", \"A\": \"$zeroA\", \"M1\": \"$m1\"}"
expect 401 login_expired "a login is used once"
raw POST /v1/auth/finish "{\"login_id\": \"nope\", \"A\": \"AQ==\", \"M1\": \"$m1\"}"
expect 401 login_expired "unknown login"
raw POST /v1/auth/finish "{\"login_id\": \"nope\", \"A\": \"AQ==\", \"M1\": \"AAAA\"}"
expect 400 bad_request "short M1"

# Authentication failures.
saved=$TOKEN
TOKEN=""
api GET /v1/account
expect 401 unauthorized "no token"
TOKEN="short"
api GET /v1/account
expect 401 unauthorized "malformed token"
TOKEN=$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')
api GET /v1/account
expect 401 session_expired "unknown token"
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Basic abc" "$SERVER_URL/v1/account")
expect 401 unauthorized "basic auth"
TOKEN=$saved

# A body on a call that takes none; the log line format.
api GET /v1/account '{"x": 1}'
expect 400 bad_request "body on GET"
grep -q ' 127.0.0.1 GET /v1/account 200 [0-9.]*ms$' "$SERVER_LOG" || fail "log line: $(tail -3 "$SERVER_LOG")"

# Sign out: the token stops working.
api DELETE /v1/session
expect 204 "" "sign out"
api GET /v1/account
expect 401 session_expired "signed out"
echo "ok"
