/*
 * Detection of the formats read by stratum.c, steam.c and sda.c, duo.c,
 * bitwarden_csv.c and winauth.c, called by detect.c; and, for an input no
 * parser reads, what it looks like, so that the user is told "not a format
 * authkeep reads (it looks like X)" rather than a wrong password. Only the
 * first bytes or the parsed JSON's shape are looked at. Zip archives, Java
 * streams and XML are apps.c's, which says what those look like.
 */
#include <string.h>
#include <strings.h>

#include "import_internal.h"

static bool starts_with(const unsigned char *data, size_t len, const char *magic, size_t n)
{
        return len >= n && memcmp(data, magic, n) == 0;
}

/* The first line of `text` (without its end of line), as a pointer and a length. */
static size_t first_line(const char *text, size_t len)
{
        size_t n = 0;

        while (n < len && text[n] != '\n' && text[n] != '\r')
                n++;
        return n;
}

/* Whether `needle` occurs in the `n` bytes at `hay` (any case). */
static bool contains(const char *hay, size_t n, const char *needle)
{
        size_t m = strlen(needle);

        for (size_t i = 0; i + m <= n; i++)
                if (strncasecmp(hay + i, needle, m) == 0)
                        return true;
        return false;
}

/*
 * Whether a URI list holds a parameter only WinAuth writes: a Steam
 * authenticator's deviceid, a Battle.net serial, a clock skew.
 */
static bool winauth_list(const char *text, size_t len)
{
        static const char *const marks[] = {"&deviceid=", "&serial=", "&skew="};

        for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
                if (contains(text, len, marks[i]))
                        return true;
        return false;
}

bool ak__detect_app(enum ak_import_format *format, bool *encrypted, const unsigned char *data,
                    size_t len, const char *text, size_t rest)
{
        size_t line;

        *encrypted = false;
        if (ak__stratum_encrypted(data, len)) {
                *format = AK_IMPORT_STRATUM;
                *encrypted = true;
                return true;
        }
        if (rest >= 10 && strncasecmp(text, "otpauth://", 10) == 0 && winauth_list(text, rest)) {
                *format = AK_IMPORT_WINAUTH;
                return true;
        }
        /* Bitwarden's CSV starts with its header line, which names login_totp. */
        line = first_line(text, rest);
        if (contains(text, line, ",login_totp") && contains(text, line, "name")) {
                *format = AK_IMPORT_BITWARDEN_CSV;
                return true;
        }
        return false;
}

bool ak__detect_json_app(const json_t *root, enum ak_import_format *format, bool *encrypted)
{
        *encrypted = false;
        if (ak__sda_manifest_is(root, encrypted)) {
                *format = AK_IMPORT_STEAM;
                return true;
        }
        if (ak__duo_is(root)) {
                *format = AK_IMPORT_DUO;
                return true;
        }
        if (ak__steam_is(root)) {
                *format = AK_IMPORT_STEAM;
                return true;
        }
        if (json_is_array(json_object_get(root, "Authenticators"))) {
                *format = AK_IMPORT_STRATUM;
                return true;
        }
        return false;
}

const char *ak__looks_like(const unsigned char *data, size_t len)
{
        static const struct {
                const char *magic;
                size_t len;
                const char *what;
        } magics[] = {
            {"\x1f\x8b\x08", 3, "gzip-compressed data: uncompress it first"},
            {"7z\xbc\xaf\x27\x1c", 6, "a 7-Zip archive: unpack it first"},
            {"Rar!", 4, "a RAR archive: unpack it first"},
            {"%PDF", 4, "a PDF document"},
            {"Salted__", 8, "a file encrypted with openssl enc"},
            {"-----BEGIN PGP", 14, "an OpenPGP message: decrypt it first"},
        };

        for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
                if (starts_with(data, len, magics[i].magic, magics[i].len))
                        return magics[i].what;
        return NULL;
}

const char *ak__looks_like_text(const unsigned char *data, size_t len)
{
        size_t at = 0;

        if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
                at = 3;
        while (at < len &&
               (data[at] == ' ' || data[at] == '\t' || data[at] == '\r' || data[at] == '\n'))
                at++;
        if (contains((const char *)data + at, first_line((const char *)data + at, len - at), ","))
                return "a CSV table without Bitwarden's login_totp column";
        return "text that holds no otpauth:// URI";
}

const char *ak__looks_like_json(const json_t *root)
{
        if (json_is_array(json_object_get(root, "tokens")))
                return "JSON with a tokens list, but not a FreeOTP+ export";
        if (json_is_object(root) && json_object_get(root, "encrypted") != NULL &&
            json_object_get(root, "data") != NULL)
                return "an encrypted Bitwarden export: export as plain JSON";
        return "JSON, of no app authkeep reads";
}
