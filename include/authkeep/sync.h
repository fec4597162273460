/*
 * The backup engine (docs/backup.md): keeps a vault backed up to its
 * recovery account on an authkeepd server, and says in one typed state how
 * things stand. It owns what the device knows about its backup (the
 * server, the session, the backup key, the versions seen), kept in the
 * vault's device-local state, and the backup key never leaves it.
 *
 * Every operation changes the vault in memory only: the caller saves the
 * vault afterwards (ak_vault_save), as it does after any other change.
 * The engine never prints; a program words the state and the errors.
 */
#ifndef AUTHKEEP_SYNC_H
#define AUTHKEEP_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "authkeep/client.h"
#include "authkeep/device.h"
#include "authkeep/err.h"
#include "authkeep/import.h"
#include "authkeep/kdf.h"
#include "authkeep/vault.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How long a change waits for its backup, and `backup now` or `status` for the server. */
#define AK_SYNC_CHANGE_BUDGET_MS 3000u
#define AK_SYNC_EXPLICIT_BUDGET_MS 15000u

enum ak_sync_state {
        AK_SYNC_OFF = 0,         /* backup is off on this device */
        AK_SYNC_BACKED_UP,       /* the server has this device's accounts (version, at) */
        AK_SYNC_PENDING,         /* a change is not on the server yet (why, error) */
        AK_SYNC_SESSION_EXPIRED, /* sign in again (ak_sync_sign_in) */
        AK_SYNC_DELETED,         /* the backup was deleted on the server (other: by whom, when) */
        AK_SYNC_NEWER_ELSEWHERE, /* another device uploaded a newer backup (other) */
        AK_SYNC_SERVER_BEHIND,   /* the server's latest (other) is older than `version` */
};

/* Why a change is pending. */
enum ak_sync_pending_why {
        AK_SYNC_NOT_SENT = 0,  /* not tried yet */
        AK_SYNC_UNREACHABLE,   /* the server could not be reached or did not answer in time */
        AK_SYNC_LASTING_ERROR, /* an error that trying again alone will not fix (`error`) */
};

/* "off", "backed_up", "pending", "session_expired", "deleted", "newer_backup", "server_behind". */
const char *ak_sync_state_name(enum ak_sync_state state);

/*
 * What the device knows, without asking the server. The strings point into
 * the vault and stay valid until it changes; absent ones are "".
 */
struct ak_sync_status {
        enum ak_sync_state state;
        const char *server, *email, *account_id, *device_name;
        uint64_t version;      /* the version this device last uploaded or restored */
        int64_t backed_up_at;  /* and when (unix seconds; 0 unknown) */
        bool pending;          /* a change is not on the server (in any state but OFF) */
        int64_t pending_since; /* since when */
        enum ak_sync_pending_why why;
        enum ak_err error;          /* for AK_SYNC_LASTING_ERROR: the error */
        const char *reason;         /* the last failure in words (never a secret), "" when none */
        uint64_t other_version;     /* NEWER_ELSEWHERE, SERVER_BEHIND: the server's latest */
        const char *other_device;   /* NEWER_ELSEWHERE, DELETED: "NAME (1a2b3c4d)" */
        int64_t other_at;           /* when it was made or deleted */
        bool session_known_expired; /* the session is gone or past its expiry on this clock */
        /*
         * For AK_SYNC_LASTING_ERROR with AK_ERR_LIMIT: the server refused
         * the backup as too large. Its bytes, and the most the server takes
         * (0 when it did not say). Changes do not send it again while it is
         * still over that cap: only `backup now` does.
         */
        uint64_t refused_bytes, max_bytes;
        /* DELETED: until when the deleted backup can be brought back; 0 purged (or unknown). */
        int64_t restorable_until;
};

struct ak_sync_options {
        struct ak_client_options client; /* the CA file, kdf cost, `waiting` callback */
        /* The clock (unix seconds); NULL means time(). Tests set it. */
        int64_t (*now)(void *ctx);
        void *now_ctx;
        /* Budgets; 0 means AK_SYNC_CHANGE_BUDGET_MS and AK_SYNC_EXPLICIT_BUDGET_MS. */
        unsigned change_budget_ms;
        unsigned explicit_budget_ms;
};

struct ak_sync;

/*
 * An engine for `vault` (which must outlive it). `options` may be NULL; it
 * is copied (not the strings it points to). Free with ak_sync_free.
 */
enum ak_err ak_sync_new(struct ak_sync **out, struct ak_vault *vault,
                        const struct ak_sync_options *options) __attribute__((warn_unused_result));
/* Accepts NULL. */
void ak_sync_free(struct ak_sync *sync);

/* Fills *out from what the vault holds; never touches the network. */
void ak_sync_status(const struct ak_sync *sync, struct ak_sync_status *out);

/* Seconds the server asked to wait after the last AK_ERR_RATE_LIMITED (0 when it said nothing). */
long ak_sync_retry_after(const struct ak_sync *sync);

/*
 * Creates the recovery account `email` on `server` protected by `password`
 * (backup stays as it is; ak_sync_enable then signs in). *recovery_code
 * (free with ak_secret_free_str) is to be shown once. AK_ERR_ACCOUNT_EXISTS
 * when the email is taken.
 */
enum ak_err ak_sync_create_account(struct ak_sync *sync, const char *server, bool insecure,
                                   const char *email, const char *password, size_t password_len,
                                   char **recovery_code) __attribute__((warn_unused_result));

/*
 * Backup on: signs in to `email` on `server` with the password and, when
 * backup was off, refuses (AK_ERR_NEWER_BACKUP, *other describes it; signed
 * out, nothing changed) if another device's backup is there already, else
 * turns backup on and uploads this device's accounts. With backup on to
 * the same account already, it only signs in again and sends what is
 * pending. AK_OK means backup is on: whether the upload went through is in
 * ak_sync_status. Sign-in errors: see ak_client_sign_in. `device_name`
 * NULL keeps the current one (or "device").
 */
enum ak_err ak_sync_enable(struct ak_sync *sync, const char *server, bool insecure,
                           const char *email, const char *device_name, const char *password,
                           size_t password_len, struct ak_backup_info *other)
    __attribute__((warn_unused_result));

/*
 * The outcome of registering this device during the last ak_sync_enable
 * or ak_recovery_plan_apply (include/authkeep/device.h): false when none
 * was tried. A failed registration leaves backup as it is.
 */
bool ak_sync_registration(const struct ak_sync *sync, struct ak_device_registration *out);

/*
 * The engine's client, signed in to the recovery account (for the
 * account's devices, include/authkeep/device.h), its calls within the
 * explicit budget. Owned by the engine. AK_ERR_BACKUP_OFF,
 * AK_ERR_SESSION_EXPIRED (sign in with ak_sync_sign_in).
 */
enum ak_err ak_sync_client(struct ak_sync *sync, struct ak_client **out)
    __attribute__((warn_unused_result));

/*
 * A new client of the server backup goes to, without the session (for the
 * device's own calls, signed with its key), each call taking at most
 * `timeout_ms` (0: the options'). Free it with ak_client_free.
 * AK_ERR_BACKUP_OFF when backup is off.
 */
enum ak_err ak_sync_device_client(const struct ak_sync *sync, unsigned timeout_ms,
                                  struct ak_client **out) __attribute__((warn_unused_result));

/* "NAME (1a2b3c4d)" of a device, or its id alone when it has no name. */
void ak_sync_device_label(char *buf, size_t len, const char *id, const char *name);

/* Backup off: signs out (a courtesy; off works without it) and forgets every backup value. */
enum ak_err ak_sync_disable(struct ak_sync *sync);

/* Signs in again to the account backup goes to, after the session expired. */
enum ak_err ak_sync_sign_in(struct ak_sync *sync, const char *password, size_t password_len)
    __attribute__((warn_unused_result));

/*
 * To be called after every save of a changed vault: marks the change
 * pending and, unless the session is known to have expired, sends it
 * within the change budget. The outcome is in the state; returns it (AK_OK
 * when sent or when backup is off).
 */
enum ak_err ak_sync_after_save(struct ak_sync *sync);

/* Sends a change that waits only for the server (not one that waits for the user). */
enum ak_err ak_sync_send_pending(struct ak_sync *sync);

/*
 * `backup now`: sends this device's accounts within the explicit budget,
 * also after the backup was deleted on the server or refused as too
 * large; `force` replaces a newer backup (another device's, or the one
 * that followed an older version this device restored) too.
 * AK_ERR_SESSION_EXPIRED: sign in (ak_sync_sign_in) and call again.
 */
enum ak_err ak_sync_now(struct ak_sync *sync, bool force);

/*
 * `backup status`: asks the server how things stand and updates the state
 * (sends a pending change; notices an expired session, a deleted, newer
 * or older backup). Returns the failure to reach the server (the state is
 * then as it was), else AK_OK.
 */
enum ak_err ak_sync_refresh(struct ak_sync *sync);

/*
 * Deletes every backup version on the server, signs out and turns backup
 * off. AK_ERR_SESSION_EXPIRED: sign in and call again.
 */
enum ak_err ak_sync_delete(struct ak_sync *sync) __attribute__((warn_unused_result));

/*
 * Sets a new password for the recovery account, in a session just signed
 * in with the current one (ak_sync_sign_in), and proving `current` to the
 * server again in the same request: a stolen unlocked device or session
 * token alone cannot change it. Backups stay as they are; other devices
 * sign in again.
 */
enum ak_err ak_sync_change_password(struct ak_sync *sync, const char *current, size_t current_len,
                                    const char *password, size_t password_len)
    __attribute__((warn_unused_result));

/*
 * Recovery (`authkeep recover`): a plan made from a backup on the server,
 * compared with the device's accounts, applied only when asked.
 */
struct ak_recovery_plan {
        struct ak_backup_info info; /* the version to restore: by which device, when */
        uint64_t latest;            /* the latest version on the server */
        int64_t latest_at;
        /*
         * The backup's accounts in its order, each classified against the
         * device's (ak_import_classify): new, identical or conflicting;
         * original_name is the backup's name of a conflicting one.
         */
        struct ak_import accounts;
        /*
         * The classification's counts over the accounts whose secrets the
         * backup carries (ak_account_list_carried); `references` is the
         * number of personal and work entries beside them, which come back
         * as references and give this device a credential of its own.
         */
        struct ak_import_counts counts;
        size_t carried, references;
        /*
         * After ak_recovery_plan_apply on a device whose backup was on
         * already: revoking the session it had (AK_OK when revoked or when
         * there was none to revoke).
         */
        enum ak_err old_session;
        struct ak_recovery_private *priv;
};

/*
 * Signs in to `email` on `server` (with the password, or with the
 * recovery code when `with_recovery_code`), downloads backup `version` (0:
 * the latest the server lists, which the download must then be) and
 * classifies it against `device` (may be NULL). Nothing is changed
 * anywhere. On failure *why (may be NULL) says more:
 * AK_ERR_BACKUP_DELETED (by whom, when), AK_ERR_NO_BACKUP, AK_ERR_NOT_FOUND
 * (no such version; the latest), AK_ERR_RATE_LIMITED (how long to wait),
 * and the errors of sign-in and download. Free with ak_recovery_plan_free.
 */
struct ak_recovery_failure {
        struct ak_backup_info deleted; /* AK_ERR_BACKUP_DELETED: by whom, when */
        uint64_t latest;               /* the latest version, when known */
        long retry_after;              /* AK_ERR_RATE_LIMITED: seconds to wait, 0 unknown */
        uint64_t known; /* ak_recovery_plan_check: the version this device saw (above latest) */
};
enum ak_err
ak_recovery_plan_new(struct ak_recovery_plan **out, const struct ak_sync_options *options,
                     const char *server, bool insecure, const char *email, const char *secret,
                     size_t secret_len, bool with_recovery_code, uint64_t version,
                     const struct ak_account_list *device, struct ak_recovery_failure *why)
    __attribute__((warn_unused_result));

/* Seconds the server asked to wait after AK_ERR_RATE_LIMITED during the plan. */
long ak_recovery_plan_retry_after(const struct ak_recovery_plan *plan);

/*
 * After a sign-in with the recovery code: sets a new password and a new
 * recovery code (*recovery_code, free with ak_secret_free_str), since the
 * used one is spent. The plan keeps the secret it signed in with (wiped by
 * ak_recovery_plan_free) to prove it to the server again with the change.
 */
enum ak_err ak_recovery_plan_set_password(struct ak_recovery_plan *plan, const char *password,
                                          size_t password_len, char **recovery_code)
    __attribute__((warn_unused_result));

/*
 * Whether the plan may be applied to the vault of `sync`, before anything
 * changes: when backup on this device goes to the same recovery account
 * and the server's latest version is older than the one this device last
 * saw, the server lost versions (a rollback) and recovering would take the
 * device back with it: AK_ERR_NEWER_BACKUP, with why->latest and
 * why->known (why may be NULL). Else AK_OK.
 */
enum ak_err ak_recovery_plan_check(const struct ak_recovery_plan *plan, const struct ak_sync *sync,
                                   struct ak_recovery_failure *why)
    __attribute__((warn_unused_result));

/*
 * Checks the plan (ak_recovery_plan_check, whose error it returns with
 * nothing changed), then adds the new accounts and, under the
 * distinguishing name classify gave them, the conflicting ones (never
 * replacing one, so that no secret of either side is lost), and the
 * settings the vault does not have. Then turns backup on for the vault of
 * `sync`, revoking the session it had (plan->old_session says how that
 * went), and uploads when the server must learn something. An older
 * version than the latest changes only this device: nothing is uploaded,
 * and the state is AK_SYNC_NEWER_ELSEWHERE until `backup now --force`.
 * `device_name` NULL keeps the device's name (or "device"). Returns a
 * failure to change the vault; *sent is the upload's outcome (AK_OK when
 * nothing had to be sent).
 */
enum ak_err ak_recovery_plan_apply(struct ak_recovery_plan *plan, struct ak_sync *sync,
                                   const char *device_name, enum ak_err *sent)
    __attribute__((warn_unused_result));

/* Signs out unless the plan was applied, wipes and frees; accepts NULL. */
void ak_recovery_plan_free(struct ak_recovery_plan *plan);

/* ---- deleting and bringing back (lib/sync_lifecycle.c) ---- */

/*
 * Deletes every backup version on the server, signs out and turns backup
 * off (AK_ERR_SESSION_EXPIRED: sign in and call again). The server keeps
 * them for its grace period (*out, which may be NULL, says until when);
 * with `now` they are purged at once, which takes the password (proved to
 * the server in the same request). AK_ERR_BACKUP_DELETED when it was
 * deleted already (without `now`).
 */
enum ak_err ak_sync_delete_backup(struct ak_sync *sync, bool now, const char *password,
                                  size_t password_len, struct ak_deletion *out)
    __attribute__((warn_unused_result));

/*
 * Brings back the deleted backup of the account backup goes to (every
 * version kept), then asks the server how things stand (ak_sync_refresh).
 * *latest is the latest version. AK_ERR_CONFLICT when it is not deleted,
 * AK_ERR_NOT_FOUND when it was purged, AK_ERR_SESSION_EXPIRED.
 */
enum ak_err ak_sync_undelete(struct ak_sync *sync, uint64_t *latest)
    __attribute__((warn_unused_result));

/*
 * Deletes the recovery account backup goes to (the password proved to the
 * server again), then turns backup off here: every device is signed out.
 * Kept for the grace period, or with `now` purged at once (*out says).
 */
enum ak_err ak_sync_delete_account(struct ak_sync *sync, bool now, const char *password,
                                   size_t password_len, struct ak_deletion *out)
    __attribute__((warn_unused_result));

/*
 * Signs in to `email` on `server` and brings the recovery account back if
 * it was deleted and is still kept (*restored). When backup on this device
 * goes to that account, its session is the new one and the state is asked
 * again; otherwise the device signs out at once.
 */
enum ak_err ak_sync_account_undelete(struct ak_sync *sync, const char *server, bool insecure,
                                     const char *email, const char *password, size_t password_len,
                                     bool *restored) __attribute__((warn_unused_result));

/*
 * As ak_recovery_plan_new, from the versions a deleted backup keeps for
 * its grace period (AK_ERR_CONFLICT when the backup is not deleted,
 * AK_ERR_NOT_FOUND when it was purged). Applying the plan brings the
 * backup back on the server first.
 */
enum ak_err ak_recovery_plan_new_deleted(struct ak_recovery_plan **out,
                                         const struct ak_sync_options *options, const char *server,
                                         bool insecure, const char *email, const char *secret,
                                         size_t secret_len, bool with_recovery_code,
                                         uint64_t version, const struct ak_account_list *device,
                                         struct ak_recovery_failure *why)
    __attribute__((warn_unused_result));

/* True while a plan of ak_recovery_plan_new_deleted has not brought its backup back. */
bool ak_recovery_plan_deleted(const struct ak_recovery_plan *plan);

/* ---- the versions kept on the server ---- */

/* One backup version, as `backup versions` lists it. */
struct ak_sync_version {
        struct ak_backup_info info; /* version, the device that made it, when, size */
        /*
         * The accounts it carries (third-party accounts, not the references
         * to personal and work accounts), counted by opening it with this
         * device's backup key; `readable` false when it cannot be opened
         * (`error` then says why, e.g. AK_ERR_BACKUP_TAMPERED).
         */
        size_t accounts;
        bool readable;
        enum ak_err error;
};

struct ak_sync_version_list {
        struct ak_sync_version *items; /* newest first */
        size_t count;
        bool deleted; /* every version was deleted on the server */
        struct ak_backup_info deleted_by;
};

/*
 * The versions of the recovery account's backup, each downloaded and opened
 * on the device to count its accounts (the server cannot: it holds only
 * ciphertext). Signs in with the kept session (AK_ERR_SESSION_EXPIRED: sign
 * in again). Nothing is stored or uploaded.
 */
enum ak_err ak_sync_versions(struct ak_sync *sync, struct ak_sync_version_list *out)
    __attribute__((warn_unused_result));

/* Frees the list; accepts NULL. */
void ak_sync_version_list_clear(struct ak_sync_version_list *list);

#ifdef __cplusplus
}
#endif
#endif
