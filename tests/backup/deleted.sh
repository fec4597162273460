#!/bin/bash
# The backup deleted from another device: the next change is kept here and the
# device says who deleted it and when; `backup now` uploads again.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

start_server
R=(--server "$SERVER" --email "$EMAIL")

device_a_backed_up
assert_ok on B recover "${R[@]}"

# Deleting asks for confirmation; without a terminal, --yes is needed.
assert_fails on B backup delete </dev/null
assert_contains "$(cat "$T/err")" "add --yes" "confirmation needed"
assert_ok on B backup delete --yes
assert_contains "$(cat "$T/out")" "Deleted every backup version of $EMAIL on the server; backup is off on this device" "deleted"
assert_exit 9 on B backup status
assert_contains "$(cat "$T/out")" "Backup: off" "B off"

# A's next change: kept, not uploaded, and A says why.
assert_ok on A rename "Steam" "gamer.renamed"
PLAINTEXT+=("gamer.renamed")
assert_contains "$(cat "$T/err")" "not backed up yet: the backup was deleted on the server by B (" "A told"
assert_exit 6 on A backup status
assert_contains "$(cat "$T/out")" "State: the backup was deleted on the server by B (" "status"
assert_contains "$(cat "$T/out")" "'authkeep backup now' uploads this device's accounts again" "advice"
on A backup status --json >"$T/a.json"
assert_eq deleted "$(json_get "$T/a.json" 'd["state"]')" "json state"

# Nothing to recover meanwhile.
assert_fails on C recover "${R[@]}"
assert_contains "$(cat "$T/err")" "the backup of $EMAIL was deleted on the server by B (" "recover refused"
[ ! -e "$(vault_of C)" ] || fail "a vault was created"

# A uploads again: numbering goes on after the deleted versions.
assert_ok on A backup now
assert_contains "$(cat "$T/out")" "Backed up 5 accounts (version 2 at" "uploaded again"
assert_ok on C recover "${R[@]}"
assert_contains "$(cat "$T/out")" "Recovered 5 accounts from backup version 2" "recovered after"
on C list --json | grep -q gamer.renamed || fail "the change made while deleted is in the new backup"

stop_server
check_no_plaintext
