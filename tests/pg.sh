# A throwaway PostgreSQL 15 cluster for the tests that run against the
# PostgreSQL store. Source it after tests/lib.sh; tests/authkeepd.sh does
# when AUTHKEEP_TEST_STORE=postgres.
#
#   pg_start
#       Starts the cluster, once per script: initdb in a new temporary folder
#       ($PG_DIR), listening on 127.0.0.1:$PG_PORT (a free port) and on a Unix
#       socket in that folder, run by the user postgres when the test runs as
#       root (Debian's postgresql package makes that user), else by the test's
#       own user. It is stopped and removed at exit. Skips the test (77) when
#       PostgreSQL 15 is not installed.
#   pg_database NAME
#       Creates the database NAME (once) owned by the role authkeep, which may
#       log in and owns what authkeepd creates, nothing more.
#   pg_url NAME
#       The postgres:// URL of database NAME as authkeepd takes it.
#   pg_sql NAME SQL
#       Runs SQL on database NAME as the role authkeep; rows on stdout, one a
#       line, columns separated by '|' (as the sqlite3 command prints them).
#   pg_dump_db NAME
#       pg_dump of database NAME (plain SQL) on stdout.
#   pg_stop / pg_restart
#       Stops the server (fast shutdown) or restarts it on the same port.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR=""
PG_PORT=""

# Runs a command as the cluster's owner.
pg_as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	[ -n "$PG_DIR" ] && return 0
	[ -x "$PG_BIN/initdb" ] || skip "PostgreSQL 15 is not installed ($PG_BIN/initdb)"
	if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
		skip "no user postgres to run PostgreSQL as"
	fi
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/authkeep-pg.XXXXXX") || fail "mktemp"
	at_exit pg_remove
	[ "$(id -u)" -eq 0 ] && chown postgres "$PG_DIR"
	chmod 700 "$PG_DIR"
	pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync \
		--no-locale -E UTF8 >"$PG_DIR/initdb.log" 2>&1 ||
		fail "initdb: $(tail -n 5 "$PG_DIR/initdb.log")"
	PG_PORT=$(free_port)
	pg_launch
	pg_admin -q -c "CREATE ROLE authkeep LOGIN" || fail "cannot create the role authkeep"
}

# Starts the server of $PG_DIR on $PG_PORT and waits until it accepts connections.
pg_launch() {
	pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 120 \
		-o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$PG_DIR \
-c shared_buffers=16MB -c max_connections=60 -c max_wal_senders=0 -c wal_level=minimal" \
		start >/dev/null 2>&1 || fail "PostgreSQL does not start: $(tail -n 5 "$PG_DIR/server.log")"
}

pg_stop() {
	pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 stop >/dev/null 2>&1
}

pg_restart() {
	pg_stop
	pg_launch
}

pg_remove() {
	[ -n "$PG_DIR" ] || return 0
	pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$PG_DIR"
	PG_DIR=""
}

# psql as the superuser, on the database postgres, over the socket.
pg_admin() {
	"$PG_BIN/psql" -X -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"
}

pg_database() {
	pg_start
	local exists
	exists=$(pg_admin -At -c "SELECT 1 FROM pg_database WHERE datname = '$1'") ||
		fail "cannot list the databases"
	[ -n "$exists" ] && return 0
	pg_admin -q -c "CREATE DATABASE \"$1\" OWNER authkeep" || fail "cannot create database $1"
}

pg_url() {
	printf 'postgres://authkeep@127.0.0.1:%s/%s' "$PG_PORT" "$1"
}

pg_sql() {
	"$PG_BIN/psql" -X -At -h "$PG_DIR" -p "$PG_PORT" -U authkeep -d "$1" -v ON_ERROR_STOP=1 \
		-c "$2"
}

pg_dump_db() {
	"$PG_BIN/pg_dump" -h "$PG_DIR" -p "$PG_PORT" -U authkeep -d "$1"
}
