#!/bin/bash
# recover --merge on a device whose backup is on already replaces its session:
# the old one is revoked on the server (a copy of the vault made before can no
# longer use it), and the device keeps its name unless --device-name is given.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

start_server
R=(--server "$SERVER" --email "$EMAIL")
PLAINTEXT+=("later.one" "MZXW6YTBOI3DEMJW" "later.two" "MZXW6YTBOI3DEMJX")

device_a_backed_up
assert_ok on B recover "${R[@]}" --device-name "B laptop"
on B backup status --json >"$T/b.json"
assert_eq "B laptop" "$(json_get "$T/b.json" 'd["device_name"]')" "named"
# What the vault holds now, session and all.
cp -a "$T/B" "$T/Bold"
assert_ok on Bold backup status
assert_contains "$(cat "$T/out")" "State: backed up at" "the copy's session works before the merge"

# A backs up more; B merges it (no --device-name; AUTHKEEP_DEVICE_NAME is "B").
assert_ok on A add --issuer "Later" --account "later.one" --secret MZXW6YTBOI3DEMJW
assert_ok on B recover "${R[@]}" --merge
assert_contains "$(cat "$T/out")" "Added 1 missing account from backup version 2" "merged"
assert_eq "" "$(cat "$T/err")" "the old session was revoked without a note"
on B backup status --json >"$T/b.json"
assert_eq backed_up "$(json_get "$T/b.json" 'd["state"]')" "B backed up"
assert_eq "B laptop" "$(json_get "$T/b.json" 'd["device_name"]')" "the name is kept"

# The session the copy holds was revoked by the merge.
assert_exit 5 on Bold backup status
assert_contains "$(cat "$T/out")" "State: sign in again: the session expired" "old session revoked"

# A later change from B names it as before to other devices.
assert_ok on B add --issuer "Later" --account "later.two" --secret MZXW6YTBOI3DEMJX
assert_exit 7 on A backup status
assert_contains "$(cat "$T/out")" "a newer backup exists (version 3 from device B laptop (" "A sees B's name"

# --device-name given: that name.
cp -a "$T/B" "$T/Bold2"
assert_ok on B recover "${R[@]}" --merge --device-name "B desk"
on B backup status --json >"$T/b.json"
assert_eq "B desk" "$(json_get "$T/b.json" 'd["device_name"]')" "renamed as asked"
assert_exit 5 on Bold2 backup status
assert_contains "$(cat "$T/out")" "State: sign in again: the session expired" "second old session revoked"

stop_server
check_no_plaintext
