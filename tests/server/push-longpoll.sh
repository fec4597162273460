#!/bin/bash
# The device's long-poll on authkeepd: it answers with a sign-in request
# that arrives while it waits (the latency is printed, not asserted:
# bench/push.sh measures it), returns an empty list once its wait has
# passed, and a server stopping with long-polls waiting answers
# them and exits cleanly.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/devices-lib.sh"

authkeepd_start --rate-address 0 --rate-account 0 --rate-signin 0 --signin-max 100
KEY=$(new_key)
create_account tess@example.com "$KEY"
signin tess@example.com "$KEY"
device_new "$T/phone"
device_register "$T/phone" "Phone"

poll() { # poll WAIT OUT: in the background, the arrival time in OUT.time
	local h
	h=$(device_header "$T/phone" GET "/v1/device/requests?wait=$1")
	(curl -s --max-time 45 -o "$2" -H "Authorization: $h" "$SERVER_URL/v1/device/requests?wait=$1"
	 date +%s.%N >"$2.time") &
	POLL=$!
}

# Empty after its wait.
start=$(date +%s.%N)
poll 2 "$T/empty"
wait $POLL
elapsed=$(awk -v s="$start" -v e="$(cat "$T/empty.time")" 'BEGIN { printf "%.2f", e - s }')
assert_eq 0 "$(jq '.requests | length' "$T/empty")" "an empty list after the wait"
# It waited (load can only make that longer); the guard is curl's --max-time.
awk -v t="$elapsed" 'BEGIN { exit !(t >= 1.9) }' || fail "answered after ${elapsed}s for wait=2"

# At once when a request arrives.
worst=0
for i in 1 2 3 4 5; do
	poll 30 "$T/poll$i"
	sleep 0.3
	sent=$(date +%s.%N)
	signin_request tess@example.com
	expect 201 "" "request $i"
	ID=$(field .request_id)
	wait $POLL
	assert_eq "$ID" "$(jq -r '.requests[0].request_id' "$T/poll$i")" "the long-poll brought request $i"
	ms=$(awk -v s="$sent" -v e="$(cat "$T/poll$i.time")" 'BEGIN { printf "%d", (e - s) * 1000 }')
	[ "$ms" -gt "$worst" ] && worst=$ms
	# Deny it, so that the next long-poll waits.
	pending=$(jq -c '.requests[0]' "$T/poll$i")
	device_answer "$T/phone" "$pending" deny
	expect 200 "" "deny $i"
done
echo "long-poll latency, request created to the device's answer received: worst ${worst} ms of 5"

# Stopping with long-polls waiting: each is answered, the server exits 0.
for i in 1 2 3; do
	poll 30 "$T/stop$i"
	eval "STOP$i=\$POLL"
done
sleep 0.5
start=$(date +%s.%N)
authkeepd_stop || exit 1
wait $STOP1 $STOP2 $STOP3
end=$(date +%s.%N)
for i in 1 2 3; do
	assert_eq 0 "$(jq '.requests | length' "$T/stop$i")" "long-poll $i answered at the stop"
done
awk -v s="$start" -v e="$end" 'BEGIN { exit !(e - s < 5) }' || fail "the stop waited for the long-polls' wait"
echo "ok: long-polls"
