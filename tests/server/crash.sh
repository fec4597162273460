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
# The accounts dev1..dev50@example.com, created and signed in by one process.
"$SRP_TOOL" accounts "$SERVER_URL" dev $DEVICES >"$T/accounts" || fail "accounts: $(tail -n 1 "$T/accounts")"
i=0
while read -r _ token; do
	i=$((i + 1))
	echo "$token" >"$T/token.$i"
done <"$T/accounts"
assert_eq $DEVICES "$i" "accounts created and signed in"

# device N: uploads until the server goes away; logs "version envelope" per
# 200. One process (curl) per upload: the envelope (384 random bytes, in
# base64 made of hex digits) and the version come from bash itself.
device() {
	local n=$1 token version=0 env chunk code ans k v
	read -r token <"$T/token.$n"
	if [ -s "$T/acked.$n" ]; then
		while read -r v _; do version=$v; done <"$T/acked.$n"
	fi
	while :; do
		env=""
		for ((k = 0; k < 16; k++)); do
			printf -v chunk '%08x%08x%08x%08x' $SRANDOM $SRANDOM $SRANDOM $SRANDOM
			env+=$chunk
		done
		code=$(curl -s -o "$T/ans.$n" -w '%{http_code}' -X PUT --max-time 10 \
			-H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
			--data-binary "{\"replaces_version\": $version, \"device_id\": \"d$n\", \"envelope\": \"$env\"}" \
			"$SERVER_URL/v1/backup") || return 0
		[ "$code" = 200 ] || return 0
		read -r ans <"$T/ans.$n"
		[[ $ans =~ \"version\":\ ?([0-9]+) ]] || { echo "device $n: no version in $ans" >&2; return 1; }
		version=${BASH_REMATCH[1]}
		echo "$version $env" >>"$T/acked.$n"
	done
}

acked_count() { cat "$T"/acked.* 2>/dev/null | wc -l; }

# upload_then SIGNAL: every device uploads for a second (longer on a busy
# machine, until twice as many uploads as devices were answered in this
# round, 60 s at most), then the server gets SIGNAL with the 50 uploads
# under way.
upload_then() {
	local pids="" i status waited=0 before
	before=$(acked_count)
	for i in $(seq $DEVICES); do
		device "$i" &
		pids="$pids $!"
	done
	sleep 1
	while [ "$(acked_count)" -lt $((before + 2 * DEVICES)) ] && [ $waited -lt 118 ]; do
		sleep 0.5
		waited=$((waited + 1))
	done
	authkeepd_stop -"$1"
	status=$?
	for i in $pids; do
		wait "$i" || fail "a device's upload loop failed"
	done
	STOP_STATUS=$status
	[ "$(acked_count)" -ge $((before + DEVICES)) ] ||
		fail "only $(($(acked_count) - before)) uploads were answered before SIG$1"
}

# verify_device WHAT N: every acknowledged upload of device N is there with
# the same bytes; one curl fetches them all, one jq reads them.
verify_device() {
	local i=$2 token version env code files=() urls=() envs=() got=() k
	read -r token <"$T/token.$i"
	while read -r version env; do
		files+=("$T/got.$i.$version")
		urls+=(-o "$T/got.$i.$version" "$SERVER_URL/v1/backup?version=$version")
		envs+=("$version $env")
	done <"$T/acked.$i"
	curl -s -w '%{http_code}\n' -H "Authorization: Bearer $token" "${urls[@]}" >"$T/codes.$i"
	k=0
	while read -r code; do
		assert_eq 200 "$code" "$1: device $i version ${envs[k]%% *} survives (body $(cat "${files[k]}"))"
		k=$((k + 1))
	done <"$T/codes.$i"
	assert_eq ${#envs[@]} $k "$1: device $i: answers"
	mapfile -t got < <(jq -r '"\(.version) \(.envelope)"' "${files[@]}")
	for k in "${!envs[@]}"; do
		assert_eq "${envs[k]}" "${got[k]:-}" "$1: device $i version ${envs[k]%% *} bytes"
	done
	rm -f "${files[@]}"
	CHECKED=$((CHECKED + ${#envs[@]}))
}

# Restarts the server and checks every acknowledged upload, byte for byte.
verify_acked() {
	local total i
	CHECKED=0
	total=$(acked_count)
	if store_is_sqlite; then # PostgreSQL checks its own pages
		assert_eq ok "$(store_sql 'PRAGMA integrity_check')" "integrity after $1"
	fi
	authkeepd_start --rate-address 0 --rate-account 0 --accounts-per-address 0 --keep-versions 100000
	for i in $(seq $DEVICES); do
		[ -s "$T/acked.$i" ] || continue
		verify_device "$1" "$i"
	done
	assert_eq "$total" "$CHECKED" "every acknowledged upload checked"
	echo "$1: $CHECKED acknowledged uploads are there"
}

upload_then KILL
verify_acked SIGKILL
upload_then TERM
assert_eq 0 "$STOP_STATUS" "SIGTERM during uploads: a clean exit"
grep -q "stopping (signal 15)" "$SERVER_LOG" || fail "the log says why it stopped"
verify_acked SIGTERM
echo ok
