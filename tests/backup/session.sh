#!/bin/bash
# An expired or revoked session: the change is kept, status says "sign in
# again" and what to do, and `backup now` signs in again and sends it.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

start_server --session-ttl 3s
R=(--server "$SERVER" --email "$EMAIL")

new_device A
on A add --issuer "Site One" --account "one.user" --secret JBSWY3DPEHPK3PXP >/dev/null
assert_ok on A backup on "${R[@]}" --create
PLAINTEXT+=("JBSWY3DPEHPK3PXP" "one.user" "two.user" "three.user" "GEZDGNBVGY3TQOJQ" "MFRGGZDFMZTWQ2LK")
sleep 4

# The session expired: the change is saved here, and the user is told.
assert_ok on A add --issuer "Site Two" --account "two.user" --secret GEZDGNBVGY3TQOJQ
assert_contains "$(cat "$T/err")" "not backed up yet: sign in again: the session expired" "told after add"
assert_contains "$(cat "$T/err")" "authkeep backup now" "told what to do"
assert_eq 2 "$(carried_json A list | "$SYS_PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')" "kept"
assert_exit 5 on A backup status
assert_contains "$(cat "$T/out")" "State: sign in again: the session expired; changes since" "status"
assert_contains "$(cat "$T/out")" "What to do: run 'authkeep backup now'" "status advice"
on A backup status --json >"$T/a.json"
assert_eq session_expired "$(json_get "$T/a.json" 'd["state"]')" "json state"
assert_eq True "$(json_get "$T/a.json" 'd["pending"]')" "json pending"

# backup now signs in again (wrong password first: refused, still pending).
AUTHKEEP_PASSWORD="wrong password" assert_fails on A backup now
assert_contains "$(cat "$T/err")" "wrong password or recovery code" "wrong password"
assert_ok on A backup now
assert_contains "$(cat "$T/out")" "Backed up 2 accounts (version 2 at" "sent after signing in"
on A backup status --json >"$T/a.json"
assert_eq backed_up "$(json_get "$T/a.json" 'd["state"]')" "backed up again"

# Signing in again with `backup on` works too.
sleep 4
assert_ok on A backup on "${R[@]}"
assert_ok on A add --issuer "Site Three" --account "three.user" --secret MFRGGZDFMZTWQ2LK
assert_eq "" "$(cat "$T/err")" "no warning with a fresh session"
on A backup status --json >"$T/a.json"
assert_eq 3 "$(json_get "$T/a.json" 'd["version"]')" "version 3"

# A revoked session (the server says so, not the clock): a password change
# elsewhere revokes every other session. The server restarts with long sessions.
stop_server
start_server
assert_ok on A backup on "${R[@]}"
assert_ok on B recover "${R[@]}"
AUTHKEEP_NEW_PASSWORD="the second password" assert_ok on B backup password
PLAINTEXT+=("the second password")
assert_contains "$(cat "$T/out")" "Changed the password of $EMAIL" "password changed"
assert_ok on A rename "Site One" "one.renamed"
assert_contains "$(cat "$T/err")" "sign in again: the session expired" "A's session revoked"
assert_fails on A backup now
assert_contains "$(cat "$T/err")" "wrong password" "old password refused"
AUTHKEEP_PASSWORD="the second password" assert_ok on A backup now
assert_contains "$(cat "$T/out")" "Backed up 3 accounts (version 4 at" "sent with the new password"

stop_server
check_no_plaintext
