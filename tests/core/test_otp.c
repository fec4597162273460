/*
 * HOTP, TOTP and Steam codes: every RFC 4226 Appendix D and RFC 6238
 * Appendix B vector, OpenSSL's own HMAC as a reference for random keys of
 * every length, 64-bit times and counters, and the parameters that must fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>

#include "authkeep/otp.h"

static const unsigned char seed20[] = "12345678901234567890";
static const unsigned char seed32[] = "12345678901234567890123456789012";
static const unsigned char seed64[] =
    "1234567890123456789012345678901234567890123456789012345678901234";

/* RFC 4226 Appendix D: HOTP-SHA1, 6 digits, counters 0..9. */
static void test_rfc4226(void **state)
{
        static const char *const want[] = {"755224", "287082", "359152", "969429", "338314",
                                           "254676", "287922", "162583", "399871", "520489"};
        char code[AK_CODE_MAX + 1];

        (void)state;
        for (uint64_t counter = 0; counter < 10; counter++) {
                assert_int_equal(ak_hotp(code, AK_HASH_SHA1, seed20, 20, counter, 6), AK_OK);
                assert_string_equal(code, want[counter]);
        }
}

/* RFC 6238 Appendix B: TOTP, 8 digits, 30 s, with the 20-, 32- and 64-byte seeds. */
static const struct {
        int64_t time;
        const char *sha1, *sha256, *sha512;
} rfc6238[] = {
    {59, "94287082", "46119246", "90693936"},
    {1111111109, "07081804", "68084774", "25091201"},
    {1111111111, "14050471", "67062674", "99943326"},
    {1234567890, "89005924", "91819424", "93441116"},
    {2000000000, "69279037", "90698825", "38618901"},
    {20000000000, "65353130", "77737706", "47863826"},
};

static void test_rfc6238(void **state)
{
        char code[AK_CODE_MAX + 1];

        (void)state;
        for (size_t i = 0; i < sizeof(rfc6238) / sizeof(rfc6238[0]); i++) {
                int64_t t = rfc6238[i].time;

                assert_int_equal(ak_totp(code, AK_HASH_SHA1, seed20, 20, t, 30, 8), AK_OK);
                assert_string_equal(code, rfc6238[i].sha1);
                assert_int_equal(ak_totp(code, AK_HASH_SHA256, seed32, 32, t, 30, 8), AK_OK);
                assert_string_equal(code, rfc6238[i].sha256);
                assert_int_equal(ak_totp(code, AK_HASH_SHA512, seed64, 64, t, 30, 8), AK_OK);
                assert_string_equal(code, rfc6238[i].sha512);
                /* Fewer digits are the same number modulo a smaller power of ten. */
                assert_int_equal(ak_totp(code, AK_HASH_SHA1, seed20, 20, t, 30, 6), AK_OK);
                assert_string_equal(code, rfc6238[i].sha1 + 2);
                assert_int_equal(ak_totp(code, AK_HASH_SHA512, seed64, 64, t, 30, 7), AK_OK);
                assert_string_equal(code, rfc6238[i].sha512 + 1);
        }
}

/* One thread's share of test_threads: every RFC 6238 vector, many times over. */
static void *vectors_in_loop(void *arg)
{
        char code[AK_CODE_MAX + 1];
        long *mismatches = arg;

        for (int round = 0; round < 2000; round++) {
                for (size_t i = 0; i < sizeof(rfc6238) / sizeof(rfc6238[0]); i++) {
                        if (ak_totp(code, AK_HASH_SHA1, seed20, 20, rfc6238[i].time, 30, 8) !=
                                AK_OK ||
                            strcmp(code, rfc6238[i].sha1) != 0)
                                ++*mismatches;
                        if (ak_totp(code, AK_HASH_SHA512, seed64, 64, rfc6238[i].time, 30, 8) !=
                                AK_OK ||
                            strcmp(code, rfc6238[i].sha512) != 0)
                                ++*mismatches;
                }
        }
        return NULL;
}

/* Codes need no shared state: four threads at once all get the right answers. */
static void test_threads(void **state)
{
        pthread_t threads[4];
        long mismatches[4] = {0};

        (void)state;
        for (int i = 0; i < 4; i++)
                assert_int_equal(pthread_create(&threads[i], NULL, vectors_in_loop, &mismatches[i]),
                                 0);
        for (int i = 0; i < 4; i++) {
                assert_int_equal(pthread_join(threads[i], NULL), 0);
                assert_int_equal(mismatches[i], 0);
        }
}

/* HOTP computed with OpenSSL's one-shot HMAC(): the reference for test_openssl_reference. */
static void reference_hotp(char out[AK_CODE_MAX + 1], const EVP_MD *md, const unsigned char *key,
                           size_t key_len, uint64_t counter, unsigned digits)
{
        unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
        unsigned mac_len = 0, offset;
        uint32_t bin, mod = 1;

        for (int i = 7; i >= 0; i--, counter >>= 8)
                msg[i] = (unsigned char)counter;
        assert_non_null(HMAC(md, key, (int)key_len, msg, sizeof(msg), mac, &mac_len));
        offset = mac[mac_len - 1] & 15;
        bin = (uint32_t)(mac[offset] & 0x7f) << 24 | (uint32_t)mac[offset + 1] << 16 |
              (uint32_t)mac[offset + 2] << 8 | mac[offset + 3];
        for (unsigned i = 0; i < digits; i++)
                mod *= 10;
        snprintf(out, AK_CODE_MAX + 1, "%0*u", (int)digits, (unsigned)(bin % mod));
}

/*
 * Keys of every length from 1 to 300 bytes (so also longer than SHA-512's
 * 128-byte block, where HMAC hashes the key first), all three hashes,
 * counters across the whole 64-bit range.
 */
static void test_openssl_reference(void **state)
{
        const EVP_MD *mds[] = {EVP_sha1(), EVP_sha256(), EVP_sha512()};
        unsigned char key[300];
        uint64_t x = 0x243f6a8885a308d3ULL;

        (void)state;
        for (size_t len = 1; len <= sizeof(key); len++) {
                for (int h = 0; h < 3; h++) {
                        char got[AK_CODE_MAX + 1], want[AK_CODE_MAX + 1];
                        uint64_t counter;
                        unsigned digits;

                        for (size_t i = 0; i < len; i++) {
                                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                                key[i] = (unsigned char)x;
                        }
                        counter = x >> (x & 63);
                        digits = 6 + (unsigned)(x % 3);
                        reference_hotp(want, mds[h], key, len, counter, digits);
                        assert_int_equal(ak_hotp(got, (enum ak_hash)h, key, len, counter, digits),
                                         AK_OK);
                        assert_string_equal(got, want);
                }
        }
}

/* Times past 2038 and time steps past 2^32 keep their full width. */
static void test_64bit(void **state)
{
        char a[AK_CODE_MAX + 1], b[AK_CODE_MAX + 1];
        int64_t t = (int64_t)1 << 40; /* year 36812 */

        (void)state;
        /* Step 2^40 with a 1 s period is the HOTP of counter 2^40, not of 2^40 mod 2^32 = 0. */
        assert_int_equal(ak_totp(a, AK_HASH_SHA1, seed20, 20, t, 1, 8), AK_OK);
        assert_int_equal(ak_hotp(b, AK_HASH_SHA1, seed20, 20, (uint64_t)1 << 40, 8), AK_OK);
        assert_string_equal(a, b);
        assert_int_equal(ak_hotp(b, AK_HASH_SHA1, seed20, 20, 0, 8), AK_OK);
        assert_string_not_equal(a, b);
        assert_int_equal(ak_totp(a, AK_HASH_SHA256, seed32, 32, INT64_MAX, 30, 6), AK_OK);
        assert_int_equal(ak_hotp(b, AK_HASH_SHA256, seed32, 32, (uint64_t)INT64_MAX / 30, 6),
                         AK_OK);
        assert_string_equal(a, b);
        assert_int_equal(ak_hotp(a, AK_HASH_SHA512, seed64, 64, UINT64_MAX, 8), AK_OK);
        assert_int_equal(strlen(a), 8);
        /* Any period: a 90 s step at 2000000000 is step 22222222. */
        assert_int_equal(ak_totp(a, AK_HASH_SHA1, seed20, 20, 2000000000, 90, 6), AK_OK);
        assert_int_equal(ak_hotp(b, AK_HASH_SHA1, seed20, 20, 22222222, 6), AK_OK);
        assert_string_equal(a, b);
}

/* Asserts `err` is `want` and the detail holds `detail`. */
static void assert_fails(enum ak_err err, enum ak_err want, const char *detail)
{
        assert_int_equal(err, want);
        if (strstr(ak_error_detail(), detail) == NULL)
                fail_msg("detail '%s' lacks '%s'", ak_error_detail(), detail);
}

static void test_bad_parameters(void **state)
{
        char code[AK_CODE_MAX + 1];

        (void)state;
        assert_fails(ak_hotp(code, AK_HASH_SHA1, seed20, 20, 0, 5), AK_ERR_OTP_PARAM,
                     "digits: 5 is outside 6..8");
        assert_fails(ak_hotp(code, AK_HASH_SHA1, seed20, 20, 0, 9), AK_ERR_OTP_PARAM,
                     "digits: 9 is outside 6..8");
        assert_fails(ak_totp(code, AK_HASH_SHA1, seed20, 20, 59, 0, 6), AK_ERR_OTP_PARAM, "period");
        assert_fails(ak_totp(code, AK_HASH_SHA1, seed20, 20, -1, 30, 6), AK_ERR_OTP_PARAM, "time");
        assert_fails(ak_hotp(code, AK_HASH_SHA1, NULL, 0, 0, 6), AK_ERR_OTP_PARAM, "secret");
        assert_fails(ak_hotp(code, AK_HASH_SHA1, seed20, 0, 0, 6), AK_ERR_OTP_PARAM, "secret");
        assert_fails(ak_hotp(code, (enum ak_hash)7, seed20, 20, 0, 6), AK_ERR_OTP_PARAM,
                     "algorithm");
        assert_fails(ak_steam(code, seed20, 20, 59, 0), AK_ERR_OTP_PARAM, "period");
        assert_fails(ak_steam(code, seed20, 20, -5, 30), AK_ERR_OTP_PARAM, "time");
}

static void test_remaining(void **state)
{
        (void)state;
        assert_int_equal(ak_totp_remaining(0, 30), 30);
        assert_int_equal(ak_totp_remaining(59, 30), 1);
        assert_int_equal(ak_totp_remaining(60, 30), 30);
        assert_int_equal(ak_totp_remaining(61, 30), 29);
        assert_int_equal(ak_totp_remaining(20000000000, 7), 7 - 20000000000 % 7);
        assert_int_equal(ak_totp_remaining(-1, 30), 1);
        assert_int_equal(ak_totp_remaining(12345, 1), 1);
}

/* Steam Guard codes are 5 characters of Steam's alphabet, changing with the time step. */
static void test_steam_shape(void **state)
{
        char a[AK_CODE_MAX + 1], b[AK_CODE_MAX + 1];

        (void)state;
        assert_int_equal(ak_steam(a, seed20, 20, 1000, 30), AK_OK);
        assert_int_equal(strlen(a), 5);
        assert_int_equal(strspn(a, "23456789BCDFGHJKMNPQRTVWXY"), 5);
        assert_int_equal(ak_steam(b, seed20, 20, 1019, 30), AK_OK);
        assert_string_equal(a, b);
        assert_int_equal(ak_steam(b, seed20, 20, 1020, 30), AK_OK);
        assert_string_not_equal(a, b);
}

/* ak_account_code dispatches on the type with the account's own parameters. */
static void test_account_code(void **state)
{
        struct ak_account acct;
        char a[AK_CODE_MAX + 1], b[AK_CODE_MAX + 1];

        (void)state;
        ak_account_init(&acct);
        assert_int_equal(ak_account_code(a, &acct, 59), AK_ERR_OTP_PARAM); /* no secret */
        assert_int_equal(ak_account_set_secret(&acct, seed32, 32), AK_OK);
        acct.hash = AK_HASH_SHA256;
        acct.digits = 8;
        assert_int_equal(ak_account_code(a, &acct, 1111111109), AK_OK);
        assert_string_equal(a, "68084774");
        acct.type = AK_OTP_HOTP;
        acct.counter = 1ULL << 33;
        assert_int_equal(ak_account_code(a, &acct, 0), AK_OK);
        assert_int_equal(ak_hotp(b, AK_HASH_SHA256, seed32, 32, 1ULL << 33, 8), AK_OK);
        assert_string_equal(a, b);
        acct.type = AK_OTP_STEAM;
        acct.hash = AK_HASH_SHA1;
        acct.digits = 5;
        acct.period = 30;
        assert_int_equal(ak_account_code(a, &acct, 1234567890), AK_OK);
        assert_int_equal(ak_steam(b, seed32, 32, 1234567890, 30), AK_OK);
        assert_string_equal(a, b);
        ak_account_clear(&acct);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_rfc4226),      cmocka_unit_test(test_rfc6238),
            cmocka_unit_test(test_threads),      cmocka_unit_test(test_openssl_reference),
            cmocka_unit_test(test_64bit),        cmocka_unit_test(test_bad_parameters),
            cmocka_unit_test(test_remaining),    cmocka_unit_test(test_steam_shape),
            cmocka_unit_test(test_account_code),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
