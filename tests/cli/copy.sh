#!/bin/bash
# authkeep code QUERY --copy: through a clipboard tool found on PATH (an
# xclip that keeps what it is given and records how it was called), the
# code on its standard input and never on a command line, and the clipboard
# cleared when the code expires only if it still holds the code; else the
# terminal's OSC 52 sequence, read from a pty, and its clearing.
. "$AUTHKEEP_SOURCE_ROOT/tests/cli/helpers.sh"
setup_three

# Waits up to 30 s for FILE to hold TEXT.
wait_for_file() {
	for _ in $(seq 300); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "waiting for '$2' in $1; it holds: $(cat "$1" 2>/dev/null)"
}

mkdir "$T/bin"
cat >"$T/bin/xclip" <<'XCLIP'
#!/bin/bash
# Each call: its arguments on one line of the log; the clipboard is a file.
echo "args: $*" >>"$FAKE_CLIP.log"
case " $* " in
*" -o "*) cat "$FAKE_CLIP" ;;
*) cat >"$FAKE_CLIP.new" && mv "$FAKE_CLIP.new" "$FAKE_CLIP" && echo "got: $(cat "$FAKE_CLIP")" >>"$FAKE_CLIP.log" ;;
esac
XCLIP
chmod +x "$T/bin/xclip"
export FAKE_CLIP="$T/clipboard"
clip() { DISPLAY=:42 PATH="$T/bin:$PATH" "$@"; }
unset WAYLAND_DISPLAY

# --copy needs one account and is not for --json.
assert_exit 2 ak code --copy
assert_exit 2 ak code github --copy --json

# At 59 s, GitHub's code (every 30 s) has 1 s left: copied, then cleared.
code=$(oathtool --totp -b -N @59 "$SEED1")
AUTHKEEP_NOW=59 clip assert_ok ak code github --copy
assert_eq "" "$(cat "$T/err")" "nothing on stderr"
assert_not_contains "$(cat "$T/out")" "$code" "the code is not printed"
assert_contains "$(cat "$T/out")" "copied with xclip; cleared in 1 s" "what was done"
assert_eq "$code" "$(cat "$FAKE_CLIP")" "the clipboard holds the code"
assert_eq "args: -selection clipboard" "$(head -n 1 "$FAKE_CLIP.log")" "xclip's arguments"
wait_for_file "$FAKE_CLIP.log" "args: -selection clipboard -o"
wait_for_file "$FAKE_CLIP.log" "got: "$'\n'
for _ in $(seq 300); do [ -s "$FAKE_CLIP" ] || break; sleep 0.1; done
assert_eq "" "$(cat "$FAKE_CLIP")" "cleared at expiry"
assert_not_contains "$(cat "$FAKE_CLIP.log" | grep '^args')" "$code" "never on a command line"

# The clipboard changed meanwhile: left alone.
rm -f "$FAKE_CLIP.log"
AUTHKEEP_NOW=55 clip assert_ok ak code github --copy --quiet
assert_eq "" "$(cat "$T/out")" "--copy --quiet prints nothing"
echo "something else" >"$FAKE_CLIP"
wait_for_file "$FAKE_CLIP.log" "args: -selection clipboard -o"
sleep 1
assert_eq "something else" "$(cat "$FAKE_CLIP")" "another copy is not cleared"
assert_eq 2 "$(grep -c '^args' "$FAKE_CLIP.log")" "one copy and one read back, no clear"

# HOTP: the counter advances, the code is copied.
clip assert_ok ak code vpn --copy
assert_eq "$(oathtool --hotp -b -c 0 JBSWY3DPEHPK3PXP)" "$(cat "$FAKE_CLIP")" "the HOTP code"
assert_contains "$(cat "$T/out")" "cleared in 30 s" "an HOTP code stays 30 s"

# A tool that fails: one line, exit 1.
printf '#!/bin/sh\nexit 1\n' >"$T/bin/xclip"
clip assert_fails ak code github --copy
assert_one_error_line "xclip failed"

# No tool and no terminal: one line.
DISPLAY= assert_fails setsid -w "$AUTHKEEP_BIN" code github --copy </dev/null
assert_one_error_line "no terminal"

# OSC 52 on a terminal (a pty): the exact sequence, then the empty one at
# expiry. The shell stays on the terminal meanwhile, as a login shell does.
python3 - "$AUTHKEEP_BIN" "$T/pty.out" <<'PY' || fail "running on a pty"
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.environ.pop("DISPLAY", None)
    os.environ.pop("WAYLAND_DISPLAY", None)
    os.environ["AUTHKEEP_NOW"] = "59"
    os.execvp("sh", ["sh", "-c", '"$0" code github --copy; echo rc=$?; sleep 8', sys.argv[1]])
data = b""
deadline = time.monotonic() + 40
while time.monotonic() < deadline:
    r, _, _ = select.select([fd], [], [], 1)
    if r:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
        if b"\x1b]52;c;\x07" in data:
            break
open(sys.argv[2], "wb").write(data)
PY
expected=$(printf '%s' "$code" | base64)
python3 - "$T/pty.out" "$expected" <<'PY' || fail "the OSC 52 bytes: $(od -c "$T/pty.out" | head -n 20)"
import sys
data = open(sys.argv[1], "rb").read()
want = b"\x1b]52;c;" + sys.argv[2].encode() + b"\x07"
assert data.count(want) == 1, data
assert b"rc=0" in data, data
assert b"through the terminal (OSC 52)" in data, data
# The clearing comes after the copy, and the code is nowhere else in the clear.
assert data.index(b"\x1b]52;c;\x07") > data.index(want), data
PY
echo "ok"
