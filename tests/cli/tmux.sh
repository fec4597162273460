# Terminals for the tests of authkeep on a terminal: a tmux server of the
# test's own ($T/tmux.sock), stopped at exit; `tm` runs tmux on it, `pane`
# shows the screen of the session 'w', `wait_for TEXT` waits (up to 20 s)
# for TEXT on it, `wait_gone TEXT` for TEXT to go. Source it after helpers.sh.
command -v tmux >/dev/null || skip "tmux is not installed"

TMUX_SOCK="$T/tmux.sock"
tm() { tmux -S "$TMUX_SOCK" "$@"; }
# The process that session SESSION's shell runs with NAME on its command line.
pane_child() {
	local shell
	shell=$(tm display-message -p -t "$1" '#{pane_pid}' 2>/dev/null) || return 1
	pgrep -P "$shell" -f "$2"
}
# Ends session SESSION (or all, with -a) and what runs in it: the programs are
# killed first, so that none outlives the test when closing its terminal does
# not end it (a sanitizer's leak check at exit can hang without a terminal).
kill_terminal() {
	local shell panes
	if [ "$1" = -a ]; then
		panes=$(tm list-panes -a -F '#{pane_pid}' 2>/dev/null)
	else
		panes=$(tm list-panes -t "$1" -F '#{pane_pid}' 2>/dev/null)
	fi
	for shell in $panes; do
		pkill -KILL -P "$shell" 2>/dev/null
	done
	if [ "$1" = -a ]; then
		tm kill-server 2>/dev/null
	else
		tm kill-session -t "$1" 2>/dev/null
	fi
	return 0
}
at_exit 'kill_terminal -a'
pane() { tm capture-pane -p -t w; }
wait_for() {
	for _ in $(seq 200); do
		pane | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	fail "waiting for '$1' on the screen; it shows:
$(pane)"
}
wait_gone() {
	for _ in $(seq 200); do
		pane | grep -qF -- "$1" || return 0
		sleep 0.1
	done
	fail "'$1' stays on the screen:
$(pane)"
}
