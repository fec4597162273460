#!/bin/bash
# Durability: 50 devices (one recovery account each) upload in a loop while
# authkeepd is killed with SIGKILL. After a restart, every upload that was
# answered 200 is there with the same bytes, and SQLite's integrity check
# passes. Then the same with SIGTERM: the server finishes the uploads under
# way and exits 0.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"
store_is_sqlite && ! command -v sqlite3 >/dev/null && skip "sqlite3 is not installed"

DEVICES=50
authkeepd_start --rate-address 0 --rate-account 0 --accounts-per-address 0 --keep-versions 100000
for i in $(seq $DEVICES); do
	k=$(new_key)
	create_account "dev$i@example.com" "$k"
	expect 201 "" "create $i"
	signin "dev$i@example.com" "$k"
	echo "$TOKEN" >"$T/token.$i"
done

# device N: uploads until the server goes away; logs "version sha256" per 200.
device() {
	local n=$1 token version env code
	token=$(cat "$T/token.$n")
	version=$(tail -1 "$T/acked.$n" 2>/dev/null | cut -d' ' -f1)
	version=${version:-0}
	while :; do
		env=$(head -c 512 /dev/urandom | base64 -w0)
		code=$(curl -s -o "$T/ans.$n" -w '%{http_code}' -X PUT --max-time 10 \
			-H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
			--data-binary "{\"replaces_version\": $version, \"device_id\": \"d$n\", \"envelope\": \"$env\"}" \
			"$SERVER_URL/v1/backup") || return 0
		[ "$code" = 200 ] || return 0
		version=$(jq -r .version "$T/ans.$n")
		echo "$version $(printf '%s' "$env" | sha256sum | cut -d' ' -f1)" >>"$T/acked.$n"
	done
}

# upload_then SIGNAL: every device uploads for 4 s (longer on a busy machine,
# until twice as many uploads as devices were answered, 60 s at most), then
# the server gets SIGNAL.
upload_then() {
	local pids="" i status waited=0
	for i in $(seq $DEVICES); do
		device "$i" &
		pids="$pids $!"
	done
	sleep 4
	while [ "$(cat "$T"/acked.* 2>/dev/null | wc -l)" -lt $((2 * DEVICES)) ] && [ $waited -lt 112 ]; do
		sleep 0.5
		waited=$((waited + 1))
	done
	authkeepd_stop -"$1"
	status=$?
	wait $pids
	STOP_STATUS=$status
}

# Restarts the server and checks every acknowledged upload, byte for byte.
verify_acked() {
	local total checked=0 i version sum
	total=$(cat "$T"/acked.* 2>/dev/null | wc -l)
	[ "$total" -ge $DEVICES ] || fail "only $total uploads were answered"
	if store_is_sqlite; then # PostgreSQL checks its own pages
		assert_eq ok "$(store_sql 'PRAGMA integrity_check')" "integrity after $1"
	fi
	authkeepd_start --rate-address 0 --rate-account 0 --accounts-per-address 0 --keep-versions 100000
	for i in $(seq $DEVICES); do
		[ -s "$T/acked.$i" ] || continue
		TOKEN=$(cat "$T/token.$i")
		while read -r version sum; do
			api GET "/v1/backup?version=$version"
			expect 200 "" "$1: device $i version $version survives"
			assert_eq "$sum" "$(field .envelope | tr -d '\n' | sha256sum | cut -d' ' -f1)" \
				"$1: device $i version $version bytes"
			checked=$((checked + 1))
		done <"$T/acked.$i"
	done
	assert_eq "$total" "$checked" "every acknowledged upload checked"
	echo "$1: $checked acknowledged uploads are there"
}

upload_then KILL
verify_acked SIGKILL
upload_then TERM
assert_eq 0 "$STOP_STATUS" "SIGTERM during uploads: a clean exit"
grep -q "stopping (signal 15)" "$SERVER_LOG" || fail "the log says why it stopped"
verify_acked SIGTERM
echo ok
