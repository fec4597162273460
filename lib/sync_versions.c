/*
 * The versions kept on the server, as the device sees them
 * (include/authkeep/sync.h, "the versions kept on the server"): the server's
 * list, and each version opened with the backup key to count what it holds.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/authkeep.h"
#include "sync_internal.h"

void ak_sync_version_list_clear(struct ak_sync_version_list *list)
{
        if (list == NULL)
                return;
        free(list->items);
        memset(list, 0, sizeof(*list));
}

/* Opens version `v` and counts the accounts a recovery would bring. */
static void count_accounts(struct ak_client *client, const unsigned char key[AK_BACKUP_KEY_BYTES],
                           const char *account_id, struct ak_sync_version *v)
{
        struct ak_account_list accounts;
        struct ak_backup_info info;
        char *payload = NULL;
        size_t len = 0;

        ak_account_list_init(&accounts);
        v->error = ak_client_backup_download(client, &info, &payload, &len, key, account_id,
                                             v->info.version);
        if (v->error == AK_OK)
                v->error = ak_backup_payload_parse(&accounts, NULL, payload, len);
        if (v->error == AK_OK) {
                v->accounts = ak_account_list_carried(&accounts);
                v->readable = true;
        }
        ak_account_list_clear(&accounts);
        ak_backup_plaintext_free((unsigned char *)payload, len);
        ak_error_clear();
}

enum ak_err ak_sync_versions(struct ak_sync *sync, struct ak_sync_version_list *out)
{
        struct ak_backup_versions versions = {0};
        unsigned char key[AK_BACKUP_KEY_BYTES];
        struct ak_client *client = NULL;
        const char *account_id = ak__sync_get(sync->vault, "account_id");
        enum ak_err err;

        memset(out, 0, sizeof(*out));
        err = ak_sync_client(sync, &client);
        if (err == AK_OK)
                err = ak__sync_load_key(sync->vault, key);
        if (err == AK_OK)
                err = ak_client_backup_versions(client, &versions);
        if (err != AK_OK)
                goto done;
        out->deleted = versions.deleted;
        out->deleted_by = versions.deleted_by;
        out->items = calloc(versions.count + 1, sizeof(*out->items));
        if (out->items == NULL) {
                err = ak__fail(AK_ERR_NOMEM, "versions");
                goto done;
        }
        for (size_t i = 0; i < versions.count; i++) {
                struct ak_sync_version *v = &out->items[out->count++];

                v->info = versions.items[i];
                count_accounts(client, key, account_id != NULL ? account_id : "", v);
        }
done:
        sodium_memzero(key, sizeof(key));
        ak_backup_versions_clear(&versions);
        if (err != AK_OK)
                ak_sync_version_list_clear(out);
        return err;
}
