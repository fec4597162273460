#!/bin/bash
# Names from other people (an otpauth URI, an imported file) reach the
# terminal without their control characters: an escape sequence, a BEL, a
# C1 control and U+202E (RIGHT-TO-LEFT OVERRIDE) are each shown as '?', in
# list, code, watch, import and error lines alike (docs/cli.md, "Untrusted
# text"). JSON keeps the exact name.
. "$AUTHKEEP_SOURCE_ROOT/tests/cli/helpers.sh"

# Issuer "Evil<U+202E>com<ESC>[2J", account "bob<BEL>x<U+0085>y".
EVIL_ISSUER='Evil%E2%80%AEcom%1B%5B2J'
URI_EVIL="otpauth://totp/$EVIL_ISSUER:bob%07x%C2%85y?secret=$SEED1&issuer=$EVIL_ISSUER"
EVIL_SHOWN='Evil?com?[2J'
EVIL_NAME_SHOWN='bob?x?y'
# Issuer "Imp<U+202E>x<ESC>[2J", account "eve<BEL><U+009B>", from a file.
IMP_ISSUER='Imp%E2%80%AEx%1B%5B2J'
URI_IMP="otpauth://totp/$IMP_ISSUER:eve%07%C2%9B?secret=JBSWY3DPEHPK3PXP&issuer=$IMP_ISSUER"
IMP_SHOWN='Imp?x?[2J:eve??'

# Fails when file $1 holds a control character other than a newline (or,
# with $3 = terminal, the watch view's own sequences: "ESC [ K", carriage
# returns, and the lines it draws before the accounts), a C1 control, a
# bidirectional control or invalid UTF-8. $2 names the output.
assert_safe() {
	local file=$1 what=$2
	if [ "${3:-}" = terminal ]; then
		# Only the lines that show an account, without their trailing "ESC [ K" CR.
		grep -a -e 'Evil' -e 'Imp' "$file" | sed 's/\x1b\[K\r\?$//; s/^\x1b\[7m//; s/\x1b\[m$//' >"$T/lines"
		[ -s "$T/lines" ] || fail "$what: no account line in the output"
		file="$T/lines"
	fi
	if LC_ALL=C grep -aqP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]' "$file"; then
		fail "$what: a control character reached the terminal: $(od -c "$file" | head -20)"
	fi
	iconv -f UTF-8 -t UTF-8 "$file" >/dev/null 2>&1 || fail "$what: invalid UTF-8 in the output"
}

ak init >/dev/null || fail "init"

# add - (the URI on standard input): the confirmation line.
assert_ok ak add - <<<"$URI_EVIL"
assert_safe "$T/out" "add"
assert_contains "$(cat "$T/out")" "Added $EVIL_SHOWN:$EVIL_NAME_SHOWN" "add shows the stand-ins"

# import --dry-run of a URI list, then import: the entry lines.
printf '%s\n' "$URI_IMP" >"$T/uris.txt"
assert_ok ak import --dry-run "$T/uris.txt"
assert_safe "$T/out" "import --dry-run"
assert_contains "$(cat "$T/out")" "$IMP_SHOWN" "import --dry-run shows the stand-ins"
assert_ok ak import "$T/uris.txt"
assert_safe "$T/out" "import"
assert_contains "$(cat "$T/out")" "$IMP_SHOWN" "import shows the stand-ins"
assert_ok ak import --dry-run "$T/uris.txt"
assert_contains "$(cat "$T/out")" "identical" "the imported account is there"
assert_safe "$T/out" "import --dry-run of an identical entry"

# list and code.
assert_ok ak list
assert_safe "$T/out" "list"
assert_contains "$(cat "$T/out")" "$EVIL_SHOWN" "list shows the issuer's stand-ins"
assert_contains "$(cat "$T/out")" "$EVIL_NAME_SHOWN" "list shows the account's stand-ins"
assert_contains "$(cat "$T/out")" "Imp?x?[2J" "list shows the imported issuer's stand-ins"
export AUTHKEEP_NOW=59
assert_ok ak code
assert_safe "$T/out" "code"
assert_contains "$(cat "$T/out")" "$EVIL_SHOWN" "code shows the stand-ins"
assert_contains "$(cat "$T/out")" "287082" "code shows the code (RFC 6238, T = 59)"
assert_ok ak code bob
assert_safe "$T/out" "code QUERY"
assert_contains "$(cat "$T/out")" "$EVIL_NAME_SHOWN" "code QUERY shows the stand-ins"
assert_ok ak code --quiet bob
assert_eq "287082" "$(cat "$T/out")" "code --quiet prints the code only"
unset AUTHKEEP_NOW

# Errors that name accounts: an ambiguous query lists both candidates, and a
# query that matches nothing is quoted back.
assert_fails ak code '[2J'
assert_safe "$T/err" "ambiguous query error"
assert_contains "$(cat "$T/err")" "matches 2 accounts" "ambiguous query"
assert_contains "$(cat "$T/err")" "$EVIL_SHOWN:$EVIL_NAME_SHOWN" "candidate shown safely"
assert_contains "$(cat "$T/err")" "$IMP_SHOWN" "imported candidate shown safely"
assert_fails ak code "$(printf 'no\033]0;title\007such')"
assert_safe "$T/err" "no-match error"
assert_contains "$(cat "$T/err")" "no account matches 'no?]0;title?such'" "query quoted safely"

# --json keeps the exact text, as jansson escapes it (controls as \uXXXX).
assert_ok ak list --json
if command -v jq >/dev/null; then
	assert_eq "$(printf 'Evil\u202ecom\033[2J')" "$(jq -r '.[0].issuer' "$T/out")" "JSON issuer"
	assert_eq "$(printf 'bob\ax\u0085y')" "$(jq -r '.[0].account' "$T/out")" "JSON account"
else
	assert_contains "$(cat "$T/out")" "$(printf 'Evil\u202ecom')\\u001B[2J" "JSON issuer"
fi

# watch, in a terminal made by script(1): its frames hold its own sequences
# only; the account lines show the stand-ins.
if command -v script >/dev/null; then
	(sleep 2; printf q) | timeout 30 script -qfec "'$AUTHKEEP_BIN' watch" "$T/watch.raw" \
		>/dev/null 2>&1 || fail "watch under script"
	assert_safe "$T/watch.raw" "watch" terminal
	assert_contains "$(cat "$T/lines")" "$EVIL_SHOWN  $EVIL_NAME_SHOWN" "watch shows the stand-ins"
	assert_contains "$(cat "$T/lines")" "Imp?x?[2J" "watch shows the imported stand-ins"
fi
echo "ok"
