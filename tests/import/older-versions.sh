#!/bin/bash
# Older versions of formats read already: 2FAS backups of schema 1 (no
# digits, period or algorithm: SHA-1, 6, 30 s) and 2 (no token type: TOTP),
# the real schema-2 file among them; andOTP's encrypted backups from before
# 0.6.3 (nonce, AES-GCM ciphertext and tag, keyed by SHA-256 of the password).
. "$AUTHKEEP_SOURCE_ROOT/tests/import/formats-lib.sh"

if have_more 2fas_authenticator_plain.2fas; then
	more_checked 2fas_authenticator_plain.2fas
fi
for schema in 1 2; do
	make 2fas-$schema "$T/s$schema.2fas"
	import_checked "2FAS schema $schema" "$T/s$schema.2fas" "$T/s$schema.2fas.want"
	dry_run_named "2FAS schema $schema, named" "$T/s$schema.2fas" 3 --format 2fas
done

/usr/bin/python3 -c 'import cryptography' 2>/dev/null || skip "Debian's python3-cryptography is needed to make andOTP backups"
make andotp-old "$T/old.json.aes" "andotp pass"
AUTHKEEP_IMPORT_PASSWORD="andotp pass" import_checked "andOTP before 0.6.3" "$T/old.json.aes" "$T/old.json.aes.want"
AUTHKEEP_IMPORT_PASSWORD="andotp pass" dry_run_named "andOTP before 0.6.3, named" "$T/old.json.aes" 7 --format andotp
fresh_device
AUTHKEEP_IMPORT_PASSWORD="andotp pas" assert_fails ak import "$T/old.json.aes"
assert_contains "$(cat "$T/err")" "wrong password" "old andOTP, wrong password"
echo "ok"
