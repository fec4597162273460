#!/bin/bash
# The rules of an import, on files this test writes: --dry-run changes
# nothing; identical entries are skipped and conflicting ones added under a
# distinguishing name; an unreadable entry fails the import (nothing
# imported) unless --partial; wrong passwords are their own error; input
# from a URI argument and from standard input.
. "$AUTHKEEP_SOURCE_ROOT/tests/import/helpers.sh"

ak init >/dev/null || fail "init"
ak add 'otpauth://totp/ACME:alice?secret=KRUGS4ZAMFZGKIDB&issuer=ACME' >/dev/null || fail "add ACME"
ak add 'otpauth://totp/Bank:bob?secret=GEZDGNBVGY3TQOJQ&issuer=Bank' >/dev/null || fail "add Bank"

cat >"$T/list.txt" <<'URIS'
# exported by hand
otpauth://totp/ACME:alice?secret=KRUGS4ZAMFZGKIDB&issuer=ACME
otpauth://totp/Bank:bob?secret=MFRGGZDFMZTWQ2LK&issuer=Bank
otpauth://hotp/Shop:carol?secret=ONSWG4TFORZQ&issuer=Shop&counter=4
URIS

# --dry-run: one line an entry, nothing written.
sum=$(file_sum "$VAULT")
assert_ok ak import "$T/list.txt" --dry-run
out=$(cat "$T/out")
assert_entry identical "line 2 (ACME:alice)"
assert_entry conflicting "line 3 (Bank:bob)"
assert_contains "$out" "added as 'Bank:bob (imported)'" "dry run: the new name"
assert_entry new "line 4 (Shop:carol)"
assert_contains "$out" "dry run: 1 new, 1 identical, 1 conflicting, 0 unreadable; nothing changed" "dry run summary"
assert_eq "$sum" "$(file_sum "$VAULT")" "dry run leaves the vault unchanged"

# The import itself: counts, and the conflicting one beside the original.
assert_ok ak import "$T/list.txt"
assert_contains "$(cat "$T/out")" "imported: 1 added, 1 identical (skipped), 1 conflicting (added under a new name), 0 unreadable" "summary"
ak list --json >"$T/list.json"
assert_eq "ACME:alice Bank:bob Bank:bob (imported) Shop:carol" \
	"$(python3 -c 'import json,sys; print(" ".join(a["issuer"]+":"+a["account"] for a in json.load(open(sys.argv[1]))))' "$T/list.json")" \
	"accounts after the import"
ak code 'Bank:bob' --at 59 --quiet >"$T/a" && ak code 'Bank:bob (imported)' --at 59 --quiet >"$T/b" || fail "codes"
[ "$(cat "$T/a")" != "$(cat "$T/b")" ] || fail "the original Bank:bob was replaced"

# Again: everything is identical now; the vault is not written.
sum=$(file_sum "$VAULT")
assert_ok ak import "$T/list.txt"
assert_contains "$(cat "$T/out")" "imported: 0 added, 3 identical" "second import"
assert_eq "$sum" "$(file_sum "$VAULT")" "second import writes nothing"

# An unreadable entry: non-zero, named on stderr, nothing imported.
printf 'otpauth://totp/New:dave?secret=KRSXG5CTMVRXEZLU&issuer=New\notpauth://totp/Bad:eve?secret=not*base32\nhttps://example.com/\n' >"$T/bad.txt"
assert_fails ak import "$T/bad.txt"
assert_contains "$(cat "$T/err")" "2 entries could not be read: line 2" "unreadable named"
assert_contains "$(cat "$T/err")" "line 3 (malformed otpauth URI: not an otpauth:// URI)" "the reason"
assert_contains "$(cat "$T/err")" "nothing was imported" "nothing imported"
assert_not_contains "$(cat "$T/err")" "not*base32" "no input (and no secret) echoed"
assert_eq "$sum" "$(file_sum "$VAULT")" "unreadable entries leave the vault unchanged"
assert_fails ak import "$T/bad.txt" --dry-run
grep -Eq '^unreadable +line 2 +not valid base32' "$T/out" || fail "dry run lists the unreadable: $(cat "$T/out")"
assert_eq "$sum" "$(file_sum "$VAULT")" "dry run with unreadable entries"
# --partial imports the readable ones, and still says that some were not.
assert_fails ak import "$T/bad.txt" --partial
assert_contains "$(cat "$T/out")" "imported: 1 added" "partial import"
assert_contains "$(cat "$T/err")" "the readable ones were imported" "partial import message"
ak list >"$T/list" && assert_contains "$(cat "$T/list")" "dave" "partial import added dave"

# Not an export at all, a missing file, an unknown format.
echo "hello" >"$T/hello.txt"
sum=$(file_sum "$VAULT")
assert_fails ak import "$T/hello.txt"
assert_contains "$(cat "$T/err")" "not in the expected format" "plain text"
assert_fails ak import "$T/absent.json"
assert_fails ak import "$T/list.txt" --format keepass
assert_contains "$(cat "$T/err")" "keepass" "unknown format"
assert_fails ak import "$T/list.txt" --format aegis
assert_eq "$sum" "$(file_sum "$VAULT")" "failed imports leave the vault unchanged"

# An encrypted export (an Aegis vault this app writes): wrong password, then
# the password from the environment and from standard input (no terminal).
use_home other
ak init >/dev/null && ak add 'otpauth://totp/Mail:frank?secret=MZXW6YTBOJSXG5CU&issuer=Mail' >/dev/null || fail "other device"
AUTHKEEP_EXPORT_PASSWORD=s3cret ak export --format aegis --encrypt --out "$T/aegis.json" 2>/dev/null || fail "export"
use_home home
sum=$(file_sum "$VAULT")
AUTHKEEP_IMPORT_PASSWORD=wrong assert_fails ak import "$T/aegis.json"
assert_contains "$(cat "$T/err")" "wrong password for the encrypted export" "wrong password"
assert_eq 1 "$(wc -l <"$T/err")" "one line on stderr"
assert_eq "$sum" "$(file_sum "$VAULT")" "wrong password leaves the vault unchanged"
echo s3cret | assert_ok ak import "$T/aegis.json"
assert_entry new "entry 1 (Mail:frank)"

# A URI as the argument, and a migration URI on standard input.
assert_ok ak import 'otpauth://totp/Arg:gina?secret=GEZDGNBVGY3TQOJQGEZA&issuer=Arg'
assert_contains "$(cat "$T/out")" "1 added" "URI argument"
echo 'otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZSABKAEwAhABGAEgACiQo6qg%2Bv%2F%2F%2F%2F8B' |
	assert_ok ak import -
assert_entry new "line 1, account 1 (Example:alice@google.com)"
echo ok
