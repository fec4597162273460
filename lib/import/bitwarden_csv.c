/*
 * Bitwarden's CSV export (Tools > Export vault > .csv), of a personal vault
 *   folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp
 * or of an organisation's (collections,type,name,...): columns are found by
 * their names in the header. As in the JSON export, rows with a login_totp
 * are entries (an otpauth:// URI, steam://SECRET or a bare base32 secret),
 * named by `name` (the issuer) and `login_username` where the value names
 * none; rows without are passwords only and no entries.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "import_internal.h"

/* The index of column `name` in the header, or -1. */
static long column(const struct ak__csv_record *header, const char *name)
{
        for (size_t i = 0; i < header->count; i++)
                if (strcasecmp(header->fields[i], name) == 0)
                        return (long)i;
        return -1;
}

static const char *field(const struct ak__csv_record *r, long i)
{
        return i >= 0 && (size_t)i < r->count ? r->fields[i] : NULL;
}

enum ak_err ak__import_bitwarden_csv(struct ak_import *out, const char *text, size_t len)
{
        struct ak__csv csv;
        struct ak__csv_record header, r;
        long name, user, totp;
        bool end = false;
        enum ak_err rc;

        ak__csv_init(&csv, text, len);
        rc = ak__csv_next(&csv, &header, &end);
        if (rc != AK_OK)
                return rc;
        name = column(&header, "name");
        user = column(&header, "login_username");
        totp = column(&header, "login_totp");
        ak__csv_free(&header);
        if (end || totp < 0)
                return ak__fail(AK_ERR_FORMAT, "bitwarden-csv: no login_totp column in the header");
        for (;;) {
                const char *value;
                char where[32];

                rc = ak__csv_next(&csv, &r, &end);
                if (rc != AK_OK || end)
                        break;
                snprintf(where, sizeof(where), "line %zu", r.line);
                value = field(&r, totp);
                if ((size_t)totp >= r.count) {
                        struct ak_account none;
                        ak_account_init(&none);
                        rc = ak__import_push(
                            out,
                            ak__fail(AK_ERR_FORMAT, "%zu fields, fewer than the header's", r.count),
                            &none, where, field(&r, name));
                } else if (value != NULL && value[0] != '\0') {
                        rc = ak__import_uri_or_secret(out, value, where, field(&r, name),
                                                      field(&r, user), true);
                }
                ak__csv_free(&r);
                if (rc != AK_OK)
                        break;
        }
        return rc;
}
