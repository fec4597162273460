#!/bin/bash
# A backup larger than the server takes (413): one line names both sizes and
# what to do; it is a lasting error, so neither a read (code, list), nor
# `backup status`, nor the next change sends it again; once the server takes
# more, `backup now` backs it up.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

puts() { grep -c 'PUT /v1/backup ' "$SRV_LOG" || true; }

start_server --max-body 16384
new_device A
uris 300 Big >"$T/300.txt"
assert_ok on A import "$T/300.txt"

line_re="the backup \([0-9.]+ kB\) is larger than this server takes \(16 kB\)"
advice="raise max_body on the server, then run 'authkeep backup now'"
assert_ok on A backup on --server "$SERVER" --email "$EMAIL" --create
grep -Eq "Backup is on for $EMAIL; not backed up yet: pending since .* because $line_re\." "$T/out" ||
	fail "backup on names both sizes: $(cat "$T/out")"
assert_contains "$(cat "$T/err")" "authkeep: backup on: $advice" "what to do"
sent=$(puts)
assert_eq 1 "$sent" "one upload tried"

# Reads, status and the next change do not send it again.
assert_ok on A list
assert_ok on A code "Big7:user7@example.com" --quiet
assert_eq "" "$(cat "$T/err")" "code: quiet"
assert_exit 4 on A backup status
grep -Eq "^State: pending since .* because $line_re$" "$T/out" || fail "status: $(cat "$T/out")"
assert_contains "$(cat "$T/out")" "What to do: $advice" "status advice"
on A backup status --json >"$T/a.json"
assert_eq error "$(json_get "$T/a.json" 'd["state"]')" "a lasting error"
assert_ok on A add --issuer "One More" --account "more" --secret JBSWY3DPEHPK3PXP
grep -Eq "^authkeep: saved on this device, not backed up yet: pending since .* because $line_re; $advice$" "$T/err" ||
	fail "the change's line: $(cat "$T/err")"
assert_eq 1 "$(wc -l <"$T/err")" "one line"
assert_eq "$sent" "$(puts)" "nothing sent again"
# `backup now` does try again, and says the same.
assert_fails on A backup now
grep -Eq "^authkeep: backup now: not backed up: pending since .* because $line_re; $advice$" "$T/err" ||
	fail "backup now: $(cat "$T/err")"
assert_eq $((sent + 1)) "$(puts)" "backup now tried"

# The server takes more: `backup now` backs it up.
stop_server
start_server --max-body 8388608
assert_ok on A backup now
assert_contains "$(cat "$T/out")" "Backed up 301 accounts (version 1 at" "backed up"
on A backup status --json >"$T/a.json"
assert_eq backed_up "$(json_get "$T/a.json" 'd["state"]')" "backed up"

stop_server
check_no_plaintext
