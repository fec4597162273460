/* Fuzzes the Steam Guard importer (old and new layouts) (lib/import/): ak_import_parse with its
 * format. */
#include "import_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        return fuzz_import(AK_IMPORT_STEAM, data, size);
}
