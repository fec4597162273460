/*
 * What every parser reads its input with: the loose fields most exports
 * use, turned into a checked account (ak__account_from_fields); JSON members;
 * base64 (libsodium's codec, the one in lib/import); and the texts that name
 * entries. Nothing here knows a format.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/base32.h"
#include "import_internal.h"

char *ak__import_printf(const char *fmt, ...)
{
        va_list ap;
        char *s = NULL;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        return s;
}

char *ak__text_of(const void *bytes, size_t n)
{
        char *s = malloc(n + 1);

        if (s != NULL) {
                if (n > 0)
                        memcpy(s, bytes, n);
                s[n] = '\0';
        }
        return s;
}

char *ak__label(const char *issuer, const char *name)
{
        bool has_issuer = issuer != NULL && issuer[0] != '\0',
             has_name = name != NULL && name[0] != '\0';

        return ak__import_printf("%s%s%s", has_issuer ? issuer : "",
                                 has_issuer && has_name ? ":" : "", has_name ? name : "");
}

enum ak_err ak__account_from_fields(struct ak_account *out, const struct ak__otp_fields *f)
{
        struct ak_account acct;
        unsigned char secret[AK_SECRET_MAX];
        size_t secret_len = 0;
        enum ak_err rc;

        ak_error_clear();
        ak_account_init(&acct);
        rc = ak_otp_type_parse(&acct.type, f->type ? f->type : "totp");
        if (rc != AK_OK) {
                rc = ak__fail(AK_ERR_UNSUPPORTED, "type: '%.40s' is not supported", f->type);
                goto done;
        }
        rc = ak_hash_parse(&acct.hash, f->algorithm ? f->algorithm : "SHA1");
        if (rc != AK_OK) {
                rc = ak__fail(AK_ERR_UNSUPPORTED, "algorithm: '%.40s' is not supported",
                              f->algorithm);
                goto done;
        }
        if (acct.type == AK_OTP_STEAM) {
                /* Steam Guard codes are always five characters of SHA-1 TOTP. */
                acct.digits = 5;
                acct.hash = AK_HASH_SHA1;
        } else if (f->digits != 0) {
                if (f->digits < 0 || f->digits > 10) {
                        rc = ak__fail(AK_ERR_OTP_PARAM, "digits: %lld is outside 6..8", f->digits);
                        goto done;
                }
                acct.digits = (unsigned)f->digits;
        }
        if (f->period != 0 && acct.type != AK_OTP_HOTP) {
                if (f->period < 0 || f->period > UINT32_MAX) {
                        rc = ak__fail(AK_ERR_OTP_PARAM, "period: %lld is out of range", f->period);
                        goto done;
                }
                acct.period = (uint32_t)f->period;
        }
        if (acct.type == AK_OTP_HOTP && f->counter > 0)
                acct.counter = (uint64_t)f->counter;
        if (f->secret_raw != NULL) {
                rc = ak_account_set_secret(&acct, f->secret_raw, f->secret_raw_len);
        } else {
                const char *s = f->secret ? f->secret : "";
                rc = ak_base32_decode(secret, sizeof(secret), &secret_len, s, strlen(s));
                if (rc == AK_OK)
                        rc = ak_account_set_secret(&acct, secret, secret_len);
        }
        if (rc != AK_OK)
                goto done;
        rc = ak_account_set_text(&acct.issuer, f->issuer ? f->issuer : "");
        if (rc == AK_OK)
                rc = ak_account_set_text(&acct.name, f->name ? f->name : "");
        if (rc == AK_OK)
                rc = ak_account_validate(&acct);
        if (rc != AK_OK)
                goto done;
        ak_account_clear(out);
        *out = acct;
        ak_account_init(&acct);
done:
        sodium_memzero(secret, sizeof(secret));
        ak_account_clear(&acct);
        return rc;
}

/* ----- JSON ----- */

const char *ak__json_str(const json_t *obj, const char *key)
{
        return json_string_value(json_object_get(obj, key));
}

long long ak__json_int(const json_t *obj, const char *key, long long dflt)
{
        const json_t *v = json_object_get(obj, key);

        if (json_is_integer(v))
                return (long long)json_integer_value(v);
        if (json_is_real(v)) {
                double d = json_real_value(v);
                if (d >= -1e15 && d <= 1e15)
                        return (long long)d;
                return -1;
        }
        if (json_is_string(v)) {
                char *end;
                long long n = strtoll(json_string_value(v), &end, 10);
                if (end != json_string_value(v) && *end == '\0')
                        return n;
                return -1;
        }
        return dflt;
}

enum ak_err ak__json_parse(json_t **out, const void *data, size_t len, const char *what)
{
        json_error_t jerr;
        json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);

        if (root == NULL)
                return ak__fail(AK_ERR_FORMAT, "%s: not valid JSON (line %d, column %d)", what,
                                jerr.line, jerr.column);
        *out = root;
        return AK_OK;
}

/* ----- base64 ----- */

enum ak_err ak__base64_decode(unsigned char **out, size_t *out_len, const char *in, size_t in_len)
{
        enum ak_err err = ak__b64_decode(out, out_len, in, in_len, SIZE_MAX / 2, true);

        if (err == AK_ERR_NOMEM)
                return err;
        if (err != AK_OK)
                return ak__fail(AK_ERR_FORMAT, "base64: malformed");
        return AK_OK;
}

enum ak_err ak__base64_encode(char **out, const unsigned char *in, size_t len)
{
        struct ak__buf b = {0};
        char *text;

        /* The library's one encoder is the buffer's. */
        ak__buf_b64(&b, in, len);
        text = ak__buf_take(&b, NULL);
        if (text == NULL)
                return AK_ERR_NOMEM;
        *out = text;
        return AK_OK;
}
