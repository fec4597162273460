# Shared helpers of the end-to-end tests. Source it from a test script:
#   . "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
# Each test gets its own temporary folder ($T) and device ($AUTHKEEP_HOME),
# removed at exit. Assertions print what was expected and what was seen.
set -u

: "${AUTHKEEP_BIN:?run through meson test}"
T=$(mktemp -d "${TMPDIR:-/tmp}/authkeep-test.XXXXXX")
export AUTHKEEP_HOME="$T/home"
export AUTHKEEP_PASSPHRASE="correct horse battery staple"
unset AUTHKEEP_PASSWORD AUTHKEEP_SERVER AUTHKEEP_NOW
ak_cleanup_hooks=""
ak_cleanup() {
	local rc=$?
	eval "$ak_cleanup_hooks"
	rm -rf "$T"
	exit $rc
}
trap ak_cleanup EXIT

# Runs a command at exit (servers to stop, keys to drop).
at_exit() { ak_cleanup_hooks="$ak_cleanup_hooks $1;"; }

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

# The app, on the device in $AUTHKEEP_HOME.
ak() { "$AUTHKEEP_BIN" "$@"; }

# assert_eq EXPECTED ACTUAL WHAT
assert_eq() {
	[ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}

# assert_contains HAYSTACK NEEDLE WHAT
assert_contains() {
	case "$1" in
	*"$2"*) ;;
	*) fail "$3: expected to contain '$2', got '$1'" ;;
	esac
}

assert_not_contains() {
	case "$1" in
	*"$2"*) fail "$3: expected not to contain '$2', got '$1'" ;;
	*) ;;
	esac
}

# Runs a command that must fail; its stderr is left in $T/err, its stdout in $T/out.
assert_fails() {
	if "$@" >"$T/out" 2>"$T/err"; then
		fail "expected failure: $*"
	fi
	return 0
}

# Runs a command that must succeed; output in $T/out and $T/err.
assert_ok() {
	if ! "$@" >"$T/out" 2>"$T/err"; then
		fail "expected success: $* (stderr: $(cat "$T/err"))"
	fi
	return 0
}

# assert_exit STATUS COMMAND...: runs a command that must exit with STATUS;
# output in $T/out and $T/err.
assert_exit() {
	local want=$1 got=0
	shift
	"$@" >"$T/out" 2>"$T/err" || got=$?
	[ "$got" = "$want" ] || fail "expected exit status $want, got $got: $* (stderr: $(cat "$T/err"))"
}

# pause SECONDS: sleeps (SECONDS may have a fraction) without starting a
# process, for polling loops: read times out on a pipe that stays empty.
pause() {
	[ -n "${ak_never:-}" ] || exec {ak_never}<> <(:)
	read -r -t "$1" -u "$ak_never" || :
}

# The checksum of a file, to prove it did not change.
file_sum() { sha256sum "$1" | cut -d' ' -f1; }

# free_port, and authkeepd_start / authkeepd_stop for tests that need a
# server; one still running at exit is stopped, and fails the test unless
# it exits 0 (rc is ak_cleanup's).
. "$AUTHKEEP_SOURCE_ROOT/tests/authkeepd.sh"
at_exit 'authkeepd_stop || rc=1'
