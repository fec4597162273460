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
#   signed_in_accounts PREFIX N           PREFIX1@example.com .. PREFIXN@example.com created
#       and signed in by one srp_tool process; the session token of account I in $T/token.I
#   hex_envelope                          ENVELOPE: 384 random bytes in base64, from bash alone
#   check_acked WHAT URL TOKEN FILE       every upload logged in FILE is there, byte for byte
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

signed_in_accounts() {
	local i=0 token
	"$SRP_TOOL" accounts "$SERVER_URL" "$1" "$2" >"$T/accounts" ||
		fail "accounts: $(tail -n 1 "$T/accounts")"
	while read -r _ token; do
		i=$((i + 1))
		echo "$token" >"$T/token.$i"
	done <"$T/accounts"
	assert_eq "$2" "$i" "accounts created and signed in"
}

# hex_envelope: sets ENVELOPE to 384 random bytes in base64, written with hex
# digits only (they are base64 characters), without starting a process: for
# upload loops, where process starts would be most of the CPU.
hex_envelope() {
	local chunk k
	ENVELOPE=""
	for ((k = 0; k < 16; k++)); do
		printf -v chunk '%08x%08x%08x%08x' $SRANDOM $SRANDOM $SRANDOM $SRANDOM
		ENVELOPE+=$chunk
	done
}

# check_acked WHAT URL TOKEN FILE: every line "VERSION ENVELOPE" of FILE (the
# uploads answered 200) is at URL for TOKEN, GET /v1/backup?version=VERSION
# answering 200 with that envelope. One curl fetches them all and one jq
# reads them; adds their number to CHECKED.
check_acked() {
	local what=$1 url=$2 token=$3 version env code files=() args=() sent=() got=() k=0
	while read -r version env; do
		files+=("$T/acked-got.$version")
		args+=(-o "$T/acked-got.$version" "$url/v1/backup?version=$version")
		sent+=("$version $env")
	done <"$4"
	curl -s -w '%{http_code}\n' -H "Authorization: Bearer $token" "${args[@]}" >"$T/acked-codes"
	while read -r code; do
		assert_eq 200 "$code" "$what: version ${sent[k]%% *} is there (body $(cat "${files[k]}"))"
		k=$((k + 1))
	done <"$T/acked-codes"
	assert_eq ${#sent[@]} $k "$what: answers"
	mapfile -t got < <(jq -r '"\(.version) \(.envelope)"' "${files[@]}")
	for k in "${!sent[@]}"; do
		assert_eq "${sent[k]}" "${got[k]:-}" "$what: version ${sent[k]%% *} byte for byte"
	done
	rm -f "${files[@]}"
	CHECKED=$((${CHECKED:-0} + ${#sent[@]}))
}
