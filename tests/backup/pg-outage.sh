#!/bin/bash
# The PostgreSQL store's database away while the server runs: a change is
# saved and kept pending, with the server's own words (the database cannot be
# reached for now, and when to try again) rather than a rate limit or a
# lasting error; once the database is back, `backup now` sends it.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"
export AUTHKEEP_TEST_STORE=postgres

start_server
device_a_backed_up

pg_stop
assert_ok on A add --issuer "Outage One" --account "out.one" --secret JBSWY3DPEHPK3PXP
assert_contains "$(cat "$T/err")" "saved on this device, not backed up yet: pending since" "warning"
assert_contains "$(cat "$T/err")" "HTTP 503 unavailable: the database cannot be reached for now" \
	"why, in the server's words"
assert_not_contains "$(cat "$T/err")" "too many attempts" "not a rate limit"
on A backup status --json --offline >"$T/a.json"
assert_eq pending "$(json_get "$T/a.json" 'd["state"]')" "the change is pending"
assert_fails on A backup now
assert_eq 1 "$(wc -l <"$T/err")" "backup now: one line: $(cat "$T/err")"
assert_contains "$(cat "$T/err")" "the database cannot be reached for now; try again in" \
	"backup now says why and when"
kill -0 "$SERVER_PID" || fail "authkeepd exited during the outage"

pg_restart
# The server connects again within its backoff (5 s at most between tries).
for _ in $(seq 1 300); do
	curl -fsS "$SERVER/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
assert_ok on A backup now
assert_contains "$(cat "$T/out")" "(version 2 at" "backup now sends the change"
on A backup status --json --offline >"$T/a.json"
assert_eq backed_up "$(json_get "$T/a.json" 'd["state"]')" "backed up once the database is back"
stop_server
echo ok
