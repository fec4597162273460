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
 * folder, and it is never changed). A crafted file can make a query cost
 * gigabytes and minutes: `accounts` as a view of zeroblob() rows or of an
 * endless recursive CTE, a huge cell, millions of rows. Neither app's
 * database holds a view or a trigger, so SQLite runs none (they are turned
 * off, with SQLITE_DBCONFIG_DEFENSIVE), `accounts` must be a table, no
 * trigger may sit in the file, no value may be longer than
 * SQLITE_VALUE_MAX (SQLITE_LIMIT_LENGTH) or a field than SQLITE_FIELD_MAX,
 * and the table may hold at most AK_IMPORT_MAX_ENTRIES rows. Each refusal
 * fails the whole import. A progress handler bounds the rest of the work.
 *
 * The engine is SQLCipher's (lib/meson.build), which reads plain SQLite
 * files too. Debian 12's SQLCipher 3.4.1 is SQLite 3.15, older than the
 * switches for views and defensive mode (3.26, 3.31): there, the checks of
 * the schema are what keep views and virtual tables out (a view is refused
 * by name, `accounts` must be a plain table), and triggers, which only
 * writes run, cannot fire on a read-only file anyway.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "apps.h"

#define SQLITE_STEPS_MAX 200000 /* progress-handler calls (of 1000 VM steps) before giving up */
#define SQLITE_VALUE_MAX 65536  /* bytes of any string, blob or row SQLite makes */
#define SQLITE_FIELD_MAX 4096   /* bytes of one field read (a secret or a name, with room) */

static int progress(void *arg)
{
        unsigned *calls = arg;
        return ++*calls > SQLITE_STEPS_MAX;
}

/*
 * Refuses a file whose `table` is not a table or that holds a trigger
 * (AK_ERR_UNSUPPORTED: the file is a database, but not one an app wrote).
 * Views and triggers are off already; this makes their presence one clear
 * error rather than a query that fails for a reason SQLite words.
 */
static enum ak_err check_schema(sqlite3 *db, const char *table)
{
        static const char sql[] =
            "SELECT (SELECT type FROM sqlite_master WHERE lower(name) = ?1 LIMIT 1), "
            "(SELECT count(*) FROM sqlite_master WHERE type = 'trigger'), "
            "(SELECT sql LIKE 'create virtual%' FROM sqlite_master WHERE lower(name) = ?1 "
            "LIMIT 1)";
        sqlite3_stmt *st = NULL;
        const char *type;
        enum ak_err rc = AK_OK;

        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
            sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC) != SQLITE_OK ||
            sqlite3_step(st) != SQLITE_ROW) {
                rc = ak__fail(AK_ERR_FORMAT, "database: not readable (%s)", sqlite3_errmsg(db));
                goto done;
        }
        type = (const char *)sqlite3_column_text(st, 0);
        if (type == NULL)
                rc = ak__fail(AK_ERR_FORMAT, "database: no %s table", table);
        else if (strcmp(type, "table") != 0)
                rc = ak__fail(AK_ERR_UNSUPPORTED, "database: %s is a %s, not a table", table,
                              strlen(type) < 16 ? type : "schema entry");
        else if (sqlite3_column_int64(st, 1) != 0)
                rc = ak__fail(AK_ERR_UNSUPPORTED,
                              "database: it holds a trigger, which neither app's database has");
        else if (sqlite3_column_int64(st, 2) != 0)
                rc = ak__fail(AK_ERR_UNSUPPORTED, "database: %s is a virtual table", table);
done:
        sqlite3_finalize(st);
        return rc;
}

/*
 * A database held in an anonymous memory file is opened by its
 * /proc/self/fd/N name. SQLite's own VFS resolves that link to a name that
 * cannot be opened ("/memfd:... (deleted)"); this one, the default VFS in
 * all else, takes names as they are.
 */
static sqlite3_vfs memfd_vfs;
static pthread_once_t memfd_once = PTHREAD_ONCE_INIT;

static int full_pathname_as_is(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
        (void)vfs;
        if ((int)strlen(name) >= n)
                return SQLITE_CANTOPEN;
        strcpy(out, name);
        return SQLITE_OK;
}

static void memfd_vfs_register(void)
{
        sqlite3_vfs *base = sqlite3_vfs_find(NULL);

        if (base == NULL)
                return;
        memfd_vfs = *base;
        memfd_vfs.zName = "authkeep-as-named";
        memfd_vfs.xFullPathname = full_pathname_as_is;
        memfd_vfs.pNext = NULL;
        if (sqlite3_vfs_register(&memfd_vfs, 0) != SQLITE_OK)
                memfd_vfs.zName = NULL;
}

/*
 * Authenticator Plus's database is SQLCipher 3's: the key is derived from
 * the password with PBKDF2-HMAC-SHA1, 64,000 iterations, 1,024-byte pages
 * and HMAC-SHA1, which are SQLCipher 3's defaults (Debian 12's 3.4.1) and
 * which cipher_compatibility = 3 asks of a later SQLCipher. The cost is
 * ours, not the file's: nothing in it can raise it.
 */
static enum ak_err set_key(sqlite3 *db, const char *key, size_t key_len)
{
        if (key_len > 1024 || sqlite3_key(db, key, (int)key_len) != SQLITE_OK)
                return ak__fail(AK_ERR_CRYPTO, "database: the key cannot be set");
        sqlite3_exec(db, "PRAGMA cipher_compatibility = 3", NULL, NULL, NULL);
        sqlite3_exec(db, "PRAGMA kdf_iter = 64000", NULL, NULL, NULL);
        return AK_OK;
}

/*
 * Opens `path` read-only as an immutable file: URI, with the limits above (and `key` when not
 * NULL); `table` must be a table.
 */
static enum ak_err open_db(sqlite3 **db, unsigned *calls, const char *path, const char *key,
                           size_t key_len, const char *table)
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
        if (key != NULL)
                pthread_once(&memfd_once, memfd_vfs_register);
        rc = sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
                             key != NULL ? memfd_vfs.zName : NULL);
        free(uri);
        if (rc != SQLITE_OK) {
                sqlite3_close(*db);
                *db = NULL;
                return ak__fail(AK_ERR_IO, "cannot open the database read-only");
        }
        if (key != NULL && (rc = set_key(*db, key, key_len)) != AK_OK) {
                sqlite3_close(*db);
                *db = NULL;
                return (enum ak_err)rc;
        }
        *calls = 0;
        sqlite3_progress_handler(*db, 1000, progress, calls);
        sqlite3_limit(*db, SQLITE_LIMIT_LENGTH, SQLITE_VALUE_MAX);
#ifdef SQLITE_DBCONFIG_DEFENSIVE
        sqlite3_db_config(*db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
#endif
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
        sqlite3_db_config(*db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
        sqlite3_db_config(*db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
#endif
        sqlite3_db_config(*db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
        sqlite3_exec(*db, "PRAGMA trusted_schema=OFF", NULL, NULL, NULL);
        rc = check_schema(*db, table);
        if (rc != AK_OK && key != NULL && sqlite3_errcode(*db) == SQLITE_NOTADB)
                rc = ak__fail(AK_ERR_IMPORT_PASSWORD,
                              "the database does not decrypt with this password");
        if (rc != AK_OK) {
                sqlite3_close(*db);
                *db = NULL;
        }
        return rc;
}

enum ak_err ak__sqlite_detect(enum ak_import_format *format, const char *path)
{
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        unsigned calls;
        bool email = false, secret = false, oath = false;
        enum ak_err rc;

        /* Authenticator Pro (Stratum) keeps its accounts in a table named authenticator. */
        if (open_db(&db, &calls, path, NULL, 0, "authenticator") == AK_OK) {
                sqlite3_close(db);
                *format = AK_IMPORT_STRATUM_DB;
                return AK_OK;
        }
        ak_error_clear();
        rc = open_db(&db, &calls, path, NULL, 0, "accounts");
        if (rc != AK_OK)
                return rc;
        /* PRAGMA table_info, not pragma_table_info(): SQLite 3.15 has no table-valued pragmas. */
        if (sqlite3_prepare_v2(db, "PRAGMA table_info(accounts)", -1, &st, NULL) != SQLITE_OK) {
                rc = ak__fail(AK_ERR_FORMAT, "database: not readable");
                goto done;
        }
        while (sqlite3_step(st) == SQLITE_ROW) {
                const char *col = (const char *)sqlite3_column_text(st, 1);
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

/*
 * Checks the size of the first `n` columns of the row before any is read:
 * no field of either app comes near SQLITE_FIELD_MAX.
 */
static enum ak_err check_row(sqlite3_stmt *st, int n, size_t row, enum ak_import_format format)
{
        for (int i = 0; i < n; i++) {
                int bytes = sqlite3_column_bytes(st, i);
                if (bytes > SQLITE_FIELD_MAX)
                        return ak__fail(AK_ERR_LIMIT,
                                        "%s: row %zu: a value larger than %d bytes (column %s)",
                                        ak_import_format_name(format), row, SQLITE_FIELD_MAX,
                                        sqlite3_column_name(st, i));
        }
        return AK_OK;
}

/* Refuses a table of more than AK_IMPORT_MAX_ENTRIES rows, counting no further. */
static enum ak_err check_rows(sqlite3 *db, enum ak_import_format format, const char *table)
{
        char sql[128];
        sqlite3_stmt *st = NULL;
        enum ak_err rc = AK_OK;

        snprintf(sql, sizeof(sql), "SELECT count(*) FROM (SELECT 1 FROM \"%s\" LIMIT %d)", table,
                 AK_IMPORT_MAX_ENTRIES + 1);
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
            sqlite3_step(st) != SQLITE_ROW)
                rc = ak__fail(AK_ERR_FORMAT, "%s: the database cannot be read (%s)",
                              ak_import_format_name(format), sqlite3_errmsg(db));
        else if (sqlite3_column_int64(st, 0) > AK_IMPORT_MAX_ENTRIES)
                rc = ak__fail(AK_ERR_LIMIT, "%s: more than %d rows in %s",
                              ak_import_format_name(format), AK_IMPORT_MAX_ENTRIES, table);
        sqlite3_finalize(st);
        return rc;
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

enum ak_err ak__sqlite_import_table(struct ak_import *out, enum ak_import_format format,
                                    const char *path, const char *key, size_t key_len,
                                    const char *table, const char *sql, int columns,
                                    ak__sqlite_row_fn read_row)
{
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        unsigned calls;
        size_t row = 0;
        int step;
        enum ak_err rc = open_db(&db, &calls, path, key, key_len, table);

        if (rc != AK_OK)
                return rc;
        rc = check_rows(db, format, table);
        if (rc != AK_OK)
                goto done;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
                rc = ak__fail(AK_ERR_FORMAT, "%s: not its %s table (%s)",
                              ak_import_format_name(format), table, sqlite3_errmsg(db));
                goto done;
        }
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
                struct ak_account acct;
                char where[32], *label = NULL;
                enum ak_err erc;
                ak_account_init(&acct);
                ak_error_clear();
                snprintf(where, sizeof(where), "row %zu", ++row);
                rc = check_row(st, columns, row, format);
                if (rc != AK_OK)
                        goto done;
                erc = read_row(&acct, &label, st);
                if (erc == AK_ERR_NOMEM)
                        rc = erc;
                else
                        rc = ak__import_push(out, erc, &acct, where, label);
                free(label);
                if (rc != AK_OK)
                        goto done;
        }
        if (step == SQLITE_TOOBIG)
                rc = ak__fail(AK_ERR_LIMIT, "%s: row %zu: a value larger than %d bytes",
                              ak_import_format_name(format), row + 1, SQLITE_VALUE_MAX);
        else if (step != SQLITE_DONE)
                rc = ak__fail(AK_ERR_FORMAT, "%s: the database cannot be read (%s)",
                              ak_import_format_name(format), sqlite3_errmsg(db));
done:
        sqlite3_finalize(st);
        sqlite3_close(db);
        return rc;
}

/* Reads the accounts table of Google's or Microsoft's database at `path` (opened with `key` when
 * not NULL). */
static enum ak_err read_db(struct ak_import *out, enum ak_import_format format, const char *path,
                           const char *key, size_t key_len)
{
        static const char gauth_sql[] =
            "SELECT email, secret, counter, type, issuer FROM accounts ORDER BY _id";
        static const char msauth_sql[] =
            "SELECT name, username, oath_secret_key, account_type FROM accounts ORDER BY _id";
        bool ms = format == AK_IMPORT_MSAUTH_DB;

        return ak__sqlite_import_table(out, format, path, key, key_len, "accounts",
                                       ms ? msauth_sql : gauth_sql, ms ? 4 : 5,
                                       ms ? msauth_row : gauth_row);
}

enum ak_err ak__import_sqlite(struct ak_import *out, enum ak_import_format format, const char *path)
{
        return read_db(out, format, path, NULL, 0);
}

enum ak_err ak__import_sqlcipher(struct ak_import *out, enum ak_import_format format,
                                 const char *path, const char *key, size_t key_len)
{
        return read_db(out, format, path, key ? key : "", key ? key_len : 0);
}
