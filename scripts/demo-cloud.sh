#!/bin/bash
# The cloud part of `make demo`: a real authkeepd with its SQLite database in a
# temporary folder (removed at the end), and two devices. Device A adds
# accounts and turns on backup; device B recovers and shows the same codes;
# recovering again is refused because the accounts are there already. B's
# own credential for the account waits until the password and a code sent
# to the alternate address verify it; then each device has its own code for
# the account itself, and device A approves a push sign-in with the number
# the requester sees.
#
# The binaries: see scripts/demo-lib.sh.
set -eu
cd "$(dirname "$0")/.."
. scripts/demo-lib.sh
demo_require "$AUTHKEEP" "$AUTHKEEPD"

DEMO_DIR=$(mktemp -d "${TMPDIR:-/tmp}/authkeep-cloud-demo.XXXXXX")
cleanup() {
	authkeepd_stop || true
	rm -rf "$DEMO_DIR"
}
trap cleanup EXIT

# Scripts give the secrets through the environment; a person types them.
export AUTHKEEP_PASSPHRASE="demo passphrase, not a real one"
export AUTHKEEP_PASSWORD="demo recovery password, not a real one"
unset AUTHKEEP_NOW AUTHKEEP_SERVER

# on DEVICE ARGS...: shows the command as typed on that device, then runs it.
on() {
	local device=$1
	shift
	printf '%s[device %s] $ authkeep' "$bold" "$device"
	printf ' %q' "$@"
	printf '%s\n' "$off"
	AUTHKEEP_HOME="$DEMO_DIR/$device" AUTHKEEP_DEVICE_NAME="$device" "$AUTHKEEP" "$@"
}

SERVER_DIR="$DEMO_DIR/server" SERVER_DB="$DEMO_DIR/server/authkeep.db"
SERVER_LOG="$SERVER_DIR/requests.log" SERVER_ERR="$SERVER_DIR/stderr.log"
SERVER_PORT=$(free_port)
SERVER_URL="http://127.0.0.1:$SERVER_PORT"
SERVER=$SERVER_URL
EMAIL="alice@example.com"

step "1. The server: authkeepd with an SQLite database"
OUTBOX="$SERVER_DIR/outbox.jsonl"
say "\$ authkeepd --listen 127.0.0.1:$SERVER_PORT --db sqlite:$SERVER_DB --notify file:$OUTBOX --code-interval 0"
say "(--notify file: keeps the verification codes it sends in a file; a real server uses"
say "smtp://HOST:PORT for email and webhook:URL for an SMS gateway. --code-interval 0 lets"
say "this demo send two codes within a minute; the default is one a minute per account.)"
mkdir -p "$SERVER_DIR"
authkeepd_start --notify "file:$OUTBOX" --code-interval 0
say "Listening on $SERVER (plain HTTP is allowed to loopback only; use --tls-cert/--tls-key otherwise)."

step "2. Device A: a vault and three accounts"
on A init
on A add "otpauth://totp/GitHub:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=GitHub"
on A add --issuer Bank --account alice --secret GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBV --algorithm SHA256 --digits 8
on A add --issuer Steam --account alice_games --secret ONSWG4TFORZXG5DFMFWXGZLDOJSXI4Y --steam
on A list

step "3. Device A turns on backup, creating the recovery account"
say "The password (here from AUTHKEEP_PASSWORD) never leaves the device: the server gets an SRP"
say "verifier and keys wrapped on the device. The recovery code is shown once."
on A backup on --server "$SERVER" --email "$EMAIL" --create
say "Every change is backed up before the command returns:"
on A rename bank "alice.savings"
on A backup status
say "An alternate address, for verifying a new device later; it gets a code first:"
on A contacts add email alice.backup@example.net </dev/null
code=$(tail -n 1 "$OUTBOX" | jq -r .code)
say "(the code from the message: $code)"
echo "$code" | on A contacts add email alice.backup@example.net --code -

step "4. Device B, a new device: recover"
on B recover --server "$SERVER" --email "$EMAIL"
on B list
on B backup status
say "B's own credential for alice's account waits: the password, then a code sent to the"
say "alternate address, prove it is alice's before its code and push sign-in turn on."
on B verify "$EMAIL" </dev/null
code=$(tail -n 1 "$OUTBOX" | jq -r .code)
say "(the code from the message: $code)"
echo "$code" | on B verify "$EMAIL" --code -

step "5. The same codes on both devices"
say "(but the personal account's: each device has its own, see step 7)"
now=$(date +%s)
on A code --at "$now"
on B code --at "$now"

step "6. Recovering again never overwrites"
if on B recover --server "$SERVER" --email "$EMAIL"; then
	echo "demo-cloud: recovering again should have been refused" >&2
	exit 1
fi
say "Nothing was changed. A dry run shows each account as new, identical or conflicting:"
on B recover --server "$SERVER" --email "$EMAIL" --dry-run

step "7. Each device has its own code for the account itself"
say "Backup on and recovery registered each device with the server: its own Ed25519 key,"
say "kept in its vault, and its own TOTP secret for the personal account."
on B devices
now=$(date +%s)
code_a=$(AUTHKEEP_HOME="$DEMO_DIR/A" "$AUTHKEEP" code 127.0.0.1 --at "$now" --json | jq -r '.[0].code')
code_b=$(AUTHKEEP_HOME="$DEMO_DIR/B" "$AUTHKEEP" code 127.0.0.1 --at "$now" --json | jq -r '.[0].code')
say "Personal account's code: $code_a on A, $code_b on B. A program checks one:"
for c in "$code_a" "$code_b"; do
	printf '%s$ curl -d '"'"'{"email":"%s","code":"%s"}'"'"' %s/v1/totp/verify%s
' "$bold" "$EMAIL" "$c" "$SERVER" "$off"
	curl -sS -H 'Content-Type: application/json' -d "{\"email\":\"$EMAIL\",\"code\":\"$c\"}" "$SERVER/v1/totp/verify"
	echo
done

step "8. Sign in with the device: push, with number matching"
say "Device A waits for sign-in requests (here: the first one, as JSON):"
AUTHKEEP_HOME="$DEMO_DIR/A" "$AUTHKEEP" listen --once --json >"$DEMO_DIR/listen.out" &
listener=$!
sleep 1
say "A program (a web page, an SSH login) asks the server to sign alice in:"
printf '%s$ curl -d '"'"'{"email":"%s","app":"demo"}'"'"' %s/v1/signin%s
' "$bold" "$EMAIL" "$SERVER" "$off"
curl -sS -H 'Content-Type: application/json' -d "{\"email\":\"$EMAIL\",\"app\":\"demo\"}" \
	"$SERVER/v1/signin" >"$DEMO_DIR/signin.json"
cat "$DEMO_DIR/signin.json"
echo
rid=$(jq -r .request_id "$DEMO_DIR/signin.json")
number=$(jq -r .number "$DEMO_DIR/signin.json")
say "The number $number is shown to the person signing in; the device never receives it."
wait "$listener"
say "What device A saw:"
cat "$DEMO_DIR/listen.out"
say "The person types the number they see on the sign-in screen; the device signs its answer:"
on A approve "$rid" --number "$number"
say "The requester's wait:"
curl -sS "$SERVER/v1/signin/$rid?wait=5"
echo

step "9. What the server holds"
say "Only ciphertext: none of the secrets, names or the password is in its database or log."
for text in JBSWY3DPEHPK3PXP alice.savings "$AUTHKEEP_PASSWORD"; do
	if grep -rqaF "$text" "$DEMO_DIR/server"; then
		echo "demo-cloud: '$text' found on the server" >&2
		exit 1
	fi
done
say "Checked: $(ls "$DEMO_DIR/server" | tr '\n' ' ')"
