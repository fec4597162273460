#!/bin/bash
# An Aegis export whose password slots ask for a far costlier scrypt than
# Aegis writes (N=2^15, r=8, p=1) is refused before any derivation, quickly
# and in one line; so is one with more password slots than are ever tried.
# Aegis's own cost still imports (tests/import/fixtures.sh reads real files).
. "$AUTHKEEP_SOURCE_ROOT/tests/import/helpers.sh"

ak init >/dev/null || fail "init"
sum=$(file_sum "$VAULT")
export AUTHKEEP_IMPORT_PASSWORD="the export's password"

# aegis_file N R P SLOTS: an encrypted Aegis vault whose SLOTS password slots
# use scrypt N, r, p (the slots do not decrypt: nothing is to be derived).
aegis_file() {
	python3 - "$@" <<'PY'
import base64, json, os, sys
n, r, p, count = map(int, sys.argv[1:5])
hexb = lambda k: os.urandom(k).hex()
slot = lambda: {"type": 1, "uuid": "0f2f6e6a-6c1b-4a36-9bcb-3b1b0c6e4d11", "key": hexb(32),
                "key_params": {"nonce": hexb(12), "tag": hexb(16)},
                "n": n, "r": r, "p": p, "salt": hexb(32), "repaired": True}
print(json.dumps({"version": 1,
                  "header": {"slots": [slot() for _ in range(count)],
                             "params": {"nonce": hexb(12), "tag": hexb(16)}},
                  "db": base64.b64encode(os.urandom(64)).decode()}))
PY
}

# Runs a command that must fail and prints how long it took. That the
# refusal comes before any key derivation is in its words; minutes of
# scrypt would end in the test's timeout. The time is shown, not asserted.
timed_fail() {
	local start
	start=$(date +%s%N)
	assert_fails "$@"
	echo "refused in $((($(date +%s%N) - start) / 1000000)) ms: $*"
}

# N=2^20, r=8, p=64 in many slots: minutes of scrypt before; refused now.
aegis_file 1048576 8 64 12 >"$T/costly.json"
timed_fail ak import "$T/costly.json"
assert_one_error_line "the file asks for a key derivation far costlier than Aegis makes (N=1048576, r=8, p=64"
assert_contains "$(cat "$T/err")" "refusing" "the refusal says so"
assert_eq "$sum" "$(file_sum "$VAULT")" "a refused import changes nothing"

# A costly slot behind a cheap one is refused too, before the cheap one is tried.
python3 - "$T/costly.json" <<'PY' >"$T/mixed.json"
import json, sys
f = json.load(open(sys.argv[1]))
cheap = dict(f["header"]["slots"][0], n=1024, r=8, p=1)
f["header"]["slots"] = [cheap, f["header"]["slots"][1]]
print(json.dumps(f))
PY
timed_fail ak import "$T/mixed.json" --dry-run
assert_one_error_line "far costlier than Aegis makes (N=1048576, r=8, p=64"

# Just past the cap (N*r*p = 2^21 * 2), and more memory than 1 GiB.
aegis_file 65536 8 8 1 >"$T/past.json"
assert_fails ak import "$T/past.json"
assert_one_error_line "far costlier than Aegis makes (N=65536, r=8, p=8"
aegis_file 2097152 8 1 1 >"$T/memory.json"
assert_fails ak import "$T/memory.json"
assert_one_error_line "far costlier than Aegis makes (N=2097152, r=8, p=1"

# Many cheap slots: at most 4 are tried; more are refused at once.
aegis_file 1024 8 1 5 >"$T/many.json"
timed_fail ak import "$T/many.json"
assert_one_error_line "more than 4 password slots"

# Within the cap the slots are tried, and the wrong password is the answer.
aegis_file 1024 8 1 4 >"$T/cheap.json"
assert_fails ak import "$T/cheap.json"
assert_one_error_line "password"
assert_not_contains "$(cat "$T/err")" "costlier" "a cheap file is not refused for its cost"
assert_eq "$sum" "$(file_sum "$VAULT")" "refused imports change nothing"

# Aegis's own cost passes the check: an export made here imports back.
ak add "otpauth://totp/ACME:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME" >/dev/null ||
	fail "add"
AUTHKEEP_EXPORT_PASSWORD="$AUTHKEEP_IMPORT_PASSWORD" ak export --format aegis --encrypt \
	--out "$T/own.json" 2>/dev/null || fail "export"
use_home other
ak init >/dev/null || fail "init other"
assert_ok ak import "$T/own.json"
assert_contains "$(cat "$T/out")" "1 added" "Aegis's own cost imports"
echo ok
