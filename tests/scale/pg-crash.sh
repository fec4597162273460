#!/bin/bash
# PostgreSQL itself crashes under load: 30 accounts upload new versions in a
# loop, half through each of two authkeepd processes, while the cluster is
# stopped with `pg_ctl stop -m immediate` (no checkpoint, as a crash), then
# in a second round killed with SIGKILL, the postmaster and all its
# children at once. The cluster restarts through WAL recovery; each
# authkeepd stays up, answers 503 unavailable meanwhile, reconnects by
# itself, and afterwards every version that was answered 200 is there byte
# for byte, and each account's latest backup is one that was sent for its
# version and no older than the last acknowledged one.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/scale/lib-scale.sh"

N=30
# Durability: tests/pg.sh's initdb --no-sync only skips the flush of the
# files initdb writes. The server keeps fsync and synchronous_commit on, so
# a commit is on disk before authkeepd answers 200. A process crash does
# not lose the kernel's page cache, so this test would pass even with
# fsync=off; synchronous_commit=on is what it needs (a commit answered
# before its WAL is written would be lost).
assert_eq on "$(pg_admin -At -c 'SHOW fsync')" "fsync"
assert_eq on "$(pg_admin -At -c 'SHOW synchronous_commit')" "synchronous_commit"

opts=(--rate-address 0 --rate-account 0 --rate-signin 0 --accounts-per-address 0
	--keep-versions 100000)
authkeepd_start "${opts[@]}"
second_start "${opts[@]}"
first_pid=$SERVER_PID second_pid=$SECOND_PID
signed_in_accounts pgcrash $N

# device N URL: uploads a new version in a loop until $T/stop exists. Logs
# "VERSION ENVELOPE" of every attempt in sent.N (before it is sent: an
# answer lost in the crash may still have been committed) and of every 200
# in acked.N, and every other status in other.N. After a 409 it goes on
# from the latest version (an attempt that failed for us but was
# committed); after an error it waits a little and tries again.
device() {
	local n=$1 url=$2 token version=0 code ans
	read -r token <"$T/token.$n"
	while [ ! -e "$T/stop" ]; do
		hex_envelope
		echo "$((version + 1)) $ENVELOPE" >>"$T/sent.$n"
		code=$(curl -s -o "$T/ans.$n" -w '%{http_code}' -X PUT --max-time 30 \
			-H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
			--data-binary "{\"replaces_version\": $version, \"device_id\": \"d$n\", \"envelope\": \"$ENVELOPE\"}" \
			"$url/v1/backup")
		ans=""
		[ -s "$T/ans.$n" ] && read -r ans <"$T/ans.$n"
		case $code in
		200)
			[[ $ans =~ \"version\":\ ?([0-9]+) ]] || { echo "200 $ans" >>"$T/other.$n"; return 1; }
			version=${BASH_REMATCH[1]}
			echo "$version $ENVELOPE" >>"$T/acked.$n"
			;;
		409)
			echo "$version" >>"$T/conflict.$n"
			[[ $ans =~ \"latest_version\":\ ?([0-9]+) ]] || { echo "409 $ans" >>"$T/other.$n"; return 1; }
			version=${BASH_REMATCH[1]}
			;;
		503)
			echo "$code" >>"$T/outage.$n"
			pause 0.2
			;;
		*)
			echo "$code $ans" >>"$T/other.$n"
			pause 0.2
			;;
		esac
	done
}

count() { cat "$T"/"$1".* 2>/dev/null | wc -l; }
# wait_acked MORE: until MORE uploads more than now were answered 200 (60 s at most).
wait_acked() {
	local until=$(($(count acked) + $1)) end=$((SECONDS + 60))
	while [ "$(count acked)" -lt $until ] && [ $SECONDS -lt $end ]; do
		pause 0.2
	done
	[ "$(count acked)" -ge $until ] || fail "only $(count acked) uploads answered, waited for $until"
}
# healthy URL: /healthz answers 200 (a minute at most: the reconnection backs off up to 5 s).
healthy() {
	local end=$((SECONDS + 60))
	while [ $SECONDS -lt $end ]; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$1/healthz")" = 200 ] && return 0
		pause 0.2
	done
	fail "$1 does not serve again after PostgreSQL's recovery"
}

# stop_immediate: pg_ctl's immediate shutdown, which writes no checkpoint.
stop_immediate() { pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null; }

# kill_cluster: SIGKILL to the postmaster and every child of it at once, as
# a crash of the machine's PostgreSQL would (pg_ctl starts it in a session
# of its own: its process group; else the postmaster and its children).
kill_cluster() {
	local pm pgid
	read -r pm <"$PG_DIR/data/postmaster.pid"
	pgid=$(ps -o pgid= -p "$pm" | tr -d ' ')
	if [ "$pgid" = "$pm" ]; then
		echo "SIGKILL to the process group of the postmaster"
		kill -KILL -- "-$pm"
	else
		# shellcheck disable=SC2046
		kill -KILL "$pm" $(ps -o pid= --ppid "$pm")
	fi
	while kill -0 "$pm" 2>/dev/null; do pause 0.05; done
}

# crash_round WHAT COMMAND...: under load, COMMAND crashes the cluster; it
# stays down a second (uploads meanwhile are answered errors), comes back
# through recovery, and both processes serve uploads again by themselves.
crash_round() {
	local what=$1 outage_before recoveries
	shift
	wait_acked $N
	outage_before=$(count outage)
	recoveries=$(grep -c "automatic recovery in progress" "$PG_DIR/server.log")
	"$@"
	sleep 1
	pg_launch
	[ "$(grep -c "automatic recovery in progress" "$PG_DIR/server.log")" -gt "$recoveries" ] ||
		fail "$what: PostgreSQL did not recover from its WAL: $(tail -n 5 "$PG_DIR/server.log")"
	healthy "$SERVER_URL"
	healthy "$SECOND_URL"
	wait_acked $N
	[ "$(count outage)" -gt "$outage_before" ] || fail "$what: no upload was answered an error meanwhile"
	echo "$what: $(($(count outage) - outage_before)) uploads answered 503 meanwhile" \
		"(so far, by status: $(sort "$T"/outage.* | uniq -c | awk '{ printf "%s%s %s", s, $2, $1; s = ", " }'))"
}

spread $N device
crash_round "pg_ctl stop -m immediate" stop_immediate
crash_round "SIGKILL" kill_cluster
touch "$T/stop"
for i in "${!PIDS[@]}"; do
	wait "${PIDS[i]}" || fail "device $((i + 1)): $(cat "$T/other.$((i + 1))")"
done
kill -0 "$first_pid" 2>/dev/null || fail "the first authkeepd exited: $(tail -n 5 "$SERVER_ERR")"
kill -0 "$second_pid" 2>/dev/null || fail "the second authkeepd exited: $(tail -n 5 "$T/second.stderr")"
assert_eq 0 "$(count other)" "answers other than 200, 409 and 503: $(cat "$T"/other.* 2>/dev/null)
the stores said, last: $(grep -h "store:" "$SERVER_ERR" "$T/second.stderr" | tail -n 8)"

# Each account: its latest backup is no older than the last acknowledged
# one and is what was sent for its version; every acknowledged version is
# there byte for byte, through the other process than the one it went to.
CHECKED=0
for i in $(seq 1 $N); do
	[ -s "$T/acked.$i" ] || fail "account $i: no upload was acknowledged"
	read -r token <"$T/token.$i"
	TOKEN=$token
	api GET /v1/backup
	expect 200 "" "account $i: the latest backup"
	latest="$(field .version) $(field .envelope)"
	last_acked=$(tail -n 1 "$T/acked.$i")
	[ "${latest%% *}" -ge "${last_acked%% *}" ] ||
		fail "account $i: latest version ${latest%% *}, older than the acknowledged ${last_acked%% *}"
	grep -qxF "$latest" "$T/sent.$i" || fail "account $i: version ${latest%% *} is not what was sent for it"
	url=$SECOND_URL
	[ $((i % 2)) = 0 ] && url=$SERVER_URL
	check_acked "account $i" "$url" "$token" "$T/acked.$i"
done
echo "$CHECKED acknowledged uploads of $N accounts are there after two crashes of PostgreSQL;" \
	"$(count conflict) uploads answered an error were committed all the same (a 409 after them)"
second_stop || exit 1
echo ok
