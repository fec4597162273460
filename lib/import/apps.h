/*
 * What the importers of Android apps' files share (not public): Android's
 * preference XML (prefs_xml.c), detection of these formats (apps.c), and
 * the parsers, one file an app: FreeOTP and FreeOTP+ (freeotp.c,
 * freeotp_backup.c), Authy (authy.c), Battle.net (battlenet.c), TOTP
 * Authenticator (totp_authenticator.c) and Authenticator Plus (authplus.c).
 */
#ifndef AUTHKEEP_IMPORT_APPS_H
#define AUTHKEEP_IMPORT_APPS_H

#include <stdio.h>

#include "import_internal.h"

/* Returns `err` with the current error detail after "PREFIX: " (the detail is copied first). */
static inline enum ak_err ak__fail_in(enum ak_err err, const char *prefix)
{
        char d[512];

        snprintf(d, sizeof(d), "%s", ak_error_detail());
        return ak__fail(err, "%s: %s", prefix, d);
}

/* ----- Android's SharedPreferences XML: <map><string name="N">V</string>... ----- */

struct ak__pref {
        char *name;
        char *type; /* the element: "string", "int", "long", "boolean", "float", "set" */
        char *
            value; /* the text of a <string>, the value attribute of the others; may hold secrets */
};

struct ak__prefs {
        struct ak__pref *items;
        size_t count;
};

/*
 * Parses a preferences file with libxml2: no network, no DTD (a file that
 * has one is refused), no entity substitution. AK_ERR_FORMAT, naming
 * `what`, when it is not such a file.
 */
enum ak_err ak__prefs_parse(struct ak__prefs *out, const void *data, size_t len,
                            const char *what) AK__WUR;
/* Wipes the values and frees everything; accepts an empty (zeroed) one. */
void ak__prefs_free(struct ak__prefs *prefs);
/* The value of the first preference named `name`, or NULL. */
const char *ak__prefs_get(const struct ak__prefs *prefs, const char *name);
/* Whether `data` starts like XML (after white space and a byte order mark). */
bool ak__looks_xml(const unsigned char *data, size_t len);

/* ----- detection (apps.c) ----- */

/*
 * Recognises these apps' files by their first bytes or their preference
 * names. Returns false when `data` is none of them; true with *rc AK_OK and
 * the format, or with *rc an AK_ERR_FORMAT saying what the input looks like.
 */
bool ak__apps_detect(enum ak_err *rc, enum ak_import_format *format, bool *encrypted,
                     const unsigned char *data, size_t len);
/* Whether a parsed JSON `root` is a FreeOTP+ export. */
bool ak__freeotp_plus_is(const json_t *root);
/* Whether `format` is read by ak__apps_parse. */
bool ak__apps_has(enum ak_import_format format);
/* For a format the caller named: whether this input is its encrypted kind. */
bool ak__apps_encrypted(enum ak_import_format format, const unsigned char *data, size_t len);
/* Parses `data` as one of these formats (ak__apps_has) into `out`. */
enum ak_err ak__apps_parse(struct ak_import *out, enum ak_import_format format,
                           const unsigned char *data, size_t len, const char *password,
                           size_t password_len) AK__WUR;

/* ----- the parsers ----- */

/* FreeOTP's token JSON (tokens.xml values, FreeOTP+ tokens, FreeOTP 2 "-token" values). `secret`
 * overrides the token's own "secret" array when not NULL. */
enum ak_err ak__freeotp_token(struct ak_account *acct, const json_t *token,
                              const unsigned char *secret, size_t secret_len) AK__WUR;
/* The label an entry is named by: "issuerExt:label". *label is malloc'd (NULL when out of memory).
 */
char *ak__freeotp_label(const json_t *token);
enum ak_err ak__import_freeotp_xml(struct ak_import *out, const struct ak__prefs *prefs) AK__WUR;
enum ak_err ak__import_freeotp_plus(struct ak_import *out, const json_t *root) AK__WUR;
enum ak_err ak__import_freeotp_backup(struct ak_import *out, const unsigned char *data, size_t len,
                                      const char *password, size_t password_len) AK__WUR;
bool ak__authy_encrypted(const struct ak__prefs *prefs);
enum ak_err ak__import_authy(struct ak_import *out, const struct ak__prefs *prefs,
                             const char *password, size_t password_len) AK__WUR;
enum ak_err ak__import_battlenet(struct ak_import *out, const struct ak__prefs *prefs) AK__WUR;
enum ak_err ak__import_totpauth_xml(struct ak_import *out, const struct ak__prefs *prefs) AK__WUR;
enum ak_err ak__import_totpauth_backup(struct ak_import *out, const unsigned char *data, size_t len,
                                       const char *password, size_t password_len) AK__WUR;
bool ak__totpauth_is_backup(const unsigned char *data, size_t len);
/* ----- zip archives (zip.c, with libzip) ----- */

struct zip;
/* Whether `data` starts like a zip archive. */
bool ak__is_zip(const unsigned char *data, size_t len);
/* The archive in `data` (which must outlive it), opened read-only; NULL when it is none. Closed with
 * zip_discard. */
struct zip *ak__zip_open(const unsigned char *data, size_t len);
/* Reads entry `i` with `password` (NULL for none) into *out, up to AK_IMPORT_MAX_BYTES (freed with
 * ak__free_secret(*out, *out_len + 1)). A wrong or missing password, and data that does not
 * inflate or check (what ZipCrypto makes of a wrong password), are AK_ERR_IMPORT_PASSWORD. */
enum ak_err ak__zip_read(unsigned char **out, size_t *out_len, struct zip *za, int64_t i,
                         const char *password) AK__WUR;
/* Reads the archive's only file (directories aside) as ak__zip_read does. */
enum ak_err ak__zip_lone_file(unsigned char **out, size_t *out_len, const unsigned char *data,
                              size_t len, const char *password) AK__WUR;
/* Whether the archive's only file is encrypted. */
bool ak__zip_encrypted(const unsigned char *data, size_t len);
/* Whether a zip archive is WinAuth's export (zip.c says how it is told), and *encrypted. */
bool ak__winauth_zip_is(const unsigned char *data, size_t len, bool *encrypted);
/* WinAuth's export, its text or its zip (winauth.c). */
enum ak_err ak__import_winauth_input(struct ak_import *out, const unsigned char *data, size_t len,
                                     const char *password) AK__WUR;

/* Whether a zip archive holds what Authenticator Plus exports (Accounts.txt or a database). */
bool ak__authplus_zip_has(const unsigned char *data, size_t len);
enum ak_err ak__import_authplus(struct ak_import *out, const unsigned char *data, size_t len,
                                const char *password, size_t password_len) AK__WUR;

/* A JSON array of small integers (Java's signed bytes) as bytes; AK_ERR_FORMAT otherwise. *out is
 * freed with ak__free_secret(*out, *out_len). */
enum ak_err ak__json_bytes(unsigned char **out, size_t *out_len, const json_t *array,
                           const char *what) AK__WUR;

/* AES-256-GCM over `box` (ciphertext then its 16-byte tag) with additional data `aad`, into a new
 * buffer (+ NUL) freed with ak__free_secret(*out, *out_len + 1); AK_ERR_IMPORT_PASSWORD when the
 * tag does not verify. */
enum ak_err ak__aes_gcm_open_aad(unsigned char **out, size_t *out_len, const unsigned char key[32],
                                 const unsigned char *nonce, size_t nonce_len,
                                 const unsigned char *aad, size_t aad_len, const unsigned char *box,
                                 size_t box_len) AK__WUR;

/* AES-CBC (16- or 32-byte key) with PKCS#7 padding into a new buffer (+ NUL), freed with
 * ak__free_secret(*out, *out_len + 1); AK_ERR_IMPORT_PASSWORD when the padding does not check. */
enum ak_err ak__aes_cbc_open(unsigned char **out, size_t *out_len, const unsigned char *key,
                             size_t key_len, const unsigned char iv[16], const unsigned char *ct,
                             size_t ct_len) AK__WUR;

/*
 * Google Authenticator's accounts table (which Authenticator Plus's database
 * has too) from the database at `path`, opened with SQLCipher and `key`
 * (sqlite_db.c, with its limits). AK_ERR_IMPORT_PASSWORD when the key does
 * not open it.
 */
enum ak_err ak__import_sqlcipher(struct ak_import *out, enum ak_import_format format,
                                 const char *path, const char *key, size_t key_len) AK__WUR;

#endif
