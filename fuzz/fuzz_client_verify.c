/*
 * Fuzz target: the parsers of the server's answers to verification calls
 * (lib/client_verify.c). The first byte chooses the parser (an outcome, with
 * the HTTP status in the next two bytes, or the list of contacts); the rest
 * is the answer's body.
 */
#include <stdint.h>
#include <stdlib.h>

#include "client_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct ak_verify_result r;
        struct ak_contact_list list = {0};

        if (size < 3)
                return 0;
        if (data[0] % 2 == 0) {
                long status = 200 + (data[1] << 8 | data[2]) % 400;

                if (ak_client_parse_verify(&r, status, (const char *)data + 3, size - 3) != AK_OK)
                        return 0;
        } else if (ak_client_parse_contacts(&list, (const char *)data + 1, size - 1) == AK_OK) {
                ak_contact_list_clear(&list);
        }
        return 0;
}
