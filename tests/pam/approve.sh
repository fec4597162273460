#!/bin/bash
# pam_authkeep.so with a real device: pamtester shows the number, the device
# approves it (then Enter), denies it (Enter first: the module waits), or
# approves with a wrong number, which denies. The device sees the service,
# the host and the remote host; the module's log names each outcome and
# never the number.
. "$AUTHKEEP_SOURCE_ROOT/tests/pam/lib-pam.sh"

pam_with_device "# local user, then the account" "alice $EMAIL" "bob   other@example.com  # no device"

# Approve on the device, then press Enter.
pam_start alice -I rhost=203.0.113.7
pam_number
pending_request
assert_eq "$PAM_SERVICE on $(hostname) from 203.0.113.7" "$(json_get "$T/listen" 'd["app"]')" \
	"the device is told who asks"
assert_ok on A approve "$RID" --number "$NUMBER"
pam_type ""
pam_end
assert_pam_ok "approved on the device"
assert_contains "$PAM_OUT" "Approve the sign-in on your device: number $NUMBER" "the number is shown"
assert_contains "$PAM_OUT" "Code from your device, or Enter once approved:" "the prompt"
assert_logged "alice ($EMAIL): approved on the device"
transcript approve "the device approved (authkeep approve ID --number N), then Enter"
numbers="$NUMBER"

# Press Enter first: the module waits until the device denies.
pam_start alice
pam_number
numbers="$numbers $NUMBER"
pending_request
pam_type ""
assert_ok on A deny "$RID"
pam_end
assert_pam_fails "denied on the device"
assert_contains "$PAM_OUT" "The sign-in was denied on the device." "the denial is said"
assert_logged "alice ($EMAIL): denied on the device"
transcript deny "Enter at once; the device then denied (authkeep deny ID)"

# A wrong number on the device denies.
pam_start alice
pam_number
numbers="$numbers $NUMBER"
pending_request
wrong=$((NUMBER == 10 ? 11 : NUMBER - 1))
assert_fails on A approve "$RID" --number "$wrong"
assert_contains "$(cat "$T/err")" "the number did not match" "the device says so"
pam_type ""
pam_end
assert_pam_fails "a wrong number"
assert_contains "$PAM_OUT" "The sign-in was denied on the device." "a wrong number is a denial"

# The number is shown only to the person signing in: no line of the log
# holds a digit (here, with neither timeout nor debug to say).
logged=$(sed -n 's/.*pam_authkeep([^)]*): //p' "$SYSLOG")
[ "$(echo "$logged" | wc -l)" -ge 3 ] || fail "one line per outcome: $logged"
if echo "$logged" | grep -q '[0-9]'; then
	fail "a number in the log ($numbers): $logged"
fi

stop_server
check_no_plaintext
