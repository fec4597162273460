#!/bin/bash
# A server brought back from an old copy of its database (a rollback) holds
# an older latest version than the devices saw. Each device says so in those
# words, never as "a newer backup exists"; recover refuses to take a device
# back with it; `backup now --force` uploads the device's accounts again.
# And a recovery takes the version the server listed as the latest, or none.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

start_server
R=(--server "$SERVER" --email "$EMAIL")
PLAINTEXT+=("seventh.one" "MZXW6YTBOI3DEMJS" "eighth.one" "MZXW6YTBOI3DEMJT" "ninth.one" "MZXW6YTBOI3DEMJU")

device_a_backed_up # version 1
# The database as it is now, aside.
stop_server
for f in "$DB" "$DB-wal" "$DB-shm"; do [ -e "$f" ] && cp "$f" "$f.v1"; done
start_server
assert_ok on A add --issuer "Seventh" --account "seventh.one" --secret MZXW6YTBOI3DEMJS # version 2
assert_ok on B recover "${R[@]}"                                                      # B knows 2
assert_ok on A add --issuer "Eighth" --account "eighth.one" --secret MZXW6YTBOI3DEMJT   # version 3
on A backup status --json >"$T/a.json"
assert_eq 3 "$(json_get "$T/a.json" 'd["version"]')" "A at version 3"

# The rollback: the old database is put back.
stop_server
rm -f "$DB" "$DB-wal" "$DB-shm"
for f in "$DB" "$DB-wal" "$DB-shm"; do [ -e "$f.v1" ] && cp "$f.v1" "$f"; done
start_server

behind="the server's backup (version 1) is older than this device's (3)"
assert_exit 8 on A backup status
assert_contains "$(cat "$T/out")" "State: $behind" "status says the server is behind"
assert_not_contains "$(cat "$T/out")" "newer backup" "not as a newer backup"
on A backup status --json >"$T/a.json"
assert_eq server_behind "$(json_get "$T/a.json" 'd["state"]')" "json state"

# recover refuses, on A and on B, and changes nothing.
sum=$(file_sum "$(vault_of A)")
assert_fails on A recover "${R[@]}" --merge
assert_eq "recover: $behind: the server lost versions; nothing was changed ('authkeep recover --dry-run' shows what it holds; 'authkeep backup now --force' uploads this device's accounts again)" \
	"$(sed 's/^authkeep: //' "$T/err")" "A's refusal"
assert_eq "$sum" "$(file_sum "$(vault_of A)")" "A unchanged"
sum=$(file_sum "$(vault_of B)")
assert_fails on B recover "${R[@]}" --merge
assert_contains "$(cat "$T/err")" "recover: the server's backup (version 1) is older than this device's (2)" "B's refusal"
assert_not_contains "$(cat "$T/err")" "newer backup" "B: not as a newer backup"
assert_eq "$sum" "$(file_sum "$(vault_of B)")" "B unchanged"
# The dry run still shows what the server holds.
assert_ok on A recover "${R[@]}" --dry-run
assert_contains "$(cat "$T/out")" "Backup version 1 of $EMAIL" "dry run"

# A change and a plain `backup now` say the same and replace nothing.
assert_ok on A add --issuer "Ninth" --account "ninth.one" --secret MZXW6YTBOI3DEMJU
assert_contains "$(cat "$T/err")" "not backed up yet: $behind" "change warned"
assert_fails on A backup now
assert_contains "$(cat "$T/err")" "backup now: not backed up: $behind" "backup now"
assert_not_contains "$(cat "$T/err")" "newer backup" "backup now: not as a newer backup"
# --force uploads A's accounts on top of version 1.
assert_ok on A backup now --force
assert_contains "$(cat "$T/out")" "Backed up 8 accounts (version 2 at" "forced"

# A server that lists one version as the latest and sends another is refused:
# a proxy in front of authkeepd answers every download with version 1.
PROXY_PORT=$(free_port)
"$SYS_PY" - "$PROXY_PORT" "$PORT" >"$T/proxy.log" 2>&1 <<'PY' &
import http.server, sys, urllib.request, urllib.error
listen, upstream = int(sys.argv[1]), int(sys.argv[2])
class H(http.server.BaseHTTPRequestHandler):
    def relay(self):
        path = self.path
        if self.command == "GET" and path.startswith("/v1/backup") and "versions" not in path:
            path = "/v1/backup?version=1"
        body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0)) or None
        req = urllib.request.Request(f"http://127.0.0.1:{upstream}{path}", data=body, method=self.command)
        for k in ("Authorization", "Content-Type"):
            if self.headers.get(k):
                req.add_header(k, self.headers[k])
        try:
            r = urllib.request.urlopen(req)
            code, data = r.status, r.read()
        except urllib.error.HTTPError as e:
            code, data = e.code, e.read()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    do_GET = do_POST = do_PUT = do_DELETE = relay
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", listen), H).serve_forever()
PY
proxy_pid=$!
at_exit "kill $proxy_pid 2>/dev/null"
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PROXY_PORT/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
assert_fails on D recover --server "http://127.0.0.1:$PROXY_PORT" --email "$EMAIL"
assert_contains "$(cat "$T/err")" "asked for version 2, got 1" "the listed latest or nothing"
assert_contains "$(cat "$T/err")" "nothing was changed on this device" "nothing changed"
[ ! -e "$(vault_of D)" ] || fail "a refused recovery created a vault"
kill "$proxy_pid" 2>/dev/null

stop_server
check_no_plaintext
