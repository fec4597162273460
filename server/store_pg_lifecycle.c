/*
 * The PostgreSQL store's deleted backups and accounts (store.h), with the
 * results of store_sqlite_lifecycle.c: a delete keeps what it deletes
 * apart (a backup's versions in deleted_backups, an account marked in its
 * row) until the server purges it; the grace period is the server's rule
 * (server/lifecycle.c), which gives these functions the times.
 *
 * Each operation is one transaction that first locks the account's row
 * (FOR UPDATE), as uploads and deletes do (store_pg_backup.c), so that a
 * delete, an undelete, an upload and a purge of one account, through one
 * process or several, happen one after the other. An email's tombstone is
 * checked and made under an advisory lock of its hash, taken before the
 * account's row, so that an account being made cannot take an email whose
 * account a purge is removing.
 *
 * A purge deletes the rows, then, once committed and outside any
 * transaction, VACUUMs the tables it changed: their dead rows (and those of
 * their TOAST tables, where large envelopes are) are removed and their
 * space is marked for reuse. Pages already written to the WAL, and any
 * base backup or archive of it, keep their copies until PostgreSQL
 * recycles them (docs/backup.md says what an administrator should know).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store_pg.h"

#define PG(st) ((struct akd_pg_store *)(st))

const char akd_pg_lifecycle_sql[] =
    "CREATE TABLE deleted_backups ("
    " account_id text NOT NULL REFERENCES accounts(id), version bigint NOT NULL,"
    " device_id text NOT NULL, device_name text NOT NULL, created_at bigint NOT NULL,"
    " size bigint NOT NULL, envelope bytea NOT NULL, deleted_at bigint NOT NULL,"
    " PRIMARY KEY (account_id, version));"
    "CREATE INDEX deleted_backups_by_time ON deleted_backups (deleted_at);"
    "ALTER TABLE accounts ADD COLUMN account_deleted_at bigint,"
    " ADD COLUMN account_deleted_device_id text, ADD COLUMN account_deleted_device_name text;"
    "CREATE INDEX accounts_by_deleted ON accounts (account_deleted_at);"
    "CREATE TABLE email_tombstones ("
    " email_hash bytea PRIMARY KEY, deleted_at bigint NOT NULL);";

/* What a backup purge changes, and what an account purge changes. */
static const char vacuum_backups[] = "VACUUM backups, deleted_backups";
static const char vacuum_account[] =
    "VACUUM sessions, portal_sessions, backups, deleted_backups, events, contacts, "
    "verify_codes, verify_sends, signin_requests, signin_failures, signin_addresses, "
    "activations, srp_logins, devices, accounts, email_tombstones";
static const char vacuum_sweep[] = "VACUUM deleted_backups, email_tombstones";

/* Runs `q` with the account (and `n`): the rows changed, or -1 (logged). */
static long run(struct akd_pg_conn *c, enum akd_pg_query q, const char *account_id, int64_t n)
{
        struct akd_pg_params p = akd_pg_account_and(account_id, n);
        return akd_pg_do(c, q, &p);
}

static enum akd_store_result run_vacuum(struct akd_pg_conn *c, void *ctx)
{
        PGresult *r = PQexec(c->pg, ctx);
        bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
                akd_log_event("store: vacuum after a purge: %s", PQerrorMessage(c->pg));
        PQclear(r);
        return ok ? AKD_STORE_OK : AKD_STORE_ERROR;
}

/* After a purge's commit, outside any transaction: what went is removed from the tables. */
static void vacuum(struct akd_store *st, const char *sql)
{
        (void)akd_pg_run(PG(st), false, run_vacuum, (void *)sql);
}

/* ---- backups ---- */

struct backup_ctx {
        const char *account_id, *device_id, *device_name;
        int64_t now, since;
        unsigned versions;
        uint64_t latest;
        bool purged; /* rows went for good: vacuum after the commit */
};

/* Locks the account's row: *latest, *deleted (the backup is deleted, at *at); NOT_FOUND. */
static enum akd_store_result backup_state(struct akd_pg_conn *c, const char *account_id,
                                          uint64_t *latest, bool *deleted, int64_t *at)
{
        PGresult *r = akd_pg_exec1(c, Q_BACKUP_STATE, account_id);
        if (r == NULL)
                return AKD_STORE_ERROR;
        bool found = PQntuples(r) > 0;
        *latest = found ? (uint64_t)akd_pg_get_int(r, 0, 0) : 0;
        *deleted = found && !akd_pg_is_null(r, 0, 1);
        *at = *deleted ? akd_pg_get_int(r, 0, 1) : 0;
        PQclear(r);
        return found ? AKD_STORE_OK : AKD_STORE_NOT_FOUND;
}

/* Marks the backup deleted at `now` by the device named; 0 or -1. */
static int mark_deleted(struct akd_pg_conn *c, const struct backup_ctx *x)
{
        struct akd_pg_params p = akd_pg_account_and(x->account_id, x->now);
        akd_pg_p_text(&p, x->device_id);
        akd_pg_p_text(&p, x->device_name);
        return akd_pg_do(c, Q_BACKUP_SET_DELETED, &p) >= 0 ? 0 : -1;
}

static enum akd_store_result run_delete_kept(struct akd_pg_conn *c, void *ctx)
{
        struct backup_ctx *x = ctx;
        uint64_t latest;
        int64_t deleted_at;
        bool deleted;
        enum akd_store_result r = backup_state(c, x->account_id, &latest, &deleted, &deleted_at);
        if (r != AKD_STORE_OK)
                return r;
        if (deleted)
                return AKD_STORE_DELETED;
        struct akd_pg_params p = akd_pg_account_and(x->account_id, -1);
        int64_t count = akd_pg_one_int(c, Q_LC_BACKUP_COUNT, &p, 0);
        if (count < 0)
                return AKD_STORE_ERROR;
        if (count == 0)
                return AKD_STORE_NOT_FOUND;
        long old = run(c, Q_LC_KEPT_DROP, x->account_id, -1);
        if (old < 0 || run(c, Q_LC_KEEP, x->account_id, x->now) < 0 ||
            run(c, Q_BACKUP_DELETE_ALL, x->account_id, -1) < 0 || mark_deleted(c, x) != 0)
                return AKD_STORE_ERROR;
        x->versions = (unsigned)count;
        x->purged = old > 0; /* an earlier deleted copy went for good */
        return AKD_STORE_OK;
}

enum akd_store_result akd_pg_backup_delete_kept(struct akd_store *st, const char *account_id,
                                                const char *device_id, const char *device_name,
                                                int64_t now, unsigned *versions)
{
        struct backup_ctx x = {.account_id = account_id,
                               .device_id = device_id,
                               .device_name = device_name,
                               .now = now};
        enum akd_store_result r = akd_pg_run(PG(st), true, run_delete_kept, &x);
        *versions = x.versions;
        if (r == AKD_STORE_OK && x.purged)
                vacuum(st, vacuum_backups);
        return r;
}

static enum akd_store_result run_undelete(struct akd_pg_conn *c, void *ctx)
{
        struct backup_ctx *x = ctx;
        uint64_t latest;
        int64_t deleted_at;
        bool deleted;
        enum akd_store_result r = backup_state(c, x->account_id, &latest, &deleted, &deleted_at);
        if (r != AKD_STORE_OK)
                return r;
        if (!deleted)
                return AKD_STORE_CONFLICT;
        /* Locked, so that a sweep waits for this undelete or goes first. */
        PGresult *res = akd_pg_exec1(c, Q_LC_KEPT_LOCK, x->account_id);
        if (res == NULL)
                return AKD_STORE_ERROR;
        int count = PQntuples(res);
        PQclear(res);
        if (count == 0 || deleted_at <= x->since)
                return AKD_STORE_GONE;
        if (run(c, Q_LC_RESTORE, x->account_id, -1) < 0 ||
            run(c, Q_LC_KEPT_DROP, x->account_id, -1) < 0 ||
            run(c, Q_LC_UNMARK_BACKUP, x->account_id, -1) < 0)
                return AKD_STORE_ERROR;
        x->latest = latest;
        x->versions = (unsigned)count;
        return AKD_STORE_OK;
}

enum akd_store_result akd_pg_backup_undelete(struct akd_store *st, const char *account_id,
                                             int64_t since, uint64_t *latest, unsigned *versions)
{
        struct backup_ctx x = {.account_id = account_id, .since = since};
        enum akd_store_result r = akd_pg_run(PG(st), true, run_undelete, &x);
        *latest = x.latest;
        *versions = x.versions;
        return r;
}

static enum akd_store_result run_backup_purge(struct akd_pg_conn *c, void *ctx)
{
        struct backup_ctx *x = ctx;
        uint64_t latest;
        int64_t deleted_at;
        bool deleted;
        enum akd_store_result r = backup_state(c, x->account_id, &latest, &deleted, &deleted_at);
        if (r != AKD_STORE_OK)
                return r;
        if (latest == 0 && !deleted)
                return AKD_STORE_NOT_FOUND;
        if (run(c, Q_BACKUP_DELETE_ALL, x->account_id, -1) < 0 ||
            run(c, Q_LC_KEPT_DROP, x->account_id, -1) < 0 || (!deleted && mark_deleted(c, x) != 0))
                return AKD_STORE_ERROR;
        return AKD_STORE_OK;
}

enum akd_store_result akd_pg_backup_purge(struct akd_store *st, const char *account_id,
                                          const char *device_id, const char *device_name,
                                          int64_t now)
{
        struct backup_ctx x = {.account_id = account_id,
                               .device_id = device_id,
                               .device_name = device_name,
                               .now = now};
        enum akd_store_result r = akd_pg_run(PG(st), true, run_backup_purge, &x);
        if (r == AKD_STORE_OK)
                vacuum(st, vacuum_backups);
        return r;
}

/* version, device_id, device_name, created_at, size from column 0. */
static void read_meta(const PGresult *r, int row, struct akd_backup_meta *m)
{
        memset(m, 0, sizeof(*m));
        m->version = (uint64_t)akd_pg_get_int(r, row, 0);
        akd_pg_get_text(r, row, 1, m->device_id, sizeof(m->device_id));
        akd_pg_get_text(r, row, 2, m->device_name, sizeof(m->device_name));
        m->created_at = akd_pg_get_int(r, row, 3);
        m->size = (size_t)akd_pg_get_int(r, row, 4);
}

static bool meta_row(const PGresult *r, int i, void *item)
{
        read_meta(r, i, item);
        return true;
}

enum akd_store_result akd_pg_backup_deleted_list(struct akd_store *st, const char *account_id,
                                                 struct akd_backup_meta **list, size_t *count)
{
        struct akd_pg_params p = akd_pg_account_and(account_id, -1);
        return akd_pg_read(PG(st), Q_LC_KEPT_LIST, &p, sizeof(**list), meta_row, (void **)list,
                           count);
}

struct kept_get {
        struct akd_backup_meta *meta;
        uint8_t **envelope;
};

static bool kept_row(const PGresult *r, int i, void *item)
{
        struct kept_get *g = item;
        size_t n = 0;
        uint8_t *copy = akd_pg_get_blob_copy(r, i, 5, &n);
        if (copy == NULL)
                return false;
        read_meta(r, i, g->meta);
        g->meta->size = n;
        *g->envelope = copy;
        return true;
}

enum akd_store_result akd_pg_backup_deleted_get(struct akd_store *st, const char *account_id,
                                                uint64_t version, struct akd_backup_meta *meta,
                                                uint8_t **envelope)
{
        struct akd_pg_params p = akd_pg_account_and(account_id, (int64_t)version);
        struct kept_get g = {meta, envelope};
        return akd_pg_read_one(PG(st), Q_LC_KEPT_GET, &p, kept_row, &g);
}

/* ---- accounts ---- */

static bool state_row(const PGresult *r, int i, void *item)
{
        struct akd_account_deleted *out = item;
        memset(out, 0, sizeof(*out));
        if (akd_pg_is_null(r, i, 0))
                return true;
        out->deleted_at = akd_pg_get_int(r, i, 0);
        akd_pg_get_text(r, i, 1, out->device_id, sizeof(out->device_id));
        akd_pg_get_text(r, i, 2, out->device_name, sizeof(out->device_name));
        return true;
}

enum akd_store_result akd_pg_account_state(struct akd_store *st, const char *account_id,
                                           struct akd_account_deleted *out)
{
        struct akd_pg_params p = akd_pg_account_and(account_id, -1);
        memset(out, 0, sizeof(*out));
        enum akd_store_result r = akd_pg_read_one(PG(st), Q_LC_ACCOUNT_STATE, &p, state_row, out);
        return r == AKD_STORE_OK && out->deleted_at > 0 ? AKD_STORE_DELETED : r;
}

struct account_ctx {
        const char *account_id, *device_id, *device_name;
        int64_t now, since;
        const uint8_t *email_hash;
        const struct akd_account *acc;
        int64_t deleted_at;
};

/* Locks the account's row: when it was deleted in *at (0: in use); NOT_FOUND. */
static enum akd_store_result account_lock(struct akd_pg_conn *c, const char *id, int64_t *at)
{
        PGresult *r = akd_pg_exec1(c, Q_LC_ACCOUNT_LOCK, id);
        if (r == NULL)
                return AKD_STORE_ERROR;
        bool found = PQntuples(r) > 0;
        *at = found ? akd_pg_get_int(r, 0, 0) : 0;
        PQclear(r);
        return found ? AKD_STORE_OK : AKD_STORE_NOT_FOUND;
}

static enum akd_store_result run_account_delete(struct akd_pg_conn *c, void *ctx)
{
        struct account_ctx *x = ctx;
        int64_t at;
        enum akd_store_result r = account_lock(c, x->account_id, &at);
        if (r != AKD_STORE_OK)
                return r;
        if (at > 0)
                return AKD_STORE_DELETED;
        struct akd_pg_params p = akd_pg_account_and(x->account_id, x->now);
        akd_pg_p_text(&p, x->device_id);
        akd_pg_p_text(&p, x->device_name);
        if (akd_pg_do(c, Q_LC_ACCOUNT_MARK, &p) < 0 ||
            run(c, Q_LC_PURGE_SESSIONS, x->account_id, -1) < 0 ||
            run(c, Q_LC_PURGE_PORTAL, x->account_id, -1) < 0)
                return AKD_STORE_ERROR;
        return AKD_STORE_OK;
}

enum akd_store_result akd_pg_account_delete(struct akd_store *st, const char *account_id,
                                            const char *device_id, const char *device_name,
                                            int64_t now)
{
        struct account_ctx x = {.account_id = account_id,
                                .device_id = device_id,
                                .device_name = device_name,
                                .now = now};
        return akd_pg_run(PG(st), true, run_account_delete, &x);
}

static enum akd_store_result run_account_undelete(struct akd_pg_conn *c, void *ctx)
{
        struct account_ctx *x = ctx;
        int64_t at;
        enum akd_store_result r = account_lock(c, x->account_id, &at);
        if (r != AKD_STORE_OK)
                return r;
        if (at == 0)
                return AKD_STORE_CONFLICT;
        if (at <= x->since)
                return AKD_STORE_GONE;
        return run(c, Q_LC_ACCOUNT_UNMARK, x->account_id, -1) < 0 ? AKD_STORE_ERROR : AKD_STORE_OK;
}

enum akd_store_result akd_pg_account_undelete(struct akd_store *st, const char *account_id,
                                              int64_t since)
{
        struct account_ctx x = {.account_id = account_id, .since = since};
        return akd_pg_run(PG(st), true, run_account_undelete, &x);
}

/* Takes the advisory lock of the email's tombstone for the transaction; 0 or -1. */
static int lock_tombstone(struct akd_pg_conn *c, const uint8_t *email_hash)
{
        char hex[2 * AKD_EMAIL_HASH_LEN + 1];
        sodium_bin2hex(hex, sizeof(hex), email_hash, AKD_EMAIL_HASH_LEN);
        return akd_pg_lock(c, AKD_PG_LOCK_TOMBSTONE, hex);
}

static enum akd_store_result run_account_purge(struct akd_pg_conn *c, void *ctx)
{
        struct account_ctx *x = ctx;
        int64_t at;
        if (x->email_hash != NULL && lock_tombstone(c, x->email_hash) != 0)
                return AKD_STORE_ERROR;
        enum akd_store_result r = account_lock(c, x->account_id, &at);
        if (r != AKD_STORE_OK)
                return r;
        /* Every table that holds rows of the account, the account's own row last. */
        for (int q = Q_LC_PURGE_SESSIONS; q <= Q_LC_PURGE_ACCOUNT; q++)
                if (run(c, (enum akd_pg_query)q, x->account_id, -1) < 0)
                        return AKD_STORE_ERROR;
        if (x->email_hash != NULL) {
                struct akd_pg_params p = {0};
                akd_pg_p_blob(&p, x->email_hash, AKD_EMAIL_HASH_LEN);
                akd_pg_p_int(&p, x->now);
                if (akd_pg_do(c, Q_LC_TOMBSTONE_PUT, &p) < 0)
                        return AKD_STORE_ERROR;
        }
        return AKD_STORE_OK;
}

enum akd_store_result akd_pg_account_purge(struct akd_store *st, const char *account_id,
                                           const uint8_t *email_hash, int64_t now)
{
        struct account_ctx x = {.account_id = account_id, .email_hash = email_hash, .now = now};
        enum akd_store_result r = akd_pg_run(PG(st), true, run_account_purge, &x);
        if (r == AKD_STORE_OK)
                vacuum(st, vacuum_account);
        return r;
}

static bool due_row(const PGresult *r, int i, void *item)
{
        struct akd_account_due *d = item;
        akd_pg_get_text(r, i, 0, d->account_id, sizeof(d->account_id));
        akd_pg_get_text(r, i, 1, d->email, sizeof(d->email));
        d->deleted_at = akd_pg_get_int(r, i, 2);
        return true;
}

enum akd_store_result akd_pg_account_purge_due(struct akd_store *st, int64_t before,
                                               struct akd_account_due **list, size_t *count)
{
        struct akd_pg_params p = {0};
        akd_pg_p_int(&p, before);
        return akd_pg_read(PG(st), Q_LC_PURGE_DUE, &p, sizeof(**list), due_row, (void **)list,
                           count);
}

struct sweep_ctx {
        int64_t before;
        unsigned purged;
};

static enum akd_store_result run_sweep(struct akd_pg_conn *c, void *ctx)
{
        struct sweep_ctx *w = ctx;
        struct akd_pg_params p = {0};
        akd_pg_p_int(&p, w->before);
        long versions = akd_pg_do(c, Q_LC_SWEEP_KEPT, &p);
        long tombstones = versions >= 0 ? akd_pg_do(c, Q_LC_SWEEP_TOMBSTONES, &p) : -1;
        if (tombstones < 0)
                return AKD_STORE_ERROR;
        w->purged = (unsigned)(versions + tombstones);
        return AKD_STORE_OK;
}

enum akd_store_result akd_pg_lifecycle_sweep(struct akd_store *st, int64_t before, unsigned *purged)
{
        struct sweep_ctx w = {.before = before};
        enum akd_store_result r = akd_pg_run(PG(st), true, run_sweep, &w);
        *purged = w.purged;
        if (r == AKD_STORE_OK && w.purged > 0)
                vacuum(st, vacuum_sweep);
        return r;
}

static enum akd_store_result run_create_fresh(struct akd_pg_conn *c, void *ctx)
{
        struct account_ctx *x = ctx;
        if (lock_tombstone(c, x->email_hash) != 0)
                return AKD_STORE_ERROR;
        struct akd_pg_params p = {0};
        akd_pg_p_blob(&p, x->email_hash, AKD_EMAIL_HASH_LEN);
        akd_pg_p_int(&p, x->since);
        int64_t at = akd_pg_one_int(c, Q_LC_TOMBSTONE_GET, &p, 0);
        if (at < 0)
                return AKD_STORE_ERROR;
        if (at > 0) {
                x->deleted_at = at;
                return AKD_STORE_GONE;
        }
        return akd_pg_account_insert(c, x->acc);
}

enum akd_store_result akd_pg_account_create_fresh(struct akd_store *st,
                                                  const struct akd_account *acc,
                                                  const uint8_t *email_hash, int64_t since,
                                                  int64_t *deleted_at)
{
        struct account_ctx x = {.acc = acc, .email_hash = email_hash, .since = since};
        enum akd_store_result r = akd_pg_run(PG(st), true, run_create_fresh, &x);
        *deleted_at = x.deleted_at;
        return r;
}
