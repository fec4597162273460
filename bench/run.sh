#!/bin/bash
# `make bench`: installs what the benchmarks run besides Authkeep (the bench
# group of scripts/install-deps.sh), then runs every benchmark script in
# bench/ in turn. Each prints a markdown table; docs/benchmarks.md holds the
# figures of a recorded run. Run one alone with: bench/NAME.sh
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh bench
export AUTHKEEP_BUILD_ROOT=${AUTHKEEP_BUILD_ROOT:-$PWD/build}
for script in bench/*.sh; do
	case $script in bench/run.sh | bench/lib.sh) continue ;; esac
	echo "== $script"
	"$script"
	echo
done
