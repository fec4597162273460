#!/bin/bash
# Ten `authkeep add` at once on one vault all succeed, and the vault then
# holds all ten: a change waits for the others (a few seconds at most) and
# applies to what they saved, instead of failing with "changed by another
# command". Changes of other kinds at once lose nothing either.
. "$AUTHKEEP_SOURCE_ROOT/tests/cli/helpers.sh"

ak init >/dev/null || fail "init"

# A 20-byte secret of its own for account I, in base32.
secret_of() { printf 'account-%012d' "$1" | base32 | tr -d '='; }

pids=()
for i in $(seq 1 10); do
	ak add --issuer "Site$i" --account "user$i" --secret "$(secret_of "$i")" \
		>"$T/add$i.out" 2>"$T/add$i.err" &
	pids+=($!)
done
failed=0
for i in $(seq 1 10); do
	wait "${pids[$((i - 1))]}" || {
		failed=$((failed + 1))
		echo "add $i: $(cat "$T/add$i.err")" >&2
	}
done
assert_eq 0 "$failed" "adds that failed"
assert_eq 10 "$(ak list --json | jq length)" "accounts after 10 adds at once"
for i in $(seq 1 10); do
	assert_eq 1 "$(ak list --json | jq --arg i "Site$i" '[.[] | select(.issuer == $i)] | length')" \
		"Site$i is there once"
done

# Removes, renames and HOTP codes at once: each applies, and no two HOTP
# codes use the same counter.
ak add "$URI_VPN" >/dev/null || fail "add VPN"
pids=()
for i in 1 2 3; do ak remove "Site$i:" --yes >/dev/null 2>"$T/rm$i.err" & pids+=($!); done
for i in 4 5 6; do ak rename "Site$i:" "Renamed$i:user$i" >/dev/null 2>"$T/mv$i.err" & pids+=($!); done
for i in 1 2 3 4 5; do ak code VPN --quiet >"$T/code$i" 2>"$T/code$i.err" & pids+=($!); done
for pid in "${pids[@]}"; do wait "$pid" || fail "a change at once failed: $(cat "$T"/*.err)"; done
assert_eq 8 "$(ak list --json | jq length)" "accounts after 3 removes"
assert_eq 3 "$(ak list --json | jq '[.[] | select(.issuer | startswith("Renamed"))] | length')" \
	"renames applied"
assert_eq 5 "$(cat "$T"/code? | sort -u | wc -l)" "five HOTP codes, all different"
assert_eq 5 "$(ak list --json | jq '.[] | select(.issuer == "VPN") | .counter')" "HOTP counter"
echo ok
