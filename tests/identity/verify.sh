#!/bin/bash
# Verification after recovery, end to end with a real authkeepd whose codes
# go to a file outbox: the owner adds an alternate contact from a verified
# device (a code to it first); a recovered device waits, with its code and
# push off, until the password and a code sent to the contact verify it;
# wrong, reused and expired codes and the attempt limit are refused.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/identity/lib-identity.sh"

OUTBOX="$T/outbox.jsonl"
ALT=alt.owner@mail.test
start_server --notify "file:$OUTBOX" --code-interval 0
need_identity
device_a_backed_up
assert_eq verified "$(verification_of A)" "the first device is verified"

# Contacts: none yet; adding one sends it a code first.
assert_ok on A contacts
assert_contains "$(cat "$T/out")" "No alternate contact" "no contact yet"
assert_ok on A contacts add email "$ALT" </dev/null
assert_contains "$(cat "$T/out")" "A code was sent to a***@mail.test" "where the code went"
assert_contains "$(cat "$T/out")" "--code -" "how to give it"
code=$(outbox_code "$OUTBOX" "$ALT") || fail "no code in the outbox"
assert_eq '[]' "$(on A contacts --json | tr -d ' \n')" "not added before its code"
echo "$(wrong_code "$code")" | assert_fails on A contacts add email "$ALT" --code -
assert_contains "$(cat "$T/err")" "not the code; 4 tries left" "a wrong code for a contact"
echo "$code" | assert_ok on A contacts add email "$ALT" --code -
assert_contains "$(cat "$T/out")" "Added email $ALT" "added"
on A contacts --json >"$T/contacts" || fail "contacts --json"
assert_eq "email $ALT" "$(json_get "$T/contacts" '" ".join([d[0]["kind"], d[0]["value"]])')" \
	"the contact listed"
echo "$code" | assert_fails on A contacts add email "$ALT" --code -
assert_contains "$(cat "$T/err")" "no code was sent" "a used code is gone"
assert_fails on A contacts add phone "12345"
assert_contains "$(cat "$T/err")" "country code" "a phone number without its country code"

# Recovery on B: B waits for verification, and says how to end it.
new_device B
assert_ok on B recover --server "$SERVER" --email "$EMAIL"
assert_contains "$(cat "$T/err")" "waits for verification" "recover says B waits"
assert_contains "$(cat "$T/err")" "authkeep verify $EMAIL" "and what to run"
assert_eq needed "$(verification_of B)" "list --json after recovery"
assert_ok on B list
assert_contains "$(cat "$T/out")" "needs verification on this device" "list says so plainly"
assert_fails on B code "$EMAIL"
assert_contains "$(cat "$T/err")" "needs verification" "no code before verification"
on B code --json >"$T/codes" || fail "code --json"
assert_eq None "$(json_get "$T/codes" '[c["code"] for c in d if c["kind"] == "personal"][0]')" \
	"code --json shows no code for it"
assert_fails on B listen --once
assert_contains "$(cat "$T/err")" "waits for verification" "listen is off before verification"
on A devices --json >"$T/devices" || fail "devices"
assert_eq "A:True B:False" "$(json_get "$T/devices" '" ".join("%s:%s" % (x["name"], x["verified"]) for x in d)')" \
	"the account's devices: B not verified"

# The wrong password sends nothing.
sent=$(outbox_count "$OUTBOX")
AUTHKEEP_PASSWORD="not the password" assert_fails on B verify "$EMAIL"
assert_contains "$(cat "$T/err")" "password is not right" "a wrong password"
assert_eq "$sent" "$(outbox_count "$OUTBOX")" "no code sent after a wrong password"

# The password, then the code sent to the contact.
assert_ok on B verify "$EMAIL" </dev/null
assert_contains "$(cat "$T/out")" "A code was sent to a***@mail.test" "verify sends a code"
code=$(outbox_code "$OUTBOX" "$ALT") || fail "no code"
assert_contains "$(grep "$code" "$OUTBOX")" '"purpose":"verify_device"' "the message says why"
assert_contains "$(grep "$code" "$OUTBOX")" 'the device \"B\"' "and names the device"
echo "$(wrong_code "$code")" | assert_fails on B verify "$EMAIL" --code -
assert_contains "$(cat "$T/err")" "4 tries left" "a wrong code"
assert_eq needed "$(verification_of B)" "still waiting after a wrong code"
echo "$code" | assert_ok on B verify "$EMAIL" --code -
assert_contains "$(cat "$T/out")" "Verified" "verified"
assert_eq verified "$(verification_of B)" "list --json after verification"
echo "$code" | assert_ok on B verify "$EMAIL" --code -
assert_contains "$(cat "$T/out")" "verified on this device already" "verifying again"

# Now B has its own code and push, and A keeps both.
assert_eq 200 "$(totp_verify "$(personal_code B)")" "B's code accepted"
assert_eq 200 "$(totp_verify "$(personal_code A)")" "A's code still accepted"
sign_in "after verification"
assert_ok on B approve "$RID" --number "$NUMBER"
assert_eq approved "$(signin_state "$RID")" "B approves a sign-in"
sign_in "A too"
assert_ok on A approve "$RID" --number "$NUMBER"
assert_eq approved "$(signin_state "$RID")" "A still approves"

# A code used on another device's verification is not accepted for C, and
# the attempt limit: five wrong tries void the code.
new_device C
assert_ok on C recover --server "$SERVER" --email "$EMAIL"
echo "$code" | assert_fails on C verify "$EMAIL" --code -
assert_contains "$(cat "$T/err")" "no code was sent" "a code is bound to one device"
assert_ok on C verify "$EMAIL" </dev/null
code=$(outbox_code "$OUTBOX" "$ALT")
wrong=$(wrong_code "$code")
for left in 4 3 2 1; do
	echo "$wrong" | assert_fails on C verify "$EMAIL" --code -
	assert_contains "$(cat "$T/err")" "$left tr" "try $((5 - left))"
done
echo "$wrong" | assert_fails on C verify "$EMAIL" --code -
assert_contains "$(cat "$T/err")" "expired, was used, or was tried too often" "the fifth wrong try"
echo "$code" | assert_fails on C verify "$EMAIL" --code -
assert_contains "$(cat "$T/err")" "no code was sent" "the right code after the limit"
assert_eq needed "$(verification_of C)" "C still waits"
# A waiting device cannot change the contacts.
assert_fails on C contacts add email evil@mail.test
assert_contains "$(cat "$T/err")" "waits for verification" "contacts from a waiting device"

# An expired code: a server whose codes last one second.
stop_server
start_server --notify "file:$OUTBOX" --code-interval 0 --code-ttl 1s
assert_ok on C verify "$EMAIL" </dev/null
code=$(outbox_code "$OUTBOX" "$ALT")
sleep 2.2
echo "$code" | assert_fails on C verify "$EMAIL" --code -
assert_contains "$(cat "$T/err")" "expired" "an expired code"
assert_eq needed "$(verification_of C)" "C still waits after an expired code"

# Resending is limited: one code a minute by default (the last was sent
# seconds ago, by the server before its restart: the count is in the store).
stop_server
start_server --notify "file:$OUTBOX"
sent=$(outbox_count "$OUTBOX")
assert_fails on C verify "$EMAIL" </dev/null
assert_eq "$sent" "$(outbox_count "$OUTBOX")" "nothing sent too soon"
assert_contains "$(cat "$T/err")" "a code was sent a moment ago; wait" "resending too soon"

# The contact goes from a verified device; then the password alone verifies.
assert_ok on B contacts remove "$ALT"
assert_contains "$(cat "$T/out")" "Removed $ALT" "contact removed"
assert_fails on B contacts remove "$ALT"
assert_contains "$(cat "$T/err")" "not an alternate contact" "removing it again"
assert_ok on C verify "$EMAIL" </dev/null
assert_contains "$(cat "$T/err")" "password alone" "the password alone, and a warning"
assert_eq verified "$(verification_of C)" "C verified by the password alone"
stop_server
