#!/bin/bash
# Deleting the recovery account: every device is signed out, signing in is
# refused and says how to bring it back, its email cannot be taken over
# during the grace period, and `account undelete` (signing in with the
# password) brings it back as it was. With --now it is purged at once and
# its email stays reserved for the rest of the grace period.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

start_server --rate-signin 0 --slow-after 10
R=(--server "$SERVER" --email "$EMAIL")

device_a_backed_up
assert_ok on B recover "${R[@]}"

# It takes the password, which is proved to the server with the delete.
assert_fails on A account delete </dev/null
assert_contains "$(cat "$T/err")" "add --yes to delete the recovery account" "confirmation needed"
assert_fails env AUTHKEEP_PASSWORD="not the password" AUTHKEEP_HOME="$T/A" "$AUTHKEEP_BIN" account delete --yes
assert_contains "$(cat "$T/err")" "wrong password" "a wrong password deletes nothing"
assert_exit 0 on A backup status
assert_ok on A account delete --yes
assert_contains "$(cat "$T/out")" "Deleted the recovery account $EMAIL on $SERVER: every device is signed out and backup is off on this device." "deleted"
assert_contains "$(cat "$T/out")" "The server keeps it until 20" "until when"
assert_contains "$(cat "$T/out")" "'authkeep account undelete --server $SERVER --email $EMAIL' signs in and brings it back" "how to undo"
assert_exit 9 on A backup status

# B is signed out; signing in again is refused and offers the undo.
assert_exit 5 on B backup status
assert_fails on B backup now
assert_contains "$(cat "$T/err")" "the recovery account $EMAIL was deleted on the server (this recovery account was deleted by A (" "B told who"
assert_contains "$(cat "$T/err")" "it can be brought back until 20" "B told until when"
assert_contains "$(cat "$T/err")" "'authkeep account undelete' signs in and brings it back" "B told how"
assert_fails on C recover "${R[@]}"
assert_contains "$(cat "$T/err")" "was deleted on the server" "recover refused"
[ ! -e "$(vault_of C)" ] || fail "a vault was made"

# The email cannot be taken over meanwhile.
new_device D
assert_fails env AUTHKEEP_PASSWORD="a new owner's password" AUTHKEEP_HOME="$T/D" "$AUTHKEEP_BIN" \
	backup on "${R[@]}" --create
assert_contains "$(cat "$T/err")" "a recovery account $EMAIL exists on this server already" "not taken over"
assert_exit 9 on D backup status

# Undo by signing in: a wrong password brings nothing back; the right one all of it.
assert_fails env AUTHKEEP_PASSWORD="not the password" AUTHKEEP_HOME="$T/B" "$AUTHKEEP_BIN" account undelete
assert_contains "$(cat "$T/err")" "wrong password" "wrong password"
assert_exit 5 on B backup status
assert_ok on B account undelete
assert_contains "$(cat "$T/out")" "Brought back the recovery account $EMAIL, as it was: its backups, devices and contacts. This device is signed in again" "undeleted"
assert_exit 0 on B backup status
assert_ok on B account undelete
assert_contains "$(cat "$T/out")" "is not deleted: nothing to bring back" "once is enough"
assert_ok on C recover "${R[@]}"
assert_contains "$(cat "$T/out")" "Recovered 5 accounts from backup version" "the backup is back"
assert_ok on A recover "${R[@]}" --merge
assert_exit 0 on A backup status

# --now: purged at once; the email stays reserved for the grace period.
assert_ok on C account delete --yes --now
assert_contains "$(cat "$T/out")" "Purged the recovery account $EMAIL on $SERVER, with its backups and devices: it cannot be brought back. The email cannot make a new recovery account there until 20" "purged"
assert_fails on B account undelete
assert_contains "$(cat "$T/err")" "wrong password or recovery code for $EMAIL, or no recovery account" "nothing to bring back"
assert_fails env AUTHKEEP_PASSWORD="a new owner's password" AUTHKEEP_HOME="$T/D" "$AUTHKEEP_BIN" \
	backup on "${R[@]}" --create
assert_contains "$(cat "$T/err")" "was deleted" "reserved"
assert_contains "$(cat "$T/err")" "cannot be used for a new one until" "until when"
assert_exit 9 on D backup status
"$SYS_PY" - "$DB" "$EMAIL" <<'EOF' || fail "the email is in the database files"
import sys
db, email = sys.argv[1], sys.argv[2].encode()
for suffix in ("", "-wal", "-shm"):
    try:
        if email in open(db + suffix, "rb").read():
            sys.exit(f"{email!r} in {db + suffix}")
    except FileNotFoundError:
        pass
EOF

stop_server
check_no_plaintext
