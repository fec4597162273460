#!/bin/bash
# Push sign-in end to end: a requester starts a sign-in with curl; the device
# sees it with `listen --json --once` (never the number), and approves with
# the right number, denies, reports, or approves with a wrong number, which
# denies; the requester's wait says how it ended.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/identity/lib-identity.sh"

start_server
need_identity
device_a_backed_up

# listen --json --once: waiting before the request comes, then one line.
listen_sees A "$EMAIL" "ssh on build-host"
assert_eq 1 "$(wc -l <"$T/listen")" "one line per request"
"$SYS_PY" - "$T/listen" "$RID" "$EMAIL" "$NUMBER" <<'PY' || fail "listen --json: $(cat "$T/listen")"
import json, sys
line = open(sys.argv[1]).read()
r = json.loads(line)
assert set(r) == {"request_id", "account", "from", "app", "expires_at"}, r
assert (r["request_id"], r["account"], r["app"]) == (sys.argv[2], sys.argv[3], "ssh on build-host"), r
# The number is shown only to the requester: nowhere but inside the id or the time.
rest = line.replace(r["request_id"], "").replace(str(r["expires_at"]), "")
assert sys.argv[4] not in rest, f"the number {sys.argv[4]} is in {line!r}"
PY

# Approve with the number shown: the requester is signed in.
assert_ok on A approve "$RID" --number "$NUMBER"
assert_contains "$(cat "$T/out")" "Approved" "approve says so"
assert_eq approved "$(signin_state "$RID")" "the requester's wait after approve"
# Answered already: it is no longer pending.
assert_fails on A approve "$RID" --number "$NUMBER"
assert_contains "$(cat "$T/err")" "no pending sign-in request" "a second answer"

# Deny.
sign_in
assert_ok on A deny "$RID"
assert_contains "$(cat "$T/out")" "Denied" "deny says so"
assert_eq denied "$(signin_state "$RID")" "the requester's wait after deny"

# A wrong number denies, and says so.
sign_in
wrong=$((NUMBER == 10 ? 11 : NUMBER - 1))
assert_fails on A approve "$RID" --number "$wrong"
assert_contains "$(cat "$T/err")" "the number did not match; the sign-in was denied" "wrong number"
assert_eq denied "$(signin_state "$RID")" "the requester's wait after a wrong number"

# Bad input is refused before anything is sent.
assert_fails on A approve "$RID" --number 7
assert_contains "$(cat "$T/err")" "two-digit" "a number of one digit"

# Deny --report, last: it mutes the account's requests for a while.
sign_in
assert_ok on A deny "$RID" --report
assert_contains "$(cat "$T/out")" "reported" "deny --report says so"
assert_eq denied "$(signin_state "$RID")" "the requester's wait after a report"

stop_server
check_no_plaintext
