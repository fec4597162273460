/*
 * Turning backup on, as the backup engine does it (include/authkeep/sync.h):
 * signing in to the recovery account (again, after a session expired),
 * making one, and registering this device with it, so that its personal
 * entry is in the vault before the first upload.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authkeep/authkeep.h"
#include "authkeep/sync.h"
#include "client_internal.h"
#include "sync_internal.h"

enum ak_err ak_sync_sign_in(struct ak_sync *sync, const char *password, size_t password_len)
{
        struct ak_session session;
        enum ak_err err, serr = AK_OK;

        if (ak__sync_get(sync->vault, "server") == NULL)
                return ak__fail(AK_ERR_BACKUP_OFF, "backup is off");
        memset(&session, 0, sizeof(session));
        err = ak__sync_open_client(sync, 0);
        if (err == AK_OK)
                err = ak_client_sign_in(sync->client, &session, ak__sync_get(sync->vault, "email"),
                                        password, password_len, false);
        if (err == AK_OK) {
                ak__sync_store_session(sync->vault, &session, &serr);
                err = serr;
        }
        ak_session_wipe(&session);
        return err;
}

enum ak_err ak_sync_create_account(struct ak_sync *sync, const char *server, bool insecure,
                                   const char *email, const char *password, size_t password_len,
                                   char **recovery_code)
{
        struct ak_client_options o = sync->options.client;
        struct ak_client *client = NULL;
        enum ak_err err;

        o.insecure = insecure;
        err = ak_client_new(&client, server, &o);
        if (err == AK_OK)
                err =
                    ak_client_create_account(client, email, password, password_len, recovery_code);
        ak_client_free(client);
        return err;
}

bool ak__sync_register(struct ak_sync *s, struct ak_client *client, const char *server,
                       const char *email)
{
        s->registration_tried = true;
        if (ak_device_register(client, s->vault, server, email,
                               ak__sync_get(s->vault, "device_name"), &s->registration) != AK_OK)
                return false; /* the outcome, in words too, is in s->registration */
        return s->registration.err == AK_OK && s->registration.added;
}

bool ak_sync_registration(const struct ak_sync *sync, struct ak_device_registration *out)
{
        if (sync->registration_tried && out != NULL)
                *out = sync->registration;
        return sync->registration_tried;
}

bool ak__sync_registered_here(const struct ak_vault *vault)
{
        struct ak_account_list *accounts = ak_vault_accounts((struct ak_vault *)vault);
        size_t index;

        if (ak_device_personal_find(accounts, ak__sync_text(vault, "server"),
                                    ak__sync_text(vault, "email"), &index) != AK_OK) {
                ak_error_clear();
                return false;
        }
        return accounts->items[index].secret_len > 0;
}

/* Whether a backup exists that this device does not know (turning on would replace it). */
static enum ak_err existing_backup(struct ak_client *client, const char *device_id,
                                   struct ak_backup_info *newest, bool *exists)
{
        struct ak_backup_versions versions = {0};
        uint64_t latest = 0;
        enum ak_err err = ak_client_backup_versions(client, &versions);

        if (err != AK_OK)
                return err;
        memset(newest, 0, sizeof(*newest));
        *exists = !versions.deleted &&
                  ak__sync_compare(&versions, 0, device_id, &latest, newest) == AK__SYNC_NEWER;
        ak_backup_versions_clear(&versions);
        return AK_OK;
}

enum ak_err ak_sync_enable(struct ak_sync *sync, const char *server, bool insecure,
                           const char *email, const char *device_name, const char *password,
                           size_t password_len, struct ak_backup_info *other)
{
        struct ak_vault *vault = sync->vault;
        struct ak_client_options o = sync->options.client;
        struct ak_client *client = NULL;
        struct ak_session session;
        bool again = false, exists = false;
        enum ak_err err, serr = AK_OK;

        memset(&session, 0, sizeof(session));
        if (ak__sync_get(vault, "server") != NULL) {
                again = strcmp(ak__sync_get(vault, "server"), server) == 0 &&
                        strcasecmp(ak__sync_text(vault, "email"), email) == 0;
                if (!again)
                        return ak__fail(AK_ERR_INVALID, "backup is on already, to %s at %s",
                                        ak__sync_text(vault, "email"),
                                        ak__sync_get(vault, "server"));
        }
        o.insecure = insecure;
        err = ak_client_new(&client, server, &o);
        if (err == AK_OK)
                err = ak_client_sign_in(client, &session, email, password, password_len, false);
        if (err != AK_OK)
                goto done;
        if (again) {
                /* Signing in again: keep what this device knows, take the new session. */
                ak__sync_store_session(vault, &session, &serr);
                if (serr == AK_OK && !ak__sync_registered_here(vault) &&
                    ak__sync_register(sync, client, server, email))
                        ak__sync_mark_pending(sync, &serr);
                if (serr == AK_OK && ak__sync_get(vault, "pending") != NULL &&
                    ak__sync_open_client(sync, sync->options.explicit_budget_ms) == AK_OK)
                        (void)ak__sync_send(sync, AK__SYNC_AUTO);
                err = serr;
                goto done;
        }
        err = existing_backup(client, ak_vault_device_id(vault), other, &exists);
        if (err == AK_OK && exists)
                err = ak__fail(AK_ERR_NEWER_BACKUP, "another device's backup is there");
        if (err != AK_OK) {
                (void)ak_client_sign_out(client);
                goto done;
        }
        ak__sync_start(vault, server, insecure, email,
                       device_name != NULL ? device_name : ak__sync_get(vault, "device_name"),
                       &session, &serr);
        err = serr;
        /* Before the upload, so that the backup holds the personal entry's reference. */
        if (err == AK_OK)
                (void)ak__sync_register(sync, client, server, email);
        if (err == AK_OK && ak__sync_open_client(sync, sync->options.explicit_budget_ms) == AK_OK)
                (void)ak__sync_send(sync, AK__SYNC_EXPLICIT);
done:
        ak_session_wipe(&session);
        ak_client_free(client);
        return err;
}
