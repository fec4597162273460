#!/bin/bash
# Backing up the server itself, as docs/deploy.md says: while authkeepd runs,
# its database is copied with the server's config beside it: with SQLite by
# `sqlite3 DB ".backup FILE"` (and VACUUM INTO), with PostgreSQL
# (AUTHKEEP_TEST_STORE=postgres) by pg_dump. The server then stops; the
# copy, restored into a new folder (a new database), serves again: the
# device that backed up carries on as before (same session, same version), a
# new device recovers every account from it with the same codes, and so does
# one from the second copy (SQLite's VACUUM INTO, or the same dump restored
# once more).
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

# copy_store DIR: the two copies of the running server's store into DIR.
copy_store() {
	if store_is_sqlite; then
		(umask 077 && sqlite3 "$DB" ".backup '$1/authkeepd.db'") || fail "sqlite3 .backup while running"
		(umask 077 && sqlite3 "$DB" "VACUUM INTO '$1/vacuumed.db'") || fail "VACUUM INTO while running"
		for f in "$1/authkeepd.db" "$1/vacuumed.db"; do
			assert_eq ok "$(sqlite3 "$f" 'PRAGMA integrity_check')" "integrity of $f"
			assert_eq 600 "$(stat -c %a "$f")" "mode of $f"
		done
	else
		(umask 077 && "$PG_BIN/pg_dump" -h "$PG_DIR" -p "$PG_PORT" -U authkeep --format=custom \
			--file="$1/authkeepd.dump" "$(store_pg_name "$DB")") || fail "pg_dump while running"
	fi
}

# restore_store DIR FILE: the copy FILE of DIR as the store of DIR/authkeepd.db.
restore_store() {
	if store_is_sqlite; then
		cp -p "$1/$2" "$NEW/authkeepd.db"
	else
		store_prepare "$NEW/authkeepd.db"
		"$PG_BIN/pg_restore" -h "$PG_DIR" -p "$PG_PORT" -U authkeep --no-owner --role=authkeep \
			--dbname="$(store_pg_name "$NEW/authkeepd.db")" "$1/authkeepd.dump" ||
			fail "pg_restore"
	fi
}

CONF="$SRV/authkeepd.conf"
printf 'keep_versions = 5\nsession_ttl = 7d\n' >"$CONF"
start_server --config "$CONF"
device_a_backed_up # version 1
assert_ok on A rename "Mail Co:reader.three" "reader.3" # version 2
PLAINTEXT+=("reader.3")
times="0 59 1111111109 1234567890 2000000000"
codes_at A $times >"$T/codes.a"
[ -s "$T/codes.a" ] || fail "no codes on A"

# The copies, made while the server runs; private to their owner, as the
# database must be (umask 077).
COPY="$T/copy"
mkdir -p "$COPY"
copy_store "$COPY"
cp -p "$CONF" "$COPY/authkeepd.conf"
on A backup status --json >"$T/a.json" || fail "status A"
assert_eq 2 "$(json_get "$T/a.json" 'd["version"]')" "A at version 2 when copied"
stop_server

# Restored into a new folder: the database alone (no -wal or -shm from
# elsewhere) and the config, on the same address.
NEW="$T/restored"
mkdir -m 700 "$NEW"
restore_store "$COPY" authkeepd.db
cp -p "$COPY/authkeepd.conf" "$NEW/authkeepd.conf"
OLD_SRV=$SRV
SRV=$NEW DB="$NEW/authkeepd.db" SRV_LOG="$NEW/requests.log" SRV_ERR="$NEW/stderr.log"
start_server --config "$NEW/authkeepd.conf"

# A carries on: its session holds, the server has its version.
assert_exit 0 on A backup status
assert_contains "$(cat "$T/out")" "State: backed up at" "A backed up on the restored server"
on A backup status --json >"$T/a.json" || fail "status A"
assert_eq 2 "$(json_get "$T/a.json" 'd["version"]')" "A's version on the restored server"

# B, a new device, recovers every account with the same codes.
assert_ok on B recover --server "$SERVER" --email "$EMAIL"
assert_contains "$(cat "$T/out")" "Recovered 5 accounts from backup version 2" "recover from the restored server"
codes_at B $times >"$T/codes.b"
assert_eq "$(cat "$T/codes.a")" "$(cat "$T/codes.b")" "B's codes at $times"

# A change after the restore is backed up there as the next version.
assert_ok on A add --issuer "After Restore" --account "later.six" --secret MZXW6YTBOI3DEMJS
PLAINTEXT+=("later.six" "MZXW6YTBOI3DEMJS")
on A backup status --json >"$T/a.json" || fail "status A"
assert_eq 3 "$(json_get "$T/a.json" 'd["version"]')" "a change after the restore"
stop_server
check_no_plaintext

# The second copy serves as well: C recovers version 2 from it.
NEW="$T/vacuumed"
mkdir -m 700 "$NEW"
restore_store "$COPY" vacuumed.db
SRV=$NEW DB="$NEW/authkeepd.db" SRV_LOG="$NEW/requests.log" SRV_ERR="$NEW/stderr.log"
start_server --config "$COPY/authkeepd.conf"
assert_ok on C recover --server "$SERVER" --email "$EMAIL"
assert_contains "$(cat "$T/out")" "Recovered 5 accounts from backup version 2" "recover from the second copy"
codes_at C $times >"$T/codes.c"
assert_eq "$(cat "$T/codes.a")" "$(cat "$T/codes.c")" "C's codes at $times"
stop_server
check_no_plaintext
SRV=$OLD_SRV
check_no_plaintext
