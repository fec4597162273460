#!/bin/bash
# Deleting and bringing back, through the API: a delete keeps the versions
# for the grace period (undelete brings them back), `now` purges at once
# and only with a fresh proof of the password in the same request (a
# session alone is refused), an account deleted the same way refuses
# sign-ins and creation of its email, and comes back through
# /v1/account/undelete.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"

# The grace period is a duration of at least a second.
"$AUTHKEEPD_BIN" --db "sqlite:$T/never.db" --deleted-grace 0 >"$T/out" 2>&1 &&
	fail "a grace of 0 was taken"
assert_contains "$(cat "$T/out")" "deleted_grace: from 1 second to 3650 days" "grace refused"
"$AUTHKEEPD_BIN" --db "sqlite:$T/never.db" --deleted-grace soon >"$T/out" 2>&1 &&
	fail "a grace of 'soon' was taken"
assert_contains "$(cat "$T/out")" "deleted_grace: 'soon' is not a duration" "grace refused"

authkeepd_start
EMAIL=life@example.com
KEY=$(new_key)
create_account "$EMAIL" "$KEY"
expect 201 "" "account created"
signin "$EMAIL" "$KEY"
put_backup 0 dev1 laptop
expect 200 "" "version 1"
put_backup 1 dev1 laptop
expect 200 "" "version 2"

# Deleted with the grace period: the answer says until when.
api DELETE /v1/backup '{"device_id": "dev1", "device_name": "laptop"}'
expect 200 "" "deleted"
assert_eq false "$(field .purged)" "kept"
assert_eq 2 "$(field .versions)" "both versions kept"
until=$(field .restorable_until)
[ "$until" -gt "$(field .deleted_at)" ] || fail "restorable_until after deleted_at: $(cat "$T/body")"
api GET /v1/backup/versions
expect 200 "" "versions of a deleted backup"
assert_eq true "$(field .deleted)" "deleted"
assert_eq "$until" "$(field .restorable_until)" "until when, in the list"
assert_eq "2 1" "$(field '[.deleted_versions[].version] | join(" ")')" "the kept versions"
api GET /v1/backup
expect 410 backup_deleted "download refused"
assert_eq "$until" "$(field .restorable_until)" "until when, in the refusal"
api GET "/v1/backup?deleted=1"
expect 200 "" "a kept version, on purpose"
assert_eq 2 "$(field .version)" "the latest kept"

# Undelete: every version is back, numbered as before.
api POST /v1/backup/undelete
expect 200 "" "undeleted"
assert_eq 2 "$(field .latest_version)" "latest"
api GET /v1/backup/versions
assert_eq "false 2 1" "$(field '"\(.deleted) \([.versions[].version] | join(" "))"')" "back"
api POST /v1/backup/undelete
expect 409 not_deleted "nothing to bring back"

# Purging at once needs the password's proof in the same request.
api DELETE /v1/backup '{"now": true}'
expect 403 proof_required "a session alone is refused"
assert_contains "$(field .message)" "proof of the password" "says what is missing"
api GET /v1/backup/versions
assert_eq "false 2" "$(field '"\(.deleted) \(.versions | length)"')" "nothing changed"
OTHER=$(new_key)
create_account other@example.com "$OTHER"
body=$(with_proof other@example.com "$OTHER" password '{"now": true}')
api DELETE /v1/backup "$body"
expect 403 proof_required "another account's proof is refused"
body=$(with_proof "$EMAIL" "$(new_key)" password '{"now": true}')
api DELETE /v1/backup "$body"
expect 401 bad_password "a wrong password is refused"
body=$(with_proof "$EMAIL" "$KEY" password '{"now": true, "device_id": "dev1"}')
api DELETE /v1/backup "$body"
expect 200 "" "purged"
assert_eq true "$(field .purged)" "purged"
assert_eq null "$(field .restorable_until)" "nothing to bring back"
api GET /v1/backup/versions
assert_eq "true true null" "$(field '"\(.deleted) \(.purged) \(.restorable_until)"')" "purged state"
api POST /v1/backup/undelete
expect 410 purged "nothing left"
api DELETE /v1/backup '{"not": "json"'
expect 400 bad_json "a broken body"

# The account: deleting it takes the password too, and signs everything out.
api DELETE /v1/account '{}'
expect 403 proof_required "account delete without a proof"
body=$(with_proof "$EMAIL" "$KEY" password '{"device_id": "dev1", "device_name": "laptop"}')
api DELETE /v1/account "$body"
expect 200 "" "account deleted"
assert_eq false "$(field .purged)" "kept"
api GET /v1/account
expect 401 session_expired "the session ended"
"$SRP_TOOL" signin "$SERVER_URL" "$EMAIL" "$KEY" password >"$T/signin" 2>&1 &&
	fail "a sign-in to a deleted account worked"
assert_contains "$(cat "$T/signin")" "account_deleted" "sign-in refused as deleted"
create_account "$EMAIL" "$(new_key)"
expect 409 account_exists "the email is not taken over"

# Undo by signing in through /v1/account/undelete: a session, and restored.
p=$("$SRP_TOOL" proof "$SERVER_URL" "$EMAIL" "$(new_key)" password)
raw POST /v1/account/undelete "{\"proof\": $p}"
expect 401 bad_password "a wrong password brings nothing back"
raw POST /v1/account/undelete '{}'
expect 400 bad_request "no proof"
p=$("$SRP_TOOL" proof "$SERVER_URL" "$EMAIL" "$KEY" password)
raw POST /v1/account/undelete "{\"proof\": $p}"
expect 200 "" "undeleted"
assert_eq true "$(field .restored)" "restored"
TOKEN=$(field .session_token)
api GET /v1/account
expect 200 "" "signed in"
signin "$EMAIL" "$KEY"

# --now: purged at once, and its email reserved for the rest of the grace period.
body=$(with_proof "$EMAIL" "$KEY" password '{"now": true}')
api DELETE /v1/account "$body"
expect 200 "" "account purged"
assert_eq true "$(field .purged)" "purged"
create_account "$EMAIL" "$(new_key)"
expect 409 email_reserved "the email is reserved"
[ "$(field .reserved_until)" -gt 0 ] || fail "reserved_until: $(cat "$T/body")"
# Nothing but the tombstone is left: not even the email, in any of the
# files (SQLite's database, -wal and -shm; a dump of PostgreSQL's).
if store_dump | grep -aqF "$EMAIL"; then
	fail "the email is in the database files"
fi

authkeepd_stop
