/*
 * Recovery keys and the backup envelope: placeholder until the
 * implementation lands; every fallible function fails with
 * AK_ERR_UNSUPPORTED.
 */
#include <stdlib.h>
#include <string.h>

#include "authkeep/backup.h"
#include "internal.h"

#define NOT_YET ak__fail(AK_ERR_UNSUPPORTED, "backup: not implemented yet")

void ak_recovery_kdf_default(struct ak_recovery_kdf *out)
{
        memset(out, 0, sizeof(*out));
}

enum ak_err ak_recovery_kdf_check(const struct ak_recovery_kdf *kdf)
{
        (void)kdf;
        return NOT_YET;
}

enum ak_err ak_recovery_derive(struct ak_recovery_keys *out, const unsigned char *secret,
                               size_t secret_len, const struct ak_recovery_kdf *kdf)
{
        (void)out, (void)secret, (void)secret_len, (void)kdf;
        return NOT_YET;
}

void ak_recovery_keys_wipe(struct ak_recovery_keys *keys)
{
        memset(keys, 0, sizeof(*keys));
}

void ak_backup_key_new(unsigned char key[AK_BACKUP_KEY_BYTES])
{
        memset(key, 0, AK_BACKUP_KEY_BYTES);
}

enum ak_err ak_backup_key_wrap(struct ak_wrapped_key *out,
                               const unsigned char backup_key[AK_BACKUP_KEY_BYTES],
                               const unsigned char wrap_key[AK_RECOVERY_KEY_BYTES])
{
        (void)out, (void)backup_key, (void)wrap_key;
        return NOT_YET;
}

enum ak_err ak_backup_key_unwrap(unsigned char backup_key[AK_BACKUP_KEY_BYTES],
                                 const struct ak_wrapped_key *wrapped,
                                 const unsigned char wrap_key[AK_RECOVERY_KEY_BYTES])
{
        (void)backup_key, (void)wrapped, (void)wrap_key;
        return NOT_YET;
}

void ak_wrapped_key_to_b64(char nonce_b64[AK_WRAP_NONCE_B64],
                           char ciphertext_b64[AK_WRAP_CIPHERTEXT_B64],
                           const struct ak_wrapped_key *wrapped)
{
        (void)wrapped;
        nonce_b64[0] = '\0';
        ciphertext_b64[0] = '\0';
}

enum ak_err ak_wrapped_key_from_b64(struct ak_wrapped_key *out, const char *nonce_b64,
                                    const char *ciphertext_b64)
{
        (void)out, (void)nonce_b64, (void)ciphertext_b64;
        return NOT_YET;
}

void ak_recovery_code_new(unsigned char secret[AK_RECOVERY_CODE_SECRET_BYTES],
                          char code[AK_RECOVERY_CODE_SIZE])
{
        memset(secret, 0, AK_RECOVERY_CODE_SECRET_BYTES);
        code[0] = '\0';
}

enum ak_err ak_recovery_code_parse(unsigned char secret[AK_RECOVERY_CODE_SECRET_BYTES],
                                   const char *typed)
{
        (void)secret, (void)typed;
        return NOT_YET;
}

enum ak_err ak_recovery_credentials_make(struct ak_recovery_credentials *out, const char *identity,
                                         const unsigned char *secret, size_t secret_len,
                                         const unsigned char backup_key[AK_BACKUP_KEY_BYTES],
                                         const struct ak_recovery_kdf *kdf)
{
        (void)out, (void)identity, (void)secret, (void)secret_len, (void)backup_key, (void)kdf;
        return NOT_YET;
}

enum ak_err ak_backup_seal(unsigned char **out, size_t *out_len, const void *plaintext,
                           size_t plaintext_len, const unsigned char key[AK_BACKUP_KEY_BYTES],
                           const char *account_id, uint64_t version)
{
        (void)out, (void)out_len, (void)plaintext, (void)plaintext_len, (void)key, (void)account_id,
            (void)version;
        return NOT_YET;
}

enum ak_err ak_backup_open(unsigned char **out, size_t *out_len, const unsigned char *envelope,
                           size_t envelope_len, const unsigned char key[AK_BACKUP_KEY_BYTES],
                           const char *account_id, uint64_t version)
{
        (void)out, (void)out_len, (void)envelope, (void)envelope_len, (void)key, (void)account_id,
            (void)version;
        return NOT_YET;
}

void ak_backup_plaintext_free(unsigned char *plaintext, size_t len)
{
        (void)len;
        free(plaintext);
}
