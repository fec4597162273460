#!/bin/bash
# `make check`: builds Authkeep twice (gcc; clang with ASan+UBSan and
# libFuzzer fuzz targets), runs every test in both, and ends with one line:
# "N passed, M failed[, K skipped]". Exits non-zero when anything failed.
set -u
cd "$(dirname "$0")/.."

jobs=$(nproc 2>/dev/null || echo 2)
status=0

# Both trees are test builds (-Dtest_costs=true): the suite lowers Argon2id's
# cost with AUTHKEEP_KDF_COST=min, which a release build refuses. A tree made
# before (by `make build`) is switched to it.
setup() { # DIR, meson options...
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" -Dtest_costs=true "$@" >"$dir.setup.log" 2>&1 || {
			cat "$dir.setup.log" >&2
			return 1
		}
	elif [ "$(meson introspect --buildoptions "$dir" |
		python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "test_costs"])')" != "[True]" ]; then
		meson configure "$dir" -Dtest_costs=true >"$dir.setup.log" 2>&1 || {
			cat "$dir.setup.log" >&2
			return 1
		}
	fi
	ninja -C "$dir" >"$dir.build.log" 2>&1 || {
		tail -n 60 "$dir.build.log" >&2
		return 1
	}
}

# The browser tests' driver (playwright-core, pinned in package-lock.json;
# it never downloads a browser: the tests use Debian's Chromium).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
	echo "== npm ci (browser tests)"
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >npm-ci.log 2>&1 && touch node_modules || {
		tail -n 20 npm-ci.log >&2
		echo "npm ci failed: the browser tests will be skipped" >&2
	}
fi

echo "== build (gcc)"
setup build || status=1
echo "== build (clang, ASan+UBSan, libFuzzer)"
CC=clang setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dfuzzer=libfuzzer \
	-Dbuildtype=debug -Doptimization=1 || status=1
if [ $status -ne 0 ]; then
	echo "0 passed, 1 failed"
	exit 1
fi

run_suite() { # DIR LABEL [meson test args]
	local dir=$1 label=$2
	shift 2
	echo "== tests ($label)"
	meson test -C "$dir" --num-processes "$jobs" --print-errorlogs "$@" 2>&1 |
		grep -Ev '^(ninja: |\[[0-9]+/[0-9]+\] )' | grep -E '^ *[0-9]+/[0-9]+ |FAIL|ERROR|Ok:|Fail:|Skipped:|Timeout:' || true
}

run_suite build gcc
cp build/meson-logs/testlog.json build/testlog-check.json 2>/dev/null || : >build/testlog-check.json
run_suite build-asan "ASan+UBSan" --no-suite slow --timeout-multiplier 4
cp build-asan/meson-logs/testlog.json build-asan/testlog-check.json 2>/dev/null || : >build-asan/testlog-check.json

# One summary over both runs. meson's results: OK, FAIL, SKIP, TIMEOUT,
# EXPECTEDFAIL, UNEXPECTEDPASS, ERROR.
summary=$(cat build/testlog-check.json build-asan/testlog-check.json | python3 -c '
import json, sys
p = f = s = 0
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif r == "SKIP":
        s += 1
    else:
        f += 1
print(f"{p} passed, {f} failed" + (f", {s} skipped" if s else ""))
')
echo "$summary"
case "$summary" in
*" 0 failed"*) exit 0 ;;
*) exit 1 ;;
esac
