#!/bin/bash
# `make demo` (scripts/demo.sh, then its cloud part scripts/demo-cloud.sh)
# runs to the end and shows what it promises: one device's accounts and
# codes, then the same codes on two devices, and the refusal; each device's
# own code for the personal account, accepted; a push sign-in approved with
# the number only the requester saw.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"

"$AUTHKEEP_SOURCE_ROOT/scripts/demo.sh" >"$T/demo" 2>&1 || fail "demo.sh: $(tail -n 20 "$T/demo")"
out=$(cat "$T/demo")
assert_contains "$out" "Done with one device" "the device part"
assert_contains "$out" "VPN:alice" "the HOTP account"
assert_contains "$out" "Backup is on: 3 accounts backed up to alice@example.com (version 1" "backup on"
assert_contains "$out" "Recovered 3 accounts from backup version 2" "recovered"
assert_contains "$out" "3 accounts of the backup already exist on this device" "refusal"
assert_contains "$out" "0 new, 3 identical, 0 conflicting" "dry run"
assert_eq 2 "$(grep -c '^{"device_id":"[0-9a-f]\{32\}"}$' "$T/demo")" "both devices' own codes accepted"
assert_contains "$out" "Approved: the sign-in to alice@example.com from 127.0.0.1 (demo) goes ahead." "push approved"
assert_contains "$out" '{"state":"approved"}' "the requester's wait"
/usr/bin/python3 - "$T/demo" <<'PY' || fail "the device saw the number: $(grep -A1 'What device A saw' "$T/demo")"
import json, re, sys
text = open(sys.argv[1]).read()
number = json.loads(re.search(r'^(\{"request_id".*"number".*\})$', text, re.M).group(1))["number"]
seen = re.search(r"What device A saw:\n(.*)\n", text).group(1)
r = json.loads(seen)
assert "number" not in r and str(number) not in seen.replace(r["request_id"], "").replace(str(r["expires_at"]), ""), seen
PY
# The two code tables (A's, then B's) are the same.
/usr/bin/python3 - "$T/demo" <<'PY2' || fail "codes differ"
import re, sys
text = open(sys.argv[1]).read()
tables = re.findall(r"\$ authkeep code --at \d+\n((?:.+\n){4})", text)
assert len(tables) == 2 and tables[0] == tables[1], tables
PY2
