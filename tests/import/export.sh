#!/bin/bash
# Exports: uris, aegis (plain and encrypted), gauth and qr each import back
# into an empty vault with every account and every code the same; files are
# 0600; plain exports warn; the encrypted Aegis vault opens with an
# independent implementation of Aegis's format (Python: scrypt, AES-GCM).
. "$AUTHKEEP_SOURCE_ROOT/tests/import/helpers.sh"

use_home orig
ak init >/dev/null || fail "init"
for u in \
	'otpauth://totp/GitHub:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub' \
	'otpauth://totp/Bank:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA&issuer=Bank&algorithm=SHA256&digits=8&period=60' \
	'otpauth://totp/Caf%C3%A9:ren%C3%A9e?secret=MFRGGZDFMZTWQ2LK&issuer=Caf%C3%A9&algorithm=SHA512&digits=7&period=20' \
	'otpauth://hotp/VPN:carol?secret=JBSWY3DPEHPK3PXP&issuer=VPN&counter=42' \
	'otpauth://hotp/Door:dave?secret=ONSWG4TFORZQAAAA&issuer=Door&algorithm=SHA256&digits=8&counter=7' \
	'otpauth://steam/Steam:gabe?secret=KRUGS4ZAMFZGKIDB&issuer=Steam' \
	'otpauth://totp/:nobody?secret=MZXW6YTBOJSXG5CU'; do
	ak add "$u" >/dev/null || fail "add $u"
done

# Every format, written before anything below uses an HOTP code.
assert_ok ak export --format uris --out "$T/uris.txt"
assert_contains "$(cat "$T/err")" "holds your secrets unencrypted" "plain export warns"
assert_ok ak export --format aegis --out "$T/aegis.json"
assert_contains "$(cat "$T/err")" "holds your secrets unencrypted" "plain Aegis export warns"
AUTHKEEP_EXPORT_PASSWORD='pass word' assert_ok ak export --format aegis --encrypt --out "$T/aegis-enc.json"
assert_not_contains "$(cat "$T/err")" "unencrypted" "encrypted export does not warn"
assert_not_contains "$(cat "$T/aegis-enc.json")" "GEZDGNBVGY3TQOJQ" "encrypted export holds no secret in the clear"
assert_ok ak export --format gauth --out "$T/gauth.txt"
assert_contains "$(cat "$T/err")" "3 accounts left out" "gauth names what it cannot hold"
assert_contains "$(cat "$T/err")" "Bank:bob" "gauth: 60-second period"
assert_contains "$(cat "$T/err")" "Steam:gabe" "gauth: Steam"
assert_ok ak export --format qr --out "$T/qr"
assert_contains "$(cat "$T/err")" "hold your secrets" "QR export warns"
assert_eq 7 "$(ls "$T/qr" | grep -c '\.png$')" "one PNG an account"
for f in "$T/uris.txt" "$T/aegis.json" "$T/aegis-enc.json" "$T/gauth.txt" "$T"/qr/*.png; do
	assert_eq 600 "$(stat -c %a "$f")" "mode of $f"
done
# Over an existing file with a looser mode: still 0600.
touch "$T/loose.txt" && chmod 644 "$T/loose.txt"
assert_ok ak export --format uris --out "$T/loose.txt"
assert_eq 600 "$(stat -c %a "$T/loose.txt")" "mode of an overwritten export"
# To standard output, and QR codes drawn in the terminal.
ak export --format uris 2>/dev/null | cmp -s - "$T/uris.txt" || fail "uris on stdout differ from the file"
assert_ok ak export --format qr
assert_contains "$(cat "$T/out")" "GitHub:alice@example.com" "terminal QR caption"
assert_contains "$(cat "$T/out")" "█" "terminal QR drawing"
# The drawing scans: its half blocks turned back into pixels, read by zbarimg.
if command -v zbarimg >/dev/null; then
	python3 - "$T/out" "$T/term.pgm" <<'PY' || fail "terminal drawing"
import sys
text = open(sys.argv[1], encoding="utf-8").read().split("\n\n")[0].split("\n")[1:]
cells = {" ": (0, 0), "\u2584": (0, 1), "\u2580": (1, 0), "\u2588": (1, 1)}  # light modules are drawn
grid = []
for line in text:
    grid += [[cells[c][0] for c in line], [cells[c][1] for c in line]]
s, h, w = 6, len(grid), max(len(r) for r in grid)
with open(sys.argv[2], "wb") as f:
    f.write(b"P5 %d %d 255\n" % (w * s, h * s))
    for r in grid:
        row = bytes(255 if x < len(r) and r[x] else 0 for x in range(w) for _ in range(s))
        f.write(row * s)
PY
	assert_eq "$(head -1 "$T/uris.txt")" "$(zbarimg -q --raw "$T/term.pgm" 2>/dev/null)" "the terminal QR code scans"
fi
# Usage errors.
assert_fails ak export --format keepass
assert_fails ak export --format uris --encrypt
assert_fails ak export

# gauth lines each fit one QR code.
while read -r line; do
	qrencode -o /dev/null "$line" || fail "a gauth line does not fit one QR code"
done <"$T/gauth.txt"

# The encrypted Aegis vault, opened as Aegis opens it.
if /usr/bin/python3 -c 'import cryptography' 2>/dev/null; then
	/usr/bin/python3 - "$T/aegis-enc.json" <<'PY' || fail "the encrypted Aegis export does not open as Aegis's format says"
import base64, hashlib, json, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
v = json.load(open(sys.argv[1]))
assert v["version"] == 1
slot = [s for s in v["header"]["slots"] if s["type"] == 1][0]
key = hashlib.scrypt(b"pass word", salt=bytes.fromhex(slot["salt"]), n=slot["n"], r=slot["r"], p=slot["p"], dklen=32, maxmem=1 << 28)
kp = slot["key_params"]
master = AESGCM(key).decrypt(bytes.fromhex(kp["nonce"]), bytes.fromhex(slot["key"]) + bytes.fromhex(kp["tag"]), None)
p = v["header"]["params"]
db = json.loads(AESGCM(master).decrypt(bytes.fromhex(p["nonce"]), base64.b64decode(v["db"]) + bytes.fromhex(p["tag"]), None))
names = [(e["type"], e["issuer"], e["name"], e["info"]["secret"]) for e in db["entries"]]
assert len(names) == 7, names
assert ("steam", "Steam", "gabe", "KRUGS4ZAMFZGKIDB") in names, names
for e in db["entries"]:
    assert e["uuid"] and "icon" in e and e["info"]["algo"] in ("SHA1", "SHA256", "SHA512")
PY
else
	echo "note: Debian's python3-cryptography is absent: the independent Aegis check is skipped"
fi

want=$(vault_signature) || fail "signature"
[ -n "$want" ] || fail "empty signature"

# Each export into an empty vault: every account and every code the same.
round_trip() { # NAME, then the commands that import
	local name=$1
	shift
	use_home "rt-$name"
	ak init >/dev/null || fail "init $name"
	"$@" >/dev/null 2>"$T/err" || fail "$name: import failed: $(cat "$T/err")"
	assert_eq "$want" "$(vault_signature)" "round trip through $name"
}
import_dir() { for f in "$1"/*.png; do ak import "$f" || return 1; done; }
round_trip uris ak import "$T/uris.txt"
round_trip aegis ak import "$T/aegis.json"
AUTHKEEP_IMPORT_PASSWORD='pass word' round_trip aegis-enc ak import "$T/aegis-enc.json"
round_trip qr import_dir "$T/qr"

# gauth holds only what Google Authenticator can: its own round trip.
use_home gsrc
ak init >/dev/null || fail "init"
for u in \
	'otpauth://totp/GitHub:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub' \
	'otpauth://totp/Bank:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA&issuer=Bank&algorithm=SHA256&digits=8' \
	'otpauth://hotp/VPN:carol?secret=JBSWY3DPEHPK3PXP&issuer=VPN&counter=42'; do
	ak add "$u" >/dev/null || fail "add $u"
done
B32=ABCDEFGHIJKLMNOPQRSTUVWXYZ234567
for i in $(seq 0 39); do # enough accounts for several batches
	secret="JBSWY3DPEHPK3PXP${B32:$((i % 32)):1}${B32:$((i / 32)):1}AAAAAA"
	ak add "otpauth://totp/Service$i:user$i@example.com?secret=$secret&issuer=Service$i" >/dev/null || fail "add service $i"
done
ak export --format gauth --out "$T/gauth2.txt" 2>/dev/null || fail "gauth export"
[ "$(wc -l <"$T/gauth2.txt")" -gt 1 ] || fail "43 accounts should need several batches"
want=$(vault_signature)
round_trip gauth ak import "$T/gauth2.txt"
echo ok
