#!/bin/bash
# A server that accepts connections and never answers: commands that only
# read (code, list) return at once, since they never touch the network; a
# change waits for its backup at most its deadline, then is kept pending
# and says so in one line.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

start_server
device_a_backed_up
stop_server

# The listener takes authkeepd's port: connections are accepted, then nothing.
"$SYS_PY" -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
held = []
while True:
    c, _ = s.accept()
    held.append(c)
' "$PORT" &
STALL_PID=$!
at_exit "kill $STALL_PID 2>/dev/null"
for _ in $(seq 1 100); do
	"$SYS_PY" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$PORT" \
		2>/dev/null && break
	sleep 0.05
done

# elapsed_ms COMMAND...: runs it (output in $T/out, $T/err), prints its time in ms.
elapsed_ms() {
	local start end
	start=$(date +%s%N)
	"$@" >"$T/out" 2>"$T/err" || true
	end=$(date +%s%N)
	echo $(((end - start) / 1000000))
}

# A change first: it waits for the server at most its deadline (3 s), then
# it is kept pending and the note says so.
ms=$(elapsed_ms on A add --issuer "Stalled" --account "first.change" --secret JBSWY3DPEHPK3PXP)
[ "$ms" -lt 6000 ] || fail "add waited ${ms} ms on a server that never answers"
assert_contains "$(cat "$T/err")" "the server did not answer within 3 s; the change is kept" "pending note"
assert_eq 1 "$(wc -l <"$T/err")" "one line on stderr"
on A list --json >"$T/list.json"
assert_contains "$(cat "$T/list.json")" "first.change" "the account was added"
on A backup status --json --offline >"$T/a.json"
assert_eq pending "$(json_get "$T/a.json" 'd["state"]')" "state pending"
assert_eq True "$(json_get "$T/a.json" 'd["pending"]')" "pending"

# With the change pending, reading commands never wait.
for cmd in "code" "list" "code forge --quiet"; do
	# shellcheck disable=SC2086
	ms=$(elapsed_ms on A $cmd)
	[ "$ms" -lt 1000 ] || fail "'authkeep $cmd' took ${ms} ms with a stalled server"
	assert_eq "" "$(cat "$T/err")" "'$cmd' says nothing on stderr"
done
start=$(date +%s%N)
on A code forge --quiet | cat >"$T/piped"
end=$(date +%s%N)
[ $(((end - start) / 1000000)) -lt 1000 ] || fail "code | cat waited on the server"
assert_eq "$(cat "$T/piped")" "$(on A code forge --quiet)" "a code through a pipe"

kill "$STALL_PID" 2>/dev/null
wait "$STALL_PID" 2>/dev/null || true
