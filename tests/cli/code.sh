#!/bin/bash
# authkeep code: known-answer codes (RFC 6238, RFC 4226) and oathtool's,
# the JSON shape, HOTP counters that advance and are stored, --at, --quiet.
. "$AUTHKEEP_SOURCE_ROOT/tests/cli/helpers.sh"

setup_three
ak add --issuer Steam --account gamer --steam --secret "$SEED1" >/dev/null || fail "add steam"
ak add --issuer Big --account sha512 --secret "$SEED512" --algorithm SHA512 --digits 8 >/dev/null ||
	fail "add sha512"

# RFC 6238 Appendix B: T = 59 and T = 1111111109 (SHA1 and SHA512, 8 digits).
assert_eq 287082 "$(ak code GitHub --at 59 --quiet)" "SHA1 at 59"
assert_eq 081804 "$(ak code GitHub --at 1111111109 --quiet)" "SHA1 at 1111111109"
assert_eq 90693936 "$(ak code sha512 --at 59 --quiet)" "SHA512 at 59"
assert_eq 25091201 "$(ak code sha512 --at 1111111109 --quiet)" "SHA512 at 1111111109"
# 60-second period: the code of T = 119 is RFC 6238's for T = 59 (step 1).
assert_eq 46119246 "$(ak code Bank --at 119 --quiet)" "SHA256 60 s at 119"
# Past 2038, and against oathtool.
for t in 0 1 29 30 2000000000 20000000000; do
	assert_eq "$(oathtool --totp -b -N @$t "$SEED1")" "$(ak code GitHub --at $t --quiet)" "SHA1 at $t"
	assert_eq "$(oathtool --totp=SHA256 -d 8 -s 60 -b -N @$t "$SEED256")" \
		"$(ak code Bank --at $t --quiet)" "SHA256 at $t"
done
steam=$(ak code Steam --at 59 --quiet)
[[ $steam =~ ^[23456789BCDFGHJKMNPQRTVWXY]{5}$ ]] || fail "Steam code '$steam'"

# Without QUERY: every TOTP and Steam code; HOTP listed without a code, its counter untouched.
sum=$(file_sum "$VAULT")
ak code --at 59 --json >"$T/all.json" || fail "code --json"
jq -e 'type == "array" and length == 5' "$T/all.json" >/dev/null || fail "code --json shape: $(cat "$T/all.json")"
jq -e 'all(.[]; has("id") and has("issuer") and has("account") and has("type") and has("code") and has("remaining"))' \
	"$T/all.json" >/dev/null || fail "code --json fields"
jq -e 'all(.[]; (.id | test("^[0-9a-f]{16}$")))' "$T/all.json" >/dev/null || fail "ids"
assert_eq "GitHub totp 287082 1" "$(jq -r '.[0] | "\(.issuer) \(.type) \(.code) \(.remaining)"' "$T/all.json")" "GitHub row"
assert_eq "Bank totp $(oathtool --totp=SHA256 -d 8 -s 60 -b -N @59 "$SEED256") 1" "$(jq -r '.[1] | "\(.issuer) \(.type) \(.code) \(.remaining)"' "$T/all.json")" "Bank row"
assert_eq "VPN hotp null null" "$(jq -r '.[2] | "\(.issuer) \(.type) \(.code) \(.remaining)"' "$T/all.json")" "VPN row"
assert_eq "steam $steam" "$(jq -r '.[3] | "\(.type) \(.code)"' "$T/all.json")" "Steam row"
assert_eq "$sum" "$(file_sum "$VAULT")" "code without QUERY changes nothing"
assert_eq 22 "$(ak code --at 8 --json | jq '.[0].remaining')" "remaining at t=8"
assert_eq 52 "$(ak code --at 8 --json | jq '.[1].remaining')" "remaining at t=8, 60 s"

# Human output: aligned columns, HOTP explained.
ak code --at 59 >"$T/human" || fail "code"
assert_contains "$(cat "$T/human")" "ISSUER" "header"
assert_contains "$(cat "$T/human")" "authkeep code QUERY" "HOTP hint"
off1=$(grep GitHub "$T/human" | awk '{ print index($0, "287082") }')
bank59=$(oathtool --totp=SHA256 -d 8 -s 60 -b -N @59 "$SEED256")
off2=$(grep Bank "$T/human" | awk -v c="$bank59" '{ print index($0, c) }')
assert_eq "$off1" "$off2" "codes start in one column"

# HOTP: each code by QUERY advances the counter and stores it (RFC 4226 Appendix D).
ak add --issuer RFC --account hotp --secret "$SEED1" --hotp >/dev/null || fail "add hotp"
for want in 755224 287082 359152 969429; do
	assert_eq "$want" "$(ak code RFC:hotp --quiet)" "HOTP code"
done
assert_eq 4 "$(ak list --json | jq '.[] | select(.issuer == "RFC") | .counter')" "stored counter"
ak code RFC --json >"$T/hotp.json" || fail "hotp json"
assert_eq "338314 4 null" "$(jq -r '.[0] | "\(.code) \(.counter) \(.remaining)"' "$T/hotp.json")" "HOTP JSON"
ak code RFC >"$T/hotp.txt" || fail "hotp human"
assert_contains "$(cat "$T/hotp.txt")" "254676" "HOTP human output"
assert_contains "$(cat "$T/hotp.txt")" "counter 5" "HOTP human output counter"
# Against oathtool for a few more counters.
for c in 6 7 8; do
	assert_eq "$(oathtool --hotp -b -c $c "$SEED1")" "$(ak code RFC --quiet)" "HOTP counter $c"
done

# Queries: case-insensitive substring, Issuer:account, id; ambiguous and unknown fail.
id=$(ak list --json | jq -r '.[1].id')
assert_eq 46119246 "$(ak code "$id" --at 119 --quiet)" "by id"
assert_eq 46119246 "$(ak code bank:ALICE --at 119 --quiet)" "by Issuer:account"
assert_eq 46119246 "$(ak code BAN --at 119 --quiet)" "by substring"
sum=$(file_sum "$VAULT")
assert_fails ak code alice
assert_contains "$(head -n 1 "$T/err")" "matches" "ambiguous query"
assert_contains "$(cat "$T/err")" "GitHub:alice@example.com" "candidates listed"
assert_contains "$(cat "$T/err")" "Bank:alice" "candidates listed"
assert_contains "$(cat "$T/err")" "VPN:alice" "candidates listed"
assert_fails ak code nosuch
assert_one_error_line "no account matches 'nosuch'"
assert_eq "$sum" "$(file_sum "$VAULT")" "failed queries change nothing (HOTP included)"

# Bad options.
for args in "--at -1" "--at soon" "--at 99999999999999999999" "--quiet" "a b" "--bogus" "--at"; do
	# shellcheck disable=SC2086
	assert_fails ak code $args
	assert_eq 1 "$(wc -l <"$T/err")" "one line for: code $args"
done

# AUTHKEEP_NOW stands for the clock.
assert_eq 287082 "$(AUTHKEEP_NOW=59 ak code GitHub --quiet)" "AUTHKEEP_NOW"
# The real clock: the same code as oathtool now (retry once across a step boundary).
now_ok=0
for _ in 1 2; do
	a=$(ak code GitHub --quiet)
	b=$(oathtool --totp -b "$SEED1")
	[ "$a" = "$b" ] && now_ok=1 && break
done
assert_eq 1 "$now_ok" "code now matches oathtool"
echo "ok"
