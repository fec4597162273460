#!/bin/bash
# The cloud part of `make demo`: a real authkeepd with its SQLite database in a
# temporary folder (removed at the end), and two devices. Device A adds
# accounts and turns on backup; device B recovers and shows the same codes;
# recovering again is refused because the accounts are there already.
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
say "\$ authkeepd --listen 127.0.0.1:$SERVER_PORT --db sqlite:$SERVER_DB"
mkdir -p "$SERVER_DIR"
authkeepd_start
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

step "4. Device B, a new device: recover"
on B recover --server "$SERVER" --email "$EMAIL"
on B list
on B backup status

step "5. The same codes on both devices"
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

step "7. What the server holds"
say "Only ciphertext: none of the secrets, names or the password is in its database or log."
for text in JBSWY3DPEHPK3PXP alice.savings "$AUTHKEEP_PASSWORD"; do
	if grep -rqaF "$text" "$DEMO_DIR/server"; then
		echo "demo-cloud: '$text' found on the server" >&2
		exit 1
	fi
done
say "Checked: $(ls "$DEMO_DIR/server" | tr '\n' ' ')"
