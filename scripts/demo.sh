#!/bin/bash
# `make demo`: one device, shown step by step in a temporary AUTHKEEP_HOME
# (removed at the end): create the vault, add three kinds of account, list
# them, show codes, and use an HOTP code to see its counter advance. Then
# scripts/demo-cloud.sh: a real authkeepd, backup on one device and recovery
# on another.
set -eu
cd "$(dirname "$0")/.."
. scripts/demo-lib.sh
demo_require "$AUTHKEEP" "$AUTHKEEPD"

DEMO_DIR=$(mktemp -d "${TMPDIR:-/tmp}/authkeep-demo.XXXXXX")
export AUTHKEEP_HOME="$DEMO_DIR/device"
# A script gives the passphrase through the environment; a person types it.
export AUTHKEEP_PASSPHRASE="demo passphrase, not a real one"
unset AUTHKEEP_NOW AUTHKEEP_KDF_COST
cleanup() {
	"$AUTHKEEP" lock >/dev/null 2>&1 || true
	rm -rf "$DEMO_DIR"
}
trap cleanup EXIT

# Shows the command, then runs it.
run() {
	local arg shown=""
	for arg in "$@"; do
		if [[ $arg =~ ^[A-Za-z0-9_./:@=+-]+$ ]]; then shown+=" $arg"; else shown+=" '$arg'"; fi
	done
	printf '%s$ authkeep%s%s\n' "$bold" "$shown" "$off"
	"$AUTHKEEP" "$@"
}

step "1. A new device: its encrypted vault"
say "AUTHKEEP_HOME=$AUTHKEEP_HOME (the passphrase comes from AUTHKEEP_PASSPHRASE here)"
run init

step "2. Three accounts of different kinds"
say "A TOTP account (SHA-1, 6 digits, 30 s) from an otpauth:// URI, as a QR code holds it:"
run add "otpauth://totp/GitHub:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=GitHub"
say "A TOTP account by hand: SHA-256, 8 digits, 60 s; the secret on standard input:"
printf '%s$ echo GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA | authkeep add --issuer Bank --account alice --secret - --algorithm SHA256 --digits 8 --period 60%s\n' "$bold" "$off"
echo GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA |
	"$AUTHKEEP" add --issuer Bank --account alice --secret - --algorithm SHA256 --digits 8 --period 60
say "An HOTP (counter-based) account, its URI on standard input:"
printf '%s$ echo "otpauth://hotp/VPN:alice?secret=KRSXG5CTMVRXEZLU&issuer=VPN&counter=0" | authkeep add -%s\n' "$bold" "$off"
echo "otpauth://hotp/VPN:alice?secret=KRSXG5CTMVRXEZLU&issuer=VPN&counter=0" | "$AUTHKEEP" add -

step "3. The accounts"
run list

step "4. Current codes (HOTP codes are shown one at a time, by name)"
run code
say "The same as JSON, for scripts:"
run code bank --json

step "5. An HOTP code: each one shown advances the counter, which is saved"
run code vpn
run code vpn
run list

step "6. Unlock once: the vault key stays in the kernel keyring for a while"
if run unlock --for 5m; then
	say "No passphrase needed now (AUTHKEEP_PASSPHRASE removed for this command):"
	printf '%s$ authkeep code github%s\n' "$bold" "$off"
	env -u AUTHKEEP_PASSPHRASE "$AUTHKEEP" code github </dev/null
	run lock
else
	say "(the kernel keyring is not available here; skipped)"
fi

step "Done with one device"
say "The demo device is removed on exit. Next: two devices, a server, backup and recovery."

scripts/demo-cloud.sh
