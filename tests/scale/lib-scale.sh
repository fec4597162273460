# Helpers of the tests of several authkeepd processes on one PostgreSQL
# database: source after tests/lib.sh and the helpers of the calls made
# (tests/server/common.sh, or tests/backup/lib-backup.sh for real devices).
# The first process is authkeepd_start's (tests/authkeepd.sh) with the store
# of $SERVER_DB in the script's throwaway cluster (tests/pg.sh); the second
# serves the same database on its own port:
#
#   second_start [authkeepd options...]
#       authkeepd_start for it: on 127.0.0.1:$SECOND_PORT ($SECOND_URL), its
#       files in $T/second.*; its pid in SECOND_PID.
#   second_stop [-SIGNAL]
#       authkeepd_stop for it: after -TERM it must exit 0.
#   via 1|2 COMMAND...
#       Runs COMMAND with SERVER_URL set to the first or the second process.
#   ms_since START
#       Milliseconds from START (date +%s.%N) until now, for the logs.
#   spread N COMMAND
#       Runs `COMMAND I URL` in the background for I from 1 to N, URL the
#       first process's for odd I and the second's for even; their pids in
#       the array PIDS, in order.

[ -f "$AUTHKEEP_SOURCE_ROOT/tests/pg.sh" ] || skip "no throwaway PostgreSQL (tests/pg.sh)"
export AUTHKEEP_TEST_STORE=postgres
. "$AUTHKEEP_SOURCE_ROOT/tests/pg.sh"
pg_start

SECOND_PORT=$(free_port)
SECOND_URL="http://127.0.0.1:$SECOND_PORT"
SECOND_PID=""

# as_second COMMAND...: COMMAND with the SERVER_* variables of tests/authkeepd.sh
# set to the second process's, which it may change (its pid).
SECOND_VARS=(SERVER_PORT SERVER_URL SERVER_LOG SERVER_ERR SERVER_PID authkeepd_started)
SECOND_VALUES=("$SECOND_PORT" "$SECOND_URL" "$T/second.log" "$T/second.stderr" "" "")
as_second() {
	local i saved=() rc
	for i in "${!SECOND_VARS[@]}"; do
		saved[i]=${!SECOND_VARS[i]}
		printf -v "${SECOND_VARS[i]}" '%s' "${SECOND_VALUES[i]}"
	done
	"$@"
	rc=$?
	for i in "${!SECOND_VARS[@]}"; do
		SECOND_VALUES[i]=${!SECOND_VARS[i]}
		printf -v "${SECOND_VARS[i]}" '%s' "${saved[i]}"
	done
	SECOND_PID=${SECOND_VALUES[4]}
	return $rc
}

second_start() { as_second authkeepd_start "$@"; }
second_stop() { as_second authkeepd_stop "$@"; }
at_exit 'second_stop -KILL'

via() {
	local which=$1 saved=$SERVER_URL
	shift
	[ "$which" = 2 ] && SERVER_URL=$SECOND_URL
	"$@"
	local rc=$?
	SERVER_URL=$saved
	return $rc
}

ms_since() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%d", (e - s) * 1000 }'; }

spread() {
	local i url
	PIDS=()
	for i in $(seq 1 "$1"); do
		url=$SERVER_URL
		[ $((i % 2)) = 0 ] && url=$SECOND_URL
		"$2" "$i" "$url" &
		PIDS+=($!)
	done
}
