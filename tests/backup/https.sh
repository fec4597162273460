#!/bin/bash
# Over HTTPS (authkeepd --tls-cert/--tls-key): the device verifies the server's
# certificate, trusting the CA that AUTHKEEP_CA_FILE names; an untrusted
# certificate is refused with a line that says so.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"
command -v openssl >/dev/null || skip "openssl (the command) is not installed"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$T/key.pem" -out "$T/cert.pem" \
	>/dev/null 2>&1 || skip "openssl cannot make a test certificate"
SERVER="https://localhost:$PORT"
HEALTH_CURL=(curl -fsS --cacert "$T/cert.pem")
start_server --tls-cert "$T/cert.pem" --tls-key "$T/key.pem"
R=(--server "$SERVER" --email "$EMAIL")

new_device A
add_accounts A
sum=$(file_sum "$(vault_of A)")
assert_fails on A backup on "${R[@]}" --create
assert_contains "$(cat "$T/err")" "its certificate is not trusted" "untrusted certificate"
assert_contains "$(cat "$T/err")" "AUTHKEEP_CA_FILE" "says what to do"
assert_eq "$sum" "$(file_sum "$(vault_of A)")" "nothing changed"

export AUTHKEEP_CA_FILE="$T/cert.pem"
assert_ok on A backup on "${R[@]}" --create
assert_contains "$(cat "$T/out")" "Backup is on: 5 accounts backed up" "backup over HTTPS"
assert_ok on A rename "Steam" "gamer.tls"
assert_eq "" "$(cat "$T/err")" "change backed up over HTTPS"
assert_ok on B recover "${R[@]}"
assert_contains "$(cat "$T/out")" "Recovered 5 accounts from backup version 2" "recovered over HTTPS"

stop_server
PLAINTEXT+=("gamer.tls")
check_no_plaintext
