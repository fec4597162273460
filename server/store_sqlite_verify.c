/*
 * The SQLite store's verification after recovery (store.h): alternate
 * contacts and the one-time codes sent to them. Every write is one job of
 * the writer (store_sqlite.c), so that a code's check, its try count and
 * what its right use does (a device verified, a contact added) share one
 * transaction: two guesses at once cannot both get the last try.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "store_sqlite.h"

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

/* The statement `q` bound to (account, purpose, target) as ?1..?3. */
static sqlite3_stmt *code_stmt(struct akd_sq_conn *c, enum akd_sq_query query,
                               const char *account_id, enum akd_code_purpose purpose,
                               const char *target)
{
        sqlite3_stmt *q = akd_sq_text_stmt(c, query, account_id);
        if (q != NULL) {
                sqlite3_bind_text(q, 2, purpose_names[purpose], -1, SQLITE_STATIC);
                sqlite3_bind_text(q, 3, target, -1, SQLITE_STATIC);
        }
        return q;
}

/* What stepping a one-row read gave: OK (a row), NOT_FOUND, or ERROR (logged). */
static enum akd_store_result step_result(struct akd_sq_conn *c, int rc)
{
        if (rc == SQLITE_ROW)
                return AKD_STORE_OK;
        if (rc == SQLITE_DONE)
                return AKD_STORE_NOT_FOUND;
        akd_sq_log_error(c->db, "read");
        return AKD_STORE_ERROR;
}

/* ---- contacts ---- */

static bool contact_item(sqlite3_stmt *q, void *item)
{
        struct akd_contact *ct = item;
        char kind[16];
        memset(ct, 0, sizeof(*ct));
        akd_sq_column_text(q, 0, kind, sizeof(kind));
        ct->kind = kind_of(kind);
        akd_sq_column_text(q, 1, ct->value, sizeof(ct->value));
        ct->added_at = sqlite3_column_int64(q, 2);
        return true;
}

enum akd_store_result akd_sq_contacts_list(struct akd_store *st, const char *account_id,
                                           struct akd_contact **list, size_t *count)
{
        return akd_sq_read_list(st, Q_CONTACT_LIST, account_id, -1, sizeof(**list), contact_item,
                                (void **)list, count);
}

/* A write about one thing (`key`: a contact, a device) of an account. */
struct account_job {
        struct akd_sq_job job;
        const char *account_id, *key, *from;
        int64_t now;
};

/* Runs `run` as a writer job on (account, key) and waits for its commit. */
static enum akd_store_result
run_account_job(struct akd_store *st,
                enum akd_store_result (*run)(struct akd_sq_conn *c, struct akd_sq_job *j),
                const char *account_id, const char *key, int64_t now, const char *from)
{
        struct account_job j = {
            .job.run = run, .account_id = account_id, .key = key, .from = from, .now = now};
        return akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
}

static enum akd_store_result run_contact_remove(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct account_job *rj = (struct account_job *)j;
        sqlite3_stmt *q = akd_sq_text_stmt(c, Q_CONTACT_REMOVE, rj->account_id);
        if (q == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(q, 2, rj->key, -1, SQLITE_STATIC);
        if (akd_sq_step_done(c, q) != 0)
                return AKD_STORE_ERROR;
        if (sqlite3_changes(c->db) == 0)
                return AKD_STORE_NOT_FOUND;
        return akd_sq_add_event(c, rj->account_id, rj->now, "contact_removed", "", rj->from, "") ==
                       0
                   ? AKD_STORE_OK
                   : AKD_STORE_ERROR;
}

enum akd_store_result akd_sq_contact_remove(struct akd_store *st, const char *account_id,
                                            const char *value, int64_t now, const char *from)
{
        return run_account_job(st, run_contact_remove, account_id, value, now, from);
}

/* ---- verifying a device ---- */

/* Marks the device verified with an event; OK, OK when it was already, NOT_FOUND, ERROR. */
static enum akd_store_result verify_device(struct akd_sq_conn *c, const char *account_id,
                                           const char *device_id, int64_t now, const char *from)
{
        sqlite3_stmt *q = akd_sq_text_stmt(c, Q_DEVICE_KEY, device_id);
        if (q == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(q, 2, account_id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        bool verified = rc == SQLITE_ROW && sqlite3_column_type(q, 1) != SQLITE_NULL;
        sqlite3_reset(q);
        enum akd_store_result found = step_result(c, rc);
        if (found != AKD_STORE_OK)
                return found;
        if (verified)
                return AKD_STORE_OK;
        if ((q = akd_sq_text_stmt(c, Q_DEVICE_VERIFY, account_id)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(q, 2, device_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, now);
        if (akd_sq_step_done(c, q) != 0 ||
            akd_sq_add_event(c, account_id, now, "device_verified", device_id, from, "") != 0)
                return AKD_STORE_ERROR;
        return AKD_STORE_OK;
}

static enum akd_store_result run_verify_bare(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct account_job *vj = (struct account_job *)j;
        sqlite3_stmt *q = akd_sq_text_stmt(c, Q_CONTACT_COUNT, vj->account_id);
        if (q == NULL)
                return AKD_STORE_ERROR;
        int64_t contacts = akd_sq_one_int(c, q, 0);
        if (contacts < 0)
                return AKD_STORE_ERROR;
        if (contacts > 0)
                return AKD_STORE_CONFLICT;
        return verify_device(c, vj->account_id, vj->key, vj->now, vj->from);
}

enum akd_store_result akd_sq_device_verify_bare(struct akd_store *st, const char *account_id,
                                                const char *device_id, int64_t now,
                                                const char *from)
{
        return run_account_job(st, run_verify_bare, account_id, device_id, now, from);
}

/* ---- one-time codes ---- */

struct code_put_job {
        struct akd_sq_job job;
        const struct akd_code *code;
        const struct akd_code_policy *policy;
        int64_t retry_after;
};

/* Whether the account may be sent a code at `now`; false with *retry_after. */
static int may_send(struct akd_sq_conn *c, const char *account_id, int64_t now,
                    const struct akd_code_policy *policy, int64_t *retry_after)
{
        sqlite3_stmt *q = akd_sq_stmt(c, Q_CODE_SENDS_SWEEP);
        if (q == NULL)
                return -1;
        sqlite3_bind_int64(q, 1, now - HOUR);
        if (akd_sq_step_done(c, q) != 0 ||
            (q = akd_sq_text_stmt(c, Q_CODE_SENT, account_id)) == NULL)
                return -1;
        sqlite3_bind_int64(q, 2, now - HOUR);
        int rc = sqlite3_step(q);
        int64_t sent = 0, last = 0, first = 0;
        if (rc == SQLITE_ROW) {
                sent = sqlite3_column_int64(q, 0);
                last = sqlite3_column_int64(q, 1);
                first = sqlite3_column_int64(q, 2);
        }
        sqlite3_reset(q);
        if (rc != SQLITE_ROW) {
                akd_sq_log_error(c->db, "read");
                return -1;
        }
        *retry_after = 0;
        if (last > 0 && now - last < policy->resend_after)
                *retry_after = policy->resend_after - (now - last);
        if (sent >= (int64_t)policy->per_hour && first + HOUR - now > *retry_after)
                *retry_after = first + HOUR - now;
        return *retry_after > 0 ? 0 : 1;
}

static enum akd_store_result run_code_put(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct code_put_job *pj = (struct code_put_job *)j;
        const struct akd_code *k = pj->code;
        int may = may_send(c, k->account_id, k->created_at, pj->policy, &pj->retry_after);
        if (may < 0)
                return AKD_STORE_ERROR;
        if (may == 0)
                return AKD_STORE_LIMITED;
        sqlite3_stmt *q = code_stmt(c, Q_CODE_PUT, k->account_id, k->purpose, k->target);
        if (q == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(q, 4, kind_name(k->kind), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 5, k->destination, -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 6, k->hash, sizeof(k->hash), SQLITE_STATIC);
        sqlite3_bind_int64(q, 7, k->created_at);
        sqlite3_bind_int64(q, 8, k->expires_at);
        if (akd_sq_step_done(c, q) != 0 ||
            (q = akd_sq_text_stmt(c, Q_CODE_SEND, k->account_id)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_int64(q, 2, k->created_at);
        return akd_sq_step_done(c, q) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

enum akd_store_result akd_sq_code_put(struct akd_store *st, const struct akd_code *code,
                                      const struct akd_code_policy *policy, int64_t *retry_after)
{
        struct code_put_job j = {.job.run = run_code_put, .code = code, .policy = policy};
        enum akd_store_result r = akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
        *retry_after = j.retry_after;
        return r;
}

struct code_drop_job {
        struct akd_sq_job job;
        const struct akd_code *code;
};

static enum akd_store_result run_code_drop(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        const struct akd_code *k = ((struct code_drop_job *)j)->code;
        sqlite3_stmt *q = code_stmt(c, Q_CODE_DELETE, k->account_id, k->purpose, k->target);
        if (q == NULL || akd_sq_step_done(c, q) != 0 ||
            (q = akd_sq_text_stmt(c, Q_CODE_UNSEND, k->account_id)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_int64(q, 2, k->created_at);
        return akd_sq_step_done(c, q) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

enum akd_store_result akd_sq_code_drop(struct akd_store *st, const struct akd_code *code)
{
        struct code_drop_job j = {.job.run = run_code_drop, .code = code};
        return akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
}

struct code_use_job {
        struct akd_sq_job job;
        struct akd_code_use *use;
        const char *from;
};

/* Adds the contact a right code was for; OK, LIMITED or ERROR. */
static enum akd_store_result add_contact(struct akd_sq_conn *c, struct akd_code_use *u,
                                         enum akd_contact_kind kind, const char *from)
{
        sqlite3_stmt *q = akd_sq_text_stmt(c, Q_CONTACT_COUNT, u->account_id);
        if (q == NULL)
                return AKD_STORE_ERROR;
        int64_t count = akd_sq_one_int(c, q, 0);
        if (count < 0)
                return AKD_STORE_ERROR;
        if (count >= AKD_CONTACTS_MAX)
                return AKD_STORE_LIMITED;
        if ((q = akd_sq_text_stmt(c, Q_CONTACT_ADD, u->account_id)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(q, 2, kind_name(kind), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, u->target, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 4, u->now);
        int64_t added = akd_sq_one_int(c, q, -1);
        if (added < 0)
                return AKD_STORE_ERROR;
        u->contact.kind = kind;
        snprintf(u->contact.value, sizeof(u->contact.value), "%s", u->target);
        u->contact.added_at = added;
        return akd_sq_add_event(c, u->account_id, u->now, "contact_added", "", from, "") == 0
                   ? AKD_STORE_OK
                   : AKD_STORE_ERROR;
}

static enum akd_store_result run_code_use(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        struct code_use_job *uj = (struct code_use_job *)j;
        struct akd_code_use *u = uj->use;
        sqlite3_stmt *q = code_stmt(c, Q_CODE_GET, u->account_id, u->purpose, u->target);
        if (q == NULL)
                return AKD_STORE_ERROR;
        int rc = sqlite3_step(q);
        char kind[16] = "";
        uint8_t hash[AKD_CODE_HASH_LEN] = {0};
        int64_t expires_at = 0, tries = 0;
        bool whole = false;
        if (rc == SQLITE_ROW) {
                akd_sq_column_text(q, 0, kind, sizeof(kind));
                whole = (size_t)sqlite3_column_bytes(q, 2) == sizeof(hash);
                if (whole)
                        memcpy(hash, sqlite3_column_blob(q, 2), sizeof(hash));
                expires_at = sqlite3_column_int64(q, 3);
                tries = sqlite3_column_int64(q, 4);
        }
        sqlite3_reset(q);
        enum akd_store_result found = step_result(c, rc);
        if (found != AKD_STORE_OK)
                return found;
        bool right = whole && sodium_memcmp(hash, u->hash, sizeof(hash)) == 0;
        bool last = tries + 1 >= (int64_t)u->max_tries;
        bool expired = expires_at <= u->now;
        if (!right && !expired && !last) {
                if ((q = code_stmt(c, Q_CODE_TRY, u->account_id, u->purpose, u->target)) == NULL ||
                    akd_sq_step_done(c, q) != 0)
                        return AKD_STORE_ERROR;
                u->tries_left = (unsigned)(u->max_tries - (unsigned)(tries + 1));
                return AKD_STORE_CONFLICT;
        }
        /* Used, void after its last try, or expired: it goes. */
        if ((q = code_stmt(c, Q_CODE_DELETE, u->account_id, u->purpose, u->target)) == NULL ||
            akd_sq_step_done(c, q) != 0)
                return AKD_STORE_ERROR;
        if (expired || !right)
                return AKD_STORE_GONE;
        if (u->purpose == AKD_CODE_DEVICE)
                return verify_device(c, u->account_id, u->target, u->now, uj->from);
        return add_contact(c, u, kind_of(kind), uj->from);
}

enum akd_store_result akd_sq_code_use(struct akd_store *st, struct akd_code_use *u,
                                      const char *from)
{
        struct code_use_job j = {.job.run = run_code_use, .use = u, .from = from};
        return akd_sq_run_sync((struct akd_sq_store *)st, &j.job);
}
