#!/bin/bash
# The purge is real: with a short grace period (--deleted-grace 2s),
# authkeepd purges a deleted backup on its own, and then no byte of its
# ciphertext is left in the database, its -wal or its -shm, while the
# server still runs. The same for a recovery account deleted and left
# past its grace: its email is then free again.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

start_server --deleted-grace 2s
R=(--server "$SERVER" --email "$EMAIL")

# pieces_of SQL FILE: 48-byte pieces from the middle of each envelope SQL selects, in hex.
pieces_of() {
	"$SYS_PY" - "$DB" "$1" >"$2" <<'EOF' || fail "reading the envelopes"
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
for (env,) in db.execute(sys.argv[2]):
    for at in range(40, len(env) - 48, max(48, (len(env) - 88) // 8)):
        print(env[at:at + 48].hex())
db.close()
EOF
	[ -s "$2" ] || fail "no envelope to look for"
}

# count_found FILE: how many of the pieces are in the database's files now.
count_found() {
	"$SYS_PY" - "$DB" "$1" <<'EOF'
import sys
db, pieces = sys.argv[1], [bytes.fromhex(l) for l in open(sys.argv[2]) if l.strip()]
data = b""
for suffix in ("", "-wal", "-shm"):
    try:
        data += open(db + suffix, "rb").read()
    except FileNotFoundError:
        pass
print(sum(1 for p in pieces if p in data))
EOF
}

# wait_purged FILE WHAT: until none of the pieces is left (a generous bound, no timing asserted).
wait_purged() {
	for _ in $(seq 1 240); do
		[ "$(count_found "$1")" = 0 ] && return 0
		kill -0 "$SERVER_PID" || fail "authkeepd exited: $(tail -n 5 "$SRV_ERR")"
		sleep 0.5
	done
	fail "$2: $(count_found "$1") pieces of the ciphertext are still in the database files"
}

device_a_backed_up
assert_ok on A rename "Steam" "gamer.v2"
PLAINTEXT+=("gamer.v2")
assert_ok on B recover "${R[@]}"
pieces_of "SELECT envelope FROM backups" "$T/backup.hex"
[ "$(count_found "$T/backup.hex")" -gt 0 ] || fail "the pieces are not found before the delete"

assert_ok on A backup delete --yes
wait_purged "$T/backup.hex" "the deleted backup"
assert_contains "$(cat "$SRV_LOG")" "purged 2 deleted backup versions" "the log says so"
assert_exit 6 on B backup status
assert_contains "$(cat "$T/out")" "State: the backup was deleted on the server by A (" "B told"
assert_not_contains "$(cat "$T/out")" "brought back until" "nothing to bring back"
assert_fails on B backup undelete
assert_contains "$(cat "$T/err")" "was purged on the server" "undelete refused"

# A recovery account past its grace: gone with its backups, and its email free again.
assert_ok on B backup now
pieces_of "SELECT envelope FROM backups" "$T/account.hex"
assert_ok on B account delete --yes
assert_contains "$(cat "$T/out")" "Deleted the recovery account $EMAIL on $SERVER" "account deleted"
wait_purged "$T/account.hex" "the deleted account"
for _ in $(seq 1 240); do
	"$SYS_PY" -c "import sqlite3,sys; c=sqlite3.connect('file:$DB?mode=ro', uri=True)
sys.exit(c.execute('SELECT count(*) FROM accounts').fetchone()[0])" && break
	sleep 0.5
done
assert_fails on A account undelete "${R[@]}"
assert_contains "$(cat "$T/err")" "wrong password or recovery code for $EMAIL, or no recovery account" "the account is gone"
new_device G
assert_ok on G backup on "${R[@]}" --create
assert_contains "$(cat "$T/out")" "Created the recovery account $EMAIL" "the email is free after the grace"

stop_server
check_no_plaintext
