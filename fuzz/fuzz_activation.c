/*
 * Fuzzes the activation URI's parser (ak_activation_parse): any text gives
 * AK_OK, AK_ERR_INVALID or AK_ERR_LIMIT; an accepted URI has fields that
 * pass their own checks, and formats back to a URI that parses to the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authkeep/activation.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct ak_activation a, again;
        char uri[AK_ACTIVATION_URI_MAX + 1];
        char *text = malloc(size + 1);

        if (text == NULL)
                abort();
        memcpy(text, data, size);
        text[size] = '\0';
        enum ak_err err = ak_activation_parse(&a, text);
        if (err != AK_OK && err != AK_ERR_INVALID && err != AK_ERR_LIMIT)
                abort();
        if (err == AK_OK) {
                if (!ak_activation_org_valid(a.org) || !ak_activation_email_valid(a.email) ||
                    !ak_activation_code_valid(a.code) ||
                    (strncmp(a.server, "https://", 8) != 0 && strncmp(a.server, "http://", 7) != 0))
                        abort();
                if (ak_activation_format(uri, sizeof(uri), &a) != AK_OK ||
                    ak_activation_parse(&again, uri) != AK_OK || memcmp(&a, &again, sizeof(a)) != 0)
                        abort();
        }
        free(text);
        return 0;
}
