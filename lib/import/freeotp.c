/*
 * FreeOTP and FreeOTP+ tokens. Both keep a token as JSON:
 *   {"algo": "SHA1"|"SHA256"|"SHA512"|"MD5", "counter", "digits",
 *    "issuerExt", "issuerInt", "label", "period", "type": "TOTP"|"HOTP",
 *    "secret": [signed bytes], "image", "color", ...}
 * FreeOTP 1 and FreeOTP+ store them in shared_prefs/tokens.xml, one
 * <string> a token named "issuer:label", beside "tokenOrder" (a JSON list of
 * those names); FreeOTP+'s export is {"tokenOrder": [...], "tokens": [...]}.
 * FreeOTP 2's backup holds the same JSON without "secret" (freeotp_backup.c).
 * The counter is taken as stored. A TOTP token issued by "Steam" is a Steam
 * account, as FreeOTP shows it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apps.h"

enum ak_err ak__json_bytes(unsigned char **out, size_t *out_len, const json_t *array,
                           const char *what)
{
        size_t n = json_array_size(array), i;
        unsigned char *bytes;
        json_t *v;

        if (!json_is_array(array))
                return ak__fail(AK_ERR_FORMAT, "%s: missing", what);
        if (n > AK_SECRET_MAX * 4)
                return ak__fail(AK_ERR_LIMIT, "%s: longer than %d bytes", what, AK_SECRET_MAX * 4);
        bytes = malloc(n ? n : 1);
        if (bytes == NULL)
                return AK_ERR_NOMEM;
        json_array_foreach(array, i, v)
        {
                json_int_t b = json_integer_value(v);
                if (!json_is_integer(v) || b < -128 || b > 255) {
                        ak__free_secret(bytes, n ? n : 1);
                        return ak__fail(AK_ERR_FORMAT, "%s: not a list of bytes", what);
                }
                bytes[i] = (unsigned char)(b & 0xff);
        }
        *out = bytes;
        *out_len = n;
        return AK_OK;
}

static const char *token_issuer(const json_t *token)
{
        const char *issuer = ak__json_str(token, "issuerExt");

        if (issuer == NULL || issuer[0] == '\0')
                issuer = ak__json_str(token, "issuerInt");
        return issuer;
}

char *ak__freeotp_label(const json_t *token)
{
        return ak__label(token_issuer(token), ak__json_str(token, "label"));
}

enum ak_err ak__freeotp_token(struct ak_account *acct, const json_t *token,
                              const unsigned char *secret, size_t secret_len)
{
        const char *type = ak__json_str(token, "type"), *issuer = token_issuer(token);
        unsigned char *own = NULL;
        size_t own_len = 0;
        struct ak__otp_fields f = {
            .type = type,
            .issuer = issuer,
            .name = ak__json_str(token, "label"),
            .algorithm = ak__json_str(token, "algo"),
        };
        enum ak_err rc;

        if (!json_is_object(token))
                return ak__fail(AK_ERR_FORMAT, "not a JSON object");
        ak__json_otp_numbers(&f, token);
        if (type != NULL && strcasecmp(type, "TOTP") == 0 && issuer != NULL &&
            strcmp(issuer, "Steam") == 0)
                f.type = "steam";
        if (secret == NULL) {
                rc = ak__json_bytes(&own, &own_len, json_object_get(token, "secret"), "secret");
                if (rc != AK_OK)
                        return rc;
                secret = own;
                secret_len = own_len;
        }
        f.secret_raw = secret;
        f.secret_raw_len = secret_len;
        rc = ak__account_from_fields(acct, &f);
        if (own != NULL)
                ak__free_secret(own, own_len ? own_len : 1);
        return rc;
}

/* One token of JSON text (a tokens.xml value) or of parsed JSON, as entry `where`. */
static enum ak_err push_token(struct ak_import *out, const json_t *token, const char *where)
{
        struct ak_account acct;
        char *label = json_is_object(token) ? ak__freeotp_label(token) : NULL;
        enum ak_err rc;

        ak_account_init(&acct);
        rc = ak__freeotp_token(&acct, token, NULL, 0);
        if (rc == AK_ERR_NOMEM || rc == AK_ERR_LIMIT) {
                free(label);
                return rc;
        }
        rc = ak__import_push(out, rc, &acct, where, label);
        free(label);
        return rc;
}

enum ak_err ak__import_freeotp_xml(struct ak_import *out, const struct ak__prefs *prefs)
{
        size_t n = 0;
        enum ak_err rc = AK_OK;

        for (size_t i = 0; i < prefs->count && rc == AK_OK; i++) {
                const struct ak__pref *p = &prefs->items[i];
                json_t *token = NULL;
                char where[48];
                if (strcmp(p->type, "string") != 0 || strcmp(p->name, "tokenOrder") == 0)
                        continue;
                snprintf(where, sizeof(where), "token %zu", ++n);
                if (ak__json_parse(&token, p->value, strlen(p->value), "token") != AK_OK) {
                        struct ak_account none;
                        ak_account_init(&none);
                        rc = ak__import_push(out, AK_ERR_FORMAT, &none, where, p->name);
                        continue;
                }
                rc = push_token(out, token, where);
                json_decref(token);
        }
        if (rc == AK_OK && n == 0)
                rc = ak__fail(AK_ERR_FORMAT, "freeotp: the preferences hold no token");
        return rc;
}

enum ak_err ak__import_freeotp_plus(struct ak_import *out, const json_t *root)
{
        const json_t *tokens = json_object_get(root, "tokens");
        json_t *token;
        size_t i;
        enum ak_err rc = AK_OK;

        if (!json_is_array(tokens))
                return ak__fail(AK_ERR_FORMAT, "freeotp-plus: no \"tokens\" list");
        json_array_foreach(tokens, i, token)
        {
                char where[32];
                snprintf(where, sizeof(where), "token %zu", i + 1);
                rc = push_token(out, token, where);
                if (rc != AK_OK)
                        break;
        }
        return rc;
}

bool ak__freeotp_plus_is(const json_t *root)
{
        return json_is_object(root) && json_is_array(json_object_get(root, "tokens")) &&
               (json_object_get(root, "tokenOrder") != NULL || json_object_size(root) == 1);
}
