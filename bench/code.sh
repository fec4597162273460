#!/bin/bash
# Wall time of `authkeep code QUERY` on an unlocked vault of 1,000 accounts,
# next to `pass otp ENTRY` (pass with its otp extension, gpg-agent warm) on a
# password store holding the same 1,000 accounts and `oathtool --totp`
# computing one code from a secret on its command line: whole processes,
# measured by hyperfine in one run. Prints a markdown table with the ratios
# to pass otp and to oathtool (docs/benchmarks.md, "authkeep code vs pass otp
# and oathtool").
#
# The vault is made by the program itself (init, import of an otpauth:// URI
# list, unlock) with the default Argon2id cost: unlocked, `code` opens it
# with the key from the kernel keyring, no KDF. The password store and its
# GnuPG home are throwaway folders: a key without passphrase, one entry per
# account holding the same URI, and the agent stopped at the end.
#   bench/code.sh            (ACCOUNTS=1000 RUNS=300 by default)
. "$(dirname "$0")/lib.sh"
AUTHKEEP="$BUILD/cli/authkeep"
ACCOUNTS=${ACCOUNTS:-1000}
RUNS=${RUNS:-300}
bench_need_tools hyperfine oathtool keyctl gpg gpgconf pass python3
bench_need_built "$AUTHKEEP"
[ -f /usr/lib/password-store/extensions/otp.bash ] ||
	bench_fail "pass's otp extension is missing (scripts/install-deps.sh bench installs it)"

bench_workdir
bench_cleanup() {
	"$AUTHKEEP" lock >/dev/null 2>&1
	gpgconf --kill gpg-agent
}
export AUTHKEEP_HOME="$WORK/device"
export AUTHKEEP_PASSPHRASE="bench passphrase"
unset AUTHKEEP_KDF_COST AUTHKEEP_NOW
export GNUPGHOME="$WORK/gnupg" PASSWORD_STORE_DIR="$WORK/store"
mkdir -m 700 "$GNUPGHOME" "$PASSWORD_STORE_DIR" "$WORK/plain"

# One otpauth:// URI per account, with a distinct secret (the index after a
# fixed prefix, in base32), as a list for the import and as one plain entry
# per account for pass; the account in the middle is the one asked for.
python3 - "$ACCOUNTS" "$WORK" <<'PY'
import base64, sys
n, work = int(sys.argv[1]), sys.argv[2]
with open(f"{work}/uris.txt", "w") as uris:
    for i in range(n):
        secret = base64.b32encode(f"authkeep-bench-{i:04d}".encode()).decode().rstrip("=")
        uri = f"otpauth://totp/Service{i:04d}:user{i:04d}%40example.com?secret={secret}&issuer=Service{i:04d}\n"
        uris.write(uri)
        open(f"{work}/plain/Service{i:04d}", "w").write(uri)
        if i == n // 2:
            open(f"{work}/middle", "w").write(f"{i:04d} {secret}\n")
PY
read -r MIDDLE SECRET <"$WORK/middle"
QUERY="Service$MIDDLE:user"
ENTRY="Service$MIDDLE"

"$AUTHKEEP" init >/dev/null
"$AUTHKEEP" import "$WORK/uris.txt" >/dev/null
"$AUTHKEEP" unlock --for 1h >/dev/null
[ "$("$AUTHKEEP" list --json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')" = "$ACCOUNTS" ] ||
	bench_fail "the import did not yield $ACCOUNTS accounts"

# The store: what `pass init` and `pass insert -m` would write, encrypted by
# one gpg process for all entries (--multifile) rather than one per entry.
gpg --batch --quiet --passphrase '' --quick-gen-key 'Authkeep bench <bench@example.invalid>' \
	default default never 2>/dev/null
KEY=$(gpg --batch --with-colons --list-secret-keys 2>/dev/null | awk -F: '$1 == "fpr" { print $10; exit }')
echo "$KEY" >"$PASSWORD_STORE_DIR/.gpg-id"
gpg --batch --quiet --yes --compress-algo=none --no-encrypt-to -r "$KEY" \
	--encrypt-files --multifile "$WORK"/plain/Service*
mv "$WORK"/plain/Service*.gpg "$PASSWORD_STORE_DIR/"
rm -rf "$WORK/plain"
[ "$(find "$PASSWORD_STORE_DIR" -name '*.gpg' | wc -l)" = "$ACCOUNTS" ] ||
	bench_fail "the password store does not hold $ACCOUNTS entries"

# No passphrase from here: the key in the keyring opens the vault. A run of
# each warms the caches and gpg-agent (its first decryption loads the key);
# all three must print the same code (a second try in case the 30-second
# step changed in between).
unset AUTHKEEP_PASSPHRASE
same_codes() {
	a=$("$AUTHKEEP" code "$QUERY" --quiet </dev/null)
	p=$(pass otp "$ENTRY")
	o=$(oathtool --totp -b "$SECRET")
	[ "$a" = "$p" ] && [ "$a" = "$o" ]
}
same_codes || same_codes || bench_fail "the codes differ: authkeep $a, pass otp $p, oathtool $o"

bench_machine
echo "Vault: $ACCOUNTS accounts, $(stat -c %s "$AUTHKEEP_HOME/vault.json") bytes; query '$QUERY'." \
	"Password store: $ACCOUNTS entries; entry '$ENTRY'; key $(gpg --batch --with-colons --list-keys "$KEY" 2>/dev/null |
		awk -F: '$1 == "pub" { print ($4 == 1 ? "RSA" : "algorithm " $4) ", " $3 " bits"; exit }')."
echo
hyperfine -N --warmup 20 --runs "$RUNS" --style none --export-json "$WORK/runs.json" \
	-n "authkeep code QUERY ($ACCOUNTS accounts, unlocked)" "$AUTHKEEP code $QUERY --quiet" \
	-n "pass otp ENTRY ($ACCOUNTS entries, gpg-agent warm)" "pass otp $ENTRY" \
	-n "oathtool --totp -b SECRET (one code)" "oathtool --totp -b $SECRET" >"$WORK/hyperfine.txt" 2>&1 || {
	cat "$WORK/hyperfine.txt" >&2
	bench_fail "hyperfine failed"
}
echo "Load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
# Means and minima in ms; the ratios of the means to pass otp's and to oathtool's.
python3 - "$WORK/runs.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
pass_mean, oath_mean = results[1]["mean"], results[2]["mean"]
print("| Command | Mean ± σ [ms] | Min [ms] | Max [ms] | / pass otp | / oathtool |")
print("|:---|---:|---:|---:|---:|---:|")
for r in results:
    print(f"| `{r['command']}` | {r['mean'] * 1e3:.2f} ± {r['stddev'] * 1e3:.2f} | {r['min'] * 1e3:.2f} "
          f"| {r['max'] * 1e3:.2f} | {r['mean'] / pass_mean:.2f} | {r['mean'] / oath_mean:.2f} |")
PY
