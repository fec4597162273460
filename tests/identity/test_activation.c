/*
 * Activation URIs of work or school accounts (lib/activation.c): what
 * `authkeepd admin` writes reads back; every kind of bad input is refused
 * with its own reason, which never quotes the code; the work device id is
 * derived as include/authkeep/work.h says. Enrolment itself is tested end
 * to end against a real authkeepd (tests/identity/work.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "authkeep/authkeep.h"

#define CODE "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
#define URI(rest) "authkeep-activate://keep.example.com" rest

static void test_parse(void **state)
{
        struct ak_activation a;

        (void)state;
        assert_int_equal(ak_activation_parse(&a, URI("?org=acme&email=Bob%40Acme.test&code=" CODE)),
                         AK_OK);
        assert_string_equal(a.server, "https://keep.example.com");
        assert_string_equal(a.org, "acme");
        assert_string_equal(a.email, "bob@acme.test");
        assert_string_equal(a.code, CODE);

        /* Port, path, http=1, parameters in any order, a '+' kept. */
        assert_int_equal(ak_activation_parse(&a,
                                             "authkeep-activate://127.0.0.1:8080/keep/?code=" CODE
                                             "&http=1&email=a+b@x.y&org=a.b-c_d"),
                         AK_OK);
        assert_string_equal(a.server, "http://127.0.0.1:8080/keep");
        assert_string_equal(a.email, "a+b@x.y");
        assert_string_equal(a.org, "a.b-c_d");
        assert_int_equal(ak_activation_parse(&a, "authkeep-activate://[::1]:443?org=x&email=x@y&"
                                                 "code=" CODE),
                         AK_OK);
        assert_string_equal(a.server, "https://[::1]:443");
}

static void test_format(void **state)
{
        struct ak_activation a = {0}, back;
        char uri[AK_ACTIVATION_URI_MAX + 1];

        (void)state;
        snprintf(a.server, sizeof(a.server), "http://127.0.0.1:9/");
        snprintf(a.org, sizeof(a.org), "acme");
        snprintf(a.email, sizeof(a.email), "bob+work@acme.test");
        ak_activation_code_new(a.code);
        assert_true(ak_activation_code_valid(a.code));
        assert_int_equal(ak_activation_format(uri, sizeof(uri), &a), AK_OK);
        assert_non_null(strstr(uri, "email=bob%2Bwork@acme.test"));
        assert_non_null(strstr(uri, "&http=1"));
        assert_int_equal(ak_activation_parse(&back, uri), AK_OK);
        assert_string_equal(back.server, "http://127.0.0.1:9");
        assert_string_equal(back.email, a.email);
        assert_string_equal(back.code, a.code);

        /* A server that cannot go in a URI is refused. */
        snprintf(a.server, sizeof(a.server), "ftp://x");
        assert_int_equal(ak_activation_format(uri, sizeof(uri), &a), AK_ERR_INVALID);
        snprintf(a.server, sizeof(a.server), "https://a b");
        assert_int_equal(ak_activation_format(uri, sizeof(uri), &a), AK_ERR_INVALID);
}

/* Each bad input and the words its refusal must hold. */
static void test_refused(void **state)
{
        static const struct {
                const char *uri;
                enum ak_err err;
                const char *says;
        } bad[] = {
            {"otpauth://totp/x?secret=" CODE, AK_ERR_INVALID, "not an authkeep-activate://"},
            {URI(""), AK_ERR_INVALID, "no ?org="},
            {"authkeep-activate://?org=a&email=a@b&code=" CODE, AK_ERR_INVALID, "no server host"},
            {"authkeep-activate://-x?org=a&email=a@b&code=" CODE, AK_ERR_INVALID, "host"},
            {"authkeep-activate://h:0?org=a&email=a@b&code=" CODE, AK_ERR_INVALID, "port"},
            {"authkeep-activate://h:99999?org=a&email=a@b&code=" CODE, AK_ERR_INVALID, "port"},
            {"authkeep-activate://h/a%20b?org=a&email=a@b&code=" CODE, AK_ERR_INVALID, "path"},
            {"authkeep-activate://h@evil?org=a&email=a@b&code=" CODE, AK_ERR_INVALID, "host"},
            {URI("?email=a@b&code=" CODE), AK_ERR_INVALID, "org: missing"},
            {URI("?org=a&code=" CODE), AK_ERR_INVALID, "email: missing"},
            {URI("?org=a&email=a@b"), AK_ERR_INVALID, "code: missing"},
            {URI("?org=a&org=b&email=a@b&code=" CODE), AK_ERR_INVALID, "org: given twice"},
            {URI("?org=a&email=a@b&code=" CODE "&x=1"), AK_ERR_INVALID, "unknown parameter 'x'"},
            {URI("?org=&email=a@b&code=" CODE), AK_ERR_INVALID, "org: no value"},
            {URI("?org=a%2&email=a@b&code=" CODE), AK_ERR_INVALID, "hex digits"},
            {URI("?org=a%0a&email=a@b&code=" CODE), AK_ERR_INVALID, "control characters"},
            {URI("?org=a%00&email=a@b&code=" CODE), AK_ERR_INVALID, "org"},
            {URI("?org=a%20b&email=a@b&code=" CODE), AK_ERR_INVALID, "org: 1 to 64"},
            {URI("?org=a&email=ab&code=" CODE), AK_ERR_INVALID, "email: not like"},
            {URI("?org=a&email=a@b&code=ABC"), AK_ERR_INVALID, "code: not 32 base32"},
            {URI("?org=a&email=a@b&code=" CODE "A"), AK_ERR_INVALID, "code: not 32 base32"},
            {URI("?org=a&email=a@b&code=abcdefghijklmnopqrstuvwxyz234567"), AK_ERR_INVALID,
             "code: not 32 base32"},
            {URI("?org=a&email=a@b&code=" CODE "&http=yes"), AK_ERR_INVALID, "http=1"},
            {URI("?org=a&email=a@b&code=" CODE "&"), AK_ERR_INVALID, "ends with '&'"},
            {URI("?org=a&email=a@b&code=" CODE "#x"), AK_ERR_INVALID, "fragment"},
        };
        struct ak_activation a;

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                memset(&a, 0x5a, sizeof(a));
                enum ak_err err = ak_activation_parse(&a, bad[i].uri);
                if (err != bad[i].err || strstr(ak_error_detail(), bad[i].says) == NULL)
                        fail_msg("%s: got %d '%s', expected '%s'", bad[i].uri, err,
                                 ak_error_detail(), bad[i].says);
                assert_null(strstr(ak_error_detail(), CODE));
                assert_int_equal(a.org[0], 0x5a); /* nothing written */
        }
}

static void test_limits(void **state)
{
        char uri[2100], email[300];
        struct ak_activation a;

        (void)state;
        memset(uri, 'a', sizeof(uri) - 1);
        uri[sizeof(uri) - 1] = '\0';
        memcpy(uri, "authkeep-activate://", 20);
        assert_int_equal(ak_activation_parse(&a, uri), AK_ERR_LIMIT);
        memset(email, 'e', 260);
        email[260] = '\0';
        email[3] = '@';
        snprintf(uri, sizeof(uri), URI("?org=a&email=%s&code=" CODE), email);
        assert_int_equal(ak_activation_parse(&a, uri), AK_ERR_LIMIT);
        assert_non_null(strstr(ak_error_detail(), "email: longer than 254"));
        assert_false(ak_activation_org_valid(""));
        assert_true(ak_activation_org_valid(
            "0123456789012345678901234567890123456789012345678901234567890123"));
        assert_false(ak_activation_org_valid(
            "01234567890123456789012345678901234567890123456789012345678901234"));
}

/* The work device id: BLAKE2b-128 keyed with the vault's id, as work.h says. */
static void test_work_device_id(void **state)
{
        char dir[] = "/tmp/authkeep-activation-XXXXXX", path[64], id[AK_DEVICE_ID_LEN + 1];
        char other[AK_DEVICE_ID_LEN + 1], expected[AK_DEVICE_ID_LEN + 1];
        struct ak_kdf_params kdf;
        struct ak_vault *vault = NULL;
        unsigned char hash[16];
        crypto_generichash_state h;

        (void)state;
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/vault.json", dir);
        ak_kdf_params_default(&kdf, AK_KDF_COST_MIN);
        assert_int_equal(ak_vault_create(&vault, path, "passphrase", 10, &kdf), AK_OK);
        assert_int_equal(ak_work_device_id(id, vault, "https://keep.example/", "Bob@Acme.test"),
                         AK_OK);
        crypto_generichash_init(&h, (const unsigned char *)ak_vault_device_id(vault),
                                AK_DEVICE_ID_LEN, sizeof(hash));
        crypto_generichash_update(&h,
                                  (const unsigned char *)"authkeep-work\0https://keep.example\0"
                                                         "bob@acme.test",
                                  sizeof("authkeep-work\0https://keep.example\0bob@acme.test") - 1);
        crypto_generichash_final(&h, hash, sizeof(hash));
        sodium_bin2hex(expected, sizeof(expected), hash, sizeof(hash));
        assert_string_equal(id, expected);
        assert_string_not_equal(id, ak_vault_device_id(vault));
        assert_int_equal(ak_work_device_id(other, vault, "https://keep.example", "carol@acme.test"),
                         AK_OK);
        assert_string_not_equal(id, other);
        ak_vault_free(vault);
        unlink(path);
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse),          cmocka_unit_test(test_format),
            cmocka_unit_test(test_refused),        cmocka_unit_test(test_limits),
            cmocka_unit_test(test_work_device_id),
        };

        if (ak_init() != AK_OK)
                return 1;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
