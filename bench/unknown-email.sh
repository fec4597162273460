#!/bin/bash
# Whether the time of a sign-in start tells who has an account: POST
# /v1/auth/start for a known email and for unknown ones (each a fresh
# address, as an attacker would probe), in turns, against one authkeepd.
# The server answers an unknown email with a challenge it computes as for a
# real one (tests/server/unknown-email.sh checks its shape); this measures
# the time, which a test must not assert on. Prints a markdown table of the
# median, mean and 90th percentile of each, and their ratio.
#   bench/unknown-email.sh     (BENCH_STARTS=300 of each by default)
. "$(dirname "$0")/lib.sh"
. tests/authkeepd.sh
AKD=$BUILD/server/authkeepd
SRP_TOOL=$BUILD/tests/server/srp_tool
STARTS=${BENCH_STARTS:-300}
bench_need_tools curl jq
bench_need_built "$AKD" "$SRP_TOOL"

bench_workdir
bench_cleanup() { authkeepd_stop; }
AUTHKEEPD_BIN=$AKD
SERVER_DIR=$WORK
authkeepd_start --rate-address 0 --rate-account 0 --rate-signin 0 --accounts-per-address 0 \
	--max-logins-per-account 0 --max-logins-per-address 0 \
	--slow-after 1000000
key=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
body=$(jq -c '. + {email: "known@example.com"}' <<<"$("$SRP_TOOL" credential known@example.com "$key")")
curl -sf -o /dev/null -H 'Content-Type: application/json' --data-binary "$body" "$SERVER_URL/v1/accounts" ||
	bench_fail "the account could not be created"

# One curl per start, alternating, so that both see the same machine.
: >"$WORK/known" && : >"$WORK/unknown"
# start EMAIL: one start's time in seconds; a start that is not 200 fails the run.
start() {
	local out
	out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -X POST \
		-H 'Content-Type: application/json' --data-binary "{\"email\": \"$1\"}" \
		"$SERVER_URL/v1/auth/start")
	[ "${out%% *}" = 200 ] || bench_fail "a start for $1 was answered ${out%% *}"
	echo "${out#* }"
}
for i in $(seq "$STARTS"); do
	start known@example.com >>"$WORK/known"
	start "u$i@example.com" >>"$WORK/unknown"
done

# stats FILE: "median mean p90" in milliseconds.
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 * 1000; s += v[NR] }
		END { printf "%.3f %.3f %.3f\n", v[int((NR + 1) / 2)], s / NR, v[int(NR * 0.9)] }'
}
read -r k_med k_mean k_p90 < <(stats "$WORK/known")
read -r u_med u_mean u_p90 < <(stats "$WORK/unknown")
bench_machine
echo "$STARTS starts of each, in turns, one curl each (connect included)."
echo
echo "| email | median (ms) | mean (ms) | p90 (ms) |"
echo "| --- | ---: | ---: | ---: |"
echo "| known | $k_med | $k_mean | $k_p90 |"
echo "| unknown | $u_med | $u_mean | $u_p90 |"
echo "| unknown / known | $(awk -v a="$u_med" -v b="$k_med" 'BEGIN { printf "%.2f", a / b }') | $(awk -v a="$u_mean" -v b="$k_mean" 'BEGIN { printf "%.2f", a / b }') | $(awk -v a="$u_p90" -v b="$k_p90" 'BEGIN { printf "%.2f", a / b }') |"
