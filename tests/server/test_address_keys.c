/*
 * Unit tests of authkeepd's request-rate table and address keys
 * (ratelimit.c) on a synthetic clock: the table holds at most its cap of
 * keys and drops the least recently used one for a new key; an IPv6 client
 * is limited by its /64 and an IPv4-mapped one as IPv4.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <sodium.h>

#include "ratelimit.h"

/* Takes one request for `key` at time 0 (1 per second, bursts of 2). */
static long take(struct akd_limiter *l, const char *key)
{
        return akd_limiter_take(l, key, 1, 2, 0);
}

/* Drains `key`'s bucket: its next request must wait. */
static void drain(struct akd_limiter *l, const char *key)
{
        assert_int_equal(take(l, key), 0);
        assert_int_equal(take(l, key), 0);
        assert_int_equal(take(l, key), 1);
}

static void test_cap_and_lru(void **state)
{
        struct akd_limiter *l = akd_limiter_new(3);
        assert_non_null(l);
        drain(l, "a");
        drain(l, "b");
        drain(l, "c");
        assert_int_equal(akd_limiter_count(l), 3);
        assert_int_equal(take(l, "a"), 1); /* a is now the most recently used */
        drain(l, "d");                     /* takes the place of b, the least recently used */
        assert_int_equal(akd_limiter_count(l), 3);
        assert_int_equal(take(l, "a"), 1); /* a and d are remembered, still empty */
        assert_int_equal(take(l, "d"), 1);
        assert_int_equal(take(l, "b"), 0); /* b was forgotten: a full bucket (c goes) */
        assert_int_equal(take(l, "a"), 1);
        assert_int_equal(take(l, "c"), 0); /* c was forgotten too (d goes) */
        assert_int_equal(akd_limiter_count(l), 3);
        akd_limiter_free(l);
}

static void test_cap_holds_under_a_flood(void **state)
{
        /* A large table is split into shards; the cap holds for the whole. */
        const size_t cap = 20000;
        struct akd_limiter *l = akd_limiter_new(cap);
        char key[64];
        assert_non_null(l);
        for (unsigned i = 0; i < 5 * cap; i++) {
                snprintf(key, sizeof(key), "2001:db8:%x:%x::/64", i >> 16, i & 0xffff);
                assert_int_equal(akd_limiter_take(l, key, 1, 2, i / 1000.0), 0);
                assert_true(akd_limiter_count(l) <= cap);
        }
        assert_int_equal(akd_limiter_count(l), cap);
        /* The most recent keys are still there, drained by one request. */
        assert_int_equal(akd_limiter_take(l, key, 1, 1, 100), 0);
        assert_int_equal(akd_limiter_take(l, key, 1, 1, 100), 1);
        akd_limiter_free(l);
}

/* The key of the text address `text` (IPv4 or IPv6). */
static const char *key_of(const char *text)
{
        static char key[AKD_ADDRESS_KEY_MAX];
        struct sockaddr_in v4 = {.sin_family = AF_INET};
        struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
        if (inet_pton(AF_INET, text, &v4.sin_addr) == 1) {
                akd_address_key(key, (const struct sockaddr *)&v4);
        } else {
                assert_int_equal(inet_pton(AF_INET6, text, &v6.sin6_addr), 1);
                akd_address_key(key, (const struct sockaddr *)&v6);
        }
        return key;
}

static void test_address_keys(void **state)
{
        assert_string_equal(key_of("192.0.2.7"), "192.0.2.7");
        assert_string_equal(key_of("::ffff:192.0.2.7"), "192.0.2.7"); /* mapped: as IPv4 */
        assert_string_equal(key_of("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_string_equal(key_of("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
        assert_string_equal(key_of("2001:db8:1:3::1"), "2001:db8:1:3::/64");
        assert_string_equal(key_of("::1"), "::/64");
        assert_string_equal(key_of("fe80::1"), "fe80::/64");
        char key[AKD_ADDRESS_KEY_MAX];
        akd_address_key(key, NULL);
        assert_string_equal(key, "-");
}

static void test_one_bucket_per_64(void **state)
{
        struct akd_limiter *l = akd_limiter_new(100);
        char key[AKD_ADDRESS_KEY_MAX];
        assert_non_null(l);
        snprintf(key, sizeof(key), "%s", key_of("2001:db8:1:2::a"));
        assert_int_equal(akd_limiter_take(l, key, 1, 2, 0), 0);
        snprintf(key, sizeof(key), "%s", key_of("2001:db8:1:2:dead:beef:0:1"));
        assert_int_equal(akd_limiter_take(l, key, 1, 2, 0), 0);
        snprintf(key, sizeof(key), "%s", key_of("2001:db8:1:2::ffff"));
        assert_int_equal(akd_limiter_take(l, key, 1, 2, 0), 1); /* the same /64: drained */
        snprintf(key, sizeof(key), "%s", key_of("2001:db8:1:3::a"));
        assert_int_equal(akd_limiter_take(l, key, 1, 2, 0), 0); /* the next /64 */
        assert_int_equal(akd_limiter_count(l), 2);
        akd_limiter_free(l);
}

int main(void)
{
        if (sodium_init() < 0)
                return 1;
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_cap_and_lru),
            cmocka_unit_test(test_cap_holds_under_a_flood),
            cmocka_unit_test(test_address_keys),
            cmocka_unit_test(test_one_bucket_per_64),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
