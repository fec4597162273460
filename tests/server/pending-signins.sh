#!/bin/bash
# Caps on what a client can make the server hold or do: sign-ins in progress
# per account and per address, recovery accounts created per address, and
# verifiers checked by comparison at registration (1 < v < N).
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"

authkeepd_start --max-logins-per-account 3 --max-logins-per-address 100 --accounts-per-address 2 \
	--login-ttl 2 --rate-account 0

# Two accounts an hour from this address, then 429.
create_account jill@example.com "$(new_key)"
expect 201 "" "first account"
create_account kent@example.com "$(new_key)"
expect 201 "" "second account"
create_account lars@example.com "$(new_key)"
expect 429 rate_limited "third account from the address"
assert_contains "$(field .message)" "created from this address" "message"
[ "$(field .retry_after)" -ge 1 ] || fail "retry_after: $(field .retry_after)"

# Three sign-ins in progress for one account, then 429 for it alone.
for i in 1 2 3; do
	raw POST /v1/auth/start '{"email": "jill@example.com"}'
	expect 200 "" "sign-in $i of jill"
done
raw POST /v1/auth/start '{"email": "jill@example.com"}'
expect 429 rate_limited "fourth sign-in of jill in progress"
assert_contains "$(field .message)" "sign-ins in progress for this account" "message"
assert_eq 2 "$(field .retry_after)" "retry_after is the login lifetime"
# An unknown email has its own count, like an account.
for i in 1 2 3; do
	raw POST /v1/auth/start '{"email": "nobody@example.com"}'
	expect 200 "" "sign-in $i of an unknown email"
done
raw POST /v1/auth/start '{"email": "nobody@example.com"}'
expect 429 rate_limited "fourth sign-in of an unknown email"

# Five in progress from this address (three of jill, two of kent): kent too is refused.
# Sign-ins in progress outlive a restart (they are in the store), so the
# ones above are let expire first.
authkeepd_stop || exit 1
sleep 2.2
authkeepd_start --max-logins-per-account 3 --max-logins-per-address 5 --login-ttl 2 \
	--rate-account 0
for e in jill jill jill kent kent; do
	raw POST /v1/auth/start "{\"email\": \"$e@example.com\"}"
	expect 200 "" "sign-in of $e"
done
raw POST /v1/auth/start '{"email": "kent@example.com"}'
expect 429 rate_limited "sixth sign-in from the address"
assert_contains "$(field .message)" "from this address" "message"
# They expire with the login lifetime, and the room comes back.
sleep 2.2
raw POST /v1/auth/start '{"email": "kent@example.com"}'
expect 200 "" "after the sign-ins in progress expired"

# Verifiers: 1 and anything not below N are refused, by comparison.
authkeepd_stop || exit 1
authkeepd_start --accounts-per-address 0
cred=$("$SRP_TOOL" credential mary@example.com "$(new_key)")
raw POST /v1/accounts "$(jq -c '. + {email: "mary@example.com", srp_verifier: "AQ=="}' <<<"$cred")"
expect 400 bad_request "verifier 1"
assert_contains "$(field .message)" "1 < v < N" "message"
big=$(head -c 512 /dev/zero | tr '\0' '\377' | base64 -w0)
raw POST /v1/accounts "$(jq -c --arg v "$big" '. + {email: "mary@example.com", srp_verifier: $v}' <<<"$cred")"
expect 400 bad_request "verifier above N"
raw POST /v1/accounts "$(jq -c '. + {email: "mary@example.com", srp_verifier: "Ag=="}' <<<"$cred")"
expect 201 "" "verifier 2"
for i in $(seq 1 12); do
	create_account "many$i@example.com" "$(new_key)"
	expect 201 "" "account $i with no creation cap"
done
echo ok
