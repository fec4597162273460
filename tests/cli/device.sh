#!/bin/bash
# authkeep init, unlock, lock: the passphrase from the environment or
# standard input, refusals that change nothing, and the real kernel keyring.
. "$AUTHKEEP_SOURCE_ROOT/tests/cli/helpers.sh"

# Without a vault every command says to run init.
assert_fails ak list
assert_one_error_line "authkeep init"
assert_fails ak lock
assert_one_error_line "no vault"

# An empty passphrase on standard input is refused and creates nothing.
assert_fails env -u AUTHKEEP_PASSPHRASE "$AUTHKEEP_BIN" init </dev/null
assert_one_error_line "passphrase"
assert_fails env -u AUTHKEEP_PASSPHRASE "$AUTHKEEP_BIN" init <<<""
assert_one_error_line "empty"
[ ! -e "$VAULT" ] || fail "a refused init left a vault"

# init with the passphrase as one line of standard input.
assert_ok env -u AUTHKEEP_PASSPHRASE "$AUTHKEEP_BIN" init <<<"stdin passphrase"
assert_contains "$(cat "$T/out")" "Created the vault" "init output"
assert_eq 600 "$(stat -c %a "$VAULT")" "vault file mode"
assert_eq 700 "$(stat -c %a "$AUTHKEEP_HOME")" "device folder mode"
sum=$(file_sum "$VAULT")

# A second init is refused and changes nothing.
assert_fails ak init
assert_one_error_line "exists already"
assert_eq "$sum" "$(file_sum "$VAULT")" "vault after a refused init"

# The passphrase opens it, from standard input or the environment; a wrong one does not.
assert_ok env -u AUTHKEEP_PASSPHRASE "$AUTHKEEP_BIN" list <<<"stdin passphrase"
AUTHKEEP_PASSPHRASE="stdin passphrase" assert_ok ak list
AUTHKEEP_PASSPHRASE="wrong" assert_fails ak add "$URI_GITHUB"
assert_one_error_line "wrong passphrase"
assert_eq "$sum" "$(file_sum "$VAULT")" "vault after a wrong passphrase"
assert_fails env -u AUTHKEEP_PASSPHRASE "$AUTHKEEP_BIN" list </dev/null
assert_one_error_line "AUTHKEEP_PASSPHRASE"

# With both on standard input, the URI comes first and the passphrase next.
printf '%s\n%s\n' "$URI_GITHUB" "stdin passphrase" >"$T/in"
assert_ok env -u AUTHKEEP_PASSPHRASE "$AUTHKEEP_BIN" add - <"$T/in"
export AUTHKEEP_PASSPHRASE="stdin passphrase"
assert_eq 1 "$(ak list --json | jq length)" "accounts after add -"

# unlock and lock with the kernel keyring.
keyctl show @s >/dev/null 2>&1 || skip "the kernel session keyring is not available here"
at_exit '"$AUTHKEEP_BIN" lock >/dev/null 2>&1'
for bad in 0 0s -5m 15x 2d 25h 86401 1.5h "" m; do
	assert_fails ak unlock --for "$bad"
	assert_one_error_line "--for"
done
assert_fails ak unlock --for
assert_one_error_line "needs a value"
AUTHKEEP_PASSPHRASE=wrong assert_fails ak unlock
assert_one_error_line "wrong passphrase"

assert_ok ak unlock --for 10m
assert_contains "$(cat "$T/out")" "Unlocked until" "unlock output"
# Unlocked: no passphrase anywhere, yet commands work, and change the vault.
assert_ok env -u AUTHKEEP_PASSPHRASE "$AUTHKEEP_BIN" list </dev/null
assert_ok env -u AUTHKEEP_PASSPHRASE "$AUTHKEEP_BIN" add "$URI_BANK" </dev/null
assert_eq 2 "$(env -u AUTHKEEP_PASSPHRASE "$AUTHKEEP_BIN" list --json </dev/null | jq length)" \
	"accounts added while unlocked"
# A wrong AUTHKEEP_PASSPHRASE does not matter while unlocked: the key is used.
AUTHKEEP_PASSPHRASE=wrong assert_ok ak list
# The key is this session's: another login session (its own session keyring,
# as pam_keyinit gives each SSH login) cannot use it, and it is not in the
# user keyring that every process of the user can read.
assert_fails env -u AUTHKEEP_PASSPHRASE keyctl session - "$AUTHKEEP_BIN" list </dev/null
assert_contains "$(cat "$T/err")" "passphrase" "another session is asked for the passphrase"
vault_id=$(head -n 1 "$VAULT" | grep -ao '"vault_id":"[0-9a-f]*"' | cut -d'"' -f4)
[ -n "$vault_id" ] || fail "vault id"
if keyctl search @u user "authkeep:$vault_id" >/dev/null 2>&1; then fail "the key is in the user keyring"; fi
keyctl search @s user "authkeep:$vault_id" >/dev/null 2>&1 || fail "the key is not in the session keyring"

assert_ok ak lock
assert_contains "$(cat "$T/out")" "Locked" "lock output"
assert_fails env -u AUTHKEEP_PASSPHRASE "$AUTHKEEP_BIN" list </dev/null
assert_one_error_line "passphrase"
assert_ok ak lock
assert_contains "$(cat "$T/out")" "not unlocked" "lock when locked"

# The key expires by itself.
assert_ok ak unlock --for 1s
sleep 2.5
assert_fails env -u AUTHKEEP_PASSPHRASE "$AUTHKEEP_BIN" list </dev/null
assert_one_error_line "passphrase"

# The default duration (15 minutes).
assert_ok ak unlock
assert_ok env -u AUTHKEEP_PASSPHRASE "$AUTHKEEP_BIN" list </dev/null
assert_ok ak lock
echo "ok"
