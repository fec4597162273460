#!/bin/bash
# Wall time of `authkeep code QUERY` on an unlocked vault of 1,000 accounts
# next to `oathtool --totp` for one code, both as whole processes, measured
# by hyperfine in one run. Prints a markdown table (docs/benchmarks.md,
# "authkeep code vs oathtool"). The vault uses the default Argon2id cost:
# unlocked, `code` opens it with the key from the kernel keyring, no KDF.
#   bench/code.sh            (ACCOUNTS=1000 RUNS=300 by default)
set -eu
cd "$(dirname "$0")/.."
BUILD=${AUTHKEEP_BUILD_ROOT:-$PWD/build}
AUTHKEEP="$BUILD/cli/authkeep"
ACCOUNTS=${ACCOUNTS:-1000}
RUNS=${RUNS:-300}
for tool in hyperfine oathtool keyctl; do
	command -v "$tool" >/dev/null || {
		echo "bench/code.sh: $tool is missing (scripts/install-deps.sh installs it)" >&2
		exit 1
	}
done
[ -x "$AUTHKEEP" ] || {
	echo "bench/code.sh: $AUTHKEEP is missing: run 'make build' first" >&2
	exit 1
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/authkeep-bench.XXXXXX")
export AUTHKEEP_HOME="$WORK/device"
export AUTHKEEP_PASSPHRASE="bench passphrase"
unset AUTHKEEP_KDF_COST AUTHKEEP_NOW
trap '"$AUTHKEEP" lock >/dev/null 2>&1; rm -rf "$WORK"' EXIT

"$AUTHKEEP" init >/dev/null
"$AUTHKEEP" unlock --for 1h >/dev/null
SECRET=JBSWY3DPEHPK3PXP
for i in $(seq -w 1 "$ACCOUNTS"); do
	# A distinct secret per account: the index in base32 after a fixed prefix.
	s=$(printf 'authkeep-bench-%s' "$i" | base32 | tr -d '=')
	"$AUTHKEEP" add --issuer "Service$i" --account "user$i@example.com" --secret "$s" >/dev/null
done
QUERY="Service$(printf '%0*d' ${#ACCOUNTS} $((ACCOUNTS / 2))):user"
# A second device holding one account, and `--version` of both programs, show
# what start-up alone costs.
SMALL="$WORK/small"
AUTHKEEP_HOME="$SMALL" "$AUTHKEEP" init >/dev/null
AUTHKEEP_HOME="$SMALL" "$AUTHKEEP" unlock --for 1h >/dev/null
AUTHKEEP_HOME="$SMALL" "$AUTHKEEP" add --issuer Single --account one --secret "$SECRET" >/dev/null
trap '"$AUTHKEEP" lock >/dev/null 2>&1; AUTHKEEP_HOME="$SMALL" "$AUTHKEEP" lock >/dev/null 2>&1; rm -rf "$WORK"' EXIT
# No passphrase from here: the key in the keyring opens the vault.
unset AUTHKEEP_PASSPHRASE
"$AUTHKEEP" code "$QUERY" --quiet </dev/null >/dev/null

echo "Machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "Vault: $ACCOUNTS accounts, $(stat -c %s "$AUTHKEEP_HOME/vault.json") bytes; query '$QUERY'"
echo
hyperfine -N --warmup 20 --runs "$RUNS" --style none --export-markdown "$WORK/table.md" \
	-n "authkeep code QUERY ($ACCOUNTS accounts, unlocked)" "$AUTHKEEP code $QUERY --quiet" \
	-n "authkeep code QUERY (1 account, unlocked; through env)" "env AUTHKEEP_HOME=$SMALL $AUTHKEEP code Single --quiet" \
	-n "oathtool --totp (one code)" "oathtool --totp -b $SECRET" \
	-n "authkeep --version (start-up only)" "$AUTHKEEP --version" \
	-n "oathtool --version (start-up only)" "oathtool --version" >"$WORK/hyperfine.txt" 2>&1
cat "$WORK/table.md"
