/*
 * Fuzzes the device header's parser (ak_device_auth_parse): any text gives
 * a clean answer, an accepted header has a 32-hex-digit device id and a
 * 22-character nonce, and a random key never verifies it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/signin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct ak_device_auth a;
        unsigned char pk[AK_DEVICE_PK_BYTES] = {0};
        char *text = malloc(size + 1);

        if (text == NULL || sodium_init() < 0)
                abort();
        memcpy(text, data, size);
        text[size] = '\0';
        enum ak_err err = ak_device_auth_parse(&a, text);
        if (err != AK_OK && err != AK_ERR_INVALID)
                abort();
        if (err == AK_OK) {
                if (strlen(a.device_id) != AK_DEVICE_ID_LEN ||
                    strlen(a.nonce) != AK_DEVICE_NONCE_LEN)
                        abort();
                if (ak_device_auth_verify(&a, pk, "GET", "/", NULL, 0) == AK_OK)
                        abort();
        }
        free(text);
        return 0;
}
