# Sourced by the benchmark scripts in bench/ (bench/run.sh does not run it):
#   . "$(dirname "$0")/lib.sh"
# Moves to the top of the tree and sets BUILD (AUTHKEEP_BUILD_ROOT, or
# ./build). Then:
#   bench_need_tools TOOL...   exits 1 naming the first tool missing
#   bench_need_built FILE...   exits 1 naming the first program not built
#   bench_workdir              sets WORK, a new folder removed on exit after
#                              the script's bench_cleanup (when it has one)
#   bench_fail MESSAGE...      prints "bench/NAME.sh: MESSAGE" and exits 1
#   bench_machine              prints one line: cores, CPU, load average, date
set -eu
cd "$(dirname "$0")/.."
BENCH_NAME=bench/$(basename "$0")
BUILD=${AUTHKEEP_BUILD_ROOT:-$PWD/build}

bench_fail() {
	echo "$BENCH_NAME: $*" >&2
	exit 1
}

bench_need_tools() {
	local tool
	for tool; do
		command -v "$tool" >/dev/null ||
			bench_fail "$tool is missing (scripts/install-deps.sh bench installs it)"
	done
}

bench_need_built() {
	local file
	for file; do
		[ -x "$file" ] || bench_fail "$file is missing: run 'make build' first"
	done
}

bench_workdir() {
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/authkeep-bench.XXXXXX")
	trap bench_exit EXIT
}

bench_exit() {
	if declare -F bench_cleanup >/dev/null; then
		bench_cleanup || true
	fi
	rm -rf "$WORK"
}

bench_machine() {
	echo "Machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//');" \
		"load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
}
