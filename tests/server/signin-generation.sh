#!/bin/bash
# The credential generation: a sign-in started before a password change or
# a revocation of every session does not finish afterwards, and a recovery
# code gives one session even to two sign-ins finishing at once. An old
# database (schema 1) is brought up to date and keeps its accounts.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"

authkeepd_start --slow-after 100

KEY=$(new_key)
RKEY=$(new_key)
create_account ivy@example.com "$KEY" "$RKEY"
expect 201 "" "create ivy"

# Started, then the password changes, then finished: refused.
early=$("$SRP_TOOL" proof "$SERVER_URL" ivy@example.com "$KEY" password) || fail "proof: $early"
signin ivy@example.com "$KEY"
NEW=$(new_key)
api POST /v1/password "$(with_proof ivy@example.com "$KEY" password \
	"$("$SRP_TOOL" credential ivy@example.com "$NEW")")"
expect 204 "" "password change"
raw POST /v1/auth/finish "$early"
expect 401 login_expired "a sign-in started before the password change"
assert_contains "$(field .message)" "changed" "message says why"
assert_eq null "$(field .session_token)" "no session"

# Started, then every session is revoked, then finished: refused.
early=$("$SRP_TOOL" proof "$SERVER_URL" ivy@example.com "$NEW" password) || fail "proof: $early"
api POST /v1/sessions/revoke
expect 204 "" "revoke every session"
raw POST /v1/auth/finish "$early"
expect 401 login_expired "a sign-in started before the revocation"
signin ivy@example.com "$NEW" # one started afterwards finishes

# Two sign-ins with the recovery code, finished at the same time: one session.
p1=$("$SRP_TOOL" proof "$SERVER_URL" ivy@example.com "$RKEY" recovery) || fail "proof: $p1"
p2=$("$SRP_TOOL" proof "$SERVER_URL" ivy@example.com "$RKEY" recovery) || fail "proof: $p2"
pids=()
for i in 1 2; do
	p=p$i
	curl -s -o "$T/race$i" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data-binary "${!p}" "$SERVER_URL/v1/auth/finish" >"$T/race$i.status" &
	pids+=($!)
done
wait "${pids[@]}"
statuses=$({ cat "$T/race1.status"; echo; cat "$T/race2.status"; echo; } | sort | tr "\n" " ")
assert_eq "200 401 " "$statuses" "exactly one of two recovery sign-ins at once"
for i in 1 2; do
	if [ "$(cat "$T/race$i.status")" = 401 ]; then
		assert_eq login_expired "$(jq -r .error "$T/race$i")" "the other one"
	fi
done
# A recovery sign-in also ends the password sign-ins under way.
early=$("$SRP_TOOL" proof "$SERVER_URL" ivy@example.com "$NEW" password) || fail "proof: $early"
signin ivy@example.com "$RKEY" recovery
raw POST /v1/auth/finish "$early"
expect 401 login_expired "a sign-in started before a recovery sign-in"

# A database of schema 1 (no generation, no server keys, no sign-in counts,
# no devices, contacts, organisations or sessions of the account page) is
# updated in place.
authkeepd_stop || exit 1
sqlite3 "$SERVER_DB" "ALTER TABLE accounts DROP COLUMN generation; DROP TABLE server_keys;
	DROP TABLE signin_failures; DROP TABLE signin_addresses;
	DROP TABLE devices; DROP TABLE signin_requests; DROP TABLE events;
	ALTER TABLE accounts DROP COLUMN push_muted_until;
	DROP TABLE contacts; DROP TABLE verify_codes; DROP TABLE verify_sends;
	DROP TABLE activations; DROP TABLE orgs;
	ALTER TABLE accounts DROP COLUMN org_id; ALTER TABLE accounts DROP COLUMN removed_at;
	DROP TABLE portal_sessions;
	DROP TABLE srp_logins; DROP TABLE rate_buckets; DROP TABLE wake_stamps;
	PRAGMA user_version = 1;" || fail "making a schema 1 database"
authkeepd_start
assert_eq 8 "$(sqlite3 "$SERVER_DB" 'PRAGMA user_version')" "schema version after the update"
signin ivy@example.com "$NEW"
early=$("$SRP_TOOL" proof "$SERVER_URL" ivy@example.com "$NEW" password) || fail "proof: $early"
api POST /v1/sessions/revoke
raw POST /v1/auth/finish "$early"
expect 401 login_expired "generations work after the update"
echo ok
