/*
 * In-memory limits of authkeepd (ratelimit.c): token buckets for request rates
 * and counts of failed sign-ins, keyed by client address or account id.
 * Times are seconds of a monotonic clock (akd_mono()).
 */
#ifndef AUTHKEEPD_RATELIMIT_H
#define AUTHKEEPD_RATELIMIT_H

#include <stdint.h>

#include "server.h"

struct akd_limiter;

/* How failed sign-ins slow down and lock out one key. */
struct akd_fail_policy {
        unsigned slow_after;  /* from this many failures: wait 2^(n - slow_after) s */
        unsigned lock_after;  /* this many failures lock the key for lock_time */
        int64_t lock_time;    /* seconds */
        int64_t forget_after; /* failures older than this are forgotten */
};

/* A new, empty limiter (NULL when out of memory); free with akd_limiter_free(). */
struct akd_limiter *akd_limiter_new(void);
void akd_limiter_free(struct akd_limiter *l);

/*
 * Takes one request from `key`'s bucket (`rate` per second, `burst` at most).
 * Returns 0 when allowed, else the whole seconds to wait. A rate of 0 allows all.
 */
long akd_limiter_take(struct akd_limiter *l, const char *key, double rate, double burst,
                      double now);

/* Seconds `key` must wait before its next sign-in (0: may try now). */
long akd_limiter_fail_wait(struct akd_limiter *l, const char *key, double now,
                           const struct akd_fail_policy *p);

/* Counts one failed sign-in for `key`. */
void akd_limiter_fail_record(struct akd_limiter *l, const char *key, double now,
                             const struct akd_fail_policy *p);

/* Forgets `key`'s failures (after a successful sign-in). */
void akd_limiter_fail_clear(struct akd_limiter *l, const char *key);

#endif
