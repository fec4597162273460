#!/bin/bash
# Device A creates the recovery account, adds accounts of every kind and backs
# them up; device B recovers them: same order, same codes at several times,
# backup on for B with its own device id. Nothing readable reaches the server.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

start_server

# Device A: accounts first, then backup on with a new recovery account.
device_a_backed_up
assert_contains "$(cat "$T/out")" "Created the recovery account $EMAIL" "create"
assert_contains "$(cat "$T/out")" "Backup is on: 5 accounts backed up" "first backup"
code=$(recovery_code_of "$T/out")
[ -n "$code" ] || fail "no recovery code shown: $(cat "$T/out")"
PLAINTEXT+=("$code")
on A backup status --json >"$T/a.json" || fail "status A"
assert_eq backed_up "$(json_get "$T/a.json" 'd["state"]')" "A state"
assert_eq 1 "$(json_get "$T/a.json" 'd["version"]')" "A version"

# A change is backed up before the command returns.
assert_ok on A rename "Mail Co:reader.three" "reader.3"
on A backup status --json >"$T/a.json" || fail "status A"
assert_eq 2 "$(json_get "$T/a.json" 'd["version"]')" "version after rename"
assert_eq False "$(json_get "$T/a.json" 'd["pending"]')" "nothing pending"
assert_ok on A move "Steam" 1
# Nothing new: backup now makes no new version.
assert_ok on A backup now
assert_contains "$(cat "$T/out")" "Backed up 5 accounts (version 3 at" "nothing new to send"
PLAINTEXT+=("reader.3")

# Device B: a fresh device with no vault at all recovers.
assert_ok on B recover --server "$SERVER" --email "$EMAIL"
assert_contains "$(cat "$T/out")" "Recovered 5 accounts from backup version 3" "recover"
assert_contains "$(cat "$T/out")" "Backup is on for this device" "backup on for B"

# Same accounts, same order, same parameters.
on A list --json | "$SYS_PY" -c 'import json,sys; [print(a["id"],a["issuer"],a["account"],a["type"]) for a in json.load(sys.stdin)]' >"$T/list.a"
on B list --json | "$SYS_PY" -c 'import json,sys; [print(a["id"],a["issuer"],a["account"],a["type"]) for a in json.load(sys.stdin)]' >"$T/list.b"
assert_eq "$(cat "$T/list.a")" "$(cat "$T/list.b")" "accounts and order"
assert_eq "Steam" "$(head -n 1 "$T/list.b" | cut -d' ' -f2)" "Steam moved first"

# Same codes at several times, including past 2038.
times="0 59 1111111109 1234567890 2000000000 20000000000"
codes_at A $times >"$T/codes.a"
codes_at B $times >"$T/codes.b"
[ -s "$T/codes.a" ] || fail "no codes"
assert_eq "$(cat "$T/codes.a")" "$(cat "$T/codes.b")" "codes at $times"
# B backs up as itself: its own device id, the same recovery account.
on B backup status --json >"$T/b.json" || fail "status B"
on A backup status --json --offline >"$T/a.json" || fail "status A"
assert_eq "$(json_get "$T/a.json" 'd["account_id"]')" "$(json_get "$T/b.json" 'd["account_id"]')" "same recovery account"
[ "$(json_get "$T/a.json" 'd["device_id"]')" != "$(json_get "$T/b.json" 'd["device_id"]')" ] || fail "B has A's device id"
assert_eq B "$(json_get "$T/b.json" 'd["device_name"]')" "B's name"
assert_eq backed_up "$(json_get "$T/b.json" 'd["state"]')" "B state"
assert_eq 3 "$(json_get "$T/b.json" 'd["version"]')" "B knows the latest version"

# HOTP: the same next code on both. Using one advances the counter, a change
# that B backs up (A stops backing up first, or it would be told B's is newer).
assert_ok on A backup off
assert_eq "$(on A code "Old VPN" --quiet)" "$(on B code "Old VPN" --quiet)" "HOTP code"
on B backup status --json >"$T/b.json" || fail "status B"
assert_eq 4 "$(json_get "$T/b.json" 'd["version"]')" "B uploaded the HOTP counter change"

# The human status names the state.
assert_ok on B backup status
assert_contains "$(cat "$T/out")" "State: backed up at" "status line"

stop_server
check_no_plaintext
