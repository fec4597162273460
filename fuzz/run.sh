#!/bin/sh
# Runs one fuzz target briefly over its seed corpus (a meson test).
#   run.sh ENGINE TARGET SEED_DIR SCRATCH_DIR SECONDS
# libFuzzer writes what it discovers to SCRATCH_DIR (in the build folder),
# never into the committed corpus. A crash exits 1 (libFuzzer's default, 77,
# would read as "skipped").
set -eu
engine=$1 target=$2 seeds=$3 scratch=$4 seconds=$5
mkdir -p "$scratch"
if [ "$engine" = libfuzzer ]; then
	exec "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -error_exitcode=1 \
		-artifact_prefix="$scratch/" -print_final_stats=1 "$scratch" "$seeds"
fi
FUZZ_ITERATIONS=${FUZZ_ITERATIONS:-3000} exec "$target" "$seeds"
