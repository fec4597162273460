#!/bin/bash
# authkeepd checks its notifiers before it listens: one that cannot be used
# stops it with one clear line (and no database is made), good ones from the
# command line and from the config file let it start.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/notify-lib.sh"

assert_ok "$AUTHKEEPD_BIN" --help
assert_contains "$(cat "$T/out")" "--notify " "--help lists --notify"
assert_contains "$(cat "$T/out")" "--notify-from " "--help lists --notify-from"

# refused WHAT EXPECTED OPTIONS...: authkeepd exits non-zero with one line
# (on a port that nothing uses: the notifiers are checked before it listens).
P=$(free_port)
refused() {
	local what=$1 expected=$2
	shift 2
	assert_fails "$AUTHKEEPD_BIN" --listen "127.0.0.1:$P" --db "sqlite:$T/refused.db" "$@"
	assert_eq 1 "$(wc -l <"$T/err")" "$what: one line ($(cat "$T/err"))"
	assert_contains "$(cat "$T/err")" "$expected" "$what"
	[ ! -e "$T/refused.db" ] || fail "$what: the database was made"
}
refused "smtp where nothing listens" \
	"authkeepd: cannot use notifier smtp://127.0.0.1:$P: Failed to connect to 127.0.0.1 port $P" \
	--notify "smtp://127.0.0.1:$P"
refused "file in a missing folder" \
	"authkeepd: cannot use notifier file:/nonexistent/dir/x: cannot open /nonexistent/dir/x for appending" \
	--notify file:/nonexistent/dir/x
refused "webhook not over HTTP" \
	"authkeepd: cannot use notifier webhook:ftp://x: the URL is ftp:, not http: or https:" \
	--notify webhook:ftp://x
refused "webhook without a URL" "authkeepd: cannot use notifier webhook:: not a URL" --notify webhook:
refused "unknown scheme" \
	"authkeepd: cannot use notifier sms:+441234567890: not smtp://HOST:PORT, webhook:URL or file:PATH" \
	--notify sms:+441234567890
refused "smtp with a password" "a user name or password in the URL is not supported" \
	--notify "smtp://mail:secret@127.0.0.1:$P"
assert_not_contains "$(cat "$T/err")" "secret" "a password in the URL is not shown"
refused "empty --notify" "notify: empty value" --notify ""
refused "bad --notify-from" "notify_from: 'not an address' is not a plain email address" \
	--notify-from "not an address"
many=()
for i in $(seq 17); do many+=(--notify "file:$T/out$i"); done
refused "too many notifiers" "notify: at most 16 of them" "${many[@]}"
# One good, one bad: the bad one stops it.
refused "a good and a bad one" "cannot use notifier sms:x" --notify "file:$T/ok.jsonl" --notify sms:x

# STARTTLS where the server offers it: a certificate that does not verify is
# refused rather than used in clear.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/smtp.key" \
	-out "$T/smtp.crt" -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	2>/dev/null || fail "openssl req"
SMTP_DIR="$T/mail-tls" smtp_start --tlscert "$T/smtp.crt" --tlskey "$T/smtp.key"
refused "STARTTLS with an unknown certificate" \
	"authkeepd: cannot use notifier $SMTP_URL: SSL certificate problem: self-signed certificate" \
	--notify "$SMTP_URL"
smtp_stop

# Good ones start it: smtp (the check greets the server), webhook, file.
smtp_start
webhook_start
authkeepd_start --notify "$SMTP_URL" --notify "webhook:$WEBHOOK_URL" --notify "file:$T/outbox" \
	--notify-from keep@example.org
[ -s "$SMTP_DIR/ehlo" ] || fail "authkeepd did not greet the SMTP server at start"
assert_eq 600 "$(stat -c %a "$T/outbox")" "the outbox is made 0600"
[ ! -s "$WEBHOOK_OUT" ] || fail "the webhook was called at start"
authkeepd_stop || exit 1
for spec in "$SMTP_URL" "webhook:$WEBHOOK_URL" "file:$T/outbox"; do
	authkeepd_start --notify "$spec"
	authkeepd_stop || exit 1
done

# From the config file: each notify line adds one; --notify adds to them.
cat >"$T/authkeepd.conf" <<CONF
notify = file:$T/from-file-1
notify = file:$T/from-file-2   # a second one
notify_from = keep@example.org
CONF
authkeepd_start --config "$T/authkeepd.conf" --notify "file:$T/from-command-line"
for f in from-file-1 from-file-2 from-command-line; do
	[ -f "$T/$f" ] || fail "notifier $f was not opened"
done
authkeepd_stop || exit 1
printf 'notify = smtp://127.0.0.1:%s\n' "$P" >"$T/bad.conf"
refused "bad notify line in the config" "cannot use notifier smtp://127.0.0.1:$P:" \
	--config "$T/bad.conf"
printf 'notify =\n' >"$T/empty.conf"
refused "empty notify line" "line 1: notify: empty value" --config "$T/empty.conf"
echo ok
