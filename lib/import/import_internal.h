/*
 * What the files of lib/import/ share. Not public. detect.c names the
 * format, entries.c holds the entries and dispatches to one parser a format
 * (aegis.c, twofas.c, ...), fields.c has what every parser reads with,
 * ciphers.c the other apps' ciphers, classify.c sorts entries against the
 * accounts present.
 */
#ifndef AUTHKEEP_IMPORT_INTERNAL_H
#define AUTHKEEP_IMPORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "authkeep/account.h"
#include "authkeep/import.h"
#include "internal.h"

#define AK__SQLITE_MAGIC "SQLite format 3" /* the first 16 bytes of a database, NUL included */
#define AK__GCM_TAG_BYTES 16
#define AK__GCM_NONCE_BYTES 12

/*
 * An account described by the loose fields most exports use. Strings may be
 * NULL: type NULL is TOTP, algorithm NULL is SHA1, digits/period 0 are the
 * type's defaults, counter < 0 means absent (0 for HOTP).
 */
struct ak__otp_fields {
        const char *type;
        const char *issuer;
        const char *name;
        const char *secret;              /* base32 (lenient) */
        const unsigned char *secret_raw; /* raw bytes instead of base32 when not NULL */
        size_t secret_raw_len;
        const char *algorithm;
        long long digits;
        long long period;
        long long counter;
};

/* Builds and validates an account from `f` into `out` (initialised; filled only on success). */
enum ak_err ak__account_from_fields(struct ak_account *out, const struct ak__otp_fields *f) AK__WUR;

/*
 * Appends one entry to `imp`. When `err` is AK_OK, `acct` is moved in (it is
 * left empty); otherwise the entry is unreadable, with ak_strerror(err) and
 * the current error detail as its reason, and `acct` is only cleared.
 * `label` (may be NULL or "") is added to `where` in parentheses.
 * AK_ERR_LIMIT past AK_IMPORT_MAX_ENTRIES, AK_ERR_NOMEM.
 */
enum ak_err ak__import_push(struct ak_import *imp, enum ak_err err, struct ak_account *acct,
                            const char *where, const char *label) AK__WUR;

/* A malloc'd printf (fields.c); NULL when out of memory. */
char *ak__import_printf(const char *fmt, ...) AK__PRINTF(1, 2);

/*
 * `n` bytes that need not end in NUL (a line of a buffer, a protobuf
 * string) as a new NUL-terminated string; NULL when out of memory.
 */
char *ak__text_of(const void *bytes, size_t n);

/* "issuer:name", "name" or "issuer" (either may be NULL), malloc'd; NULL when out of memory. */
char *ak__label(const char *issuer, const char *name);

/* Moves every entry of `src` to the end of `dst` (src is left empty); AK_ERR_LIMIT over the cap. */
enum ak_err ak__import_take(struct ak_import *dst, struct ak_import *src) AK__WUR;

/* JSON: a string member or NULL; an integer member (or a numeric string) or `dflt`. */
const char *ak__json_str(const json_t *obj, const char *key);
long long ak__json_int(const json_t *obj, const char *key, long long dflt);

/*
 * "digits", "period" and "counter" of `params` into `f`, as Aegis, andOTP
 * and 2FAS name them; absent, they are 0, 0 and -1, which
 * ak__account_from_fields reads as the defaults of the type.
 */
static inline void ak__json_otp_numbers(struct ak__otp_fields *f, const json_t *params)
{
        f->digits = ak__json_int(params, "digits", 0);
        f->period = ak__json_int(params, "period", 0);
        f->counter = ak__json_int(params, "counter", -1);
}

/* Parses JSON text with jansson (rejecting duplicates is not needed); AK_ERR_FORMAT with the
 * position on error. */
enum ak_err ak__json_parse(json_t **out, const void *data, size_t len, const char *what) AK__WUR;

/*
 * Decodes standard base64 (padding optional, whitespace ignored) into a new
 * buffer. *out is freed with ak__free_secret(*out, *out_len).
 */
enum ak_err ak__base64_decode(unsigned char **out, size_t *out_len, const char *in,
                              size_t in_len) AK__WUR;
/* Encodes standard base64 with padding; *out malloc'd, NUL-terminated. */
enum ak_err ak__base64_encode(char **out, const unsigned char *in, size_t len) AK__WUR;

/*
 * AES-256-GCM. Decryption writes ct_len bytes to `out` and returns AK_OK only
 * when the tag verifies (AK_ERR_IMPORT_PASSWORD otherwise).
 */
enum ak_err ak__aes_gcm_decrypt(unsigned char *out, const unsigned char key[32],
                                const unsigned char *nonce, size_t nonce_len,
                                const unsigned char *ct, size_t ct_len,
                                const unsigned char tag[AK__GCM_TAG_BYTES]) AK__WUR;
/*
 * Decrypts like ak__aes_gcm_decrypt into a new buffer of ct_len bytes and a
 * NUL after them (so that JSON can be read from it). *out is freed with
 * ak__free_secret(*out, ct_len); nothing is allocated on failure.
 */
enum ak_err ak__aes_gcm_open(unsigned char **out, const unsigned char key[32],
                             const unsigned char *nonce, size_t nonce_len, const unsigned char *ct,
                             size_t ct_len, const unsigned char tag[AK__GCM_TAG_BYTES]) AK__WUR;
/*
 * The same for a `box` of ciphertext followed by its 16-byte tag, as 2FAS
 * and andOTP store it: *out gets box_len - 16 bytes (+ NUL), freed with
 * ak__free_secret(*out, *out_len + 1).
 */
enum ak_err ak__aes_gcm_open_tagged(unsigned char **out, size_t *out_len,
                                    const unsigned char key[32], const unsigned char *nonce,
                                    size_t nonce_len, const unsigned char *box,
                                    size_t box_len) AK__WUR;
enum ak_err ak__aes_gcm_encrypt(unsigned char *out, unsigned char tag[AK__GCM_TAG_BYTES],
                                const unsigned char key[32], const unsigned char *nonce,
                                size_t nonce_len, const unsigned char *pt, size_t pt_len) AK__WUR;

/*
 * Key derivations (ciphers.c): scrypt with the file's N, r and p, and
 * PBKDF2-HMAC with `hash` (SHA1, SHA256 or SHA512). The caller caps the
 * costs first. AK_ERR_CRYPTO, without a detail, when the derivation fails
 * (the caller words it).
 */
enum ak_err ak__scrypt(unsigned char *key, size_t key_len, const char *password,
                       size_t password_len, const unsigned char *salt, size_t salt_len, uint64_t n,
                       uint32_t r, uint32_t p) AK__WUR;
enum ak_err ak__pbkdf2(unsigned char *key, size_t key_len, const char *password,
                       size_t password_len, const unsigned char *salt, size_t salt_len,
                       uint32_t iterations, enum ak_hash hash) AK__WUR;

/* Argon2id with `lanes` lanes (ciphers_more.c; AK_ERR_CRYPTO, without a detail, when it fails). */
enum ak_err ak__argon2id_lanes(unsigned char *key, size_t key_len, const char *password,
                               size_t password_len, const unsigned char *salt, size_t salt_len,
                               uint32_t passes, uint32_t memory_kib, uint32_t lanes) AK__WUR;

/* The parsers, one per format (lib/import/NAME.c). Each appends to `out`. */
enum ak_err ak__import_uris(struct ak_import *out, const char *text, size_t len,
                            bool migration_only) AK__WUR;
enum ak_err ak__import_aegis(struct ak_import *out, json_t *root, const char *password,
                             size_t password_len) AK__WUR;
enum ak_err ak__import_2fas(struct ak_import *out, json_t *root, const char *password,
                            size_t password_len) AK__WUR;
enum ak_err ak__import_andotp_json(struct ak_import *out, json_t *root) AK__WUR;
enum ak_err ak__import_andotp_encrypted(struct ak_import *out, const unsigned char *data,
                                        size_t len, const char *password,
                                        size_t password_len) AK__WUR;
enum ak_err ak__import_proton(struct ak_import *out, json_t *root) AK__WUR;
enum ak_err ak__import_bitwarden(struct ak_import *out, json_t *root) AK__WUR;
enum ak_err ak__import_sqlite(struct ak_import *out, enum ak_import_format format,
                              const char *path) AK__WUR;
/* Which of the two SQLite formats the database at `path` is (AK_ERR_FORMAT when neither). */
enum ak_err ak__sqlite_detect(enum ak_import_format *format, const char *path) AK__WUR;

/* Parses one line of a URI list: otpauth://, steam://SECRET, or a migration URI (several entries).
 */
enum ak_err ak__import_one_uri(struct ak_import *out, const char *uri, const char *where) AK__WUR;

/*
 * One value that is an otpauth:// (or migration) URI, steam://SECRET, or,
 * when `bare_secret`, a base32 secret, as entries named `where`. `issuer` and
 * `name` (may be NULL) fill what the value leaves out.
 */
enum ak_err ak__import_uri_or_secret(struct ak_import *out, const char *value, const char *where,
                                     const char *issuer, const char *name,
                                     bool bare_secret) AK__WUR;

/*
 * Detection (detect.c): the format of `data`, whether it is encrypted, and
 * in *root (when `root` is not NULL and the input is JSON) the parsed JSON,
 * which the caller then owns. AK_ERR_FORMAT when nothing matches.
 */
enum ak_err ak__import_detect(enum ak_import_format *format, bool *encrypted, json_t **root,
                              const unsigned char *data, size_t len) AK__WUR;
/* Whether `data` holds JSON (an object or a list after white space and a byte order mark). */
bool ak__looks_json(const unsigned char *data, size_t len);
/* Whether the regular file at `path` starts with SQLite's magic (file.c); false when unreadable. */
bool ak__file_is_sqlite(const char *path);

/* Whether the JSON `root` looks like `format` (used by detection). */
bool ak__aegis_is(const json_t *root, bool *encrypted);
bool ak__2fas_is(const json_t *root, bool *encrypted);

/* Tells the progress callback (lib/import/progress.c) that `done` of `total` entries went through `what`. */
void ak__import_progress(const char *what, size_t done, size_t total);

/*
 * Detection of further apps' formats (sniff.c), called by ak__import_detect:
 * from the first bytes (`text`, `rest`: after white space and comments) and
 * from parsed JSON. What an input no parser reads looks like, for the
 * message "not a format authkeep reads (it looks like X)": from a magic
 * number (NULL when none), from text, from JSON.
 */
bool ak__detect_app(enum ak_import_format *format, bool *encrypted, const unsigned char *data,
                    size_t len, const char *text, size_t rest);
bool ak__detect_json_app(const json_t *root, enum ak_import_format *format, bool *encrypted);
const char *ak__looks_like(const unsigned char *data, size_t len);
const char *ak__looks_like_text(const unsigned char *data, size_t len);
const char *ak__looks_like_json(const json_t *root);

/* Authenticator Pro (Stratum), stratum.c: whether `data` starts like an encrypted backup. */
bool ak__stratum_encrypted(const unsigned char *data, size_t len);
enum ak_err ak__import_stratum(struct ak_import *out, const unsigned char *data, size_t len,
                               json_t *root, const char *password, size_t password_len) AK__WUR;
enum ak_err ak__import_stratum_json(struct ak_import *out, json_t *root) AK__WUR;
/* Its SQLite database (stratum_db.c); whether a database at `path` is one. */
enum ak_err ak__import_stratum_db(struct ak_import *out, const char *path) AK__WUR;
/*
 * The SQLite access of sqlite_db.c for one app's table: `path` opened as
 * ak__import_sqlite does, with its limits (and as SQLCipher's with `key`
 * when not NULL), `table` checked to be a table, `sql` run and each row's
 * first `columns` fields read by `read_row`, which fills `acct` (or says why
 * the row is unreadable) and a malloc'd `label`.
 */
struct sqlite3_stmt;
typedef enum ak_err (*ak__sqlite_row_fn)(struct ak_account *acct, char **label,
                                         struct sqlite3_stmt *st);
enum ak_err ak__sqlite_import_table(struct ak_import *out, enum ak_import_format format,
                                    const char *path, const char *key, size_t key_len,
                                    const char *table, const char *sql, int columns,
                                    ak__sqlite_row_fn read_row) AK__WUR;
/*
 * One Authenticator Pro account from its fields (stratum.c), as both its
 * backups and its database hold them: type 1 HOTP, 2 TOTP, 4 Steam (3 mOTP
 * and 5 Yandex are unreadable); algorithm 0 SHA-1, 1 SHA-256, 2 SHA-512.
 */
enum ak_err ak__stratum_account(struct ak_account *acct, long long type, const char *issuer,
                                const char *username, const char *secret, long long algorithm,
                                long long digits, long long period, long long counter) AK__WUR;
/* Steam (steam.c), Duo (duo.c): whether parsed JSON is one, and the parsers. */
bool ak__steam_is(const json_t *root);
enum ak_err ak__import_steam(struct ak_import *out, json_t *root) AK__WUR;
/* The same, its entries named after the file `name` when not NULL ("NAME", "NAME, account 2"). */
enum ak_err ak__import_steam_named(struct ak_import *out, json_t *root, const char *name) AK__WUR;
/*
 * Steam Desktop Authenticator's folder (sda.c): whether parsed JSON is its
 * manifest.json (and whether it says the maFiles are encrypted); whether a
 * file at `path` is one of its encrypted maFiles, by name and content.
 * ak__import_steam_input reads any Steam input (`root`, borrowed, when the
 * caller parsed it already, else NULL): a manifest with the maFiles it
 * lists in the folder `dir` (NULL when the input is no file), a Steam
 * Guard file, or says what to do with a lone encrypted maFile.
 */
bool ak__sda_manifest_is(const json_t *root, bool *encrypted);
bool ak__sda_lone_mafile(const char *path, const unsigned char *data, size_t len);
enum ak_err ak__import_steam_input(struct ak_import *out, const unsigned char *data, size_t len,
                                   json_t *root, const char *password, size_t password_len,
                                   const char *dir) AK__WUR;
/*
 * ak_import_parse for an input read from a file in the folder `dir` (NULL
 * when it is no file), which formats that name other files read them from.
 */
enum ak_err ak__import_parse_in(struct ak_import *out, enum ak_import_format format,
                                const void *data, size_t len, const char *password,
                                size_t password_len, const char *dir) AK__WUR;
bool ak__duo_is(const json_t *root);
enum ak_err ak__import_duo(struct ak_import *out, json_t *root) AK__WUR;
/*
 * An RFC 4180 CSV reader (csv.c): ak__csv_next gives one record at a time
 * (fields unquoted, NUL-terminated copies; `line` is where it starts), *end
 * past the last. AK_ERR_FORMAT naming the line for malformed quoting.
 */
#define AK__CSV_MAX_FIELDS 1000
struct ak__csv {
        const char *p;
        size_t len, at, line;
};
struct ak__csv_record {
        char **fields;
        size_t count, line;
};
void ak__csv_init(struct ak__csv *c, const char *data, size_t len);
enum ak_err ak__csv_next(struct ak__csv *c, struct ak__csv_record *r, bool *end) AK__WUR;
void ak__csv_free(struct ak__csv_record *r);
/* Bitwarden's CSV export (bitwarden_csv.c). */
enum ak_err ak__import_bitwarden_csv(struct ak_import *out, const char *text, size_t len) AK__WUR;
/* WinAuth's text export (winauth.c). */
enum ak_err ak__import_winauth(struct ak_import *out, const char *text, size_t len) AK__WUR;

#endif
