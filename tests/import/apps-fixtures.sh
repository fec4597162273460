#!/bin/bash
# The real exports of FreeOTP (tokens.xml and FreeOTP 2's encrypted backup),
# FreeOTP+, Authy, Battle.net, TOTP Authenticator and Authenticator Plus in
# the interop fixtures (more/): each is recognised without --format, each
# encrypted one refuses a wrong password as such, and each yields the
# accounts of more/expected.json, field by field, with the codes oathtool
# gives (tests/import/accounts_check.py). Importing again adds nothing.
. "$AUTHKEEP_SOURCE_ROOT/tests/import/helpers.sh"

F=${AUTHKEEP_FIXTURES:-}/more
[ -f "$F/expected.json" ] || skip "no interop fixtures at '$F' (../shared/fixtures/interop/more is absent)"
command -v oathtool >/dev/null || skip "no oathtool"

# TOTP Authenticator's backup gives each account's digits and period, which
# expected.json leaves at Aegis's defaults (its note): the app's codes are
# the file's, SHA-1 with those digits and periods.
python3 - "$F/expected.json" "$T/expected.json" <<'PY'
import json, sys
exp = json.load(open(sys.argv[1]))
for a in exp["files"]["totp_authenticator.bin"]["accounts"]:
    a.update({"SPDX": {"digits": 7, "period": 20}, "Airbnb": {"digits": 8, "period": 50}}.get(a["issuer"], {}))
json.dump(exp, open(sys.argv[2], "w"))
PY

n=0
for file in freeotp.xml freeotp_v2_api23.xml freeotp_plus.json authy_plain.xml \
	battle_net_authenticator.xml totp_authenticator.bin authenticator_plus.zip; do
	n=$((n + 1))
	use_home "home$n"
	ak init >/dev/null || fail "init"
	password=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["files"][sys.argv[2]]["password"] or "")' \
		"$F/expected.json" "$file")
	if [ -n "$password" ]; then
		AUTHKEEP_IMPORT_PASSWORD=wrong assert_fails ak import "$F/$file"
		assert_contains "$(cat "$T/err")" "wrong password" "$file with a wrong password"
		assert_contains "$(ak list)" "No accounts yet" "$file: nothing imported with a wrong password"
	fi
	AUTHKEEP_IMPORT_PASSWORD="$password" assert_ok ak import --dry-run "$F/$file"
	count=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["files"][sys.argv[2]]["accounts"]))' \
		"$F/expected.json" "$file")
	assert_contains "$(cat "$T/out")" "dry run: $count new, 0 identical, 0 conflicting, 0 unreadable" "$file: dry run"
	AUTHKEEP_IMPORT_PASSWORD="$password" assert_ok ak import "$F/$file"
	python3 "$AUTHKEEP_SOURCE_ROOT/tests/import/accounts_check.py" "$T/expected.json" "$file" ||
		fail "$file: accounts differ from expected.json"
	AUTHKEEP_IMPORT_PASSWORD="$password" assert_ok ak import "$F/$file"
	assert_contains "$(cat "$T/out")" "imported: 0 added" "$file again"
done
echo "ok: $n files"
