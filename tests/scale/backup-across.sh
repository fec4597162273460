#!/bin/bash
# Two authkeepd processes on one PostgreSQL database: device A backs up
# through the first, device B recovers through the second and backs up a
# change there, which A then sees through the first as a newer backup and
# device C recovers through the first.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/scale/lib-scale.sh"

start_server
second_start

device_a_backed_up
assert_contains "$(cat "$T/out")" "Backup is on: 5 accounts backed up" "A backs up through the first"

assert_ok on B recover --server "$SECOND_URL" --email "$EMAIL"
assert_contains "$(cat "$T/out")" "Recovered 5 accounts from backup version 1" \
	"B recovers through the second"
assert_eq "$(carried_json A list)" "$(carried_json B list)" "the same accounts on both devices"
assert_eq "$(codes_at A 1700000000 1800000000)" "$(codes_at B 1700000000 1800000000)" \
	"the same codes on both devices"

# B's change goes through the second; A, on the first, hears of it.
on B backup status --json >"$T/b.json" || fail "status B"
before=$(json_get "$T/b.json" 'd["version"]')
assert_ok on B rename "Mail Co:reader.three" "reader.3"
on B backup status --json >"$T/b.json" || fail "status B"
assert_eq $((before + 1)) "$(json_get "$T/b.json" 'd["version"]')" "B's change is a new version"
on A backup status --json >"$T/a.json"
assert_eq 7 "$?" "A's status on the first: a newer backup (exit 7)"
assert_ok on C recover --server "$SERVER" --email "$EMAIL"
assert_eq "$(carried_json B list)" "$(carried_json C list)" \
	"C, recovering through the first, has B's change"
second_stop || exit 1
echo ok
