#!/bin/bash
# What is backed up: the accounts, their order and the settings, and nothing
# device-bound. The backup stored on the server is decrypted here with the
# backup key from the device, and searched for the device id, the device key
# pair, the vault id, the session token, the backup key itself, and the
# device-bound secret of every personal and work account: those go in only
# as references.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"
SHOW="$AUTHKEEP_BUILD_ROOT/tests/backup/show_backup"

start_server
device_a_backed_up
# A setting of the app travels with the backup (set here by a helper: no
# command sets one yet); the next change backs it up.
AUTHKEEP_HOME="$T/A" "$SHOW" setting code.group digits3 >/dev/null || fail "setting"
# A work account, as an enrolment makes it, with its device-bound secret.
AUTHKEEP_HOME="$T/A" "$SHOW" add-work "Acme Corp" "staff.six@acme.example" >/dev/null || fail "work account"
assert_ok on A rename "Steam" "gamer.renamed"
PLAINTEXT+=("gamer.renamed")
# Backup on registered the device when the server registers devices: a
# personal entry for the recovery account, with this device's own code.
personal=$(on A list --json | "$SYS_PY" -c 'import json,sys; print(sum(a["kind"] == "personal" for a in json.load(sys.stdin)))')
AUTHKEEP_HOME="$T/A" "$SHOW" "$DB" >"$T/show" || fail "show_backup: $(cat "$T/show")"

assert_eq "accounts $((6 + personal))" "$(grep '^accounts ' "$T/show")" "every account in the backup"
grep '^payload ' "$T/show" | cut -c9- >"$T/payload"
"$SYS_PY" - "$T/payload" "$personal" "$SERVER" "$EMAIL" <<'PY' || fail "payload: $(cat "$T/payload")"
import json, sys
p = json.load(open(sys.argv[1]))
personal, server, email = int(sys.argv[2]), sys.argv[3], sys.argv[4]
assert set(p) <= {"format", "version", "accounts", "settings"}, f"unexpected top-level keys: {sorted(p)}"
assert p["settings"] == {"code.group": "digits3"}, p["settings"]
third = [a for a in p["accounts"] if a["kind"] == "third_party"]
names = [a.get("issuer") for a in third]
assert names == ["Forge Hub", "Cloud Bank", "Mail Co", "Old VPN", "Steam"], names
# Personal and work accounts are references: what names them, nothing else.
refs = [a for a in p["accounts"] if a["kind"] != "third_party"]
assert sorted(a["kind"] for a in refs) == ["personal"] * personal + ["work"], refs
for a in refs:
    allowed = {"id", "kind", "issuer", "name", "created"}
    if a["kind"] == "personal":
        allowed |= {"server", "email"}
        assert (a["server"], a["email"]) == (server, email), a
    assert set(a) <= allowed, f"a {a['kind']} reference holds {sorted(set(a) - allowed)}"
def keys(x, path=""):
    if isinstance(x, dict):
        for k, v in x.items():
            yield path + "." + k
            yield from keys(v, path + "." + k)
    elif isinstance(x, list):
        for v in x:
            yield from keys(v, path + "[]")
for k in keys(p):
    low = k.lower()
    for word in ("device", "local", "private", "signing", "token", "backup_key", "session"):
        assert word not in low.split(".")[-1], f"device-bound field {k}"
PY
# The secrets are there (the backup is useful) ...
for s in JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U; do
	grep -q "$s" "$T/payload" || grep -qi "$(echo "$s" | tr 'A-Z' 'a-z')" "$T/payload" ||
		"$SYS_PY" -c 'import base64,sys; s=sys.argv[1]; p=open(sys.argv[2]).read(); b=base64.b32decode(s+"="*(-len(s)%8)); sys.exit(0 if (base64.b64encode(b).decode().rstrip("=") in p or b.hex() in p) else 1)' "$s" "$T/payload" ||
		fail "secret $s not in the payload"
done
# ... and nothing of the device is.
while read -r _ name value; do
	[ -n "$value" ] || continue
	if grep -qiF "$value" "$T/payload"; then
		fail "the backup holds the device's $name"
	fi
done < <(grep '^fact ' "$T/show")
# The device's seven facts and its key pair, and two forms of each
# device-bound secret: the work account's, and the personal entry's.
assert_eq $((9 + 2 + 2 * personal)) "$(grep -c '^fact ' "$T/show")" "facts checked"
# The backup key never reaches the server, in any form.
PLAINTEXT+=("$(grep '^fact backup_key ' "$T/show" | cut -d' ' -f3)")

# Recovery brings the setting back; one the device has already is kept.
new_device B
assert_ok on B recover --server "$SERVER" --email "$EMAIL"
assert_eq digits3 "$(AUTHKEEP_HOME="$T/B" "$SHOW" setting code.group)" "setting recovered"
new_device C
AUTHKEEP_HOME="$T/C" "$SHOW" setting code.group none >/dev/null || fail "setting on C"
assert_ok on C recover --server "$SERVER" --email "$EMAIL"
assert_eq none "$(AUTHKEEP_HOME="$T/C" "$SHOW" setting code.group)" "C's own setting kept"

stop_server
check_no_plaintext
