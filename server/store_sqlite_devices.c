/*
 * The SQLite store's devices, push sign-in requests and events (store.h).
 * Reads run on a pooled read connection; every write is one job of the
 * writer (store_sqlite.c), so that its checks and its changes share one
 * transaction: a device cap, a TOTP step accepted once, a request answered
 * once, whatever arrives at the same time.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_sqlite.h"

/* Copies text column `col` of `q` into `out` (`size` bytes), "" for NULL. */
void akd_sq_column_text(sqlite3_stmt *q, int col, char *out, size_t size)
{
        const unsigned char *t = sqlite3_column_text(q, col);
        snprintf(out, size, "%s", t != NULL ? (const char *)t : "");
}

/* Copies blob column `col` when it is exactly `len` bytes; false otherwise. */
static bool column_exact(sqlite3_stmt *q, int col, uint8_t *out, size_t len)
{
        if ((size_t)sqlite3_column_bytes(q, col) != len)
                return false;
        const void *b = sqlite3_column_blob(q, col);
        if (b == NULL)
                return false;
        memcpy(out, b, len);
        return true;
}

/* The statement `q` with ?1 bound to `text`. */
sqlite3_stmt *akd_sq_text_stmt(struct akd_sq_conn *c, enum akd_sq_query q, const char *text)
{
        sqlite3_stmt *s = akd_sq_stmt(c, q);
        if (s != NULL)
                sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
        return s;
}

/* One row of DEVICE_COLS; false when damaged. */
static bool device_row(sqlite3_stmt *q, struct akd_device *d)
{
        memset(d, 0, sizeof(*d));
        akd_sq_column_text(q, 0, d->id, sizeof(d->id));
        akd_sq_column_text(q, 1, d->account_id, sizeof(d->account_id));
        akd_sq_column_text(q, 2, d->name, sizeof(d->name));
        d->last_step = (uint64_t)sqlite3_column_int64(q, 5);
        d->registered_at = sqlite3_column_int64(q, 6);
        d->last_used = sqlite3_column_int64(q, 7);
        d->verified_at = sqlite3_column_int64(q, 8);
        return column_exact(q, 3, d->public_key, sizeof(d->public_key)) &&
               column_exact(q, 4, d->totp_secret, sizeof(d->totp_secret));
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

/* One row of PUSH_COLS; false when damaged. */
static bool signin_row(sqlite3_stmt *q, struct akd_signin *r)
{
        char state[16];
        memset(r, 0, sizeof(*r));
        akd_sq_column_text(q, 0, r->c.request_id, sizeof(r->c.request_id));
        akd_sq_column_text(q, 1, r->account_id, sizeof(r->account_id));
        r->number = (unsigned)sqlite3_column_int(q, 3);
        akd_sq_column_text(q, 4, r->c.origin, sizeof(r->c.origin));
        akd_sq_column_text(q, 5, r->c.account, sizeof(r->c.account));
        akd_sq_column_text(q, 6, r->c.from, sizeof(r->c.from));
        akd_sq_column_text(q, 7, r->c.app, sizeof(r->c.app));
        r->c.created_at = sqlite3_column_int64(q, 8);
        r->c.expires_at = sqlite3_column_int64(q, 9);
        akd_sq_column_text(q, 10, state, sizeof(state));
        r->state = state_of(state);
        return column_exact(q, 2, r->c.nonce, sizeof(r->c.nonce));
}

/*
 * Reads every row of `q` (bound already) into a new array of `size`-byte
 * items filled by `row`. OK with *list (free()) and *count, or ERROR.
 */
static enum akd_store_result read_rows(struct akd_sq_conn *c, sqlite3_stmt *q, size_t size,
                                       bool (*row)(sqlite3_stmt *q, void *item), void **list,
                                       size_t *count)
{
        size_t n = 0, cap = 0;
        char *items = NULL;
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
                if (n == cap) {
                        size_t grown_cap = cap ? cap * 2 : 8;
                        char *grown = realloc(items, grown_cap * size);
                        if (grown == NULL)
                                break;
                        items = grown;
                        cap = grown_cap;
                }
                if (row(q, items + n * size))
                        n++;
        }
        sqlite3_reset(q);
        if (rc != SQLITE_DONE) {
                akd_sq_log_error(c->db, "read");
                free(items);
                return AKD_STORE_ERROR;
        }
        *list = items;
        *count = n;
        return AKD_STORE_OK;
}

static bool device_item(sqlite3_stmt *q, void *item)
{
        return device_row(q, item);
}

static bool signin_item(sqlite3_stmt *q, void *item)
{
        return signin_row(q, item);
}

static bool event_item(sqlite3_stmt *q, void *item)
{
        struct akd_event *ev = item;
        memset(ev, 0, sizeof(*ev));
        ev->at = sqlite3_column_int64(q, 0);
        akd_sq_column_text(q, 1, ev->kind, sizeof(ev->kind));
        akd_sq_column_text(q, 2, ev->device_id, sizeof(ev->device_id));
        akd_sq_column_text(q, 3, ev->from, sizeof(ev->from));
        akd_sq_column_text(q, 4, ev->app, sizeof(ev->app));
        return true;
}

/*
 * Reads with the statement `query`, ?1 bound to `key` (and ?2 to `now` when
 * not negative), on a pooled read connection: the one row into `out`
 * (NOT_FOUND without one), or every row into *list.
 */
enum akd_store_result akd_sq_read_one(struct akd_store *st, enum akd_sq_query query,
                                      const char *key, bool (*row)(sqlite3_stmt *q, void *item),
                                      void *out)
{
        struct akd_sq_store *s = (struct akd_sq_store *)st;
        struct akd_sq_conn *c = akd_sq_reader_get(s);
        enum akd_store_result r = AKD_STORE_ERROR;
        sqlite3_stmt *q;
        if (c != NULL && (q = akd_sq_text_stmt(c, query, key)) != NULL) {
                int rc = sqlite3_step(q);
                if (rc == SQLITE_ROW)
                        r = row(q, out) ? AKD_STORE_OK : AKD_STORE_ERROR;
                else if (rc == SQLITE_DONE)
                        r = AKD_STORE_NOT_FOUND;
                sqlite3_reset(q);
        }
        akd_sq_reader_put(s, c);
        return r;
}

enum akd_store_result akd_sq_read_list(struct akd_store *st, enum akd_sq_query query,
                                       const char *key, int64_t now, size_t size,
                                       bool (*row)(sqlite3_stmt *q, void *item), void **list,
                                       size_t *count)
{
        struct akd_sq_store *s = (struct akd_sq_store *)st;
        struct akd_sq_conn *c = akd_sq_reader_get(s);
        enum akd_store_result r = AKD_STORE_ERROR;
        sqlite3_stmt *q;
        if (c != NULL && (q = akd_sq_text_stmt(c, query, key)) != NULL) {
                if (now >= 0)
                        sqlite3_bind_int64(q, 2, now);
                r = read_rows(c, q, size, row, list, count);
        }
        akd_sq_reader_put(s, c);
        return r;
}

/* Records an event; 0 or -1. */
int akd_sq_add_event(struct akd_sq_conn *c, const char *account_id, int64_t at, const char *kind,
                     const char *device_id, const char *from, const char *app)
{
        sqlite3_stmt *q = akd_sq_text_stmt(c, Q_EVENT_ADD, account_id);
        if (q == NULL)
                return -1;
        sqlite3_bind_int64(q, 2, at);
        sqlite3_bind_text(q, 3, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, device_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 5, from, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 6, app, -1, SQLITE_STATIC);
        return akd_sq_step_done(c, q);
}

/* Steps `q` for its one integer; -1 on failure (logged), `none` for no row. */
int64_t akd_sq_one_int(struct akd_sq_conn *c, sqlite3_stmt *q, int64_t none)
{
        int rc = sqlite3_step(q);
        int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : none;
        sqlite3_reset(q);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
                akd_sq_log_error(c->db, "read");
                return -1;
        }
        return v;
}

/* ---- devices ---- */

/* The account of the active device `id` into `owner` ("" for none); 0 or -1. */
static int device_owner(struct akd_sq_conn *c, const char *id, char owner[AKD_ACCOUNT_ID_LEN + 1])
{
        sqlite3_stmt *q = akd_sq_text_stmt(c, Q_DEVICE_OWNER, id);
        owner[0] = '\0';
        if (q == NULL)
                return -1;
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW)
                akd_sq_column_text(q, 0, owner, AKD_ACCOUNT_ID_LEN + 1);
        sqlite3_reset(q);
        return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Whether the device `d` registers verified, into d->verified_at (0: it
 * waits): it stays verified when registered again with the key it was
 * verified with; else only an account that nothing vouches for yet (no
 * other verified device, no alternate contact) gets it verified at once,
 * on its password alone. 0 or -1.
 */
static int device_verified_at(struct akd_sq_conn *c, struct akd_device *d)
{
        sqlite3_stmt *q = akd_sq_text_stmt(c, Q_DEVICE_KEY, d->id);
        if (q == NULL)
                return -1;
        sqlite3_bind_text(q, 2, d->account_id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        bool kept = rc == SQLITE_ROW && sqlite3_column_type(q, 1) != SQLITE_NULL &&
                    (size_t)sqlite3_column_bytes(q, 0) == sizeof(d->public_key) &&
                    memcmp(sqlite3_column_blob(q, 0), d->public_key, sizeof(d->public_key)) == 0;
        d->verified_at = kept ? sqlite3_column_int64(q, 1) : 0;
        sqlite3_reset(q);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
                akd_sq_log_error(c->db, "read");
                return -1;
        }
        if (kept)
                return 0;
        if ((q = akd_sq_text_stmt(c, Q_DEVICE_VOUCHED, d->account_id)) == NULL)
                return -1;
        sqlite3_bind_text(q, 2, d->id, -1, SQLITE_STATIC);
        int64_t vouched = akd_sq_one_int(c, q, 0);
        if (vouched < 0)
                return -1;
        if (vouched == 0)
                d->verified_at = d->registered_at;
        return 0;
}

struct device_put_job {
        struct akd_sq_job job;
        struct akd_device *d;
        unsigned max;
        const char *from;
        bool created;
};

static enum akd_store_result run_device_put(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct device_put_job *pj = (struct device_put_job *)j;
        struct akd_device *d = pj->d;
        char owner[AKD_ACCOUNT_ID_LEN + 1];
        sqlite3_stmt *q;
        if (device_owner(c, d->id, owner) != 0)
                return AKD_STORE_ERROR;
        if (owner[0] != '\0' && strcmp(owner, d->account_id) != 0)
                return AKD_STORE_EXISTS;
        pj->created = owner[0] == '\0';
        if ((q = akd_sq_text_stmt(c, Q_DEVICE_COUNT, d->account_id)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(q, 2, d->id, -1, SQLITE_STATIC);
        int64_t others = akd_sq_one_int(c, q, 0);
        if (others < 0)
                return AKD_STORE_ERROR;
        if ((uint64_t)others >= pj->max)
                return AKD_STORE_LIMITED;
        if (device_verified_at(c, d) != 0)
                return AKD_STORE_ERROR;
        if ((q = akd_sq_text_stmt(c, Q_DEVICE_PUT, d->id)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(q, 2, d->account_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, d->name, -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 4, d->public_key, sizeof(d->public_key), SQLITE_STATIC);
        sqlite3_bind_blob(q, 5, d->totp_secret, sizeof(d->totp_secret), SQLITE_STATIC);
        sqlite3_bind_int64(q, 6, d->registered_at);
        if (d->verified_at > 0)
                sqlite3_bind_int64(q, 7, d->verified_at);
        else
                sqlite3_bind_null(q, 7);
        int64_t at = akd_sq_one_int(c, q, -1);
        if (at < 0)
                return AKD_STORE_ERROR;
        int64_t now = d->registered_at;
        d->registered_at = at;
        return akd_sq_add_event(c, d->account_id, now, "device_added", d->id, pj->from, "") == 0
                   ? AKD_STORE_OK
                   : AKD_STORE_ERROR;
}

enum akd_store_result akd_sq_device_put(struct akd_store *st, struct akd_device *d,
                                        unsigned max_devices, const char *from, bool *created)
{
        struct device_put_job j = {
            .job.run = run_device_put, .d = d, .max = max_devices, .from = from};
        enum akd_store_result r = akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
        *created = j.created;
        return r;
}

enum akd_store_result akd_sq_device_list(struct akd_store *st, const char *account_id,
                                         struct akd_device **list, size_t *count)
{
        return akd_sq_read_list(st, Q_DEVICE_LIST, account_id, -1, sizeof(**list), device_item,
                         (void **)list, count);
}

enum akd_store_result akd_sq_device_get(struct akd_store *st, const char *device_id,
                                        struct akd_device *out)
{
        return akd_sq_read_one(st, Q_DEVICE_GET, device_id, device_item, out);
}

struct device_remove_job {
        struct akd_sq_job job;
        const char *account_id, *device_id, *from;
        bool force;
        int64_t now;
};

static enum akd_store_result run_device_remove(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct device_remove_job *rj = (struct device_remove_job *)j;
        char owner[AKD_ACCOUNT_ID_LEN + 1];
        sqlite3_stmt *q;
        if (device_owner(c, rj->device_id, owner) != 0)
                return AKD_STORE_ERROR;
        if (strcmp(owner, rj->account_id) != 0)
                return AKD_STORE_NOT_FOUND;
        if (!rj->force) {
                if ((q = akd_sq_text_stmt(c, Q_DEVICE_COUNT, rj->account_id)) == NULL)
                        return AKD_STORE_ERROR;
                sqlite3_bind_text(q, 2, rj->device_id, -1, SQLITE_STATIC);
                int64_t others = akd_sq_one_int(c, q, 0);
                if (others < 0)
                        return AKD_STORE_ERROR;
                if (others == 0)
                        return AKD_STORE_CONFLICT;
        }
        if ((q = akd_sq_text_stmt(c, Q_DEVICE_REMOVE, rj->account_id)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(q, 2, rj->device_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, rj->now);
        if (akd_sq_step_done(c, q) != 0)
                return AKD_STORE_ERROR;
        return akd_sq_add_event(c, rj->account_id, rj->now, "device_removed", rj->device_id, rj->from,
                         "") == 0
                   ? AKD_STORE_OK
                   : AKD_STORE_ERROR;
}

enum akd_store_result akd_sq_device_remove(struct akd_store *st, const char *account_id,
                                           const char *device_id, bool force, int64_t now,
                                           const char *from)
{
        struct device_remove_job j = {.job.run = run_device_remove,
                                      .job.wake = {account_id},
                                      .account_id = account_id,
                                      .device_id = device_id,
                                      .from = from,
                                      .force = force,
                                      .now = now};
        return akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
}

struct touch_job {
        struct akd_sq_job job;
        char device_id[AK_DEVICE_ID_LEN + 1];
        int64_t now;
};

static enum akd_store_result run_touch(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct touch_job *tj = (struct touch_job *)j;
        sqlite3_stmt *q = akd_sq_text_stmt(c, Q_DEVICE_TOUCH, tj->device_id);
        if (q == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_int64(q, 2, tj->now);
        return akd_sq_step_done(c, q) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

static void touch_done(struct akd_sq_job *j)
{
        free(j);
}

void akd_sq_device_touch(struct akd_store *st, const char *device_id, int64_t now)
{
        struct touch_job *j = calloc(1, sizeof(*j));
        if (j == NULL)
                return;
        j->job.run = run_touch;
        j->job.done = touch_done;
        snprintf(j->device_id, sizeof(j->device_id), "%s", device_id);
        j->now = now;
        akd_sq_submit((struct akd_sq_store *)st, &j->job);
}

struct totp_job {
        struct akd_sq_job job;
        const char *account_id, *device_id;
        uint64_t step;
        int64_t now;
};

static enum akd_store_result run_totp_accept(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct totp_job *tj = (struct totp_job *)j;
        sqlite3_stmt *q = akd_sq_text_stmt(c, Q_TOTP_ACCEPT, tj->account_id);
        if (q == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(q, 2, tj->device_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, (sqlite3_int64)tj->step);
        sqlite3_bind_int64(q, 4, tj->now);
        if (akd_sq_step_done(c, q) != 0)
                return AKD_STORE_ERROR;
        return sqlite3_changes(c->db) == 1 ? AKD_STORE_OK : AKD_STORE_CONFLICT;
}

enum akd_store_result akd_sq_totp_accept(struct akd_store *st, const char *account_id,
                                         const char *device_id, uint64_t step, int64_t now)
{
        struct totp_job j = {.job.run = run_totp_accept,
                             .account_id = account_id,
                             .device_id = device_id,
                             .step = step,
                             .now = now};
        return akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
}

/* ---- push sign-in requests ---- */

struct create_job {
        struct akd_sq_job job;
        const struct akd_signin *r;
        unsigned max_recent;
        int64_t since;
        char *replaced;
        int64_t muted_until;
};

/* Requests expired this long ago go when a new one is made. */
#define SIGNIN_KEEP_SECONDS 3600

static enum akd_store_result run_signin_create(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct create_job *cj = (struct create_job *)j;
        const struct akd_signin *r = cj->r;
        sqlite3_stmt *q;
        if (r->account_id[0] != '\0') {
                if ((q = akd_sq_text_stmt(c, Q_PUSH_MUTED, r->account_id)) == NULL)
                        return AKD_STORE_ERROR;
                int64_t until = akd_sq_one_int(c, q, 0);
                if (until < 0)
                        return AKD_STORE_ERROR;
                if (until > r->c.created_at) {
                        cj->muted_until = until;
                        return AKD_STORE_MUTED;
                }
        }
        if ((q = akd_sq_text_stmt(c, Q_PUSH_RECENT, r->c.account)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_int64(q, 2, cj->since);
        int64_t recent = akd_sq_one_int(c, q, 0);
        if (recent < 0)
                return AKD_STORE_ERROR;
        if ((uint64_t)recent >= cj->max_recent)
                return AKD_STORE_LIMITED;
        if ((q = akd_sq_text_stmt(c, Q_PUSH_SWEEP, NULL)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_int64(q, 1, r->c.created_at - SIGNIN_KEEP_SECONDS);
        if (akd_sq_step_done(c, q) != 0 || (q = akd_sq_text_stmt(c, Q_PUSH_REPLACE, r->c.account)) == NULL)
                return AKD_STORE_ERROR;
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW)
                if (cj->replaced[0] == '\0')
                        akd_sq_column_text(q, 0, cj->replaced, AK_SIGNIN_ID_LEN + 1);
        sqlite3_reset(q);
        if (rc != SQLITE_DONE || (q = akd_sq_text_stmt(c, Q_PUSH_INSERT, r->c.request_id)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(q, 2, r->account_id, -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 3, r->c.nonce, sizeof(r->c.nonce), SQLITE_STATIC);
        sqlite3_bind_int(q, 4, (int)r->number);
        sqlite3_bind_text(q, 5, r->c.origin, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 6, r->c.account, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 7, r->c.from, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 8, r->c.app, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 9, r->c.created_at);
        sqlite3_bind_int64(q, 10, r->c.expires_at);
        return akd_sq_step_done(c, q) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

enum akd_store_result akd_sq_signin_create(struct akd_store *st, const struct akd_signin *r,
                                           unsigned max_recent, int64_t since,
                                           char replaced[AK_SIGNIN_ID_LEN + 1],
                                           int64_t *muted_until)
{
        /* The devices of the account, and the requester of the one replaced, look again. */
        struct create_job j = {.job.run = run_signin_create,
                               .job.wake = {r->account_id, replaced},
                               .r = r,
                               .max_recent = max_recent,
                               .since = since,
                               .replaced = replaced};
        replaced[0] = '\0';
        enum akd_store_result res = akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
        if (res != AKD_STORE_OK)
                replaced[0] = '\0';
        *muted_until = j.muted_until;
        return res;
}

enum akd_store_result akd_sq_signin_get(struct akd_store *st, const char *id,
                                        struct akd_signin *out)
{
        return akd_sq_read_one(st, Q_PUSH_GET, id, signin_item, out);
}

enum akd_store_result akd_sq_signin_pending(struct akd_store *st, const char *account_id,
                                            int64_t now, struct akd_signin **list, size_t *count)
{
        return akd_sq_read_list(st, Q_PUSH_PENDING, account_id, now, sizeof(**list), signin_item,
                         (void **)list, count);
}

struct answer_job {
        struct akd_sq_job job;
        const struct akd_signin_answer *a;
};

static enum akd_store_result run_signin_answer(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        const struct akd_signin_answer *a = ((struct answer_job *)j)->a;
        sqlite3_stmt *q = akd_sq_text_stmt(c, Q_PUSH_ANSWER, a->request_id);
        if (q == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(q, 2, state_names[a->state], -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, a->device_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 4, a->now);
        sqlite3_bind_text(q, 5, a->account_id, -1, SQLITE_STATIC);
        if (akd_sq_step_done(c, q) != 0)
                return AKD_STORE_ERROR;
        if (sqlite3_changes(c->db) != 1) {
                /* Why not: answered already, expired, or not this account's. */
                struct akd_signin r;
                if ((q = akd_sq_text_stmt(c, Q_PUSH_GET, a->request_id)) == NULL)
                        return AKD_STORE_ERROR;
                int rc = sqlite3_step(q);
                bool found = rc == SQLITE_ROW && signin_row(q, &r);
                sqlite3_reset(q);
                if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                        return AKD_STORE_ERROR;
                if (!found || strcmp(r.account_id, a->account_id) != 0)
                        return AKD_STORE_NOT_FOUND;
                if (r.state == AKD_SIGNIN_APPROVED || r.state == AKD_SIGNIN_DENIED)
                        return AKD_STORE_CONFLICT;
                return AKD_STORE_GONE;
        }
        if ((q = akd_sq_text_stmt(c, Q_EVENT_ADD_SIGNIN, a->request_id)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_int64(q, 2, a->now);
        sqlite3_bind_text(q, 3, a->event, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, a->device_id, -1, SQLITE_STATIC);
        if (akd_sq_step_done(c, q) != 0)
                return AKD_STORE_ERROR;
        if (a->muted_until > 0) {
                if ((q = akd_sq_text_stmt(c, Q_PUSH_MUTE, a->account_id)) == NULL)
                        return AKD_STORE_ERROR;
                sqlite3_bind_int64(q, 2, a->muted_until);
                if (akd_sq_step_done(c, q) != 0)
                        return AKD_STORE_ERROR;
        }
        if ((q = akd_sq_text_stmt(c, Q_DEVICE_TOUCH, a->device_id)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_int64(q, 2, a->now);
        return akd_sq_step_done(c, q) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

enum akd_store_result akd_sq_signin_answer(struct akd_store *st, const struct akd_signin_answer *a)
{
        struct answer_job j = {.job.run = run_signin_answer, .job.wake = {a->request_id}, .a = a};
        return akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
}

enum akd_store_result akd_sq_events_list(struct akd_store *st, const char *account_id,
                                         struct akd_event **list, size_t *count)
{
        return akd_sq_read_list(st, Q_EVENT_LIST, account_id, -1, sizeof(**list), event_item,
                         (void **)list, count);
}
