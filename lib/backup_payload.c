/*
 * The backup payload (docs/backup-format.md): the JSON of the accounts and
 * settings that the backup envelope encrypts. Personal and work accounts
 * go in as references, without their secrets; the device key and the
 * device-local state never do. Parsing it goes through jansson, which
 * frees through a wiping free (ak__json_wipe_on_free) so that the secrets
 * it parsed do not linger on the heap.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "authkeep/base32.h"
#include "internal.h"
#include "vault_internal.h"

#define PAYLOAD_FORMAT "authkeep-backup-payload"
#define PAYLOAD_VERSION 1

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
void ak__json_wipe_on_free(void)
{
        static pthread_once_t once = PTHREAD_ONCE_INIT;

        pthread_once(&once, install_wiping_free);
}
static void emit_pairs(struct ak__buf *b, const struct ak__vault_pairs *pairs)
{
        ak__buf_add(b, "{", 1);
        for (size_t i = 0; i < pairs->count; i++) {
                if (i)
                        ak__buf_add(b, ",", 1);
                ak__buf_json_str(b, pairs->items[i].name);
                ak__buf_add(b, ":", 1);
                ak__buf_json_str(b, pairs->items[i].value);
        }
        ak__buf_add(b, "}", 1);
}

/* Reads a JSON object of strings into `out` (which must be empty). */
static enum ak_err parse_pairs(struct ak__vault_pairs *out, json_t *obj, const char *what,
                               enum ak_err bad)
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
                err = ak__vault_pairs_set(out, name, json_string_value(value));
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
static void emit_account(struct ak__buf *b, const struct ak_account *a, bool reference)
{
        char secret[((AK_SECRET_MAX + 4) / 5) * 8 + 1];

        ak__buf_lit(b, "{\"id\":");
        ak__buf_json_str(b, a->id);
        ak__buf_lit(b, ",\"kind\":");
        ak__buf_json_str(b, ak__vault_kind_names[a->kind]);
        ak__buf_lit(b, ",\"issuer\":");
        ak__buf_json_str(b, a->issuer);
        ak__buf_lit(b, ",\"name\":");
        ak__buf_json_str(b, a->name);
        if (reference && a->kind == AK_KIND_PERSONAL) {
                /* The account it names: its server and email, never this device's secret. */
                ak__buf_lit(b, ",\"server\":");
                ak__buf_json_str(b, a->issuer);
                ak__buf_lit(b, ",\"email\":");
                ak__buf_json_str(b, a->name);
        }
        if (!reference) {
                ak__buf_lit(b, ",\"label_issuer\":");
                if (a->label_issuer != NULL)
                        ak__buf_json_str(b, a->label_issuer);
                else
                        ak__buf_lit(b, "null");
                ak__buf_lit(b, ",\"type\":");
                ak__buf_json_str(b, ak_otp_type_name(a->type));
                ak__buf_lit(b, ",\"algorithm\":");
                ak__buf_json_str(b, ak_hash_name(a->hash));
                ak__buf_fmt(b, ",\"digits\":%u,\"period\":%" PRIu32, a->digits, a->period);
                /* JSON integers here are signed 64-bit: larger counters are written as strings. */
                if (a->counter <= INT64_MAX)
                        ak__buf_fmt(b, ",\"counter\":%" PRIu64, a->counter);
                else
                        ak__buf_fmt(b, ",\"counter\":\"%" PRIu64 "\"", a->counter);
                secret[0] = '\0';
                if (a->secret_len > 0 &&
                    ak_base32_encode(secret, sizeof(secret), a->secret, a->secret_len) != AK_OK)
                        b->failed = true;
                ak__buf_lit(b, ",\"secret\":\"");
                ak__buf_lit(b, secret);
                ak__buf_lit(b, "\"");
                sodium_memzero(secret, sizeof(secret));
        }
        ak__buf_fmt(b, ",\"created\":%" PRId64 "}", a->created);
}

/* Appends every account; personal and work accounts as references when `references`. */
static void emit_accounts(struct ak__buf *b, const struct ak_account_list *list, bool references)
{
        ak__buf_add(b, "[", 1);
        for (size_t i = 0; i < list->count; i++) {
                const struct ak_account *a = &list->items[i];
                if (i)
                        ak__buf_add(b, ",\n", 2);
                emit_account(b, a, references && a->kind != AK_KIND_THIRD_PARTY);
        }
        ak__buf_add(b, "]", 1);
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

        if (value != NULL && !ak__vault_text_valid(value))
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
        if (!ak__vault_id_valid(id))
                return ak__fail(bad, "accounts[%zu].id: not a valid id", index);
        memcpy(a->id, id, strlen(id) + 1);
        for (a->kind = AK_KIND_THIRD_PARTY; a->kind <= AK_KIND_WORK; a->kind++)
                if (strcmp(kind, ak__vault_kind_names[a->kind]) == 0)
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
        return ak__vault_account_check(a, index, bad);
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
        if ((err = ak__vault_list_reserve(list, n)) != AK_OK)
                return err;
        for (size_t i = 0; i < n; i++) {
                struct ak_account *a = &list->items[list->count];

                ak_account_init(a);
                list->count++;
                err = parse_account(a, json_array_get(array, i), i, references_ok, bad);
                if (err != AK_OK)
                        return err;
        }
        return ak__vault_unique_ids(list, &none, bad);
}

enum ak_err ak_vault_backup_payload(const struct ak_vault *vault, char **out, size_t *out_len)
{
        struct ak__buf b = {0};
        enum ak_err err;

        if (vault == NULL || out == NULL)
                return ak__fail(AK_ERR_INVALID, "payload: no vault or output");
        for (size_t i = 0; i < vault->accounts.count; i++) {
                err = ak__vault_account_check(&vault->accounts.items[i], i, AK_ERR_INVALID);
                if (err != AK_OK)
                        return err;
                if (!ak__vault_id_valid(vault->accounts.items[i].id))
                        return ak__fail(AK_ERR_INVALID,
                                        "accounts[%zu].id: not a valid id (save first)", i);
        }
        ak__buf_reserve(&b, 1024 + vault->accounts.count * 320);
        ak__buf_fmt(&b, "{\"format\":\"%s\",\"version\":%d,\n\"accounts\":", PAYLOAD_FORMAT,
                    PAYLOAD_VERSION);
        emit_accounts(&b, &vault->accounts, true);
        ak__buf_lit(&b, ",\n\"settings\":");
        emit_pairs(&b, &vault->settings);
        ak__buf_lit(&b, "}\n");
        /* Hand over the buffer itself, NUL-terminated; the caller frees it with ak_secret_free. */
        *out = ak__buf_take(&b, out_len);
        return *out != NULL ? AK_OK : ak__fail(AK_ERR_NOMEM, NULL);
}

enum ak_err ak_backup_payload_parse(struct ak_account_list *accounts, char **settings_json,
                                    const char *payload, size_t payload_len)
{
        const enum ak_err bad = AK_ERR_FORMAT;
        struct ak_account_list parsed;
        struct ak__vault_pairs settings = {0};
        struct ak__buf sj = {0};
        json_error_t jerr;
        json_t *root = NULL, *version;
        const char *format;
        enum ak_err err;

        ak__json_wipe_on_free();
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
        if ((err = ak__vault_unique_ids(accounts, &parsed, AK_ERR_EXISTS)) != AK_OK ||
            (err = ak__vault_list_reserve(accounts, parsed.count)) != AK_OK)
                goto done;
        if (parsed.count > 0)
                memcpy(&accounts->items[accounts->count], parsed.items,
                       parsed.count * sizeof(*parsed.items));
        accounts->count += parsed.count;
        parsed.count = 0;
        if (settings_json != NULL) {
                *settings_json = ak__buf_take(&sj, NULL);
        }
        err = AK_OK;
done:
        ak__buf_free(&sj);
        ak__vault_pairs_clear(&settings);
        ak_account_list_clear(&parsed);
        json_decref(root);
        return err;
}

enum ak_err ak_vault_set_settings_json(struct ak_vault *vault, const char *settings_json)
{
        struct ak__vault_pairs settings = {0};
        json_error_t jerr;
        json_t *root;
        enum ak_err err;

        ak__json_wipe_on_free();
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
                ak__vault_pairs_clear(&settings);
                return err;
        }
        ak__vault_pairs_clear(&vault->settings);
        vault->settings = settings;
        return AK_OK;
}
