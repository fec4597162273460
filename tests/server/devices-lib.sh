# Helpers of the device and push sign-in tests: source after common.sh.
#   device_new VAULT                      makes a device (a vault file, its id and key in
#                                         VAULT.json); sets DEVICE_ID, DEVICE_PK
#   device_register VAULT NAME            POST /v1/devices with $TOKEN (answer in $T/body)
#   device_verify VAULT EMAIL KEY         POST /v1/verify/start from the device with a proof
#                                         of KEY: verifies a device of an account without
#                                         alternate contacts
#   device_call VAULT METHOD PATH [BODY]  curl with the device's Device header
#   device_header VAULT METHOD PATH [BODY] the header's value alone
#   device_answer VAULT REQ_JSON DECISION [NUMBER]  POST .../answer for REQ_JSON
#   signin_request EMAIL [APP]            POST /v1/signin (no auth)
#   totp_code SECRET [STEP_OFFSET]        the code of a device's secret

device_register() {
	local out
	out=$(jq -cn --arg n "$2" --arg d "$(vault_device_id "$1")" --arg k "$(vault_device_pk "$1")" \
		'{device_id: $d, name: $n, public_key: $k}')
	api POST /v1/devices "$out"
}

device_verify() {
	device_call "$1" POST /v1/verify/start "$(with_proof "$2" "$3" password '{}')"
	expect 200 "" "verifying the device of $1"
	assert_eq true "$(field .verified)" "the device of $1 is verified"
}

# The id and public key of a vault made by device_new (remembered beside it).
vault_device_id() { jq -r .device_id "$1.json"; }
vault_device_pk() { jq -r .public_key "$1.json"; }

device_new() {
	local out
	out=$("$SRP_TOOL" device-new "$1") || fail "srp_tool device-new $1"
	printf '%s' "$out" >"$1.json"
	DEVICE_ID=$(jq -r .device_id <<<"$out")
	DEVICE_PK=$(jq -r .public_key <<<"$out")
}

device_header() {
	"$SRP_TOOL" device-header "$1" "$2" "$3" ${4:+"$4"} || fail "srp_tool device-header"
}

device_call() {
	local h
	h=$(device_header "$@")
	STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -X "$2" -H "Authorization: $h" \
		-H 'Content-Type: application/json' ${4:+--data-binary "$4"} "$SERVER_URL$3")
}

device_answer() {
	local id body
	id=$(jq -r .request_id <<<"$2")
	body=$("$SRP_TOOL" device-answer "$1" "$2" "$3" "${4:-0}") || fail "srp_tool device-answer"
	device_call "$1" POST "/v1/signin/$id/answer" "$body"
}

signin_request() {
	raw POST /v1/signin "$(jq -cn --arg e "$1" --arg a "${2:-}" \
		'{email: $e} + (if $a == "" then {} else {app: $a} end)')"
}

totp_code() { "$SRP_TOOL" totp "$1" "${2:-0}"; }

# assert_ne UNEXPECTED ACTUAL WHAT
assert_ne() { [ "$1" != "$2" ] || fail "$3: did not expect '$2'"; }
