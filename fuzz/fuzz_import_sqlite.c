/*
 * Fuzzes the SQLite importers (Google's and Microsoft's authenticator
 * databases): the bytes are written to a temporary file, which is detected
 * and imported as a file, read-only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "import_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char path[] = "/tmp/authkeep-fuzz-db.XXXXXX";
        struct ak_import imp;
        int fd = mkstemp(path);

        fuzz_init();
        if (fd < 0)
                return 0;
        if (write(fd, data, size) == (ssize_t)size) {
                ak_import_init(&imp);
                if (ak_import_file(&imp, AK_IMPORT_AUTO, path, NULL, 0) == AK_OK)
                        fuzz_classify(&imp);
                ak_import_clear(&imp);
                ak_import_init(&imp);
                if (ak_import_file(&imp, AK_IMPORT_MSAUTH_DB, path, NULL, 0) == AK_OK)
                        fuzz_classify(&imp);
                ak_import_clear(&imp);
        }
        close(fd);
        unlink(path);
        return 0;
}
