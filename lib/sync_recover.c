/*
 * Recovery (include/authkeep/sync.h): a plan made from a backup on the
 * server and classified against the device's accounts with the importers'
 * classifier, so that `recover` and `import` say new, identical and
 * conflicting the same way. Applying it never replaces an account and
 * never drops one: a conflicting account of the backup is added beside the
 * device's under the name classify gave it, as import does.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sodium.h>

#include "authkeep/authkeep.h"
#include "authkeep/sync.h"
#include "client_internal.h"
#include "sync_internal.h"

struct ak_recovery_private {
        struct ak_client *client;
        struct ak_session session;
        char *server, *email, *settings;
        /* What signed in (the password or the recovery code): a password change proves it again. */
        char *secret;
        size_t secret_len;
        bool with_recovery_code;
        struct ak_backup_info latest; /* the latest version the server listed */
        bool insecure;
        bool applied;
        bool deleted; /* from a deleted backup's kept versions: brought back when applied */
};

/* plan->counts over the accounts the backup carries; the references beside them. */
static void count_carried(struct ak_recovery_plan *plan)
{
        ak_import_count_carried(&plan->accounts, &plan->counts);
        plan->carried = plan->counts.added + plan->counts.identical + plan->counts.conflicts +
                        plan->counts.unreadable;
        plan->references = plan->accounts.count - plan->carried;
}

/* Picks the latest version (and checks there is one) before downloading. */
static enum ak_err latest_version(struct ak_recovery_plan *plan, struct ak_backup_info *deleted)
{
        struct ak_backup_versions versions = {0};
        struct ak_backup_info newest;
        enum ak_err err;

        memset(&newest, 0, sizeof(newest));
        err = ak_client_backup_versions(plan->priv->client, &versions);
        if (err != AK_OK)
                return err;
        if (versions.deleted && deleted != NULL)
                *deleted = versions.deleted_by;
        if (plan->priv->deleted && !versions.deleted) {
                err = ak__fail(AK_ERR_CONFLICT, "the backup is not deleted");
        } else if (plan->priv->deleted) {
                /* The versions the delete keeps stand for the backup's. */
                free(versions.items);
                versions.items = versions.deleted_items;
                versions.count = versions.deleted_count;
                versions.deleted_items = NULL;
                versions.deleted_count = 0;
                (void)ak__sync_compare(&versions, 0, "", &plan->latest, &newest);
                plan->latest_at = newest.created_at;
                plan->priv->latest = newest;
                if (plan->latest == 0)
                        err = ak__fail(AK_ERR_NOT_FOUND, "the deleted backup was purged");
        } else if (versions.deleted) {
                err = ak__fail(AK_ERR_BACKUP_DELETED, "the backup was deleted");
        } else {
                (void)ak__sync_compare(&versions, 0, "", &plan->latest, &newest);
                plan->latest_at = newest.created_at;
                plan->priv->latest = newest;
                if (plan->latest == 0)
                        err = ak__fail(AK_ERR_NO_BACKUP, "no backup yet");
        }
        ak_backup_versions_clear(&versions);
        return err;
}

static enum ak_err plan_new(struct ak_recovery_plan **out, const struct ak_sync_options *options,
                            const char *server, bool insecure, const char *email,
                            const char *secret, size_t secret_len, bool with_recovery_code,
                            uint64_t version, const struct ak_account_list *device,
                            struct ak_recovery_failure *why, bool deleted);

enum ak_err ak_recovery_plan_new(struct ak_recovery_plan **out,
                                 const struct ak_sync_options *options, const char *server,
                                 bool insecure, const char *email, const char *secret,
                                 size_t secret_len, bool with_recovery_code, uint64_t version,
                                 const struct ak_account_list *device,
                                 struct ak_recovery_failure *why)
{
        return plan_new(out, options, server, insecure, email, secret, secret_len,
                        with_recovery_code, version, device, why, false);
}

enum ak_err ak_recovery_plan_new_deleted(struct ak_recovery_plan **out,
                                         const struct ak_sync_options *options, const char *server,
                                         bool insecure, const char *email, const char *secret,
                                         size_t secret_len, bool with_recovery_code,
                                         uint64_t version, const struct ak_account_list *device,
                                         struct ak_recovery_failure *why)
{
        return plan_new(out, options, server, insecure, email, secret, secret_len,
                        with_recovery_code, version, device, why, true);
}

static enum ak_err plan_new(struct ak_recovery_plan **out, const struct ak_sync_options *options,
                            const char *server, bool insecure, const char *email,
                            const char *secret, size_t secret_len, bool with_recovery_code,
                            uint64_t version, const struct ak_account_list *device,
                            struct ak_recovery_failure *why, bool deleted)
{
        struct ak_client_options o = {0};
        struct ak_recovery_plan *plan;
        struct ak_recovery_private *p;
        struct ak_account_list backup = {0};
        char *payload = NULL;
        size_t payload_len = 0;
        enum ak_err err;

        if (why != NULL)
                memset(why, 0, sizeof(*why));
        plan = calloc(1, sizeof(*plan));
        p = calloc(1, sizeof(*p));
        if (plan == NULL || p == NULL) {
                free(plan);
                free(p);
                return ak__fail(AK_ERR_NOMEM, "recover");
        }
        plan->priv = p;
        ak_import_init(&plan->accounts);
        if (options != NULL)
                o = options->client;
        o.insecure = insecure;
        p->insecure = insecure;
        p->deleted = deleted;
        p->server = ak__strdup(server);
        p->email = ak__strdup(email);
        p->secret = malloc(secret_len + 1);
        if (p->secret != NULL) {
                memcpy(p->secret, secret, secret_len);
                p->secret[secret_len] = '\0';
                p->secret_len = secret_len;
                p->with_recovery_code = with_recovery_code;
        }
        if (p->server == NULL || p->email == NULL || p->secret == NULL) {
                err = ak__fail(AK_ERR_NOMEM, "recover");
                goto fail;
        }
        err = ak_client_new(&p->client, server, &o);
        if (err != AK_OK)
                goto fail;
        err = ak_client_sign_in(p->client, &p->session, email, secret, secret_len,
                                with_recovery_code);
        if (err != AK_OK)
                goto fail;
        err = latest_version(plan, why != NULL ? &why->deleted : NULL);
        /*
         * The latest is asked for by its number: the envelope is sealed with
         * it, so a server cannot pass off an older version as the latest it
         * listed.
         */
        if (err == AK_OK)
                err = (deleted ? ak_client_backup_download_deleted : ak_client_backup_download)(
                    p->client, &plan->info, &payload, &payload_len, p->session.backup_key,
                    p->session.account_id, version > 0 ? version : plan->latest);
        if (err == AK_OK && version == 0 && plan->info.version != plan->latest)
                err = ak__fail(AK_ERR_PROTOCOL,
                               "the server listed version %" PRIu64 " as the latest, not %" PRIu64,
                               plan->latest, plan->info.version);
        if (err == AK_OK)
                err = ak_backup_payload_parse(&backup, &p->settings, payload, payload_len);
        if (err == AK_OK)
                err = ak_import_from_list(&plan->accounts, &backup);
        if (err == AK_OK)
                err = ak_import_classify(&plan->accounts,
                                         device != NULL ? device : &(struct ak_account_list){0});
        if (err != AK_OK)
                goto fail;
        count_carried(plan);
        ak_account_list_clear(&backup);
        ak_backup_plaintext_free((unsigned char *)payload, payload_len);
        *out = plan;
        return AK_OK;
fail:
        if (why != NULL) {
                why->latest = plan->latest;
                why->retry_after = p->client != NULL ? ak_client_retry_after(p->client) : 0;
        }
        ak_account_list_clear(&backup);
        ak_backup_plaintext_free((unsigned char *)payload, payload_len);
        ak_recovery_plan_free(plan);
        return err;
}

long ak_recovery_plan_retry_after(const struct ak_recovery_plan *plan)
{
        return plan->priv->client != NULL ? ak_client_retry_after(plan->priv->client) : 0;
}

enum ak_err ak_recovery_plan_set_password(struct ak_recovery_plan *plan, const char *password,
                                          size_t password_len, char **recovery_code)
{
        struct ak_recovery_private *p = plan->priv;

        return ak_client_change_password(p->client, p->email, p->secret, p->secret_len,
                                         p->with_recovery_code, password, password_len,
                                         p->session.backup_key, recovery_code);
}

/* Adds the settings of the backup that this device does not have (never replaces one). */
static enum ak_err merge_settings(struct ak_vault *vault, const char *settings_json)
{
        json_t *j, *value;
        const char *name;
        enum ak_err err = AK_OK;

        if (settings_json == NULL || *settings_json == '\0')
                return AK_OK;
        j = json_loads(settings_json, 0, NULL);
        if (!json_is_object(j)) {
                json_decref(j);
                return AK_OK;
        }
        json_object_foreach(j, name, value)
        {
                if (json_is_string(value) && ak_vault_setting(vault, name) == NULL) {
                        err = ak_vault_set_setting(vault, name, json_string_value(value));
                        if (err != AK_OK)
                                break;
                }
        }
        json_decref(j);
        return err;
}

/* True when backup on the vault of `sync` goes to the plan's recovery account. */
static bool same_account(const struct ak_recovery_plan *plan, const struct ak_sync_status *st)
{
        const struct ak_recovery_private *p = plan->priv;

        return st->state != AK_SYNC_OFF && strcmp(st->server, p->server) == 0 &&
               strcasecmp(st->email, p->email) == 0 &&
               strcmp(st->account_id, p->session.account_id) == 0;
}

enum ak_err ak_recovery_plan_check(const struct ak_recovery_plan *plan, const struct ak_sync *sync,
                                   struct ak_recovery_failure *why)
{
        struct ak_sync_status st;

        ak_sync_status(sync, &st);
        if (!same_account(plan, &st) || st.version <= plan->latest)
                return AK_OK;
        if (why != NULL) {
                why->latest = plan->latest;
                why->known = st.version;
        }
        return ak__fail(AK_ERR_NEWER_BACKUP,
                        "the server's latest version %" PRIu64 " is older than %" PRIu64
                        ", which this device saw",
                        plan->latest, st.version);
}

/*
 * Adds the backup's new accounts, with their ids, and its conflicting ones
 * under their distinguishing names: nothing of the device is replaced and
 * nothing of the backup is dropped.
 */
static enum ak_err add_accounts(struct ak_recovery_plan *plan, struct ak_account_list *accounts)
{
        enum ak_err err = AK_OK;

        for (size_t i = 0; i < plan->accounts.count && err == AK_OK; i++) {
                const struct ak_import_entry *e = &plan->accounts.entries[i];
                struct ak_account copy;

                size_t at;

                if (e->status != AK_IMPORT_NEW && e->status != AK_IMPORT_CONFLICT)
                        continue;
                /*
                 * A personal or work account is one entry per device: the
                 * device's own stays. A conflicting one was renamed: look it
                 * up by its name.
                 */
                if (e->account.kind != AK_KIND_THIRD_PARTY &&
                    ak__device_entry_find(accounts, e->account.kind, e->account.issuer,
                                          e->original_name != NULL ? e->original_name
                                                                   : e->account.name,
                                          &at) == AK_OK)
                        continue;
                ak_error_clear();
                ak_account_init(&copy);
                err = ak_account_copy(&copy, &e->account);
                if (err == AK_OK && e->status == AK_IMPORT_CONFLICT)
                        copy.id[0] = '\0'; /* a second account beside the device's: its own id */
                if (err == AK_OK)
                        err = ak_account_list_push(accounts, &copy);
                if (err == AK_ERR_EXISTS) { /* the id is taken here by another account */
                        copy.id[0] = '\0';
                        err = ak_account_list_push(accounts, &copy);
                }
                ak_account_clear(&copy);
        }
        return err;
}

enum ak_err ak_recovery_plan_apply(struct ak_recovery_plan *plan, struct ak_sync *sync,
                                   const char *device_name, enum ak_err *sent)
{
        struct ak_recovery_private *p = plan->priv;
        struct ak_vault *vault = sync->vault;
        struct ak_account_list *accounts = ak_vault_accounts(vault);
        size_t device_before = ak_account_list_carried(accounts);
        const char *kept = ak__sync_get(vault, "device_name");
        char name[AK_CLIENT_TEXT_MAX + 1];
        bool older = plan->info.version < plan->latest, added;
        enum ak_err err;

        *sent = AK_OK;
        plan->old_session = AK_OK;
        err = ak_recovery_plan_check(plan, sync, NULL);
        if (err != AK_OK)
                return err;
        /* A deleted backup comes back on the server first: nothing here changes if it cannot. */
        if (p->deleted) {
                uint64_t latest;

                err = ak_client_backup_undelete(p->client, &latest);
                if (err != AK_OK)
                        return err;
                p->deleted = false;
        }
        /* Copied: turning backup on below forgets the vault's own value. */
        snprintf(name, sizeof(name), "%s", device_name != NULL ? device_name : kept ? kept : "");
        err = add_accounts(plan, accounts);
        if (err == AK_OK)
                err = merge_settings(vault, p->settings);
        if (err != AK_OK)
                return err;
        /* The session backup had is replaced by the plan's: the server forgets it too. */
        plan->old_session = ak__sync_revoke(sync, sync->options.change_budget_ms);
        ak__sync_start(vault, p->server, p->insecure, p->email, name, &p->session, &err);
        if (older) {
                ak__sync_restored_older(vault, &plan->info, &p->latest, &err);
        } else {
                ak__sync_set_num(vault, "version", (long long)plan->latest, &err);
                ak__sync_set_num(vault, "at", plan->latest_at, &err);
        }
        if (err != AK_OK)
                return err;
        p->applied = true;
        /* This device's own code for the personal entry: its reference came with the backup. */
        added = !ak__sync_registered_here(vault) &&
                ak__sync_register(sync, p->client, p->server, p->email);
        /*
         * The server must learn what differs from its latest backup: accounts of
         * this device that were not identical to the backup's (its own, or its
         * own version of one, which is now beside the backup's). An older
         * version changes only this device: `backup now --force` makes it the
         * latest, when asked.
         */
        if (!older && (device_before > plan->counts.identical || added)) {
                ak__sync_adopt_client(sync, p->client, sync->options.explicit_budget_ms);
                p->client = NULL;
                *sent = ak__sync_send(sync, AK__SYNC_AUTO);
        }
        return AK_OK;
}

void ak_recovery_plan_free(struct ak_recovery_plan *plan)
{
        struct ak_recovery_private *p;

        if (plan == NULL)
                return;
        p = plan->priv;
        if (p != NULL) {
                if (p->client != NULL && !p->applied && ak_client_token(p->client) != NULL)
                        (void)ak_client_sign_out(p->client);
                ak_client_free(p->client);
                ak_session_wipe(&p->session);
                ak_secret_free_str(p->settings);
                if (p->secret != NULL)
                        sodium_memzero(p->secret, p->secret_len);
                free(p->secret);
                free(p->server);
                free(p->email);
                free(p);
        }
        ak_import_clear(&plan->accounts);
        free(plan);
}

bool ak_recovery_plan_deleted(const struct ak_recovery_plan *plan)
{
        return plan->priv->deleted;
}
