#!/bin/bash
# Failed sign-ins are counted in the store, not in one process's memory: a
# lockout outlives a restart of authkeepd on the same database, and a
# successful sign-in clears its count there.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"
store_is_sqlite && ! command -v sqlite3 >/dev/null && skip "sqlite3 is not installed"

OPTS=(--slow-after 0 --lockout-account 3 --lockout-time 60s)
authkeepd_start "${OPTS[@]}"
KEY=$(new_key)
WRONG=$(new_key)
create_account pat@example.com "$KEY"
expect 201 "" "account"
try() { "$SRP_TOOL" signin "$SERVER_URL" pat@example.com "$1" >"$T/body"; }
for i in 1 2 3; do
	try "$WRONG" && fail "wrong key signed in"
	assert_eq bad_password "$(field .error)" "failure $i"
done
try "$KEY" && fail "signed in while locked out"
assert_eq locked_out "$(field .error)" "locked before the restart"

authkeepd_stop || exit 1
authkeepd_start "${OPTS[@]}"
try "$KEY" && fail "a restart cleared the lockout"
assert_eq locked_out "$(field .error)" "still locked after the restart"
[ "$(field .retry_after)" -ge 50 ] || fail "retry_after after the restart: $(cat "$T/body")"

# A success clears the count of its account and address in the store.
authkeepd_stop || exit 1
authkeepd_start --slow-after 0 --lockout-account 3 --lockout-time 2s
sleep 2.2
try "$KEY" || fail "the right key after the lockout: $(cat "$T/body")"
rows() { store_sql "SELECT count(*) FROM signin_failures WHERE address = '127.0.0.1' AND account_id <> ''"; }
assert_eq 0 "$(rows)" "the success cleared the count of this account and address"
authkeepd_stop || exit 1
authkeepd_start --slow-after 0 --lockout-account-address 3 --lockout-time 60s
for i in 1 2; do
	try "$WRONG" && fail "wrong key signed in"
	assert_eq bad_password "$(field .error)" "failure $i after the success"
done
try "$KEY" || fail "two failures after a success do not lock: $(cat "$T/body")"
echo ok
