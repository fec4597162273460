#!/bin/bash
# The crash test with the real app: `authkeep rename` rewrites a vault of
# 1,000 accounts and is killed with SIGKILL at a random moment, 200 times.
# After every kill the vault must open (`authkeep list --json` succeeds) and
# hold exactly the old or the new content: the whole listing equals one of
# the two states, byte for byte.
#   crash.sh VAULT_FILL   (tests/vault/vault_fill.c, which makes the vault)
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"

fill=$1
"$AUTHKEEP_BIN" rename --help >/dev/null 2>&1 || skip "this build of authkeep has no rename command yet"
rounds=${CRASH_ROUNDS:-200}
accounts=1000
"$fill" "$AUTHKEEP_HOME/vault.json" "$accounts" || fail "making a vault of $accounts accounts"
ak list --json >"$T/list" || fail "list"
count=$(jq length "$T/list")
assert_eq "$accounts" "$count" "accounts in the vault"
# The account renamed back and forth, picked from the middle by its id.
id=$(jq -r '.[500].id' "$T/list")

# Microseconds, without starting a process (bash 5's EPOCHREALTIME).
now_us() { local t=${EPOCHREALTIME/[.,]/}; echo $((10#$t)); }
# Sleeps MICROSECONDS without starting a process (tests/lib.sh's pause).
pause_us() {
	local secs
	printf -v secs '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000))
	pause "$secs"
}

# The two states: the account named "name-a", or "name-b".
ak rename "$id" name-a >/dev/null || fail "rename to name-a"
ak list --json >"$T/state-a" || fail "list a"
# How long one rewrite takes here (the shortest of three): kills land anywhere in it.
duration=
for next in b a b; do
	start=$(now_us)
	ak rename "$id" "name-$next" >/dev/null || fail "rename to name-$next"
	took=$(($(now_us) - start))
	[ -n "$duration" ] && [ "$duration" -le "$took" ] || duration=$took
done
ak list --json >"$T/state-b" || fail "list b"
cmp -s "$T/state-a" "$T/state-b" && fail "the two states list the same"

# temp_files: TEMPS, the temporary files a killed save leaves (the next save
# sweeps them), each between spaces.
temp_files() {
	local f
	TEMPS=" "
	for f in "$AUTHKEEP_HOME"/.vault.json.*; do
		[ -e "$f" ] && TEMPS+="$f "
	done
}
temp_files
temps=$TEMPS
pause 0 # opens its pipe before the timed rounds
state=b old_kept=0 new_kept=0 mid_write=0
for ((round = 0; round < rounds; round++)); do
	if [ $state = a ]; then next=b; else next=a; fi
	# Anywhere from before the process starts its work to a little after one whole rewrite.
	delay=$(((RANDOM * 32768 + RANDOM) % (duration * 11 / 10 + 1)))
	# The binary itself in the background (not through the `ak` function,
	# whose subshell would take the signal instead).
	"$AUTHKEEP_BIN" rename "$id" "name-$next" >/dev/null 2>"$T/rename-err" &
	pid=$!
	pause_us "$delay"
	kill -KILL $pid 2>/dev/null
	finished=0
	wait $pid && finished=1
	# Killed between creating its temporary file and renaming it: a new one is there.
	temp_files
	for f in $TEMPS; do
		if [[ $temps != *" $f "* ]]; then
			mid_write=$((mid_write + 1))
			break
		fi
	done
	temps=$TEMPS
	if ! ak list --json >"$T/now" 2>"$T/err"; then
		fail "round $round: the vault does not open after a kill: $(cat "$T/err")"
	fi
	# Byte for byte: the state it was in first (the likelier one).
	if cmp -s "$T/now" "$T/state-$state"; then
		now=$state
	elif cmp -s "$T/now" "$T/state-$next"; then
		now=$next
	else
		fail "round $round: the vault holds neither the old nor the new content"
	fi
	if [ "$now" = "$state" ]; then
		old_kept=$((old_kept + 1))
		[ $finished = 0 ] || fail "round $round: the rename finished but the old content is there"
	else
		new_kept=$((new_kept + 1))
	fi
	state=$now
done
# A save sweeps what killed saves left.
[ "$temps" != " " ] || echo "garbage" >"$AUTHKEEP_HOME/.vault.json.AbC123"
ak rename "$id" name-c >/dev/null || fail "a rename after the kills"
assert_eq 0 "$(find "$AUTHKEEP_HOME" -name '.vault.json.*' | wc -l)" "temporary files after a save"
echo "$rounds kills (rewrite of $accounts accounts: $((duration / 1000)) ms): old content $old_kept times, new content $new_kept times; $mid_write kills during the write of the temporary file"
