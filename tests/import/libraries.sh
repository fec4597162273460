#!/bin/bash
# SQLCipher exports the same sqlite3_* symbols as SQLite, so no program may
# load both: authkeepd keeps its store in SQLite and never gets SQLCipher;
# authkeep-import reads databases (plain or encrypted) with SQLCipher alone;
# authkeep, which reads codes, loads neither.
. "$AUTHKEEP_SOURCE_ROOT/tests/import/helpers.sh"

command -v readelf >/dev/null || skip "no readelf"
IMPORT_BIN="$AUTHKEEP_BUILD_ROOT/cli/authkeep-import"

# needed BINARY: the shared libraries it names, one a line.
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

server=$(needed "$AUTHKEEPD_BIN")
assert_contains "$server" "libsqlite3.so" "authkeepd's libraries"
assert_not_contains "$server" "libsqlcipher" "authkeepd's libraries"

importer=$(needed "$IMPORT_BIN")
assert_contains "$importer" "libsqlcipher.so" "authkeep-import's libraries"
assert_not_contains "$importer" "libsqlite3" "authkeep-import's libraries"

main=$(needed "$AUTHKEEP_BIN")
assert_not_contains "$main" "libsqlite3" "authkeep's libraries"
assert_not_contains "$main" "libsqlcipher" "authkeep's libraries"

# What the dynamic loader brings in, dependencies of dependencies included.
if command -v ldd >/dev/null && [ -z "${AUTHKEEP_SANITIZED:-}" ]; then
	assert_not_contains "$(ldd "$AUTHKEEPD_BIN")" "libsqlcipher" "authkeepd as loaded"
	assert_not_contains "$(ldd "$IMPORT_BIN")" "libsqlite3" "authkeep-import as loaded"
fi
echo "ok"
