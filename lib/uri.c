/*
 * otpauth:// URIs in Google's Key URI format:
 *
 *   otpauth://TYPE/LABEL?secret=BASE32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
 *
 * TYPE is totp, hotp (which needs counter=N) or steam; LABEL is
 * "Issuer:account" or "account", percent-encoded. The parser is lenient
 * where apps differ (case of names, '+' for space in values, unknown
 * parameters, white space around the URI) and strict where a wrong guess
 * would give wrong codes (numbers, algorithm, type, secret).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "authkeep/base32.h"
#include "authkeep/uri.h"
#include "internal.h"

#define SCHEME "otpauth://"
#define SCHEME_LEN (sizeof(SCHEME) - 1)
#define SHOWN_MAX 32 /* characters of a bad value quoted in an error detail */

/* The query parameters the parser reads; any other is ignored. */
enum param { P_SECRET, P_ISSUER, P_ALGORITHM, P_DIGITS, P_PERIOD, P_COUNTER, P__COUNT };
static const char *const param_names[P__COUNT] = {"secret", "issuer", "algorithm",
                                                  "digits", "period", "counter"};

/* What ak_uri_parse holds while it works; everything here is freed by parse_state_free. */
struct parse_state {
        char *label_issuer;     /* the decoded issuer part of the label, NULL when none */
        char *values[P__COUNT]; /* decoded values of the known parameters, NULL when absent */
        unsigned char secret[AK_SECRET_MAX];
        size_t secret_len;
        struct ak_account acct;
};

static void parse_state_free(struct parse_state *st)
{
        free(st->label_issuer);
        for (int i = 0; i < P__COUNT; i++)
                ak__free_secret_str(st->values[i]);
        sodium_memzero(st->secret, sizeof(st->secret));
        ak_account_clear(&st->acct);
}

/*
 * Copies at most SHOWN_MAX characters of `value` into `buf` for an error
 * detail, with '?' for anything that would not print and "..." when cut.
 */
static const char *shown(char buf[SHOWN_MAX + 4], const char *value)
{
        size_t i;

        for (i = 0; value[i] != '\0' && i < SHOWN_MAX; i++)
                buf[i] = (value[i] >= 0x20 && value[i] < 0x7f) ? value[i] : '?';
        if (value[i] != '\0')
                memcpy(buf + i, "...", 3), i += 3;
        buf[i] = '\0';
        return buf;
}

static int hex_value(unsigned char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/*
 * Percent-decodes `len` bytes of `in` into a new NUL-terminated string in
 * *out (the caller frees it; it may hold a secret). `plus_is_space` applies
 * to query values. A bad escape or an encoded NUL is AK_ERR_URI naming `field`.
 */
enum ak_err ak__percent_decode(char **out, const char *in, size_t len, bool plus_is_space,
                               const char *field)
{
        char *buf = malloc(len + 1);
        size_t n = 0;

        if (buf == NULL)
                return ak__fail(AK_ERR_NOMEM, "%s: out of memory", field);
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)in[i];

                if (c == '%') {
                        int hi = i + 1 < len ? hex_value((unsigned char)in[i + 1]) : -1;
                        int lo = i + 2 < len ? hex_value((unsigned char)in[i + 2]) : -1;

                        if (hi < 0 || lo < 0 || (hi | lo) == 0) {
                                ak__free_secret(buf, len + 1);
                                return ak__fail(AK_ERR_URI,
                                                "%s: bad percent escape at position %zu", field,
                                                i + 1);
                        }
                        c = (unsigned char)(hi << 4 | lo);
                        i += 2;
                } else if (c == '+' && plus_is_space) {
                        c = ' ';
                }
                buf[n++] = (char)c;
        }
        buf[n] = '\0';
        *out = buf;
        return AK_OK;
}

/* Parses a plain decimal number (digits only, no sign, no space); false otherwise or on overflow.
 */
static bool parse_decimal(uint64_t *out, const char *s)
{
        uint64_t v = 0;

        if (*s == '\0')
                return false;
        for (; *s; s++) {
                if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
                        return false;
                v = v * 10 + (uint64_t)(*s - '0');
        }
        *out = v;
        return true;
}

/*
 * Parses the query (`len` bytes after '?'): '&'-separated key=value pairs.
 * Known keys (case-insensitive) are decoded into st->values; a known key
 * given twice is malformed; unknown keys are skipped undecoded.
 */
static enum ak_err parse_query(struct parse_state *st, const char *query, size_t len)
{
        const char *p = query, *end = query + len;

        while (p < end) {
                const char *amp = memchr(p, '&', (size_t)(end - p));
                const char *pair_end = amp != NULL ? amp : end;
                const char *eq = memchr(p, '=', (size_t)(pair_end - p));
                const char *key_end = eq != NULL ? eq : pair_end;
                const char *value = eq != NULL ? eq + 1 : pair_end;
                size_t key_len = (size_t)(key_end - p);

                for (int i = 0; i < P__COUNT; i++) {
                        enum ak_err err;

                        if (strlen(param_names[i]) != key_len ||
                            strncasecmp(p, param_names[i], key_len) != 0)
                                continue;
                        if (st->values[i] != NULL)
                                return ak__fail(AK_ERR_URI, "%s: given twice", param_names[i]);
                        err = ak__percent_decode(&st->values[i], value, (size_t)(pair_end - value),
                                                 true, param_names[i]);
                        if (err != AK_OK)
                                return err;
                }
                p = pair_end + 1;
        }
        return AK_OK;
}

/* Decodes the secret parameter; its errors name the field "secret". */
static enum ak_err parse_secret(struct parse_state *st)
{
        const char *value = st->values[P_SECRET];
        char why[256];
        enum ak_err err;

        if (value == NULL || value[0] == '\0')
                return ak__fail(AK_ERR_URI, "secret: missing");
        err =
            ak_base32_decode(st->secret, sizeof(st->secret), &st->secret_len, value, strlen(value));
        if (err == AK_ERR_LIMIT)
                return ak__fail(AK_ERR_URI, "secret: longer than %d bytes", AK_SECRET_MAX);
        if (err != AK_OK) {
                /* Keep the decoder's words (which character, where) under this field's name. */
                const char *detail = ak_error_detail();

                if (strncmp(detail, "base32: ", 8) == 0)
                        detail += 8;
                snprintf(why, sizeof(why), "%s", detail);
                return ak__fail(err, "secret: %s", why);
        }
        return ak_account_set_secret(&st->acct, st->secret, st->secret_len);
}

/* Reads the numeric and algorithm parameters that apply to the account's type. */
static enum ak_err parse_params(struct parse_state *st)
{
        struct ak_account *acct = &st->acct;
        char buf[SHOWN_MAX + 4];
        uint64_t v;
        const char *s;

        if (acct->type == AK_OTP_STEAM) {
                /* Steam is always SHA1 and 5 characters, whatever the URI claims. */
                acct->hash = AK_HASH_SHA1;
                acct->digits = 5;
        } else {
                if ((s = st->values[P_ALGORITHM]) != NULL && ak_hash_parse(&acct->hash, s) != AK_OK)
                        return ak__fail(AK_ERR_OTP_PARAM,
                                        "algorithm: '%s' is not SHA1, SHA256 or SHA512",
                                        shown(buf, s));
                if ((s = st->values[P_DIGITS]) != NULL) {
                        if (!parse_decimal(&v, s))
                                return ak__fail(AK_ERR_OTP_PARAM, "digits: '%s' is not a number",
                                                shown(buf, s));
                        if (v < 6 || v > 8)
                                return ak__fail(AK_ERR_OTP_PARAM, "digits: %s is outside 6..8",
                                                shown(buf, s));
                        acct->digits = (unsigned)v;
                }
        }
        if (acct->type == AK_OTP_HOTP) {
                if ((s = st->values[P_COUNTER]) == NULL)
                        return ak__fail(AK_ERR_URI, "counter: missing (required for hotp)");
                if (!parse_decimal(&acct->counter, s))
                        return ak__fail(AK_ERR_OTP_PARAM,
                                        "counter: '%s' is not a number from 0 to 2^64-1",
                                        shown(buf, s));
        } else if ((s = st->values[P_PERIOD]) != NULL) {
                if (!parse_decimal(&v, s))
                        return ak__fail(AK_ERR_OTP_PARAM, "period: '%s' is not a number",
                                        shown(buf, s));
                if (v == 0)
                        return ak__fail(AK_ERR_OTP_PARAM,
                                        "period: 0 is not a period (at least 1 second)");
                if (v > UINT32_MAX)
                        return ak__fail(AK_ERR_OTP_PARAM, "period: %s is too large", shown(buf, s));
                acct->period = (uint32_t)v;
        }
        return AK_OK;
}

/* The first "%3A" (an encoded colon) in `len` bytes of `raw`, or NULL. */
static const char *find_encoded_colon(const char *raw, size_t len)
{
        for (size_t i = 0; i + 2 < len; i++)
                if (raw[i] == '%' && raw[i + 1] == '3' && (raw[i + 2] == 'A' || raw[i + 2] == 'a'))
                        return raw + i;
        return NULL;
}

/*
 * Splits the raw label (`len` bytes) into issuer and account name at its
 * first literal colon, or else at its first encoded one, decodes both, and
 * settles the issuer: the parameter wins; a different label issuer is kept
 * in label_issuer. Spaces before the account name are dropped, as Google's
 * format allows them there ("Example: alice").
 */
static enum ak_err parse_label(struct parse_state *st, const char *raw, size_t len)
{
        struct ak_account *acct = &st->acct;
        const char *sep = memchr(raw, ':', len), *name_start = raw, *param = st->values[P_ISSUER];
        size_t sep_len = 1, spaces;
        enum ak_err err;

        if (sep == NULL) {
                sep = find_encoded_colon(raw, len);
                sep_len = 3;
        }
        if (sep != NULL) {
                err =
                    ak__percent_decode(&st->label_issuer, raw, (size_t)(sep - raw), false, "label");
                if (err != AK_OK)
                        return err;
                name_start = sep + sep_len;
        }
        err = ak__percent_decode(&acct->name, name_start, (size_t)(raw + len - name_start), false,
                                 "label");
        if (err != AK_OK)
                return err;
        spaces = strspn(acct->name, " ");
        memmove(acct->name, acct->name + spaces, strlen(acct->name + spaces) + 1);
        if (param != NULL) {
                acct->issuer = ak__strdup(param);
                if (st->label_issuer != NULL && st->label_issuer[0] != '\0' &&
                    strcasecmp(st->label_issuer, param) != 0 &&
                    (acct->label_issuer = ak__strdup(st->label_issuer)) == NULL)
                        return ak__fail(AK_ERR_NOMEM, "label: out of memory");
        } else {
                acct->issuer = ak__strdup(st->label_issuer != NULL ? st->label_issuer : "");
        }
        if (acct->issuer == NULL)
                return ak__fail(AK_ERR_NOMEM, "label: out of memory");
        return AK_OK;
}

enum ak_err ak_uri_parse(struct ak_account *out, const char *uri)
{
        struct parse_state st;
        const char *start, *end, *type_start, *type_end, *label_end, *query_end;
        char type_name[16], buf[SHOWN_MAX + 4];
        size_t len;
        enum ak_err err;

        memset(&st, 0, sizeof(st));
        ak_account_init(&st.acct);
        if (out == NULL || uri == NULL)
                return ak__fail(AK_ERR_INVALID, "uri: missing argument");
        len = strnlen(uri, AK_URI_MAX + 1);
        if (len > AK_URI_MAX) {
                err = ak__fail(AK_ERR_URI, "uri: longer than %d characters", AK_URI_MAX);
                goto done;
        }
        /* White space around the URI (a line read from a file) is not part of it. */
        start = uri;
        end = uri + len;
        while (start < end && isspace((unsigned char)*start))
                start++;
        while (end > start && isspace((unsigned char)end[-1]))
                end--;
        for (const char *p = start; p < end; p++) {
                if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                        err = ak__fail(AK_ERR_URI, "uri: control character at position %zu",
                                       (size_t)(p - start) + 1);
                        goto done;
                }
        }
        if ((size_t)(end - start) < SCHEME_LEN || strncasecmp(start, SCHEME, SCHEME_LEN) != 0) {
                err = ak__fail(AK_ERR_URI, "scheme: not otpauth://");
                goto done;
        }

        /* otpauth://TYPE/LABEL?QUERY#FRAGMENT (the fragment is ignored) */
        type_start = start + SCHEME_LEN;
        type_end = type_start + strcspn(type_start, "/?#");
        if (type_end > end)
                type_end = end;
        label_end = type_end + strcspn(type_end, "?#");
        if (label_end > end)
                label_end = end;
        query_end = label_end + strcspn(label_end, "#");
        if (query_end > end)
                query_end = end;

        if ((size_t)(type_end - type_start) >= sizeof(type_name)) {
                err = ak__fail(AK_ERR_OTP_PARAM, "type: not totp, hotp or steam");
                goto done;
        }
        memcpy(type_name, type_start, (size_t)(type_end - type_start));
        type_name[type_end - type_start] = '\0';
        if (ak_otp_type_parse(&st.acct.type, type_name) != AK_OK) {
                err = ak__fail(AK_ERR_OTP_PARAM, "type: '%s' is not totp, hotp or steam",
                               shown(buf, type_name));
                goto done;
        }

        if (type_end < label_end && *type_end == '/')
                type_end++;
        if (label_end < query_end && *label_end == '?' &&
            (err = parse_query(&st, label_end + 1, (size_t)(query_end - label_end - 1))) != AK_OK)
                goto done;
        if ((err = parse_secret(&st)) != AK_OK || (err = parse_params(&st)) != AK_OK ||
            (err = parse_label(&st, type_end, (size_t)(label_end - type_end))) != AK_OK)
                goto done;
        err = ak_account_validate(&st.acct);
        if (err == AK_ERR_INVALID)
                err = AK_ERR_URI; /* text too long or not UTF-8: the detail names the field */
        if (err != AK_OK)
                goto done;
        ak_account_clear(out);
        *out = st.acct;
        ak_account_init(&st.acct);
done:
        parse_state_free(&st);
        return err;
}

/* Appends `s` percent-encoded: everything but RFC 3986's unreserved characters is escaped. */
static char *put_encoded(char *p, const char *s)
{
        static const char hex[] = "0123456789ABCDEF";

        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
                        *p++ = (char)c;
                } else {
                        *p++ = '%';
                        *p++ = hex[c >> 4];
                        *p++ = hex[c & 15];
                }
        }
        return p;
}

static char *put(char *p, const char *s)
{
        size_t n = strlen(s);

        memcpy(p, s, n);
        return p + n;
}

enum ak_err ak_uri_format(char **out, const struct ak_account *acct)
{
        const char *issuer, *name;
        char *uri, *p, number[32];
        size_t cap;
        enum ak_err err;

        if (out == NULL || acct == NULL)
                return ak__fail(AK_ERR_INVALID, "uri: missing argument");
        if ((err = ak_account_validate(acct)) != AK_OK)
                return err;
        issuer = acct->issuer != NULL ? acct->issuer : "";
        name = acct->name != NULL ? acct->name : "";
        /* Escaping triples a character at most; the issuer appears twice. */
        cap = SCHEME_LEN + 8 + 3 * (2 * strlen(issuer) + strlen(name) + 1) +
              ak_base32_encoded_size(acct->secret_len) + 128;
        uri = malloc(cap);
        if (uri == NULL)
                return ak__fail(AK_ERR_NOMEM, "uri: out of memory");
        p = put(uri, SCHEME);
        p = put(p, ak_otp_type_name(acct->type));
        *p++ = '/';
        /*
         * Colons inside the issuer or the name are encoded, so the label's one
         * literal colon is the separator; a name holding a colon gets one even
         * without an issuer (":a%3Ab"), or the parser would split it.
         */
        if (issuer[0] != '\0') {
                p = put_encoded(p, issuer);
                *p++ = ':';
        } else if (strchr(name, ':') != NULL) {
                *p++ = ':';
        }
        p = put_encoded(p, name);
        p = put(p, "?secret=");
        if ((err = ak_base32_encode(p, cap - (size_t)(p - uri), acct->secret, acct->secret_len)) !=
            AK_OK) {
                ak__free_secret(uri, cap);
                return err;
        }
        p += strlen(p);
        if (issuer[0] != '\0') {
                p = put(p, "&issuer=");
                p = put_encoded(p, issuer);
        }
        p = put(p, "&algorithm=");
        p = put(p, ak_hash_name(acct->hash));
        snprintf(number, sizeof(number), "&digits=%u", acct->digits);
        p = put(p, number);
        if (acct->type == AK_OTP_HOTP)
                snprintf(number, sizeof(number), "&counter=%llu",
                         (unsigned long long)acct->counter);
        else
                snprintf(number, sizeof(number), "&period=%u", (unsigned)acct->period);
        p = put(p, number);
        *p = '\0';
        *out = uri;
        return AK_OK;
}

void ak_uri_free(char *uri)
{
        ak__free_secret_str(uri);
}
