/*
 * The PostgreSQL store's backups (store.h), with the results of
 * store_sqlite_query.c. An upload is a job of the writer (store_pg.c):
 * concurrent uploads share one commit. Each job locks its account's row
 * (Q_BACKUP_STATE) before it compares replaces_version with the latest, so
 * that of two uploads replacing one version, through one process or two,
 * exactly one succeeds and the other gets CONFLICT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

#define PG(st) ((struct akd_pg_store *)(st))

/* deleted_at, deleted_device_id, deleted_device_name from `first`. */
static void read_deleted(const PGresult *r, int row, int first, uint64_t latest,
                         struct akd_backup_deleted *d)
{
        memset(d, 0, sizeof(*d));
        d->deleted_at = akd_pg_get_int(r, row, first);
        akd_pg_get_text(r, row, first + 1, d->device_id, sizeof(d->device_id));
        akd_pg_get_text(r, row, first + 2, d->device_name, sizeof(d->device_name));
        d->latest_version = latest;
}

/* version, device_id, device_name, created_at, size from `first`. */
static void read_meta(const PGresult *r, int row, int first, struct akd_backup_meta *m)
{
        memset(m, 0, sizeof(*m));
        m->version = (uint64_t)akd_pg_get_int(r, row, first);
        akd_pg_get_text(r, row, first + 1, m->device_id, sizeof(m->device_id));
        akd_pg_get_text(r, row, first + 2, m->device_name, sizeof(m->device_name));
        m->created_at = akd_pg_get_int(r, row, first + 3);
        m->size = (size_t)akd_pg_get_int(r, row, first + 4);
}

struct put_job {
        struct akd_pg_job job;
        struct akd_pg_store *store;
        struct akd_backup_put *put;
};

static enum akd_store_result run_backup_put(struct akd_pg_conn *c, struct akd_pg_job *j)
{
        struct akd_backup_put *put = ((struct put_job *)j)->put;
        PGresult *r = akd_pg_exec1(c, Q_BACKUP_STATE, put->account_id);
        if (r == NULL)
                return AKD_STORE_ERROR;
        if (PQntuples(r) == 0) {
                PQclear(r);
                return AKD_STORE_NOT_FOUND;
        }
        uint64_t latest = (uint64_t)akd_pg_get_int(r, 0, 0);
        bool deleted = !akd_pg_is_null(r, 0, 1);
        if (deleted)
                read_deleted(r, 0, 1, latest, &put->deleted);
        PQclear(r);

        if (deleted && put->replaces_version != 0 && put->replaces_version != latest)
                return AKD_STORE_DELETED;
        if (!deleted && put->replaces_version != latest) {
                struct akd_pg_params p = akd_pg_account_and(put->account_id, (int64_t)latest);
                memset(&put->latest, 0, sizeof(put->latest));
                put->latest.version = latest;
                if ((r = akd_pg_exec(c, Q_BACKUP_META, &p)) == NULL)
                        return AKD_STORE_ERROR;
                if (PQntuples(r) > 0)
                        read_meta(r, 0, 0, &put->latest);
                PQclear(r);
                return AKD_STORE_CONFLICT;
        }

        /* Always replaces_version + 1: the device sealed the envelope with it. */
        uint64_t version = put->replaces_version + 1;
        struct akd_pg_params p = akd_pg_account_and(put->account_id, (int64_t)version);
        akd_pg_p_text(&p, put->device_id);
        akd_pg_p_text(&p, put->device_name);
        akd_pg_p_int(&p, put->now);
        akd_pg_p_int(&p, (int64_t)put->envelope_len);
        akd_pg_p_blob(&p, put->envelope, put->envelope_len);
        if (akd_pg_do(c, Q_BACKUP_INSERT, &p) < 0)
                return AKD_STORE_ERROR;
        if (version > put->keep_versions) {
                struct akd_pg_params q =
                    akd_pg_account_and(put->account_id, (int64_t)(version - put->keep_versions));
                if (akd_pg_do(c, Q_BACKUP_PRUNE, &q) < 0)
                        return AKD_STORE_ERROR;
        }
        struct akd_pg_params l = akd_pg_account_and(put->account_id, (int64_t)version);
        if (akd_pg_do(c, Q_BACKUP_SET_LATEST, &l) < 0)
                return AKD_STORE_ERROR;
        put->version = version;
        return AKD_STORE_OK;
}

static void put_done(struct akd_pg_job *j)
{
        struct put_job *pj = (struct put_job *)j;
        struct akd_backup_put *put = pj->put;
        put->result = j->result;
        put->retry_after = akd_pg_job_retry_after(pj->store, j);
        free(pj);
        put->done(put);
}

void akd_pg_backup_put(struct akd_store *st, struct akd_backup_put *put)
{
        struct put_job *pj = calloc(1, sizeof(*pj));
        if (pj == NULL) {
                put->result = AKD_STORE_ERROR;
                put->done(put);
                return;
        }
        pj->job.run = run_backup_put;
        pj->job.done = put_done;
        pj->job.order = put->account_id;
        pj->put = put;
        pj->store = PG(st);
        akd_pg_submit(PG(st), &pj->job);
}

struct get_ctx {
        const char *account_id;
        uint64_t version;
        struct akd_backup_meta *meta;
        uint8_t **envelope;
        struct akd_backup_deleted *deleted;
};

/*
 * backup_get's result from Q_BACKUP_GET's columns, from `first` in row 0:
 * the account's latest version and deletion, then the version's row (NULL
 * when there is no such version); the envelope is copied.
 */
static enum akd_store_result backup_row(const PGresult *r, int first, struct akd_backup_meta *meta,
                                        uint8_t **envelope, struct akd_backup_deleted *deleted)
{
        if (akd_pg_is_null(r, 0, first))
                return AKD_STORE_NOT_FOUND;
        if (!akd_pg_is_null(r, 0, first + 1)) {
                read_deleted(r, 0, first + 1, (uint64_t)akd_pg_get_int(r, 0, first), deleted);
                return AKD_STORE_DELETED;
        }
        if (akd_pg_is_null(r, 0, first + 4))
                return AKD_STORE_NOT_FOUND;
        size_t n = 0;
        uint8_t *copy = akd_pg_get_blob_copy(r, 0, first + 9, &n);
        if (copy == NULL)
                return AKD_STORE_ERROR;
        read_meta(r, 0, first + 4, meta);
        meta->size = n;
        *envelope = copy;
        return AKD_STORE_OK;
}

static enum akd_store_result run_backup_get(struct akd_pg_conn *c, void *ctx)
{
        struct get_ctx *x = ctx;
        struct akd_pg_params p = akd_pg_account_and(x->account_id, (int64_t)x->version);
        PGresult *r = akd_pg_exec(c, Q_BACKUP_GET, &p);
        if (r == NULL)
                return AKD_STORE_ERROR;
        enum akd_store_result res = PQntuples(r) == 0
                                        ? AKD_STORE_NOT_FOUND
                                        : backup_row(r, 0, x->meta, x->envelope, x->deleted);
        PQclear(r);
        return res;
}

enum akd_store_result akd_pg_backup_get(struct akd_store *st, const char *account_id,
                                        uint64_t version, struct akd_backup_meta *meta,
                                        uint8_t **envelope, struct akd_backup_deleted *deleted)
{
        struct get_ctx x = {account_id, version, meta, envelope, deleted};
        return akd_pg_run(PG(st), false, run_backup_get, &x);
}

struct session_backup_ctx {
        const uint8_t *hash;
        int64_t now;
        uint64_t version;
        struct akd_session *session;
        struct akd_backup_read *backup;
};

static enum akd_store_result run_session_backup_get(struct akd_pg_conn *c, void *ctx)
{
        struct session_backup_ctx *x = ctx;
        struct akd_pg_params p = {0};
        akd_pg_p_blob(&p, x->hash, AKD_TOKEN_HASH_LEN);
        akd_pg_p_int(&p, x->now);
        akd_pg_p_int(&p, (int64_t)x->version);
        PGresult *r = akd_pg_exec(c, Q_SESSION_BACKUP_GET, &p);
        if (r == NULL)
                return AKD_STORE_ERROR;
        enum akd_store_result res = AKD_STORE_NOT_FOUND;
        if (PQntuples(r) > 0 && akd_pg_session_row(r, 0, x->session)) {
                struct akd_backup_read *b = x->backup;
                memset(b, 0, sizeof(*b));
                b->result = backup_row(r, 4, &b->meta, &b->envelope, &b->deleted);
                res = AKD_STORE_OK;
        }
        PQclear(r);
        return res;
}

/*
 * One statement (Q_SESSION_BACKUP_GET) for an authenticated download,
 * where session_get and backup_get would make two round trips.
 */
enum akd_store_result akd_pg_session_backup_get(struct akd_store *st,
                                                const uint8_t hash[AKD_TOKEN_HASH_LEN], int64_t now,
                                                uint64_t version, struct akd_session *session,
                                                struct akd_backup_read *backup)
{
        struct session_backup_ctx x = {hash, now, version, session, backup};
        return akd_pg_run(PG(st), false, run_session_backup_get, &x);
}

struct list_ctx {
        const char *account_id;
        struct akd_backup_meta **list;
        size_t *count;
        struct akd_backup_deleted *deleted;
};

static enum akd_store_result run_backup_list(struct akd_pg_conn *c, void *ctx)
{
        struct list_ctx *x = ctx;
        PGresult *r = akd_pg_exec1(c, Q_BACKUP_LIST, x->account_id);
        if (r == NULL)
                return AKD_STORE_ERROR;
        int rows = PQntuples(r);
        enum akd_store_result res = AKD_STORE_ERROR;
        struct akd_backup_meta *items = NULL;
        size_t n = 0;
        if (rows == 0) {
                res = AKD_STORE_NOT_FOUND;
        } else if (!akd_pg_is_null(r, 0, 1)) {
                read_deleted(r, 0, 1, (uint64_t)akd_pg_get_int(r, 0, 0), x->deleted);
                res = AKD_STORE_DELETED;
        } else if ((items = malloc((size_t)rows * sizeof(*items))) != NULL) {
                for (int i = 0; i < rows; i++)
                        if (!akd_pg_is_null(r, i, 4))
                                read_meta(r, i, 4, &items[n++]);
                *x->list = items;
                *x->count = n;
                res = AKD_STORE_OK;
        }
        PQclear(r);
        return res;
}

enum akd_store_result akd_pg_backup_list(struct akd_store *st, const char *account_id,
                                         struct akd_backup_meta **list, size_t *count,
                                         struct akd_backup_deleted *deleted)
{
        struct list_ctx x = {account_id, list, count, deleted};
        return akd_pg_run(PG(st), false, run_backup_list, &x);
}

struct delete_ctx {
        const char *account_id, *device_id, *device_name;
        int64_t now;
};

static enum akd_store_result run_backup_delete(struct akd_pg_conn *c, void *ctx)
{
        struct delete_ctx *x = ctx;
        PGresult *r = akd_pg_exec1(c, Q_BACKUP_STATE, x->account_id);
        if (r == NULL)
                return AKD_STORE_ERROR;
        bool found = PQntuples(r) > 0;
        uint64_t latest = found ? (uint64_t)akd_pg_get_int(r, 0, 0) : 0;
        bool deleted = found && !akd_pg_is_null(r, 0, 1);
        PQclear(r);
        if (deleted)
                return AKD_STORE_DELETED;
        if (latest == 0)
                return AKD_STORE_NOT_FOUND;
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, x->account_id);
        if (akd_pg_do(c, Q_BACKUP_DELETE_ALL, &p) < 0)
                return AKD_STORE_ERROR;
        akd_pg_p_int(&p, x->now);
        akd_pg_p_text(&p, x->device_id);
        akd_pg_p_text(&p, x->device_name);
        return akd_pg_do(c, Q_BACKUP_SET_DELETED, &p) >= 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

enum akd_store_result akd_pg_backup_delete(struct akd_store *st, const char *account_id,
                                           const char *device_id, const char *device_name,
                                           int64_t now)
{
        struct delete_ctx x = {account_id, device_id, device_name, now};
        return akd_pg_run(PG(st), true, run_backup_delete, &x);
}
