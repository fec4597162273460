#!/bin/bash
# The default body cap holds the largest backup a device makes: an envelope
# of 16 MiB and 48 bytes (libauthkeep's AK_BACKUP_ENVELOPE_MAX), so a vault of
# 10,000 accounts and more is backed up instead of refused with 413 forever.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"

MAX=$((16 * 1024 * 1024 + 48))
# upload REPLACES BYTES: PUT an envelope of that many random bytes (kept in $T/sent).
upload() {
	head -c "$2" /dev/urandom >"$T/sent"
	python3 - "$1" "$T/sent" >"$T/put.json" <<'PY'
import base64, json, sys
env = base64.b64encode(open(sys.argv[2], "rb").read()).decode()
print(json.dumps({"replaces_version": int(sys.argv[1]), "device_id": "laptop",
                  "device_name": "laptop", "envelope": env}))
PY
	STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -X PUT -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' --data-binary @"$T/put.json" "$SERVER_URL/v1/backup")
}
# same_as_sent: the latest backup, downloaded, is what was sent.
same_as_sent() {
	api GET /v1/backup
	expect 200 "" "$1: download"
	field .envelope | base64 -d >"$T/got"
	cmp -s "$T/sent" "$T/got" || fail "$1: the envelope came back changed"
}

authkeepd_start --rate-address 0 --rate-account 0
KEY=$(new_key)
create_account kai@example.com "$KEY"
signin kai@example.com "$KEY"

upload 0 $((1024 * 1024 + 48))
expect 200 "" "the envelope of a 10,000-account vault (1 MiB)"
same_as_sent "1 MiB"
upload 1 "$MAX"
expect 200 "" "the largest envelope a device makes ($MAX bytes)"
same_as_sent "the largest envelope"
api GET /v1/backup/versions
assert_eq "$MAX" "$(field '.versions[0].size')" "size of the largest envelope"
upload 2 $((MAX + 1))
expect 400 bad_request "one byte more than a device makes"
assert_eq "envelope: larger than $MAX bytes once decoded" "$(field .message)" "its message"
api GET /v1/backup/versions
assert_eq "2 1" "$(field '[.versions[].version] | join(" ")')" "nothing stored by the refused upload"

# max_body still lowers the cap.
authkeepd_stop || exit 1
authkeepd_start --max-body 1000000 --rate-address 0 --rate-account 0
upload 2 $((1024 * 1024))
expect 413 too_large "max_body set lower"
assert_eq 1000000 "$(field .max_bytes)" "max_bytes is the setting"
echo ok
