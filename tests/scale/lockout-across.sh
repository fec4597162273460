#!/bin/bash
# Failed sign-ins counted by two authkeepd processes on one PostgreSQL
# database: failures on either process add up, and the lockout they reach
# holds on both, for the right password too, until it ends.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/scale/lib-scale.sh"

opts=(--slow-after 0 --lockout-account-address 4 --lockout-address 100 --lockout-time 60s
	--rate-address 0 --rate-account 0 --rate-signin 0)
authkeepd_start "${opts[@]}"
second_start "${opts[@]}"
KEY=$(new_key)
create_account ida@example.com "$KEY"
WRONG=$(new_key)

try() { "$SRP_TOOL" signin "$1" ida@example.com "$2" >"$T/body"; }

for i in 1 2 3 4; do
	url=$SERVER_URL
	[ $((i % 2)) = 0 ] && url=$SECOND_URL
	try "$url" "$WRONG" && fail "a wrong key signed in"
	assert_eq bad_password "$(field .error)" "failure $i (process $((2 - i % 2)))"
done
try "$SERVER_URL" "$KEY" && fail "signed in on the first while locked out"
assert_eq locked_out "$(field .error)" "locked out on the first"
assert_eq account_address "$(field .scope)" "scope on the first"
try "$SECOND_URL" "$KEY" && fail "signed in on the second while locked out"
assert_eq locked_out "$(field .error)" "locked out on the second"
[ "$(field .retry_after)" -ge 30 ] || fail "locked for the lockout time: $(cat "$T/body")"

# A restart of both forgets nothing: the count is in the database.
authkeepd_stop || exit 1
second_stop || exit 1
authkeepd_start "${opts[@]}"
second_start "${opts[@]}"
try "$SECOND_URL" "$KEY" && fail "signed in after the restart while locked out"
assert_eq locked_out "$(field .error)" "still locked out after a restart"
second_stop || exit 1
echo ok
