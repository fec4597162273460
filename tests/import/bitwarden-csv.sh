#!/bin/bash
# Bitwarden's CSV export beside its JSON: the real file, and one made with
# everything RFC 4180 allows (a byte order mark, CRLF, quoted fields with
# commas, doubled quotes and line breaks), bare secrets and steam://, and
# items without a TOTP (passwords only: no entries). Broken quoting is one
# error naming the line; nothing is imported.
. "$AUTHKEEP_SOURCE_ROOT/tests/import/formats-lib.sh"

if have_more bitwarden.csv; then
	more_checked bitwarden.csv
	dry_run_named "--format bitwarden-csv" "$MORE/bitwarden.csv" 4 --format bitwarden-csv
fi
make bitwarden-csv "$T/vault.csv"
import_checked "made CSV" "$T/vault.csv" "$T/vault.csv.want"
# An organisation's export: collections first, no folder or favorite, LF line ends.
python3 -c '
import sys
t = open(sys.argv[1], encoding="utf-8-sig", newline="").read()
t = t.replace("folder,favorite,type", "collections,type", 1)
out = []
import csv, io
rows = list(csv.reader(io.StringIO(t)))
w = io.StringIO()
cw = csv.writer(w, lineterminator="\n")
for r in rows:
    cw.writerow([r[0]] + r[2:] if r[0] != "collections" else r)
open(sys.argv[2], "w", newline="").write(w.getvalue())' "$T/vault.csv" "$T/org.csv"
import_checked "organisation CSV" "$T/org.csv" "$T/vault.csv.want"
# The row numbers are lines of the file: an item whose notes span lines moves the next.
fresh_device
assert_ok ak import "$T/vault.csv" --dry-run
grep -Eq '^new +line 2 \(Deno:Mason\)' "$T/out" && grep -Eq '^new +line 4 \(SPDX:James\)' "$T/out" ||
	fail "entries named by their line: $(cat "$T/out")"

# Broken quoting: one error, naming the line; nothing imported.
printf 'name,login_username,login_totp\r\nok,me,JBSWY3DPEHPK3PXP\r\n"broken,me,"JBSWY3DPEHPK3PXP"x\r\n' >"$T/bad.csv"
sum=$(file_sum "$VAULT")
assert_fails ak import "$T/bad.csv"
assert_contains "$(cat "$T/err")" "CSV: line 3: text after a closing quote" "broken quoting"
printf 'name,login_username,login_totp\n"never closed,me,JBSWY3DPEHPK3PXP\n' >"$T/open.csv"
assert_fails ak import "$T/open.csv"
assert_contains "$(cat "$T/err")" "CSV: line 2: a quoted field is not closed" "an open quote"
assert_eq "$sum" "$(file_sum "$VAULT")" "broken CSV changes nothing"
# A row with fewer fields than the header is listed, not dropped.
printf 'name,login_username,login_totp\nshort\nok,me,JBSWY3DPEHPK3PXP\n' >"$T/short.csv"
assert_fails ak import "$T/short.csv" --dry-run
grep -Eq '^unreadable +line 2 \(short\) +.*1 fields, fewer than the header' "$T/out" || fail "short row: $(cat "$T/out")"
echo "ok"
