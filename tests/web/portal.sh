#!/bin/bash
# The account page in headless Chromium (tests/web/portal.mjs): two real
# devices, two backup versions, an alternate contact and a reported denial
# are shown; removing device B there revokes it at once (its code is
# refused, its waiting `listen` ends), and deleting the backup there is
# what device A's backup status then tells.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/identity/lib-identity.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/web/lib-web.sh"
need_browser

OUTBOX="$T/outbox.jsonl"
start_web --notify "file:$OUTBOX"
device_a_backed_up
# B: recovered, verified with the password alone (no alternate contact yet),
# and backed up with one more account: version 2.
new_device B
assert_ok on B recover --server "$SERVER" --email "$EMAIL"
assert_ok on B verify "$EMAIL" </dev/null
assert_ok on B add --issuer "Portal Test" --account "b@example.com" --secret JBSWY3DPEHPK3PXP
assert_ok on B backup now
# An alternate contact, added from A with the code sent to it.
assert_ok on A contacts add email alt@mail.test </dev/null
outbox_code "$OUTBOX" alt@mail.test | assert_ok on A contacts add email alt@mail.test --code -
# A sign-in that B reports as not its owner's.
sign_in "test app"
assert_ok on B deny "$RID" --report

# B's code works now, and B waits for requests.
first=$(date +%s)
assert_eq 200 "$(totp_verify "$(personal_code B "$first")")" "B's code before its removal"
on B listen --json >"$T/listen" 2>"$T/listen.err" &
listener=$!
at_exit "kill $listener 2>/dev/null"

browse portal.mjs

# Removed in the page: B's next code is refused, and its listen ends.
at=$(date +%s)
[ $((at / 30)) -gt $((first / 30)) ] || at=$((first + 30))
assert_eq 401 "$(totp_verify "$(personal_code B "$at")")" "B's code after its removal"
for _ in $(seq 1 100); do
	kill -0 "$listener" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$listener" 2>/dev/null && fail "B's listen still waits after its removal"
wait "$listener" && fail "B's listen exited 0 after its removal"
assert_contains "$(cat "$T/listen.err")" "no longer registered" "B knows it was removed"
assert_ok on A devices --json
assert_not_contains "$(cat "$T/out")" '"B"' "A sees B gone"
# Deleted in the page: A's backup status says so.
on A backup status >"$T/status" 2>&1
assert_contains "$(cat "$T/status")" "deleted on the server by the account page" "A's backup status"

stop_server
check_no_plaintext
