#!/bin/bash
# Per-device credentials end to end: turning backup on registers the
# device, recovery on a second device registers that one with a secret of
# its own, so the two show different codes for the personal entry and the
# server accepts both; `devices` lists both and `devices remove` revokes one.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/identity/lib-identity.sh"

start_server
need_identity
device_a_backed_up
assert_not_contains "$(cat "$T/err")" "not registered" "backup on registers the device"
assert_eq "A true" "$(devices_of A)" "devices after backup on"
on A list --json >"$T/list" || fail "list"
"$SYS_PY" - "$T/list" "$SERVER" "$EMAIL" <<'PY' || fail "the personal entry: $(cat "$T/list")"
import json, sys
entries = [a for a in json.load(open(sys.argv[1])) if a["kind"] == "personal"]
assert len(entries) == 1, entries
e = entries[0]
assert (e["issuer"], e["account"]) == (sys.argv[2], sys.argv[3]), e
assert (e["type"], e["algorithm"], e["digits"], e["period"]) == ("totp", "SHA1", 6, 30), e
assert e["verification"] == "verified", e
PY

# Recovery on B: B registers itself; the entry comes back from the reference.
new_device B
assert_ok on B recover --server "$SERVER" --email "$EMAIL"
assert_not_contains "$(cat "$T/err")" "not registered" "recover registers the device"
# The account has no alternate contact: its password alone verifies B.
assert_ok on B verify "$EMAIL" </dev/null
assert_eq "A false
B true" "$(devices_of B)" "devices seen from B"
assert_eq "A true
B false" "$(devices_of A)" "devices seen from A"

# Different secrets: at three times, the two codes are never all the same.
now=$(date +%s)
codes_a="$(personal_code A "$now") $(personal_code A $((now + 30))) $(personal_code A $((now + 60)))"
codes_b="$(personal_code B "$now") $(personal_code B $((now + 30))) $(personal_code B $((now + 60)))"
[ "$codes_a" != "$codes_b" ] || fail "A and B show the same codes: $codes_a"
# Both are valid now, each for its own device.
assert_eq 200 "$(totp_verify "$(personal_code A)")" "A's code accepted"
assert_eq 200 "$(totp_verify "$(personal_code B)")" "B's code accepted"
assert_eq 401 "$(totp_verify 000000)" "a made-up code refused"

# devices remove: by name, from the other device; the last one needs --force.
assert_ok on B devices remove A
assert_contains "$(cat "$T/out")" "Removed A" "remove says what it removed"
assert_eq "B true" "$(devices_of B)" "A is gone"
assert_fails on B devices remove nosuch
assert_contains "$(cat "$T/err")" "no such device" "unknown device"
assert_fails on B devices remove B
assert_contains "$(cat "$T/err")" "last device" "the last device is kept"
assert_contains "$(cat "$T/err")" "--force" "and says how"
# A removed device is told so when it listens.
assert_fails on A listen --once --json
assert_contains "$(cat "$T/err")" "no longer registered" "A knows it was removed"
assert_ok on B devices remove B --force
assert_contains "$(cat "$T/out")" "this device" "B removed itself"

stop_server
check_no_plaintext
