/*
 * Google Authenticator's transfer format: otpauth-migration://offline?data=
 * where data is the base64 of a protobuf MigrationPayload:
 *
 *   message MigrationPayload {
 *     repeated OtpParameters otp_parameters = 1;
 *     int32 version = 2; int32 batch_size = 3; int32 batch_index = 4; int32 batch_id = 5;
 *   }
 *   message OtpParameters {
 *     bytes secret = 1; string name = 2; string issuer = 3;
 *     Algorithm algorithm = 4;   // 0 unspecified, 1 SHA1, 2 SHA256, 3 SHA512, 4 MD5
 *     DigitCount digits = 5;     // 0 unspecified, 1 six, 2 eight
 *     OtpType type = 6;          // 0 unspecified, 1 HOTP, 2 TOTP
 *     int64 counter = 7;
 *   }
 *
 * There is no period: it is always 30 seconds. The protobuf is read and
 * written by hand (a few dozen lines instead of a dependency); every length
 * is checked against the bytes left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/uri.h"
#include "import_internal.h"

/* ----- reading ----- */

struct pb {
        const unsigned char *p;
        size_t len;
        size_t at;
};

static int pb_varint(struct pb *b, uint64_t *out)
{
        uint64_t v = 0;

        for (unsigned shift = 0; shift < 64; shift += 7) {
                unsigned char c;
                if (b->at >= b->len)
                        return -1;
                c = b->p[b->at++];
                v |= (uint64_t)(c & 0x7f) << shift;
                if (!(c & 0x80)) {
                        *out = v;
                        return 0;
                }
        }
        return -1;
}

/*
 * Reads the next field: its number, wire type, and for varints the value,
 * for length-delimited fields the bytes. Fixed 32/64-bit fields are skipped.
 * Returns 1 on a field, 0 at the end, -1 when malformed.
 */
static int pb_field(struct pb *b, unsigned *field, uint64_t *value, const unsigned char **bytes,
                    size_t *nbytes)
{
        uint64_t key;

        if (b->at == b->len)
                return 0;
        if (pb_varint(b, &key) != 0)
                return -1;
        *field = (unsigned)(key >> 3);
        *bytes = NULL;
        *nbytes = 0;
        *value = 0;
        switch (key & 7) {
        case 0:
                return pb_varint(b, value) == 0 ? 1 : -1;
        case 1:
                if (b->len - b->at < 8)
                        return -1;
                b->at += 8;
                return 1;
        case 5:
                if (b->len - b->at < 4)
                        return -1;
                b->at += 4;
                return 1;
        case 2:
                if (pb_varint(b, value) != 0 || *value > b->len - b->at)
                        return -1;
                *bytes = b->p + b->at;
                *nbytes = (size_t)*value;
                b->at += (size_t)*value;
                return 1;
        default:
                return -1;
        }
}

/* One OtpParameters message into an account (or a reason); `label` gets a copy of "issuer:name" for
 * naming the entry. */
static enum ak_err read_otp(struct ak_account *acct, char **label, const unsigned char *msg,
                            size_t len)
{
        struct pb b = {msg, len, 0};
        const unsigned char *secret = NULL, *bytes;
        size_t secret_len = 0, nbytes;
        char *name = NULL, *issuer = NULL;
        uint64_t algorithm = 0, digits = 0, type = 0, counter = 0, value;
        unsigned field;
        int r;
        enum ak_err rc;

        while ((r = pb_field(&b, &field, &value, &bytes, &nbytes)) == 1) {
                if (field == 1 && bytes) {
                        secret = bytes;
                        secret_len = nbytes;
                } else if ((field == 2 || field == 3) && bytes) {
                        char **dst = field == 2 ? &name : &issuer;
                        if (nbytes > AK_TEXT_MAX) {
                                rc = ak__fail(AK_ERR_LIMIT, "%s: longer than %d bytes",
                                              field == 2 ? "name" : "issuer", AK_TEXT_MAX);
                                goto done;
                        }
                        free(*dst);
                        *dst = ak__text_of(bytes, nbytes);
                        if (*dst == NULL) {
                                rc = AK_ERR_NOMEM;
                                goto done;
                        }
                } else if (field == 4 && !bytes) {
                        algorithm = value;
                } else if (field == 5 && !bytes) {
                        digits = value;
                } else if (field == 6 && !bytes) {
                        type = value;
                } else if (field == 7 && !bytes) {
                        counter = value;
                }
        }
        if (r < 0) {
                rc = ak__fail(AK_ERR_FORMAT, "malformed protobuf");
                goto done;
        }
        /* Google writes the label "Issuer:name" as the name; keep only the name. */
        if (name != NULL && issuer != NULL && issuer[0] != '\0') {
                size_t n = strlen(issuer);
                if (strncmp(name, issuer, n) == 0 && name[n] == ':') {
                        memmove(name, name + n + 1, strlen(name + n + 1) + 1);
                        while (name[0] == ' ')
                                memmove(name, name + 1, strlen(name));
                }
        }
        if (label != NULL)
                *label = ak__label(issuer, name);
        {
                static const char *const algos[] = {"SHA1", "SHA1", "SHA256", "SHA512", "MD5"};
                struct ak__otp_fields f = {
                    .type = type == 1 ? "hotp" : "totp",
                    .issuer = issuer,
                    .name = name,
                    .secret_raw = secret ? secret : (const unsigned char *)"",
                    .secret_raw_len = secret_len,
                    .algorithm = algorithm < 5 ? algos[algorithm] : "unknown",
                    .digits = digits == 2 ? 8 : 6,
                    .period = 30,
                    .counter = counter > INT64_MAX ? -1 : (long long)counter,
                };
                if (type > 2) {
                        rc = ak__fail(AK_ERR_UNSUPPORTED, "type: %llu is not HOTP or TOTP",
                                      (unsigned long long)type);
                        goto done;
                }
                if (digits > 2) {
                        rc = ak__fail(AK_ERR_UNSUPPORTED, "digits: code %llu is not 6 or 8",
                                      (unsigned long long)digits);
                        goto done;
                }
                if (secret_len == 0) {
                        rc = ak__fail(AK_ERR_INVALID, "secret: missing");
                        goto done;
                }
                rc = ak__account_from_fields(acct, &f);
        }
done:
        free(name);
        free(issuer);
        return rc;
}

enum ak_err ak_import_gauth_payload(struct ak_import *out, const unsigned char *payload, size_t len,
                                    const char *where_prefix)
{
        struct ak_import tmp;
        struct pb b = {payload, len, 0};
        const unsigned char *bytes;
        size_t nbytes, n = 0;
        uint64_t value;
        unsigned field;
        int r;
        enum ak_err rc = AK_OK;

        ak_import_init(&tmp);
        while (rc == AK_OK && (r = pb_field(&b, &field, &value, &bytes, &nbytes)) == 1) {
                struct ak_account acct;
                char where[96], *label = NULL;
                enum ak_err erc;
                if (field != 1 || bytes == NULL)
                        continue;
                ak_account_init(&acct);
                snprintf(where, sizeof(where), "%s, account %zu",
                         where_prefix ? where_prefix : "payload", ++n);
                erc = read_otp(&acct, &label, bytes, nbytes);
                if (erc == AK_ERR_NOMEM)
                        rc = erc;
                else
                        rc = ak__import_push(&tmp, erc, &acct, where, label);
                free(label);
        }
        if (rc == AK_OK && r < 0)
                rc = ak__fail(AK_ERR_FORMAT, "migration payload: malformed protobuf");
        if (rc == AK_OK)
                rc = ak__import_take(out, &tmp);
        ak_import_clear(&tmp);
        return rc;
}

/* ----- writing ----- */

static void buf_varint(struct ak__buf *b, uint64_t v)
{
        unsigned char tmp[10];
        size_t n = 0;

        do {
                tmp[n] = (unsigned char)(v & 0x7f);
                v >>= 7;
                if (v)
                        tmp[n] |= 0x80;
                n++;
        } while (v);
        ak__buf_add(b, tmp, n);
}

static void buf_bytes(struct ak__buf *b, unsigned field, const void *data, size_t n)
{
        buf_varint(b, (uint64_t)field << 3 | 2);
        buf_varint(b, n);
        ak__buf_add(b, data, n);
}

static void buf_uint(struct ak__buf *b, unsigned field, uint64_t v)
{
        buf_varint(b, (uint64_t)field << 3);
        buf_varint(b, v);
}

bool ak_export_gauth_supports(const struct ak_account *acct)
{
        return acct->kind == AK_KIND_THIRD_PARTY &&
               (acct->type == AK_OTP_TOTP || acct->type == AK_OTP_HOTP) &&
               (acct->digits == 6 || acct->digits == 8) &&
               (acct->type == AK_OTP_HOTP || acct->period == 30) && acct->secret_len > 0;
}

/* One account as an OtpParameters message appended to `b` (field 1 of the payload). */
static void put_account(struct ak__buf *b, const struct ak_account *a)
{
        struct ak__buf m = {0};

        buf_bytes(&m, 1, a->secret, a->secret_len);
        buf_bytes(&m, 2, a->name, strlen(a->name));
        buf_bytes(&m, 3, a->issuer, strlen(a->issuer));
        buf_uint(&m, 4, a->hash == AK_HASH_SHA256 ? 2 : a->hash == AK_HASH_SHA512 ? 3 : 1);
        buf_uint(&m, 5, a->digits == 8 ? 2 : 1);
        buf_uint(&m, 6, a->type == AK_OTP_HOTP ? 1 : 2);
        if (a->type == AK_OTP_HOTP)
                buf_uint(&m, 7, a->counter);
        if (m.failed)
                b->failed = true;
        else
                buf_bytes(b, 1, m.data, m.len);
        ak__buf_free(&m);
}

/*
 * The URI of accounts [from, to) of `list` (only those supported), as batch
 * `index` of `count`, appended to `out` with a newline; or, with `out` NULL,
 * only its length in *uri_len.
 */
static enum ak_err encode_batch(struct ak__buf *out, size_t *uri_len,
                                const struct ak_account *const *list, size_t from, size_t to,
                                size_t index, size_t count, uint32_t batch_id)
{
        static const char prefix[] = "otpauth-migration://offline?data=";
        struct ak__buf payload = {0};
        char *b64 = NULL;
        size_t n = sizeof(prefix) - 1;
        enum ak_err rc = AK_OK;

        for (size_t i = from; i < to; i++)
                put_account(&payload, list[i]);
        buf_uint(&payload, 2, 1);
        buf_uint(&payload, 3, count);
        buf_uint(&payload, 4, index);
        buf_uint(&payload, 5, batch_id);
        if (payload.failed) {
                rc = AK_ERR_NOMEM;
                goto done;
        }
        rc = ak__base64_encode(&b64, (const unsigned char *)payload.data, payload.len);
        if (rc != AK_OK)
                goto done;
        for (const char *c = b64; *c; c++)
                n += (*c == '+' || *c == '/' || *c == '=') ? 3 : 1;
        *uri_len = n;
        if (out != NULL) {
                ak__buf_add(out, prefix, sizeof(prefix) - 1);
                for (const char *c = b64; *c; c++) {
                        if (*c == '+' || *c == '/' || *c == '=') {
                                char esc[4];
                                snprintf(esc, sizeof(esc), "%%%02X", (unsigned char)*c);
                                ak__buf_add(out, esc, 3);
                        } else {
                                ak__buf_add(out, c, 1);
                        }
                }
                ak__buf_add(out, "\n", 1);
                if (out->failed)
                        rc = AK_ERR_NOMEM;
        }
done:
        if (b64 != NULL)
                ak__free_secret_str(b64);
        ak__buf_free(&payload);
        return rc;
}

enum ak_err ak_export_gauth(char **out, size_t *len, size_t *skipped,
                            const struct ak_account_list *accounts)
{
        const struct ak_account **list =
            calloc(accounts->count ? accounts->count : 1, sizeof(*list));
        size_t *starts = calloc(accounts->count + 1, sizeof(*starts));
        size_t n = 0, nbatches = 0, uri_len = 0;
        uint32_t batch_id = randombytes_uniform(0x7fffffff);
        struct ak__buf text = {0};
        enum ak_err rc = AK_OK;

        if (list == NULL || starts == NULL) {
                rc = AK_ERR_NOMEM;
                goto done;
        }
        for (size_t i = 0; i < accounts->count; i++)
                if (ak_export_gauth_supports(&accounts->items[i]))
                        list[n++] = &accounts->items[i];
        /*
         * Greedy batches: add accounts while the URI stays within the limit. The
         * batch count is not known yet; sizing with a generous placeholder
         * (16383, two varint bytes) keeps the final URIs within the limit.
         */
        for (size_t from = 0; from < n;) {
                size_t to = from + 1;
                while (to < n) {
                        rc = encode_batch(NULL, &uri_len, list, from, to + 1, 16383, 16383,
                                          batch_id);
                        if (rc != AK_OK)
                                goto done;
                        if (uri_len > AK_GAUTH_BATCH_MAX_CHARS)
                                break;
                        to++;
                }
                starts[nbatches++] = from;
                from = to;
        }
        starts[nbatches] = n;
        for (size_t i = 0; i < nbatches && rc == AK_OK; i++)
                rc = encode_batch(&text, &uri_len, list, starts[i], starts[i + 1], i, nbatches,
                                  batch_id);
        if (rc != AK_OK)
                goto done;
        /* With no account the text is "", never NULL. */
        *out = ak__buf_take(&text, len);
        if (*out == NULL) {
                rc = AK_ERR_NOMEM;
                goto done;
        }
        if (skipped != NULL)
                *skipped = accounts->count - n;
done:
        ak__buf_free(&text);
        free(list);
        free(starts);
        return rc;
}
