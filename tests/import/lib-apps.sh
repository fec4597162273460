# Shared by the tests of the Android apps' formats (apps-fixtures.sh, apps-made.sh).
. "$AUTHKEEP_SOURCE_ROOT/tests/import/helpers.sh"

# expected_of EXPECTED FILE KEY: a field of FILE's entry in EXPECTED ("" for null).
expected_of() {
	python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))["files"][sys.argv[2]].get(sys.argv[3]); print("" if v is None else (len(v) if isinstance(v, list) else v))' "$@"
}

# check_export DIR EXPECTED FILE [OPTIONS...]: on a new device, DIR/FILE is
# recognised (or read with OPTIONS), refuses a wrong password as such (when
# it has one), lists every account in a dry run, and imports to EXPECTED's
# accounts with oathtool's codes; importing it again adds nothing (checked
# when AGAIN is set: the end-to-end tests of each format's own files).
check_export() {
	local dir=$1 expected=$2 file=$3 password count
	shift 3
	n=$((${n:-0} + 1))
	use_home "home$n"
	ak init >/dev/null || fail "init"
	password=$(expected_of "$expected" "$file" password)
	count=$(expected_of "$expected" "$file" accounts)
	if [ -n "$password" ] && [ -z "$(expected_of "$expected" "$file" any_password)" ]; then
		AUTHKEEP_IMPORT_PASSWORD=wrong assert_fails ak import "$@" "$dir/$file"
		assert_contains "$(cat "$T/err")" "wrong password" "$file with a wrong password"
		assert_contains "$(ak list)" "No accounts yet" "$file: nothing imported with a wrong password"
	fi
	AUTHKEEP_IMPORT_PASSWORD="$password" assert_ok ak import --dry-run "$@" "$dir/$file"
	assert_contains "$(cat "$T/out")" "dry run: $count new, 0 identical, 0 conflicting, 0 unreadable" \
		"$file: dry run"
	AUTHKEEP_IMPORT_PASSWORD="$password" assert_ok ak import "$@" "$dir/$file"
	python3 "$AUTHKEEP_SOURCE_ROOT/tests/import/check_accounts.py" "$expected" "$file" ||
		fail "$file: accounts differ from what it holds"
	[ -n "${AGAIN:-}" ] || return 0
	AUTHKEEP_IMPORT_PASSWORD="$password" assert_ok ak import "$@" "$dir/$file"
	assert_contains "$(cat "$T/out")" "imported: 0 added" "$file again"
}
