#!/bin/bash
# Push sign-in with many devices waiting: DEVICES devices (10,000) hold a
# long-poll open on one authkeepd (GET /v1/device/requests?wait=30, polled
# again after each answer), registered through the real API on DEVICES/10
# recovery accounts; then SIGNINS sign-ins (1,000), each for an account
# chosen at random, measure the time from POST /v1/signin until each of the
# account's devices holds the request. authkeepd's resident memory per
# waiting device is (VmRSS with them waiting - VmRSS idle before) / DEVICES.
# In the same run nginx (nginx-light, two workers) holds as many idle
# keep-alive connections, for its memory per connection. bench/push_load
# does the work; figures go to docs/benchmarks.md.
#   bench/push.sh   (DEVICES=10000 SIGNINS=1000 by default; PUSH_VAULTS=DIR
#                    keeps the device vaults there and reuses them next time)
# Connections come from 127.0.0.1 and, past 20,000, further loopback
# addresses (SOURCES), for the ephemeral ports of each.
. "$(dirname "$0")/lib.sh"
. tests/authkeepd.sh
AKD=$BUILD/server/authkeepd
LOAD=$BUILD/bench/push_load
DEVICES=${DEVICES:-10000}
SIGNINS=${SIGNINS:-1000}
SOURCES=${SOURCES:-$(((DEVICES + 19999) / 20000))}
bench_need_tools nginx curl python3
bench_need_built "$AKD" "$LOAD"
[ $((DEVICES % 10)) = 0 ] && [ "$DEVICES" -ge 10 ] || bench_fail "DEVICES: a multiple of 10"

# Every connection is a descriptor, in the servers and in the load tool.
FILES=$((DEVICES + 4096))
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt "$FILES" ]; then
	ulimit -Hn "$FILES" 2>/dev/null || bench_fail "needs $FILES open files; the hard limit is $hard"
fi
ulimit -Sn "$FILES"

bench_workdir
chmod 755 "$WORK"
VAULTS=${PUSH_VAULTS:-$WORK/vaults}
mkdir -p "$VAULTS"
bench_cleanup() {
	authkeepd_stop
	[ -f "$WORK/nginx/nginx.pid" ] && kill "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null
	sleep 0.2
}

# nginx: two workers, each able to hold every connection; keep-alive for 10 minutes.
NPORT=$(free_port)
mkdir -p "$WORK/nginx/logs"
cat >"$WORK/nginx/nginx.conf" <<CONF
user www-data;
worker_processes 2;
worker_rlimit_nofile $FILES;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log;
events { worker_connections $FILES; }
http {
	access_log $WORK/nginx/logs/access.log;
	keepalive_timeout 600s;
	keepalive_requests 1000000;
	server {
		listen 127.0.0.1:$NPORT backlog=4096;
		location / { return 200 "ok\n"; }
	}
}
CONF
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -e "$WORK/nginx/logs/error.log"
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$NPORT/" && break; sleep 0.05; done

# authkeepd: two HTTP threads; rate limits and per-address caps off (every
# device is on loopback), room for every connection and waiting request.
AUTHKEEPD_BIN=$AKD
SERVER_DIR=$WORK
authkeepd_start --threads 2 --rate-address 0 --rate-account 0 --rate-signin 0 \
	--accounts-per-address 0 --max-logins-per-address 0 --signin-max 1000000 \
	--max-connections "$((DEVICES + 1024))" --max-connections-per-address "$((DEVICES + 1024))" \
	--max-waiting 0

"$LOAD" --port "$SERVER_PORT" --pid "$SERVER_PID" --devices "$DEVICES" --vaults "$VAULTS" \
	--signins "$SIGNINS" --sources "$SOURCES" \
	--nginx-port "$NPORT" --nginx-pid "$(cat "$WORK/nginx/nginx.pid")"
bench_machine
