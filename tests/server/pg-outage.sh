#!/bin/bash
# The PostgreSQL store while the database is away: authkeepd keeps running,
# answers its store's error (as for SQLite's: 500 "internal", and 503 from
# /healthz) to what needs the database, and once
# PostgreSQL is back it connects again by itself and serves what was stored
# before, with no restart. A schema newer than this authkeepd is refused at
# start with one line.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"
export AUTHKEEP_TEST_STORE=postgres

authkeepd_start --rate-address 0 --rate-account 0
at_exit authkeepd_stop
KEY=$(new_key)
create_account olga@example.com "$KEY"
expect 201 "" "account"
signin olga@example.com "$KEY"
put_backup 0 laptop
expect 200 "" "upload before the outage"

pg_stop
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' "$SERVER_URL/healthz")
expect 503 internal "health while the database is away"
api GET /v1/backup
expect 500 internal "a download while the database is away"
put_backup 1 laptop
expect 500 internal "an upload while the database is away"
raw POST /v1/auth/start '{"email": "olga@example.com"}'
expect 500 internal "a sign-in while the database is away"
kill -0 "$SERVER_PID" || fail "authkeepd exited during the outage"
grep -q "cannot connect" "$SERVER_ERR" "$SERVER_LOG" 2>/dev/null ||
	fail "the outage is not logged: $(tail -n 5 "$SERVER_ERR")"

pg_restart
# Reconnects within its backoff (5 s at most between tries): wait generously.
for _ in $(seq 1 300); do
	curl -fsS "$SERVER_URL/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' "$SERVER_URL/healthz")
expect 200 "" "health after PostgreSQL is back"
api GET /v1/backup
expect 200 "" "the backup from before the outage"
assert_eq 1 "$(field .version)" "its version"
put_backup 1 laptop
expect 200 "" "an upload after the outage"
signin olga@example.com "$KEY"
authkeepd_stop || exit 1

# A database written by a newer authkeepd: refused, with one line.
store_sql "INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)"
assert_fails "$AUTHKEEPD_BIN" --listen "127.0.0.1:$(free_port)" --db "$(store_url)"
assert_eq 1 "$(wc -l <"$T/err")" "one line: $(cat "$T/err")"
assert_contains "$(cat "$T/err")" "newer authkeepd (schema 99" "the refusal"
echo "ok"
