/*
 * Steam Desktop Authenticator's maFiles folder (SDA's Manifest.cs and
 * FileEncryptor.cs). manifest.json lists the accounts:
 *
 *   {"encrypted": true|false, "first_run", "periodic_checking", ...,
 *    "entries": [{"encryption_iv" (base64, 16 bytes), "encryption_salt"
 *                 (base64, 8 bytes), "filename": "STEAMID.maFile",
 *                 "steamid"}, ...]}
 *
 * and each file it lists, beside it, holds one account: a plain maFile
 * (steam.c's old layout), or, when "encrypted" is true, the base64 text of
 * that maFile's AES-256-CBC ciphertext (PKCS#7 padding) under the key
 * PBKDF2-HMAC-SHA1(passkey, the entry's salt, 50,000 iterations, 32 bytes)
 * and the entry's IV (.NET's Rfc2898DeriveBytes). Nothing in the file tells
 * a wrong passkey apart from damage: bad padding, or a plaintext that is not
 * JSON, is taken as a wrong passkey when no maFile of the folder opens, and
 * as that maFile's fault when another one does.
 *
 * The manifest is read from its file: the maFiles are found in its folder.
 * Each maFile is read as steam.c reads a plain one; a listed maFile that is
 * missing or unreadable is an unreadable entry naming it, never skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "apps.h"

#define SDA_ITERATIONS 50000
#define SDA_SALT_BYTES 8
#define SDA_IV_BYTES 16
#define SDA_KEY_BYTES 32
#define SDA_MAX_ENTRIES 10000     /* one a Steam account; even a trading farm has fewer */
#define SDA_MAFILE_MAX (1u << 20) /* a maFile is a few kilobytes */
#define SDA_NAME_MAX 255          /* the longest file name a folder holds */
#define SDA_SUFFIX ".maFile"

bool ak__sda_manifest_is(const json_t *root, bool *encrypted)
{
        const json_t *flag = json_object_get(root, "encrypted");

        if (!json_is_object(root) || !json_is_boolean(flag) ||
            !json_is_array(json_object_get(root, "entries")))
                return false;
        *encrypted = json_is_true(flag);
        return true;
}

/* Whether `data` is base64 text (white space around it) of whole AES blocks, as SDA writes them. */
static bool base64_blocks(const unsigned char *data, size_t len)
{
        size_t chars = 0, pad = 0;

        while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r' || data[len - 1] == ' '))
                len--;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = data[i];
                if (c == '=' && i + 2 >= len) {
                        pad++;
                } else if (pad > 0 || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                        (c >= '0' && c <= '9') || c == '+' || c == '/')) {
                        return false;
                }
                chars++;
        }
        return chars >= 24 && chars % 4 == 0 && (chars / 4 * 3 - pad) % 16 == 0;
}

bool ak__sda_lone_mafile(const char *path, const unsigned char *data, size_t len)
{
        size_t n = strlen(path), m = strlen(SDA_SUFFIX);

        return n > m && strcasecmp(path + n - m, SDA_SUFFIX) == 0 && !ak__looks_json(data, len) &&
               base64_blocks(data, len);
}

/* Whether `name` is a file of the folder itself: no path, not hidden, not too long. */
static bool file_name(const char *name)
{
        return name != NULL && name[0] != '\0' && name[0] != '.' && strchr(name, '/') == NULL &&
               strlen(name) <= SDA_NAME_MAX;
}

/* The base64 member `key` of `entry`, which must be exactly `n` bytes, into `out`. */
static enum ak_err entry_bytes(unsigned char *out, size_t n, const json_t *entry, const char *key)
{
        const char *text = ak__json_str(entry, key);
        unsigned char *raw = NULL;
        size_t raw_len = 0;
        enum ak_err rc;

        if (text == NULL)
                return ak__fail(AK_ERR_FORMAT, "manifest: %s: missing", key);
        rc = ak__base64_decode(&raw, &raw_len, text, strlen(text));
        if (rc == AK_ERR_NOMEM)
                return rc;
        if (rc == AK_OK && raw_len == n)
                memcpy(out, raw, n);
        else
                rc = ak__fail(AK_ERR_FORMAT, "manifest: %s: not %zu bytes in base64", key, n);
        ak__free_secret(raw, raw_len);
        return rc;
}

/*
 * Decrypts the text of an encrypted maFile with the passkey and its
 * manifest entry's salt and IV into *root (new). AK_ERR_IMPORT_PASSWORD
 * when it does not open; the key and the plaintext are wiped.
 */
static enum ak_err open_mafile(json_t **root, const json_t *entry, const char *text, size_t len,
                               const char *passkey, size_t passkey_len)
{
        unsigned char iv[SDA_IV_BYTES], salt[SDA_SALT_BYTES], key[SDA_KEY_BYTES];
        unsigned char *ct = NULL, *pt = NULL;
        size_t ct_len = 0, pt_len = 0;
        enum ak_err rc;

        rc = entry_bytes(iv, sizeof(iv), entry, "encryption_iv");
        if (rc == AK_OK)
                rc = entry_bytes(salt, sizeof(salt), entry, "encryption_salt");
        if (rc != AK_OK)
                return rc;
        if (!base64_blocks((const unsigned char *)text, len))
                return ak__fail(AK_ERR_FORMAT, "not the base64 text of AES blocks an encrypted "
                                               "maFile holds");
        rc = ak__base64_decode(&ct, &ct_len, text, len);
        if (rc != AK_OK)
                return rc;
        if (ak__pbkdf2(key, sizeof(key), passkey, passkey_len, salt, sizeof(salt), SDA_ITERATIONS,
                       AK_HASH_SHA1) != AK_OK) {
                rc = ak__fail(AK_ERR_CRYPTO, "steam: key derivation failed");
                goto done;
        }
        rc = ak__aes_cbc_open(&pt, &pt_len, key, sizeof(key), iv, ct, ct_len);
        if (rc == AK_OK &&
            (!ak__looks_json(pt, pt_len) || ak__json_parse(root, pt, pt_len, "maFile") != AK_OK))
                rc = AK_ERR_IMPORT_PASSWORD;
        if (rc == AK_ERR_IMPORT_PASSWORD)
                rc = ak__fail(AK_ERR_IMPORT_PASSWORD, "it does not decrypt with this passkey");
done:
        sodium_memzero(key, sizeof(key));
        if (pt != NULL)
                ak__free_secret(pt, pt_len + 1);
        ak__free_secret(ct, ct_len);
        return rc;
}

/*
 * Reads the maFile of manifest entry `n` from the folder `dir` into entries
 * of `out`: its accounts, or one unreadable entry that names the file and
 * says why. *opened tells whether the file was read (and decrypted),
 * *refused whether the passkey did not open it. Fails only when out of
 * memory or over the entries' cap.
 */
static enum ak_err import_entry(struct ak_import *out, const json_t *entry, size_t n,
                                const char *dir, bool encrypted, const char *passkey,
                                size_t passkey_len, bool *opened, bool *refused)
{
        const char *name = ak__json_str(entry, "filename");
        char where[SDA_NAME_MAX + 32], *path, *text = NULL;
        size_t len = 0;
        json_t *root = NULL;
        struct ak_account none;
        enum ak_err rc;

        *opened = *refused = false;
        ak_account_init(&none);
        if (!file_name(name)) {
                snprintf(where, sizeof(where), "manifest entry %zu", n);
                return ak__import_push(out,
                                       ak__fail(AK_ERR_FORMAT, "filename: missing, or not the name "
                                                               "of a file in the maFiles folder"),
                                       &none, where, NULL);
        }
        snprintf(where, sizeof(where), "%s", name);
        path = ak__import_printf("%s/%s", dir, name);
        if (path == NULL)
                return AK_ERR_NOMEM;
        rc = ak__read_file(&text, &len, path, SDA_MAFILE_MAX);
        if (rc == AK_OK && encrypted)
                rc = open_mafile(&root, entry, text, len, passkey, passkey_len);
        else if (rc == AK_OK)
                rc = ak__json_parse(&root, text, len, "maFile");
        if (rc == AK_OK && !json_is_object(root))
                rc = ak__fail(AK_ERR_FORMAT, "not a maFile (not a JSON object)");
        *opened = rc == AK_OK;
        *refused = rc == AK_ERR_IMPORT_PASSWORD;
        if (rc == AK_OK)
                rc = ak__import_steam_named(out, root, name);
        else if (rc != AK_ERR_NOMEM)
                rc = ak__import_push(out, rc, &none, where, NULL);
        json_decref(root);
        if (text != NULL)
                ak__free_secret(text, len);
        free(path);
        return rc;
}

/* Every maFile the manifest lists, from the folder `dir`, into `out`. */
static enum ak_err import_manifest(struct ak_import *out, const json_t *manifest, bool encrypted,
                                   const char *dir, const char *passkey, size_t passkey_len)
{
        const json_t *entries = json_object_get(manifest, "entries");
        struct ak_import tmp;
        size_t i, opened = 0, refused = 0;
        json_t *entry;
        enum ak_err rc = AK_OK;

        if (json_array_size(entries) > SDA_MAX_ENTRIES)
                return ak__fail(AK_ERR_LIMIT, "steam: the manifest lists more than %d maFiles",
                                SDA_MAX_ENTRIES);
        if (encrypted && passkey == NULL)
                return ak__fail(AK_ERR_IMPORT_PASSWORD, "a password is needed");
        ak_import_init(&tmp);
        json_array_foreach(entries, i, entry)
        {
                bool was_opened, was_refused;
                rc = import_entry(&tmp, entry, i + 1, dir, encrypted, passkey, passkey_len,
                                  &was_opened, &was_refused);
                if (rc != AK_OK)
                        break;
                opened += was_opened;
                refused += was_refused;
        }
        /* One passkey encrypts the whole folder: when it opens none, it is the wrong one. */
        if (rc == AK_OK && refused > 0 && opened == 0)
                rc = ak__fail(AK_ERR_IMPORT_PASSWORD,
                              "steam: no maFile of the manifest decrypts with this passkey");
        if (rc == AK_OK)
                rc = ak__import_take(out, &tmp);
        ak_import_clear(&tmp);
        return rc;
}

enum ak_err ak__import_steam_input(struct ak_import *out, const unsigned char *data, size_t len,
                                   json_t *root, const char *password, size_t password_len,
                                   const char *dir)
{
        json_t *owned = NULL;
        bool encrypted = false;
        enum ak_err rc;

        if (root == NULL && !ak__looks_json(data, len) && base64_blocks(data, len))
                return ak__fail(AK_ERR_UNSUPPORTED,
                                "an encrypted maFile of Steam Desktop Authenticator: import the "
                                "manifest.json beside it, which holds its salt and IV");
        if (root == NULL) {
                rc = ak__json_parse(&owned, data, len, "steam");
                if (rc != AK_OK)
                        return rc;
                root = owned;
        }
        if (!ak__sda_manifest_is(root, &encrypted))
                rc = ak__import_steam(out, root);
        else if (dir == NULL)
                rc = ak__fail(AK_ERR_UNSUPPORTED,
                              "a manifest.json of Steam Desktop Authenticator: import it from "
                              "its file, so that the maFiles beside it are read");
        else
                rc = import_manifest(out, root, encrypted, dir, password, password_len);
        json_decref(owned);
        return rc;
}
