/*
 * The SQLite store's sessions of the account page (store.h, server/web.c).
 * A session opens in one job of the writer: from a push sign-in request,
 * the request is marked used by a conditional update that returns its
 * account, and the session is inserted in the same transaction, so that
 * two tabs completing one approval at once get one session between them.
 * Reads go to a pooled read connection; nothing is cached, since a page
 * is a rare request next to a device's.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_sqlite.h"

struct portal_job {
        struct akd_sq_job job;
        const uint8_t *hash;
        struct akd_portal_session *s;
        const char *signin_id;
        int64_t grace;
};

/* Why the request `id` cannot open a session: NOT_FOUND, CONFLICT or GONE. */
static enum akd_store_result signin_refusal(struct akd_sq_conn *c, const char *id)
{
        sqlite3_stmt *q = akd_sq_text_stmt(c, Q_PORTAL_SIGNIN_STATE, id);
        if (q == NULL)
                return AKD_STORE_ERROR;
        enum akd_store_result r = AKD_STORE_NOT_FOUND;
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
                const unsigned char *state = sqlite3_column_text(q, 0);
                bool approved = state != NULL && strcmp((const char *)state, "approved") == 0;
                if (approved && sqlite3_column_type(q, 1) != SQLITE_NULL)
                        r = AKD_STORE_CONFLICT;
                else if (approved)
                        r = AKD_STORE_GONE;
        }
        sqlite3_reset(q);
        return rc == SQLITE_ROW || rc == SQLITE_DONE ? r : AKD_STORE_ERROR;
}

static enum akd_store_result run_portal_create(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct portal_job *pj = (struct portal_job *)j;
        struct akd_portal_session *s = pj->s;
        sqlite3_stmt *q = akd_sq_stmt(c, Q_PORTAL_SWEEP);
        if (q == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_int64(q, 1, s->created_at);
        if (akd_sq_step_done(c, q) != 0)
                return AKD_STORE_ERROR;
        if (pj->signin_id != NULL) {
                if ((q = akd_sq_text_stmt(c, Q_PORTAL_USE_SIGNIN, pj->signin_id)) == NULL)
                        return AKD_STORE_ERROR;
                sqlite3_bind_int64(q, 2, s->created_at);
                sqlite3_bind_int64(q, 3, pj->grace);
                int rc = sqlite3_step(q);
                if (rc == SQLITE_ROW)
                        akd_sq_column_text(q, 0, s->account_id, sizeof(s->account_id));
                sqlite3_reset(q);
                if (rc == SQLITE_DONE)
                        return signin_refusal(c, pj->signin_id);
                if (rc != SQLITE_ROW) {
                        akd_sq_log_error(c->db, "use a sign-in request");
                        return AKD_STORE_ERROR;
                }
        }
        if ((q = akd_sq_stmt(c, Q_PORTAL_INSERT)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_blob(q, 1, pj->hash, AKD_TOKEN_HASH_LEN, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, s->account_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, s->csrf, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 4, s->created_at);
        sqlite3_bind_int64(q, 5, s->expires_at);
        return akd_sq_step_done(c, q) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

enum akd_store_result akd_sq_portal_create(struct akd_store *st,
                                           const uint8_t hash[AKD_TOKEN_HASH_LEN],
                                           struct akd_portal_session *s, const char *signin_id,
                                           int64_t grace)
{
        struct portal_job j = {.job.run = run_portal_create,
                               .hash = hash,
                               .s = s,
                               .signin_id = signin_id,
                               .grace = grace};
        return akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
}

enum akd_store_result akd_sq_portal_get(struct akd_store *st,
                                        const uint8_t hash[AKD_TOKEN_HASH_LEN], int64_t now,
                                        struct akd_portal_session *out)
{
        struct akd_sq_store *s = (struct akd_sq_store *)st;
        struct akd_sq_conn *c = akd_sq_reader_get(s);
        enum akd_store_result r = AKD_STORE_ERROR;
        sqlite3_stmt *q;
        if (c != NULL && (q = akd_sq_stmt(c, Q_PORTAL_GET)) != NULL) {
                sqlite3_bind_blob(q, 1, hash, AKD_TOKEN_HASH_LEN, SQLITE_STATIC);
                int rc = sqlite3_step(q);
                if (rc == SQLITE_ROW) {
                        memset(out, 0, sizeof(*out));
                        akd_sq_column_text(q, 0, out->account_id, sizeof(out->account_id));
                        akd_sq_column_text(q, 1, out->csrf, sizeof(out->csrf));
                        out->created_at = sqlite3_column_int64(q, 2);
                        out->expires_at = sqlite3_column_int64(q, 3);
                        r = out->expires_at > now ? AKD_STORE_OK : AKD_STORE_NOT_FOUND;
                } else if (rc == SQLITE_DONE) {
                        r = AKD_STORE_NOT_FOUND;
                } else {
                        akd_sq_log_error(c->db, "portal session");
                }
                sqlite3_reset(q);
        }
        akd_sq_reader_put(s, c);
        return r;
}

struct portal_delete_job {
        struct akd_sq_job job;
        const uint8_t *hash;
};

static enum akd_store_result run_portal_delete(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        sqlite3_stmt *q = akd_sq_stmt(c, Q_PORTAL_DELETE);
        if (q == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_blob(q, 1, ((struct portal_delete_job *)j)->hash, AKD_TOKEN_HASH_LEN,
                          SQLITE_STATIC);
        if (akd_sq_step_done(c, q) != 0)
                return AKD_STORE_ERROR;
        return sqlite3_changes(c->db) > 0 ? AKD_STORE_OK : AKD_STORE_NOT_FOUND;
}

enum akd_store_result akd_sq_portal_delete(struct akd_store *st,
                                           const uint8_t hash[AKD_TOKEN_HASH_LEN])
{
        struct portal_delete_job j = {.job.run = run_portal_delete, .hash = hash};
        return akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
}

int akd_sq_portal_drop_account(struct akd_sq_conn *c, const char *account_id)
{
        sqlite3_stmt *q = akd_sq_text_stmt(c, Q_PORTAL_DELETE_ACCOUNT, account_id);
        return q == NULL ? -1 : akd_sq_step_done(c, q);
}
