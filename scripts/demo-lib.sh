# Shared by the demo scripts (sourced): where the binaries are, and how a
# step and a remark are shown. The binaries come from AUTHKEEP_BIN and
# AUTHKEEPD_BIN when set, else from the build folder (AUTHKEEP_BUILD_ROOT,
# default build/).
BUILD=${AUTHKEEP_BUILD_ROOT:-$PWD/build}
AUTHKEEP=${AUTHKEEP_BIN:-$BUILD/cli/authkeep}
AUTHKEEPD=${AUTHKEEPD_BIN:-$BUILD/server/authkeepd}

# authkeepd_start / authkeepd_stop and free_port, shared with the tests.
. "$(dirname "${BASH_SOURCE[0]}")/../tests/authkeepd.sh"

# demo_require BINARY...: stops with one line when a binary is not built.
demo_require() {
	local bin
	for bin in "$@"; do
		[ -x "$bin" ] || {
			echo "demo: $bin is missing: run 'make build' first" >&2
			exit 1
		}
	done
}

if [ -t 1 ]; then bold=$'\033[1m' dim=$'\033[2m' off=$'\033[0m'; else bold= dim= off=; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
say() { printf '%s%s%s\n' "$dim" "$*" "$off"; }
