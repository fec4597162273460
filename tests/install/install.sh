#!/bin/bash
# shellcheck disable=SC2154 # install_into (lib-install.sh) sets dir_* and project_version
# meson install into a temporary folder (DESTDIR), then the installed files
# used as a user and a packager would: each in its place under the prefix,
# the installed programs run (a vault made and a code shown), and the
# installed authkeepd serving the installed web pages.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/install/lib-install.sh"

D="$T/dest"
install_into "$D"
P="$D$dir_prefix"
BIN="$D$dir_bindir"
SBIN="$D$dir_sbindir"
DATA="$D$dir_datadir"

# Everything in its place.
for f in "$BIN/authkeep" "$SBIN/authkeepd"; do
	[ -x "$f" ] || fail "not installed: ${f#"$D"}"
done
[ ! -e "$BIN/authkeepd" ] || fail "authkeepd is a daemon: in sbin, not bin"
for f in authkeep-import authkeep-http; do
	[ -x "$D$dir_libexecdir/authkeep/$f" ] || fail "not installed: libexec/authkeep/$f"
done
for f in signin.html account.html style.css signin.js; do
	[ -f "$DATA/authkeep/web/$f" ] || fail "not installed: share/authkeep/web/$f"
done
for f in README.md architecture.md vault-format.md backup-format.md admin.md; do
	[ -f "$DATA/doc/authkeep/$f" ] || fail "not installed: share/doc/authkeep/$f"
done
unit=$(find "$D" -name authkeepd.service -path '*/systemd/system/*')
[ -n "$unit" ] || fail "the systemd unit is not installed"
case $unit in
"$P"/*) ;;
*) fail "the unit is outside the prefix: ${unit#"$D"}" ;;
esac
[ -f "$D$dir_sysconfdir/authkeepd/authkeepd.conf" ] || fail "authkeepd.conf is not installed"
grep -q "^ExecStart=[^ ]*/sbin/authkeepd " "$unit" || fail "the unit does not start sbin/authkeepd: $(grep ExecStart "$unit")"
# The man pages, when this build made them (scdoc).
for page in authkeep.1 authkeepd.8 authkeep-vault.5 authkeep-backup.5; do
	[ ! -f "$AUTHKEEP_BUILD_ROOT/man/$page" ] || [ -f "$D$dir_mandir/man${page##*.}/$page" ] ||
		fail "man page not installed: $page"
done
# Completions, where each shell looks, for those the tree has.
for c in authkeep.bash:bash-completion/completions/authkeep _authkeep:zsh/vendor-completions/_authkeep \
	authkeep.fish:fish/vendor_completions.d/authkeep.fish; do
	[ ! -f "$AUTHKEEP_SOURCE_ROOT/completions/${c%%:*}" ] || [ -f "$DATA/${c#*:}" ] ||
		fail "completion not installed: share/${c#*:}"
done

# The installed program: its version, a vault, a code.
assert_ok "$BIN/authkeep" --version
assert_contains "$(cat "$T/out")" "authkeep $project_version" "authkeep --version"
assert_ok "$BIN/authkeep" init
printf 'otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example\n' |
	"$BIN/authkeep" add - >"$T/out" 2>"$T/err" || fail "authkeep add: $(cat "$T/err")"
now=$(date +%s)
assert_ok "$BIN/authkeep" code alice --at "$now" --quiet
assert_eq "$(oathtool --totp -b -N "@$now" JBSWY3DPEHPK3PXP)" "$(cat "$T/out")" "the installed authkeep's code"

# The library: its soname, the public API alone, its headers and
# pkg-config file, and a program built with them.
LIB="$D$dir_libdir"
[ -f "$LIB/libauthkeep.so.0" ] || fail "not installed: libauthkeep.so.0"
assert_eq "libauthkeep.so.0" "$(objdump -p "$LIB/libauthkeep.so.0" | awk '$1 == "SONAME" {print $2}')" "the library's SONAME"
[ "$(readlink -f "$LIB/libauthkeep.so")" = "$(readlink -f "$LIB/libauthkeep.so.0")" ] ||
	fail "libauthkeep.so is not the link to libauthkeep.so.0 that -lauthkeep finds"
# Core and importers: SQLCipher, never SQLite beside it (lib/meson.build).
needed=$(readelf -d "$LIB/libauthkeep.so.0" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
assert_contains "$needed" "libsqlcipher.so" "libauthkeep.so.0's libraries"
assert_not_contains "$needed" "libsqlite3" "libauthkeep.so.0's libraries"
[ -f "$D$dir_includedir/authkeep/authkeep.h" ] || fail "not installed: include/authkeep/authkeep.h"
nm -D --defined-only "$LIB/libauthkeep.so.0" | awk '$2 == "T" {print $3}' | sed 's/@.*//' | sort -u >"$T/exported"
grep -q '^ak_totp$' "$T/exported" || fail "libauthkeep.so.0 does not export ak_totp"
grep -ohw 'ak_[a-z0-9_]*' "$D$dir_includedir"/authkeep/*.h | sort -u >"$T/declared"
comm -23 "$T/exported" "$T/declared" >"$T/extra"
[ ! -s "$T/extra" ] || fail "libauthkeep.so.0 exports what no public header declares: $(tr '\n' ' ' <"$T/extra")"
export PKG_CONFIG_PATH="$LIB/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$D"
flags=$(pkg-config --cflags --libs authkeep) || fail "pkg-config authkeep: no authkeep.pc in $LIB/pkgconfig"
assert_contains "$flags" "-lauthkeep" "pkg-config --libs authkeep"
# A library built with sanitizers needs a program built with them (the ASan
# tree is clang's, scripts/check.sh).
compile=(cc)
[ -z "${AUTHKEEP_SANITIZED:-}" ] || compile=(clang "-fsanitize=$AUTHKEEP_SANITIZED")
# shellcheck disable=SC2086
"${compile[@]}" -o "$T/uri_code" "$AUTHKEEP_SOURCE_ROOT/tests/install/uri_code.c" $flags ||
	fail "a program does not build against the installed library ($flags)"
LD_LIBRARY_PATH="$LIB" assert_ok "$T/uri_code" "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP" "$now"
assert_eq "$(oathtool --totp -b -N "@$now" JBSWY3DPEHPK3PXP) $project_version" "$(cat "$T/out")" \
	"the code of a program built against the installed library"
LD_LIBRARY_PATH="$LIB" ldd "$T/uri_code" | grep -q "$LIB/libauthkeep.so.0" ||
	fail "the program does not run on the installed libauthkeep.so.0"

# The installed server: its help, and its pages from the installed templates.
assert_ok "$SBIN/authkeepd" --help
assert_contains "$(cat "$T/out")" "--web-dir" "authkeepd --help"
AUTHKEEPD_BIN="$SBIN/authkeepd" authkeepd_start --web-dir "$DATA/authkeep/web"
page=$(curl -fsS "$SERVER_URL/signin") || fail "GET /signin from the installed authkeepd"
assert_contains "$page" 'name="email"' "the installed sign-in page"
authkeepd_stop || fail "authkeepd did not stop cleanly"
