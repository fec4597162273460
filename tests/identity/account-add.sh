#!/bin/bash
# `authkeep account add` end to end with a real authkeepd: a device whose
# backup goes to one account ($EMAIL) adds a second personal account of the
# same server, shows its own code for it and answers its push sign-ins,
# beside the backup account's; refusals change nothing; a second device of
# that account waits for verification until its password verifies it; and
# after a recovery the account's entry comes back without a code, which
# adding it again fills.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/identity/lib-identity.sh"

BOB=bob@second.test
BOB_PW="bob's own password 4 tests"
PLAINTEXT+=("$BOB_PW")
start_server
need_identity

# code_of DEVICE ACCOUNT: DEVICE's code for its personal entry of ACCOUNT.
code_of() {
	on "$1" code --json | "$SYS_PY" -c '
import json, sys
print(*[c["code"] for c in json.load(sys.stdin) if c["kind"] == "personal" and c["account"] == sys.argv[1]])' "$2"
}

# entry_of DEVICE ACCOUNT: "kind issuer verification" of DEVICE's entry of ACCOUNT.
entry_of() {
	on "$1" list --json | "$SYS_PY" -c '
import json, sys
print(*["%s %s %s" % (a["kind"], a["issuer"], a.get("verification")) for a in json.load(sys.stdin)
        if a["account"] == sys.argv[1]])' "$2"
}

# bob_verify CODE: the status of POST /v1/totp/verify of CODE for $BOB.
bob_verify() { EMAIL=$BOB totp_verify "$1"; }

# device_of EMAIL CODE: the device id POST /v1/totp/verify accepts CODE of.
device_of() {
	curl -fsS -H 'Content-Type: application/json' -d "{\"email\":\"$1\",\"code\":\"$2\"}" \
		"$SERVER/v1/totp/verify" >"$T/totp" || fail "POST /v1/totp/verify for $1: $(cat "$T/totp")"
	json_get "$T/totp" 'd["device_id"]'
}

# add_bob DEVICE: `account add` of $BOB on DEVICE with bob's password.
add_bob() { AUTHKEEP_PASSWORD="$BOB_PW" on "$1" account add --server "$SERVER" --email "$BOB"; }

# Bob's account, made from device X, which then leaves it: it has no device.
new_device X
AUTHKEEP_PASSWORD="$BOB_PW" assert_ok on X backup on --server "$SERVER" --email "$BOB" --create
assert_ok on X devices remove X --force

device_a_backed_up
assert_eq 1 "$(personal_entries A)" "A has the backup account's entry"

# Refusals: one line each, and the vault as it was.
on A list --json >"$T/before" || fail "list --json"
sum=$(file_sum "$(vault_of A)")
unchanged() {
	assert_eq "$(cat "$T/before")" "$(on A list --json)" "$1: list --json unchanged"
	assert_eq "$sum" "$(file_sum "$(vault_of A)")" "$1: the vault file unchanged"
	assert_eq 1 "$(wc -l <"$T/err")" "$1: one line of error"
}
AUTHKEEP_PASSWORD="not bob's password" assert_fails on A account add --server "$SERVER" --email "$BOB"
assert_contains "$(cat "$T/err")" "wrong password for $BOB" "the wrong password"
unchanged "the wrong password"
AUTHKEEP_PASSWORD="$BOB_PW" assert_fails on A account add --server "$SERVER" --email nobody@second.test
assert_contains "$(cat "$T/err")" "nobody@second.test" "an unknown email"
assert_contains "$(cat "$T/err")" "nothing was changed" "an unknown email changes nothing"
unchanged "an unknown email"
assert_fails on A account add --server "$SERVER" --email "$EMAIL"
assert_contains "$(cat "$T/err")" "already this device's backup account" "the backup account"
unchanged "the backup account"
assert_fails on A account add --server "${SERVER}/" --email "OWNER@recovery.test"
assert_contains "$(cat "$T/err")" "already this device's backup account" \
	"the backup account with a trailing slash and another case"
AUTHKEEP_PASSWORD="$BOB_PW" assert_fails on A account add --server "ftp://127.0.0.1:$PORT" --email "$BOB"
unchanged "a URL that is not http(s)"
AUTHKEEP_PASSWORD="$BOB_PW" assert_fails on A account add --server "http://keep.example" --email "$BOB"
assert_contains "$(cat "$T/err")" "refusing plain HTTP" "plain HTTP to a host that is not loopback"
unchanged "plain HTTP"
AUTHKEEP_PASSWORD="$BOB_PW" assert_fails on A account add --server "$SERVER" --email "bob"
assert_contains "$(cat "$T/err")" "not an email address" "an email without @"
unchanged "a bad email"
AUTHKEEP_PASSWORD="$BOB_PW" assert_fails on A account add --server "http://127.0.0.1:1" --email "$BOB"
assert_contains "$(cat "$T/err")" "cannot be reached" "a server that is not there"
unchanged "an unreachable server"
assert_fails on A account add --email "$BOB"
assert_contains "$(cat "$T/err")" "--server URL is needed" "no server"

# Added, the password read from standard input.
(
	unset AUTHKEEP_PASSWORD
	printf '%s\n' "$BOB_PW" | assert_ok on A account add --server "$SERVER" --email "$BOB"
) || exit 1
assert_contains "$(cat "$T/out")" "Added $BOB" "account add says so"
assert_not_contains "$(cat "$T/out")" "waits for verification" "the account's first device does not wait"
assert_eq 2 "$(personal_entries A)" "a second personal entry"
assert_eq "personal $SERVER verified" "$(entry_of A "$BOB")" "list --json of the added account"

# Each account takes its own code of this device.
bob_code=$(code_of A "$BOB")
[ -n "$bob_code" ] || fail "no code for $BOB"
bob_device=$(device_of "$BOB" "$bob_code")
owner_device=$(device_of "$EMAIL" "$(code_of A "$EMAIL")")
[ "$bob_device" != "$owner_device" ] ||
	fail "one device id on both accounts of the server: $bob_device"

# Adding it again is refused, and changes nothing.
on A list --json >"$T/before"
sum=$(file_sum "$(vault_of A)")
assert_fails add_bob A
assert_contains "$(cat "$T/err")" "on this device already" "adding it twice"
unchanged "adding it twice"

# Push: a sign-in to bob reaches `listen` on A, and A approves it.
listen_sees A "$BOB" "bob's app"
assert_eq "$RID $BOB bob's app" "$(json_get "$T/listen" '" ".join([d["request_id"], d["account"], d["app"]])')" \
	"listen --json shows bob's request"
assert_ok on A approve "$RID" --number "$NUMBER"
assert_contains "$(cat "$T/out")" "Approved" "approve says so"
assert_eq approved "$(signin_state "$RID")" "bob's requester is approved"
EMAIL=$BOB sign_in "bob, denied"
assert_ok on A deny "$RID"
assert_eq denied "$(signin_state "$RID")" "bob's requester is denied"
# The backup account's push still works.
sign_in "the owner's app"
assert_ok on A approve "$RID" --number "$NUMBER"
assert_eq approved "$(signin_state "$RID")" "the backup account's requester is approved"

# A second device of bob's account waits for verification; the password
# verifies it (bob has no alternate contact).
new_device C
assert_ok add_bob C
assert_contains "$(cat "$T/out")" "waits for verification" "C waits"
assert_contains "$(cat "$T/out")" "authkeep verify $BOB" "and says what to run"
assert_eq "personal $SERVER needed" "$(entry_of C "$BOB")" "list --json on C"
assert_fails on C code "$BOB"
assert_contains "$(cat "$T/err")" "needs verification" "no code before verification"
AUTHKEEP_PASSWORD="not bob's password" assert_fails on C verify "$BOB"
assert_contains "$(cat "$T/err")" "password is not right" "verify with the wrong password"
sleep 1.5 # the server holds the next sign-in from this address back a second after a failed one
AUTHKEEP_PASSWORD="$BOB_PW" assert_ok on C verify "$BOB" </dev/null
assert_contains "$(cat "$T/out")" "Verified" "verified"
assert_eq "personal $SERVER verified" "$(entry_of C "$BOB")" "list --json after verification"
assert_eq 200 "$(bob_verify "$(code_of C "$BOB")")" "C's code accepted for bob"
EMAIL=$BOB sign_in "bob on C"
assert_ok on C approve "$RID" --number "$NUMBER"
assert_eq approved "$(signin_state "$RID")" "C approves bob's sign-in"

# After a recovery of A's backup, bob's entry comes back without a code;
# adding the account again fills it, and does not add a second one.
new_device D
assert_ok on D recover --server "$SERVER" --email "$EMAIL"
assert_eq 2 "$(personal_entries D)" "the recovered device has both personal entries"
assert_fails on D code "$BOB"
assert_ok add_bob D
assert_contains "$(cat "$T/out")" "waits for verification" "D waits: bob has verified devices"
assert_eq 2 "$(personal_entries D)" "the entry was filled, not doubled"
AUTHKEEP_PASSWORD="$BOB_PW" assert_ok on D verify "$BOB" </dev/null
assert_eq 200 "$(bob_verify "$(code_of D "$BOB")")" "D's code accepted for bob"

check_no_plaintext
stop_server
