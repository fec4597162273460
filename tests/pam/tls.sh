#!/bin/bash
# pam_authkeep.so over HTTPS: the server's certificate verifies against
# ca_file=PATH and the device approves; without it the certificate is not
# trusted, which is a server that cannot be reached: refused with
# fail=closed, let through with fail=open (what fail=open costs).
. "$AUTHKEEP_SOURCE_ROOT/tests/pam/lib-pam.sh"
command -v openssl >/dev/null || skip "openssl (the command) is not installed"

need_pam
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$T/key.pem" -out "$T/cert.pem" \
	>/dev/null 2>&1 || skip "openssl cannot make a test certificate"
SERVER="https://localhost:$PORT"
HEALTH_CURL=(curl -fsS --cacert "$T/cert.pem")
export AUTHKEEP_CA_FILE="$T/cert.pem" # the device's
start_server --tls-cert "$T/cert.pem" --tls-key "$T/key.pem"
device_a_backed_up
user_map "alice $EMAIL"
pam_service "user_map=$USER_MAP"

# The system's CAs do not know the test's: not trusted, fail=closed.
pam_run alice
assert_pam_fails "an untrusted certificate"
assert_contains "$PAM_OUT" "Authentication service cannot retrieve authentication info" \
	"PAM_AUTHINFO_UNAVAIL"
assert_logged "its certificate is not trusted"
pam_service "user_map=$USER_MAP fail=open"
pam_run alice
assert_pam_ok "an untrusted certificate with fail=open"
assert_contains "$PAM_OUT" "signed in without approval" "the warning"

# ca_file= names the CA: the sign-in goes through and the device approves.
pam_service "user_map=$USER_MAP ca_file=$T/cert.pem"
pam_start alice
pam_number
pending_request
assert_ok on A approve "$RID" --number "$NUMBER"
pam_type ""
pam_end
assert_pam_ok "approved over HTTPS"
assert_logged "alice ($EMAIL): approved on the device"

stop_server
check_no_plaintext
