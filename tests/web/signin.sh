#!/bin/bash
# The sign-in page in headless Chromium (tests/web/signin.mjs): approve,
# deny and a wrong number on a real device, a per-device code, the CSP and
# the cookies, and forms without the page's token or from another site.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/web/lib-web.sh"
need_browser

start_web
device_a_backed_up
browse signin.mjs

stop_server
check_no_plaintext
