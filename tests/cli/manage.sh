#!/bin/bash
# authkeep list, remove, move, rename: the user's order, QUERY matching,
# and refusals that change nothing.
. "$AUTHKEEP_SOURCE_ROOT/tests/cli/helpers.sh"

ak init >/dev/null || fail "init"
ak list >"$T/empty" || fail "list of an empty vault"
assert_contains "$(cat "$T/empty")" "No accounts yet" "empty list"
assert_eq "[]" "$(ak list --json | jq -c .)" "empty JSON list"
assert_eq "[]" "$(ak code --json | jq -c .)" "empty JSON codes"
setup_three 2>/dev/null
ak add --issuer GitLab --account bob --secret MZXW6YTBOJUWU23M >/dev/null || fail "add GitLab"

order() { ak list --json | jq -r '[.[] | .issuer] | join(",")'; }
assert_eq "GitHub,Bank,VPN,GitLab" "$(order)" "initial order"

# list --json: the shape, never a secret.
ak list --json >"$T/list.json"
jq -e 'type == "array" and all(.[]; has("id") and has("issuer") and has("account") and has("type") and has("position"))' \
	"$T/list.json" >/dev/null || fail "list --json shape"
assert_eq "1 2 3 4" "$(jq -r '[.[].position] | map(tostring) | join(" ")' "$T/list.json")" "positions"
grep -qi "$SEED1\|secret" "$T/list.json" && fail "list --json shows a secret"
ak list >"$T/human"
grep -qi "$SEED1" "$T/human" && fail "list shows a secret"
assert_eq 5 "$(wc -l <"$T/human")" "a header and four rows"
# Aligned: every row's id starts in the same column as the header's ID.
assert_eq 1 "$(awk '{ print index($0, $NF) }' "$T/human" | sort -u | wc -l)" "aligned ID column"

# Output that cannot be written is a failure.
if [ -w /dev/full ]; then
	ak list >/dev/full 2>"$T/err" && fail "list to a full disk succeeded"
	assert_one_error_line "writing the output"
fi

# move: 1-based positions; the others keep their order.
assert_ok ak move GitLab 1
assert_contains "$(cat "$T/out")" "Moved GitLab:bob from position 4 to 1" "move output"
assert_eq "GitLab,GitHub,Bank,VPN" "$(order)" "after move to 1"
assert_ok ak move gitlab 4
assert_eq "GitHub,Bank,VPN,GitLab" "$(order)" "after move to 4"
assert_ok ak move VPN 2
assert_eq "GitHub,VPN,Bank,GitLab" "$(order)" "after move to 2"
assert_ok ak move VPN 2
assert_eq "GitHub,VPN,Bank,GitLab" "$(order)" "move to where it is"
sum=$(file_sum "$VAULT")
for args in "VPN 0" "VPN 5" "VPN -1" "VPN two" "VPN" "nosuch 1" "git 1" "VPN 1 2"; do
	# shellcheck disable=SC2086
	assert_fails ak move $args
	assert_eq "$sum" "$(file_sum "$VAULT")" "vault after: move $args"
done
assert_fails ak move VPN 9
assert_one_error_line "1..4"
assert_fails ak move git 1
assert_contains "$(head -n 1 "$T/err")" "'git' matches 2 accounts" "ambiguous move"
assert_contains "$(cat "$T/err")" "GitLab:bob" "candidates"

# rename: "Issuer:account" sets both; a plain name only the account name.
id=$(ak list --json | jq -r '.[] | select(.issuer == "GitLab") | .id')
code_before=$(ak code GitLab --at 1000 --quiet)
assert_ok ak rename GitLab robert
assert_eq "GitLab robert" "$(ak list --json | jq -r ".[] | select(.id == \"$id\") | \"\(.issuer) \(.account)\"")" "plain rename"
assert_ok ak rename "$id" "Codeberg:bob@example.org"
assert_contains "$(cat "$T/out")" "Renamed GitLab:robert to Codeberg:bob@example.org" "rename output"
assert_eq "Codeberg bob@example.org" "$(ak list --json | jq -r ".[] | select(.id == \"$id\") | \"\(.issuer) \(.account)\"")" "full rename"
assert_eq "$code_before" "$(ak code Codeberg --at 1000 --quiet)" "the code survives a rename"
assert_ok ak rename Codeberg ":bob"
assert_eq " bob" "$(ak list --json | jq -r ".[] | select(.id == \"$id\") | \"\(.issuer) \(.account)\"")" "issuer cleared"
assert_ok ak rename "$id" "Codeberg:bob"
sum=$(file_sum "$VAULT")
assert_fails ak rename Codeberg ""
assert_one_error_line "empty"
assert_fails ak rename Codeberg "$(head -c 600 /dev/zero | tr '\0' x)"
assert_eq 1 "$(wc -l <"$T/err")" "one line for a long name"
assert_fails ak rename nosuch x
assert_one_error_line "no account matches"
assert_fails ak rename Codeberg
assert_eq "$sum" "$(file_sum "$VAULT")" "vault after refused renames"

# remove: asked on a terminal; without one, only with --yes.
sum=$(file_sum "$VAULT")
assert_fails ak remove VPN </dev/null
assert_one_error_line "add --yes to remove it without being asked; nothing was changed"
if command -v script >/dev/null; then
	printf 'n\n' | script -qec "'$AUTHKEEP_BIN' remove VPN" /dev/null >"$T/tty" 2>&1 ||
		fail "remove on a terminal, answered no: $(cat "$T/tty")"
	assert_contains "$(cat "$T/tty")" "Remove VPN:alice? [y/N]" "the question"
	assert_contains "$(cat "$T/tty")" "Nothing was removed." "answered no"
fi
assert_eq "$sum" "$(file_sum "$VAULT")" "vault after a remove not confirmed"
assert_ok ak remove VPN --yes
assert_contains "$(cat "$T/out")" "Removed VPN:alice" "remove output"
assert_eq "GitHub,Bank,Codeberg" "$(order)" "after remove"
sum=$(file_sum "$VAULT")
assert_fails ak remove VPN
assert_one_error_line "no account matches 'VPN'"
assert_fails ak remove alice
assert_contains "$(cat "$T/err")" "matches 2 accounts" "ambiguous remove"
assert_fails ak remove
assert_fails ak remove a b
assert_fails ak remove ""
assert_contains "$(head -n 1 "$T/err")" "empty" "empty query"
assert_contains "$(cat "$T/err")" "Codeberg:bob" "an empty query lists the candidates"
assert_eq "$sum" "$(file_sum "$VAULT")" "vault after refused removes"
bank=$(ak list --json | jq -r '.[1].id')
assert_ok ak remove "$bank" --yes
assert_eq "GitHub,Codeberg" "$(order)" "remove by id"

# A damaged vault is reported, not crashed on, and not overwritten.
cp "$VAULT" "$T/good"
printf 'garbage' >"$VAULT"
sum=$(file_sum "$VAULT")
assert_fails ak list
assert_eq 1 "$(wc -l <"$T/err")" "one line for a damaged vault"
assert_fails ak add "$URI_VPN"
assert_eq "$sum" "$(file_sum "$VAULT")" "damaged vault untouched"
head -c 100 "$T/good" >"$VAULT"
assert_fails ak list
assert_eq 1 "$(wc -l <"$T/err")" "one line for a truncated vault"
echo "ok"
