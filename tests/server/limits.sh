#!/bin/bash
# authkeepd's limits: the body cap (413, also for chunked bodies), the JSON
# nesting cap (400 before parsing), and request rates per address and per
# account (429 with retry_after and Retry-After). Nothing is stored by a
# refused request.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"

authkeepd_start --max-body 4096 --rate-address 0 --rate-account 0
KEY=$(new_key)
create_account frank@example.com "$KEY"
signin frank@example.com "$KEY"
put_backup 0 laptop
expect 200 "" "small upload"
sum=$(file_sum "$SERVER_DB")

put_backup 1 laptop laptop "$(envelope 4000)"
expect 413 too_large "body over the cap"
assert_contains "$(field .message)" "4096" "413 names the cap"
assert_eq 4096 "$(field .max_bytes)" "413 gives the cap as max_bytes"
chunked() { # BYTES: a chunked upload of that many bytes
	STATUS=$(head -c "$1" /dev/zero | curl -s -o "$T/body" -w '%{http_code}' -X PUT \
		-H "Authorization: Bearer $TOKEN" -H 'Transfer-Encoding: chunked' \
		-H 'Content-Type: application/json' --data-binary @- "$SERVER_URL/v1/backup")
}
chunked 50000
expect 413 too_large "chunked body over the cap"
# Past 16 times the cap the answer comes before the body ends (the client may
# see the connection close while it still sends).
chunked 10000000
assert_eq too_large "$(field .error)" "endless chunked body"
api GET /v1/backup
assert_eq 1 "$(field .version)" "nothing stored"

deep() { printf '{"a":'; printf '[%.0s' $(seq "$1"); printf '1'; printf ']%.0s' $(seq "$1"); printf '}'; }
api PUT /v1/backup "$(deep 7)"
expect 400 bad_request "8 levels are parsed"
api PUT /v1/backup "$(deep 8)"
expect 400 bad_json "9 levels are refused"
assert_contains "$(field .message)" "nested" "message says why"
api PUT /v1/backup "$(deep 2000)"
expect 400 bad_json "2000 levels"
api PUT /v1/backup '{"a": "[[[[[[[[[[[[", "replaces_version": 1}'
expect 400 bad_request "brackets inside strings do not count"
raw GET /healthz
expect 200 "" "still up"

# Per address: bursts of 4, then 1 per second.
authkeepd_stop || exit 1
authkeepd_start --rate-address 1 --burst-address 4 --rate-account 0
for i in 1 2 3 4; do
	raw POST /v1/auth/start '{"email": "nobody@example.com"}'
	expect 200 "" "request $i of the burst"
done
STATUS=$(curl -s -D "$T/headers" -o "$T/body" -w '%{http_code}' -X POST \
	--data-binary '{"email": "nobody@example.com"}' "$SERVER_URL/v1/auth/start")
expect 429 rate_limited "past the burst"
assert_eq 1 "$(field .retry_after)" "retry_after"
grep -qi '^Retry-After: 1' "$T/headers" || fail "Retry-After header: $(cat "$T/headers")"
assert_contains "$(field .message)" "address" "message names the address"
raw GET /healthz
expect 200 "" "health checks are not limited"
sleep 1.2
raw POST /v1/auth/start '{"email": "nobody@example.com"}'
expect 200 "" "allowed again after a second"

# Per account: bursts of 5 authenticated calls (sign-ins have buckets of
# their own), other accounts unaffected.
authkeepd_stop || exit 1
authkeepd_start --rate-address 0 --rate-account 0.5 --burst-account 5
signin frank@example.com "$KEY"
api GET /v1/account
expect 200 "" "1st request"
api GET /v1/backup
expect 200 "" "2nd request"
api GET /v1/backup/versions
expect 200 "" "3rd request"
api GET /v1/account
expect 200 "" "4th request"
api GET /v1/account
expect 200 "" "5th request"
api GET /v1/account
expect 429 rate_limited "6th request for the account"
assert_eq 2 "$(field .retry_after)" "retry_after at half a request per second"
assert_contains "$(field .message)" "account" "message names the account"
KEY2=$(new_key)
create_account grace@example.com "$KEY2"
signin grace@example.com "$KEY2"
api GET /v1/account
expect 200 "" "another account is not limited"

# Sign-ins in progress are capped: 503 busy until one finishes or expires.
# They are in the database (another process may take step 2), so a restart
# keeps them: a fresh database here, without the burst's from above.
authkeepd_stop || exit 1
SERVER_DB=$T/busy.db
authkeepd_start --max-logins 2 --rate-address 0 --rate-account 0
for i in 1 2; do
	raw POST /v1/auth/start '{"email": "frank@example.com"}'
	expect 200 "" "sign-in $i in progress"
done
raw POST /v1/auth/start '{"email": "frank@example.com"}'
expect 503 busy "a third sign-in in progress"
[ "$(field .retry_after)" -ge 1 ] || fail "busy: retry_after"
authkeepd_stop || exit 1
authkeepd_start --max-logins 2 --rate-address 0 --rate-account 0
raw POST /v1/auth/start '{"email": "frank@example.com"}'
expect 503 busy "the two in progress outlive a restart"

# Connections per address: the third one at once is closed unanswered.
authkeepd_stop || exit 1
authkeepd_start --max-connections-per-address 2
python3 - "$SERVER_PORT" <<'PY' || fail "connections per address"
import socket, sys
port = int(sys.argv[1])
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
for s in held:  # both answer
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert s.recv(4096).startswith(b"HTTP/1.1 200"), "held connection"
third = socket.create_connection(("127.0.0.1", port))
third.settimeout(5)
try:
    third.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    answer = third.recv(4096)
except (ConnectionResetError, BrokenPipeError):
    answer = b""
assert answer == b"", answer
PY
echo ok
