/*
 * The PostgreSQL store's accounts, sessions, backups and keys (store.h),
 * with the same results as store_sqlite_query.c. A check and the change
 * it allows share one transaction that locks the account's row first
 * (Q_LOCK_ACCOUNT, Q_BACKUP_STATE), so that two processes cannot both
 * pass it: a generation proved once, a backup version replaced once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store_pg.h"

#define PG(st) ((struct akd_pg_store *)(st))

/* ---- credentials ---- */

static void bind_credential(struct akd_pg_params *p, const struct akd_credential *cr)
{
        akd_pg_p_blob(p, cr->kdf.salt, sizeof(cr->kdf.salt));
        akd_pg_p_int(p, (int64_t)cr->kdf.opslimit);
        akd_pg_p_int(p, (int64_t)cr->kdf.memlimit);
        akd_pg_p_blob(p, cr->srp_salt, cr->srp_salt_len);
        akd_pg_p_blob(p, cr->srp_verifier, cr->srp_verifier_len);
        akd_pg_p_blob(p, cr->wrapped.nonce, sizeof(cr->wrapped.nonce));
        akd_pg_p_blob(p, cr->wrapped.ciphertext, sizeof(cr->wrapped.ciphertext));
}

/* 7 credential columns from `first`; false when NULL or malformed. */
static bool read_credential(const PGresult *r, int first, struct akd_credential *cr)
{
        if (akd_pg_is_null(r, 0, first))
                return false;
        cr->kdf.opslimit = (uint64_t)akd_pg_get_int(r, 0, first + 1);
        cr->kdf.memlimit = (uint64_t)akd_pg_get_int(r, 0, first + 2);
        return akd_pg_get_blob(r, 0, first, cr->kdf.salt, sizeof(cr->kdf.salt),
                               sizeof(cr->kdf.salt), NULL) &&
               akd_pg_get_blob(r, 0, first + 3, cr->srp_salt, 1, sizeof(cr->srp_salt),
                               &cr->srp_salt_len) &&
               akd_pg_get_blob(r, 0, first + 4, cr->srp_verifier, 1, sizeof(cr->srp_verifier),
                               &cr->srp_verifier_len) &&
               akd_pg_get_blob(r, 0, first + 5, cr->wrapped.nonce, sizeof(cr->wrapped.nonce),
                               sizeof(cr->wrapped.nonce), NULL) &&
               akd_pg_get_blob(r, 0, first + 6, cr->wrapped.ciphertext,
                               sizeof(cr->wrapped.ciphertext), sizeof(cr->wrapped.ciphertext),
                               NULL);
}

/* ---- accounts ---- */

/* Inside a transaction: locks the account; MOVED unless its generation is `generation`. */
static enum akd_store_result generation_is(struct akd_pg_conn *c, const char *account_id,
                                           uint64_t generation)
{
        PGresult *r = akd_pg_exec1(c, Q_LOCK_ACCOUNT, account_id);
        if (r == NULL)
                return AKD_STORE_ERROR;
        enum akd_store_result res = PQntuples(r) == 0 ? AKD_STORE_NOT_FOUND
                                    : (uint64_t)akd_pg_get_int(r, 0, 0) == generation
                                        ? AKD_STORE_OK
                                        : AKD_STORE_MOVED;
        PQclear(r);
        return res;
}

static enum akd_store_result generation_bump(struct akd_pg_conn *c, const char *account_id)
{
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, account_id);
        return akd_pg_do(c, Q_ACCOUNT_BUMP_GENERATION, &p) >= 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

static enum akd_store_result run_account_create(struct akd_pg_conn *c, void *ctx)
{
        const struct akd_account *acc = ctx;
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, acc->id);
        akd_pg_p_text(&p, acc->email);
        akd_pg_p_int(&p, acc->created_at);
        bind_credential(&p, &acc->password);
        if (acc->has_recovery) {
                bind_credential(&p, &acc->recovery);
        } else {
                for (int i = 0; i < 7; i++)
                        akd_pg_p_null(&p);
        }
        long n = akd_pg_do(c, Q_ACCOUNT_INSERT, &p);
        return n < 0 ? AKD_STORE_ERROR : n == 0 ? AKD_STORE_EXISTS : AKD_STORE_OK;
}

enum akd_store_result akd_pg_account_insert(struct akd_pg_conn *c, const struct akd_account *acc)
{
        return run_account_create(c, (void *)acc);
}

static enum akd_store_result pg_account_create(struct akd_store *st, const struct akd_account *acc)
{
        return akd_pg_run(PG(st), true, run_account_create, (void *)acc);
}

static bool account_row(const PGresult *r, int i, void *item)
{
        struct akd_account *out = item;
        (void)i;
        memset(out, 0, sizeof(*out));
        akd_pg_get_text(r, 0, 0, out->id, sizeof(out->id));
        akd_pg_get_text(r, 0, 1, out->email, sizeof(out->email));
        out->created_at = akd_pg_get_int(r, 0, 2);
        out->generation = (uint64_t)akd_pg_get_int(r, 0, 17);
        akd_pg_get_text(r, 0, 18, out->org_id, sizeof(out->org_id));
        out->removed = !akd_pg_is_null(r, 0, 19);
        if (out->org_id[0] != '\0')
                return true; /* a work user: no password, no recovery code */
        if (!read_credential(r, 3, &out->password)) {
                akd_log_event("store: account %s: malformed credential", out->id);
                return false;
        }
        out->has_recovery = read_credential(r, 10, &out->recovery);
        return true;
}

static enum akd_store_result account_lookup(struct akd_store *st, enum akd_pg_query q,
                                            const char *key, struct akd_account *out)
{
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, key);
        return akd_pg_read_one(PG(st), q, &p, account_row, out);
}

static enum akd_store_result pg_account_by_email(struct akd_store *st, const char *email,
                                                 struct akd_account *out)
{
        return account_lookup(st, Q_ACCOUNT_BY_EMAIL, email, out);
}

static enum akd_store_result pg_account_by_id(struct akd_store *st, const char *id,
                                              struct akd_account *out)
{
        return account_lookup(st, Q_ACCOUNT_BY_ID, id, out);
}

/* Ends every portal session of the account; 0 or -1. */
static int portal_drop_account(struct akd_pg_conn *c, const char *account_id)
{
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, account_id);
        return akd_pg_do(c, Q_PORTAL_DELETE_ACCOUNT, &p) >= 0 ? 0 : -1;
}

struct credentials_ctx {
        const char *account_id;
        uint64_t generation;
        const struct akd_credential *password;
        enum akd_recovery_change change;
        const struct akd_credential *recovery;
        const uint8_t *keep_hash;
};

static enum akd_store_result run_credentials_set(struct akd_pg_conn *c, void *ctx)
{
        struct credentials_ctx *x = ctx;
        enum akd_store_result r = generation_is(c, x->account_id, x->generation);
        if (r != AKD_STORE_OK || (r = generation_bump(c, x->account_id)) != AKD_STORE_OK)
                return r;
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, x->account_id);
        bind_credential(&p, x->password);
        if (akd_pg_do(c, Q_ACCOUNT_SET_PASSWORD, &p) < 0)
                return AKD_STORE_ERROR;
        if (x->change != AKD_RECOVERY_KEEP) {
                struct akd_pg_params q = {0};
                akd_pg_p_text(&q, x->account_id);
                if (x->change == AKD_RECOVERY_REPLACE)
                        bind_credential(&q, x->recovery);
                else
                        for (int i = 0; i < 7; i++)
                                akd_pg_p_null(&q);
                if (akd_pg_do(c, Q_ACCOUNT_SET_RECOVERY, &q) < 0)
                        return AKD_STORE_ERROR;
        }
        struct akd_pg_params d = {0};
        akd_pg_p_text(&d, x->account_id);
        akd_pg_p_blob(&d, x->keep_hash, AKD_TOKEN_HASH_LEN);
        return akd_pg_do(c, Q_SESSION_DELETE_OTHERS, &d) >= 0 &&
                       portal_drop_account(c, x->account_id) == 0
                   ? AKD_STORE_OK
                   : AKD_STORE_ERROR;
}

static enum akd_store_result pg_credentials_set(struct akd_store *st, const char *account_id,
                                                uint64_t generation,
                                                const struct akd_credential *password,
                                                enum akd_recovery_change change,
                                                const struct akd_credential *recovery,
                                                const uint8_t keep_token_hash[AKD_TOKEN_HASH_LEN])
{
        struct credentials_ctx x = {account_id, generation, password,
                                    change,     recovery,   keep_token_hash};
        return akd_pg_run(PG(st), true, run_credentials_set, &x);
}

/* ---- sessions (read from the database every time: see store_pg.c) ---- */

struct session_ctx {
        const uint8_t *hash;
        const char *account_id;
        const struct akd_session *session;
        uint64_t generation;
        bool consume;
};

static enum akd_store_result run_session_create(struct akd_pg_conn *c, void *ctx)
{
        struct session_ctx *x = ctx;
        enum akd_store_result r = generation_is(c, x->session->account_id, x->generation);
        if (r == AKD_STORE_OK && x->consume)
                r = generation_bump(c, x->session->account_id);
        if (r != AKD_STORE_OK)
                return r;
        struct akd_pg_params p = {0};
        akd_pg_p_blob(&p, x->hash, AKD_TOKEN_HASH_LEN);
        akd_pg_p_text(&p, x->session->account_id);
        akd_pg_p_int(&p, x->session->recovery ? 1 : 0);
        akd_pg_p_int(&p, x->session->created_at);
        akd_pg_p_int(&p, x->session->expires_at);
        return akd_pg_do(c, Q_SESSION_INSERT, &p) >= 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

static enum akd_store_result pg_session_create(struct akd_store *st,
                                               const uint8_t hash[AKD_TOKEN_HASH_LEN],
                                               const struct akd_session *session,
                                               uint64_t generation, bool consume)
{
        struct session_ctx x = {
            .hash = hash, .session = session, .generation = generation, .consume = consume};
        return akd_pg_run(PG(st), true, run_session_create, &x);
}

bool akd_pg_session_row(const PGresult *r, int i, void *item)
{
        struct akd_session *out = item;
        akd_pg_get_text(r, i, 0, out->account_id, sizeof(out->account_id));
        out->recovery = akd_pg_get_int(r, i, 1) != 0;
        out->created_at = akd_pg_get_int(r, i, 2);
        out->expires_at = akd_pg_get_int(r, i, 3);
        return true;
}

static enum akd_store_result pg_session_get(struct akd_store *st,
                                            const uint8_t hash[AKD_TOKEN_HASH_LEN], int64_t now,
                                            struct akd_session *out)
{
        struct akd_pg_params p = {0};
        struct akd_session s;
        akd_pg_p_blob(&p, hash, AKD_TOKEN_HASH_LEN);
        enum akd_store_result r =
            akd_pg_read_one(PG(st), Q_SESSION_GET, &p, akd_pg_session_row, &s);
        if (r != AKD_STORE_OK)
                return r;
        if (s.expires_at <= now)
                return AKD_STORE_NOT_FOUND;
        *out = s;
        return AKD_STORE_OK;
}

static enum akd_store_result run_session_delete(struct akd_pg_conn *c, void *ctx)
{
        struct session_ctx *x = ctx;
        struct akd_pg_params p = {0};
        if (x->hash != NULL) {
                akd_pg_p_blob(&p, x->hash, AKD_TOKEN_HASH_LEN);
                long n = akd_pg_do(c, Q_SESSION_DELETE, &p);
                return n < 0 ? AKD_STORE_ERROR : n > 0 ? AKD_STORE_OK : AKD_STORE_NOT_FOUND;
        }
        /* Revoking everything also refuses the sign-ins under way, and ends the account page's. */
        enum akd_store_result r = akd_pg_lock_account(c, x->account_id);
        if (r == AKD_STORE_ERROR)
                return r;
        akd_pg_p_text(&p, x->account_id);
        if (akd_pg_do(c, Q_SESSION_DELETE_ALL, &p) < 0 ||
            generation_bump(c, x->account_id) != AKD_STORE_OK ||
            portal_drop_account(c, x->account_id) != 0)
                return AKD_STORE_ERROR;
        return AKD_STORE_OK;
}

static enum akd_store_result pg_session_delete(struct akd_store *st,
                                               const uint8_t hash[AKD_TOKEN_HASH_LEN])
{
        struct session_ctx x = {.hash = hash};
        return akd_pg_run(PG(st), true, run_session_delete, &x);
}

static enum akd_store_result pg_session_delete_all(struct akd_store *st, const char *account_id)
{
        struct session_ctx x = {.account_id = account_id};
        return akd_pg_run(PG(st), true, run_session_delete, &x);
}

static bool count_row(const PGresult *r, int i, void *item)
{
        *(unsigned *)item = (unsigned)akd_pg_get_int(r, i, 0);
        return true;
}

static enum akd_store_result pg_session_count(struct akd_store *st, const char *account_id,
                                              int64_t now, unsigned *count)
{
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, account_id);
        akd_pg_p_int(&p, now);
        return akd_pg_read_one(PG(st), Q_SESSION_COUNT, &p, count_row, count);
}

/* ---- keys of the server's own ---- */

struct key_ctx {
        const char *name;
        uint8_t *out;
        size_t len;
};

static enum akd_store_result run_server_key(struct akd_pg_conn *c, void *ctx)
{
        struct key_ctx *x = ctx;
        uint8_t fresh[64];
        size_t got = 0;
        randombytes_buf(fresh, x->len);
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, x->name);
        akd_pg_p_blob(&p, fresh, x->len);
        long n = akd_pg_do(c, Q_SERVER_KEY_ADD, &p);
        sodium_memzero(fresh, sizeof(fresh));
        PGresult *r = n >= 0 ? akd_pg_exec1(c, Q_SERVER_KEY_GET, x->name) : NULL;
        if (r == NULL)
                return AKD_STORE_ERROR;
        bool ok = PQntuples(r) == 1 && akd_pg_get_blob(r, 0, 0, x->out, x->len, x->len, &got);
        PQclear(r);
        if (!ok)
                akd_log_event("store: server key %s: missing or not %zu bytes", x->name, x->len);
        return ok ? AKD_STORE_OK : AKD_STORE_ERROR;
}

static enum akd_store_result pg_server_key(struct akd_store *st, const char *name, uint8_t *out,
                                           size_t len)
{
        struct key_ctx x = {name, out, len};
        if (len == 0 || len > 64)
                return AKD_STORE_ERROR;
        return akd_pg_run(PG(st), true, run_server_key, &x);
}

/* ---- health ---- */

static bool any_row(const PGresult *r, int i, void *item)
{
        (void)r, (void)i, (void)item;
        return true;
}

static enum akd_store_result pg_health(struct akd_store *st)
{
        int unused;
        return akd_pg_read_one(PG(st), Q_HEALTH, NULL, any_row, &unused);
}

const struct akd_store_ops akd_pg_ops = {
    .name = "postgres",
    .close = akd_pg_close,
    .health = pg_health,
    .unavailable_for = akd_pg_unavailable_for,
    .account_create = pg_account_create,
    .account_by_email = pg_account_by_email,
    .account_by_id = pg_account_by_id,
    .credentials_set = pg_credentials_set,
    .session_create = pg_session_create,
    .session_get = pg_session_get,
    .session_delete = pg_session_delete,
    .session_delete_all = pg_session_delete_all,
    .session_count = pg_session_count,
    .backup_put = akd_pg_backup_put,
    .backup_get = akd_pg_backup_get,
    .session_backup_get = akd_pg_session_backup_get,
    .backup_list = akd_pg_backup_list,
    .backup_delete = akd_pg_backup_delete,
    .server_key = pg_server_key,
    .signin_counts = akd_pg_signin_counts,
    .signin_failed = akd_pg_signin_failed,
    .signin_succeeded = akd_pg_signin_succeeded,
    .device_put = akd_pg_device_put,
    .device_list = akd_pg_device_list,
    .device_get = akd_pg_device_get,
    .device_remove = akd_pg_device_remove,
    .device_touch = akd_pg_device_touch,
    .totp_accept = akd_pg_totp_accept,
    .signin_create = akd_pg_signin_create,
    .signin_get = akd_pg_signin_get,
    .signin_pending = akd_pg_signin_pending,
    .signin_answer = akd_pg_signin_answer,
    .events_list = akd_pg_events_list,
    .contacts_list = akd_pg_contacts_list,
    .contact_remove = akd_pg_contact_remove,
    .device_verify_bare = akd_pg_device_verify_bare,
    .code_put = akd_pg_code_put,
    .code_drop = akd_pg_code_drop,
    .code_use = akd_pg_code_use,
    .org_create = akd_pg_org_create,
    .org_get = akd_pg_org_get,
    .org_list = akd_pg_org_list,
    .work_user_add = akd_pg_work_user_add,
    .work_user_remove = akd_pg_work_user_remove,
    .work_user_list = akd_pg_work_user_list,
    .activation_create = akd_pg_activation_create,
    .activate = akd_pg_activate,
    .portal_create = akd_pg_portal_create,
    .portal_get = akd_pg_portal_get,
    .portal_delete = akd_pg_portal_delete,
    .login_put = akd_pg_login_put,
    .login_take = akd_pg_login_take,
    .rate_take = akd_pg_rate_take,
    .wake_stamps = akd_pg_wake_stamps,
    .nonce_use = akd_pg_nonce_use,
    .hints_listen = akd_pg_hints_listen,
    .backup_delete_kept = akd_pg_backup_delete_kept,
    .backup_deleted_list = akd_pg_backup_deleted_list,
    .backup_deleted_get = akd_pg_backup_deleted_get,
    .backup_undelete = akd_pg_backup_undelete,
    .backup_purge = akd_pg_backup_purge,
    .account_state = akd_pg_account_state,
    .account_delete = akd_pg_account_delete,
    .account_undelete = akd_pg_account_undelete,
    .account_purge = akd_pg_account_purge,
    .account_purge_due = akd_pg_account_purge_due,
    .lifecycle_sweep = akd_pg_lifecycle_sweep,
    .account_create_fresh = akd_pg_account_create_fresh,
};
