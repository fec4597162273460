#!/bin/bash
# `make bench`: runs every benchmark script in bench/ in turn. Each prints a
# markdown table; docs/benchmarks.md holds the figures of a recorded run.
# Run one alone with: bench/NAME.sh
set -eu
cd "$(dirname "$0")/.."
export AUTHKEEP_BUILD_ROOT=${AUTHKEEP_BUILD_ROOT:-$PWD/build}
for script in bench/*.sh; do
	case $script in bench/run.sh | bench/lib.sh) continue ;; esac
	echo "== $script"
	"$script"
	echo
done
