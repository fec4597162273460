#!/bin/bash
# authkeepd's notifiers, each against the real thing: mail through a real SMTP
# server (Debian's aiosmtpd), a POST to a real HTTP listener, a line in a
# file. What arrives is what a person or a gateway gets; a failed send says
# why in one sentence, and neither it nor the log carries the code.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/notify-lib.sh"

CODE=$(printf '%06d' $((RANDOM * 32768 % 900000 + 100000)))
TEXT="Your Authkeep code is $CODE.
It expires in 10 minutes.
.A line that starts with a dot, and one long enough to be folded in the mail: $(printf 'x%.0s' $(seq 120)) end
Grüße, authkeep"
SUBJECT="Authkeep code for alice@example.com"

# no_code WHAT: neither the tool's output nor the log holds the code or the text.
no_code() {
	assert_not_contains "$(cat "$T/out" "$T/err")" "$CODE" "$1: output without the code"
	assert_not_contains "$(cat "$T/notify.log" 2>/dev/null)" "$CODE" "$1: log without the code"
	assert_not_contains "$(cat "$T/notify.log" 2>/dev/null)" "expires in" "$1: log without the text"
}

# ---- smtp ----
smtp_start
notify_tool --notify "$SMTP_URL" open
assert_eq "email: yes
phone: no" "$(cat "$T/out")" "smtp carries email only"
[ -s "$SMTP_DIR/ehlo" ] || fail "the check at start did not greet the server"

notify_tool --from keep@example.org --notify "$SMTP_URL" \
	send email alice@example.com "$SUBJECT" "$TEXT" "$CODE" verify_device alice@example.com
assert_eq "0 sent" "$RC $(cat "$T/out")" "smtp send"
mail_fields 1 >"$T/mail.json"
m() { jq -r "$1" "$T/mail.json"; }
assert_eq "keep@example.org" "$(m .from)" "From"
assert_eq "alice@example.com" "$(m .to)" "To"
assert_eq "$SUBJECT" "$(m .subject)" "Subject"
assert_eq "text/plain utf-8 1.0" "$(m '"\(.content_type) \(.charset) \(.mime)"')" "Content-Type"
assert_eq true "$(m .date_ok)" "Date parses"
assert_contains "$(m .message_id)" "@example.org>" "Message-ID"
assert_eq true "$(m .raw_ascii)" "the message on the wire is 7-bit"
assert_eq "$TEXT" "$(m .body)" "the body is the text, line for line"
assert_contains "$(m .body)" "$CODE" "the code is in the body"
assert_eq "keep@example.org alice@example.com" "$(m '"\(.envelope.mail_from) \(.envelope.rcpt_tos | join(","))"')" \
	"envelope"
assert_eq "" "$(cat "$T/notify.log")" "nothing logged for a sent code"

# A subject outside ASCII arrives as written; the default sender is authkeep@HOSTNAME.
notify_tool --notify "$SMTP_URL" send email bob@example.com "Código de verificación — Authkeep" \
	"Código: $CODE" "$CODE" add_contact
assert_eq "0 sent" "$RC $(cat "$T/out")" "smtp send, UTF-8 subject"
mail_fields 2 >"$T/mail.json"
assert_eq "Código de verificación — Authkeep" "$(m .subject)" "UTF-8 Subject"
assert_contains "$(m .from)" "authkeep@" "default From"

# A phone number is not for smtp; a recipient the server refuses; a bad address.
notify_tool --notify "$SMTP_URL" send phone +441234567890 "" "Code $CODE" "$CODE"
assert_eq 1 "$RC" "phone through smtp only"
assert_contains "$(cat "$T/out")" "no notifier sends text messages to phones" "phone through smtp"
no_code "phone through smtp"
notify_tool --notify "$SMTP_URL" send email carol@refused.example "$SUBJECT" "$TEXT" "$CODE"
assert_eq 1 "$RC" "refused recipient"
assert_contains "$(cat "$T/out")" "could not send the code to c***@refused.example through $SMTP_URL" \
	"refused recipient"
assert_contains "$(cat "$T/out")" "550" "refused recipient: the server's answer"
no_code "refused recipient"
notify_tool --notify "$SMTP_URL" send email 'x@y>, evil@example.com' "$SUBJECT" "$TEXT" "$CODE"
assert_eq 1 "$RC" "address with header characters"
assert_contains "$(cat "$T/out")" "email: no spaces or control characters" \
	"address with header characters"
notify_tool --notify "$SMTP_URL" send email 'x<evil>@example.com' "$SUBJECT" "$TEXT" "$CODE"
assert_contains "$(cat "$T/out")" "without <>()[]" "address with header characters, no space"
rm -f "$T/notify.log"
notify_tool --notify "$SMTP_URL" send email $'x@example.com\nauthkeepd: forged line' "$SUBJECT" "$TEXT" "$CODE"
assert_eq 1 "$(wc -l <"$T/notify.log")" "a refused address is logged on one line"
[ ! -e "$SMTP_DIR/3.eml" ] || fail "a refused message reached the server"

# Down at start: authkeepd's check refuses it.
smtp_stop
notify_tool --notify "$SMTP_URL" open
assert_eq 2 "$RC" "smtp down at start"
assert_contains "$(cat "$T/out")" "cannot use notifier $SMTP_URL: Failed to connect" \
	"smtp down at start"

# Up at start, stopped before the send: a clear sentence, a log line with
# the masked address, neither with the code.
rm -f "$T/notify.log"
smtp_start
mkfifo "$T/go"
"$NOTIFY_TOOL" --log "$T/notify.log" --wait --notify "$SMTP_URL" \
	send email alice@example.com "$SUBJECT" "$TEXT" "$CODE" <"$T/go" >"$T/out" 2>"$T/err" &
tool=$!
exec 3>"$T/go"
for _ in $(seq 1 200); do grep -q ready "$T/out" && break; sleep 0.05; done
assert_eq ready "$(cat "$T/out")" "opened while the server listens"
smtp_stop
echo send >&3
exec 3>&-
RC=0
wait $tool || RC=$?
assert_eq 1 "$RC" "smtp stopped"
assert_contains "$(cat "$T/out")" "failed: could not send the code to a***@example.com through $SMTP_URL: Failed to connect" \
	"smtp stopped"
assert_contains "$(cat "$T/notify.log")" \
	"notify: verify_device email to a***@example.com through $SMTP_URL failed: Failed to connect" \
	"smtp failure logged"
assert_not_contains "$(cat "$T/notify.log")" "alice@" "the log masks the address"
no_code "smtp stopped"

# ---- webhook ----
webhook_start
notify_tool --notify "webhook:$WEBHOOK_URL" open
assert_eq "email: yes
phone: yes" "$(cat "$T/out")" "webhook carries both"
notify_tool --notify "webhook:$WEBHOOK_URL" send phone +441234567890 "$SUBJECT" "Code: $CODE" \
	"$CODE" verify_device alice@example.com
assert_eq "0 sent" "$RC $(cat "$T/out")" "webhook send"
assert_eq "application/json" "$(cat "$WEBHOOK_OUT.types")" "webhook Content-Type"
assert_eq "phone +441234567890 $SUBJECT Code: $CODE $CODE verify_device alice@example.com number" \
	"$(jq -r '"\(.kind) \(.to) \(.subject) \(.text) \(.code) \(.purpose) \(.account) \(.at | type)"' \
		"$WEBHOOK_OUT")" "webhook body"
assert_eq "at kind to subject text code purpose account" "$(jq -r 'keys_unsorted | join(" ")' "$WEBHOOK_OUT")" \
	"webhook body's fields"
echo 500 >"$WEBHOOK_STATUS"
notify_tool --notify "webhook:$WEBHOOK_URL" send email alice@example.com "$SUBJECT" "$TEXT" "$CODE"
assert_eq 1 "$RC" "webhook answering 500"
assert_contains "$(cat "$T/out")" "through webhook:$WEBHOOK_URL: the webhook answered 500, not 2xx" \
	"webhook answering 500"
assert_contains "$(cat "$T/notify.log")" \
	"notify: verify_device email to a***@example.com through webhook:$WEBHOOK_URL failed: the webhook answered 500" \
	"webhook failure logged"
no_code "webhook answering 500"
# A gateway's credentials and token stay out of errors and logs.
rm -f "$T/notify.log"
secret_url=${WEBHOOK_URL/http:\/\//http://gw:hunter2@}?token=tok3n
notify_tool --notify "webhook:$secret_url" send email alice@example.com "$SUBJECT" "$TEXT" "$CODE"
assert_contains "$(cat "$T/out")" "through webhook:$WEBHOOK_URL: the webhook answered 500" \
	"the gateway's URL, shown"
for s in hunter2 tok3n; do
	assert_not_contains "$(cat "$T/out" "$T/notify.log")" "$s" "the gateway's URL without $s"
done
assert_eq 3 "$(wc -l <"$WEBHOOK_OUT")" "the gateway got the messages it refused"

# ---- file ----
rm -f "$T/outbox"
notify_tool --notify "file:$T/outbox" send email alice@example.com "$SUBJECT" "$TEXT" "$CODE" \
	add_contact alice@example.com
assert_eq "0 sent" "$RC $(cat "$T/out")" "file send"
assert_eq 600 "$(stat -c %a "$T/outbox")" "outbox mode"
assert_eq "email alice@example.com $CODE add_contact alice@example.com" \
	"$(jq -r '"\(.kind) \(.to) \(.code) \(.purpose) \(.account)"' "$T/outbox")" "file line"
assert_eq "$TEXT" "$(jq -r .text "$T/outbox")" "file line's text"
at=$(jq -r .at "$T/outbox")
[ "$at" -ge 1700000000 ] || fail "file line's at: $at"
notify_tool --notify "file:$T/outbox" send phone +15551234567 "" "Code $CODE" "$CODE"
assert_eq 2 "$(wc -l <"$T/outbox")" "one line per message"
assert_eq "phone null" "$(tail -n 1 "$T/outbox" | jq -r '"\(.kind) \(.account)"')" "second line"
chmod 644 "$T/outbox"
notify_tool --notify "file:$T/outbox" open
assert_eq 2 "$RC" "an outbox others can read"
assert_contains "$(cat "$T/out")" "can be read by other users (mode 0644); run chmod 600" \
	"an outbox others can read"

# ---- several: one failing, one taking it ----
rm -f "$T/notify.log" "$WEBHOOK_STATUS"
chmod 600 "$T/outbox"
echo 503 >"$WEBHOOK_STATUS"
notify_tool --notify "webhook:$WEBHOOK_URL" --notify "file:$T/outbox" \
	send email alice@example.com "$SUBJECT" "$TEXT" "$CODE"
assert_eq "0 sent" "$RC $(cat "$T/out")" "one of two notifiers took it"
assert_contains "$(cat "$T/notify.log")" "answered 503" "the other's failure is logged"
assert_eq 3 "$(wc -l <"$T/outbox")" "the file got it"
no_code "one of two"

echo ok
