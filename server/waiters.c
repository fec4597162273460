/*
 * Long-polls: requests whose connection is suspended until something
 * changes for their key (a device's account, a requester's sign-in) or
 * their wait ends. libmicrohttpd never times out a suspended connection and
 * aborts when stopped with one, so this file keeps its own deadline for
 * each: a timer thread resumes those past it, and at shutdown every one is
 * resumed and the server waits for them to complete before stopping the
 * daemon.
 *
 * The waits live in the request (struct akd_wait), in lists hashed by key;
 * one mutex covers them all. Each list has a generation, moved on by every
 * wake of its keys: a handler that read the store before a wake sees the
 * generation moved and looks again instead of sleeping through it.
 *
 * With several processes on one database, what a wait waits on may change
 * in another process. The store's hints wake keys soon after such a commit
 * (akd_waiters_watch), and a poll thread reads, every AKD_WAIT_POLL_MS, the
 * stamps of every key waited on: a stamp other than the one the handler
 * read before it looked (akd_wait_look) wakes the key, so a hint lost costs
 * latency only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "http.h"

#define WAIT_BUCKETS 4096
#define TICK_NS 100000000L /* the timer's period: deadlines are kept to 0.1 s */
#define POLL_CHUNK 500     /* keys per read of stamps */

struct bucket {
        struct akd_wait *head;
        unsigned gen;
};

struct akd_waiters {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        unsigned max, suspended, live;
        bool stopping, timer_stop, timer_started;
        pthread_t timer;
        /* Following the store (akd_waiters_watch). */
        struct akd_store *store;
        bool poll_started;
        pthread_t poll;
        struct bucket buckets[WAIT_BUCKETS];
};

/* `ns` from now on the monotonic clock, for pthread_cond_timedwait. */
static struct timespec after_ns(long ns)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        t.tv_nsec += ns;
        if (t.tv_nsec >= 1000000000L) {
                t.tv_sec++;
                t.tv_nsec -= 1000000000L;
        }
        return t;
}

static struct timespec next_tick(void)
{
        return after_ns(TICK_NS);
}

static struct bucket *bucket_of(struct akd_waiters *w, const char *key)
{
        uint32_t h = 2166136261u;
        for (; *key != '\0'; key++)
                h = (h ^ (unsigned char)*key) * 16777619u;
        return &w->buckets[h % WAIT_BUCKETS];
}

/* Takes `wt` out of its list; lock held. */
static void unlink_wait(struct akd_waiters *w, struct bucket *b, struct akd_wait *wt)
{
        if (wt->prev != NULL)
                wt->prev->next = wt->next;
        else
                b->head = wt->next;
        if (wt->next != NULL)
                wt->next->prev = wt->prev;
        wt->prev = wt->next = NULL;
        wt->suspended = false;
        w->suspended--;
}

/* Takes `wt` out of its list and resumes its connection; lock held. */
static void resume(struct akd_waiters *w, struct bucket *b, struct akd_wait *wt)
{
        unlink_wait(w, b, wt);
        MHD_resume_connection(wt->req->conn);
}

static void *timer_main(void *arg)
{
        struct akd_waiters *w = arg;
        pthread_mutex_lock(&w->lock);
        while (!w->timer_stop) {
                double now = akd_mono();
                for (size_t i = 0; i < WAIT_BUCKETS && w->suspended > 0; i++) {
                        struct bucket *b = &w->buckets[i];
                        for (struct akd_wait *wt = b->head, *next; wt != NULL; wt = next) {
                                next = wt->next;
                                if (wt->deadline <= now)
                                        resume(w, b, wt);
                        }
                }
                struct timespec until = next_tick();
                pthread_cond_timedwait(&w->cond, &w->lock, &until);
        }
        pthread_mutex_unlock(&w->lock);
        return NULL;
}

struct akd_waiters *akd_waiters_new(unsigned max_waiting)
{
        struct akd_waiters *w = calloc(1, sizeof(*w));
        if (w == NULL)
                return NULL;
        pthread_condattr_t attr;
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->cond, &attr);
        pthread_condattr_destroy(&attr);
        w->max = max_waiting;
        if (pthread_create(&w->timer, NULL, timer_main, w) != 0) {
                akd_waiters_free(w);
                return NULL;
        }
        w->timer_started = true;
        return w;
}

void akd_waiters_free(struct akd_waiters *w)
{
        if (w == NULL)
                return;
        if (w->store != NULL && w->store->ops->hints_listen != NULL)
                w->store->ops->hints_listen(w->store, NULL, NULL);
        if (w->timer_started || w->poll_started) {
                pthread_mutex_lock(&w->lock);
                w->timer_stop = true;
                pthread_cond_broadcast(&w->cond);
                pthread_mutex_unlock(&w->lock);
        }
        if (w->timer_started)
                pthread_join(w->timer, NULL);
        if (w->poll_started)
                pthread_join(w->poll, NULL);
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->cond);
        free(w);
}

unsigned akd_wait_gen(struct akd_waiters *w, const char *key)
{
        pthread_mutex_lock(&w->lock);
        unsigned gen = bucket_of(w, key)->gen;
        pthread_mutex_unlock(&w->lock);
        return gen;
}

bool akd_wait(struct akd_request *req, const char *key, unsigned gen)
{
        struct akd_waiters *w = req->srv->waiters;
        struct akd_wait *wt = &req->wait;
        bool ok = false;
        pthread_mutex_lock(&w->lock);
        struct bucket *b = bucket_of(w, key);
        if (w->stopping || b->gen != gen || (w->max > 0 && w->suspended >= w->max) ||
            wt->deadline <= akd_mono())
                goto done;
        snprintf(wt->key, sizeof(wt->key), "%s", key);
        wt->req = req;
        wt->prev = NULL;
        wt->next = b->head;
        if (b->head != NULL)
                b->head->prev = wt;
        b->head = wt;
        wt->suspended = true;
        w->suspended++;
        if (!wt->registered) {
                wt->registered = true;
                w->live++;
        }
        /* Under the lock: no wake can resume it before it is suspended. */
        MHD_suspend_connection(req->conn);
        ok = true;
done:
        pthread_mutex_unlock(&w->lock);
        return ok;
}

bool akd_wait_suspended(struct akd_request *req)
{
        struct akd_waiters *w = req->srv->waiters;
        pthread_mutex_lock(&w->lock);
        bool s = req->wait.suspended;
        pthread_mutex_unlock(&w->lock);
        return s;
}

void akd_wait_end(struct akd_request *req)
{
        struct akd_waiters *w = req->srv->waiters;
        struct akd_wait *wt = &req->wait;
        if (w == NULL || !wt->registered)
                return;
        pthread_mutex_lock(&w->lock);
        if (wt->suspended) /* cannot happen: a suspended request does not complete */
                unlink_wait(w, bucket_of(w, wt->key), wt);
        wt->registered = false;
        w->live--;
        pthread_cond_broadcast(&w->cond);
        pthread_mutex_unlock(&w->lock);
}

/* Resumes every wait on `key`; lock held. */
static void wake_locked(struct akd_waiters *w, const char *key)
{
        struct bucket *b = bucket_of(w, key);
        b->gen++;
        for (struct akd_wait *wt = b->head, *next; wt != NULL; wt = next) {
                next = wt->next;
                if (strcmp(wt->key, key) == 0)
                        resume(w, b, wt);
        }
}

void akd_waiters_wake(struct akd_waiters *w, const char *key)
{
        pthread_mutex_lock(&w->lock);
        wake_locked(w, key);
        pthread_mutex_unlock(&w->lock);
}

void akd_waiters_stop(struct akd_waiters *w)
{
        pthread_mutex_lock(&w->lock);
        w->stopping = true;
        for (size_t i = 0; i < WAIT_BUCKETS; i++) {
                struct bucket *b = &w->buckets[i];
                b->gen++;
                while (b->head != NULL)
                        resume(w, b, b->head);
        }
        pthread_mutex_unlock(&w->lock);
}

bool akd_waiters_drain(struct akd_waiters *w, double seconds)
{
        double until = akd_mono() + seconds;
        pthread_mutex_lock(&w->lock);
        while (w->live > 0 && akd_mono() < until) {
                struct timespec t = next_tick();
                pthread_cond_timedwait(&w->cond, &w->lock, &t);
        }
        bool drained = w->live == 0;
        pthread_mutex_unlock(&w->lock);
        return drained;
}

/* ---- following the store ---- */

typedef char wake_key[AKD_ACCOUNT_ID_LEN + 1];

static int key_cmp(const void *a, const void *b)
{
        return strcmp(a, b);
}

/* The keys of every suspended wait, sorted, each once, in *keys (free()); lock held. */
static size_t waited_keys(struct akd_waiters *w, wake_key **keys)
{
        size_t n = 0, cap = w->suspended;
        *keys = cap > 0 ? malloc(cap * sizeof(**keys)) : NULL;
        if (*keys == NULL)
                return 0;
        for (size_t i = 0; i < WAIT_BUCKETS && n < cap; i++)
                for (struct akd_wait *wt = w->buckets[i].head; wt != NULL && n < cap; wt = wt->next)
                        memcpy((*keys)[n++], wt->key, sizeof(wake_key));
        qsort(*keys, n, sizeof(**keys), key_cmp);
        size_t u = 0;
        for (size_t i = 0; i < n; i++)
                if (u == 0 || strcmp((*keys)[u - 1], (*keys)[i]) != 0)
                        memmove((*keys)[u++], (*keys)[i], sizeof(wake_key));
        return u;
}

/* Reads the stamps of `n` keys in chunks; false when the store failed. */
static bool read_stamps(struct akd_store *st, wake_key *keys, size_t n, uint64_t *stamps)
{
        const char *ptrs[POLL_CHUNK];
        for (size_t at = 0; at < n; at += POLL_CHUNK) {
                size_t m = n - at < POLL_CHUNK ? n - at : POLL_CHUNK;
                for (size_t i = 0; i < m; i++)
                        ptrs[i] = keys[at + i];
                if (st->ops->wake_stamps(st, ptrs, m, stamps + at) != AKD_STORE_OK)
                        return false;
        }
        return true;
}

/* Wakes the keys whose stamp moved since their waits' handlers looked; lock held. */
static void wake_moved(struct akd_waiters *w, wake_key *keys, size_t n, const uint64_t *stamps)
{
        for (size_t i = 0; i < WAIT_BUCKETS; i++) {
                struct akd_wait *wt = w->buckets[i].head, *next;
                for (; wt != NULL; wt = next) {
                        next = wt->next;
                        wake_key *k = bsearch(wt->key, keys, n, sizeof(*keys), key_cmp);
                        if (k == NULL)
                                continue;
                        uint64_t stamp = stamps[k - keys];
                        if (!wt->stamp_known) {
                                wt->stamp = stamp; /* the handler could not read it */
                                wt->stamp_known = true;
                        } else if (wt->stamp != stamp) {
                                wake_locked(w, wt->key); /* may resume `next` too */
                                next = w->buckets[i].head;
                        }
                }
        }
}

static void *poll_main(void *arg)
{
        struct akd_waiters *w = arg;
        pthread_mutex_lock(&w->lock);
        while (!w->timer_stop) {
                struct timespec until = after_ns(AKD_WAIT_POLL_MS * 1000000L);
                while (!w->timer_stop &&
                       pthread_cond_timedwait(&w->cond, &w->lock, &until) != ETIMEDOUT)
                        ;
                if (w->timer_stop || w->suspended == 0)
                        continue;
                wake_key *keys;
                size_t n = waited_keys(w, &keys);
                pthread_mutex_unlock(&w->lock);
                uint64_t *stamps = n > 0 ? calloc(n, sizeof(*stamps)) : NULL;
                bool ok = stamps != NULL && read_stamps(w->store, keys, n, stamps);
                pthread_mutex_lock(&w->lock);
                if (ok)
                        wake_moved(w, keys, n, stamps);
                free(stamps);
                free(keys);
        }
        pthread_mutex_unlock(&w->lock);
        return NULL;
}

static void hint_wake(void *ctx, const char *key)
{
        akd_waiters_wake(ctx, key);
}

int akd_waiters_watch(struct akd_waiters *w, struct akd_store *st)
{
        w->store = st;
        if (st->ops->hints_listen != NULL)
                st->ops->hints_listen(st, hint_wake, w);
        if (st->ops->wake_stamps == NULL)
                return 0;
        if (pthread_create(&w->poll, NULL, poll_main, w) != 0)
                return -1;
        w->poll_started = true;
        return 0;
}

unsigned akd_wait_look(struct akd_request *req, const char *key)
{
        struct akd_waiters *w = req->srv->waiters;
        unsigned gen = akd_wait_gen(w, key);
        struct akd_store *st = w->store;
        req->wait.stamp_known = st != NULL && st->ops->wake_stamps != NULL &&
                                st->ops->wake_stamps(st, &key, 1, &req->wait.stamp) == AKD_STORE_OK;
        return gen;
}
