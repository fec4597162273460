/*
 * Deleting and bringing back, as the backup engine does it
 * (include/authkeep/sync.h): the calls of client_lifecycle.c with the
 * engine's session, and what they change in the device's state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authkeep/authkeep.h"
#include "authkeep/sync.h"
#include "client_internal.h"
#include "sync_internal.h"

/* A session that expired is recorded as the state says it. */
static enum ak_err note_expired(struct ak_sync *sync, enum ak_err err)
{
        enum ak_err serr = AK_OK;

        if (err == AK_ERR_SESSION_EXPIRED)
                ak__sync_record(sync->vault, err, NULL, &serr);
        return err;
}

enum ak_err ak_sync_delete_backup(struct ak_sync *sync, bool now, const char *password,
                                  size_t password_len, struct ak_deletion *out)
{
        struct ak_client *client;
        enum ak_err err = ak_sync_client(sync, &client);

        if (err == AK_OK)
                err = ak_client_backup_delete_ex(client, ak_vault_device_id(sync->vault),
                                                 ak__sync_get(sync->vault, "device_name"), now,
                                                 ak__sync_get(sync->vault, "email"), password,
                                                 password_len, out);
        if (err != AK_OK && err != AK_ERR_NO_BACKUP)
                return note_expired(sync, err);
        return ak_sync_disable(sync);
}

enum ak_err ak_sync_undelete(struct ak_sync *sync, uint64_t *latest)
{
        struct ak_client *client;
        enum ak_err err = ak_sync_client(sync, &client);

        if (err == AK_OK)
                err = ak_client_backup_undelete(client, latest);
        if (err != AK_OK)
                return note_expired(sync, err);
        /* Which state this device is in now: its version may be the latest, or not. */
        (void)ak_sync_refresh(sync);
        ak_error_clear();
        return AK_OK;
}

enum ak_err ak_sync_delete_account(struct ak_sync *sync, bool now, const char *password,
                                   size_t password_len, struct ak_deletion *out)
{
        struct ak_client *client;
        enum ak_err err = ak_sync_client(sync, &client);

        if (err == AK_OK)
                err = ak_client_account_delete(client, ak_vault_device_id(sync->vault),
                                               ak__sync_get(sync->vault, "device_name"), now,
                                               ak__sync_get(sync->vault, "email"), password,
                                               password_len, out);
        if (err != AK_OK)
                return note_expired(sync, err);
        /* Every session of the account ended with it: backup is off here. */
        return ak_sync_disable(sync);
}

enum ak_err ak_sync_account_undelete(struct ak_sync *sync, const char *server, bool insecure,
                                     const char *email, const char *password, size_t password_len,
                                     bool *restored)
{
        struct ak_sync_status st;
        struct ak_client_options o = sync->options.client;
        struct ak_client *client = NULL;
        struct ak_session session;
        bool here;
        enum ak_err err, serr = AK_OK;

        ak_sync_status(sync, &st);
        here = st.state != AK_SYNC_OFF && strcmp(st.server, server) == 0 &&
               strcasecmp(st.email, email) == 0;
        memset(&session, 0, sizeof(session));
        o.insecure = insecure;
        err = ak_client_new(&client, server, &o);
        if (err == AK_OK)
                err = ak_client_account_undelete(client, &session, email, password, password_len,
                                                 restored);
        if (err == AK_OK && here && strcmp(st.account_id, session.account_id) == 0) {
                ak__sync_store_session(sync->vault, &session, &serr);
                ak__sync_adopt_client(sync, client, sync->options.explicit_budget_ms);
                client = NULL;
                if (serr == AK_OK)
                        (void)ak_sync_refresh(sync);
                ak_error_clear();
                err = serr;
        } else if (err == AK_OK) {
                (void)ak_client_sign_out(client);
                ak_error_clear();
        }
        ak_session_wipe(&session);
        ak_client_free(client);
        return err;
}
