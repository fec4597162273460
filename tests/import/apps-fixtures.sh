#!/bin/bash
# The real exports of FreeOTP (tokens.xml and FreeOTP 2's encrypted backup),
# FreeOTP+, Authy, Battle.net, TOTP Authenticator and Authenticator Plus in
# the interop fixtures (more/): each is recognised without --format, each
# encrypted one refuses a wrong password as such, and each yields the
# accounts of more/expected.json, field by field, with the codes oathtool
# gives (tests/import/check_accounts.py). Importing again adds nothing.
. "$AUTHKEEP_SOURCE_ROOT/tests/import/lib-apps.sh"

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

AGAIN=1
for file in freeotp.xml freeotp_v2_api23.xml freeotp_plus.json authy_plain.xml \
	battle_net_authenticator.xml totp_authenticator.bin authenticator_plus.zip; do
	check_export "$F" "$T/expected.json" "$file"
done
echo "ok: $n files"
