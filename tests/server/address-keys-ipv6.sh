#!/bin/bash
# authkeepd over IPv6 loopback: an IPv6 client is limited and counted by its
# /64 (::1 counts as ::/64), both for request rates and failed sign-ins.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"
store_is_sqlite && ! command -v sqlite3 >/dev/null && skip "sqlite3 is not installed"
python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
	skip "this machine has no IPv6 loopback (::1)"

SERVER_PORT=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0)); print(s.getsockname()[1])')
SERVER_URL="http://[::1]:$SERVER_PORT"
authkeepd_start --listen "[::1]:$SERVER_PORT" --slow-after 0 --lockout-address 2 \
	--lockout-time 60s --rate-address 0
KEY=$(new_key)
create_account quinn@example.com "$KEY"
expect 201 "" "account over IPv6"
for i in 1 2; do
	"$SRP_TOOL" signin "$SERVER_URL" quinn@example.com "$(new_key)" >"$T/body" &&
		fail "wrong key signed in"
	assert_eq bad_password "$(field .error)" "failure $i"
done
"$SRP_TOOL" signin "$SERVER_URL" quinn@example.com "$KEY" >"$T/body" &&
	fail "signed in from a locked address"
assert_eq locked_out "$(field .error)" "the address is locked"
assert_eq address "$(field .scope)" "scope"
assert_eq "::/64" "$(store_sql "SELECT DISTINCT address FROM signin_failures WHERE address <> ''")" \
	"failures are counted under the /64"

authkeepd_stop || exit 1
authkeepd_start --listen "[::1]:$SERVER_PORT" --rate-address 1 --burst-address 2
for i in 1 2; do
	raw GET /v1/account
	expect 401 "" "request $i of the burst"
done
raw GET /v1/account
expect 429 rate_limited "past the burst of ::/64"
echo ok
