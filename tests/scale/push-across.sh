#!/bin/bash
# Push sign-in across two authkeepd processes on one PostgreSQL database: the
# device waits on the second, the sign-in is started on the first, and the
# device's long-poll brings it; the device answers on the second and the
# requester, waiting on the first, hears how it ended. How long each took
# is printed (the hint of PostgreSQL's NOTIFY, or the re-read of every
# process's waits when a hint is lost); nothing here asserts on time.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/devices-lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/scale/lib-scale.sh"

opts=(--rate-address 0 --rate-account 0 --rate-signin 0 --signin-max 100)
authkeepd_start "${opts[@]}"
second_start "${opts[@]}"
KEY=$(new_key)
create_account una@example.com "$KEY"
signin una@example.com "$KEY"
device_new "$T/phone"
device_register "$T/phone" "Phone"
expect 201 "" "the device registers through the first"

# poll URL PATH WAIT OUT: a long-poll in the background; its end time in OUT.time.
poll() {
	local h
	h=$(device_header "$T/phone" GET "$2?wait=$3")
	(curl -s -o "$4" -H "Authorization: $h" "$1$2?wait=$3"
	 date +%s.%N >"$4.time") &
	POLL=$!
}
ms_between() { awk -v s="$1" -v e="$(cat "$2")" 'BEGIN { printf "%d", (e - s) * 1000 }'; }

took=() after=() answered=() answered_after=()
for i in 1 2 3 4 5; do
	poll "$SECOND_URL" /v1/device/requests 30 "$T/poll$i"
	sleep 0.5 # the long-poll is waiting on the second process
	sent=$(date +%s.%N)
	signin_request una@example.com "round $i"
	posted=$(date +%s.%N)
	expect 201 "" "sign-in $i started on the first"
	ID=$(field .request_id)
	wait $POLL
	assert_eq "$ID" "$(jq -r '.requests[0].request_id' "$T/poll$i")" \
		"the device's long-poll on the second brought request $i"
	took+=("$(ms_between "$sent" "$T/poll$i.time")")
	after+=("$(ms_between "$posted" "$T/poll$i.time")")

	# The requester waits on the first; the device denies on the second.
	(curl -s -o "$T/state$i" "$SERVER_URL/v1/signin/$ID?wait=30"
	 date +%s.%N >"$T/state$i.time") &
	waiter=$!
	sleep 0.5
	sent=$(date +%s.%N)
	via 2 device_answer "$T/phone" "$(jq -c '.requests[0]' "$T/poll$i")" deny
	posted=$(date +%s.%N)
	expect 200 "" "deny $i on the second"
	wait $waiter
	assert_eq denied "$(jq -r .state "$T/state$i")" "the requester's wait on the first after deny $i"
	answered+=("$(ms_between "$sent" "$T/state$i.time")")
	answered_after+=("$(ms_between "$posted" "$T/state$i.time")")
done
# From before the call (curl, the commit, its answer) and from its answer
# (negative: the long-poll answered before the caller had its own answer).
echo "push across processes: the device's long-poll on the second answered ${took[*]} ms after" \
	"the sign-in was sent to the first, ${after[*]} ms after its answer"
echo "the requester's wait on the first answered ${answered[*]} ms after the answer was sent" \
	"to the second, ${answered_after[*]} ms after its reply"
# The hints came through LISTEN; no process had to rely on the re-read alone.
for f in "$SERVER_ERR" "$T/second.stderr"; do
	assert_not_contains "$(cat "$f")" "cannot listen for changes" "$(basename "$f")"
done
second_stop || exit 1
echo ok
