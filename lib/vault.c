/*
 * The vault (SPEC §3, docs/vault-format.md): one file whose first line, a
 * clear JSON header, names its format, version and algorithms and holds the
 * passphrase slot, followed by the body (the device key, accounts, settings
 * and device-local state, in a compact binary encoding) encrypted with
 * XChaCha20-Poly1305 under a random master key. The body's associated data
 * is the header line itself, so an edited header fails authentication. A
 * command reads the file once; learning the vault's id reads only the
 * header line.
 *
 * Secrets live in wiped buffers: the master key and the device's private key
 * in sodium_malloc'd (locked, guarded) memory, the plaintext body in a buffer
 * wiped before it is freed, and jansson frees through a wiping free (see
 * json_wipe_on_free) so that parsed strings (the backup payload's) do not
 * linger on the heap.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "authkeep/base32.h"
#include "authkeep/vault.h"
#include "internal.h"
#include "vault_internal.h"

#define VAULT_FORMAT "authkeep-vault"
#define VAULT_VERSION 1
#define PAYLOAD_FORMAT "authkeep-backup-payload"
#define PAYLOAD_VERSION 1
#define SLOT_TYPE "passphrase"
#define KDF_NAME "argon2id13"
#define CIPHER_NAME "xchacha20poly1305-ietf"
#define KEY_CHECK_BYTES 16
#define PASSPHRASE_MAX 65536
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define MAC_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SALT_BYTES crypto_pwhash_SALTBYTES

/* Secrets that stay in sodium_malloc'd memory for the vault's lifetime. */
struct vault_secrets {
        unsigned char master[AK_VAULT_KEY_BYTES];
        unsigned char device_sk[crypto_sign_SECRETKEYBYTES];
};

/* The passphrase slot: the master key wrapped by an Argon2id-derived key. */
struct slot {
        struct ak_kdf_params kdf;
        unsigned char salt[SALT_BYTES];
        unsigned char nonce[NONCE_BYTES];
        unsigned char wrapped[AK_VAULT_KEY_BYTES + MAC_BYTES];
};

/* Name/value strings in insertion order (settings, device-local state). */
struct pair {
        char *name;
        char *value;
};

struct pairs {
        struct pair *items;
        size_t count;
};

struct ak_vault {
        char *path;
        char id[AK_DEVICE_ID_LEN + 1];
        char device_id[AK_DEVICE_ID_LEN + 1];
        unsigned char device_pk[AK_DEVICE_PK_BYTES];
        struct slot slot;
        struct vault_secrets *secrets;
        struct ak_account_list accounts;
        struct pairs settings;
        struct pairs local;
        /* BLAKE2b of the file as last read or written; a save refuses when the file differs. */
        unsigned char file_hash[crypto_generichash_BYTES];
        bool file_known;
};

/* The clear header of a vault file, as parsed. */
struct header {
        char id[AK_DEVICE_ID_LEN + 1];
        unsigned char key_check[KEY_CHECK_BYTES];
        struct slot slot;
        unsigned char body_nonce[NONCE_BYTES];
        size_t length;     /* bytes of ciphertext after the header line */
        size_t header_len; /* bytes of the header line, its newline included */
};

/* ---- jansson frees through a wiping free ---- */

/*
 * Wipes a malloc'd block before freeing it. It works for any block malloc
 * returned, so it can replace free() for jansson at any time, even while
 * objects allocated before exist.
 */
static void wiping_free(void *p)
{
        if (p == NULL)
                return;
        sodium_memzero(p, malloc_usable_size(p));
        free(p);
}

static void install_wiping_free(void)
{
        json_malloc_t m;
        json_free_t f;

        /* Leave alone a program that chose its own allocator for jansson. */
        json_get_alloc_funcs(&m, &f);
        if (m == malloc && f == free)
                json_set_alloc_funcs(malloc, wiping_free);
        /*
         * Seed jansson's hash tables from libsodium's generator, already
         * running, rather than let jansson open and read /dev/urandom itself
         * when the first object is made (no effect if one was made before).
         */
        json_object_seed(randombytes_random());
}

/* Makes jansson wipe what it frees (strings holding secrets, its lexer's buffer). */
static void json_wipe_on_free(void)
{
        static pthread_once_t once = PTHREAD_ONCE_INIT;

        pthread_once(&once, install_wiping_free);
}

/* ---- an output buffer that wipes what it drops ---- */

struct buf {
        char *data;
        size_t len;
        size_t cap;
        bool failed; /* out of memory: every later write is ignored */
};

/* Makes room for `more` bytes (and a NUL); growing copies, then wipes the old block. */
static bool buf_reserve(struct buf *b, size_t more)
{
        size_t want, cap;
        char *bigger;

        if (b->failed)
                return false;
        if (more > SIZE_MAX / 2 - b->len) {
                b->failed = true;
                return false;
        }
        want = b->len + more + 1;
        if (want <= b->cap)
                return true;
        cap = b->cap ? b->cap : 256;
        while (cap < want)
                cap *= 2;
        bigger = malloc(cap);
        if (bigger == NULL) {
                b->failed = true;
                return false;
        }
        if (b->data != NULL) {
                memcpy(bigger, b->data, b->len);
                ak__free_secret(b->data, b->cap);
        }
        b->data = bigger;
        b->cap = cap;
        return true;
}

static void buf_add(struct buf *b, const void *p, size_t n)
{
        if (!buf_reserve(b, n))
                return;
        memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
}

static void buf_lit(struct buf *b, const char *s)
{
        buf_add(b, s, strlen(s));
}

static void buf_fmt(struct buf *b, const char *fmt, ...) AK__PRINTF(2, 3);
static void buf_fmt(struct buf *b, const char *fmt, ...)
{
        char tmp[64];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= sizeof(tmp)) {
                b->failed = true;
                return;
        }
        buf_add(b, tmp, (size_t)n);
}

/* Appends `s` as a JSON string (quoted, escaped; `s` must be valid UTF-8). */
static void buf_str(struct buf *b, const char *s)
{
        static const char hex[] = "0123456789abcdef";
        const unsigned char *p = (const unsigned char *)(s ? s : "");

        buf_add(b, "\"", 1);
        while (*p) {
                const unsigned char *run = p;
                while (*p >= 0x20 && *p != '"' && *p != '\\')
                        p++;
                buf_add(b, run, (size_t)(p - run));
                if (*p == '\0')
                        break;
                if (*p == '"' || *p == '\\') {
                        char esc[2] = {'\\', (char)*p};
                        buf_add(b, esc, 2);
                } else {
                        char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
                        buf_add(b, esc, 6);
                }
                p++;
        }
        buf_add(b, "\"", 1);
}

/* Appends `n` bytes as a quoted standard base64 string. */
static void buf_b64(struct buf *b, const unsigned char *bin, size_t n)
{
        size_t size = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);

        if (!buf_reserve(b, size + 2))
                return;
        b->data[b->len++] = '"';
        sodium_bin2base64(b->data + b->len, size, bin, n, sodium_base64_VARIANT_ORIGINAL);
        b->len += size - 1;
        b->data[b->len++] = '"';
        b->data[b->len] = '\0';
}

static void buf_free(struct buf *b)
{
        ak__free_secret(b->data, b->cap);
        b->data = NULL;
        b->len = b->cap = 0;
}

/* ---- checks shared by writing and reading ---- */

/* True when `s` (`len` bytes) is valid UTF-8 without NUL. */
static bool utf8_valid(const char *s, size_t len)
{
        const unsigned char *p = (const unsigned char *)s, *end = p + len;

        while (p < end) {
                unsigned c;
                size_t n;
                uint32_t cp;

                /* Eight bytes of ASCII without NUL at a time (names are mostly ASCII). */
                while (end - p >= 8) {
                        uint64_t w;
                        memcpy(&w, p, 8);
                        /* Each byte's top bit: clear in w (ASCII), set in the sum (not NUL). */
                        if ((~w & ((w & 0x7f7f7f7f7f7f7f7fULL) + 0x7f7f7f7f7f7f7f7fULL) &
                             0x8080808080808080ULL) != 0x8080808080808080ULL)
                                break;
                        p += 8;
                }
                if (p == end)
                        break;
                c = *p;

                if (c == 0)
                        return false;
                if (c < 0x80) {
                        p++;
                        continue;
                }
                if (c >= 0xc2 && c <= 0xdf) {
                        n = 1;
                        cp = c & 0x1f;
                } else if (c >= 0xe0 && c <= 0xef) {
                        n = 2;
                        cp = c & 0x0f;
                } else if (c >= 0xf0 && c <= 0xf4) {
                        n = 3;
                        cp = c & 0x07;
                } else {
                        return false;
                }
                if ((size_t)(end - p) <= n)
                        return false;
                for (size_t i = 1; i <= n; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (p[i] & 0x3f);
                }
                /* Overlong forms, surrogates and values past U+10FFFF. */
                if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
                    (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
                p += n + 1;
        }
        return true;
}

/* A setting's name: [a-z0-9_.-]{1,AK__VAULT_NAME_MAX}. */
static bool name_valid(const char *name)
{
        size_t n = 0;

        if (name == NULL)
                return false;
        for (; name[n]; n++) {
                char c = name[n];
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                      c == '-'))
                        return false;
        }
        return n > 0 && n <= AK__VAULT_NAME_MAX;
}

/* The characters of an account id: [0-9A-Za-z_-]. */
static const bool id_chars[256] = {
    ['-'] = 1, ['_'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1,
    ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1,
    ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1,
    ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1,
    ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

/*
 * An account id: [0-9A-Za-z_-]{1,AK_ID_LEN}. A table rather than ranges:
 * random hex ids made the range tests mispredict on every character.
 */
static bool id_valid(const char *id)
{
        size_t n = 0;

        while (n <= AK_ID_LEN && id_chars[(unsigned char)id[n]])
                n++;
        return n > 0 && n <= AK_ID_LEN && id[n] == '\0';
}

/* Lowercase hex of exactly AK_DEVICE_ID_LEN characters. */
static bool hex_id_valid(const char *s)
{
        size_t n = 0;

        for (; s[n]; n++)
                if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
                        return false;
        return n == AK_DEVICE_ID_LEN;
}

static bool text_valid(const char *s)
{
        size_t n = s ? strlen(s) : 0;

        return n <= AK_TEXT_MAX && utf8_valid(s ? s : "", n);
}

static const char *const kind_names[] = {
    [AK_KIND_THIRD_PARTY] = "third_party",
    [AK_KIND_PERSONAL] = "personal",
    [AK_KIND_WORK] = "work",
};

/*
 * Checks that an account can be written and read back (the reader accepts
 * exactly what this lets through). `what` is "accounts[N]" for the detail.
 */
static enum ak_err account_check(const struct ak_account *a, size_t index, enum ak_err bad)
{
        if ((unsigned)a->kind > AK_KIND_WORK)
                return ak__fail(bad, "accounts[%zu].kind: unknown", index);
        if ((unsigned)a->type > AK_OTP_STEAM)
                return ak__fail(bad, "accounts[%zu].type: unknown", index);
        if ((unsigned)a->hash > AK_HASH_SHA512)
                return ak__fail(bad, "accounts[%zu].algorithm: unknown", index);
        if (!text_valid(a->issuer))
                return ak__fail(bad, "accounts[%zu].issuer: too long or not UTF-8", index);
        if (!text_valid(a->name))
                return ak__fail(bad, "accounts[%zu].name: too long or not UTF-8", index);
        if (!text_valid(a->label_issuer))
                return ak__fail(bad, "accounts[%zu].label_issuer: too long or not UTF-8", index);
        if (a->digits < 1 || a->digits > 10)
                return ak__fail(bad, "accounts[%zu].digits: %u is outside 1..10", index, a->digits);
        if (a->period == 0)
                return ak__fail(bad, "accounts[%zu].period: 0", index);
        if (a->secret_len > AK_SECRET_MAX || (a->secret_len > 0 && a->secret == NULL))
                return ak__fail(bad, "accounts[%zu].secret: longer than %d bytes", index,
                                AK_SECRET_MAX);
        if (a->kind == AK_KIND_THIRD_PARTY && a->secret_len == 0)
                return ak__fail(bad, "accounts[%zu].secret: missing", index);
        return AK_OK;
}

/* ---- settings and device-local state ---- */

static void pairs_clear(struct pairs *pairs)
{
        for (size_t i = 0; i < pairs->count; i++) {
                ak__free_secret_str(pairs->items[i].name);
                ak__free_secret_str(pairs->items[i].value);
        }
        free(pairs->items);
        pairs->items = NULL;
        pairs->count = 0;
}

static const char *pairs_get(const struct pairs *pairs, const char *name)
{
        if (name == NULL)
                return NULL;
        for (size_t i = 0; i < pairs->count; i++)
                if (strcmp(pairs->items[i].name, name) == 0)
                        return pairs->items[i].value;
        return NULL;
}

/* Sets, replaces or (value NULL) removes one entry. */
static enum ak_err pairs_set(struct pairs *pairs, const char *name, const char *value)
{
        char *copy = NULL;
        size_t i;

        if (!name_valid(name))
                return ak__fail(AK_ERR_INVALID, "setting name: must be 1 to %d of [a-z0-9_.-]",
                                AK__VAULT_NAME_MAX);
        if (value != NULL &&
            (strlen(value) > AK__VAULT_VALUE_MAX || !utf8_valid(value, strlen(value))))
                return ak__fail(AK_ERR_INVALID, "%s: value too long or not UTF-8", name);
        for (i = 0; i < pairs->count; i++)
                if (strcmp(pairs->items[i].name, name) == 0)
                        break;
        if (value == NULL) {
                if (i == pairs->count)
                        return AK_OK;
                ak__free_secret_str(pairs->items[i].name);
                ak__free_secret_str(pairs->items[i].value);
                memmove(&pairs->items[i], &pairs->items[i + 1],
                        (pairs->count - i - 1) * sizeof(*pairs->items));
                pairs->count--;
                return AK_OK;
        }
        copy = ak__strdup(value);
        if (copy == NULL)
                return ak__fail(AK_ERR_NOMEM, NULL);
        if (i < pairs->count) {
                ak__free_secret_str(pairs->items[i].value);
                pairs->items[i].value = copy;
                return AK_OK;
        }
        if (pairs->count >= AK__VAULT_PAIRS_MAX) {
                ak__free_secret_str(copy);
                return ak__fail(AK_ERR_LIMIT, "%s: more than %d entries", name,
                                AK__VAULT_PAIRS_MAX);
        }
        struct pair *items = realloc(pairs->items, (pairs->count + 1) * sizeof(*items));
        char *name_copy = ak__strdup(name);
        if (items == NULL || name_copy == NULL) {
                if (items != NULL)
                        pairs->items = items;
                free(name_copy);
                ak__free_secret_str(copy);
                return ak__fail(AK_ERR_NOMEM, NULL);
        }
        pairs->items = items;
        items[pairs->count].name = name_copy;
        items[pairs->count].value = copy;
        pairs->count++;
        return AK_OK;
}

static void emit_pairs(struct buf *b, const struct pairs *pairs)
{
        buf_add(b, "{", 1);
        for (size_t i = 0; i < pairs->count; i++) {
                if (i)
                        buf_add(b, ",", 1);
                buf_str(b, pairs->items[i].name);
                buf_add(b, ":", 1);
                buf_str(b, pairs->items[i].value);
        }
        buf_add(b, "}", 1);
}

/* Reads a JSON object of strings into `out` (which must be empty). */
static enum ak_err parse_pairs(struct pairs *out, json_t *obj, const char *what, enum ak_err bad)
{
        const char *name;
        json_t *value;
        enum ak_err err;

        if (obj == NULL)
                return AK_OK;
        if (!json_is_object(obj))
                return ak__fail(bad, "%s: not an object", what);
        if (json_object_size(obj) > AK__VAULT_PAIRS_MAX)
                return ak__fail(bad, "%s: more than %d entries", what, AK__VAULT_PAIRS_MAX);
        json_object_foreach(obj, name, value)
        {
                if (!json_is_string(value))
                        return ak__fail(bad, "%s.%s: not a string", what, name);
                err = pairs_set(out, name, json_string_value(value));
                if (err != AK_OK && err != AK_ERR_NOMEM) {
                        /* A copy: the detail is rewritten from itself. */
                        char why[256];
                        snprintf(why, sizeof(why), "%s", ak_error_detail());
                        return ak__fail(bad, "%s: %s", what, why);
                }
                if (err != AK_OK)
                        return err;
        }
        return AK_OK;
}

/* ---- accounts as JSON ---- */

/*
 * Appends one account. `reference` writes only what names a personal or
 * work account (backup payload): never its secret.
 */
static void emit_account(struct buf *b, const struct ak_account *a, bool reference)
{
        char secret[((AK_SECRET_MAX + 4) / 5) * 8 + 1];

        buf_lit(b, "{\"id\":");
        buf_str(b, a->id);
        buf_lit(b, ",\"kind\":");
        buf_str(b, kind_names[a->kind]);
        buf_lit(b, ",\"issuer\":");
        buf_str(b, a->issuer);
        buf_lit(b, ",\"name\":");
        buf_str(b, a->name);
        if (!reference) {
                buf_lit(b, ",\"label_issuer\":");
                if (a->label_issuer != NULL)
                        buf_str(b, a->label_issuer);
                else
                        buf_lit(b, "null");
                buf_lit(b, ",\"type\":");
                buf_str(b, ak_otp_type_name(a->type));
                buf_lit(b, ",\"algorithm\":");
                buf_str(b, ak_hash_name(a->hash));
                buf_fmt(b, ",\"digits\":%u,\"period\":%" PRIu32, a->digits, a->period);
                /* JSON integers here are signed 64-bit: larger counters are written as strings. */
                if (a->counter <= INT64_MAX)
                        buf_fmt(b, ",\"counter\":%" PRIu64, a->counter);
                else
                        buf_fmt(b, ",\"counter\":\"%" PRIu64 "\"", a->counter);
                secret[0] = '\0';
                if (a->secret_len > 0 &&
                    ak_base32_encode(secret, sizeof(secret), a->secret, a->secret_len) != AK_OK)
                        b->failed = true;
                buf_lit(b, ",\"secret\":\"");
                buf_lit(b, secret);
                buf_lit(b, "\"");
                sodium_memzero(secret, sizeof(secret));
        }
        buf_fmt(b, ",\"created\":%" PRId64 "}", a->created);
}

/* Appends every account; personal and work accounts as references when `references`. */
static void emit_accounts(struct buf *b, const struct ak_account_list *list, bool references)
{
        buf_add(b, "[", 1);
        for (size_t i = 0; i < list->count; i++) {
                const struct ak_account *a = &list->items[i];
                if (i)
                        buf_add(b, ",\n", 2);
                emit_account(b, a, references && a->kind != AK_KIND_THIRD_PARTY);
        }
        buf_add(b, "]", 1);
}

/* A string member; `required` or NULL when absent. */
static enum ak_err get_string(const char **out, json_t *obj, const char *key, bool required,
                              const char *what, size_t index, enum ak_err bad)
{
        json_t *v = json_object_get(obj, key);

        if ((v == NULL || json_is_null(v)) && !required) {
                *out = NULL;
                return AK_OK;
        }
        if (!json_is_string(v))
                return ak__fail(bad, "%s[%zu].%s: missing or not a string", what, index, key);
        *out = json_string_value(v);
        return AK_OK;
}

/* An integer member within [min, max]; `fallback` when absent and not required. */
static enum ak_err get_int(int64_t *out, json_t *obj, const char *key, int64_t min, int64_t max,
                           bool required, int64_t fallback, const char *what, size_t index,
                           enum ak_err bad)
{
        json_t *v = json_object_get(obj, key);

        if (v == NULL && !required) {
                *out = fallback;
                return AK_OK;
        }
        if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
                return ak__fail(bad, "%s[%zu].%s: missing or out of range", what, index, key);
        *out = json_integer_value(v);
        return AK_OK;
}

/* Copies a text member into a field (NULL stays NULL). */
static enum ak_err set_text(char **field, const char *value, const char *key, size_t index,
                            enum ak_err bad)
{
        char *copy;

        if (value != NULL && !text_valid(value))
                return ak__fail(bad, "accounts[%zu].%s: too long", index, key);
        if (value == NULL) {
                *field = NULL;
                return AK_OK;
        }
        copy = ak__strdup(value);
        if (copy == NULL)
                return ak__fail(AK_ERR_NOMEM, NULL);
        free(*field);
        *field = copy;
        return AK_OK;
}

/*
 * Reads account `index` from `obj` into `a` (initialised). A reference
 * (personal or work account in a backup payload) may lack the OTP fields.
 * `bad` is the error for a malformed entry.
 */
static enum ak_err parse_account(struct ak_account *a, json_t *obj, size_t index,
                                 bool references_ok, enum ak_err bad)
{
        const char *id, *kind, *issuer, *name, *label_issuer, *type, *algorithm, *secret;
        int64_t digits, period, created;
        json_t *counter;
        enum ak_err err;
        bool reference;
        size_t secret_len;

        if (!json_is_object(obj))
                return ak__fail(bad, "accounts[%zu]: not an object", index);
        if ((err = get_string(&id, obj, "id", true, "accounts", index, bad)) != AK_OK ||
            (err = get_string(&kind, obj, "kind", true, "accounts", index, bad)) != AK_OK ||
            (err = get_string(&issuer, obj, "issuer", true, "accounts", index, bad)) != AK_OK ||
            (err = get_string(&name, obj, "name", true, "accounts", index, bad)) != AK_OK ||
            (err = get_int(&created, obj, "created", INT64_MIN, INT64_MAX, false, 0, "accounts",
                           index, bad)) != AK_OK)
                return err;
        if (!id_valid(id))
                return ak__fail(bad, "accounts[%zu].id: not a valid id", index);
        memcpy(a->id, id, strlen(id) + 1);
        for (a->kind = AK_KIND_THIRD_PARTY; a->kind <= AK_KIND_WORK; a->kind++)
                if (strcmp(kind, kind_names[a->kind]) == 0)
                        break;
        if (a->kind > AK_KIND_WORK)
                return ak__fail(bad, "accounts[%zu].kind: unknown kind", index);
        if ((err = set_text(&a->issuer, issuer, "issuer", index, bad)) != AK_OK ||
            (err = set_text(&a->name, name, "name", index, bad)) != AK_OK)
                return err;
        a->created = created;
        reference = references_ok && a->kind != AK_KIND_THIRD_PARTY;
        if (reference && json_object_get(obj, "secret") == NULL)
                return AK_OK;

        if ((err = get_string(&label_issuer, obj, "label_issuer", false, "accounts", index, bad)) !=
                AK_OK ||
            (err = get_string(&type, obj, "type", true, "accounts", index, bad)) != AK_OK ||
            (err = get_string(&algorithm, obj, "algorithm", true, "accounts", index, bad)) !=
                AK_OK ||
            (err = get_string(&secret, obj, "secret", true, "accounts", index, bad)) != AK_OK ||
            (err = get_int(&digits, obj, "digits", 1, 10, true, 0, "accounts", index, bad)) !=
                AK_OK ||
            (err = get_int(&period, obj, "period", 1, UINT32_MAX, true, 0, "accounts", index,
                           bad)) != AK_OK)
                return err;
        if ((err = set_text(&a->label_issuer, label_issuer, "label_issuer", index, bad)) != AK_OK)
                return err;
        if (ak_otp_type_parse(&a->type, type) != AK_OK)
                return ak__fail(bad, "accounts[%zu].type: unknown type", index);
        if (ak_hash_parse(&a->hash, algorithm) != AK_OK)
                return ak__fail(bad, "accounts[%zu].algorithm: unknown algorithm", index);
        a->digits = (unsigned)digits;
        a->period = (uint32_t)period;
        counter = json_object_get(obj, "counter");
        if (json_is_integer(counter) && json_integer_value(counter) >= 0) {
                a->counter = (uint64_t)json_integer_value(counter);
        } else if (json_is_string(counter)) {
                const char *s = json_string_value(counter);
                char *end;
                errno = 0;
                a->counter = strtoull(s, &end, 10);
                if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0)
                        return ak__fail(bad, "accounts[%zu].counter: not a number", index);
        } else if (counter != NULL) {
                return ak__fail(bad, "accounts[%zu].counter: not a number", index);
        }

        secret_len = strlen(secret);
        if (secret_len > 0) {
                size_t max = ak_base32_decoded_max(secret_len), n = 0;
                unsigned char *raw;

                if (max > AK_SECRET_MAX + 8)
                        return ak__fail(bad, "accounts[%zu].secret: longer than %d bytes", index,
                                        AK_SECRET_MAX);
                raw = malloc(max ? max : 1);
                if (raw == NULL)
                        return ak__fail(AK_ERR_NOMEM, NULL);
                if (ak_base32_decode(raw, max, &n, secret, secret_len) != AK_OK || n == 0 ||
                    n > AK_SECRET_MAX) {
                        ak__free_secret(raw, max);
                        return ak__fail(bad, "accounts[%zu].secret: not base32", index);
                }
                a->secret = raw;
                a->secret_len = n;
        }
        return account_check(a, index, bad);
}

/* FNV-1a of an account id, for the duplicate check. */
static uint32_t id_hash(const char *id)
{
        uint32_t h = 2166136261u;

        for (; *id; id++)
                h = (h ^ (unsigned char)*id) * 16777619u;
        return h;
}

/*
 * Checks that no id appears twice among `a` and `b` (either may be empty),
 * with a hash set of the ids (open addressing, at most half full): linear
 * in the number of accounts. The account list's own push looks ids up one
 * by one, which is quadratic for a vault of 10,000 accounts, and sorting
 * them cost more than reading the whole body.
 */
static enum ak_err check_unique_ids(const struct ak_account_list *a,
                                    const struct ak_account_list *b, enum ak_err bad)
{
        size_t n = a->count + b->count, size = 16;
        const struct ak_account **set;
        enum ak_err err = AK_OK;

        if (n < 2)
                return AK_OK;
        while (size < 2 * n)
                size *= 2;
        set = calloc(size, sizeof(*set));
        if (set == NULL)
                return ak__fail(AK_ERR_NOMEM, NULL);
        for (size_t i = 0; i < n && err == AK_OK; i++) {
                const struct ak_account *acct =
                    i < a->count ? &a->items[i] : &b->items[i - a->count];
                size_t slot = id_hash(acct->id) & (size - 1);

                for (; set[slot] != NULL; slot = (slot + 1) & (size - 1)) {
                        if (strcmp(set[slot]->id, acct->id) == 0) {
                                err = ak__fail(bad, "accounts: the id %s appears twice", acct->id);
                                break;
                        }
                }
                set[slot] = acct;
        }
        free(set);
        return err;
}

/* Makes room for `more` accounts at the end of `list`. */
static enum ak_err list_reserve(struct ak_account_list *list, size_t more)
{
        struct ak_account *items;

        if (list->count + more <= list->capacity)
                return AK_OK;
        if (more > SIZE_MAX / sizeof(*items) - list->count)
                return ak__fail(AK_ERR_NOMEM, NULL);
        items = realloc(list->items, (list->count + more) * sizeof(*items));
        if (items == NULL)
                return ak__fail(AK_ERR_NOMEM, NULL);
        list->items = items;
        list->capacity = list->count + more;
        return AK_OK;
}

/*
 * Reads a JSON array of accounts into `list` (empty; order kept), checking
 * that their ids are unique. On failure `list` may hold some of them: the
 * caller clears it.
 */
static enum ak_err parse_accounts(struct ak_account_list *list, json_t *array, bool references_ok,
                                  enum ak_err bad)
{
        struct ak_account_list none = {0};
        size_t n;
        enum ak_err err;

        if (!json_is_array(array))
                return ak__fail(bad, "accounts: missing or not an array");
        n = json_array_size(array);
        if (n > AK__VAULT_ACCOUNTS_MAX)
                return ak__fail(bad, "accounts: more than %d", AK__VAULT_ACCOUNTS_MAX);
        if ((err = list_reserve(list, n)) != AK_OK)
                return err;
        for (size_t i = 0; i < n; i++) {
                struct ak_account *a = &list->items[list->count];

                ak_account_init(a);
                list->count++;
                err = parse_account(a, json_array_get(array, i), i, references_ok, bad);
                if (err != AK_OK)
                        return err;
        }
        return check_unique_ids(list, &none, bad);
}

/* ---- the body: a compact binary encoding (docs/vault-format.md, "The body") ---- */

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
static void buf_le(struct buf *b, uint64_t v, size_t n)
{
        unsigned char le[8];

        for (size_t i = 0; i < n; i++)
                le[i] = (unsigned char)(v >> (8 * i));
        buf_add(b, le, n);
}

/* Appends a string: its length (2 bytes, little-endian), then its bytes. */
static void buf_lstr(struct buf *b, const void *s, size_t n)
{
        if (n > UINT16_MAX) {
                b->failed = true;
                return;
        }
        buf_le(b, n, 2);
        if (n > 0)
                buf_add(b, s, n);
}

static void buf_text(struct buf *b, const char *s)
{
        buf_lstr(b, s, s ? strlen(s) : 0);
}

static void emit_body_pairs(struct buf *b, const struct pairs *pairs)
{
        buf_le(b, pairs->count, 2);
        for (size_t i = 0; i < pairs->count; i++) {
                buf_text(b, pairs->items[i].name);
                buf_text(b, pairs->items[i].value);
        }
}

/* The plaintext body: the device, accounts, settings and local state (secret: wipe). */
static void emit_body(struct buf *b, const struct ak_vault *v)
{
        buf_add(b, BODY_MAGIC, 3);
        buf_le(b, BODY_ENCODING, 1);
        buf_add(b, v->device_id, AK_DEVICE_ID_LEN);
        buf_add(b, v->device_pk, sizeof(v->device_pk));
        buf_add(b, v->secrets->device_sk, sizeof(v->secrets->device_sk));
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

/* A NUL-terminated malloc'd copy of `len` bytes at `s`; NULL when out of memory. */
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
        if (len > max || !utf8_valid(s, len))
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
        if (s != NULL && (len == 0 || len > AK_ID_LEN || !id_valid(a->id)))
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
        /* What account_check adds to the checks above (the texts are checked as read). */
        if (a->digits < 1 || a->digits > 10 || a->period == 0 ||
            (a->kind == AK_KIND_THIRD_PARTY && a->secret_len == 0))
                return ak__fail(bad, "accounts[%zu]: digits, period or secret out of range", index);
        return AK_OK;
}

/* Reads settings or local state into `out` (empty): names unique, each entry checked. */
static enum ak_err parse_body_pairs(struct pairs *out, struct reader *r, const char *what)
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
                    !utf8_valid(s, value_len))
                        return ak__fail(bad, "%s[%zu]: name or value too long or not UTF-8", what,
                                        i);
                memcpy(name, n, name_len);
                name[name_len] = '\0';
                if (!name_valid(name) || pairs_get(out, name) != NULL)
                        return ak__fail(bad, "%s[%zu]: a bad or repeated name", what, i);
                value = copy_bytes(s, value_len);
                if (value == NULL)
                        return ak__fail(AK_ERR_NOMEM, NULL);
                err = pairs_set(out, name, value);
                ak__free_secret_str(value);
        }
        return err;
}

/*
 * Reads the decrypted body into the vault (whose lists are empty). Every
 * value is checked as a save checks it, so what opens can be saved again.
 */
static enum ak_err parse_body(struct ak_vault *v, const unsigned char *body, size_t len)
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
        if (!hex_id_valid(v->device_id) || *device != 1)
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
        if ((err = list_reserve(&v->accounts, count)) != AK_OK)
                return err;
        for (size_t i = 0; i < count; i++) {
                struct ak_account *a = &v->accounts.items[v->accounts.count];

                ak_account_init(a);
                v->accounts.count++;
                if ((err = parse_body_account(a, &r, i)) != AK_OK)
                        return err;
        }
        if ((err = check_unique_ids(&v->accounts, &none, bad)) != AK_OK ||
            (err = parse_body_pairs(&v->settings, &r, "settings")) != AK_OK ||
            (err = parse_body_pairs(&v->local, &r, "local")) != AK_OK)
                return err;
        if (r.cut)
                return ak__fail(bad, "body: cut short");
        if (r.p != r.end)
                return ak__fail(bad, "body: %zu bytes after its end", (size_t)(r.end - r.p));
        return AK_OK;
}

/* Decodes a base64 member of exactly `n` bytes. */
static enum ak_err get_b64(unsigned char *out, size_t n, json_t *obj, const char *key,
                           const char *what, enum ak_err bad)
{
        json_t *v = json_object_get(obj, key);
        size_t got = 0;

        if (!json_is_string(v))
                return ak__fail(bad, "%s.%s: missing or not a string", what, key);
        if (sodium_base642bin(out, n, json_string_value(v), json_string_length(v), NULL, &got, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0 ||
            got != n)
                return ak__fail(bad, "%s.%s: not %zu bytes of base64", what, key, n);
        return AK_OK;
}
/* ---- the header and the file ---- */

void ak_kdf_params_default(struct ak_kdf_params *out)
{
        const char *cost = getenv("AUTHKEEP_KDF_COST");

        if (cost != NULL && strcmp(cost, "min") == 0) {
                out->opslimit = crypto_pwhash_OPSLIMIT_MIN;
                out->memlimit = crypto_pwhash_MEMLIMIT_MIN;
                return;
        }
        out->opslimit = 3;
        out->memlimit = (size_t)64 << 20;
}

/* The key check: a keyed BLAKE2b of the vault id under the master key. */
static void key_check(unsigned char out[KEY_CHECK_BYTES], const char *vault_id,
                      const unsigned char *master)
{
        char msg[64 + AK_DEVICE_ID_LEN];
        int n = snprintf(msg, sizeof(msg), "authkeep-vault-key-check:%s", vault_id);

        crypto_generichash(out, KEY_CHECK_BYTES, (const unsigned char *)msg, (size_t)n, master,
                           AK_VAULT_KEY_BYTES);
}
/*
 * The slot's associated data names its kind. It does not name the vault: a
 * changed vault id must still let the right passphrase open the slot, so
 * that the key check (which does name it) reports the change as tampering
 * rather than as a wrong passphrase.
 */
#define SLOT_AD "authkeep-vault-slot:" SLOT_TYPE ":" KDF_NAME

/* Derives the slot's wrapping key from the passphrase (Argon2id). */
static enum ak_err derive_slot_key(unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES],
                                   const struct slot *slot, const char *passphrase,
                                   size_t passphrase_len)
{
        if (passphrase_len > PASSPHRASE_MAX)
                return ak__fail(AK_ERR_INVALID, "passphrase: longer than %d bytes", PASSPHRASE_MAX);
        if (crypto_pwhash(key, crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
                          passphrase ? passphrase : "", passphrase_len, slot->salt,
                          slot->kdf.opslimit, slot->kdf.memlimit,
                          crypto_pwhash_ALG_ARGON2ID13) != 0)
                return ak__fail(AK_ERR_NOMEM, "passphrase: Argon2id could not get %zu bytes",
                                slot->kdf.memlimit);
        return AK_OK;
}

/* Fills a new passphrase slot (fresh salt and nonce) that wraps `master`. */
static enum ak_err make_slot(struct slot *slot, const unsigned char *master, const char *passphrase,
                             size_t passphrase_len, const struct ak_kdf_params *kdf)
{
        unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
        enum ak_err err;

        if (kdf != NULL)
                slot->kdf = *kdf;
        else
                ak_kdf_params_default(&slot->kdf);
        if (slot->kdf.opslimit < crypto_pwhash_OPSLIMIT_MIN ||
            slot->kdf.opslimit > AK__VAULT_OPSLIMIT_MAX ||
            slot->kdf.memlimit < crypto_pwhash_MEMLIMIT_MIN ||
            slot->kdf.memlimit > AK__VAULT_MEMLIMIT_MAX)
                return ak__fail(AK_ERR_INVALID, "kdf: opslimit or memlimit out of range");
        randombytes_buf(slot->salt, sizeof(slot->salt));
        randombytes_buf(slot->nonce, sizeof(slot->nonce));
        err = derive_slot_key(key, slot, passphrase, passphrase_len);
        if (err != AK_OK)
                return err;
        crypto_aead_xchacha20poly1305_ietf_encrypt(slot->wrapped, NULL, master, AK_VAULT_KEY_BYTES,
                                                   (const unsigned char *)SLOT_AD, strlen(SLOT_AD),
                                                   NULL, slot->nonce, key);
        sodium_memzero(key, sizeof(key));
        return AK_OK;
}

/* Unwraps the master key with the passphrase; AK_ERR_PASSPHRASE when it does not open the slot. */
static enum ak_err AK__WUR open_slot(unsigned char *master, const struct slot *slot,
                                     const char *passphrase, size_t passphrase_len)
{
        unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
        enum ak_err err;
        int rc;

        err = derive_slot_key(key, slot, passphrase, passphrase_len);
        if (err != AK_OK)
                return err;
        rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
            master, NULL, NULL, slot->wrapped, sizeof(slot->wrapped),
            (const unsigned char *)SLOT_AD, strlen(SLOT_AD), slot->nonce, key);
        sodium_memzero(key, sizeof(key));
        if (rc != 0)
                return ak__fail(AK_ERR_PASSPHRASE, "the passphrase does not open the vault");
        return AK_OK;
}

/* The header line: the clear part of the file, and the body's associated data. */
static void emit_header(struct buf *b, const char *vault_id, const unsigned char *check,
                        const struct slot *slot, const unsigned char *nonce, size_t ciphertext_len)
{
        buf_fmt(b, "{\"format\":\"%s\",\"version\":%d,\"vault_id\":", VAULT_FORMAT, VAULT_VERSION);
        buf_str(b, vault_id);
        buf_lit(b, ",\"key_check\":");
        buf_b64(b, check, KEY_CHECK_BYTES);
        buf_lit(b, ",\"slots\":[{\"type\":\"" SLOT_TYPE "\",\"kdf\":\"" KDF_NAME "\",");
        buf_fmt(b, "\"opslimit\":%" PRIu64 ",\"memlimit\":%zu,\"salt\":", slot->kdf.opslimit,
                slot->kdf.memlimit);
        buf_b64(b, slot->salt, sizeof(slot->salt));
        buf_lit(b, ",\"cipher\":\"" CIPHER_NAME "\",\"nonce\":");
        buf_b64(b, slot->nonce, sizeof(slot->nonce));
        buf_lit(b, ",\"wrapped_key\":");
        buf_b64(b, slot->wrapped, sizeof(slot->wrapped));
        buf_lit(b, "}],\"body\":{\"cipher\":\"" CIPHER_NAME "\",\"nonce\":");
        buf_b64(b, nonce, NONCE_BYTES);
        buf_fmt(b, ",\"length\":%zu}}\n", ciphertext_len);
}

/* True when `data` begins like a vault file, or is a beginning of one. */
static bool looks_like_vault(const char *data, size_t len)
{
        static const char opening[] = "{\"format\":\"" VAULT_FORMAT "\"";
        size_t n = len < sizeof(opening) - 1 ? len : sizeof(opening) - 1;

        return memcmp(data, opening, n) == 0;
}

/* Checks a member holds an exact string (an algorithm's name). */
static enum ak_err expect_name(json_t *obj, const char *key, const char *want, const char *what)
{
        const char *got = json_string_value(json_object_get(obj, key));

        if (got == NULL)
                return ak__fail(AK_ERR_VAULT_CORRUPT, "%s.%s: missing", what, key);
        if (strcmp(got, want) != 0)
                return ak__fail(AK_ERR_VAULT_CORRUPT, "%s.%s: unknown value (expected %s)", what,
                                key, want);
        return AK_OK;
}

/* Parses the header line's JSON (`line`, without its newline) into `h`. */
static enum ak_err parse_header_json(struct header *h, const char *line, size_t len,
                                     const struct ak_kdf_params *kdf_max)
{
        json_error_t jerr;
        json_t *root = NULL, *version, *slots, *slot, *body;
        const char *id;
        json_int_t opslimit, memlimit, length;
        uint64_t ops_max = kdf_max ? kdf_max->opslimit : AK__VAULT_OPSLIMIT_MAX;
        size_t mem_max = kdf_max ? kdf_max->memlimit : AK__VAULT_MEMLIMIT_MAX;
        enum ak_err err;

        root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
        if (root == NULL)
                return ak__fail(AK_ERR_VAULT_CORRUPT, "header: not JSON: %s at byte %d", jerr.text,
                                jerr.position);
        if (!json_is_object(root) || !json_is_string(json_object_get(root, "format")) ||
            strcmp(json_string_value(json_object_get(root, "format")), VAULT_FORMAT) != 0) {
                err = ak__fail(AK_ERR_VAULT_CORRUPT, "format: not \"%s\"", VAULT_FORMAT);
                goto done;
        }
        version = json_object_get(root, "version");
        if (!json_is_integer(version) || json_integer_value(version) < 1) {
                err = ak__fail(AK_ERR_VAULT_CORRUPT, "version: missing or not a positive integer");
                goto done;
        }
        if (json_integer_value(version) > VAULT_VERSION) {
                err = ak__fail(AK_ERR_VAULT_VERSION,
                               "version %" JSON_INTEGER_FORMAT " (this Authkeep reads up to %d)",
                               json_integer_value(version), VAULT_VERSION);
                goto done;
        }
        id = json_string_value(json_object_get(root, "vault_id"));
        if (id == NULL || !hex_id_valid(id)) {
                err = ak__fail(AK_ERR_VAULT_CORRUPT, "vault_id: missing or not %d hex characters",
                               AK_DEVICE_ID_LEN);
                goto done;
        }
        memcpy(h->id, id, AK_DEVICE_ID_LEN + 1);
        if ((err = get_b64(h->key_check, sizeof(h->key_check), root, "key_check", "header",
                           AK_ERR_VAULT_CORRUPT)) != AK_OK)
                goto done;

        /* Version 1 has exactly one slot, a passphrase slot. */
        slots = json_object_get(root, "slots");
        slot = json_array_get(slots, 0);
        if (!json_is_array(slots) || json_array_size(slots) != 1 || !json_is_object(slot)) {
                err = ak__fail(AK_ERR_VAULT_CORRUPT, "slots: not one passphrase slot");
                goto done;
        }
        if ((err = expect_name(slot, "type", SLOT_TYPE, "slots[0]")) != AK_OK ||
            (err = expect_name(slot, "kdf", KDF_NAME, "slots[0]")) != AK_OK ||
            (err = expect_name(slot, "cipher", CIPHER_NAME, "slots[0]")) != AK_OK)
                goto done;
        opslimit = json_integer_value(json_object_get(slot, "opslimit"));
        memlimit = json_integer_value(json_object_get(slot, "memlimit"));
        if (opslimit < (json_int_t)crypto_pwhash_OPSLIMIT_MIN || (uint64_t)opslimit > ops_max ||
            memlimit < (json_int_t)crypto_pwhash_MEMLIMIT_MIN || (uint64_t)memlimit > mem_max) {
                err = ak__fail(AK_ERR_VAULT_CORRUPT,
                               "slots[0]: opslimit or memlimit missing or out of range");
                goto done;
        }
        h->slot.kdf.opslimit = (uint64_t)opslimit;
        h->slot.kdf.memlimit = (size_t)memlimit;
        if ((err = get_b64(h->slot.salt, sizeof(h->slot.salt), slot, "salt", "slots[0]",
                           AK_ERR_VAULT_CORRUPT)) != AK_OK ||
            (err = get_b64(h->slot.nonce, sizeof(h->slot.nonce), slot, "nonce", "slots[0]",
                           AK_ERR_VAULT_CORRUPT)) != AK_OK ||
            (err = get_b64(h->slot.wrapped, sizeof(h->slot.wrapped), slot, "wrapped_key",
                           "slots[0]", AK_ERR_VAULT_CORRUPT)) != AK_OK)
                goto done;

        body = json_object_get(root, "body");
        if (!json_is_object(body)) {
                err = ak__fail(AK_ERR_VAULT_CORRUPT, "body: missing");
                goto done;
        }
        if ((err = expect_name(body, "cipher", CIPHER_NAME, "body")) != AK_OK ||
            (err = get_b64(h->body_nonce, sizeof(h->body_nonce), body, "nonce", "body",
                           AK_ERR_VAULT_CORRUPT)) != AK_OK)
                goto done;
        length = json_integer_value(json_object_get(body, "length"));
        if (!json_is_integer(json_object_get(body, "length")) || length < (json_int_t)MAC_BYTES ||
            (uint64_t)length > AK__VAULT_FILE_MAX) {
                err = ak__fail(AK_ERR_VAULT_CORRUPT, "body.length: missing or out of range");
                goto done;
        }
        h->length = (size_t)length;
        err = AK_OK;
done:
        json_decref(root);
        return err;
}

/*
 * Parses the header line at the start of `data` (`len` bytes: the whole
 * file when `whole`, else at least its first AK__VAULT_HEADER_MAX bytes or
 * all of a shorter file) into `h`. Tells a cut file (AK_ERR_VAULT_TRUNCATED)
 * from one that is not a vault (AK_ERR_VAULT_CORRUPT) and from a newer
 * version. With `whole`, also checks that exactly `length` bytes of
 * ciphertext follow.
 */
static enum ak_err parse_header(struct header *h, const char *data, size_t len,
                                const struct ak_kdf_params *kdf_max, bool whole)
{
        size_t scan = len < AK__VAULT_HEADER_MAX ? len : AK__VAULT_HEADER_MAX, have;
        const char *nl;
        enum ak_err err;

        memset(h, 0, sizeof(*h));
        if (len == 0)
                return ak__fail(AK_ERR_VAULT_TRUNCATED, "the vault file is empty");
        nl = memchr(data, '\n', scan);
        if (nl == NULL) {
                /* A vault's header cut short: the file ends before the line does. */
                if (len < AK__VAULT_HEADER_MAX && looks_like_vault(data, len))
                        return ak__fail(AK_ERR_VAULT_TRUNCATED,
                                        "the file ends at byte %zu, inside its header", len);
                return ak__fail(AK_ERR_VAULT_CORRUPT, "no header line in the first %d bytes",
                                AK__VAULT_HEADER_MAX);
        }
        h->header_len = (size_t)(nl - data) + 1;
        err = parse_header_json(h, data, h->header_len - 1, kdf_max);
        if (err != AK_OK || !whole)
                return err;
        have = len - h->header_len;
        if (have < h->length)
                return ak__fail(AK_ERR_VAULT_TRUNCATED,
                                "body: %zu bytes of ciphertext where the header says %zu", have,
                                h->length);
        if (have > h->length)
                return ak__fail(AK_ERR_VAULT_CORRUPT,
                                "body: %zu bytes after the ciphertext the header announces",
                                have - h->length);
        return AK_OK;
}
/* ---- the vault ---- */

/* A vault with nothing in it yet but its secure memory; NULL when out of memory. */
static struct ak_vault *vault_new(const char *path)
{
        struct ak_vault *v = calloc(1, sizeof(*v));

        if (v == NULL)
                return NULL;
        v->secrets = sodium_malloc(sizeof(*v->secrets));
        v->path = path ? ak__strdup(path) : NULL;
        if (v->secrets == NULL || (path != NULL && v->path == NULL)) {
                ak_vault_free(v);
                return NULL;
        }
        sodium_memzero(v->secrets, sizeof(*v->secrets));
        ak_account_list_init(&v->accounts);
        return v;
}

void ak_vault_free(struct ak_vault *vault)
{
        if (vault == NULL)
                return;
        ak_account_list_clear(&vault->accounts);
        pairs_clear(&vault->settings);
        pairs_clear(&vault->local);
        if (vault->secrets != NULL)
                sodium_free(vault->secrets);
        free(vault->path);
        sodium_memzero(vault, sizeof(*vault));
        free(vault);
}

/* Opens the vault file for reading; AK_ERR_VAULT_MISSING when there is none. */
static enum ak_err open_vault_fd(int *fd, struct stat *st, const char *path)
{
        enum ak_err err = ak__open_regular(fd, st, path);

        if (err == AK_ERR_NOT_FOUND)
                return ak__fail(AK_ERR_VAULT_MISSING, "%s: no such file", path);
        return err;
}

/*
 * A vault file's bytes in memory that is locked when the system allows (the
 * body is decrypted in place, so the buffer then holds the plaintext), and
 * wiped before it is unmapped.
 */
struct file_buf {
        unsigned char *data;
        size_t len;     /* bytes of the file */
        size_t map_len; /* bytes mapped: len + 1 rounded up to pages */
        bool locked;
};

/*
 * Maps room for `len` bytes and locks it: mlock also makes the pages
 * present at once, cheaper than a fault on each as the file is read in.
 */
static enum ak_err file_buf_alloc(struct file_buf *fb, size_t len)
{
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        void *p;

        memset(fb, 0, sizeof(*fb));
        fb->map_len = (len + 1 + page - 1) / page * page;
        p = mmap(NULL, fb->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
                return ak__fail(AK_ERR_NOMEM, NULL);
        fb->data = p;
        fb->len = len;
        fb->locked = mlock(p, fb->map_len) == 0;
        return AK_OK;
}

static void file_buf_free(struct file_buf *fb)
{
        if (fb->data == NULL)
                return;
        sodium_memzero(fb->data, fb->map_len);
        if (fb->locked)
                munlock(fb->data, fb->map_len);
        munmap(fb->data, fb->map_len);
        memset(fb, 0, sizeof(*fb));
}

/*
 * Reads the vault file into a locked buffer; AK_ERR_VAULT_MISSING when
 * there is none, AK_ERR_LIMIT past AK__VAULT_FILE_MAX. A save replaces the
 * file by renaming a new one over it, so the file open here keeps its size;
 * one that grows while it is read is an AK_ERR_IO.
 */
static enum ak_err read_vault_file(struct file_buf *fb, const char *path)
{
        struct stat st;
        size_t used = 0;
        enum ak_err err;
        int fd;

        memset(fb, 0, sizeof(*fb));
        err = open_vault_fd(&fd, &st, path);
        if (err != AK_OK)
                return err;
        if ((uintmax_t)st.st_size > AK__VAULT_FILE_MAX) {
                err = ak__fail(AK_ERR_LIMIT, "%s: larger than %zu bytes", path, AK__VAULT_FILE_MAX);
                goto done;
        }
        if ((err = file_buf_alloc(fb, (size_t)st.st_size)) != AK_OK)
                goto done;
        /* One byte more than the size, to see the end of the file. */
        while (used <= fb->len) {
                size_t n;

                if ((err = ak__read_fd(fd, fb->data + used, fb->len + 1 - used, &n, path)) != AK_OK)
                        goto done;
                if (n == 0)
                        break;
                used += n;
        }
        if (used > fb->len) {
                err = ak__fail(AK_ERR_IO, "%s: grew while it was read", path);
                goto done;
        }
        fb->len = used;
        err = AK_OK;
done:
        if (err != AK_OK)
                file_buf_free(fb);
        close(fd);
        return err;
}

/*
 * Opens a vault from the whole file's bytes (`data`, in a buffer the caller
 * owns, locked and wiped as a file_buf is), whose header `h` is parsed,
 * with either a passphrase or the master key (`key` not NULL). The body is
 * decrypted in place, so that its plaintext takes no second buffer. Nothing
 * is written to the file.
 */
static enum ak_err open_parsed(struct ak_vault **out, const char *path, unsigned char *data,
                               const struct header *h, const char *passphrase,
                               size_t passphrase_len, const unsigned char *key)
{
        struct ak_vault *v = vault_new(path);
        unsigned char check[KEY_CHECK_BYTES];
        unsigned char *body = data + h->header_len;
        enum ak_err err;

        if (v == NULL)
                return ak__fail(AK_ERR_NOMEM, NULL);
        memcpy(v->id, h->id, sizeof(v->id));
        v->slot = h->slot;
        if (key != NULL) {
                memcpy(v->secrets->master, key, AK_VAULT_KEY_BYTES);
        } else {
                err = open_slot(v->secrets->master, &h->slot, passphrase, passphrase_len);
                if (err != AK_OK)
                        goto done;
        }
        key_check(check, h->id, v->secrets->master);
        if (sodium_memcmp(check, h->key_check, sizeof(check)) != 0) {
                /* A right passphrase opened the slot, so the header was changed; a key from the
                 * keyring is stale. */
                err = key ? ak__fail(AK_ERR_LOCKED, "the kept key does not open this vault")
                          : ak__fail(AK_ERR_VAULT_TAMPERED, "header: the key check does not match");
                goto done;
        }
        crypto_generichash(v->file_hash, sizeof(v->file_hash), data, h->header_len, NULL, 0);
        /* The associated data is the header line itself, its newline included. */
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(body, NULL, NULL, body, h->length, data,
                                                       h->header_len, h->body_nonce,
                                                       v->secrets->master) != 0) {
                err = ak__fail(AK_ERR_VAULT_TAMPERED, "body: authentication failed");
                goto done;
        }
        err = parse_body(v, body, h->length - MAC_BYTES);
        if (err != AK_OK)
                goto done;
        v->file_known = true;
        *out = v;
        v = NULL;
done:
        ak_vault_free(v);
        return err;
}

/*
 * Opens a vault from a whole file's bytes in `fb` (which the caller frees)
 * with a passphrase or a key; see open_parsed.
 */
static enum ak_err open_common(struct ak_vault **out, const char *path, struct file_buf *fb,
                               const char *passphrase, size_t passphrase_len,
                               const unsigned char *key, const struct ak_kdf_params *kdf_max)
{
        struct header h;
        enum ak_err err;

        json_wipe_on_free();
        if (out == NULL)
                return ak__fail(AK_ERR_INVALID, "vault: no output");
        err = parse_header(&h, (const char *)fb->data, fb->len, kdf_max, true);
        if (err == AK_OK)
                err = open_parsed(out, path, fb->data, &h, passphrase, passphrase_len, key);
        return err;
}

enum ak_err ak__vault_open_buffer(struct ak_vault **out, const char *path, const char *data,
                                  size_t len, const char *passphrase, size_t passphrase_len,
                                  const struct ak_kdf_params *kdf_max)
{
        struct file_buf fb;
        enum ak_err err;

        if (out == NULL || data == NULL)
                return ak__fail(AK_ERR_INVALID, "vault: no output or data");
        /* A copy: the body is decrypted in place. */
        if ((err = file_buf_alloc(&fb, len)) != AK_OK)
                return err;
        if (len > 0)
                memcpy(fb.data, data, len);
        err = open_common(out, path, &fb, passphrase, passphrase_len, NULL, kdf_max);
        file_buf_free(&fb);
        return err;
}

enum ak_err ak__vault_parse_body(struct ak_vault **out, const char *body, size_t len)
{
        struct ak_vault *v;
        enum ak_err err;

        if (out == NULL || body == NULL)
                return ak__fail(AK_ERR_INVALID, "vault: no output or body");
        v = vault_new(NULL);
        if (v == NULL)
                return ak__fail(AK_ERR_NOMEM, NULL);
        ak__random_hex(v->id, AK_DEVICE_ID_LEN / 2);
        crypto_aead_xchacha20poly1305_ietf_keygen(v->secrets->master);
        err = parse_body(v, (const unsigned char *)body, len);
        if (err != AK_OK) {
                ak_vault_free(v);
                return err;
        }
        *out = v;
        return AK_OK;
}

enum ak_err ak__vault_body(const struct ak_vault *vault, char **out, size_t *out_len)
{
        struct buf b = {0};

        emit_body(&b, vault);
        if (b.failed) {
                buf_free(&b);
                return ak__fail(AK_ERR_NOMEM, NULL);
        }
        *out = b.data;
        *out_len = b.len;
        return AK_OK;
}

/*
 * Reads the start of the vault file into `head` until its first newline,
 * AK__VAULT_HEADER_MAX bytes or the end of the file, whichever comes first;
 * *len is what was read. AK_ERR_VAULT_MISSING when there is no file.
 */
static enum ak_err read_vault_head(char head[AK__VAULT_HEADER_MAX], size_t *len, const char *path)
{
        struct stat st;
        size_t used = 0;
        enum ak_err err = AK_OK;
        int fd;

        err = open_vault_fd(&fd, &st, path);
        if (err != AK_OK)
                return err;
        while (used < AK__VAULT_HEADER_MAX) {
                size_t n;

                err = ak__read_fd(fd, head + used, AK__VAULT_HEADER_MAX - used, &n, path);
                if (err != AK_OK || n == 0)
                        break;
                used += n;
                if (memchr(head + used - n, '\n', n) != NULL)
                        break;
        }
        close(fd);
        *len = used;
        return err;
}

enum ak_err ak_vault_open(struct ak_vault **out, const char *path, const char *passphrase,
                          size_t passphrase_len)
{
        struct file_buf fb;
        enum ak_err err = read_vault_file(&fb, path);

        if (err == AK_OK)
                err = open_common(out, path, &fb, passphrase, passphrase_len, NULL, NULL);
        file_buf_free(&fb);
        return err;
}

enum ak_err ak_vault_open_with_key(struct ak_vault **out, const char *path,
                                   const unsigned char key[AK_VAULT_KEY_BYTES])
{
        struct file_buf fb;
        enum ak_err err;

        if (key == NULL)
                return ak__fail(AK_ERR_INVALID, "vault: no key");
        err = read_vault_file(&fb, path);
        if (err == AK_OK)
                err = open_common(out, path, &fb, NULL, 0, key, NULL);
        file_buf_free(&fb);
        return err;
}

enum ak_err ak_vault_open_unlocked(struct ak_vault **out, const char *path)
{
        unsigned char key[AK_VAULT_KEY_BYTES];
        struct header h;
        struct file_buf fb;
        enum ak_err err;

        if (out == NULL)
                return ak__fail(AK_ERR_INVALID, "vault: no output");
        json_wipe_on_free();
        err = read_vault_file(&fb, path);
        if (err == AK_OK)
                err = parse_header(&h, (const char *)fb.data, fb.len, NULL, true);
        if (err == AK_OK)
                err = ak_keyring_load(h.id, key);
        if (err == AK_OK) {
                err = open_parsed(out, path, fb.data, &h, NULL, 0, key);
                sodium_memzero(key, sizeof(key));
        }
        file_buf_free(&fb);
        return err;
}

enum ak_err ak_vault_peek_id(char id[AK_DEVICE_ID_LEN + 1], const char *path)
{
        char head[AK__VAULT_HEADER_MAX];
        struct header h;
        size_t len = 0;
        enum ak_err err;

        err = read_vault_head(head, &len, path);
        if (err == AK_OK)
                err = parse_header(&h, head, len, NULL, false);
        if (err == AK_OK)
                memcpy(id, h.id, AK_DEVICE_ID_LEN + 1);
        return err;
}

/* Gives an id to every account that has none, and checks each can be written. */
static enum ak_err check_accounts(struct ak_vault *v)
{
        enum ak_err err;

        if (v->accounts.count > AK__VAULT_ACCOUNTS_MAX)
                return ak__fail(AK_ERR_LIMIT, "accounts: more than %d", AK__VAULT_ACCOUNTS_MAX);
        for (size_t i = 0; i < v->accounts.count; i++) {
                struct ak_account *a = &v->accounts.items[i];
                if (a->id[0] == '\0')
                        ak__random_hex(a->id, AK_ID_BYTES);
                if (!id_valid(a->id))
                        return ak__fail(AK_ERR_INVALID, "accounts[%zu].id: not a valid id", i);
                err = account_check(a, i, AK_ERR_INVALID);
                if (err != AK_OK)
                        return err;
        }
        return AK_OK;
}

/*
 * Locks the vault's folder against other savers (flock on the folder
 * itself); returns its descriptor, or -1 when it cannot be opened (then
 * saving goes on unlocked and the write reports the real error).
 */
static int lock_folder(const char *path)
{
        const char *slash = strrchr(path, '/');
        char *folder = slash == NULL
                           ? ak__strdup(".")
                           : ak__strndup(path, slash == path ? 1 : (size_t)(slash - path));
        int fd = folder ? open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

        free(folder);
        if (fd >= 0)
                while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
                        ;
        return fd;
}

/*
 * Removes the temporary files (".vault.json.XXXXXX") a save killed half-way
 * left: each holds an old copy of the vault, openable with an old
 * passphrase. Called with the folder locked, so no other save is writing one.
 */
static void remove_stale_temps(int folder_fd, const char *path)
{
        const char *base = strrchr(path, '/');
        size_t base_len;
        DIR *dir;
        struct dirent *de;
        int fd = dup(folder_fd);

        base = base ? base + 1 : path;
        base_len = strlen(base);
        if (fd < 0)
                return;
        dir = fdopendir(fd);
        if (dir == NULL) {
                close(fd);
                return;
        }
        while ((de = readdir(dir)) != NULL) {
                const char *n = de->d_name;
                if (n[0] == '.' && strncmp(n + 1, base, base_len) == 0 && n[1 + base_len] == '.' &&
                    strlen(n + 2 + base_len) == 6)
                        unlinkat(folder_fd, n, 0);
        }
        closedir(dir);
}

/*
 * Checks, with the folder locked, that the file is still the one this vault
 * read or last wrote, so that a save never silently drops what another
 * command saved in between: AK_ERR_VAULT_CHANGED when it differs or went
 * away. The header line identifies the file: every save writes a fresh
 * random body nonce into it. A vault being created needs the place still
 * empty.
 */
static enum ak_err check_unchanged(const struct ak_vault *vault)
{
        char head[AK__VAULT_HEADER_MAX];
        unsigned char hash[crypto_generichash_BYTES];
        const char *nl;
        size_t len = 0;
        enum ak_err err = read_vault_head(head, &len, vault->path);

        if (err == AK_ERR_VAULT_MISSING && !vault->file_known)
                return AK_OK;
        if (err == AK_OK && !vault->file_known)
                return ak__fail(AK_ERR_VAULT_EXISTS, "%s exists already", vault->path);
        if (err == AK_ERR_VAULT_MISSING)
                return ak__fail(AK_ERR_VAULT_CHANGED, "%s was removed since it was opened",
                                vault->path);
        if (err != AK_OK)
                return err;
        nl = memchr(head, '\n', len);
        if (nl != NULL)
                crypto_generichash(hash, sizeof(hash), (const unsigned char *)head,
                                   (size_t)(nl - head) + 1, NULL, 0);
        if (nl == NULL || sodium_memcmp(hash, vault->file_hash, sizeof(hash)) != 0)
                return ak__fail(AK_ERR_VAULT_CHANGED,
                                "%s was saved by another command since it was opened", vault->path);
        return AK_OK;
}

enum ak_err ak_vault_save(struct ak_vault *vault)
{
        struct buf body = {0}, file = {0};
        unsigned char nonce[NONCE_BYTES], check[KEY_CHECK_BYTES];
        size_t ciphertext_len, header_len;
        int lock_fd;
        enum ak_err err;

        if (vault == NULL || vault->path == NULL)
                return ak__fail(AK_ERR_INVALID, "vault: nowhere to save");
        err = check_accounts(vault);
        if (err != AK_OK)
                return err;
        /* Room for every account at a typical size, so the buffer rarely grows. */
        buf_reserve(&body, 4096 + vault->accounts.count * 128);
        emit_body(&body, vault);
        if (body.failed) {
                err = ak__fail(AK_ERR_NOMEM, NULL);
                goto done;
        }
        ciphertext_len = body.len + MAC_BYTES;
        key_check(check, vault->id, vault->secrets->master);
        randombytes_buf(nonce, sizeof(nonce));
        emit_header(&file, vault->id, check, &vault->slot, nonce, ciphertext_len);
        header_len = file.len;
        /* The ciphertext goes right after the header line, which is its associated data. */
        if (!buf_reserve(&file, ciphertext_len)) {
                err = ak__fail(AK_ERR_NOMEM, NULL);
                goto done;
        }
        crypto_aead_xchacha20poly1305_ietf_encrypt((unsigned char *)file.data + header_len, NULL,
                                                   (const unsigned char *)body.data, body.len,
                                                   (const unsigned char *)file.data, header_len,
                                                   NULL, nonce, vault->secrets->master);
        file.len += ciphertext_len;
        buf_free(&body);
        lock_fd = lock_folder(vault->path);
        err = check_unchanged(vault);
        if (err == AK_OK)
                err = ak__write_file_atomic(vault->path, file.data, file.len, 0600);
        if (err == AK_OK) {
                crypto_generichash(vault->file_hash, sizeof(vault->file_hash),
                                   (const unsigned char *)file.data, header_len, NULL, 0);
                vault->file_known = true;
        }
        if (lock_fd >= 0) {
                if (err == AK_OK)
                        remove_stale_temps(lock_fd, vault->path);
                close(lock_fd); /* unlocks */
        }
done:
        buf_free(&body);
        buf_free(&file);
        return err;
}

enum ak_err ak_vault_create(struct ak_vault **out, const char *path, const char *passphrase,
                            size_t passphrase_len, const struct ak_kdf_params *kdf)
{
        struct ak_vault *v = NULL;
        struct stat st;
        char *folder = NULL;
        const char *slash;
        enum ak_err err;

        if (out == NULL || path == NULL || path[0] == '\0')
                return ak__fail(AK_ERR_INVALID, "vault: no path");
        if (lstat(path, &st) == 0)
                return ak__fail(AK_ERR_VAULT_EXISTS, "%s exists already", path);
        slash = strrchr(path, '/');
        if (slash != NULL && slash != path) {
                folder = ak__strndup(path, (size_t)(slash - path));
                if (folder == NULL)
                        return ak__fail(AK_ERR_NOMEM, NULL);
                err = ak__mkdir_p(folder);
                free(folder);
                if (err != AK_OK)
                        return err;
        }
        v = vault_new(path);
        if (v == NULL)
                return ak__fail(AK_ERR_NOMEM, NULL);
        ak__random_hex(v->id, AK_DEVICE_ID_LEN / 2);
        ak__random_hex(v->device_id, AK_DEVICE_ID_LEN / 2);
        crypto_aead_xchacha20poly1305_ietf_keygen(v->secrets->master);
        crypto_sign_keypair(v->device_pk, v->secrets->device_sk);
        err = make_slot(&v->slot, v->secrets->master, passphrase, passphrase_len, kdf);
        if (err == AK_OK)
                err = ak_vault_save(v);
        if (err != AK_OK) {
                ak_vault_free(v);
                return err;
        }
        *out = v;
        return AK_OK;
}

enum ak_err ak_vault_set_passphrase(struct ak_vault *vault, const char *passphrase,
                                    size_t passphrase_len, const struct ak_kdf_params *kdf)
{
        struct slot old;
        enum ak_err err;

        if (vault == NULL)
                return ak__fail(AK_ERR_INVALID, "vault: none");
        old = vault->slot;
        err = make_slot(&vault->slot, vault->secrets->master, passphrase, passphrase_len, kdf);
        if (err == AK_OK)
                err = ak_vault_save(vault);
        if (err != AK_OK)
                vault->slot = old;
        return err;
}

void ak_vault_master_key(const struct ak_vault *vault, unsigned char key[AK_VAULT_KEY_BYTES])
{
        memcpy(key, vault->secrets->master, AK_VAULT_KEY_BYTES);
}

const char *ak_vault_id(const struct ak_vault *vault)
{
        return vault->id;
}

struct ak_account_list *ak_vault_accounts(struct ak_vault *vault)
{
        return &vault->accounts;
}

const char *ak_vault_device_id(const struct ak_vault *vault)
{
        return vault->device_id;
}

void ak_vault_device_public_key(const struct ak_vault *vault, unsigned char pk[AK_DEVICE_PK_BYTES])
{
        memcpy(pk, vault->device_pk, AK_DEVICE_PK_BYTES);
}

enum ak_err ak_vault_device_sign(const struct ak_vault *vault,
                                 unsigned char sig[AK_DEVICE_SIG_BYTES], const unsigned char *msg,
                                 size_t msg_len)
{
        if (vault == NULL || sig == NULL || (msg == NULL && msg_len > 0))
                return ak__fail(AK_ERR_INVALID, "sign: no vault, signature or message");
        if (crypto_sign_detached(sig, NULL, msg ? msg : (const unsigned char *)"", msg_len,
                                 vault->secrets->device_sk) != 0)
                return ak__fail(AK_ERR_CRYPTO, "sign: Ed25519 failed");
        return AK_OK;
}

const char *ak_vault_setting(const struct ak_vault *vault, const char *name)
{
        return pairs_get(&vault->settings, name);
}

enum ak_err ak_vault_set_setting(struct ak_vault *vault, const char *name, const char *value)
{
        return pairs_set(&vault->settings, name, value);
}

const char *ak_vault_local(const struct ak_vault *vault, const char *name)
{
        return pairs_get(&vault->local, name);
}

enum ak_err ak_vault_set_local(struct ak_vault *vault, const char *name, const char *value)
{
        return pairs_set(&vault->local, name, value);
}

/* ---- the backup payload ---- */

enum ak_err ak_vault_backup_payload(const struct ak_vault *vault, char **out, size_t *out_len)
{
        struct buf b = {0};
        enum ak_err err;

        if (vault == NULL || out == NULL)
                return ak__fail(AK_ERR_INVALID, "payload: no vault or output");
        for (size_t i = 0; i < vault->accounts.count; i++) {
                err = account_check(&vault->accounts.items[i], i, AK_ERR_INVALID);
                if (err != AK_OK)
                        return err;
                if (!id_valid(vault->accounts.items[i].id))
                        return ak__fail(AK_ERR_INVALID,
                                        "accounts[%zu].id: not a valid id (save first)", i);
        }
        buf_reserve(&b, 1024 + vault->accounts.count * 320);
        buf_fmt(&b, "{\"format\":\"%s\",\"version\":%d,\n\"accounts\":", PAYLOAD_FORMAT,
                PAYLOAD_VERSION);
        emit_accounts(&b, &vault->accounts, true);
        buf_lit(&b, ",\n\"settings\":");
        emit_pairs(&b, &vault->settings);
        buf_lit(&b, "}\n");
        if (b.failed) {
                buf_free(&b);
                return ak__fail(AK_ERR_NOMEM, NULL);
        }
        /* Hand over the buffer itself: it is at least b.len + 1 bytes, NUL-terminated. */
        *out = b.data;
        if (out_len != NULL)
                *out_len = b.len;
        return AK_OK;
}

enum ak_err ak_backup_payload_parse(struct ak_account_list *accounts, char **settings_json,
                                    const char *payload, size_t payload_len)
{
        const enum ak_err bad = AK_ERR_FORMAT;
        struct ak_account_list parsed;
        struct pairs settings = {0};
        struct buf sj = {0};
        json_error_t jerr;
        json_t *root = NULL, *version;
        const char *format;
        enum ak_err err;

        json_wipe_on_free();
        ak_account_list_init(&parsed);
        if (accounts == NULL || payload == NULL)
                return ak__fail(AK_ERR_INVALID, "payload: no output or input");
        if (payload_len > AK__VAULT_FILE_MAX)
                return ak__fail(AK_ERR_LIMIT, "payload: larger than %zu bytes", AK__VAULT_FILE_MAX);
        root = json_loadb(payload, payload_len, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(root)) {
                err = ak__fail(bad, "payload: not JSON (%s)", jerr.text);
                goto done;
        }
        format = json_string_value(json_object_get(root, "format"));
        version = json_object_get(root, "version");
        if (format == NULL || strcmp(format, PAYLOAD_FORMAT) != 0 || !json_is_integer(version) ||
            json_integer_value(version) < 1) {
                err = ak__fail(bad, "payload: format or version missing");
                goto done;
        }
        if (json_integer_value(version) > PAYLOAD_VERSION) {
                err = ak__fail(AK_ERR_UNSUPPORTED,
                               "payload: version %" JSON_INTEGER_FORMAT " is newer than %d",
                               json_integer_value(version), PAYLOAD_VERSION);
                goto done;
        }
        if ((err = parse_accounts(&parsed, json_object_get(root, "accounts"), true, bad)) !=
                AK_OK ||
            (err = parse_pairs(&settings, json_object_get(root, "settings"), "settings", bad)) !=
                AK_OK)
                goto done;
        if (parsed.count > AK__VAULT_ACCOUNTS_MAX - accounts->count) {
                err = ak__fail(AK_ERR_LIMIT, "accounts: more than %d", AK__VAULT_ACCOUNTS_MAX);
                goto done;
        }
        if (settings_json != NULL) {
                emit_pairs(&sj, &settings);
                if (sj.failed) {
                        err = ak__fail(AK_ERR_NOMEM, NULL);
                        goto done;
                }
        }
        /* Hand the accounts over whole, or not at all. */
        if ((err = check_unique_ids(accounts, &parsed, AK_ERR_EXISTS)) != AK_OK ||
            (err = list_reserve(accounts, parsed.count)) != AK_OK)
                goto done;
        if (parsed.count > 0)
                memcpy(&accounts->items[accounts->count], parsed.items,
                       parsed.count * sizeof(*parsed.items));
        accounts->count += parsed.count;
        parsed.count = 0;
        if (settings_json != NULL) {
                *settings_json = sj.data;
                sj.data = NULL;
        }
        err = AK_OK;
done:
        buf_free(&sj);
        pairs_clear(&settings);
        ak_account_list_clear(&parsed);
        json_decref(root);
        return err;
}

enum ak_err ak_vault_set_settings_json(struct ak_vault *vault, const char *settings_json)
{
        struct pairs settings = {0};
        json_error_t jerr;
        json_t *root;
        enum ak_err err;

        json_wipe_on_free();
        if (vault == NULL || settings_json == NULL)
                return ak__fail(AK_ERR_INVALID, "settings: no vault or JSON");
        root = json_loads(settings_json, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(root)) {
                json_decref(root);
                return ak__fail(AK_ERR_INVALID, "settings: not a JSON object");
        }
        err = parse_pairs(&settings, root, "settings", AK_ERR_INVALID);
        json_decref(root);
        if (err != AK_OK) {
                pairs_clear(&settings);
                return err;
        }
        pairs_clear(&vault->settings);
        vault->settings = settings;
        return AK_OK;
}
