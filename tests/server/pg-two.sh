#!/bin/bash
# Two authkeepd processes on one PostgreSQL database act as one server: a
# session opened through one works through the other and, revoked through
# one, is refused by both at once; a backup uploaded through one downloads
# byte for byte through the other; of uploads replacing one version through
# both at once exactly one succeeds; failed sign-ins through both count in
# one lockout that holds on both.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"
export AUTHKEEP_TEST_STORE=postgres

OPTS=(--rate-address 0 --rate-account 0 --rate-signin 0 --slow-after 0 --lockout-account 3
	--lockout-time 60s)
authkeepd_start "${OPTS[@]}"
at_exit authkeepd_stop
A=$SERVER_URL
PB=$(free_port)
B=http://127.0.0.1:$PB
"$AUTHKEEPD_BIN" --listen "127.0.0.1:$PB" --db "$(store_url)" --log "$T/b.log" "${OPTS[@]}" \
	>>"$T/b.err" 2>&1 &
B_PID=$!
at_exit "kill $B_PID 2>/dev/null"
for _ in $(seq 1 200); do
	curl -fsS "$B/healthz" >/dev/null 2>&1 && break
	kill -0 "$B_PID" 2>/dev/null || fail "the second authkeepd exited: $(tail -n 5 "$T/b.err")"
	sleep 0.05
done
on() { SERVER_URL=$1; } # which process the next call goes to

# A session from B works on A.
KEY=$(new_key)
on "$A"
create_account sam@example.com "$KEY"
expect 201 "" "account through A"
on "$B"
signin sam@example.com "$KEY"
on "$A"
api GET /v1/account
expect 200 "" "B's session on A"

# Uploaded through A, downloaded through B.
ENV=$(envelope 4096)
put_backup 0 laptop laptop "$ENV"
expect 200 "" "upload through A"
on "$B"
api GET /v1/backup
expect 200 "" "download through B"
assert_eq 1 "$(field .version)" "the version B sees"
assert_eq "$ENV" "$(field .envelope)" "the bytes B serves"
put_backup 0 phone
expect 409 newer_backup "a stale upload through B"

# Twelve uploads replacing version 1, half through each: one wins.
racers=""
for i in $(seq 1 12); do
	if [ $((i % 2)) -eq 0 ]; then on "$A"; else on "$B"; fi
	(
		put_backup 1 "dev$i"
		echo "$STATUS" >"$T/race.$i"
	) &
	racers="$racers $!"
done
for p in $racers; do wait "$p"; done
assert_eq 1 "$(cat "$T"/race.* | grep -c '^200$')" "uploads replacing version 1 that succeeded"
assert_eq 11 "$(cat "$T"/race.* | grep -c '^409$')" "uploads refused as stale"
on "$A"
api GET /v1/backup
assert_eq 2 "$(field .version)" "the latest version after the race"

# Revoked through B: refused by A at once (no cache in either).
on "$B"
api POST /v1/sessions/revoke
expect 204 "" "revoke all through B"
on "$A"
api GET /v1/account
expect 401 session_expired "A after the revocation"

# Failures through both count in one lockout, which holds on both (an
# account that never signed in from this address, which would be spared).
KEY2=$(new_key)
WRONG=$(new_key)
create_account tom@example.com "$KEY2"
expect 201 "" "a second account"
for url in "$A" "$B" "$A"; do
	"$SRP_TOOL" signin "$url" tom@example.com "$WRONG" >"$T/body" && fail "a wrong key signed in"
	assert_eq bad_password "$(field .error)" "a failure through $url"
done
for url in "$B" "$A"; do
	"$SRP_TOOL" signin "$url" tom@example.com "$KEY2" >"$T/body" && fail "signed in while locked out"
	assert_eq locked_out "$(field .error)" "locked out on $url"
done

kill -TERM "$B_PID"
wait "$B_PID" || fail "the second authkeepd exited badly: $(tail -n 5 "$T/b.err")"
echo "ok"
