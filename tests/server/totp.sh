#!/bin/bash
# Per-device codes on authkeepd: each device's current TOTP code signs in
# once (the answer names the device), a code used already, a code of a
# removed device, a code two steps off and a code of an unknown email are
# all 401 bad_code, and bad codes count toward the failed sign-in lockout.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/devices-lib.sh"

authkeepd_start --rate-address 0 --rate-account 0 --rate-signin 0 --slow-after 100 \
	--lockout-account-address 100 --lockout-address 100
at_exit authkeepd_stop
KEY=$(new_key)
create_account quinn@example.com "$KEY"
signin quinn@example.com "$KEY"
device_new "$T/a"
A=$DEVICE_ID
device_register "$T/a" "A"
SA=$(field .totp_secret)
device_new "$T/b"
B=$DEVICE_ID
device_register "$T/b" "B"
SB=$(field .totp_secret)
assert_eq false "$(field .verified)" "a second device waits for verification"
device_verify "$T/b" quinn@example.com "$KEY"

verify() { raw POST /v1/totp/verify "$(jq -cn --arg e "$1" --arg c "$2" '{email: $e, code: $c}')"; }

# Both devices' codes, each once (the same code again, even if the 30-second
# step turned meanwhile).
CODE_A=$(totp_code "$SA")
verify quinn@example.com "$CODE_A"
expect 200 "" "device A's code"
assert_eq "$A" "$(field .device_id)" "names device A"
verify QUINN@example.com "$(totp_code "$SB")"
expect 200 "" "device B's code (the email in any case)"
assert_eq "$B" "$(field .device_id)" "names device B"
verify quinn@example.com "$CODE_A"
expect 401 bad_code "A's code again"
# A's code of the step before is older than the one it accepted.
verify quinn@example.com "$(totp_code "$SA" -1)"
expect 401 bad_code "an older step than the last accepted"
# One step ahead is within the window (a clock a little fast), once.
NEXT_A=$(totp_code "$SA" 1)
verify quinn@example.com "$NEXT_A"
expect 200 "" "the next step"
verify quinn@example.com "$NEXT_A"
expect 401 bad_code "the next step again"
# Two steps off: outside the window.
verify quinn@example.com "$(totp_code "$SB" 3)"
expect 401 bad_code "three steps ahead"
verify quinn@example.com "$(totp_code "$SB" -3)"
expect 401 bad_code "three steps behind"
# Another device's secret, a wrong code, an unknown email: the same answer.
verify quinn@example.com 000000
expect 401 bad_code "a wrong code"
verify nobody@example.com "$(totp_code "$SA")"
expect 401 bad_code "an unknown email"
verify quinn@example.com 12345
expect 400 bad_request "five digits"
assert_contains "$(field .message)" "6 digits" "says the form"

# last_used is set by an accepted code.
api GET /v1/devices
[ "$(field ".devices[] | select(.id == \"$A\") | .last_used")" -gt 0 ] || fail "last_used of A"

# Both at once with one code: only one wins.
device_new "$T/c"
device_register "$T/c" "C"
SC=$(field .totp_secret)
# A device that waits for verification has no valid code.
verify quinn@example.com "$(totp_code "$SC")"
expect 401 bad_code "the code of a device that waits for verification"
device_verify "$T/c" quinn@example.com "$KEY"
CODE=$(totp_code "$SC" 1)
pids=""
for i in 1 2 3 4 5 6; do
	curl -s -o "$T/race$i" -w '%{http_code}\n' -H 'Content-Type: application/json' \
		--data-binary "{\"email\":\"quinn@example.com\",\"code\":\"$CODE\"}" \
		"$SERVER_URL/v1/totp/verify" >"$T/race$i.status" &
	pids="$pids $!"
done
wait $pids
wins=$(cat "$T"/race*.status | grep -c '^200$')
assert_eq 1 "$wins" "one code accepted once among six at once"

# A removed device's code stops at once; a re-registered one's old secret too.
api DELETE "/v1/devices/$B"
expect 204 "" "B removed"
verify quinn@example.com "$(totp_code "$SB" 1)"
expect 401 bad_code "a removed device's code"
device_register "$T/a" "A again"
SA2=$(field .totp_secret)
assert_eq true "$(field .verified)" "registered again with its key, A stays verified"
verify quinn@example.com "$(totp_code "$SA")"
expect 401 bad_code "the old secret of a device registered again"
verify quinn@example.com "$(totp_code "$SA2")"
expect 200 "" "its new secret"

# Bad codes count with bad passwords: the lockout follows.
authkeepd_stop || exit 1
authkeepd_start --rate-address 0 --rate-account 0 --rate-signin 0 --slow-after 100 \
	--lockout-account-address 3 --lockout-time 60s
for i in 1 2 3; do
	verify quinn@example.com 000000
	expect 401 bad_code "bad code $i"
done
verify quinn@example.com "$(totp_code "$SA2" 1)"
expect 429 locked_out "a right code while locked out"
"$SRP_TOOL" signin "$SERVER_URL" quinn@example.com "$KEY" >"$T/body" && fail "password while locked out"
assert_eq locked_out "$(field .error)" "the password is locked out too"
echo "ok: per-device codes"
