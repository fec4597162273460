/*
 * Fuzzes the lenient base32 decoder; whatever decodes must survive an
 * encode and a second decode unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authkeep/base32.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        size_t cap = ak_base32_decoded_max(size), len = 0, len2 = 0;
        unsigned char *out = malloc(cap + 1), *again = malloc(cap + 1);
        char *text = NULL;

        if (out == NULL || again == NULL)
                abort();
        /* A buffer one byte short of the maximum must fail cleanly, never overflow. */
        if (cap > 0 && ak_base32_decode(out, cap - 1, &len, (const char *)data, size) == AK_OK &&
            len > cap - 1)
                abort();
        if (ak_base32_decode(out, cap, &len, (const char *)data, size) == AK_OK) {
                size_t text_size = ak_base32_encoded_size(len);

                if (len == 0 || len > cap)
                        abort();
                text = malloc(text_size);
                if (text == NULL || ak_base32_encode(text, text_size, out, len) != AK_OK ||
                    strlen(text) + 1 != text_size)
                        abort();
                if (ak_base32_decode(again, cap + 1, &len2, text, strlen(text)) != AK_OK ||
                    len2 != len || memcmp(out, again, len) != 0)
                        abort();
        }
        free(text);
        free(out);
        free(again);
        return 0;
}
