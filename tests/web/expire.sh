#!/bin/bash
# A web sign-in that no device answers expires (requests last 3 seconds
# here), and the page shows it without being reloaded (tests/web/expire.mjs).
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/web/lib-web.sh"
need_browser

start_web --signin-ttl 3s
device_a_backed_up
browse expire.mjs
stop_server
