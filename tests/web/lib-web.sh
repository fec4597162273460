# Helpers of the browser tests, sourced after tests/lib.sh and
# tests/backup/lib-backup.sh: a real authkeepd serving the pages of the
# source tree's web/, and a node script (tests/web/*.mjs) that drives
# Debian's headless Chromium through playwright-core (package.json at the
# top of the tree, installed by `npm ci`).

CHROMIUM=/usr/lib/chromium/chromium
SHOTS="$AUTHKEEP_BUILD_ROOT/web-screenshots"

# need_browser: skips the test without Chromium or without node_modules.
need_browser() {
	[ -x "$CHROMIUM" ] || skip "no Chromium at $CHROMIUM (apt-get install chromium)"
	command -v node >/dev/null || skip "node is not installed (apt-get install nodejs)"
	[ -f "$AUTHKEEP_SOURCE_ROOT/node_modules/playwright-core/package.json" ] ||
		skip "no node_modules/playwright-core (run npm ci at the top of the tree)"
	mkdir -p "$SHOTS"
}

# start_web [authkeepd options...]: start_server with the pages of web/.
start_web() { start_server --web-dir "$AUTHKEEP_SOURCE_ROOT/web" "$@"; }

# browse SCRIPT.mjs: runs the browser script with what it needs to know;
# devices are $T/NAME (lib-backup.sh's `on`).
browse() {
	SERVER="$SERVER" EMAIL="$EMAIL" T="$T" SHOTS="$SHOTS" CHROMIUM="$CHROMIUM" \
		node "$AUTHKEEP_SOURCE_ROOT/tests/web/$1" || fail "the browser test $1 failed"
}
