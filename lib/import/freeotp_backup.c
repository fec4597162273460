/*
 * FreeOTP 2's encrypted backup (externalBackup.xml, despite its name a Java
 * serialised HashMap<String, String>, javaser.c). Its pairs:
 *   "masterKey": {"mAlgorithm": "PBKDF2withHmacSHA1" | "PBKDF2withHmacSHA512",
 *                 "mIterations", "mSalt": [bytes], "mEncryptedKey": KEY}
 *   UUID:        {"key": "KEY as JSON text"}          a token's secret
 *   UUID-token:  the token's JSON (freeotp.c), without its secret
 * where KEY is {"mCipher": "AES/GCM/NoPadding", "mCipherText": [bytes:
 * ciphertext then the 16-byte tag], "mParameters": [the DER encoding of
 * the GCM parameters], "mToken": the wrapped key's algorithm, e.g.
 * "HmacSHA1" or "AES"}. The password's key is PBKDF2(password, mSalt,
 * mIterations, 256 bits); it unwraps the master key (AES-GCM with mToken as
 * additional data), which unwraps each token's secret the same way.
 *
 * Android versions encode the parameters differently: an OCTET STRING of
 * the nonce alone, or a SEQUENCE of the nonce and the tag length in bytes
 * (RFC 5084's GCMParameters). Both are read; a tag length other than 16 is
 * refused. The iterations are capped as andOTP's are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "apps.h"
#include "javaser.h"

#define FREEOTP_ITERATIONS_MAX 10000000u /* FreeOTP writes 100,000 */
#define FREEOTP_NONCE_MAX 64

/* The nonce inside DER GCM parameters: OCTET STRING, or SEQUENCE { OCTET STRING [, INTEGER] }. */
static enum ak_err gcm_nonce(const unsigned char **nonce, size_t *nonce_len, const unsigned char *p,
                             size_t n)
{
        const unsigned char *end = p + n;

        if (n >= 2 && p[0] == 0x30) {
                if (p[1] > 0x7f || (size_t)p[1] != n - 2)
                        return ak__fail(AK_ERR_FORMAT, "GCM parameters: a malformed SEQUENCE");
                p += 2;
        }
        if (end - p < 2 || p[0] != 0x04 || p[1] == 0 || p[1] > FREEOTP_NONCE_MAX ||
            (size_t)(end - p - 2) < p[1])
                return ak__fail(AK_ERR_FORMAT, "GCM parameters: no nonce");
        *nonce = p + 2;
        *nonce_len = p[1];
        p += 2 + p[1];
        if (p == end)
                return AK_OK;
        if (end - p == 3 && p[0] == 0x02 && p[1] == 1) {
                if (p[2] != AK__GCM_TAG_BYTES)
                        return ak__fail(AK_ERR_UNSUPPORTED, "GCM parameters: a %u-byte tag", p[2]);
                return AK_OK;
        }
        return ak__fail(AK_ERR_FORMAT, "GCM parameters: more than a nonce and a tag length");
}

/* Unwraps KEY (the JSON object above) with `key` into *out (freed with ak__free_secret). */
static enum ak_err unwrap(unsigned char **out, size_t *out_len, const json_t *wrapped,
                          const unsigned char key[32])
{
        const char *cipher = ak__json_str(wrapped, "mCipher"),
                   *aad = ak__json_str(wrapped, "mToken");
        unsigned char *ct = NULL, *params = NULL;
        size_t ct_len = 0, params_len = 0, nonce_len = 0;
        const unsigned char *nonce = NULL;
        enum ak_err rc;

        if (cipher == NULL || strcmp(cipher, "AES/GCM/NoPadding") != 0)
                return ak__fail(AK_ERR_UNSUPPORTED, "cipher: '%.40s' is not AES/GCM/NoPadding",
                                cipher ? cipher : "");
        rc = ak__json_bytes(&ct, &ct_len, json_object_get(wrapped, "mCipherText"), "mCipherText");
        if (rc == AK_OK)
                rc = ak__json_bytes(&params, &params_len, json_object_get(wrapped, "mParameters"),
                                    "mParameters");
        if (rc == AK_OK)
                rc = gcm_nonce(&nonce, &nonce_len, params, params_len);
        if (rc == AK_OK)
                rc = ak__aes_gcm_open_aad(out, out_len, key, nonce, nonce_len,
                                          (const unsigned char *)(aad ? aad : ""),
                                          aad ? strlen(aad) : 0, ct, ct_len);
        if (ct != NULL)
                ak__free_secret(ct, ct_len ? ct_len : 1);
        if (params != NULL)
                free(params);
        return rc;
}

/* The master key, from the password. */
static enum ak_err master_key(unsigned char mk[32], const json_t *m, const char *password,
                              size_t password_len)
{
        const char *algo = ak__json_str(m, "mAlgorithm");
        long long iterations = ak__json_int(m, "mIterations", -1);
        unsigned char key[32], *salt = NULL, *plain = NULL;
        size_t salt_len = 0, plain_len = 0;
        enum ak_hash hash;
        enum ak_err rc;

        if (algo != NULL && strcasecmp(algo, "PBKDF2withHmacSHA1") == 0)
                hash = AK_HASH_SHA1;
        else if (algo != NULL && strcasecmp(algo, "PBKDF2withHmacSHA512") == 0)
                hash = AK_HASH_SHA512;
        else
                return ak__fail(AK_ERR_UNSUPPORTED, "freeotp: master key: '%.40s' is not PBKDF2",
                                algo ? algo : "");
        if (iterations <= 0 || iterations > FREEOTP_ITERATIONS_MAX)
                return ak__fail(AK_ERR_LIMIT,
                                "freeotp: master key: %lld PBKDF2 iterations (at most %u)",
                                iterations, FREEOTP_ITERATIONS_MAX);
        rc = ak__json_bytes(&salt, &salt_len, json_object_get(m, "mSalt"), "freeotp: mSalt");
        if (rc != AK_OK)
                return rc;
        rc = ak__pbkdf2(key, sizeof(key), password, password_len, salt, salt_len,
                        (uint32_t)iterations, hash);
        free(salt);
        if (rc != AK_OK)
                return ak__fail(AK_ERR_CRYPTO, "freeotp: key derivation failed");
        rc = unwrap(&plain, &plain_len, json_object_get(m, "mEncryptedKey"), key);
        sodium_memzero(key, sizeof(key));
        if (rc == AK_ERR_IMPORT_PASSWORD)
                return ak__fail(AK_ERR_IMPORT_PASSWORD,
                                "freeotp: the backup does not decrypt with this password");
        if (rc != AK_OK)
                return ak__fail_in(rc, "freeotp: master key");
        if (plain_len != 32)
                rc = ak__fail(AK_ERR_UNSUPPORTED, "freeotp: a master key of %zu bytes", plain_len);
        else
                memcpy(mk, plain, 32);
        ak__free_secret(plain, plain_len + 1);
        return rc;
}

/* One token: its JSON and its wrapped secret (`key_text` may be NULL). */
static enum ak_err read_token(struct ak_account *acct, const char *token_text, const char *key_text,
                              const unsigned char mk[32])
{
        json_t *token = NULL, *holder = NULL, *wrapped = NULL;
        unsigned char *secret = NULL;
        size_t secret_len = 0;
        enum ak_err rc = ak__json_parse(&token, token_text, strlen(token_text), "token");

        if (rc != AK_OK)
                return rc;
        if (key_text == NULL && json_object_get(token, "secret") != NULL) {
                /* A token that carries its secret, as FreeOTP 1's did. */
                rc = ak__freeotp_token(acct, token, NULL, 0);
                goto done;
        }
        if (key_text == NULL) {
                rc = ak__fail(AK_ERR_FORMAT, "its key is not in the backup");
                goto done;
        }
        rc = ak__json_parse(&holder, key_text, strlen(key_text), "key");
        if (rc == AK_OK) {
                const char *inner = ak__json_str(holder, "key");
                rc = inner ? ak__json_parse(&wrapped, inner, strlen(inner), "key")
                           : ak__fail(AK_ERR_FORMAT, "key: no \"key\"");
        }
        if (rc == AK_OK)
                rc = unwrap(&secret, &secret_len, wrapped, mk);
        if (rc == AK_ERR_IMPORT_PASSWORD)
                rc = ak__fail(AK_ERR_FORMAT, "its key does not open with the master key");
        if (rc == AK_OK)
                rc = ak__freeotp_token(acct, token, secret, secret_len);
done:
        if (secret != NULL)
                ak__free_secret(secret, secret_len + 1);
        json_decref(token);
        json_decref(holder);
        json_decref(wrapped);
        return rc;
}

enum ak_err ak__import_freeotp_backup(struct ak_import *out, const unsigned char *data, size_t len,
                                      const char *password, size_t password_len)
{
        struct ak__jmap map;
        json_t *m = NULL;
        const char *mtext;
        unsigned char mk[32];
        size_t n = 0;
        enum ak_err rc = ak__jmap_parse(&map, data, len);

        if (rc != AK_OK)
                return ak__fail_in(rc, "freeotp");
        mtext = ak__jmap_get(&map, "masterKey");
        if (mtext == NULL) {
                rc = ak__fail(AK_ERR_FORMAT, "freeotp: the backup has no master key");
                goto done;
        }
        if (password == NULL) {
                rc = ak__fail(AK_ERR_IMPORT_PASSWORD, "a password is needed");
                goto done;
        }
        rc = ak__json_parse(&m, mtext, strlen(mtext), "freeotp: masterKey");
        if (rc == AK_OK)
                rc = master_key(mk, m, password, password_len);
        if (rc != AK_OK)
                goto done;
        for (size_t i = 0; i < map.count && rc == AK_OK; i++) {
                const struct ak__jpair *p = &map.pairs[i];
                size_t klen = strlen(p->key);
                struct ak_account acct;
                char where[32], *uuid, *label = NULL;
                json_t *token = NULL;
                enum ak_err erc;
                if (klen <= 6 || strcmp(p->key + klen - 6, "-token") != 0)
                        continue;
                snprintf(where, sizeof(where), "token %zu", ++n);
                uuid = ak__strndup(p->key, klen - 6);
                if (uuid == NULL) {
                        rc = AK_ERR_NOMEM;
                        break;
                }
                ak_account_init(&acct);
                if (p->value == NULL) {
                        erc = ak__fail(AK_ERR_FORMAT, "the token is null");
                } else {
                        if (ak__json_parse(&token, p->value, strlen(p->value), "token") == AK_OK)
                                label = ak__freeotp_label(token);
                        erc = read_token(&acct, p->value, ak__jmap_get(&map, uuid), mk);
                }
                rc = erc == AK_ERR_NOMEM ? erc : ak__import_push(out, erc, &acct, where, label);
                free(label);
                free(uuid);
                json_decref(token);
        }
        if (rc == AK_OK && n == 0)
                rc = ak__fail(AK_ERR_FORMAT, "freeotp: the backup holds no token");
done:
        sodium_memzero(mk, sizeof(mk));
        json_decref(m);
        ak__jmap_free(&map);
        return rc;
}
