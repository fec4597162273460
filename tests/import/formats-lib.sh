# Shared by the tests of single formats (tests/import/FORMAT.sh): a fresh
# device, an import, and the vault checked account by account
# (check_accounts.py: every field, and the codes against oathtool or Steam's
# algorithm), for the real exports in the interop fixtures' more/ and for
# exports made from each format's description (make_exports.py).
. "$AUTHKEEP_SOURCE_ROOT/tests/import/helpers.sh"

HERE="$AUTHKEEP_SOURCE_ROOT/tests/import"
MORE=${AUTHKEEP_FIXTURES:+$AUTHKEEP_FIXTURES/more}
n_home=0

# fresh_device: an empty vault of its own in $T/dN.
fresh_device() {
	n_home=$((n_home + 1))
	use_home "d$n_home"
	ak init >/dev/null || fail "init"
}

# check_vault EXPECTED [NAME]: the vault holds exactly those accounts.
check_vault() {
	python3 "$HERE/check_accounts.py" "$@" >"$T/check" 2>&1 || fail "accounts differ: $(cat "$T/check")"
}

# import_checked WHAT FILE EXPECTED [NAME] [-- ARGS...]: on a fresh device,
# the dry run lists every expected account as new and nothing unreadable,
# the import adds them all, the vault holds exactly them, and the file is
# unchanged. ARGS go to both imports (--format F).
import_checked() {
	local what=$1 file=$2 expected=$3 name=${4:-} sum count
	shift 4 2>/dev/null || shift $#
	[ "${1:-}" = "--" ] && shift
	fresh_device
	sum=$(file_sum "$file")
	assert_ok ak import "$file" --dry-run "$@"
	count=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d if isinstance(d, list) else d["files"][sys.argv[2]]["accounts"]))' "$expected" "$name")
	assert_contains "$(cat "$T/out")" "dry run: $count new, 0 identical, 0 conflicting, 0 unreadable" "$what: dry run"
	assert_eq "$count" "$(grep -c '^new ' "$T/out")" "$what: one line a new entry"
	assert_ok ak import "$file" "$@"
	assert_contains "$(cat "$T/out")" "imported: $count added" "$what: import"
	assert_eq "$sum" "$(file_sum "$file")" "$what: the file is unchanged"
	if [ -n "$name" ]; then check_vault "$expected" "$name"; else check_vault "$expected"; fi
}

# dry_run_named WHAT FILE COUNT ARGS...: the dry run (with ARGS, --format F) lists COUNT new entries.
dry_run_named() {
	local what=$1 file=$2 count=$3
	shift 3
	fresh_device
	assert_ok ak import "$file" --dry-run "$@"
	assert_contains "$(cat "$T/out")" "dry run: $count new, 0 identical, 0 conflicting, 0 unreadable" "$what"
}

# make KIND FILE [PASSWORD]: an export made from the format's description; its accounts in FILE.want.
make() {
	/usr/bin/python3 "$HERE/make_exports.py" "$1" "$2" "$2.want" ${3:+"$3"} || fail "making $1"
}

# have_more FILE: whether the real export is there (else say so once).
have_more() {
	if [ -n "${MORE:-}" ] && [ -f "$MORE/$1" ] && [ -f "$MORE/expected.json" ]; then
		return 0
	fi
	echo "note: no real export $1 (../shared/fixtures/interop/more is absent): only made ones are read"
	return 1
}

# more_checked FILE [ARGS...]: the real export, with its password from more/expected.json.
more_checked() {
	local file=$1 password
	shift
	password=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["files"][sys.argv[2]].get("password") or "")' \
		"$MORE/expected.json" "$file")
	AUTHKEEP_IMPORT_PASSWORD=$password import_checked "$file" "$MORE/$file" "$MORE/expected.json" "$file" -- "$@"
}
