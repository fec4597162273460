#!/bin/bash
# Exports made here from each format's description (make_apps.py), in the
# versions that exist: FreeOTP's tokens.xml and FreeOTP 2's backup as two
# Android versions write it (GCM parameters as a bare nonce or a SEQUENCE,
# PBKDF2 with HMAC-SHA1 or -SHA512, HashMap or LinkedHashMap), FreeOTP+'s
# JSON and XML, Authy's plain, encrypted (old and newer key derivations)
# and own tokens, Battle.net, TOTP Authenticator's backup (the user's and
# the app's own password) and preferences, Authenticator Plus's zip of
# URIs, its SQLCipher database, and that database in a zip, WinAuth's zip
# (ZipCrypto, plain, WinZip AES made here and by 7z when it is there). Each imports
# account by account, codes compared with oathtool's; then what a format
# cannot hold is reported by name, and files that only look like these
# formats say what they look like.
. "$AUTHKEEP_SOURCE_ROOT/tests/import/lib-apps.sh"

for tool in oathtool zip sqlcipher; do
	command -v $tool >/dev/null || skip "no $tool"
done
python3 -c 'import cryptography' 2>/dev/null || skip "no python3-cryptography"
M="$T/made"
mkdir -p "$M"
python3 "$AUTHKEEP_SOURCE_ROOT/tests/import/make_apps.py" "$M" || fail "make_apps.py"

# Two halves, so that each test stays short: FreeOTP and Authy, then the others.
case ${1:-} in
1)
	for file in freeotp_tokens.xml freeotp_plus.json freeotp2_api23.bin freeotp2_api30.bin \
		authy_plain.xml authy_encrypted.xml authy_own.xml; do
		check_export "$M" "$M/expected.json" "$file"
	done
	# Named: FreeOTP+'s own tokens.xml.
	check_export "$M" "$M/expected.json" freeotp_plus_tokens.xml --format freeotp-plus
	# A token Authkeep cannot hold (MD5) is listed by name, and stops the import without --partial.
	cat >"$T/md5.xml" <<'XML'
<?xml version='1.0' encoding='utf-8' standalone='yes' ?>
<map>
    <string name="Deno:Mason">{&quot;algo&quot;:&quot;SHA1&quot;,&quot;digits&quot;:6,&quot;issuerExt&quot;:&quot;Deno&quot;,&quot;label&quot;:&quot;Mason&quot;,&quot;period&quot;:30,&quot;secret&quot;:[-28,-110,112,-16,-46,31,54,92,-124,8],&quot;type&quot;:&quot;TOTP&quot;}</string>
    <string name="Old:md5">{&quot;algo&quot;:&quot;MD5&quot;,&quot;digits&quot;:6,&quot;issuerExt&quot;:&quot;Old&quot;,&quot;label&quot;:&quot;md5&quot;,&quot;period&quot;:30,&quot;secret&quot;:[1,2,3,4,5,6,7,8,9,10],&quot;type&quot;:&quot;TOTP&quot;}</string>
</map>
XML
	use_home md5
	ak init >/dev/null || fail "init"
	assert_fails ak import --dry-run "$T/md5.xml"
	assert_entry new "token 1 (Deno:Mason)"
	assert_entry unreadable "token 2 (Old:md5)"
	assert_contains "$(cat "$T/out")" "algorithm: 'MD5' is not supported" "the MD5 token's reason"
	assert_fails ak import "$T/md5.xml"
	assert_contains "$(ak list)" "No accounts yet" "nothing imported without --partial"
	assert_fails ak import --partial "$T/md5.xml"
	assert_contains "$(cat "$T/err")" "the readable ones were imported" "--partial"
	assert_contains "$(ak list)" "Deno" "the readable token with --partial"
	;;
2)
	for file in battlenet.xml totpauth_backup.bin totpauth_default.bin totpauth_prefs.xml \
		authplus_export.zip authplus_db.zip winauth_export.zip winauth_plain.zip; do
		check_export "$M" "$M/expected.json" "$file"
	done
	# WinZip AES: made here from its description, and by 7z when it is installed.
	check_export "$M" "$M/expected.json" winauth_ae1_made.zip
	check_export "$M" "$M/expected.json" winauth_ae2_made.zip
	if [ -f "$M/winauth_aes.zip" ]; then
		check_export "$M" "$M/expected.json" winauth_aes.zip
	else
		echo "note: no 7z (p7zip): WinZip AES is checked on the zip made here only"
	fi
	# Named, WinAuth's zip reads the same.
	check_export "$M" "$M/expected.json" winauth_export.zip --format winauth
	# The password as a line of standard input; the zip itself from standard input.
	use_home winauth-stdin
	ak init >/dev/null || fail "init"
	assert_ok ak import --dry-run "$M/winauth_export.zip" <<<"win pass"
	assert_contains "$(cat "$T/out")" "dry run: 4 new" "WinAuth zip, the password on standard input"
	AUTHKEEP_IMPORT_PASSWORD="win pass" assert_ok ak import - <"$M/winauth_ae2_made.zip"
	assert_contains "$(cat "$T/out")" "imported: 4 added" "WinAuth zip on standard input"
	python3 "$AUTHKEEP_SOURCE_ROOT/tests/import/check_accounts.py" "$M/expected.json" winauth_ae2_made.zip ||
		fail "WinAuth zip on standard input: accounts differ"
	# WinAuth's zip: a line that is not a URI is an unreadable entry, as in its text export.
	W="$T/winauth"
	mkdir -p "$W"
	printf 'otpauth://totp/Deno:Mason?secret=4SJHB4GSD43FZBAI7C2HLRJGPQ&issuer=Deno\r\nhello\r\n' >"$W/w.txt"
	(cd "$W" && zip -q -P "win pass" bad.zip w.txt) || fail "zip"
	use_home winauth-bad
	ak init >/dev/null || fail "init"
	AUTHKEEP_IMPORT_PASSWORD="win pass" assert_fails ak import --dry-run "$W/bad.zip"
	assert_entry new "line 1 (Deno:Mason)"
	assert_entry unreadable "line 2"
	assert_contains "$(cat "$T/out")" "not an otpauth:// URI" "WinAuth zip: the line's reason"
	AUTHKEEP_IMPORT_PASSWORD="win pass" assert_fails ak import "$W/bad.zip"
	assert_contains "$(ak list)" "No accounts yet" "WinAuth zip: nothing imported without --partial"
	# A file larger than an import may be: the limit, nothing stored.
	head -c $((65 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$W/big.txt"
	(cd "$W" && zip -q -P "win pass" big.zip big.txt) || fail "zip"
	AUTHKEEP_IMPORT_PASSWORD="win pass" assert_fails ak import "$W/big.zip"
	assert_contains "$(cat "$T/err")" "larger than" "WinAuth zip: an entry over the limit"
	assert_contains "$(ak list)" "No accounts yet" "WinAuth zip: nothing imported over the limit"
	rm -f "$W/big.txt" "$W/big.zip"
	# Named: Authenticator Plus's bare database.
	check_export "$M" "$M/expected.json" authplus.db --format authenticator-plus
	# Files that only look like these formats say what they look like, and ask no password.
	echo hello >"$T/note.txt"
	(cd "$T" && zip -q other.zip note.txt) || fail "zip"
	# Encrypted, two text files are not WinAuth's export.
	(cd "$T" && cp note.txt more.txt && zip -q -P x two.zip note.txt more.txt) || fail "zip"
	printf '<?xml version="1.0"?>\n<map><string name="colour">blue</string></map>\n' >"$T/prefs.xml"
	printf '<?xml version="1.0"?>\n<!DOCTYPE map [<!ENTITY e "xxxx">]>\n<map><string name="x">&e;</string></map>\n' >"$T/dtd.xml"
	printf '\254\355\000\005t\000\003abc' >"$T/java.bin"
	use_home unknown
	ak init >/dev/null || fail "init"
	for f in other.zip:"a zip archive" two.zip:"a zip archive" prefs.xml:"Android preferences" dtd.xml:"declares a DTD" \
		java.bin:"serialised Java objects"; do
		assert_fails ak import "$T/${f%%:*}" </dev/null
		assert_contains "$(cat "$T/err")" "not a format authkeep reads (it looks like" "${f%%:*}"
		assert_contains "$(cat "$T/err")" "${f#*:}" "${f%%:*}"
		assert_not_contains "$(cat "$T/err")" "password" "${f%%:*}"
	done
	;;
*) fail "usage: apps-made.sh 1|2" ;;
esac
echo "ok: $n files"
