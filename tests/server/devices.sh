#!/bin/bash
# authkeepd's devices: a recovery account's session registers devices (each
# with its own TOTP secret), lists them oldest first, registers one again
# with a new secret, refuses more than --max-devices, refuses to remove the
# last one unless forced, and records each change as an event.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/devices-lib.sh"

authkeepd_start --max-devices 3 --rate-address 0 --rate-account 0
at_exit authkeepd_stop
KEY=$(new_key)
create_account olivia@example.com "$KEY"
signin olivia@example.com "$KEY"

device_new "$T/laptop"
LAPTOP=$DEVICE_ID
device_new "$T/phone"
PHONE=$DEVICE_ID

device_register "$T/laptop" "Olivia's laptop"
expect 201 "" "first device registered"
assert_eq "$LAPTOP" "$(field .device_id)" "its id"
SECRET1=$(field .totp_secret)
[[ $SECRET1 =~ ^[A-Z2-7]{32}$ ]] || fail "a 160-bit base32 secret without padding: $SECRET1"
[ "$(field .registered_at)" -gt 0 ] || fail "registered_at"
sleep 1.1
device_register "$T/phone" "Olivia's phone"
expect 201 "" "second device registered"
assert_ne "$SECRET1" "$(field .totp_secret)" "each device its own secret"

api GET /v1/devices
expect 200 "" "list"
assert_eq "2" "$(field '.devices | length')" "two devices"
assert_eq "$LAPTOP $PHONE" "$(field '[.devices[].id] | join(" ")')" "oldest first"
assert_eq "Olivia's laptop" "$(field '.devices[0].name')" "names"
assert_eq "0" "$(field '.devices[0].last_used')" "never used yet"
assert_eq "null" "$(field '.devices[0].totp_secret')" "the list holds no secret"

# The same device again: 200, a new secret, the same place in the list.
device_register "$T/laptop" "Laptop"
expect 200 "" "registered again"
SECRET1B=$(field .totp_secret)
assert_ne "$SECRET1" "$SECRET1B" "a new secret"
api GET /v1/devices
assert_eq "$LAPTOP $PHONE" "$(field '[.devices[].id] | join(" ")')" "order kept"
assert_eq "Laptop" "$(field '.devices[0].name')" "name replaced"

# Bad input: a clear 400, nothing stored.
api POST /v1/devices '{"device_id":"XYZ","name":"x","public_key":"AAAA"}'
expect 400 bad_request "a malformed device id"
assert_contains "$(field .message)" "device_id" "names the field"
api POST /v1/devices "$(jq -cn --arg d "$(printf 'a%.0s' {1..32})" --arg k "$DEVICE_PK" \
	'{device_id: $d, name: "", public_key: $k}')"
expect 400 bad_request "an empty name"
api POST /v1/devices "$(jq -cn --arg d "$(printf 'b%.0s' {1..32})" \
	'{device_id: $d, name: "x", public_key: "AAAA"}')"
expect 400 bad_request "a key that is not 32 bytes"
raw POST /v1/devices "$(jq -cn --arg d "$LAPTOP" --arg k "$DEVICE_PK" '{device_id: $d, name: "x", public_key: $k}')"
expect 401 unauthorized "registering needs a session"
api GET /v1/devices
assert_eq "2" "$(field '.devices | length')" "nothing stored by refusals"

# The cap: a third device fits, a fourth does not.
device_new "$T/tablet"
device_register "$T/tablet" "Tablet"
expect 201 "" "third device"
device_new "$T/watch"
WATCH=$DEVICE_ID
device_register "$T/watch" "Watch"
expect 409 too_many_devices "a fourth device past --max-devices 3"
assert_eq 3 "$(field .max_devices)" "says the cap"
# Registering one of the three again is not a new device.
device_register "$T/tablet" "Tablet"
expect 200 "" "re-registering at the cap"
TABLET=$(vault_device_id "$T/tablet")

# Another account cannot take a registered device id.
KEY2=$(new_key)
create_account peggy@example.com "$KEY2"
OLIVIA_TOKEN=$TOKEN
signin peggy@example.com "$KEY2"
device_register "$T/laptop" "not mine"
expect 409 device_taken "another account's device id"
TOKEN=$OLIVIA_TOKEN

# Removing: unknown, then two, then the last one needs force.
api DELETE "/v1/devices/$WATCH"
expect 404 unknown_device "a device never registered"
api DELETE "/v1/devices/$TABLET"
expect 204 "" "tablet removed"
api DELETE "/v1/devices/$TABLET"
expect 404 unknown_device "removed already"
api DELETE "/v1/devices/$PHONE"
expect 204 "" "phone removed"
api DELETE "/v1/devices/$LAPTOP"
expect 409 last_device "the last device"
assert_contains "$(field .message)" "force" "says how"
api GET /v1/devices
assert_eq "$LAPTOP" "$(field '[.devices[].id] | join(" ")')" "removed devices are not listed"
api DELETE "/v1/devices/$LAPTOP?force=1"
expect 204 "" "the last device, forced"
api GET /v1/devices
assert_eq 0 "$(field '.devices | length')" "none left"
# A removed device can be registered again, as new.
device_register "$T/phone" "Phone again"
expect 201 "" "a removed device registered again"

api GET /v1/events
expect 200 "" "events"
assert_eq "device_added device_removed device_removed device_removed" \
	"$(field '[.events[].kind] | .[0:4] | join(" ")')" "newest first"
assert_eq "$PHONE" "$(field '.events[0].device_id')" "names the device"
assert_eq "127.0.0.1" "$(field '.events[0].from')" "and the address"
assert_eq 9 "$(field ".events | length")" "every change: 6 registrations, 3 removals"
echo "ok: devices registered, listed, capped at 3, removed"
