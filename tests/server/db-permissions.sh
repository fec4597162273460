#!/bin/bash
# The database and its -wal and -shm files are for authkeepd's user only
# (0600), whatever the umask; a database, or a file beside it, that other
# users can read or change is refused at start with one line that names the
# file and the fix, and is left as it was.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"

mode() { stat -c %a "$1"; }

umask 000
authkeepd_start
KEY=$(new_key)
create_account ida@example.com "$KEY"
signin ida@example.com "$KEY"
put_backup 0 laptop
expect 200 "" "upload"
for f in "$SERVER_DB" "$SERVER_DB-wal" "$SERVER_DB-shm"; do
	[ -e "$f" ] || fail "$f does not exist while authkeepd runs"
	assert_eq 600 "$(mode "$f")" "mode of $(basename "$f") under umask 000"
done
authkeepd_stop || exit 1
umask 022

refused() { # WHAT FILE MODE WORD
	sum=$(file_sum "$SERVER_DB")
	assert_fails "$AUTHKEEPD_BIN" --listen "127.0.0.1:$(free_port)" --db "sqlite:$SERVER_DB"
	assert_eq 1 "$(wc -l <"$T/err")" "$1: one line"
	assert_eq "authkeepd: $2 can be $4 by other users (mode $3); run chmod 600 $2" \
		"$(cat "$T/err")" "$1: the message"
	assert_eq "$sum" "$(file_sum "$SERVER_DB")" "$1: the database is unchanged"
}
chmod 644 "$SERVER_DB"
refused "world-readable database" "$SERVER_DB" 0644 read
chmod 640 "$SERVER_DB"
refused "group-readable database" "$SERVER_DB" 0640 read
chmod 620 "$SERVER_DB"
refused "group-writable database" "$SERVER_DB" 0620 changed
chmod 600 "$SERVER_DB"
: >"$SERVER_DB-wal"
chmod 644 "$SERVER_DB-wal"
refused "world-readable -wal beside it" "$SERVER_DB-wal" 0644 read
rm "$SERVER_DB-wal"

# Fixed as the message says, it starts with its data.
authkeepd_start
signin ida@example.com "$KEY"
api GET /v1/backup
expect 200 "" "the backup is still there"
assert_eq 600 "$(mode "$SERVER_DB")" "mode after a restart"
echo ok
