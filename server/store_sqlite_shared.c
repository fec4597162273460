/*
 * The SQLite store's part of the state that several authkeepd processes
 * would share (store.h, docs/architecture.md): SRP sign-ins between their
 * two steps, the token buckets of the limits that hold across processes, and
 * the stamps and hints of what long-polls wait on.
 *
 * SQLite serves one process (store_sqlite.c's lock), so here these are
 * what they are for PostgreSQL in form only: the same tables, the same
 * single-statement takes, so that both stores pass the same tests. Every
 * write is a job of the writer thread, and each job's checks and changes
 * share its transaction.
 *
 * A job that changes what a long-poll waits on names its keys in j->wake;
 * run_batch moves their stamps inside the job's savepoint
 * (akd_sq_wake_bump), and after the commit the writer hands each key to the
 * hint function before the job's caller is answered (akd_sq_hint_batch).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_sqlite.h"

#define SWEEP_SECONDS 60.0
#define STAMP_KEEP_SECONDS 86400 /* a key's stamp unmoved this long goes */

/* ---- sign-ins in progress ---- */

struct login_put_job {
        struct akd_sq_job job;
        const struct akd_login *l;
        double now;
        const struct akd_login_caps *caps;
        enum akd_login_cap cap;
};

static enum akd_store_result run_login_put(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct login_put_job *pj = (struct login_put_job *)j;
        const struct akd_login *l = pj->l;
        sqlite3_stmt *q = akd_sq_stmt(c, Q_LOGIN_SWEEP);
        if (q == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_double(q, 1, pj->now);
        if (akd_sq_step_done(c, q) != 0 || (q = akd_sq_stmt(c, Q_LOGIN_COUNTS)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(q, 1, l->account_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, l->address, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_ROW) {
                sqlite3_reset(q);
                akd_sq_log_error(c->db, "sign-ins in progress");
                return AKD_STORE_ERROR;
        }
        int64_t all = sqlite3_column_int64(q, 0), account = sqlite3_column_int64(q, 1),
                address = sqlite3_column_int64(q, 2);
        sqlite3_reset(q);
        const struct akd_login_caps *caps = pj->caps;
        if (all >= caps->max) {
                pj->cap = AKD_LOGIN_CAP_ALL;
                return AKD_STORE_LIMITED;
        }
        if (caps->per_account > 0 && account >= caps->per_account) {
                pj->cap = AKD_LOGIN_CAP_ACCOUNT;
                return AKD_STORE_LIMITED;
        }
        if (caps->per_address > 0 && address >= caps->per_address) {
                pj->cap = AKD_LOGIN_CAP_ADDRESS;
                return AKD_STORE_LIMITED;
        }
        if ((q = akd_sq_text_stmt(c, Q_LOGIN_INSERT, l->id)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(q, 2, l->account_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, l->address, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 4, l->recovery);
        sqlite3_bind_int(q, 5, l->fake);
        sqlite3_bind_int64(q, 6, (sqlite3_int64)l->generation);
        sqlite3_bind_double(q, 7, l->expires_at);
        sqlite3_bind_blob(q, 8, l->sealed, sizeof(l->sealed), SQLITE_STATIC);
        return akd_sq_step_done(c, q) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

enum akd_store_result akd_sq_login_put(struct akd_store *st, const struct akd_login *l, double now,
                                       const struct akd_login_caps *caps, enum akd_login_cap *cap)
{
        struct login_put_job j = {
            .job.run = run_login_put, .job.unsynced = true, .l = l, .now = now, .caps = caps};
        enum akd_store_result r = akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
        *cap = j.cap;
        return r;
}

struct login_take_job {
        struct akd_sq_job job;
        const char *id;
        double now;
        struct akd_login *out;
};

static enum akd_store_result run_login_take(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct login_take_job *tj = (struct login_take_job *)j;
        struct akd_login *l = tj->out;
        sqlite3_stmt *q = akd_sq_text_stmt(c, Q_LOGIN_TAKE, tj->id);
        if (q == NULL)
                return AKD_STORE_ERROR;
        int rc = sqlite3_step(q);
        enum akd_store_result r = AKD_STORE_NOT_FOUND;
        if (rc == SQLITE_ROW) {
                memset(l, 0, sizeof(*l));
                snprintf(l->id, sizeof(l->id), "%s", tj->id);
                akd_sq_column_text(q, 0, l->account_id, sizeof(l->account_id));
                akd_sq_column_text(q, 1, l->address, sizeof(l->address));
                l->recovery = sqlite3_column_int(q, 2) != 0;
                l->fake = sqlite3_column_int(q, 3) != 0;
                l->generation = (uint64_t)sqlite3_column_int64(q, 4);
                l->expires_at = sqlite3_column_double(q, 5);
                const void *b = sqlite3_column_blob(q, 6);
                if (b != NULL && sqlite3_column_bytes(q, 6) == (int)sizeof(l->sealed)) {
                        memcpy(l->sealed, b, sizeof(l->sealed));
                        r = l->expires_at > tj->now ? AKD_STORE_OK : AKD_STORE_NOT_FOUND;
                }
                rc = sqlite3_step(q); /* to the end, for RETURNING's delete */
        }
        sqlite3_reset(q);
        if (rc != SQLITE_DONE) {
                akd_sq_log_error(c->db, "take a sign-in");
                return AKD_STORE_ERROR;
        }
        return r;
}

enum akd_store_result akd_sq_login_take(struct akd_store *st, const char *id, double now,
                                        struct akd_login *out)
{
        struct login_take_job j = {
            .job.run = run_login_take, .job.unsynced = true, .id = id, .now = now, .out = out};
        /* An expired sign-in goes too: NOT_FOUND commits its delete. */
        return akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
}

/* ---- token buckets ---- */

struct rate_job {
        struct akd_sq_job job;
        struct akd_sq_store *s;
        const char *key;
        double rate, burst, now;
        long wait;
};

/* Now and then, drops the buckets that are full again and the stamps long unmoved. */
static int sweep_shared(struct akd_sq_store *s, struct akd_sq_conn *c, double now)
{
        if (now - s->shared_swept < SWEEP_SECONDS)
                return 0;
        sqlite3_stmt *q = akd_sq_stmt(c, Q_RATE_SWEEP);
        if (q == NULL)
                return -1;
        sqlite3_bind_double(q, 1, now);
        if (akd_sq_step_done(c, q) != 0 || (q = akd_sq_stmt(c, Q_WAKE_SWEEP)) == NULL)
                return -1;
        sqlite3_bind_int64(q, 1, (sqlite3_int64)now - STAMP_KEEP_SECONDS);
        if (akd_sq_step_done(c, q) != 0)
                return -1;
        s->shared_swept = now;
        return 0;
}

static enum akd_store_result run_rate_take(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct rate_job *rj = (struct rate_job *)j;
        if (sweep_shared(rj->s, c, rj->now) != 0)
                return AKD_STORE_ERROR;
        sqlite3_stmt *q = akd_sq_text_stmt(c, Q_RATE_TAKE, rj->key);
        if (q == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_double(q, 2, rj->rate);
        sqlite3_bind_double(q, 3, rj->burst);
        sqlite3_bind_double(q, 4, rj->now);
        int rc = sqlite3_step(q);
        bool taken = rc == SQLITE_ROW;
        if (taken)
                rc = sqlite3_step(q);
        sqlite3_reset(q);
        if (rc != SQLITE_DONE) {
                akd_sq_log_error(c->db, "rate bucket");
                return AKD_STORE_ERROR;
        }
        rj->wait = 0;
        if (taken)
                return AKD_STORE_OK;
        /* Refused: how long until a token is there. */
        if ((q = akd_sq_text_stmt(c, Q_RATE_GET, rj->key)) == NULL)
                return AKD_STORE_ERROR;
        rc = sqlite3_step(q);
        double tokens = rc == SQLITE_ROW ? sqlite3_column_double(q, 0) : 0;
        double refilled = rc == SQLITE_ROW ? sqlite3_column_double(q, 1) : rj->now;
        sqlite3_reset(q);
        rj->wait = akd_bucket_wait(tokens, refilled, rj->rate, rj->burst, rj->now);
        return AKD_STORE_OK;
}

enum akd_store_result akd_sq_rate_take(struct akd_store *st, const char *key, double rate,
                                       double burst, double now, long *wait)
{
        struct akd_sq_store *s = (struct akd_sq_store *)st;
        struct rate_job j = {.job.run = run_rate_take,
                             .job.unsynced = true,
                             .s = s,
                             .key = key,
                             .rate = rate,
                             .burst = burst < 1 ? 1 : burst,
                             .now = now};
        *wait = 0;
        if (rate <= 0)
                return AKD_STORE_OK;
        enum akd_store_result r = akd_sq_run_sync(s, &j.job);
        *wait = j.wait;
        return r;
}

/* ---- stamps and hints ---- */

int akd_sq_wake_bump(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        int64_t now = akd_now();
        /* Microseconds as the first stamp: a key swept and stamped anew never repeats one. */
        int64_t fresh = (int64_t)(akd_wall() * 1e6);
        for (size_t i = 0; i < sizeof(j->wake) / sizeof(j->wake[0]); i++) {
                if (j->wake[i] == NULL || j->wake[i][0] == '\0')
                        continue;
                sqlite3_stmt *q = akd_sq_text_stmt(c, Q_WAKE_BUMP, j->wake[i]);
                if (q == NULL)
                        return -1;
                sqlite3_bind_int64(q, 2, fresh);
                sqlite3_bind_int64(q, 3, now);
                if (akd_sq_step_done(c, q) != 0)
                        return -1;
        }
        return 0;
}

void akd_sq_hint_batch(struct akd_sq_store *s, struct akd_sq_job *batch)
{
        pthread_mutex_lock(&s->hint_lock);
        for (struct akd_sq_job *j = batch; s->hint != NULL && j != NULL; j = j->next) {
                if (j->result != AKD_STORE_OK)
                        continue;
                for (size_t i = 0; i < sizeof(j->wake) / sizeof(j->wake[0]); i++)
                        if (j->wake[i] != NULL && j->wake[i][0] != '\0')
                                s->hint(s->hint_ctx, j->wake[i]);
        }
        pthread_mutex_unlock(&s->hint_lock);
}

void akd_sq_hints_listen(struct akd_store *st, akd_hint_fn fn, void *ctx)
{
        struct akd_sq_store *s = (struct akd_sq_store *)st;
        pthread_mutex_lock(&s->hint_lock);
        s->hint = fn;
        s->hint_ctx = ctx;
        pthread_mutex_unlock(&s->hint_lock);
}

enum akd_store_result akd_sq_wake_stamps(struct akd_store *st, const char *const *keys, size_t n,
                                         uint64_t *stamps)
{
        struct akd_sq_store *s = (struct akd_sq_store *)st;
        struct akd_sq_conn *c = akd_sq_reader_get(s);
        enum akd_store_result r = AKD_STORE_ERROR;
        if (c == NULL || akd_sq_simple(c, Q_BEGIN_READ) != 0)
                goto done;
        size_t i = 0;
        for (; i < n; i++) {
                sqlite3_stmt *q = akd_sq_text_stmt(c, Q_WAKE_GET, keys[i]);
                if (q == NULL)
                        break;
                int rc = sqlite3_step(q);
                stamps[i] = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(q, 0) : 0;
                sqlite3_reset(q);
                if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
                        akd_sq_log_error(c->db, "wake stamps");
                        break;
                }
        }
        akd_sq_simple(c, Q_COMMIT);
        if (i == n)
                r = AKD_STORE_OK;
done:
        akd_sq_reader_put(s, c);
        return r;
}
