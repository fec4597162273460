# Shared by the end-to-end tests of the authkeep app: known secrets and
# their codes (RFC 4226 Appendix D, RFC 6238 Appendix B), and assertions.
. "$AUTHKEEP_SOURCE_ROOT/tests/lib.sh"

# "12345678901234567890" and the 32- and 64-byte seeds of RFC 6238, in base32.
SEED1=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
SEED256=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA
SEED512=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA

URI_GITHUB="otpauth://totp/GitHub:alice@example.com?secret=$SEED1&issuer=GitHub"
URI_BANK="otpauth://totp/Bank:alice?secret=$SEED256&issuer=Bank&algorithm=SHA256&digits=8&period=60"
URI_VPN="otpauth://hotp/VPN:alice?secret=JBSWY3DPEHPK3PXP&issuer=VPN&counter=0"

# The error must be exactly one line on stderr, holding $1.
assert_one_error_line() {
	assert_eq 1 "$(wc -l <"$T/err")" "lines on stderr ($(cat "$T/err"))"
	assert_contains "$(cat "$T/err")" "$1" "error message"
}

# A fresh vault with three accounts: GitHub (TOTP SHA1), Bank (SHA256, 8
# digits, 60 s), VPN (HOTP).
setup_three() {
	[ -e "$AUTHKEEP_HOME/vault.json" ] || ak init >/dev/null || fail "init"
	ak add "$URI_GITHUB" >/dev/null || fail "add GitHub"
	ak add "$URI_BANK" >/dev/null || fail "add Bank"
	ak add "$URI_VPN" >/dev/null || fail "add VPN"
}

VAULT="$AUTHKEEP_HOME/vault.json"
