#!/bin/bash
# 10,000 accounts (about 1 MB of backup) are backed up by one command and
# come back whole on another device, from an authkeepd with its default
# request cap, which fits the largest backup a device makes.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

R=(--server "$SERVER" --email "$EMAIL")
start_server
new_device L
uris 10000 Many >"$T/10k.txt"
assert_ok on L import "$T/10k.txt"
assert_ok on L backup on --server "$SERVER" --email "$EMAIL" --create
assert_contains "$(cat "$T/out")" "Backup is on: 10000 accounts backed up to $EMAIL (version 1 at" "10,000 backed up"
assert_ok on M recover "${R[@]}"
assert_contains "$(cat "$T/out")" "Recovered 10000 accounts from backup version 1" "10,000 recovered"
assert_eq "$(carried_json L code --at 59 | md5sum)" "$(carried_json M code --at 59 | md5sum)" "the same codes"

stop_server
check_no_plaintext
