#!/bin/bash
# Push sign-in on authkeepd: a requester's request reaches the account's
# devices (never its number), a device's signed answer approves or denies it
# once, the requester's long-poll learns the state at once; wrong numbers,
# reports (then muted), expiry, replays, removed devices and throttling are
# refused with their own answers. The device's long-poll answers at once
# when a request arrives, and empty after its wait.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/devices-lib.sh"

authkeepd_start --rate-address 0 --rate-account 0 --rate-signin 0 --signin-ttl 5s \
	--signin-max 100 --slow-after 100
at_exit authkeepd_stop
KEY=$(new_key)
create_account rita@example.com "$KEY"
signin rita@example.com "$KEY"
device_new "$T/phone"
PHONE=$DEVICE_ID
device_register "$T/phone" "Phone"
device_new "$T/laptop"
LAPTOP=$DEVICE_ID
device_register "$T/laptop" "Laptop"
device_verify "$T/laptop" rita@example.com "$KEY"

# pending_requests VAULT: the device's list, at once.
pending_requests() { device_call "$1" GET "/v1/device/requests?wait=0"; }
first_request() { jq -c '.requests[0]' "$T/body"; }

# Approve: the requester's long-poll returns "approved" at once.
signin_request rita@example.com "Mail"
expect 201 "" "a sign-in request"
ID=$(field .request_id)
NUMBER=$(field .number)
[[ $ID =~ ^[0-9a-f]{32}$ ]] || fail "request id: $ID"
[ "$NUMBER" -ge 10 ] && [ "$NUMBER" -le 99 ] || fail "two-digit number: $NUMBER"
[ "$(field .expires_at)" -gt "$(date +%s)" ] || fail "expires_at"
pending_requests "$T/phone"
expect 200 "" "the device's list"
REQ=$(first_request)
assert_eq "$ID" "$(jq -r .request_id <<<"$REQ")" "the request"
assert_eq "$SERVER_URL" "$(jq -r .origin <<<"$REQ")" "origin: the server's URL"
assert_eq rita@example.com "$(jq -r .account <<<"$REQ")" "account"
assert_eq 127.0.0.1 "$(jq -r .from <<<"$REQ")" "from"
assert_eq Mail "$(jq -r .app <<<"$REQ")" "app"
assert_eq 44 "$(jq -r .nonce <<<"$REQ" | tr -d '\n' | wc -c)" "a 32-byte nonce"
grep -q '"number"' "$T/body" && fail "the device list holds the number: $(cat "$T/body")"
grep -q "\b$NUMBER\b" <<<"$(jq -c '.requests[0] | del(.created_at, .expires_at, .nonce, .request_id)' "$T/body")" &&
	fail "the number appears in the list"
curl -s "$SERVER_URL/v1/signin/$ID?wait=20" >"$T/state" &
POLL=$!
sleep 0.5
start=$(date +%s.%N)
device_answer "$T/phone" "$REQ" approve "$NUMBER"
expect 200 "" "approve"
assert_eq approved "$(field .state)" "approved"
wait $POLL
end=$(date +%s.%N)
assert_eq approved "$(jq -r .state "$T/state")" "the requester's long-poll"
awk -v s="$start" -v e="$end" 'BEGIN { exit !(e - s < 2) }' ||
	fail "the requester's wait did not return at once"
raw GET "/v1/signin/$ID"
assert_eq approved "$(field .state)" "state kept"
device_answer "$T/laptop" "$REQ" deny
expect 409 already_answered "a second answer"
api GET /v1/devices
[ "$(field ".devices[] | select(.id == \"$PHONE\") | .last_used")" -gt 0 ] || fail "last_used"

# Deny.
signin_request rita@example.com
ID=$(field .request_id)
pending_requests "$T/laptop"
REQ=$(first_request)
assert_eq "" "$(jq -r .app <<<"$REQ")" "no app: empty"
device_answer "$T/laptop" "$REQ" deny
expect 200 "" "deny"
assert_eq denied "$(field .state)" "denied"
raw GET "/v1/signin/$ID?wait=0"
assert_eq denied "$(field .state)" "the requester sees denied"

# A wrong number: a denial with its reason.
signin_request rita@example.com
ID=$(field .request_id)
NUMBER=$(field .number)
WRONG=$(( NUMBER == 99 ? 10 : NUMBER + 1 ))
pending_requests "$T/phone"
REQ=$(first_request)
device_answer "$T/phone" "$REQ" approve "$WRONG"
expect 200 "" "a wrong number"
assert_eq denied "$(field .state)" "denied"
assert_eq wrong_number "$(field .reason)" "reason"
raw GET "/v1/signin/$ID"
assert_eq denied "$(field .state)" "the requester sees denied"

# A bad signature changes nothing: the answer for another number, sent with the right one.
signin_request rita@example.com
ID=$(field .request_id)
NUMBER=$(field .number)
pending_requests "$T/phone"
REQ=$(first_request)
WRONG=$(( NUMBER == 99 ? 10 : NUMBER + 1 ))
body=$("$SRP_TOOL" device-answer "$T/phone" "$REQ" approve "$WRONG" | jq -c --argjson n "$NUMBER" '.number = $n')
device_call "$T/phone" POST "/v1/signin/$ID/answer" "$body"
expect 401 bad_signature "a signature over another number"
body=$("$SRP_TOOL" device-answer "$T/laptop" "$REQ" approve "$NUMBER")
device_call "$T/phone" POST "/v1/signin/$ID/answer" "$body"
expect 401 bad_signature "another device's signature"
raw GET "/v1/signin/$ID"
assert_eq pending "$(field .state)" "still pending"

# Replay of a device header: refused.
HDR=$(device_header "$T/phone" GET "/v1/device/requests?wait=0")
curl -s -o /dev/null -H "Authorization: $HDR" "$SERVER_URL/v1/device/requests?wait=0"
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: $HDR" "$SERVER_URL/v1/device/requests?wait=0")
expect 401 replayed "the same header twice"
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: $HDR" "$SERVER_URL/v1/device/requests?wait=1")
expect 401 bad_device "a header signed for another query"
H=$("$SRP_TOOL" device-header "$T/phone" GET /v1/device/requests "" -300)
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: $H" "$SERVER_URL/v1/device/requests")
expect 401 bad_device "a header five minutes old"
assert_contains "$(field .message)" "clock" "says why"

# A new request replaces the old one, which expires.
OLD=$ID
signin_request rita@example.com
ID=$(field .request_id)
raw GET "/v1/signin/$OLD"
assert_eq expired "$(field .state)" "the replaced request"
pending_requests "$T/phone"
assert_eq 1 "$(field '.requests | length')" "one pending request per account"
assert_eq "$ID" "$(field '.requests[0].request_id')" "the new one"
device_answer "$T/phone" "$REQ" deny
expect 410 expired "answering the replaced request"

# Expiry (--signin-ttl 5s): the requester's wait ends with "expired".
start=$(date +%s.%N)
raw GET "/v1/signin/$ID?wait=20"
end=$(date +%s.%N)
assert_eq expired "$(field .state)" "expired after the ttl"
awk -v s="$start" -v e="$end" 'BEGIN { exit !(e - s < 8) }' || fail "the wait ended at the expiry"
pending_requests "$T/phone"
REQ2=$(first_request)
assert_eq null "$REQ2" "an expired request is not listed"
device_answer "$T/phone" "$REQ" deny
expect 410 expired "answering an expired request"

# A removed device cannot answer, and its long-poll ends at once.
signin_request rita@example.com
ID=$(field .request_id)
pending_requests "$T/laptop"
REQ=$(first_request)
# (its list is not empty: answer the request first, so that its long-poll waits)
device_answer "$T/phone" "$REQ" deny
H=$(device_header "$T/laptop" GET "/v1/device/requests?wait=25")
curl -s -o "$T/removed-poll" -H "Authorization: $H" "$SERVER_URL/v1/device/requests?wait=25" &
POLL=$!
sleep 0.5
start=$(date +%s.%N)
api DELETE "/v1/devices/$LAPTOP"
expect 204 "" "laptop removed"
wait $POLL
end=$(date +%s.%N)
assert_eq 0 "$(jq '.requests | length' "$T/removed-poll")" "its long-poll, answered empty"
awk -v s="$start" -v e="$end" 'BEGIN { exit !(e - s < 2) }' || fail "the long-poll ended at once"
signin_request rita@example.com
ID=$(field .request_id)
pending_requests "$T/laptop"
expect 401 bad_device "a removed device's call"
body=$("$SRP_TOOL" device-answer "$T/laptop" "$REQ" deny 0)
device_call "$T/laptop" POST "/v1/signin/$ID/answer" "$body"
expect 401 bad_device "a removed device's answer"

# Report: denied, then the account is muted.
signin_request rita@example.com
ID=$(field .request_id)
pending_requests "$T/phone"
device_answer "$T/phone" "$(first_request)" report
expect 200 "" "report"
assert_eq denied "$(field .state)" "a report denies"
signin_request rita@example.com
expect 429 muted "muted after a report"
[ "$(field .retry_after)" -gt 1100 ] || fail "muted for 20 minutes: $(cat "$T/body")"

api GET /v1/events
assert_eq signin_reported "$(field '.events[0].kind')" "the report's event"
for k in signin_approved signin_denied signin_wrong_number device_removed; do
	[ "$(field "[.events[] | select(.kind == \"$k\")] | length")" -ge 1 ] || fail "event $k"
done

# An unknown email gets a request like any other, which no device sees.
signin_request nobody@example.com
expect 201 "" "an unknown email"
raw GET "/v1/signin/$(field .request_id)"
assert_eq pending "$(field .state)" "pending like any other"
raw GET "/v1/signin/0123456789abcdef0123456789abcdef"
expect 404 unknown_request "an unknown request id"
raw GET "/v1/signin/$ID?wait=61"
expect 400 bad_request "wait over 60"

# Throttling: the sixth request in five minutes is refused.
authkeepd_stop || exit 1
authkeepd_start --rate-address 0 --rate-account 0 --rate-signin 0
KEY2=$(new_key)
create_account sam@example.com "$KEY2"
for i in 1 2 3 4 5; do
	signin_request sam@example.com
	expect 201 "" "request $i"
done
signin_request sam@example.com
expect 429 rate_limited "the sixth in five minutes"
for i in 1 2 3 4 5; do signin_request stranger@example.com; done
signin_request stranger@example.com
expect 429 rate_limited "an unknown email is throttled alike"
echo "ok: push sign-in"
