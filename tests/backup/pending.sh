#!/bin/bash
# The server down, then back: changes are kept and marked pending (since when,
# and why), then sent by the next command that changes something, by
# `backup status`, or by `backup now`. Commands that only read (code, list)
# never touch the network: the change stays pending.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

start_server
R=(--server "$SERVER" --email "$EMAIL")

device_a_backed_up
stop_server

# Down: the change is saved and the command succeeds, with a warning.
assert_ok on A add --issuer "Offline One" --account "off.one" --secret JBSWY3DPEHPK3PXP
assert_contains "$(cat "$T/err")" "saved on this device, not backed up yet: pending since" "warning"
assert_contains "$(cat "$T/err")" "the server cannot be reached" "why"
on A backup status --json >"$T/a.json"
since=$(json_get "$T/a.json" 'd["pending_since"]')
assert_eq pending "$(json_get "$T/a.json" 'd["state"]')" "state pending"
assert_eq False "$(json_get "$T/a.json" 'd["server_reachable"]')" "server not reachable"
assert_exit 3 on A backup status
assert_contains "$(cat "$T/out")" "State: pending since" "human status"
assert_contains "$(cat "$T/out")" "because the server cannot be reached" "human status why"
assert_contains "$(cat "$T/out")" "Note: the server cannot be reached right now" "note"
assert_fails on A backup now
assert_contains "$(cat "$T/err")" "not backed up: pending since" "backup now fails while down"
# The live view shows it too (it needs a terminal: script(1) gives it one).
if command -v script >/dev/null; then
	(sleep 0.5; printf q) | AUTHKEEP_HOME="$T/A" script -qfec "$AUTHKEEP_BIN watch" /dev/null >"$T/watch" 2>&1 ||
		fail "watch: $(tail -c 500 "$T/watch")"
	grep -aq "Backup: pending since .* because the server cannot be reached" "$T/watch" ||
		fail "watch shows the pending state: $(tail -c 500 "$T/watch")"
fi
sleep 1
assert_ok on A add --issuer "Offline Two" --account "off.two" --secret GEZDGNBVGY3TQOJQ
on A backup status --json --offline >"$T/a.json"
assert_eq "$since" "$(json_get "$T/a.json" 'd["pending_since"]')" "pending since the first change"
PLAINTEXT+=("off.one" "off.two" "off.three" "JBSWY3DPEHPK3PXP" "GEZDGNBVGY3TQOJQ" "MFRGGZDFMZTWQ2LK")

# Back: the next change sends everything.
start_server
assert_ok on A add --issuer "Offline Three" --account "off.three" --secret MFRGGZDFMZTWQ2LK
assert_eq "" "$(cat "$T/err")" "no warning once back"
on A backup status --json >"$T/a.json"
assert_eq backed_up "$(json_get "$T/a.json" 'd["state"]')" "backed up"
assert_eq 2 "$(json_get "$T/a.json" 'd["version"]')" "one upload for all three"
assert_ok on B recover "${R[@]}" --dry-run
assert_contains "$(cat "$T/out")" "8 new, 0 identical, 0 conflicting" "all eight on the server"

# Down again; back; `backup now` sends it.
stop_server
assert_ok on A remove "off.one" --yes
start_server
assert_ok on A backup now
assert_contains "$(cat "$T/out")" "Backed up 7 accounts (version 3 at" "backup now"

# Down again; back; `backup status` sends it.
stop_server
assert_ok on A remove "off.two" --yes
start_server
assert_ok on A backup status
assert_contains "$(cat "$T/out")" "State: backed up at" "status sent it"
assert_contains "$(cat "$T/out")" "(version 4)" "version 4"

# Down again; back; a command that changes nothing (code, list) shows what
# was asked for and leaves the change pending: it never waits on the network.
stop_server
assert_ok on A remove "off.three" --yes
start_server
assert_ok on A code forge --quiet --at 59
assert_eq "$(oathtool --totp -b JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP -N @59)" "$(cat "$T/out")" "the code"
assert_eq "" "$(cat "$T/err")" "quietly"
assert_ok on A list
assert_eq "" "$(cat "$T/err")" "list: no warning"
on A backup status --json --offline >"$T/a.json"
assert_eq pending "$(json_get "$T/a.json" 'd["state"]')" "code and list left the change pending"
assert_ok on A backup now
assert_contains "$(cat "$T/out")" "(version 5 at" "backup now sent it"
stop_server
check_no_plaintext
