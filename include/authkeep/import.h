/*
 * Accounts in and out: other authenticators' exports (docs/formats.md),
 * Authkeep's own exports, and QR images.
 *
 * An import is two steps. ak_import_parse() (or ak_import_file()) turns the
 * input into entries, one per account the input holds; an entry the parser
 * could not read keeps a reason instead of an account, so nothing is ever
 * dropped silently. ak_import_classify() then compares the entries with the
 * accounts already present (new, identical, conflicting, unreadable), and
 * ak_import_apply() appends the new and the conflicting ones, the latter
 * under a distinguishing name. Nothing here writes the vault: the caller
 * saves once.
 */
#ifndef AUTHKEEP_IMPORT_H
#define AUTHKEEP_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "authkeep/account.h"
#include "authkeep/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AK_IMPORT_MAX_BYTES (64u << 20) /* largest input file */
#define AK_IMPORT_MAX_ENTRIES 100000    /* most entries in one import */
#define AK_QR_MAX_PIXELS (64u << 20)    /* largest image decoded for QR codes */
#define AK_QR_MAX_CODES 64              /* most QR codes read from one image */

enum ak_import_format {
        AK_IMPORT_AUTO = 0,  /* detect from the content */
        AK_IMPORT_URIS,      /* otpauth:// (and otpauth-migration://) URIs, one a line */
        AK_IMPORT_GAUTH,     /* Google Authenticator otpauth-migration://offline?data= */
        AK_IMPORT_AEGIS,     /* Aegis vault JSON, plain or encrypted */
        AK_IMPORT_2FAS,      /* 2FAS .2fas backup, schema 3 and 4, plain or encrypted */
        AK_IMPORT_ANDOTP,    /* andOTP JSON, plain or encrypted */
        AK_IMPORT_PROTON,    /* Proton Authenticator JSON */
        AK_IMPORT_BITWARDEN, /* Bitwarden JSON export */
        AK_IMPORT_GAUTH_DB,  /* Google Authenticator's SQLite database */
        AK_IMPORT_MSAUTH_DB, /* Microsoft Authenticator's SQLite database */
        AK_IMPORT_IMAGE,     /* PNG or JPEG image of QR codes */
        /* clang-format off */
        AK_IMPORT_FREEOTP,       /* FreeOTP: tokens.xml, or FreeOTP 2's encrypted backup */
        AK_IMPORT_FREEOTP_PLUS,  /* FreeOTP+ JSON export (or its tokens.xml) */
        AK_IMPORT_AUTHY,         /* Authy's preference XML, plain or encrypted */
        AK_IMPORT_BATTLENET,     /* Battle.net's authenticator preference XML */
        AK_IMPORT_TOTPAUTH,      /* TOTP Authenticator: encrypted backup, or its preference XML */
        AK_IMPORT_AUTHPLUS,      /* Authenticator Plus: encrypted zip, or its SQLCipher database */
        AK_IMPORT_STRATUM,       /* Authenticator Pro (Stratum) backup: JSON, encrypted, legacy */
        AK_IMPORT_STRATUM_DB,    /* Authenticator Pro (Stratum)'s SQLite database */
        AK_IMPORT_STEAM,         /* Steam's Steamguard file or maFile, old and new layouts; SDA's manifest */
        AK_IMPORT_DUO,           /* Duo Mobile's accounts.json */
        AK_IMPORT_BITWARDEN_CSV, /* Bitwarden CSV export */
        AK_IMPORT_WINAUTH,       /* WinAuth text export, or its zip */
        /* clang-format on */
};

/* "auto", "uris", "gauth", "aegis", "2fas", "andotp", "proton", "bitwarden", "gauth-db",
 * "msauth-db", "image", "freeotp", "freeotp-plus", "authy", "battlenet", "totp-authenticator",
 * "authenticator-plus", "stratum", "stratum-db", "steam", "duo", "bitwarden-csv", "winauth". */
const char *ak_import_format_name(enum ak_import_format format);
/* AK_ERR_INVALID (detail lists the names) when `name` is none of them. */
enum ak_err ak_import_format_parse(enum ak_import_format *out, const char *name);

enum ak_import_status {
        AK_IMPORT_NEW = 0,    /* not present: will be added */
        AK_IMPORT_IDENTICAL,  /* same secret and parameters present already: skipped */
        AK_IMPORT_CONFLICT,   /* same issuer and account, another secret: added under a new name */
        AK_IMPORT_UNREADABLE, /* could not be read; `reason` says why */
};

/* "new", "identical", "conflicting", "unreadable". */
const char *ak_import_status_name(enum ak_import_status status);

struct ak_import_entry {
        char *where;  /* names the entry for people: "entry 3 (Deno:Mason)", "line 2" */
        char *reason; /* NULL when readable; else why not (never a secret) */
        struct ak_account account; /* the account when readable */
        enum ak_import_status
            status; /* set by ak_import_classify (UNREADABLE from the start when reason is set) */
        char *original_name; /* for a conflict: the name before renaming; else NULL */
};

struct ak_import {
        enum ak_import_format format; /* the format read (never AUTO after a parse) */
        struct ak_import_entry *entries;
        size_t count;
        size_t capacity;
};

/* Zero-initialises. */
void ak_import_init(struct ak_import *imp);
/* Wipes every secret and frees every entry; `imp` is then as after init. Accepts NULL. */
void ak_import_clear(struct ak_import *imp);

/*
 * Makes `out` (initialised) hold one readable entry per account of
 * `accounts`, in order: a deep copy, secret and id included, named
 * "account N (Issuer:name)", status AK_IMPORT_NEW until classified. Its
 * format is AK_IMPORT_AUTO (nothing was parsed). What `out` held before is
 * cleared with ak_import_clear; on failure (AK_ERR_NOMEM, or AK_ERR_LIMIT
 * past AK_IMPORT_MAX_ENTRIES accounts) it is left empty. This is how
 * recovery compares a backup's accounts with the device's through
 * ak_import_classify and adds them with ak_import_apply.
 */
enum ak_err ak_import_from_list(struct ak_import *out, const struct ak_account_list *accounts)
    __attribute__((warn_unused_result));

/*
 * Looks at `data` and says which format it is and whether it is encrypted
 * (a password is needed). SQLite databases are AK_IMPORT_GAUTH_DB or
 * AK_IMPORT_MSAUTH_DB only through ak_import_probe_file(), which can open
 * them; here they are AK_ERR_FORMAT. Steam Desktop Authenticator's
 * manifest.json is AK_IMPORT_STEAM and never encrypted here: it is read only
 * from its file, and ak_import_probe_file says whether it is encrypted.
 * AK_ERR_FORMAT when nothing matches.
 */
enum ak_err ak_import_detect(enum ak_import_format *format, bool *encrypted, const void *data,
                             size_t len);

/*
 * The same for a file: `format` AK_IMPORT_AUTO detects, anything else is
 * taken as given (and only `encrypted` is worked out). SQLite files are
 * opened read-only and never changed.
 */
enum ak_err ak_import_probe_file(enum ak_import_format *format, bool *encrypted, const char *path,
                                 enum ak_import_format given);

/*
 * Parses `len` bytes of `format` (AK_IMPORT_AUTO detects) into `out`
 * (initialised by the caller; appended to on success, unchanged on
 * failure). `password` may be NULL for plain inputs; an encrypted input
 * without one is AK_ERR_IMPORT_PASSWORD with the detail "a password is
 * needed", a wrong one AK_ERR_IMPORT_PASSWORD. Entries that cannot be read
 * are kept with a reason (this is not a failure). AK_ERR_FORMAT when the
 * input is not the format, AK_ERR_LIMIT over the caps above.
 */
enum ak_err ak_import_parse(struct ak_import *out, enum ak_import_format format, const void *data,
                            size_t len, const char *password, size_t password_len)
    __attribute__((warn_unused_result));

/*
 * Reads the file at `path` and parses it as above; SQLite databases are
 * opened read-only (immutable). Steam Desktop Authenticator's manifest.json
 * also reads the maFiles it lists from its folder (a missing or unreadable
 * one is an unreadable entry naming it); its encrypted maFiles, imported
 * alone, are AK_ERR_UNSUPPORTED, saying to import the manifest.
 */
enum ak_err ak_import_file(struct ak_import *out, enum ak_import_format format, const char *path,
                           const char *password, size_t password_len)
    __attribute__((warn_unused_result));

/*
 * Sets each entry's status against `existing` (and against the entries
 * before it in the same import): identical means ak_account_identical() to
 * one present; conflicting means ak_account_same_label() with another
 * secret or parameters. A conflicting entry gets a distinguishing name,
 * "NAME (imported)", "NAME (imported 2)", ..., free in both lists; its
 * former name stays in original_name. Calling it again starts over.
 */
enum ak_err ak_import_classify(struct ak_import *imp, const struct ak_account_list *existing)
    __attribute__((warn_unused_result));

struct ak_import_counts {
        size_t added;      /* new entries added */
        size_t identical;  /* skipped as identical */
        size_t conflicts;  /* conflicting entries added under a new name */
        size_t unreadable; /* left out */
};

/* Counts the entries by status (after ak_import_classify). */
void ak_import_count(const struct ak_import *imp, struct ak_import_counts *counts);
/* The same over the entries whose own secret a backup carries (ak_account_list_carried). */
void ak_import_count_carried(const struct ak_import *imp, struct ak_import_counts *counts);

/*
 * Appends the new and conflicting entries (moving their accounts out of
 * `imp`) to `dst` in the import's order, each with a fresh id. On failure
 * `dst` may hold some of them: the caller then discards its copy of the
 * list without saving.
 */
enum ak_err ak_import_apply(struct ak_import *imp, struct ak_account_list *dst)
    __attribute__((warn_unused_result));

/*
 * Google Authenticator's migration payload, decoded from the base64 `data`
 * parameter's bytes. Exposed for tests and fuzzing; ak_import_parse reads
 * whole otpauth-migration:// URIs. `where_prefix` names the entries ("code 2").
 */
enum ak_err ak_import_gauth_payload(struct ak_import *out, const unsigned char *payload, size_t len,
                                    const char *where_prefix) __attribute__((warn_unused_result));

/* ----- exports ----- */

/*
 * Every account as an otpauth:// URI, one a line. *out is malloc'd,
 * NUL-terminated, holds secrets: free with ak_export_free(*out, *len).
 */
enum ak_err ak_export_uris(char **out, size_t *len, const struct ak_account_list *accounts)
    __attribute__((warn_unused_result));

#define AK_AEGIS_SCRYPT_N 32768 /* Aegis's own parameters for a password slot */
#define AK_AEGIS_SCRYPT_R 8
#define AK_AEGIS_SCRYPT_P 1

/*
 * An Aegis vault (Aegis's docs/vault.md): plain when `password` is NULL,
 * else encrypted with one password slot (scrypt N=2^15, r=8, p=1) and
 * AES-256-GCM. *out as for ak_export_uris.
 */
enum ak_err ak_export_aegis(char **out, size_t *len, const struct ak_account_list *accounts,
                            const char *password, size_t password_len)
    __attribute__((warn_unused_result));

/* Whether Google Authenticator's migration format can hold `acct` (digits 6 or 8, period 30, TOTP
 * or HOTP). */
bool ak_export_gauth_supports(const struct ak_account *acct);

#define AK_GAUTH_BATCH_MAX_CHARS                                                                   \
        1400 /* longest otpauth-migration URI written: one QR code, scanned easily */

/*
 * The accounts ak_export_gauth_supports() as otpauth-migration URIs, each
 * short enough for one QR code, one a line, with batch index and size set.
 * Accounts it cannot hold are left out; *skipped (may be NULL) gets their number.
 * *out as for ak_export_uris.
 */
enum ak_err ak_export_gauth(char **out, size_t *len, size_t *skipped,
                            const struct ak_account_list *accounts)
    __attribute__((warn_unused_result));

/* Wipes and frees an export buffer; accepts NULL. */
void ak_export_free(char *buf, size_t len);

/* ----- QR images ----- */

/*
 * Decodes every QR code in a PNG or JPEG image (rotated, scaled or small in a
 * large picture alike). *texts gets a malloc'd array of *count
 * NUL-terminated strings (free with ak_qr_texts_free). AK_ERR_IMAGE when the
 * image is not a PNG or JPEG or cannot be decoded, AK_ERR_NO_QR when it holds
 * no QR code, AK_ERR_LIMIT when it is too large.
 */
enum ak_err ak_qr_decode(char ***texts, size_t *count, const void *image, size_t len)
    __attribute__((warn_unused_result));

/* Wipes (they may hold secrets) and frees what ak_qr_decode gave; accepts NULL. */
void ak_qr_texts_free(char **texts, size_t count);

/* True when `data` starts like a PNG or a JPEG file. */
bool ak_qr_is_image(const void *data, size_t len);

/*
 * `text` as a QR code in a PNG image (black on white, `scale` pixels a
 * module, a 4-module quiet zone). *out is malloc'd: free with free().
 */
enum ak_err ak_qr_png(unsigned char **out, size_t *len, const char *text, unsigned scale)
    __attribute__((warn_unused_result));

/*
 * `text` as a QR code drawn with UTF-8 half blocks for a terminal (two
 * modules a character row, quiet zone included). *out is malloc'd,
 * NUL-terminated; free with ak_export_free(*out, strlen(*out)).
 */
enum ak_err ak_qr_terminal(char **out, const char *text) __attribute__((warn_unused_result));

/*
 * Progress of long work, for the program to draw (the library never
 * prints): `done` of `total` entries through the stage `what` ("sorting",
 * "adding"). An import of more than AK_IMPORT_PROGRESS_MIN entries calls
 * it every AK_PROGRESS_STEP entries and at the end of each stage, from the
 * thread that imports. NULL (the default) for none.
 */
#define AK_IMPORT_PROGRESS_MIN 2000
#define AK_PROGRESS_STEP 500
typedef void (*ak_progress_fn)(void *ctx, const char *what, size_t done, size_t total);
void ak_import_set_progress(ak_progress_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
