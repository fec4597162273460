/*
 * The vault file's header line (docs/vault-format.md): clear JSON that
 * names the format, its version and every algorithm, and holds the vault
 * id, the key check, the passphrase slot and the body's nonce and length.
 * It is also the body's associated data, so it is written byte for byte
 * the same way every time.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "internal.h"
#include "vault_internal.h"

#define VAULT_FORMAT "authkeep-vault"
#define VAULT_VERSION 1
#define CIPHER_NAME "xchacha20poly1305-ietf"

/* Appends `n` bytes as a quoted base64 string. */
static void add_b64(struct ak__buf *b, const unsigned char *bin, size_t n)
{
        ak__buf_add(b, "\"", 1);
        ak__buf_b64(b, bin, n);
        ak__buf_add(b, "\"", 1);
}

/* Decodes a base64 member of exactly `n` bytes. */
static enum ak_err get_b64(unsigned char *out, size_t n, json_t *obj, const char *key,
                           const char *what, enum ak_err bad)
{
        json_t *v = json_object_get(obj, key);

        if (!json_is_string(v))
                return ak__fail(bad, "%s.%s: missing or not a string", what, key);
        if (!ak__b64_exact(out, n, json_string_value(v), json_string_length(v)))
                return ak__fail(bad, "%s.%s: not %zu bytes of base64", what, key, n);
        return AK_OK;
}

void ak__vault_write_header(struct ak__buf *b, const char *vault_id, const unsigned char *check,
                            const struct ak__vault_slot *slot, const unsigned char *nonce,
                            size_t ciphertext_len)
{
        ak__buf_fmt(b, "{\"format\":\"%s\",\"version\":%d,\"vault_id\":", VAULT_FORMAT,
                    VAULT_VERSION);
        ak__buf_json_str(b, vault_id);
        ak__buf_lit(b, ",\"key_check\":");
        add_b64(b, check, AK__VAULT_KEY_CHECK_BYTES);
        ak__buf_lit(b, ",\"slots\":[{\"type\":\"" AK__VAULT_SLOT_TYPE
                       "\",\"kdf\":\"" AK__VAULT_KDF_NAME "\",");
        ak__buf_fmt(b, "\"opslimit\":%" PRIu64 ",\"memlimit\":%zu,\"salt\":", slot->kdf.opslimit,
                    slot->kdf.memlimit);
        add_b64(b, slot->salt, sizeof(slot->salt));
        ak__buf_lit(b, ",\"cipher\":\"" CIPHER_NAME "\",\"nonce\":");
        add_b64(b, slot->nonce, sizeof(slot->nonce));
        ak__buf_lit(b, ",\"wrapped_key\":");
        add_b64(b, slot->wrapped, sizeof(slot->wrapped));
        ak__buf_lit(b, "}],\"body\":{\"cipher\":\"" CIPHER_NAME "\",\"nonce\":");
        add_b64(b, nonce, AK__VAULT_NONCE_BYTES);
        ak__buf_fmt(b, ",\"length\":%zu}}\n", ciphertext_len);
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
static enum ak_err parse_header_json(struct ak__vault_header *h, const char *line, size_t len,
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
        if (id == NULL || !ak__vault_hex_id_valid(id)) {
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
        if ((err = expect_name(slot, "type", AK__VAULT_SLOT_TYPE, "slots[0]")) != AK_OK ||
            (err = expect_name(slot, "kdf", AK__VAULT_KDF_NAME, "slots[0]")) != AK_OK ||
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
        if (!json_is_integer(json_object_get(body, "length")) ||
            length < (json_int_t)AK__VAULT_MAC_BYTES || (uint64_t)length > AK__VAULT_FILE_MAX) {
                err = ak__fail(AK_ERR_VAULT_CORRUPT, "body.length: missing or out of range");
                goto done;
        }
        h->length = (size_t)length;
        err = AK_OK;
done:
        json_decref(root);
        return err;
}

enum ak_err ak__vault_parse_header(struct ak__vault_header *h, const char *data, size_t len,
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
