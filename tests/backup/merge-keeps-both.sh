#!/bin/bash
# recover --merge where an account of the backup and one of the device have
# the same name and other secrets: both are kept, the backup's under a
# distinguishing name (as import names a conflicting account), and the
# backup that follows holds both secrets: no secret disappears.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

start_server
R=(--server "$SERVER" --email "$EMAIL")
device_a_backed_up # Mail Co:reader.three with A's secret
here=GAYTEMZUGU3DOOBZGAYTEMZUGU
PLAINTEXT+=("$here" "MZXW6YTBOI3DEMJV" "after.merge")

new_device B
on B add --issuer "Mail Co" --account "reader.three" --secret "$here" >/dev/null
at=1234567890
theirs=$(on A code "Mail Co" --at $at --quiet)
mine=$(on B code "Mail Co" --at $at --quiet)
[ "$theirs" != "$mine" ] || fail "the two secrets give the same code"

assert_ok on B recover "${R[@]}" --merge
assert_contains "$(cat "$T/out")" "Added 4 missing accounts from backup version 1" "merge"
assert_contains "$(cat "$T/out")" "Kept both versions of 1 conflicting account: this device's as it was, the backup's as Mail Co:reader.three (imported)" "both kept"
codes_at B $at >"$T/b.codes"
assert_eq "Mail Co reader.three $mine" "$(grep '^Mail Co reader.three [0-9]' "$T/b.codes")" "B's own"
assert_eq "Mail Co reader.three (imported) $theirs" "$(grep '^Mail Co reader.three (imported) ' "$T/b.codes")" "the backup's"

# The merged set went up (version 2) with both secrets; so does the next backup.
on B backup status --json >"$T/b.json"
assert_eq 2 "$(json_get "$T/b.json" 'd["version"]')" "merged set uploaded"
assert_ok on B add --issuer "After" --account "after.merge" --secret MZXW6YTBOI3DEMJV
on B backup status --json >"$T/b.json"
assert_eq 3 "$(json_get "$T/b.json" 'd["version"]')" "next backup"
assert_ok on C recover "${R[@]}"
assert_contains "$(cat "$T/out")" "Recovered 7 accounts from backup version 3" "C recovers both"
codes_at C $at >"$T/c.codes"
assert_eq "Mail Co reader.three $mine" "$(grep '^Mail Co reader.three [0-9]' "$T/c.codes")" "B's secret in the backup"
assert_eq "Mail Co reader.three (imported) $theirs" "$(grep '^Mail Co reader.three (imported) ' "$T/c.codes")" \
	"A's secret in the backup"
assert_eq "$(codes_at A $at | grep -v '^Mail Co' | sort)" "$(grep -v '^Mail Co\|^After' "$T/c.codes" | sort)" "the rest"

stop_server
check_no_plaintext
