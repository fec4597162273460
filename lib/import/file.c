/*
 * Imports from a file: SQLite databases are opened where they lie (read-only,
 * immutable); everything else is read whole (up to AK_IMPORT_MAX_BYTES, with
 * the library's one file reader) and parsed from memory, knowing the folder
 * it lies in (Steam Desktop Authenticator's manifest names files beside it).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import_internal.h"

bool ak__file_is_sqlite(const char *path)
{
        char head[sizeof(AK__SQLITE_MAGIC)];
        struct stat st;
        size_t got = 0;
        int fd;
        bool yes;

        if (ak__open_regular(&fd, &st, path) != AK_OK)
                return false;
        yes = ak__read_fd(fd, head, sizeof(head), &got, path) == AK_OK && got == sizeof(head) &&
              memcmp(head, AK__SQLITE_MAGIC, sizeof(head)) == 0;
        close(fd);
        return yes;
}

enum ak_err ak_import_file(struct ak_import *out, enum ak_import_format format, const char *path,
                           const char *password, size_t password_len)
{
        char *data = NULL, *dir;
        size_t len = 0;
        enum ak_err rc;

        if (format == AK_IMPORT_AUTO && ak__file_is_sqlite(path)) {
                rc = ak__sqlite_detect(&format, path);
                if (rc != AK_OK)
                        return rc;
        }
        if (format == AK_IMPORT_GAUTH_DB || format == AK_IMPORT_MSAUTH_DB ||
            format == AK_IMPORT_STRATUM_DB) {
                struct ak_import tmp;
                ak_import_init(&tmp);
                rc = format == AK_IMPORT_STRATUM_DB ? ak__import_stratum_db(&tmp, path)
                                                    : ak__import_sqlite(&tmp, format, path);
                if (rc == AK_OK)
                        rc = ak__import_take(out, &tmp);
                if (rc == AK_OK)
                        out->format = format;
                ak_import_clear(&tmp);
                return rc;
        }
        rc = ak__read_file(&data, &len, path, AK_IMPORT_MAX_BYTES);
        if (rc != AK_OK)
                return rc;
        if (format == AK_IMPORT_AUTO && ak__sda_lone_mafile(path, (unsigned char *)data, len))
                format = AK_IMPORT_STEAM;
        dir = ak__folder_of(path);
        if (dir == NULL)
                rc = AK_ERR_NOMEM;
        else
                rc = ak__import_parse_in(out, format, data, len, password, password_len, dir);
        free(dir);
        ak__free_secret(data, len);
        return rc;
}
