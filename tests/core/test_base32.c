/*
 * Base32: RFC 4648 §10 vectors both ways, the lenient decoding OTP secrets
 * need, and the inputs that must fail with a detail naming the character.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "authkeep/base32.h"

/* RFC 4648 §10, BASE32 column (the empty string aside: it decodes to nothing, which is an error).
 */
static const struct {
        const char *plain, *encoded, *padded;
} rfc4648[] = {
    {"f", "MY", "MY======"},           {"fo", "MZXQ", "MZXQ===="},
    {"foo", "MZXW6", "MZXW6==="},      {"foob", "MZXW6YQ", "MZXW6YQ="},
    {"fooba", "MZXW6YTB", "MZXW6YTB"}, {"foobar", "MZXW6YTBOI", "MZXW6YTBOI======"},
};

/* Decodes `in` and asserts it gives `want` (a C string). */
static void assert_decodes(const char *in, const char *want)
{
        unsigned char out[256];
        size_t len = 0;

        assert_int_equal(ak_base32_decode(out, sizeof(out), &len, in, strlen(in)), AK_OK);
        assert_int_equal(len, strlen(want));
        assert_memory_equal(out, want, len);
        assert_true(len <= ak_base32_decoded_max(strlen(in)));
}

/* Asserts that decoding `in` fails with `err` and a detail holding `detail`. */
static void assert_rejects(const char *in, enum ak_err err, const char *detail)
{
        unsigned char out[256];
        size_t len = 12345;

        assert_int_equal(ak_base32_decode(out, sizeof(out), &len, in, strlen(in)), err);
        assert_int_equal(len, 12345); /* untouched on failure */
        if (detail != NULL && strstr(ak_error_detail(), detail) == NULL)
                fail_msg("detail '%s' lacks '%s'", ak_error_detail(), detail);
}

static void test_rfc4648_encode(void **state)
{
        char out[64];

        (void)state;
        for (size_t i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
                size_t n = strlen(rfc4648[i].plain);

                assert_int_equal(ak_base32_encoded_size(n), strlen(rfc4648[i].encoded) + 1);
                assert_int_equal(
                    ak_base32_encode(out, sizeof(out), (const unsigned char *)rfc4648[i].plain, n),
                    AK_OK);
                assert_string_equal(out, rfc4648[i].encoded);
        }
        assert_int_equal(ak_base32_encoded_size(0), 1);
        assert_int_equal(ak_base32_encode(out, sizeof(out), NULL, 0), AK_OK);
        assert_string_equal(out, "");
}

static void test_rfc4648_decode(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
                assert_decodes(rfc4648[i].encoded, rfc4648[i].plain);
                assert_decodes(rfc4648[i].padded, rfc4648[i].plain);
        }
}

static void test_lenient(void **state)
{
        (void)state;
        assert_decodes("mzxw6ytboi", "foobar");
        assert_decodes("MzXw6YtBoI", "foobar");
        assert_decodes("MZXW 6YTB OI", "foobar");
        assert_decodes(" mzxw-6ytb-oi\n", "foobar");
        assert_decodes("MZXW6YTBOI==", "foobar"); /* partial padding */
        assert_decodes("MZXW6YTBOI= =", "foobar");
        assert_decodes("\tMZXW6\r\nYTBOI", "foobar");
        /* A typical OTP secret: 16 characters, 10 bytes. */
        assert_decodes("JBSWY3DPEHPK3PXP", "Hello!\xde\xad\xbe\xef");
}

static void test_rejects(void **state)
{
        (void)state;
        assert_rejects("MZXW1YTB", AK_ERR_BASE32, "'1' at position 5");
        assert_rejects("MZXW8", AK_ERR_BASE32, "'8' at position 5");
        assert_rejects("MZ0W", AK_ERR_BASE32, "'0' at position 3");
        assert_rejects("MZ.W", AK_ERR_BASE32, "'.' at position 3");
        assert_rejects("MZXW\x01", AK_ERR_BASE32, "\\x01 at position 5");
        assert_rejects("MZ\xc3\xa9W", AK_ERR_BASE32, "\\xC3 at position 3");
        assert_rejects("MY==MY", AK_ERR_BASE32, "'M' at position 5"); /* data after padding */
        assert_rejects("", AK_ERR_BASE32, "no data");
        assert_rejects("   ", AK_ERR_BASE32, "no data");
        assert_rejects("========", AK_ERR_BASE32, "no data");
        assert_rejects("M", AK_ERR_BASE32, "no data"); /* 5 bits: not a byte */
}

static void test_limits(void **state)
{
        unsigned char out[4];
        char text[8];
        size_t len = 99;
        const unsigned char five[5] = "abcde";

        (void)state;
        assert_int_equal(ak_base32_decode(out, sizeof(out), &len, "MZXW6YTB", 8), AK_ERR_LIMIT);
        assert_int_equal(len, 99);
        assert_int_equal(ak_base32_decode(out, sizeof(out), &len, "MZXW6YQ", 7), AK_OK);
        assert_int_equal(len, 4);
        assert_int_equal(ak_base32_encode(text, sizeof(text), five, 5), AK_ERR_LIMIT);
        assert_int_equal(ak_base32_encode(text, 9, NULL, 0), AK_OK);
        for (size_t n = 0; n < 100; n++)
                assert_true(ak_base32_decoded_max(ak_base32_encoded_size(n) - 1) == n);
}

/* Every length from 1 to 200 bytes of pseudo-random data survives encode then decode. */
static void test_round_trip(void **state)
{
        unsigned char data[200], back[200];
        char text[400];
        uint32_t x = 12345;

        (void)state;
        for (size_t n = 1; n <= sizeof(data); n++) {
                size_t len = 0;

                for (size_t i = 0; i < n; i++) {
                        x = x * 1103515245u + 12345u;
                        data[i] = (unsigned char)(x >> 16);
                }
                assert_int_equal(ak_base32_encode(text, sizeof(text), data, n), AK_OK);
                assert_int_equal(strlen(text) + 1, ak_base32_encoded_size(n));
                assert_int_equal(ak_base32_decode(back, sizeof(back), &len, text, strlen(text)),
                                 AK_OK);
                assert_int_equal(len, n);
                assert_memory_equal(back, data, n);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_rfc4648_encode), cmocka_unit_test(test_rfc4648_decode),
            cmocka_unit_test(test_lenient),        cmocka_unit_test(test_rejects),
            cmocka_unit_test(test_limits),         cmocka_unit_test(test_round_trip),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
