# Helpers of authkeepd's end-to-end tests: source after tests/lib.sh.
#   start_server [authkeepd options...]   starts authkeepd on a free port with
#       a new SQLite file; sets URL, DB, SERVER_LOG, SERVER_PID
#   stop_server                           SIGTERM and wait
#   new_key                               a random 32-byte login key (hex)
#   create_account EMAIL KEY [RECOVERY_KEY]  POST /v1/accounts (status in $STATUS;
#       the body sent in $T/account.json)
#   signin EMAIL KEY [recovery]           signs in with srp_tool; sets TOKEN, ACCOUNT_ID
#   api METHOD PATH [BODY]                curl with $TOKEN; body in $T/body, status in $STATUS
command -v curl >/dev/null || skip "curl is not installed"
command -v jq >/dev/null || skip "jq is not installed"

SRP_TOOL="$AUTHKEEP_BUILD_ROOT/tests/server/srp_tool"
[ -x "$SRP_TOOL" ] || skip "srp_tool is not built"
SERVER_PID=""
TOKEN=""

# Stops the server with SIGTERM; returns non-zero (after saying why) unless it
# exits 0, which under ASan also means no leak and no error report.
stop_quietly() {
	local rc=0
	if [ -n "$SERVER_PID" ]; then
		kill -TERM "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
		rc=$?
		SERVER_PID=""
	fi
	if [ $rc -ne 0 ]; then
		echo "FAIL: authkeepd exited with status $rc: $(tail -20 "$T/server.stderr")" >&2
		return 1
	fi
	return 0
}
stop_server() { stop_quietly || exit 1; }
# At exit a bad status of the server fails the test (rc is ak_cleanup's).
at_exit 'stop_quietly || rc=1'

# Waits until /healthz answers (or the server died).
wait_ready() {
	local i
	for i in $(seq 1 200); do
		if curl -s -o /dev/null ${CURL_TLS:-} "$URL/healthz"; then
			return 0
		fi
		kill -0 "$SERVER_PID" 2>/dev/null || fail "authkeepd exited: $(cat "$SERVER_LOG")"
		sleep 0.05
	done
	fail "authkeepd did not answer on $URL"
}

# start_server [options]: reuses $DB if set, else makes one.
start_server() {
	PORT=$(free_port)
	: "${DB:=$T/server.db}"
	SERVER_LOG="$T/server.log"
	URL="${SCHEME:-http}://127.0.0.1:$PORT"
	"$AUTHKEEPD_BIN" --listen "127.0.0.1:$PORT" --db "sqlite:$DB" --log "$SERVER_LOG" \
		"$@" 2>>"$T/server.stderr" &
	SERVER_PID=$!
	wait_ready
}

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
		-H 'Content-Type: application/json' ${3:+--data-binary "$3"} "$URL$2")
}

# api METHOD PATH [BODY]: with the session token.
api() {
	STATUS=$(curl -s ${CURL_TLS:-} -o "$T/body" -w '%{http_code}' -X "$1" \
		-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		${3:+--data-binary "$3"} "$URL$2")
}

# signin EMAIL KEY [recovery]
signin() {
	"$SRP_TOOL" signin "$URL" "$1" "$2" "${3:-password}" ${CACERT:-} >"$T/signin" ||
		fail "sign-in of $1 failed: $(cat "$T/signin")"
	TOKEN=$(jq -r .session_token "$T/signin")
	ACCOUNT_ID=$(jq -r .account_id "$T/signin")
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
