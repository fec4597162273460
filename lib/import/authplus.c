/*
 * Authenticator Plus (com.mufri.authenticatorplus). Its export is a
 * password-protected zip: Accounts.txt holds otpauth:// URIs, one a line
 * (uris.c reads them), beside an HTML copy. Its backup, authplus.db, is the
 * app's database encrypted with SQLCipher 3 under the same password: Google
 * Authenticator's accounts table (email, secret, counter, type, issuer),
 * read by sqlite_db.c. A zip may hold the database instead of the list.
 *
 * The zip is read by zip.c (libzip: the traditional PKWARE encryption the
 * app writes, and WinZip AES). The database goes to SQLCipher through an
 * anonymous memory file (memfd_create), never onto the disk.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zip.h>

#include "apps.h"

enum member { MEMBER_NONE, MEMBER_URIS, MEMBER_DB };

/* What entry `name` of the zip holds. */
static enum member member_of(const char *name)
{
        const char *base = strrchr(name, '/');
        size_t n;

        base = base ? base + 1 : name;
        n = strlen(base);
        if (strcasecmp(base, "Accounts.txt") == 0)
                return MEMBER_URIS;
        if (n > 3 && strcasecmp(base + n - 3, ".db") == 0)
                return MEMBER_DB;
        return MEMBER_NONE;
}

/* The index of the entry to read: Accounts.txt first, else a database; -1 when none. */
static zip_int64_t find_member(zip_t *za, enum member *kind)
{
        zip_int64_t count = zip_get_num_entries(za, 0), db = -1;

        for (zip_int64_t i = 0; i < count; i++) {
                const char *name = zip_get_name(za, (zip_uint64_t)i, 0);
                enum member m = name ? member_of(name) : MEMBER_NONE;
                if (m == MEMBER_URIS) {
                        *kind = m;
                        return i;
                }
                if (m == MEMBER_DB && db < 0)
                        db = i;
        }
        *kind = db >= 0 ? MEMBER_DB : MEMBER_NONE;
        return db;
}

bool ak__authplus_zip_has(const unsigned char *data, size_t len)
{
        zip_t *za = ak__zip_open(data, len);
        enum member kind = MEMBER_NONE;

        if (za == NULL)
                return false;
        find_member(za, &kind);
        zip_discard(za);
        return kind != MEMBER_NONE;
}

/* An SQLCipher database in memory, read through an anonymous file. */
static enum ak_err import_db(struct ak_import *out, const unsigned char *db, size_t len,
                             const char *password, size_t password_len)
{
        char path[64];
        size_t done = 0;
        int fd = memfd_create("authkeep-import", MFD_CLOEXEC);
        enum ak_err rc;

        if (fd < 0)
                return ak__fail(AK_ERR_IO, "authenticator-plus: no memory file for the database");
        while (done < len) {
                ssize_t w = write(fd, db + done, len - done);
                if (w <= 0) {
                        close(fd);
                        return ak__fail(AK_ERR_IO, "authenticator-plus: the database cannot be "
                                                   "held in memory");
                }
                done += (size_t)w;
        }
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        rc = ak__import_sqlcipher(out, AK_IMPORT_AUTHPLUS, path, password, password_len);
        /* The memory file goes with its last descriptor. */
        if (ftruncate(fd, 0) != 0)
                rc = rc == AK_OK ? ak__fail(AK_ERR_IO, "authenticator-plus: cleanup failed") : rc;
        close(fd);
        return rc;
}

enum ak_err ak__import_authplus(struct ak_import *out, const unsigned char *data, size_t len,
                                const char *password, size_t password_len)
{
        zip_t *za;
        zip_int64_t i;
        enum member kind = MEMBER_NONE;
        unsigned char *member = NULL;
        size_t member_len = 0;
        enum ak_err rc;

        if (!ak__is_zip(data, len)) {
                /* Not a zip: the backup database itself. */
                if (password == NULL)
                        return ak__fail(AK_ERR_IMPORT_PASSWORD, "a password is needed");
                return import_db(out, data, len, password, password_len);
        }
        za = ak__zip_open(data, len);
        if (za == NULL)
                return ak__fail(AK_ERR_FORMAT, "authenticator-plus: not a readable zip archive");
        i = find_member(za, &kind);
        if (i < 0) {
                zip_discard(za);
                return ak__fail(AK_ERR_FORMAT,
                                "authenticator-plus: the archive holds neither Accounts.txt nor a "
                                "database");
        }
        rc = ak__zip_read(&member, &member_len, za, i, password);
        zip_discard(za);
        if (rc != AK_OK)
                return ak__fail_in(rc, "authenticator-plus");
        if (kind == MEMBER_URIS)
                rc = ak__import_uris(out, (const char *)member, member_len, false);
        else
                rc = import_db(out, member, member_len, password, password_len);
        ak__free_secret(member, member_len + 1);
        return rc;
}
