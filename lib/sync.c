/*
 * The backup engine (include/authkeep/sync.h): its handle, the client it
 * makes for the device's server, and sending this device's accounts as the
 * next version, after a change, when asked and when the status is
 * refreshed, with what the server's versions say recorded in the state.
 * The state itself (the "backup.*" values) is typed in sync_state.c;
 * turning backup on is in sync_enable.c.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/authkeep.h"
#include "authkeep/sync.h"
#include "client_internal.h"
#include "sync_internal.h"

/* ------------------------------------------------------------------ */
/* The engine                                                           */

enum ak_err ak_sync_new(struct ak_sync **out, struct ak_vault *vault,
                        const struct ak_sync_options *options)
{
        struct ak_sync *s = calloc(1, sizeof(*s));

        if (s == NULL)
                return ak__fail(AK_ERR_NOMEM, "backup");
        s->vault = vault;
        if (options != NULL)
                s->options = *options;
        if (s->options.change_budget_ms == 0)
                s->options.change_budget_ms = AK_SYNC_CHANGE_BUDGET_MS;
        if (s->options.explicit_budget_ms == 0)
                s->options.explicit_budget_ms = AK_SYNC_EXPLICIT_BUDGET_MS;
        *out = s;
        return AK_OK;
}

void ak_sync_free(struct ak_sync *sync)
{
        if (sync == NULL)
                return;
        ak_client_free(sync->client);
        free(sync);
}

long ak_sync_retry_after(const struct ak_sync *sync)
{
        return sync->client != NULL ? ak_client_retry_after(sync->client) : 0;
}

/*
 * The client for the device's server, with its session token, made once
 * per engine; every call from now on shares `budget_ms`.
 */
enum ak_err ak__sync_open_client(struct ak_sync *s, unsigned budget_ms)
{
        struct ak_client_options o = s->options.client;
        enum ak_err err;

        if (s->client == NULL) {
                o.insecure = ak__sync_get(s->vault, "insecure") != NULL;
                err = ak_client_new(&s->client, ak__sync_get(s->vault, "server"), &o);
                if (err != AK_OK)
                        return err;
        }
        err = ak_client_set_token(s->client, ak__sync_get(s->vault, "token"));
        if (err != AK_OK)
                return err;
        ak__client_budget(s->client, budget_ms);
        return AK_OK;
}

void ak__sync_adopt_client(struct ak_sync *s, struct ak_client *client, unsigned budget_ms)
{
        if (s->client != client)
                ak_client_free(s->client);
        s->client = client;
        ak__client_budget(client, budget_ms);
}

/*
 * The device id whose later versions ak__sync_compare may take for this
 * device's own: none after an older version was restored, since those
 * versions then hold accounts the device no longer has.
 */
static const char *own_id(const struct ak_vault *vault)
{
        return ak__sync_get(vault, "restored") != NULL ? "" : ak_vault_device_id(vault);
}

enum ak__sync_elsewhere ak__sync_compare(const struct ak_backup_versions *versions, uint64_t known,
                                         const char *device_id, uint64_t *latest,
                                         struct ak_backup_info *newest)
{
        bool other = false;

        *latest = 0;
        for (size_t i = 0; i < versions->count; i++) {
                const struct ak_backup_info *v = &versions->items[i];

                if (v->version > *latest) {
                        *latest = v->version;
                        *newest = *v;
                }
                /* A version this device made itself (an answer that was lost) may be replaced. */
                if (v->version > known && strcmp(v->device_id, device_id) != 0)
                        other = true;
        }
        if (other)
                return AK__SYNC_NEWER;
        /* The server lost versions this device saw: do not guess which to replace. */
        return *latest < known ? AK__SYNC_BEHIND : AK__SYNC_SAME;
}

/*
 * ak__sync_record_problem, keeping what a refusal as too large said: the bytes, and
 * the server's cap (this call's answer, else the one it gave before).
 */
static void record_too_large(struct ak_sync *s, enum ak_err why, const char *problem,
                             const struct ak_backup_info *other, enum ak_err *err)
{
        uint64_t refused = 0, max = 0, max_before = (uint64_t)ak__sync_num(s->vault, "max_bytes");

        if (why == AK_ERR_LIMIT && s->client != NULL)
                ak__client_too_large(s->client, &refused, &max);
        ak__sync_record_problem(s->vault, why, problem, other, err);
        if (refused == 0)
                return;
        ak__sync_set_num(s->vault, "refused_bytes", (long long)refused, err);
        if (max > 0 || max_before > 0)
                ak__sync_set_num(s->vault, "max_bytes", (long long)(max > 0 ? max : max_before),
                                 err);
}

/*
 * After a delete the next upload replaces the deleted latest version
 * (version numbers are never reused); GET /v1/backup says which it was.
 */
static enum ak_err deleted_latest(struct ak_sync *s, const unsigned char key[AK_BACKUP_KEY_BYTES],
                                  uint64_t *latest)
{
        struct ak_backup_info info;
        char *payload = NULL;
        size_t len = 0;
        enum ak_err err;

        memset(&info, 0, sizeof(info));
        err = ak_client_backup_download(s->client, &info, &payload, &len, key,
                                        ak__sync_get(s->vault, "account_id"), 0);
        if (err == AK_OK) {
                /* Uploaded again meanwhile: the versions show it next time. */
                ak_backup_plaintext_free((unsigned char *)payload, len);
                return AK_ERR_NEWER_BACKUP;
        }
        if (err != AK_ERR_BACKUP_DELETED)
                return err;
        *latest = info.version;
        return AK_OK;
}

/*
 * Sends this device's accounts as the next version and records the outcome
 * in the state. Returns AK_OK or why it was not sent.
 */
enum ak_err ak__sync_send(struct ak_sync *s, enum ak__sync_mode mode)
{
        struct ak_vault *vault = s->vault;
        unsigned char key[AK_BACKUP_KEY_BYTES];
        struct ak_backup_versions versions = {0};
        struct ak_backup_info newest, got;
        uint64_t known = (uint64_t)ak__sync_num(vault, "version"), latest = 0, replaces = 0;
        char *payload = NULL;
        size_t payload_len = 0;
        const char *problem = NULL;
        bool was_pending;
        enum ak__sync_elsewhere where;
        enum ak_err err, serr = AK_OK;

        memset(&newest, 0, sizeof(newest));
        memset(&got, 0, sizeof(got));
        was_pending =
            ak__sync_get(vault, "pending") != NULL || ak__sync_get(vault, "problem") != NULL;
        ak__sync_mark_pending(s, &serr);
        err = ak__sync_load_key(vault, key);
        if (err != AK_OK)
                return err;
        err = ak_client_backup_versions(s->client, &versions);
        if (err != AK_OK)
                goto done;
        where = ak__sync_compare(&versions, known, own_id(vault), &latest, &newest);
        if (versions.deleted) {
                got = versions.deleted_by;
                if (mode == AK__SYNC_AUTO) {
                        err = AK_ERR_BACKUP_DELETED;
                        goto done;
                }
                err = deleted_latest(s, key, &replaces);
                if (err != AK_OK)
                        goto done;
        } else if (where != AK__SYNC_SAME && mode != AK__SYNC_FORCE) {
                got = newest;
                problem = where == AK__SYNC_BEHIND ? AK__SYNC_P_BEHIND : AK__SYNC_P_NEWER;
                err = ak__fail(AK_ERR_NEWER_BACKUP, "%s",
                               where == AK__SYNC_BEHIND ? "the server's latest backup is older"
                                                        : "another device backed up since");
                goto done;
        } else {
                replaces = latest;
                if (mode == AK__SYNC_EXPLICIT && !was_pending && latest == known && latest > 0) {
                        got = newest; /* the server has this device's accounts already */
                        goto done;
                }
        }
        err = ak_vault_backup_payload(vault, &payload, &payload_len);
        if (err != AK_OK)
                goto done;
        /* A backup the server refused as too large goes again only when asked, or once it fits. */
        ak__client_body_cap(s->client, mode == AK__SYNC_AUTO ? ak__sync_known_cap(vault) : 0);
        err = ak_client_backup_upload(s->client, &got, key, ak__sync_get(vault, "account_id"),
                                      replaces, ak_vault_device_id(vault),
                                      ak__sync_get(vault, "device_name"), payload, payload_len);
done:
        sodium_memzero(key, sizeof(key));
        ak_secret_free(payload, payload_len);
        ak_backup_versions_clear(&versions);
        if (err == AK_OK) {
                ak__sync_set_num(vault, "version", (long long)got.version, &serr);
                ak__sync_set_num(vault, "at", got.created_at > 0 ? got.created_at : ak__sync_now(s),
                                 &serr);
                ak__sync_set(vault, "pending", NULL, &serr);
                ak__sync_set(vault, "pending_since", NULL, &serr);
                ak__sync_set(vault, "restored", NULL, &serr);
                ak__sync_clear_problem(vault, &serr);
        } else {
                record_too_large(s, err, problem, &got, &serr);
        }
        return err == AK_OK ? serr : err;
}

/* ------------------------------------------------------------------ */
/* Operations                                                           */

enum ak_err ak_sync_after_save(struct ak_sync *sync)
{
        enum ak_err err, serr = AK_OK;

        if (ak__sync_get(sync->vault, "server") == NULL)
                return AK_OK;
        ak__sync_mark_pending(sync, &serr);
        if (ak__sync_session_expired(sync))
                err = ak__fail(AK_ERR_SESSION_EXPIRED, "the session expired");
        else if ((err = ak__sync_open_client(sync, sync->options.change_budget_ms)) == AK_OK)
                return ak__sync_send(sync, AK__SYNC_AUTO);
        ak__sync_record_problem(sync->vault, err, NULL, NULL, &serr);
        return serr != AK_OK ? serr : err;
}

enum ak_err ak_sync_send_pending(struct ak_sync *sync)
{
        const char *problem = ak__sync_get(sync->vault, "problem");
        enum ak_err err;

        if (ak__sync_get(sync->vault, "server") == NULL ||
            ak__sync_get(sync->vault, "pending") == NULL)
                return AK_OK;
        if (ak__sync_session_expired(sync) ||
            (problem != NULL && strcmp(problem, AK__SYNC_P_UNREACHABLE) != 0))
                return ak__fail(AK_ERR_BACKUP_OFF, "the change waits for the user");
        err = ak__sync_open_client(sync, sync->options.change_budget_ms);
        return err != AK_OK ? err : ak__sync_send(sync, AK__SYNC_AUTO);
}

/* The client for an explicit command: backup on, a session not known to have expired. */
static enum ak_err open_signed_in(struct ak_sync *sync)
{
        if (ak__sync_get(sync->vault, "server") == NULL)
                return ak__fail(AK_ERR_BACKUP_OFF, "backup is off");
        if (ak__sync_session_expired(sync))
                return ak__fail(AK_ERR_SESSION_EXPIRED, "the session expired");
        return ak__sync_open_client(sync, sync->options.explicit_budget_ms);
}

enum ak_err ak_sync_client(struct ak_sync *sync, struct ak_client **out)
{
        enum ak_err err = open_signed_in(sync);

        if (err == AK_OK)
                *out = sync->client;
        return err;
}

enum ak_err ak_sync_device_client(const struct ak_sync *sync, unsigned timeout_ms,
                                  struct ak_client **out)
{
        struct ak_client_options o = sync->options.client;

        if (ak__sync_get(sync->vault, "server") == NULL)
                return ak__fail(AK_ERR_BACKUP_OFF, "backup is off");
        o.insecure = ak__sync_get(sync->vault, "insecure") != NULL;
        if (timeout_ms > 0)
                o.timeout_ms = timeout_ms;
        return ak_client_new(out, ak__sync_get(sync->vault, "server"), &o);
}

enum ak_err ak_sync_now(struct ak_sync *sync, bool force)
{
        enum ak_err err;

        err = open_signed_in(sync);
        if (err != AK_OK)
                return err;
        return ak__sync_send(sync, force ? AK__SYNC_FORCE : AK__SYNC_EXPLICIT);
}

enum ak_err ak_sync_refresh(struct ak_sync *sync)
{
        struct ak_vault *vault = sync->vault;
        struct ak_backup_versions versions = {0};
        struct ak_backup_info newest;
        uint64_t latest = 0, known = (uint64_t)ak__sync_num(vault, "version");
        enum ak__sync_elsewhere where;
        enum ak_err err, serr = AK_OK;

        memset(&newest, 0, sizeof(newest));
        if (ak__sync_get(vault, "server") == NULL)
                return AK_OK;
        if (ak__sync_session_expired(sync)) {
                ak__fail(AK_ERR_SESSION_EXPIRED, "the session expired");
                ak__sync_record_problem(vault, AK_ERR_SESSION_EXPIRED, NULL, NULL, &serr);
                return serr;
        }
        err = ak__sync_open_client(sync, sync->options.explicit_budget_ms);
        if (err != AK_OK)
                return err;
        if (ak__sync_get(vault, "pending") != NULL) {
                err = ak__sync_send(sync, AK__SYNC_AUTO);
                return ak__sync_transient(err) ? err : AK_OK;
        }
        err = ak_client_backup_versions(sync->client, &versions);
        if (err != AK_OK) {
                if (!ak__sync_transient(err))
                        ak__sync_record_problem(vault, err, NULL, NULL, &serr);
                return ak__sync_transient(err) ? err : serr;
        }
        where = ak__sync_compare(&versions, known, own_id(vault), &latest, &newest);
        if (versions.deleted)
                ak__sync_record_problem(vault, AK_ERR_BACKUP_DELETED, NULL, &versions.deleted_by,
                                        &serr);
        else if (where != AK__SYNC_SAME)
                ak__sync_record_problem(vault, AK_ERR_NEWER_BACKUP,
                                        where == AK__SYNC_BEHIND ? AK__SYNC_P_BEHIND : NULL,
                                        &newest, &serr);
        else {
                ak__sync_clear_problem(vault, &serr);
                /* A later version of this device's own (an answer that was lost): known now. */
                if (latest > known) {
                        ak__sync_set_num(vault, "version", (long long)latest, &serr);
                        ak__sync_set_num(vault, "at", newest.created_at, &serr);
                }
        }
        ak_backup_versions_clear(&versions);
        return serr;
}

enum ak_err ak__sync_revoke(struct ak_sync *s, unsigned budget_ms)
{
        enum ak_err err;

        if (ak__sync_get(s->vault, "server") == NULL || ak__sync_session_expired(s))
                return AK_OK;
        err = ak__sync_open_client(s, budget_ms);
        if (err == AK_OK)
                err = ak_client_sign_out(s->client);
        /* A session the server no longer knows is as good as revoked. */
        return err == AK_ERR_SESSION_EXPIRED ? AK_OK : err;
}

enum ak_err ak_sync_disable(struct ak_sync *sync)
{
        enum ak_err serr = AK_OK;

        if (ak__sync_get(sync->vault, "server") == NULL)
                return AK_OK;
        /* Signing out is a courtesy to the server: off works without it too. */
        (void)ak__sync_revoke(sync, sync->options.change_budget_ms);
        ak_error_clear();
        ak_client_free(sync->client);
        sync->client = NULL;
        ak__sync_clear_all(sync->vault, &serr);
        return serr;
}

enum ak_err ak_sync_delete(struct ak_sync *sync)
{
        return ak_sync_delete_backup(sync, false, NULL, 0, NULL);
}

enum ak_err ak_sync_change_password(struct ak_sync *sync, const char *current, size_t current_len,
                                    const char *password, size_t password_len)
{
        unsigned char key[AK_BACKUP_KEY_BYTES];
        enum ak_err err;

        if (sync->client == NULL || ak_client_token(sync->client) == NULL)
                return ak__fail(AK_ERR_SESSION_EXPIRED, "sign in with the current password first");
        err = ak__sync_load_key(sync->vault, key);
        if (err == AK_OK)
                err = ak_client_change_password(sync->client, ak__sync_get(sync->vault, "email"),
                                                current, current_len, false, password, password_len,
                                                key, NULL);
        sodium_memzero(key, sizeof(key));
        return err;
}
