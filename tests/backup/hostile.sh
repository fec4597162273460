#!/bin/bash
# A server that is not what it claims: it cannot prove it holds the account's
# verifier (M2), or answers with garbage or too much. The device trusts
# nothing it sent, says what is wrong, and changes nothing.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

# fake_server MODE: a stand-in for authkeepd (Python's http.server) on $PORT.
fake_server() {
	"$SYS_PY" - "$PORT" "$1" >"$T/fake.log" 2>&1 <<'PY' &
import base64, http.server, json, os, sys
port, mode = int(sys.argv[1]), sys.argv[2]
b64 = lambda b: base64.b64encode(b).decode()
class H(http.server.BaseHTTPRequestHandler):
    def send(self, code, body):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        self.send(200, {"status": "ok"})
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if mode == "garbage":
            return self.send(200, b"<html>welcome to the captive portal</html>")
        if mode == "huge":
            return self.send(200, b"{\"x\":\"" + b"A" * (30 << 20) + b"\"}")
        if mode == "costly" and self.path == "/v1/auth/start":
            return self.send(200, {"login_id": "l1", "kdf": {"alg": "argon2id13", "salt": b64(bytes(16)),
                             "opslimit": 3, "memlimit": 64 << 30}, "srp_salt": b64(b"\x01" * 16), "B": b64(b"\x02")})
        if self.path == "/v1/auth/start":
            return self.send(200, {"login_id": "l1", "kdf": {"alg": "argon2id13", "salt": b64(bytes(16)),
                             "opslimit": 1, "memlimit": 8192}, "srp_salt": b64(b"\x01" * 16), "B": b64(b"\x02")})
        # auth/finish: a session, but a proof made up without the verifier.
        self.send(200, {"M2": b64(os.urandom(32)), "session_token": "t" * 43, "expires_at": 2000000000,
                        "account_id": "a" * 32, "recovery": False,
                        "wrapped_key": {"nonce": b64(bytes(24)), "ciphertext": b64(bytes(48))}})
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
	SERVER_PID=$!
	for _ in $(seq 1 100); do
		curl -fsS "$SERVER/healthz" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	fail "the fake server did not start: $(cat "$T/fake.log")"
}

new_device C
on C add --issuer "Own Site" --account "own.user" --secret ORSXG5BAMJQWG23VOAQHI2LNMU >/dev/null
sum=$(file_sum "$(vault_of C)")
R=(--server "$SERVER" --email "$EMAIL")

# try MODE TEXT: recover and backup on against the fake server both fail with TEXT.
try() {
	fake_server "$1"
	assert_fails on C recover "${R[@]}"
	assert_contains "$(cat "$T/err")" "$2" "recover against a server that is $1"
	assert_contains "$(cat "$T/err")" "nothing was changed on this device" "recover says so ($1)"
	assert_eq 1 "$(wc -l <"$T/err")" "one line ($1)"
	assert_fails on C backup on "${R[@]}"
	assert_contains "$(cat "$T/err")" "$2" "backup on against a server that is $1"
	assert_eq "$sum" "$(file_sum "$(vault_of C)")" "C unchanged ($1)"
	on C backup status --offline >"$T/out"
	assert_contains "$(cat "$T/out")" "Backup: off" "backup stays off ($1)"
	stop_server
}
try impostor "the server's proof M2 is wrong: it does not hold this account's verifier"
try garbage "the server's answer is malformed: sign-in: the answer is not a JSON object"
try huge "the answer is larger than"
try costly "memlimit"
