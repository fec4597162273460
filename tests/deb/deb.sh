#!/bin/bash
# The Debian packages, as a user of this machine gets them: built from a copy
# of the source tree with dpkg-buildpackage, checked by lintian (no error),
# installed with apt-get, used (authkeep --version, a vault and a code, a
# program built against libauthkeep-dev, the service started as its unit
# starts it), then purged, leaving nothing behind.
#
# It installs packages on this machine, so it runs as root, one at a time
# (a lock), and only where no authkeep package is installed already.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"

PACKAGES="authkeep authkeepd libauthkeep0 libauthkeep-dev libpam-authkeep"
[ "$(id -u)" = 0 ] || skip "installing packages needs root"
for tool in dpkg-buildpackage dh lintian apt-get; do
	command -v "$tool" >/dev/null || skip "$tool is missing (scripts/install-deps.sh installs it)"
done
step() { echo "$(date +%T) $*"; }

exec 9>/run/lock/authkeep-deb-test.lock
flock -w 1200 9 || fail "another run of this test holds /run/lock/authkeep-deb-test.lock"
for p in $PACKAGES; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qv "not-installed"; then
		skip "$p is installed on this machine already; the test would replace it"
	fi
done
STATE=/var/lib/authkeepd
[ ! -e "$STATE" ] || skip "$STATE exists already (not made by this test)"

# A copy of the tree as it is, uncommitted changes included, without builds.
step "copying the source tree"
mkdir -p "$T/src"
if git -C "$AUTHKEEP_SOURCE_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$AUTHKEEP_SOURCE_ROOT" ls-files -co --exclude-standard -z |
		(cd "$AUTHKEEP_SOURCE_ROOT" && tar -c --null -T - 2>/dev/null) | tar -x -C "$T/src"
else
	tar -C "$AUTHKEEP_SOURCE_ROOT" -c --exclude='./build*' --exclude=./node_modules . | tar -x -C "$T/src"
fi

step "dpkg-buildpackage -us -uc -b"
(cd "$T/src" && DEB_BUILD_OPTIONS="nocheck noddebs parallel=2" dpkg-buildpackage -us -uc -b) \
	>"$T/build.log" 2>&1 || fail "dpkg-buildpackage: $(tail -n 20 "$T/build.log")"
version=$(dpkg-parsechangelog -l "$T/src/debian/changelog" -S Version)
arch=$(dpkg --print-architecture)
debs=()
for p in $PACKAGES; do
	debs+=("$T/${p}_${version}_${arch}.deb")
	[ -f "${debs[-1]}" ] || fail "dpkg-buildpackage made no $p package"
done

step "lintian"
lintian -I "$T/authkeep_${version}_${arch}.changes" >"$T/lintian.txt" 2>&1
if grep -q '^E:' "$T/lintian.txt"; then
	fail "lintian reports errors: $(grep '^E:' "$T/lintian.txt")"
fi
grep '^[WI]:' "$T/lintian.txt" || true

step "apt-get install"
purged=""
purge() {
	[ -z "$purged" ] || return 0
	purged=1
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq -o DPkg::Lock::Timeout=600 $PACKAGES \
		>"$T/purge.log" 2>&1
}
at_exit purge
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	-o DPkg::Lock::Timeout=600 "${debs[@]}" >"$T/install.log" 2>&1 ||
	fail "apt-get install: $(tail -n 10 "$T/install.log")"

# The programs in their places, as a user runs them (a release build: real
# key-derivation costs).
unset AUTHKEEP_KDF_COST
assert_ok authkeep --version
assert_contains "$(cat "$T/out")" "authkeep ${version%%-*}" "authkeep --version"
assert_eq /usr/bin/authkeep "$(command -v authkeep)" "authkeep's place"
assert_ok authkeep init
printf 'otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example\n' |
	authkeep add - >"$T/out" 2>"$T/err" || fail "authkeep add: $(cat "$T/err")"
now=$(date +%s)
assert_ok authkeep code alice --at "$now" --quiet
assert_eq "$(oathtool --totp -b -N "@$now" JBSWY3DPEHPK3PXP)" "$(cat "$T/out")" "the packaged authkeep's code"
# export runs in authkeep-import, installed beside it, on libauthkeep.so.0.
assert_ok authkeep export --format uris
assert_contains "$(cat "$T/out")" "secret=JBSWY3DPEHPK3PXP" "export through the packaged authkeep-import"
man -w authkeep >/dev/null 2>&1 || [ ! -x /usr/bin/man ] || fail "man authkeep finds no page"

# libauthkeep-dev: a program built with pkg-config's flags, on libauthkeep0.
flags=$(pkg-config --cflags --libs authkeep) || fail "pkg-config finds no authkeep.pc"
# shellcheck disable=SC2086
cc -o "$T/uri_code" "$AUTHKEEP_SOURCE_ROOT/tests/install/uri_code.c" $flags ||
	fail "a program does not build against libauthkeep-dev"
assert_ok "$T/uri_code" "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP" "$now"
assert_eq "$(oathtool --totp -b -N "@$now" JBSWY3DPEHPK3PXP)" "$(cut -d' ' -f1 "$T/out")" \
	"the code of a program built against libauthkeep-dev"

# The service.
step "the service"
unit=/lib/systemd/system/authkeepd.service
[ -f "$unit" ] || fail "authkeepd has no unit at $unit"
systemd-analyze verify "$unit" >"$T/verify.txt" 2>&1 || fail "systemd-analyze verify: $(cat "$T/verify.txt")"
port=$(free_port)
if [ -d /run/systemd/system ]; then
	# systemd runs this machine: the unit itself, on a port of its own.
	mkdir -p /run/systemd/system/authkeepd.service.d
	at_exit 'rm -rf /run/systemd/system/authkeepd.service.d; systemctl daemon-reload'
	printf '[Service]\nExecStart=\nExecStart=%s --listen 127.0.0.1:%s\n' \
		"$(sed -n 's/^ExecStart=//p' "$unit")" "$port" >/run/systemd/system/authkeepd.service.d/test.conf
	systemctl daemon-reload
	systemctl start authkeepd || fail "systemctl start authkeepd: $(journalctl -u authkeepd -n 20 --no-pager)"
	at_exit 'systemctl stop authkeepd'
	SERVER_URL="http://127.0.0.1:$port" SERVER_CURL=(curl -fsS) SERVER_ERR=/dev/null
	SERVER_PID=$(systemctl show -P MainPID authkeepd)
	authkeepd_wait
	curl -fsS "$SERVER_URL/signin" | grep -q 'name="email"' || fail "the service's sign-in page"
	systemctl stop authkeepd
	SERVER_PID=""
else
	# No systemd here (a container): what the unit does, by hand. Its
	# command line, as a user made for it (DynamicUser=) that owns only the
	# state folder (StateDirectory=, mode 0700) and creates files 0600.
	read -r -a exec_start <<<"$(sed -n 's/^ExecStart=//p' "$unit")"
	[ "${exec_start[0]}" = /usr/sbin/authkeepd ] || fail "the unit starts ${exec_start[0]}, not /usr/sbin/authkeepd"
	user="akd-test-$$"
	useradd --system --no-create-home --home-dir / --shell /usr/sbin/nologin "$user" ||
		fail "useradd $user"
	at_exit "userdel $user"
	install -d -m 0700 -o "$user" -g "$user" "$STATE"
	at_exit "rm -rf $STATE"
	(
		umask 0077
		cd "$STATE" && exec setpriv --reuid "$user" --regid "$user" --clear-groups \
			"${exec_start[@]}" --listen "127.0.0.1:$port"
	) >"$T/service.log" 2>&1 &
	SERVER_PID=$!
	SERVER_URL="http://127.0.0.1:$port" SERVER_CURL=(curl -fsS) SERVER_ERR="$T/service.log"
	authkeepd_wait
	# The pages come from the installed templates, found by default.
	curl -fsS "http://127.0.0.1:$port/signin" | grep -q 'name="email"' || fail "the service's sign-in page"
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID" || fail "authkeepd did not stop cleanly: $(tail -n 5 "$T/service.log")"
	SERVER_PID=""
	db=$(printf '%s\n' "${exec_start[@]}" | sed -n 's/^sqlite://p')
	[ -f "$db" ] || fail "the service made no database at $db"
	assert_eq "600 $user" "$(stat -c '%a %U' "$db")" "the database's mode and owner"
fi

# Purged, nothing is left: no package, no file of theirs, no settings, no state.
step "apt-get purge"
dpkg-deb -c "${debs[0]}" >"$T/files.txt"
for deb in "${debs[@]:1}"; do dpkg-deb -c "$deb" >>"$T/files.txt"; done
purge || fail "apt-get purge: $(tail -n 10 "$T/purge.log")"
for p in $PACKAGES; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qv "not-installed"; then
		fail "$p is still there after purge: $(dpkg-query -W -f='${Status}' "$p")"
	fi
done
left=$(awk '$1 !~ /^d/ {print substr($6, 2)}' "$T/files.txt" | while read -r f; do
	[ ! -e "$f" ] && [ ! -L "$f" ] || echo "$f"
done)
[ -z "$left" ] || fail "left after purge: $left"
for d in /etc/authkeepd "$STATE" /var/lib/private/authkeepd /usr/share/authkeep /usr/libexec/authkeep \
	/usr/include/authkeep /usr/share/doc/authkeep; do
	[ ! -e "$d" ] || fail "left after purge: $d"
done
step "done"
