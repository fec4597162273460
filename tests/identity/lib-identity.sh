# Helpers of the identity tests, sourced after tests/lib.sh and
# tests/backup/lib-backup.sh: the devices, personal codes and sign-in
# requests as a user and a requester see them.

# need_identity: skips the test when the running authkeepd has no devices
# (an answer of 404 to GET /v1/devices without a session).
need_identity() {
	local status
	status=$(curl -s -o /dev/null -w '%{http_code}' "$SERVER/v1/devices")
	[ "$status" != 404 ] || skip "this authkeepd has no /v1/devices"
}

# personal_code DEVICE [AT]: the code of DEVICE's personal entry.
personal_code() {
	on "$1" code ${2:+--at "$2"} --json | "$SYS_PY" -c '
import json, sys
print(*[c["code"] for c in json.load(sys.stdin) if c["kind"] == "personal"])'
}

# personal_entries DEVICE: how many personal entries DEVICE has.
personal_entries() {
	on "$1" list --json | "$SYS_PY" -c '
import json, sys
print(sum(a["kind"] == "personal" for a in json.load(sys.stdin)))'
}

# devices_of DEVICE: "NAME this_device" lines of `devices --json`, oldest first.
devices_of() {
	on "$1" devices --json | "$SYS_PY" -c '
import json, sys
for d in json.load(sys.stdin):
    assert set(d) == {"id", "name", "registered", "last_used", "this_device", "verified"}, d
    assert len(d["id"]) == 32 and d["registered"] > 0, d
    print(d["name"], str(d["this_device"]).lower())'
}

# totp_verify CODE: the status of POST /v1/totp/verify for $EMAIL.
totp_verify() {
	curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		-d "{\"email\":\"$EMAIL\",\"code\":\"$1\"}" "$SERVER/v1/totp/verify"
}

# sign_in [APP]: starts a sign-in as a requester; sets $RID and $NUMBER.
sign_in() {
	curl -fsS -H 'Content-Type: application/json' \
		-d "{\"email\":\"$EMAIL\",\"app\":\"${1:-test app}\"}" "$SERVER/v1/signin" >"$T/signin" ||
		fail "POST /v1/signin: $(cat "$T/signin")"
	RID=$(json_get "$T/signin" 'd["request_id"]')
	NUMBER=$(json_get "$T/signin" 'd["number"]')
}

# listen_sees DEVICE ACCOUNT APP: `listen --json --once` on DEVICE, waiting
# before a sign-in to ACCOUNT from APP starts (sign_in: $RID, $NUMBER); its
# line is left in $T/listen.
listen_sees() {
	local listener
	on "$1" listen --json --once >"$T/listen" 2>"$T/listen.err" &
	listener=$!
	at_exit "kill $listener 2>/dev/null"
	sleep 1
	EMAIL=$2 sign_in "$3"
	for _ in $(seq 1 150); do
		kill -0 "$listener" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$listener" 2>/dev/null && fail "listen --once on $1 did not see the request to $2"
	wait "$listener" || fail "listen on $1: $(cat "$T/listen.err")"
}

# signin_state RID: what the requester's wait says now.
signin_state() {
	curl -fsS "$SERVER/v1/signin/$1?wait=0" >"$T/state" || fail "GET /v1/signin: $(cat "$T/state")"
	json_get "$T/state" 'd["state"]'
}

# outbox_code FILE [TO]: the code of the last message in the file outbox of
# `--notify file:FILE` (sent to TO when given).
outbox_code() {
	"$SYS_PY" - "$1" "${2:-}" <<'PY'
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
msgs = [m for m in msgs if not sys.argv[2] or m["to"] == sys.argv[2]]
assert msgs, "no message in the outbox"
m = msgs[-1]
assert m["code"] in m["text"] and len(m["code"]) == 6 and m["code"].isdigit(), m
print(m["code"])
PY
}

# outbox_count FILE: how many messages the outbox holds.
outbox_count() { [ -f "$1" ] && grep -c . "$1" || echo 0; }

# verification_of DEVICE: the "verification" of DEVICE's personal entry.
verification_of() {
	on "$1" list --json | "$SYS_PY" -c '
import json, sys
print(*[a["verification"] for a in json.load(sys.stdin) if a["kind"] == "personal"])'
}

# wrong_code CODE: a six-digit code that is not CODE.
wrong_code() { printf '%06d' $(((10#$1 + 1) % 1000000)); }
