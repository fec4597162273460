#!/bin/bash
# An import is one vault write: an import killed (SIGKILL) at any moment
# leaves the vault either as it was or with every account added, never in
# between, and it still opens.
. "$AUTHKEEP_SOURCE_ROOT/tests/import/helpers.sh"

ak init >/dev/null || fail "init"
ak add 'otpauth://totp/Keep:me?secret=GEZDGNBVGY3TQOJQ&issuer=Keep' >/dev/null || fail "add"
python3 -c '
import base64
for i in range(10000):
    s = base64.b32encode(f"crash-test-{i:06d}".encode()).decode().rstrip("=")
    print(f"otpauth://totp/Service{i}:user{i}?secret={s}&issuer=Service{i}")' >"$T/many.txt"

count() { ak list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
cp "$VAULT" "$T/before.json"
before=$(count)
seen_before=0 seen_after=0
for delay in 0.01 0.03 0.06 0.1 0.15 0.2 0.3 0.45 0.7 1; do
	cp -p "$T/before.json" "$VAULT"
	"$AUTHKEEP_BIN" import "$T/many.txt" >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	after=$(count) || fail "the vault does not open after an import killed at ${delay}s"
	case "$after" in
	"$before") cmp -s "$VAULT" "$T/before.json" || fail "killed at ${delay}s: same count but the file changed" ;;
	$((before + 10000))) ;;
	*) fail "killed at ${delay}s: $after accounts, expected $before or $((before + 10000))" ;;
	esac
	echo "killed at ${delay}s: $after accounts"
	if [ "$after" = "$before" ]; then seen_before=1; else seen_after=1; fi
done
echo "ok (seen unchanged: $seen_before, seen complete: $seen_after)"
