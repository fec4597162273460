#!/bin/bash
# SIGKILL authkeepd while 50 devices upload at once, then start it again:
# every upload it acknowledged is there and decrypts, the database passes
# PRAGMA integrity_check, and each device then sends what was pending.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"
. "$AUTHKEEP_SOURCE_ROOT/tests/backup/lib-backup.sh"
store_is_sqlite && ! command -v sqlite3 >/dev/null && skip "sqlite3 (the command) is not installed"
command -v jq >/dev/null || skip "jq is not installed"

N=50 # devices, each with its own recovery account
K=6  # accounts each device adds, one upload each
OPTS=(--rate-address 0 --rate-account 0 --accounts-per-address 0 --max-connections-per-address 1024)
start_server "${OPTS[@]}"
email_of() { echo "crash$1@recovery.test"; }
# secret_of I K: SECRET, the base32 secret of account K of device I (32
# characters, unique: the digits written as letters A-J), made by bash alone:
# the loops would otherwise start two processes for each account.
secret_of() {
	local d letters=ABCDEFGHIJ
	SECRET="CRASH${1}X${2}"
	for d in 0 1 2 3 4 5 6 7 8 9; do SECRET=${SECRET//$d/${letters:d:1}}; done
	SECRET+=QRSTUVWXYZ234567QRSTUVWXYZ234567
	SECRET=${SECRET:0:32}
}

# run_all COMMAND: runs "COMMAND i" for every device at once; fails if any did.
run_all() {
	local pids=() i
	for i in $(seq 1 $N); do
		"$@" "$i" &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || fail "$1 failed on device $((i + 1))"
	done
}

setup_device() {
	on "d$1" init >/dev/null 2>&1 &&
		on "d$1" backup on --server "$SERVER" --email "$(email_of "$1")" --create >/dev/null 2>"$T/setup.$1" ||
		{ cat "$T/setup.$1" >&2; return 1; }
}
add_accounts_loop() {
	local k
	for k in $(seq 1 $K); do
		secret_of "$1" "$k"
		on "d$1" add --issuer Crash --account "c$1-$k" --secret "$SECRET" >/dev/null 2>&1 ||
			return 1
	done
}
run_all setup_device

# Everyone uploads; the server is killed once a good part has been acknowledged.
pids=()
for i in $(seq 1 $N); do
	add_accounts_loop "$i" &
	pids+=($!)
done
for _ in $(seq 1 400); do
	n=$(grep -c 'PUT /v1/backup 200' "$SRV_LOG" 2>/dev/null || true)
	[ "${n:-0}" -ge $((N + N * K / 3)) ] && break
	pause 0.02
done
stop_server -KILL
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || fail "a change was lost on device $((i + 1)) while the server was down"
done
store_is_sqlite && { [ "$(store_sql 'PRAGMA integrity_check' "$DB")" = ok ] || fail "integrity_check after the crash"; }
start_server "${OPTS[@]}"

# What each device was told (version V acknowledged) is on the server and
# decrypts: version V holds the accounts c-1 .. c-m in order, with m at least
# V-1 (version 1 had none, and each later version adds at least one). m is
# larger when an upload before the crash did not go through in time (the
# machine is busy with 50 devices): that change stayed pending and went up
# with the next one.
check_device() {
	local i=$1 v names
	local rc=0
	# Backed up (0), or pending (3) when its last change did not go through in time.
	on "d$i" backup status --offline --json >"$T/st.$i" || rc=$?
	[ "$rc" = 0 ] || [ "$rc" = 3 ] || { echo "device $i: backup status exited $rc" >&2; return 1; }
	v=$(jq -r .version "$T/st.$i")
	[ "$v" -ge 1 ] || { echo "device $i: no acknowledged version" >&2; return 1; }
	on "r$i" recover --server "$SERVER" --email "$(email_of "$i")" --version "$v" --dry-run >"$T/dry.$i" 2>&1 ||
		{ echo "device $i: version $v: $(cat "$T/dry.$i")" >&2; return 1; }
	names=$(grep -Eo "Crash:c$i-[0-9]+" "$T/dry.$i" | tr '\n' ' ')
	m=$(echo "$names" | wc -w)
	expected=""
	for k in $(seq 1 "$m"); do expected+="Crash:c$i-$k "; done
	[ "$names" = "$expected" ] && [ "$m" -ge $((v - 1)) ] && [ "$m" -le $K ] ||
		{ echo "device $i: version $v holds '$names', not the first $((v - 1)) or more in order" >&2; return 1; }
}
run_all check_device
acked=$(jq -s 'map(.version - 1) | add' "$T"/st.*)
[ $acked -gt 0 ] || fail "no upload was acknowledged before the crash"
echo "acknowledged uploads before the crash: $acked of $((N * K))"

# Every device sends what was pending; all K accounts are then on the server.
finish_device() {
	on "d$1" backup now >"$T/now.$1" 2>&1 || { cat "$T/now.$1" >&2; return 1; }
	grep -q "Backed up $K accounts" "$T/now.$1" || { cat "$T/now.$1" >&2; return 1; }
}
run_all finish_device
store_is_sqlite && { [ "$(store_sql 'PRAGMA integrity_check' "$DB")" = ok ] || fail "integrity_check at the end"; }

stop_server
for i in 1 2 3; do
	secret_of "$i" 1
	PLAINTEXT+=("c$i-1" "$SECRET")
done
check_no_plaintext
