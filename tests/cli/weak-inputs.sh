#!/bin/bash
# Weak inputs are refused with one line, changing nothing: a secret shorter
# than 80 bits (unless --allow-short-secret), a vault passphrase shorter
# than 8 characters, an account with neither issuer nor name. Imports keep
# other apps' short secrets, with a note, since a real export is what it is.
. "$AUTHKEEP_SOURCE_ROOT/tests/cli/helpers.sh"

# --- The vault passphrase: at least 8 characters (as the backup password).
AUTHKEEP_PASSPHRASE="short" assert_fails ak init
assert_one_error_line "init: the passphrase is too short (at least 8 characters)"
[ ! -e "$VAULT" ] || fail "a refused passphrase created a vault"
assert_fails env -u AUTHKEEP_PASSPHRASE "$AUTHKEEP_BIN" init <<<"7 chars"
assert_one_error_line "too short"
# Eight characters, counted as characters, not bytes: "ééééééé" is 7 of them.
AUTHKEEP_PASSPHRASE="ééééééé" assert_fails ak init
assert_one_error_line "too short"
[ ! -e "$VAULT" ] || fail "a refused passphrase created a vault"
AUTHKEEP_PASSPHRASE="8 chars!" assert_ok ak init
export AUTHKEEP_PASSPHRASE="8 chars!"
sum=$(file_sum "$VAULT")

# --- Secrets shorter than 80 bits (10 bytes, 16 base32 characters).
SHORT=MZXW6YTBOI # 6 bytes
NINE=GEZDGNBVGY3TQOI # 9 bytes
assert_fails ak add --issuer Short --account a --secret "$SHORT"
assert_one_error_line "add: the secret is 6 bytes (48 bits), shorter than 80 bits"
assert_contains "$(cat "$T/err")" "--allow-short-secret" "the way out is named"
assert_fails ak add --issuer Short --account a --secret "$NINE"
assert_one_error_line "the secret is 9 bytes (72 bits)"
assert_fails ak add "otpauth://totp/Short:uri?secret=$SHORT&issuer=Short"
assert_one_error_line "shorter than 80 bits"
echo "otpauth://totp/Short:stdin?secret=$SHORT&issuer=Short" >"$T/uri"
assert_fails ak add - <"$T/uri"
assert_one_error_line "shorter than 80 bits"
assert_eq "$sum" "$(file_sum "$VAULT")" "refused short secrets change nothing"
if command -v qrencode >/dev/null; then
	qrencode -o "$T/short.png" "otpauth://totp/Short:qr?secret=ONSWG4TF&issuer=Short"
	assert_fails ak add --qr "$T/short.png"
	assert_one_error_line "shorter than 80 bits"
	assert_eq "$sum" "$(file_sum "$VAULT")" "a refused QR changes nothing"
	assert_ok ak add --qr "$T/short.png" --allow-short-secret
fi
# Exactly 80 bits is enough; shorter ones go in when asked.
assert_ok ak add --issuer Ten --account bytes --secret GEZDGNBVGY3TQOJQ
assert_ok ak add --issuer Short --account a --secret "$SHORT" --allow-short-secret
assert_ok ak add "otpauth://totp/Short:uri?secret=MFRGGZDF&issuer=Short" --allow-short-secret
assert_contains "$(ak list)" "Ten" "a 10-byte secret is added"
assert_eq 2 "$(ak list --json | jq '[.[] | select(.issuer == "Short" and .account != "qr")] | length')" \
	"short secrets added with --allow-short-secret"
assert_contains "$(ak add --help)" "--allow-short-secret" "add --help names the option"

# --- Neither issuer nor name.
sum=$(file_sum "$VAULT")
assert_fails ak add --issuer "" --account "" --secret "$SEED1"
assert_one_error_line "neither an issuer nor a name"
assert_fails ak add "otpauth://totp/?secret=$SEED1"
assert_one_error_line "neither an issuer nor a name"
assert_eq "$sum" "$(file_sum "$VAULT")" "nameless accounts change nothing"
assert_ok ak add --issuer "" --account "only-a-name" --secret "$SEED1"

# --- Imports keep short secrets, and say so.
printf 'otpauth://totp/Old:one?secret=%s&issuer=Old\notpauth://totp/Fine:two?secret=%s&issuer=Fine\n' \
	"$NINE" "$SEED256" >"$T/export.txt"
assert_ok ak import "$T/export.txt"
assert_contains "$(cat "$T/out")" "2 added" "both imported"
assert_contains "$(cat "$T/err")" "note: 1 imported account has a secret shorter than 80 bits" \
	"the note on the short secret"
assert_eq 1 "$(wc -l <"$T/err")" "one note line"
echo ok
