/*
 * The ciphers and key derivations other authenticators encrypt their
 * exports with, each written once for every format that uses it:
 * AES-256-GCM (Aegis, 2FAS, andOTP; OpenSSL's, since libsodium's needs
 * hardware AES and takes only 12-byte nonces), scrypt (Aegis; libsodium's
 * low-level call, which takes N, r and p as the file gives them) and
 * PBKDF2-HMAC (2FAS with SHA-256, andOTP with SHA-1, FreeOTP with SHA-1 or
 * SHA-512) and AES-CBC (Authy, TOTP Authenticator). The costs come from the
 * files: the callers cap them before deriving.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "apps.h"

/*
 * One AES-256-GCM pass; `decrypt` selects the direction. The tag is read or
 * written; `aad` (may be NULL) is authenticated, not encrypted.
 */
static enum ak_err aes_gcm_aad(int decrypt, unsigned char *out, unsigned char *tag,
                               const unsigned char key[32], const unsigned char *nonce,
                               size_t nonce_len, const unsigned char *aad, size_t aad_len,
                               const unsigned char *in, size_t in_len)
{
        EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
        enum ak_err rc = AK_ERR_CRYPTO;
        int n = 0, fin = 0;

        if (ctx == NULL)
                return AK_ERR_NOMEM;
        if (in_len > INT_MAX || nonce_len == 0 || nonce_len > 64)
                goto done;
        if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, decrypt ? 0 : 1) != 1 ||
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, (int)nonce_len, NULL) != 1 ||
            EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, decrypt ? 0 : 1) != 1)
                goto done;
        if (aad_len > 0 &&
            (aad_len > INT_MAX || EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1))
                goto done;
        if (in_len > 0 && EVP_CipherUpdate(ctx, out, &n, in, (int)in_len) != 1)
                goto done;
        if (decrypt) {
                if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, AK__GCM_TAG_BYTES, tag) != 1)
                        goto done;
                if (EVP_CipherFinal_ex(ctx, out + n, &fin) != 1) {
                        /* The tag did not verify: the key (from the password) is wrong or the data
                         * changed. */
                        sodium_memzero(out, in_len);
                        rc = ak__fail(AK_ERR_IMPORT_PASSWORD, "authentication failed");
                        goto done;
                }
        } else {
                if (EVP_CipherFinal_ex(ctx, out + n, &fin) != 1 ||
                    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, AK__GCM_TAG_BYTES, tag) != 1)
                        goto done;
        }
        rc = AK_OK;
done:
        EVP_CIPHER_CTX_free(ctx);
        return rc;
}

static enum ak_err aes_gcm(int decrypt, unsigned char *out, unsigned char *tag,
                           const unsigned char key[32], const unsigned char *nonce,
                           size_t nonce_len, const unsigned char *in, size_t in_len)
{
        return aes_gcm_aad(decrypt, out, tag, key, nonce, nonce_len, NULL, 0, in, in_len);
}

enum ak_err ak__aes_gcm_open_aad(unsigned char **out, size_t *out_len, const unsigned char key[32],
                                 const unsigned char *nonce, size_t nonce_len,
                                 const unsigned char *aad, size_t aad_len, const unsigned char *box,
                                 size_t box_len)
{
        unsigned char tag[AK__GCM_TAG_BYTES], *buf;
        size_t n;
        enum ak_err rc;

        if (box_len < AK__GCM_TAG_BYTES)
                return ak__fail(AK_ERR_FORMAT, "ciphertext: shorter than its tag");
        n = box_len - AK__GCM_TAG_BYTES;
        memcpy(tag, box + n, sizeof(tag));
        buf = malloc(n + 1);
        if (buf == NULL)
                return AK_ERR_NOMEM;
        rc = aes_gcm_aad(1, buf, tag, key, nonce, nonce_len, aad, aad_len, box, n);
        if (rc != AK_OK) {
                ak__free_secret(buf, n + 1);
                return rc;
        }
        buf[n] = '\0';
        *out = buf;
        *out_len = n;
        return AK_OK;
}

enum ak_err ak__aes_gcm_decrypt(unsigned char *out, const unsigned char key[32],
                                const unsigned char *nonce, size_t nonce_len,
                                const unsigned char *ct, size_t ct_len,
                                const unsigned char tag[AK__GCM_TAG_BYTES])
{
        unsigned char t[AK__GCM_TAG_BYTES];

        memcpy(t, tag, sizeof(t));
        return aes_gcm(1, out, t, key, nonce, nonce_len, ct, ct_len);
}

enum ak_err ak__aes_gcm_open(unsigned char **out, const unsigned char key[32],
                             const unsigned char *nonce, size_t nonce_len, const unsigned char *ct,
                             size_t ct_len, const unsigned char tag[AK__GCM_TAG_BYTES])
{
        unsigned char *buf = malloc(ct_len + 1);
        enum ak_err rc;

        if (buf == NULL)
                return AK_ERR_NOMEM;
        rc = ak__aes_gcm_decrypt(buf, key, nonce, nonce_len, ct, ct_len, tag);
        if (rc != AK_OK) {
                ak__free_secret(buf, ct_len + 1);
                return rc;
        }
        buf[ct_len] = '\0';
        *out = buf;
        return AK_OK;
}

enum ak_err ak__aes_gcm_open_tagged(unsigned char **out, size_t *out_len,
                                    const unsigned char key[32], const unsigned char *nonce,
                                    size_t nonce_len, const unsigned char *box, size_t box_len)
{
        size_t n;
        enum ak_err rc;

        if (box_len < AK__GCM_TAG_BYTES)
                return ak__fail(AK_ERR_FORMAT, "ciphertext: shorter than its tag");
        n = box_len - AK__GCM_TAG_BYTES;
        rc = ak__aes_gcm_open(out, key, nonce, nonce_len, box, n, box + n);
        if (rc == AK_OK)
                *out_len = n;
        return rc;
}

enum ak_err ak__aes_gcm_encrypt(unsigned char *out, unsigned char tag[AK__GCM_TAG_BYTES],
                                const unsigned char key[32], const unsigned char *nonce,
                                size_t nonce_len, const unsigned char *pt, size_t pt_len)
{
        return aes_gcm(0, out, tag, key, nonce, nonce_len, pt, pt_len);
}

enum ak_err ak__scrypt(unsigned char *key, size_t key_len, const char *password,
                       size_t password_len, const unsigned char *salt, size_t salt_len, uint64_t n,
                       uint32_t r, uint32_t p)
{
        if (crypto_pwhash_scryptsalsa208sha256_ll((const uint8_t *)password, password_len, salt,
                                                  salt_len, n, r, p, key, key_len) != 0)
                return AK_ERR_CRYPTO;
        return AK_OK;
}

enum ak_err ak__pbkdf2(unsigned char *key, size_t key_len, const char *password,
                       size_t password_len, const unsigned char *salt, size_t salt_len,
                       uint32_t iterations, enum ak_hash hash)
{
        /* The digests exports use. */
        const EVP_MD *md = hash == AK_HASH_SHA1     ? EVP_sha1()
                           : hash == AK_HASH_SHA256 ? EVP_sha256()
                           : hash == AK_HASH_SHA512 ? EVP_sha512()
                                                    : NULL;

        if (md == NULL || password_len > INT_MAX || salt_len > INT_MAX || key_len > INT_MAX ||
            iterations == 0 || iterations > INT_MAX)
                return AK_ERR_CRYPTO;
        if (PKCS5_PBKDF2_HMAC(password, (int)password_len, salt, (int)salt_len, (int)iterations, md,
                              (int)key_len, key) != 1)
                return AK_ERR_CRYPTO;
        return AK_OK;
}

enum ak_err ak__aes_cbc_open(unsigned char **out, size_t *out_len, const unsigned char *key,
                             size_t key_len, const unsigned char iv[16], const unsigned char *ct,
                             size_t ct_len)
{
        const EVP_CIPHER *cipher = key_len == 32   ? EVP_aes_256_cbc()
                                   : key_len == 16 ? EVP_aes_128_cbc()
                                                   : NULL;
        EVP_CIPHER_CTX *ctx;
        unsigned char *buf;
        int n = 0, fin = 0;
        enum ak_err rc = AK_ERR_CRYPTO;

        if (cipher == NULL || ct_len == 0 || ct_len % 16 != 0 || ct_len > INT_MAX)
                return ak__fail(AK_ERR_FORMAT, "ciphertext: not whole AES blocks");
        buf = malloc(ct_len + 1);
        ctx = EVP_CIPHER_CTX_new();
        if (buf == NULL || ctx == NULL) {
                free(buf);
                EVP_CIPHER_CTX_free(ctx);
                return AK_ERR_NOMEM;
        }
        if (EVP_DecryptInit_ex(ctx, cipher, NULL, key, iv) != 1 ||
            EVP_DecryptUpdate(ctx, buf, &n, ct, (int)ct_len) != 1)
                goto done;
        if (EVP_DecryptFinal_ex(ctx, buf + n, &fin) != 1) {
                /* The padding is wrong: most likely the key (from the password). */
                rc = ak__fail(AK_ERR_IMPORT_PASSWORD, "the padding does not check");
                goto done;
        }
        buf[n + fin] = '\0';
        *out = buf;
        *out_len = (size_t)(n + fin);
        buf = NULL;
        rc = AK_OK;
done:
        if (buf != NULL)
                ak__free_secret(buf, ct_len + 1);
        EVP_CIPHER_CTX_free(ctx);
        return rc;
}
