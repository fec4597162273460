#!/bin/bash
# authkeep watch in a real terminal (tmux): codes, the bar of seconds left,
# the backup line, a live reload, quitting on q and on signals with the
# terminal restored. Also the passphrase prompts on a terminal (no echo,
# asked twice at init).
. "$AUTHKEEP_SOURCE_ROOT/tests/cli/helpers.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/cli/tmux.sh"
wait_file() {
	for _ in $(seq 200); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	fail "waiting for $1"
}
# Runs a shell command line in a fresh 100x30 terminal, with this test's environment.
run_in_terminal() {
	kill_terminal w
	tm new-session -d -s w -x 100 -y 30 \
		"export AUTHKEEP_HOME='$AUTHKEEP_HOME' AUTHKEEP_KDF_COST=min LC_ALL=C.UTF-8; $1; sleep 60" ||
		fail "tmux new-session"
}
# A session that keeps the tmux server up between the terminals below.
tm new-session -d -s keep "sleep 600" || fail "tmux"

# Not on a terminal: one clear line.
setup_three
assert_fails ak watch </dev/null
assert_one_error_line "terminal"

# Passphrase prompts on a terminal: asked without echo.
run_in_terminal "unset AUTHKEEP_PASSPHRASE; '$AUTHKEEP_BIN' list; echo rc=\$?"
wait_for "Vault passphrase:"
tm send-keys -t w "$AUTHKEEP_PASSPHRASE" Enter
wait_for "rc=0"
assert_contains "$(pane)" "GitHub" "list after a typed passphrase"
assert_not_contains "$(pane)" "$AUTHKEEP_PASSPHRASE" "the passphrase is not echoed"

# init on a terminal asks twice; a mismatch creates nothing.
home2="$T/home2"
run_in_terminal "unset AUTHKEEP_PASSPHRASE; export AUTHKEEP_HOME='$home2'; '$AUTHKEEP_BIN' init; echo rc=\$?"
wait_for "New vault passphrase:"
tm send-keys -t w "first secret" Enter
wait_for "Repeat it:"
tm send-keys -t w "other secret" Enter
wait_for "rc=1"
assert_contains "$(pane)" "differ" "mismatch message"
[ ! -e "$home2/vault.json" ] || fail "a mismatched init created a vault"
run_in_terminal "unset AUTHKEEP_PASSPHRASE; export AUTHKEEP_HOME='$home2'; '$AUTHKEEP_BIN' init; echo rc=\$?"
wait_for "New vault passphrase:"
tm send-keys -t w "typed secret" Enter
wait_for "Repeat it:"
tm send-keys -t w "typed secret" Enter
wait_for "rc=0"
assert_not_contains "$(pane)" "typed secret" "init does not echo"
AUTHKEEP_HOME="$home2" AUTHKEEP_PASSPHRASE="typed secret" assert_ok ak list

# watch at a fixed time: known codes, bars, seconds left, the backup line.
run_in_terminal "stty -g >'$T/stty.before'; AUTHKEEP_NOW=59 '$AUTHKEEP_BIN' watch; echo \$? >'$T/rc'; stty -g >'$T/stty.after'"
wait_for "287082"
screen=$(pane)
assert_contains "$screen" "q: quit" "header"
assert_contains "$screen" "$(oathtool --totp=SHA256 -d 8 -s 60 -b -N @59 "$SEED256")" "SHA256 code"
assert_contains "$screen" "[#...................]" "bar of 1 s left of 30"
assert_contains "$screen" " 1s" "seconds left"
assert_contains "$screen" "HOTP" "HOTP row"
assert_contains "$screen" "Backup:" "backup line"
assert_contains "$screen" "3 accounts" "count"

# A change made by another command shows up.
ak add --issuer Live --account added --secret MZXW6YTBOJUWU23M >/dev/null || fail "add while watching"
wait_for "Live"
assert_contains "$(pane)" "4 accounts" "count after reload"

# q quits with status 0 and the terminal as it was.
tm send-keys -t w q
wait_file "$T/rc"
assert_eq 0 "$(cat "$T/rc")" "watch exit status"
wait_file "$T/stty.after"
assert_eq "$(cat "$T/stty.before")" "$(cat "$T/stty.after")" "terminal settings restored after q"
assert_not_contains "$(pane)" "287082" "the alternate screen is gone"

# On the real clock, the seconds count down every second.
rm -f "$T/rc" "$T/stty.after"
run_in_terminal "stty -g >'$T/stty.before'; '$AUTHKEEP_BIN' watch; echo \$? >'$T/rc'; stty -g >'$T/stty.after'"
wait_for "GitHub"
first=$(pane | grep GitHub)
sleep 2.2
second=$(pane | grep GitHub)
[ "$first" != "$second" ] || fail "the view did not change in 2 s: $first"
# The code shown is oathtool's now (or the one before, across a step).
shown=$(pane | grep GitHub | awk '{ print $3 }')
case "$shown" in
"$(oathtool --totp -b "$SEED1")" | "$(oathtool --totp -b -N "@$(($(date +%s) - 2))" "$SEED1")") ;;
*) fail "watch shows '$shown'" ;;
esac

# A window too short for every account says how many are left out.
tm resize-window -t w -y 9
wait_for "... and 1 more"
tm resize-window -t w -y 30
wait_for "Live"

# SIGTERM: the terminal is restored, and the process ends by the signal.
pid=$(pane_child w "^$AUTHKEEP_BIN watch")
[ -n "$pid" ] || fail "no watch process"
kill -TERM "$pid"
wait_file "$T/rc"
assert_eq 143 "$(cat "$T/rc")" "status after SIGTERM"
wait_file "$T/stty.after"
assert_eq "$(cat "$T/stty.before")" "$(cat "$T/stty.after")" "terminal settings restored after SIGTERM"

# Ctrl-C too (the shell around it ignores SIGINT, to report the status).
rm -f "$T/rc" "$T/stty.after"
run_in_terminal "trap '' INT; stty -g >'$T/stty.before'; '$AUTHKEEP_BIN' watch; echo \$? >'$T/rc'; stty -g >'$T/stty.after'"
wait_for "GitHub"
tm send-keys -t w C-c
wait_file "$T/rc"
assert_eq 130 "$(cat "$T/rc")" "status after Ctrl-C"
wait_file "$T/stty.after"
assert_eq "$(cat "$T/stty.before")" "$(cat "$T/stty.after")" "terminal settings restored after Ctrl-C"
echo "ok"
