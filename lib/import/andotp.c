/*
 * andOTP backups. Plain: a JSON list of
 *   {"secret" (base32, padded), "issuer", "label", "digits", "type":
 *    "TOTP"|"HOTP"|"STEAM", "algorithm", "period", "counter", ...}.
 * Encrypted (andOTP 0.6.3 on): 4 bytes big-endian PBKDF2 iteration count,
 * 12 bytes salt, 12 bytes nonce, then AES-256-GCM ciphertext with its tag;
 * the key is PBKDF2-HMAC-SHA1(password, salt, iterations, 256 bits). Older
 * versions wrote only nonce, ciphertext and tag, keyed by SHA-256 of the
 * password: tried when the first does not open.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "import_internal.h"

#define ANDOTP_SALT_BYTES 12
#define ANDOTP_HEADER_BYTES (4 + ANDOTP_SALT_BYTES + AK__GCM_NONCE_BYTES)
#define ANDOTP_ITERATIONS_MAX 10000000u /* andOTP picks 140,000-160,000; refuse absurd costs */

static enum ak_err read_entry(struct ak_account *acct, const json_t *e)
{
        const char *issuer = ak__json_str(e, "issuer"), *label = ak__json_str(e, "label");
        char *name = NULL;
        struct ak__otp_fields f = {
            .type = ak__json_str(e, "type"),
            .secret = ak__json_str(e, "secret"),
            .algorithm = ak__json_str(e, "algorithm"),
            .issuer = issuer,
            .name = label,
        };
        enum ak_err rc;

        if (!json_is_object(e))
                return ak__fail(AK_ERR_FORMAT, "not an object");
        ak__json_otp_numbers(&f, e);
        if (f.secret == NULL)
                return ak__fail(AK_ERR_FORMAT, "secret: missing");
        /* Old andOTP versions had no issuer field and wrote "Issuer - name" or "Issuer:name" as the
         * label. */
        if ((issuer == NULL || issuer[0] == '\0') && label != NULL) {
                const char *sep = strstr(label, " - ");
                size_t skip = 3;
                if (sep == NULL) {
                        sep = strchr(label, ':');
                        skip = 1;
                }
                if (sep != NULL) {
                        name = ak__strndup(label, (size_t)(sep - label));
                        if (name == NULL)
                                return AK_ERR_NOMEM;
                        f.issuer = name;
                        f.name = sep + skip;
                }
        }
        rc = ak__account_from_fields(acct, &f);
        free(name);
        return rc;
}

enum ak_err ak__import_andotp_json(struct ak_import *out, json_t *root)
{
        json_t *e;
        size_t i;
        enum ak_err rc = AK_OK;

        if (!json_is_array(root))
                return ak__fail(AK_ERR_FORMAT, "andotp: not a JSON list");
        json_array_foreach(root, i, e)
        {
                struct ak_account acct;
                char where[32], *label = NULL;
                const char *issuer = ak__json_str(e, "issuer"), *name = ak__json_str(e, "label");
                ak_account_init(&acct);
                snprintf(where, sizeof(where), "entry %zu", i + 1);
                label = ak__label(issuer, name);
                rc = ak__import_push(out, read_entry(&acct, e), &acct, where, label);
                free(label);
                if (rc != AK_OK)
                        break;
        }
        return rc;
}

/* Decrypts a nonce followed by AES-256-GCM ciphertext and its tag into *pt (+ NUL). */
static enum ak_err open_box(unsigned char **pt, size_t *pt_len, const unsigned char key[32],
                            const unsigned char *box, size_t len)
{
        return ak__aes_gcm_open_tagged(pt, pt_len, key, box, AK__GCM_NONCE_BYTES,
                                       box + AK__GCM_NONCE_BYTES, len - AK__GCM_NONCE_BYTES);
}

enum ak_err ak__import_andotp_encrypted(struct ak_import *out, const unsigned char *data,
                                        size_t len, const char *password, size_t password_len)
{
        unsigned char key[32], *pt = NULL;
        size_t pt_len = 0;
        uint32_t iterations;
        json_t *root = NULL;
        enum ak_err rc = AK_ERR_IMPORT_PASSWORD;

        if (len < ANDOTP_HEADER_BYTES + AK__GCM_TAG_BYTES)
                return ak__fail(AK_ERR_FORMAT, "andotp: too short for an encrypted backup");
        if (password == NULL)
                return ak__fail(AK_ERR_IMPORT_PASSWORD, "a password is needed");
        iterations =
            (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
        /* The current format: PBKDF2 iterations, salt, then nonce, ciphertext, tag. */
        if (iterations > 0 && iterations <= ANDOTP_ITERATIONS_MAX) {
                if (ak__pbkdf2(key, sizeof(key), password, password_len, data + 4,
                               ANDOTP_SALT_BYTES, iterations, AK_HASH_SHA1) != AK_OK)
                        return ak__fail(AK_ERR_CRYPTO, "andotp: key derivation failed");
                rc = open_box(&pt, &pt_len, key, data + 4 + ANDOTP_SALT_BYTES,
                              len - 4 - ANDOTP_SALT_BYTES);
        }
        /* Before andOTP 0.6.3: key = SHA-256(password), then nonce, ciphertext, tag. */
        if (rc == AK_ERR_IMPORT_PASSWORD) {
                unsigned int key_len = 0;
                if (EVP_Digest(password, password_len, key, &key_len, EVP_sha256(), NULL) != 1)
                        return ak__fail(AK_ERR_CRYPTO, "andotp: hashing the password failed");
                rc = open_box(&pt, &pt_len, key, data, len);
        }
        if (rc == AK_ERR_IMPORT_PASSWORD)
                rc = ak__fail(AK_ERR_IMPORT_PASSWORD,
                              "andotp: the backup does not decrypt with this password");
        if (rc == AK_OK)
                rc = ak__json_parse(&root, pt, pt_len, "andotp");
        if (rc == AK_OK)
                rc = ak__import_andotp_json(out, root);
        sodium_memzero(key, sizeof(key));
        ak__free_secret(pt, pt_len + 1);
        json_decref(root);
        return rc;
}
