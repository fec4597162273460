/*
 * The authenticators' own SQLite databases, as read off a rooted phone.
 *
 * Google Authenticator (databases/databases): table accounts(email, secret
 * (base32), counter, type 0 TOTP | 1 HOTP, issuer, original_name). It keeps
 * no algorithm, digits or period: SHA-1, 6 digits and 30 s stand.
 *
 * Microsoft Authenticator (databases/PhoneFactor): table accounts(name (the
 * issuer), username, oath_secret_key, account_type). Type 0 is a TOTP
 * account (base32 secret, SHA-1, 6 digits, 30 s); type 1 a Microsoft
 * personal account (base64 secret, 8 digits); other types carry no OTP
 * secret (work accounts use push) and are unreadable entries.
 *
 * The file is opened read-only and immutable (it may sit in a read-only
 * folder, and it is never changed); a progress handler bounds the work a
 * crafted database can cause.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "import_internal.h"

#define SQLITE_STEPS_MAX 200000 /* progress-handler calls (of 1000 VM steps) before giving up */

static int progress(void *arg)
{
        unsigned *calls = arg;
        return ++*calls > SQLITE_STEPS_MAX;
}

/* Opens `path` read-only as an immutable file: URI. */
static enum ak_err open_db(sqlite3 **db, unsigned *calls, const char *path)
{
        size_t n = strlen(path);
        char *uri = malloc(n * 3 + 32), *o;
        int rc;

        if (uri == NULL)
                return AK_ERR_NOMEM;
        o = uri + sprintf(uri, "file:");
        for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
                if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                    (*c >= '0' && *c <= '9') || strchr("/-._~", *c) != NULL)
                        *o++ = (char)*c;
                else
                        o += sprintf(o, "%%%02X", *c);
        }
        strcpy(o, "?immutable=1");
        rc = sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
        free(uri);
        if (rc != SQLITE_OK) {
                sqlite3_close(*db);
                *db = NULL;
                return ak__fail(AK_ERR_IO, "cannot open the database read-only");
        }
        *calls = 0;
        sqlite3_progress_handler(*db, 1000, progress, calls);
        sqlite3_exec(*db, "PRAGMA trusted_schema=OFF", NULL, NULL, NULL);
        return AK_OK;
}

enum ak_err ak__sqlite_detect(enum ak_import_format *format, const char *path)
{
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        unsigned calls;
        bool email = false, secret = false, oath = false;
        enum ak_err rc = open_db(&db, &calls, path);

        if (rc != AK_OK)
                return rc;
        if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('accounts')", -1, &st,
                               NULL) != SQLITE_OK) {
                rc = ak__fail(AK_ERR_FORMAT, "database: not readable");
                goto done;
        }
        while (sqlite3_step(st) == SQLITE_ROW) {
                const char *col = (const char *)sqlite3_column_text(st, 0);
                if (col == NULL)
                        continue;
                email |= strcmp(col, "email") == 0;
                secret |= strcmp(col, "secret") == 0;
                oath |= strcmp(col, "oath_secret_key") == 0;
        }
        if (oath)
                *format = AK_IMPORT_MSAUTH_DB;
        else if (email && secret)
                *format = AK_IMPORT_GAUTH_DB;
        else
                rc = ak__fail(AK_ERR_FORMAT,
                              "database: neither Google's nor Microsoft's authenticator database");
done:
        sqlite3_finalize(st);
        sqlite3_close(db);
        return rc;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
        return (const char *)sqlite3_column_text(st, i);
}

/* One row of Google Authenticator's table. */
static enum ak_err gauth_row(struct ak_account *acct, char **label, sqlite3_stmt *st)
{
        const char *email = col_text(st, 0), *issuer = col_text(st, 4);
        long long type = sqlite3_column_int64(st, 3);
        char *split = NULL;
        struct ak__otp_fields f = {
            .type = type == 1 ? "hotp" : "totp",
            .secret = col_text(st, 1),
            .counter = sqlite3_column_int64(st, 2),
            .issuer = issuer,
            .name = email,
        };
        enum ak_err rc;

        if (email != NULL && strchr(email, ':') != NULL) {
                /* The email column holds the label: "Issuer:name" or "name". */
                const char *colon = strchr(email, ':');
                if (issuer == NULL || issuer[0] == '\0' ||
                    strncmp(email, issuer, (size_t)(colon - email)) == 0) {
                        split = ak__strndup(email, (size_t)(colon - email));
                        if (split == NULL)
                                return AK_ERR_NOMEM;
                        if (issuer == NULL || issuer[0] == '\0')
                                f.issuer = split;
                        f.name = colon + 1;
                }
        }
        *label = ak__label(f.issuer, f.name);
        if (type != 0 && type != 1)
                rc = ak__fail(AK_ERR_UNSUPPORTED, "type: %lld is not TOTP (0) or HOTP (1)", type);
        else if (f.secret == NULL)
                rc = ak__fail(AK_ERR_FORMAT, "secret: missing");
        else
                rc = ak__account_from_fields(acct, &f);
        free(split);
        return rc;
}

/* One row of Microsoft Authenticator's table. */
static enum ak_err msauth_row(struct ak_account *acct, char **label, sqlite3_stmt *st)
{
        const char *issuer = col_text(st, 0), *name = col_text(st, 1), *secret = col_text(st, 2);
        long long type = sqlite3_column_int64(st, 3);
        struct ak__otp_fields f = {.issuer = issuer, .name = name, .secret = secret, .counter = -1};
        unsigned char *raw = NULL;
        size_t raw_len = 0;
        enum ak_err rc;

        *label = ak__label(issuer, name);
        if (secret == NULL || secret[0] == '\0')
                return ak__fail(AK_ERR_UNSUPPORTED, "account type %lld holds no OTP secret", type);
        if (type == 0)
                return ak__account_from_fields(acct, &f);
        if (type != 1)
                return ak__fail(AK_ERR_UNSUPPORTED, "account type %lld is not an OTP account",
                                type);
        rc = ak__base64_decode(&raw, &raw_len, secret, strlen(secret));
        if (rc != AK_OK)
                return rc;
        f.secret_raw = raw;
        f.secret_raw_len = raw_len;
        f.digits = 8;
        rc = ak__account_from_fields(acct, &f);
        ak__free_secret(raw, raw_len);
        return rc;
}

enum ak_err ak__import_sqlite(struct ak_import *out, enum ak_import_format format, const char *path)
{
        static const char gauth_sql[] =
            "SELECT email, secret, counter, type, issuer FROM accounts ORDER BY _id";
        static const char msauth_sql[] =
            "SELECT name, username, oath_secret_key, account_type FROM accounts ORDER BY _id";
        bool ms = format == AK_IMPORT_MSAUTH_DB;
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        unsigned calls;
        size_t row = 0;
        int step;
        enum ak_err rc = open_db(&db, &calls, path);

        if (rc != AK_OK)
                return rc;
        if (sqlite3_prepare_v2(db, ms ? msauth_sql : gauth_sql, -1, &st, NULL) != SQLITE_OK) {
                rc = ak__fail(AK_ERR_FORMAT, "%s: not its accounts table (%s)",
                              ak_import_format_name(format), sqlite3_errmsg(db));
                goto done;
        }
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
                struct ak_account acct;
                char where[32], *label = NULL;
                enum ak_err erc;
                ak_account_init(&acct);
                ak_error_clear();
                snprintf(where, sizeof(where), "row %zu", ++row);
                erc = ms ? msauth_row(&acct, &label, st) : gauth_row(&acct, &label, st);
                if (erc == AK_ERR_NOMEM)
                        rc = erc;
                else
                        rc = ak__import_push(out, erc, &acct, where, label);
                free(label);
                if (rc != AK_OK)
                        goto done;
        }
        if (step != SQLITE_DONE)
                rc = ak__fail(AK_ERR_FORMAT, "%s: the database cannot be read (%s)",
                              ak_import_format_name(format), sqlite3_errmsg(db));
done:
        sqlite3_finalize(st);
        sqlite3_close(db);
        return rc;
}
