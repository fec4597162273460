/* Fuzzes the Authenticator Pro (Stratum) importer: plain JSON, and the headers of encrypted backups
 * (no password) (lib/import/): ak_import_parse with its format. */
#include "import_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        return fuzz_import(AK_IMPORT_STRATUM, data, size);
}
