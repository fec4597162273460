#!/bin/bash
# authkeepd's command line and config file: --help, settings from a file,
# the command line winning over it, and one clear line for each mistake.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/server/common.sh"

assert_ok "$AUTHKEEPD_BIN" --help
for opt in --listen --db --config --tls-cert --tls-key --keep-versions --session-ttl --log \
	--max-body --rate-address --lockout-time; do
	assert_contains "$(cat "$T/out")" "$opt" "--help lists $opt"
done

# Settings from a file; --keep-versions on the command line wins.
SERVER_PORT=$(free_port)
cat >"$T/authkeepd.conf" <<CONF
# authkeepd settings
listen = 127.0.0.1:$SERVER_PORT
db = sqlite:$T/conf.db   # the store
keep-versions = 5
session_ttl = 1h
log = $T/conf.log
CONF
"$AUTHKEEPD_BIN" --config "$T/authkeepd.conf" --keep-versions 2 2>"$T/server.stderr" &
SERVER_PID=$!
SERVER_URL="http://127.0.0.1:$SERVER_PORT"
SERVER_LOG="$T/conf.log"
SERVER_ERR="$T/server.stderr"
SERVER_CURL=(curl -fsS)
authkeepd_wait
KEY=$(new_key)
create_account oscar@example.com "$KEY"
signin oscar@example.com "$KEY"
left=$(($(jq -r .expires_at "$T/signin") - $(date +%s)))
[ "$left" -ge 3590 ] && [ "$left" -le 3600 ] || fail "session_ttl from the file: $left"
for v in 1 2 3 4; do put_backup $((v - 1)) laptop; done
api GET /v1/backup/versions
assert_eq "4 3" "$(field '[.versions[].version] | join(" ")')" "keep-versions 2 from the command line"
[ -s "$T/conf.log" ] || fail "log from the file"
# One process per database.
assert_fails "$AUTHKEEPD_BIN" --listen "127.0.0.1:$(free_port)" --db "sqlite:$T/conf.db"
assert_contains "$(cat "$T/err")" "in use by another authkeepd" "second server on the database"
authkeepd_stop || exit 1

bad() { # WHAT EXPECTED ARGS...
	local what=$1 expected=$2
	shift 2
	assert_fails "$AUTHKEEPD_BIN" "$@"
	assert_eq 1 "$(wc -l <"$T/err")" "$what: one line"
	assert_contains "$(cat "$T/err")" "$expected" "$what"
}
P=$(free_port)
bad "no --db" "--db is required" --listen "127.0.0.1:$P"
bad "unknown option" "unknown setting 'frobnicate'" --frobnicate 1 --db "sqlite:$T/a.db"
bad "missing value" "--listen needs a value" --db "sqlite:$T/a.db" --listen
bad "not a number" "keep_versions: 'many' is not a whole number" --db "sqlite:$T/a.db" \
	--keep-versions many
bad "zero versions" "keep_versions: at least 1" --db "sqlite:$T/a.db" --keep-versions 0
bad "bad duration" "is not a duration" --db "sqlite:$T/a.db" --session-ttl 3weeks
bad "bad listen" "is not ADDR:PORT" --db "sqlite:$T/a.db" --listen localhost
bad "bad store" "is not supported" --db "mysql://x" --listen "127.0.0.1:$P"
bad "unwritable store" "cannot open" --db "sqlite:$T/no/such/dir/a.db" --listen "127.0.0.1:$P"
bad "missing config" "cannot read" --config "$T/nope.conf"
printf 'listen = 127.0.0.1:1\nthis line is wrong\n' >"$T/bad.conf"
bad "config syntax" "line 2: expected 'key = value'" --config "$T/bad.conf"
printf 'keep_versions = -3\n' >"$T/bad2.conf"
bad "config value" "line 1: keep_versions" --config "$T/bad2.conf"
bad "stray argument" "unexpected argument 'serve'" serve

# A database written by a newer schema is refused, and left as it was.
sqlite3 "$T/conf.db" 'PRAGMA user_version = 99'
sum=$(file_sum "$T/conf.db")
bad "newer schema" "newer authkeepd" --db "sqlite:$T/conf.db" --listen "127.0.0.1:$P"
assert_eq "$sum" "$(file_sum "$T/conf.db")" "newer database unchanged"
echo "not a database at all, not at all" >"$T/junk.db"
chmod 600 "$T/junk.db"
bad "not a database" "junk.db" --db "sqlite:$T/junk.db" --listen "127.0.0.1:$P"

# A port in use (held by a listener of our own).
python3 -c 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(30)' >"$T/held" &
holder=$!
at_exit "kill $holder 2>/dev/null"
for i in $(seq 50); do [ -s "$T/held" ] && break; sleep 0.1; done
HELD=$(cat "$T/held")
bad "port in use" "cannot listen on 127.0.0.1:$HELD" --db "sqlite:$T/b.db" --listen "127.0.0.1:$HELD"
echo ok
