/*
 * Fuzzes the server-URL check (ak_client_check_url): any text gives a clean
 * answer, and a URL accepted without `insecure` is accepted with it too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authkeep/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *url = malloc(size + 1);
        enum ak_err strict, lax;

        if (url == NULL)
                abort();
        memcpy(url, data, size);
        url[size] = '\0';
        strict = ak_client_check_url(url, false);
        lax = ak_client_check_url(url, true);
        if (strict != AK_OK && strict != AK_ERR_INVALID && strict != AK_ERR_INSECURE)
                abort();
        if (strict == AK_OK && lax != AK_OK)
                abort();
        if (lax == AK_ERR_INSECURE)
                abort();
        free(url);
        return 0;
}
