#!/bin/bash
# A large import: the counts and only the entries not simply added, every
# entry with --verbose; progress on a terminal (a pty made by script(1))
# for an import of thousands, and none when standard error is a file.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"

# N otpauth URIs with distinct secrets, one a line.
uris() {
	python3 - "$1" <<'PY'
import base64, sys
for i in range(int(sys.argv[1])):
    secret = base64.b32encode(b"large-import-%08d" % i).decode().rstrip("=")
    print(f"otpauth://totp/Site{i}:user{i}?secret={secret}&issuer=Site{i}")
PY
}
uris 1000 >"$T/1000.txt"
ak init >/dev/null || fail "init"

assert_ok ak import "$T/1000.txt"
assert_contains "$(cat "$T/out")" "imported: 1000 added, 0 identical" "the counts"
assert_contains "$(cat "$T/out")" "(1000 new entries not listed: --verbose lists every entry)" \
	"what is left out"
[ "$(wc -l <"$T/out")" -le 5 ] || fail "a 1,000-entry import printed $(wc -l <"$T/out") lines"
assert_eq 1000 "$(ak list --json | jq length)" "accounts imported"

# Again, with one new line: the 1,000 identical ones are not simply added.
uris 1001 >"$T/1001.txt"
assert_ok ak import "$T/1001.txt" --dry-run
assert_contains "$(cat "$T/out")" "dry run: 1 new, 1000 identical" "dry run counts"
assert_eq 1000 "$(grep -c '^identical' "$T/out")" "the identical entries are listed"
assert_eq 0 "$(grep -c '^new' "$T/out")" "the new one is not"

# --verbose: every entry.
export AUTHKEEP_HOME="$T/home2"
ak init >/dev/null || fail "init 2"
assert_ok ak import "$T/1000.txt" --verbose
assert_eq 1000 "$(grep -c '^new' "$T/out")" "--verbose lists every entry"
assert_not_contains "$(cat "$T/out")" "not listed" "--verbose leaves nothing out"

# Progress: on a terminal, for thousands; not when standard error is a file.
uris 3000 >"$T/3000.txt"
export AUTHKEEP_HOME="$T/home3"
ak init >/dev/null || fail "init 3"
assert_ok ak import "$T/3000.txt" --dry-run
assert_not_contains "$(cat "$T/err")" "sorting" "no progress in a file"
assert_eq "" "$(cat "$T/err")" "nothing on stderr"
command -v script >/dev/null || skip "script(1) is not installed"
timeout 60 script -qfec "'$AUTHKEEP_BIN' import '$T/3000.txt'" "$T/typescript" >/dev/null 2>&1 ||
	fail "import on a terminal: $(tail -c 300 "$T/typescript")"
grep -aq "authkeep: import: sorting 500 of 3000 entries (16%)" "$T/typescript" ||
	fail "no progress on a terminal: $(head -c 600 "$T/typescript" | cat -v)"
grep -aq "adding 2500 of 3000" "$T/typescript" || fail "no progress while adding"
grep -aq "imported: 3000 added" "$T/typescript" || fail "the counts after the progress"
assert_eq 3000 "$(ak list --json | jq length)" "accounts imported on the terminal"
echo "ok"
