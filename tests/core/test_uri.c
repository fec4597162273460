/*
 * otpauth:// URIs: parsing (defaults, percent-decoding, the issuer rules,
 * every kind of malformed input), formatting, round trips, and the URI
 * exports of other apps in the interop fixtures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "authkeep/base32.h"
#include "authkeep/otp.h"
#include "authkeep/uri.h"

/* Parses `uri`, asserting success, into a fresh account the caller clears. */
static void parse_ok(struct ak_account *acct, const char *uri)
{
        ak_account_init(acct);
        if (ak_uri_parse(acct, uri) != AK_OK)
                fail_msg("'%s' did not parse: %s", uri, ak_error_detail());
}

/* Asserts `uri` is rejected with `err` and a detail holding `detail`, leaving the output alone. */
static void assert_rejects(const char *uri, enum ak_err err, const char *detail)
{
        struct ak_account acct;
        enum ak_err got;

        ak_account_init(&acct);
        acct.digits = 7; /* a marker: a failed parse must not touch the output */
        got = ak_uri_parse(&acct, uri);
        if (got != err)
                fail_msg("'%s': got %d (%s), want %d", uri, got, ak_error_detail(), err);
        if (strstr(ak_error_detail(), detail) == NULL)
                fail_msg("'%s': detail '%s' lacks '%s'", uri, ak_error_detail(), detail);
        assert_int_equal(acct.digits, 7);
        assert_null(acct.secret);
        ak_account_clear(&acct);
}

static void test_google_example(void **state)
{
        struct ak_account a;

        (void)state;
        parse_ok(&a,
                 "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example");
        assert_int_equal(a.type, AK_OTP_TOTP);
        assert_string_equal(a.issuer, "Example");
        assert_string_equal(a.name, "alice@google.com");
        assert_null(a.label_issuer);
        assert_int_equal(a.hash, AK_HASH_SHA1);
        assert_int_equal(a.digits, 6);
        assert_int_equal(a.period, 30);
        assert_int_equal(a.secret_len, 10);
        assert_memory_equal(a.secret, "Hello!\xde\xad\xbe\xef", 10);
        assert_string_equal(a.id, "");
        ak_account_clear(&a);
}

static void test_parameters(void **state)
{
        struct ak_account a;

        (void)state;
        parse_ok(
            &a,
            "otpauth://totp/ACME%20Co:john.doe%40email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ"
            "&issuer=ACME%20Co&algorithm=sha512&digits=8&period=60");
        assert_string_equal(a.issuer, "ACME Co");
        assert_string_equal(a.name, "john.doe@email.com");
        assert_int_equal(a.hash, AK_HASH_SHA512);
        assert_int_equal(a.digits, 8);
        assert_int_equal(a.period, 60);
        ak_account_clear(&a);

        /* hotp with a counter past 2^32; case-insensitive scheme, type and keys. */
        parse_ok(&a, "OTPAUTH://HOTP/"
                     "x?SECRET=gezdgnbvgy3tqojq&Counter=8589934592&Algorithm=Sha256&digits=7");
        assert_int_equal(a.type, AK_OTP_HOTP);
        assert_int_equal(a.counter, 8589934592ULL);
        assert_int_equal(a.hash, AK_HASH_SHA256);
        assert_int_equal(a.digits, 7);
        assert_string_equal(a.issuer, "");
        assert_string_equal(a.name, "x");
        ak_account_clear(&a);

        /* steam: 5 characters and SHA1 whatever the URI says. */
        parse_ok(
            &a,
            "otpauth://steam/Steam:gaben?secret=JRZCL47CMXVOQMNPZR2F7J4RGI&issuer=Steam&digits=5");
        assert_int_equal(a.type, AK_OTP_STEAM);
        assert_int_equal(a.digits, 5);
        assert_int_equal(a.hash, AK_HASH_SHA1);
        assert_int_equal(a.period, 30);
        ak_account_clear(&a);

        /* The secret decodes leniently: case, spaces ('+' or %20), padding. */
        parse_ok(&a, "otpauth://totp/a?secret=jbsw%20y3dp+ehpk+3pxp%3D%3D%3D%3D%3D%3D");
        assert_int_equal(a.secret_len, 10);
        assert_memory_equal(a.secret, "Hello!\xde\xad\xbe\xef", 10);
        ak_account_clear(&a);

        /* Unknown parameters are ignored, even with odd contents; white space around is dropped. */
        parse_ok(&a, "  "
                     "otpauth://totp/"
                     "a?image=https%3A%2F%2Fx%2Fy.png&codeDisplay=%7B%7D&foo&secret=MZXW6===\n");
        assert_string_equal(a.name, "a");
        assert_int_equal(a.secret_len, 3);
        ak_account_clear(&a);
}

static void test_issuer_rules(void **state)
{
        struct ak_account a;

        (void)state;
        /* No issuer parameter: the label's issuer stands. */
        parse_ok(&a, "otpauth://totp/GitHub:octo?secret=MZXW6");
        assert_string_equal(a.issuer, "GitHub");
        assert_null(a.label_issuer);
        ak_account_clear(&a);
        /* The parameter wins; the label's differing issuer is kept. */
        parse_ok(&a, "otpauth://totp/Old%20Name:octo?secret=MZXW6&issuer=New+Name");
        assert_string_equal(a.issuer, "New Name");
        assert_string_equal(a.label_issuer, "Old Name");
        assert_string_equal(a.name, "octo");
        ak_account_clear(&a);
        /* The same issuer in another case is no mismatch. */
        parse_ok(&a, "otpauth://totp/github:octo?secret=MZXW6&issuer=GitHub");
        assert_string_equal(a.issuer, "GitHub");
        assert_null(a.label_issuer);
        ak_account_clear(&a);
        /* Only a parameter. An encoded colon splits the label too, and spaces may precede the name.
         */
        parse_ok(&a, "otpauth://totp/octo?secret=MZXW6&issuer=GitHub");
        assert_string_equal(a.issuer, "GitHub");
        assert_string_equal(a.name, "octo");
        ak_account_clear(&a);
        parse_ok(&a, "otpauth://totp/GitHub%3A%20%20octo?secret=MZXW6");
        assert_string_equal(a.issuer, "GitHub");
        assert_string_equal(a.name, "octo");
        ak_account_clear(&a);
        /* '+' stays '+' in the label, is a space in a value. */
        parse_ok(&a, "otpauth://totp/a+b?secret=MZXW6&issuer=c+d");
        assert_string_equal(a.name, "a+b");
        assert_string_equal(a.issuer, "c d");
        ak_account_clear(&a);
}

static void test_rejects(void **state)
{
        char longuri[AK_URI_MAX + 64];

        (void)state;
        assert_rejects("otpauth://totp/a?issuer=x", AK_ERR_URI, "secret: missing");
        assert_rejects("otpauth://totp/a?secret=", AK_ERR_URI, "secret: missing");
        assert_rejects("otpauth://totp/a", AK_ERR_URI, "secret: missing");
        assert_rejects("otpauth://totp/a?secret=MZXW1", AK_ERR_BASE32, "secret: '1' at position 5");
        assert_rejects("otpauth://totp/a?secret=MZXW6&digits=9", AK_ERR_OTP_PARAM,
                       "digits: 9 is outside 6..8");
        assert_rejects("otpauth://totp/a?secret=MZXW6&digits=5", AK_ERR_OTP_PARAM,
                       "digits: 5 is outside 6..8");
        assert_rejects("otpauth://totp/a?secret=MZXW6&digits=six", AK_ERR_OTP_PARAM,
                       "digits: 'six' is not a number");
        assert_rejects("otpauth://totp/a?secret=MZXW6&digits=", AK_ERR_OTP_PARAM, "digits");
        assert_rejects("otpauth://totp/a?secret=MZXW6&digits=-6", AK_ERR_OTP_PARAM, "digits");
        assert_rejects("otpauth://totp/a?secret=MZXW6&period=0", AK_ERR_OTP_PARAM, "period: 0");
        assert_rejects("otpauth://totp/a?secret=MZXW6&period=4294967296", AK_ERR_OTP_PARAM,
                       "period");
        assert_rejects("otpauth://totp/a?secret=MZXW6&period=30s", AK_ERR_OTP_PARAM, "period");
        assert_rejects("otpauth://totp/a?secret=MZXW6&algorithm=MD5", AK_ERR_OTP_PARAM,
                       "algorithm: 'MD5'");
        assert_rejects("otpauth://hotp/a?secret=MZXW6", AK_ERR_URI, "counter: missing");
        assert_rejects("otpauth://hotp/a?secret=MZXW6&counter=18446744073709551616",
                       AK_ERR_OTP_PARAM, "counter");
        assert_rejects("otpauth://motp/a?secret=MZXW6", AK_ERR_OTP_PARAM, "type: 'motp'");
        assert_rejects("otpauth:///a?secret=MZXW6", AK_ERR_OTP_PARAM, "type");
        assert_rejects("otpauth://averyveryverylongtypename/a?secret=MZXW6", AK_ERR_OTP_PARAM,
                       "type");
        assert_rejects("http://totp/a?secret=MZXW6", AK_ERR_URI, "scheme");
        assert_rejects("otpauth:/totp/a?secret=MZXW6", AK_ERR_URI, "scheme");
        assert_rejects("otpauth-migration://offline?data=abc", AK_ERR_URI, "scheme");
        assert_rejects("", AK_ERR_URI, "scheme");
        assert_rejects("otpauth://totp/a%2?secret=MZXW6", AK_ERR_URI, "label: bad percent escape");
        assert_rejects("otpauth://totp/a%00b?secret=MZXW6", AK_ERR_URI, "label");
        assert_rejects("otpauth://totp/a?secret=MZ%ZZW6", AK_ERR_URI, "secret: bad percent escape");
        assert_rejects("otpauth://totp/a?secret=MZXW6&secret=MZXW6", AK_ERR_URI,
                       "secret: given twice");
        assert_rejects("otpauth://totp/a\tb?secret=MZXW6", AK_ERR_URI, "control character");
        assert_rejects("otpauth://totp/%FF?secret=MZXW6", AK_ERR_URI, "UTF-8");

        memcpy(longuri, "otpauth://totp/a?secret=", 24);
        memset(longuri + 24, 'A', sizeof(longuri) - 25);
        longuri[sizeof(longuri) - 1] = '\0';
        assert_rejects(longuri, AK_ERR_URI, "longer than 8192");
        /* A secret over AK_SECRET_MAX bytes within an acceptable URI length. */
        longuri[24 + 2000] = '\0';
        assert_rejects(longuri, AK_ERR_URI, "secret: longer than 1024 bytes");
}

/* Formats `a`, parses the result, and asserts the same account comes back. */
static void assert_round_trip(const struct ak_account *a, const char *want_uri)
{
        struct ak_account b;
        char *uri = NULL;

        assert_int_equal(ak_uri_format(&uri, a), AK_OK);
        if (want_uri != NULL)
                assert_string_equal(uri, want_uri);
        parse_ok(&b, uri);
        assert_true(ak_account_identical(a, &b));
        assert_string_equal(a->issuer, b.issuer);
        assert_string_equal(a->name, b.name);
        assert_null(b.label_issuer);
        if (a->type == AK_OTP_HOTP)
                assert_int_equal(a->counter, b.counter);
        ak_account_clear(&b);
        ak_uri_free(uri);
}

static void test_format(void **state)
{
        struct ak_account a;
        char *uri = NULL;

        (void)state;
        parse_ok(&a,
                 "otpauth://totp/Example:alice@google.com?secret=jbswy3dpehpk3pxp&issuer=Example");
        assert_round_trip(&a, "otpauth://totp/Example:alice%40google.com?secret=JBSWY3DPEHPK3PXP"
                              "&issuer=Example&algorithm=SHA1&digits=6&period=30");
        assert_int_equal(ak_account_set_text(&a.issuer, "Air Canada & Co"), AK_OK);
        assert_int_equal(ak_account_set_text(&a.name, "b\xc3\xa9 + ?#"), AK_OK);
        a.type = AK_OTP_HOTP;
        a.counter = UINT64_MAX;
        a.hash = AK_HASH_SHA512;
        a.digits = 8;
        assert_round_trip(&a,
                          "otpauth://hotp/Air%20Canada%20%26%20Co:b%C3%A9%20%2B%20%3F%23?secret="
                          "JBSWY3DPEHPK3PXP&issuer=Air%20Canada%20%26%20Co&algorithm=SHA512"
                          "&digits=8&counter=18446744073709551615");
        /* Colons in an issuer or a name survive. */
        assert_int_equal(ak_account_set_text(&a.issuer, "a:b"), AK_OK);
        assert_round_trip(&a, NULL);
        assert_int_equal(ak_account_set_text(&a.issuer, ""), AK_OK);
        assert_int_equal(ak_account_set_text(&a.name, "x:y"), AK_OK);
        assert_round_trip(&a, NULL);
        a.type = AK_OTP_STEAM;
        a.hash = AK_HASH_SHA1;
        a.digits = 5;
        a.period = 30;
        assert_round_trip(
            &a, "otpauth://steam/:x%3Ay?secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=5&period=30");
        /* An account that fails its checks is not formatted. */
        a.type = AK_OTP_TOTP;
        assert_int_equal(ak_uri_format(&uri, &a), AK_ERR_OTP_PARAM);
        assert_null(uri);
        ak_account_clear(&a);
        ak_uri_free(NULL);
}

/* Reads the fixture `name` into a new buffer, or skips the test when the fixtures are absent. */
static char *read_fixture(const char *name)
{
        const char *dir = getenv("AUTHKEEP_FIXTURES");
        char path[4096];
        FILE *f;
        char *buf;
        long len;

        if (dir == NULL)
                return NULL;
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "rb");
        if (f == NULL)
                return NULL;
        fseek(f, 0, SEEK_END);
        len = ftell(f);
        rewind(f);
        buf = calloc(1, (size_t)len + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
        fclose(f);
        return buf;
}

/* Each line of a URI export parses; the set matches expected.json's accounts 0..6. */
static void check_fixture(const char *name)
{
        static const struct {
                const char *issuer, *name;
                enum ak_otp_type type;
                enum ak_hash hash;
                unsigned digits;
                uint32_t period;
                uint64_t counter;
                const char *secret;
        } want[] = {
            {"Deno", "Mason", AK_OTP_TOTP, AK_HASH_SHA1, 6, 30, 0, "4SJHB4GSD43FZBAI7C2HLRJGPQ"},
            {"SPDX", "James", AK_OTP_TOTP, AK_HASH_SHA256, 7, 20, 0, "5OM4WOOGPLQEF6UGN3CPEOOLWU"},
            {"Airbnb", "Elijah", AK_OTP_TOTP, AK_HASH_SHA512, 8, 50, 0,
             "7ELGJSGXNCCTV3O6LKJWYFV2RA"},
            {"Issuu", "James", AK_OTP_HOTP, AK_HASH_SHA1, 6, 0, 1, "YOOMIXWS5GN6RTBPUFFWKTW5M4"},
            {"Air Canada", "Benjamin", AK_OTP_HOTP, AK_HASH_SHA256, 7, 0, 50,
             "KUVJJOM753IHTNDSZVCNKL7GII"},
            {"WWE", "Mason", AK_OTP_HOTP, AK_HASH_SHA512, 8, 0, 10300,
             "5VAML3X35THCEBVRLV24CGBKOY"},
            {"Boeing", "Sophia", AK_OTP_STEAM, AK_HASH_SHA1, 5, 30, 0,
             "JRZCL47CMXVOQMNPZR2F7J4RGI"},
        };
        char *text = read_fixture(name), *line, *save = NULL;
        unsigned seen = 0;

        if (text == NULL)
                skip();
        for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
                struct ak_account a;
                char secret[64];
                size_t i;

                parse_ok(&a, line);
                assert_int_equal(ak_base32_encode(secret, sizeof(secret), a.secret, a.secret_len),
                                 AK_OK);
                for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
                        if (strcmp(want[i].secret, secret) == 0)
                                break;
                assert_true(i < sizeof(want) / sizeof(want[0]));
                seen |= 1u << i;
                assert_string_equal(a.issuer, want[i].issuer);
                assert_string_equal(a.name, want[i].name);
                assert_null(a.label_issuer);
                assert_int_equal(a.type, want[i].type);
                assert_int_equal(a.hash, want[i].hash);
                assert_int_equal(a.digits, want[i].digits);
                if (want[i].type == AK_OTP_HOTP)
                        assert_int_equal(a.counter, want[i].counter);
                else
                        assert_int_equal(a.period, want[i].period);
                ak_account_clear(&a);
        }
        assert_int_equal(seen, 0x7f);
        free(text);
}

static void test_fixture_plain(void **state)
{
        (void)state;
        check_fixture("plain.txt");
}

static void test_fixture_ente(void **state)
{
        (void)state;
        check_fixture("ente_auth.txt");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_google_example), cmocka_unit_test(test_parameters),
            cmocka_unit_test(test_issuer_rules),   cmocka_unit_test(test_rejects),
            cmocka_unit_test(test_format),         cmocka_unit_test(test_fixture_plain),
            cmocka_unit_test(test_fixture_ente),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
