# Terminals for the tests of authkeep on a terminal: a tmux server of the
# test's own ($T/tmux.sock), stopped at exit; `tm` runs tmux on it, `pane`
# shows the screen of the session 'w', `wait_for TEXT` waits (up to 20 s)
# for TEXT on it, `wait_gone TEXT` for TEXT to go. Source it after helpers.sh.
command -v tmux >/dev/null || skip "tmux is not installed"

TMUX_SOCK="$T/tmux.sock"
tm() { tmux -S "$TMUX_SOCK" "$@"; }
at_exit 'tmux -S "$TMUX_SOCK" kill-server 2>/dev/null'
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
