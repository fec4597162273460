/*
 * The SQLite store's operations: what each one reads (on a pooled read
 * connection, beside the writer) or writes (as a job run by the writer
 * thread inside its group-commit batch; see store_sqlite.c), and how rows
 * map to the structs of store.h. Sessions and latest backups go through the
 * shared caches of store.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "store_sqlite.h"

/* ---- binding and reading credentials ---- */

static void bind_credential(sqlite3_stmt *s, int first, const struct akd_credential *cr)
{
        sqlite3_bind_blob(s, first, cr->kdf.salt, sizeof(cr->kdf.salt), SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, first + 1, (sqlite3_int64)cr->kdf.opslimit);
        sqlite3_bind_int64(s, first + 2, (sqlite3_int64)cr->kdf.memlimit);
        sqlite3_bind_blob(s, first + 3, cr->srp_salt, (int)cr->srp_salt_len, SQLITE_TRANSIENT);
        sqlite3_bind_blob(s, first + 4, cr->srp_verifier, (int)cr->srp_verifier_len,
                          SQLITE_TRANSIENT);
        sqlite3_bind_blob(s, first + 5, cr->wrapped.nonce, sizeof(cr->wrapped.nonce),
                          SQLITE_TRANSIENT);
        sqlite3_bind_blob(s, first + 6, cr->wrapped.ciphertext, sizeof(cr->wrapped.ciphertext),
                          SQLITE_TRANSIENT);
}

/* Copies blob column `col` of exactly `len` bytes (or up to `max`, length in *got). */
static bool column_blob(sqlite3_stmt *s, int col, void *out, size_t min, size_t max, size_t *got)
{
        const void *p = sqlite3_column_blob(s, col);
        size_t n = (size_t)sqlite3_column_bytes(s, col);
        if (p == NULL || n < min || n > max)
                return false;
        memcpy(out, p, n);
        if (got != NULL)
                *got = n;
        return true;
}

/* Reads 7 credential columns from `first`; false when NULL or malformed. */
static bool read_credential(sqlite3_stmt *s, int first, struct akd_credential *cr)
{
        if (sqlite3_column_type(s, first) == SQLITE_NULL)
                return false;
        cr->kdf.opslimit = (uint64_t)sqlite3_column_int64(s, first + 1);
        cr->kdf.memlimit = (uint64_t)sqlite3_column_int64(s, first + 2);
        return column_blob(s, first, cr->kdf.salt, sizeof(cr->kdf.salt), sizeof(cr->kdf.salt),
                           NULL) &&
               column_blob(s, first + 3, cr->srp_salt, 1, sizeof(cr->srp_salt),
                           &cr->srp_salt_len) &&
               column_blob(s, first + 4, cr->srp_verifier, 1, sizeof(cr->srp_verifier),
                           &cr->srp_verifier_len) &&
               column_blob(s, first + 5, cr->wrapped.nonce, sizeof(cr->wrapped.nonce),
                           sizeof(cr->wrapped.nonce), NULL) &&
               column_blob(s, first + 6, cr->wrapped.ciphertext, sizeof(cr->wrapped.ciphertext),
                           sizeof(cr->wrapped.ciphertext), NULL);
}

/* Copies text column `col` into `out` of `size` bytes ("" when NULL). */
static void column_text(sqlite3_stmt *s, int col, char *out, size_t size)
{
        const unsigned char *t = sqlite3_column_text(s, col);
        snprintf(out, size, "%s", t != NULL ? (const char *)t : "");
}

/*
 * The statement `q` of `c` with its first parameter bound to the text `key`
 * (an account id or an email, not copied: it must outlive the step); NULL
 * (logged) when it cannot be prepared.
 */
static sqlite3_stmt *keyed_stmt(struct akd_sq_conn *c, enum akd_sq_query q, const char *key)
{
        sqlite3_stmt *s = akd_sq_stmt(c, q);
        if (s != NULL)
                sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
        return s;
}

/* ---- accounts ---- */

/*
 * Inside a write: MOVED unless the account's generation is `generation`
 * (NOT_FOUND without the account), else OK.
 */
static enum akd_store_result generation_is(struct akd_sq_conn *c, const char *account_id,
                                           uint64_t generation)
{
        sqlite3_stmt *s = keyed_stmt(c, Q_ACCOUNT_GENERATION, account_id);
        if (s == NULL)
                return AKD_STORE_ERROR;
        int rc = sqlite3_step(s);
        uint64_t now = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(s, 0) : 0;
        sqlite3_reset(s);
        if (rc != SQLITE_ROW)
                return rc == SQLITE_DONE ? AKD_STORE_NOT_FOUND : AKD_STORE_ERROR;
        return now == generation ? AKD_STORE_OK : AKD_STORE_MOVED;
}

/* Inside a write: moves the account's generation on. */
static enum akd_store_result generation_bump(struct akd_sq_conn *c, const char *account_id)
{
        sqlite3_stmt *s = keyed_stmt(c, Q_ACCOUNT_BUMP_GENERATION, account_id);
        if (s == NULL || akd_sq_step_done(c, s) != 0)
                return AKD_STORE_ERROR;
        return AKD_STORE_OK;
}

struct account_job {
        struct akd_sq_job job;
        const struct akd_account *acc;
};

static enum akd_store_result run_account_create(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        const struct akd_account *acc = ((struct account_job *)j)->acc;
        sqlite3_stmt *s = keyed_stmt(c, Q_ACCOUNT_BY_EMAIL, acc->email);
        if (s == NULL)
                return AKD_STORE_ERROR;
        int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc == SQLITE_ROW)
                return AKD_STORE_EXISTS;
        if (rc != SQLITE_DONE || (s = keyed_stmt(c, Q_ACCOUNT_INSERT, acc->id)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(s, 2, acc->email, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, acc->created_at);
        bind_credential(s, 4, &acc->password);
        if (acc->has_recovery)
                bind_credential(s, 11, &acc->recovery);
        return akd_sq_step_done(c, s) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

static enum akd_store_result sq_account_create(struct akd_store *st, const struct akd_account *acc)
{
        struct account_job j = {.job.run = run_account_create, .acc = acc};
        return akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
}

/* One account by email or id (query q). */
static enum akd_store_result account_lookup(struct akd_store *st, enum akd_sq_query q,
                                            const char *key, struct akd_account *out)
{
        struct akd_sq_store *s = (struct akd_sq_store *)st;
        struct akd_sq_conn *c = akd_sq_reader_get(s);
        enum akd_store_result r = AKD_STORE_ERROR;
        sqlite3_stmt *q_st;
        if (c == NULL || (q_st = keyed_stmt(c, q, key)) == NULL)
                goto done;
        int rc = sqlite3_step(q_st);
        if (rc == SQLITE_DONE) {
                r = AKD_STORE_NOT_FOUND;
        } else if (rc == SQLITE_ROW) {
                memset(out, 0, sizeof(*out));
                column_text(q_st, 0, out->id, sizeof(out->id));
                column_text(q_st, 1, out->email, sizeof(out->email));
                out->created_at = sqlite3_column_int64(q_st, 2);
                column_text(q_st, 18, out->org_id, sizeof(out->org_id));
                out->removed = sqlite3_column_type(q_st, 19) != SQLITE_NULL;
                if (out->org_id[0] != '\0') {
                        /* A work user: no password, no recovery code (store_sqlite_orgs.c). */
                        memset(&out->password, 0, sizeof(out->password));
                        out->generation = (uint64_t)sqlite3_column_int64(q_st, 17);
                        r = AKD_STORE_OK;
                } else if (read_credential(q_st, 3, &out->password)) {
                        out->has_recovery = read_credential(q_st, 10, &out->recovery);
                        out->generation = (uint64_t)sqlite3_column_int64(q_st, 17);
                        r = AKD_STORE_OK;
                } else {
                        akd_log_event("store: account %s: malformed credential", out->id);
                }
        } else {
                akd_sq_log_error(c->db, "account");
        }
        sqlite3_reset(q_st);
done:
        akd_sq_reader_put(s, c);
        return r;
}

static enum akd_store_result sq_account_by_email(struct akd_store *st, const char *email,
                                                 struct akd_account *out)
{
        return account_lookup(st, Q_ACCOUNT_BY_EMAIL, email, out);
}

static enum akd_store_result sq_account_by_id(struct akd_store *st, const char *id,
                                              struct akd_account *out)
{
        return account_lookup(st, Q_ACCOUNT_BY_ID, id, out);
}

struct credentials_job {
        struct akd_sq_job job;
        const char *account_id;
        uint64_t generation;
        const struct akd_credential *password;
        enum akd_recovery_change change;
        const struct akd_credential *recovery;
        const uint8_t *keep_hash;
};

static enum akd_store_result run_credentials_set(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct credentials_job *cj = (struct credentials_job *)j;
        enum akd_store_result r = generation_is(c, cj->account_id, cj->generation);
        if (r != AKD_STORE_OK || (r = generation_bump(c, cj->account_id)) != AKD_STORE_OK)
                return r;
        sqlite3_stmt *s = keyed_stmt(c, Q_ACCOUNT_SET_PASSWORD, cj->account_id);
        if (s == NULL)
                return AKD_STORE_ERROR;
        bind_credential(s, 2, cj->password);
        if (akd_sq_step_done(c, s) != 0)
                return AKD_STORE_ERROR;
        if (cj->change != AKD_RECOVERY_KEEP) {
                if ((s = keyed_stmt(c, Q_ACCOUNT_SET_RECOVERY, cj->account_id)) == NULL)
                        return AKD_STORE_ERROR;
                if (cj->change == AKD_RECOVERY_REPLACE)
                        bind_credential(s, 2, cj->recovery); /* REMOVE leaves them NULL */
                if (akd_sq_step_done(c, s) != 0)
                        return AKD_STORE_ERROR;
        }
        if ((s = keyed_stmt(c, Q_SESSION_DELETE_OTHERS, cj->account_id)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_blob(s, 2, cj->keep_hash, AKD_TOKEN_HASH_LEN, SQLITE_STATIC);
        j->drops_sessions = true;
        return akd_sq_step_done(c, s) == 0 && akd_sq_portal_drop_account(c, cj->account_id) == 0
                   ? AKD_STORE_OK
                   : AKD_STORE_ERROR;
}

static enum akd_store_result sq_credentials_set(struct akd_store *st, const char *account_id,
                                                uint64_t generation,
                                                const struct akd_credential *password,
                                                enum akd_recovery_change change,
                                                const struct akd_credential *recovery,
                                                const uint8_t keep_token_hash[AKD_TOKEN_HASH_LEN])
{
        struct credentials_job j = {.job.run = run_credentials_set,
                                    .account_id = account_id,
                                    .generation = generation,
                                    .password = password,
                                    .change = change,
                                    .recovery = recovery,
                                    .keep_hash = keep_token_hash};
        return akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
}

/* ---- sessions ---- */

struct session_job {
        struct akd_sq_job job;
        const uint8_t *hash;
        const char *account_id;
        const struct akd_session *session;
        uint64_t generation;
        bool consume;
};

static enum akd_store_result run_session_create(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct session_job *sj = (struct session_job *)j;
        enum akd_store_result r = generation_is(c, sj->session->account_id, sj->generation);
        if (r == AKD_STORE_OK && sj->consume)
                r = generation_bump(c, sj->session->account_id);
        if (r != AKD_STORE_OK)
                return r;
        sqlite3_stmt *s = akd_sq_stmt(c, Q_SESSION_INSERT);
        if (s == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_blob(s, 1, sj->hash, AKD_TOKEN_HASH_LEN, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, sj->session->account_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, sj->session->recovery ? 1 : 0);
        sqlite3_bind_int64(s, 4, sj->session->created_at);
        sqlite3_bind_int64(s, 5, sj->session->expires_at);
        return akd_sq_step_done(c, s) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

static enum akd_store_result sq_session_create(struct akd_store *st,
                                               const uint8_t hash[AKD_TOKEN_HASH_LEN],
                                               const struct akd_session *session,
                                               uint64_t generation, bool consume)
{
        struct session_job j = {.job.run = run_session_create,
                                .hash = hash,
                                .session = session,
                                .generation = generation,
                                .consume = consume};
        return akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
}

/* Reads one session, expired or not (store.h: akd_store_cached_session). */
static enum akd_store_result
load_session(struct akd_store *st, const uint8_t hash[AKD_TOKEN_HASH_LEN], struct akd_session *out)
{
        struct akd_sq_store *s = (struct akd_sq_store *)st;
        struct akd_sq_conn *c = akd_sq_reader_get(s);
        enum akd_store_result r = AKD_STORE_ERROR;
        sqlite3_stmt *q;
        if (c == NULL || (q = akd_sq_stmt(c, Q_SESSION_GET)) == NULL)
                goto done;
        sqlite3_bind_blob(q, 1, hash, AKD_TOKEN_HASH_LEN, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
                column_text(q, 0, out->account_id, sizeof(out->account_id));
                out->recovery = sqlite3_column_int(q, 1) != 0;
                out->created_at = sqlite3_column_int64(q, 2);
                out->expires_at = sqlite3_column_int64(q, 3);
                r = AKD_STORE_OK;
        } else if (rc == SQLITE_DONE) {
                r = AKD_STORE_NOT_FOUND;
        } else {
                akd_sq_log_error(c->db, "session");
        }
        sqlite3_reset(q);
done:
        akd_sq_reader_put(s, c);
        return r;
}

static enum akd_store_result sq_session_get(struct akd_store *st,
                                            const uint8_t hash[AKD_TOKEN_HASH_LEN], int64_t now,
                                            struct akd_session *out)
{
        return akd_store_cached_session(((struct akd_sq_store *)st)->cache, st, hash, now, out,
                                        load_session);
}

static enum akd_store_result run_session_delete(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct session_job *sj = (struct session_job *)j;
        sqlite3_stmt *s =
            akd_sq_stmt(c, sj->hash != NULL ? Q_SESSION_DELETE : Q_SESSION_DELETE_ALL);
        if (s == NULL)
                return AKD_STORE_ERROR;
        if (sj->hash != NULL)
                sqlite3_bind_blob(s, 1, sj->hash, AKD_TOKEN_HASH_LEN, SQLITE_STATIC);
        else
                sqlite3_bind_text(s, 1, sj->account_id, -1, SQLITE_STATIC);
        if (akd_sq_step_done(c, s) != 0)
                return AKD_STORE_ERROR;
        j->drops_sessions = true;
        bool deleted = sqlite3_changes(c->db) > 0;
        /* Revoking everything also refuses the sign-ins under way, and ends the account page's. */
        if (sj->hash == NULL && (generation_bump(c, sj->account_id) != AKD_STORE_OK ||
                                 akd_sq_portal_drop_account(c, sj->account_id) != 0))
                return AKD_STORE_ERROR;
        return deleted ? AKD_STORE_OK : AKD_STORE_NOT_FOUND;
}

static enum akd_store_result sq_session_delete(struct akd_store *st,
                                               const uint8_t hash[AKD_TOKEN_HASH_LEN])
{
        struct session_job j = {.job.run = run_session_delete, .hash = hash};
        return akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
}

static enum akd_store_result sq_session_delete_all(struct akd_store *st, const char *account_id)
{
        struct session_job j = {.job.run = run_session_delete, .account_id = account_id};
        enum akd_store_result r = akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
        return r == AKD_STORE_NOT_FOUND ? AKD_STORE_OK : r;
}

static enum akd_store_result sq_session_count(struct akd_store *st, const char *account_id,
                                              int64_t now, unsigned *count)
{
        struct akd_sq_store *s = (struct akd_sq_store *)st;
        struct akd_sq_conn *c = akd_sq_reader_get(s);
        enum akd_store_result r = AKD_STORE_ERROR;
        sqlite3_stmt *q;
        if (c == NULL || (q = keyed_stmt(c, Q_SESSION_COUNT, account_id)) == NULL)
                goto done;
        sqlite3_bind_int64(q, 2, now);
        if (sqlite3_step(q) == SQLITE_ROW) {
                *count = (unsigned)sqlite3_column_int64(q, 0);
                r = AKD_STORE_OK;
        } else {
                akd_sq_log_error(c->db, "sessions");
        }
        sqlite3_reset(q);
done:
        akd_sq_reader_put(s, c);
        return r;
}

/* ---- backups ---- */

/* Reads deleted_at, deleted_device_id, deleted_device_name from `first`. */
static void read_deleted(sqlite3_stmt *q, int first, uint64_t latest, struct akd_backup_deleted *d)
{
        memset(d, 0, sizeof(*d));
        d->deleted_at = sqlite3_column_int64(q, first);
        column_text(q, first + 1, d->device_id, sizeof(d->device_id));
        column_text(q, first + 2, d->device_name, sizeof(d->device_name));
        d->latest_version = latest;
}

/* Reads version, device_id, device_name, created_at, size from `first`. */
static void read_meta(sqlite3_stmt *q, int first, struct akd_backup_meta *m)
{
        memset(m, 0, sizeof(*m));
        m->version = (uint64_t)sqlite3_column_int64(q, first);
        column_text(q, first + 1, m->device_id, sizeof(m->device_id));
        column_text(q, first + 2, m->device_name, sizeof(m->device_name));
        m->created_at = sqlite3_column_int64(q, first + 3);
        m->size = (size_t)sqlite3_column_int64(q, first + 4);
}

struct put_job {
        struct akd_sq_job job;
        struct akd_backup_put *put;
};

static enum akd_store_result run_backup_put(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct akd_backup_put *p = ((struct put_job *)j)->put;
        sqlite3_stmt *s = keyed_stmt(c, Q_BACKUP_STATE, p->account_id);
        if (s == NULL)
                return AKD_STORE_ERROR;
        int rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) {
                sqlite3_reset(s);
                return rc == SQLITE_DONE ? AKD_STORE_NOT_FOUND : AKD_STORE_ERROR;
        }
        uint64_t latest = (uint64_t)sqlite3_column_int64(s, 0);
        bool deleted = sqlite3_column_type(s, 1) != SQLITE_NULL;
        if (deleted)
                read_deleted(s, 1, latest, &p->deleted);
        sqlite3_reset(s);

        if (deleted && p->replaces_version != 0 && p->replaces_version != latest)
                return AKD_STORE_DELETED;
        if (!deleted && p->replaces_version != latest) {
                if ((s = keyed_stmt(c, Q_BACKUP_META, p->account_id)) == NULL)
                        return AKD_STORE_ERROR;
                sqlite3_bind_int64(s, 2, (sqlite3_int64)latest);
                memset(&p->latest, 0, sizeof(p->latest));
                p->latest.version = latest;
                if (sqlite3_step(s) == SQLITE_ROW)
                        read_meta(s, 0, &p->latest);
                sqlite3_reset(s);
                return AKD_STORE_CONFLICT;
        }

        /* Always replaces_version + 1: the device sealed the envelope with it. */
        uint64_t version = p->replaces_version + 1;
        if ((s = keyed_stmt(c, Q_BACKUP_INSERT, p->account_id)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_int64(s, 2, (sqlite3_int64)version);
        sqlite3_bind_text(s, 3, p->device_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, p->device_name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, p->now);
        sqlite3_bind_int64(s, 6, (sqlite3_int64)p->envelope_len);
        sqlite3_bind_blob(s, 7, p->envelope, (int)p->envelope_len, SQLITE_STATIC);
        if (akd_sq_step_done(c, s) != 0)
                return AKD_STORE_ERROR;
        if (version > p->keep_versions) {
                if ((s = keyed_stmt(c, Q_BACKUP_PRUNE, p->account_id)) == NULL)
                        return AKD_STORE_ERROR;
                sqlite3_bind_int64(s, 2, (sqlite3_int64)(version - p->keep_versions));
                if (akd_sq_step_done(c, s) != 0)
                        return AKD_STORE_ERROR;
        }
        if ((s = keyed_stmt(c, Q_BACKUP_SET_LATEST, p->account_id)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_int64(s, 2, (sqlite3_int64)version);
        if (akd_sq_step_done(c, s) != 0)
                return AKD_STORE_ERROR;
        p->version = version;
        j->backup_account = p->account_id;
        return AKD_STORE_OK;
}

static void put_done(struct akd_sq_job *j)
{
        struct put_job *pj = (struct put_job *)j;
        struct akd_backup_put *p = pj->put;
        p->result = j->result;
        free(pj);
        p->done(p);
}

static void sq_backup_put(struct akd_store *st, struct akd_backup_put *put)
{
        struct put_job *pj = calloc(1, sizeof(*pj));
        if (pj == NULL) {
                put->result = AKD_STORE_ERROR;
                put->done(put);
                return;
        }
        pj->job.run = run_backup_put;
        pj->job.done = put_done;
        pj->put = put;
        akd_sq_submit((struct akd_sq_store *)st, &pj->job);
}

/* Reads one version, or the latest (store.h: akd_store_cached_backup). */
static enum akd_store_result load_backup(struct akd_store *st, const char *account_id,
                                         uint64_t version, struct akd_backup_meta *meta,
                                         uint8_t **envelope, struct akd_backup_deleted *deleted,
                                         bool *is_latest)
{
        struct akd_sq_store *s = (struct akd_sq_store *)st;
        struct akd_sq_conn *c = akd_sq_reader_get(s);
        enum akd_store_result r = AKD_STORE_ERROR;
        sqlite3_stmt *q;
        if (c == NULL || (q = keyed_stmt(c, Q_BACKUP_GET, account_id)) == NULL)
                goto done;
        sqlite3_bind_int64(q, 2, (sqlite3_int64)version);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_DONE) {
                r = AKD_STORE_NOT_FOUND;
        } else if (rc != SQLITE_ROW) {
                akd_sq_log_error(c->db, "backup");
        } else if (sqlite3_column_type(q, 1) != SQLITE_NULL) {
                read_deleted(q, 1, (uint64_t)sqlite3_column_int64(q, 0), deleted);
                r = AKD_STORE_DELETED;
        } else if (sqlite3_column_type(q, 4) == SQLITE_NULL) {
                r = AKD_STORE_NOT_FOUND;
        } else {
                read_meta(q, 4, meta);
                const void *blob = sqlite3_column_blob(q, 9);
                size_t n = (size_t)sqlite3_column_bytes(q, 9);
                uint8_t *copy = malloc(n > 0 ? n : 1);
                if (copy != NULL) {
                        if (n > 0)
                                memcpy(copy, blob, n);
                        meta->size = n;
                        *envelope = copy;
                        r = AKD_STORE_OK;
                        *is_latest = meta->version == (uint64_t)sqlite3_column_int64(q, 0);
                }
        }
        sqlite3_reset(q);
done:
        akd_sq_reader_put(s, c);
        return r;
}

static enum akd_store_result sq_backup_get(struct akd_store *st, const char *account_id,
                                           uint64_t version, struct akd_backup_meta *meta,
                                           uint8_t **envelope, struct akd_backup_deleted *deleted)
{
        return akd_store_cached_backup(((struct akd_sq_store *)st)->cache, st, account_id, version,
                                       meta, envelope, deleted, load_backup);
}

static enum akd_store_result sq_backup_list(struct akd_store *st, const char *account_id,
                                            struct akd_backup_meta **list, size_t *count,
                                            struct akd_backup_deleted *deleted)
{
        struct akd_sq_store *s = (struct akd_sq_store *)st;
        struct akd_sq_conn *c = akd_sq_reader_get(s);
        enum akd_store_result r = AKD_STORE_ERROR;
        struct akd_backup_meta *items = NULL;
        size_t n = 0, cap = 0;
        sqlite3_stmt *q;
        bool in_tx = false;
        if (c == NULL || akd_sq_simple(c, Q_BEGIN_READ) != 0)
                goto done;
        in_tx = true;
        if ((q = keyed_stmt(c, Q_BACKUP_STATE, account_id)) == NULL)
                goto done;
        int rc = sqlite3_step(q);
        if (rc != SQLITE_ROW) {
                sqlite3_reset(q);
                r = rc == SQLITE_DONE ? AKD_STORE_NOT_FOUND : AKD_STORE_ERROR;
                goto done;
        }
        if (sqlite3_column_type(q, 1) != SQLITE_NULL) {
                read_deleted(q, 1, (uint64_t)sqlite3_column_int64(q, 0), deleted);
                sqlite3_reset(q);
                r = AKD_STORE_DELETED;
                goto done;
        }
        sqlite3_reset(q);
        if ((q = keyed_stmt(c, Q_BACKUP_LIST, account_id)) == NULL)
                goto done;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
                if (n == cap) {
                        size_t ncap = cap ? cap * 2 : 16;
                        struct akd_backup_meta *grown = realloc(items, ncap * sizeof(*items));
                        if (grown == NULL) {
                                sqlite3_reset(q);
                                goto done;
                        }
                        items = grown;
                        cap = ncap;
                }
                read_meta(q, 0, &items[n++]);
        }
        sqlite3_reset(q);
        if (rc != SQLITE_DONE)
                goto done;
        *list = items;
        *count = n;
        items = NULL;
        r = AKD_STORE_OK;
done:
        if (in_tx)
                akd_sq_simple(c, Q_COMMIT);
        free(items);
        akd_sq_reader_put(s, c);
        return r;
}

struct delete_job {
        struct akd_sq_job job;
        const char *account_id, *device_id, *device_name;
        int64_t now;
};

static enum akd_store_result run_backup_delete(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct delete_job *dj = (struct delete_job *)j;
        sqlite3_stmt *s = keyed_stmt(c, Q_BACKUP_STATE, dj->account_id);
        if (s == NULL)
                return AKD_STORE_ERROR;
        int rc = sqlite3_step(s);
        uint64_t latest = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(s, 0) : 0;
        bool deleted = rc == SQLITE_ROW && sqlite3_column_type(s, 1) != SQLITE_NULL;
        sqlite3_reset(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                return AKD_STORE_ERROR;
        if (deleted)
                return AKD_STORE_DELETED;
        if (latest == 0)
                return AKD_STORE_NOT_FOUND;
        if ((s = keyed_stmt(c, Q_BACKUP_DELETE_ALL, dj->account_id)) == NULL)
                return AKD_STORE_ERROR;
        if (akd_sq_step_done(c, s) != 0 ||
            (s = keyed_stmt(c, Q_BACKUP_SET_DELETED, dj->account_id)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_int64(s, 2, dj->now);
        sqlite3_bind_text(s, 3, dj->device_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, dj->device_name, -1, SQLITE_STATIC);
        j->backup_account = dj->account_id;
        return akd_sq_step_done(c, s) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

static enum akd_store_result sq_backup_delete(struct akd_store *st, const char *account_id,
                                              const char *device_id, const char *device_name,
                                              int64_t now)
{
        struct delete_job j = {.job.run = run_backup_delete,
                               .account_id = account_id,
                               .device_id = device_id,
                               .device_name = device_name,
                               .now = now};
        return akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
}

/* ---- keys of the server's own ---- */

struct key_job {
        struct akd_sq_job job;
        const char *name;
        uint8_t *out;
        size_t len;
};

static enum akd_store_result run_server_key(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct key_job *kj = (struct key_job *)j;
        uint8_t fresh[64];
        size_t got = 0;
        randombytes_buf(fresh, kj->len);
        sqlite3_stmt *s = keyed_stmt(c, Q_SERVER_KEY_ADD, kj->name);
        if (s != NULL)
                sqlite3_bind_blob(s, 2, fresh, (int)kj->len, SQLITE_STATIC);
        int rc = s != NULL ? akd_sq_step_done(c, s) : -1;
        sodium_memzero(fresh, sizeof(fresh));
        if (rc != 0 || (s = keyed_stmt(c, Q_SERVER_KEY_GET, kj->name)) == NULL)
                return AKD_STORE_ERROR;
        rc = sqlite3_step(s);
        bool ok = rc == SQLITE_ROW && column_blob(s, 0, kj->out, kj->len, kj->len, &got);
        sqlite3_reset(s);
        if (!ok)
                akd_log_event("store: server key %s: missing or not %zu bytes", kj->name, kj->len);
        return ok ? AKD_STORE_OK : AKD_STORE_ERROR;
}

static enum akd_store_result sq_server_key(struct akd_store *st, const char *name, uint8_t *out,
                                           size_t len)
{
        struct key_job j = {.job.run = run_server_key, .name = name, .out = out, .len = len};
        if (len == 0 || len > 64)
                return AKD_STORE_ERROR;
        return akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
}

/* ---- health ---- */

static enum akd_store_result sq_health(struct akd_store *st)
{
        struct akd_sq_store *s = (struct akd_sq_store *)st;
        struct akd_sq_conn *c = akd_sq_reader_get(s);
        enum akd_store_result r = AKD_STORE_ERROR;
        sqlite3_stmt *q;
        if (c != NULL && (q = akd_sq_stmt(c, Q_HEALTH)) != NULL) {
                if (sqlite3_step(q) == SQLITE_ROW)
                        r = AKD_STORE_OK;
                sqlite3_reset(q);
        }
        akd_sq_reader_put(s, c);
        return r;
}

const struct akd_store_ops akd_sq_ops = {
    .name = "sqlite",
    .close = akd_sq_close,
    .health = sq_health,
    .account_create = sq_account_create,
    .account_by_email = sq_account_by_email,
    .account_by_id = sq_account_by_id,
    .credentials_set = sq_credentials_set,
    .session_create = sq_session_create,
    .session_get = sq_session_get,
    .session_delete = sq_session_delete,
    .session_delete_all = sq_session_delete_all,
    .session_count = sq_session_count,
    .backup_put = sq_backup_put,
    .backup_get = sq_backup_get,
    .backup_list = sq_backup_list,
    .backup_delete = sq_backup_delete,
    .server_key = sq_server_key,
    .signin_counts = akd_sq_signin_counts,
    .signin_failed = akd_sq_signin_failed,
    .signin_succeeded = akd_sq_signin_succeeded,
    .device_put = akd_sq_device_put,
    .device_list = akd_sq_device_list,
    .device_get = akd_sq_device_get,
    .device_remove = akd_sq_device_remove,
    .device_touch = akd_sq_device_touch,
    .totp_accept = akd_sq_totp_accept,
    .signin_create = akd_sq_signin_create,
    .signin_get = akd_sq_signin_get,
    .signin_pending = akd_sq_signin_pending,
    .signin_answer = akd_sq_signin_answer,
    .events_list = akd_sq_events_list,
    .contacts_list = akd_sq_contacts_list,
    .contact_remove = akd_sq_contact_remove,
    .device_verify_bare = akd_sq_device_verify_bare,
    .code_put = akd_sq_code_put,
    .code_drop = akd_sq_code_drop,
    .code_use = akd_sq_code_use,
    .org_create = akd_sq_org_create,
    .org_get = akd_sq_org_get,
    .org_list = akd_sq_org_list,
    .work_user_add = akd_sq_work_user_add,
    .work_user_remove = akd_sq_work_user_remove,
    .work_user_list = akd_sq_work_user_list,
    .activation_create = akd_sq_activation_create,
    .activate = akd_sq_activate,
    .portal_create = akd_sq_portal_create,
    .portal_get = akd_sq_portal_get,
    .portal_delete = akd_sq_portal_delete,
    .login_put = akd_sq_login_put,
    .login_take = akd_sq_login_take,
    .rate_take = akd_sq_rate_take,
    .wake_stamps = akd_sq_wake_stamps,
    .hints_listen = akd_sq_hints_listen,
};
