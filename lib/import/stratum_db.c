/*
 * Authenticator Pro (Stratum)'s own database (databases/authenticator.db3
 * of com.stratumauth.app, files/proauth.db3 of the older
 * me.jmh.authenticatorpro), read off a rooted phone: table
 * authenticator(type, issuer, username, secret, algorithm, digits, period,
 * counter, ...), the fields of its backups. It is read through
 * sqlite_db.c, with the same read-only opening and limits.
 */
#include <sqlite3.h>

#include "import_internal.h"

static enum ak_err stratum_row(struct ak_account *acct, char **label, sqlite3_stmt *st)
{
        const char *issuer = (const char *)sqlite3_column_text(st, 1),
                   *name = (const char *)sqlite3_column_text(st, 2);

        *label = ak__label(issuer, name);
        if (*label == NULL)
                return AK_ERR_NOMEM;
        return ak__stratum_account(acct, sqlite3_column_int64(st, 0), issuer, name,
                                   (const char *)sqlite3_column_text(st, 3),
                                   sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5),
                                   sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7));
}

enum ak_err ak__import_stratum_db(struct ak_import *out, const char *path)
{
        static const char sql[] = "SELECT type, issuer, username, secret, algorithm, digits, "
                                  "period, counter FROM authenticator ORDER BY rowid";

        return ak__sqlite_import_table(out, AK_IMPORT_STRATUM_DB, path, NULL, 0, "authenticator",
                                       sql, 8, stratum_row);
}
