/*
 * Parsing the server's answers (lib/client_internal.h). Each parser takes
 * the body as received and trusts nothing: every field is checked for type
 * and size, and anything else is AK_ERR_PROTOCOL. They are reached from
 * tests and fuzz_client_answers through lib/.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/authkeep.h"
#include "client_internal.h"

enum ak_err ak__client_refail(enum ak_err err, const char *prefix, const char *sep)
{
        char copy[512];

        snprintf(copy, sizeof(copy), "%s", ak_error_detail());
        return ak__fail(err, "%s%s%s", prefix, sep, copy);
}

/* Loads a body that must be a JSON object; AK_ERR_PROTOCOL otherwise. */
enum ak_err ak__answer_object(json_t **out, const char *body, size_t len, const char *what)
{
        json_error_t jerr;
        json_t *j;

        if (len > AK_CLIENT_BODY_MAX)
                return ak__fail(AK_ERR_PROTOCOL, "%s: the answer is too large", what);
        j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
        if (j == NULL || !json_is_object(j)) {
                json_decref(j);
                return ak__fail(AK_ERR_PROTOCOL, "%s: the answer is not a JSON object", what);
        }
        *out = j;
        return AK_OK;
}

/* A string field of at most `max` bytes, without control characters, or NULL. */
const char *ak__answer_text(const json_t *obj, const char *key, size_t max)
{
        const json_t *v = json_object_get(obj, key);
        const char *s;
        size_t n;

        if (!json_is_string(v))
                return NULL;
        s = json_string_value(v);
        n = json_string_length(v);
        if (n > max || strlen(s) != n)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
                        return NULL;
        return s;
}

/* A non-negative integer field; false when absent or not one. */
bool ak__answer_uint(const json_t *obj, const char *key, uint64_t *out)
{
        const json_t *v = json_object_get(obj, key);

        if (!json_is_integer(v) || json_integer_value(v) < 0)
                return false;
        *out = (uint64_t)json_integer_value(v);
        return true;
}

/* Copies a text field into a fixed buffer; "" when absent. False when present but bad. */
static bool copy_text(char *dst, size_t dst_size, const json_t *obj, const char *key)
{
        const json_t *v = json_object_get(obj, key);
        const char *s;

        dst[0] = '\0';
        if (v == NULL || json_is_null(v))
                return true;
        s = ak__answer_text(obj, key, dst_size - 1);
        if (s == NULL)
                return false;
        memcpy(dst, s, strlen(s) + 1);
        return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
        int64_t era;
        unsigned yoe, doy, doe;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = (unsigned)(y - era * 400);
        doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + (int64_t)doe - 719468;
}

enum ak_err ak_client_parse_time(int64_t *out, const char *text)
{
        int y, mo, d, h, mi, s, n = 0;
        int64_t t;
        const char *p;

        if (text == NULL || *text == '\0' || strlen(text) > 64)
                return ak__fail(AK_ERR_PROTOCOL, "time: empty or too long");
        if (isdigit((unsigned char)text[0]) && strspn(text, "0123456789") == strlen(text)) {
                char *end;
                long long v;

                errno = 0;
                v = strtoll(text, &end, 10);
                if (errno != 0 || *end != '\0')
                        return ak__fail(AK_ERR_PROTOCOL, "time: out of range");
                *out = v;
                return AK_OK;
        }
        if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 || n != 19)
                return ak__fail(AK_ERR_PROTOCOL, "time: '%.64s' is not RFC 3339", text);
        if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 ||
            h < 0 || mi < 0 || s < 0)
                return ak__fail(AK_ERR_PROTOCOL, "time: '%.64s' is out of range", text);
        p = text + n;
        if (*p == '.') { /* fractions of a second are ignored */
                p++;
                if (!isdigit((unsigned char)*p))
                        return ak__fail(AK_ERR_PROTOCOL, "time: '%.64s' is not RFC 3339", text);
                while (isdigit((unsigned char)*p))
                        p++;
        }
        t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
        if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
                *out = t;
                return AK_OK;
        }
        if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) &&
            isdigit((unsigned char)p[2]) && p[3] == ':' && isdigit((unsigned char)p[4]) &&
            isdigit((unsigned char)p[5]) && p[6] == '\0') {
                int off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 +
                          ((p[4] - '0') * 10 + (p[5] - '0')) * 60;

                *out = *p == '+' ? t - off : t + off;
                return AK_OK;
        }
        return ak__fail(AK_ERR_PROTOCOL, "time: '%.64s' has no time zone", text);
}

/* A time field (number or string); 0 when absent. False when present but bad. */
bool ak__answer_time(const json_t *obj, const char *key, int64_t *out)
{
        const json_t *v = json_object_get(obj, key);

        *out = 0;
        if (v == NULL || json_is_null(v))
                return true;
        if (json_is_integer(v)) {
                *out = json_integer_value(v);
                return *out >= 0;
        }
        if (json_is_string(v)) {
                const char *s = ak__answer_text(obj, key, 64);

                return s != NULL && ak_client_parse_time(out, s) == AK_OK;
        }
        return false;
}

/* Fills a backup description from an object; version required when `need_version`. */
static enum ak_err parse_info(struct ak_backup_info *info, const json_t *obj, bool need_version,
                              const char *what)
{
        struct ak_backup_info tmp;

        memset(&tmp, 0, sizeof(tmp));
        if (json_object_get(obj, "version") != NULL) {
                if (!ak__answer_uint(obj, "version", &tmp.version))
                        return ak__fail(AK_ERR_PROTOCOL, "%s: bad version", what);
        } else if (json_object_get(obj, "latest_version") != NULL) {
                if (!ak__answer_uint(obj, "latest_version", &tmp.version))
                        return ak__fail(AK_ERR_PROTOCOL, "%s: bad latest_version", what);
        } else if (need_version) {
                return ak__fail(AK_ERR_PROTOCOL, "%s: no version", what);
        }
        if (!copy_text(tmp.device_id, sizeof(tmp.device_id), obj, "device_id") ||
            !copy_text(tmp.device_name, sizeof(tmp.device_name), obj, "device_name"))
                return ak__fail(AK_ERR_PROTOCOL, "%s: bad device_id or device_name", what);
        if (!ak__answer_time(obj, "created_at", &tmp.created_at))
                return ak__fail(AK_ERR_PROTOCOL, "%s: bad created_at", what);
        if (tmp.created_at == 0 && !ak__answer_time(obj, "deleted_at", &tmp.created_at))
                return ak__fail(AK_ERR_PROTOCOL, "%s: bad deleted_at", what);
        if (json_object_get(obj, "size") != NULL && !ak__answer_uint(obj, "size", &tmp.size))
                return ak__fail(AK_ERR_PROTOCOL, "%s: bad size", what);
        /* null (purged) or absent (an older server) leave it 0. */
        if (json_is_integer(json_object_get(obj, "restorable_until")) &&
            !ak__answer_time(obj, "restorable_until", &tmp.restorable_until))
                return ak__fail(AK_ERR_PROTOCOL, "%s: bad restorable_until", what);
        *info = tmp;
        return AK_OK;
}

enum ak_err ak_client_parse_error(long status, const char *body, size_t len, long *retry_after,
                                  struct ak_backup_info *info)
{
        json_t *j = NULL;
        const char *code = "", *message = "";
        uint64_t retry = 0;
        enum ak_err err;

        *retry_after = 0;
        if (len > 0 && len <= 65536) {
                json_error_t jerr;

                j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
                if (j != NULL && json_is_object(j)) {
                        const char *s;

                        if ((s = ak__answer_text(j, "error", 64)) != NULL)
                                code = s;
                        if ((s = ak__answer_text(j, "message", 400)) != NULL)
                                message = s;
                        if (ak__answer_uint(j, "retry_after", &retry) && retry < 366ULL * 86400)
                                *retry_after = (long)retry;
                }
        }

        if (strcmp(code, "account_exists") == 0)
                err = AK_ERR_ACCOUNT_EXISTS;
        else if (strcmp(code, "unknown_account") == 0)
                err = AK_ERR_UNKNOWN_ACCOUNT;
        else if (strcmp(code, "bad_password") == 0)
                err = AK_ERR_AUTH;
        else if (strcmp(code, "session_expired") == 0 || (status == 401 && *code == '\0'))
                err = AK_ERR_SESSION_EXPIRED;
        else if (status == 429 || strcmp(code, "rate_limited") == 0 ||
                 strcmp(code, "locked_out") == 0)
                err = AK_ERR_RATE_LIMITED;
        else if (strcmp(code, "newer_backup") == 0)
                err = AK_ERR_NEWER_BACKUP;
        else if (strcmp(code, "backup_deleted") == 0)
                err = AK_ERR_BACKUP_DELETED;
        else if (strcmp(code, "account_deleted") == 0 || strcmp(code, "email_reserved") == 0)
                err = AK_ERR_ACCOUNT_DELETED;
        else if (strcmp(code, "not_deleted") == 0)
                err = AK_ERR_CONFLICT;
        else if (strcmp(code, "purged") == 0)
                err = AK_ERR_NOT_FOUND;
        else if (strcmp(code, "no_backup") == 0)
                err = AK_ERR_NO_BACKUP;
        else if (strcmp(code, "unknown_version") == 0)
                err = AK_ERR_NOT_FOUND;
        else if (strcmp(code, "busy") == 0)
                err = AK_ERR_RATE_LIMITED;
        else if (strcmp(code, "unavailable") == 0)
                /*
                 * The server's database is away for now: temporary like busy
                 * (retry_after says when to try again), but no attempt of
                 * this device's was too many, so it is worded as the
                 * server's own failure, which the same request may outlive.
                 */
                err = AK_ERR_SERVER;
        else if (status == 413 || strcmp(code, "too_large") == 0 ||
                 strcmp(code, "body_too_large") == 0)
                err = AK_ERR_LIMIT; /* the same body will be refused again: lasting */
        else if (status == 401)
                err = AK_ERR_SESSION_EXPIRED;
        else if (status >= 500 && status <= 599)
                err = AK_ERR_SERVER; /* its own failure: the same request may work later */
        else
                err = AK_ERR_HTTP; /* a refusal that the same request will meet again */

        if ((err == AK_ERR_NEWER_BACKUP || err == AK_ERR_BACKUP_DELETED ||
             err == AK_ERR_ACCOUNT_DELETED) &&
            info != NULL) {
                memset(info, 0, sizeof(*info));
                if (parse_info(info, j, false, "conflict") != AK_OK)
                        memset(info, 0, sizeof(*info));
        }
        if (err == AK_ERR_RATE_LIMITED && *message == '\0')
                ak__fail(err, "retry in %ld s", *retry_after);
        else if (err == AK_ERR_HTTP || err == AK_ERR_SERVER)
                ak__fail(err, "HTTP %ld%s%s%s%s", status, *code ? " " : "", code,
                         *message ? ": " : "", message);
        else
                ak__fail(err, "%s", message);
        json_decref(j);
        return err;
}

uint64_t ak_client_parse_max_bytes(const char *body, size_t len)
{
        json_error_t jerr;
        json_t *j;
        uint64_t max = 0;

        if (len == 0 || len > 65536)
                return 0;
        j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
        if (json_is_object(j) && !ak__answer_uint(j, "max_bytes", &max)) {
                /* An older authkeepd says it only in words: "... larger than N bytes". */
                const char *message = ak__answer_text(j, "message", 400), *at;
                unsigned long long n;
                int used = 0;

                max = 0;
                if (message != NULL && (at = strstr(message, "larger than ")) != NULL &&
                    sscanf(at, "larger than %llu bytes%n", &n, &used) == 1 && used > 0)
                        max = n;
        }
        json_decref(j);
        return max;
}

/* Decodes a standard base64 field into a new buffer of at most `max` bytes. */
static enum ak_err get_base64(unsigned char **out, size_t *out_len, const json_t *obj,
                              const char *key, size_t max, const char *what)
{
        const json_t *v = json_object_get(obj, key);
        enum ak_err err;

        if (!json_is_string(v))
                return ak__fail(AK_ERR_PROTOCOL, "%s: no %s", what, key);
        err = ak__b64_decode(out, out_len, json_string_value(v), json_string_length(v), max, false);
        if (err == AK_ERR_NOMEM)
                return ak__fail(AK_ERR_NOMEM, "%s", what);
        if (err == AK_ERR_LIMIT)
                return ak__fail(AK_ERR_PROTOCOL, "%s: %s is too large", what, key);
        if (err != AK_OK)
                return ak__fail(AK_ERR_PROTOCOL, "%s: %s is not valid base64", what, key);
        return AK_OK;
}

/* Decodes a base64 field that must be exactly `len` bytes into `out`. */
enum ak_err ak__answer_b64_fixed(unsigned char *out, size_t len, const json_t *obj, const char *key,
                                 const char *what)
{
        const json_t *v = json_object_get(obj, key);

        if (!json_is_string(v))
                return ak__fail(AK_ERR_PROTOCOL, "%s: no %s", what, key);
        if (!ak__b64_exact(out, len, json_string_value(v), json_string_length(v)))
                return ak__fail(AK_ERR_PROTOCOL, "%s: %s is not base64 of %zu bytes", what, key,
                                len);
        return AK_OK;
}

/*
 * An answer describing one version: {version, ...} and, when `envelope` is
 * not NULL, the envelope (malloc'd into *envelope).
 */
static enum ak_err parse_version_answer(struct ak_backup_info *info, unsigned char **envelope,
                                        size_t *envelope_len, const char *body, size_t len,
                                        const char *what)
{
        json_t *j = NULL;
        struct ak_backup_info tmp;
        enum ak_err err;

        err = ak__answer_object(&j, body, len, what);
        if (err != AK_OK)
                return err;
        err = parse_info(&tmp, j, true, what);
        if (err == AK_OK && tmp.version == 0)
                err = ak__fail(AK_ERR_PROTOCOL, "%s: version 0", what);
        if (err == AK_OK && envelope != NULL)
                err =
                    get_base64(envelope, envelope_len, j, "envelope", AK_CLIENT_ENVELOPE_MAX, what);
        if (err == AK_OK)
                *info = tmp;
        json_decref(j);
        return err;
}

enum ak_err ak_client_parse_backup(struct ak_backup_info *info, unsigned char **envelope,
                                   size_t *envelope_len, const char *body, size_t len)
{
        return parse_version_answer(info, envelope, envelope_len, body, len, "backup");
}

void ak_backup_versions_clear(struct ak_backup_versions *versions)
{
        if (versions == NULL)
                return;
        free(versions->items);
        free(versions->deleted_items);
        memset(versions, 0, sizeof(*versions));
}

/* The versions of `list` (a JSON array, at most AK_CLIENT_VERSIONS_MAX) into *items (free()). */
static enum ak_err parse_version_list(struct ak_backup_info **items, size_t *count,
                                      const json_t *list)
{
        size_t n = json_array_size(list);
        struct ak_backup_info *got = NULL;
        enum ak_err err;

        *items = NULL;
        *count = 0;
        if (n > AK_CLIENT_VERSIONS_MAX)
                return ak__fail(AK_ERR_PROTOCOL, "versions: more than %d", AK_CLIENT_VERSIONS_MAX);
        if (n > 0 && (got = calloc(n, sizeof(*got))) == NULL)
                return ak__fail(AK_ERR_NOMEM, "versions");
        for (size_t i = 0; i < n; i++) {
                const json_t *item = json_array_get(list, i);

                err = json_is_object(item)
                          ? parse_info(&got[i], item, true, "versions")
                          : ak__fail(AK_ERR_PROTOCOL, "versions: entry %zu is not an object", i);
                if (err != AK_OK) {
                        free(got);
                        return err;
                }
        }
        *items = got;
        *count = n;
        return AK_OK;
}

enum ak_err ak_client_parse_versions(struct ak_backup_versions *out, const char *body, size_t len)
{
        json_t *j = NULL, *list, *deleted, *kept;
        struct ak_backup_versions tmp = {0};
        enum ak_err err;

        err = ak__answer_object(&j, body, len, "versions");
        if (err != AK_OK)
                return err;
        list = json_object_get(j, "versions");
        deleted = json_object_get(j, "deleted");
        kept = json_object_get(j, "deleted_versions");
        if (!json_is_array(list) || (deleted != NULL && !json_is_boolean(deleted)) ||
            (kept != NULL && !json_is_array(kept))) {
                err = ak__fail(AK_ERR_PROTOCOL, "versions: no list");
                goto done;
        }
        tmp.deleted = json_is_true(deleted);
        if (tmp.deleted && parse_info(&tmp.deleted_by, j, false, "versions") != AK_OK) {
                err =
                    ak__fail(AK_ERR_PROTOCOL, "versions: bad deleted_at, device_id or device_name");
                goto done;
        }
        err = parse_version_list(&tmp.items, &tmp.count, list);
        if (err == AK_OK && tmp.deleted && kept != NULL)
                err = parse_version_list(&tmp.deleted_items, &tmp.deleted_count, kept);
        if (err != AK_OK)
                goto done;
        *out = tmp;
        memset(&tmp, 0, sizeof(tmp));
done:
        ak_backup_versions_clear(&tmp);
        json_decref(j);
        return err;
}

enum ak_err ak_client_parse_upload(struct ak_backup_info *info, const char *body, size_t len)
{
        return parse_version_answer(info, NULL, NULL, body, len, "upload");
}

/* Parses {"alg","salt","opslimit","memlimit"} and checks the cost is one the device accepts. */
static enum ak_err parse_kdf(struct ak_recovery_kdf *out, const json_t *obj, const char *what)
{
        const char *alg = ak__answer_text(obj, "alg", 32);
        uint64_t ops, mem;
        enum ak_err err;

        if (!json_is_object(obj) || alg == NULL || strcmp(alg, AK_RECOVERY_KDF_ALG) != 0)
                return ak__fail(AK_ERR_PROTOCOL, "%s: kdf is not %s", what, AK_RECOVERY_KDF_ALG);
        if (!ak__answer_uint(obj, "opslimit", &ops) || !ak__answer_uint(obj, "memlimit", &mem) ||
            mem > SIZE_MAX)
                return ak__fail(AK_ERR_PROTOCOL, "%s: bad kdf cost", what);
        err = ak__answer_b64_fixed(out->salt, sizeof(out->salt), obj, "salt", what);
        if (err != AK_OK)
                return err;
        out->opslimit = ops;
        out->memlimit = (size_t)mem;
        err = ak_recovery_kdf_check(out);
        if (err != AK_OK)
                return ak__client_refail(AK_ERR_PROTOCOL, what, ": ");
        return AK_OK;
}

/* Parses a wrapped_key object. */
static enum ak_err parse_wrapped(struct ak_wrapped_key *out, const json_t *obj, const char *what)
{
        const char *nonce = ak__answer_text(obj, "nonce", 64),
                   *ct = ak__answer_text(obj, "ciphertext", 128);

        if (!json_is_object(obj) || nonce == NULL || ct == NULL ||
            ak_wrapped_key_from_b64(out, nonce, ct) != AK_OK)
                return ak__fail(AK_ERR_PROTOCOL, "%s: bad wrapped_key", what);
        return AK_OK;
}

/* True when `s` is 1..max characters of [A-Za-z0-9._-] (tokens go into a header, ids into AD). */
static bool token_chars(const char *s, size_t max)
{
        size_t n = strlen(s);

        return n > 0 && n <= max &&
               strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                         "0123456789._-") == n;
}

enum ak_err ak_client_parse_auth_start(struct ak_auth_challenge *out, const char *body, size_t len)
{
        struct ak_auth_challenge c;
        unsigned char *salt = NULL, *B = NULL;
        const char *lid;
        json_t *j = NULL;
        enum ak_err err;

        memset(&c, 0, sizeof(c));
        err = ak__answer_object(&j, body, len, "sign-in");
        if (err != AK_OK)
                return err;
        lid = ak__answer_text(j, "login_id", AK_CLIENT_LOGIN_ID_MAX);
        if (lid == NULL || *lid == '\0') {
                err = ak__fail(AK_ERR_PROTOCOL, "sign-in: no login_id");
                goto done;
        }
        memcpy(c.login_id, lid, strlen(lid) + 1);
        err = parse_kdf(&c.kdf, json_object_get(j, "kdf"), "sign-in");
        if (err == AK_OK)
                err = get_base64(&salt, &c.srp_salt_len, j, "srp_salt", AK_SRP_SALT_MAX, "sign-in");
        if (err == AK_OK)
                err = get_base64(&B, &c.B_len, j, "B", AK_SRP_N_BYTES, "sign-in");
        if (err != AK_OK)
                goto done;
        if (c.srp_salt_len == 0 || c.B_len == 0) {
                err = ak__fail(AK_ERR_PROTOCOL, "sign-in: empty srp_salt or B");
                goto done;
        }
        memcpy(c.srp_salt, salt, c.srp_salt_len);
        memcpy(c.B, B, c.B_len);
        *out = c;
done:
        free(salt);
        free(B);
        json_decref(j);
        return err;
}

enum ak_err ak_client_parse_auth_finish(struct ak_auth_answer *out, const char *body, size_t len)
{
        struct ak_auth_answer a;
        const char *token, *account_id;
        json_t *j = NULL;
        enum ak_err err;

        memset(&a, 0, sizeof(a));
        err = ak__answer_object(&j, body, len, "sign-in");
        if (err != AK_OK)
                return err;
        err = ak__answer_b64_fixed(a.M2, sizeof(a.M2), j, "M2", "sign-in");
        if (err != AK_OK)
                goto done;
        token = ak__answer_text(j, "session_token", AK_CLIENT_TOKEN_MAX);
        account_id = ak__answer_text(j, "account_id", AK_CLIENT_TEXT_MAX);
        if (token == NULL || !token_chars(token, AK_CLIENT_TOKEN_MAX) || account_id == NULL ||
            !token_chars(account_id, AK_BACKUP_ACCOUNT_ID_MAX)) {
                err = ak__fail(AK_ERR_PROTOCOL, "sign-in: bad session_token or account_id");
                goto done;
        }
        if (!ak__answer_time(j, "expires_at", &a.expires_at)) {
                err = ak__fail(AK_ERR_PROTOCOL, "sign-in: bad expires_at");
                goto done;
        }
        err = parse_wrapped(&a.wrapped_key, json_object_get(j, "wrapped_key"), "sign-in");
        if (err != AK_OK)
                goto done;
        memcpy(a.token, token, strlen(token) + 1);
        memcpy(a.account_id, account_id, strlen(account_id) + 1);
        *out = a;
done:
        sodium_memzero(&a, sizeof(a));
        json_decref(j);
        return err;
}
