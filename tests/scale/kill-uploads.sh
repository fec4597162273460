#!/bin/bash
# 50 uploads at once, half to each of two authkeepd processes on one
# PostgreSQL database, and the first killed with SIGKILL meanwhile: every
# upload that was acknowledged (200) is there afterwards, byte for byte,
# through the second and through the first once it is back; every upload
# to the second is acknowledged.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/scale/lib-scale.sh"

N=50
opts=(--rate-address 0 --rate-account 0 --rate-signin 0 --accounts-per-address 0)
authkeepd_start "${opts[@]}"
second_start "${opts[@]}"

signed_in_accounts up $N
for i in $(seq 1 $N); do
	envelope 4096 >"$T/env$i"
done

# upload I URL: PUT /v1/backup of account I, its status in $T/status$I.
upload() {
	jq -cn --rawfile e "$T/env$1" --arg d "dev$1" '{replaces_version: 0, device_id: $d,
		device_name: $d, envelope: ($e | rtrimstr("\n"))}' >"$T/put$1"
	curl -s --max-time 120 -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $(cat "$T/token.$1")" \
		-H 'Content-Type: application/json' --data-binary "@$T/put$1" "$2/v1/backup" \
		>"$T/status$1"
}
spread $N upload
sleep 0.1
authkeepd_stop -KILL
wait "${PIDS[@]}"

acked=0 cut=0
for i in $(seq 1 $N); do
	status=$(cat "$T/status$i")
	if [ $((i % 2)) = 0 ]; then
		assert_eq 200 "$status" "upload $i to the second, which stayed up"
	fi
	if [ "$status" = 200 ]; then
		acked=$((acked + 1))
	else
		cut=$((cut + 1))
	fi
done
echo "uploads acknowledged: $acked of $N; cut by the kill: $cut"

# check_all WHICH: every acknowledged upload is there, through process WHICH.
check_all() {
	for i in $(seq 1 $N); do
		TOKEN=$(cat "$T/token.$i")
		via "$1" api GET /v1/backup
		if [ "$(cat "$T/status$i")" = 200 ]; then
			expect 200 "" "acknowledged upload $i through process $1"
			assert_eq "$(cat "$T/env$i")" "$(field .envelope)" "upload $i byte for byte (process $1)"
		else
			# Cut: there whole, or not at all.
			[ "$STATUS" = 404 ] || assert_eq "$(cat "$T/env$i")" "$(field .envelope)" \
				"a cut upload $i is whole or absent"
		fi
	done
}
check_all 2
authkeepd_start "${opts[@]}"
check_all 1
second_stop || exit 1
echo ok
