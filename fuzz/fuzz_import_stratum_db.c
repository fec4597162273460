/*
 * Fuzzes the importer of Authenticator Pro (Stratum)'s SQLite database: the
 * bytes as a file, detected, then named.
 */
#include "import_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const enum ak_import_format formats[] = {AK_IMPORT_AUTO, AK_IMPORT_STRATUM_DB};

        return fuzz_import_as_file(data, size, formats, 2);
}
