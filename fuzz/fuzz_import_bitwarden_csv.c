/* Fuzzes the Bitwarden CSV importer and its RFC 4180 reader (lib/import/): ak_import_parse with its
 * format. */
#include "import_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        return fuzz_import(AK_IMPORT_BITWARDEN_CSV, data, size);
}
