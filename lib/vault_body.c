/*
 * The vault's body in its binary encoding (docs/vault-format.md, "The
 * body"): the plaintext the vault file encrypts, holding the device key,
 * the accounts, the settings and the device-local state.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"
#include "vault_internal.h"

/*
 * The body is read on every command, so it is not JSON: length-prefixed
 * fields read in one pass without a parser, a tree or base64. Its first four
 * bytes are "AKB" and the encoding's version.
 */
#define BODY_MAGIC "AKB"
#define BODY_ENCODING 1
#define BODY_FLAG_LABEL_ISSUER 1u
/* The fewest bytes an account takes: a one-byte id, the fixed fields, three empty strings. */
#define BODY_ACCOUNT_MIN (2 + 1 + 4 + 4 + 8 + 8 + 1 + 3 * 2)

/* The codes the body stores are the enums' values. */
_Static_assert(AK_KIND_THIRD_PARTY == 0 && AK_KIND_PERSONAL == 1 && AK_KIND_WORK == 2,
               "body: kind codes");
_Static_assert(AK_OTP_TOTP == 0 && AK_OTP_HOTP == 1 && AK_OTP_STEAM == 2, "body: type codes");
_Static_assert(AK_HASH_SHA1 == 0 && AK_HASH_SHA256 == 1 && AK_HASH_SHA512 == 2,
               "body: algorithm codes");

/* Appends the low `n` bytes of `v`, little-endian. */
static void buf_le(struct ak__buf *b, uint64_t v, size_t n)
{
        unsigned char le[8];

        for (size_t i = 0; i < n; i++)
                le[i] = (unsigned char)(v >> (8 * i));
        ak__buf_add(b, le, n);
}

/* Appends a string: its length (2 bytes, little-endian), then its bytes. */
static void buf_lstr(struct ak__buf *b, const void *s, size_t n)
{
        if (n > UINT16_MAX) {
                b->failed = true;
                return;
        }
        buf_le(b, n, 2);
        if (n > 0)
                ak__buf_add(b, s, n);
}

static void buf_text(struct ak__buf *b, const char *s)
{
        buf_lstr(b, s, s ? strlen(s) : 0);
}

static void emit_body_pairs(struct ak__buf *b, const struct ak__vault_pairs *pairs)
{
        buf_le(b, pairs->count, 2);
        for (size_t i = 0; i < pairs->count; i++) {
                buf_text(b, pairs->items[i].name);
                buf_text(b, pairs->items[i].value);
        }
}

/* The plaintext body: the device, accounts, settings and local state (secret: wipe). */
void ak__vault_write_body(struct ak__buf *b, const struct ak_vault *v)
{
        ak__buf_add(b, BODY_MAGIC, 3);
        buf_le(b, BODY_ENCODING, 1);
        ak__buf_add(b, v->device_id, AK_DEVICE_ID_LEN);
        ak__buf_add(b, v->device_pk, sizeof(v->device_pk));
        ak__buf_add(b, v->secrets->device_sk, sizeof(v->secrets->device_sk));
        buf_le(b, 1, 1); /* device-bound */
        buf_le(b, v->accounts.count, 4);
        for (size_t i = 0; i < v->accounts.count; i++) {
                const struct ak_account *a = &v->accounts.items[i];

                buf_text(b, a->id);
                buf_le(b,
                       (unsigned)a->kind | (unsigned)a->type << 8 | (unsigned)a->hash << 16 |
                           (uint64_t)a->digits << 24,
                       4);
                buf_le(b, a->period, 4);
                buf_le(b, a->counter, 8);
                buf_le(b, (uint64_t)a->created, 8);
                buf_le(b, a->label_issuer != NULL ? BODY_FLAG_LABEL_ISSUER : 0, 1);
                buf_text(b, a->issuer);
                buf_text(b, a->name);
                if (a->label_issuer != NULL)
                        buf_text(b, a->label_issuer);
                buf_lstr(b, a->secret, a->secret_len);
        }
        emit_body_pairs(b, &v->settings);
        emit_body_pairs(b, &v->local);
}

/* Reads the body front to back; `cut` is set once a read runs past its end. */
struct reader {
        const unsigned char *p;
        const unsigned char *end;
        bool cut;
};

/* Takes `n` bytes; NULL (and `cut`) when fewer are left. */
static const unsigned char *rd_take(struct reader *r, size_t n)
{
        const unsigned char *p = r->p;

        if (r->cut || (size_t)(r->end - r->p) < n) {
                r->cut = true;
                return NULL;
        }
        r->p += n;
        return p;
}

/* An `n`-byte little-endian integer; 0 (and `cut`) past the end. */
static uint64_t rd_le(struct reader *r, size_t n)
{
        const unsigned char *p = rd_take(r, n);
        uint64_t v = 0;

        if (p == NULL)
                return 0;
        for (size_t i = n; i-- > 0;)
                v = v << 8 | p[i];
        return v;
}

/* A length-prefixed string: its bytes (not NUL-terminated), NULL past the end. */
static const char *rd_lstr(struct reader *r, size_t *len)
{
        *len = (size_t)rd_le(r, 2);
        return (const char *)rd_take(r, *len);
}

/*
 * A NUL-terminated malloc'd copy of `len` bytes at `s`; NULL when out of
 * memory. Not strndup: the body's strings have no NUL after them.
 */
static char *copy_bytes(const char *s, size_t len)
{
        char *copy = malloc(len + 1);

        if (copy != NULL) {
                memcpy(copy, s, len);
                copy[len] = '\0';
        }
        return copy;
}

/* A text string of at most `max` bytes of UTF-8 without NUL, copied into *out (malloc'd). */
static enum ak_err rd_text(char **out, struct reader *r, size_t max, const char *key, size_t index)
{
        size_t len;
        const char *s = rd_lstr(r, &len);
        char *copy;

        if (s == NULL)
                return ak__fail(AK_ERR_VAULT_CORRUPT, "body: cut short at accounts[%zu].%s", index,
                                key);
        if (len > max || !ak__utf8_valid(s, len))
                return ak__fail(AK_ERR_VAULT_CORRUPT, "accounts[%zu].%s: too long or not UTF-8",
                                index, key);
        copy = copy_bytes(s, len);
        if (copy == NULL)
                return ak__fail(AK_ERR_NOMEM, NULL);
        *out = copy;
        return AK_OK;
}

/* Reads account `index` into `a` (initialised). */
static enum ak_err parse_body_account(struct ak_account *a, struct reader *r, size_t index)
{
        const enum ak_err bad = AK_ERR_VAULT_CORRUPT;
        uint64_t codes, flags;
        size_t len;
        const char *s = rd_lstr(r, &len);
        enum ak_err err;

        if (s != NULL && len > 0 && len <= AK_ID_LEN) {
                memcpy(a->id, s, len);
                a->id[len] = '\0';
        }
        if (s != NULL && (len == 0 || len > AK_ID_LEN || !ak__vault_id_valid(a->id)))
                return ak__fail(bad, "accounts[%zu].id: not a valid id", index);
        codes = rd_le(r, 4);
        a->period = (uint32_t)rd_le(r, 4);
        a->counter = rd_le(r, 8);
        a->created = (int64_t)rd_le(r, 8);
        flags = rd_le(r, 1);
        if (r->cut)
                return ak__fail(bad, "body: cut short at accounts[%zu]", index);
        if ((codes & 0xff) > AK_KIND_WORK || (codes >> 8 & 0xff) > AK_OTP_STEAM ||
            (codes >> 16 & 0xff) > AK_HASH_SHA512 || (flags & ~(uint64_t)BODY_FLAG_LABEL_ISSUER))
                return ak__fail(bad, "accounts[%zu]: unknown kind, type, algorithm or flag", index);
        a->kind = (enum ak_account_kind)(codes & 0xff);
        a->type = (enum ak_otp_type)(codes >> 8 & 0xff);
        a->hash = (enum ak_hash)(codes >> 16 & 0xff);
        a->digits = (unsigned)(codes >> 24);
        if ((err = rd_text(&a->issuer, r, AK_TEXT_MAX, "issuer", index)) != AK_OK ||
            (err = rd_text(&a->name, r, AK_TEXT_MAX, "name", index)) != AK_OK ||
            ((flags & BODY_FLAG_LABEL_ISSUER) &&
             (err = rd_text(&a->label_issuer, r, AK_TEXT_MAX, "label_issuer", index)) != AK_OK))
                return err;
        s = rd_lstr(r, &len);
        if (s == NULL)
                return ak__fail(bad, "body: cut short at accounts[%zu].secret", index);
        if (len > AK_SECRET_MAX)
                return ak__fail(bad, "accounts[%zu].secret: longer than %d bytes", index,
                                AK_SECRET_MAX);
        if (len > 0) {
                a->secret = malloc(len);
                if (a->secret == NULL)
                        return ak__fail(AK_ERR_NOMEM, NULL);
                memcpy(a->secret, s, len);
                a->secret_len = len;
        }
        /* What ak__vault_account_check adds to the checks above (the texts are checked as read). */
        if (a->digits < 1 || a->digits > 10 || a->period == 0 ||
            (a->kind == AK_KIND_THIRD_PARTY && a->secret_len == 0))
                return ak__fail(bad, "accounts[%zu]: digits, period or secret out of range", index);
        return AK_OK;
}

/* Reads settings or local state into `out` (empty): names unique, each entry checked. */
static enum ak_err parse_body_pairs(struct ak__vault_pairs *out, struct reader *r, const char *what)
{
        const enum ak_err bad = AK_ERR_VAULT_CORRUPT;
        char name[AK__VAULT_NAME_MAX + 1], *value = NULL;
        size_t count = (size_t)rd_le(r, 2);
        enum ak_err err = AK_OK;

        if (count > AK__VAULT_PAIRS_MAX)
                return ak__fail(bad, "%s: more than %d entries", what, AK__VAULT_PAIRS_MAX);
        for (size_t i = 0; i < count && err == AK_OK; i++) {
                size_t name_len, value_len;
                const char *n = rd_lstr(r, &name_len), *s = rd_lstr(r, &value_len);

                if (r->cut)
                        return ak__fail(bad, "body: cut short in %s", what);
                if (name_len > AK__VAULT_NAME_MAX || value_len > AK__VAULT_VALUE_MAX ||
                    !ak__utf8_valid(s, value_len))
                        return ak__fail(bad, "%s[%zu]: name or value too long or not UTF-8", what,
                                        i);
                memcpy(name, n, name_len);
                name[name_len] = '\0';
                if (!ak__vault_name_valid(name) || ak__vault_pairs_get(out, name) != NULL)
                        return ak__fail(bad, "%s[%zu]: a bad or repeated name", what, i);
                value = copy_bytes(s, value_len);
                if (value == NULL)
                        return ak__fail(AK_ERR_NOMEM, NULL);
                err = ak__vault_pairs_set(out, name, value);
                ak__free_secret_str(value);
        }
        return err;
}

/*
 * Reads the decrypted body into the vault (whose lists are empty). Every
 * value is checked as a save checks it, so what opens can be saved again.
 */
enum ak_err ak__vault_read_body(struct ak_vault *v, const unsigned char *body, size_t len)
{
        const enum ak_err bad = AK_ERR_VAULT_CORRUPT;
        struct reader r = {body, body + len, false};
        struct ak_account_list none = {0};
        const unsigned char *magic = rd_take(&r, 4), *device;
        unsigned char derived_pk[AK_DEVICE_PK_BYTES];
        size_t count;
        enum ak_err err;

        if (magic == NULL || memcmp(magic, BODY_MAGIC, 3) != 0 || magic[3] != BODY_ENCODING)
                return ak__fail(bad, "body: not a vault body of encoding %d", BODY_ENCODING);
        device =
            rd_take(&r, AK_DEVICE_ID_LEN + AK_DEVICE_PK_BYTES + crypto_sign_SECRETKEYBYTES + 1);
        if (device == NULL)
                return ak__fail(bad, "body: cut short in the device");
        memcpy(v->device_id, device, AK_DEVICE_ID_LEN);
        v->device_id[AK_DEVICE_ID_LEN] = '\0';
        device += AK_DEVICE_ID_LEN;
        memcpy(v->device_pk, device, AK_DEVICE_PK_BYTES);
        device += AK_DEVICE_PK_BYTES;
        memcpy(v->secrets->device_sk, device, crypto_sign_SECRETKEYBYTES);
        device += crypto_sign_SECRETKEYBYTES;
        if (!ak__vault_hex_id_valid(v->device_id) || *device != 1)
                return ak__fail(bad, "device: id or device_bound malformed");
        /* The private key's second half is its public key: they must agree. */
        if (crypto_sign_ed25519_sk_to_pk(derived_pk, v->secrets->device_sk) != 0 ||
            sodium_memcmp(derived_pk, v->device_pk, sizeof(derived_pk)) != 0)
                return ak__fail(bad, "device: the key pair does not match");

        count = (size_t)rd_le(&r, 4);
        if (r.cut || count > AK__VAULT_ACCOUNTS_MAX ||
            count > (size_t)(r.end - r.p) / BODY_ACCOUNT_MIN)
                return ak__fail(bad, "accounts: more than %d, or more than the body holds",
                                AK__VAULT_ACCOUNTS_MAX);
        if ((err = ak__vault_list_reserve(&v->accounts, count)) != AK_OK)
                return err;
        for (size_t i = 0; i < count; i++) {
                struct ak_account *a = &v->accounts.items[v->accounts.count];

                ak_account_init(a);
                v->accounts.count++;
                if ((err = parse_body_account(a, &r, i)) != AK_OK)
                        return err;
        }
        if ((err = ak__vault_unique_ids(&v->accounts, &none, bad)) != AK_OK ||
            (err = parse_body_pairs(&v->settings, &r, "settings")) != AK_OK ||
            (err = parse_body_pairs(&v->local, &r, "local")) != AK_OK)
                return err;
        if (r.cut)
                return ak__fail(bad, "body: cut short");
        if (r.p != r.end)
                return ak__fail(bad, "body: %zu bytes after its end", (size_t)(r.end - r.p));
        return AK_OK;
}

enum ak_err ak__vault_parse_body(struct ak_vault **out, const char *body, size_t len)
{
        struct ak_vault *v;
        enum ak_err err;

        if (out == NULL || body == NULL)
                return ak__fail(AK_ERR_INVALID, "vault: no output or body");
        v = ak__vault_new(NULL);
        if (v == NULL)
                return ak__fail(AK_ERR_NOMEM, NULL);
        ak__random_hex(v->id, AK_DEVICE_ID_LEN / 2);
        crypto_aead_xchacha20poly1305_ietf_keygen(v->secrets->master);
        err = ak__vault_read_body(v, (const unsigned char *)body, len);
        if (err != AK_OK) {
                ak_vault_free(v);
                return err;
        }
        *out = v;
        return AK_OK;
}

enum ak_err ak__vault_body(const struct ak_vault *vault, char **out, size_t *out_len)
{
        struct ak__buf b = {0};

        ak__vault_write_body(&b, vault);
        *out = ak__buf_take(&b, out_len);
        return *out != NULL ? AK_OK : ak__fail(AK_ERR_NOMEM, NULL);
}
