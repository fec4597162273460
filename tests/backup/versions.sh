#!/bin/bash
# backup versions lists what the server keeps, newest first: each version,
# when it was made, by which device, and how many accounts it holds (counted
# on the device, which opens each one); --json has the same; nothing is
# uploaded; backup off and a deleted backup say so in one line.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

start_server
R=(--server "$SERVER" --email "$EMAIL")
new_device A
assert_fails on A backup versions
assert_contains "$(cat "$T/err")" "backup is off on this device" "backup off"
add_accounts A
assert_ok on A backup on "${R[@]}" --create            # version 1: 5 accounts
assert_ok on A add --issuer "Extra" --account "sixth.one" --secret NBSWY3DPO5XXE3DE # version 2: 6
new_device B
assert_ok on B recover "${R[@]}"
assert_ok on B remove "Cloud Bank" --yes                      # version 3: 5, by B
assert_contains "$(cat "$T/out")" "Backup version 2 still holds it: 'authkeep recover --version 2 --merge' brings it back." \
	"remove says where the account still is"
puts() { grep -c 'PUT /v1/backup ' "$SRV_LOG"; }
before=$(puts)

assert_ok on A backup versions --json
"$SYS_PY" - "$T/out" <<'PY' || fail "versions --json: $(cat "$T/out")"
import json, sys
v = json.load(open(sys.argv[1]))
assert [(x["version"], x["device_name"], x["accounts"]) for x in v] == \
    [(3, "B", 5), (2, "A", 6), (1, "A", 5)], v
assert all(x["created_at"] > 0 and x["size"] > 0 and len(x["device_id"]) > 0 for x in v), v
assert v[0]["created_at"] >= v[1]["created_at"] >= v[2]["created_at"], v
PY
assert_ok on A backup versions
assert_contains "$(head -n 1 "$T/out")" "VERSION" "a table"
grep -Eq '^3 +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} [A-Z+0-9-]+ +B \([0-9a-f]{8}\) +5 *$' "$T/out" ||
	fail "version 3's line: $(cat "$T/out")"
assert_contains "$(cat "$T/out")" "recover --version N" "says how to restore one"
assert_eq "$before" "$(puts)" "listing uploads nothing"

# What remove said brings it back.
assert_ok on B recover "${R[@]}" --version 2 --merge
on B list --json | grep -q '"Cloud Bank"' || fail "recover --version 2 --merge brought it back"
assert_ok on B backup delete --yes
assert_fails on A backup versions
assert_contains "$(cat "$T/err")" "the backup was deleted on the server" "a deleted backup"
stop_server
