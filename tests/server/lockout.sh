#!/bin/bash
# Failed sign-ins on authkeepd slow down, then lock out, per account and
# address and per address, with a 429 locked_out that says when to retry; a
# successful sign-in clears the count of its account and address.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"

authkeepd_start --slow-after 2 --lockout-account-address 4 --lockout-address 100 --lockout-time 4s \
	--rate-address 0 --rate-account 0
KEY=$(new_key)
create_account heidi@example.com "$KEY"
WRONG=$(new_key)

try() { "$SRP_TOOL" signin "$SERVER_URL" heidi@example.com "$1" >"$T/body"; }

try "$WRONG" && fail "wrong key signed in"
assert_eq bad_password "$(field .error)" "failure 1"
try "$WRONG" && fail "wrong key signed in"
assert_eq bad_password "$(field .error)" "failure 2"
# From the 2nd failure: wait 1 s, then 2 s, ...
try "$KEY" && fail "signed in while slowed down"
assert_eq locked_out "$(field .error)" "slowed down"
assert_eq account_address "$(field .scope)" "scope"
assert_eq 1 "$(field .retry_after)" "wait 1 s"
assert_contains "$(field .message)" "try again in 1 second" "message says when"
sleep 1.2
try "$WRONG" && fail "wrong key signed in"
assert_eq bad_password "$(field .error)" "failure 3"
try "$WRONG" && fail "wrong key signed in"
assert_eq 2 "$(field .retry_after)" "wait 2 s after failure 3"
sleep 2.2
try "$WRONG" && fail "wrong key signed in"
assert_eq bad_password "$(field .error)" "failure 4"
try "$KEY" && fail "signed in while locked out"
assert_eq locked_out "$(field .error)" "locked out"
[ "$(field .retry_after)" -ge 3 ] || fail "locked for the lockout time: $(cat "$T/body")"
assert_contains "$(field .message)" "too many failed sign-ins for this account from this address" \
	"message"
sleep 4.2
try "$KEY" || fail "the right key after the lockout: $(cat "$T/body")"
try "$WRONG" && fail "wrong key signed in"
assert_eq bad_password "$(field .error)" "a success cleared the count"
try "$KEY" || fail "one failure does not slow down"

# Per address: failures on different accounts add up. (A new database: the
# counts of the failures above outlive the restart.)
authkeepd_stop || exit 1
SERVER_DB=$T/per-address.db
authkeepd_start --slow-after 0 --lockout-account-address 100 --lockout-address 3 --lockout-time 60s \
	--rate-address 0 --rate-account 0
for who in ivan judy mallory; do
	k=$(new_key)
	create_account "$who@example.com" "$k"
	"$SRP_TOOL" signin "$SERVER_URL" "$who@example.com" "$WRONG" >"$T/body" && fail "wrong key"
	assert_eq bad_password "$(field .error)" "failure for $who"
done
create_account heidi@example.com "$KEY"
"$SRP_TOOL" signin "$SERVER_URL" heidi@example.com "$KEY" >"$T/body" && fail "signed in from a locked address"
assert_eq locked_out "$(field .error)" "address locked"
assert_eq address "$(field .scope)" "scope address"
assert_contains "$(field .message)" "from this address" "message names the address"
[ "$(field .retry_after)" -ge 59 ] || fail "retry_after: $(cat "$T/body")"
echo ok
