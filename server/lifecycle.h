/*
 * Deleted backups and accounts (docs/api.md, "Deleting and bringing
 * back"): what a delete keeps, for how long, and when authkeepd purges it.
 * The grace period (--deleted-grace, 30 days) is the rule of this file
 * (lifecycle.c); the store keeps what it is told and purges what it is
 * told (store.h). The handlers are in api_lifecycle.c.
 */
#ifndef AUTHKEEPD_LIFECYCLE_H
#define AUTHKEEPD_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"

/*
 * Reads the key of the email tombstones from the store (made there the
 * first time) and starts the thread that purges what the grace period no
 * longer keeps: at once, then every grace/2 (at least every second, at
 * most every 5 minutes). 0, or -1 with a sentence in `err`.
 */
int akd_lifecycle_start(struct akd_server *srv, char *err, size_t errlen);
/* Stops the thread and wipes the key; accepts a server that never started it. */
void akd_lifecycle_stop(struct akd_server *srv);
/* One purge of everything due at `now` (the thread's work; tests call it too). */
void akd_lifecycle_purge(struct akd_server *srv, int64_t now);

/* Whatever was deleted at `since` or earlier is past its grace at `now`. */
int64_t akd_grace_since(const struct akd_server *srv, int64_t now);
/* Until when something deleted at `deleted_at` can be brought back. */
int64_t akd_grace_until(const struct akd_server *srv, int64_t deleted_at);

/* The keyed BLAKE2b-256 of a (normalized) email that its tombstone holds. */
void akd_email_hash(const struct akd_server *srv, const char *email,
                    uint8_t out[AKD_EMAIL_HASH_LEN]);

/* True when the account is deleted (kept for its grace period): it signs nothing in. */
bool akd_account_deleted(struct akd_request *req, const char *account_id);

/*
 * Before a sign-in's session is made (api_auth.c): a deleted account is
 * refused with 410 account_deleted (who, when, until when it can be
 * brought back), unless `undelete`, which takes it back into use
 * (*restored) while its grace lasts. True to go on, or false after
 * answering.
 */
bool akd_account_gate(struct akd_request *req, const char *account_id, bool undelete,
                      bool *restored, enum MHD_Result *answer);

/*
 * The fields that describe a deleted backup (410 backup_deleted, the
 * versions list): who deleted it and when, and `restorable_until` while
 * its versions are kept (else null, with `purged` true). With
 * `with_versions`, the kept versions too (`deleted_versions`).
 */
json_t *akd_backup_deleted_json(struct akd_request *req, const struct akd_backup_deleted *d,
                                bool with_versions);

/* POST /v1/account/undelete: {"proof": {login_id, A, M1}}. */
struct akd_undelete_req {
        struct akd_auth_finish_req proof;
};
int akd_parse_undelete_req(struct akd_undelete_req *out, const char *body, size_t len,
                           struct akd_error *e);

/* The handlers (api_lifecycle.c, and api_auth.c for account undelete). */
enum MHD_Result akd_api_backup_undelete(struct akd_request *req);
enum MHD_Result akd_api_account_delete(struct akd_request *req);
enum MHD_Result akd_api_account_undelete(struct akd_request *req);

#endif
