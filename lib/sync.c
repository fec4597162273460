/*
 * The backup engine (include/authkeep/sync.h). Its state is typed here and
 * stored in the vault's device-local state (encrypted with the vault, never
 * backed up) under "backup.*", the names earlier versions of the program
 * wrote, so that existing vaults keep their backup:
 *   server, insecure, email         where the recovery account is
 *   account_id, token, expires      the session (token expires at `expires`)
 *   key                             the backup key (base64), unwrapped at sign-in
 *   device_name                     shown to other devices
 *   version, at                     the version this device last uploaded or
 *                                   restored, and when
 *   pending, pending_since          a change not yet on the server, since when
 *   problem, reason, error          why not: unreachable, session_expired,
 *                                   deleted, newer_backup, server_behind,
 *                                   error; a sentence; the enum ak_err
 *   other_version, other_device, other_at
 *                                   the newer backup, or who deleted the backup
 *   refused_bytes, max_bytes        a backup the server refused as too large
 *                                   (error AK_ERR_LIMIT): its bytes, the cap
 *   restored                        this device restored an older version than
 *                                   the latest: every later version, its own
 *                                   too, is newer than its accounts
 * Backup is on when "backup.server" is set. Only this file and
 * sync_recover.c (through sync_internal.h) know these names.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "authkeep/authkeep.h"
#include "authkeep/sync.h"
#include "client_internal.h"
#include "sync_internal.h"

#define P_UNREACHABLE "unreachable"
#define P_SESSION "session_expired"
#define P_DELETED "deleted"
#define P_NEWER "newer_backup"
#define P_BEHIND "server_behind"
#define P_ERROR "error"

/* ------------------------------------------------------------------ */
/* Device-local state                                                   */

const char *ak__sync_get(const struct ak_vault *vault, const char *key)
{
        char name[64];

        snprintf(name, sizeof(name), "backup.%s", key);
        return ak_vault_local(vault, name);
}

void ak__sync_set(struct ak_vault *vault, const char *key, const char *value, enum ak_err *err)
{
        char name[64];
        enum ak_err e;

        snprintf(name, sizeof(name), "backup.%s", key);
        e = ak_vault_set_local(vault, name, value);
        if (e != AK_OK && *err == AK_OK)
                *err = e;
}

void ak__sync_set_num(struct ak_vault *vault, const char *key, long long value, enum ak_err *err)
{
        char buf[32];

        snprintf(buf, sizeof(buf), "%lld", value);
        ak__sync_set(vault, key, buf, err);
}

static long long st_num(const struct ak_vault *vault, const char *key)
{
        const char *s = ak__sync_get(vault, key);
        char *end;
        long long v;

        if (s == NULL || *s < '0' || *s > '9')
                return 0;
        v = strtoll(s, &end, 10);
        return *end == '\0' && v > 0 ? v : 0;
}

static const char *st_text(const struct ak_vault *vault, const char *key)
{
        const char *s = ak__sync_get(vault, key);

        return s != NULL ? s : "";
}

static const char *const state_keys[] = {
    "server",        "insecure",      "email",       "account_id",    "token",
    "expires",       "key",           "device_name", "version",       "at",
    "pending",       "pending_since", "problem",     "reason",        "error",
    "other_version", "other_device",  "other_at",    "refused_bytes", "max_bytes",
    "restored",      "other_until",
};

static void clear_all(struct ak_vault *vault, enum ak_err *err)
{
        for (size_t i = 0; i < sizeof(state_keys) / sizeof(state_keys[0]); i++)
                ak__sync_set(vault, state_keys[i], NULL, err);
}

static void clear_problem(struct ak_vault *vault, enum ak_err *err)
{
        static const char *const keys[] = {"problem",       "reason",       "error",
                                           "other_version", "other_device", "other_at",
                                           "refused_bytes", "max_bytes",    "other_until"};

        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                ak__sync_set(vault, keys[i], NULL, err);
}

static bool problem_is(const struct ak_vault *vault, const char *problem)
{
        const char *p = ak__sync_get(vault, "problem");

        return p != NULL && strcmp(p, problem) == 0;
}

int64_t ak__sync_now(const struct ak_sync *s)
{
        return s->options.now != NULL ? s->options.now(s->options.now_ctx) : (int64_t)time(NULL);
}

static void mark_pending(struct ak_sync *s, enum ak_err *err)
{
        if (ak__sync_get(s->vault, "pending") == NULL) {
                ak__sync_set(s->vault, "pending", "1", err);
                ak__sync_set_num(s->vault, "pending_since", ak__sync_now(s), err);
        }
}

void ak_sync_device_label(char *buf, size_t len, const char *id, const char *name)
{
        if (name != NULL && *name != '\0')
                snprintf(buf, len, "%s (%.8s)", name, id ? id : "?");
        else
                snprintf(buf, len, "%.8s", id && *id ? id : "an unknown device");
}

enum ak_err ak__sync_load_key(const struct ak_vault *vault, unsigned char key[AK_BACKUP_KEY_BYTES])
{
        const char *b64 = ak__sync_get(vault, "key");

        if (b64 == NULL || !ak__b64_exact(key, AK_BACKUP_KEY_BYTES, b64, strlen(b64)))
                return ak__fail(AK_ERR_BACKUP_OFF, "no backup key on this device");
        return AK_OK;
}

void ak__sync_store_session(struct ak_vault *vault, const struct ak_session *session,
                            enum ak_err *err)
{
        char b64[sodium_base64_ENCODED_LEN(AK_BACKUP_KEY_BYTES, sodium_base64_VARIANT_ORIGINAL)];

        sodium_bin2base64(b64, sizeof(b64), session->backup_key, AK_BACKUP_KEY_BYTES,
                          sodium_base64_VARIANT_ORIGINAL);
        ak__sync_set(vault, "key", b64, err);
        sodium_memzero(b64, sizeof(b64));
        ak__sync_set(vault, "token", session->token, err);
        ak__sync_set(vault, "account_id", session->account_id, err);
        if (session->expires_at > 0)
                ak__sync_set_num(vault, "expires", session->expires_at, err);
        else
                ak__sync_set(vault, "expires", NULL, err);
        if (problem_is(vault, P_SESSION))
                clear_problem(vault, err);
}

void ak__sync_start(struct ak_vault *vault, const char *server, bool insecure, const char *email,
                    const char *device_name, const struct ak_session *session, enum ak_err *err)
{
        clear_all(vault, err);
        ak__sync_set(vault, "server", server, err);
        ak__sync_set(vault, "insecure", insecure ? "1" : NULL, err);
        ak__sync_set(vault, "email", email, err);
        ak__sync_set(vault, "device_name",
                     device_name != NULL && *device_name ? device_name : "device", err);
        ak__sync_set(vault, "version", "0", err);
        ak__sync_store_session(vault, session, err);
}

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

const char *ak_sync_state_name(enum ak_sync_state state)
{
        static const char *const names[] = {
            "off",     "backed_up",    "pending",      "session_expired",
            "deleted", "newer_backup", "server_behind"};

        return (unsigned)state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}

static bool session_known_expired(const struct ak_sync *s)
{
        long long expires = st_num(s->vault, "expires");

        return ak__sync_get(s->vault, "token") == NULL ||
               (expires > 0 && ak__sync_now(s) >= expires);
}

void ak_sync_status(const struct ak_sync *sync, struct ak_sync_status *out)
{
        const struct ak_vault *v = sync->vault;
        const char *problem = ak__sync_get(v, "problem");

        memset(out, 0, sizeof(*out));
        out->server = st_text(v, "server");
        out->email = st_text(v, "email");
        out->account_id = st_text(v, "account_id");
        out->device_name = st_text(v, "device_name");
        out->reason = st_text(v, "reason");
        out->other_device = st_text(v, "other_device");
        out->version = (uint64_t)st_num(v, "version");
        out->backed_up_at = st_num(v, "at");
        out->pending = ak__sync_get(v, "pending") != NULL;
        out->pending_since = st_num(v, "pending_since");
        out->other_version = (uint64_t)st_num(v, "other_version");
        out->other_at = st_num(v, "other_at");
        out->error = (enum ak_err)st_num(v, "error");
        out->refused_bytes = (uint64_t)st_num(v, "refused_bytes");
        out->max_bytes = (uint64_t)st_num(v, "max_bytes");
        out->restorable_until = st_num(v, "other_until");
        if (ak__sync_get(v, "server") == NULL) {
                out->state = AK_SYNC_OFF;
                return;
        }
        out->session_known_expired = session_known_expired(sync);
        if (problem == NULL)
                out->state = out->pending ? AK_SYNC_PENDING : AK_SYNC_BACKED_UP;
        else if (strcmp(problem, P_SESSION) == 0)
                out->state = AK_SYNC_SESSION_EXPIRED;
        else if (strcmp(problem, P_DELETED) == 0)
                out->state = AK_SYNC_DELETED;
        else if (strcmp(problem, P_NEWER) == 0)
                out->state = AK_SYNC_NEWER_ELSEWHERE;
        else if (strcmp(problem, P_BEHIND) == 0)
                out->state = AK_SYNC_SERVER_BEHIND;
        else
                out->state = out->pending ? AK_SYNC_PENDING : AK_SYNC_BACKED_UP;
        if (out->state == AK_SYNC_PENDING && problem != NULL)
                out->why =
                    strcmp(problem, P_ERROR) == 0 ? AK_SYNC_LASTING_ERROR : AK_SYNC_UNREACHABLE;
}

/*
 * The client for the device's server, with its session token, made once
 * per engine; every call from now on shares `budget_ms`.
 */
static enum ak_err open_client(struct ak_sync *s, unsigned budget_ms)
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

/* True for failures after which the change is simply kept and sent later. */
static bool is_transient(enum ak_err err)
{
        return err == AK_ERR_NETWORK || err == AK_ERR_TIMEOUT || err == AK_ERR_SERVER ||
               err == AK_ERR_RATE_LIMITED || err == AK_ERR_PROTOCOL;
}

/* Records why the last attempt failed, so that status and the live view can say it. */
static void record_problem(struct ak_vault *vault, enum ak_err why, const char *problem,
                           const struct ak_backup_info *other, enum ak_err *err)
{
        char reason[600], dev[300], detail[512];

        /* Copied first: recording the state may set a detail of its own. */
        snprintf(detail, sizeof(detail), "%s", ak_error_detail());
        clear_problem(vault, err);
        if (problem == NULL && is_transient(why))
                problem = P_UNREACHABLE;
        else if (problem == NULL && why == AK_ERR_SESSION_EXPIRED)
                problem = P_SESSION;
        else if (problem == NULL && why == AK_ERR_NEWER_BACKUP)
                problem = P_NEWER;
        else if (problem == NULL && why == AK_ERR_BACKUP_DELETED)
                problem = P_DELETED;
        else if (problem == NULL)
                problem = P_ERROR;
        if (strcmp(problem, P_SESSION) == 0)
                snprintf(reason, sizeof(reason), "the session expired or was revoked");
        else if (strcmp(problem, P_UNREACHABLE) == 0 || strcmp(problem, P_ERROR) == 0)
                snprintf(reason, sizeof(reason), "%s%s%s", ak_strerror(why), *detail ? ": " : "",
                         detail);
        else
                snprintf(reason, sizeof(reason), "%s", ak_strerror(why));
        ak__sync_set(vault, "problem", problem, err);
        ak__sync_set(vault, "reason", reason, err);
        if (strcmp(problem, P_ERROR) == 0)
                ak__sync_set_num(vault, "error", (long long)why, err);
        if (other != NULL && (strcmp(problem, P_NEWER) == 0 || strcmp(problem, P_DELETED) == 0 ||
                              strcmp(problem, P_BEHIND) == 0)) {
                ak_sync_device_label(dev, sizeof(dev), other->device_id, other->device_name);
                ak__sync_set_num(vault, "other_version", (long long)other->version, err);
                ak__sync_set(vault, "other_device", dev, err);
                ak__sync_set_num(vault, "other_at", other->created_at, err);
                if (strcmp(problem, P_DELETED) == 0 && other->restorable_until > 0)
                        ak__sync_set_num(vault, "other_until", other->restorable_until, err);
        }
}

void ak__sync_record(struct ak_vault *vault, enum ak_err why, const struct ak_backup_info *other,
                     enum ak_err *err)
{
        record_problem(vault, why, NULL, other, err);
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
 * The cap a backup refused as too large sets for the next automatic
 * upload: the server's, else just under what it refused; 0 when nothing
 * was refused.
 */
static uint64_t known_cap(const struct ak_vault *vault)
{
        uint64_t max = (uint64_t)st_num(vault, "max_bytes"),
                 refused = (uint64_t)st_num(vault, "refused_bytes");

        if (!problem_is(vault, P_ERROR) || st_num(vault, "error") != AK_ERR_LIMIT)
                return 0;
        return max > 0 ? max : refused > 1 ? refused - 1 : 0;
}

/*
 * record_problem, keeping what a refusal as too large said: the bytes, and
 * the server's cap (this call's answer, else the one it gave before).
 */
static void record_too_large(struct ak_sync *s, enum ak_err why, const char *problem,
                             const struct ak_backup_info *other, enum ak_err *err)
{
        uint64_t refused = 0, max = 0, max_before = (uint64_t)st_num(s->vault, "max_bytes");

        if (why == AK_ERR_LIMIT && s->client != NULL)
                ak__client_too_large(s->client, &refused, &max);
        record_problem(s->vault, why, problem, other, err);
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
        uint64_t known = (uint64_t)st_num(vault, "version"), latest = 0, replaces = 0;
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
        mark_pending(s, &serr);
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
                problem = where == AK__SYNC_BEHIND ? P_BEHIND : P_NEWER;
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
        ak__client_body_cap(s->client, mode == AK__SYNC_AUTO ? known_cap(vault) : 0);
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
                clear_problem(vault, &serr);
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
        mark_pending(sync, &serr);
        if (session_known_expired(sync))
                err = ak__fail(AK_ERR_SESSION_EXPIRED, "the session expired");
        else if ((err = open_client(sync, sync->options.change_budget_ms)) == AK_OK)
                return ak__sync_send(sync, AK__SYNC_AUTO);
        record_problem(sync->vault, err, NULL, NULL, &serr);
        return serr != AK_OK ? serr : err;
}

enum ak_err ak_sync_send_pending(struct ak_sync *sync)
{
        const char *problem = ak__sync_get(sync->vault, "problem");
        enum ak_err err;

        if (ak__sync_get(sync->vault, "server") == NULL ||
            ak__sync_get(sync->vault, "pending") == NULL)
                return AK_OK;
        if (session_known_expired(sync) || (problem != NULL && strcmp(problem, P_UNREACHABLE) != 0))
                return ak__fail(AK_ERR_BACKUP_OFF, "the change waits for the user");
        err = open_client(sync, sync->options.change_budget_ms);
        return err != AK_OK ? err : ak__sync_send(sync, AK__SYNC_AUTO);
}

/* The client for an explicit command: backup on, a session not known to have expired. */
static enum ak_err open_signed_in(struct ak_sync *sync)
{
        if (ak__sync_get(sync->vault, "server") == NULL)
                return ak__fail(AK_ERR_BACKUP_OFF, "backup is off");
        if (session_known_expired(sync))
                return ak__fail(AK_ERR_SESSION_EXPIRED, "the session expired");
        return open_client(sync, sync->options.explicit_budget_ms);
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
        uint64_t latest = 0, known = (uint64_t)st_num(vault, "version");
        enum ak__sync_elsewhere where;
        enum ak_err err, serr = AK_OK;

        memset(&newest, 0, sizeof(newest));
        if (ak__sync_get(vault, "server") == NULL)
                return AK_OK;
        if (session_known_expired(sync)) {
                ak__fail(AK_ERR_SESSION_EXPIRED, "the session expired");
                record_problem(vault, AK_ERR_SESSION_EXPIRED, NULL, NULL, &serr);
                return serr;
        }
        err = open_client(sync, sync->options.explicit_budget_ms);
        if (err != AK_OK)
                return err;
        if (ak__sync_get(vault, "pending") != NULL) {
                err = ak__sync_send(sync, AK__SYNC_AUTO);
                return is_transient(err) ? err : AK_OK;
        }
        err = ak_client_backup_versions(sync->client, &versions);
        if (err != AK_OK) {
                if (!is_transient(err))
                        record_problem(vault, err, NULL, NULL, &serr);
                return is_transient(err) ? err : serr;
        }
        where = ak__sync_compare(&versions, known, own_id(vault), &latest, &newest);
        if (versions.deleted)
                record_problem(vault, AK_ERR_BACKUP_DELETED, NULL, &versions.deleted_by, &serr);
        else if (where != AK__SYNC_SAME)
                record_problem(vault, AK_ERR_NEWER_BACKUP,
                               where == AK__SYNC_BEHIND ? P_BEHIND : NULL, &newest, &serr);
        else {
                clear_problem(vault, &serr);
                /* A later version of this device's own (an answer that was lost): known now. */
                if (latest > known) {
                        ak__sync_set_num(vault, "version", (long long)latest, &serr);
                        ak__sync_set_num(vault, "at", newest.created_at, &serr);
                }
        }
        ak_backup_versions_clear(&versions);
        return serr;
}

enum ak_err ak_sync_sign_in(struct ak_sync *sync, const char *password, size_t password_len)
{
        struct ak_session session;
        enum ak_err err, serr = AK_OK;

        if (ak__sync_get(sync->vault, "server") == NULL)
                return ak__fail(AK_ERR_BACKUP_OFF, "backup is off");
        memset(&session, 0, sizeof(session));
        err = open_client(sync, 0);
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

        if (ak_device_personal_find(accounts, st_text(vault, "server"), st_text(vault, "email"),
                                    &index) != AK_OK) {
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
                        strcasecmp(st_text(vault, "email"), email) == 0;
                if (!again)
                        return ak__fail(AK_ERR_INVALID, "backup is on already, to %s at %s",
                                        st_text(vault, "email"), ak__sync_get(vault, "server"));
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
                        mark_pending(sync, &serr);
                if (serr == AK_OK && ak__sync_get(vault, "pending") != NULL &&
                    open_client(sync, sync->options.explicit_budget_ms) == AK_OK)
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
        if (err == AK_OK && open_client(sync, sync->options.explicit_budget_ms) == AK_OK)
                (void)ak__sync_send(sync, AK__SYNC_EXPLICIT);
done:
        ak_session_wipe(&session);
        ak_client_free(client);
        return err;
}

enum ak_err ak__sync_revoke(struct ak_sync *s, unsigned budget_ms)
{
        enum ak_err err;

        if (ak__sync_get(s->vault, "server") == NULL || session_known_expired(s))
                return AK_OK;
        err = open_client(s, budget_ms);
        if (err == AK_OK)
                err = ak_client_sign_out(s->client);
        /* A session the server no longer knows is as good as revoked. */
        return err == AK_ERR_SESSION_EXPIRED ? AK_OK : err;
}

void ak__sync_restored_older(struct ak_vault *vault, const struct ak_backup_info *restored,
                             const struct ak_backup_info *latest, enum ak_err *err)
{
        ak__sync_set_num(vault, "version", (long long)restored->version, err);
        ak__sync_set_num(vault, "at", restored->created_at, err);
        ak__sync_set(vault, "restored", "1", err);
        record_problem(vault, AK_ERR_NEWER_BACKUP, P_NEWER, latest, err);
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
        clear_all(sync->vault, &serr);
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
