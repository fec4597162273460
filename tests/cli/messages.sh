#!/bin/bash
# Messages for inputs that used to be taken the wrong way: each is refused
# with one line that says why, and nothing stored changes.
. "$AUTHKEEP_SOURCE_ROOT/tests/cli/helpers.sh"

setup_three
sum=$(file_sum "$VAULT")

# code HOTP --at T: an HOTP code follows a counter, not the time; it used to
# use (and advance) the counter.
assert_fails ak code VPN --at 59
assert_one_error_line "--at is for TOTP and Steam accounts"
assert_eq "$sum" "$(file_sum "$VAULT")" "code HOTP --at changes nothing"
assert_eq 0 "$(ak list --json | jq -r '.[] | select(.issuer == "VPN") | .counter')" "counter untouched"

# AUTHKEEP_NOW that is not unix seconds is refused, not replaced by the clock.
assert_fails env AUTHKEEP_NOW=abc "$AUTHKEEP_BIN" code GitHub --quiet
assert_one_error_line "AUTHKEEP_NOW: 'abc' is not unix seconds"
assert_fails env AUTHKEEP_NOW=-5 "$AUTHKEEP_BIN" list
assert_one_error_line "AUTHKEEP_NOW"
assert_eq 287082 "$(AUTHKEEP_NOW=59 ak code GitHub --quiet)" "AUTHKEEP_NOW=59 still gives the time"

# An import that yields no accounts is an error.
printf '# nothing here\n\n' >"$T/empty.txt"
assert_fails ak import "$T/empty.txt" --format uris
assert_one_error_line "no accounts"
printf '{"version":1,"header":{"slots":null,"params":null},"db":{"version":2,"entries":[]}}' >"$T/aegis.json"
assert_fails ak import "$T/aegis.json"
assert_one_error_line "no accounts"
assert_fails ak import "$T/aegis.json" --dry-run
assert_one_error_line "no accounts"
assert_eq "$sum" "$(file_sum "$VAULT")" "empty imports change nothing"
echo ok
