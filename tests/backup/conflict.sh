#!/bin/bash
# Recovery never overwrites: accounts already on the device stop it and are
# named; --dry-run shows new / identical / conflicting; --merge adds what is
# missing and keeps both versions of a conflicting account; --version N
# restores an older version on this device only.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"

start_server
R=(--server "$SERVER" --email "$EMAIL")

device_a_backed_up                                   # version 1: 5 accounts
assert_ok on A add --issuer "Extra" --account "sixth.one" --secret NBSWY3DPO5XXE3DE # version 2: 6
assert_ok on A remove "Cloud Bank" --yes                                           # version 3: 5
PLAINTEXT+=("NBSWY3DPO5XXE3DE" "sixth.one")

# Device B: one account identical to A's, one with the same name but another
# secret, one of its own.
new_device B
on B add --issuer "Forge Hub" --account "dev.one@forge.example" --secret JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP >/dev/null
on B add --issuer "Mail Co" --account "reader.three" --secret GAYTEMZUGU3DOOBZGAYTEMZUGU >/dev/null
on B add --issuer "B Only" --account "b.user" --secret MZXW6YTBOI3DEMJQ >/dev/null
PLAINTEXT+=("GAYTEMZUGU3DOOBZGAYTEMZUGU" "MZXW6YTBOI3DEMJQ" "b.user")
mail_code=$(on B code "Mail Co" --at 1234567890 --quiet)
sum=$(file_sum "$(vault_of B)")

# Refused: the accounts in the way are named; nothing changes.
assert_fails on B recover "${R[@]}"
err=$(cat "$T/err")
assert_contains "$err" "2 accounts of the backup already exist on this device" "refusal"
assert_contains "$err" "(different here: Mail Co:reader.three; the same: Forge Hub:dev.one@forge.example)" "accounts named"
assert_contains "$err" "nothing was changed" "refusal says nothing changed"
assert_eq 1 "$(wc -l <"$T/err")" "one line"
assert_eq "$sum" "$(file_sum "$(vault_of B)")" "B unchanged after the refusal"

# Dry run: each account new, identical or conflicting; nothing changes.
assert_ok on B recover "${R[@]}" --dry-run
out=$(cat "$T/out")
assert_contains "$out" "Backup version 3 of $EMAIL, made by device A" "dry-run header"
grep -Eq '^new +Old VPN:tunnel.four' "$T/out" || fail "Old VPN new: $out"
grep -Eq '^new +Extra:sixth.one' "$T/out" || fail "Extra new: $out"
grep -Eq '^identical +Forge Hub:dev.one@forge.example' "$T/out" || fail "Forge Hub identical: $out"
grep -Eq '^conflicting +Mail Co:reader.three' "$T/out" || fail "Mail Co conflicting: $out"
assert_contains "$out" "3 new, 1 identical, 1 conflicting. Dry run: nothing was changed." "dry-run counts"
assert_not_contains "$out" "Cloud Bank" "removed account not in version 3"
assert_eq "$sum" "$(file_sum "$(vault_of B)")" "B unchanged after the dry run"

# Merge: adds the three missing ones, keeps B's own Mail Co and the backup's beside it.
assert_ok on B recover "${R[@]}" --merge
assert_contains "$(cat "$T/out")" "Added 3 missing accounts from backup version 3" "merge"
assert_contains "$(cat "$T/out")" "Kept both versions of 1 conflicting account: this device's as it was, the backup's as Mail Co:reader.three (imported)" "merge keeps both"
assert_eq 7 "$(carried_json B list | "$SYS_PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')" "B has 7"
codes_at B 1234567890 >"$T/b.codes"
assert_eq "Mail Co reader.three $mail_code" "$(grep '^Mail Co reader.three [0-9]' "$T/b.codes")" "B's Mail Co untouched"
assert_eq "Mail Co reader.three (imported) $(on A code "Mail Co" --at 1234567890 --quiet)" \
	"$(grep '^Mail Co reader.three (imported) ' "$T/b.codes")" "the backup's Mail Co beside it"
# B had accounts of its own: the merged set is backed up as version 4.
on B backup status --json >"$T/b.json"
assert_eq 4 "$(json_get "$T/b.json" 'd["version"]')" "merged set uploaded"

# Recovering again is refused: all seven are there now.
assert_fails on B recover "${R[@]}"
assert_contains "$(cat "$T/err")" "7 accounts of the backup already exist on this device" "again"

# An older version: version 1 still holds Cloud Bank and not Extra.
assert_ok on C recover "${R[@]}" --version 1 --dry-run
assert_contains "$(cat "$T/out")" "Backup version 1 of $EMAIL" "version 1 dry run"
grep -Eq '^new +Cloud Bank:saver.two' "$T/out" || fail "Cloud Bank in version 1: $(cat "$T/out")"
assert_not_contains "$(cat "$T/out")" "Extra" "no Extra in version 1"
[ ! -e "$(vault_of C)" ] || fail "a dry run created a vault"
assert_ok on C recover "${R[@]}" --version 1
assert_contains "$(cat "$T/out")" "Recovered 5 accounts from backup version 1" "restore version 1"
carried_json C list | "$SYS_PY" -c 'import json,sys; print(" ".join(a["issuer"].replace(" ","_") for a in json.load(sys.stdin)))' >"$T/c.list"
assert_eq "Forge_Hub Cloud_Bank Mail_Co Old_VPN Steam" "$(cat "$T/c.list")" "version 1's accounts in order"
# Bringing back an older version changes only C: version 4 stays the latest.
on C backup status --json >"$T/c.json"
assert_eq newer_backup "$(json_get "$T/c.json" 'd["state"]')" "C knows a newer backup exists"
assert_eq 1 "$(json_get "$T/c.json" 'd["version"]')" "C restored version 1"

# Turning backup on where another device's backup exists would replace it:
# refused, with the way to combine both; nothing changes.
new_device E
on E add --issuer "E Only" --account "e.user" --secret MZXW6YTBOI3DEMJR >/dev/null
PLAINTEXT+=("MZXW6YTBOI3DEMJR" "e.user")
sum=$(file_sum "$(vault_of E)")
assert_fails on E backup on "${R[@]}"
assert_contains "$(cat "$T/err")" "$EMAIL holds a backup already (version 4 from device B (" "refused"
assert_contains "$(cat "$T/err")" "authkeep recover --merge" "says how to combine"
assert_eq "$sum" "$(file_sum "$(vault_of E)")" "E unchanged"
# Signing in to a recovery account that does not exist fails like a wrong password.
assert_fails on E backup on --server "$SERVER" --email other@recovery.test
assert_contains "$(cat "$T/err")" "or no recovery account of that email on this server" "unknown"
assert_fails on E backup on "${R[@]}" --create
assert_contains "$(cat "$T/err")" "a recovery account $EMAIL exists on this server already" "exists"
assert_eq "$sum" "$(file_sum "$(vault_of E)")" "E unchanged"

stop_server
check_no_plaintext
