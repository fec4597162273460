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
 * Backup is on when "backup.server" is set. Only this file, sync.c and
 * sync_recover.c (through sync_internal.h) know these names.
 *
 * This file reads and writes that state: the typed values, what a sign-in
 * stores, the problem the last attempt ran into, and the status the
 * program shows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "authkeep/authkeep.h"
#include "authkeep/sync.h"
#include "sync_internal.h"

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

long long ak__sync_num(const struct ak_vault *vault, const char *key)
{
        const char *s = ak__sync_get(vault, key);
        char *end;
        long long v;

        if (s == NULL || *s < '0' || *s > '9')
                return 0;
        v = strtoll(s, &end, 10);
        return *end == '\0' && v > 0 ? v : 0;
}

const char *ak__sync_text(const struct ak_vault *vault, const char *key)
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

void ak__sync_clear_all(struct ak_vault *vault, enum ak_err *err)
{
        for (size_t i = 0; i < sizeof(state_keys) / sizeof(state_keys[0]); i++)
                ak__sync_set(vault, state_keys[i], NULL, err);
}

void ak__sync_clear_problem(struct ak_vault *vault, enum ak_err *err)
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

void ak__sync_mark_pending(struct ak_sync *s, enum ak_err *err)
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
        if (problem_is(vault, AK__SYNC_P_SESSION))
                ak__sync_clear_problem(vault, err);
}

void ak__sync_start(struct ak_vault *vault, const char *server, bool insecure, const char *email,
                    const char *device_name, const struct ak_session *session, enum ak_err *err)
{
        ak__sync_clear_all(vault, err);
        ak__sync_set(vault, "server", server, err);
        ak__sync_set(vault, "insecure", insecure ? "1" : NULL, err);
        ak__sync_set(vault, "email", email, err);
        ak__sync_set(vault, "device_name",
                     device_name != NULL && *device_name ? device_name : "device", err);
        ak__sync_set(vault, "version", "0", err);
        ak__sync_store_session(vault, session, err);
}

const char *ak_sync_state_name(enum ak_sync_state state)
{
        static const char *const names[] = {
            "off",     "backed_up",    "pending",      "session_expired",
            "deleted", "newer_backup", "server_behind"};

        return (unsigned)state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}

bool ak__sync_session_expired(const struct ak_sync *s)
{
        long long expires = ak__sync_num(s->vault, "expires");

        return ak__sync_get(s->vault, "token") == NULL ||
               (expires > 0 && ak__sync_now(s) >= expires);
}

void ak_sync_status(const struct ak_sync *sync, struct ak_sync_status *out)
{
        const struct ak_vault *v = sync->vault;
        const char *problem = ak__sync_get(v, "problem");

        memset(out, 0, sizeof(*out));
        out->server = ak__sync_text(v, "server");
        out->email = ak__sync_text(v, "email");
        out->account_id = ak__sync_text(v, "account_id");
        out->device_name = ak__sync_text(v, "device_name");
        out->reason = ak__sync_text(v, "reason");
        out->other_device = ak__sync_text(v, "other_device");
        out->version = (uint64_t)ak__sync_num(v, "version");
        out->backed_up_at = ak__sync_num(v, "at");
        out->pending = ak__sync_get(v, "pending") != NULL;
        out->pending_since = ak__sync_num(v, "pending_since");
        out->other_version = (uint64_t)ak__sync_num(v, "other_version");
        out->other_at = ak__sync_num(v, "other_at");
        out->error = (enum ak_err)ak__sync_num(v, "error");
        out->refused_bytes = (uint64_t)ak__sync_num(v, "refused_bytes");
        out->max_bytes = (uint64_t)ak__sync_num(v, "max_bytes");
        out->restorable_until = ak__sync_num(v, "other_until");
        if (ak__sync_get(v, "server") == NULL) {
                out->state = AK_SYNC_OFF;
                return;
        }
        out->session_known_expired = ak__sync_session_expired(sync);
        if (problem == NULL)
                out->state = out->pending ? AK_SYNC_PENDING : AK_SYNC_BACKED_UP;
        else if (strcmp(problem, AK__SYNC_P_SESSION) == 0)
                out->state = AK_SYNC_SESSION_EXPIRED;
        else if (strcmp(problem, AK__SYNC_P_DELETED) == 0)
                out->state = AK_SYNC_DELETED;
        else if (strcmp(problem, AK__SYNC_P_NEWER) == 0)
                out->state = AK_SYNC_NEWER_ELSEWHERE;
        else if (strcmp(problem, AK__SYNC_P_BEHIND) == 0)
                out->state = AK_SYNC_SERVER_BEHIND;
        else
                out->state = out->pending ? AK_SYNC_PENDING : AK_SYNC_BACKED_UP;
        if (out->state == AK_SYNC_PENDING && problem != NULL)
                out->why = strcmp(problem, AK__SYNC_P_ERROR) == 0 ? AK_SYNC_LASTING_ERROR
                                                                  : AK_SYNC_UNREACHABLE;
}

/* True for failures after which the change is simply kept and sent later. */
bool ak__sync_transient(enum ak_err err)
{
        return err == AK_ERR_NETWORK || err == AK_ERR_TIMEOUT || err == AK_ERR_SERVER ||
               err == AK_ERR_RATE_LIMITED || err == AK_ERR_PROTOCOL;
}

/* Records why the last attempt failed, so that status and the live view can say it. */
void ak__sync_record_problem(struct ak_vault *vault, enum ak_err why, const char *problem,
                             const struct ak_backup_info *other, enum ak_err *err)
{
        char reason[600], dev[300], detail[512];

        /* Copied first: recording the state may set a detail of its own. */
        snprintf(detail, sizeof(detail), "%s", ak_error_detail());
        ak__sync_clear_problem(vault, err);
        if (problem == NULL && ak__sync_transient(why))
                problem = AK__SYNC_P_UNREACHABLE;
        else if (problem == NULL && why == AK_ERR_SESSION_EXPIRED)
                problem = AK__SYNC_P_SESSION;
        else if (problem == NULL && why == AK_ERR_NEWER_BACKUP)
                problem = AK__SYNC_P_NEWER;
        else if (problem == NULL && why == AK_ERR_BACKUP_DELETED)
                problem = AK__SYNC_P_DELETED;
        else if (problem == NULL)
                problem = AK__SYNC_P_ERROR;
        if (strcmp(problem, AK__SYNC_P_SESSION) == 0)
                snprintf(reason, sizeof(reason), "the session expired or was revoked");
        else if (strcmp(problem, AK__SYNC_P_UNREACHABLE) == 0 ||
                 strcmp(problem, AK__SYNC_P_ERROR) == 0)
                snprintf(reason, sizeof(reason), "%s%s%s", ak_strerror(why), *detail ? ": " : "",
                         detail);
        else
                snprintf(reason, sizeof(reason), "%s", ak_strerror(why));
        ak__sync_set(vault, "problem", problem, err);
        ak__sync_set(vault, "reason", reason, err);
        if (strcmp(problem, AK__SYNC_P_ERROR) == 0)
                ak__sync_set_num(vault, "error", (long long)why, err);
        if (other != NULL &&
            (strcmp(problem, AK__SYNC_P_NEWER) == 0 || strcmp(problem, AK__SYNC_P_DELETED) == 0 ||
             strcmp(problem, AK__SYNC_P_BEHIND) == 0)) {
                ak_sync_device_label(dev, sizeof(dev), other->device_id, other->device_name);
                ak__sync_set_num(vault, "other_version", (long long)other->version, err);
                ak__sync_set(vault, "other_device", dev, err);
                ak__sync_set_num(vault, "other_at", other->created_at, err);
                if (strcmp(problem, AK__SYNC_P_DELETED) == 0 && other->restorable_until > 0)
                        ak__sync_set_num(vault, "other_until", other->restorable_until, err);
        }
}

void ak__sync_record(struct ak_vault *vault, enum ak_err why, const struct ak_backup_info *other,
                     enum ak_err *err)
{
        ak__sync_record_problem(vault, why, NULL, other, err);
}

/*
 * The cap a backup refused as too large sets for the next automatic
 * upload: the server's, else just under what it refused; 0 when nothing
 * was refused.
 */
uint64_t ak__sync_known_cap(const struct ak_vault *vault)
{
        uint64_t max = (uint64_t)ak__sync_num(vault, "max_bytes"),
                 refused = (uint64_t)ak__sync_num(vault, "refused_bytes");

        if (!problem_is(vault, AK__SYNC_P_ERROR) || ak__sync_num(vault, "error") != AK_ERR_LIMIT)
                return 0;
        return max > 0 ? max : refused > 1 ? refused - 1 : 0;
}

void ak__sync_restored_older(struct ak_vault *vault, const struct ak_backup_info *restored,
                             const struct ak_backup_info *latest, enum ak_err *err)
{
        ak__sync_set_num(vault, "version", (long long)restored->version, err);
        ak__sync_set_num(vault, "at", restored->created_at, err);
        ak__sync_set(vault, "restored", "1", err);
        ak__sync_record_problem(vault, AK_ERR_NEWER_BACKUP, AK__SYNC_P_NEWER, latest, err);
}
