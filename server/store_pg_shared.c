/*
 * The PostgreSQL store's part of the state that several authkeepd processes
 * share (store.h, docs/architecture.md): SRP sign-ins between their two
 * steps, the token buckets of the limits that hold across processes, the
 * nonces of Device headers, and the stamps of what long-polls wait on. The
 * hints that go with the stamps are store_pg_notify.c's.
 *
 * A sign-in is put under advisory locks on its account and its address, so
 * that two processes counting the caps at once do not both find room; the
 * whole server's cap (max_logins, a guard of the table's size) is counted
 * without a lock and may be passed by the puts running at that moment. A
 * sign-in is taken by one DELETE ... RETURNING: of two takers one gets it.
 * A bucket is taken by one conditional upsert, and so is a nonce: an
 * INSERT whose ON CONFLICT takes the row over only when it has expired, so
 * that of two processes given one header exactly one changes a row. These
 * writes commit with synchronous_commit off: a sign-in in progress, a token
 * or a nonce is not worth a WAL flush (a crash of PostgreSQL may forget the
 * last ones: a sign-in is started again, and a nonce forgotten may be
 * replayed only within its header's minute, as after a restart of a single
 * process that keeps its nonces in memory).
 *
 * The stamps are moved by triggers (akd_pg_shared_sql), in the transaction
 * of the change itself, whichever statement or process made it: a new push
 * sign-in request moves its account's (its devices wait), a request's state
 * changing moves its own (its requester waits), a device removed moves its
 * account's. The same trigger sends the key with NOTIFY, which PostgreSQL
 * delivers on commit.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

#define PG(st) ((struct akd_pg_store *)(st))
#define SWEEP_SECONDS 60.0
#define STAMP_KEEP_SECONDS 86400 /* a key's stamp unmoved this long goes */

const char akd_pg_shared_sql[] =
    "CREATE TABLE srp_logins ("
    " id text PRIMARY KEY, account_id text NOT NULL, address text NOT NULL,"
    " recovery boolean NOT NULL, fake boolean NOT NULL, generation bigint NOT NULL,"
    " expires_at double precision NOT NULL, sealed bytea NOT NULL);"
    "CREATE INDEX srp_logins_by_expiry ON srp_logins (expires_at);"
    "CREATE INDEX srp_logins_by_account ON srp_logins (account_id);"
    "CREATE INDEX srp_logins_by_address ON srp_logins (address);"
    "CREATE TABLE rate_buckets ("
    " key text PRIMARY KEY, tokens double precision NOT NULL,"
    " refilled double precision NOT NULL, full_at double precision NOT NULL);"
    "CREATE INDEX rate_buckets_by_full ON rate_buckets (full_at);"
    "CREATE TABLE wake_stamps ("
    " key text PRIMARY KEY, stamp bigint NOT NULL, at bigint NOT NULL);"
    "CREATE INDEX wake_stamps_by_at ON wake_stamps (at);"
    /* Microseconds as a first stamp: a key swept and stamped anew never repeats one. */
    "CREATE FUNCTION authkeep_wake(k text) RETURNS void LANGUAGE sql AS $$"
    " INSERT INTO wake_stamps AS w (key, stamp, at) VALUES (k,"
    "  (extract(epoch FROM clock_timestamp()) * 1000000)::bigint,"
    "  extract(epoch FROM now())::bigint)"
    " ON CONFLICT (key) DO UPDATE SET stamp = greatest(w.stamp + 1, excluded.stamp),"
    "  at = excluded.at;"
    " SELECT pg_notify('authkeep_wake', k);"
    " $$;"
    "CREATE FUNCTION authkeep_wake_signin() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    "  IF TG_OP = 'INSERT' THEN"
    "   IF NEW.account_id <> '' THEN PERFORM authkeep_wake(NEW.account_id); END IF;"
    "  ELSIF NEW.state IS DISTINCT FROM OLD.state THEN"
    "   PERFORM authkeep_wake(NEW.id);"
    "  END IF;"
    "  RETURN NULL;"
    " END $$;"
    "CREATE TRIGGER signin_requests_wake AFTER INSERT OR UPDATE OF state ON signin_requests"
    " FOR EACH ROW EXECUTE FUNCTION authkeep_wake_signin();"
    "CREATE FUNCTION authkeep_wake_device() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    "  IF NEW.removed_at IS NOT NULL AND OLD.removed_at IS NULL THEN"
    "   PERFORM authkeep_wake(NEW.account_id);"
    "  END IF;"
    "  RETURN NULL;"
    " END $$;"
    "CREATE TRIGGER devices_wake AFTER UPDATE OF removed_at ON devices"
    " FOR EACH ROW EXECUTE FUNCTION authkeep_wake_device();";

/* The key is BLAKE2b-128 of the device id and the nonce; `until` unix seconds. */
const char akd_pg_nonces_sql[] =
    "CREATE TABLE device_nonces (key bytea PRIMARY KEY, until bigint NOT NULL);"
    "CREATE INDEX device_nonces_by_until ON device_nonces (until);";

/*
 * Now and then, inside a transaction: drops expired sign-ins, full buckets,
 * expired nonces, old stamps.
 */
static int sweep_shared(struct akd_pg_store *s, struct akd_pg_conn *c, double now)
{
        if (now - s->shared_swept < SWEEP_SECONDS)
                return 0;
        s->shared_swept = now; /* a race here only sweeps twice */
        struct akd_pg_params p = {0}, old = {0};
        akd_pg_p_double(&p, now);
        akd_pg_p_int(&old, (int64_t)now - STAMP_KEEP_SECONDS);
        struct akd_pg_params seconds = {0};
        akd_pg_p_int(&seconds, (int64_t)now);
        return akd_pg_do(c, Q_LOGIN_SWEEP, &p) < 0 || akd_pg_do(c, Q_RATE_SWEEP, &p) < 0 ||
                       akd_pg_do(c, Q_NONCE_SWEEP, &seconds) < 0 ||
                       akd_pg_do(c, Q_WAKE_SWEEP, &old) < 0
                   ? -1
                   : 0;
}

/* ---- sign-ins in progress ---- */

struct put_ctx {
        struct akd_pg_store *s;
        const struct akd_login *l;
        double now;
        const struct akd_login_caps *caps;
        enum akd_login_cap cap;
};

static enum akd_store_result run_login_put(struct akd_pg_conn *c, void *ctx)
{
        struct put_ctx *x = ctx;
        const struct akd_login *l = x->l;
        if (akd_pg_do(c, Q_UNSYNCED, NULL) < 0 || sweep_shared(x->s, c, x->now) != 0 ||
            akd_pg_lock(c, AKD_PG_LOCK_LOGINS_ACCOUNT, l->account_id) != 0 ||
            akd_pg_lock(c, AKD_PG_LOCK_LOGINS_ADDRESS, l->address) != 0)
                return AKD_STORE_ERROR;
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, l->account_id);
        akd_pg_p_text(&p, l->address);
        akd_pg_p_double(&p, x->now);
        PGresult *r = akd_pg_exec(c, Q_LOGIN_COUNTS, &p);
        if (r == NULL)
                return AKD_STORE_ERROR;
        int64_t all = akd_pg_get_int(r, 0, 0), account = akd_pg_get_int(r, 0, 1),
                address = akd_pg_get_int(r, 0, 2);
        PQclear(r);
        if (all >= x->caps->max) {
                x->cap = AKD_LOGIN_CAP_ALL;
                return AKD_STORE_LIMITED;
        }
        if (x->caps->per_account > 0 && account >= x->caps->per_account) {
                x->cap = AKD_LOGIN_CAP_ACCOUNT;
                return AKD_STORE_LIMITED;
        }
        if (x->caps->per_address > 0 && address >= x->caps->per_address) {
                x->cap = AKD_LOGIN_CAP_ADDRESS;
                return AKD_STORE_LIMITED;
        }
        struct akd_pg_params q = {0};
        akd_pg_p_text(&q, l->id);
        akd_pg_p_text(&q, l->account_id);
        akd_pg_p_text(&q, l->address);
        akd_pg_p_int(&q, l->recovery);
        akd_pg_p_int(&q, l->fake);
        akd_pg_p_int(&q, (int64_t)l->generation);
        akd_pg_p_double(&q, l->expires_at);
        akd_pg_p_blob(&q, l->sealed, sizeof(l->sealed));
        return akd_pg_do(c, Q_LOGIN_INSERT, &q) == 1 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

enum akd_store_result akd_pg_login_put(struct akd_store *st, const struct akd_login *l, double now,
                                       const struct akd_login_caps *caps, enum akd_login_cap *cap)
{
        struct put_ctx x = {.s = PG(st), .l = l, .now = now, .caps = caps};
        enum akd_store_result r = akd_pg_run(PG(st), true, run_login_put, &x);
        *cap = x.cap;
        return r;
}

struct take_ctx {
        const char *id;
        double now;
        struct akd_login *out;
};

static enum akd_store_result run_login_take(struct akd_pg_conn *c, void *ctx)
{
        struct take_ctx *x = ctx;
        struct akd_login *l = x->out;
        PGresult *r = akd_pg_exec1(c, Q_LOGIN_TAKE, x->id);
        if (r == NULL)
                return AKD_STORE_ERROR;
        enum akd_store_result res = AKD_STORE_NOT_FOUND;
        size_t got = 0;
        if (PQntuples(r) == 1) {
                memset(l, 0, sizeof(*l));
                snprintf(l->id, sizeof(l->id), "%s", x->id);
                akd_pg_get_text(r, 0, 0, l->account_id, sizeof(l->account_id));
                akd_pg_get_text(r, 0, 1, l->address, sizeof(l->address));
                l->recovery = akd_pg_get_int(r, 0, 2) != 0;
                l->fake = akd_pg_get_int(r, 0, 3) != 0;
                l->generation = (uint64_t)akd_pg_get_int(r, 0, 4);
                l->expires_at = akd_pg_get_double(r, 0, 5);
                if (akd_pg_get_blob(r, 0, 6, l->sealed, sizeof(l->sealed), sizeof(l->sealed),
                                    &got) &&
                    l->expires_at > x->now)
                        res = AKD_STORE_OK;
        }
        PQclear(r);
        return res;
}

enum akd_store_result akd_pg_login_take(struct akd_store *st, const char *id, double now,
                                        struct akd_login *out)
{
        struct take_ctx x = {id, now, out};
        /* One statement: a retry after a lost connection finds the row gone, never twice. */
        return akd_pg_run(PG(st), false, run_login_take, &x);
}

/* ---- token buckets ---- */

struct rate_ctx {
        struct akd_pg_store *s;
        const char *key;
        double rate, burst, now;
        long wait;
};

static enum akd_store_result run_rate_take(struct akd_pg_conn *c, void *ctx)
{
        struct rate_ctx *x = ctx;
        if (akd_pg_do(c, Q_UNSYNCED, NULL) < 0 || sweep_shared(x->s, c, x->now) != 0)
                return AKD_STORE_ERROR;
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, x->key);
        akd_pg_p_double(&p, x->rate);
        akd_pg_p_double(&p, x->burst);
        akd_pg_p_double(&p, x->now);
        long taken = akd_pg_do(c, Q_RATE_TAKE, &p);
        if (taken < 0)
                return AKD_STORE_ERROR;
        x->wait = 0;
        if (taken == 1)
                return AKD_STORE_OK;
        /* Refused: how long until a token is there. */
        PGresult *r = akd_pg_exec1(c, Q_RATE_GET, x->key);
        if (r == NULL)
                return AKD_STORE_ERROR;
        bool row = PQntuples(r) == 1;
        double tokens = row ? akd_pg_get_double(r, 0, 0) : 0;
        double refilled = row ? akd_pg_get_double(r, 0, 1) : x->now;
        PQclear(r);
        x->wait = akd_bucket_wait(tokens, refilled, x->rate, x->burst, x->now);
        return AKD_STORE_OK;
}

enum akd_store_result akd_pg_rate_take(struct akd_store *st, const char *key, double rate,
                                       double burst, double now, long *wait)
{
        struct rate_ctx x = {PG(st), key, rate, burst < 1 ? 1 : burst, now, 0};
        *wait = 0;
        if (rate <= 0)
                return AKD_STORE_OK;
        enum akd_store_result r = akd_pg_run(PG(st), true, run_rate_take, &x);
        *wait = x.wait;
        return r;
}

/* ---- nonces of Device headers ---- */

struct nonce_ctx {
        struct akd_pg_store *s;
        const uint8_t *key;
        int64_t until, now;
};

static enum akd_store_result run_nonce_use(struct akd_pg_conn *c, void *ctx)
{
        struct nonce_ctx *x = ctx;
        if (akd_pg_do(c, Q_UNSYNCED, NULL) < 0 || sweep_shared(x->s, c, (double)x->now) != 0)
                return AKD_STORE_ERROR;
        struct akd_pg_params p = {0};
        akd_pg_p_blob(&p, x->key, 16);
        akd_pg_p_int(&p, x->until);
        akd_pg_p_int(&p, x->now);
        long taken = akd_pg_do(c, Q_NONCE_USE, &p);
        if (taken < 0)
                return AKD_STORE_ERROR;
        return taken == 1 ? AKD_STORE_OK : AKD_STORE_EXISTS;
}

enum akd_store_result akd_pg_nonce_use(struct akd_store *st, const uint8_t key[16], int64_t until,
                                       int64_t now)
{
        struct nonce_ctx x = {PG(st), key, until, now};
        return akd_pg_run(PG(st), true, run_nonce_use, &x);
}

/* ---- stamps ---- */

struct stamps_ctx {
        const char *const *keys;
        size_t n;
        uint64_t *stamps;
        char *array; /* the keys as a text[] literal */
};

static enum akd_store_result run_stamps(struct akd_pg_conn *c, void *ctx)
{
        struct stamps_ctx *x = ctx;
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, x->array);
        PGresult *r = akd_pg_exec(c, Q_WAKE_GET, &p);
        if (r == NULL)
                return AKD_STORE_ERROR;
        memset(x->stamps, 0, x->n * sizeof(*x->stamps));
        for (int i = 0; i < PQntuples(r); i++) {
                char key[AKD_ACCOUNT_ID_LEN + 1];
                akd_pg_get_text(r, i, 0, key, sizeof(key));
                for (size_t k = 0; k < x->n; k++)
                        if (strcmp(x->keys[k], key) == 0)
                                x->stamps[k] = (uint64_t)akd_pg_get_int(r, i, 1);
        }
        PQclear(r);
        return AKD_STORE_OK;
}

enum akd_store_result akd_pg_wake_stamps(struct akd_store *st, const char *const *keys, size_t n,
                                         uint64_t *stamps)
{
        /* Keys are ids of hex digits: a text[] literal needs no quoting, but check. */
        size_t len = 3;
        for (size_t i = 0; i < n; i++) {
                if (strspn(keys[i], "0123456789abcdef") != strlen(keys[i]) || keys[i][0] == '\0')
                        return AKD_STORE_ERROR;
                len += strlen(keys[i]) + 1;
        }
        struct stamps_ctx x = {keys, n, stamps, malloc(len)};
        if (x.array == NULL)
                return AKD_STORE_ERROR;
        char *w = x.array;
        *w++ = '{';
        for (size_t i = 0; i < n; i++)
                w += sprintf(w, "%s%s", i > 0 ? "," : "", keys[i]);
        strcpy(w, "}");
        enum akd_store_result r = akd_pg_run(PG(st), false, run_stamps, &x);
        free(x.array);
        return r;
}
