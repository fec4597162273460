/*
 * Imports: detecting the format, dispatching to the parser of each format,
 * the list of entries, and sorting entries into new, identical, conflicting
 * and unreadable against the accounts already present.
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "authkeep/base32.h"
#include "authkeep/import.h"
#include "import_internal.h"

static const char *const format_names[] = {
    [AK_IMPORT_AUTO] = "auto",         [AK_IMPORT_URIS] = "uris",
    [AK_IMPORT_GAUTH] = "gauth",       [AK_IMPORT_AEGIS] = "aegis",
    [AK_IMPORT_2FAS] = "2fas",         [AK_IMPORT_ANDOTP] = "andotp",
    [AK_IMPORT_PROTON] = "proton",     [AK_IMPORT_BITWARDEN] = "bitwarden",
    [AK_IMPORT_GAUTH_DB] = "gauth-db", [AK_IMPORT_MSAUTH_DB] = "msauth-db",
    [AK_IMPORT_IMAGE] = "image",
};
#define FORMAT_COUNT (sizeof(format_names) / sizeof(format_names[0]))

const char *ak_import_format_name(enum ak_import_format format)
{
        if ((size_t)format >= FORMAT_COUNT)
                return "unknown";
        return format_names[format];
}

enum ak_err ak_import_format_parse(enum ak_import_format *out, const char *name)
{
        for (size_t i = 0; i < FORMAT_COUNT; i++) {
                if (name != NULL && strcasecmp(name, format_names[i]) == 0) {
                        *out = (enum ak_import_format)i;
                        return AK_OK;
                }
        }
        return ak__fail(
            AK_ERR_INVALID,
            "format: '%s' is not one of auto, uris, gauth, aegis, 2fas, andotp, proton, "
            "bitwarden, gauth-db, msauth-db, image",
            name ? name : "");
}

const char *ak_import_status_name(enum ak_import_status status)
{
        switch (status) {
        case AK_IMPORT_NEW:
                return "new";
        case AK_IMPORT_IDENTICAL:
                return "identical";
        case AK_IMPORT_CONFLICT:
                return "conflicting";
        case AK_IMPORT_UNREADABLE:
                return "unreadable";
        }
        return "unknown";
}

void ak_import_init(struct ak_import *imp)
{
        memset(imp, 0, sizeof(*imp));
}

static void entry_clear(struct ak_import_entry *e)
{
        free(e->where);
        free(e->reason);
        free(e->original_name);
        ak_account_clear(&e->account);
}

void ak_import_clear(struct ak_import *imp)
{
        if (imp == NULL)
                return;
        for (size_t i = 0; i < imp->count; i++)
                entry_clear(&imp->entries[i]);
        free(imp->entries);
        ak_import_init(imp);
}

/* Grows the entry array to hold one more; AK_ERR_LIMIT at the cap. */
static enum ak_err reserve_one(struct ak_import *imp)
{
        if (imp->count >= AK_IMPORT_MAX_ENTRIES)
                return ak__fail(AK_ERR_LIMIT, "entries: more than %u in one import",
                                AK_IMPORT_MAX_ENTRIES);
        if (imp->count == imp->capacity) {
                size_t cap = imp->capacity ? imp->capacity * 2 : 16;
                struct ak_import_entry *grown = realloc(imp->entries, cap * sizeof(*grown));
                if (grown == NULL)
                        return AK_ERR_NOMEM;
                imp->entries = grown;
                imp->capacity = cap;
        }
        return AK_OK;
}

/* A malloc'd printf; NULL when out of memory. */
static char *format_string(const char *fmt, ...) AK__PRINTF(1, 2);
static char *format_string(const char *fmt, ...)
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

        return format_string("%s%s%s", has_issuer ? issuer : "", has_issuer && has_name ? ":" : "",
                             has_name ? name : "");
}

enum ak_err ak__import_push(struct ak_import *imp, enum ak_err err, struct ak_account *acct,
                            const char *where, const char *label)
{
        struct ak_import_entry e;
        enum ak_err rc;

        rc = reserve_one(imp);
        if (rc != AK_OK) {
                ak_account_clear(acct);
                return rc;
        }
        memset(&e, 0, sizeof(e));
        ak_account_init(&e.account);
        if (label != NULL && label[0] != '\0')
                e.where = format_string("%s (%s)", where, label);
        else
                e.where = ak__strdup(where);
        if (err != AK_OK) {
                const char *detail = ak_error_detail();
                e.reason = detail[0] ? format_string("%s: %s", ak_strerror(err), detail)
                                     : ak__strdup(ak_strerror(err));
                e.status = AK_IMPORT_UNREADABLE;
                ak_account_clear(acct);
        } else {
                e.account = *acct;
                e.account.id[0] = '\0';
                ak_account_init(acct);
        }
        if (e.where == NULL || (err != AK_OK && e.reason == NULL)) {
                entry_clear(&e);
                return AK_ERR_NOMEM;
        }
        imp->entries[imp->count++] = e;
        return AK_OK;
}

enum ak_err ak__import_take(struct ak_import *dst, struct ak_import *src)
{
        if (src->count > AK_IMPORT_MAX_ENTRIES - dst->count)
                return ak__fail(AK_ERR_LIMIT, "entries: more than %u in one import",
                                AK_IMPORT_MAX_ENTRIES);
        if (dst->count + src->count > dst->capacity) {
                size_t cap = dst->count + src->count;
                struct ak_import_entry *grown = realloc(dst->entries, cap * sizeof(*grown));
                if (grown == NULL)
                        return AK_ERR_NOMEM;
                dst->entries = grown;
                dst->capacity = cap;
        }
        if (src->count > 0)
                memcpy(dst->entries + dst->count, src->entries, src->count * sizeof(*src->entries));
        dst->count += src->count;
        free(src->entries);
        src->entries = NULL;
        src->count = src->capacity = 0;
        return AK_OK;
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

/* ----- JSON, base64 and AES-GCM helpers ----- */

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

enum ak_err ak__base64_decode(unsigned char **out, size_t *out_len, const char *in, size_t in_len)
{
        size_t cap = in_len / 4 * 3 + 3, n = 0;
        unsigned char *buf = malloc(cap ? cap : 1);

        if (buf == NULL)
                return AK_ERR_NOMEM;
        if (sodium_base642bin(buf, cap, in, in_len, " \t\r\n", &n, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0 &&
            sodium_base642bin(buf, cap, in, in_len, " \t\r\n", &n, NULL,
                              sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0) {
                ak__free_secret(buf, cap);
                return ak__fail(AK_ERR_FORMAT, "base64: malformed");
        }
        *out = buf;
        *out_len = n;
        return AK_OK;
}

enum ak_err ak__base64_encode(char **out, const unsigned char *in, size_t len)
{
        size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
        char *buf = malloc(cap);

        if (buf == NULL)
                return AK_ERR_NOMEM;
        sodium_bin2base64(buf, cap, in, len, sodium_base64_VARIANT_ORIGINAL);
        *out = buf;
        return AK_OK;
}

/* One AES-256-GCM pass; `decrypt` selects the direction. The tag is read or written. */
static enum ak_err aes_gcm(int decrypt, unsigned char *out, unsigned char *tag,
                           const unsigned char key[32], const unsigned char *nonce,
                           size_t nonce_len, const unsigned char *in, size_t in_len)
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

enum ak_err ak__aes_gcm_decrypt(unsigned char *out, const unsigned char key[32],
                                const unsigned char *nonce, size_t nonce_len,
                                const unsigned char *ct, size_t ct_len,
                                const unsigned char tag[AK__GCM_TAG_BYTES])
{
        unsigned char t[AK__GCM_TAG_BYTES];

        memcpy(t, tag, sizeof(t));
        return aes_gcm(1, out, t, key, nonce, nonce_len, ct, ct_len);
}

enum ak_err ak__aes_gcm_encrypt(unsigned char *out, unsigned char tag[AK__GCM_TAG_BYTES],
                                const unsigned char key[32], const unsigned char *nonce,
                                size_t nonce_len, const unsigned char *pt, size_t pt_len)
{
        return aes_gcm(0, out, tag, key, nonce, nonce_len, pt, pt_len);
}

/* ----- detection and dispatch ----- */

static bool has_prefix(const char *p, size_t len, const char *prefix)
{
        size_t n = strlen(prefix);
        return len >= n && strncasecmp(p, prefix, n) == 0;
}

/* Skips a UTF-8 byte order mark and white space; returns the offset of the first other byte. */
static size_t skip_space(const unsigned char *p, size_t len)
{
        size_t i = 0;

        if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
                i = 3;
        while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
                i++;
        return i;
}

/* Whether the first bytes hold a control character (text, UTF-8 included, holds none). */
static bool looks_binary(const unsigned char *data, size_t len)
{
        for (size_t i = 0; i < len && i < 64; i++)
                if ((data[i] < 0x20 && data[i] != '\t' && data[i] != '\r' && data[i] != '\n') ||
                    data[i] == 0x7f)
                        return true;
        return false;
}

/* Which JSON format `root` is; false when none. */
static bool json_detect(const json_t *root, enum ak_import_format *format, bool *encrypted)
{
        *encrypted = false;
        if (json_is_array(root)) {
                *format = AK_IMPORT_ANDOTP;
                return true;
        }
        if (!json_is_object(root))
                return false;
        if (ak__aegis_is(root, encrypted)) {
                *format = AK_IMPORT_AEGIS;
                return true;
        }
        if (ak__2fas_is(root, encrypted)) {
                *format = AK_IMPORT_2FAS;
                return true;
        }
        if (json_is_array(json_object_get(root, "items"))) {
                *format = AK_IMPORT_BITWARDEN;
                /* Encrypted Bitwarden exports cannot be read: no password to ask for. */
                return true;
        }
        if (json_is_array(json_object_get(root, "entries"))) {
                *format = AK_IMPORT_PROTON;
                return true;
        }
        return false;
}

/* Detects the format of `data`; `root` (may be NULL) receives the parsed JSON when it is JSON. */
static enum ak_err detect(enum ak_import_format *format, bool *encrypted, json_t **root,
                          const unsigned char *data, size_t len)
{
        size_t at = skip_space(data, len);
        const char *text;
        size_t rest;

        /* A URI list may start with comment lines. */
        while (at < len && data[at] == '#') {
                const unsigned char *nl = memchr(data + at, '\n', len - at);
                at = nl ? (size_t)(nl - data) : len;
                at += skip_space(data + at, len - at);
        }
        text = (const char *)data + at;
        rest = len - at;

        *encrypted = false;
        if (len >= sizeof(AK__SQLITE_MAGIC) &&
            memcmp(data, AK__SQLITE_MAGIC, sizeof(AK__SQLITE_MAGIC)) == 0)
                return ak__fail(AK_ERR_FORMAT, "an SQLite database: import it from its file");
        if (ak_qr_is_image(data, len)) {
                *format = AK_IMPORT_IMAGE;
                return AK_OK;
        }
        if (has_prefix(text, rest, "otpauth-migration://")) {
                *format = AK_IMPORT_GAUTH;
                return AK_OK;
        }
        if (has_prefix(text, rest, "otpauth://") || has_prefix(text, rest, "steam://")) {
                *format = AK_IMPORT_URIS;
                return AK_OK;
        }
        if (rest > 0 && (text[0] == '{' || text[0] == '[')) {
                json_t *parsed = NULL;
                enum ak_err rc = ak__json_parse(&parsed, data, len, "JSON");
                if (rc != AK_OK)
                        return rc;
                if (!json_detect(parsed, format, encrypted)) {
                        json_decref(parsed);
                        return ak__fail(AK_ERR_FORMAT, "JSON of no known authenticator's export");
                }
                if (root != NULL)
                        *root = parsed;
                else
                        json_decref(parsed);
                return AK_OK;
        }
        /*
         * andOTP's encrypted backups are binary: a big-endian iteration count,
         * a 12-byte salt, a 12-byte nonce (or, before 0.6.3, only the nonce),
         * then AES-GCM ciphertext and tag. Random bytes hold control
         * characters early; text does not.
         */
        if (len >= 4 + 12 + 12 + AK__GCM_TAG_BYTES && looks_binary(data, len)) {
                *format = AK_IMPORT_ANDOTP;
                *encrypted = true;
                return AK_OK;
        }
        return ak__fail(AK_ERR_FORMAT,
                        "not an export Authkeep recognises (use --format to name it)");
}

enum ak_err ak_import_detect(enum ak_import_format *format, bool *encrypted, const void *data,
                             size_t len)
{
        enum ak_import_format f = AK_IMPORT_AUTO;
        bool enc = false;
        enum ak_err rc = detect(&f, &enc, NULL, data, len);

        if (rc == AK_OK) {
                *format = f;
                *encrypted = enc;
        }
        return rc;
}

/* Whether `data` holds JSON (after white space). */
static bool looks_json(const unsigned char *data, size_t len)
{
        size_t at = skip_space(data, len);
        return at < len && (data[at] == '{' || data[at] == '[');
}

enum ak_err ak__import_given_encrypted(bool *encrypted, enum ak_import_format given,
                                       const unsigned char *data, size_t len)
{
        enum ak_import_format f;
        bool enc = false;

        *encrypted = false;
        if (given == AK_IMPORT_ANDOTP) {
                *encrypted = !looks_json(data, len);
                return AK_OK;
        }
        if ((given == AK_IMPORT_AEGIS || given == AK_IMPORT_2FAS) &&
            detect(&f, &enc, NULL, data, len) == AK_OK && f == given)
                *encrypted = enc;
        ak_error_clear();
        return AK_OK;
}

/* Parses the JSON formats. `root` is borrowed. */
static enum ak_err parse_json_format(struct ak_import *out, enum ak_import_format format,
                                     json_t *root, const char *password, size_t password_len)
{
        switch (format) {
        case AK_IMPORT_AEGIS:
                return ak__import_aegis(out, root, password, password_len);
        case AK_IMPORT_2FAS:
                return ak__import_2fas(out, root, password, password_len);
        case AK_IMPORT_ANDOTP:
                return ak__import_andotp_json(out, root);
        case AK_IMPORT_PROTON:
                return ak__import_proton(out, root);
        case AK_IMPORT_BITWARDEN:
                return ak__import_bitwarden(out, root);
        default:
                return ak__fail(AK_ERR_INTERNAL, "format: not a JSON format");
        }
}

/* Every QR code of an image, each as a URI line. */
static enum ak_err parse_image(struct ak_import *out, const void *data, size_t len)
{
        char **texts = NULL;
        size_t count = 0;
        enum ak_err rc = ak_qr_decode(&texts, &count, data, len);

        for (size_t i = 0; rc == AK_OK && i < count; i++) {
                char where[32];
                snprintf(where, sizeof(where), "QR code %zu", i + 1);
                rc = ak__import_one_uri(out, texts[i], where);
        }
        ak_qr_texts_free(texts, count);
        return rc;
}

enum ak_err ak_import_parse(struct ak_import *out, enum ak_import_format format, const void *data,
                            size_t len, const char *password, size_t password_len)
{
        struct ak_import tmp;
        json_t *root = NULL;
        bool encrypted = false;
        enum ak_err rc = AK_OK;

        ak_import_init(&tmp);
        if (len > AK_IMPORT_MAX_BYTES)
                return ak__fail(AK_ERR_LIMIT, "input: larger than %u bytes", AK_IMPORT_MAX_BYTES);
        if (format == AK_IMPORT_AUTO) {
                rc = detect(&format, &encrypted, &root, data, len);
                if (rc != AK_OK)
                        goto done;
        }
        tmp.format = format;
        switch (format) {
        case AK_IMPORT_URIS:
        case AK_IMPORT_GAUTH:
                rc = ak__import_uris(&tmp, data, len, format == AK_IMPORT_GAUTH);
                break;
        case AK_IMPORT_IMAGE:
                rc = parse_image(&tmp, data, len);
                break;
        case AK_IMPORT_ANDOTP:
                if (!looks_json(data, len)) {
                        rc = ak__import_andotp_encrypted(&tmp, data, len, password, password_len);
                        break;
                }
                /* Plain andOTP is JSON. */
                __attribute__((fallthrough));
        case AK_IMPORT_AEGIS:
        case AK_IMPORT_2FAS:
        case AK_IMPORT_PROTON:
        case AK_IMPORT_BITWARDEN:
                if (root == NULL)
                        rc = ak__json_parse(&root, data, len, ak_import_format_name(format));
                if (rc == AK_OK)
                        rc = parse_json_format(&tmp, format, root, password, password_len);
                break;
        case AK_IMPORT_GAUTH_DB:
        case AK_IMPORT_MSAUTH_DB:
                rc = ak__fail(AK_ERR_UNSUPPORTED, "%s: SQLite databases are read from a file",
                              ak_import_format_name(format));
                break;
        default:
                rc = ak__fail(AK_ERR_INVALID, "format: unknown");
                break;
        }
        if (rc != AK_OK)
                goto done;
        rc = ak__import_take(out, &tmp);
        if (rc == AK_OK)
                out->format = format;
done:
        json_decref(root);
        ak_import_clear(&tmp);
        return rc;
}

/* ----- classification ----- */

/*
 * A chained hash index over accounts, by secret (for "identical") or by
 * case-folded label (for "conflicting"), so that classifying 10,000 entries
 * against 10,000 accounts stays linear.
 */
struct index {
        size_t nbuckets;
        size_t *heads; /* item + 1, 0 = empty */
        size_t *next;
        const struct ak_account **items;
        size_t count, capacity;
        bool by_label;
};

static uint64_t fnv_bytes(uint64_t h, const unsigned char *p, size_t n, bool fold)
{
        for (size_t i = 0; i < n; i++) {
                h ^= fold ? (unsigned char)tolower(p[i]) : p[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}

static uint64_t hash_account(const struct ak_account *a, bool by_label)
{
        uint64_t h = 0xcbf29ce484222325ULL;

        if (!by_label)
                return fnv_bytes(h, a->secret, a->secret_len, false);
        h = fnv_bytes(h, (const unsigned char *)a->issuer, strlen(a->issuer), true);
        h = fnv_bytes(h, (const unsigned char *)"\0", 1, false);
        return fnv_bytes(h, (const unsigned char *)a->name, strlen(a->name), true);
}

static enum ak_err index_init(struct index *ix, size_t expected, bool by_label)
{
        memset(ix, 0, sizeof(*ix));
        ix->by_label = by_label;
        ix->nbuckets = 64;
        while (ix->nbuckets < expected * 2)
                ix->nbuckets *= 2;
        ix->capacity = expected ? expected : 1;
        ix->heads = calloc(ix->nbuckets, sizeof(*ix->heads));
        ix->next = calloc(ix->capacity, sizeof(*ix->next));
        ix->items = calloc(ix->capacity, sizeof(*ix->items));
        if (ix->heads == NULL || ix->next == NULL || ix->items == NULL)
                return AK_ERR_NOMEM;
        return AK_OK;
}

static void index_free(struct index *ix)
{
        free(ix->heads);
        free(ix->next);
        free(ix->items);
}

/* Adds `a` (borrowed: it must outlive the index). The capacity was sized at init. */
static void index_add(struct index *ix, const struct ak_account *a)
{
        size_t b = hash_account(a, ix->by_label) & (ix->nbuckets - 1);

        if (ix->count >= ix->capacity)
                return;
        ix->items[ix->count] = a;
        ix->next[ix->count] = ix->heads[b];
        ix->heads[b] = ++ix->count;
}

/* The first indexed account equal to `a` (identical, or same label); NULL when none. */
static const struct ak_account *index_find(const struct index *ix, const struct ak_account *a)
{
        size_t b = hash_account(a, ix->by_label) & (ix->nbuckets - 1);

        for (size_t i = ix->heads[b]; i != 0; i = ix->next[i - 1]) {
                const struct ak_account *c = ix->items[i - 1];
                if (ix->by_label ? ak_account_same_label(c, a) : ak_account_identical(c, a))
                        return c;
        }
        return NULL;
}

/* Renames a conflicting entry to "NAME (imported[ N])", a label free in `labels`. */
static enum ak_err rename_conflict(struct ak_import_entry *e, const struct index *labels)
{
        char *base = e->account.name;

        for (unsigned n = 1; n < 100000; n++) {
                char *candidate = n == 1 ? format_string("%s (imported)", base)
                                         : format_string("%s (imported %u)", base, n);
                if (candidate == NULL)
                        return AK_ERR_NOMEM;
                e->account.name = candidate;
                if (index_find(labels, &e->account) == NULL) {
                        e->original_name = base;
                        return AK_OK;
                }
                free(candidate);
                e->account.name = base;
        }
        return ak__fail(AK_ERR_LIMIT, "%s: no free name", e->where);
}

enum ak_err ak_import_classify(struct ak_import *imp, const struct ak_account_list *existing)
{
        struct index secrets, labels;
        size_t total = existing->count + imp->count;
        enum ak_err rc;

        rc = index_init(&secrets, total, false);
        if (rc == AK_OK)
                rc = index_init(&labels, total, true);
        else
                memset(&labels, 0, sizeof(labels));
        if (rc != AK_OK)
                goto done;
        for (size_t i = 0; i < existing->count; i++) {
                index_add(&secrets, &existing->items[i]);
                index_add(&labels, &existing->items[i]);
        }
        for (size_t i = 0; i < imp->count; i++) {
                struct ak_import_entry *e = &imp->entries[i];
                if (e->original_name != NULL) { /* classified before: start over */
                        free(e->account.name);
                        e->account.name = e->original_name;
                        e->original_name = NULL;
                }
                if (e->reason != NULL) {
                        e->status = AK_IMPORT_UNREADABLE;
                        continue;
                }
                if (index_find(&secrets, &e->account) != NULL) {
                        e->status = AK_IMPORT_IDENTICAL;
                        continue;
                }
                if (index_find(&labels, &e->account) != NULL) {
                        e->status = AK_IMPORT_CONFLICT;
                        rc = rename_conflict(e, &labels);
                        if (rc != AK_OK)
                                goto done;
                } else {
                        e->status = AK_IMPORT_NEW;
                }
                index_add(&secrets, &e->account);
                index_add(&labels, &e->account);
        }
done:
        index_free(&secrets);
        index_free(&labels);
        return rc;
}

void ak_import_count(const struct ak_import *imp, struct ak_import_counts *counts)
{
        memset(counts, 0, sizeof(*counts));
        for (size_t i = 0; i < imp->count; i++) {
                switch (imp->entries[i].status) {
                case AK_IMPORT_NEW:
                        counts->added++;
                        break;
                case AK_IMPORT_IDENTICAL:
                        counts->identical++;
                        break;
                case AK_IMPORT_CONFLICT:
                        counts->conflicts++;
                        break;
                case AK_IMPORT_UNREADABLE:
                        counts->unreadable++;
                        break;
                }
        }
}

enum ak_err ak_import_apply(struct ak_import *imp, struct ak_account_list *dst)
{
        for (size_t i = 0; i < imp->count; i++) {
                struct ak_import_entry *e = &imp->entries[i];
                enum ak_err rc;
                if (e->status != AK_IMPORT_NEW && e->status != AK_IMPORT_CONFLICT)
                        continue;
                e->account.id[0] = '\0';
                rc = ak_account_list_push(dst, &e->account);
                if (rc != AK_OK)
                        return rc;
        }
        return AK_OK;
}
