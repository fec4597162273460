/* Fuzzes Google Authenticator's migration payload (protobuf) reader, then the URI form around it.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "import_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char prefix[] = "otpauth-migration://offline?data=";
        struct ak_import imp;
        size_t cap =
            sizeof(prefix) + sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL);
        char *uri = malloc(cap);

        fuzz_init();
        ak_import_init(&imp);
        if (ak_import_gauth_payload(&imp, data, size, "fuzz") == AK_OK)
                fuzz_classify(&imp);
        ak_import_clear(&imp);
        if (uri == NULL)
                return 0;
        memcpy(uri, prefix, sizeof(prefix) - 1);
        sodium_bin2base64(uri + sizeof(prefix) - 1, cap - sizeof(prefix) + 1, data, size,
                          sodium_base64_VARIANT_ORIGINAL);
        fuzz_import(AK_IMPORT_GAUTH, (const uint8_t *)uri, strlen(uri));
        free(uri);
        return 0;
}
