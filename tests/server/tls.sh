#!/bin/bash
# HTTPS: authkeepd with a self-signed certificate made by openssl; curl and
# the SRP client trust it through --cacert, plain HTTP to the same port
# fails, and a broken certificate or key stops the server with one line.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"
command -v openssl >/dev/null || skip "openssl is not installed"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1 || fail "openssl req"

SERVER_PORT=$(free_port)
SERVER_URL="https://127.0.0.1:$SERVER_PORT"
SERVER_CURL=(curl -fsS --cacert "$T/cert.pem")
CURL_TLS="--cacert $T/cert.pem"
CACERT="$T/cert.pem"
authkeepd_start --tls-cert "$T/cert.pem" --tls-key "$T/key.pem"
assert_contains "$SERVER_URL" "https://" "https URL"

raw GET /healthz
expect 200 "" "healthz over TLS"
KEY=$(new_key)
create_account trent@example.com "$KEY"
expect 201 "" "create over TLS"
"$SRP_TOOL" signin "$SERVER_URL" trent@example.com "$KEY" password "$CACERT" >"$T/signin" ||
	fail "sign-in over TLS: $(cat "$T/signin")"
TOKEN=$(jq -r .session_token "$T/signin")
put_backup 0 laptop
expect 200 "" "upload over TLS"
api GET /v1/backup
expect 200 "" "download over TLS"

# Without the certificate, curl refuses; plain HTTP gets no answer.
assert_fails curl -sf "$SERVER_URL/healthz"
assert_fails curl -sf --max-time 5 "http://127.0.0.1:$SERVER_PORT/healthz"
grep -q "with TLS" "$SERVER_LOG" || fail "the log says TLS"
authkeepd_stop || exit 1

# Bad TLS settings: one line, non-zero exit.
assert_fails "$AUTHKEEPD_BIN" --listen "127.0.0.1:$(free_port)" --db "sqlite:$T/x.db" \
	--tls-cert "$T/cert.pem"
assert_contains "$(cat "$T/err")" "--tls-cert and --tls-key go together" "only a certificate"
assert_fails "$AUTHKEEPD_BIN" --listen "127.0.0.1:$(free_port)" --db "sqlite:$T/x.db" \
	--tls-cert "$T/missing.pem" --tls-key "$T/key.pem"
assert_contains "$(cat "$T/err")" "cannot read" "missing certificate"
echo "not a key" >"$T/bad.pem"
assert_fails "$AUTHKEEPD_BIN" --listen "127.0.0.1:$(free_port)" --db "sqlite:$T/x.db" \
	--tls-cert "$T/cert.pem" --tls-key "$T/bad.pem"
assert_contains "$(cat "$T/err")" "not valid" "bad key"
echo ok
