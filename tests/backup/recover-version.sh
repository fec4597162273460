#!/bin/bash
# recover --version N brings an older version back onto this device only: the
# server's latest stays as it is, and the device says a newer backup exists
# until `backup now --force` makes its accounts the latest.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

start_server
R=(--server "$SERVER" --email "$EMAIL")

device_a_backed_up                                   # version 1: 5 accounts
assert_ok on A add --issuer "Extra" --account "sixth.one" --secret NBSWY3DPO5XXE3DE # version 2
assert_ok on A remove "Cloud Bank" --yes                                           # version 3
PLAINTEXT+=("NBSWY3DPO5XXE3DE" "sixth.one" "seventh.one" "MZXW6YTBOI3DEMJS")
puts() { grep -c 'PUT /v1/backup ' "$SRV_LOG"; }
puts_before=$(puts)

# C restores version 1: C has its accounts, and nothing went to the server.
assert_ok on C recover "${R[@]}" --version 1
assert_contains "$(cat "$T/out")" "Recovered 5 accounts from backup version 1" "restored"
assert_contains "$(cat "$T/out")" "only this device changed: a newer backup exists (version 3 from device A (" "says so"
assert_contains "$(cat "$T/out")" "'authkeep backup now --force' makes this device's accounts the latest" "and how to override"
assert_eq "$puts_before" "$(puts)" "no upload"
carried_json C list | "$SYS_PY" -c 'import json,sys; print(" ".join(a["issuer"].replace(" ","_") for a in json.load(sys.stdin)))' >"$T/c.list"
assert_eq "Forge_Hub Cloud_Bank Mail_Co Old_VPN Steam" "$(cat "$T/c.list")" "version 1's accounts"

# The server's latest is still A's version 3, and A is still backed up.
assert_ok on D recover "${R[@]}" --dry-run
assert_contains "$(cat "$T/out")" "Backup version 3 of $EMAIL, made by device A" "latest unchanged"
on A backup status --json >"$T/a.json"
assert_eq backed_up "$(json_get "$T/a.json" 'd["state"]')" "A unaffected"
assert_eq 3 "$(json_get "$T/a.json" 'd["version"]')" "A's version"

# C shows the newer backup, in status (asking the server) and offline.
on C backup status --json --offline >"$T/c.json"
assert_eq newer_backup "$(json_get "$T/c.json" 'd["state"]')" "offline state"
assert_eq 1 "$(json_get "$T/c.json" 'd["version"]')" "C knows version 1"
assert_eq 3 "$(json_get "$T/c.json" 'd["other"]["version"]')" "newer version 3"
assert_exit 7 on C backup status
assert_contains "$(cat "$T/out")" "State: a newer backup exists (version 3 from device A (" "status"
assert_eq "$puts_before" "$(puts)" "status sent nothing"

# A change on C stays on C; plain `backup now` says why and what to do.
assert_ok on C add --issuer "Seventh" --account "seventh.one" --secret MZXW6YTBOI3DEMJS
assert_contains "$(cat "$T/err")" "not backed up yet: a newer backup exists (version 3 from device A (" "change warned"
assert_fails on C backup now
assert_contains "$(cat "$T/err")" "backup now: not backed up: a newer backup exists (version 3 from device A (" "now refused"
assert_contains "$(cat "$T/err")" "'authkeep recover --merge' adds its accounts" "how to take it"
assert_contains "$(cat "$T/err")" "'authkeep backup now --force' replaces it" "how to override it"
assert_eq "$puts_before" "$(puts)" "nothing uploaded without --force"

# --force makes C's accounts the latest, and A learns of it.
assert_ok on C backup now --force
assert_contains "$(cat "$T/out")" "Backed up 6 accounts (version 4 at" "forced"
on C backup status --json >"$T/c.json"
assert_eq backed_up "$(json_get "$T/c.json" 'd["state"]')" "C backed up"
assert_ok on D recover "${R[@]}" --dry-run
assert_contains "$(cat "$T/out")" "Backup version 4 of $EMAIL, made by device C" "C's is the latest"
grep -Eq '^new +Cloud Bank:saver.two' "$T/out" || fail "Cloud Bank is back: $(cat "$T/out")"
assert_exit 7 on A backup status
assert_contains "$(cat "$T/out")" "State: a newer backup exists (version 4 from device C (" "A told"

stop_server
check_no_plaintext
