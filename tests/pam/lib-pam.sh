# Helpers of the PAM tests, which source this file alone (it sources
# tests/lib.sh, tests/backup/lib-backup.sh and tests/identity/lib-identity.sh): the real
# pam_authkeep.so in a PAM service file of its own, driven by the real
# pamtester, whose prompts are answered through a FIFO so that a test can
# answer after it has approved on the device; and what the module logged,
# caught on a /dev/log of the test's own.
#
#   pam_with_device         need_pam, authkeepd, device A on the account $EMAIL,
#                           a map "alice $EMAIL" and a service file with it
#   pam_service OPTIONS...  writes /etc/pam.d/$PAM_SERVICE (removed at exit):
#                           auth required pam_authkeep.so server=$SERVER OPTIONS
#   user_map LINES...       a user map in $T/users (root's, mode 0644): $USER_MAP
#   pam_start USER [pamtester options...]
#                           starts `pamtester SERVICE USER authenticate`; what
#                           it says (stdout and stderr) goes to $T/pam.out
#   pam_number              waits for "number NN" on its output: sets $NUMBER
#   pam_type TEXT           answers the prompt (TEXT "" is Enter)
#   pam_hang_up             closes its input at the prompt (a cancel)
#   pam_end                 waits for it to end: sets $PAM_RC, $PAM_OUT (all it said)
#   pam_run USER [TEXT]     pam_start, pam_type (when TEXT is given), pam_end
#   pending_request         the request the device sees now: sets $RID
#   transcript NAME         copies what pamtester said to $PAM_TRANSCRIPTS/NAME.txt

. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/identity/lib-identity.sh"

need_pam() {
	[ "$(id -u)" = 0 ] || skip "PAM service files need root"
	command -v pamtester >/dev/null || skip "no pamtester (scripts/install-deps.sh installs it)"
	: "${PAM_MODULE:?run through meson test}"
	[ -f "$PAM_MODULE" ] || fail "no module at $PAM_MODULE"
	unshare -m --propagation private true 2>/dev/null ||
		skip "no mount namespace here: the module's log lines cannot be caught"
}

# libpam lower-cases service names: the file's name is lower case too.
# PAM_PRELOAD: what pamtester alone preloads, such as the ASan runtime to
# run the ASan build's module by hand (PAM_MODULE=build-asan/pam/...).
export PAM_PRELOAD="${PAM_PRELOAD:-}"
PAM_SERVICE="authkeep-test-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
PAM_FILE="/etc/pam.d/$PAM_SERVICE"
PAM_TRANSCRIPTS="${AUTHKEEP_BUILD_ROOT:?}/tests/pam/transcripts"
SYSLOG="$T/syslog"

pam_service() {
	at_exit "rm -f '$PAM_FILE'"
	{
		echo "# written by $(basename "$0"), removed when it ends"
		echo "auth required $PAM_MODULE server=$SERVER $*"
		echo "account required pam_permit.so"
	} >"$PAM_FILE"
}

pam_with_device() {
	need_pam
	start_server
	need_identity
	device_a_backed_up
	user_map "${@:-alice $EMAIL}"
	pam_service "user_map=$USER_MAP"
}

user_map() {
	USER_MAP="$T/users"
	printf '%s\n' "$@" >"$USER_MAP"
	chmod 0644 "$USER_MAP"
}

# The module's log: a datagram socket at $T/dev/log, which the namespace
# pamtester runs in sees as /dev/log (with the few devices it uses).
syslog_listen() {
	mkdir -p "$T/dev"
	for d in null zero random urandom tty; do : >"$T/dev/$d"; done
	ln -s /proc/self/fd "$T/dev/fd"
	"$SYS_PY" - "$T/dev/log" "$SYSLOG" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "ab", buffering=0)
while True:
    out.write(s.recv(65536).rstrip(b"\0\n") + b"\n")
PY
	syslog_pid=$!
	at_exit "kill $syslog_pid 2>/dev/null"
	for _ in $(seq 1 100); do
		[ -S "$T/dev/log" ] && return 0
		sleep 0.05
	done
	fail "the log listener did not start"
}

pam_start() {
	local user=$1
	shift
	[ -S "$T/dev/log" ] || syslog_listen
	PAM_USER_RUN=$user
	pam_log_mark=$(wc -l <"$SYSLOG" 2>/dev/null || echo 0)
	rm -f "$T/pam.in" "$T/pam.out"
	mkfifo "$T/pam.in"
	# The namespace's /dev: the test's, with the real devices bound on top.
	# pamtester writes PAM_TEXT_INFO to stdout, which stays in its buffer
	# when stdout is a file: stdbuf makes it line-buffered, as on a terminal.
	unshare -m --propagation private bash -c '
		for d in null zero random urandom tty; do mount --bind /dev/$d "$0/dev/$d"; done
		mount --rbind "$0/dev" /dev && LD_PRELOAD=$PAM_PRELOAD exec stdbuf -oL pamtester "$@"' \
		"$T" "$@" "$PAM_SERVICE" "$user" \
		authenticate <"$T/pam.in" >"$T/pam.out" 2>&1 &
	pam_pid=$!
	exec 7>"$T/pam.in" # the FIFO's writer: pamtester reads until it is closed
}

pam_number() {
	for _ in $(seq 1 200); do
		NUMBER=$(grep -Eo 'number [0-9]{2}' "$T/pam.out" 2>/dev/null | cut -d' ' -f2)
		[ -n "$NUMBER" ] && return 0
		kill -0 "$pam_pid" 2>/dev/null || break
		sleep 0.05
	done
	fail "no number shown: $(cat "$T/pam.out")"
}

pam_type() { printf '%s\n' "$1" >&7; }
pam_hang_up() { exec 7>&-; }

pam_end() {
	exec 7>&-
	PAM_RC=0
	wait "$pam_pid" || PAM_RC=$?
	PAM_OUT=$(cat "$T/pam.out")
}

pam_run() {
	pam_start "$1"
	[ $# -lt 2 ] || pam_type "$2"
	pam_end
}

# The one request the device sees now (listen answers at once when there is one).
pending_request() {
	on A listen --once --json >"$T/listen" 2>"$T/listen.err" || fail "listen: $(cat "$T/listen.err")"
	RID=$(json_get "$T/listen" 'd["request_id"]')
}

# assert_pam_ok WHAT / assert_pam_fails WHAT: pamtester's verdict.
assert_pam_ok() {
	[ "$PAM_RC" = 0 ] || fail "$1: pamtester failed ($PAM_RC): $PAM_OUT"
	assert_contains "$PAM_OUT" "pamtester: successfully authenticated" "$1"
}
assert_pam_fails() {
	[ "$PAM_RC" != 0 ] || fail "$1: pamtester succeeded: $PAM_OUT"
	assert_not_contains "$PAM_OUT" "successfully authenticated" "$1"
}

# assert_logged TEXT: a line of the module's log holds TEXT.
assert_logged() {
	for _ in $(seq 1 40); do
		grep -qF -- "$1" "$SYSLOG" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "not in the log: '$1' (log: $(cat "$SYSLOG" 2>/dev/null))"
}

# transcript NAME [NOTE]: a run's screen as a person at a terminal sees it
# (what is typed at the prompt is not echoed), after NOTE (what the device
# did, as "# ..." lines), then the module's log lines of the run, for
# docs/pam.md.
transcript() {
	mkdir -p "$PAM_TRANSCRIPTS"
	sleep 0.2 # the last log line
	{
		[ -z "${2:-}" ] || printf '# %s\n' "$2"
		echo "\$ pamtester authkeep-test ${PAM_USER_RUN} authenticate"
		sed -e "s/$PAM_SERVICE/authkeep-test/g" -e 's/once approved: /once approved: \n/' "$T/pam.out"
		echo "# the log (LOG_AUTHPRIV):"
		tail -n +"$((pam_log_mark + 1))" "$SYSLOG" | sed -e 's/^<[0-9]*>//' \
			-e 's/^[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]* //' -e 's/\[[0-9]*\]/[PID]/' \
			-e "s/$PAM_SERVICE/authkeep-test/g" -e "s|$T|/tmp/T|g"
	} >"$PAM_TRANSCRIPTS/$1.txt"
}
