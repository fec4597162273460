#!/bin/bash
# authkeepd on a port that is taken: one line that names the address and the
# reason, a non-zero exit, and no database created or touched.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"

busy() { # WHAT PORT
	assert_fails "$AUTHKEEPD_BIN" --listen "127.0.0.1:$2" --db "sqlite:$T/second.db"
	assert_eq 1 "$(wc -l <"$T/err")" "$1: one line"
	assert_eq "authkeepd: cannot listen on 127.0.0.1:$2: the address is already in use (another authkeepd?)" \
		"$(cat "$T/err")" "$1: the message"
	[ ! -e "$T/second.db" ] || fail "$1: the database was created"
}

# Held by another authkeepd.
authkeepd_start
busy "another authkeepd" "$SERVER_PORT"
raw GET /healthz
expect 200 "" "the first authkeepd still answers"
authkeepd_stop || exit 1

# Held by another program.
python3 -c 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(60)' >"$T/held" &
holder=$!
at_exit "kill $holder 2>/dev/null"
for _ in $(seq 50); do [ -s "$T/held" ] && break; sleep 0.1; done
busy "another program" "$(cat "$T/held")"

# Once the port is free again, the same command starts.
kill $holder
wait $holder 2>/dev/null
SERVER_PORT=$(cat "$T/held")
SERVER_URL="http://127.0.0.1:$SERVER_PORT"
authkeepd_start
raw GET /healthz
expect 200 "" "starts once the port is free"
echo ok
