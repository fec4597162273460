/*
 * The PostgreSQL store's counts of failed sign-ins and its record of the
 * addresses that signed in (store.h; the rules are ratelimit.c's). A
 * failure makes each of its three counts exist, locks it (FOR UPDATE) and
 * writes it back in one transaction: failures arriving at once through
 * several processes all count, and a lockout decided by one holds in all.
 * A success is a job of the writer, queued; nothing waits for it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

#define PG(st) ((struct akd_pg_store *)(st))
#define SWEEP_SECONDS 600.0

_Static_assert(AKD_FAIL_ACCOUNT_ADDRESS == 0 && AKD_FAIL_ACCOUNT == 1 && AKD_FAIL_ADDRESS == 2,
               "Q_SIGNIN_COUNTS numbers the scopes 0, 1, 2");
#define ROW_SIGNED_IN 3

static struct akd_pg_params pair(const char *account_id, const char *address)
{
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, account_id);
        akd_pg_p_text(&p, address);
        return p;
}

struct counts_ctx {
        struct akd_pg_params p;
        struct akd_fail_count *counts;
        double *signed_in_at;
};

static enum akd_store_result run_counts(struct akd_pg_conn *c, void *ctx)
{
        struct counts_ctx *x = ctx;
        PGresult *r = akd_pg_exec(c, Q_SIGNIN_COUNTS, &x->p);
        if (r == NULL)
                return AKD_STORE_ERROR;
        for (int i = 0; i < PQntuples(r); i++) {
                int scope = (int)akd_pg_get_int(r, i, 0);
                if (scope == ROW_SIGNED_IN) {
                        *x->signed_in_at = akd_pg_get_double(r, i, 2);
                } else if (scope >= 0 && scope < AKD_FAIL_SCOPES) {
                        x->counts[scope].failures = (unsigned)akd_pg_get_int(r, i, 1);
                        x->counts[scope].last_failure = akd_pg_get_double(r, i, 2);
                }
        }
        PQclear(r);
        return AKD_STORE_OK;
}

enum akd_store_result akd_pg_signin_counts(struct akd_store *st, const char *account_id,
                                           const char *address,
                                           struct akd_fail_count counts[AKD_FAIL_SCOPES],
                                           double *signed_in_at)
{
        struct counts_ctx x = {pair(account_id, address), counts, signed_in_at};
        memset(counts, 0, AKD_FAIL_SCOPES * sizeof(*counts));
        *signed_in_at = 0;
        enum akd_store_result r = akd_pg_run(PG(st), false, run_counts, &x);
        if (r != AKD_STORE_OK) {
                memset(counts, 0, AKD_FAIL_SCOPES * sizeof(*counts));
                *signed_in_at = 0;
        }
        return r;
}

struct failed_ctx {
        struct akd_pg_store *s;
        const char *account_id; /* NULL: no account */
        const char *address;
        double now;
        const struct akd_fail_policy *policies;
};

/* Adds one failure to the count of (account_id, address), '' meaning any. */
static enum akd_store_result count_one(struct akd_pg_conn *c, const char *account_id,
                                       const char *address, double now,
                                       const struct akd_fail_policy *policy)
{
        struct akd_pg_params p = pair(account_id, address);
        struct akd_fail_count n = {0};
        if (akd_pg_do(c, Q_SIGNIN_COUNT_ENSURE, &p) < 0)
                return AKD_STORE_ERROR;
        PGresult *r = akd_pg_exec(c, Q_SIGNIN_COUNT_GET, &p);
        if (r == NULL)
                return AKD_STORE_ERROR;
        if (PQntuples(r) > 0) {
                n.failures = (unsigned)akd_pg_get_int(r, 0, 0);
                n.last_failure = akd_pg_get_double(r, 0, 1);
        }
        PQclear(r);
        akd_fail_add(&n, now, policy);
        akd_pg_p_int(&p, n.failures);
        akd_pg_p_double(&p, n.last_failure);
        return akd_pg_do(c, Q_SIGNIN_COUNT_SET, &p) >= 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

/* Now and then, drops the counts that every policy has forgotten. */
static enum akd_store_result sweep_counts(struct akd_pg_conn *c, struct failed_ctx *f)
{
        if (f->now - f->s->signin_swept < SWEEP_SECONDS)
                return AKD_STORE_OK;
        double forget = 0;
        for (int i = 0; i < AKD_FAIL_SCOPES; i++)
                if ((double)f->policies[i].forget_after > forget)
                        forget = (double)f->policies[i].forget_after;
        struct akd_pg_params p = {0};
        akd_pg_p_double(&p, f->now - forget);
        if (akd_pg_do(c, Q_SIGNIN_COUNT_SWEEP, &p) < 0)
                return AKD_STORE_ERROR;
        f->s->signin_swept = f->now; /* a race here only sweeps twice */
        return AKD_STORE_OK;
}

static enum akd_store_result run_failed(struct akd_pg_conn *c, void *ctx)
{
        struct failed_ctx *f = ctx;
        /* Always in this order, so that two failures at once do not deadlock. */
        const char *keys[AKD_FAIL_SCOPES][2] = {
            [AKD_FAIL_ACCOUNT_ADDRESS] = {f->account_id, f->address},
            [AKD_FAIL_ACCOUNT] = {f->account_id, ""},
            [AKD_FAIL_ADDRESS] = {"", f->address},
        };
        for (int i = 0; i < AKD_FAIL_SCOPES; i++) {
                if (keys[i][0] != NULL &&
                    count_one(c, keys[i][0], keys[i][1], f->now, &f->policies[i]) != AKD_STORE_OK)
                        return AKD_STORE_ERROR;
        }
        return sweep_counts(c, f);
}

enum akd_store_result akd_pg_signin_failed(struct akd_store *st, const char *account_id,
                                           const char *address, double now,
                                           const struct akd_fail_policy policies[AKD_FAIL_SCOPES])
{
        struct failed_ctx f = {PG(st), account_id, address, now, policies};
        return akd_pg_run(PG(st), true, run_failed, &f);
}

struct succeeded_job {
        struct akd_pg_job job;
        char account_id[AKD_ACCOUNT_ID_LEN + 1];
        char address[AKD_ADDRESS_KEY_MAX];
        double now, forget_before;
};

static enum akd_store_result run_succeeded(struct akd_pg_conn *c, struct akd_pg_job *j)
{
        struct succeeded_job *sj = (struct succeeded_job *)j;
        struct akd_pg_params p = pair(sj->account_id, sj->address);
        if (akd_pg_do(c, Q_SIGNIN_COUNT_DELETE, &p) < 0)
                return AKD_STORE_ERROR;
        struct akd_pg_params q = {0};
        akd_pg_p_text(&q, sj->account_id);
        akd_pg_p_double(&q, sj->forget_before);
        if (akd_pg_do(c, Q_SIGNIN_ADDRESS_SWEEP, &q) < 0)
                return AKD_STORE_ERROR;
        akd_pg_p_double(&p, sj->now);
        return akd_pg_do(c, Q_SIGNIN_ADDRESS_PUT, &p) >= 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

static void succeeded_done(struct akd_pg_job *j)
{
        free(j);
}

void akd_pg_signin_succeeded(struct akd_store *st, const char *account_id, const char *address,
                             double now, double forget_before)
{
        struct succeeded_job *j = calloc(1, sizeof(*j));
        if (j == NULL) {
                akd_log_event("store: out of memory to record a sign-in");
                return;
        }
        j->job.run = run_succeeded;
        j->job.done = succeeded_done;
        snprintf(j->account_id, sizeof(j->account_id), "%s", account_id);
        snprintf(j->address, sizeof(j->address), "%s", address);
        j->job.order = j->account_id;
        j->now = now;
        j->forget_before = forget_before;
        akd_pg_submit(PG(st), &j->job);
}
