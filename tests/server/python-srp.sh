#!/bin/bash
# Interoperation: Debian's python3-srp (rfc5054_enable, SHA-256, the 4096-bit
# group) makes the verifier, signs in to a real authkeepd and checks M2.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"

# Only Debian's own interpreter sees Debian's python3-srp.
[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 is not installed"
/usr/bin/python3 -c 'import srp' 2>/dev/null || skip "python3-srp is not installed"

authkeepd_start
for i in 1 2 3; do
	/usr/bin/python3 "$AUTHKEEP_SOURCE_ROOT/tests/server/python_srp.py" "$SERVER_URL" "user$i@example.com" \
		>"$T/out" 2>&1 || fail "python3-srp: $(cat "$T/out")"
	assert_contains "$(cat "$T/out")" "M2 verified" "python3-srp run $i"
done
echo ok
