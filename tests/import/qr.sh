#!/bin/bash
# add --qr and import of QR images made by qrencode: PNG and JPEG, rotated
# 90 and 13 degrees, scaled to 60%, small in a 1600x1200 picture, several
# codes in one image, Google's migration codes; and the images that must
# fail with a clear error, leaving the vault unchanged.
. "$AUTHKEEP_SOURCE_ROOT/tests/import/helpers.sh"

command -v qrencode >/dev/null || skip "qrencode is not installed"
command -v convert >/dev/null || skip "ImageMagick's convert is not installed"
ak init >/dev/null || fail "init"

# uri N: an account of its own for each image.
uri() { echo "otpauth://totp/Test$1:user$1@example.com?secret=$2&issuer=Test$1"; }
S1=GEZDGNBVGY3TQOJQ S2=MFRGGZDFMZTWQ2LK S3=ONSWG4TFORZQAAAA S4=KRUGS4ZAMFZGKIDB S5=MZXW6YTBOJSXG5CU
S6=NBSWY3DPO5XXE3DE S7=JBSWY3DPEHPK3PXQ S8=KRSXG5CTMVRXEZLU

qrencode -s 6 -o "$T/plain.png" "$(uri 1 $S1)"
qrencode -s 6 -o "$T/r90src.png" "$(uri 2 $S2)" && convert "$T/r90src.png" -rotate 90 "$T/r90.png"
qrencode -s 6 -o "$T/r13src.png" "$(uri 3 $S3)" && convert "$T/r13src.png" -background white -rotate 13 "$T/r13.png"
qrencode -s 6 -o "$T/s60src.png" "$(uri 4 $S4)" && convert "$T/s60src.png" -resize 60% "$T/s60.png"
qrencode -s 6 -o "$T/jpgsrc.png" "$(uri 5 $S5)" && convert "$T/jpgsrc.png" -quality 85 "$T/code.jpg"
qrencode -s 3 -o "$T/smallsrc.png" "$(uri 6 $S6)" &&
	convert -size 1600x1200 xc:white "$T/smallsrc.png" -geometry +1100+800 -composite -quality 90 "$T/photo.jpg"
qrencode -s 5 -o "$T/a.png" "$(uri 7 $S7)" && qrencode -s 5 -o "$T/b.png" "$(uri 8 $S8)" &&
	convert "$T/a.png" "$T/b.png" +append "$T/two.png"

n=0
for img in plain.png r90.png r13.png s60.png code.jpg photo.jpg; do
	n=$((n + 1))
	assert_ok ak add --qr "$T/$img"
	assert_contains "$(cat "$T/out")" "1 added" "$img"
	assert_entry new "QR code 1 (Test$n:user$n@example.com)"
done
assert_ok ak add --qr "$T/two.png"
assert_contains "$(cat "$T/out")" "2 added" "two codes in one image"
# The same image again: nothing new, nothing written.
sum=$(file_sum "$VAULT")
assert_ok ak add --qr "$T/plain.png"
assert_entry identical "QR code 1 (Test1:user1@example.com)"
assert_eq "$sum" "$(file_sum "$VAULT")" "identical code: vault unchanged"
ak export --format uris 2>/dev/null >"$T/uris" || fail "export"
for s in $S1 $S2 $S3 $S4 $S5 $S6 $S7 $S8; do
	assert_contains "$(cat "$T/uris")" "secret=$s" "account with secret $s"
done
assert_eq 8 "$(wc -l <"$T/uris")" "accounts"

# Google Authenticator's export QR code: imported by add --qr and by import.
MIG='otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZSABKAEwAhABGAEgACiQo6qg%2Bv%2F%2F%2F%2F8B'
qrencode -s 6 -o "$T/migration.png" "$MIG"
assert_ok ak import "$T/migration.png" --dry-run
assert_entry new "QR code 1, account 1 (Example:alice@google.com)"
assert_ok ak add --qr "$T/migration.png"
assert_contains "$(cat "$T/out")" "1 added" "migration QR code"

# Images that must fail: one clear line, the vault unchanged.
sum=$(file_sum "$VAULT")
convert -size 300x300 xc:white "$T/blank.png"
assert_fails ak add --qr "$T/blank.png"
assert_eq 1 "$(wc -l <"$T/err")" "one error line"
assert_contains "$(cat "$T/err")" "no QR code found in the image" "blank image"
convert "$T/plain.png" "$T/code.gif"
assert_fails ak add --qr "$T/code.gif"
assert_contains "$(cat "$T/err")" "the image cannot be read: not a PNG or JPEG image" "GIF"
head -c 100 "$T/plain.png" >"$T/truncated.png"
assert_fails ak add --qr "$T/truncated.png"
assert_contains "$(cat "$T/err")" "the image cannot be read" "truncated PNG"
qrencode -s 6 -o "$T/url.png" "https://example.com/"
assert_fails ak add --qr "$T/url.png"
assert_contains "$(cat "$T/err")" "QR code 1 (malformed otpauth URI: not an otpauth:// URI)" "a QR code that is not an account"
assert_fails ak add --qr "$T/absent.png"
assert_eq "$sum" "$(file_sum "$VAULT")" "failed images leave the vault unchanged"
echo ok
