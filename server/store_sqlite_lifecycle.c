/*
 * The SQLite store's deleted backups and accounts (store.h): a delete
 * keeps what it deletes apart (a backup's versions in deleted_backups, an
 * account marked in its row) until the server purges it. The grace period
 * is the server's rule (server/lifecycle.c); these functions only take
 * the times it gives.
 *
 * A purge is real: the writer connection deletes with secure_delete on
 * (freed pages are overwritten with zeros), and after the commit the
 * writer thread runs VACUUM, which rebuilds the file without free pages,
 * and a checkpoint that truncates the WAL, which held the pages' earlier
 * images (akd_sq_compact). Nothing of a purged row is then left in the
 * database, its -wal or its -shm.
 *
 * The statements are plain SQL that PostgreSQL runs as they are (but the
 * pragmas and VACUUM, which stay in akd_sq_compact). They are prepared at
 * each call: these are rare requests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_sqlite.h"

#define BACKUP_COLS "account_id, version, device_id, device_name, created_at, size, envelope"
#define META_COLS "version, device_id, device_name, created_at, size"

/* `sql` prepared on `c`, ?1 bound to `key` (not copied) when not NULL; NULL (logged). */
static sqlite3_stmt *prepare(struct akd_sq_conn *c, const char *sql, const char *key)
{
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(c->db, sql, -1, &q, NULL) != SQLITE_OK) {
                akd_sq_log_error(c->db, "prepare");
                sqlite3_finalize(q);
                return NULL;
        }
        if (key != NULL)
                sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
        return q;
}

/* Steps `q` (which returns no row) and finalizes it; 0 or -1 (logged). */
static int finish(struct akd_sq_conn *c, sqlite3_stmt *q)
{
        int rc = q != NULL ? akd_sq_step_done(c, q) : -1;
        sqlite3_finalize(q);
        return rc;
}

/* Binds `n` to the parameter after `key` (?2, or ?1 without a key) when `q` has it. */
static void bind_number(sqlite3_stmt *q, const char *key, int64_t n)
{
        int at = key != NULL ? 2 : 1;
        if (q != NULL && sqlite3_bind_parameter_count(q) >= at)
                sqlite3_bind_int64(q, at, n);
}

/* Runs `sql` with ?1 = `key` (when not NULL) and `n` after it; rows changed, or -1 (logged). */
static int run(struct akd_sq_conn *c, const char *sql, const char *key, int64_t n)
{
        sqlite3_stmt *q = prepare(c, sql, key);
        bind_number(q, key, n);
        return finish(c, q) == 0 ? sqlite3_changes(c->db) : -1;
}

/*
 * The one integer of `sql` (?1 = `key`, `n` after it): *out, or `none` when
 * there is no row; NULL columns read as `none` too. 0 or -1 (logged).
 */
static int one_int(struct akd_sq_conn *c, const char *sql, const char *key, int64_t n, int64_t none,
                   int64_t *out)
{
        sqlite3_stmt *q = prepare(c, sql, key);
        if (q == NULL)
                return -1;
        bind_number(q, key, n);
        int rc = sqlite3_step(q);
        *out = rc == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL
                   ? sqlite3_column_int64(q, 0)
                   : none;
        sqlite3_finalize(q);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
                akd_sq_log_error(c->db, "read");
                return -1;
        }
        return 0;
}

/* Freed pages are overwritten from now on, on the writer connection. */
static int secure_delete(struct akd_sq_conn *c)
{
        if (sqlite3_exec(c->db, "PRAGMA secure_delete = ON", NULL, NULL, NULL) != SQLITE_OK) {
                akd_sq_log_error(c->db, "secure_delete");
                return -1;
        }
        return 0;
}

void akd_sq_compact(struct akd_sq_store *s)
{
        sqlite3 *db = s->writer->db;
        /*
         * VACUUM renumbers the rowids of tables without an INTEGER PRIMARY
         * KEY, in their order: the store only ever sorts by them. It refuses
         * to run while a statement of the connection is active.
         */
        for (sqlite3_stmt *q = sqlite3_next_stmt(db, NULL); q != NULL; q = sqlite3_next_stmt(db, q))
                sqlite3_reset(q);
        if (sqlite3_exec(db, "VACUUM", NULL, NULL, NULL) != SQLITE_OK) {
                akd_sq_log_error(db, "vacuum after a purge");
                return;
        }
        int log_frames = -1, done = -1;
        int rc =
            sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log_frames, &done);
        if (rc != SQLITE_OK)
                akd_sq_log_error(db, "checkpoint after a purge");
}

/* Runs `j` on the writer and waits for its commit. */
static enum akd_store_result sync_job(struct akd_store *st, struct akd_sq_job *j)
{
        return akd_sq_run_sync((struct akd_sq_store *)st, j);
}

/* ---- backups ---- */

struct backup_job {
        struct akd_sq_job job;
        const char *account_id, *device_id, *device_name;
        int64_t now, since;
        unsigned versions;
        uint64_t latest;
};

/* Inside a job: the account's backup state: *latest, *deleted_at (0: not deleted). */
static enum akd_store_result backup_state(struct akd_sq_conn *c, const char *account_id,
                                          int64_t *latest, int64_t *deleted_at)
{
        if (one_int(c, "SELECT latest_version FROM accounts WHERE id = ?1", account_id, 0, -1,
                    latest) != 0 ||
            one_int(c, "SELECT deleted_at FROM accounts WHERE id = ?1", account_id, 0, 0,
                    deleted_at) != 0)
                return AKD_STORE_ERROR;
        return *latest < 0 ? AKD_STORE_NOT_FOUND : AKD_STORE_OK;
}

/* Marks the backup deleted at `now` by the device named; 0 or -1. */
static int mark_deleted(struct akd_sq_conn *c, const struct backup_job *b)
{
        sqlite3_stmt *q = prepare(c,
                                  "UPDATE accounts SET deleted_at = ?2, deleted_device_id = ?3, "
                                  "deleted_device_name = ?4 WHERE id = ?1",
                                  b->account_id);
        if (q == NULL)
                return -1;
        sqlite3_bind_int64(q, 2, b->now);
        sqlite3_bind_text(q, 3, b->device_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, b->device_name, -1, SQLITE_STATIC);
        return finish(c, q);
}

static enum akd_store_result run_delete_kept(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct backup_job *b = (struct backup_job *)j;
        int64_t latest, deleted_at, count;
        enum akd_store_result r = backup_state(c, b->account_id, &latest, &deleted_at);
        if (r != AKD_STORE_OK)
                return r;
        if (deleted_at > 0)
                return AKD_STORE_DELETED;
        if (one_int(c, "SELECT count(*) FROM backups WHERE account_id = ?1", b->account_id, 0, 0,
                    &count) != 0)
                return AKD_STORE_ERROR;
        if (count == 0)
                return AKD_STORE_NOT_FOUND;
        int old =
            secure_delete(c) == 0
                ? run(c, "DELETE FROM deleted_backups WHERE account_id = ?1", b->account_id, 0)
                : -1;
        if (old < 0 ||
            run(c,
                "INSERT INTO deleted_backups (" BACKUP_COLS ", deleted_at) SELECT " BACKUP_COLS
                ", ?2 FROM backups WHERE account_id = ?1",
                b->account_id, b->now) < 0 ||
            run(c, "DELETE FROM backups WHERE account_id = ?1", b->account_id, 0) < 0 ||
            mark_deleted(c, b) != 0)
                return AKD_STORE_ERROR;
        b->versions = (unsigned)count;
        j->backup_account = b->account_id;
        j->compact = old > 0; /* an earlier deleted copy went for good */
        return AKD_STORE_OK;
}

enum akd_store_result akd_sq_backup_delete_kept(struct akd_store *st, const char *account_id,
                                                const char *device_id, const char *device_name,
                                                int64_t now, unsigned *versions)
{
        struct backup_job b = {.job.run = run_delete_kept,
                               .account_id = account_id,
                               .device_id = device_id,
                               .device_name = device_name,
                               .now = now};
        enum akd_store_result r = sync_job(st, &b.job);
        *versions = b.versions;
        return r;
}

static enum akd_store_result run_undelete(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct backup_job *b = (struct backup_job *)j;
        int64_t latest, deleted_at, count;
        enum akd_store_result r = backup_state(c, b->account_id, &latest, &deleted_at);
        if (r != AKD_STORE_OK)
                return r;
        if (deleted_at == 0)
                return AKD_STORE_CONFLICT;
        if (one_int(c, "SELECT count(*) FROM deleted_backups WHERE account_id = ?1", b->account_id,
                    0, 0, &count) != 0)
                return AKD_STORE_ERROR;
        if (count == 0 || deleted_at <= b->since)
                return AKD_STORE_GONE;
        if (run(c,
                "INSERT INTO backups (" BACKUP_COLS ") SELECT " BACKUP_COLS
                " FROM deleted_backups WHERE account_id = ?1",
                b->account_id, 0) < 0 ||
            run(c, "DELETE FROM deleted_backups WHERE account_id = ?1", b->account_id, 0) < 0 ||
            run(c,
                "UPDATE accounts SET deleted_at = NULL, deleted_device_id = NULL, "
                "deleted_device_name = NULL WHERE id = ?1",
                b->account_id, 0) < 0)
                return AKD_STORE_ERROR;
        b->latest = (uint64_t)latest;
        b->versions = (unsigned)count;
        j->backup_account = b->account_id;
        return AKD_STORE_OK;
}

enum akd_store_result akd_sq_backup_undelete(struct akd_store *st, const char *account_id,
                                             int64_t since, uint64_t *latest, unsigned *versions)
{
        struct backup_job b = {.job.run = run_undelete, .account_id = account_id, .since = since};
        enum akd_store_result r = sync_job(st, &b.job);
        *latest = b.latest;
        *versions = b.versions;
        return r;
}

static enum akd_store_result run_backup_purge(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct backup_job *b = (struct backup_job *)j;
        int64_t latest, deleted_at;
        enum akd_store_result r = backup_state(c, b->account_id, &latest, &deleted_at);
        if (r != AKD_STORE_OK)
                return r;
        if (latest == 0 && deleted_at == 0)
                return AKD_STORE_NOT_FOUND;
        int live = secure_delete(c) == 0
                       ? run(c, "DELETE FROM backups WHERE account_id = ?1", b->account_id, 0)
                       : -1;
        int kept = live >= 0 ? run(c, "DELETE FROM deleted_backups WHERE account_id = ?1",
                                   b->account_id, 0)
                             : -1;
        if (kept < 0 || (deleted_at == 0 && mark_deleted(c, b) != 0))
                return AKD_STORE_ERROR;
        j->backup_account = b->account_id;
        j->compact = true;
        return AKD_STORE_OK;
}

enum akd_store_result akd_sq_backup_purge(struct akd_store *st, const char *account_id,
                                          const char *device_id, const char *device_name,
                                          int64_t now)
{
        struct backup_job b = {.job.run = run_backup_purge,
                               .account_id = account_id,
                               .device_id = device_id,
                               .device_name = device_name,
                               .now = now};
        return sync_job(st, &b.job);
}

/* Reads version, device_id, device_name, created_at, size from column 0. */
static void read_meta(sqlite3_stmt *q, struct akd_backup_meta *m)
{
        memset(m, 0, sizeof(*m));
        m->version = (uint64_t)sqlite3_column_int64(q, 0);
        akd_sq_column_text(q, 1, m->device_id, sizeof(m->device_id));
        akd_sq_column_text(q, 2, m->device_name, sizeof(m->device_name));
        m->created_at = sqlite3_column_int64(q, 3);
        m->size = (size_t)sqlite3_column_int64(q, 4);
}

/*
 * Every row of `sql` (?1 = `key` when not NULL, `n` after it) on a pooled
 * read connection, into *list (free()) of `size`-byte items each filled by
 * `row`.
 */
static enum akd_store_result read_rows(struct akd_store *st, const char *sql, const char *key,
                                       int64_t n, size_t size,
                                       void (*row)(sqlite3_stmt *q, void *item), void **list,
                                       size_t *count)
{
        struct akd_sq_store *s = (struct akd_sq_store *)st;
        struct akd_sq_conn *c = akd_sq_reader_get(s);
        char *items = NULL;
        size_t got = 0;
        sqlite3_stmt *q;
        int rc = SQLITE_ERROR;
        if (c != NULL && (q = prepare(c, sql, key)) != NULL) {
                bind_number(q, key, n);
                while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
                        char *grown = realloc(items, (got + 1) * size);
                        if (grown == NULL) {
                                rc = SQLITE_NOMEM;
                                break;
                        }
                        items = grown;
                        memset(items + got * size, 0, size);
                        row(q, items + got++ * size);
                }
                if (rc != SQLITE_DONE)
                        akd_sq_log_error(c->db, "read rows");
                sqlite3_finalize(q);
        }
        akd_sq_reader_put(s, c);
        if (rc != SQLITE_DONE) {
                free(items);
                return AKD_STORE_ERROR;
        }
        *list = items;
        *count = got;
        return AKD_STORE_OK;
}

static void meta_row(sqlite3_stmt *q, void *item)
{
        read_meta(q, item);
}

enum akd_store_result akd_sq_backup_deleted_list(struct akd_store *st, const char *account_id,
                                                 struct akd_backup_meta **list, size_t *count)
{
        return read_rows(st,
                         "SELECT " META_COLS " FROM deleted_backups WHERE account_id = ?1 ORDER "
                         "BY version DESC",
                         account_id, 0, sizeof(**list), meta_row, (void **)list, count);
}

enum akd_store_result akd_sq_backup_deleted_get(struct akd_store *st, const char *account_id,
                                                uint64_t version, struct akd_backup_meta *meta,
                                                uint8_t **envelope)
{
        struct akd_sq_store *s = (struct akd_sq_store *)st;
        struct akd_sq_conn *c = akd_sq_reader_get(s);
        enum akd_store_result r = AKD_STORE_ERROR;
        sqlite3_stmt *q;
        if (c == NULL ||
            (q = prepare(c,
                         "SELECT d.version, d.device_id, d.device_name, d.created_at, d.size, "
                         "d.envelope FROM deleted_backups d JOIN accounts a ON a.id = "
                         "d.account_id WHERE d.account_id = ?1 AND a.deleted_at IS NOT NULL AND "
                         "(d.version = ?2 OR (?2 = 0 AND d.version = (SELECT max(version) FROM "
                         "deleted_backups WHERE account_id = ?1)))",
                         account_id)) == NULL)
                goto done;
        sqlite3_bind_int64(q, 2, (sqlite3_int64)version);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_DONE) {
                r = AKD_STORE_NOT_FOUND;
        } else if (rc == SQLITE_ROW) {
                read_meta(q, meta);
                size_t n = (size_t)sqlite3_column_bytes(q, 5);
                uint8_t *copy = malloc(n > 0 ? n : 1);
                if (copy != NULL) {
                        if (n > 0)
                                memcpy(copy, sqlite3_column_blob(q, 5), n);
                        meta->size = n;
                        *envelope = copy;
                        r = AKD_STORE_OK;
                }
        } else {
                akd_sq_log_error(c->db, "deleted version");
        }
        sqlite3_finalize(q);
done:
        akd_sq_reader_put(s, c);
        return r;
}

/* ---- accounts ---- */

enum akd_store_result akd_sq_account_state(struct akd_store *st, const char *account_id,
                                           struct akd_account_deleted *out)
{
        struct akd_sq_store *s = (struct akd_sq_store *)st;
        struct akd_sq_conn *c = akd_sq_reader_get(s);
        enum akd_store_result r = AKD_STORE_ERROR;
        sqlite3_stmt *q;
        if (c != NULL && (q = prepare(c,
                                      "SELECT account_deleted_at, account_deleted_device_id, "
                                      "account_deleted_device_name FROM accounts WHERE id = ?1",
                                      account_id)) != NULL) {
                int rc = sqlite3_step(q);
                memset(out, 0, sizeof(*out));
                if (rc == SQLITE_DONE) {
                        r = AKD_STORE_NOT_FOUND;
                } else if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_NULL) {
                        r = AKD_STORE_OK;
                } else if (rc == SQLITE_ROW) {
                        out->deleted_at = sqlite3_column_int64(q, 0);
                        akd_sq_column_text(q, 1, out->device_id, sizeof(out->device_id));
                        akd_sq_column_text(q, 2, out->device_name, sizeof(out->device_name));
                        r = AKD_STORE_DELETED;
                } else {
                        akd_sq_log_error(c->db, "account state");
                }
                sqlite3_finalize(q);
        }
        akd_sq_reader_put(s, c);
        return r;
}

struct account_job {
        struct akd_sq_job job;
        const char *account_id, *device_id, *device_name;
        int64_t now, since;
        const uint8_t *email_hash;
        const struct akd_account *acc;
        int64_t deleted_at;
};

/* Inside a job: when the account was deleted (0: in use); NOT_FOUND. */
static enum akd_store_result account_deleted_at(struct akd_sq_conn *c, const char *id, int64_t *at)
{
        int64_t exists;
        if (one_int(c, "SELECT 1 FROM accounts WHERE id = ?1", id, 0, 0, &exists) != 0 ||
            one_int(c, "SELECT account_deleted_at FROM accounts WHERE id = ?1", id, 0, 0, at) != 0)
                return AKD_STORE_ERROR;
        return exists ? AKD_STORE_OK : AKD_STORE_NOT_FOUND;
}

static enum akd_store_result run_account_delete(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct account_job *a = (struct account_job *)j;
        int64_t at;
        enum akd_store_result r = account_deleted_at(c, a->account_id, &at);
        if (r != AKD_STORE_OK)
                return r;
        if (at > 0)
                return AKD_STORE_DELETED;
        sqlite3_stmt *q = prepare(c,
                                  "UPDATE accounts SET account_deleted_at = ?2, "
                                  "account_deleted_device_id = ?3, account_deleted_device_name = "
                                  "?4, generation = generation + 1 WHERE id = ?1",
                                  a->account_id);
        if (q == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_int64(q, 2, a->now);
        sqlite3_bind_text(q, 3, a->device_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, a->device_name, -1, SQLITE_STATIC);
        if (finish(c, q) != 0 ||
            run(c, "DELETE FROM sessions WHERE account_id = ?1", a->account_id, 0) < 0 ||
            akd_sq_portal_drop_account(c, a->account_id) != 0)
                return AKD_STORE_ERROR;
        j->drops_sessions = true;
        return AKD_STORE_OK;
}

enum akd_store_result akd_sq_account_delete(struct akd_store *st, const char *account_id,
                                            const char *device_id, const char *device_name,
                                            int64_t now)
{
        struct account_job a = {.job.run = run_account_delete,
                                .account_id = account_id,
                                .device_id = device_id,
                                .device_name = device_name,
                                .now = now};
        return sync_job(st, &a.job);
}

static enum akd_store_result run_account_undelete(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct account_job *a = (struct account_job *)j;
        int64_t at;
        enum akd_store_result r = account_deleted_at(c, a->account_id, &at);
        if (r != AKD_STORE_OK)
                return r;
        if (at == 0)
                return AKD_STORE_CONFLICT;
        if (at <= a->since)
                return AKD_STORE_GONE;
        return run(c,
                   "UPDATE accounts SET account_deleted_at = NULL, account_deleted_device_id = "
                   "NULL, account_deleted_device_name = NULL WHERE id = ?1",
                   a->account_id, 0) < 0
                   ? AKD_STORE_ERROR
                   : AKD_STORE_OK;
}

enum akd_store_result akd_sq_account_undelete(struct akd_store *st, const char *account_id,
                                              int64_t since)
{
        struct account_job a = {
            .job.run = run_account_undelete, .account_id = account_id, .since = since};
        return sync_job(st, &a.job);
}

/* Every table that holds rows of an account, the account's own row last. */
static const char *const account_rows[] = {
    "DELETE FROM sessions WHERE account_id = ?1",
    "DELETE FROM portal_sessions WHERE account_id = ?1",
    "DELETE FROM backups WHERE account_id = ?1",
    "DELETE FROM deleted_backups WHERE account_id = ?1",
    "DELETE FROM events WHERE account_id = ?1",
    "DELETE FROM contacts WHERE account_id = ?1",
    "DELETE FROM verify_codes WHERE account_id = ?1",
    "DELETE FROM verify_sends WHERE account_id = ?1",
    "DELETE FROM signin_requests WHERE account_id = ?1",
    "DELETE FROM signin_failures WHERE account_id = ?1",
    "DELETE FROM signin_addresses WHERE account_id = ?1",
    "DELETE FROM activations WHERE account_id = ?1",
    "DELETE FROM srp_logins WHERE account_id = ?1",
    "DELETE FROM devices WHERE account_id = ?1",
    "DELETE FROM accounts WHERE id = ?1",
};

static enum akd_store_result run_account_purge(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct account_job *a = (struct account_job *)j;
        int64_t at;
        enum akd_store_result r = account_deleted_at(c, a->account_id, &at);
        if (r != AKD_STORE_OK || secure_delete(c) != 0)
                return r != AKD_STORE_OK ? r : AKD_STORE_ERROR;
        for (size_t i = 0; i < sizeof(account_rows) / sizeof(account_rows[0]); i++)
                if (run(c, account_rows[i], a->account_id, 0) < 0)
                        return AKD_STORE_ERROR;
        if (a->email_hash != NULL) {
                sqlite3_stmt *q = prepare(c,
                                          "INSERT INTO email_tombstones (email_hash, deleted_at) "
                                          "VALUES (?1, ?2) ON CONFLICT (email_hash) DO UPDATE SET "
                                          "deleted_at = excluded.deleted_at",
                                          NULL);
                if (q == NULL)
                        return AKD_STORE_ERROR;
                sqlite3_bind_blob(q, 1, a->email_hash, AKD_EMAIL_HASH_LEN, SQLITE_STATIC);
                sqlite3_bind_int64(q, 2, a->now);
                if (finish(c, q) != 0)
                        return AKD_STORE_ERROR;
        }
        j->drops_sessions = true;
        j->backup_account = a->account_id;
        j->compact = true;
        return AKD_STORE_OK;
}

enum akd_store_result akd_sq_account_purge(struct akd_store *st, const char *account_id,
                                           const uint8_t *email_hash, int64_t now)
{
        struct account_job a = {.job.run = run_account_purge,
                                .account_id = account_id,
                                .email_hash = email_hash,
                                .now = now};
        return sync_job(st, &a.job);
}

static void due_row(sqlite3_stmt *q, void *item)
{
        struct akd_account_due *d = item;
        akd_sq_column_text(q, 0, d->account_id, sizeof(d->account_id));
        akd_sq_column_text(q, 1, d->email, sizeof(d->email));
        d->deleted_at = sqlite3_column_int64(q, 2);
}

enum akd_store_result akd_sq_account_purge_due(struct akd_store *st, int64_t before,
                                               struct akd_account_due **list, size_t *count)
{
        return read_rows(st,
                         "SELECT id, email, account_deleted_at FROM accounts WHERE "
                         "account_deleted_at <= ?1",
                         NULL, before, sizeof(**list), due_row, (void **)list, count);
}

struct sweep_job {
        struct akd_sq_job job;
        int64_t before;
        unsigned purged;
};

static enum akd_store_result run_sweep(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct sweep_job *w = (struct sweep_job *)j;
        int versions =
            secure_delete(c) == 0
                ? run(c, "DELETE FROM deleted_backups WHERE deleted_at <= ?1", NULL, w->before)
                : -1;
        int tombstones =
            versions >= 0
                ? run(c, "DELETE FROM email_tombstones WHERE deleted_at <= ?1", NULL, w->before)
                : -1;
        if (tombstones < 0)
                return AKD_STORE_ERROR;
        w->purged = (unsigned)(versions + tombstones);
        j->compact = w->purged > 0;
        return AKD_STORE_OK;
}

enum akd_store_result akd_sq_lifecycle_sweep(struct akd_store *st, int64_t before, unsigned *purged)
{
        struct sweep_job w = {.job.run = run_sweep, .before = before};
        enum akd_store_result r = sync_job(st, &w.job);
        *purged = w.purged;
        return r;
}

static enum akd_store_result run_create_fresh(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct account_job *a = (struct account_job *)j;
        sqlite3_stmt *q = prepare(c,
                                  "SELECT deleted_at FROM email_tombstones WHERE email_hash = ?1 "
                                  "AND deleted_at > ?2",
                                  NULL);
        if (q == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_blob(q, 1, a->email_hash, AKD_EMAIL_HASH_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, a->since);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW)
                a->deleted_at = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
        if (rc == SQLITE_ROW)
                return AKD_STORE_GONE;
        if (rc != SQLITE_DONE) {
                akd_sq_log_error(c->db, "tombstone");
                return AKD_STORE_ERROR;
        }
        return akd_sq_account_insert(c, a->acc);
}

enum akd_store_result akd_sq_account_create_fresh(struct akd_store *st,
                                                  const struct akd_account *acc,
                                                  const uint8_t *email_hash, int64_t since,
                                                  int64_t *deleted_at)
{
        struct account_job a = {
            .job.run = run_create_fresh, .acc = acc, .email_hash = email_hash, .since = since};
        enum akd_store_result r = sync_job(st, &a.job);
        *deleted_at = a.deleted_at;
        return r;
}
