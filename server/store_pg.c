/*
 * The PostgreSQL store (--db postgres://...): several authkeepd processes
 * may share one database, so everything that must hold across requests is
 * decided by the database itself, in transactions whose checks lock what
 * they read (SELECT ... FOR UPDATE, an advisory lock on a key) or in one
 * conditional UPDATE.
 *
 * Requests run their statements on a fixed pool of connections (--db-pool,
 * AKD_DB_POOL_DEFAULT; a thread waits for a free one). Each connection
 * prepares every statement of store_pg_sql.c right after it connects. A
 * connection found broken is closed and opened again on its next use; while
 * the server cannot be reached, attempts back off from 100 ms to 5 s and a
 * request in between gets AKD_STORE_ERROR at once, never waits for the
 * database to come back: unavailable_for tells the time to the next attempt,
 * which the HTTP layer answers as 503 unavailable with Retry-After. A
 * connection the server ends counts as the start of an outage. Whether a
 * failure was the outage's is known where it happened: the operation's
 * thread keeps it (outage_here, read by unavailable_for) and a queued write
 * carries it in its job, so that a failure answered after another thread
 * has connected again is still answered as the outage it was.
 *
 * The queued writes of store.h (backup_put, device_touch,
 * signin_succeeded) go to one writer thread with its own connection: it
 * takes every job queued so far, runs them in one transaction (each in its
 * own savepoint, in the order of their keys so that two processes' batches
 * lock rows in one order), commits once, then completes each job: concurrent
 * uploads share one commit and one WAL flush.
 *
 * The caches of store.c are not used: with several processes, a session
 * revoked or a backup uploaded through another process would not drop them.
 * A session is read at every request (one primary-key lookup), and so is a
 * backup (one row by primary key).
 *
 * What each operation does is in store_pg_query.c, store_pg_devices.c,
 * store_pg_verify.c and store_pg_orgs.c; the schema in store_pg_schema.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "store_pg.h"

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 5000
#define CONNECT_TIMEOUT "5" /* seconds */
#define TRIES 4             /* of a transaction that met a deadlock or a lost connection */
#define SESSION_SWEEP_SECONDS 600

static int64_t monotonic_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libpq's message on one line, without its trailing newline. */
static void one_line(char *out, size_t size, const char *msg)
{
        snprintf(out, size, "%s", msg != NULL && msg[0] != '\0' ? msg : "unknown error");
        for (char *p = out; *p != '\0'; p++) {
                if (*p == '\n')
                        *p = p[1] != '\0' ? ' ' : '\0';
                else if (*p == '\t')
                        *p = ' ';
        }
}

/* ---- statements ---- */

/*
 * Whether the server ended the session: a connection exception (class 08),
 * or the server shutting down, crashed or still starting (57P01..57P03).
 * libpq may not have seen the socket close yet.
 */
static bool session_ended(const char *sqlstate)
{
        return strncmp(sqlstate, "08", 2) == 0 || strcmp(sqlstate, "57P01") == 0 ||
               strcmp(sqlstate, "57P02") == 0 || strcmp(sqlstate, "57P03") == 0;
}

/* Closes a connection that broke, for its next use to open a new one. */
static void drop_if_broken(struct akd_pg_conn *c)
{
        if (c->pg != NULL && (PQstatus(c->pg) == CONNECTION_BAD || session_ended(c->sqlstate))) {
                PQfinish(c->pg);
                c->pg = NULL;
        }
}

/* Whether `r` succeeded; otherwise logs why, keeps its SQLSTATE and clears it. */
static bool result_ok(struct akd_pg_conn *c, PGresult *r, const char *what)
{
        ExecStatusType st = PQresultStatus(r);
        if (r != NULL && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK))
                return true;
        const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        snprintf(c->sqlstate, sizeof(c->sqlstate), "%s", state != NULL ? state : "");
        char msg[300];
        const char *primary = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
        one_line(msg, sizeof(msg), primary != NULL ? primary : PQerrorMessage(c->pg));
        /* A deadlock or a serialization failure is run again: not worth a line. */
        if (strcmp(c->sqlstate, "40P01") != 0 && strcmp(c->sqlstate, "40001") != 0)
                akd_log_event("store: %s: %s", what, msg);
        PQclear(r);
        drop_if_broken(c);
        return false;
}

PGresult *akd_pg_exec(struct akd_pg_conn *c, enum akd_pg_query q, const struct akd_pg_params *p)
{
        static const struct akd_pg_params none;
        char name[16], what[32];
        if (c->pg == NULL)
                return NULL;
        if (p == NULL)
                p = &none;
        snprintf(name, sizeof(name), "q%d", (int)q);
        const char *values[AKD_PG_PARAMS_MAX];
        for (int i = 0; i < p->n; i++)
                values[i] = p->is_number[i] ? p->numbers[i] : p->values[i];
        PGresult *r =
            PQexecPrepared(c->pg, name, p->n, values, p->lengths, p->formats, 0 /* text */);
        snprintf(what, sizeof(what), "statement %d", (int)q);
        return result_ok(c, r, what) ? r : NULL;
}

PGresult *akd_pg_exec1(struct akd_pg_conn *c, enum akd_pg_query q, const char *key)
{
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, key);
        return akd_pg_exec(c, q, &p);
}

long akd_pg_do(struct akd_pg_conn *c, enum akd_pg_query q, const struct akd_pg_params *p)
{
        PGresult *r = akd_pg_exec(c, q, p);
        if (r == NULL)
                return -1;
        long n = strtol(PQcmdTuples(r), NULL, 10);
        PQclear(r);
        return n;
}

int64_t akd_pg_one_int(struct akd_pg_conn *c, enum akd_pg_query q, const struct akd_pg_params *p,
                       int64_t none)
{
        PGresult *r = akd_pg_exec(c, q, p);
        if (r == NULL)
                return -1;
        int64_t v = PQntuples(r) > 0 ? akd_pg_get_int(r, 0, 0) : none;
        PQclear(r);
        return v;
}

int akd_pg_lock(struct akd_pg_conn *c, enum akd_pg_lock_class class, const char *key)
{
        struct akd_pg_params p = {0};
        akd_pg_p_int(&p, class);
        akd_pg_p_text(&p, key);
        PGresult *r = akd_pg_exec(c, Q_LOCK_KEY, &p);
        PQclear(r);
        return r != NULL ? 0 : -1;
}

enum akd_store_result akd_pg_lock_account(struct akd_pg_conn *c, const char *account_id)
{
        PGresult *r = akd_pg_exec1(c, Q_LOCK_ACCOUNT, account_id);
        if (r == NULL)
                return AKD_STORE_ERROR;
        int rows = PQntuples(r);
        PQclear(r);
        return rows > 0 ? AKD_STORE_OK : AKD_STORE_NOT_FOUND;
}

/* Runs BEGIN, COMMIT, SAVEPOINT...; 0 or -1 (logged). */
static int simple(struct akd_pg_conn *c, const char *sql)
{
        if (c->pg == NULL)
                return -1;
        PGresult *r = PQexec(c->pg, sql);
        if (!result_ok(c, r, sql))
                return -1;
        PQclear(r);
        return 0;
}

/* ---- connections ---- */

/* Prepares every statement on a new connection, in one round trip; 0 or -1 with `err`. */
static int prepare_all(PGconn *pg, char *err, size_t errlen)
{
        int failed = -1;
        if (PQenterPipelineMode(pg) != 1)
                goto fail;
        for (int q = 0; q < Q__COUNT; q++) {
                char name[16];
                snprintf(name, sizeof(name), "q%d", q);
                if (PQsendPrepare(pg, name, akd_pg_sql[q], 0, NULL) != 1)
                        goto fail;
        }
        if (PQpipelineSync(pg) != 1)
                goto fail;
        for (int q = 0; q <= Q__COUNT; q++) {
                PGresult *r = PQgetResult(pg);
                ExecStatusType st = PQresultStatus(r);
                if (q == Q__COUNT ? st != PGRES_PIPELINE_SYNC : st != PGRES_COMMAND_OK) {
                        if (failed < 0 && st == PGRES_FATAL_ERROR) {
                                char msg[300];
                                one_line(msg, sizeof(msg), PQresultErrorMessage(r));
                                snprintf(err, errlen, "cannot prepare statement %d: %s", q, msg);
                                failed = q;
                        } else if (failed < 0) {
                                failed = q;
                                snprintf(err, errlen, "cannot prepare statement %d", q);
                        }
                }
                PQclear(r);
                if (q < Q__COUNT && r != NULL)
                        PQclear(PQgetResult(pg)); /* the NULL that ends each one's results */
        }
        if (PQexitPipelineMode(pg) != 1 || failed >= 0)
                return -1;
        return 0;
fail:
        one_line(err, errlen, PQerrorMessage(pg));
        return -1;
}

/* A new connection to the store's database; NULL with `err`. */
static PGconn *connect_raw(struct akd_pg_store *s, char *err, size_t errlen)
{
        const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
        const char *const values[] = {CONNECT_TIMEOUT, "authkeepd", s->conninfo, NULL};
        PGconn *pg = PQconnectdbParams(keys, values, 1);
        if (pg != NULL && PQstatus(pg) == CONNECTION_OK)
                return pg;
        char msg[300];
        one_line(msg, sizeof(msg), pg != NULL ? PQerrorMessage(pg) : "out of memory");
        snprintf(err, errlen, "cannot connect to %s: %s", s->display, msg);
        PQfinish(pg);
        return NULL;
}

/*
 * Makes sure `c` is connected, opening it again when needed, unless the
 * last attempt failed less than the backoff ago; 0 or -1.
 */
static int conn_ensure(struct akd_pg_store *s, struct akd_pg_conn *c)
{
        if (c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK)
                return 0;
        drop_if_broken(c);
        int64_t now = monotonic_ms();
        pthread_mutex_lock(&s->pool_lock);
        bool wait = s->failing && now < s->retry_at_ms;
        if (s->failing && !wait)
                s->retry_at_ms = now + s->backoff_ms; /* this attempt is the only one meanwhile */
        pthread_mutex_unlock(&s->pool_lock);
        if (wait)
                return -1;

        char err[400];
        PGconn *pg = connect_raw(s, err, sizeof(err));
        if (pg != NULL && prepare_all(pg, err, sizeof(err)) != 0) {
                PQfinish(pg);
                pg = NULL;
        }
        pthread_mutex_lock(&s->pool_lock);
        if (pg != NULL) {
                if (s->failing)
                        akd_log_event("store: connected to %s again", s->display);
                s->failing = false;
                s->backoff_ms = BACKOFF_FIRST_MS;
        } else {
                akd_log_event("store: %s; next try in %u ms", err, s->backoff_ms);
                s->failing = true;
                s->retry_at_ms = monotonic_ms() + s->backoff_ms;
                s->backoff_ms =
                    s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff_ms * 2;
        }
        pthread_mutex_unlock(&s->pool_lock);
        c->pg = pg;
        return pg != NULL ? 0 : -1;
}

/*
 * After a failure on `c`: when its connection was lost, the store counts as
 * failing from now, so that the failure is answered as an outage (503) and
 * the next use connects again at once.
 */
static void note_lost(struct akd_pg_store *s, const struct akd_pg_conn *c)
{
        if (c->pg != NULL)
                return;
        pthread_mutex_lock(&s->pool_lock);
        if (!s->failing) {
                akd_log_event("store: lost the connection to %s", s->display);
                s->failing = true;
                s->retry_at_ms = monotonic_ms();
        }
        pthread_mutex_unlock(&s->pool_lock);
}

/*
 * Whether the last operation of this thread failed because the database
 * could not be reached (akd_pg_run sets it; unavailable_for reads it).
 */
static _Thread_local bool outage_here;

/* The whole seconds, at least 1, until the store tries to reach its database again. */
static long seconds_to_retry(struct akd_pg_store *s)
{
        long seconds = 1;
        pthread_mutex_lock(&s->pool_lock);
        int64_t left = s->failing ? s->retry_at_ms - monotonic_ms() : 0;
        /* Rounded up: an attempt due now is still worth a second. */
        if (left > 1000)
                seconds = (long)((left + 999) / 1000);
        pthread_mutex_unlock(&s->pool_lock);
        return seconds;
}

/* A free connection of the pool (waits for one), preferring an open one. */
static struct akd_pg_conn *pool_get(struct akd_pg_store *s)
{
        struct akd_pg_conn *c = NULL;
        pthread_mutex_lock(&s->pool_lock);
        for (;;) {
                for (unsigned i = 0; i < s->pool_size; i++) {
                        struct akd_pg_conn *o = &s->pool[i];
                        if (!o->busy && (c == NULL || (c->pg == NULL && o->pg != NULL)))
                                c = o;
                }
                if (c != NULL)
                        break;
                pthread_cond_wait(&s->pool_cond, &s->pool_lock);
        }
        c->busy = true;
        pthread_mutex_unlock(&s->pool_lock);
        return c;
}

long akd_pg_unavailable_for(struct akd_store *st)
{
        return outage_here ? seconds_to_retry((struct akd_pg_store *)st) : 0;
}

long akd_pg_job_retry_after(struct akd_pg_store *s, const struct akd_pg_job *j)
{
        return j->result == AKD_STORE_ERROR && j->outage ? seconds_to_retry(s) : 0;
}

static void pool_put(struct akd_pg_store *s, struct akd_pg_conn *c)
{
        pthread_mutex_lock(&s->pool_lock);
        c->busy = false;
        pthread_cond_signal(&s->pool_cond);
        pthread_mutex_unlock(&s->pool_lock);
}

/* Whether a failed attempt may run again: nothing of it was committed. */
static bool may_retry(const struct akd_pg_conn *c)
{
        if (c->at_commit)
                return false;
        return c->pg == NULL || strcmp(c->sqlstate, "40P01") == 0 ||
               strcmp(c->sqlstate, "40001") == 0;
}

enum akd_store_result akd_pg_run(struct akd_pg_store *s, bool tx,
                                 enum akd_store_result (*fn)(struct akd_pg_conn *c, void *ctx),
                                 void *ctx)
{
        enum akd_store_result r = AKD_STORE_ERROR;
        outage_here = false;
        for (int attempt = 0; attempt < TRIES; attempt++) {
                struct akd_pg_conn *c = pool_get(s);
                c->at_commit = false;
                c->sqlstate[0] = '\0';
                if (conn_ensure(s, c) != 0) {
                        pool_put(s, c);
                        outage_here = true;
                        return AKD_STORE_ERROR;
                }
                r = AKD_STORE_ERROR;
                if (!tx || simple(c, "BEGIN") == 0) {
                        r = fn(c, ctx);
                        if (tx && r == AKD_STORE_ERROR) {
                                if (c->pg != NULL && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
                                        PQclear(PQexec(c->pg, "ROLLBACK"));
                        } else if (tx) {
                                c->at_commit = true;
                                if (simple(c, "COMMIT") != 0)
                                        r = AKD_STORE_ERROR;
                        }
                }
                bool again = r == AKD_STORE_ERROR && may_retry(c);
                if (r == AKD_STORE_ERROR && !again)
                        note_lost(s, c);
                outage_here = r == AKD_STORE_ERROR && c->pg == NULL;
                pool_put(s, c);
                if (!again)
                        return r;
        }
        return r;
}

/* ---- reading rows ---- */

struct read_ctx {
        enum akd_pg_query q;
        const struct akd_pg_params *p;
        size_t size;
        bool (*row)(const PGresult *r, int i, void *item);
        void **list;
        size_t *count;
        void *one; /* akd_pg_read_one's out */
};

static enum akd_store_result read_rows(struct akd_pg_conn *c, void *ctx)
{
        struct read_ctx *x = ctx;
        PGresult *r = akd_pg_exec(c, x->q, x->p);
        if (r == NULL)
                return AKD_STORE_ERROR;
        int rows = PQntuples(r);
        enum akd_store_result res = AKD_STORE_OK;
        if (x->one != NULL) {
                res = rows == 0              ? AKD_STORE_NOT_FOUND
                      : x->row(r, 0, x->one) ? AKD_STORE_OK
                                             : AKD_STORE_ERROR;
        } else {
                char *items = malloc((size_t)(rows > 0 ? rows : 1) * x->size);
                size_t n = 0;
                for (int i = 0; items != NULL && i < rows; i++)
                        if (x->row(r, i, items + n * x->size))
                                n++;
                *x->list = items;
                *x->count = n;
                res = items != NULL ? AKD_STORE_OK : AKD_STORE_ERROR;
        }
        PQclear(r);
        return res;
}

enum akd_store_result akd_pg_read(struct akd_pg_store *s, enum akd_pg_query q,
                                  const struct akd_pg_params *p, size_t size,
                                  bool (*row)(const PGresult *r, int i, void *item), void **list,
                                  size_t *count)
{
        struct read_ctx x = {
            .q = q, .p = p, .size = size, .row = row, .list = list, .count = count};
        return akd_pg_run(s, false, read_rows, &x);
}

enum akd_store_result akd_pg_read_one(struct akd_pg_store *s, enum akd_pg_query q,
                                      const struct akd_pg_params *p,
                                      bool (*row)(const PGresult *r, int i, void *item), void *out)
{
        struct read_ctx x = {.q = q, .p = p, .row = row, .one = out};
        return akd_pg_run(s, false, read_rows, &x);
}

/* ---- the writer thread and group commit ---- */

void akd_pg_submit(struct akd_pg_store *s, struct akd_pg_job *j)
{
        j->next = NULL;
        pthread_mutex_lock(&s->queue_lock);
        if (s->queue_tail != NULL)
                s->queue_tail->next = j;
        else
                s->queue_head = j;
        s->queue_tail = j;
        pthread_cond_signal(&s->queue_cond);
        pthread_mutex_unlock(&s->queue_lock);
}

static int by_order(const void *a, const void *b)
{
        const struct akd_pg_job *x = *(struct akd_pg_job *const *)a;
        const struct akd_pg_job *y = *(struct akd_pg_job *const *)b;
        return strcmp(x->order != NULL ? x->order : "", y->order != NULL ? y->order : "");
}

/* After a failed batch: its jobs failed with the outage when the writer has no connection. */
static void mark_outage(struct akd_pg_job **jobs, size_t n, const struct akd_pg_conn *c)
{
        for (size_t i = 0; i < n; i++)
                jobs[i]->outage = c->pg == NULL;
}

/* Runs the batch once in one transaction; false when it may run again. */
static bool batch_once(struct akd_pg_store *s, struct akd_pg_job **jobs, size_t n)
{
        struct akd_pg_conn *c = &s->writer;
        c->at_commit = false;
        c->sqlstate[0] = '\0';
        bool retry = false;
        for (size_t i = 0; i < n; i++) {
                jobs[i]->result = AKD_STORE_ERROR;
                jobs[i]->outage = false;
        }
        if (conn_ensure(s, c) != 0 || simple(c, "BEGIN") != 0) {
                mark_outage(jobs, n, c);
                return !may_retry(c);
        }
        for (size_t i = 0; i < n && c->pg != NULL; i++) {
                if (simple(c, "SAVEPOINT job") != 0)
                        break;
                jobs[i]->result = jobs[i]->run(c, jobs[i]);
                if (jobs[i]->result == AKD_STORE_ERROR && may_retry(c)) {
                        retry = true; /* a deadlock or a lost connection: the whole batch again */
                        break;
                }
                if (jobs[i]->result == AKD_STORE_ERROR &&
                    simple(c, "ROLLBACK TO SAVEPOINT job") != 0)
                        break;
                if (simple(c, "RELEASE SAVEPOINT job") != 0)
                        break;
        }
        bool whole = c->pg != NULL && PQtransactionStatus(c->pg) == PQTRANS_INTRANS && !retry;
        if (whole) {
                c->at_commit = true;
                if (simple(c, "COMMIT") == 0)
                        return true;
        } else if (c->pg != NULL) {
                PQclear(PQexec(c->pg, "ROLLBACK"));
        }
        for (size_t i = 0; i < n; i++)
                jobs[i]->result = AKD_STORE_ERROR;
        note_lost(s, c);
        mark_outage(jobs, n, c);
        return !may_retry(c);
}

static enum akd_store_result run_sweep(struct akd_pg_conn *c, struct akd_pg_job *j)
{
        (void)j;
        struct akd_pg_params p = {0};
        akd_pg_p_int(&p, akd_now());
        return akd_pg_do(c, Q_SESSION_SWEEP, &p) >= 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

static void run_batch(struct akd_pg_store *s, struct akd_pg_job *batch)
{
        struct akd_pg_job sweep = {.run = run_sweep, .order = ""};
        size_t n = 0, i = 0;
        for (struct akd_pg_job *j = batch; j != NULL; j = j->next)
                n++;
        bool sweeping = akd_now() - s->sessions_swept >= SESSION_SWEEP_SECONDS;
        struct akd_pg_job **jobs = calloc(n + 1, sizeof(*jobs));
        if (jobs == NULL) {
                for (struct akd_pg_job *j = batch; j != NULL; j = j->next)
                        j->result = AKD_STORE_ERROR;
                return;
        }
        if (sweeping) {
                jobs[i++] = &sweep;
                s->sessions_swept = akd_now();
        }
        for (struct akd_pg_job *j = batch; j != NULL; j = j->next)
                jobs[i++] = j;
        qsort(jobs, i, sizeof(*jobs), by_order);
        for (int attempt = 0; attempt < TRIES && !batch_once(s, jobs, i); attempt++)
                ;
        free(jobs);
}

static void *writer_main(void *arg)
{
        struct akd_pg_store *s = arg;
        for (;;) {
                pthread_mutex_lock(&s->queue_lock);
                while (s->queue_head == NULL && !s->stopping)
                        pthread_cond_wait(&s->queue_cond, &s->queue_lock);
                struct akd_pg_job *batch = s->queue_head;
                s->queue_head = s->queue_tail = NULL;
                pthread_mutex_unlock(&s->queue_lock);
                if (batch == NULL)
                        break; /* stopping, and nothing left */
                run_batch(s, batch);
                while (batch != NULL) {
                        struct akd_pg_job *next = batch->next;
                        batch->done(batch); /* may free the job */
                        batch = next;
                }
        }
        return NULL;
}

/* ---- opening and closing ---- */

void akd_pg_close(struct akd_store *st)
{
        struct akd_pg_store *s = (struct akd_pg_store *)st;
        if (s == NULL)
                return;
        akd_pg_hints_listen(st, NULL, NULL); /* the LISTEN thread, if any */
        if (s->writer_started) {
                pthread_mutex_lock(&s->queue_lock);
                s->stopping = true;
                pthread_cond_signal(&s->queue_cond);
                pthread_mutex_unlock(&s->queue_lock);
                pthread_join(s->writer_thread, NULL);
        }
        for (unsigned i = 0; s->pool != NULL && i < s->pool_size; i++)
                PQfinish(s->pool[i].pg);
        free(s->pool);
        PQfinish(s->writer.pg);
        pthread_mutex_destroy(&s->pool_lock);
        pthread_cond_destroy(&s->pool_cond);
        pthread_mutex_destroy(&s->queue_lock);
        pthread_cond_destroy(&s->queue_cond);
        if (s->conninfo != NULL)
                sodium_memzero(s->conninfo, strlen(s->conninfo)); /* it may hold a password */
        free(s->conninfo);
        free(s);
}

/*
 * Opens the store on `url` (postgresql://...) with `pool` connections for
 * requests: the schema is ready, the writer started.
 */
static struct akd_store *pg_open(const char *url, unsigned pool, char *err, size_t errlen)
{
        if (pool == 0)
                pool = AKD_DB_POOL_DEFAULT;
        if (pool > AKD_DB_POOL_MAX) {
                snprintf(err, errlen, "--db-pool: from 1 to %d connections", AKD_DB_POOL_MAX);
                return NULL;
        }
        struct akd_pg_store *s = calloc(1, sizeof(*s));
        if (s == NULL || (s->conninfo = strdup(url)) == NULL ||
            (s->pool = calloc(pool, sizeof(*s->pool))) == NULL) {
                snprintf(err, errlen, "out of memory");
                if (s != NULL)
                        free(s->conninfo);
                free(s);
                return NULL;
        }
        s->pool_size = pool;
        s->base.ops = &akd_pg_ops;
        s->backoff_ms = BACKOFF_FIRST_MS;
        pthread_mutex_init(&s->pool_lock, NULL);
        pthread_cond_init(&s->pool_cond, NULL);
        pthread_mutex_init(&s->queue_lock, NULL);
        pthread_cond_init(&s->queue_cond, NULL);
        if (akd_pg_url_check(url, s->display, sizeof(s->display), err, errlen) != 0)
                goto fail;
        char why[400];
        PGconn *pg = connect_raw(s, err, errlen);
        if (pg == NULL)
                goto fail;
        s->writer.pg = pg;
        if (akd_pg_schema_prepare(pg, why, sizeof(why)) != 0 ||
            prepare_all(pg, why, sizeof(why)) != 0) {
                snprintf(err, errlen, "%s: %s", s->display, why);
                goto fail;
        }
        s->sessions_swept = 0;
        if (pthread_create(&s->writer_thread, NULL, writer_main, s) != 0) {
                snprintf(err, errlen, "cannot start the writer thread");
                goto fail;
        }
        s->writer_started = true;
        return &s->base;
fail:
        akd_pg_close(&s->base);
        return NULL;
}

/* store.c strips the scheme ("postgres:" or "postgresql:"); libpq takes either back. */
static struct akd_store *open_rest(const char *rest, unsigned pool, char *err, size_t errlen)
{
        size_t n = strlen(rest) + sizeof("postgresql:");
        char *url = malloc(n);
        if (url == NULL) {
                snprintf(err, errlen, "out of memory");
                return NULL;
        }
        snprintf(url, n, "postgresql:%s", rest);
        struct akd_store *st = pg_open(url, pool, err, errlen);
        sodium_memzero(url, n);
        free(url);
        return st;
}

struct akd_store *akd_store_pg_open(const char *rest, unsigned pool, char *err, size_t errlen)
{
        return open_rest(rest, pool, err, errlen);
}

/*
 * Nothing is cached, and PostgreSQL orders writers: `authkeepd admin` opens
 * it as the server does, with one connection for its one thread.
 */
struct akd_store *akd_store_pg_open_shared(const char *rest, char *err, size_t errlen)
{
        return open_rest(rest, 1, err, errlen);
}
