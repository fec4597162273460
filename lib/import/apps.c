/*
 * Which of the Android apps' formats an input is (FreeOTP, FreeOTP+, Authy,
 * Battle.net, TOTP Authenticator, Authenticator Plus), by its first bytes
 * or, for preference XML, by the preferences' names; and the parser for
 * each. A zip that is not Authenticator Plus's may be WinAuth's (zip.c). detect.c and parse.c call in here. An input that starts like one of
 * these containers (a Java stream, a zip, XML) but is none of the apps'
 * says what it looks like, rather than being taken for another format.
 */
#include <string.h>

#include "apps.h"
#include "javaser.h"

#define JAVA_MAGIC "\xac\xed\x00\x05"
#define ZIP_MAGIC "PK\003\004"
#define SQLCIPHER_PAGE 1024

static bool has_magic(const unsigned char *data, size_t len, const char *magic, size_t n)
{
        return len >= n && memcmp(data, magic, n) == 0;
}

/* Whether a preference holds a FreeOTP token: a JSON object with a "secret" list. */
static bool freeotp_prefs(const struct ak__prefs *prefs)
{
        if (ak__prefs_get(prefs, "tokenOrder") != NULL)
                return true;
        for (size_t i = 0; i < prefs->count; i++) {
                json_t *v = NULL;
                bool yes;
                if (strcmp(prefs->items[i].type, "string") != 0 ||
                    ak__json_parse(&v, prefs->items[i].value, strlen(prefs->items[i].value), "") !=
                        AK_OK)
                        continue;
                yes = json_is_array(json_object_get(v, "secret")) &&
                      json_object_get(v, "type") != NULL;
                json_decref(v);
                if (yes)
                        return true;
        }
        return false;
}

/* The app whose preferences these are; false when none of ours. */
static bool prefs_format(const struct ak__prefs *prefs, enum ak_import_format *format,
                         bool *encrypted)
{
        *encrypted = false;
        if (ak__prefs_get(prefs, "com.authy.storage.tokens.authenticator.key") != NULL ||
            ak__prefs_get(prefs, "com.authy.storage.tokens.authy.key") != NULL) {
                *format = AK_IMPORT_AUTHY;
                *encrypted = ak__authy_encrypted(prefs);
        } else if (ak__prefs_get(prefs, "com.blizzard.messenger.AUTHENTICATOR_DEVICE_SECRET") !=
                       NULL ||
                   ak__prefs_get(prefs, "com.blizzard.messenger.AUTHENTICATOR_SERIAL") != NULL) {
                *format = AK_IMPORT_BATTLENET;
        } else if (ak__prefs_get(prefs, "STATIC_TOTP_CODES_LIST") != NULL) {
                *format = AK_IMPORT_TOTPAUTH;
        } else if (freeotp_prefs(prefs)) {
                *format = AK_IMPORT_FREEOTP;
        } else {
                return false;
        }
        return true;
}

bool ak__apps_detect(enum ak_err *rc, enum ak_import_format *format, bool *encrypted,
                     const unsigned char *data, size_t len)
{
        *rc = AK_OK;
        *encrypted = false;
        if (has_magic(data, len, JAVA_MAGIC, 4)) {
                struct ak__jmap map;
                bool ours = false;
                if (ak__jmap_parse(&map, data, len) == AK_OK) {
                        ours = ak__jmap_get(&map, "masterKey") != NULL;
                        ak__jmap_free(&map);
                }
                *format = AK_IMPORT_FREEOTP;
                *encrypted = true;
                if (!ours)
                        *rc = ak__fail(AK_ERR_FORMAT, "not a format authkeep reads (it looks like "
                                                      "serialised Java objects, but not FreeOTP's "
                                                      "backup)");
                return true;
        }
        if (has_magic(data, len, ZIP_MAGIC, 4)) {
                /* Authenticator Plus's files first; then WinAuth's lone text file (zip.c). */
                *format = AK_IMPORT_AUTHPLUS;
                *encrypted = true;
                if (ak__authplus_zip_has(data, len))
                        return true;
                if (ak__winauth_zip_is(data, len, encrypted)) {
                        *format = AK_IMPORT_WINAUTH;
                        return true;
                }
                *rc = ak__fail(AK_ERR_FORMAT, "not a format authkeep reads (it looks like a zip "
                                              "archive without an Authenticator Plus export or a "
                                              "WinAuth one in it)");
                return true;
        }
        if (ak__looks_xml(data, len)) {
                struct ak__prefs prefs = {0};
                if (ak__prefs_parse(&prefs, data, len, "XML") != AK_OK) {
                        *rc = ak__fail_in(AK_ERR_FORMAT,
                                          "not a format authkeep reads (it looks like XML)");
                        return true;
                }
                if (!prefs_format(&prefs, format, encrypted))
                        *rc = ak__fail(AK_ERR_FORMAT,
                                       "not a format authkeep reads (it looks like Android "
                                       "preferences of an app it does not know)");
                ak__prefs_free(&prefs);
                return true;
        }
        if (ak__totpauth_is_backup(data, len)) {
                *format = AK_IMPORT_TOTPAUTH;
                *encrypted = true;
                return true;
        }
        /*
         * An SQLCipher database is random bytes in whole pages. andOTP's
         * backups, taken for binary input otherwise, start with their
         * iteration count's high byte, 0.
         */
        if (len >= 2 * SQLCIPHER_PAGE && len % SQLCIPHER_PAGE == 0 && data[0] != 0) {
                *format = AK_IMPORT_AUTHPLUS;
                *encrypted = true;
                return true;
        }
        return false;
}

bool ak__apps_has(enum ak_import_format format)
{
        return format >= AK_IMPORT_FREEOTP && format <= AK_IMPORT_AUTHPLUS;
}

bool ak__apps_encrypted(enum ak_import_format format, const unsigned char *data, size_t len)
{
        struct ak__prefs prefs = {0};
        bool yes = false;

        switch (format) {
        case AK_IMPORT_FREEOTP:
                return has_magic(data, len, JAVA_MAGIC, 4);
        case AK_IMPORT_TOTPAUTH:
                return !ak__looks_xml(data, len);
        case AK_IMPORT_AUTHPLUS:
                return true;
        case AK_IMPORT_AUTHY:
                if (ak__prefs_parse(&prefs, data, len, "authy") == AK_OK)
                        yes = ak__authy_encrypted(&prefs);
                ak__prefs_free(&prefs);
                return yes;
        default:
                return false;
        }
}

/* Parses preference XML named `what` and runs the app's parser on it. */
static enum ak_err parse_prefs(struct ak_import *out, enum ak_import_format format,
                               const unsigned char *data, size_t len, const char *password,
                               size_t password_len)
{
        struct ak__prefs prefs = {0};
        enum ak_err rc = ak__prefs_parse(&prefs, data, len, ak_import_format_name(format));

        if (rc != AK_OK)
                return rc;
        switch (format) {
        case AK_IMPORT_AUTHY:
                rc = ak__import_authy(out, &prefs, password, password_len);
                break;
        case AK_IMPORT_BATTLENET:
                rc = ak__import_battlenet(out, &prefs);
                break;
        case AK_IMPORT_TOTPAUTH:
                rc = ak__import_totpauth_xml(out, &prefs);
                break;
        default:
                rc = ak__import_freeotp_xml(out, &prefs);
                break;
        }
        ak__prefs_free(&prefs);
        return rc;
}

enum ak_err ak__apps_parse(struct ak_import *out, enum ak_import_format format,
                           const unsigned char *data, size_t len, const char *password,
                           size_t password_len)
{
        json_t *root = NULL;
        enum ak_err rc;

        switch (format) {
        case AK_IMPORT_FREEOTP:
                if (has_magic(data, len, JAVA_MAGIC, 4))
                        return ak__import_freeotp_backup(out, data, len, password, password_len);
                return parse_prefs(out, format, data, len, password, password_len);
        case AK_IMPORT_FREEOTP_PLUS:
                if (!ak__looks_json(data, len))
                        return parse_prefs(out, format, data, len, password, password_len);
                rc = ak__json_parse(&root, data, len, "freeotp-plus");
                if (rc == AK_OK)
                        rc = ak__import_freeotp_plus(out, root);
                json_decref(root);
                return rc;
        case AK_IMPORT_TOTPAUTH:
                if (!ak__looks_xml(data, len))
                        return ak__import_totpauth_backup(out, data, len, password, password_len);
                return parse_prefs(out, format, data, len, password, password_len);
        case AK_IMPORT_AUTHPLUS:
                return ak__import_authplus(out, data, len, password, password_len);
        case AK_IMPORT_AUTHY:
        case AK_IMPORT_BATTLENET:
                return parse_prefs(out, format, data, len, password, password_len);
        default:
                return ak__fail(AK_ERR_INTERNAL, "format: not an app of apps.c");
        }
}
