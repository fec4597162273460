# Starting and stopping a real authkeepd on loopback, for every shell test
# (through tests/lib.sh) and for the demo (through scripts/demo-lib.sh).
# Sourcing it only defines functions; the binary is $AUTHKEEPD_BIN, or
# $AUTHKEEPD in the demo.
#
#   authkeepd_start [authkeepd options...]
#       Starts authkeepd on 127.0.0.1:$SERVER_PORT with the store of
#       $SERVER_DB (store_url below), its request log in $SERVER_LOG and stderr in $SERVER_ERR,
#       then the options given, and waits until $SERVER_URL/healthz answers.
#       Unset, SERVER_PORT is a free port, SERVER_URL http://127.0.0.1:PORT,
#       and the files are server.db, server.log, server.stderr in $SERVER_DIR
#       (default $T). They are chosen once: a restart keeps the port and the
#       data, as devices that remember the URL expect. SERVER_CURL is the
#       health check's curl (an array; HTTPS adds --cacert FILE). Exports
#       SERVER_URL, SERVER_PORT and SERVER_PID. A server that does not answer
#       ends the script with a FAIL line.
#   authkeepd_wait
#       The waiting part alone, for a server started another way.
#   authkeepd_stop [-SIGNAL]
#       Sends SIGNAL (-TERM by default) to $SERVER_PID and waits for it. After
#       -TERM, an authkeepd that authkeepd_start started must exit 0 (under
#       ASan: no leak and no report); otherwise it says why and returns 1. A
#       stand-in server a test put in SERVER_PID is only stopped.

#   store_url [PATH]
#       The --db of the store at PATH ($SERVER_DB by default): sqlite:PATH, or
#       with AUTHKEEP_TEST_STORE=postgres the postgres:// URL of a database
#       named after PATH in the script's throwaway cluster (tests/pg.sh),
#       which store_prepare PATH creates (authkeepd_start does).
#   store_sql SQL [PATH]
#       Runs SQL on that store (sqlite3 or psql), rows on stdout with columns
#       separated by '|'; for tests that look inside the database.
#   store_dump [PATH]
#       Everything the store keeps, as bytes to grep (the SQLite files, or
#       pg_dump's output).
#   store_is_sqlite
#       True when the tests run against SQLite (what only makes sense there).

# Free TCP port on loopback.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Nothing of a server comes from the environment.
unset SERVER_URL SERVER_PORT SERVER_DB SERVER_LOG SERVER_ERR SERVER_DIR SERVER_CURL
SERVER_PID=""
authkeepd_started="" # the pid authkeepd_start gave SERVER_PID: its exit status counts

authkeepd_wait() {
	for _ in $(seq 1 200); do
		if "${SERVER_CURL[@]}" "$SERVER_URL/healthz" >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			echo "FAIL: authkeepd exited: $(tail -n 5 "$SERVER_ERR")" >&2
			exit 1
		fi
		sleep 0.05
	done
	echo "FAIL: authkeepd does not answer on $SERVER_URL" >&2
	exit 1
}

store_is_sqlite() { [ "${AUTHKEEP_TEST_STORE:-sqlite}" = sqlite ]; }

# The database of PATH in the PostgreSQL cluster: a name made from the path.
store_pg_name() { printf 'ak_%s' "$(printf '%s' "$1" | md5sum | cut -c1-16)"; }

store_prepare() {
	store_is_sqlite && return 0
	if ! command -v pg_database >/dev/null; then
		. "${AUTHKEEP_SOURCE_ROOT:?}/tests/pg.sh"
	fi
	pg_database "$(store_pg_name "${1:-$SERVER_DB}")"
}

store_url() {
	if store_is_sqlite; then
		printf 'sqlite:%s' "${1:-$SERVER_DB}"
	else
		pg_url "$(store_pg_name "${1:-$SERVER_DB}")"
	fi
}

store_sql() {
	if store_is_sqlite; then
		sqlite3 "${2:-$SERVER_DB}" "$1"
	else
		pg_sql "$(store_pg_name "${2:-$SERVER_DB}")" "$1"
	fi
}

store_dump() {
	if store_is_sqlite; then
		cat "${1:-$SERVER_DB}"*
	else
		pg_dump_db "$(store_pg_name "${1:-$SERVER_DB}")"
	fi
}

authkeepd_start() {
	: "${SERVER_DIR:=$T}"
	: "${SERVER_PORT:=$(free_port)}"
	: "${SERVER_URL:=http://127.0.0.1:$SERVER_PORT}"
	: "${SERVER_DB:=$SERVER_DIR/server.db}"
	: "${SERVER_LOG:=$SERVER_DIR/server.log}"
	: "${SERVER_ERR:=$SERVER_DIR/server.stderr}"
	[ -n "${SERVER_CURL+set}" ] || SERVER_CURL=(curl -fsS)
	export SERVER_URL SERVER_PORT
	store_prepare "$SERVER_DB"
	"${AUTHKEEPD_BIN:-$AUTHKEEPD}" --listen "127.0.0.1:$SERVER_PORT" --db "$(store_url "$SERVER_DB")" \
		--log "$SERVER_LOG" "$@" >>"$SERVER_ERR" 2>&1 &
	SERVER_PID=$!
	authkeepd_started=$SERVER_PID
	export SERVER_PID
	authkeepd_wait
}

authkeepd_stop() {
	local sig=${1:--TERM} pid=$SERVER_PID status
	[ -n "$pid" ] || return 0
	kill "$sig" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	status=$?
	SERVER_PID=""
	if [ "$sig" = -TERM ] && [ "$pid" = "$authkeepd_started" ] && [ $status -ne 0 ]; then
		echo "FAIL: authkeepd exited with status $status: $(tail -n 20 "$SERVER_ERR")" >&2
		return 1
	fi
	return 0
}
