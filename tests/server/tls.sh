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

# TLS 1.2 or later only, and forward-secret key exchanges only: TLS 1.0 and
# 1.1, and static RSA key exchange (AES128-SHA, AES256-GCM-SHA384), are
# refused; ECDHE with TLS 1.2 and TLS 1.3 are accepted. The client's own
# floor is lowered (SECLEVEL=0) so that only the server decides.
handshake() { # s_client options...: prints "PROTOCOL CIPHER" agreed, "(NONE) (NONE)" when refused
	openssl s_client -connect "127.0.0.1:$SERVER_PORT" -servername localhost "$@" </dev/null 2>/dev/null |
		sed -n 's/^New, \(.*\), Cipher is \(.*\)$/\1 \2/p' | head -n 1
}
for old in -tls1 -tls1_1; do
	got=$(handshake "$old" -cipher 'DEFAULT:@SECLEVEL=0')
	case "$got" in TLSv1*) fail "$old was accepted: $got" ;; esac
done
for rsa in AES128-SHA AES256-GCM-SHA384; do
	got=$(handshake -tls1_2 -cipher "$rsa:@SECLEVEL=0")
	case "$got" in *"$rsa"*) fail "static RSA $rsa was accepted: $got" ;; esac
done
assert_eq "TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256" "$(handshake -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256)" "TLS 1.2 with ECDHE"
assert_contains "$(handshake -tls1_3)" "TLSv1.3" "TLS 1.3"

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
