#!/bin/bash
# Backups on authkeepd: upload with the version replaced, 409 when another
# device uploaded since, download of the latest and of older versions, the
# versions list, pruning to --keep-versions, delete then 410 until the next
# upload, concurrent uploads racing for one version, and bad uploads.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"

authkeepd_start --keep-versions 3
KEY=$(new_key)
create_account carol@example.com "$KEY"
expect 201 "" "create"
signin carol@example.com "$KEY"

api GET /v1/backup
expect 404 no_backup "no backup yet"
api GET /v1/backup/versions
expect 200 "" "empty list"
assert_eq 0 "$(field '.versions | length')" "no versions"
assert_eq false "$(field .deleted)" "not deleted"

# Version 1 from the laptop; its envelope comes back byte for byte.
env1=$(envelope 4096)
put_backup 0 laptop "Carol's laptop" "$env1"
expect 200 "" "first upload"
assert_eq 1 "$(field .version)" "first version"
api GET /v1/backup
expect 200 "" "download"
assert_eq "$env1" "$(field .envelope)" "envelope round trip"
assert_eq 1 "$(field .version)" "version"
assert_eq laptop "$(field .device_id)" "device id"
assert_eq "Carol's laptop" "$(field .device_name)" "device name"

# The phone still thinks there is no backup: refused, naming the laptop.
put_backup 0 phone
expect 409 newer_backup "stale upload"
assert_eq 1 "$(field .latest_version)" "409 names the latest version"
assert_eq laptop "$(field .device_id)" "409 names the device"
assert_contains "$(field .message)" "Carol's laptop" "409 message names the device"
put_backup 5 phone
expect 409 newer_backup "upload replacing a future version"

# Versions 2..5; only the last 3 are kept.
for v in 2 3 4 5; do
	put_backup $((v - 1)) laptop
	expect 200 "" "upload $v"
	assert_eq "$v" "$(field .version)" "version $v"
done
api GET /v1/backup/versions
assert_eq "5 4 3" "$(field '[.versions[].version] | join(" ")')" "pruned to 3, newest first"
assert_eq 64 "$(field '.versions[0].size')" "size in the list"
api GET '/v1/backup?version=3'
expect 200 "" "older version"
assert_eq 3 "$(field .version)" "version 3"
api GET '/v1/backup?version=1'
expect 404 unknown_version "pruned version"
api GET '/v1/backup?version=99'
expect 404 unknown_version "future version"
for bad in 0 -1 abc 1e3 99999999999999999999; do
	api GET "/v1/backup?version=$bad"
	expect 400 bad_request "version=$bad"
done
[ "$(store_sql 'SELECT count(*) FROM backups')" = 3 ] || fail "the database keeps 3 rows"

# Bad uploads change nothing.
bad_put() { # BODY WHAT
	api PUT /v1/backup "$1"
	expect 400 "${3:-bad_request}" "$2"
}
bad_put '{"replaces_version": 5, "device_id": "laptop"}' "no envelope"
bad_put '{"replaces_version": 5, "device_id": "lap top", "envelope": "AAAA"}' "device id with space"
bad_put "{\"replaces_version\": 5, \"device_id\": \"$(printf 'x%.0s' $(seq 65))\", \"envelope\": \"AAAA\"}" \
	"device id too long"
bad_put '{"replaces_version": 5, "device_id": "l", "device_name": "a\u0001b", "envelope": "AAAA"}' \
	"control character in the name"
bad_put '{"replaces_version": -1, "device_id": "l", "envelope": "AAAA"}' "negative version"
bad_put '{"replaces_version": "5", "device_id": "l", "envelope": "AAAA"}' "version as string"
bad_put '{"replaces_version": 5, "device_id": "l", "envelope": "A"}' "envelope not base64"
bad_put '{"replaces_version": 5, "device_id": "l", "envelope": ""}' "empty envelope"
bad_put '{"replaces_version": 5' "truncated" bad_json
api GET /v1/backup
assert_eq 5 "$(field .version)" "bad uploads stored nothing"

# Two devices racing: 8 uploads replace version 5 at once; exactly one wins.
pids=""
for i in 1 2 3 4 5 6 7 8; do
	curl -s -o "$T/race.$i" -w '%{http_code}\n' -X PUT -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' \
		--data-binary "{\"replaces_version\": 5, \"device_id\": \"dev$i\", \"envelope\": \"$(envelope 128)\"}" \
		"$SERVER_URL/v1/backup" >"$T/race.status.$i" &
	pids="$pids $!"
done
wait $pids
assert_eq "1" "$(cat "$T"/race.status.* | grep -c '^200$')" "one upload wins the race"
assert_eq "7" "$(cat "$T"/race.status.* | grep -c '^409$')" "the others are told of a newer backup"
winner=$(grep -l '"version":6' "$T"/race.[0-9]* | head -1)
[ -n "$winner" ] || fail "the winner got version 6"
api GET /v1/backup
assert_eq 6 "$(field .version)" "version 6 is the winner's"

# Delete: 410 for reads and stale uploads, naming the device; then a new start.
api DELETE /v1/backup '{"device_id": "phone", "device_name": "Carol'"'"'s phone"}'
expect 204 "" "delete"
api GET /v1/backup
expect 410 backup_deleted "read after delete"
assert_eq phone "$(field .device_id)" "410 names the device"
assert_eq 6 "$(field .latest_version)" "410 names the last version"
[ "$(field .deleted_at)" -gt 0 ] || fail "deleted_at"
api GET '/v1/backup?version=5'
expect 410 backup_deleted "older version after delete"
api GET /v1/backup/versions
expect 200 "" "list after delete"
assert_eq "true 0" "$(field '"\(.deleted) \(.versions | length)"')" "deleted, no versions"
api DELETE /v1/backup
expect 410 backup_deleted "second delete"
put_backup 3 laptop
expect 410 backup_deleted "stale upload after delete"
[ "$(store_sql 'SELECT count(*) FROM backups')" = 0 ] || fail "the rows are gone"
put_backup 6 laptop
expect 200 "" "upload replacing the deleted version"
assert_eq 7 "$(field .version)" "continues from the deleted version"
api GET /v1/backup
expect 200 "" "readable again"
api DELETE /v1/backup
expect 204 "" "delete again"
put_backup 0 laptop
expect 200 "" "upload with 0 after delete"
assert_eq 1 "$(field .version)" "starts again at 1"
put_backup 1 laptop
assert_eq 2 "$(field .version)" "then 2"

# A fresh account with nothing to delete.
KEY2=$(new_key)
create_account dave@example.com "$KEY2"
signin dave@example.com "$KEY2"
api DELETE /v1/backup
expect 404 no_backup "delete without a backup"
api GET /v1/backup/versions
assert_eq 0 "$(field '.versions | length')" "accounts do not see each other's backups"

# The log names paths without their query.
grep -q ' GET /v1/backup 404 ' "$SERVER_LOG" || fail "log of GET ?version=1"
assert_not_contains "$(cat "$SERVER_LOG")" "?" "no query in the log"

# Survives a restart.
authkeepd_stop || exit 1
authkeepd_start --keep-versions 3
signin carol@example.com "$KEY"
api GET /v1/backup
assert_eq 2 "$(field .version)" "after restart"
echo ok
