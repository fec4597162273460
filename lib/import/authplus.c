/*
 * Authenticator Plus (com.mufri.authenticatorplus). Its export is a
 * password-protected zip: Accounts.txt holds otpauth:// URIs, one a line
 * (uris.c reads them), beside an HTML copy. Its backup, authplus.db, is the
 * app's database encrypted with SQLCipher 3 under the same password: Google
 * Authenticator's accounts table (email, secret, counter, type, issuer),
 * read by sqlite_db.c. A zip may hold the database instead of the list.
 *
 * The zip is read with libzip (Debian's; it opens both the traditional
 * PKWARE encryption the app writes and WinZip AES), from memory, and an
 * entry is read up to AK_IMPORT_MAX_BYTES whatever size it claims. The
 * database goes to SQLCipher through an anonymous memory file
 * (memfd_create), never onto the disk.
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

static zip_t *open_zip(const unsigned char *data, size_t len)
{
        zip_error_t ze;
        zip_source_t *src;
        zip_t *za;

        zip_error_init(&ze);
        src = zip_source_buffer_create(data, len, 0, &ze);
        if (src == NULL)
                return NULL;
        za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
        if (za == NULL)
                zip_source_free(src);
        zip_error_fini(&ze);
        return za;
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
        zip_t *za = open_zip(data, len);
        enum member kind = MEMBER_NONE;

        if (za == NULL)
                return false;
        find_member(za, &kind);
        zip_discard(za);
        return kind != MEMBER_NONE;
}

/* Reads entry `i` with the password into *out (freed with ak__free_secret(*out, *out_len + 1)). */
static enum ak_err read_member(unsigned char **out, size_t *out_len, zip_t *za, zip_int64_t i,
                               const char *password)
{
        size_t cap = 64 * 1024, n = 0;
        unsigned char *buf;
        zip_file_t *zf = zip_fopen_index_encrypted(za, (zip_uint64_t)i, 0, password);
        enum ak_err rc = AK_OK;

        if (zf == NULL) {
                int ze = zip_error_code_zip(zip_get_error(za));
                if (ze == ZIP_ER_WRONGPASSWD)
                        return ak__fail(AK_ERR_IMPORT_PASSWORD,
                                        "the archive does not open with this password");
                if (ze == ZIP_ER_NOPASSWD)
                        return ak__fail(AK_ERR_IMPORT_PASSWORD, "a password is needed");
                if (ze == ZIP_ER_ENCRNOTSUPP || ze == ZIP_ER_COMPNOTSUPP)
                        return ak__fail(AK_ERR_UNSUPPORTED,
                                        "the archive's encryption or compression is not supported");
                return ak__fail(AK_ERR_FORMAT, "the archive's entry cannot be read");
        }
        buf = malloc(cap + 1);
        while (buf != NULL) {
                zip_int64_t got;
                if (n == cap) {
                        unsigned char *grown;
                        if (cap >= AK_IMPORT_MAX_BYTES) {
                                rc = ak__fail(AK_ERR_LIMIT, "an entry larger than %u bytes",
                                              AK_IMPORT_MAX_BYTES);
                                break;
                        }
                        grown = malloc(cap * 2 + 1);
                        if (grown == NULL) {
                                rc = AK_ERR_NOMEM;
                                break;
                        }
                        memcpy(grown, buf, n);
                        ak__free_secret(buf, cap + 1);
                        buf = grown;
                        cap *= 2;
                }
                got = zip_fread(zf, buf + n, cap - n);
                if (got < 0) {
                        int ze = zip_error_code_zip(zip_file_get_error(zf));
                        /*
                         * ZipCrypto checks a password against one byte only:
                         * one wrong password in 256 opens the entry, and then
                         * its data does not inflate or fails its CRC.
                         */
                        bool garbled = ze == ZIP_ER_CRC || ze == ZIP_ER_COMPRESSED_DATA ||
                                       ze == ZIP_ER_ZLIB;
                        rc = garbled
                                 ? ak__fail(AK_ERR_IMPORT_PASSWORD,
                                            "the archive does not open with this password (or "
                                            "it is damaged)")
                                 : ak__fail(AK_ERR_FORMAT, "the archive's entry cannot be read");
                        break;
                }
                if (got == 0)
                        break;
                n += (size_t)got;
        }
        zip_fclose(zf);
        if (buf == NULL)
                return AK_ERR_NOMEM;
        if (rc != AK_OK) {
                ak__free_secret(buf, cap + 1);
                return rc;
        }
        buf[n] = '\0';
        *out = buf;
        *out_len = n;
        return AK_OK;
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

        if (len < 4 || memcmp(data, "PK\003\004", 4) != 0) {
                /* Not a zip: the backup database itself. */
                if (password == NULL)
                        return ak__fail(AK_ERR_IMPORT_PASSWORD, "a password is needed");
                return import_db(out, data, len, password, password_len);
        }
        za = open_zip(data, len);
        if (za == NULL)
                return ak__fail(AK_ERR_FORMAT, "authenticator-plus: not a readable zip archive");
        i = find_member(za, &kind);
        if (i < 0) {
                zip_discard(za);
                return ak__fail(AK_ERR_FORMAT,
                                "authenticator-plus: the archive holds neither Accounts.txt nor a "
                                "database");
        }
        rc = read_member(&member, &member_len, za, i, password);
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
