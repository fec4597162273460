#!/bin/bash
# Every way recovery can fail has its own clear line on stderr, a non-zero
# exit, and leaves the device's vault as it was: wrong password, unknown
# email, server down, plain HTTP to a host that is not loopback, an unknown
# version, a tampered backup, too many failed sign-ins.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

# Failed sign-ins from one address lock it out of an account after 3 (the
# default is 10); an unknown email counts as a failure too, so the address is
# slowed down only later.
start_server --lockout-account-address 3 --slow-after 6

device_a_backed_up

# Device C has its own vault and account; every failure below leaves it as it is.
new_device C
on C add --issuer "Own Site" --account "own.user" --secret ORSXG5BAMJQWG23VOAQHI2LNMU >/dev/null || fail "add C"
PLAINTEXT+=("ORSXG5BAMJQWG23VOAQHI2LNMU" "own.user")
sum=$(file_sum "$(vault_of C)")

# expect_failure TEXT COMMAND...: fails with one line holding TEXT; C's vault unchanged.
expect_failure() {
	local text=$1
	shift
	assert_fails "$@"
	assert_contains "$(cat "$T/err")" "$text" "$*"
	assert_eq 1 "$(wc -l <"$T/err")" "one line on stderr for: $*"
	assert_eq "$sum" "$(file_sum "$(vault_of C)")" "C's vault after: $*"
}

AUTHKEEP_PASSWORD="not the password" expect_failure "wrong password or recovery code for $EMAIL" \
	on C recover --server "$SERVER" --email "$EMAIL"
expect_failure "wrong password or recovery code for nobody@recovery.test, or no recovery account" \
	on C recover --server "$SERVER" --email nobody@recovery.test
down=$(free_port)
expect_failure "the server cannot be reached" on C recover --server "http://127.0.0.1:$down" --email "$EMAIL"
expect_failure "refusing plain HTTP to http://backup.example.com" \
	on C recover --server http://backup.example.com --email "$EMAIL"
expect_failure "refusing plain HTTP" on C backup on --server http://10.1.2.3:8080 --email "$EMAIL"
# --insecure lets plain HTTP through the check (this name never resolves).
expect_failure "the server cannot be reached" \
	on C recover --server http://backup.invalid --email "$EMAIL" --insecure
expect_failure "no version 99 of the backup" on C recover --server "$SERVER" --email "$EMAIL" --version 99
assert_fails on C recover --server "$SERVER" --email "$EMAIL" --recovery-code ABCD-EFGH
assert_contains "$(cat "$T/err")" "give '-'" "a code on the command line is refused"
expect_failure "wrong password or recovery code" \
	on C recover --server "$SERVER" --email "$EMAIL" --recovery-code - <<<"0000-0000-0000-0000-0000-0000-0000-0000-0000"
# The server may come from AUTHKEEP_SERVER; without it and --server, a usage error.
AUTHKEEP_SERVER="$SERVER" assert_ok on C recover --email "$EMAIL" --dry-run
assert_contains "$(cat "$T/out")" "Dry run: nothing was changed" "AUTHKEEP_SERVER"
assert_fails on C recover --email "$EMAIL"
assert_contains "$(cat "$T/err")" "--server URL is needed (or set AUTHKEEP_SERVER)" "no server"
assert_fails on C backup frobnicate
assert_contains "$(cat "$T/err")" "unknown subcommand 'frobnicate'" "bad subcommand"
assert_fails on C backup now
assert_contains "$(cat "$T/err")" "backup is off on this device" "now while off"
assert_eq "$sum" "$(file_sum "$(vault_of C)")" "C's vault after the usage errors"

# Nothing is created on a device without a vault when recovery fails.
AUTHKEEP_PASSWORD="not the password" assert_fails on D recover --server "$SERVER" --email "$EMAIL"
[ ! -e "$(vault_of D)" ] || fail "a failed recovery created a vault"
# Nor with an empty vault passphrase, which init refuses too.
AUTHKEEP_PASSPHRASE="" assert_fails on D recover --server "$SERVER" --email "$EMAIL"
assert_contains "$(cat "$T/err")" "recover: the passphrase is empty" "empty passphrase"
assert_eq 1 "$(wc -l <"$T/err")" "one line on stderr for an empty passphrase"
[ ! -e "$(vault_of D)" ] || fail "a recovery with an empty passphrase created a vault"

# A tampered backup (one byte of the stored envelope changed on the server),
# then a damaged one (cut short): each refused, nothing changed.
tamper() { # HOW: flip | cut
	stop_server
	"$SYS_PY" - "$DB" "$1" <<'PY' || fail "tampering"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
(env,) = db.execute("SELECT envelope FROM backups ORDER BY version DESC LIMIT 1").fetchone()
env = bytearray(env)
if sys.argv[2] == "flip":
    env[len(env) // 2] ^= 0x01
else:
    env = env[:20]
db.execute("UPDATE backups SET envelope = ? WHERE version = (SELECT MAX(version) FROM backups)", (bytes(env),))
db.commit()
PY
	start_server --lockout-account-address 3 --slow-after 6
}
tamper flip
expect_failure "the backup was modified or damaged on the server" on C recover --server "$SERVER" --email "$EMAIL"
assert_fails on C recover --server "$SERVER" --email "$EMAIL" --dry-run
assert_contains "$(cat "$T/err")" "modified or damaged" "dry-run sees it too"
tamper cut
expect_failure "the backup was modified or damaged on the server" on C recover --server "$SERVER" --email "$EMAIL"

# Three wrong passwords lock the account: the next attempt is told when to retry.
for _ in 1 2 3; do
	AUTHKEEP_PASSWORD="guess" assert_fails on C recover --server "$SERVER" --email "$EMAIL"
done
expect_failure "too many attempts: retry in" on C recover --server "$SERVER" --email "$EMAIL"

stop_server
check_no_plaintext
