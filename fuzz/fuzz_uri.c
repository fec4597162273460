/*
 * Fuzzes the otpauth:// parser. Whatever parses must format, and the
 * formatted URI must parse back to the same account.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authkeep/uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct ak_account a, b;
        char *text = malloc(size + 1), *uri = NULL;

        if (text == NULL)
                abort();
        memcpy(text, data, size);
        text[size] = '\0';
        ak_account_init(&a);
        ak_account_init(&b);
        if (ak_uri_parse(&a, text) == AK_OK) {
                if (ak_account_validate(&a) != AK_OK || ak_uri_format(&uri, &a) != AK_OK)
                        abort();
                if (ak_uri_parse(&b, uri) != AK_OK || !ak_account_identical(&a, &b) ||
                    !ak_account_same_label(&a, &b) || strcmp(a.issuer, b.issuer) != 0 ||
                    strcmp(a.name, b.name) != 0 || b.label_issuer != NULL ||
                    (a.type == AK_OTP_HOTP && a.counter != b.counter))
                        abort();
        }
        ak_uri_free(uri);
        ak_account_clear(&a);
        ak_account_clear(&b);
        free(text);
        return 0;
}
