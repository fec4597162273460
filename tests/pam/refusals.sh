#!/bin/bash
# What pam_authkeep.so refuses before it asks a device: a user the map does
# not name (no request is made), a user name that is not an email when
# there is no map, a map that others than root could change or that has a
# bad line, an unknown option; a cancel at the prompt, which ends the
# sign-in at once (the request is left pending on the server); and a
# refusal by the server, which fail=open does not open.
. "$AUTHKEEP_SOURCE_ROOT/tests/pam/lib-pam.sh"

need_pam
start_server
signins() { grep -c 'POST /v1/signin ' "$SRV_LOG"; }

# A user the map does not name: PAM_USER_UNKNOWN, and nothing is sent.
user_map "alice $EMAIL"
pam_service "user_map=$USER_MAP"
pam_run mallory
assert_pam_fails "a user not in the map"
assert_contains "$PAM_OUT" "User not known to the underlying authentication module" \
	"PAM_USER_UNKNOWN"
assert_eq 0 "$(signins)" "requests for a user not in the map"
assert_logged "mallory: not in user_map $USER_MAP: refused"
transcript unknown-user "a local user the map does not name" mallory

# Without a map, the PAM user name is the email; one that is not is unknown.
pam_service ""
pam_run alice
assert_pam_fails "a user name that is not an email"
assert_contains "$PAM_OUT" "User not known to the underlying authentication module" "unknown"
assert_eq 0 "$(signins)" "requests for a user name that is not an email"
assert_logged "alice: not an email address and no user_map: refused"

# ... and one that is goes to the server. A cancel at the prompt (input
# closed) ends it there, without waiting for the device.
pam_start "$EMAIL"
pam_number
pam_hang_up
pam_end
assert_pam_fails "a cancel at the prompt"
assert_eq 1 "$(signins)" "one request for a user name that is an email"
assert_logged "$EMAIL ($EMAIL): cancelled at the prompt: refused"
rid=$(grep -o 'GET /v1/signin/[0-9a-f]*' "$SRV_LOG" | head -n 1)
assert_eq "" "$rid" "no wait after a cancel"
transcript cancel "the prompt's input closed (as Ctrl-D)" "$EMAIL"

# A map that others than root could change, or that root does not own, is refused.
user_map "alice $EMAIL"
pam_service "user_map=$USER_MAP"
chmod 0666 "$USER_MAP"
pam_run alice
assert_pam_fails "a map writable by others"
assert_contains "$PAM_OUT" "Error in service module" "PAM_SERVICE_ERR"
assert_logged "refusing every sign-in: user_map: $USER_MAP must be owned by root and writable only by root"
chmod 0644 "$USER_MAP"
chown nobody "$USER_MAP"
pam_run alice
assert_pam_fails "a map root does not own"
chown root "$USER_MAP"
mkdir -m 0777 "$T/open"
cp -p "$USER_MAP" "$T/open/users"
pam_service "user_map=$T/open/users"
pam_run alice
assert_pam_fails "a map in a folder anyone may change"
assert_logged "refusing every sign-in: user_map: others than root can change the folder $T/open"

# A map with one bad line is refused for everyone, naming the line.
user_map "# users" "alice $EMAIL" "bob not-an-email"
pam_service "user_map=$USER_MAP"
pam_run alice
assert_pam_fails "a map with a bad line"
assert_logged "refusing every sign-in: user_map $USER_MAP, line 3: 'not-an-email' is not an email address"
user_map "alice $EMAIL" "alice other@example.com"
pam_run alice
assert_pam_fails "a user on two lines"
assert_logged "line 2: alice is mapped on line 1 too"

# Options: an unknown one, a timeout out of range, a missing server.
for opts in "user_map=$USER_MAP colour=blue" "timeout=1" "timeout=soon" "fail=maybe"; do
	pam_service "$opts"
	pam_run alice
	assert_pam_fails "options '$opts'"
	assert_contains "$PAM_OUT" "Error in service module" "options '$opts': PAM_SERVICE_ERR"
done
assert_logged "refusing every sign-in: unknown option 'colour=blue'"
assert_logged "refusing every sign-in: timeout=1: expected seconds from 5 to 300"
assert_logged "refusing every sign-in: fail=maybe: expected closed or open"
sed -i "s|server=$SERVER||" "$PAM_FILE"
pam_run alice
assert_pam_fails "no server"
assert_logged "refusing every sign-in: server=URL is required"
assert_eq 1 "$(signins)" "requests in all"

# A refusal by a working server is said, and is no reason to fail open:
# after 5 requests for the account in 5 minutes (signin_max), the sixth is
# refused (429 rate_limited).
for _ in 1 2 3 4; do sign_in; done
user_map "alice $EMAIL"
pam_service "user_map=$USER_MAP fail=open"
pam_run alice
assert_pam_fails "rate limited, with fail=open"
assert_contains "$PAM_OUT" "The Authkeep server refused the sign-in: too many sign-in requests for this account; try again in" \
	"the server's reason"
assert_logged "alice ($EMAIL): the server refused the sign-in: too many sign-in requests"
transcript rate-limited "a sixth request for the account within 5 minutes, with fail=open"

stop_server
