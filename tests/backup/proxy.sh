#!/bin/bash
# The session's Bearer token never goes through a proxy over plain HTTP:
# with http_proxy, HTTP_PROXY and ALL_PROXY naming a listener on another
# loopback port, a device backed up to authkeepd on loopback talks to the
# server itself, and the listener receives nothing.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

start_server

# A stand-in proxy that records every byte it receives and answers 502.
PROXY_PORT=$(free_port)
PROXY_LOG="$T/proxy.log"
: >"$PROXY_LOG"
"$SYS_PY" - "$PROXY_PORT" "$PROXY_LOG" >"$T/proxy.err" 2>&1 <<'PY' &
import socket, sys
port, log = int(sys.argv[1]), sys.argv[2]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(16)
open(log + ".ready", "w").close()
while True:
    c, _ = s.accept()
    c.settimeout(2)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = c.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    with open(log, "ab") as f:
        f.write(b"--- connection\n" + data + b"\n")
    try:
        c.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    except OSError:
        pass
    c.close()
PY
proxy_pid=$!
at_exit "kill $proxy_pid 2>/dev/null"
for _ in $(seq 1 100); do
	[ -e "$PROXY_LOG.ready" ] && break
	sleep 0.05
done
[ -e "$PROXY_LOG.ready" ] || fail "the proxy listener did not start: $(cat "$T/proxy.err")"

# Every proxy variable libcurl reads for http://, and no exception for loopback.
export http_proxy="http://127.0.0.1:$PROXY_PORT" HTTP_PROXY="http://127.0.0.1:$PROXY_PORT"
export ALL_PROXY="http://127.0.0.1:$PROXY_PORT" all_proxy="http://127.0.0.1:$PROXY_PORT"
unset no_proxy NO_PROXY

device_a_backed_up
assert_ok on A rename "Mail Co:reader.three" "reader.3"
assert_ok on A backup now
on A backup status --json >"$T/a.json" || fail "status A: $(cat "$T/a.json")"
assert_eq backed_up "$(json_get "$T/a.json" 'd["state"]')" "state with proxies set"
assert_eq False "$(json_get "$T/a.json" 'd["pending"]')" "nothing pending with proxies set"

[ -s "$PROXY_LOG" ] && fail "the proxy received: $(head -c 600 "$PROXY_LOG")"
grep -q Bearer "$PROXY_LOG" && fail "the proxy saw the Bearer token"

# The listener does record what reaches it (so its silence above means something).
curl -sS -o /dev/null -H "Authorization: Bearer probe" "http://backup.invalid/" 2>/dev/null || true
grep -q "Bearer probe" "$PROXY_LOG" || fail "the proxy listener records nothing: $(cat "$T/proxy.err")"

unset http_proxy HTTP_PROXY ALL_PROXY all_proxy
stop_server
check_no_plaintext
echo "ok: no byte through the proxy, backed up to $SERVER"
