/*
 * Shared by the import fuzz targets: parse the input as one format, sort the
 * entries against an empty vault, and free everything.
 */
#ifndef AUTHKEEP_IMPORT_FUZZ_H
#define AUTHKEEP_IMPORT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "authkeep/authkeep.h"
#include "authkeep/import.h"

/* Initialises the library once. */
static inline void fuzz_init(void)
{
        static int ready;

        if (!ready && ak_init() == AK_OK)
                ready = 1;
}

static inline void fuzz_classify(struct ak_import *imp)
{
        struct ak_account_list empty;
        struct ak_import_counts counts;

        ak_account_list_init(&empty);
        if (ak_import_classify(imp, &empty) == AK_OK) {
                ak_import_count(imp, &counts);
                if (ak_import_apply(imp, &empty) != AK_OK)
                        ak_error_clear();
        }
        ak_account_list_clear(&empty);
}

/*
 * Encrypted inputs are parsed without a password: the key derivations'
 * costs come from the input and would only slow the fuzzer, and the
 * decrypted contents go through the same parsers as plain files.
 */
static inline int fuzz_import(enum ak_import_format format, const uint8_t *data, size_t size)
{
        struct ak_import imp;

        fuzz_init();
        ak_import_init(&imp);
        if (ak_import_parse(&imp, format, data, size, NULL, 0) == AK_OK)
                fuzz_classify(&imp);
        ak_import_clear(&imp);
        return 0;
}

/*
 * The bytes written to a temporary file, imported as a file (read-only) as
 * each of the `n` formats in turn: the SQLite importers read files only.
 */
static inline int fuzz_import_as_file(const uint8_t *data, size_t size,
                                      const enum ak_import_format *formats, size_t n)
{
        char path[] = "/tmp/authkeep-fuzz-db.XXXXXX";
        struct ak_import imp;
        int fd = mkstemp(path);

        fuzz_init();
        if (fd < 0)
                return 0;
        for (size_t i = 0; i < n && write(fd, data, size) == (ssize_t)size; i++) {
                ak_import_init(&imp);
                if (ak_import_file(&imp, formats[i], path, NULL, 0) == AK_OK)
                        fuzz_classify(&imp);
                ak_import_clear(&imp);
                if (lseek(fd, 0, SEEK_SET) != 0)
                        break;
        }
        close(fd);
        unlink(path);
        return 0;
}

#endif
