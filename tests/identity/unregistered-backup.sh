#!/bin/bash
# A backup that holds no personal entry (as one made before devices existed)
# recovers onto a new device, which registers itself, gains the personal
# entry with its own code, and backs the reference up.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/identity/lib-identity.sh"

start_server
need_identity
R=(--server "$SERVER" --email "$EMAIL")

# A's backup comes to hold no personal entry: A removes its own.
device_a_backed_up
assert_eq 1 "$(personal_entries A)" "A has its personal entry"
assert_ok on A remove 127.0.0.1 --yes
assert_contains "$(cat "$T/out")" "This device stays registered with that account on its server" \
	"removing a personal entry says the server still has the device"
assert_eq 0 "$(personal_entries A)" "A removed it"
assert_ok on A backup now

# B recovers that backup: it registers and gets its own code.
new_device B
assert_ok on B recover "${R[@]}"
assert_not_contains "$(cat "$T/err")" "not registered" "B is registered"
assert_ok on B verify "$EMAIL" </dev/null
assert_eq 1 "$(personal_entries B)" "B gains the personal entry"
assert_eq 200 "$(totp_verify "$(personal_code B)")" "B's code is accepted"
assert_eq "A false
B true" "$(devices_of B)" "B is registered beside A"
# B's backup carries the reference again: a third device gets its own entry.
new_device C
assert_ok on C recover "${R[@]}" --dry-run
grep -Eq "^personal +http://127.0.0.1:[0-9]+:$EMAIL" "$T/out" ||
	fail "B's backup holds the reference: $(cat "$T/out")"
echo ok
