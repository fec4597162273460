/*
 * Authy's tokens, from a rooted phone's
 * /data/data/com.authy.authy/shared_prefs/: com.authy.storage.tokens.
 * authenticator.xml holds the third-party accounts, under the preference
 * "com.authy.storage.tokens.authenticator.key", as a JSON list of
 *   {"accountType", "digits", "name" ("Issuer: account"), "originalName"
 *    ("Issuer:account"), "originalIssuer", "decryptedSecret" (base32)}
 * or, when the user set a backup password, "encryptedSecret" (base64) and
 * "salt" instead: key = PBKDF2-HMAC-SHA1(password, salt as text, 1,000
 * iterations or the entry's "key_derivation_iterations", 256 bits),
 * AES-256-CBC with a zero IV (or the entry's "unique_iv", hex or base64),
 * PKCS#7 padding; the plaintext is the base32 secret.
 * com.authy.storage.tokens.authy.xml holds Authy's own accounts under
 * "com.authy.storage.tokens.authy.key": "secretSeed" (hex), 7 digits, 10
 * seconds, named by "name".
 * Authy has no algorithm or period of its own for third-party accounts:
 * SHA-1 and 30 seconds stand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "apps.h"

#define AUTHY_ITERATIONS 1000
#define AUTHY_ITERATIONS_MAX 1000000u /* one entry's; Authy's newest write 100,000 */
#define AUTHY_WORK_MAX 20000000ull    /* all entries' together */
#define AUTHY_KEY "com.authy.storage.tokens.authenticator.key"
#define AUTHY_OWN_KEY "com.authy.storage.tokens.authy.key"

static const char *tokens_text(const struct ak__prefs *prefs, bool *own)
{
        const char *v = ak__prefs_get(prefs, AUTHY_KEY);

        *own = v == NULL;
        return v != NULL ? v : ak__prefs_get(prefs, AUTHY_OWN_KEY);
}

bool ak__authy_encrypted(const struct ak__prefs *prefs)
{
        bool own;
        const char *text = tokens_text(prefs, &own);

        return text != NULL && strstr(text, "\"encryptedSecret\"") != NULL;
}

/* The issuer and the name, as Authy shows them; *issuer_buf and *name_buf are malloc'd. */
static enum ak_err names(char **issuer_out, char **name_out, const json_t *e, bool own)
{
        const char *orig = ak__json_str(e, "originalName"),
                   *oissuer = ak__json_str(e, "originalIssuer");
        const char *name = ak__json_str(e, "name"), *type = ak__json_str(e, "accountType");
        const char *colon = orig ? strchr(orig, ':') : NULL,
                   *dash = name ? strstr(name, " - ") : NULL;
        char *issuer = NULL;
        const char *rest;
        size_t n;

        if (name == NULL)
                name = "";
        if (own) {
                *issuer_out = ak__strdup(name);
                *name_out = ak__strdup("");
                return *issuer_out && *name_out ? AK_OK : AK_ERR_NOMEM;
        }
        if (oissuer != NULL && oissuer[0] != '\0')
                issuer = ak__strdup(oissuer);
        else if (colon != NULL)
                issuer = ak__strndup(orig, (size_t)(colon - orig));
        else if (dash != NULL)
                issuer = ak__strndup(name, (size_t)(dash - name));
        else
                issuer = ak__strdup(type ? type : "");
        if (issuer == NULL)
                return AK_ERR_NOMEM;
        /* The account: the original name, or the shown one, without "Issuer:", "Issuer: " or
         * "Issuer - ". */
        rest = orig != NULL && orig[0] != '\0' ? orig : name;
        n = strlen(issuer);
        if (n > 0 && strncmp(rest, issuer, n) == 0) {
                if (rest[n] == ':')
                        rest += n + 1;
                else if (strncmp(rest + n, " - ", 3) == 0)
                        rest += n + 3;
        }
        while (*rest == ' ')
                rest++;
        *issuer_out = issuer;
        *name_out = ak__strdup(rest);
        return *name_out ? AK_OK : AK_ERR_NOMEM;
}

/* The IV of an entry: 16 zero bytes, or its "unique_iv" in hex or base64. */
static enum ak_err entry_iv(unsigned char iv[16], const json_t *e)
{
        const char *u = ak__json_str(e, "unique_iv");
        unsigned char *raw = NULL;
        size_t raw_len = 0, bin_len = 0;

        memset(iv, 0, 16);
        if (u == NULL)
                u = ak__json_str(e, "uniqueIv");
        if (u == NULL || u[0] == '\0')
                return AK_OK;
        if (strlen(u) == 32 && sodium_hex2bin(iv, 16, u, 32, NULL, &bin_len, NULL) == 0 &&
            bin_len == 16)
                return AK_OK;
        if (ak__base64_decode(&raw, &raw_len, u, strlen(u)) != AK_OK || raw_len != 16) {
                if (raw != NULL)
                        ak__free_secret(raw, raw_len);
                return ak__fail(AK_ERR_FORMAT, "unique_iv: not 16 bytes in hex or base64");
        }
        memcpy(iv, raw, 16);
        ak__free_secret(raw, raw_len);
        return AK_OK;
}

/* Decrypts an entry's secret into *out (base32 text, freed with ak__free_secret_str). */
static enum ak_err decrypt_secret(char **out, const json_t *e, const char *password,
                                  size_t password_len, unsigned long long *work)
{
        const char *enc = ak__json_str(e, "encryptedSecret"), *salt = ak__json_str(e, "salt");
        long long iterations = ak__json_int(e, "key_derivation_iterations", AUTHY_ITERATIONS);
        unsigned char key[32], iv[16], *ct = NULL, *pt = NULL;
        size_t ct_len = 0, pt_len = 0;
        enum ak_err rc;

        if (enc == NULL || salt == NULL)
                return ak__fail(AK_ERR_FORMAT, "no secret (decryptedSecret, or encryptedSecret "
                                               "and salt)");
        if (password == NULL)
                return ak__fail(AK_ERR_IMPORT_PASSWORD, "a password is needed");
        if (iterations <= 0 || iterations > AUTHY_ITERATIONS_MAX)
                return ak__fail(AK_ERR_LIMIT, "%lld PBKDF2 iterations (at most %u)", iterations,
                                AUTHY_ITERATIONS_MAX);
        if (*work + (unsigned long long)iterations > AUTHY_WORK_MAX)
                return ak__fail(AK_ERR_LIMIT, "more than %llu PBKDF2 iterations in all",
                                AUTHY_WORK_MAX);
        *work += (unsigned long long)iterations;
        rc = entry_iv(iv, e);
        if (rc == AK_OK)
                rc = ak__base64_decode(&ct, &ct_len, enc, strlen(enc));
        if (rc != AK_OK)
                return rc;
        rc = ak__pbkdf2(key, sizeof(key), password, password_len, (const unsigned char *)salt,
                        strlen(salt), (uint32_t)iterations, AK_HASH_SHA1);
        if (rc == AK_OK)
                rc = ak__aes_cbc_open(&pt, &pt_len, key, sizeof(key), iv, ct, ct_len);
        else
                rc = ak__fail(AK_ERR_CRYPTO, "key derivation failed");
        sodium_memzero(key, sizeof(key));
        ak__free_secret(ct, ct_len);
        if (rc != AK_OK)
                return rc;
        *out = (char *)pt;
        return AK_OK;
}

static enum ak_err read_entry(struct ak_account *acct, const json_t *e, bool own,
                              const char *password, size_t password_len, unsigned long long *work)
{
        char *issuer = NULL, *name = NULL, *secret = NULL;
        unsigned char *seed = NULL;
        size_t seed_len = 0;
        const char *plain = ak__json_str(e, "decryptedSecret"),
                   *hex = ak__json_str(e, "secretSeed");
        struct ak__otp_fields f = {.digits = ak__json_int(e, "digits", 0), .counter = -1};
        enum ak_err rc;

        if (!json_is_object(e))
                return ak__fail(AK_ERR_FORMAT, "not a JSON object");
        rc = names(&issuer, &name, e, hex != NULL);
        if (rc != AK_OK)
                return rc;
        f.issuer = issuer;
        f.name = name;
        if (hex != NULL) {
                /* Authy's own account: a hex seed, 7 digits, 10 seconds. */
                size_t n = strlen(hex);
                seed = malloc(n / 2 + 1);
                if (seed == NULL) {
                        rc = AK_ERR_NOMEM;
                } else if (sodium_hex2bin(seed, n / 2 + 1, hex, n, NULL, &seed_len, NULL) != 0 ||
                           seed_len * 2 != n) {
                        rc = ak__fail(AK_ERR_FORMAT, "secretSeed: not hex");
                } else {
                        f.secret_raw = seed;
                        f.secret_raw_len = seed_len;
                        f.period = 10;
                        if (f.digits == 0)
                                f.digits = 7;
                }
        } else if (plain != NULL) {
                f.secret = plain;
        } else {
                rc = decrypt_secret(&secret, e, password, password_len, work);
                f.secret = secret;
        }
        (void)own;
        if (rc == AK_OK)
                rc = ak__account_from_fields(acct, &f);
        if (seed != NULL)
                ak__free_secret(seed, strlen(hex) / 2 + 1);
        if (secret != NULL)
                ak__free_secret_str(secret);
        free(issuer);
        free(name);
        return rc;
}

enum ak_err ak__import_authy(struct ak_import *out, const struct ak__prefs *prefs,
                             const char *password, size_t password_len)
{
        bool own = false;
        const char *text = tokens_text(prefs, &own);
        unsigned long long work = 0;
        json_t *list = NULL, *e;
        size_t i;
        bool opened = false;
        enum ak_err rc;

        if (text == NULL)
                return ak__fail(AK_ERR_FORMAT, "authy: no %s preference", AUTHY_KEY);
        if (password == NULL && ak__authy_encrypted(prefs))
                return ak__fail(AK_ERR_IMPORT_PASSWORD, "a password is needed");
        rc = ak__json_parse(&list, text, strlen(text), "authy: the tokens");
        if (rc != AK_OK)
                return rc;
        if (!json_is_array(list)) {
                json_decref(list);
                return ak__fail(AK_ERR_FORMAT, "authy: the tokens are not a JSON list");
        }
        json_array_foreach(list, i, e)
        {
                struct ak_account acct;
                char where[32], *issuer = NULL, *name = NULL, *label = NULL;
                enum ak_err erc;
                ak_account_init(&acct);
                snprintf(where, sizeof(where), "token %zu", i + 1);
                if (json_is_object(e) &&
                    names(&issuer, &name, e, ak__json_str(e, "secretSeed") != NULL) == AK_OK)
                        label = ak__label(issuer, name);
                erc = read_entry(&acct, e, own, password, password_len, &work);
                free(issuer);
                free(name);
                /*
                 * A wrong password fails every entry alike: the first encrypted entry
                 * that does not open fails the import, unless one opened before.
                 */
                if (erc == AK_OK && ak__json_str(e, "encryptedSecret") != NULL)
                        opened = true;
                if (erc == AK_ERR_IMPORT_PASSWORD && !opened) {
                        free(label);
                        rc = ak__fail(AK_ERR_IMPORT_PASSWORD,
                                      "authy: the secrets do not decrypt with this password");
                        break;
                }
                if (erc == AK_ERR_NOMEM || erc == AK_ERR_LIMIT)
                        rc = erc;
                else
                        rc = ak__import_push(out, erc, &acct, where, label);
                free(label);
                if (rc != AK_OK)
                        break;
        }
        json_decref(list);
        return rc;
}
