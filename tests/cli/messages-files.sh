#!/bin/bash
# Messages about passwords and files, each one line that says why, with
# nothing stored changed: no password at all (no terminal, no variable,
# nothing on standard input), a folder that cannot be written, a folder
# given where a file goes, and a symbolic link given as --out.
. "$AUTHKEEP_SOURCE_ROOT/tests/cli/helpers.sh"

setup_three
sum=$(file_sum "$VAULT")
unset AUTHKEEP_IMPORT_PASSWORD AUTHKEEP_EXPORT_PASSWORD AUTHKEEP_NEW_PASSWORD

# Runs the app with no controlling terminal and standard input empty.
no_tty() { setsid "$AUTHKEEP_BIN" "$@" </dev/null; }

# --- No password given: the variable to set is named, not a stale library detail.
AUTHKEEP_EXPORT_PASSWORD="export password" ak export --format aegis --encrypt \
	--out "$T/enc.json" 2>/dev/null || fail "encrypted export"
assert_fails no_tty import "$T/enc.json"
assert_one_error_line "import password: no password given; set AUTHKEEP_IMPORT_PASSWORD or run it on a terminal"
assert_not_contains "$(cat "$T/err")" "keyring" "no stale detail"
assert_fails no_tty export --format aegis --encrypt --out "$T/enc2.json"
assert_one_error_line "export password: no password given; set AUTHKEEP_EXPORT_PASSWORD or run it on a terminal"
[ ! -e "$T/enc2.json" ] || fail "a refused export wrote a file"
assert_fails no_tty backup on --server http://127.0.0.1:9 --email alice@example.com
assert_one_error_line "no password given; set AUTHKEEP_PASSWORD or run it on a terminal"
assert_fails env -u AUTHKEEP_PASSPHRASE setsid "$AUTHKEEP_BIN" list </dev/null
assert_one_error_line "set AUTHKEEP_PASSPHRASE"
assert_eq "$sum" "$(file_sum "$VAULT")" "no password changes nothing"

# --- A folder where a file goes, and a symbolic link as --out.
mkdir "$T/folder"
assert_fails ak import "$T/folder"
assert_one_error_line "import: $T/folder is a folder; give an export file"
assert_fails ak export --format uris --out "$T/folder"
assert_one_error_line "$T/folder: is a folder; --out names the file to write"
ln -s "$T/elsewhere" "$T/link"
assert_fails ak export --format uris --out "$T/link"
assert_one_error_line "refusing to write through a symbolic link"
[ ! -e "$T/elsewhere" ] || fail "the export went through the link"
ln -s "$T/folder" "$T/dirlink"
assert_fails ak export --format qr --out "$T/dirlink"
assert_one_error_line "refusing to write through a symbolic link"
assert_eq "" "$(ls "$T/folder")" "nothing written through the folder's link"
: >"$T/plain-file"
assert_fails ak export --format qr --out "$T/plain-file"
assert_one_error_line "is not a folder"
assert_eq "$sum" "$(file_sum "$VAULT")" "file mistakes change nothing"

# --- A device folder that cannot be written: a read-only mount of it, in a
# user namespace of this test's own (root writes through file modes).
if unshare -r -m true 2>/dev/null; then
	# in_ro CMD...: runs CMD with $T mounted read-only.
	in_ro() {
		unshare -r -m bash -c 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && shift && exec "$@"' \
			"$T" x "$@"
	}
	assert_fails in_ro "$AUTHKEEP_BIN" add --issuer New --account one --secret "$SEED256"
	assert_one_error_line "saving the vault: the folder $AUTHKEEP_HOME is not writable (Read-only file system); nothing was changed"
	assert_fails in_ro "$AUTHKEEP_BIN" rename GitHub: Other:name
	assert_one_error_line "is not writable"
	assert_fails in_ro env AUTHKEEP_HOME="$T/new-device" "$AUTHKEEP_BIN" init
	assert_one_error_line "init: creating the vault at $T/new-device/vault.json: $T/new-device: cannot create: Read-only file system"
	assert_fails in_ro "$AUTHKEEP_BIN" export --format uris --out "$T/out.txt"
	assert_one_error_line "$T/out.txt: cannot write: Read-only file system"
	assert_eq "$sum" "$(file_sum "$VAULT")" "a read-only folder changes nothing"
	assert_eq 3 "$(ak list --json | jq length)" "still three accounts"
else
	echo "note: no user namespaces here; the read-only folder is not tested" >&2
fi
echo ok
