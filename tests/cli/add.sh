#!/bin/bash
# authkeep add: otpauth URIs (argument and standard input), by hand (TOTP,
# HOTP, Steam, --secret -), duplicates refused, and bad input that fails
# with one line and leaves the vault byte for byte unchanged.
. "$AUTHKEEP_SOURCE_ROOT/tests/cli/helpers.sh"

ak init >/dev/null || fail "init"

assert_ok ak add "$URI_GITHUB"
assert_contains "$(cat "$T/out")" "Added GitHub:alice@example.com" "add output"
assert_contains "$(cat "$T/out")" "TOTP, SHA1, 6 digits, every 30 s" "add output"
assert_ok ak add - <<<"$URI_BANK"
assert_contains "$(cat "$T/out")" "Added Bank:alice (TOTP, SHA256, 8 digits, every 60 s)" "add -"
assert_ok ak add --issuer VPN --account alice --secret JBSWY3DPEHPK3PXP --hotp --counter 5
assert_contains "$(cat "$T/out")" "HOTP, SHA1, 6 digits, counter 5" "add --hotp"
assert_ok ak add --issuer Steam --account gamer --steam --secret - <<<"jbsw y3dp ehpk 3pxq"
assert_contains "$(cat "$T/out")" "Steam Guard" "add --steam"
assert_ok ak add --issuer Corp --account bob --secret "$SEED512" --algorithm sha512 --digits 8 --period 45
AUTHKEEP_SECRET=KRSXG5CTMVRXEZLU assert_ok ak add --account "solo name"
assert_contains "$(cat "$T/out")" "Added solo name" "secret from AUTHKEEP_SECRET"

ak list --json >"$T/list.json"
assert_eq 6 "$(jq length "$T/list.json")" "accounts"
assert_eq "GitHub alice@example.com totp SHA1 6 30" \
	"$(jq -r '.[0] | "\(.issuer) \(.account) \(.type) \(.algorithm) \(.digits) \(.period)"' "$T/list.json")" "GitHub"
assert_eq "Bank alice totp SHA256 8 60" \
	"$(jq -r '.[1] | "\(.issuer) \(.account) \(.type) \(.algorithm) \(.digits) \(.period)"' "$T/list.json")" "Bank"
assert_eq "VPN alice hotp 5" "$(jq -r '.[2] | "\(.issuer) \(.account) \(.type) \(.counter)"' "$T/list.json")" "VPN"
assert_eq "Steam gamer steam 5" "$(jq -r '.[3] | "\(.issuer) \(.account) \(.type) \(.digits)"' "$T/list.json")" "Steam"
assert_eq "Corp SHA512 8 45" "$(jq -r '.[4] | "\(.issuer) \(.algorithm) \(.digits) \(.period)"' "$T/list.json")" "Corp"
assert_eq " solo name" "$(jq -r '.[5] | "\(.issuer) \(.account)"' "$T/list.json")" "no issuer"
# Codes from the secrets given by hand match oathtool's.
assert_eq "$(oathtool --totp=SHA512 -d 8 -s 45 -b -N @1234567890 "$SEED512")" \
	"$(ak code Corp --at 1234567890 --quiet)" "SHA512 code by hand"

# A secret given on the command line is wiped from it at once (/proc/PID/cmdline).
mkfifo "$T/fifo"
env -u AUTHKEEP_PASSPHRASE "$AUTHKEEP_BIN" add --account wiped --secret NBSWY3DPO5XXE3DE <"$T/fifo" >"$T/wiped.out" 2>&1 &
pid=$!
exec 9>"$T/fifo"
wiped=0
for _ in $(seq 100); do
	cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
	case "$cmdline" in
	*--secret*NBSWY3DPO5XXE3DE*) sleep 0.05 ;;
	*--secret*) wiped=1 && break ;;
	*) sleep 0.05 ;;
	esac
done
echo "$AUTHKEEP_PASSPHRASE" >&9
exec 9>&-
wait $pid || fail "add with the passphrase on a pipe: $(cat "$T/wiped.out")"
assert_eq 1 "$wiped" "the secret wiped from the command line"
assert_ok ak remove wiped --yes

# An issuer parameter that differs from the label's issuer wins, with a note.
assert_ok ak add "otpauth://totp/Old%20Name:carol?secret=MZXW6YTBOJUWU23M&issuer=NewName"
assert_contains "$(cat "$T/err")" "Old Name" "label mismatch note"
assert_eq "NewName" "$(ak list --json | jq -r '.[6].issuer')" "issuer parameter wins"

# The same account again is refused, naming the one in the vault.
sum=$(file_sum "$VAULT")
assert_fails ak add "$URI_GITHUB"
assert_one_error_line "already in the vault as 'GitHub:alice@example.com'"
assert_fails ak add --issuer Other --account name --secret "$SEED1"
assert_one_error_line "already in the vault as 'GitHub:alice@example.com'"
assert_eq "$sum" "$(file_sum "$VAULT")" "vault after refused duplicates"

# Bad input: one line, non-zero, the vault unchanged.
bad_add() { # WHAT-THE-ERROR-SAYS ARGS...
	local want=$1
	shift
	assert_fails ak add "$@" </dev/null
	assert_one_error_line "$want"
	assert_eq "$sum" "$(file_sum "$VAULT")" "vault after: add $*"
}
bad_add "secret" "otpauth://totp/X:y?issuer=X"
bad_add "base32" "otpauth://totp/X:y?secret=AB1CD&issuer=X"
bad_add "digits" "otpauth://totp/X:y?secret=MZXW6YTBOJUWU23M&digits=9"
bad_add "period" "otpauth://totp/X:y?secret=MZXW6YTBOJUWU23M&period=0"
bad_add "counter" "otpauth://hotp/X:y?secret=MZXW6YTBOJUWU23M"
bad_add "otpauth" "otpauth://sms/X:y?secret=MZXW6YTBOJUWU23M"
bad_add "algorithm" "otpauth://totp/X:y?secret=MZXW6YTBOJUWU23M&algorithm=MD5"
bad_add "otpauth" "https://example.com/"
bad_add "otpauth" ""
bad_add "standard input is empty" -
bad_add "base32" --account a --secret "not base32!"
bad_add "digits" --account a --secret MZXW6YTBOJUWU23M --digits 9
bad_add "digits" --account a --secret MZXW6YTBOJUWU23M --digits 5
bad_add "--digits" --account a --secret MZXW6YTBOJUWU23M --digits six
bad_add "period" --account a --secret MZXW6YTBOJUWU23M --period 0
bad_add "--algorithm" --account a --secret MZXW6YTBOJUWU23M --algorithm MD5
bad_add "--counter" --account a --secret MZXW6YTBOJUWU23M --counter 3
bad_add "--counter" --account a --secret MZXW6YTBOJUWU23M --hotp --counter -1
bad_add "--period" --account a --secret MZXW6YTBOJUWU23M --hotp --period 30
bad_add "--steam" --account a --secret MZXW6YTBOJUWU23M --steam --digits 8
bad_add "secret" --account a
bad_add "--account" --secret MZXW6YTBOJUWU23M
bad_add "unknown option" --colour
bad_add "needs a value" --account
bad_add "one of" "$URI_GITHUB" --account a --secret MZXW6YTBOJUWU23M
bad_add "one URI" "$URI_GITHUB" "$URI_BANK"
bad_add "nothing to add"
bad_add "standard input is empty" --account a --secret -
# Oversized input.
bad_add "" "otpauth://totp/X:y?secret=$(head -c 20000 /dev/zero | tr '\0' A)"
bad_add "" --account "$(head -c 600 /dev/zero | tr '\0' a)" --secret MZXW6YTBOJUWU23M
head -c 30000 /dev/zero | tr '\0' A >"$T/long"
assert_fails ak add - <"$T/long"
assert_eq 1 "$(wc -l <"$T/err")" "one line for an over-long URI"
assert_eq "$sum" "$(file_sum "$VAULT")" "vault after an over-long URI"
# Binary garbage never crashes.
head -c 4000 /dev/urandom >"$T/garbage"
assert_fails ak add - <"$T/garbage"
assert_eq "$sum" "$(file_sum "$VAULT")" "vault after garbage"

# A name holding terminal control characters is stored, but printed harmlessly.
assert_ok ak add "otpauth://totp/Evil:x%1B%5B2Jy?secret=ONSWG4TFOQYTEMZU&issuer=Evil"
ak list >"$T/human"
grep -q $'\033' "$T/human" && fail "list printed an escape character"
assert_contains "$(cat "$T/human")" "x?[2Jy" "control characters shown as ?"
assert_eq $'x\033[2Jy' "$(ak list --json | jq -r '.[7].account')" "JSON keeps the name"
assert_fails ak add "otpauth://totp/Evil:x%1B%5B2Jy?secret=ONSWG4TFOQYTEMZU&issuer=Evil"
assert_one_error_line "already in the vault as 'Evil:x?[2Jy'"
grep -q $'\033' "$T/err" && fail "an error printed an escape character"

# A QR image made by qrencode: handed to the QR reader (tests/import covers the decoding).
sum=$(file_sum "$VAULT")
assert_fails ak add --qr "$T/missing.png"
assert_eq 1 "$(wc -l <"$T/err")" "one line for a missing image"
assert_eq "$sum" "$(file_sum "$VAULT")" "vault after a missing image"
assert_fails ak add --qr "$T/missing.png" "$URI_GITHUB"
assert_one_error_line "one of"
if command -v qrencode >/dev/null; then
	qrencode -o "$T/qr.png" "otpauth://totp/Qr:scan?secret=OBQXG43XN5ZGIZLT&issuer=Qr"
	if ak add --qr "$T/qr.png" >"$T/out" 2>"$T/err"; then
		assert_eq "Qr scan" "$(ak list --json | jq -r '.[] | select(.issuer == "Qr") | "\(.issuer) \(.account)"')" "added from a QR image"
	else
		assert_contains "$(cat "$T/err")" "not supported yet" "add --qr"
		echo "note: QR images are not supported in this build yet"
	fi
fi
echo "ok"
