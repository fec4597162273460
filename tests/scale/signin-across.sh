#!/bin/bash
# An SRP sign-in whose two steps reach two authkeepd processes on one
# PostgreSQL database: started on one, finished on the other, used once
# whichever process a replay reaches; and the sign-in limits (the bucket of
# an account from an address, the sign-ins in progress, the accounts
# created from an address) hold for both processes together.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/scale/lib-scale.sh"

opts=(--rate-address 0 --rate-account 0 --rate-signin 0.001 --burst-signin 4
	--accounts-per-address 3)
authkeepd_start "${opts[@]}"
second_start "${opts[@]}"

KEY=$(new_key)
create_account jo@example.com "$KEY"
expect 201 "" "account created through the first"

# Step 1 on the first, step 2 on the second.
proof=$("$SRP_TOOL" proof "$SERVER_URL" jo@example.com "$KEY" password) || fail "proof: $proof"
via 2 raw POST /v1/auth/finish "$proof"
expect 200 "" "step 2 on the second process"
TOKEN=$(field .session_token)
api GET /v1/account
expect 200 "" "the session works on the first"
assert_eq jo@example.com "$(field .email)" "whose session"
# The same proof again, on either process: the sign-in was used.
raw POST /v1/auth/finish "$proof"
expect 401 login_expired "a replay on the first"
via 2 raw POST /v1/auth/finish "$proof"
expect 401 login_expired "a replay on the second"

# One bucket for an email from this address: 4 calls, on both processes.
for i in 1 2 3 4; do
	via $((i % 2 + 1)) raw POST /v1/auth/start '{"email": "bucket@example.com"}'
	expect 200 "" "sign-in call $i of the burst"
done
raw POST /v1/auth/start '{"email": "bucket@example.com"}'
expect 429 rate_limited "past the burst on the first"
via 2 raw POST /v1/auth/start '{"email": "bucket@example.com"}'
expect 429 rate_limited "past the burst on the second"
assert_contains "$(field .message)" "for this account from this address" "which bucket"

# Accounts from this address: 3 an hour, whichever process creates them.
create_account kim@example.com "$(new_key)"
expect 201 "" "second account, on the first"
via 2 create_account lou@example.com "$(new_key)"
expect 201 "" "third account, on the second"
via 2 create_account max@example.com "$(new_key)"
expect 429 rate_limited "fourth account, on the second"
assert_contains "$(field .message)" "created from this address" "message"

# Sign-ins in progress for one account: 3, counted over both processes.
authkeepd_stop || exit 1
second_stop || exit 1
opts=(--rate-address 0 --rate-account 0 --rate-signin 0 --max-logins-per-account 3)
authkeepd_start "${opts[@]}"
second_start "${opts[@]}"
for i in 1 2 3; do
	via $((i % 2 + 1)) raw POST /v1/auth/start '{"email": "jo@example.com"}'
	expect 200 "" "sign-in $i of jo in progress"
done
raw POST /v1/auth/start '{"email": "jo@example.com"}'
expect 429 rate_limited "a fourth, on the first"
assert_contains "$(field .message)" "sign-ins in progress for this account" "message"
via 2 raw POST /v1/auth/start '{"email": "jo@example.com"}'
expect 429 rate_limited "a fourth, on the second"
second_stop || exit 1
echo ok
