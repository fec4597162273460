#!/bin/bash
# Times are printed with their zone: the local time and its offset from UTC
# (unlock's end, and every time of backup, devices, contacts and recovery,
# which share cli_time), the zone's name on watch's clock (tests/cli/watch-fit.sh).
. "$AUTHKEEP_SOURCE_ROOT/tests/cli/helpers.sh"
keyctl show @s >/dev/null 2>&1 || skip "the kernel session keyring is not available here"
ak init >/dev/null || fail "init"
# A zone of the POSIX form, which needs no time zone database: 5:30 east of UTC.
for zone in "XST-5:30 +0530" "UTC0 +0000" "YST7 -0700"; do
	set -- $zone
	out=$(TZ=$1 keyctl session - "$AUTHKEEP_BIN" unlock --for 1m 2>&1) || fail "unlock: $out"
	echo "$out" | grep -Eq "^Unlocked until [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} \\$2;" ||
		fail "TZ=$1: the time and its offset $2: $out"
done
echo "ok"
