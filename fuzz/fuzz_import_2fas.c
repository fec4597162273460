/* Fuzzes the 2fas importer (lib/import/): ak_import_parse with --format 2fas. */
#include "import_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        return fuzz_import(AK_IMPORT_2FAS, data, size);
}
