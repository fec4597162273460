/*
 * Steam Guard's files, as the Steam app and Steam Desktop Authenticator keep
 * them:
 *
 *   old (Steam app before 3.0: files/Steamguard-STEAMID; SDA's .maFile):
 *     {"shared_secret" (base64), "account_name", "serial_number",
 *      "revocation_code", "identity_secret", "uri", ...}
 *   new (Steam app 3.0 on: files/Steamguard-STEAMID):
 *     {"accounts": {"STEAMID": {the same fields, "steamid", "steamguard_scheme"}}}
 *
 * Each account is a Steam entry (five characters, SHA-1, 30 s) of the
 * shared_secret, named by account_name under the issuer "Steam".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_internal.h"

static bool is_account(const json_t *obj)
{
        return json_is_object(obj) && json_is_string(json_object_get(obj, "shared_secret"));
}

bool ak__steam_is(const json_t *root)
{
        const json_t *accounts = json_object_get(root, "accounts");
        const char *key;
        json_t *value;

        if (is_account(root))
                return true;
        if (!json_is_object(accounts) || json_object_size(accounts) == 0)
                return false;
        json_object_foreach((json_t *)accounts, key, value)
        {
                if (!is_account(value))
                        return false;
        }
        return true;
}

static enum ak_err read_account(struct ak_account *acct, const json_t *obj)
{
        const char *secret = ak__json_str(obj, "shared_secret");
        unsigned char *raw = NULL;
        size_t raw_len = 0;
        struct ak__otp_fields f = {
            .type = "steam",
            .issuer = "Steam",
            .name = ak__json_str(obj, "account_name"),
            .counter = -1,
        };
        enum ak_err rc;

        if (!json_is_object(obj))
                return ak__fail(AK_ERR_FORMAT, "not an object");
        if (secret == NULL || secret[0] == '\0')
                return ak__fail(AK_ERR_FORMAT, "shared_secret: missing (Steam Guard by e-mail "
                                               "holds no secret)");
        rc = ak__base64_decode(&raw, &raw_len, secret, strlen(secret));
        if (rc != AK_OK)
                return rc == AK_ERR_NOMEM ? rc
                                          : ak__fail(AK_ERR_FORMAT, "shared_secret: not base64");
        if (f.name == NULL)
                f.name = ak__json_str(obj, "steamid");
        f.secret_raw = raw;
        f.secret_raw_len = raw_len;
        rc = ak__account_from_fields(acct, &f);
        ak__free_secret(raw, raw_len);
        return rc;
}

/* One account as an entry named `where`, "account N" unless `name` names the file it came from. */
static enum ak_err push_account(struct ak_import *out, const json_t *obj, const char *name,
                                size_t n, bool one)
{
        struct ak_account acct;
        char where[300], *label = ak__label("Steam", ak__json_str(obj, "account_name"));
        enum ak_err rc;

        if (label == NULL)
                return AK_ERR_NOMEM;
        ak_account_init(&acct);
        if (name == NULL)
                snprintf(where, sizeof(where), "account %zu", n);
        else if (one)
                snprintf(where, sizeof(where), "%s", name);
        else
                snprintf(where, sizeof(where), "%s, account %zu", name, n);
        rc = ak__import_push(out, read_account(&acct, obj), &acct, where, label);
        free(label);
        return rc;
}

enum ak_err ak__import_steam_named(struct ak_import *out, json_t *root, const char *name)
{
        const json_t *accounts = json_object_get(root, "accounts");
        const char *key;
        json_t *value;
        size_t n = 0;
        enum ak_err rc = AK_OK;

        if (!json_is_object(root))
                return ak__fail(AK_ERR_FORMAT, "steam: not a JSON object");
        if (!json_is_object(accounts))
                return push_account(out, root, name, 1, true);
        json_object_foreach((json_t *)accounts, key, value)
        {
                rc = push_account(out, value, name, ++n, false);
                if (rc != AK_OK)
                        break;
        }
        return rc;
}

enum ak_err ak__import_steam(struct ak_import *out, json_t *root)
{
        return ak__import_steam_named(out, root, NULL);
}
