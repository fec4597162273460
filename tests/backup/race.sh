#!/bin/bash
# Two devices on one recovery account never silently overwrite each other:
# the second is told a newer backup exists, and from which device; nothing is
# overwritten; recover --merge combines; backup now --force replaces on purpose.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

start_server
R=(--server "$SERVER" --email "$EMAIL")
count_in_backup() { # VERSION: accounts in that version, seen by a fresh device
	on "fresh$1" recover "${R[@]}" --version "$1" --dry-run | grep -c '^new ' || true
}

new_device A
on A add --issuer "Shared" --account "first.acct" --secret JBSWY3DPEHPK3PXP >/dev/null
assert_ok on A backup on "${R[@]}" --create      # version 1
assert_ok on B recover "${R[@]}"                 # B knows version 1
PLAINTEXT+=("JBSWY3DPEHPK3PXP" "first.acct")

assert_ok on A add --issuer "From A" --account "a.acct" --secret GEZDGNBVGY3TQOJQ # version 2
PLAINTEXT+=("GEZDGNBVGY3TQOJQ" "a.acct")
on A backup status --json >"$T/a.json"
assert_eq 2 "$(json_get "$T/a.json" 'd["version"]')" "A uploaded version 2"

# B changes too: kept on B, not uploaded, and B is told why.
assert_ok on B add --issuer "From B" --account "b.acct" --secret MFRGGZDFMZTWQ2LK
PLAINTEXT+=("MFRGGZDFMZTWQ2LK" "b.acct")
assert_contains "$(cat "$T/err")" "not backed up yet: a newer backup exists (version 2 from device A (" "B told"
assert_exit 7 on B backup status
assert_contains "$(cat "$T/out")" "State: a newer backup exists (version 2 from device A (" "B status"
assert_contains "$(cat "$T/out")" "authkeep recover --merge" "B status says what to do"
on B backup status --json >"$T/b.json"
assert_eq newer_backup "$(json_get "$T/b.json" 'd["state"]')" "B state"
assert_eq True "$(json_get "$T/b.json" 'd["pending"]')" "B's change pending"
# Nothing was overwritten: version 2 is the latest and holds A's two accounts.
assert_eq 2 "$(count_in_backup 2)" "version 2 intact"
assert_fails on fresh3 recover "${R[@]}" --version 3 --dry-run

# B combines: its own change plus A's, uploaded as version 3.
assert_ok on B recover "${R[@]}" --merge
assert_contains "$(cat "$T/out")" "Added 1 missing account from backup version 2" "B merges"
on B backup status --json >"$T/b.json"
assert_eq backed_up "$(json_get "$T/b.json" 'd["state"]')" "B backed up"
assert_eq 3 "$(json_get "$T/b.json" 'd["version"]')" "B uploaded version 3"
assert_eq 3 "$(count_in_backup 3)" "version 3 holds all three"

# A now sees B's newer backup and merges it (nothing of its own to add: no upload).
assert_exit 7 on A backup status
assert_contains "$(cat "$T/out")" "a newer backup exists (version 3 from device B (" "A sees B's"
assert_ok on A recover "${R[@]}" --merge
on A backup status --json >"$T/a.json"
assert_eq backed_up "$(json_get "$T/a.json" 'd["state"]')" "A backed up"
assert_eq 3 "$(json_get "$T/a.json" 'd["version"]')" "A knows version 3"

# Both change at the same moment: exactly one upload wins, the other is told.
on A add --issuer "Race" --account "race.a" --secret ONSWG4TFOQYTEMZU >/dev/null 2>"$T/race.a" &
pid_a=$!
on B add --issuer "Race" --account "race.b" --secret OBQXG43XN5ZGIZLT >/dev/null 2>"$T/race.b" &
pid_b=$!
wait $pid_a || fail "A's add failed"
wait $pid_b || fail "B's add failed"
PLAINTEXT+=("race.a" "race.b" "ONSWG4TFOQYTEMZU" "OBQXG43XN5ZGIZLT")
on A backup status --json >"$T/a.json"
on B backup status --json >"$T/b.json"
states="$(json_get "$T/a.json" 'd["state"]') $(json_get "$T/b.json" 'd["state"]')"
case "$states" in
"backed_up newer_backup") winner=A loser=B ;;
"newer_backup backed_up") winner=B loser=A ;;
*) fail "expected one winner and one told of the newer backup, got: $states" ;;
esac
on $winner backup status --json >"$T/w.json"
assert_eq 4 "$(json_get "$T/w.json" 'd["version"]')" "the winner made version 4"
assert_contains "$(cat "$T/race.$(echo $loser | tr AB ab)")" "a newer backup exists (version 4 from device $winner" "loser told"
assert_fails on fresh5 recover "${R[@]}" --version 5 --dry-run

# The loser may replace it on purpose.
assert_ok on $loser backup now --force
assert_contains "$(cat "$T/out")" "(version 5 at" "forced upload"
assert_exit 7 on $winner backup status
assert_contains "$(cat "$T/out")" "a newer backup exists (version 5 from device $loser" "winner told"

stop_server
check_no_plaintext
