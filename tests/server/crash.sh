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
signed_in_accounts dev $DEVICES

# device N: uploads until the server goes away; logs "version envelope" per
# 200. One process (curl) per upload: the envelope and the version come from
# bash itself.
device() {
	local n=$1 token version=0 code ans v
	read -r token <"$T/token.$n"
	if [ -s "$T/acked.$n" ]; then
		while read -r v _; do version=$v; done <"$T/acked.$n"
	fi
	while :; do
		hex_envelope
		code=$(curl -s -o "$T/ans.$n" -w '%{http_code}' -X PUT --max-time 10 \
			-H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
			--data-binary "{\"replaces_version\": $version, \"device_id\": \"d$n\", \"envelope\": \"$ENVELOPE\"}" \
			"$SERVER_URL/v1/backup") || return 0
		[ "$code" = 200 ] || return 0
		read -r ans <"$T/ans.$n"
		[[ $ans =~ \"version\":\ ?([0-9]+) ]] || { echo "device $n: no version in $ans" >&2; return 1; }
		version=${BASH_REMATCH[1]}
		echo "$version $ENVELOPE" >>"$T/acked.$n"
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
		check_acked "$1: device $i" "$SERVER_URL" "$(cat "$T/token.$i")" "$T/acked.$i"
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
