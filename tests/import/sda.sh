#!/bin/bash
# Steam Desktop Authenticator's maFiles folder, made here from SDA's
# description (make_exports.py sda: Python's hashlib and cryptography):
# manifest.json and one maFile an account, encrypted with a passkey or plain.
# Importing the manifest reads every maFile it lists, with the passkey from
# standard input; the codes are checked against Steam's algorithm in Python
# and against the same accounts imported from plain maFiles. A wrong passkey,
# a lone encrypted maFile, a manifest on standard input each give one line
# and store nothing; a missing or damaged maFile is an unreadable entry that
# names it.
. "$AUTHKEEP_SOURCE_ROOT/tests/import/formats-lib.sh"

PASSKEY="my SDA passkey, é"
make sda "$T/enc" "$PASSKEY"
make sda "$T/plain"
mafiles=$(python3 -c 'import json,sys; print(" ".join(e["filename"] for e in json.load(open(sys.argv[1]))["entries"]))' "$T/enc/manifest.json")
first=${mafiles%% *}
second=${mafiles##* }
[ "$first" != "$second" ] || fail "the made folder lists two maFiles: $mafiles"

# The encrypted folder, the passkey on standard input.
fresh_device
enc_home=$AUTHKEEP_HOME
sum=$(file_sum "$T/enc/manifest.json")
assert_ok ak import "$T/enc/manifest.json" <<<"$PASSKEY"
assert_contains "$(cat "$T/out")" "imported: 2 added, 0 identical" "encrypted folder"
assert_entry new "$first (Steam:sophia_gamer)"
assert_entry new "$second (Steam:second)"
assert_eq "$sum" "$(file_sum "$T/enc/manifest.json")" "the manifest is unchanged"
check_vault "$T/enc.want"
vault_signature >"$T/enc-signature" || fail "the encrypted folder's accounts"
grep -q "^Steam second " "$T/enc-signature" || fail "no codes listed: $(cat "$T/enc-signature")"

# The same accounts from the plain folder, and from one plain maFile: the same codes.
import_checked "plain folder" "$T/plain/manifest.json" "$T/plain.want"
vault_signature >"$T/plain-signature" || fail "the plain folder's accounts"
assert_eq "$(cat "$T/plain-signature")" "$(cat "$T/enc-signature")" "encrypted and plain folders: the same accounts and codes"
fresh_device
assert_ok ak import "$T/plain/$first"
assert_contains "$(cat "$T/out")" "imported: 1 added" "one plain maFile"
for t in 59 1111111109 20000000000; do
	code=$(ak code --json --at "$t" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["code"])')
	grep -Fxq "Steam sophia_gamer $code" "$T/enc-signature" || fail "the plain maFile's code at $t ($code) is not the encrypted folder's"
done

# Named with --format steam.
AUTHKEEP_IMPORT_PASSWORD=$PASSKEY dry_run_named "encrypted folder, named" "$T/enc/manifest.json" 2 --format steam

# A wrong passkey: one line, nothing stored.
fresh_device
ak add --issuer Other --account me --secret JBSWY3DPEHPK3PXP >/dev/null || fail "add"
before=$(ak list --json)
vault_sum=$(file_sum "$VAULT")
assert_fails ak import "$T/enc/manifest.json" <<<"not the passkey"
assert_eq 1 "$(wc -l <"$T/err")" "wrong passkey: one line"
assert_contains "$(cat "$T/err")" "wrong password for the encrypted export: steam: no maFile of the manifest decrypts with this passkey" "wrong passkey"
assert_eq "$before" "$(ak list --json)" "wrong passkey: the list is unchanged"
assert_eq "$vault_sum" "$(file_sum "$VAULT")" "wrong passkey: the vault is unchanged"

# A lone encrypted maFile, detected or named: one line saying to import the manifest.
for args in "" "--format steam"; do
	# shellcheck disable=SC2086
	assert_fails ak import "$T/enc/$first" $args
	assert_eq 1 "$(wc -l <"$T/err")" "lone maFile $args: one line"
	assert_contains "$(cat "$T/err")" "an encrypted maFile of Steam Desktop Authenticator: import the manifest.json beside it" "lone maFile $args"
done
assert_eq "$before" "$(ak list --json)" "lone maFile: the list is unchanged"

# The manifest on standard input: its maFiles cannot be found.
assert_fails ak import - <"$T/enc/manifest.json"
assert_eq 1 "$(wc -l <"$T/err")" "manifest on standard input: one line"
assert_contains "$(cat "$T/err")" "import it from its file, so that the maFiles beside it are read" "manifest on standard input"

# A missing maFile: an unreadable entry naming it; nothing imported without --partial.
mkdir "$T/missing"
cp "$T/enc/manifest.json" "$T/enc/$first" "$T/missing/"
fresh_device
assert_fails ak import "$T/missing/manifest.json" <<<"$PASSKEY"
assert_entry unreadable "$second"
assert_contains "$(cat "$T/out")" "no such file" "missing maFile: why"
assert_contains "$(cat "$T/err")" "1 entry could not be read: $second (not found: $T/missing/$second: no such file); nothing was imported" "missing maFile"
assert_eq "[]" "$(ak list --json | tr -d ' \n')" "missing maFile: nothing stored"
assert_fails ak import "$T/missing/manifest.json" --partial <<<"$PASSKEY"
assert_contains "$(cat "$T/out")" "imported: 1 added, 0 identical (skipped), 0 conflicting (added under a new name), 1 unreadable" "missing maFile, --partial"
assert_contains "$(cat "$T/err")" "the readable ones were imported" "missing maFile, --partial"

# A maFile that does not open while the other does: damaged, that one unreadable.
mkdir "$T/damaged"
cp "$T/enc/manifest.json" "$T/enc/$first" "$T/damaged/"
cp "$T/enc/$first" "$T/damaged/$second"
fresh_device
assert_fails ak import "$T/damaged/manifest.json" --dry-run <<<"$PASSKEY"
assert_entry new "$first (Steam:sophia_gamer)"
assert_entry unreadable "$second"
assert_contains "$(cat "$T/out")" "it does not decrypt with this passkey" "damaged maFile"
assert_contains "$(cat "$T/out")" "dry run: 1 new, 0 identical, 0 conflicting, 1 unreadable" "damaged maFile"
echo "ok"
