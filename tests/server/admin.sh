#!/bin/bash
# `authkeepd admin` beside a serving authkeepd on the same database: its
# --help, one clear line for each bad command or input (and nothing
# changed), output that never names another account, device or backup;
# and POST /v1/activate's answers: enrolled once, then used, expired,
# unknown, removed, malformed. A work user's email is no recovery account.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/devices-lib.sh"

authkeepd_start --rate-address 0 --rate-account 0 --slow-after 50
at_exit authkeepd_stop
DB=$(store_url)
admin() { "$AUTHKEEPD_BIN" admin "$@"; }

# A recovery account with a device and a backup: the administrator must never see them.
KEY=$(new_key)
create_account olivia@example.com "$KEY"
signin olivia@example.com "$KEY"
device_new "$T/laptop"
device_register "$T/laptop" "Olivias laptop"
expect 201 "" "a personal device"
put_backup 0 "$DEVICE_ID" "Olivias laptop"
expect 200 "" "a personal backup"

# --help helps, with every command.
assert_ok admin --help
for word in "org create ORG" "org list" "user add ORG EMAIL" "user remove ORG EMAIL" \
	"user list ORG" "activation ORG EMAIL" "--qr FILE.png" "--expires" "--public-url"; do
	assert_contains "$(cat "$T/out")" "$word" "admin --help"
done

# Bad commands and input: one line each, exit 2, nothing made.
bad() { # WORDS SAYS
	local says=$1
	shift
	assert_fails admin "$@"
	assert_eq 1 "$(wc -l <"$T/err")" "one line for: $*"
	assert_contains "$(cat "$T/err")" "$says" "admin $*"
}
bad "give --db" org list
bad "give a command" --db "$DB"
bad "unknown command 'frob'" --db "$DB" frob
bad "'remove' is not a command of org" --db "$DB" org remove x
bad "usage: authkeepd admin org create ORG" --db "$DB" org create
bad "cannot name an organisation" --db "$DB" org create 'a b'
bad "cannot name an organisation" --db "$DB" org create "$(printf 'x%.0s' $(seq 1 65))"
bad "unknown option '--frob'" --db "$DB" org list --frob
bad "--qr and --expires go with 'activation' only" --db "$DB" org list --qr x.png
bad "not supported" --db "mysql://u:secret@h/db" org list
assert_not_contains "$(cat "$T/err")" "secret" "a --db password in a message"
bad "cannot connect to postgresql://u@127.0.0.1:1/db" --db "postgres://u:secret@127.0.0.1:1/db" \
	org list
assert_not_contains "$(cat "$T/err")" "secret" "a PostgreSQL password in a message"
bad "there is no organisation acme" --db "$DB" user add acme bob@acme.test
assert_eq 0 "$(store_sql 'SELECT count(*) FROM orgs')" "no organisation made"

assert_ok admin --db "$DB" org create acme
bad "exists already" --db "$DB" org create acme
bad "not an email address" --db "$DB" user add acme bob
bad "has a personal account on this server" --db "$DB" user add acme Olivia@Example.com
assert_ok admin --db "$DB" user add acme Bob@Acme.test
assert_contains "$(cat "$T/out")" "bob@acme.test" "the email lower-cased"
bad "is a user of acme already" --db "$DB" user add acme bob@acme.test
assert_ok admin --db "$DB" org create other
bad "is a user of the organisation acme" --db "$DB" user add other bob@acme.test
bad "has no user nobody@acme.test" --db "$DB" activation acme nobody@acme.test \
	--public-url "$SERVER_URL"
bad "give --public-url URL" --db "$DB" activation acme bob@acme.test
bad "cannot go in an activation code" --db "$DB" --public-url "ftp://x" activation acme bob@acme.test
bad "--expires: '0s' is not a duration" --db "$DB" --public-url "$SERVER_URL" \
	activation acme bob@acme.test --expires 0s
bad "--expires: '91d' is not a duration" --db "$DB" --public-url "$SERVER_URL" \
	activation acme bob@acme.test --expires 91d
bad "cannot write" --db "$DB" --public-url "$SERVER_URL" activation acme bob@acme.test \
	--qr "$T/no/such/folder/a.png"
assert_eq 0 "$(store_sql 'SELECT count(*) FROM activations')" "no code kept"

# The config file gives db and public_url.
printf 'db = %s\npublic_url = %s\n' "$DB" "$SERVER_URL" >"$T/config"
assert_ok admin --config "$T/config" activation acme bob@acme.test
uri=$(grep -o 'authkeep-activate://[^ ]*' "$T/out")
code=$(sed -n 3p "$T/out")
[[ $code =~ ^[A-Z2-7]{32}$ ]] || fail "the code alone: $code"
assert_contains "$uri" "http=1" "an http:// server's URI"

# What the administrator sees: its organisations and users, nothing else.
assert_ok admin --db "$DB" org list
assert_contains "$(cat "$T/out")" "acme" "org list"
cat "$T/out" >"$T/seen"
assert_ok admin --db "$DB" user list acme
assert_contains "$(cat "$T/out")" "bob@acme.test" "user list"
cat "$T/out" >>"$T/seen"
for secret in olivia laptop Olivias "$DEVICE_ID"; do
	assert_not_contains "$(cat "$T/seen")" "$secret" "the administrator's output"
done
store_dump | grep -aq "$code" && fail "the code is in the database: it must be kept hashed"

# POST /v1/activate.
device_new "$T/work"
activate() { # CODE [ORG] [EMAIL]
	raw POST /v1/activate "$(jq -cn --arg c "$1" --arg o "${2:-acme}" --arg e "${3:-bob@acme.test}" \
		--arg d "$(vault_device_id "$T/work")" --arg k "$(vault_device_pk "$T/work")" \
		'{org: $o, email: $e, code: $c, device_id: $d, name: "work laptop", public_key: $k}')"
}
activate "$code" other
expect 401 bad_activation "a code of another organisation"
activate "$code" acme carol@acme.test
expect 401 bad_activation "a code of another user"
activate "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
expect 401 bad_activation "an unknown code"
activate "short"
expect 400 bad_request "a malformed code"
raw POST /v1/activate '{"org":"acme"}'
expect 400 bad_request "a body without its fields"
activate "$code"
expect 201 "" "the activation"
assert_eq "$(vault_device_id "$T/work")" "$(field .device_id)" "the device registered"
[[ $(field .totp_secret) =~ ^[A-Z2-7]{32}$ ]] || fail "a per-device secret"
assert_eq "acme bob@acme.test" "$(field '.org + " " + .email')" "org and email"
assert_eq 1 "$(store_sql "SELECT count(*) FROM devices WHERE verified_at = registered_at \
	AND id = '$(vault_device_id "$T/work")'")" "verified at once"
activate "$code"
expect 410 activation_used "the code again"
assert_ok admin --db "$DB" --public-url "$SERVER_URL" activation acme bob@acme.test --expires 1s
short=$(sed -n 3p "$T/out")
sleep 2
activate "$short"
expect 410 activation_expired "an expired code"
assert_ok admin --db "$DB" user list acme
assert_contains "$(cat "$T/out")" "member   1" "one device"

# A work user's email: no recovery account, SRP as for an unknown email.
create_account bob@acme.test "$(new_key)"
expect 409 account_exists "a recovery account with a work user's email"
raw POST /v1/auth/start '{"email":"bob@acme.test"}'
expect 200 "" "auth/start (a fake challenge)"

# Removal: the device is refused, codes are void.
assert_ok admin --db "$DB" --public-url "$SERVER_URL" activation acme bob@acme.test
pending=$(sed -n 3p "$T/out")
device_call "$T/work" GET "/v1/device/requests?wait=0"
expect 200 "" "the work device's call"
# Its long-poll ends when `authkeepd admin`, another process, removes the
# user: the server re-reads the stamps of what its long-polls wait on.
h=$(device_header "$T/work" GET "/v1/device/requests?wait=60")
curl -s -o "$T/removed-poll" -H "Authorization: $h" "$SERVER_URL/v1/device/requests?wait=60" &
poll=$!
sleep 0.5
assert_ok admin --db "$DB" user remove acme bob@acme.test
removed_at=$(date +%s.%N)
for _ in $(seq 1 300); do
	kill -0 $poll 2>/dev/null || break
	sleep 0.1
done
kill -0 $poll 2>/dev/null && fail "the long-poll of a removed user's device still waits"
wait $poll
assert_eq 0 "$(jq '.requests | length' "$T/removed-poll")" "the removed device's long-poll: empty"
echo "long-poll ended $(awk -v s="$removed_at" -v e="$(date +%s.%N)" \
	'BEGIN { printf "%d", (e - s) * 1000 }') ms after another process removed its user"
device_call "$T/work" GET "/v1/device/requests?wait=0"
expect 401 bad_device "a removed user's device"
activate "$pending"
expect 403 user_removed "an unused code of a removed user"
bad "has no user bob@acme.test (or it was removed already)" --db "$DB" user remove acme bob@acme.test
bad "was removed from acme" --db "$DB" --public-url "$SERVER_URL" activation acme bob@acme.test
assert_ok admin --db "$DB" user list acme
assert_contains "$(cat "$T/out")" "removed  0" "removed, no device"
# Taken back, it needs a new code: the old ones stay void.
assert_ok admin --db "$DB" user add acme bob@acme.test
activate "$pending"
expect 410 activation_expired "a voided code after the user is back"
echo ok
