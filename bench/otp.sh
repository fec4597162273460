#!/bin/bash
# OTP codes per second on one core from libauthkeep, next to the HMAC-SHA1
# ceiling that `openssl speed -hmac sha1` reports on the same machine (its
# 16-byte block figure, as operations per second), in one run. Prints a
# markdown table. The target: TOTP SHA-1 within 2x of the ceiling.
#
#   bench/otp.sh    (after `make build`; BENCH_SECONDS=2 per case, BENCH_ROUNDS=3)
#   AUTHKEEP_BUILD_ROOT=DIR bench/otp.sh
. "$(dirname "$0")/lib.sh"
set -o pipefail
bin=$BUILD/bench/bench_otp
seconds=${BENCH_SECONDS:-2}
bench_need_tools openssl
bench_need_built "$bin"

# The machine may be shared: run ROUNDS rounds, each measuring the ceiling
# and then the library, and keep the best figure of each.
rounds=${BENCH_ROUNDS:-3}
declare -A best=()
order=()
for ((round = 1; round <= rounds; round++)); do
	# "hmac(sha1)  60275.65k": thousands of bytes per second over 16-byte blocks.
	ceiling=$(openssl speed -seconds "$seconds" -bytes 16 -hmac sha1 2>/dev/null |
		awk '/^hmac\(sha1\)/ { v = $2; sub(/k$/, "", v); printf "%.0f", v * 1000 / 16 }')
	[ -n "$ceiling" ] || bench_fail "could not read the figure of 'openssl speed -hmac sha1'"
	lines=$(printf 'ceiling %s\n' "$ceiling"; "$bin" "$seconds")
	while read -r name rate; do
		[ -n "${best[$name]+set}" ] || order+=("$name")
		if [ -z "${best[$name]:-}" ] || [ "$rate" -gt "${best[$name]}" ]; then
			best[$name]=$rate
		fi
	done <<<"$lines"
done
ceiling=${best[ceiling]}

label() {
	case $1 in
	totp-sha1) echo "TOTP SHA-1, 20-byte key (\`ak_totp\`)" ;;
	totp-sha256) echo "TOTP SHA-256, 32-byte key" ;;
	totp-sha512) echo "TOTP SHA-512, 64-byte key" ;;
	steam) echo "Steam Guard, 20-byte key" ;;
	account-code-totp-sha1) echo "\`ak_account_code\`, TOTP SHA-1 account" ;;
	openssl-hmac-oneshot) echo "for comparison: OpenSSL's one-shot \`HMAC()\`, SHA-1, 8 bytes" ;;
	*) echo "$1" ;;
	esac
}

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)
echo "One core of: $cpu; $(openssl version | cut -d' ' -f1-2); best of $rounds rounds of ${seconds} s per case."
echo
echo "| what | per second, one core | ceiling / this |"
echo "| --- | ---: | ---: |"
printf '| HMAC-SHA1 ceiling: `openssl speed -hmac sha1`, 16-byte blocks | %s | 1.00 |\n' "$ceiling"
for name in "${order[@]}"; do
	[ "$name" = ceiling ] && continue
	rate=${best[$name]}
	ratio=$(awk -v c="$ceiling" -v r="$rate" 'BEGIN { printf "%.2f", c / r }')
	printf '| %s | %s | %s |\n' "$(label "$name")" "$rate" "$ratio"
done
