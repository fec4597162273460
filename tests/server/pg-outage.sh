#!/bin/bash
# The PostgreSQL store while the database is away: authkeepd keeps running,
# answers 503 "unavailable" with retry_after and Retry-After (the seconds to
# its next attempt to connect, 1 to 5) to what needs the database, a 503
# page to the web pages and 503 from /healthz, and once PostgreSQL is back
# it connects again by itself and serves what was stored before, with no
# restart. --db-pool sizes its pool of connections: a bad value is refused
# with one line, and a pool of 2 serves parallel requests. A schema newer
# than this authkeepd is refused at start with one line.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"
export AUTHKEEP_TEST_STORE=postgres

# call METHOD PATH [BODY]: as api does (with $TOKEN when set), the answer's headers in $T/headers.
call() {
	STATUS=$(curl -s -D "$T/headers" -o "$T/body" -w '%{http_code}' -X "$1" \
		${TOKEN:+-H "Authorization: Bearer $TOKEN"} -H 'Content-Type: application/json' \
		${3:+--data-binary "$3"} "$SERVER_URL$2")
}

# expect_unavailable WHAT: the last call answered 503 unavailable, its wait in body and header.
expect_unavailable() {
	local retry header
	expect 503 unavailable "$1"
	retry=$(field .retry_after)
	[[ "$retry" =~ ^[0-9]+$ ]] && [ "$retry" -ge 1 ] && [ "$retry" -le 5 ] ||
		fail "$1: retry_after is not a whole number from 1 to 5: $(cat "$T/body")"
	header=$(tr -d '\r' <"$T/headers" | sed -n 's/^[Rr]etry-[Aa]fter: *//p')
	assert_eq "$retry" "$header" "$1: the Retry-After header"
	assert_contains "$(field .message)" "try again in $retry second" "$1: the message"
}

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
call GET /v1/backup
expect_unavailable "a download while the database is away"
call PUT /v1/backup "$(jq -cn --arg e "$(envelope 64)" \
	'{replaces_version: 1, device_id: "laptop", device_name: "laptop", envelope: $e}')"
expect_unavailable "an upload while the database is away"
TOKEN="" call POST /v1/auth/start '{"email": "olga@example.com"}'
expect_unavailable "a sign-in while the database is away"
# A page: the message page, 503 with Retry-After.
STATUS=$(curl -s -D "$T/headers" -o "$T/page" -w '%{http_code}' "$SERVER_URL/signin")
assert_eq 503 "$STATUS" "the sign-in page while the database is away"
assert_contains "$(cat "$T/page")" "Briefly unavailable" "the page's title"
assert_contains "$(cat "$T/page")" "cannot be reached for now" "the page's message"
grep -qi '^Retry-After: [1-5]' "$T/headers" || fail "the page's Retry-After: $(cat "$T/headers")"
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

# A bad --db-pool: refused at start, one line, before anything is served.
for bad in 0 x 257; do
	assert_fails "$AUTHKEEPD_BIN" --listen "127.0.0.1:$(free_port)" --db "$(store_url)" \
		--db-pool "$bad"
	assert_eq 1 "$(wc -l <"$T/err")" "--db-pool $bad: one line: $(cat "$T/err")"
	assert_contains "$(cat "$T/err")" "db_pool" "--db-pool $bad: the refusal names it"
done

# A pool of 2 connections serves more requests than that at once, on 8
# threads, and opens no more than the pool, the writer's and the LISTEN one.
authkeepd_start --rate-address 0 --rate-account 0 --db-pool 2 --threads 8
pids=()
for i in $(seq 1 8); do
	curl -s -o "$T/par$i" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
		"$SERVER_URL/v1/backup" >"$T/par$i.status" &
	pids+=($!)
done
wait "${pids[@]}"
for i in $(seq 1 8); do
	assert_eq 200 "$(cat "$T/par$i.status")" "parallel download $i with --db-pool 2"
	assert_eq 2 "$(jq -r .version "$T/par$i")" "parallel download $i: the latest version"
done
CONNS=$(pg_admin -At -c "SELECT count(*) FROM pg_stat_activity
	WHERE application_name = 'authkeepd' AND datname = '$(store_pg_name "$SERVER_DB")'")
[ "$CONNS" -ge 1 ] && [ "$CONNS" -le 4 ] ||
	fail "--db-pool 2: $CONNS connections to PostgreSQL, not 1 to 4"
authkeepd_stop || exit 1

# A database written by a newer authkeepd: refused, with one line.
store_sql "INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)"
assert_fails "$AUTHKEEPD_BIN" --listen "127.0.0.1:$(free_port)" --db "$(store_url)"
assert_eq 1 "$(wc -l <"$T/err")" "one line: $(cat "$T/err")"
assert_contains "$(cat "$T/err")" "newer authkeepd (schema 99" "the refusal"
echo "ok"
