#!/bin/bash
# A forgotten password: recovery with the one-time recovery code, which sets a
# new password and shows a new code; the old password and the used code stop
# working.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

start_server
R=(--server "$SERVER" --email "$EMAIL")

device_a_backed_up
code=$(recovery_code_of "$T/out")
[ -n "$code" ] || fail "no recovery code"
PLAINTEXT+=("$code")

# The code is read from standard input; the new password from the next line.
newpass="a brand new password"
PLAINTEXT+=("$newpass")
printf '%s\n%s\n' "$code" "$newpass" | env -u AUTHKEEP_PASSWORD \
	AUTHKEEP_HOME="$T/B" AUTHKEEP_DEVICE_NAME=B "$AUTHKEEP_BIN" recover "${R[@]}" --recovery-code - \
	>"$T/out" 2>"$T/err" || fail "recover with the code: $(cat "$T/err")"
assert_contains "$(cat "$T/out")" "Set a new password for $EMAIL" "new password"
assert_contains "$(cat "$T/out")" "Recovered 5 accounts" "recovered"
newcode=$(recovery_code_of "$T/out")
[ -n "$newcode" ] && [ "$newcode" != "$code" ] || fail "a new recovery code is shown"
PLAINTEXT+=("$newcode")
codes_at A 1234567890 >"$T/codes.a"
codes_at B 1234567890 >"$T/codes.b"
assert_eq "$(cat "$T/codes.a")" "$(cat "$T/codes.b")" "same codes"

# The old password and the used code no longer work; the new ones do.
assert_fails on C recover "${R[@]}" --dry-run
assert_contains "$(cat "$T/err")" "wrong password or recovery code" "old password"
assert_fails on C recover "${R[@]}" --dry-run --recovery-code - <<<"$code"
assert_contains "$(cat "$T/err")" "wrong password or recovery code" "used code"
AUTHKEEP_PASSWORD="$newpass" assert_ok on C recover "${R[@]}" --dry-run
assert_contains "$(cat "$T/out")" "5 new" "new password works"
# A dry run with a code does not use it up.
assert_ok on C recover "${R[@]}" --dry-run --recovery-code - <<<"$newcode"
assert_ok on C recover "${R[@]}" --dry-run --recovery-code - <<<"$(echo "$newcode" | tr 'A-Z' 'a-z' | tr -d -)"
# A typing mistake in the code is caught on the device.
last=${newcode: -1}
[ "$last" = 0 ] && other=1 || other=0
assert_fails on C recover "${R[@]}" --recovery-code - <<<"${newcode%?}$other"
assert_contains "$(cat "$T/err")" "wrong password or recovery code" "mistyped code"

stop_server
check_no_plaintext
