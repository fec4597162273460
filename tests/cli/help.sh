#!/bin/bash
# Every command has --help (exit 0, a usage line, on standard output, no
# vault needed); bad command lines are one line on stderr and exit 2.
. "$AUTHKEEP_SOURCE_ROOT/tests/cli/helpers.sh"

for cmd in init unlock lock add list code remove move rename watch; do
	assert_ok ak "$cmd" --help
	assert_contains "$(head -n 1 "$T/out")" "usage: authkeep $cmd" "$cmd --help"
	assert_eq "" "$(cat "$T/err")" "$cmd --help stderr"
	assert_ok ak "$cmd" -h
done
assert_contains "$(ak add --help)" "'-' reads it from standard input" "add --help tells of stdin"
assert_contains "$(ak rename --help)" "Issuer:account" "rename --help tells of NEWNAME"
assert_contains "$(ak code --help)" "HOTP" "code --help tells of HOTP"
assert_contains "$(ak unlock --help)" "15m" "unlock --help tells the default"
[ ! -e "$AUTHKEEP_HOME" ] || fail "--help created the device folder"

assert_ok ak --help
assert_contains "$(cat "$T/out")" "watch" "main help lists commands"
assert_ok ak --version
"$AUTHKEEP_BIN" >/dev/null 2>&1
assert_eq 2 $? "no command"
"$AUTHKEEP_BIN" frobnicate >/dev/null 2>"$T/err"
assert_eq 2 $? "unknown command"
assert_one_error_line "unknown command"

# Usage errors exit 2 with one line that points at --help.
for args in "init extra" "lock extra" "unlock extra" "unlock --bogus" "list extra" "list --at 5" \
	"code --bogus" "remove" "move x" "rename x" "watch extra" "add"; do
	# shellcheck disable=SC2086
	"$AUTHKEEP_BIN" $args >/dev/null 2>"$T/err"
	assert_eq 2 $? "exit status of: $args"
	assert_eq 1 "$(wc -l <"$T/err")" "one line for: $args"
	assert_contains "$(cat "$T/err")" "--help" "hint for: $args"
done
echo "ok"
