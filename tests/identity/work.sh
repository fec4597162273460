#!/bin/bash
# Work or school accounts end to end, on a real authkeepd: the administrator
# (`authkeepd admin`, beside the running server) creates an organisation, a
# user and an activation code as a QR image; device W1 enrols from the
# image, its own code is accepted and a push sign-in is approved on it; W1
# turns backup on; device W2 recovers, and its work entry waits for
# verification without a code; a used and an expired activation code are
# refused; a new one verifies W2, after which both devices answer codes and
# pushes; removing the user refuses both at once.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/identity/lib-identity.sh"

WORK_EMAIL="bob@acme.test"
admin() { "$AUTHKEEPD_BIN" admin --db "$(store_url "$DB")" --public-url "$SERVER" "$@"; }

# work_entry DEVICE: "VERIFICATION CODE" of DEVICE's work entry ("-" for no code).
work_entry() {
	on "$1" code --json | "$SYS_PY" -c '
import json, sys
w = [c for c in json.load(sys.stdin) if c["kind"] == "work"]
assert len(w) == 1, w
print(w[0]["verification"], w[0].get("code") or "-")'
}
work_code() { work_entry "$1" | cut -d' ' -f2; }

# work_totp CODE: the status of POST /v1/totp/verify for the work user.
work_totp() { EMAIL=$WORK_EMAIL totp_verify "$1"; }

# approved_on DEVICE: a push sign-in of the work user, approved on DEVICE.
approved_on() {
	EMAIL=$WORK_EMAIL sign_in "vpn"
	assert_ok on "$1" approve "$RID" --number "$NUMBER"
	assert_eq approved "$(signin_state "$RID")" "a push sign-in approved on $1"
}

# fresh_code_accepted DEVICE: DEVICE's work code is accepted. A code is
# accepted once per step: after one was accepted, this waits for the next
# step's code (a refused one would count as a failed sign-in).
declare -A last_code
fresh_code_accepted() {
	local code
	for _ in $(seq 1 40); do
		code=$(work_code "$1")
		[ "$code" != "${last_code[$1]:-}" ] && break
		sleep 1
	done
	assert_eq 200 "$(work_totp "$code")" "$1's work code"
	last_code[$1]=$code
}

# Refused activations count as failed sign-ins, and this test asks for more
# push sign-ins than the default five in five minutes: on purpose.
start_server --slow-after 10 --signin-max 20
need_identity

# The administrator, while the server serves the same database.
assert_ok admin org create acme
assert_ok admin user add acme "$WORK_EMAIL"
assert_ok admin activation acme "$WORK_EMAIL" --qr "$T/act.png"
uri=$(grep -o 'authkeep-activate://[^ ]*' "$T/out")
[ -n "$uri" ] || fail "no activation URI: $(cat "$T/out")"
code=$(sed -n 3p "$T/out")
assert_eq 32 "${#code}" "the code alone on its line"
assert_contains "$uri" "code=$code" "the URI holds the code"
assert_eq 600 "$(stat -c %a "$T/act.png")" "the QR image is private"
PLAINTEXT+=("$code")

# W1 enrols from the QR image.
new_device W1
assert_ok on W1 add --qr "$T/act.png"
assert_contains "$(cat "$T/out")" "Enrolled this device in acme as $WORK_EMAIL" "add --qr"
assert_eq "verified" "$(work_entry W1 | cut -d' ' -f1)" "W1's work entry"
fresh_code_accepted W1
assert_eq 401 "$(work_totp 000000)" "a wrong code"
approved_on W1
assert_ok admin user list acme
assert_contains "$(cat "$T/out")" "member   1" "the administrator sees one device"

# SRP treats the work user's email as unknown; it cannot become a recovery account.
status=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' \
	-d "{\"email\":\"$WORK_EMAIL\"}" "$SERVER/v1/auth/start")
assert_eq 200 "$status" "auth/start for a work user's email (a fake challenge)"
assert_fails on W1 backup on --server "$SERVER" --email "$WORK_EMAIL" --create
assert_contains "$(cat "$T/err")" "exists" "a recovery account with a work user's email"

# W1 backs up to its owner's personal account; W2 recovers.
assert_ok on W1 backup on --server "$SERVER" --email "$EMAIL" --create
new_device W2
assert_ok on W2 recover --server "$SERVER" --email "$EMAIL"
assert_eq "needed -" "$(work_entry W2)" "W2's work entry after recovery"
on W2 list --json | "$SYS_PY" -c '
import json, sys
w = [a for a in json.load(sys.stdin) if a["kind"] == "work"]
assert [(a["account"], a["verification"]) for a in w] == [(sys.argv[1], "needed")], w' \
	"$WORK_EMAIL" || fail "list --json on W2"

# The code W1 used is refused; so is an expired one.
echo "$uri" >"$T/used"
assert_fails on W2 verify "$WORK_EMAIL" --activation - <"$T/used"
assert_contains "$(cat "$T/err")" "was used already" "a used activation code"
assert_ok admin activation acme "$WORK_EMAIL" --expires 1s
grep -o 'authkeep-activate://[^ ]*' "$T/out" >"$T/short"
sleep 2
assert_fails on W2 verify "$WORK_EMAIL" --activation - <"$T/short"
assert_contains "$(cat "$T/err")" "expired" "an expired activation code"
assert_eq "needed -" "$(work_entry W2)" "W2 still waits"
# An activation for another user does not verify this entry.
assert_ok admin user add acme carol@acme.test
assert_ok admin activation acme carol@acme.test
grep -o 'authkeep-activate://[^ ]*' "$T/out" >"$T/carol"
assert_fails on W2 verify "$WORK_EMAIL" --activation - <"$T/carol"
assert_contains "$(cat "$T/err")" "not for $WORK_EMAIL" "an activation of another user"

# A new activation brings W2's entry back; both devices answer.
assert_ok admin activation acme "$WORK_EMAIL"
grep -o 'authkeep-activate://[^ ]*' "$T/out" >"$T/new"
assert_ok on W2 verify "$WORK_EMAIL" --activation - <"$T/new"
assert_eq "verified" "$(work_entry W2 | cut -d' ' -f1)" "W2 after verify"
[ "$(work_code W2)" != "-" ] || fail "W2 has no code after verify"
# Recovering again with --merge keeps W2's one work entry, verified.
assert_ok on W2 recover --server "$SERVER" --email "$EMAIL" --merge
assert_eq "verified" "$(work_entry W2 | cut -d' ' -f1)" "one work entry after recover --merge"
fresh_code_accepted W2
fresh_code_accepted W1
approved_on W2
approved_on W1
# W1 has a personal and a work account on one server: listen sees the work one.
listen_sees W1 "$WORK_EMAIL" "listen test"
assert_contains "$(cat "$T/listen")" "\"account\":\"$WORK_EMAIL\"" "listen on W1"
assert_ok admin user list acme
assert_contains "$(cat "$T/out")" "member   2" "the administrator sees two devices"

# Removing the user refuses both devices at once.
assert_ok admin user remove acme "$WORK_EMAIL"
for d in W1 W2; do
	assert_eq 401 "$(work_totp "$(work_code $d)")" "$d's code after removal"
	EMAIL=$WORK_EMAIL sign_in
	assert_fails on $d approve "$RID" --number "$NUMBER"
	assert_contains "$(cat "$T/err")" "no longer enrolled in the work account" "$d after removal"
done
grep -q 'GET /v1/device/requests 401' "$SRV_LOG" || fail "no 401 for a removed device's call"
assert_ok admin activation acme carol@acme.test
assert_fails admin activation acme "$WORK_EMAIL"
assert_contains "$(cat "$T/err")" "was removed" "an activation for a removed user"

stop_server
check_no_plaintext
echo ok
