/*
 * The limits authkeepd puts on its clients (ratelimit.c): token buckets for
 * request rates, kept in memory in a table of capped size, the keys under
 * which client addresses are limited, and the rules of failed sign-ins,
 * whose counts the store keeps (store.h) so that they outlive a restart.
 */
#ifndef AUTHKEEPD_RATELIMIT_H
#define AUTHKEEPD_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "server.h"

struct sockaddr;

/* ---- request rates ---- */

struct akd_limiter;

/* Longest key of a limiter, NUL excluded; longer keys are cut. */
#define AKD_LIMITER_KEY_MAX 95

/*
 * A new, empty limiter that holds at most `max_keys` keys (at least 1): past
 * that, each new key takes the place of the key least recently used (in its
 * shard of the table, when the table is split for large caps). NULL when out
 * of memory; free with akd_limiter_free(), which accepts NULL.
 */
struct akd_limiter *akd_limiter_new(size_t max_keys);
void akd_limiter_free(struct akd_limiter *l);

/*
 * Takes one request from `key`'s bucket (`rate` per second, `burst` at most),
 * at `now` (seconds of a monotonic clock). Returns 0 when allowed, else the
 * whole seconds to wait. A rate of 0 allows all and remembers nothing.
 */
long akd_limiter_take(struct akd_limiter *l, const char *key, double rate, double burst,
                      double now);

/*
 * The whole seconds until a bucket of `tokens` topped up at `refilled`
 * (`rate` per second, `burst` at most) holds a token at `now`; 0 when it
 * does. The arithmetic of akd_limiter_take, for buckets kept elsewhere.
 */
long akd_bucket_wait(double tokens, double refilled, double rate, double burst, double now);

/* The number of keys `l` holds now. */
size_t akd_limiter_count(struct akd_limiter *l);

/* ---- client addresses ---- */

/* Room for an address key: an IPv6 text address and "/64", NUL included. */
#define AKD_ADDRESS_KEY_MAX 64

/*
 * The key under which a client is limited and counted: an IPv4 address as
 * itself ("192.0.2.7", also when it comes mapped into IPv6), an IPv6 address
 * as its /64 ("2001:db8:1:2::/64"), since one subscriber commonly holds a
 * whole /64; "-" for anything else.
 */
void akd_address_key(char out[AKD_ADDRESS_KEY_MAX], const struct sockaddr *sa);

/* ---- failed sign-ins ---- */

/* How failed sign-ins slow down and lock out under one count. */
struct akd_fail_policy {
        unsigned slow_after;  /* from this many failures: wait 2^(n - slow_after) s; 0: never */
        unsigned lock_after;  /* this many failures lock for lock_time; 0: never */
        int64_t lock_time;    /* seconds */
        int64_t forget_after; /* a count whose last failure is older is forgotten */
};

/* One count of failed sign-ins as the store keeps it. */
struct akd_fail_count {
        unsigned failures;
        double last_failure; /* wall-clock seconds (akd_wall()) */
};

/* The counts that one sign-in is checked against. */
enum akd_fail_scope {
        AKD_FAIL_ACCOUNT_ADDRESS, /* this account from this address key */
        AKD_FAIL_ACCOUNT,         /* this account from anywhere */
        AKD_FAIL_ADDRESS,         /* this address key for any account */
        AKD_FAIL_SCOPES
};

/* Seconds a sign-in under `c` must wait at `now` (0: may try now). */
long akd_fail_wait(const struct akd_fail_count *c, double now, const struct akd_fail_policy *p);

/* Counts one more failure at `now` into `c`. */
void akd_fail_add(struct akd_fail_count *c, double now, const struct akd_fail_policy *p);

#endif
