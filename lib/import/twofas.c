/*
 * 2FAS backups (.2fas), schema versions up to 4.
 *
 *   {"services": [service...], "schemaVersion": 3|4, ...,
 *    "servicesEncrypted": "CT:SALT:IV", "reference": "CT:SALT:IV"}
 *
 * A service is {"name", "secret" (base32), "otp": {"account", "issuer",
 * "label", "digits", "period", "algorithm", "counter", "tokenType"}}. When
 * encrypted, each part is base64: the key is PBKDF2-HMAC-SHA256(password,
 * SALT, 10000 iterations, 256 bits), CT is AES-256-GCM ciphertext with its
 * 16-byte tag at the end, IV its 12-byte nonce. `reference` encrypts a fixed
 * text with the same key: it tells a wrong password apart from damaged data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "import_internal.h"

#define TWOFAS_PBKDF2_ITERATIONS 10000
#define TWOFAS_KEY_BYTES 32

bool ak__2fas_is(const json_t *root, bool *encrypted)
{
        const char *enc = ak__json_str(root, "servicesEncrypted");

        if (!json_is_array(json_object_get(root, "services")) ||
            json_object_get(root, "schemaVersion") == NULL)
                return false;
        *encrypted = enc != NULL && enc[0] != '\0';
        return true;
}

/* The three base64 parts of "CT:SALT:IV"; each freed with ak__free_secret. */
struct parts {
        unsigned char *ct, *salt, *iv;
        size_t ct_len, salt_len, iv_len;
};

static void parts_free(struct parts *p)
{
        ak__free_secret(p->ct, p->ct_len);
        ak__free_secret(p->salt, p->salt_len);
        ak__free_secret(p->iv, p->iv_len);
        memset(p, 0, sizeof(*p));
}

static enum ak_err split_parts(struct parts *p, const char *text)
{
        const char *c1 = strchr(text, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        enum ak_err rc;

        memset(p, 0, sizeof(*p));
        if (c2 == NULL || strchr(c2 + 1, ':') != NULL)
                return ak__fail(AK_ERR_FORMAT, "2fas: encrypted field is not CT:SALT:IV");
        rc = ak__base64_decode(&p->ct, &p->ct_len, text, (size_t)(c1 - text));
        if (rc == AK_OK)
                rc = ak__base64_decode(&p->salt, &p->salt_len, c1 + 1, (size_t)(c2 - c1 - 1));
        if (rc == AK_OK)
                rc = ak__base64_decode(&p->iv, &p->iv_len, c2 + 1, strlen(c2 + 1));
        if (rc == AK_OK &&
            (p->ct_len < AK__GCM_TAG_BYTES || p->iv_len == 0 || p->iv_len > 64 || p->salt_len == 0))
                rc = ak__fail(AK_ERR_FORMAT, "2fas: encrypted field has bad lengths");
        if (rc != AK_OK) {
                parts_free(p);
                return rc == AK_ERR_NOMEM
                           ? rc
                           : ak__fail(AK_ERR_FORMAT, "2fas: encrypted field is malformed");
        }
        return AK_OK;
}

/* Decrypts parts `p` with `key` into a new buffer of p->ct_len - 16 bytes (+ NUL). */
static enum ak_err open_parts(unsigned char **out, size_t *out_len, const struct parts *p,
                              const unsigned char key[TWOFAS_KEY_BYTES])
{
        return ak__aes_gcm_open_tagged(out, out_len, key, p->iv, p->iv_len, p->ct, p->ct_len);
}

/* Decrypts servicesEncrypted into a JSON list of services (*services, new). */
static enum ak_err decrypt_services(json_t **services, const json_t *root, const char *password,
                                    size_t password_len)
{
        struct parts data, ref;
        unsigned char key[TWOFAS_KEY_BYTES], *pt = NULL;
        size_t pt_len = 0;
        const char *reference = ak__json_str(root, "reference");
        enum ak_err rc;

        memset(&ref, 0, sizeof(ref));
        if (password == NULL)
                return ak__fail(AK_ERR_IMPORT_PASSWORD, "a password is needed");
        rc = split_parts(&data, ak__json_str(root, "servicesEncrypted"));
        if (rc != AK_OK)
                return rc;
        if (data.salt_len > 1024 ||
            ak__pbkdf2(key, sizeof(key), password, password_len, data.salt, data.salt_len,
                       TWOFAS_PBKDF2_ITERATIONS, AK_HASH_SHA256) != AK_OK) {
                rc = ak__fail(AK_ERR_CRYPTO, "2fas: key derivation failed");
                goto done;
        }
        if (reference != NULL && reference[0] != '\0') {
                /* The reference decrypts only with the right password. */
                rc = split_parts(&ref, reference);
                if (rc == AK_OK && (ref.salt_len != data.salt_len ||
                                    sodium_memcmp(ref.salt, data.salt, data.salt_len) != 0))
                        rc = ak__fail(AK_ERR_FORMAT,
                                      "2fas: reference and services use different salts");
                if (rc == AK_OK)
                        rc = open_parts(&pt, &pt_len, &ref, key);
                if (rc == AK_ERR_IMPORT_PASSWORD)
                        rc = ak__fail(AK_ERR_IMPORT_PASSWORD, "the reference does not decrypt");
                ak__free_secret(pt, pt_len);
                pt = NULL;
                if (rc != AK_OK)
                        goto done;
        }
        rc = open_parts(&pt, &pt_len, &data, key);
        if (rc == AK_ERR_IMPORT_PASSWORD && reference != NULL && reference[0] != '\0')
                rc = ak__fail(AK_ERR_FORMAT, "2fas: the encrypted services fail authentication");
        if (rc != AK_OK)
                goto done;
        rc = ak__json_parse(services, pt, pt_len, "2fas services");
        if (rc == AK_OK && !json_is_array(*services)) {
                json_decref(*services);
                *services = NULL;
                rc = ak__fail(AK_ERR_FORMAT, "2fas: decrypted services are not a list");
        }
done:
        sodium_memzero(key, sizeof(key));
        ak__free_secret(pt, pt_len);
        parts_free(&data);
        parts_free(&ref);
        return rc;
}

static enum ak_err read_service(struct ak_account *acct, const json_t *svc)
{
        const json_t *otp = json_object_get(svc, "otp");
        const char *issuer = ak__json_str(otp, "issuer"), *account = ak__json_str(otp, "account");
        struct ak__otp_fields f = {
            .type = ak__json_str(otp, "tokenType"),
            .secret = ak__json_str(svc, "secret"),
            .algorithm = ak__json_str(otp, "algorithm"),
        };

        if (!json_is_object(svc))
                return ak__fail(AK_ERR_FORMAT, "not an object");
        ak__json_otp_numbers(&f, otp);
        if (f.secret == NULL)
                return ak__fail(AK_ERR_FORMAT, "secret: missing");
        f.issuer = issuer && issuer[0] ? issuer : ak__json_str(svc, "name");
        f.name = account && account[0] ? account : ak__json_str(otp, "label");
        return ak__account_from_fields(acct, &f);
}

enum ak_err ak__import_2fas(struct ak_import *out, json_t *root, const char *password,
                            size_t password_len)
{
        json_t *services = json_object_get(root, "services"), *owned = NULL, *svc;
        bool encrypted = false;
        size_t i;
        enum ak_err rc = AK_OK;

        if (!ak__2fas_is(root, &encrypted))
                return ak__fail(AK_ERR_FORMAT, "2fas: no services and schemaVersion");
        if (encrypted) {
                rc = decrypt_services(&owned, root, password, password_len);
                if (rc != AK_OK)
                        return rc;
                services = owned;
        }
        json_array_foreach(services, i, svc)
        {
                struct ak_account acct;
                char where[32];
                const json_t *otp = json_object_get(svc, "otp");
                const char *issuer = ak__json_str(otp, "issuer"), *name = ak__json_str(svc, "name");
                const char *account = ak__json_str(otp, "account");
                char *label = NULL;
                ak_account_init(&acct);
                snprintf(where, sizeof(where), "service %zu", i + 1);
                label = ak__label(issuer && issuer[0] ? issuer : name, account);
                rc = ak__import_push(out, read_service(&acct, svc), &acct, where, label);
                free(label);
                if (rc != AK_OK)
                        break;
        }
        json_decref(owned);
        return rc;
}
