#!/bin/sh
# Installs every Debian package that Authkeep needs to build, test, fuzz,
# benchmark and run its demo. Does nothing when all are present already.
set -eu

PACKAGES="gcc clang pkg-config meson ninja-build make git
libsodium-dev libssl-dev libmicrohttpd-dev libcurl4-openssl-dev libjansson-dev
libsqlite3-dev libzbar-dev libpng-dev libjpeg-dev libqrencode-dev
libcmocka-dev libkeyutils-dev libclang-rt-14-dev
oathtool qrencode zbar-tools imagemagick jq sqlite3 keyutils tmux procps
python3 python3-srp wrk nginx-light hyperfine curl openssl"

missing=""
for p in $PACKAGES; do
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
