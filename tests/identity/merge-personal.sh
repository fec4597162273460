#!/bin/bash
# A device that already has its personal entry keeps it through a second
# recovery with --merge: one personal entry, the device's own code (still
# accepted), no second registration; and a second device's merge onto a
# device without backup registers it once.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/identity/lib-identity.sh"

start_server
need_identity
device_a_backed_up
new_device B
assert_ok on B recover --server "$SERVER" --email "$EMAIL"
assert_ok on B verify "$EMAIL" </dev/null
now=$(date +%s)
before=$(personal_code B "$now")
assert_eq 1 "$(personal_entries B)" "one personal entry after recovery"

# B recovers again with --merge: its own entry and code stay.
assert_ok on B recover --server "$SERVER" --email "$EMAIL" --merge
assert_eq 1 "$(personal_entries B)" "still one personal entry after a merge"
assert_eq "$before" "$(personal_code B "$now")" "B's own code is kept"
assert_eq "A false
B true" "$(devices_of B)" "no second registration"
assert_eq 200 "$(totp_verify "$(personal_code B)")" "B's code is still accepted"

# A's backup holds the reference once, not B's code.
assert_ok on A backup now
assert_eq 1 "$(personal_entries A)" "A: one personal entry"
echo ok
