# Helpers of the notifier tests: source after tests/lib.sh.
#   smtp_start [aiosmtpd options...]
#       starts Debian's aiosmtpd on 127.0.0.1:$SMTP_PORT (a free port) with
#       tests/server/smtp_sink.py: message N is $SMTP_DIR/N.eml, its envelope
#       $SMTP_DIR/N.json; sets SMTP_URL (smtp://127.0.0.1:PORT) and SMTP_PID
#   smtp_stop                      stops it (the port then refuses)
#   webhook_start                  starts tests/server/webhook_sink.py: sets
#       WEBHOOK_URL; bodies, one a line, in $WEBHOOK_OUT; a status written to
#       $WEBHOOK_STATUS is what it answers from then on
#   mail_fields N                  message N as JSON: from, to, subject, date,
#       message_id, content_type, charset, body (decoded) and its envelope
#   notify_tool ARGS...            tests/server/notify_tool; output in $T/out,
#       the event log in $T/notify.log, its exit status in $RC
# Only Debian's own interpreter sees Debian's python3-aiosmtpd.
[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 is not installed"
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
	skip "python3-aiosmtpd is not installed (scripts/install-deps.sh)"
NOTIFY_TOOL="$AUTHKEEP_BUILD_ROOT/tests/server/notify_tool"
[ -x "$NOTIFY_TOOL" ] || skip "notify_tool is not built"
SINKS="$AUTHKEEP_SOURCE_ROOT/tests/server"

# wait_port PORT PID WHAT: until something accepts on 127.0.0.1:PORT.
wait_port() {
	for _ in $(seq 1 200); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || fail "$3 exited"
		sleep 0.05
	done
	fail "$3 does not listen on port $1"
}

smtp_start() {
	SMTP_PORT=$(free_port)
	SMTP_DIR=${SMTP_DIR:-$T/mail}
	SMTP_URL="smtp://127.0.0.1:$SMTP_PORT"
	PYTHONPATH="$SINKS" /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" "$@" \
		-c smtp_sink.Sink "$SMTP_DIR" >>"$T/smtpd.log" 2>&1 &
	SMTP_PID=$!
	at_exit "kill $SMTP_PID 2>/dev/null"
	wait_port "$SMTP_PORT" "$SMTP_PID" "aiosmtpd"
}

smtp_stop() {
	kill "$SMTP_PID" 2>/dev/null
	wait "$SMTP_PID" 2>/dev/null
	return 0
}

webhook_start() {
	WEBHOOK_OUT="$T/webhook.out"
	WEBHOOK_STATUS="$T/webhook.status"
	/usr/bin/python3 "$SINKS/webhook_sink.py" "$WEBHOOK_OUT" "$WEBHOOK_STATUS" >"$T/webhook.port" &
	local pid=$!
	at_exit "kill $pid 2>/dev/null"
	for _ in $(seq 1 200); do
		[ -s "$T/webhook.port" ] && break
		kill -0 "$pid" 2>/dev/null || fail "webhook_sink.py exited"
		sleep 0.05
	done
	WEBHOOK_URL="http://127.0.0.1:$(cat "$T/webhook.port")/sms"
	wait_port "$(cat "$T/webhook.port")" "$pid" "webhook_sink.py"
}

mail_fields() {
	/usr/bin/python3 - "$SMTP_DIR/$1.eml" "$SMTP_DIR/$1.json" <<'PY'
import email, email.policy, email.utils, json, sys
raw = open(sys.argv[1], "rb").read()
# As a mail client keeps it: lines end in \n, not the wire's \r\n.
msg = email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=email.policy.default)
out = {k: str(msg[h]) if msg[h] is not None else None for k, h in
       [("from", "From"), ("to", "To"), ("subject", "Subject"), ("date", "Date"),
        ("message_id", "Message-ID"), ("mime", "MIME-Version"),
        ("encoding", "Content-Transfer-Encoding")]}
out["content_type"] = msg.get_content_type()
out["charset"] = msg.get_content_charset()
out["date_ok"] = email.utils.parsedate_to_datetime(out["date"]) is not None
out["body"] = msg.get_content()
out["raw_ascii"] = all(b < 128 for b in raw)
out["envelope"] = json.load(open(sys.argv[2]))
print(json.dumps(out))
PY
}

notify_tool() {
	RC=0
	"$NOTIFY_TOOL" --log "$T/notify.log" "$@" >"$T/out" 2>"$T/err" || RC=$?
}
