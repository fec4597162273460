# Helpers of authkeepd's end-to-end tests: source after tests/lib.sh.
#   the server: authkeepd_start [options] and authkeepd_stop (tests/authkeepd.sh);
#       SERVER_URL, SERVER_DB, SERVER_LOG and SERVER_PORT say where it is
#   new_key                               a random 32-byte login key (hex)
#   create_account EMAIL KEY [RECOVERY_KEY]  POST /v1/accounts (status in $STATUS;
#       the body sent in $T/account.json)
#   signin EMAIL KEY [recovery]           signs in with srp_tool; sets TOKEN, ACCOUNT_ID
#   api METHOD PATH [BODY]                curl with $TOKEN; body in $T/body, status in $STATUS
#   with_proof EMAIL KEY password|recovery BODY
#                                         BODY with the "proof" of a sign-in started for KEY
command -v curl >/dev/null || skip "curl is not installed"
command -v jq >/dev/null || skip "jq is not installed"

SRP_TOOL="$AUTHKEEP_BUILD_ROOT/tests/server/srp_tool"
[ -x "$SRP_TOOL" ] || skip "srp_tool is not built"
TOKEN=""

new_key() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# create_account EMAIL KEY [RECOVERY_KEY]
create_account() {
	local cred body
	cred=$("$SRP_TOOL" credential "$1" "$2") || fail "srp_tool credential"
	body=$(jq -c --arg e "$1" '. + {email: $e}' <<<"$cred")
	if [ $# -ge 3 ]; then
		local rec
		rec=$("$SRP_TOOL" credential "$1" "$3" recovery) || fail "srp_tool credential"
		body=$(jq -c --argjson r "$rec" '. + {recovery: $r}' <<<"$body")
	fi
	printf '%s' "$body" >"$T/account.json"
	raw POST /v1/accounts "$body"
}

# raw METHOD PATH [BODY]: no Authorization header.
raw() {
	STATUS=$(curl -s ${CURL_TLS:-} -o "$T/body" -w '%{http_code}' -X "$1" \
		-H 'Content-Type: application/json' ${3:+--data-binary "$3"} "$SERVER_URL$2")
}

# api METHOD PATH [BODY]: with the session token.
api() {
	STATUS=$(curl -s ${CURL_TLS:-} -o "$T/body" -w '%{http_code}' -X "$1" \
		-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		${3:+--data-binary "$3"} "$SERVER_URL$2")
}

# signin EMAIL KEY [recovery]
signin() {
	"$SRP_TOOL" signin "$SERVER_URL" "$1" "$2" "${3:-password}" ${CACERT:-} >"$T/signin" ||
		fail "sign-in of $1 failed: $(cat "$T/signin")"
	TOKEN=$(jq -r .session_token "$T/signin")
	ACCOUNT_ID=$(jq -r .account_id "$T/signin")
}

# with_proof EMAIL KEY password|recovery BODY
with_proof() {
	local p
	p=$("$SRP_TOOL" proof "$SERVER_URL" "$1" "$2" "$3" ${CACERT:-}) || fail "srp_tool proof: $p"
	jq -c --argjson p "$p" '. + {proof: $p}' <<<"$4"
}

# body_field FILTER: jq on the last answer.
field() { jq -r "$1" "$T/body"; }

# expect STATUS ERROR_CODE WHAT: checks the last answer.
expect() {
	assert_eq "$1" "$STATUS" "$3 (status; body $(cat "$T/body"))"
	if [ -n "$2" ]; then
		assert_eq "$2" "$(field .error)" "$3 (error code)"
	fi
}

# An envelope of N random bytes, base64.
envelope() { head -c "${1:-4096}" /dev/urandom | base64 -w0; }

# put_backup REPLACES DEVICE_ID [DEVICE_NAME] [ENVELOPE_B64]
put_backup() {
	local env=${4:-$(envelope 64)}
	api PUT /v1/backup "$(jq -cn --argjson r "$1" --arg d "$2" --arg n "${3:-$2}" --arg e "$env" \
		'{replaces_version: $r, device_id: $d, device_name: $n, envelope: $e}')"
}
