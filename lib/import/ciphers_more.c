/*
 * The rest of the other apps' ciphers, beside ciphers.c: AES-256-CBC with
 * PKCS#7 padding (OpenSSL's) and Argon2id with several lanes (libargon2,
 * the reference implementation: libsodium's Argon2id has one lane only,
 * and Authenticator Pro derives with four). Costs come from the callers,
 * which cap them first.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "import_internal.h"

enum ak_err ak__aes_cbc_open(unsigned char **out, size_t *out_len, const unsigned char key[32],
                             const unsigned char iv[16], const unsigned char *ct, size_t ct_len)
{
        EVP_CIPHER_CTX *ctx;
        unsigned char *buf;
        int n = 0, fin = 0;
        enum ak_err rc = AK_ERR_IMPORT_PASSWORD;

        if (ct_len == 0 || ct_len % 16 != 0 || ct_len > INT_MAX - 32)
                return ak__fail(AK_ERR_FORMAT, "ciphertext: not a whole number of AES blocks");
        buf = malloc(ct_len + 16 + 1);
        ctx = EVP_CIPHER_CTX_new();
        if (buf == NULL || ctx == NULL) {
                free(buf);
                EVP_CIPHER_CTX_free(ctx);
                return AK_ERR_NOMEM;
        }
        if (EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, iv) != 1 ||
            EVP_DecryptUpdate(ctx, buf, &n, ct, (int)ct_len) != 1) {
                rc = AK_ERR_CRYPTO;
                goto done;
        }
        /* Bad padding: the key (from the password) is wrong, or the data changed. */
        if (EVP_DecryptFinal_ex(ctx, buf + n, &fin) != 1)
                goto done;
        *out_len = (size_t)n + (size_t)fin;
        buf[*out_len] = '\0';
        *out = buf;
        buf = NULL;
        rc = AK_OK;
done:
        if (buf != NULL)
                ak__free_secret(buf, ct_len + 16 + 1);
        EVP_CIPHER_CTX_free(ctx);
        if (rc == AK_ERR_IMPORT_PASSWORD)
                return ak__fail(rc, "the padding does not verify");
        return rc;
}

enum ak_err ak__argon2id_lanes(unsigned char *key, size_t key_len, const char *password,
                               size_t password_len, const unsigned char *salt, size_t salt_len,
                               uint32_t passes, uint32_t memory_kib, uint32_t lanes)
{
        if (password_len > UINT32_MAX || salt_len > UINT32_MAX || key_len > UINT32_MAX)
                return AK_ERR_CRYPTO;
        if (argon2id_hash_raw(passes, memory_kib, lanes, password, password_len, salt, salt_len,
                              key, key_len) != ARGON2_OK) {
                sodium_memzero(key, key_len);
                return AK_ERR_CRYPTO;
        }
        return AK_OK;
}
