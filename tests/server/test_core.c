/*
 * Unit tests of authkeepd's core (authkeepd_core): strict base64, durations
 * and the config reader, the JSON nesting cap, token buckets, the rules
 * of slow-down and lockout on a synthetic clock, and alternate contacts'
 * one form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "ratelimit.h"
#include "server.h"
#include "verify.h"

static void test_b64_matches_libsodium(void **state)
{
        uint8_t data[300], back[300];
        char ours[512], theirs[512];
        randombytes_buf(data, sizeof(data));
        for (size_t len = 0; len <= sizeof(data); len++) {
                size_t n = akd_b64_encode_into(ours, data, len), got = 0;
                sodium_bin2base64(theirs, sizeof(theirs), data, len,
                                  sodium_base64_VARIANT_ORIGINAL);
                assert_string_equal(ours, theirs);
                assert_int_equal(n, AKD_B64_LEN(len));
                assert_int_equal(akd_b64_decode(back, sizeof(back), &got, ours, n), 0);
                assert_int_equal(got, len);
                assert_memory_equal(back, data, len);
        }
}

static void test_b64_refuses_what_is_not_strict(void **state)
{
        uint8_t out[16];
        size_t n;
        static const char *const bad[] = {
            "QUJD=",    /* length not a multiple of 4 */
            "QUJ",      /* no padding */
            "QU=D",     /* padding inside */
            "QUI=QUJD", /* padding before the end */
            "QUJ\n",    /* a newline */
            "QR==",     /* non-zero bits under the padding */
            "QUJ-",     /* base64url */
            "====",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(akd_b64_decode(out, sizeof(out), &n, bad[i], strlen(bad[i])), -1);
        assert_int_equal(akd_b64_decode(out, 2, &n, "QUJD", 4), -1); /* does not fit */
        assert_int_equal(akd_b64_decode(out, sizeof(out), &n, "QQ==", 4), 0);
        assert_int_equal(n, 1);
        assert_int_equal(out[0], 'A');
}

static void test_durations(void **state)
{
        assert_int_equal(akd_parse_duration("30"), 30);
        assert_int_equal(akd_parse_duration("30s"), 30);
        assert_int_equal(akd_parse_duration("15m"), 900);
        assert_int_equal(akd_parse_duration("12h"), 43200);
        assert_int_equal(akd_parse_duration("30d"), 2592000);
        assert_int_equal(akd_parse_duration(""), -1);
        assert_int_equal(akd_parse_duration("-5"), -1);
        assert_int_equal(akd_parse_duration("5w"), -1);
        assert_int_equal(akd_parse_duration("5 m"), -1);
        assert_int_equal(akd_parse_duration("99999999999999999999"), -1);
}

static void test_config_file(void **state)
{
        struct akd_config cfg;
        char err[256];
        static const char text[] = "# comment\n\n  listen = 127.0.0.1:9 # trailing\r\n"
                                   "keep-versions=3\nsession_ttl = 2h\nrate_account = 0.5\n";
        akd_config_defaults(&cfg);
        assert_int_equal(akd_config_parse(&cfg, text, strlen(text), err, sizeof(err)), 0);
        assert_string_equal(cfg.listen, "127.0.0.1:9");
        assert_int_equal(cfg.keep_versions, 3);
        assert_int_equal(cfg.session_ttl, 7200);
        assert_true(cfg.rate_account == 0.5);
        assert_int_equal(cfg.max_body, AKD_MAX_BODY_DEFAULT); /* untouched default */

        static const char *const bad[] = {"keep_versions 3\n", "nope = 1\n", "= 3\n",
                                          "threads = -1\n",    "db =\n",     "session_ttl = 1y\n",
                                          "a\0b = 1\n"};
        static const size_t bad_len[] = {16, 9, 4, 13, 5, 17, 8};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                err[0] = '\0';
                assert_int_equal(akd_config_parse(&cfg, bad[i], bad_len[i], err, sizeof(err)), -1);
                assert_non_null(strstr(err, "line 1: "));
        }
        assert_int_equal(akd_config_check(&cfg, err, sizeof(err)), -1); /* no db */
        assert_non_null(strstr(err, "--db"));
        akd_config_free(&cfg);
}

static void test_json_depth(void **state)
{
        struct akd_error e = {0};
        char body[64];
        strcpy(body, "{\"a\":[[[[[[[1]]]]]]]}"); /* 8 levels */
        json_t *j = akd_parse_json_object(body, strlen(body), &e);
        assert_non_null(j);
        json_decref(j);
        strcpy(body, "{\"a\":[[[[[[[[1]]]]]]]]}"); /* 9 levels */
        assert_null(akd_parse_json_object(body, strlen(body), &e));
        assert_string_equal(e.code, "bad_json");
        strcpy(body, "{\"a\":\"[[[[[[[[[[\\\"[[[[\"}"); /* brackets in a string */
        j = akd_parse_json_object(body, strlen(body), &e);
        assert_non_null(j);
        json_decref(j);
}

static void test_token_bucket(void **state)
{
        struct akd_limiter *l = akd_limiter_new(100);
        assert_non_null(l);
        for (int i = 0; i < 5; i++)
                assert_int_equal(akd_limiter_take(l, "1.2.3.4", 2, 5, 100.0), 0);
        assert_int_equal(akd_limiter_take(l, "1.2.3.4", 2, 5, 100.0), 1);
        assert_int_equal(akd_limiter_take(l, "5.6.7.8", 2, 5, 100.0), 0); /* another key */
        assert_int_equal(akd_limiter_take(l, "1.2.3.4", 2, 5, 100.5), 0); /* one refilled */
        assert_int_equal(akd_limiter_take(l, "1.2.3.4", 0.25, 5, 100.5), 4);
        assert_int_equal(akd_limiter_take(l, "1.2.3.4", 0, 5, 100.5), 0); /* off */
        akd_limiter_free(l);
}

static void test_failures(void **state)
{
        struct akd_fail_count c = {0};
        struct akd_fail_policy p = {
            .slow_after = 2, .lock_after = 4, .lock_time = 60, .forget_after = 60};
        assert_int_equal(akd_fail_wait(&c, 10, &p), 0);
        akd_fail_add(&c, 10, &p);
        assert_int_equal(akd_fail_wait(&c, 10, &p), 0);
        akd_fail_add(&c, 10, &p);
        assert_int_equal(akd_fail_wait(&c, 10, &p), 1); /* 2^0 */
        assert_int_equal(akd_fail_wait(&c, 11, &p), 0);
        akd_fail_add(&c, 11, &p);
        assert_int_equal(akd_fail_wait(&c, 11, &p), 2); /* 2^1 */
        akd_fail_add(&c, 13, &p);
        assert_int_equal(akd_fail_wait(&c, 13, &p), 60); /* locked */
        assert_int_equal(akd_fail_wait(&c, 72.5, &p), 1);
        assert_int_equal(akd_fail_wait(&c, 74, &p), 0); /* forgotten */
        akd_fail_add(&c, 74, &p);
        assert_int_equal(c.failures, 1); /* counting starts again */
        struct akd_fail_policy lock_only = {.lock_after = 3, .lock_time = 60, .forget_after = 60};
        struct akd_fail_count d = {0};
        akd_fail_add(&d, 10, &lock_only);
        akd_fail_add(&d, 10, &lock_only);
        assert_int_equal(akd_fail_wait(&d, 10, &lock_only), 0); /* no slow-down */
        akd_fail_add(&d, 10, &lock_only);
        assert_int_equal(akd_fail_wait(&d, 10, &lock_only), 60);
}

static void test_email(void **state)
{
        char out[AKD_EMAIL_MAX + 1];
        struct akd_error e = {0};
        assert_int_equal(akd_normalize_email(out, "Alice@Example.COM", &e), 0);
        assert_string_equal(out, "alice@example.com");
        assert_int_equal(akd_normalize_email(out, "@example.com", &e), -1);
        assert_int_equal(akd_normalize_email(out, "alice@", &e), -1);
        assert_int_equal(akd_normalize_email(out, "a@b@c", &e), -1);
        assert_int_equal(akd_normalize_email(out, "a\tb@c", &e), -1);
        assert_int_equal(e.status, 400);
}

static void test_contacts(void **state)
{
        char out[AKD_CONTACT_MAX + 1];
        struct akd_error e = {0};
        const enum akd_contact_kind phone = AKD_CONTACT_PHONE, email = AKD_CONTACT_EMAIL;
        (void)state;
        assert_int_equal(akd_contact_normalize(out, "+44 (0) 7700-900.123", &phone, &e), 0);
        assert_string_equal(out, "+4407700900123");
        assert_int_equal(akd_contact_normalize(out, "Alt@Mail.Test", NULL, &e), 0);
        assert_string_equal(out, "alt@mail.test");
        assert_int_equal(akd_contact_normalize(out, "+447700900123", NULL, &e), 0);
        assert_string_equal(out, "+447700900123");
        assert_int_equal(akd_contact_normalize(out, "07700900123", &phone, &e), -1);
        assert_int_equal(akd_contact_normalize(out, "+1234567", &phone, &e), -1);
        assert_int_equal(akd_contact_normalize(out, "+1234567890123456", &phone, &e), -1);
        assert_int_equal(akd_contact_normalize(out, "+44 7700 900123x", &phone, &e), -1);
        assert_int_equal(akd_contact_normalize(out, "+447700900123", &email, &e), -1);
        assert_int_equal(e.status, 400);
}

int main(void)
{
        if (sodium_init() < 0)
                return 1;
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_b64_matches_libsodium),
            cmocka_unit_test(test_b64_refuses_what_is_not_strict),
            cmocka_unit_test(test_durations),
            cmocka_unit_test(test_config_file),
            cmocka_unit_test(test_json_depth),
            cmocka_unit_test(test_token_bucket),
            cmocka_unit_test(test_failures),
            cmocka_unit_test(test_email),
            cmocka_unit_test(test_contacts),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
