/*
 * The PostgreSQL store's devices, push sign-in requests and events
 * (store.h), with the results of store_sqlite_devices.c. What must hold
 * across processes is decided in the database: a device cap under the
 * account's row lock, a device id under an advisory lock while it is
 * registered, a TOTP step and a request's answer by one conditional
 * UPDATE, an email's request cap and its one pending request under an
 * advisory lock on the email.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

#define PG(st) ((struct akd_pg_store *)(st))

/* Requests expired this long ago go when a new one is made. */
#define SIGNIN_KEEP_SECONDS 3600

static bool device_row(const PGresult *r, int i, void *item)
{
        struct akd_device *d = item;
        memset(d, 0, sizeof(*d));
        akd_pg_get_text(r, i, 0, d->id, sizeof(d->id));
        akd_pg_get_text(r, i, 1, d->account_id, sizeof(d->account_id));
        akd_pg_get_text(r, i, 2, d->name, sizeof(d->name));
        d->last_step = (uint64_t)akd_pg_get_int(r, i, 5);
        d->registered_at = akd_pg_get_int(r, i, 6);
        d->last_used = akd_pg_get_int(r, i, 7);
        d->verified_at = akd_pg_get_int(r, i, 8);
        return akd_pg_get_blob(r, i, 3, d->public_key, sizeof(d->public_key), sizeof(d->public_key),
                               NULL) &&
               akd_pg_get_blob(r, i, 4, d->totp_secret, sizeof(d->totp_secret),
                               sizeof(d->totp_secret), NULL);
}

static const char *const state_names[] = {
    [AKD_SIGNIN_PENDING] = "pending",
    [AKD_SIGNIN_APPROVED] = "approved",
    [AKD_SIGNIN_DENIED] = "denied",
    [AKD_SIGNIN_EXPIRED] = "expired",
};

static enum akd_signin_state state_of(const char *name)
{
        for (int i = 0; i < 4; i++)
                if (strcmp(state_names[i], name) == 0)
                        return (enum akd_signin_state)i;
        return AKD_SIGNIN_EXPIRED;
}

static bool signin_row(const PGresult *r, int i, void *item)
{
        struct akd_signin *s = item;
        char state[16];
        memset(s, 0, sizeof(*s));
        akd_pg_get_text(r, i, 0, s->c.request_id, sizeof(s->c.request_id));
        akd_pg_get_text(r, i, 1, s->account_id, sizeof(s->account_id));
        s->number = (unsigned)akd_pg_get_int(r, i, 3);
        akd_pg_get_text(r, i, 4, s->c.origin, sizeof(s->c.origin));
        akd_pg_get_text(r, i, 5, s->c.account, sizeof(s->c.account));
        akd_pg_get_text(r, i, 6, s->c.from, sizeof(s->c.from));
        akd_pg_get_text(r, i, 7, s->c.app, sizeof(s->c.app));
        s->c.created_at = akd_pg_get_int(r, i, 8);
        s->c.expires_at = akd_pg_get_int(r, i, 9);
        akd_pg_get_text(r, i, 10, state, sizeof(state));
        s->state = state_of(state);
        return akd_pg_get_blob(r, i, 2, s->c.nonce, sizeof(s->c.nonce), sizeof(s->c.nonce), NULL);
}

static bool event_row(const PGresult *r, int i, void *item)
{
        struct akd_event *ev = item;
        memset(ev, 0, sizeof(*ev));
        ev->at = akd_pg_get_int(r, i, 0);
        akd_pg_get_text(r, i, 1, ev->kind, sizeof(ev->kind));
        akd_pg_get_text(r, i, 2, ev->device_id, sizeof(ev->device_id));
        akd_pg_get_text(r, i, 3, ev->from, sizeof(ev->from));
        akd_pg_get_text(r, i, 4, ev->app, sizeof(ev->app));
        return true;
}

int akd_pg_add_event(struct akd_pg_conn *c, const char *account_id, int64_t at, const char *kind,
                     const char *device_id, const char *from, const char *app)
{
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, account_id);
        akd_pg_p_int(&p, at);
        akd_pg_p_text(&p, kind);
        akd_pg_p_text(&p, device_id);
        akd_pg_p_text(&p, from);
        akd_pg_p_text(&p, app);
        return akd_pg_do(c, Q_EVENT_ADD, &p) >= 0 ? 0 : -1;
}

static struct akd_pg_params two_texts(const char *a, const char *b)
{
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, a);
        akd_pg_p_text(&p, b);
        return p;
}

/* ---- devices ---- */

/* The account of the active device `id` into `owner` ("" for none); 0 or -1. */
static int device_owner(struct akd_pg_conn *c, const char *id, char owner[AKD_ACCOUNT_ID_LEN + 1])
{
        PGresult *r = akd_pg_exec1(c, Q_DEVICE_OWNER, id);
        owner[0] = '\0';
        if (r == NULL)
                return -1;
        if (PQntuples(r) > 0)
                akd_pg_get_text(r, 0, 0, owner, AKD_ACCOUNT_ID_LEN + 1);
        PQclear(r);
        return 0;
}

/* The account's active devices but `device_id`; -1 on failure. */
static int64_t other_devices(struct akd_pg_conn *c, const char *account_id, const char *device_id)
{
        struct akd_pg_params p = two_texts(account_id, device_id);
        return akd_pg_one_int(c, Q_DEVICE_COUNT, &p, 0);
}

/* Whether `d` registers verified, into d->verified_at (store_sqlite_devices.c says when). */
static int device_verified_at(struct akd_pg_conn *c, struct akd_device *d)
{
        struct akd_pg_params p = two_texts(d->id, d->account_id);
        PGresult *r = akd_pg_exec(c, Q_DEVICE_KEY, &p);
        if (r == NULL)
                return -1;
        uint8_t key[sizeof(d->public_key)];
        bool kept = PQntuples(r) > 0 && !akd_pg_is_null(r, 0, 1) &&
                    akd_pg_get_blob(r, 0, 0, key, sizeof(key), sizeof(key), NULL) &&
                    memcmp(key, d->public_key, sizeof(key)) == 0;
        d->verified_at = kept ? akd_pg_get_int(r, 0, 1) : 0;
        PQclear(r);
        if (kept)
                return 0;
        struct akd_pg_params v = two_texts(d->account_id, d->id);
        int64_t vouched = akd_pg_one_int(c, Q_DEVICE_VOUCHED, &v, 0);
        if (vouched < 0)
                return -1;
        if (vouched == 0)
                d->verified_at = d->registered_at;
        return 0;
}

struct device_put_ctx {
        struct akd_device *d;
        unsigned max;
        const char *from;
        int64_t now; /* d->registered_at as given: a try run again starts from it */
        bool created;
};

static enum akd_store_result run_device_put(struct akd_pg_conn *c, void *ctx)
{
        struct device_put_ctx *x = ctx;
        struct akd_device *d = x->d;
        char owner[AKD_ACCOUNT_ID_LEN + 1];
        d->registered_at = x->now;
        d->verified_at = 0;
        enum akd_store_result r = akd_pg_lock_account(c, d->account_id);
        if (r != AKD_STORE_OK)
                return r == AKD_STORE_NOT_FOUND ? AKD_STORE_ERROR : r;
        if (akd_pg_lock(c, AKD_PG_LOCK_DEVICE, d->id) != 0 || device_owner(c, d->id, owner) != 0)
                return AKD_STORE_ERROR;
        if (owner[0] != '\0' && strcmp(owner, d->account_id) != 0)
                return AKD_STORE_EXISTS;
        x->created = owner[0] == '\0';
        int64_t others = other_devices(c, d->account_id, d->id);
        if (others < 0)
                return AKD_STORE_ERROR;
        if ((uint64_t)others >= x->max)
                return AKD_STORE_LIMITED;
        if (device_verified_at(c, d) != 0)
                return AKD_STORE_ERROR;
        struct akd_pg_params p = two_texts(d->id, d->account_id);
        akd_pg_p_text(&p, d->name);
        akd_pg_p_blob(&p, d->public_key, sizeof(d->public_key));
        akd_pg_p_blob(&p, d->totp_secret, sizeof(d->totp_secret));
        akd_pg_p_int(&p, d->registered_at);
        if (d->verified_at > 0)
                akd_pg_p_int(&p, d->verified_at);
        else
                akd_pg_p_null(&p);
        int64_t at = akd_pg_one_int(c, Q_DEVICE_PUT, &p, -1);
        if (at < 0)
                return AKD_STORE_ERROR;
        d->registered_at = at;
        return akd_pg_add_event(c, d->account_id, x->now, "device_added", d->id, x->from, "") == 0
                   ? AKD_STORE_OK
                   : AKD_STORE_ERROR;
}

enum akd_store_result akd_pg_device_put(struct akd_store *st, struct akd_device *d,
                                        unsigned max_devices, const char *from, bool *created)
{
        struct device_put_ctx x = {
            .d = d, .max = max_devices, .from = from, .now = d->registered_at};
        enum akd_store_result r = akd_pg_run(PG(st), true, run_device_put, &x);
        *created = x.created;
        return r;
}

enum akd_store_result akd_pg_device_list(struct akd_store *st, const char *account_id,
                                         struct akd_device **list, size_t *count)
{
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, account_id);
        return akd_pg_read(PG(st), Q_DEVICE_LIST, &p, sizeof(**list), device_row, (void **)list,
                           count);
}

enum akd_store_result akd_pg_device_get(struct akd_store *st, const char *device_id,
                                        struct akd_device *out)
{
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, device_id);
        return akd_pg_read_one(PG(st), Q_DEVICE_GET, &p, device_row, out);
}

struct device_remove_ctx {
        const char *account_id, *device_id, *from;
        bool force;
        int64_t now;
};

static enum akd_store_result run_device_remove(struct akd_pg_conn *c, void *ctx)
{
        struct device_remove_ctx *x = ctx;
        char owner[AKD_ACCOUNT_ID_LEN + 1];
        enum akd_store_result r = akd_pg_lock_account(c, x->account_id);
        if (r != AKD_STORE_OK)
                return r;
        if (device_owner(c, x->device_id, owner) != 0)
                return AKD_STORE_ERROR;
        if (strcmp(owner, x->account_id) != 0)
                return AKD_STORE_NOT_FOUND;
        if (!x->force) {
                int64_t others = other_devices(c, x->account_id, x->device_id);
                if (others < 0)
                        return AKD_STORE_ERROR;
                if (others == 0)
                        return AKD_STORE_CONFLICT;
        }
        struct akd_pg_params p = two_texts(x->account_id, x->device_id);
        akd_pg_p_int(&p, x->now);
        if (akd_pg_do(c, Q_DEVICE_REMOVE, &p) < 0)
                return AKD_STORE_ERROR;
        return akd_pg_add_event(c, x->account_id, x->now, "device_removed", x->device_id, x->from,
                                "") == 0
                   ? AKD_STORE_OK
                   : AKD_STORE_ERROR;
}

enum akd_store_result akd_pg_device_remove(struct akd_store *st, const char *account_id,
                                           const char *device_id, bool force, int64_t now,
                                           const char *from)
{
        struct device_remove_ctx x = {account_id, device_id, from, force, now};
        return akd_pg_run(PG(st), true, run_device_remove, &x);
}

struct touch_job {
        struct akd_pg_job job;
        char device_id[AK_DEVICE_ID_LEN + 1];
        int64_t now;
};

static enum akd_store_result run_touch(struct akd_pg_conn *c, struct akd_pg_job *j)
{
        struct touch_job *tj = (struct touch_job *)j;
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, tj->device_id);
        akd_pg_p_int(&p, tj->now);
        return akd_pg_do(c, Q_DEVICE_TOUCH, &p) >= 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

static void touch_done(struct akd_pg_job *j)
{
        free(j);
}

void akd_pg_device_touch(struct akd_store *st, const char *device_id, int64_t now)
{
        struct touch_job *j = calloc(1, sizeof(*j));
        if (j == NULL)
                return;
        j->job.run = run_touch;
        j->job.done = touch_done;
        snprintf(j->device_id, sizeof(j->device_id), "%s", device_id);
        j->job.order = j->device_id;
        j->now = now;
        akd_pg_submit(PG(st), &j->job);
}

struct totp_ctx {
        const char *account_id, *device_id;
        uint64_t step;
        int64_t now;
};

static enum akd_store_result run_totp_accept(struct akd_pg_conn *c, void *ctx)
{
        struct totp_ctx *x = ctx;
        struct akd_pg_params p = two_texts(x->account_id, x->device_id);
        akd_pg_p_int(&p, (int64_t)x->step);
        akd_pg_p_int(&p, x->now);
        long n = akd_pg_do(c, Q_TOTP_ACCEPT, &p);
        return n < 0 ? AKD_STORE_ERROR : n == 1 ? AKD_STORE_OK : AKD_STORE_CONFLICT;
}

enum akd_store_result akd_pg_totp_accept(struct akd_store *st, const char *account_id,
                                         const char *device_id, uint64_t step, int64_t now)
{
        struct totp_ctx x = {account_id, device_id, step, now};
        return akd_pg_run(PG(st), true, run_totp_accept, &x);
}

/* ---- push sign-in requests ---- */

struct create_ctx {
        const struct akd_signin *r;
        unsigned max_recent;
        int64_t since;
        char *replaced;
        int64_t muted_until;
};

static enum akd_store_result run_signin_create(struct akd_pg_conn *c, void *ctx)
{
        struct create_ctx *x = ctx;
        const struct akd_signin *r = x->r;
        x->replaced[0] = '\0';
        x->muted_until = 0;
        if (akd_pg_lock(c, AKD_PG_LOCK_EMAIL, r->c.account) != 0)
                return AKD_STORE_ERROR;
        if (r->account_id[0] != '\0') {
                struct akd_pg_params p = {0};
                akd_pg_p_text(&p, r->account_id);
                int64_t until = akd_pg_one_int(c, Q_PUSH_MUTED, &p, 0);
                if (until < 0)
                        return AKD_STORE_ERROR;
                if (until > r->c.created_at) {
                        x->muted_until = until;
                        return AKD_STORE_MUTED;
                }
        }
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, r->c.account);
        akd_pg_p_int(&p, x->since);
        int64_t recent = akd_pg_one_int(c, Q_PUSH_RECENT, &p, 0);
        if (recent < 0)
                return AKD_STORE_ERROR;
        if ((uint64_t)recent >= x->max_recent)
                return AKD_STORE_LIMITED;
        struct akd_pg_params w = {0};
        akd_pg_p_int(&w, r->c.created_at - SIGNIN_KEEP_SECONDS);
        if (akd_pg_do(c, Q_PUSH_SWEEP, &w) < 0)
                return AKD_STORE_ERROR;
        PGresult *res = akd_pg_exec1(c, Q_PUSH_REPLACE, r->c.account);
        if (res == NULL)
                return AKD_STORE_ERROR;
        if (PQntuples(res) > 0)
                akd_pg_get_text(res, 0, 0, x->replaced, AK_SIGNIN_ID_LEN + 1);
        PQclear(res);
        struct akd_pg_params q = two_texts(r->c.request_id, r->account_id);
        akd_pg_p_blob(&q, r->c.nonce, sizeof(r->c.nonce));
        akd_pg_p_int(&q, r->number);
        akd_pg_p_text(&q, r->c.origin);
        akd_pg_p_text(&q, r->c.account);
        akd_pg_p_text(&q, r->c.from);
        akd_pg_p_text(&q, r->c.app);
        akd_pg_p_int(&q, r->c.created_at);
        akd_pg_p_int(&q, r->c.expires_at);
        return akd_pg_do(c, Q_PUSH_INSERT, &q) >= 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

enum akd_store_result akd_pg_signin_create(struct akd_store *st, const struct akd_signin *r,
                                           unsigned max_recent, int64_t since,
                                           char replaced[AK_SIGNIN_ID_LEN + 1],
                                           int64_t *muted_until)
{
        struct create_ctx x = {r, max_recent, since, replaced, 0};
        enum akd_store_result res = akd_pg_run(PG(st), true, run_signin_create, &x);
        if (res != AKD_STORE_OK)
                replaced[0] = '\0';
        *muted_until = x.muted_until;
        return res;
}

enum akd_store_result akd_pg_signin_get(struct akd_store *st, const char *id,
                                        struct akd_signin *out)
{
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, id);
        return akd_pg_read_one(PG(st), Q_PUSH_GET, &p, signin_row, out);
}

enum akd_store_result akd_pg_signin_pending(struct akd_store *st, const char *account_id,
                                            int64_t now, struct akd_signin **list, size_t *count)
{
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, account_id);
        akd_pg_p_int(&p, now);
        return akd_pg_read(PG(st), Q_PUSH_PENDING, &p, sizeof(**list), signin_row, (void **)list,
                           count);
}

static enum akd_store_result run_signin_answer(struct akd_pg_conn *c, void *ctx)
{
        const struct akd_signin_answer *a = ctx;
        struct akd_pg_params p = two_texts(a->request_id, state_names[a->state]);
        akd_pg_p_text(&p, a->device_id);
        akd_pg_p_int(&p, a->now);
        akd_pg_p_text(&p, a->account_id);
        long n = akd_pg_do(c, Q_PUSH_ANSWER, &p);
        if (n < 0)
                return AKD_STORE_ERROR;
        if (n != 1) {
                /* Why not: answered already, expired, or not this account's. */
                struct akd_signin r;
                PGresult *res = akd_pg_exec1(c, Q_PUSH_GET, a->request_id);
                if (res == NULL)
                        return AKD_STORE_ERROR;
                bool found = PQntuples(res) > 0 && signin_row(res, 0, &r);
                PQclear(res);
                if (!found || strcmp(r.account_id, a->account_id) != 0)
                        return AKD_STORE_NOT_FOUND;
                if (r.state == AKD_SIGNIN_APPROVED || r.state == AKD_SIGNIN_DENIED)
                        return AKD_STORE_CONFLICT;
                return AKD_STORE_GONE;
        }
        struct akd_pg_params e = {0};
        akd_pg_p_text(&e, a->request_id);
        akd_pg_p_int(&e, a->now);
        akd_pg_p_text(&e, a->event);
        akd_pg_p_text(&e, a->device_id);
        if (akd_pg_do(c, Q_EVENT_ADD_SIGNIN, &e) < 0)
                return AKD_STORE_ERROR;
        if (a->muted_until > 0) {
                struct akd_pg_params m = {0};
                akd_pg_p_text(&m, a->account_id);
                akd_pg_p_int(&m, a->muted_until);
                if (akd_pg_do(c, Q_PUSH_MUTE, &m) < 0)
                        return AKD_STORE_ERROR;
        }
        struct akd_pg_params t = {0};
        akd_pg_p_text(&t, a->device_id);
        akd_pg_p_int(&t, a->now);
        return akd_pg_do(c, Q_DEVICE_TOUCH, &t) >= 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

enum akd_store_result akd_pg_signin_answer(struct akd_store *st, const struct akd_signin_answer *a)
{
        return akd_pg_run(PG(st), true, run_signin_answer, (void *)a);
}

enum akd_store_result akd_pg_events_list(struct akd_store *st, const char *account_id,
                                         struct akd_event **list, size_t *count)
{
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, account_id);
        return akd_pg_read(PG(st), Q_EVENT_LIST, &p, sizeof(**list), event_row, (void **)list,
                           count);
}
