/*
 * The SQLite store's organisations, work users and activation codes
 * (store.h). `authkeepd admin` writes them beside a serving authkeepd (the
 * shared open mode of store_sqlite.c): nothing here touches what the
 * server caches. A work user is an accounts row with org_id set and empty
 * credential columns (schema 6), so that its email is unique on the server
 * beside the recovery accounts'. Each write is one job of the writer, so
 * its checks and its changes share one transaction; every check comes
 * before the first change, so a refusal changes nothing.
 *
 * These statements run rarely (an administrator's command, a device's
 * enrolment): each is prepared where it is used rather than kept with the
 * hot ones of store_sqlite.c.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "store_sqlite.h"

/* `sql` prepared on `c`, its parameters bound from `texts` (NULL ends); NULL (logged). */
static sqlite3_stmt *prep(struct akd_sq_conn *c, const char *sql, const char *const *texts)
{
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(c->db, sql, -1, &q, NULL) != SQLITE_OK) {
                akd_sq_log_error(c->db, "prepare");
                return NULL;
        }
        for (int i = 0; texts != NULL && texts[i] != NULL; i++)
                sqlite3_bind_text(q, i + 1, texts[i], -1, SQLITE_STATIC);
        return q;
}

/* Steps and finalizes a statement that returns no row; 0 or -1 (logged). */
static int run(struct akd_sq_conn *c, sqlite3_stmt *q)
{
        int rc = q != NULL ? sqlite3_step(q) : SQLITE_ERROR;
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
                akd_sq_log_error(c->db, "write");
        sqlite3_finalize(q);
        return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

static void copy_text(sqlite3_stmt *q, int col, char *out, size_t size)
{
        const unsigned char *t = sqlite3_column_text(q, col);
        snprintf(out, size, "%s", t != NULL ? (const char *)t : "");
}

/* A new random id of AKD_ACCOUNT_ID_LEN hex characters. */
static void new_id(char out[AKD_ACCOUNT_ID_LEN + 1])
{
        uint8_t raw[AKD_ACCOUNT_ID_LEN / 2];
        randombytes_buf(raw, sizeof(raw));
        sodium_bin2hex(out, AKD_ACCOUNT_ID_LEN + 1, raw, sizeof(raw));
}

/* ---- organisations ---- */

#define ORG_COLS                                                                                   \
        "o.id, o.name, o.created_at, (SELECT count(*) FROM accounts a WHERE a.org_id = o.id AND "  \
        "a.removed_at IS NULL)"

static void org_row(sqlite3_stmt *q, struct akd_org *o)
{
        memset(o, 0, sizeof(*o));
        copy_text(q, 0, o->id, sizeof(o->id));
        copy_text(q, 1, o->name, sizeof(o->name));
        o->created_at = sqlite3_column_int64(q, 2);
        o->users = (unsigned)sqlite3_column_int64(q, 3);
}

/*
 * Reads the rows of `sql` (bound from `texts`, and ?N to `now` when `now`
 * is not negative, N the first free parameter) on a read connection, each
 * filled by `row` into an array of `size`-byte items. With `one`, the one
 * row into *list (NOT_FOUND without it).
 */
static enum akd_store_result read_rows(struct akd_store *st, const char *sql,
                                       const char *const *texts, int64_t now, size_t size,
                                       void (*row)(sqlite3_stmt *q, void *item), bool one,
                                       void **list, size_t *count)
{
        struct akd_sq_store *s = (struct akd_sq_store *)st;
        struct akd_sq_conn *c = akd_sq_reader_get(s);
        enum akd_store_result r = AKD_STORE_ERROR;
        sqlite3_stmt *q = c != NULL ? prep(c, sql, texts) : NULL;
        char *items = NULL;
        size_t n = 0, cap = 0;
        int rc = SQLITE_ERROR;
        if (q == NULL)
                goto done;
        if (now >= 0)
                sqlite3_bind_int64(q, sqlite3_bind_parameter_count(q), now);
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
                if (one) {
                        row(q, *list);
                        n = 1;
                        break;
                }
                if (n == cap) {
                        size_t grown_cap = cap ? cap * 2 : 8;
                        char *grown = realloc(items, grown_cap * size);
                        if (grown == NULL) {
                                rc = SQLITE_NOMEM;
                                break;
                        }
                        items = grown;
                        cap = grown_cap;
                }
                row(q, items + n++ * size);
        }
        if (rc != SQLITE_DONE && !(one && rc == SQLITE_ROW)) {
                akd_sq_log_error(c->db, "read");
                free(items);
                goto done;
        }
        if (one) {
                r = n == 1 ? AKD_STORE_OK : AKD_STORE_NOT_FOUND;
        } else {
                *list = items;
                *count = n;
                r = AKD_STORE_OK;
        }
done:
        sqlite3_finalize(q);
        akd_sq_reader_put(s, c);
        return r;
}

static void org_item(sqlite3_stmt *q, void *item)
{
        org_row(q, item);
}

enum akd_store_result akd_sq_org_get(struct akd_store *st, const char *name, struct akd_org *out)
{
        const char *texts[] = {name, NULL};
        void *p = out;
        return read_rows(st, "SELECT " ORG_COLS " FROM orgs o WHERE o.name = ?1", texts, -1,
                         sizeof(*out), org_item, true, &p, NULL);
}

enum akd_store_result akd_sq_org_list(struct akd_store *st, struct akd_org **list, size_t *count)
{
        return read_rows(st, "SELECT " ORG_COLS " FROM orgs o ORDER BY o.name", NULL, -1,
                         sizeof(**list), org_item, false, (void **)list, count);
}

struct org_job {
        struct akd_sq_job job;
        const char *name;
        int64_t now;
        struct akd_org *out;
};

static enum akd_store_result run_org_create(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct org_job *oj = (struct org_job *)j;
        const char *texts[] = {oj->name, NULL};
        sqlite3_stmt *q = prep(c, "SELECT 1 FROM orgs WHERE name = ?1", texts);
        if (q == NULL)
                return AKD_STORE_ERROR;
        int rc = sqlite3_step(q);
        sqlite3_finalize(q);
        if (rc == SQLITE_ROW)
                return AKD_STORE_EXISTS;
        if (rc != SQLITE_DONE)
                return AKD_STORE_ERROR;
        memset(oj->out, 0, sizeof(*oj->out));
        new_id(oj->out->id);
        snprintf(oj->out->name, sizeof(oj->out->name), "%s", oj->name);
        oj->out->created_at = oj->now;
        const char *row[] = {oj->out->id, oj->out->name, NULL};
        q = prep(c, "INSERT INTO orgs (id, name, created_at) VALUES (?1, ?2, ?3)", row);
        if (q != NULL)
                sqlite3_bind_int64(q, 3, oj->now);
        return run(c, q) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

enum akd_store_result akd_sq_org_create(struct akd_store *st, const char *name, int64_t now,
                                        struct akd_org *out)
{
        struct org_job j = {.job.run = run_org_create, .name = name, .now = now, .out = out};
        return akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
}

/* ---- work users ---- */

/* What the writer knows of an email: whose it is. */
struct owner {
        char account_id[AKD_ACCOUNT_ID_LEN + 1];
        char org_id[AKD_ACCOUNT_ID_LEN + 1]; /* "" for a recovery account */
        char org_name[AKD_ORG_NAME_MAX + 1];
        bool removed;
};

/* The account of `email` into *o; NOT_FOUND, OK or ERROR. */
static enum akd_store_result owner_of(struct akd_sq_conn *c, const char *email, struct owner *o)
{
        const char *texts[] = {email, NULL};
        sqlite3_stmt *q = prep(c,
                               "SELECT a.id, a.org_id, o.name, a.removed_at FROM accounts a "
                               "LEFT JOIN orgs o ON o.id = a.org_id WHERE a.email = ?1",
                               texts);
        if (q == NULL)
                return AKD_STORE_ERROR;
        memset(o, 0, sizeof(*o));
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
                copy_text(q, 0, o->account_id, sizeof(o->account_id));
                copy_text(q, 1, o->org_id, sizeof(o->org_id));
                copy_text(q, 2, o->org_name, sizeof(o->org_name));
                o->removed = sqlite3_column_type(q, 3) != SQLITE_NULL;
        }
        sqlite3_finalize(q);
        return rc == SQLITE_ROW    ? AKD_STORE_OK
               : rc == SQLITE_DONE ? AKD_STORE_NOT_FOUND
                                   : AKD_STORE_ERROR;
}

/* The id of organisation `name` into `id`; NOT_FOUND, OK or ERROR. */
static enum akd_store_result org_id_of(struct akd_sq_conn *c, const char *name,
                                       char id[AKD_ACCOUNT_ID_LEN + 1])
{
        const char *texts[] = {name, NULL};
        sqlite3_stmt *q = prep(c, "SELECT id FROM orgs WHERE name = ?1", texts);
        if (q == NULL)
                return AKD_STORE_ERROR;
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW)
                copy_text(q, 0, id, AKD_ACCOUNT_ID_LEN + 1);
        sqlite3_finalize(q);
        return rc == SQLITE_ROW    ? AKD_STORE_OK
               : rc == SQLITE_DONE ? AKD_STORE_NOT_FOUND
                                   : AKD_STORE_ERROR;
}

/*
 * The member `email` of organisation `org` into *o: NOT_FOUND when the
 * organisation has no such member (removed ones count), OK or ERROR.
 */
static enum akd_store_result member_of(struct akd_sq_conn *c, const char *org, const char *email,
                                       struct owner *o)
{
        char org_id[AKD_ACCOUNT_ID_LEN + 1];
        enum akd_store_result r = org_id_of(c, org, org_id);
        if (r == AKD_STORE_OK)
                r = owner_of(c, email, o);
        if (r == AKD_STORE_OK && strcmp(o->org_id, org_id) != 0)
                r = AKD_STORE_NOT_FOUND;
        return r;
}

struct user_job {
        struct akd_sq_job job;
        const char *org, *email;
        int64_t now, expires_at;
        const uint8_t *hash;
        char *taken_by;
        char removed[AKD_ACCOUNT_ID_LEN + 1]; /* the user removed, whose long-polls look again */
};

static enum akd_store_result run_user_add(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct user_job *uj = (struct user_job *)j;
        char org_id[AKD_ACCOUNT_ID_LEN + 1], id[AKD_ACCOUNT_ID_LEN + 1];
        struct owner o;
        enum akd_store_result r = org_id_of(c, uj->org, org_id);
        if (r != AKD_STORE_OK)
                return r;
        r = owner_of(c, uj->email, &o);
        if (r == AKD_STORE_ERROR)
                return r;
        if (r == AKD_STORE_OK) {
                if (strcmp(o.org_id, org_id) != 0) {
                        snprintf(uj->taken_by, AKD_ORG_NAME_MAX + 1, "%s", o.org_name);
                        return AKD_STORE_CONFLICT;
                }
                if (!o.removed)
                        return AKD_STORE_EXISTS;
                /* Taken back: a member again, with none of its old devices or codes. */
                const char *texts[] = {o.account_id, NULL};
                return run(c, prep(c, "UPDATE accounts SET removed_at = NULL WHERE id = ?1",
                                   texts)) == 0
                           ? AKD_STORE_OK
                           : AKD_STORE_ERROR;
        }
        new_id(id);
        const char *texts[] = {id, uj->email, org_id, NULL};
        sqlite3_stmt *q = prep(c,
                               "INSERT INTO accounts (id, email, created_at, pw_kdf_salt, "
                               "pw_kdf_ops, pw_kdf_mem, pw_srp_salt, pw_srp_verifier, "
                               "pw_wrap_nonce, pw_wrap_ct, org_id) VALUES (?1, ?2, ?4, X'', 0, "
                               "0, X'', X'', X'', X'', ?3)",
                               texts);
        if (q != NULL)
                sqlite3_bind_int64(q, 4, uj->now);
        return run(c, q) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

enum akd_store_result akd_sq_work_user_add(struct akd_store *st, const char *org, const char *email,
                                           int64_t now, char *taken_by)
{
        struct user_job j = {
            .job.run = run_user_add, .org = org, .email = email, .now = now, .taken_by = taken_by};
        taken_by[0] = '\0';
        return akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
}

static enum akd_store_result run_user_remove(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        static const char *const writes[] = {
            "UPDATE accounts SET removed_at = ?2 WHERE id = ?1",
            /* Every device at once: their calls and codes are refused from now on. */
            "UPDATE devices SET removed_at = ?2 WHERE account_id = ?1 AND removed_at IS NULL",
            /* Unused codes are voided (kept, for what they were). */
            "UPDATE activations SET expires_at = min(expires_at, ?2) WHERE account_id = ?1 AND "
            "used_at IS NULL",
            "UPDATE signin_requests SET state = 'expired' WHERE account_id = ?1 AND "
            "state = 'pending'",
            "INSERT INTO events (account_id, at, kind, device_id, from_addr, app) VALUES (?1, ?2, "
            "'user_removed', '', 'admin', '')",
        };
        struct user_job *uj = (struct user_job *)j;
        struct owner o;
        enum akd_store_result r = member_of(c, uj->org, uj->email, &o);
        if (r != AKD_STORE_OK)
                return r;
        if (o.removed)
                return AKD_STORE_NOT_FOUND;
        memcpy(uj->removed, o.account_id, sizeof(uj->removed));
        for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
                const char *texts[] = {o.account_id, NULL};
                sqlite3_stmt *q = prep(c, writes[i], texts);
                if (q != NULL && sqlite3_bind_parameter_count(q) >= 2)
                        sqlite3_bind_int64(q, 2, uj->now);
                if (run(c, q) != 0)
                        return AKD_STORE_ERROR;
        }
        return AKD_STORE_OK;
}

enum akd_store_result akd_sq_work_user_remove(struct akd_store *st, const char *org,
                                              const char *email, int64_t now)
{
        struct user_job j = {.job.run = run_user_remove, .org = org, .email = email, .now = now};
        j.job.wake[0] = j.removed; /* a server beside `authkeepd admin` sees its stamp move */
        return akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
}

static void user_item(sqlite3_stmt *q, void *item)
{
        struct akd_work_user *u = item;
        memset(u, 0, sizeof(*u));
        copy_text(q, 0, u->account_id, sizeof(u->account_id));
        copy_text(q, 1, u->email, sizeof(u->email));
        u->created_at = sqlite3_column_int64(q, 2);
        u->removed_at = sqlite3_column_int64(q, 3);
        u->devices = (unsigned)sqlite3_column_int64(q, 4);
        u->last_used = sqlite3_column_int64(q, 5);
        u->activations_open = (unsigned)sqlite3_column_int64(q, 6);
}

enum akd_store_result akd_sq_work_user_list(struct akd_store *st, const char *org, int64_t now,
                                            struct akd_work_user **list, size_t *count)
{
        struct akd_org o;
        enum akd_store_result r = akd_sq_org_get(st, org, &o);
        if (r != AKD_STORE_OK)
                return r;
        const char *texts[] = {org, NULL};
        return read_rows(
            st,
            "SELECT a.id, a.email, a.created_at, coalesce(a.removed_at, 0), (SELECT count(*) FROM "
            "devices d WHERE d.account_id = a.id AND d.removed_at IS NULL), (SELECT "
            "coalesce(max(d.last_used), 0) FROM devices d WHERE d.account_id = a.id), (SELECT "
            "count(*) FROM activations v WHERE v.account_id = a.id AND v.used_at IS NULL AND "
            "v.expires_at > ?2) FROM accounts a JOIN orgs o ON o.id = a.org_id WHERE o.name = ?1 "
            "ORDER BY a.email",
            texts, now, sizeof(**list), user_item, false, (void **)list, count);
}

/* ---- activation codes ---- */

static enum akd_store_result run_activation_create(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct user_job *uj = (struct user_job *)j;
        struct owner o;
        enum akd_store_result r = member_of(c, uj->org, uj->email, &o);
        if (r != AKD_STORE_OK)
                return r;
        if (o.removed)
                return AKD_STORE_DELETED;
        const char *texts[] = {o.account_id, NULL};
        sqlite3_stmt *q = prep(c,
                               "INSERT INTO activations (code_hash, account_id, created_at, "
                               "expires_at) VALUES (?2, ?1, ?3, ?4)",
                               texts);
        if (q != NULL) {
                sqlite3_bind_blob(q, 2, uj->hash, AKD_ACTIVATION_HASH_LEN, SQLITE_STATIC);
                sqlite3_bind_int64(q, 3, uj->now);
                sqlite3_bind_int64(q, 4, uj->expires_at);
        }
        return run(c, q) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

enum akd_store_result akd_sq_activation_create(struct akd_store *st, const char *org,
                                               const char *email,
                                               const uint8_t hash[AKD_ACTIVATION_HASH_LEN],
                                               int64_t now, int64_t expires_at)
{
        struct user_job j = {.job.run = run_activation_create,
                             .org = org,
                             .email = email,
                             .now = now,
                             .expires_at = expires_at,
                             .hash = hash};
        return akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
}

struct activate_job {
        struct akd_sq_job job;
        struct akd_activate *a;
};

/* Steps `q` for one integer (finalizing it); -1 on failure (logged). */
static int64_t one_int(struct akd_sq_conn *c, sqlite3_stmt *q)
{
        int rc = q != NULL ? sqlite3_step(q) : SQLITE_ERROR;
        int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
        if (rc != SQLITE_ROW)
                akd_sq_log_error(c->db, "read");
        sqlite3_finalize(q);
        return v;
}

/* The checks of an activation, before anything is written. */
static enum akd_store_result activation_checks(struct akd_sq_conn *c, const struct akd_activate *a,
                                               char account_id[AKD_ACCOUNT_ID_LEN + 1])
{
        const struct akd_device *d = a->device;
        const char *texts[] = {a->org, a->email, NULL};
        sqlite3_stmt *q = prep(c,
                               "SELECT v.account_id, v.used_at, v.expires_at, acc.removed_at "
                               "FROM activations v JOIN accounts acc ON acc.id = v.account_id "
                               "JOIN orgs o ON o.id = acc.org_id WHERE o.name = ?1 AND "
                               "acc.email = ?2 AND v.code_hash = ?3",
                               texts);
        if (q == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_blob(q, 3, a->code_hash, AKD_ACTIVATION_HASH_LEN, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        bool used = false, removed = false;
        int64_t expires_at = 0;
        if (rc == SQLITE_ROW) {
                copy_text(q, 0, account_id, AKD_ACCOUNT_ID_LEN + 1);
                used = sqlite3_column_type(q, 1) != SQLITE_NULL;
                expires_at = sqlite3_column_int64(q, 2);
                removed = sqlite3_column_type(q, 3) != SQLITE_NULL;
        }
        sqlite3_finalize(q);
        if (rc != SQLITE_ROW)
                return rc == SQLITE_DONE ? AKD_STORE_NOT_FOUND : AKD_STORE_ERROR;
        if (removed)
                return AKD_STORE_DELETED;
        if (used)
                return AKD_STORE_CONFLICT;
        if (expires_at <= a->now)
                return AKD_STORE_GONE;
        const char *dev[] = {d->id, account_id, NULL};
        int64_t others = one_int(c, prep(c,
                                         "SELECT count(*) FROM devices WHERE id = ?1 AND "
                                         "removed_at IS NULL AND account_id <> ?2",
                                         dev));
        if (others < 0)
                return AKD_STORE_ERROR;
        if (others > 0)
                return AKD_STORE_EXISTS;
        int64_t mine = one_int(c, prep(c,
                                       "SELECT count(*) FROM devices WHERE account_id = ?2 AND "
                                       "removed_at IS NULL AND id <> ?1",
                                       dev));
        if (mine < 0)
                return AKD_STORE_ERROR;
        return (uint64_t)mine >= a->max_devices ? AKD_STORE_LIMITED : AKD_STORE_OK;
}

static enum akd_store_result run_activate(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct akd_activate *a = ((struct activate_job *)j)->a;
        struct akd_device *d = a->device;
        char account_id[AKD_ACCOUNT_ID_LEN + 1];
        enum akd_store_result r = activation_checks(c, a, account_id);
        if (r != AKD_STORE_OK)
                return r;
        /* The code is taken once: unused, unexpired, its user not removed. */
        const char *take[] = {d->id, NULL};
        sqlite3_stmt *q = prep(c,
                               "UPDATE activations SET used_at = ?2, device_id = ?1 WHERE "
                               "code_hash = ?3 AND used_at IS NULL AND expires_at > ?2 AND "
                               "EXISTS (SELECT 1 FROM accounts WHERE id = activations.account_id "
                               "AND removed_at IS NULL)",
                               take);
        if (q == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_int64(q, 2, a->now);
        sqlite3_bind_blob(q, 3, a->code_hash, AKD_ACTIVATION_HASH_LEN, SQLITE_STATIC);
        if (run(c, q) != 0)
                return AKD_STORE_ERROR;
        if (sqlite3_changes(c->db) != 1)
                return AKD_STORE_CONFLICT;
        /* Verified at once: the administrator's code is the proof. */
        memcpy(d->account_id, account_id, sizeof(d->account_id));
        d->registered_at = a->now;
        const char *row[] = {d->id, d->account_id, d->name, NULL};
        q = prep(c,
                 "INSERT INTO devices (id, account_id, name, public_key, totp_secret, last_step, "
                 "registered_at, last_used, verified_at) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, 0, ?6) "
                 "ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, "
                 "name = excluded.name, public_key = excluded.public_key, "
                 "totp_secret = excluded.totp_secret, last_step = 0, "
                 "registered_at = excluded.registered_at, last_used = 0, removed_at = NULL, "
                 "verified_at = excluded.verified_at",
                 row);
        if (q == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_blob(q, 4, d->public_key, sizeof(d->public_key), SQLITE_STATIC);
        sqlite3_bind_blob(q, 5, d->totp_secret, sizeof(d->totp_secret), SQLITE_STATIC);
        sqlite3_bind_int64(q, 6, a->now);
        if (run(c, q) != 0)
                return AKD_STORE_ERROR;
        const char *event[] = {d->account_id, d->id, a->from, NULL};
        q = prep(c,
                 "INSERT INTO events (account_id, at, kind, device_id, from_addr, app) VALUES (?1, "
                 "?4, 'device_activated', ?2, ?3, '')",
                 event);
        if (q != NULL)
                sqlite3_bind_int64(q, 4, a->now);
        return run(c, q) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

enum akd_store_result akd_sq_activate(struct akd_store *st, struct akd_activate *a)
{
        struct activate_job j = {.job.run = run_activate, .a = a};
        return akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
}
