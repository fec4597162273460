/*
 * Request rates per client address and per account, kept in memory, and the
 * arithmetic of failed sign-ins, whose counts live in the store.
 *
 * A limiter is a hash table of token buckets with a hard cap on its keys. A
 * client picks the keys (every IPv6 /64 it holds is one), so the table must
 * neither grow without end nor slow down as it fills: each shard keeps its
 * entries on a list from most to least recently used, a lookup moves its
 * entry to the front, and a new key past the cap reuses the entry at the
 * back. Lookup, insertion and eviction are all O(1); the hash is SipHash
 * with a key drawn at start, so that no client can aim at one chain. Large
 * tables are split into shards with their own locks, so that request
 * threads seldom wait for each other; the least recently used order then
 * holds within each shard.
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "ratelimit.h"

#define SHARDS_MAX 16
#define KEYS_PER_SHARD_MIN 1024 /* below 16 times this, one shard */

struct entry {
        char key[AKD_LIMITER_KEY_MAX + 1];
        double tokens;        /* token bucket */
        double refilled;      /* when the bucket was last topped up */
        struct entry *next;   /* in its hash chain */
        struct entry **pprev; /* what points to it in the chain */
        struct entry *newer;  /* toward the front of the use list */
        struct entry *older;  /* toward the back */
};

struct shard {
        pthread_mutex_t lock;
        struct entry **chains; /* n_chains heads */
        size_t n_chains;       /* a power of two, at least max */
        size_t count, max;
        struct entry *newest, *oldest;
};

struct akd_limiter {
        unsigned char hash_key[crypto_shorthash_KEYBYTES];
        size_t n_shards;
        struct shard shards[SHARDS_MAX];
};

struct akd_limiter *akd_limiter_new(size_t max_keys)
{
        struct akd_limiter *l = calloc(1, sizeof(*l));
        if (l == NULL)
                return NULL;
        if (max_keys < 1)
                max_keys = 1;
        crypto_shorthash_keygen(l->hash_key);
        l->n_shards = max_keys >= SHARDS_MAX * KEYS_PER_SHARD_MIN ? SHARDS_MAX : 1;
        for (size_t i = 0; i < l->n_shards; i++) {
                struct shard *sh = &l->shards[i];
                /* The first shards take the remainder: the caps add up to max_keys. */
                sh->max = max_keys / l->n_shards + (i < max_keys % l->n_shards ? 1 : 0);
                sh->n_chains = 1;
                while (sh->n_chains < sh->max)
                        sh->n_chains *= 2;
                sh->chains = calloc(sh->n_chains, sizeof(*sh->chains));
                pthread_mutex_init(&sh->lock, NULL);
                if (sh->chains == NULL) {
                        l->n_shards = i + 1;
                        akd_limiter_free(l);
                        return NULL;
                }
        }
        return l;
}

void akd_limiter_free(struct akd_limiter *l)
{
        if (l == NULL)
                return;
        for (size_t i = 0; i < l->n_shards; i++) {
                struct shard *sh = &l->shards[i];
                while (sh->newest != NULL) {
                        struct entry *e = sh->newest;
                        sh->newest = e->older;
                        free(e);
                }
                free(sh->chains);
                pthread_mutex_destroy(&sh->lock);
        }
        free(l);
}

/* ---- the use list and the chains of a shard ---- */

static void list_unlink(struct shard *sh, struct entry *e)
{
        if (e->newer != NULL)
                e->newer->older = e->older;
        else
                sh->newest = e->older;
        if (e->older != NULL)
                e->older->newer = e->newer;
        else
                sh->oldest = e->newer;
        e->newer = e->older = NULL;
}

static void list_push_front(struct shard *sh, struct entry *e)
{
        e->newer = NULL;
        e->older = sh->newest;
        if (sh->newest != NULL)
                sh->newest->newer = e;
        else
                sh->oldest = e;
        sh->newest = e;
}

static void chain_unlink(struct entry *e)
{
        *e->pprev = e->next;
        if (e->next != NULL)
                e->next->pprev = e->pprev;
}

static void chain_push(struct entry **head, struct entry *e)
{
        e->next = *head;
        if (*head != NULL)
                (*head)->pprev = &e->next;
        e->pprev = head;
        *head = e;
}

/*
 * The entry for `key` in its locked shard (*shard_out, unlock after use),
 * made with a full bucket of `burst` if absent, and made the most recently
 * used; NULL when out of memory (shard still locked).
 */
static struct entry *find(struct akd_limiter *l, const char *key, double now, double burst,
                          struct shard **shard_out)
{
        char cut[AKD_LIMITER_KEY_MAX + 1];
        snprintf(cut, sizeof(cut), "%s", key);
        uint64_t h;
        crypto_shorthash((unsigned char *)&h, (const unsigned char *)cut, strlen(cut), l->hash_key);
        struct shard *sh = &l->shards[h % l->n_shards];
        *shard_out = sh;
        pthread_mutex_lock(&sh->lock);
        struct entry **head = &sh->chains[(h / l->n_shards) & (sh->n_chains - 1)];
        struct entry *e = *head;
        while (e != NULL && strcmp(e->key, cut) != 0)
                e = e->next;
        if (e != NULL) {
                list_unlink(sh, e);
                list_push_front(sh, e);
                return e;
        }
        if (sh->count >= sh->max) {
                /* Full: the least recently used key gives its entry up. */
                e = sh->oldest;
                list_unlink(sh, e);
                chain_unlink(e);
        } else {
                e = malloc(sizeof(*e));
                if (e == NULL)
                        return NULL;
                sh->count++;
        }
        memcpy(e->key, cut, sizeof(cut));
        e->tokens = burst;
        e->refilled = now;
        chain_push(head, e);
        list_push_front(sh, e);
        return e;
}

long akd_bucket_wait(double tokens, double refilled, double rate, double burst, double now)
{
        if (rate <= 0)
                return 0;
        double t = fmin(burst, tokens + fmax(0, now - refilled) * rate);
        if (t >= 1.0)
                return 0;
        long wait = (long)ceil((1.0 - t) / rate);
        return wait < 1 ? 1 : wait;
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
                wait = akd_bucket_wait(e->tokens, e->refilled, rate, burst, now);
                e->tokens = fmin(burst, e->tokens + (now - e->refilled) * rate);
                e->refilled = now;
                if (wait == 0)
                        e->tokens -= 1.0;
        }
        pthread_mutex_unlock(&sh->lock);
        return wait;
}

size_t akd_limiter_count(struct akd_limiter *l)
{
        size_t n = 0;
        for (size_t i = 0; i < l->n_shards; i++) {
                pthread_mutex_lock(&l->shards[i].lock);
                n += l->shards[i].count;
                pthread_mutex_unlock(&l->shards[i].lock);
        }
        return n;
}

/* ---- client addresses ---- */

void akd_address_key(char out[AKD_ADDRESS_KEY_MAX], const struct sockaddr *sa)
{
        snprintf(out, AKD_ADDRESS_KEY_MAX, "-");
        if (sa == NULL)
                return;
        if (sa->sa_family == AF_INET) {
                inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
                          AKD_ADDRESS_KEY_MAX);
        } else if (sa->sa_family == AF_INET6) {
                struct in6_addr a = ((const struct sockaddr_in6 *)sa)->sin6_addr;
                if (IN6_IS_ADDR_V4MAPPED(&a)) {
                        inet_ntop(AF_INET, &a.s6_addr[12], out, AKD_ADDRESS_KEY_MAX);
                        return;
                }
                memset(&a.s6_addr[8], 0, 8);
                char text[INET6_ADDRSTRLEN];
                if (inet_ntop(AF_INET6, &a, text, sizeof(text)) != NULL)
                        snprintf(out, AKD_ADDRESS_KEY_MAX, "%s/64", text);
        }
}

/* ---- failed sign-ins ---- */

/* The failures of `c` that still count at `now`. */
static unsigned fail_current(const struct akd_fail_count *c, double now,
                             const struct akd_fail_policy *p)
{
        return now - c->last_failure > (double)p->forget_after ? 0 : c->failures;
}

long akd_fail_wait(const struct akd_fail_count *c, double now, const struct akd_fail_policy *p)
{
        unsigned n = fail_current(c, now, p);
        double delay = 0;
        if (p->lock_after > 0 && n >= p->lock_after) {
                delay = (double)p->lock_time;
        } else if (p->slow_after > 0 && n >= p->slow_after) {
                unsigned shift = n - p->slow_after;
                delay = shift >= 30 ? (double)p->lock_time : (double)(1u << shift);
                if (delay > (double)p->lock_time)
                        delay = (double)p->lock_time;
        }
        double until = c->last_failure + delay;
        if (n == 0 || until <= now)
                return 0;
        long wait = (long)ceil(until - now);
        return wait < 1 ? 1 : wait;
}

void akd_fail_add(struct akd_fail_count *c, double now, const struct akd_fail_policy *p)
{
        c->failures = fail_current(c, now, p) + 1;
        c->last_failure = now;
}
