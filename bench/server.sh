#!/bin/bash
# authkeepd against nginx on this machine, in one run: download and upload
# of a 4 KiB backup, authenticated, with wrk. nginx (nginx-light) serves the
# same 4 KiB file and accepts it by WebDAV PUT (written to a file, no fsync);
# authkeepd answers an upload only after its SQLite commit is synced (group
# commit). Prints a markdown table; figures go to docs/benchmarks.md.
#   bench/server.sh            (BENCH_SECONDS=10 BENCH_CONNECTIONS=16 by default)
. "$(dirname "$0")/lib.sh"
. tests/authkeepd.sh
AKD=$BUILD/server/authkeepd
SRP_TOOL=$BUILD/tests/server/srp_tool
SECONDS_EACH=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-16}
bench_need_tools wrk nginx jq curl
bench_need_built "$AKD" "$SRP_TOOL"

bench_workdir
chmod 755 "$WORK"
bench_cleanup() {
	authkeepd_stop
	[ -f "$WORK/nginx/nginx.pid" ] && kill "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null
	sleep 0.2
}
wait_http() {
	for _ in $(seq 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done
	bench_fail "$1 does not answer"
}

head -c 4096 /dev/urandom >"$WORK/backup.bin"
base64 -w0 "$WORK/backup.bin" >"$WORK/backup.b64"

# nginx: two workers (as many as authkeepd's threads), access log on, like authkeepd's.
NPORT=$(free_port)
mkdir -p "$WORK/nginx/www" "$WORK/nginx/tmp" "$WORK/nginx/logs"
cp "$WORK/backup.bin" "$WORK/nginx/www/backup.bin"
chown -R www-data "$WORK/nginx/www" "$WORK/nginx/tmp" 2>/dev/null || chmod -R 777 "$WORK/nginx/www" "$WORK/nginx/tmp"
cat >"$WORK/nginx/nginx.conf" <<CONF
user www-data;
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log;
events { worker_connections 1024; }
http {
	access_log $WORK/nginx/logs/access.log;
	client_body_temp_path $WORK/nginx/tmp;
	server {
		listen 127.0.0.1:$NPORT;
		root $WORK/nginx/www;
		location / {
			dav_methods PUT DELETE;
			dav_access user:rw group:r all:r;
			client_max_body_size 1m;
		}
	}
}
CONF
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -e "$WORK/nginx/logs/error.log"
NURL="http://127.0.0.1:$NPORT"
wait_http "$NURL/backup.bin"

# authkeepd: two HTTP threads; rate limits off (nginx has none either).
AUTHKEEPD_BIN=$AKD
SERVER_DIR=$WORK
authkeepd_start --threads 2 --rate-address 0 --rate-account 0 --accounts-per-address 0
AURL=$SERVER_URL

# One recovery account per upload connection (each wrk thread keeps one
# connection and tracks its account's latest version), each with a backup.
: >"$WORK/tokens"
for i in $(seq "$CONNS"); do
	key=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
	body=$(jq -c --arg e "bench$i@example.com" '. + {email: $e}' \
		<<<"$("$SRP_TOOL" credential "bench$i@example.com" "$key")")
	curl -sf -o /dev/null -H 'Content-Type: application/json' --data-binary "$body" "$AURL/v1/accounts"
	token=$("$SRP_TOOL" signin "$AURL" "bench$i@example.com" "$key" | jq -r .session_token)
	echo "$token" >>"$WORK/tokens"
	curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
		--data-binary "{\"replaces_version\": 0, \"device_id\": \"bench$i\", \"envelope\": \"$(cat "$WORK/backup.b64")\"}" \
		"$AURL/v1/backup"
done
TOKEN=$(head -1 "$WORK/tokens")

# wrk's scripts (bench/wrk/): authenticated PUTs, one connection and one
# account per thread; authkeepd's PUT states the version it replaces, read
# from the previous answer of the same connection.
# run NAME URL [wrk args]: prints "requests/s p99 errors".
run() {
	local out
	out=$(wrk -d "${SECONDS_EACH}s" --latency "$@" 2>&1)
	echo "$out" >>"$WORK/wrk.log"
	local rps p99 errors
	rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
	errors=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
	echo "$rps $p99 ${errors:-0}"
}

# Latency in ms from wrk's "1.23ms" / "456.00us" / "1.02s".
ms() {
	awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}

read -r n_get_rps n_get_p99 n_get_err < <(run -t 2 -c "$CONNS" -H "Authorization: Bearer $TOKEN" "$NURL/backup.bin")
read -r a_get_rps a_get_p99 a_get_err < <(run -t 2 -c "$CONNS" -H "Authorization: Bearer $TOKEN" "$AURL/v1/backup")
read -r n_put_rps n_put_p99 n_put_err < <(run -t "$CONNS" -c "$CONNS" -s bench/wrk/nginx_put.lua "$NURL" -- "$WORK/tokens" "$WORK/backup.bin")
read -r a_put_rps a_put_p99 a_put_err < <(run -t "$CONNS" -c "$CONNS" -s bench/wrk/backup_put.lua "$AURL" -- "$WORK/tokens" "$WORK/backup.b64")

for e in "$n_get_err" "$a_get_err" "$n_put_err" "$a_put_err"; do
	[ "$e" = 0 ] || { cat "$WORK/wrk.log" >&2; bench_fail "$e answers were not 2xx; wrk's output is above"; }
done
versions=$(sqlite3 "$SERVER_DB" 'SELECT sum(latest_version) FROM accounts' 2>/dev/null || echo "?")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "4 KiB backup, ${SECONDS_EACH} s each, $CONNS connections, $(nproc) cores shared by wrk and the server."
echo
echo "| operation | server | requests/s | p99 latency (ms) |"
echo "| --- | --- | ---: | ---: |"
echo "| download | nginx (static file) | $n_get_rps | $(ms "$n_get_p99") |"
echo "| download | authkeepd (GET /v1/backup) | $a_get_rps | $(ms "$a_get_p99") |"
echo "| upload | nginx (WebDAV PUT, no fsync) | $n_put_rps | $(ms "$n_put_p99") |"
echo "| upload | authkeepd (PUT /v1/backup, durable) | $a_put_rps | $(ms "$a_put_p99") |"
echo
echo "| ratio authkeepd / nginx | requests/s | p99 latency |"
echo "| --- | ---: | ---: |"
echo "| download | $(ratio "$a_get_rps" "$n_get_rps") | $(ratio "$(ms "$a_get_p99")" "$(ms "$n_get_p99")") |"
echo "| upload | $(ratio "$a_put_rps" "$n_put_rps") | $(ratio "$(ms "$a_put_p99")" "$(ms "$n_put_p99")") |"
echo
echo "Every answer was 2xx; authkeepd stored $versions backup versions in all."
