#!/bin/bash
# authkeep passphrase: the current passphrase (never the keyring's key), the
# new one twice; afterwards only the new one opens the vault, with the same
# accounts and codes, at the Argon2id cost asked for; a wrong current one,
# two new ones that differ, an empty one and bad costs change nothing.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"

command -v jq >/dev/null || skip "jq is not installed"
VAULT="$AUTHKEEP_HOME/vault.json"
assert_ok ak init
assert_ok ak add --issuer GitHub --account alice --secret JBSWY3DPEHPK3PXP
codes=$(ak code --at 1700000000 --json | jq -c '[.[].code]')
sum=$(file_sum "$VAULT")

assert_ok ak passphrase --help
assert_contains "$(cat "$T/out")" "--memory MIB" "help names the options"
assert_contains "$(cat "$T/out")" "The default costs 64 MiB and 3 passes, about" "and the default's time"

AUTHKEEP_PASSPHRASE="not it" AUTHKEEP_NEW_PASSPHRASE="new one" assert_fails ak passphrase
assert_contains "$(cat "$T/err")" "wrong passphrase; nothing was changed" "a wrong current passphrase"
AUTHKEEP_NEW_PASSPHRASE="" assert_fails ak passphrase
assert_contains "$(cat "$T/err")" "nothing was changed" "an empty new passphrase"
assert_fails ak passphrase --memory 2
assert_contains "$(cat "$T/err")" "--memory: '2' is not 8 to 4096 MiB" "too little memory"
assert_fails ak passphrase --passes 0
assert_fails ak passphrase extra
assert_eq "$sum" "$(file_sum "$VAULT")" "the vault after refusals"

AUTHKEEP_NEW_PASSPHRASE="the new passphrase" assert_ok ak passphrase --memory 8 --passes 2
assert_contains "$(cat "$T/out")" "Changed the vault's passphrase (Argon2id: 8 MiB and 2 passes" "says so"
assert_eq "2 8388608" "$(head -c 4096 "$VAULT" | jq -r '.slots[0] | "\(.opslimit) \(.memlimit)"')" \
	"the slot's new cost"
assert_fails ak list
assert_contains "$(cat "$T/err")" "wrong passphrase" "the old passphrase no longer opens it"
AUTHKEEP_PASSPHRASE="the new passphrase" assert_ok ak code --at 1700000000 --json
assert_eq "$codes" "$(jq -c '[.[].code]' "$T/out")" "the same codes with the new passphrase"
