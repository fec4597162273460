# Shared by the end-to-end tests of imports and exports (tests/lib.sh).
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"

VAULT="$AUTHKEEP_HOME/vault.json"

# A device of its own in $T/NAME, for comparing two vaults.
use_home() { export AUTHKEEP_HOME="$T/$1"; VAULT="$AUTHKEEP_HOME/vault.json"; }

# The exported URIs as JSON accounts (secret in base32, as the URI has it).
uris_to_json() {
	python3 -c '
import json, sys, urllib.parse as up
out = []
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    u = up.urlsplit(line)
    q = dict(up.parse_qsl(u.query))
    label = up.unquote(u.path.lstrip("/"))
    issuer, _, account = label.rpartition(":")
    a = {"type": u.netloc, "issuer": q.get("issuer", issuer), "account": account,
         "secret": q["secret"].upper().rstrip("="), "algorithm": q.get("algorithm", "SHA1").upper(),
         "digits": int(q.get("digits", 6))}
    if u.netloc == "hotp":
        a["counter"] = int(q.get("counter", 0))
    else:
        a["period"] = int(q.get("period", 30))
    out.append(a)
print(json.dumps(out))
'
}

# Everything a user sees of the vault's accounts, ids left out: the list,
# TOTP and Steam codes at three times, and each HOTP account's next code.
vault_signature() {
	local ids
	ak list --json | python3 -c '
import json, sys
for a in json.load(sys.stdin):
    a.pop("id", None)
    print(json.dumps(a, sort_keys=True))'
	for t in 59 1111111109 20000000000; do
		ak code --json --at "$t" | python3 -c '
import json, sys
for a in json.load(sys.stdin):
    print(a["issuer"], a["account"], a["code"])'
	done
	ids=$(ak list --json | python3 -c '
import json, sys
print(" ".join(a["id"] for a in json.load(sys.stdin) if a["type"] == "hotp"))')
	for id in $ids; do
		ak code "$id" --quiet
	done
}

# assert_entry STATUS WHERE: the import's listing in $T/out has that line (columns aligned by spaces).
assert_entry() {
	grep -Fq -- "$2" "$T/out" && grep -F -- "$2" "$T/out" | grep -Eq "^$1 +" ||
		fail "expected an entry '$1 $2' in: $(cat "$T/out")"
}
