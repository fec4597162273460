/*
 * Which format an input is: detection from the content (ak_import_detect),
 * and, for a format named by the caller, whether that input is its encrypted
 * kind. Detection looks only at the first bytes or at the parsed JSON's
 * shape; the parsers decide whether the whole input is valid. Files are
 * probed the same way, except SQLite databases, which are opened to tell
 * Google's, Microsoft's and Authenticator Pro's apart. The names of the
 * formats are format_names.c's.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "apps.h"

static bool has_prefix(const char *p, size_t len, const char *prefix)
{
        size_t n = strlen(prefix);
        return len >= n && strncasecmp(p, prefix, n) == 0;
}

/* Skips a UTF-8 byte order mark and white space; returns the offset of the first other byte. */
static size_t skip_space(const unsigned char *p, size_t len)
{
        size_t i = 0;

        if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
                i = 3;
        while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
                i++;
        return i;
}

/* Whether the first bytes hold a control character (text, UTF-8 included, holds none). */
static bool looks_binary(const unsigned char *data, size_t len)
{
        for (size_t i = 0; i < len && i < 64; i++)
                if ((data[i] < 0x20 && data[i] != '\t' && data[i] != '\r' && data[i] != '\n') ||
                    data[i] == 0x7f)
                        return true;
        return false;
}

bool ak__looks_json(const unsigned char *data, size_t len)
{
        size_t at = skip_space(data, len);
        return at < len && (data[at] == '{' || data[at] == '[');
}

/* Which JSON format `root` is; false when none. */
static bool json_detect(const json_t *root, enum ak_import_format *format, bool *encrypted)
{
        *encrypted = false;
        if (ak__detect_json_app(root, format, encrypted))
                return true;
        if (json_is_array(root)) {
                *format = AK_IMPORT_ANDOTP;
                return true;
        }
        if (!json_is_object(root))
                return false;
        if (ak__aegis_is(root, encrypted)) {
                *format = AK_IMPORT_AEGIS;
                return true;
        }
        if (ak__2fas_is(root, encrypted)) {
                *format = AK_IMPORT_2FAS;
                return true;
        }
        if (json_is_array(json_object_get(root, "items"))) {
                *format = AK_IMPORT_BITWARDEN;
                /* Encrypted Bitwarden exports cannot be read: no password to ask for. */
                return true;
        }
        if (json_is_array(json_object_get(root, "entries"))) {
                *format = AK_IMPORT_PROTON;
                return true;
        }
        if (ak__freeotp_plus_is(root)) {
                *format = AK_IMPORT_FREEOTP_PLUS;
                return true;
        }
        return false;
}

enum ak_err ak__import_detect(enum ak_import_format *format, bool *encrypted, json_t **root,
                              const unsigned char *data, size_t len)
{
        size_t at = skip_space(data, len);
        const char *text;
        size_t rest;

        /* A URI list may start with comment lines. */
        while (at < len && data[at] == '#') {
                const unsigned char *nl = memchr(data + at, '\n', len - at);
                at = nl ? (size_t)(nl - data) : len;
                at += skip_space(data + at, len - at);
        }
        text = (const char *)data + at;
        rest = len - at;

        *encrypted = false;
        if (len >= sizeof(AK__SQLITE_MAGIC) &&
            memcmp(data, AK__SQLITE_MAGIC, sizeof(AK__SQLITE_MAGIC)) == 0)
                return ak__fail(AK_ERR_FORMAT, "an SQLite database: import it from its file");
        if (ak_qr_is_image(data, len)) {
                *format = AK_IMPORT_IMAGE;
                return AK_OK;
        }
        if (ak__detect_app(format, encrypted, data, len, text, rest))
                return AK_OK;
        if (has_prefix(text, rest, "otpauth-migration://")) {
                *format = AK_IMPORT_GAUTH;
                return AK_OK;
        }
        if (has_prefix(text, rest, "otpauth://") || has_prefix(text, rest, "steam://")) {
                *format = AK_IMPORT_URIS;
                return AK_OK;
        }
        if (rest > 0 && (text[0] == '{' || text[0] == '[')) {
                json_t *parsed = NULL;
                enum ak_err rc = ak__json_parse(&parsed, data, len, "JSON");
                if (rc != AK_OK)
                        return rc;
                if (!json_detect(parsed, format, encrypted)) {
                        rc = ak__fail(AK_ERR_FORMAT,
                                      "not a format authkeep reads (it looks like %s)",
                                      ak__looks_like_json(parsed));
                        json_decref(parsed);
                        return rc;
                }
                if (root != NULL)
                        *root = parsed;
                else
                        json_decref(parsed);
                return AK_OK;
        }
        /* Files with another program's magic number (gzip, PDF...) are none of the apps'. */
        if (ak__looks_like(data, len) != NULL)
                return ak__fail(AK_ERR_FORMAT, "not a format authkeep reads (it looks like %s)",
                                ak__looks_like(data, len));
        /* FreeOTP's and Authy's files and the others of apps.c. */
        {
                enum ak_err apps_rc = AK_OK;
                if (ak__apps_detect(&apps_rc, format, encrypted, data, len))
                        return apps_rc;
        }
        /*
         * andOTP's encrypted backups are binary: a big-endian iteration count,
         * a 12-byte salt, a 12-byte nonce (or, before 0.6.3, only the nonce),
         * then AES-GCM ciphertext and tag. Random bytes hold control
         * characters early; text does not.
         */
        if (len >= 4 + 12 + 12 + AK__GCM_TAG_BYTES && looks_binary(data, len)) {
                *format = AK_IMPORT_ANDOTP;
                *encrypted = true;
                return AK_OK;
        }
        return ak__fail(AK_ERR_FORMAT, "not a format authkeep reads (it looks like %s)",
                        looks_binary(data, len) ? "binary data of no app authkeep reads"
                                                : ak__looks_like_text(data, len));
}

enum ak_err ak_import_detect(enum ak_import_format *format, bool *encrypted, const void *data,
                             size_t len)
{
        enum ak_import_format f = AK_IMPORT_AUTO;
        bool enc = false;
        enum ak_err rc = ak__import_detect(&f, &enc, NULL, data, len);

        /* An encrypted SDA manifest is read only from its file (ak_import_probe_file): in memory,
         * no password would help. */
        if (f == AK_IMPORT_STEAM)
                enc = false;
        if (rc == AK_OK) {
                *format = f;
                *encrypted = enc;
        }
        return rc;
}

/*
 * Whether `data`, of a format the caller named, is that format's encrypted
 * kind (andOTP's binary backup, Aegis or 2FAS with encrypted fields). Never
 * fails: a parser says later whether the input fits the format.
 */
static void given_encrypted(bool *encrypted, enum ak_import_format given, const unsigned char *data,
                            size_t len)
{
        enum ak_import_format f;
        bool enc = false;

        *encrypted = false;
        if (ak__apps_has(given)) {
                *encrypted = ak__apps_encrypted(given, data, len);
                ak_error_clear();
                return;
        }
        if (given == AK_IMPORT_ANDOTP) {
                *encrypted = !ak__looks_json(data, len);
                return;
        }
        if (given == AK_IMPORT_WINAUTH) {
                *encrypted = ak__is_zip(data, len) && ak__zip_encrypted(data, len);
                return;
        }
        if (given == AK_IMPORT_STRATUM) {
                *encrypted = ak__stratum_encrypted(data, len);
                return;
        }
        if ((given == AK_IMPORT_AEGIS || given == AK_IMPORT_2FAS || given == AK_IMPORT_STEAM) &&
            ak__import_detect(&f, &enc, NULL, data, len) == AK_OK && f == given)
                *encrypted = enc;
        ak_error_clear();
}

enum ak_err ak_import_probe_file(enum ak_import_format *format, bool *encrypted, const char *path,
                                 enum ak_import_format given)
{
        char *data = NULL;
        size_t len = 0;
        enum ak_err rc;

        if (given == AK_IMPORT_GAUTH_DB || given == AK_IMPORT_MSAUTH_DB ||
            given == AK_IMPORT_STRATUM_DB) {
                *format = given;
                *encrypted = false;
                return AK_OK;
        }
        if (given == AK_IMPORT_AUTO && ak__file_is_sqlite(path)) {
                rc = ak__sqlite_detect(format, path);
                if (rc == AK_OK)
                        *encrypted = false;
                return rc;
        }
        rc = ak__read_file(&data, &len, path, AK_IMPORT_MAX_BYTES);
        if (rc != AK_OK)
                return rc;
        if (given == AK_IMPORT_AUTO && ak__sda_lone_mafile(path, (unsigned char *)data, len)) {
                /* Its content alone reads as TOTP Authenticator's backup: the name tells. */
                *format = AK_IMPORT_STEAM;
                *encrypted = false;
        } else if (given == AK_IMPORT_AUTO) {
                rc = ak__import_detect(format, encrypted, NULL, (unsigned char *)data, len);
        } else {
                *format = given;
                given_encrypted(encrypted, given, (const unsigned char *)data, len);
        }
        ak__free_secret(data, len);
        return rc;
}
