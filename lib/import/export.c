/*
 * Exports that are plain text: otpauth:// URIs, one a line. (Aegis vaults
 * are written in aegis.c, Google's migration URIs in gauth.c, QR images in
 * qr.c.) Only third-party accounts leave the device: personal and work
 * accounts hold device-bound credentials.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/uri.h"
#include "import_internal.h"

void ak_export_free(char *buf, size_t len)
{
        ak__free_secret(buf, len);
}

enum ak_err ak_export_uris(char **out, size_t *len, const struct ak_account_list *accounts)
{
        char *text = NULL;
        size_t used = 0, cap = 0;
        enum ak_err rc = AK_OK;

        for (size_t i = 0; i < accounts->count; i++) {
                const struct ak_account *a = &accounts->items[i];
                char *uri = NULL;
                size_t n;
                if (a->kind != AK_KIND_THIRD_PARTY || a->secret_len == 0)
                        continue;
                rc = ak_uri_format(&uri, a);
                if (rc != AK_OK)
                        goto done;
                n = strlen(uri);
                if (used + n + 2 > cap) {
                        size_t grown_cap = (used + n + 2) * 2;
                        char *grown = malloc(grown_cap);
                        if (grown == NULL) {
                                ak_uri_free(uri);
                                rc = AK_ERR_NOMEM;
                                goto done;
                        }
                        if (used)
                                memcpy(grown, text, used);
                        ak__free_secret(text, cap);
                        text = grown;
                        cap = grown_cap;
                }
                memcpy(text + used, uri, n);
                used += n;
                text[used++] = '\n';
                ak_uri_free(uri);
        }
        if (text == NULL) {
                cap = 1;
                text = malloc(1);
                if (text == NULL)
                        return AK_ERR_NOMEM;
        }
        text[used] = '\0';
        *out = text;
        *len = used;
        return AK_OK;
done:
        ak__free_secret(text, cap);
        return rc;
}
