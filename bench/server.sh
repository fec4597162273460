#!/bin/bash
# authkeepd against nginx on this machine, in one run: download and upload
# of a 4 KiB backup, authenticated, with wrk. nginx (nginx-light) serves the
# same 4 KiB file and accepts it by WebDAV PUT (written to a file, no fsync);
# authkeepd answers an upload only after its SQLite commit is synced (group
# commit). Prints a markdown table; figures go to docs/benchmarks.md.
#   bench/server.sh            (BENCH_SECONDS=10 BENCH_CONNECTIONS=16 by default)
set -eu
cd "$(dirname "$0")/.."
BUILD=${AUTHKEEP_BUILD_ROOT:-$PWD/build}
AKD=$BUILD/server/authkeepd
SRP_TOOL=$BUILD/tests/server/srp_tool
SECONDS_EACH=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-16}

for tool in wrk nginx jq curl; do
	command -v "$tool" >/dev/null || { echo "bench/server.sh: $tool is not installed" >&2; exit 1; }
done
[ -x "$AKD" ] && [ -x "$SRP_TOOL" ] || { echo "bench/server.sh: build first (make build)" >&2; exit 1; }

W=$(mktemp -d /tmp/authkeep-bench.XXXXXX)
chmod 755 "$W"
AKD_PID=""
cleanup() {
	[ -n "$AKD_PID" ] && kill "$AKD_PID" 2>/dev/null && wait "$AKD_PID" 2>/dev/null
	[ -f "$W/nginx/nginx.pid" ] && kill "$(cat "$W/nginx/nginx.pid")" 2>/dev/null
	sleep 0.2
	rm -rf "$W"
}
trap cleanup EXIT
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
wait_http() {
	for _ in $(seq 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done
	echo "bench/server.sh: $1 does not answer" >&2
	exit 1
}

head -c 4096 /dev/urandom >"$W/backup.bin"
base64 -w0 "$W/backup.bin" >"$W/backup.b64"

# nginx: two workers (as many as authkeepd's threads), access log on, like authkeepd's.
NPORT=$(free_port)
mkdir -p "$W/nginx/www" "$W/nginx/tmp" "$W/nginx/logs"
cp "$W/backup.bin" "$W/nginx/www/backup.bin"
chown -R www-data "$W/nginx/www" "$W/nginx/tmp" 2>/dev/null || chmod -R 777 "$W/nginx/www" "$W/nginx/tmp"
cat >"$W/nginx/nginx.conf" <<CONF
user www-data;
worker_processes 2;
pid $W/nginx/nginx.pid;
error_log $W/nginx/logs/error.log;
events { worker_connections 1024; }
http {
	access_log $W/nginx/logs/access.log;
	client_body_temp_path $W/nginx/tmp;
	server {
		listen 127.0.0.1:$NPORT;
		root $W/nginx/www;
		location / {
			dav_methods PUT DELETE;
			dav_access user:rw group:r all:r;
			client_max_body_size 1m;
		}
	}
}
CONF
nginx -c "$W/nginx/nginx.conf" -p "$W/nginx" -e "$W/nginx/logs/error.log"
NURL="http://127.0.0.1:$NPORT"
wait_http "$NURL/backup.bin"

# authkeepd: two HTTP threads; rate limits off (nginx has none either).
APORT=$(free_port)
"$AKD" --listen "127.0.0.1:$APORT" --db "sqlite:$W/authkeepd.db" --log "$W/authkeepd.log" \
	--threads 2 --rate-address 0 --rate-account 0 &
AKD_PID=$!
AURL="http://127.0.0.1:$APORT"
wait_http "$AURL/healthz"

# One recovery account per upload connection (each wrk thread keeps one
# connection and tracks its account's latest version), each with a backup.
: >"$W/tokens"
for i in $(seq "$CONNS"); do
	key=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
	body=$(jq -c --arg e "bench$i@example.com" '. + {email: $e}' \
		<<<"$("$SRP_TOOL" credential "bench$i@example.com" "$key")")
	curl -sf -o /dev/null -H 'Content-Type: application/json' --data-binary "$body" "$AURL/v1/accounts"
	token=$("$SRP_TOOL" signin "$AURL" "bench$i@example.com" "$key" | jq -r .session_token)
	echo "$token" >>"$W/tokens"
	curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
		--data-binary "{\"replaces_version\": 0, \"device_id\": \"bench$i\", \"envelope\": \"$(cat "$W/backup.b64")\"}" \
		"$AURL/v1/backup"
done
TOKEN=$(head -1 "$W/tokens")

# wrk scripts: authenticated PUTs. authkeepd's states the version it replaces,
# read from the previous answer of the same connection.
cat >"$W/akd_put.lua" <<'LUA'
local n = 0
function setup(thread)
	n = n + 1
	thread:set("id", n)
end
function init(args)
	local i = 0
	for line in io.lines(args[1]) do
		i = i + 1
		if i == id then token = line end
	end
	envelope = io.open(args[2]):read("*a")
	version = 1
end
function request()
	local body = '{"replaces_version":' .. version .. ',"device_id":"bench' .. id ..
		'","device_name":"wrk","envelope":"' .. envelope .. '"}'
	return wrk.format("PUT", "/v1/backup",
		{["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
	local v = body:match('"version":(%d+)')
	if status == 200 and v then version = tonumber(v) end
end
LUA
cat >"$W/nginx_put.lua" <<'LUA'
local n = 0
function setup(thread)
	n = n + 1
	thread:set("id", n)
end
function init(args)
	local body = io.open(args[2], "rb"):read("*a")
	local token = io.open(args[1]):read("*l")
	request_bytes = wrk.format("PUT", "/upload" .. id .. ".bin",
		{["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/octet-stream"}, body)
end
function request()
	return request_bytes
end
LUA

# run NAME URL [wrk args]: prints "requests/s p99 errors".
run() {
	local out
	out=$(wrk -d "${SECONDS_EACH}s" --latency "$@" 2>&1)
	echo "$out" >>"$W/wrk.log"
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
read -r n_put_rps n_put_p99 n_put_err < <(run -t "$CONNS" -c "$CONNS" -s "$W/nginx_put.lua" "$NURL" -- "$W/tokens" "$W/backup.bin")
read -r a_put_rps a_put_p99 a_put_err < <(run -t "$CONNS" -c "$CONNS" -s "$W/akd_put.lua" "$AURL" -- "$W/tokens" "$W/backup.b64")

for e in "$n_get_err" "$a_get_err" "$n_put_err" "$a_put_err"; do
	[ "$e" = 0 ] || { echo "bench/server.sh: $e answers were not 2xx; see wrk's output:" >&2; cat "$W/wrk.log" >&2; exit 1; }
done
versions=$(sqlite3 "$W/authkeepd.db" 'SELECT sum(latest_version) FROM accounts' 2>/dev/null || echo "?")

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
