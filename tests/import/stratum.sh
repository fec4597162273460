#!/bin/bash
# Authenticator Pro (Stratum): its plain backup, the Argon2id-encrypted one,
# the legacy encrypted one (PBKDF2 and AES-CBC) and its SQLite database, each
# recognised on its own and read account by account; wrong passwords are
# told as such; an account of a type authkeep lacks is listed, not dropped.
. "$AUTHKEEP_SOURCE_ROOT/tests/import/formats-lib.sh"

/usr/bin/python3 -c 'import argon2, cryptography' 2>/dev/null ||
	skip "Debian's python3-argon2 and python3-cryptography are needed to make encrypted backups"

if have_more stratum_plain.json; then
	more_checked stratum_plain.json
	more_checked stratum_encrypted.bin
	dry_run_named "--format stratum" "$MORE/stratum_plain.json" 7 --format stratum
	AUTHKEEP_IMPORT_PASSWORD=wrong assert_fails ak import "$MORE/stratum_encrypted.bin"
	assert_contains "$(cat "$T/err")" "wrong password" "the real encrypted backup, wrong password"
fi

# Made from the format's description: the mOTP account at the end is unreadable.
for kind in stratum-json stratum-encrypted stratum-legacy stratum-db; do
	make $kind "$T/$kind" "pass word é"
	fresh_device
	AUTHKEEP_IMPORT_PASSWORD="pass word é" assert_fails ak import "$T/$kind" --dry-run
	assert_contains "$(cat "$T/out")" "dry run: 7 new, 0 identical, 0 conflicting, 1 unreadable" "$kind: dry run"
	grep -Eq "^unreadable +(entry|row) 8 \(Old bank:motp\) +not supported: type: mOTP \(3\) is not supported" "$T/out" ||
		fail "$kind: the mOTP entry is listed with its reason: $(cat "$T/out")"
	AUTHKEEP_IMPORT_PASSWORD="pass word é" assert_fails ak import "$T/$kind"
	assert_contains "$(cat "$T/err")" "nothing was imported" "$kind: unreadable entries stop the import"
	AUTHKEEP_IMPORT_PASSWORD="pass word é" assert_fails ak import "$T/$kind" --partial
	assert_contains "$(cat "$T/out")" "imported: 7 added" "$kind: --partial"
	check_vault "$T/$kind.want"
done

# Each encrypted kind: the right password only; a wrong one is its own error.
for kind in stratum-encrypted stratum-legacy; do
	fresh_device
	sum=$(file_sum "$VAULT")
	AUTHKEEP_IMPORT_PASSWORD="pass word e" assert_fails ak import "$T/$kind"
	assert_contains "$(cat "$T/err")" "wrong password for the encrypted export: stratum: the backup does not decrypt with this password" "$kind: wrong password"
	assert_eq "$sum" "$(file_sum "$VAULT")" "$kind: wrong password changes nothing"
	AUTHKEEP_IMPORT_PASSWORD="pass word é" assert_fails ak import "$T/$kind" --format stratum --dry-run
	assert_contains "$(cat "$T/out")" "dry run: 7 new" "$kind: --format stratum"
done

# A damaged backup: cut short, or a byte changed (the tag or padding fails).
head -c 40 "$T/stratum-encrypted" >"$T/short"
AUTHKEEP_IMPORT_PASSWORD=x assert_fails ak import "$T/short"
assert_contains "$(cat "$T/err")" "too short for an encrypted backup" "a cut backup"
fresh_device
assert_fails ak import "$T/stratum-db" --format stratum
assert_fails ak import "$T/stratum-json" --format stratum-db

echo "ok"
