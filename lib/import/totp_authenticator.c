/*
 * TOTP Authenticator (com.authenticator.authservice2). Its backup is base64
 * text of AES-256-CBC ciphertext, a zero IV and PKCS#7 padding, keyed by
 * SHA-256 of the password (the app's own "TotpAuthenticator" when the user
 * set none, tried after the one given). The plaintext is a JSON object whose
 * first member's name is the accounts, as JSON text:
 *   [{"issuer", "name", "key", "base": 16|32|64 (how "key" is written),
 *     "digits": "6", "period": "30", ...}]
 * The app's preferences (shared_prefs/TOTP_Authenticator_Preferences.xml)
 * hold the same list, unencrypted, as STATIC_TOTP_CODES_LIST. The app makes
 * SHA-1 TOTP codes only; digits and period are the entry's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "apps.h"

#define TOTPAUTH_DEFAULT_PASSWORD "TotpAuthenticator"
#define TOTPAUTH_PREF "STATIC_TOTP_CODES_LIST"

bool ak__totpauth_is_backup(const unsigned char *data, size_t len)
{
        size_t chars = 0;
        bool lower = false;

        for (size_t i = 0; i < len; i++) {
                unsigned char c = data[i];
                if (c == '\r' || c == '\n' || c == ' ')
                        continue;
                if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '+' || c == '/' || c == '='))
                        return false;
                lower |= c >= 'a' && c <= 'z';
                chars++;
        }
        /* Whole AES blocks, at least two; a base32 secret alone has no lower case. */
        return lower && chars >= 44 && chars % 4 == 0 && (chars / 4 * 3) % 16 <= 2;
}

static enum ak_err read_entry(struct ak_account *acct, const json_t *e)
{
        long long base = ak__json_int(e, "base", 16);
        const char *key = ak__json_str(e, "key");
        unsigned char *raw = NULL;
        size_t raw_len = 0, n;
        struct ak__otp_fields f = {
            .issuer = ak__json_str(e, "issuer"),
            .name = ak__json_str(e, "name"),
            .digits = ak__json_int(e, "digits", 0),
            .period = ak__json_int(e, "period", 0),
            .counter = -1,
        };
        enum ak_err rc = AK_OK;

        if (!json_is_object(e))
                return ak__fail(AK_ERR_FORMAT, "not a JSON object");
        if (key == NULL)
                return ak__fail(AK_ERR_FORMAT, "key: missing");
        n = strlen(key);
        if (base == 32) {
                f.secret = key;
        } else if (base == 16) {
                raw = malloc(n / 2 + 1);
                if (raw == NULL)
                        return AK_ERR_NOMEM;
                if (sodium_hex2bin(raw, n / 2 + 1, key, n, NULL, &raw_len, NULL) != 0 ||
                    raw_len * 2 != n)
                        rc = ak__fail(AK_ERR_FORMAT, "key: not hex");
        } else if (base == 64) {
                rc = ak__base64_decode(&raw, &raw_len, key, n);
        } else {
                return ak__fail(AK_ERR_UNSUPPORTED, "base: %lld is not 16, 32 or 64", base);
        }
        if (raw != NULL) {
                f.secret_raw = raw;
                f.secret_raw_len = raw_len;
        }
        if (rc == AK_OK)
                rc = ak__account_from_fields(acct, &f);
        if (raw != NULL)
                ak__free_secret(raw, base == 16 ? n / 2 + 1 : raw_len);
        return rc;
}

static enum ak_err import_list(struct ak_import *out, const char *text, size_t len)
{
        json_t *list = NULL, *e;
        size_t i;
        enum ak_err rc = ak__json_parse(&list, text, len, "totp-authenticator: the accounts");

        if (rc != AK_OK)
                return rc;
        if (!json_is_array(list)) {
                json_decref(list);
                return ak__fail(AK_ERR_FORMAT, "totp-authenticator: the accounts are not a list");
        }
        json_array_foreach(list, i, e)
        {
                struct ak_account acct;
                char where[32],
                    *label = ak__label(ak__json_str(e, "issuer"), ak__json_str(e, "name"));
                ak_account_init(&acct);
                snprintf(where, sizeof(where), "account %zu", i + 1);
                rc = read_entry(&acct, e);
                rc = rc == AK_ERR_NOMEM ? rc : ak__import_push(out, rc, &acct, where, label);
                free(label);
                if (rc != AK_OK)
                        break;
        }
        json_decref(list);
        return rc;
}

enum ak_err ak__import_totpauth_xml(struct ak_import *out, const struct ak__prefs *prefs)
{
        const char *v = ak__prefs_get(prefs, TOTPAUTH_PREF);

        if (v == NULL)
                return ak__fail(AK_ERR_FORMAT, "totp-authenticator: no %s preference",
                                TOTPAUTH_PREF);
        return import_list(out, v, strlen(v));
}

/* Decrypts the backup with one password into *pt (freed with ak__free_secret(*pt, *pt_len + 1)). */
static enum ak_err open_with(unsigned char **pt, size_t *pt_len, const unsigned char *ct,
                             size_t ct_len, const char *password, size_t password_len)
{
        unsigned char key[32], iv[16] = {0};
        unsigned int key_len = 0;
        enum ak_err rc;

        if (EVP_Digest(password, password_len, key, &key_len, EVP_sha256(), NULL) != 1)
                return ak__fail(AK_ERR_CRYPTO, "totp-authenticator: hashing the password failed");
        rc = ak__aes_cbc_open(pt, pt_len, key, sizeof(key), iv, ct, ct_len);
        sodium_memzero(key, sizeof(key));
        if (rc == AK_OK && (*pt_len == 0 || (*pt)[0] != '{')) {
                /* Padding that checked by chance: not this key either. */
                ak__free_secret(*pt, *pt_len + 1);
                rc = AK_ERR_IMPORT_PASSWORD;
        }
        return rc;
}

enum ak_err ak__import_totpauth_backup(struct ak_import *out, const unsigned char *data, size_t len,
                                       const char *password, size_t password_len)
{
        unsigned char *ct = NULL, *pt = NULL;
        size_t ct_len = 0, pt_len = 0;
        json_t *root = NULL;
        const char *first;
        enum ak_err rc = ak__base64_decode(&ct, &ct_len, (const char *)data, len);

        if (rc != AK_OK)
                return ak__fail(AK_ERR_FORMAT, "totp-authenticator: the backup is not base64");
        if (ct_len == 0 || ct_len % 16 != 0) {
                ak__free_secret(ct, ct_len);
                return ak__fail(AK_ERR_FORMAT,
                                "totp-authenticator: the backup is not whole AES blocks");
        }
        rc = AK_ERR_IMPORT_PASSWORD;
        if (password != NULL)
                rc = open_with(&pt, &pt_len, ct, ct_len, password, password_len);
        if (rc == AK_ERR_IMPORT_PASSWORD)
                rc = open_with(&pt, &pt_len, ct, ct_len, TOTPAUTH_DEFAULT_PASSWORD,
                               strlen(TOTPAUTH_DEFAULT_PASSWORD));
        ak__free_secret(ct, ct_len);
        if (rc == AK_ERR_IMPORT_PASSWORD)
                return ak__fail(AK_ERR_IMPORT_PASSWORD,
                                password ? "totp-authenticator: the backup does not decrypt with "
                                           "this password"
                                         : "a password is needed");
        if (rc != AK_OK)
                return rc;
        rc = ak__json_parse(&root, pt, pt_len, "totp-authenticator: the backup");
        if (rc == AK_OK) {
                void *it = json_object_iter(root);
                first = it ? json_object_iter_key(it) : NULL;
                rc = first ? import_list(out, first, strlen(first))
                           : ak__fail(AK_ERR_FORMAT, "totp-authenticator: the backup is empty");
        }
        json_decref(root);
        ak__free_secret(pt, pt_len + 1);
        return rc;
}
