/*
 * Bitwarden's JSON export (unencrypted):
 *   {"encrypted": false, "items": [{"type": 1, "name", "login": {"username", "totp"}}]}
 * login.totp is an otpauth:// URI, steam://SECRET, or a bare base32 secret
 * (TOTP, SHA-1, 6 digits, 30 s); the item's name is the issuer and the login's
 * username the account where the value does not say. Items without a TOTP
 * are passwords only and are not entries.
 */
#include <stdio.h>

#include "import_internal.h"

enum ak_err ak__import_bitwarden(struct ak_import *out, json_t *root)
{
        json_t *items = json_object_get(root, "items"), *item;
        size_t i;
        enum ak_err rc = AK_OK;

        if (json_is_true(json_object_get(root, "encrypted")))
                return ak__fail(
                    AK_ERR_UNSUPPORTED,
                    "bitwarden: encrypted exports cannot be read; export as plain JSON");
        if (!json_is_array(items))
                return ak__fail(AK_ERR_FORMAT, "bitwarden: items is not a list");
        json_array_foreach(items, i, item)
        {
                const json_t *login = json_object_get(item, "login");
                const char *totp = ak__json_str(login, "totp");
                char where[32];
                if (totp == NULL || totp[0] == '\0')
                        continue;
                snprintf(where, sizeof(where), "item %zu", i + 1);
                rc = ak__import_uri_or_secret(out, totp, where, ak__json_str(item, "name"),
                                              ak__json_str(login, "username"), true);
                if (rc != AK_OK)
                        break;
        }
        return rc;
}
