#!/bin/sh
# Installs the Debian packages Authkeep needs, by group, and does nothing when
# all of them are present already.
#   scripts/install-deps.sh           build, test, fuzz and the demo (make check, make demo);
#                                     chromium, nodejs and npm for the browser tests (tests/web/)
#   scripts/install-deps.sh bench     what bench/ also runs (make bench): hyperfine,
#                                     wrk, nginx, and pass with its otp extension
#                                     (pass-otp; Debian 12 also names it
#                                     pass-extension-otp, a transitional package)
set -eu

PACKAGES="gcc clang pkg-config meson ninja-build make git
libsodium-dev libssl-dev libmicrohttpd-dev libcurl4-openssl-dev libjansson-dev
libsqlite3-dev libzbar-dev libpng-dev libjpeg-dev libqrencode-dev
libsqlcipher-dev libxml2-dev libzip-dev zlib1g-dev sqlcipher zip python3-cryptography
libcmocka-dev libkeyutils-dev libclang-rt-14-dev libpam0g-dev pamtester
oathtool qrencode zbar-tools imagemagick jq sqlite3 keyutils tmux procps
python3 python3-srp python3-aiosmtpd curl openssl
libargon2-dev python3-argon2
chromium nodejs npm libpq-dev postgresql
scdoc debhelper dpkg-dev build-essential lintian systemd"
# The shells whose completions (completions/) the tests drive.
PACKAGES="$PACKAGES zsh fish"
BENCH_PACKAGES="hyperfine wrk nginx-light pass pass-otp gnupg"

case ${1:-} in
"") ;;
bench) PACKAGES="$PACKAGES $BENCH_PACKAGES" ;;
*)
	echo "usage: scripts/install-deps.sh [bench]" >&2
	exit 2
	;;
esac

missing=""
for p in $PACKAGES; do
	# Another Node.js (NodeSource's) brings its own npm, which Debian's would replace.
	if [ "$p" = npm ] && command -v npm >/dev/null; then
		continue
	fi
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
