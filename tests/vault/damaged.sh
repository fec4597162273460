#!/bin/bash
# What a user sees when the vault file is damaged: a truncated, tampered,
# newer-version, foreign or missing file gives one clear line on stderr and a
# non-zero exit, from reading and writing commands alike, locked or unlocked,
# and the file stays exactly as it was.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"

VAULT="$AUTHKEEP_HOME/vault.json"
URI="otpauth://totp/ACME:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME"

assert_ok ak init
assert_ok ak add "$URI"
assert_ok ak add "otpauth://hotp/VPN:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=VPN&counter=3"
cp "$VAULT" "$T/good"

# Damages the vault in place with the command given, then checks the app
# refuses it with one line naming `expected`, and changes nothing.
check_damage() { # WHAT EXPECTED COMMAND...
	local what=$1 expected=$2
	shift 2
	cp "$T/good" "$VAULT"
	"$@"
	local sum
	sum=$(file_sum "$VAULT")
	for cmd in "list" "add $URI" "rename ACME carol"; do
		# shellcheck disable=SC2086
		assert_fails ak $cmd
		assert_eq 1 "$(wc -l <"$T/err")" "$what, $cmd: lines on stderr ($(cat "$T/err"))"
		assert_contains "$(cat "$T/err")" "$expected" "$what, $cmd: the error"
		assert_eq "$sum" "$(file_sum "$VAULT")" "$what, $cmd: the vault file"
	done
}

truncate_half() { truncate -s $(($(stat -c %s "$VAULT") / 2)) "$VAULT"; }
truncate_end() { truncate -s $(($(stat -c %s "$VAULT") - 3)) "$VAULT"; }
# Edits the vault's bytes with Python statements changing `b` (the file's
# bytes); `h` is where the body starts, after the header line.
edit_vault() {
	python3 - "$VAULT" "$1" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
h = b.index(b'\n') + 1
exec(sys.argv[2])
open(p, 'wb').write(bytes(b))
PY
}
# One byte of the body's ciphertext changed.
tamper_body() { edit_vault 'b[h + 20] ^= 1'; }
# The vault id's first hex digit changed to another.
tamper_header() { edit_vault 'i = b.index(b"\"vault_id\":\"") + 12; b[i] = 0x31 if b[i] == 0x30 else 0x30'; }
newer_version() { edit_vault 'i = b.index(b"\"version\":1,") + 10; b[i] = 0x32'; }
not_a_vault() { echo '{"hello":"world"}' >"$VAULT"; }

check_damage "truncated in the middle" "truncated" truncate_half
check_damage "truncated near the end" "truncated" truncate_end
check_damage "body changed" "modified or damaged" tamper_body
check_damage "vault id changed" "modified or damaged" tamper_header
check_damage "newer version" "newer version" newer_version
check_damage "not a vault" "not an Authkeep vault" not_a_vault

# Unlocked, a damaged file is reported the same way (the key does not paper over it).
cp "$T/good" "$VAULT"
assert_ok ak unlock --for 5m
at_exit '"$AUTHKEEP_BIN" lock >/dev/null 2>&1'
check_damage "unlocked, body changed" "modified or damaged" tamper_body
check_damage "unlocked, truncated" "truncated" truncate_half
cp "$T/good" "$VAULT"
assert_ok ak list
assert_ok ak lock

# No vault at all: told to run init.
rm "$VAULT"
assert_fails ak list
assert_eq 1 "$(wc -l <"$T/err")" "missing vault: lines on stderr"
assert_contains "$(cat "$T/err")" "authkeep init" "missing vault: the error"
[ ! -e "$VAULT" ] || fail "a vault appeared"

# The good file still opens, whole.
cp "$T/good" "$VAULT"
assert_ok ak list --json
assert_eq 2 "$(jq length "$T/out")" "accounts in the restored vault"
