#!/bin/bash
# authkeepd at 1,000, 100,000 and 1,000,000 recovery accounts, in one run:
# backup download and upload (4 KiB, authenticated, with wrk) and SRP
# sign-ins (both steps, with bench/signin_load), against one authkeepd on
# SQLite, one on PostgreSQL and two on PostgreSQL behind nginx, next to nginx
# serving the same 4 KiB file (and taking it by WebDAV PUT). Prints one
# markdown table per size with requests per second and the database's size;
# figures go to docs/benchmarks.md ("Scale").
#
# The accounts are written straight into the database by bench/scale_fill
# (one backup each), into a schema made by authkeepd itself. WORKING of them
# (1,000), spread over the rest, have their own credential: the runs sign in
# to those, and download and upload with their sessions, so the working set
# is the same at every size and only the tables grow.
#
#   bench/scale.sh      (SCALE_SIZES="1000 100000 1000000" SCALE_WORKING=1000
#                        BENCH_SECONDS=10 BENCH_CONNECTIONS=16
#                        SCALE_STORES="sqlite postgres" SCALE_THREADS=2)
# PostgreSQL runs in a throwaway cluster (Debian's postgresql, run as the
# user postgres) in the work folder, on a free port.
. "$(dirname "$0")/lib.sh"
. tests/authkeepd.sh
AKD=$BUILD/server/authkeepd
FILL=$BUILD/bench/scale_fill
SIGNIN=$BUILD/bench/signin_load
SIZES=${SCALE_SIZES:-1000 100000 1000000}
WORKING=${SCALE_WORKING:-1000}
SECONDS_EACH=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-16}
STORES=${SCALE_STORES:-sqlite postgres}
bench_need_tools wrk nginx curl jq sqlite3
bench_need_built "$AKD" "$FILL" "$SIGNIN"

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
case " $STORES " in
*" postgres "*)
	[ -x "$PG_BIN/initdb" ] && id postgres >/dev/null 2>&1 ||
		bench_fail "PostgreSQL is missing (scripts/install-deps.sh installs it)"
	;;
esac

bench_workdir
chmod 755 "$WORK"
bench_cleanup() {
	akd_stop_all
	nginx_stop
	pg_stop
	sleep 0.2
}

# ---- the servers ----

# The options of every authkeepd here: two HTTP threads (SCALE_THREADS),
# every limit that would refuse a benchmark off (nginx has none either).
AKD_OPTS=(--threads "${SCALE_THREADS:-2}" --rate-address 0 --rate-account 0 --rate-signin 0 --accounts-per-address 0
	--max-logins-per-address 0 --max-logins-per-account 0 --max-connections-per-address 0)
AKD_PIDS=()
# akd_start DB_URL: one more authkeepd on a free port; sets AKD_PORT.
akd_start() {
	AKD_PORT=$(free_port)
	"$AKD" --listen "127.0.0.1:$AKD_PORT" --db "$1" --log "$WORK/akd-$AKD_PORT.log" "${AKD_OPTS[@]}" \
		2>>"$WORK/akd.stderr" &
	AKD_PIDS+=($!)
	wait_http "http://127.0.0.1:$AKD_PORT/healthz"
}
akd_stop_all() {
	local pid
	for pid in "${AKD_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "${AKD_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	AKD_PIDS=()
}
wait_http() {
	for _ in $(seq 200); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done
	cat "$WORK/akd.stderr" >&2
	bench_fail "$1 does not answer"
}

# nginx_start PORT [UPSTREAM_PORT...]: nginx (two workers, access log on) on
# PORT, serving www/ (GET, WebDAV PUT); with upstream ports, in front of those
# authkeepd instead, as docs/deploy.md sets it up.
nginx_start() {
	local port=$1 up="" p
	shift
	mkdir -p "$WORK/nginx/www" "$WORK/nginx/tmp" "$WORK/nginx/logs"
	chown -R www-data "$WORK/nginx/www" "$WORK/nginx/tmp" 2>/dev/null || chmod -R 777 "$WORK/nginx"
	for p; do up="$up server 127.0.0.1:$p;"; done
	# Both steps of a sign-in must reach the process that started it (the
	# challenge is held there): each client connection goes to one process.
	[ -z "$up" ] || up="upstream authkeepd { hash \$remote_addr\$remote_port;$up keepalive 64; }"
	local site="root $WORK/nginx/www; location / { dav_methods PUT; client_max_body_size 1m; }"
	[ -z "$up" ] || site="location / { proxy_pass http://authkeepd; proxy_http_version 1.1;
		proxy_set_header Connection \"\"; proxy_set_header Host \$host;
		proxy_read_timeout 90s; client_max_body_size 25m; }"
	cat >"$WORK/nginx/nginx.conf" <<CONF
user www-data;
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log;
events { worker_connections 4096; }
http {
	access_log $WORK/nginx/logs/access.log;
	client_body_temp_path $WORK/nginx/tmp;
	$up
	server { listen 127.0.0.1:$port; $site }
}
CONF
	nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -e "$WORK/nginx/logs/error.log"
	for _ in $(seq 100); do [ -s "$WORK/nginx/nginx.pid" ] && return 0; sleep 0.05; done
	bench_fail "nginx did not start"
}
nginx_stop() {
	[ -s "$WORK/nginx/nginx.pid" ] || return 0
	local pid
	pid=$(cat "$WORK/nginx/nginx.pid")
	kill -QUIT "$pid" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	rm -f "$WORK/nginx/nginx.pid"
}

# A throwaway PostgreSQL cluster, run by the user postgres, on a free port.
PG_PORT=""
pg_start() {
	PG_PORT=$(free_port)
	mkdir -p "$WORK/pg"
	chown postgres "$WORK/pg"
	runuser -u postgres -- "$PG_BIN/initdb" -D "$WORK/pg/data" -U postgres -A trust >/dev/null
	cat >>"$WORK/pg/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$WORK/pg'
max_connections = 200
shared_buffers = 1GB
CONF
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/log" -w start >/dev/null ||
		bench_fail "PostgreSQL did not start: $(tail -n 5 "$WORK/pg/log")"
}
pg_stop() {
	[ -n "$PG_PORT" ] || return 0
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -m fast -w stop >/dev/null 2>&1
	PG_PORT=""
}
psql_run() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"; }

# ---- the measurements ----

head -c 4096 /dev/urandom >"$WORK/backup.bin"
cp "$WORK/backup.bin" "$WORK/upload.bin"

base64 -w0 "$WORK/upload.bin" >"$WORK/upload.b64"
# nginx's PUTs carry an Authorization header too (which it ignores).
head -c 32 /dev/urandom | basenc --base64url | tr -d '=\n' >"$WORK/nginx-token"

# wrk_rps [wrk args]: requests per second; fails on any answer but 2xx.
wrk_rps() {
	local out errors
	out=$(wrk -d "${SECONDS_EACH}s" "$@" 2>&1)
	echo "$out" >>"$WORK/wrk.log"
	errors=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
	[ -z "$errors" ] || { echo "$out" >&2; bench_fail "$errors answers were not 2xx (wrk $*)"; }
	awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out"
}

# CPU time (user and system, in clock ticks) of the processes whose ids are
# given, and of their children that are running.
TICK=$(getconf CLK_TCK)
cpu_ticks() {
	local pid t=0 kids
	for pid; do
		[ -r "/proc/$pid/stat" ] || continue
		# Fields 14 and 15 once the name (in parentheses) is cut off.
		t=$((t + $(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
		kids=$(pgrep -P "$pid" | tr '\n' ' ')
		[ -z "$kids" ] || t=$((t + $(cpu_ticks $kids)))
	done
	echo $t
}
# PostgreSQL's processes, while the authkeepd measured is on it (MEASURING_PG).
MEASURING_PG=""
pg_pids() { [ -n "$MEASURING_PG" ] && head -n 1 "$WORK/pg/data/postmaster.pid"; }
nginx_pids() { [ -s "$WORK/nginx/nginx.pid" ] && cat "$WORK/nginx/nginx.pid"; }

# timed CMD...: runs CMD (which prints requests per second), prints
# that and the CPU microseconds per request spent by authkeepd, PostgreSQL
# and nginx (as a proxy), "RPS AKD_US PG_US PROXY_US"; "-" for a part not run.
timed() {
	local a0 p0 n0 a1 p1 n1 rps
	a0=$(cpu_ticks "${AKD_PIDS[@]}") p0=$(cpu_ticks $(pg_pids)) n0=$(cpu_ticks $(nginx_pids))
	rps=$("$@")
	[ -n "$rps" ] || bench_fail "$1 gave no figure"
	a1=$(cpu_ticks "${AKD_PIDS[@]}") p1=$(cpu_ticks $(pg_pids)) n1=$(cpu_ticks $(nginx_pids))
	awk -v r="$rps" -v s="$SECONDS_EACH" -v t="$TICK" -v a=$((a1 - a0)) -v p=$((p1 - p0)) \
		-v n=$((n1 - n0)) -v pg="$(pg_pids)" -v ng="$(nginx_pids)" 'function us(x) {
			return sprintf("%.0f", x / t * 1e6 / (r * s)) }
		BEGIN { printf "%s %s %s %s\n", r, us(a), pg == "" ? "-" : us(p), ng == "" ? "-" : us(n) }'
}

# one_load KIND URL CONNECTIONS I: the I-th load tool (from 0) of KIND (get,
# put or signin) against the authkeepd at URL; prints requests per second,
# fails on any error. Upload tool I uses its own share of the upload accounts.
one_load() {
	local url=$2 c=$3 i=$4
	case $1 in
	get) wrk_rps -t 2 -c "$c" -s bench/wrk/backup_get.lua "$url" -- "$WORK/tokens" ;;
	put)
		sed -n "$((i * c + 1)),$(((i + 1) * c))p" "$WORK/uploaders" >"$WORK/uploaders.$i"
		wrk_rps -t "$c" -c "$c" -s bench/wrk/backup_put.lua "$url" -- "$WORK/uploaders.$i" "$WORK/upload.b64"
		;;
	signin)
		"$SIGNIN" --port "${url##*:}" --keys "$WORK/keys" --connections "$c" \
			--seconds "$SECONDS_EACH" >"$WORK/signin.$i" &&
			awk '$4 != 0 {exit 1} {printf "%.0f", $2}' "$WORK/signin.$i"
		;;
	esac
}

# load KIND URL...: the load of KIND against the authkeepd at URL (or, with
# several URLs, one load tool against each at once, with the connections
# shared out and the figures summed); prints requests per second.
load() {
	local kind=$1 url pids=() pid i=0 c
	shift
	c=$((CONNS / $#))
	for url; do
		one_load "$kind" "$url" "$c" "$i" >"$WORK/rps.$i" &
		pids+=($!)
		i=$((i + 1))
	done
	for pid in "${pids[@]}"; do wait "$pid" || bench_fail "the $kind load failed on $*"; done
	awk '{s += $1} END {printf "%.0f", s}' "$WORK"/rps.*
	rm -f "$WORK"/rps.* "$WORK"/uploaders.* "$WORK"/signin.*
}

# measure URL...: "DOWNLOAD UPLOAD SIGNIN" for the authkeepd at URL (or
# spread over several), each figure as requests per second followed by the
# CPU microseconds per request (see timed) joined with slashes.
measure() {
	local url=$1 port=${1##*:} get put signin
	# Sessions of the working accounts, once per database.
	[ -s "$WORK/tokens" ] ||
		"$SIGNIN" --port "$port" --keys "$WORK/keys" --tokens --connections "$CONNS" >"$WORK/tokens" ||
		bench_fail "the sign-ins of the working accounts failed"
	# The upload accounts (the first CONNS, spread over the table) with their latest version.
	head -n "$CONNS" "$WORK/tokens" | while read -r token; do
		echo "$token $(curl -sf -H "Authorization: Bearer $token" "$url/v1/backup" | jq -r .version)"
	done >"$WORK/uploaders"
	get=$(timed load get "$@" | tr ' ' /)
	put=$(timed load put "$@" | tr ' ' /)
	signin=$(timed load signin "$@" | tr ' ' /)
	echo "$get $put $signin"
}

size_of() { du -sb "$@" | awk '{s += $1} END {printf "%.1f MiB", s / 1048576}'; }

fill_sqlite() {
	local db=$WORK/sqlite/authkeepd.db
	rm -rf "$WORK/sqlite" "$WORK/tokens"
	mkdir -m 700 "$WORK/sqlite"
	akd_start "sqlite:$db" # the schema, made by authkeepd
	akd_stop_all
	"$FILL" sqlite "$1" "$WORKING" "$WORK/backup.bin" "$WORK/keys" | sqlite3 "$db" >/dev/null ||
		bench_fail "filling the SQLite database failed"
}

fill_postgres() {
	rm -f "$WORK/tokens"
	psql_run -c "DROP DATABASE IF EXISTS scale" -c "CREATE DATABASE scale"
	PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/scale"
	akd_start "$PG_URL"
	akd_stop_all
	"$FILL" postgres "$1" "$WORKING" "$WORK/backup.bin" "$WORK/keys" | psql_run -d scale >/dev/null ||
		bench_fail "filling the PostgreSQL database failed"
	# What a database that grew over time would be like: vacuumed (so that
	# autovacuum does not start on the new rows during the runs), with its
	# new pages written out.
	psql_run -d scale -c "VACUUM (ANALYZE)" -c "CHECKPOINT" ||
		bench_fail "vacuuming the PostgreSQL database failed"
}

# row NAME DOWNLOAD UPLOAD SIGNIN DATABASE: a line of each table (the
# figures as measure prints them).
row() {
	local name=$1 db=$5 f cpu=""
	rows+=("| $name | ${2%%/*} | ${3%%/*} | ${4%%/*} | $db |")
	for f in "$2" "$3" "$4"; do
		IFS=/ read -r _ a p n <<<"$f"
		cpu="$cpu | $a / $p / $n"
	done
	cpu_rows+=("| $name$cpu |")
}

bench_machine
echo "4 KiB backups; $SECONDS_EACH s per figure, $CONNS connections; $WORKING working accounts;" \
	"$(nproc) cores shared by the load tools, nginx, PostgreSQL and authkeepd."
case " $STORES " in *" postgres "*) pg_start ;; esac
NGINX_PORT=$(free_port)
for size in $SIZES; do
	[ "$size" -ge "$WORKING" ] || bench_fail "SCALE_SIZES: each at least SCALE_WORKING ($WORKING)"
	rows=() cpu_rows=()
	nginx_start "$NGINX_PORT"
	cp "$WORK/backup.bin" "$WORK/nginx/www/backup.bin"
	n_get=$(wrk_rps -t 2 -c "$CONNS" -H "Authorization: Bearer $(cat "$WORK/nginx-token")" \
		"http://127.0.0.1:$NGINX_PORT/backup.bin")
	n_put=$(wrk_rps -t "$CONNS" -c "$CONNS" -s bench/wrk/nginx_put.lua "http://127.0.0.1:$NGINX_PORT" -- "$WORK/nginx-token" "$WORK/upload.bin")
	nginx_stop
	rows+=("| nginx, static file (WebDAV PUT, no fsync) | $n_get | $n_put | | |")

	for store in $STORES; do
		case $store in
		sqlite)
			MEASURING_PG=""
			t0=$(date +%s)
			fill_sqlite "$size"
			fill_time=$(($(date +%s) - t0))
			db_size=$(size_of "$WORK/sqlite")
			akd_start "sqlite:$WORK/sqlite/authkeepd.db"
			read -r get put signin < <(measure "http://127.0.0.1:$AKD_PORT")
			akd_stop_all
			row "1 authkeepd, SQLite" "$get" "$put" "$signin" "$db_size (filled in ${fill_time} s)"
			rm -rf "$WORK/sqlite"
			;;
		postgres)
			MEASURING_PG=1
			t0=$(date +%s)
			fill_postgres "$size"
			fill_time=$(($(date +%s) - t0))
			db_size=$(psql_run -At -c "SELECT pg_database_size('scale')" |
				awk '{printf "%.1f MiB", $1 / 1048576}')
			akd_start "$PG_URL"
			read -r get put signin < <(measure "http://127.0.0.1:$AKD_PORT")
			row "1 authkeepd, PostgreSQL" "$get" "$put" "$signin" "$db_size (filled in ${fill_time} s)"
			first=$AKD_PORT
			akd_start "$PG_URL"
			read -r get put signin < <(measure "http://127.0.0.1:$first" "http://127.0.0.1:$AKD_PORT")
			row "2 authkeepd, PostgreSQL, a load tool on each" "$get" "$put" "$signin" ""
			LB_PORT=$(free_port)
			nginx_start "$LB_PORT" "$first" "$AKD_PORT"
			read -r get put signin < <(measure "http://127.0.0.1:$LB_PORT")
			nginx_stop
			akd_stop_all
			row "2 authkeepd, PostgreSQL, behind nginx" "$get" "$put" "$signin" ""
			;;
		*) bench_fail "SCALE_STORES: sqlite and postgres, not '$store'" ;;
		esac
	done
	echo
	printf "%'d recovery accounts:\n\n" "$size"
	echo "| server | download/s | upload/s | sign-ins/s | database |"
	echo "| --- | ---: | ---: | ---: | --- |"
	printf '%s\n' "${rows[@]}"
	[ ${#cpu_rows[@]} -eq 0 ] || {
		echo
		echo "CPU microseconds per request, authkeepd / PostgreSQL / nginx in front:"
		echo
		echo "| server | download | upload | sign-in |"
		echo "| --- | ---: | ---: | ---: |"
		printf '%s\n' "${cpu_rows[@]}"
	}
done
echo
echo "Load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
