#!/bin/bash
# A stranger cannot lock an account's owner out. Failed sign-ins count per
# account and address; the whole account locks only at a much higher count,
# and never for an address that signed in to it lately. A stranger's sign-ins
# draw on a bucket of their own, not on the owner's authenticated calls.
# Strangers are other loopback addresses (all of 127.0.0.0/8 reaches lo).
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"

# The default counts (10 per account and address), no slow-down to wait
# through, and a whole-account lock at 15 instead of 100 to keep this short.
authkeepd_start --slow-after 0 --lockout-account 15
KEY=$(new_key)
create_account olga@example.com "$KEY"
expect 201 "" "account"
signin olga@example.com "$KEY" # from 127.0.0.1, which the account now knows
put_backup 0 laptop
expect 200 "" "first upload"

# from ADDRESS PATH BODY: a request without a session from another address.
from() {
	STATUS=$(curl -s --interface "$1" -o "$T/body" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' --data-binary "$3" "$SERVER_URL$2")
}
# garbage ADDRESS: a sign-in of olga's with a made-up proof.
garbage() {
	from "$1" /v1/auth/start '{"email": "olga@example.com"}'
	[ "$STATUS" = 200 ] || return 0
	local m1
	m1=$(head -c 32 /dev/urandom | base64 -w0)
	from "$1" /v1/auth/finish "$(jq -cn --arg l "$(field .login_id)" --arg m "$m1" \
		'{login_id: $l, A: "Ag==", M1: $m}')"
}

for i in $(seq 10); do
	garbage 127.0.0.2
	expect 401 bad_password "stranger's garbage proof $i"
done
garbage 127.0.0.2
expect 429 locked_out "the stranger is locked out"
assert_eq account_address "$(field .scope)" "locked for this account from that address"
assert_contains "$(field .message)" "for this account from this address" "message"
[ "$(field .retry_after)" -ge 800 ] || fail "locked for lockout_time: $(cat "$T/body")"

signin olga@example.com "$KEY"
put_backup 1 laptop
expect 200 "" "the owner signs in and uploads after the stranger's failures"

# 130 starts from the stranger (one curl, one connection) drain its own bucket only.
curl -s --interface 127.0.0.2 -w '%{http_code}\n' -X POST \
	-H 'Content-Type: application/json' --data-binary '{"email": "olga@example.com"}' \
	$(printf -- "-o /dev/null $SERVER_URL/v1/auth/start %.0s" $(seq 130)) >"$T/statuses"
assert_eq 130 "$(grep -c '^429$' "$T/statuses")" "130 starts refused"
# Refused by the stranger's own bucket, or (once it has refilled a token) by
# its lockout: either way for this account from that address alone.
from 127.0.0.2 /v1/auth/start '{"email": "olga@example.com"}'
expect 429 "" "the stranger's starts are refused"
assert_contains "rate_limited locked_out" "$(field .error)" "refused by its bucket or its lockout"
assert_contains "$(field .message)" "for this account from this address" "rate message"
put_backup 2 laptop
expect 200 "" "the owner's upload after the stranger's 130 starts"
api GET /v1/backup
expect 200 "" "the owner's download"
signin olga@example.com "$KEY"

# Failures from many addresses lock the whole account, but not for the owner.
for i in $(seq 5); do
	garbage 127.0.0.3
	expect 401 bad_password "second stranger's garbage proof $i"
done
from 127.0.0.4 /v1/auth/start '{"email": "olga@example.com"}'
expect 429 locked_out "a new address, with the whole account locked"
assert_eq account "$(field .scope)" "whole-account scope"
assert_contains "$(field .message)" "for this account;" "message"
signin olga@example.com "$KEY"
put_backup 3 laptop
expect 200 "" "the owner's known address is exempt from the whole-account lock"
echo ok
