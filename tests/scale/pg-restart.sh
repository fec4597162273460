#!/bin/bash
# PostgreSQL restarted under load (pg_ctl restart) beside two authkeepd
# processes: they answer errors while it is down, reconnect by themselves and
# serve again: sessions, backups and sign-ins on both, and push across them
# (the listening connection is made again and listens again).
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/devices-lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/scale/lib-scale.sh"

opts=(--rate-address 0 --rate-account 0 --rate-signin 0 --signin-max 100
	--max-logins-per-address 0)
authkeepd_start "${opts[@]}"
second_start "${opts[@]}"
first_pid=$SERVER_PID second_pid=$SECOND_PID
KEY=$(new_key)
create_account vi@example.com "$KEY"
signin vi@example.com "$KEY"
put_backup 0 laptop
expect 200 "" "version 1 before the restart"

# Load on both while PostgreSQL restarts.
load() {
	local end=$((SECONDS + 20))
	while [ $SECONDS -lt $end ] && [ ! -e "$T/stop-load" ]; do
		curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "$1/v1/backup"
		curl -s -o /dev/null -H 'Content-Type: application/json' \
			-d '{"email": "load@example.com"}' "$1/v1/auth/start"
	done
}
load "$SERVER_URL" &
l1=$!
load "$SECOND_URL" &
l2=$!
sleep 1
pg_restart
sleep 1
touch "$T/stop-load"
wait $l1 $l2

kill -0 "$first_pid" 2>/dev/null || fail "the first authkeepd died: $(tail -n 5 "$SERVER_ERR")"
kill -0 "$second_pid" 2>/dev/null || fail "the second authkeepd died: $(tail -n 5 "$T/second.stderr")"

# Each serves again by itself (give it up to a minute of retries).
for which in 1 2; do
	for _ in $(seq 1 120); do
		via $which api GET /v1/backup
		[ "$STATUS" = 200 ] && break
		sleep 0.5
	done
	expect 200 "" "process $which reads the backup after the restart"
	assert_eq 1 "$(field .version)" "version 1 through process $which"
done
via 2 put_backup 1 laptop
expect 200 "" "an upload through the second after the restart"
api GET /v1/backup
assert_eq 2 "$(field .version)" "the first sees version 2"
proof=$("$SRP_TOOL" proof "$SECOND_URL" vi@example.com "$KEY" password) || fail "proof: $proof"
raw POST /v1/auth/finish "$proof"
expect 200 "" "a sign-in started on the second, finished on the first"

# Push across them again.
device_new "$T/phone"
device_register "$T/phone" "Phone"
h=$(device_header "$T/phone" GET "/v1/device/requests?wait=30")
curl -s -o "$T/poll" -H "Authorization: $h" "$SECOND_URL/v1/device/requests?wait=30" &
poll=$!
sleep 0.5
start=$(date +%s.%N)
signin_request vi@example.com "after the restart"
expect 201 "" "a push sign-in on the first"
ID=$(field .request_id)
wait $poll
assert_eq "$ID" "$(jq -r '.requests[0].request_id' "$T/poll")" "the device on the second gets it"
echo "push across processes after the restart: $(ms_since "$start") ms"
second_stop || exit 1
echo ok
