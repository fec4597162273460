/*
 * Imports from a file: SQLite databases are opened where they lie (read-only,
 * immutable); everything else is read whole (up to AK_IMPORT_MAX_BYTES) and
 * parsed from memory.
 */
#include <stdio.h>
#include <string.h>

#include "import_internal.h"

/* Whether the file at `path` starts with SQLite's magic. */
static bool file_is_sqlite(const char *path)
{
        char head[sizeof(AK__SQLITE_MAGIC)];
        FILE *f = fopen(path, "rb");
        bool yes = false;

        if (f == NULL)
                return false;
        if (fread(head, 1, sizeof(head), f) == sizeof(head))
                yes = memcmp(head, AK__SQLITE_MAGIC, sizeof(head)) == 0;
        fclose(f);
        return yes;
}

enum ak_err ak_import_probe_file(enum ak_import_format *format, bool *encrypted, const char *path,
                                 enum ak_import_format given)
{
        char *data = NULL;
        size_t len = 0;
        enum ak_err rc;

        if (given == AK_IMPORT_GAUTH_DB || given == AK_IMPORT_MSAUTH_DB) {
                *format = given;
                *encrypted = false;
                return AK_OK;
        }
        if (given == AK_IMPORT_AUTO && file_is_sqlite(path)) {
                rc = ak__sqlite_detect(format, path);
                if (rc == AK_OK)
                        *encrypted = false;
                return rc;
        }
        rc = ak__read_file(&data, &len, path, AK_IMPORT_MAX_BYTES);
        if (rc != AK_OK)
                return rc;
        if (given == AK_IMPORT_AUTO) {
                rc = ak_import_detect(format, encrypted, data, len);
        } else {
                *format = given;
                rc = ak__import_given_encrypted(encrypted, given, (const unsigned char *)data, len);
        }
        ak__free_secret(data, len);
        return rc;
}

enum ak_err ak_import_file(struct ak_import *out, enum ak_import_format format, const char *path,
                           const char *password, size_t password_len)
{
        char *data = NULL;
        size_t len = 0;
        enum ak_err rc;

        if (format == AK_IMPORT_AUTO && file_is_sqlite(path)) {
                rc = ak__sqlite_detect(&format, path);
                if (rc != AK_OK)
                        return rc;
        }
        if (format == AK_IMPORT_GAUTH_DB || format == AK_IMPORT_MSAUTH_DB) {
                struct ak_import tmp;
                ak_import_init(&tmp);
                rc = ak__import_sqlite(&tmp, format, path);
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
        rc = ak_import_parse(out, format, data, len, password, password_len);
        ak__free_secret(data, len);
        return rc;
}
