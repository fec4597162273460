#!/bin/bash
# Crafted SQLite files posing as Google Authenticator's database: accounts
# as a view over zeroblob() rows or a huge recursive CTE, a cell larger
# than any field, more rows than an import takes, a trigger. Each import is
# refused at once (well under a few seconds, within 100 MB of address
# space) with one line naming the file and why, and the vault is unchanged.
. "$AUTHKEEP_SOURCE_ROOT/tests/import/helpers.sh"

command -v prlimit >/dev/null || skip "no prlimit"
# ASan reserves terabytes of address space: no --as limit under it.
MEM=(prlimit --as=$((100 << 20)) --)
[ -z "${AUTHKEEP_SANITIZED:-}" ] || MEM=() # ASan reserves far more address space

# make_db NAME SQL: a database made with the sqlite3 tool (or Python's module).
make_db() {
	if command -v sqlite3 >/dev/null; then
		sqlite3 "$T/$1" "$2" || fail "sqlite3: $1"
	else
		python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()' \
			"$T/$1" "$2" || fail "python3 sqlite3: $1"
	fi
}

GA="_id INTEGER PRIMARY KEY, email TEXT NOT NULL, secret TEXT NOT NULL, counter INTEGER DEFAULT 0,
	type INTEGER, provider INTEGER DEFAULT 0, issuer TEXT DEFAULT NULL, original_name TEXT DEFAULT NULL"
ROW="'JBSWY3DPEHPK3PXP', 0, 0, 0, 'Hostile', NULL"

make_db view.sqlite "CREATE TABLE android_metadata (locale TEXT);
CREATE VIEW accounts AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000000)
	SELECT i AS _id, zeroblob(100000000) AS email, 'JBSWY3DPEHPK3PXP' AS secret, 0 AS counter, 0 AS type,
	0 AS provider, 'Hostile' AS issuer, NULL AS original_name FROM n;"
make_db cte.sqlite "CREATE VIEW accounts AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)
	SELECT i AS _id, printf('user%d', i) AS email, 'JBSWY3DPEHPK3PXP' AS secret, 0 AS counter, 0 AS type,
	'Hostile' AS issuer FROM n ORDER BY random();"
make_db blob.sqlite "CREATE TABLE accounts ($GA);
INSERT INTO accounts VALUES (1, 'one@example.com', $ROW);
INSERT INTO accounts VALUES (2, zeroblob(8000000), $ROW);"
make_db wide.sqlite "CREATE TABLE accounts ($GA);
INSERT INTO accounts VALUES (1, 'one@example.com', $ROW);
INSERT INTO accounts VALUES (2, CAST(zeroblob(10000) AS TEXT), $ROW);"
make_db rows.sqlite "CREATE TABLE accounts ($GA);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400001)
	INSERT INTO accounts SELECT i, 'u' || i, $ROW FROM n;"
make_db trigger.sqlite "CREATE TABLE accounts ($GA);
INSERT INTO accounts VALUES (1, 'one@example.com', $ROW);
CREATE TABLE log (x);
CREATE TRIGGER grow AFTER INSERT ON accounts BEGIN INSERT INTO log SELECT zeroblob(100000000); END;"

ak init >/dev/null || fail "init"
ak add 'otpauth://totp/Keep:me?secret=GEZDGNBVGY3TQOJQ&issuer=Keep' >/dev/null || fail "add"
list_before=$(ak list --json) || fail "list"
sum=$(file_sum "$VAULT")

# refused NAME REASON [OPTIONS...]: the import fails (within the 10 s guard) with one line naming the file and REASON.
refused() {
	local file="$T/$1" start end rc=0
	start=$(date +%s%N)
	timeout 10 "${MEM[@]}" "$AUTHKEEP_BIN" import "${@:3}" "$file" >"$T/out" 2>"$T/err" || rc=$?
	end=$(date +%s%N)
	[ "$rc" != 0 ] || fail "$1 was imported: $(cat "$T/out")"
	[ "$rc" != 124 ] || fail "$1: still running after 10 s"
	assert_eq 1 "$(wc -l <"$T/err")" "$1: one line on stderr ($(cat "$T/err"))"
	assert_contains "$(cat "$T/err")" "$file" "$1: the error names the file"
	assert_contains "$(cat "$T/err")" "$2" "$1: the error says why"
	assert_eq "$list_before" "$(ak list --json)" "$1: the accounts"
	assert_eq "$sum" "$(file_sum "$VAULT")" "$1: the vault file"
	echo "refused $1 in $(((end - start) / 1000000)) ms: $(cat "$T/err")"
}

refused view.sqlite "accounts is a view, not a table"
refused view.sqlite "accounts is a view, not a table" --format gauth-db
refused cte.sqlite "accounts is a view, not a table"
refused blob.sqlite "row 2: a value larger than 65536 bytes"
refused wide.sqlite "row 2: a value larger than 4096 bytes (column email)"
refused rows.sqlite "more than"
refused trigger.sqlite "holds a trigger"

# A real database still imports under the same bounds.
make_db good.sqlite "CREATE TABLE accounts ($GA);
INSERT INTO accounts VALUES (1, 'Good:one@example.com', 'JBSWY3DPEHPK3PXP', 0, 0, 0, 'Good', NULL);"
timeout 10 "${MEM[@]}" "$AUTHKEEP_BIN" import "$T/good.sqlite" >"$T/out" 2>"$T/err" ||
	fail "a plain database: $(cat "$T/err")"
assert_contains "$(cat "$T/out")" "imported: 1 added" "a plain database"
echo "ok"
