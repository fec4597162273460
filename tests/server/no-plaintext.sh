#!/bin/bash
# The server never holds a secret: after a full run (accounts with recovery
# codes, sign-ins, password change, backups, sign out), neither the SQLite
# files nor the log contain a login key, a recovery key, a session token
# (as text or as raw bytes), and the log holds no email.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"

authkeepd_start
secrets=()
for who in peggy victor; do
	k=$(new_key)
	r=$(new_key)
	n=$(new_key)
	secrets+=("$k" "$r" "$n")
	create_account "$who@example.com" "$k" "$r"
	expect 201 "" "create $who"
	signin "$who@example.com" "$k"
	secrets+=("$TOKEN")
	put_backup 0 laptop
	put_backup 1 laptop
	api POST /v1/password "$(with_proof "$who@example.com" "$k" password \
		"$("$SRP_TOOL" credential "$who@example.com" "$n")")"
	expect 204 "" "password change"
	signin "$who@example.com" "$r" recovery
	secrets+=("$TOKEN")
	api GET '/v1/backup?version=1'
	api DELETE /v1/session
	"$SRP_TOOL" signin "$SERVER_URL" "$who@example.com" "$k" >/dev/null # the old key fails
done
authkeepd_stop || exit 1 # flushes the log; the WAL stays as it is

# Every secret as text, as raw bytes, and in base64; searched in every file.
/usr/bin/env python3 - "$T" "${secrets[@]}" <<'PY' || fail "a secret is stored"
import base64, glob, sys
folder, secrets = sys.argv[1], sys.argv[2:]
files = glob.glob(folder + "/server.db*") + [folder + "/server.log", folder + "/server.stderr"]
needles = []
for s in secrets:
    needles.append(s.encode())
    if len(s) == 64:  # hex keys
        raw = bytes.fromhex(s)
    else:  # base64url tokens
        raw = base64.urlsafe_b64decode(s + "=")
    needles += [raw, base64.b64encode(raw), raw.hex().encode()]
bad = 0
for f in files:
    try:
        data = open(f, "rb").read()
    except FileNotFoundError:
        continue
    for n in needles:
        if n in data:
            print(f"{f} holds a secret", file=sys.stderr)
            bad += 1
sys.exit(1 if bad else 0)
PY
ls "$T"/server.db* >/dev/null || fail "no database files"
assert_not_contains "$(cat "$T/server.log")" "@example.com" "no email in the log"
assert_not_contains "$(cat "$T/server.log")" "Bearer" "no header in the log"
echo ok
