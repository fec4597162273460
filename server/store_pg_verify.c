/*
 * The PostgreSQL store's verification after recovery (alternate contacts,
 * one-time codes) and sessions of the account page (store.h), with the
 * results of store_sqlite_verify.c and store_sqlite_portal.c. Each write
 * locks the account's row first, and a code's row (FOR UPDATE) before it
 * is checked: two guesses at once, through one process or two, cannot both
 * get the last try, and a code is used once. A push sign-in request opens
 * one portal session at most: one conditional UPDATE takes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store_pg.h"

#define PG(st) ((struct akd_pg_store *)(st))
#define HOUR 3600

static const char *const purpose_names[] = {
    [AKD_CODE_DEVICE] = "device",
    [AKD_CODE_CONTACT] = "contact",
};

static const char *kind_name(enum akd_contact_kind kind)
{
        return kind == AKD_CONTACT_PHONE ? "phone" : "email";
}

static enum akd_contact_kind kind_of(const char *name)
{
        return strcmp(name, "phone") == 0 ? AKD_CONTACT_PHONE : AKD_CONTACT_EMAIL;
}

/* (account, purpose, target) as $1..$3. */
static struct akd_pg_params code_key(const char *account_id, enum akd_code_purpose purpose,
                                     const char *target)
{
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, account_id);
        akd_pg_p_text(&p, purpose_names[purpose]);
        akd_pg_p_text(&p, target);
        return p;
}

/* ---- contacts ---- */

static bool contact_row(const PGresult *r, int i, void *item)
{
        struct akd_contact *ct = item;
        char kind[16];
        memset(ct, 0, sizeof(*ct));
        akd_pg_get_text(r, i, 0, kind, sizeof(kind));
        ct->kind = kind_of(kind);
        akd_pg_get_text(r, i, 1, ct->value, sizeof(ct->value));
        ct->added_at = akd_pg_get_int(r, i, 2);
        return true;
}

enum akd_store_result akd_pg_contacts_list(struct akd_store *st, const char *account_id,
                                           struct akd_contact **list, size_t *count)
{
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, account_id);
        return akd_pg_read(PG(st), Q_CONTACT_LIST, &p, sizeof(**list), contact_row, (void **)list,
                           count);
}

/* A write about one thing (`key`: a contact, a device) of an account. */
struct account_ctx {
        const char *account_id, *key, *from;
        int64_t now;
};

static enum akd_store_result run_contact_remove(struct akd_pg_conn *c, void *ctx)
{
        struct account_ctx *x = ctx;
        struct akd_pg_params p = {0};
        enum akd_store_result r = akd_pg_lock_account(c, x->account_id);
        if (r != AKD_STORE_OK)
                return r;
        akd_pg_p_text(&p, x->account_id);
        akd_pg_p_text(&p, x->key);
        long n = akd_pg_do(c, Q_CONTACT_REMOVE, &p);
        if (n <= 0)
                return n < 0 ? AKD_STORE_ERROR : AKD_STORE_NOT_FOUND;
        return akd_pg_add_event(c, x->account_id, x->now, "contact_removed", "", x->from, "") == 0
                   ? AKD_STORE_OK
                   : AKD_STORE_ERROR;
}

enum akd_store_result akd_pg_contact_remove(struct akd_store *st, const char *account_id,
                                            const char *value, int64_t now, const char *from)
{
        struct account_ctx x = {account_id, value, from, now};
        return akd_pg_run(PG(st), true, run_contact_remove, &x);
}

/* ---- verifying a device ---- */

/* Marks the device verified with an event; OK (also when it was already), NOT_FOUND, ERROR. */
static enum akd_store_result verify_device(struct akd_pg_conn *c, const char *account_id,
                                           const char *device_id, int64_t now, const char *from)
{
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, device_id);
        akd_pg_p_text(&p, account_id);
        PGresult *r = akd_pg_exec(c, Q_DEVICE_KEY, &p);
        if (r == NULL)
                return AKD_STORE_ERROR;
        bool found = PQntuples(r) > 0, verified = found && !akd_pg_is_null(r, 0, 1);
        PQclear(r);
        if (!found)
                return AKD_STORE_NOT_FOUND;
        if (verified)
                return AKD_STORE_OK;
        struct akd_pg_params v = {0};
        akd_pg_p_text(&v, account_id);
        akd_pg_p_text(&v, device_id);
        akd_pg_p_int(&v, now);
        long n = akd_pg_do(c, Q_DEVICE_VERIFY, &v);
        if (n < 0)
                return AKD_STORE_ERROR;
        if (n == 0)
                return AKD_STORE_OK; /* verified meanwhile */
        return akd_pg_add_event(c, account_id, now, "device_verified", device_id, from, "") == 0
                   ? AKD_STORE_OK
                   : AKD_STORE_ERROR;
}

static enum akd_store_result run_verify_bare(struct akd_pg_conn *c, void *ctx)
{
        struct account_ctx *x = ctx;
        enum akd_store_result r = akd_pg_lock_account(c, x->account_id);
        if (r != AKD_STORE_OK)
                return r;
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, x->account_id);
        int64_t contacts = akd_pg_one_int(c, Q_CONTACT_COUNT, &p, 0);
        if (contacts < 0)
                return AKD_STORE_ERROR;
        if (contacts > 0)
                return AKD_STORE_CONFLICT;
        return verify_device(c, x->account_id, x->key, x->now, x->from);
}

enum akd_store_result akd_pg_device_verify_bare(struct akd_store *st, const char *account_id,
                                                const char *device_id, int64_t now,
                                                const char *from)
{
        struct account_ctx x = {account_id, device_id, from, now};
        return akd_pg_run(PG(st), true, run_verify_bare, &x);
}

/* ---- one-time codes ---- */

struct code_put_ctx {
        const struct akd_code *code;
        const struct akd_code_policy *policy;
        int64_t retry_after;
};

/* Whether the account may be sent a code at `now`: 1, 0 (with *retry_after) or -1. */
static int may_send(struct akd_pg_conn *c, const char *account_id, int64_t now,
                    const struct akd_code_policy *policy, int64_t *retry_after)
{
        struct akd_pg_params w = {0};
        akd_pg_p_int(&w, now - HOUR);
        if (akd_pg_do(c, Q_CODE_SENDS_SWEEP, &w) < 0)
                return -1;
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, account_id);
        akd_pg_p_int(&p, now - HOUR);
        PGresult *r = akd_pg_exec(c, Q_CODE_SENT, &p);
        if (r == NULL)
                return -1;
        int64_t sent = akd_pg_get_int(r, 0, 0), last = akd_pg_get_int(r, 0, 1),
                first = akd_pg_get_int(r, 0, 2);
        PQclear(r);
        *retry_after = 0;
        if (last > 0 && now - last < policy->resend_after)
                *retry_after = policy->resend_after - (now - last);
        if (sent >= (int64_t)policy->per_hour && first + HOUR - now > *retry_after)
                *retry_after = first + HOUR - now;
        return *retry_after > 0 ? 0 : 1;
}

static enum akd_store_result run_code_put(struct akd_pg_conn *c, void *ctx)
{
        struct code_put_ctx *x = ctx;
        const struct akd_code *k = x->code;
        enum akd_store_result r = akd_pg_lock_account(c, k->account_id);
        if (r != AKD_STORE_OK)
                return r == AKD_STORE_NOT_FOUND ? AKD_STORE_ERROR : r;
        int may = may_send(c, k->account_id, k->created_at, x->policy, &x->retry_after);
        if (may <= 0)
                return may < 0 ? AKD_STORE_ERROR : AKD_STORE_LIMITED;
        struct akd_pg_params p = code_key(k->account_id, k->purpose, k->target);
        akd_pg_p_text(&p, kind_name(k->kind));
        akd_pg_p_text(&p, k->destination);
        akd_pg_p_blob(&p, k->hash, sizeof(k->hash));
        akd_pg_p_int(&p, k->created_at);
        akd_pg_p_int(&p, k->expires_at);
        if (akd_pg_do(c, Q_CODE_PUT, &p) < 0)
                return AKD_STORE_ERROR;
        struct akd_pg_params s = {0};
        akd_pg_p_text(&s, k->account_id);
        akd_pg_p_int(&s, k->created_at);
        return akd_pg_do(c, Q_CODE_SEND, &s) >= 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

enum akd_store_result akd_pg_code_put(struct akd_store *st, const struct akd_code *code,
                                      const struct akd_code_policy *policy, int64_t *retry_after)
{
        struct code_put_ctx x = {code, policy, 0};
        enum akd_store_result r = akd_pg_run(PG(st), true, run_code_put, &x);
        *retry_after = x.retry_after;
        return r;
}

static enum akd_store_result run_code_drop(struct akd_pg_conn *c, void *ctx)
{
        const struct akd_code *k = ctx;
        struct akd_pg_params p = code_key(k->account_id, k->purpose, k->target);
        if (akd_pg_do(c, Q_CODE_DELETE, &p) < 0)
                return AKD_STORE_ERROR;
        struct akd_pg_params s = {0};
        akd_pg_p_text(&s, k->account_id);
        akd_pg_p_int(&s, k->created_at);
        return akd_pg_do(c, Q_CODE_UNSEND, &s) >= 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

enum akd_store_result akd_pg_code_drop(struct akd_store *st, const struct akd_code *code)
{
        return akd_pg_run(PG(st), true, run_code_drop, (void *)code);
}

struct code_use_ctx {
        struct akd_code_use *use;
        const char *from;
};

/* Adds the contact a right code was for; OK, LIMITED or ERROR. */
static enum akd_store_result add_contact(struct akd_pg_conn *c, struct akd_code_use *u,
                                         enum akd_contact_kind kind, const char *from)
{
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, u->account_id);
        int64_t count = akd_pg_one_int(c, Q_CONTACT_COUNT, &p, 0);
        if (count < 0)
                return AKD_STORE_ERROR;
        if (count >= AKD_CONTACTS_MAX)
                return AKD_STORE_LIMITED;
        akd_pg_p_text(&p, kind_name(kind));
        akd_pg_p_text(&p, u->target);
        akd_pg_p_int(&p, u->now);
        int64_t added = akd_pg_one_int(c, Q_CONTACT_ADD, &p, -1);
        if (added < 0)
                return AKD_STORE_ERROR;
        u->contact.kind = kind;
        snprintf(u->contact.value, sizeof(u->contact.value), "%s", u->target);
        u->contact.added_at = added;
        return akd_pg_add_event(c, u->account_id, u->now, "contact_added", "", from, "") == 0
                   ? AKD_STORE_OK
                   : AKD_STORE_ERROR;
}

static enum akd_store_result run_code_use(struct akd_pg_conn *c, void *ctx)
{
        struct code_use_ctx *x = ctx;
        struct akd_code_use *u = x->use;
        enum akd_store_result res = akd_pg_lock_account(c, u->account_id);
        if (res != AKD_STORE_OK)
                return res;
        struct akd_pg_params p = code_key(u->account_id, u->purpose, u->target);
        PGresult *r = akd_pg_exec(c, Q_CODE_GET, &p);
        if (r == NULL)
                return AKD_STORE_ERROR;
        if (PQntuples(r) == 0) {
                PQclear(r);
                return AKD_STORE_NOT_FOUND;
        }
        char kind[16];
        uint8_t hash[AKD_CODE_HASH_LEN] = {0};
        akd_pg_get_text(r, 0, 0, kind, sizeof(kind));
        bool whole = akd_pg_get_blob(r, 0, 2, hash, sizeof(hash), sizeof(hash), NULL);
        int64_t expires_at = akd_pg_get_int(r, 0, 3), tries = akd_pg_get_int(r, 0, 4);
        PQclear(r);
        bool right = whole && sodium_memcmp(hash, u->hash, sizeof(hash)) == 0;
        bool last = tries + 1 >= (int64_t)u->max_tries;
        bool expired = expires_at <= u->now;
        if (!right && !expired && !last) {
                if (akd_pg_do(c, Q_CODE_TRY, &p) < 0)
                        return AKD_STORE_ERROR;
                u->tries_left = (unsigned)(u->max_tries - (unsigned)(tries + 1));
                return AKD_STORE_CONFLICT;
        }
        /* Used, void after its last try, or expired: it goes. */
        if (akd_pg_do(c, Q_CODE_DELETE, &p) < 0)
                return AKD_STORE_ERROR;
        if (expired || !right)
                return AKD_STORE_GONE;
        if (u->purpose == AKD_CODE_DEVICE)
                return verify_device(c, u->account_id, u->target, u->now, x->from);
        return add_contact(c, u, kind_of(kind), x->from);
}

enum akd_store_result akd_pg_code_use(struct akd_store *st, struct akd_code_use *u,
                                      const char *from)
{
        struct code_use_ctx x = {u, from};
        return akd_pg_run(PG(st), true, run_code_use, &x);
}

/* ---- sessions of the account page ---- */

struct portal_ctx {
        const uint8_t *hash;
        struct akd_portal_session *s;
        const char *signin_id;
        int64_t grace;
};

/* Why the request `id` cannot open a session: NOT_FOUND, CONFLICT or GONE. */
static enum akd_store_result signin_refusal(struct akd_pg_conn *c, const char *id)
{
        PGresult *r = akd_pg_exec1(c, Q_PORTAL_SIGNIN_STATE, id);
        if (r == NULL)
                return AKD_STORE_ERROR;
        enum akd_store_result res = AKD_STORE_NOT_FOUND;
        if (PQntuples(r) > 0 && strcmp(PQgetvalue(r, 0, 0), "approved") == 0)
                res = akd_pg_is_null(r, 0, 1) ? AKD_STORE_GONE : AKD_STORE_CONFLICT;
        PQclear(r);
        return res;
}

static enum akd_store_result run_portal_create(struct akd_pg_conn *c, void *ctx)
{
        struct portal_ctx *x = ctx;
        struct akd_portal_session *s = x->s;
        struct akd_pg_params w = {0};
        akd_pg_p_int(&w, s->created_at);
        if (akd_pg_do(c, Q_PORTAL_SWEEP, &w) < 0)
                return AKD_STORE_ERROR;
        if (x->signin_id != NULL) {
                struct akd_pg_params p = {0};
                akd_pg_p_text(&p, x->signin_id);
                akd_pg_p_int(&p, s->created_at);
                akd_pg_p_int(&p, x->grace);
                PGresult *r = akd_pg_exec(c, Q_PORTAL_USE_SIGNIN, &p);
                if (r == NULL)
                        return AKD_STORE_ERROR;
                bool taken = PQntuples(r) > 0;
                if (taken)
                        akd_pg_get_text(r, 0, 0, s->account_id, sizeof(s->account_id));
                PQclear(r);
                if (!taken)
                        return signin_refusal(c, x->signin_id);
        }
        struct akd_pg_params p = {0};
        akd_pg_p_blob(&p, x->hash, AKD_TOKEN_HASH_LEN);
        akd_pg_p_text(&p, s->account_id);
        akd_pg_p_text(&p, s->csrf);
        akd_pg_p_int(&p, s->created_at);
        akd_pg_p_int(&p, s->expires_at);
        return akd_pg_do(c, Q_PORTAL_INSERT, &p) >= 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

enum akd_store_result akd_pg_portal_create(struct akd_store *st,
                                           const uint8_t hash[AKD_TOKEN_HASH_LEN],
                                           struct akd_portal_session *s, const char *signin_id,
                                           int64_t grace)
{
        struct portal_ctx x = {hash, s, signin_id, grace};
        return akd_pg_run(PG(st), true, run_portal_create, &x);
}

static bool portal_row(const PGresult *r, int i, void *item)
{
        struct akd_portal_session *out = item;
        memset(out, 0, sizeof(*out));
        akd_pg_get_text(r, i, 0, out->account_id, sizeof(out->account_id));
        akd_pg_get_text(r, i, 1, out->csrf, sizeof(out->csrf));
        out->created_at = akd_pg_get_int(r, i, 2);
        out->expires_at = akd_pg_get_int(r, i, 3);
        return true;
}

enum akd_store_result akd_pg_portal_get(struct akd_store *st,
                                        const uint8_t hash[AKD_TOKEN_HASH_LEN], int64_t now,
                                        struct akd_portal_session *out)
{
        struct akd_pg_params p = {0};
        akd_pg_p_blob(&p, hash, AKD_TOKEN_HASH_LEN);
        enum akd_store_result r = akd_pg_read_one(PG(st), Q_PORTAL_GET, &p, portal_row, out);
        return r == AKD_STORE_OK && out->expires_at <= now ? AKD_STORE_NOT_FOUND : r;
}

static enum akd_store_result run_portal_delete(struct akd_pg_conn *c, void *ctx)
{
        struct akd_pg_params p = {0};
        akd_pg_p_blob(&p, ctx, AKD_TOKEN_HASH_LEN);
        long n = akd_pg_do(c, Q_PORTAL_DELETE, &p);
        return n < 0 ? AKD_STORE_ERROR : n > 0 ? AKD_STORE_OK : AKD_STORE_NOT_FOUND;
}

enum akd_store_result akd_pg_portal_delete(struct akd_store *st,
                                           const uint8_t hash[AKD_TOKEN_HASH_LEN])
{
        return akd_pg_run(PG(st), true, run_portal_delete, (void *)hash);
}
