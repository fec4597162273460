#!/bin/bash
# Detection: a file of a format authkeep does not read is "not a format
# authkeep reads (it looks like X)", never a password prompt and never "wrong
# password": a zip without an Authenticator Plus export, Java objects that
# are not FreeOTP's backup, XML of no app, CSV and text. An encrypted Authenticator Pro backup is no longer
# taken for andOTP. --help names every format.
. "$AUTHKEEP_SOURCE_ROOT/tests/import/formats-lib.sh"

fresh_device
sum=$(file_sum "$VAULT")
# not_read FILE LOOKS: refused with that description, even with a password at hand.
not_read() {
	AUTHKEEP_IMPORT_PASSWORD=whatever assert_fails ak import "$1" </dev/null
	assert_contains "$(cat "$T/err")" "not a format authkeep reads (it looks like $2" "$1"
	assert_not_contains "$(cat "$T/err")" "password" "$1: no password"
}
printf 'PK\003\004\024\000\011\000\010\000%s' "$(head -c 200 /dev/zero | tr '\0' 'x')" >"$T/backup.zip"
not_read "$T/backup.zip" "a zip archive without an Authenticator Plus export"
printf '\254\355\000\005sr\000\021java.util.HashMap%s' "$(head -c 100 /dev/zero | tr '\0' 'y')" >"$T/java.bin"
not_read "$T/java.bin" "serialised Java objects, but not FreeOTP's backup"
printf "<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\n<map>\n</map>\n" >"$T/prefs.xml"
not_read "$T/prefs.xml" "Android preferences of an app it does not know"
printf 'url,username,password\nhttps://a.example,me,pw\n' >"$T/logins.csv"
not_read "$T/logins.csv" "a CSV table without Bitwarden's login_totp column"
echo '{"tokens": [], "other": 1}' >"$T/tokens.json"
not_read "$T/tokens.json" "JSON with a tokens list, but not a FreeOTP+ export"
echo '{"something": "else"}' >"$T/other.json"
not_read "$T/other.json" "JSON, of no app authkeep reads"
head -c 300 /dev/urandom | gzip >"$T/x.gz"
not_read "$T/x.gz" "gzip-compressed data"
echo "hello" >"$T/hello.txt"
not_read "$T/hello.txt" "text that holds no otpauth:// URI"
if have_more freeotp_v2_api23.xml; then
	# FreeOTP 2's backup and Authenticator Plus's zip are read, as their own formats.
	for f in freeotp_v2_api23.xml authenticator_plus.zip; do
		AUTHKEEP_IMPORT_PASSWORD=whatever assert_fails ak import "$MORE/$f" </dev/null
		assert_not_contains "$(cat "$T/err")" "not a format authkeep reads" "$f"
	done
	# The encrypted Authenticator Pro backup asks for its password, as its own format.
	AUTHKEEP_IMPORT_PASSWORD=wrong assert_fails ak import "$MORE/stratum_encrypted.bin"
	assert_contains "$(cat "$T/err")" "stratum: the backup does not decrypt" "encrypted Stratum"
	assert_not_contains "$(cat "$T/err")" "andotp" "encrypted Stratum is not andOTP"
	# Duo is no longer andOTP.
	assert_ok ak import "$MORE/duo.json" --dry-run
	assert_not_contains "$(cat "$T/out")" "secret: missing" "Duo"
fi
assert_eq "$sum" "$(file_sum "$VAULT")" "refused files change nothing"

# --help and the unknown-format error name every format.
assert_ok ak import --help
for f in freeotp freeotp-plus authy battlenet totp-authenticator authenticator-plus \
	stratum stratum-db steam duo bitwarden-csv winauth; do
	assert_contains "$(cat "$T/out")" "$f" "--help names $f"
done
assert_fails ak import "$T/hello.txt" --format nope
assert_contains "$(cat "$T/err")" "is not one of auto, uris, gauth, aegis, 2fas, andotp, proton, bitwarden, gauth-db, msauth-db, image, freeotp, freeotp-plus, authy, battlenet, totp-authenticator, authenticator-plus, stratum, stratum-db, steam, duo, bitwarden-csv, winauth" "unknown format"
echo "ok"
