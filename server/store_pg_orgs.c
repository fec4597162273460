/*
 * The PostgreSQL store's organisations, work users and activation codes
 * (store.h), with the results of store_sqlite_orgs.c. `authkeepd admin`
 * writes them while servers run: nothing here is cached anywhere. Each
 * write is one transaction whose checks come before its first change; an
 * email's work user is decided under an advisory lock on the email, and an
 * activation code is taken by one conditional UPDATE, so two devices
 * enrolling with one code at once (through two processes) get one device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store_pg.h"

#define PG(st) ((struct akd_pg_store *)(st))

static void new_id(char out[AKD_ACCOUNT_ID_LEN + 1])
{
        uint8_t raw[AKD_ACCOUNT_ID_LEN / 2];
        randombytes_buf(raw, sizeof(raw));
        sodium_bin2hex(out, AKD_ACCOUNT_ID_LEN + 1, raw, sizeof(raw));
}

/* ---- organisations ---- */

static bool org_row(const PGresult *r, int i, void *item)
{
        struct akd_org *o = item;
        memset(o, 0, sizeof(*o));
        akd_pg_get_text(r, i, 0, o->id, sizeof(o->id));
        akd_pg_get_text(r, i, 1, o->name, sizeof(o->name));
        o->created_at = akd_pg_get_int(r, i, 2);
        o->users = (unsigned)akd_pg_get_int(r, i, 3);
        return true;
}

enum akd_store_result akd_pg_org_get(struct akd_store *st, const char *name, struct akd_org *out)
{
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, name);
        return akd_pg_read_one(PG(st), Q_ORG_GET, &p, org_row, out);
}

enum akd_store_result akd_pg_org_list(struct akd_store *st, struct akd_org **list, size_t *count)
{
        return akd_pg_read(PG(st), Q_ORG_LIST, NULL, sizeof(**list), org_row, (void **)list, count);
}

struct org_ctx {
        const char *name;
        int64_t now;
        struct akd_org *out;
};

static enum akd_store_result run_org_create(struct akd_pg_conn *c, void *ctx)
{
        struct org_ctx *x = ctx;
        memset(x->out, 0, sizeof(*x->out));
        new_id(x->out->id);
        snprintf(x->out->name, sizeof(x->out->name), "%s", x->name);
        x->out->created_at = x->now;
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, x->out->id);
        akd_pg_p_text(&p, x->out->name);
        akd_pg_p_int(&p, x->now);
        long n = akd_pg_do(c, Q_ORG_INSERT, &p);
        return n < 0 ? AKD_STORE_ERROR : n == 0 ? AKD_STORE_EXISTS : AKD_STORE_OK;
}

enum akd_store_result akd_pg_org_create(struct akd_store *st, const char *name, int64_t now,
                                        struct akd_org *out)
{
        struct org_ctx x = {name, now, out};
        return akd_pg_run(PG(st), true, run_org_create, &x);
}

/* ---- work users ---- */

/* Whose an email is. */
struct owner {
        char account_id[AKD_ACCOUNT_ID_LEN + 1];
        char org_id[AKD_ACCOUNT_ID_LEN + 1]; /* "" for a recovery account */
        char org_name[AKD_ORG_NAME_MAX + 1];
        bool removed;
};

/* The account of `email` into *o; NOT_FOUND, OK or ERROR. */
static enum akd_store_result owner_of(struct akd_pg_conn *c, const char *email, struct owner *o)
{
        PGresult *r = akd_pg_exec1(c, Q_OWNER_OF, email);
        if (r == NULL)
                return AKD_STORE_ERROR;
        memset(o, 0, sizeof(*o));
        bool found = PQntuples(r) > 0;
        if (found) {
                akd_pg_get_text(r, 0, 0, o->account_id, sizeof(o->account_id));
                akd_pg_get_text(r, 0, 1, o->org_id, sizeof(o->org_id));
                akd_pg_get_text(r, 0, 2, o->org_name, sizeof(o->org_name));
                o->removed = !akd_pg_is_null(r, 0, 3);
        }
        PQclear(r);
        return found ? AKD_STORE_OK : AKD_STORE_NOT_FOUND;
}

/* The id of organisation `name`; NOT_FOUND, OK or ERROR. */
static enum akd_store_result org_id_of(struct akd_pg_conn *c, const char *name,
                                       char id[AKD_ACCOUNT_ID_LEN + 1])
{
        PGresult *r = akd_pg_exec1(c, Q_ORG_ID, name);
        if (r == NULL)
                return AKD_STORE_ERROR;
        bool found = PQntuples(r) > 0;
        if (found)
                akd_pg_get_text(r, 0, 0, id, AKD_ACCOUNT_ID_LEN + 1);
        PQclear(r);
        return found ? AKD_STORE_OK : AKD_STORE_NOT_FOUND;
}

/* The member `email` of `org` (removed ones too), under the email's lock; NOT_FOUND, OK, ERROR. */
static enum akd_store_result member_of(struct akd_pg_conn *c, const char *org, const char *email,
                                       struct owner *o)
{
        char org_id[AKD_ACCOUNT_ID_LEN + 1];
        if (akd_pg_lock(c, AKD_PG_LOCK_EMAIL, email) != 0)
                return AKD_STORE_ERROR;
        enum akd_store_result r = org_id_of(c, org, org_id);
        if (r == AKD_STORE_OK)
                r = owner_of(c, email, o);
        if (r == AKD_STORE_OK && strcmp(o->org_id, org_id) != 0)
                r = AKD_STORE_NOT_FOUND;
        return r;
}

struct user_ctx {
        const char *org, *email;
        int64_t now, expires_at;
        const uint8_t *hash;
        char *taken_by;
};

static enum akd_store_result run_user_add(struct akd_pg_conn *c, void *ctx)
{
        struct user_ctx *x = ctx;
        char org_id[AKD_ACCOUNT_ID_LEN + 1], id[AKD_ACCOUNT_ID_LEN + 1];
        struct owner o;
        x->taken_by[0] = '\0';
        if (akd_pg_lock(c, AKD_PG_LOCK_EMAIL, x->email) != 0)
                return AKD_STORE_ERROR;
        enum akd_store_result r = org_id_of(c, x->org, org_id);
        if (r != AKD_STORE_OK)
                return r;
        r = owner_of(c, x->email, &o);
        if (r == AKD_STORE_ERROR)
                return r;
        if (r == AKD_STORE_OK) {
                if (strcmp(o.org_id, org_id) != 0) {
                        snprintf(x->taken_by, AKD_ORG_NAME_MAX + 1, "%s", o.org_name);
                        return AKD_STORE_CONFLICT;
                }
                if (!o.removed)
                        return AKD_STORE_EXISTS;
                /* Taken back: a member again, with none of its old devices or codes. */
                struct akd_pg_params p = {0};
                akd_pg_p_text(&p, o.account_id);
                return akd_pg_do(c, Q_USER_RESTORE, &p) >= 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
        }
        new_id(id);
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, id);
        akd_pg_p_text(&p, x->email);
        akd_pg_p_text(&p, org_id);
        akd_pg_p_int(&p, x->now);
        long n = akd_pg_do(c, Q_USER_INSERT, &p);
        /* None inserted: a recovery account took the email meanwhile (accounts do not lock it). */
        return n < 0 ? AKD_STORE_ERROR : n == 0 ? AKD_STORE_CONFLICT : AKD_STORE_OK;
}

enum akd_store_result akd_pg_work_user_add(struct akd_store *st, const char *org, const char *email,
                                           int64_t now, char *taken_by)
{
        struct user_ctx x = {.org = org, .email = email, .now = now, .taken_by = taken_by};
        taken_by[0] = '\0';
        return akd_pg_run(PG(st), true, run_user_add, &x);
}

static enum akd_store_result run_user_remove(struct akd_pg_conn *c, void *ctx)
{
        static const enum akd_pg_query writes[] = {
            Q_USER_REMOVE,         Q_USER_REMOVE_DEVICES, Q_USER_VOID_ACTIVATIONS,
            Q_USER_EXPIRE_SIGNINS, Q_USER_REMOVED_EVENT,
        };
        struct user_ctx *x = ctx;
        struct owner o;
        enum akd_store_result r = member_of(c, x->org, x->email, &o);
        if (r != AKD_STORE_OK)
                return r;
        if (o.removed)
                return AKD_STORE_NOT_FOUND;
        for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
                struct akd_pg_params p = {0};
                akd_pg_p_text(&p, o.account_id);
                if (writes[i] != Q_USER_EXPIRE_SIGNINS)
                        akd_pg_p_int(&p, x->now);
                if (akd_pg_do(c, writes[i], &p) < 0)
                        return AKD_STORE_ERROR;
        }
        return AKD_STORE_OK;
}

enum akd_store_result akd_pg_work_user_remove(struct akd_store *st, const char *org,
                                              const char *email, int64_t now)
{
        struct user_ctx x = {.org = org, .email = email, .now = now};
        return akd_pg_run(PG(st), true, run_user_remove, &x);
}

static bool user_row(const PGresult *r, int i, void *item)
{
        struct akd_work_user *u = item;
        memset(u, 0, sizeof(*u));
        akd_pg_get_text(r, i, 0, u->account_id, sizeof(u->account_id));
        akd_pg_get_text(r, i, 1, u->email, sizeof(u->email));
        u->created_at = akd_pg_get_int(r, i, 2);
        u->removed_at = akd_pg_get_int(r, i, 3);
        u->devices = (unsigned)akd_pg_get_int(r, i, 4);
        u->last_used = akd_pg_get_int(r, i, 5);
        u->activations_open = (unsigned)akd_pg_get_int(r, i, 6);
        return true;
}

enum akd_store_result akd_pg_work_user_list(struct akd_store *st, const char *org, int64_t now,
                                            struct akd_work_user **list, size_t *count)
{
        struct akd_org o;
        enum akd_store_result r = akd_pg_org_get(st, org, &o);
        if (r != AKD_STORE_OK)
                return r;
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, org);
        akd_pg_p_int(&p, now);
        return akd_pg_read(PG(st), Q_USER_LIST, &p, sizeof(**list), user_row, (void **)list, count);
}

/* ---- activation codes ---- */

static enum akd_store_result run_activation_create(struct akd_pg_conn *c, void *ctx)
{
        struct user_ctx *x = ctx;
        struct owner o;
        enum akd_store_result r = member_of(c, x->org, x->email, &o);
        if (r != AKD_STORE_OK)
                return r;
        if (o.removed)
                return AKD_STORE_DELETED;
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, o.account_id);
        akd_pg_p_blob(&p, x->hash, AKD_ACTIVATION_HASH_LEN);
        akd_pg_p_int(&p, x->now);
        akd_pg_p_int(&p, x->expires_at);
        return akd_pg_do(c, Q_ACTIVATION_INSERT, &p) >= 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

enum akd_store_result akd_pg_activation_create(struct akd_store *st, const char *org,
                                               const char *email,
                                               const uint8_t hash[AKD_ACTIVATION_HASH_LEN],
                                               int64_t now, int64_t expires_at)
{
        struct user_ctx x = {
            .org = org, .email = email, .now = now, .expires_at = expires_at, .hash = hash};
        return akd_pg_run(PG(st), true, run_activation_create, &x);
}

/* The checks of an activation, before anything is written. */
static enum akd_store_result activation_checks(struct akd_pg_conn *c, const struct akd_activate *a,
                                               char account_id[AKD_ACCOUNT_ID_LEN + 1])
{
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, a->org);
        akd_pg_p_text(&p, a->email);
        akd_pg_p_blob(&p, a->code_hash, AKD_ACTIVATION_HASH_LEN);
        PGresult *r = akd_pg_exec(c, Q_ACTIVATION_FIND, &p);
        if (r == NULL)
                return AKD_STORE_ERROR;
        if (PQntuples(r) == 0) {
                PQclear(r);
                return AKD_STORE_NOT_FOUND;
        }
        akd_pg_get_text(r, 0, 0, account_id, AKD_ACCOUNT_ID_LEN + 1);
        bool used = !akd_pg_is_null(r, 0, 1), removed = !akd_pg_is_null(r, 0, 3);
        int64_t expires_at = akd_pg_get_int(r, 0, 2);
        PQclear(r);
        if (removed)
                return AKD_STORE_DELETED;
        if (used)
                return AKD_STORE_CONFLICT;
        if (expires_at <= a->now)
                return AKD_STORE_GONE;
        enum akd_store_result locked = akd_pg_lock_account(c, account_id);
        if (locked != AKD_STORE_OK)
                return locked;
        if (akd_pg_lock(c, AKD_PG_LOCK_DEVICE, a->device->id) != 0)
                return AKD_STORE_ERROR;
        struct akd_pg_params d = {0};
        akd_pg_p_text(&d, a->device->id);
        akd_pg_p_text(&d, account_id);
        int64_t others = akd_pg_one_int(c, Q_DEVICE_OTHERS, &d, 0);
        if (others != 0)
                return others < 0 ? AKD_STORE_ERROR : AKD_STORE_EXISTS;
        struct akd_pg_params m = {0};
        akd_pg_p_text(&m, account_id);
        akd_pg_p_text(&m, a->device->id);
        int64_t mine = akd_pg_one_int(c, Q_DEVICE_COUNT, &m, 0);
        if (mine < 0)
                return AKD_STORE_ERROR;
        return (uint64_t)mine >= a->max_devices ? AKD_STORE_LIMITED : AKD_STORE_OK;
}

static enum akd_store_result run_activate(struct akd_pg_conn *c, void *ctx)
{
        struct akd_activate *a = ctx;
        struct akd_device *d = a->device;
        char account_id[AKD_ACCOUNT_ID_LEN + 1];
        enum akd_store_result r = activation_checks(c, a, account_id);
        if (r != AKD_STORE_OK)
                return r;
        struct akd_pg_params t = {0};
        akd_pg_p_text(&t, d->id);
        akd_pg_p_int(&t, a->now);
        akd_pg_p_blob(&t, a->code_hash, AKD_ACTIVATION_HASH_LEN);
        long n = akd_pg_do(c, Q_ACTIVATION_TAKE, &t);
        if (n != 1)
                return n < 0 ? AKD_STORE_ERROR : AKD_STORE_CONFLICT;
        /* Verified at once: the administrator's code is the proof. */
        memcpy(d->account_id, account_id, sizeof(d->account_id));
        d->registered_at = a->now;
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, d->id);
        akd_pg_p_text(&p, d->account_id);
        akd_pg_p_text(&p, d->name);
        akd_pg_p_blob(&p, d->public_key, sizeof(d->public_key));
        akd_pg_p_blob(&p, d->totp_secret, sizeof(d->totp_secret));
        akd_pg_p_int(&p, a->now);
        if (akd_pg_do(c, Q_ACTIVATION_DEVICE, &p) < 0)
                return AKD_STORE_ERROR;
        return akd_pg_add_event(c, d->account_id, a->now, "device_activated", d->id, a->from, "") ==
                       0
                   ? AKD_STORE_OK
                   : AKD_STORE_ERROR;
}

enum akd_store_result akd_pg_activate(struct akd_store *st, struct akd_activate *a)
{
        return akd_pg_run(PG(st), true, run_activate, a);
}
