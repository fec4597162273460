#!/bin/bash
# Wall time of importing 10,000 accounts into an empty vault, from an Aegis
# plain vault and from a list of otpauth:// URIs, next to the time of one
# vault write alone (renaming one account of the same 10,000-account vault:
# open, change, one atomic save). Whole processes, measured by hyperfine in
# one run; each import starts from a copy of the empty vault. Prints a
# markdown table (docs/benchmarks.md, "Imports"). The vault is unlocked (key
# in the kernel keyring), so no Argon2id runs inside the timings.
#   bench/import.sh          (ACCOUNTS=10000 RUNS=5 by default)
set -eu
cd "$(dirname "$0")/.."
BUILD=${AUTHKEEP_BUILD_ROOT:-$PWD/build}
AUTHKEEP="$BUILD/cli/authkeep"
ACCOUNTS=${ACCOUNTS:-10000}
RUNS=${RUNS:-5}
for tool in hyperfine keyctl python3; do
	command -v "$tool" >/dev/null || {
		echo "bench/import.sh: $tool is missing (scripts/install-deps.sh installs it)" >&2
		exit 1
	}
done
[ -x "$AUTHKEEP" ] || {
	echo "bench/import.sh: $AUTHKEEP is missing: run 'make build' first" >&2
	exit 1
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/authkeep-bench.XXXXXX")
export AUTHKEEP_HOME="$WORK/device"
export AUTHKEEP_PASSPHRASE="bench passphrase"
unset AUTHKEEP_KDF_COST AUTHKEEP_NOW
trap '"$AUTHKEEP" lock >/dev/null 2>&1; rm -rf "$WORK"' EXIT

# The inputs: distinct secrets, a mix of TOTP and HOTP, as an Aegis vault and as URIs.
python3 - "$ACCOUNTS" "$WORK" <<'PY'
import base64, json, sys, uuid
n, work = int(sys.argv[1]), sys.argv[2]
entries, uris = [], []
for i in range(n):
    secret = base64.b32encode(f"authkeep-bench-{i:06d}".encode()).decode().rstrip("=")
    hotp = i % 5 == 0
    info = {"secret": secret, "algo": "SHA1", "digits": 6}
    info.update({"counter": i} if hotp else {"period": 30})
    entries.append({"type": "hotp" if hotp else "totp", "uuid": str(uuid.uuid4()), "name": f"user{i}@example.com",
                    "issuer": f"Service{i}", "icon": None, "info": info})
    kind = "hotp" if hotp else "totp"
    extra = f"&counter={i}" if hotp else ""
    uris.append(f"otpauth://{kind}/Service{i}:user{i}%40example.com?secret={secret}&issuer=Service{i}{extra}")
json.dump({"version": 1, "header": {"slots": None, "params": None}, "db": {"version": 1, "entries": entries}},
          open(f"{work}/aegis.json", "w"))
open(f"{work}/uris.txt", "w").write("\n".join(uris) + "\n")
PY

"$AUTHKEEP" init >/dev/null
"$AUTHKEEP" unlock --for 1h >/dev/null
VAULT="$AUTHKEEP_HOME/vault.json"
cp "$VAULT" "$WORK/empty.json"
"$AUTHKEEP" import "$WORK/aegis.json" >/dev/null
cp "$VAULT" "$WORK/full.json"
[ "$("$AUTHKEEP" list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = "$ACCOUNTS" ] || {
	echo "bench/import.sh: the import did not yield $ACCOUNTS accounts" >&2
	exit 1
}

hyperfine --style none --runs "$RUNS" --export-markdown "$WORK/table.md" \
	-n "import $ACCOUNTS accounts, Aegis plain" --prepare "cp '$WORK/empty.json' '$VAULT'" \
	"'$AUTHKEEP' import '$WORK/aegis.json'" \
	-n "import $ACCOUNTS accounts, otpauth URI list" --prepare "cp '$WORK/empty.json' '$VAULT'" \
	"'$AUTHKEEP' import '$WORK/uris.txt'" \
	-n "re-import the URI list (all identical, no write)" --prepare "cp '$WORK/full.json' '$VAULT'" \
	"'$AUTHKEEP' import '$WORK/uris.txt'" \
	-n "vault write alone: rename one of $ACCOUNTS" --prepare "cp '$WORK/full.json' '$VAULT'" \
	"'$AUTHKEEP' rename Service5000:user5000@example.com renamed" >/dev/null
cat "$WORK/table.md"
echo
echo "Vault file: $(stat -c %s "$WORK/full.json") bytes for $ACCOUNTS accounts; $(nproc) cores; $(date -u +%Y-%m-%d)."
