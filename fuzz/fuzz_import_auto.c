/* Fuzzes format detection and every importer it leads to: ak_import_parse with --format auto. */
#include "import_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        return fuzz_import(AK_IMPORT_AUTO, data, size);
}
