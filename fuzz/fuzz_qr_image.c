/* Fuzzes the QR image reader: PNG and JPEG decoding, then zbar. */
#include "import_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char **texts = NULL;
        size_t count = 0;

        fuzz_init();
        if (ak_qr_decode(&texts, &count, data, size) == AK_OK)
                ak_qr_texts_free(texts, count);
        return 0;
}
