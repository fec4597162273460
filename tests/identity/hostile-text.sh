#!/bin/bash
# Names with terminal escapes: a requester's app name is refused by the
# server, and a device name by the device before anything is sent, each with
# a line that says why and holds no control character.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/identity/lib-identity.sh"

# no_controls FILE WHAT: FILE holds no ESC, BEL or other C0 control but newline.
no_controls() {
	"$SYS_PY" - "$1" <<'PY' || fail "$2: control characters in $(od -c "$1" | head -n 5)"
import sys
data = open(sys.argv[1], "rb").read()
bad = [b for b in data if (b < 0x20 and b not in (0x0a,)) or b == 0x7f]
sys.exit(1 if bad else 0)
PY
}

start_server
need_identity
device_a_backed_up

# A requester that names its app with escapes (to retitle the terminal and
# colour it) is refused, and nothing reaches the device.
evil='evil\u001b]0;pwned\u0007\u001b[31mred'
status=$(curl -s -o "$T/signin" -w '%{http_code}' -H 'Content-Type: application/json' \
	-d "{\"email\":\"$EMAIL\",\"app\":\"$evil\"}" "$SERVER/v1/signin")
assert_eq 400 "$status" "an app name with escapes"
assert_contains "$(cat "$T/signin")" "app: no control characters" "says why"

# A device name with escapes is refused before anything happens; the line
# that says so is safe text too.
new_device B
assert_fails on B recover --server "$SERVER" --email "$EMAIL" \
	--device-name "$(printf 'b\033[2J\033]0;x\007ad')"
assert_contains "$(cat "$T/err")" "--device-name: device name: no control characters" "says why"
no_controls "$T/err" "the refusal"
assert_eq "A true" "$(devices_of A)" "no device was registered"
assert_eq 0 "$(carried_json B list | "$SYS_PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')" "nothing recovered"
echo ok
