#!/bin/bash
# Every failure is a JSON answer of one shape ({"error", "message", ...},
# Content-Type application/json): headers too large (431), bodies too large
# (413 with max_bytes), empty bodies and bodies with a NUL byte (400), unknown
# paths (404) and methods (405 with Allow), and a store that fails (500).
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"

# send METHOD PATH [curl options...]: status in $STATUS, headers in $T/headers.
send() {
	local method=$1 path=$2
	shift 2
	STATUS=$(curl -s -D "$T/headers" -o "$T/body" -w '%{http_code}' -X "$method" "$@" \
		"$SERVER_URL$path")
}
# json STATUS ERROR MESSAGE WHAT: the last answer, exactly.
json() {
	assert_eq "$1" "$STATUS" "$4 (status; body $(head -c 300 "$T/body"))"
	grep -qi '^Content-Type: application/json' "$T/headers" ||
		fail "$4: Content-Type: $(grep -i '^Content-Type' "$T/headers")"
	jq -e 'type == "object"' "$T/body" >/dev/null || fail "$4: not a JSON object: $(head -c 300 "$T/body")"
	assert_eq "$2" "$(field .error)" "$4 (error)"
	assert_eq "$3" "$(field .message)" "$4 (message)"
}
header() { grep -i "^$1:" "$T/headers" | cut -d' ' -f2- | tr -d '\r'; }

authkeepd_start --rate-address 0 --rate-account 0
KEY=$(new_key)
create_account jo@example.com "$KEY"
signin jo@example.com "$KEY"

# Headers: 8192 bytes at most, up to what libmicrohttpd can hold (12 KiB).
for size in 8300 9000; do
	send GET /healthz -H "X-Padding: $(head -c "$size" /dev/zero | tr '\0' a)"
	json 431 headers_too_large "the request line and headers are larger than 8192 bytes" \
		"headers of $size bytes"
	assert_eq 8192 "$(field .max_bytes)" "431 max_bytes"
done
send GET /healthz -H "X-Padding: $(head -c 7500 /dev/zero | tr '\0' a)"
assert_eq 200 "$STATUS" "headers of 7500 bytes pass"

# Bodies: an upload may be max_bytes (24 MiB), any other call 64 KiB.
head -c 70000 /dev/zero | tr '\0' ' ' >"$T/70k"
send POST /v1/auth/start -H 'Content-Type: application/json' --data-binary @"$T/70k"
json 413 too_large "the request body is larger than 65536 bytes" "70000 bytes to /v1/auth/start"
assert_eq 65536 "$(field .max_bytes)" "413 max_bytes of a small call"
head -c 25165825 /dev/zero | tr '\0' ' ' >"$T/big"
send PUT /v1/backup -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	--data-binary @"$T/big"
json 413 too_large "the request body is larger than 25165824 bytes" "an upload past the cap"
assert_eq 25165824 "$(field .max_bytes)" "413 max_bytes of an upload"
send PUT /v1/backup -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	-H 'Transfer-Encoding: chunked' --data-binary @"$T/big"
json 413 too_large "the request body is larger than 25165824 bytes" "a chunked upload past the cap"
# Without a session, a large upload is refused before its body is read.
send PUT /v1/backup -H 'Content-Type: application/json' --data-binary @"$T/big"
json 401 unauthorized "this call needs 'Authorization: Bearer <session token>'" \
	"an upload without a session"

send POST /v1/auth/start -H 'Content-Type: application/json'
json 400 bad_json "the request body is empty" "an empty body"
send PUT /v1/backup -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json'
json 400 bad_json "the request body is empty" "an empty upload"
printf '{"email": "jo@example.com"}\0' >"$T/nul"
send POST /v1/auth/start -H 'Content-Type: application/json' --data-binary @"$T/nul"
json 400 bad_json "the request body contains a NUL byte" "a NUL byte"

send GET /v2/nothing
json 404 not_found "no such path: /v2/nothing" "an unknown path"
send PATCH /v1/backup -H "Authorization: Bearer $TOKEN"
json 405 method_not_allowed "PATCH is not allowed on /v1/backup; use GET, PUT, DELETE" \
	"an unknown method"
assert_eq "GET, PUT, DELETE" "$(header Allow)" "405 Allow header"
send POST /healthz
json 405 method_not_allowed "POST is not allowed on /healthz; use GET, HEAD" "POST /healthz"
assert_eq "GET, HEAD" "$(header Allow)" "405 Allow header of /healthz"

# Nothing was stored by any of them.
api GET /v1/backup
expect 404 no_backup "no backup stored"

# A SQLite store that fails is no outage: 500 internal, with no wait to tell.
store_sql "DROP TABLE devices"
send GET /v1/devices -H "Authorization: Bearer $TOKEN"
json 500 internal "the store failed" "a failing SQLite store"
assert_eq "" "$(header Retry-After)" "no Retry-After for a failing SQLite store"
echo ok
