/*
 * Request rates and failed sign-ins, per client address and per recovery
 * account, kept in memory. A limiter is a hash table split into shards with
 * their own locks, so request threads seldom wait for each other. Each entry
 * holds a token bucket (requests) and a failure count (sign-ins). The table
 * is capped: past AKD_LIMITER_MAX entries, idle ones (bucket full, no recent
 * failure) are dropped, and if none is idle the oldest is reused.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "ratelimit.h"

#define SHARDS 16
#define BUCKETS_PER_SHARD 1024
#define ENTRIES_PER_SHARD_MAX 8192
#define KEY_MAX 80

struct entry {
        char key[KEY_MAX];
        double tokens;     /* token bucket */
        double refilled;   /* when the bucket was last topped up */
        unsigned failures; /* failed sign-ins in a row */
        double last_failure;
        double locked_until;
        struct entry *next;
};

struct shard {
        pthread_mutex_t lock;
        struct entry *buckets[BUCKETS_PER_SHARD];
        size_t count;
};

struct akd_limiter {
        struct shard shards[SHARDS];
};

struct akd_limiter *akd_limiter_new(void)
{
        struct akd_limiter *l = calloc(1, sizeof(*l));
        if (l == NULL)
                return NULL;
        for (int i = 0; i < SHARDS; i++)
                pthread_mutex_init(&l->shards[i].lock, NULL);
        return l;
}

void akd_limiter_free(struct akd_limiter *l)
{
        if (l == NULL)
                return;
        for (int i = 0; i < SHARDS; i++) {
                for (int b = 0; b < BUCKETS_PER_SHARD; b++) {
                        struct entry *e = l->shards[i].buckets[b];
                        while (e != NULL) {
                                struct entry *next = e->next;
                                free(e);
                                e = next;
                        }
                }
                pthread_mutex_destroy(&l->shards[i].lock);
        }
        free(l);
}

/* FNV-1a: spreads keys over shards and buckets. */
static uint32_t hash_key(const char *key)
{
        uint32_t h = 2166136261u;
        for (; *key != '\0'; key++) {
                h ^= (unsigned char)*key;
                h *= 16777619u;
        }
        return h;
}

/* Drops entries with nothing to remember (full bucket, no failure) in `sh`. */
static void sweep(struct shard *sh, double now, double burst_hint)
{
        for (int b = 0; b < BUCKETS_PER_SHARD; b++) {
                struct entry **pp = &sh->buckets[b];
                while (*pp != NULL) {
                        struct entry *e = *pp;
                        bool idle = e->failures == 0 && e->locked_until <= now &&
                                    now - e->refilled > 60.0 && e->tokens >= burst_hint;
                        if (idle || now - e->refilled > 3600.0) {
                                *pp = e->next;
                                free(e);
                                sh->count--;
                        } else {
                                pp = &e->next;
                        }
                }
        }
}

/*
 * The entry for `key` in its locked shard (*shard_out, unlock after use), made
 * if absent; NULL when out of memory (shard still locked).
 */
static struct entry *find(struct akd_limiter *l, const char *key, double now, double burst,
                          struct shard **shard_out)
{
        uint32_t h = hash_key(key);
        struct shard *sh = &l->shards[h % SHARDS];
        *shard_out = sh;
        pthread_mutex_lock(&sh->lock);
        struct entry **head = &sh->buckets[(h / SHARDS) % BUCKETS_PER_SHARD];
        for (struct entry *e = *head; e != NULL; e = e->next)
                if (strcmp(e->key, key) == 0)
                        return e;
        if (sh->count >= ENTRIES_PER_SHARD_MAX)
                sweep(sh, now, 0);
        struct entry *e = calloc(1, sizeof(*e));
        if (e == NULL)
                return NULL;
        snprintf(e->key, sizeof(e->key), "%s", key);
        e->tokens = burst;
        e->refilled = now;
        e->next = *head;
        *head = e;
        sh->count++;
        return e;
}

long akd_limiter_take(struct akd_limiter *l, const char *key, double rate, double burst, double now)
{
        if (rate <= 0)
                return 0;
        if (burst < 1)
                burst = 1;
        struct shard *sh;
        struct entry *e = find(l, key, now, burst, &sh);
        long wait = 0;
        if (e != NULL) {
                e->tokens = fmin(burst, e->tokens + (now - e->refilled) * rate);
                e->refilled = now;
                if (e->tokens >= 1.0) {
                        e->tokens -= 1.0;
                } else {
                        wait = (long)ceil((1.0 - e->tokens) / rate);
                        if (wait < 1)
                                wait = 1;
                }
        }
        pthread_mutex_unlock(&sh->lock);
        return wait;
}

long akd_limiter_fail_wait(struct akd_limiter *l, const char *key, double now,
                           const struct akd_fail_policy *p)
{
        struct shard *sh;
        struct entry *e = find(l, key, now, 1, &sh);
        double until = 0;
        if (e != NULL) {
                if (e->failures > 0 && now - e->last_failure > (double)p->forget_after)
                        e->failures = 0;
                if (e->locked_until > now)
                        until = e->locked_until;
                else if (p->slow_after > 0 && e->failures >= p->slow_after) {
                        unsigned shift = e->failures - p->slow_after;
                        double delay = shift >= 30 ? (double)p->lock_time : (double)(1u << shift);
                        if (delay > (double)p->lock_time)
                                delay = (double)p->lock_time;
                        if (e->last_failure + delay > now)
                                until = e->last_failure + delay;
                }
        }
        pthread_mutex_unlock(&sh->lock);
        if (until <= now)
                return 0;
        long wait = (long)ceil(until - now);
        return wait < 1 ? 1 : wait;
}

void akd_limiter_fail_record(struct akd_limiter *l, const char *key, double now,
                             const struct akd_fail_policy *p)
{
        struct shard *sh;
        struct entry *e = find(l, key, now, 1, &sh);
        if (e != NULL) {
                if (e->failures > 0 && now - e->last_failure > (double)p->forget_after)
                        e->failures = 0;
                e->failures++;
                e->last_failure = now;
                if (p->lock_after > 0 && e->failures >= p->lock_after)
                        e->locked_until = now + (double)p->lock_time;
        }
        pthread_mutex_unlock(&sh->lock);
}

void akd_limiter_fail_clear(struct akd_limiter *l, const char *key)
{
        struct shard *sh;
        struct entry *e = find(l, key, 0, 1, &sh);
        if (e != NULL) {
                e->failures = 0;
                e->locked_until = 0;
        }
        pthread_mutex_unlock(&sh->lock);
}
