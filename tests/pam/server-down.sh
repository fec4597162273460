#!/bin/bash
# pam_authkeep.so when authkeepd cannot be reached: fail=closed (the
# default) refuses with PAM_AUTHINFO_UNAVAIL, before the prompt or after it;
# fail=open lets the person in without a second factor, and says so on the
# screen and in the log. And when the server works but no device answers:
# the request expires, or timeout=S passes.
. "$AUTHKEEP_SOURCE_ROOT/tests/pam/lib-pam.sh"

need_pam
user_map "alice $EMAIL"

# Nothing listens on $SERVER: fail=closed (the default).
pam_service "user_map=$USER_MAP"
pam_run alice
assert_pam_fails "fail=closed, no server"
assert_contains "$PAM_OUT" "The Authkeep server cannot be reached; try again later." "said"
assert_contains "$PAM_OUT" "Authentication service cannot retrieve authentication info" \
	"PAM_AUTHINFO_UNAVAIL"
assert_not_contains "$PAM_OUT" "number" "no number without a server"
assert_logged "alice ($EMAIL): the server cannot be reached ($SERVER: "
assert_logged "fail=closed: refused"
transcript server-down "authkeepd is down; fail=closed (the default)"

# fail=open: in, without a second factor, and the warning.
pam_service "user_map=$USER_MAP fail=open"
pam_run alice
assert_pam_ok "fail=open, no server"
assert_contains "$PAM_OUT" "The Authkeep server cannot be reached: signed in without approval." \
	"the warning on the screen"
assert_logged "fail=open: signed in without approval"
transcript fail-open "authkeepd is down; fail=open"

# An account with no device: the request is made all the same, and nobody
# answers it. The module waits timeout=S at most; a request that expires
# first (--signin-ttl 2s) ends the wait.
start_server --signin-ttl 2s
pam_service "user_map=$USER_MAP"
pam_run alice ""
assert_pam_fails "the request expired"
assert_contains "$PAM_OUT" "The request expired." "the expiry is said"
assert_logged "alice ($EMAIL): the request expired: refused"
transcript expired "Enter, and no device answered before the request expired"
stop_server
start_server
pam_service "user_map=$USER_MAP timeout=5"
pam_run alice ""
assert_pam_fails "no answer within timeout=5"
assert_contains "$PAM_OUT" "No answer from your device in time." "the time-out is said"
assert_logged "alice ($EMAIL): no answer from the device within 5 s: refused"

# The server goes away while the module waits for the device.
pam_service "user_map=$USER_MAP"
pam_start alice
pam_number
stop_server
pam_type ""
pam_end
assert_pam_fails "the server gone during the wait"
assert_contains "$PAM_OUT" "Authentication service cannot retrieve authentication info" \
	"PAM_AUTHINFO_UNAVAIL after the prompt"

# A refusal by a working server is no reason to fail open: fail=open with
# a plain-http server that is not loopback is a bad configuration.
pam_service "user_map=$USER_MAP fail=open"
sed -i "s|server=$SERVER|server=http://keep.example|" "$PAM_FILE"
pam_run alice
assert_pam_fails "fail=open does not open a bad configuration"
assert_contains "$PAM_OUT" "Error in service module" "PAM_SERVICE_ERR"
assert_logged "refusing every sign-in: server=http://keep.example: plain http:// only to"
