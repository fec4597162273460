# Helpers of the backup and recovery tests, sourced after tests/lib.sh:
# a real authkeepd on loopback with a real SQLite file in $T/srv, devices
# that each have their own AUTHKEEP_HOME, and the search of everything the
# server wrote for text that must never reach it.
: "${AUTHKEEPD_BIN:?run through meson test}"

SRV="$T/srv"
DB="$SRV/authkeep.db"
SRV_LOG="$SRV/requests.log"
SRV_ERR="$SRV/stderr.log"
mkdir -p "$SRV"
PORT=$(free_port)
SERVER="http://127.0.0.1:$PORT"
SYS_PY=/usr/bin/python3
[ -x "$SYS_PY" ] || SYS_PY=python3

# The recovery account of most tests; every test string ends up in $PLAINTEXT,
# which check_no_plaintext looks for in the server's files.
EMAIL="owner@recovery.test"
export AUTHKEEP_PASSWORD="backup password 4 tests"
PLAINTEXT=("$AUTHKEEP_PASSWORD" "$AUTHKEEP_PASSPHRASE")

# Sanitizer reports (ASan+UBSan build) go to files, so that a report from a
# command that was expected to fail is not missed; check_no_plaintext looks.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:log_path=$T/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:log_path=$T/sanitizer"

# start_server [authkeepd options...]: authkeepd_start (tests/authkeepd.sh) on
# $PORT with the files above, answering at $SERVER to $HEALTH_CURL (which an
# HTTPS test changes, with $SERVER).
HEALTH_CURL=(curl -fsS)
start_server() {
	SERVER_PORT=$PORT SERVER_URL=$SERVER SERVER_DB=$DB SERVER_LOG=$SRV_LOG SERVER_ERR=$SRV_ERR
	SERVER_CURL=("${HEALTH_CURL[@]}")
	authkeepd_start "$@"
}

# Stops it (SIGTERM and wait), or at once with stop_server -KILL.
stop_server() { authkeepd_stop "$@" || true; }

# on DEVICE COMMAND...: the app on device DEVICE ($T/DEVICE, named DEVICE).
on() {
	local device=$1
	shift
	AUTHKEEP_HOME="$T/$device" AUTHKEEP_DEVICE_NAME="$device" "$AUTHKEEP_BIN" "$@"
}

# The vault file of a device, to prove it did not change.
vault_of() { echo "$T/$1/vault.json"; }

# new_device DEVICE: a device with an empty vault.
new_device() { on "$1" init >/dev/null 2>&1 || fail "init on $1"; }

# add_accounts DEVICE: accounts of every kind, remembered in $PLAINTEXT.
# Prints nothing; the secrets are fixed so codes can be compared.
add_accounts() {
	local d=$1
	local s1=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP s2=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBV
	local s3=KRUGS4ZANFZSAYJAON4XG5DFNUQGM33SEBQXK5DIMVXHI2LDMF2GS33O s4=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U
	local s5=ONSWG4TFORZXG5DFMFWXGZLDOJSXI4Y
	on "$d" add --issuer "Forge Hub" --account "dev.one@forge.example" --secret "$s1" >/dev/null || fail "add sha1"
	on "$d" add --issuer "Cloud Bank" --account "saver.two" --secret "$s2" --algorithm SHA256 --digits 8 >/dev/null ||
		fail "add sha256"
	on "$d" add --issuer "Mail Co" --account "reader.three" --secret "$s3" --algorithm SHA512 --digits 7 \
		--period 60 >/dev/null || fail "add sha512"
	on "$d" add --issuer "Old VPN" --account "tunnel.four" --secret "$s4" --hotp --counter 5 >/dev/null || fail "add hotp"
	on "$d" add --issuer "Steam" --account "gamer.five" --secret "$s5" --steam >/dev/null || fail "add steam"
	PLAINTEXT+=("$s1" "$s2" "$s3" "$s4" "$s5" "Forge Hub" "dev.one@forge.example" "Cloud Bank" "saver.two"
		"Mail Co" "reader.three" "Old VPN" "tunnel.four" "gamer.five")
}

# device_a_backed_up: device A with accounts of every kind, backup on with a
# new recovery account ($EMAIL on $SERVER); its output is left in $T/out.
device_a_backed_up() {
	new_device A
	add_accounts A
	assert_ok on A backup on --server "$SERVER" --email "$EMAIL" --create
}

# uris N PREFIX: N otpauth URIs with random secrets (PREFIX0:user0@example.com, ...).
uris() {
	"$SYS_PY" - "$1" "$2" <<'PY'
import base64, os, sys
n, prefix = int(sys.argv[1]), sys.argv[2]
for i in range(n):
    s = base64.b32encode(os.urandom(20)).decode().rstrip("=")
    print(f"otpauth://totp/{prefix}{i}:user{i}%40example.com?secret={s}&issuer={prefix}{i}")
PY
}

# The recovery code printed by `backup on --create` (in $T/out).
recovery_code_of() { grep -Eo '[0-9A-Z]{4}(-[0-9A-Z]{4}){8}' "$1" | head -n 1; }

# json_get FILE EXPR: a field of a JSON document, with Python's json (EXPR like d["state"]).
# The JSON list of a device's accounts that backups carry (not its personal
# and work entries, which each device has its own of).
carried_json() { # DEVICE [list|code args...]
	local d=$1
	shift
	on "$d" "$@" --json | "$SYS_PY" -c '
import json, sys
print(json.dumps([a for a in json.load(sys.stdin) if a.get("kind") not in ("personal", "work")]))'
}

json_get() { "$SYS_PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# Every code of a device at the given times (TOTP and Steam; HOTP is shown
# separately), but those of personal and work entries: each device has its own.
codes_at() {
	local d=$1
	shift
	for t in "$@"; do
		on "$d" code --at "$t" --json | "$SYS_PY" -c '
import json, sys
for c in json.load(sys.stdin):
    if c["type"] != "hotp" and c.get("kind") not in ("personal", "work"):
        print(c["issuer"], c["account"], c["code"])'
	done
}

# check_no_plaintext: none of $PLAINTEXT appears in the server's database files
# (the database, its -wal and -shm) or its logs, as text or as base64 of the text.
check_no_plaintext() {
	local files=("$SRV"/*) report
	for report in "$T"/sanitizer*; do
		[ -e "$report" ] || continue
		fail "sanitizer report: $(head -n 30 "$report")"
	done
	"$SYS_PY" - "${#PLAINTEXT[@]}" "${PLAINTEXT[@]}" "${files[@]}" <<'EOF' || fail "plaintext on the server"
import base64, sys
n = int(sys.argv[1])
needles = [s for s in sys.argv[2:2 + n] if s]
files = sys.argv[2 + n:]
blobs = {}
for f in files:
    try:
        blobs[f] = open(f, "rb").read()
    except (IsADirectoryError, FileNotFoundError):
        pass
bad = 0
for s in needles:
    forms = {s.encode(), s.lower().encode(), base64.b64encode(s.encode())}
    try:  # a base32 secret also as its raw bytes
        forms.add(base64.b32decode(s + "=" * (-len(s) % 8)))
    except Exception:
        pass
    try:  # a base64 key also as its raw bytes
        raw = base64.b64decode(s, validate=True)
        if len(raw) >= 16:
            forms.add(raw)
    except Exception:
        pass
    for f, data in blobs.items():
        for form in forms:
            if form in data:
                print(f"found {s!r} in {f}", file=sys.stderr)
                bad += 1
if not blobs:
    print("no server files to search", file=sys.stderr)
    sys.exit(1)
sys.exit(1 if bad else 0)
EOF
}
