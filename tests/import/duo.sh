#!/bin/bash
# Duo Mobile's accounts.json: third-party accounts (TOTP, and HOTP where the
# generator has a counter, kept as the file says) are read; Duo's own push
# accounts hold no secret and are listed as unreadable with why. A Duo
# export is no longer taken for andOTP ("secret: missing").
. "$AUTHKEEP_SOURCE_ROOT/tests/import/formats-lib.sh"

if have_more duo.json; then
	more_checked duo.json
	dry_run_named "--format duo" "$MORE/duo.json" 2 --format duo
	assert_not_contains "$(cat "$T/out")" "secret: missing" "the real Duo export"
fi
make duo "$T/duo.json"
fresh_device
assert_fails ak import "$T/duo.json" --dry-run
assert_contains "$(cat "$T/out")" "dry run: 2 new, 0 identical, 0 conflicting, 1 unreadable" "dry run"
grep -Eq '^unreadable +account 3 \(Work VPN\) +the account type is not supported: a Duo Push account \(DuoAccount\) holds no OTP secret' "$T/out" ||
	grep -Eq '^unreadable +account 3 \(Work VPN\) +.*a Duo Push account \(DuoAccount\) holds no OTP secret' "$T/out" ||
	fail "the push account is listed with its reason: $(cat "$T/out")"
assert_fails ak import "$T/duo.json" --partial
assert_contains "$(cat "$T/out")" "imported: 2 added" "--partial"
check_vault "$T/duo.json.want"
echo "ok"
