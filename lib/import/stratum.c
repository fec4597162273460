/*
 * Authenticator Pro (Stratum) backups (.authpro), in each version:
 *
 *   plain:   {"Authenticators": [{"Type", "Issuer", "Username", "Secret"
 *            (base32), "Algorithm", "Digits", "Period", "Counter", "Pin",
 *            ...}], "Categories", "AuthenticatorCategories", "CustomIcons"}
 *   current: "AUTHENTICATORPRO", 16 bytes salt, 12 bytes nonce, then the
 *            plain JSON in AES-256-GCM with its 16-byte tag at the end; key =
 *            Argon2id(password, salt, 3 passes, 64 MiB, 4 lanes, 32 bytes)
 *   legacy:  "AuthenticatorPro", 20 bytes salt, 16 bytes IV, then the plain
 *            JSON in AES-256-CBC with PKCS#7 padding; key =
 *            PBKDF2-HMAC-SHA1(password, salt, 64,000 iterations, 32 bytes)
 *
 * Neither encrypted form records its costs: they are the app's constants,
 * so a file cannot ask for more. Type 1 is HOTP, 2 TOTP, 3 mOTP, 4 Steam, 5
 * Yandex; algorithm 0 SHA-1, 1 SHA-256, 2 SHA-512.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "apps.h" /* ak__aes_cbc_open */

#define HEADER "AUTHENTICATORPRO"
#define HEADER_LEGACY "AuthenticatorPro"
#define HEADER_BYTES 16
#define SALT_BYTES 16
#define LEGACY_SALT_BYTES 20
#define LEGACY_IV_BYTES 16
#define ARGON2_PASSES 3
#define ARGON2_MEMORY_KIB (64u * 1024)
#define ARGON2_LANES 4
#define LEGACY_ITERATIONS 64000

bool ak__stratum_encrypted(const unsigned char *data, size_t len)
{
        return len >= HEADER_BYTES && (memcmp(data, HEADER, HEADER_BYTES) == 0 ||
                                       memcmp(data, HEADER_LEGACY, HEADER_BYTES) == 0);
}

enum ak_err ak__stratum_account(struct ak_account *acct, long long type, const char *issuer,
                                const char *username, const char *secret, long long algorithm,
                                long long digits, long long period, long long counter)
{
        static const char *const algorithms[] = {"SHA1", "SHA256", "SHA512"};
        struct ak__otp_fields f = {
            .issuer = issuer,
            .name = username,
            .secret = secret,
            .digits = digits,
            .period = period,
            .counter = counter,
        };

        switch (type) {
        case 1:
                f.type = "hotp";
                break;
        case 2:
                f.type = "totp";
                break;
        case 4:
                f.type = "steam";
                break;
        case 3:
                return ak__fail(AK_ERR_UNSUPPORTED, "type: mOTP (3) is not supported");
        case 5:
                return ak__fail(AK_ERR_UNSUPPORTED, "type: Yandex (5) is not supported");
        default:
                return ak__fail(AK_ERR_UNSUPPORTED, "type: %lld is not supported", type);
        }
        if (algorithm < 0 || algorithm > 2)
                return ak__fail(AK_ERR_UNSUPPORTED, "algorithm: %lld is not supported", algorithm);
        f.algorithm = algorithms[algorithm];
        if (secret == NULL)
                return ak__fail(AK_ERR_FORMAT, "secret: missing");
        return ak__account_from_fields(acct, &f);
}

enum ak_err ak__import_stratum_json(struct ak_import *out, json_t *root)
{
        json_t *list = json_object_get(root, "Authenticators"), *e;
        size_t i;
        enum ak_err rc = AK_OK;

        if (!json_is_array(list))
                return ak__fail(AK_ERR_FORMAT, "stratum: Authenticators is not a list");
        json_array_foreach(list, i, e)
        {
                struct ak_account acct;
                const char *issuer = ak__json_str(e, "Issuer"), *name = ak__json_str(e, "Username");
                char where[32], *label = ak__label(issuer, name);
                enum ak_err erc;

                ak_account_init(&acct);
                snprintf(where, sizeof(where), "entry %zu", i + 1);
                if (!json_is_object(e))
                        erc = ak__fail(AK_ERR_FORMAT, "not an object");
                else
                        erc = ak__stratum_account(
                            &acct, ak__json_int(e, "Type", -1), issuer, name,
                            ak__json_str(e, "Secret"), ak__json_int(e, "Algorithm", 0),
                            ak__json_int(e, "Digits", 0), ak__json_int(e, "Period", 0),
                            ak__json_int(e, "Counter", -1));
                rc = label != NULL ? ak__import_push(out, erc, &acct, where, label) : AK_ERR_NOMEM;
                free(label);
                if (rc != AK_OK)
                        break;
        }
        return rc;
}

/* Decrypts an encrypted backup into *pt (a NUL after *pt_len bytes; freed with *pt_len + 1). */
static enum ak_err decrypt(unsigned char **pt, size_t *pt_len, const unsigned char *data,
                           size_t len, const char *password, size_t password_len)
{
        unsigned char key[32];
        bool legacy = memcmp(data, HEADER_LEGACY, HEADER_BYTES) == 0;
        size_t head = HEADER_BYTES + (legacy ? LEGACY_SALT_BYTES + LEGACY_IV_BYTES
                                             : SALT_BYTES + AK__GCM_NONCE_BYTES);
        const unsigned char *salt = data + HEADER_BYTES, *iv;
        enum ak_err rc;

        if (len < head + (legacy ? 16 : AK__GCM_TAG_BYTES))
                return ak__fail(AK_ERR_FORMAT, "stratum: too short for an encrypted backup");
        if (password == NULL)
                return ak__fail(AK_ERR_IMPORT_PASSWORD, "a password is needed");
        if (legacy) {
                iv = salt + LEGACY_SALT_BYTES;
                rc = ak__pbkdf2(key, sizeof(key), password, password_len, salt, LEGACY_SALT_BYTES,
                                LEGACY_ITERATIONS, AK_HASH_SHA1);
        } else {
                iv = salt + SALT_BYTES;
                rc = ak__argon2id_lanes(key, sizeof(key), password, password_len, salt, SALT_BYTES,
                                        ARGON2_PASSES, ARGON2_MEMORY_KIB, ARGON2_LANES);
        }
        if (rc != AK_OK)
                return ak__fail(AK_ERR_CRYPTO, "stratum: key derivation failed");
        if (legacy)
                rc = ak__aes_cbc_open(pt, pt_len, key, sizeof(key), iv, data + head, len - head);
        else
                rc = ak__aes_gcm_open_tagged(pt, pt_len, key, iv, AK__GCM_NONCE_BYTES, data + head,
                                             len - head);
        sodium_memzero(key, sizeof(key));
        if (rc == AK_ERR_IMPORT_PASSWORD)
                return ak__fail(rc, "stratum: the backup does not decrypt with this password");
        return rc;
}

enum ak_err ak__import_stratum(struct ak_import *out, const unsigned char *data, size_t len,
                               json_t *root, const char *password, size_t password_len)
{
        unsigned char *pt = NULL;
        size_t pt_len = 0;
        json_t *owned = NULL;
        enum ak_err rc;

        if (root != NULL)
                return ak__import_stratum_json(out, root);
        if (!ak__stratum_encrypted(data, len)) {
                rc = ak__json_parse(&owned, data, len, "stratum");
                if (rc == AK_OK)
                        rc = ak__import_stratum_json(out, owned);
                json_decref(owned);
                return rc;
        }
        rc = decrypt(&pt, &pt_len, data, len, password, password_len);
        if (rc != AK_OK)
                return rc;
        /*
         * CBC padding verifies by chance once in 256 wrong passwords: what
         * then decrypts is no JSON, and the password is as wrong.
         */
        rc = ak__json_parse(&owned, pt, pt_len, "stratum");
        if (rc == AK_ERR_FORMAT && memcmp(data, HEADER_LEGACY, HEADER_BYTES) == 0)
                rc = ak__fail(AK_ERR_IMPORT_PASSWORD,
                              "stratum: the backup does not decrypt with this password");
        else if (rc == AK_OK)
                rc = ak__import_stratum_json(out, owned);
        json_decref(owned);
        ak__free_secret(pt, pt_len + 1);
        return rc;
}
