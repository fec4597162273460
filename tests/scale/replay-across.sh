#!/bin/bash
# Device headers replayed across two authkeepd processes on one PostgreSQL
# database: a header accepted by one process is refused by the other (and
# by itself) as a replay, as on one process; a fresh header works on both;
# a restart of both forgets no nonce, for they are in the database; and a
# database of the schema before the nonces is brought up to date.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/devices-lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/scale/lib-scale.sh"

opts=(--rate-address 0 --rate-account 0 --rate-signin 0)
authkeepd_start "${opts[@]}"
second_start "${opts[@]}"
KEY=$(new_key)
create_account vera@example.com "$KEY"
signin vera@example.com "$KEY"
device_new "$T/phone"
device_register "$T/phone" "Phone"
expect 201 "" "the device registers through the first"

CALL=/v1/device/requests?wait=0
# send URL HEADER: the device's call with HEADER, byte for byte, to URL.
send() {
	STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: $2" "$1$CALL")
}

HDR=$(device_header "$T/phone" GET "$CALL")
send "$SERVER_URL" "$HDR"
expect 200 "" "a header on the first"
send "$SECOND_URL" "$HDR"
expect 401 replayed "the same header on the second"
assert_contains "$(field .message)" "sign each call afresh" "says what to do"
send "$SERVER_URL" "$HDR"
expect 401 replayed "the same header again on the first"

# The other way round, and fresh headers on both.
HDR2=$(device_header "$T/phone" GET "$CALL")
send "$SECOND_URL" "$HDR2"
expect 200 "" "a fresh header on the second"
send "$SERVER_URL" "$HDR2"
expect 401 replayed "the second's header on the first"
send "$SERVER_URL" "$(device_header "$T/phone" GET "$CALL")"
expect 200 "" "a fresh header on the first"
send "$SECOND_URL" "$(device_header "$T/phone" GET "$CALL")"
expect 200 "" "another fresh header on the second"
assert_eq 4 "$(store_sql "SELECT count(*) FROM device_nonces")" "the four nonces, in the database"

# A restart of both forgets nothing: the nonces are in the database.
authkeepd_stop || exit 1
second_stop || exit 1
authkeepd_start "${opts[@]}"
second_start "${opts[@]}"
send "$SECOND_URL" "$HDR"
expect 401 replayed "a header of before the restart, on the second"
send "$SERVER_URL" "$HDR2"
expect 401 replayed "a header of before the restart, on the first"

# A database of schema 9, from before the nonces: brought up to date at start.
authkeepd_stop || exit 1
second_stop || exit 1
store_sql "DROP TABLE device_nonces; UPDATE schema_migrations SET version = 9 WHERE version = 10" >/dev/null
authkeepd_start "${opts[@]}"
second_start "${opts[@]}"
assert_eq 10 "$(store_sql "SELECT max(version) FROM schema_migrations")" \
	"the schema version after the update"
HDR3=$(device_header "$T/phone" GET "$CALL")
send "$SECOND_URL" "$HDR3"
expect 200 "" "a header after the update, on the second"
send "$SERVER_URL" "$HDR3"
expect 401 replayed "its replay on the first"
second_stop || exit 1
echo ok
