#!/bin/bash
# A deleted backup is kept for the server's grace period: other devices say
# who deleted it, when and until when it can be brought back; `backup
# undelete` brings every version back; `recover --deleted` on a new device
# restores it (and brings it back on the server); `backup delete --now`
# purges it for good after asking for the password.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

start_server
R=(--server "$SERVER" --email "$EMAIL")

device_a_backed_up
assert_ok on A rename "Steam" "gamer.v2"
PLAINTEXT+=("gamer.v2")
assert_ok on B recover "${R[@]}"

# B deletes: the answer says until when the server keeps it.
assert_ok on B backup delete --yes
assert_contains "$(cat "$T/out")" "Deleted every backup version of $EMAIL on the server; backup is off on this device." "deleted"
assert_contains "$(cat "$T/out")" "The server keeps them until 20" "until when"
assert_contains "$(cat "$T/out")" "'authkeep recover --deleted --server $SERVER --email $EMAIL' brings them back" "how to undo"

# A is told, with until when.
assert_exit 6 on A backup status
assert_contains "$(cat "$T/out")" "State: the backup was deleted on the server by B (" "who"
assert_contains "$(cat "$T/out")" "; it can be brought back until 20" "until when"
assert_contains "$(cat "$T/out")" "'authkeep backup undelete' brings every version back" "advice"
on A backup status --json >"$T/a.json"
assert_eq deleted "$(json_get "$T/a.json" 'd["state"]')" "json state"
until=$(json_get "$T/a.json" 'd["restorable_until"]')
[ "$until" -gt "$(json_get "$T/a.json" 'd["other"]["at"]')" ] || fail "restorable_until: $(cat "$T/a.json")"

# Without --deleted, recover says how to bring it back.
assert_fails on C recover "${R[@]}"
assert_contains "$(cat "$T/err")" "it can be brought back until" "recover offers"
assert_contains "$(cat "$T/err")" "'authkeep recover --deleted' restores it" "recover says how"

# A brings it back: every version, and A is backed up again.
assert_ok on A backup undelete
assert_contains "$(cat "$T/out")" "Brought back the deleted backup of $EMAIL (latest version 2). This device: backed up at" "undeleted"
assert_exit 0 on A backup status
assert_ok on A backup versions --json
assert_eq "[2, 1]" "$(json_get "$T/out" '[v["version"] for v in d]')" "both versions are back"
assert_fails on A backup undelete
assert_contains "$(cat "$T/err")" "is not deleted" "nothing to bring back"
assert_ok on C recover "${R[@]}"
assert_contains "$(cat "$T/out")" "Recovered 5 accounts from backup version 2" "recover after undelete"

# Deleted again; a new device recovers the deleted backup with --deleted.
assert_ok on A backup delete --yes
assert_ok on D recover "${R[@]}" --deleted --dry-run
assert_contains "$(cat "$T/out")" "Deleted. Backup version 2 of $EMAIL" "dry run of the deleted backup"
assert_contains "$(cat "$T/out")" "Dry run: nothing was changed." "dry run"
assert_exit 6 on C backup status
assert_ok on D recover "${R[@]}" --deleted
assert_contains "$(cat "$T/out")" "Brought back the deleted backup of $EMAIL on the server" "brought back"
assert_contains "$(cat "$T/out")" "Recovered 5 accounts from backup version 2" "recovered"
on D list --json | grep -q gamer.v2 || fail "the latest version was recovered"
assert_exit 0 on D backup status
assert_exit 0 on C backup status
assert_fails on E recover "${R[@]}" --deleted
assert_contains "$(cat "$T/err")" "is not deleted: run 'authkeep recover' without --deleted" "not deleted"

# --now purges for good, and asks for the password (here on standard input).
assert_fails env -u AUTHKEEP_PASSWORD AUTHKEEP_HOME="$T/D" "$AUTHKEEP_BIN" backup delete --yes --now </dev/null
assert_contains "$(cat "$T/err")" "reading the password" "the password is needed"
assert_exit 0 on D backup status
assert_fails env AUTHKEEP_PASSWORD="not the password" AUTHKEEP_HOME="$T/D" "$AUTHKEEP_BIN" backup delete --yes --now
assert_contains "$(cat "$T/err")" "wrong password" "a wrong password purges nothing"
assert_exit 0 on D backup status
printf '%s\n' "$AUTHKEEP_PASSWORD" | env -u AUTHKEEP_PASSWORD AUTHKEEP_HOME="$T/D" \
	"$AUTHKEEP_BIN" backup delete --yes --now >"$T/out" 2>"$T/err" || fail "purge: $(cat "$T/err")"
assert_contains "$(cat "$T/out")" "Purged every backup version of $EMAIL on the server: it cannot be brought back." "purged"
assert_exit 6 on C backup status
assert_contains "$(cat "$T/out")" "State: the backup was deleted on the server by D (" "C told"
assert_not_contains "$(cat "$T/out")" "brought back until" "no undo offered"
on C backup status --json >"$T/c.json"
assert_eq None "$(json_get "$T/c.json" 'd["restorable_until"]')" "purged in json"
assert_fails on C backup undelete
assert_contains "$(cat "$T/err")" "was purged on the server: nothing is left to bring back" "undelete refused"
assert_fails on F recover "${R[@]}" --deleted
assert_contains "$(cat "$T/err")" "the deleted backup of $EMAIL was purged on the server" "recover refused"

stop_server
check_no_plaintext
