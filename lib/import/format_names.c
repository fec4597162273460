/*
 * The formats' names (ak_import_format_name, ak_import_format_parse), in the
 * core library: the authkeep program offers them to the shells'
 * completions without loading the importers (and their SQLCipher).
 */
#include <stdio.h>
#include <strings.h>

#include "import_internal.h"

/* clang-format off */
static const char *const format_names[] = {
    [AK_IMPORT_AUTO] = "auto",
    [AK_IMPORT_URIS] = "uris",
    [AK_IMPORT_GAUTH] = "gauth",
    [AK_IMPORT_AEGIS] = "aegis",
    [AK_IMPORT_2FAS] = "2fas",
    [AK_IMPORT_ANDOTP] = "andotp",
    [AK_IMPORT_PROTON] = "proton",
    [AK_IMPORT_BITWARDEN] = "bitwarden",
    [AK_IMPORT_GAUTH_DB] = "gauth-db",
    [AK_IMPORT_MSAUTH_DB] = "msauth-db",
    [AK_IMPORT_IMAGE] = "image",
    [AK_IMPORT_FREEOTP] = "freeotp",
    [AK_IMPORT_FREEOTP_PLUS] = "freeotp-plus",
    [AK_IMPORT_AUTHY] = "authy",
    [AK_IMPORT_BATTLENET] = "battlenet",
    [AK_IMPORT_TOTPAUTH] = "totp-authenticator",
    [AK_IMPORT_AUTHPLUS] = "authenticator-plus",
    [AK_IMPORT_STRATUM] = "stratum",   [AK_IMPORT_STRATUM_DB] = "stratum-db",
    [AK_IMPORT_STEAM] = "steam",       [AK_IMPORT_DUO] = "duo",
    [AK_IMPORT_BITWARDEN_CSV] = "bitwarden-csv", [AK_IMPORT_WINAUTH] = "winauth",
};
/* clang-format on */
#define FORMAT_COUNT (sizeof(format_names) / sizeof(format_names[0]))

const char *ak_import_format_name(enum ak_import_format format)
{
        if ((size_t)format >= FORMAT_COUNT || format_names[format] == NULL)
                return "unknown";
        return format_names[format];
}

enum ak_err ak_import_format_parse(enum ak_import_format *out, const char *name)
{
        char names[512];
        size_t at = 0;

        for (size_t i = 0; i < FORMAT_COUNT; i++) {
                if (name != NULL && format_names[i] != NULL &&
                    strcasecmp(name, format_names[i]) == 0) {
                        *out = (enum ak_import_format)i;
                        return AK_OK;
                }
        }
        /* The message lists every name, from the table. */
        names[0] = '\0';
        for (size_t i = 0; i < FORMAT_COUNT; i++) {
                int n;
                if (format_names[i] == NULL || at >= sizeof(names))
                        continue;
                n = snprintf(names + at, sizeof(names) - at, "%s%s", at ? ", " : "",
                             format_names[i]);
                if (n > 0)
                        at += (size_t)n;
        }
        return ak__fail(AK_ERR_INVALID, "format: '%s' is not one of %s", name ? name : "", names);
}
