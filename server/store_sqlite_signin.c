/*
 * The SQLite store's counts of failed sign-ins and its record of the
 * addresses that signed in to each account (store.h; the rules are
 * ratelimit.c's). A check reads at most four small rows on a pooled read
 * connection. A failure is one job of the writer: it reads its three counts
 * and writes them back inside the batch's transaction, so that failures
 * arriving at once all count, and the request is answered only once they
 * are on disk. A success is one queued job that commits with the session it
 * opens; nothing waits for it.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_sqlite.h"

#define SWEEP_SECONDS 600.0

_Static_assert(AKD_FAIL_ACCOUNT_ADDRESS == 0 && AKD_FAIL_ACCOUNT == 1 && AKD_FAIL_ADDRESS == 2,
               "Q_SIGNIN_COUNTS numbers the scopes 0, 1, 2");
#define ROW_SIGNED_IN 3

/* The statement `q` of `c` with ?1 and ?2 bound to the texts `account_id` (NULL too) and `address`.
 */
static sqlite3_stmt *pair_stmt(struct akd_sq_conn *c, enum akd_sq_query q, const char *account_id,
                               const char *address)
{
        sqlite3_stmt *s = akd_sq_stmt(c, q);
        if (s != NULL) {
                sqlite3_bind_text(s, 1, account_id, -1, SQLITE_STATIC);
                sqlite3_bind_text(s, 2, address, -1, SQLITE_STATIC);
        }
        return s;
}

enum akd_store_result akd_sq_signin_counts(struct akd_store *st, const char *account_id,
                                           const char *address,
                                           struct akd_fail_count counts[AKD_FAIL_SCOPES],
                                           double *signed_in_at)
{
        struct akd_sq_store *s = (struct akd_sq_store *)st;
        struct akd_sq_conn *c = akd_sq_reader_get(s);
        enum akd_store_result r = AKD_STORE_ERROR;
        sqlite3_stmt *q;
        memset(counts, 0, AKD_FAIL_SCOPES * sizeof(*counts));
        *signed_in_at = 0;
        if (c == NULL || (q = pair_stmt(c, Q_SIGNIN_COUNTS, account_id, address)) == NULL)
                goto done;
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
                int scope = sqlite3_column_int(q, 0);
                if (scope == ROW_SIGNED_IN) {
                        *signed_in_at = sqlite3_column_double(q, 2);
                } else if (scope >= 0 && scope < AKD_FAIL_SCOPES) {
                        counts[scope].failures = (unsigned)sqlite3_column_int64(q, 1);
                        counts[scope].last_failure = sqlite3_column_double(q, 2);
                }
        }
        if (rc == SQLITE_DONE)
                r = AKD_STORE_OK;
        else
                akd_sq_log_error(c->db, "sign-in counts");
        sqlite3_reset(q);
done:
        akd_sq_reader_put(s, c);
        return r;
}

/* ---- a failure ---- */

struct failed_job {
        struct akd_sq_job job;
        struct akd_sq_store *s;
        const char *account_id; /* NULL: no account */
        const char *address;
        double now;
        const struct akd_fail_policy *policies;
};

/* Adds one failure to the count of (account_id, address), '' meaning any. */
static enum akd_store_result count_one(struct akd_sq_conn *c, const char *account_id,
                                       const char *address, double now,
                                       const struct akd_fail_policy *p)
{
        struct akd_fail_count n = {0};
        sqlite3_stmt *q = pair_stmt(c, Q_SIGNIN_COUNT_GET, account_id, address);
        if (q == NULL)
                return AKD_STORE_ERROR;
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
                n.failures = (unsigned)sqlite3_column_int64(q, 0);
                n.last_failure = sqlite3_column_double(q, 1);
        }
        sqlite3_reset(q);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
                akd_sq_log_error(c->db, "sign-in count");
                return AKD_STORE_ERROR;
        }
        akd_fail_add(&n, now, p);
        if ((q = pair_stmt(c, Q_SIGNIN_COUNT_PUT, account_id, address)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_int64(q, 3, n.failures);
        sqlite3_bind_double(q, 4, n.last_failure);
        return akd_sq_step_done(c, q) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

/* Now and then, drops the counts that every policy has forgotten. */
static enum akd_store_result sweep_counts(struct akd_sq_conn *c, struct failed_job *f)
{
        if (f->now - f->s->signin_swept < SWEEP_SECONDS)
                return AKD_STORE_OK;
        double forget = 0;
        for (int i = 0; i < AKD_FAIL_SCOPES; i++)
                if ((double)f->policies[i].forget_after > forget)
                        forget = (double)f->policies[i].forget_after;
        sqlite3_stmt *q = akd_sq_stmt(c, Q_SIGNIN_COUNT_SWEEP);
        if (q == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_double(q, 1, f->now - forget);
        if (akd_sq_step_done(c, q) != 0)
                return AKD_STORE_ERROR;
        f->s->signin_swept = f->now;
        return AKD_STORE_OK;
}

static enum akd_store_result run_failed(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct failed_job *f = (struct failed_job *)j;
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

enum akd_store_result akd_sq_signin_failed(struct akd_store *st, const char *account_id,
                                           const char *address, double now,
                                           const struct akd_fail_policy policies[AKD_FAIL_SCOPES])
{
        struct akd_sq_store *s = (struct akd_sq_store *)st;
        struct failed_job j = {.job.run = run_failed,
                               .s = s,
                               .account_id = account_id,
                               .address = address,
                               .now = now,
                               .policies = policies};
        return akd_sq_run_sync(s, &j.job);
}

/* ---- a success ---- */

struct succeeded_job {
        struct akd_sq_job job;
        char account_id[AKD_ACCOUNT_ID_LEN + 1];
        char address[AKD_ADDRESS_KEY_MAX];
        double now, forget_before;
};

static enum akd_store_result run_succeeded(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct succeeded_job *sj = (struct succeeded_job *)j;
        sqlite3_stmt *q = pair_stmt(c, Q_SIGNIN_COUNT_DELETE, sj->account_id, sj->address);
        if (q == NULL || akd_sq_step_done(c, q) != 0)
                return AKD_STORE_ERROR;
        if ((q = akd_sq_stmt(c, Q_SIGNIN_ADDRESS_SWEEP)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(q, 1, sj->account_id, -1, SQLITE_STATIC);
        sqlite3_bind_double(q, 2, sj->forget_before);
        if (akd_sq_step_done(c, q) != 0 ||
            (q = pair_stmt(c, Q_SIGNIN_ADDRESS_PUT, sj->account_id, sj->address)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_double(q, 3, sj->now);
        return akd_sq_step_done(c, q) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

static void succeeded_done(struct akd_sq_job *j)
{
        free(j);
}

void akd_sq_signin_succeeded(struct akd_store *st, const char *account_id, const char *address,
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
        j->now = now;
        j->forget_before = forget_before;
        akd_sq_submit((struct akd_sq_store *)st, &j->job);
}
