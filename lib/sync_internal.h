/*
 * What the backup engine's files share (lib/sync.c, sync_state.c,
 * sync_enable.c, sync_recover.c, sync_versions.c, sync_lifecycle.c): the
 * engine's handle and its device-local state (the "backup.*" values
 * described in sync_state.c). Not installed.
 */
#ifndef AUTHKEEP_SYNC_INTERNAL_H
#define AUTHKEEP_SYNC_INTERNAL_H

#include "authkeep/sync.h"
#include "internal.h"

struct ak_sync {
        struct ak_vault *vault;
        struct ak_sync_options options;
        struct ak_client *client; /* made at the first call to the server */
        /* The last registration of this device (backup on, recovery), when one was tried. */
        struct ak_device_registration registration;
        bool registration_tried;
};

enum ak__sync_mode {
        AK__SYNC_AUTO,     /* after a change: stop at a deleted or newer backup */
        AK__SYNC_EXPLICIT, /* `backup now`: upload again after a delete */
        AK__SYNC_FORCE,    /* `backup now --force`: replace a newer backup too */
};

/* How the server's versions relate to the version this device knows. */
enum ak__sync_elsewhere {
        AK__SYNC_SAME,   /* nothing newer from another device */
        AK__SYNC_NEWER,  /* another device uploaded since */
        AK__SYNC_BEHIND, /* the server's latest is older than the one this device saw */
};

/* One "backup.KEY" value, or NULL. */
const char *ak__sync_get(const struct ak_vault *vault, const char *key);
/* Sets (NULL removes) one value; the first failure is kept in *err. */
void ak__sync_set(struct ak_vault *vault, const char *key, const char *value, enum ak_err *err);
void ak__sync_set_num(struct ak_vault *vault, const char *key, long long value, enum ak_err *err);

/* The engine's clock: the options' `now`, else time(). */
int64_t ak__sync_now(const struct ak_sync *s);

/* Stores what a sign-in gave (the session and the backup key); clears an expired session. */
void ak__sync_store_session(struct ak_vault *vault, const struct ak_session *session,
                            enum ak_err *err);

/* Turns backup on in the state (everything before forgotten) for a signed-in session. */
void ak__sync_start(struct ak_vault *vault, const char *server, bool insecure, const char *email,
                    const char *device_name, const struct ak_session *session, enum ak_err *err);

/*
 * Compares the server's versions with `known`: *latest gets the latest
 * version and *newest its description.
 */
enum ak__sync_elsewhere ak__sync_compare(const struct ak_backup_versions *versions, uint64_t known,
                                         const char *device_id, uint64_t *latest,
                                         struct ak_backup_info *newest);

/*
 * Sends this device's accounts with the engine's client (its budget set)
 * and records the outcome in the state. AK_OK or why it was not sent.
 */
enum ak_err ak__sync_send(struct ak_sync *s, enum ak__sync_mode mode);

/*
 * Signs out the session the vault holds (the server revokes its token)
 * within `budget_ms`. AK_OK when it is revoked, or when there is none to
 * revoke (backup off, or the session known to have expired); else why not.
 */
enum ak_err ak__sync_revoke(struct ak_sync *s, unsigned budget_ms);

/*
 * After an older version than the latest was restored: the device knows
 * `restored` and its accounts are not on the server; `latest` is newer
 * (AK_SYNC_NEWER_ELSEWHERE) until an upload that is asked for replaces it.
 */
void ak__sync_restored_older(struct ak_vault *vault, const struct ak_backup_info *restored,
                             const struct ak_backup_info *latest, enum ak_err *err);

/*
 * Registers this device with `client` (signed in to `email` on `server`)
 * and keeps the outcome for ak_sync_registration; the personal entry is
 * added or updated in the vault. Returns whether the entry is new.
 */
/* True when the personal entry of the account backup goes to has its own code here. */
bool ak__sync_registered_here(const struct ak_vault *vault);

/* The backup key kept in the vault, decoded; AK_ERR_BACKUP_OFF without one. */
enum ak_err ak__sync_load_key(const struct ak_vault *vault,
                              unsigned char key[AK_BACKUP_KEY_BYTES]) AK__WUR;
bool ak__sync_register(struct ak_sync *s, struct ak_client *client, const char *server,
                       const char *email);

/*
 * Records the failure `why` of a call as the state says it (a session that
 * expired, a deleted or newer backup, ...), with the backup `other` named.
 */
void ak__sync_record(struct ak_vault *vault, enum ak_err why, const struct ak_backup_info *other,
                     enum ak_err *err);

/* Uses `client` (signed in, owned by the engine from now on) for the next calls. */
void ak__sync_adopt_client(struct ak_sync *s, struct ak_client *client, unsigned budget_ms);

/* ---- lib/sync_state.c: the "backup.*" values, typed ---- */

/* The values of "backup.problem". */
#define AK__SYNC_P_UNREACHABLE "unreachable"
#define AK__SYNC_P_SESSION "session_expired"
#define AK__SYNC_P_DELETED "deleted"
#define AK__SYNC_P_NEWER "newer_backup"
#define AK__SYNC_P_BEHIND "server_behind"
#define AK__SYNC_P_ERROR "error"

/* A positive number "backup.KEY" holds, else 0. */
long long ak__sync_num(const struct ak_vault *vault, const char *key);
/* A "backup.KEY" value, "" when unset. */
const char *ak__sync_text(const struct ak_vault *vault, const char *key);
/* Forgets every "backup.*" value (backup off). */
void ak__sync_clear_all(struct ak_vault *vault, enum ak_err *err);
/* Forgets the problem the last attempt ran into, and what it named. */
void ak__sync_clear_problem(struct ak_vault *vault, enum ak_err *err);
/* Notes a change not yet on the server (and since when), unless one is noted already. */
void ak__sync_mark_pending(struct ak_sync *s, enum ak_err *err);
/* True when there is no session token, or the one kept has expired. */
bool ak__sync_session_expired(const struct ak_sync *s);
/* True for failures after which the change is simply kept and sent later. */
bool ak__sync_transient(enum ak_err err);
/*
 * Records why the last attempt failed (`problem`, or NULL for the one `why`
 * implies), so that status and the live view can say it.
 */
void ak__sync_record_problem(struct ak_vault *vault, enum ak_err why, const char *problem,
                             const struct ak_backup_info *other, enum ak_err *err);
/* The cap a refusal as too large sets for the next automatic upload; 0 when none. */
uint64_t ak__sync_known_cap(const struct ak_vault *vault);

/* ---- lib/sync.c ---- */

/*
 * The client for the device's server, with its session token, made once
 * per engine; every call from now on shares `budget_ms`.
 */
enum ak_err ak__sync_open_client(struct ak_sync *s, unsigned budget_ms);

#endif
