/*
 * Aegis vaults (Aegis's docs/vault.md), read and written.
 *
 *   {"version": 1,
 *    "header": {"slots": null | [slot...], "params": null | {"nonce", "tag"}},
 *    "db": {"version", "entries": [...]} | base64 of the encrypted db}
 *
 * A password slot (type 1) holds the master key encrypted with AES-256-GCM
 * under scrypt(password, salt, n, r, p); the db is encrypted with the master
 * key (AES-256-GCM, nonce and tag in header.params). Entries are
 * {"type": "totp"|"hotp"|"steam"|..., "name", "issuer",
 *  "info": {"secret" (base32), "algo", "digits", "period" | "counter"}}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/base32.h"
#include "import_internal.h"

#define AEGIS_KEY_BYTES 32
#define AEGIS_SCRYPT_MEM_MAX (1ull << 30) /* 128 * n * r bytes: refuse more than 1 GiB */
/*
 * scrypt's work grows with n * r * p. Aegis writes n=2^15, r=8, p=1 (about
 * 0.08 s); a file may ask for 64 times that (a few seconds), no more, so
 * that a crafted export cannot keep the program busy for minutes.
 */
#define AEGIS_SCRYPT_WORK_MAX ((1ull << 18) * 8ull)
/* Password slots tried at most: Aegis makes one (others are biometric). */
#define AEGIS_SLOTS_TRIED_MAX 4

bool ak__aegis_is(const json_t *root, bool *encrypted)
{
        const json_t *header = json_object_get(root, "header"), *db = json_object_get(root, "db");

        if (!json_is_object(header) || db == NULL)
                return false;
        *encrypted = json_is_string(db);
        return true;
}

/* Reads `hex` of exactly `len` bytes into `out`; -1 when malformed. */
static int hex_exact(unsigned char *out, size_t len, const char *hex)
{
        size_t n = 0;

        if (hex == NULL || strlen(hex) != len * 2)
                return -1;
        if (sodium_hex2bin(out, len, hex, len * 2, NULL, &n, NULL) != 0 || n != len)
                return -1;
        return 0;
}

/*
 * Checks a password slot's scrypt parameters before any derivation: a power
 * of two n, r and p from 1 to 64, at most AEGIS_SCRYPT_MEM_MAX of memory and
 * AEGIS_SCRYPT_WORK_MAX of work. AK_ERR_LIMIT otherwise.
 */
static enum ak_err check_scrypt_cost(long long n, long long r, long long p)
{
        if (n < 2 || (n & (n - 1)) != 0 || r < 1 || p < 1 || r > 64 || p > 64 ||
            (unsigned long long)n > AEGIS_SCRYPT_MEM_MAX)
                return ak__fail(AK_ERR_LIMIT,
                                "aegis: scrypt parameters n=%lld r=%lld p=%lld are out of range", n,
                                r, p);
        if ((unsigned long long)n * (unsigned long long)r * 128ull > AEGIS_SCRYPT_MEM_MAX ||
            (unsigned long long)n * (unsigned long long)r * (unsigned long long)p >
                AEGIS_SCRYPT_WORK_MAX)
                return ak__fail(AK_ERR_LIMIT,
                                "the file asks for a key derivation far costlier than Aegis makes "
                                "(N=%lld, r=%lld, p=%lld; Aegis uses N=%d, r=%d, p=%d); refusing",
                                n, r, p, AK_AEGIS_SCRYPT_N, AK_AEGIS_SCRYPT_R, AK_AEGIS_SCRYPT_P);
        return AK_OK;
}

/*
 * Tries the password on one password slot. AK_OK and the master key when it
 * opens; AK_ERR_IMPORT_PASSWORD when it does not; AK_ERR_FORMAT or
 * AK_ERR_LIMIT when the slot is malformed or too costly.
 */
static enum ak_err open_slot(unsigned char master[AEGIS_KEY_BYTES], const json_t *slot,
                             const char *password, size_t password_len)
{
        const json_t *params = json_object_get(slot, "key_params");
        unsigned char salt[32], enc_key[AEGIS_KEY_BYTES], nonce[AK__GCM_NONCE_BYTES],
            tag[AK__GCM_TAG_BYTES];
        unsigned char derived[AEGIS_KEY_BYTES];
        long long n = ak__json_int(slot, "n", -1), r = ak__json_int(slot, "r", -1),
                  p = ak__json_int(slot, "p", -1);
        enum ak_err rc;

        if (hex_exact(salt, sizeof(salt), ak__json_str(slot, "salt")) != 0 ||
            hex_exact(enc_key, sizeof(enc_key), ak__json_str(slot, "key")) != 0 ||
            hex_exact(nonce, sizeof(nonce), ak__json_str(params, "nonce")) != 0 ||
            hex_exact(tag, sizeof(tag), ak__json_str(params, "tag")) != 0)
                return ak__fail(AK_ERR_FORMAT, "aegis: malformed password slot");
        rc = check_scrypt_cost(n, r, p);
        if (rc != AK_OK)
                return rc;
        if (ak__scrypt(derived, sizeof(derived), password, password_len, salt, sizeof(salt),
                       (uint64_t)n, (uint32_t)r, (uint32_t)p) != AK_OK)
                return ak__fail(AK_ERR_CRYPTO, "aegis: scrypt failed");
        rc = ak__aes_gcm_decrypt(master, derived, nonce, sizeof(nonce), enc_key, sizeof(enc_key),
                                 tag);
        sodium_memzero(derived, sizeof(derived));
        return rc;
}

/* Decrypts the db of an encrypted vault into *db (new JSON). */
static enum ak_err decrypt_db(json_t **db, const json_t *root, const char *password,
                              size_t password_len)
{
        const json_t *header = json_object_get(root, "header");
        const json_t *slots = json_object_get(header, "slots"),
                     *params = json_object_get(header, "params");
        const char *db_b64 = json_string_value(json_object_get(root, "db"));
        unsigned char master[AEGIS_KEY_BYTES], nonce[AK__GCM_NONCE_BYTES], tag[AK__GCM_TAG_BYTES];
        unsigned char *ct = NULL, *pt = NULL;
        size_t ct_len = 0, i, password_slots = 0;
        const json_t *slot;
        bool opened = false, tried = false;
        enum ak_err rc = AK_OK;

        if (password == NULL)
                return ak__fail(AK_ERR_IMPORT_PASSWORD, "a password is needed");
        if (!json_is_array(slots) ||
            hex_exact(nonce, sizeof(nonce), ak__json_str(params, "nonce")) != 0 ||
            hex_exact(tag, sizeof(tag), ak__json_str(params, "tag")) != 0)
                return ak__fail(AK_ERR_FORMAT, "aegis: malformed header");
        /* Every password slot's cost is checked before the first derivation. */
        json_array_foreach(slots, i, slot)
        {
                if (ak__json_int(slot, "type", -1) != 1)
                        continue;
                if (++password_slots > AEGIS_SLOTS_TRIED_MAX)
                        return ak__fail(AK_ERR_LIMIT,
                                        "aegis: more than %d password slots (Aegis makes one); "
                                        "refusing",
                                        AEGIS_SLOTS_TRIED_MAX);
                rc = check_scrypt_cost(ak__json_int(slot, "n", -1), ak__json_int(slot, "r", -1),
                                       ak__json_int(slot, "p", -1));
                if (rc != AK_OK)
                        return rc;
        }
        json_array_foreach(slots, i, slot)
        {
                if (ak__json_int(slot, "type", -1) !=
                    1) /* only password slots can be opened here */
                        continue;
                tried = true;
                rc = open_slot(master, slot, password, password_len);
                if (rc == AK_OK) {
                        opened = true;
                        break;
                }
                if (rc != AK_ERR_IMPORT_PASSWORD)
                        return rc;
        }
        if (!tried)
                return ak__fail(AK_ERR_UNSUPPORTED, "aegis: the vault has no password slot");
        if (!opened)
                return ak__fail(AK_ERR_IMPORT_PASSWORD,
                                "no password slot opens with this password");
        rc = ak__base64_decode(&ct, &ct_len, db_b64, strlen(db_b64));
        if (rc != AK_OK)
                goto done;
        rc = ak__aes_gcm_open(&pt, master, nonce, sizeof(nonce), ct, ct_len, tag);
        if (rc != AK_OK) {
                /* The slot opened, so the password is right: the db itself was changed. */
                if (rc != AK_ERR_NOMEM)
                        rc =
                            ak__fail(AK_ERR_FORMAT, "aegis: the encrypted db fails authentication");
                goto done;
        }
        rc = ak__json_parse(db, pt, ct_len, "aegis db");
done:
        sodium_memzero(master, sizeof(master));
        ak__free_secret(ct, ct_len);
        ak__free_secret(pt, ct_len);
        return rc;
}

/* One entry of the db. */
static enum ak_err read_entry(struct ak_account *acct, const json_t *entry)
{
        const json_t *info = json_object_get(entry, "info");
        struct ak__otp_fields f = {
            .type = ak__json_str(entry, "type"),
            .issuer = ak__json_str(entry, "issuer"),
            .name = ak__json_str(entry, "name"),
            .secret = ak__json_str(info, "secret"),
            .algorithm = ak__json_str(info, "algo"),
        };

        if (!json_is_object(entry) || !json_is_object(info))
                return ak__fail(AK_ERR_FORMAT, "not an object with info");
        ak__json_otp_numbers(&f, info);
        if (f.secret == NULL)
                return ak__fail(AK_ERR_FORMAT, "info.secret: missing");
        return ak__account_from_fields(acct, &f);
}

enum ak_err ak__import_aegis(struct ak_import *out, json_t *root, const char *password,
                             size_t password_len)
{
        json_t *db = json_object_get(root, "db"), *owned = NULL, *entries, *entry;
        size_t i;
        enum ak_err rc = AK_OK;
        bool encrypted = false;

        if (!ak__aegis_is(root, &encrypted))
                return ak__fail(AK_ERR_FORMAT, "aegis: no header and db");
        if (ak__json_int(root, "version", 1) != 1)
                return ak__fail(AK_ERR_UNSUPPORTED, "aegis: vault version %lld",
                                ak__json_int(root, "version", 1));
        if (encrypted) {
                rc = decrypt_db(&owned, root, password, password_len);
                if (rc != AK_OK)
                        return rc;
                db = owned;
        }
        entries = json_object_get(db, "entries");
        if (!json_is_array(entries)) {
                rc = ak__fail(AK_ERR_FORMAT, "aegis: db.entries is not a list");
                goto done;
        }
        json_array_foreach(entries, i, entry)
        {
                struct ak_account acct;
                char where[32], *label = NULL;
                enum ak_err erc;
                const char *issuer = ak__json_str(entry, "issuer"),
                           *name = ak__json_str(entry, "name");
                ak_account_init(&acct);
                snprintf(where, sizeof(where), "entry %zu", i + 1);
                erc = read_entry(&acct, entry);
                label = ak__label(issuer, name);
                rc = ak__import_push(out, erc, &acct, where, label);
                free(label);
                if (rc != AK_OK)
                        break;
        }
done:
        json_decref(owned);
        return rc;
}

/* ----- export ----- */

/* A random UUID (version 4) as text. */
static void random_uuid(char out[37])
{
        unsigned char b[16];

        randombytes_buf(b, sizeof(b));
        b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
        b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
        snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
                 b[13], b[14], b[15]);
}

/* One account as an Aegis entry; NULL when out of memory. */
static json_t *entry_json(const struct ak_account *a)
{
        char uuid[37];
        size_t b32_size = ak_base32_encoded_size(a->secret_len);
        char *secret = malloc(b32_size);
        json_t *info = NULL, *entry = NULL;

        if (secret == NULL || ak_base32_encode(secret, b32_size, a->secret, a->secret_len) != AK_OK)
                goto done;
        random_uuid(uuid);
        info = json_pack("{s:s, s:s, s:i}", "secret", secret, "algo", ak_hash_name(a->hash),
                         "digits", (json_int_t)a->digits);
        if (info == NULL)
                goto done;
        if (a->type == AK_OTP_HOTP) {
                if (json_object_set_new(info, "counter", json_integer((json_int_t)a->counter)) != 0)
                        goto done;
        } else if (json_object_set_new(info, "period", json_integer((json_int_t)a->period)) != 0) {
                goto done;
        }
        entry = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:n, s:O}", "type",
                          ak_otp_type_name(a->type), "uuid", uuid, "name", a->name, "issuer",
                          a->issuer, "note", "", "favorite", 0, "icon", "info", info);
done:
        json_decref(info);
        if (secret != NULL)
                ak__free_secret(secret, b32_size);
        return entry;
}

/* Serialises `root` into a malloc'd string. */
static enum ak_err dump(char **out, size_t *len, const json_t *root, size_t flags)
{
        char *s = json_dumps(root, flags);

        if (s == NULL)
                return AK_ERR_NOMEM;
        *out = s;
        *len = strlen(s);
        return AK_OK;
}

/* The header and encrypted db of an encrypted vault, wrapping `db_text`. */
static enum ak_err encrypt_vault(json_t **vault, const char *db_text, size_t db_len,
                                 const char *password, size_t password_len)
{
        unsigned char master[AEGIS_KEY_BYTES], derived[AEGIS_KEY_BYTES], salt[32];
        unsigned char key_nonce[AK__GCM_NONCE_BYTES], key_tag[AK__GCM_TAG_BYTES],
            enc_key[AEGIS_KEY_BYTES];
        unsigned char db_nonce[AK__GCM_NONCE_BYTES], db_tag[AK__GCM_TAG_BYTES];
        unsigned char *ct = malloc(db_len ? db_len : 1);
        /* The header's values in hex. */
        char h_key[2 * AEGIS_KEY_BYTES + 1], h_salt[2 * sizeof(salt) + 1];
        char h_kn[2 * AK__GCM_NONCE_BYTES + 1], h_kt[2 * AK__GCM_TAG_BYTES + 1];
        char h_dn[2 * AK__GCM_NONCE_BYTES + 1], h_dt[2 * AK__GCM_TAG_BYTES + 1];
        char *b64 = NULL;
        char uuid[37];
        enum ak_err rc;

        if (ct == NULL)
                return AK_ERR_NOMEM;
        randombytes_buf(master, sizeof(master));
        randombytes_buf(salt, sizeof(salt));
        randombytes_buf(key_nonce, sizeof(key_nonce));
        randombytes_buf(db_nonce, sizeof(db_nonce));
        random_uuid(uuid);
        if (ak__scrypt(derived, sizeof(derived), password, password_len, salt, sizeof(salt),
                       AK_AEGIS_SCRYPT_N, AK_AEGIS_SCRYPT_R, AK_AEGIS_SCRYPT_P) != AK_OK) {
                rc = ak__fail(AK_ERR_CRYPTO, "aegis: scrypt failed");
                goto done;
        }
        rc = ak__aes_gcm_encrypt(enc_key, key_tag, derived, key_nonce, sizeof(key_nonce), master,
                                 sizeof(master));
        if (rc == AK_OK)
                rc = ak__aes_gcm_encrypt(ct, db_tag, master, db_nonce, sizeof(db_nonce),
                                         (const unsigned char *)db_text, db_len);
        if (rc == AK_OK)
                rc = ak__base64_encode(&b64, ct, db_len);
        if (rc != AK_OK)
                goto done;
        sodium_bin2hex(h_key, sizeof(h_key), enc_key, sizeof(enc_key));
        sodium_bin2hex(h_kn, sizeof(h_kn), key_nonce, sizeof(key_nonce));
        sodium_bin2hex(h_kt, sizeof(h_kt), key_tag, sizeof(key_tag));
        sodium_bin2hex(h_salt, sizeof(h_salt), salt, sizeof(salt));
        sodium_bin2hex(h_dn, sizeof(h_dn), db_nonce, sizeof(db_nonce));
        sodium_bin2hex(h_dt, sizeof(h_dt), db_tag, sizeof(db_tag));
        *vault = json_pack("{s:i, s:{s:[{s:i, s:s, s:s, s:{s:s, s:s}, s:i, s:i, s:i, s:s, s:b}], "
                           "s:{s:s, s:s}}, s:s}",
                           "version", 1, "header", "slots", "type", 1, "uuid", uuid, "key", h_key,
                           "key_params", "nonce", h_kn, "tag", h_kt, "n", AK_AEGIS_SCRYPT_N, "r",
                           AK_AEGIS_SCRYPT_R, "p", AK_AEGIS_SCRYPT_P, "salt", h_salt, "repaired", 1,
                           "params", "nonce", h_dn, "tag", h_dt, "db", b64);
        if (*vault == NULL)
                rc = AK_ERR_NOMEM;
done:
        sodium_memzero(master, sizeof(master));
        sodium_memzero(derived, sizeof(derived));
        free(ct);
        free(b64);
        return rc;
}

enum ak_err ak_export_aegis(char **out, size_t *len, const struct ak_account_list *accounts,
                            const char *password, size_t password_len)
{
        json_t *db = json_pack("{s:i, s:[]}", "version", 1, "entries"), *vault = NULL;
        json_t *entries = json_object_get(db, "entries");
        char *db_text = NULL;
        size_t db_len = 0;
        enum ak_err rc = AK_OK;

        if (db == NULL)
                return AK_ERR_NOMEM;
        for (size_t i = 0; i < accounts->count; i++) {
                const struct ak_account *a = &accounts->items[i];
                if (a->kind != AK_KIND_THIRD_PARTY || a->secret_len == 0)
                        continue;
                if (json_array_append_new(entries, entry_json(a)) != 0) {
                        rc = AK_ERR_NOMEM;
                        goto done;
                }
        }
        if (password == NULL) {
                vault = json_pack("{s:i, s:{s:n, s:n}, s:O}", "version", 1, "header", "slots",
                                  "params", "db", db);
                rc = vault ? dump(out, len, vault, JSON_INDENT(4)) : AK_ERR_NOMEM;
                goto done;
        }
        rc = dump(&db_text, &db_len, db, JSON_COMPACT);
        if (rc == AK_OK)
                rc = encrypt_vault(&vault, db_text, db_len, password, password_len);
        if (rc == AK_OK)
                rc = dump(out, len, vault, JSON_INDENT(4));
done:
        if (db_text != NULL)
                ak__free_secret(db_text, db_len);
        json_decref(db);
        json_decref(vault);
        return rc;
}
