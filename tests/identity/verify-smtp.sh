#!/bin/bash
# Verification codes by email through a real SMTP server (Debian's
# python3-aiosmtpd, started here): adding an alternate address and
# verifying a recovered device each send a mail to that address with the
# code; when the SMTP server is gone, verify says the code could not be sent
# and the server's log has no code in it.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/identity/lib-identity.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/notify-lib.sh"

ALT=alt.owner@mail.test
# mail_code N: the six-digit code in the body of message N.
mail_code() {
	mail_fields "$1" | "$SYS_PY" -c '
import json, re, sys
print(re.search(r"\b(\d{6})\b", json.load(sys.stdin)["body"]).group(1))'
}

smtp_start
start_server --notify "$SMTP_URL" --notify-from keep@recovery.test --code-interval 0
need_identity
device_a_backed_up

assert_ok on A contacts add email "$ALT" </dev/null
[ -f "$SMTP_DIR/1.eml" ] || fail "no mail for the new contact"
mail_fields 1 >"$T/mail1"
assert_eq "$ALT" "$(json_get "$T/mail1" 'd["to"]')" "the mail goes to the new contact"
assert_eq "keep@recovery.test" "$(json_get "$T/mail1" 'd["from"]')" "from the configured sender"
assert_contains "$(json_get "$T/mail1" 'd["body"]')" "alternate contact of the account $EMAIL" \
	"the mail says why"
echo "$(mail_code 1)" | assert_ok on A contacts add email "$ALT" --code -

new_device B
assert_ok on B recover --server "$SERVER" --email "$EMAIL"
assert_ok on B verify "$EMAIL" </dev/null
[ -f "$SMTP_DIR/2.eml" ] || fail "no mail for the verification"
mail_fields 2 >"$T/mail2"
assert_eq "$ALT" "$(json_get "$T/mail2" 'd["envelope"]["rcpt_tos"][0]')" "the envelope's recipient"
assert_contains "$(json_get "$T/mail2" 'd["subject"]')" "$(mail_code 2)" "the subject has the code"
assert_contains "$(json_get "$T/mail2" 'd["body"]')" 'the device "B"' "the mail names the device"
echo "$(mail_code 2)" | assert_ok on B verify "$EMAIL" --code -
assert_eq verified "$(verification_of B)" "B verified by the mailed code"
assert_eq 200 "$(totp_verify "$(personal_code B)")" "B's code accepted"

# The SMTP server goes away: the person is told, nothing is kept, no code is logged.
new_device C
assert_ok on C recover --server "$SERVER" --email "$EMAIL"
smtp_stop
assert_fails on C verify "$EMAIL" </dev/null
assert_contains "$(cat "$T/err")" "could not be sent" "a failed send is reported"
assert_eq needed "$(verification_of C)" "C still waits"
echo 123456 | assert_fails on C verify "$EMAIL" --code -
assert_contains "$(cat "$T/err")" "no code was sent" "nothing kept for a failed send"
for f in "$SRV_LOG" "$SRV_ERR"; do
	[ -f "$f" ] || continue
	for n in 1 2; do
		assert_not_contains "$(cat "$f")" "$(mail_code $n)" "no code in $(basename "$f")"
	done
done
stop_server
