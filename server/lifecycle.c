/*
 * The grace period of deleted backups and accounts (server/lifecycle.h).
 * A delete keeps; a purge happens here, on its own thread: at start, then
 * every grace/2 within 1 s and 5 min, each account past its grace goes
 * with everything it holds, and so do the deleted versions of backups and
 * the tombstones past theirs. What `--now` purges goes at once, in its
 * request (api_lifecycle.c).
 *
 * A tombstone holds the BLAKE2b-256 of the email keyed with a key of the
 * server's (in the store, "email-tombstone"), never the email, and lasts
 * for the rest of the grace period of the account it replaces: an account
 * purged at the end of its grace leaves none.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "lifecycle.h"
#include "request_fields.h"

#define SWEEP_MIN 1
#define SWEEP_MAX 300

struct akd_lifecycle {
        uint8_t email_key[32];
        pthread_t thread;
        bool started, stop;
        pthread_mutex_t lock;
        pthread_cond_t cond;
};

int64_t akd_grace_since(const struct akd_server *srv, int64_t now)
{
        return now - srv->cfg->deleted_grace;
}

int64_t akd_grace_until(const struct akd_server *srv, int64_t deleted_at)
{
        return deleted_at + srv->cfg->deleted_grace;
}

void akd_email_hash(const struct akd_server *srv, const char *email,
                    uint8_t out[AKD_EMAIL_HASH_LEN])
{
        static const char tag[] = "authkeep-email-tombstone";
        crypto_generichash_state h;
        crypto_generichash_init(&h, srv->lifecycle->email_key, sizeof(srv->lifecycle->email_key),
                                AKD_EMAIL_HASH_LEN);
        crypto_generichash_update(&h, (const unsigned char *)tag, sizeof(tag));
        crypto_generichash_update(&h, (const unsigned char *)email, strlen(email));
        crypto_generichash_final(&h, out, AKD_EMAIL_HASH_LEN);
}

void akd_lifecycle_purge(struct akd_server *srv, int64_t now)
{
        struct akd_store *st = srv->store;
        int64_t before = akd_grace_since(srv, now);
        struct akd_account_due *due = NULL;
        size_t count = 0;
        unsigned purged = 0;
        if (st->ops->account_purge_due(st, before, &due, &count) == AKD_STORE_OK) {
                /* Their grace is over: the email is free again, no tombstone. */
                for (size_t i = 0; i < count; i++)
                        if (st->ops->account_purge(st, due[i].account_id, NULL, now) ==
                            AKD_STORE_OK)
                                purged++;
                sodium_memzero(due, count * sizeof(*due));
                free(due);
        }
        if (purged > 0)
                akd_log_event("purged %u deleted recovery account%s past the grace period", purged,
                              purged == 1 ? "" : "s");
        if (st->ops->lifecycle_sweep(st, before, &purged) == AKD_STORE_OK && purged > 0)
                akd_log_event("purged %u deleted backup version%s and tombstones past the grace "
                              "period",
                              purged, purged == 1 ? "" : "s");
}

static void *sweeper(void *arg)
{
        struct akd_server *srv = arg;
        struct akd_lifecycle *l = srv->lifecycle;
        int64_t every = srv->cfg->deleted_grace / 2;
        every = every < SWEEP_MIN ? SWEEP_MIN : every > SWEEP_MAX ? SWEEP_MAX : every;
        pthread_mutex_lock(&l->lock);
        while (!l->stop) {
                pthread_mutex_unlock(&l->lock);
                akd_lifecycle_purge(srv, akd_now());
                pthread_mutex_lock(&l->lock);
                struct timespec until;
                clock_gettime(CLOCK_MONOTONIC, &until);
                until.tv_sec += every;
                while (!l->stop && pthread_cond_timedwait(&l->cond, &l->lock, &until) == 0)
                        ;
        }
        pthread_mutex_unlock(&l->lock);
        return NULL;
}

int akd_lifecycle_start(struct akd_server *srv, char *err, size_t errlen)
{
        struct akd_lifecycle *l = calloc(1, sizeof(*l));
        if (l == NULL) {
                snprintf(err, errlen, "out of memory");
                return -1;
        }
        srv->lifecycle = l;
        if (srv->store->ops->server_key(srv->store, "email-tombstone", l->email_key,
                                        sizeof(l->email_key)) != AKD_STORE_OK) {
                snprintf(err, errlen, "cannot read or make the key of email tombstones");
                return -1;
        }
        pthread_condattr_t attr;
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_mutex_init(&l->lock, NULL);
        pthread_cond_init(&l->cond, &attr);
        pthread_condattr_destroy(&attr);
        if (pthread_create(&l->thread, NULL, sweeper, srv) != 0) {
                snprintf(err, errlen, "cannot start the thread that purges deleted backups");
                return -1;
        }
        l->started = true;
        return 0;
}

void akd_lifecycle_stop(struct akd_server *srv)
{
        struct akd_lifecycle *l = srv->lifecycle;
        if (l == NULL)
                return;
        if (l->started) {
                pthread_mutex_lock(&l->lock);
                l->stop = true;
                pthread_cond_signal(&l->cond);
                pthread_mutex_unlock(&l->lock);
                pthread_join(l->thread, NULL);
                pthread_mutex_destroy(&l->lock);
                pthread_cond_destroy(&l->cond);
        }
        sodium_memzero(l->email_key, sizeof(l->email_key));
        free(l);
        srv->lifecycle = NULL;
}

bool akd_account_deleted(struct akd_request *req, const char *account_id)
{
        struct akd_account_deleted d;
        return req->srv->store->ops->account_state(req->srv->store, account_id, &d) ==
               AKD_STORE_DELETED;
}

/* ---- POST /v1/account/undelete's body ---- */

static int fill_undelete(struct akd_undelete_req *r, json_t *root, struct akd_error *e)
{
        bool has;
        if (akd_json_proof(&r->proof, &has, root, e) != 0)
                return -1;
        return has ? 0 : akd_fail(e, 400, "bad_request", "proof: missing");
}

int akd_parse_undelete_req(struct akd_undelete_req *out, const char *body, size_t len,
                           struct akd_error *e)
{
        PARSE_OBJECT(out, body, len, e, fill_undelete);
}
