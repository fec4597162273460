/*
 * Proton Authenticator's export:
 *   {"version": 1, "entries": [{"id", "content": {"uri", "entry_type": "Totp"|"Steam", "name"},
 * "note"}]} TOTP entries hold an otpauth:// URI; Steam entries steam://SECRET, named by
 * content.name.
 */
#include <stdio.h>
#include <string.h>

#include "import_internal.h"

enum ak_err ak__import_proton(struct ak_import *out, json_t *root)
{
        json_t *entries = json_object_get(root, "entries"), *e;
        size_t i;
        enum ak_err rc = AK_OK;

        if (!json_is_array(entries))
                return ak__fail(AK_ERR_FORMAT, "proton: entries is not a list");
        json_array_foreach(entries, i, e)
        {
                const json_t *content = json_object_get(e, "content");
                const char *type = ak__json_str(content, "entry_type");
                bool steam = type != NULL && strcasecmp(type, "steam") == 0;
                char where[32];
                snprintf(where, sizeof(where), "entry %zu", i + 1);
                rc = ak__import_uri_or_secret(out, ak__json_str(content, "uri"), where,
                                              steam ? "Steam" : NULL, ak__json_str(content, "name"),
                                              false);
                if (rc != AK_OK)
                        break;
        }
        return rc;
}
