/*
 * Exports that are plain text: otpauth:// URIs, one a line. (Aegis vaults
 * are written in aegis.c, Google's migration URIs in gauth.c, QR images in
 * qr.c.) Only third-party accounts leave the device: personal and work
 * accounts hold device-bound credentials.
 */
#include "authkeep/uri.h"
#include "import_internal.h"

void ak_export_free(char *buf, size_t len)
{
        ak__free_secret(buf, len);
}

enum ak_err ak_export_uris(char **out, size_t *len, const struct ak_account_list *accounts)
{
        struct ak__buf text = {0};
        char *result;

        for (size_t i = 0; i < accounts->count; i++) {
                const struct ak_account *a = &accounts->items[i];
                char *uri = NULL;
                enum ak_err rc;
                if (a->kind != AK_KIND_THIRD_PARTY || a->secret_len == 0)
                        continue;
                rc = ak_uri_format(&uri, a);
                if (rc != AK_OK) {
                        ak__buf_free(&text);
                        return rc;
                }
                ak__buf_lit(&text, uri);
                ak__buf_add(&text, "\n", 1);
                ak_uri_free(uri);
        }
        /* With no account the text is "", never NULL. */
        result = ak__buf_take(&text, len);
        if (result == NULL)
                return AK_ERR_NOMEM;
        *out = result;
        return AK_OK;
}
