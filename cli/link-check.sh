#!/bin/sh
# Checks the authkeep program as linked with -Dstatic_deps (cli/meson.build):
# at start it may need only the C library, and libcrypto's EVP machinery must
# not be linked in. A new call into libcurl, zbar, libpng, libjpeg,
# libqrencode, SQLite or libcrypto's EVP and big numbers needs its line in
# cli/lazy.c: otherwise the library is loaded at every start again, or two
# copies of libcrypto would share objects.
#   link-check.sh PROGRAM STAMP
set -eu
exe=$1 stamp=$2
for lib in $(readelf -d "$exe" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
	case $lib in
	libc.so.* | libm.so.* | libpthread.so.* | libdl.so.* | libgcc_s.so.* | ld-linux*) ;;
	*)
		echo "$exe: needs $lib at start: add the functions it calls to cli/lazy.c" >&2
		exit 1
		;;
	esac
done
if nm "$exe" | grep -q ' [tT] ossl_provider_new$'; then
	echo "$exe: libcrypto's EVP interface is linked in: add the functions called to cli/lazy.c" >&2
	exit 1
fi
touch "$stamp"
