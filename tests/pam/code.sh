#!/bin/bash
# A per-device code typed at pam_authkeep.so's prompt instead of approving:
# the current code of the device's personal entry signs in; a wrong one, the
# same one again, or text that is no code does not. No code reaches the log.
. "$AUTHKEEP_SOURCE_ROOT/tests/pam/lib-pam.sh"

pam_with_device

# The code the device shows (authkeep code QUERY --json, its personal entry),
# with debug: the request's id is logged too, never the code.
pam_service "user_map=$USER_MAP debug"
pam_start alice
pam_number
code=$(personal_code A)
[[ $code =~ ^[0-9]{6}$ ]] || fail "no personal code: '$code'"
pam_type "$code"
pam_end
assert_pam_ok "the device's code"
assert_not_contains "$PAM_OUT" "$code" "the code is not echoed"
assert_logged "alice ($EMAIL): a per-device code was accepted"
assert_logged "alice ($EMAIL): request "
assert_logged " started for '$PAM_SERVICE on $(hostname)'"
transcript code "the code of the device's personal entry (authkeep code) typed at the prompt"
pam_service "user_map=$USER_MAP"

# The same code again: it was accepted once already.
pam_start alice
pam_number
pam_type "$code"
pam_end
assert_pam_fails "a code used already"
assert_contains "$PAM_OUT" "The code was not accepted." "the refusal is said"

# A wrong code.
pam_start alice
pam_number
wrong=$(wrong_code "$(personal_code A)")
pam_type "$wrong"
pam_end
assert_pam_fails "a wrong code"
assert_contains "$PAM_OUT" "The code was not accepted." "the refusal is said"
assert_logged "alice ($EMAIL): a per-device code was refused (the code was not accepted)"
transcript wrong-code "a code that is not the device's typed at the prompt"

# Neither a code nor Enter: refused before anything is sent.
verifies=$(grep -c 'POST /v1/totp/verify' "$SRV_LOG")
pam_start alice
pam_number
pam_type "12345"
pam_end
assert_pam_fails "five digits"
assert_contains "$PAM_OUT" "Type the 6-digit code from your device, or only Enter once approved." \
	"what to type is said"
assert_eq "$verifies" "$(grep -c 'POST /v1/totp/verify' "$SRV_LOG")" "nothing sent for five digits"

for c in "$code" "$wrong"; do
	assert_not_contains "$(cat "$SYSLOG")" "$c" "the log"
done

stop_server
check_no_plaintext
