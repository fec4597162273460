#!/bin/bash
# WinAuth's text export: otpauth:// URIs with WinAuth's own parameters; its
# Steam authenticators (digits=5, issuer Steam, with or without the Steam
# app's deviceid and data) are Steam entries whose codes are Steam's five
# characters, Battle.net's TOTP with 8 digits. Recognised by WinAuth's
# parameters, or named with --format winauth.
. "$AUTHKEEP_SOURCE_ROOT/tests/import/formats-lib.sh"

make winauth "$T/winauth.txt"
import_checked "WinAuth export" "$T/winauth.txt" "$T/winauth.txt.want"
assert_ok ak import "$T/winauth.txt" --dry-run
# Without WinAuth's parameters it is a URI list, unless named.
grep -v -e deviceid -e serial "$T/winauth.txt" >"$T/plain.txt"
python3 -c '
import json, sys
w = [a for a in json.load(open(sys.argv[1])) if a["name"] not in ("sophia", "US-1234-5678-9012")]
json.dump(w, open(sys.argv[2], "w"))' "$T/winauth.txt.want" "$T/plain.want"
import_checked "named WinAuth" "$T/plain.txt" "$T/plain.want" "" -- --format winauth
echo "ok"
