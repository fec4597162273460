/*
 * Push sign-in's signed bytes (lib/signin.c): an answer signed by a vault's
 * device key verifies under its public key and under nothing else, and any
 * change of a field, the device, the decision or the number breaks it; the
 * device header round-trips and is bound to the method, the path, the time
 * and the body; malformed headers are refused with a reason.
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
#include "../vault_fixture.h"

static void challenge(struct ak_signin_challenge *c)
{
        memset(c, 0, sizeof(*c));
        strcpy(c->request_id, "00112233445566778899aabbccddeeff");
        for (unsigned i = 0; i < sizeof(c->nonce); i++)
                c->nonce[i] = (unsigned char)(i * 7);
        strcpy(c->origin, "https://keep.example");
        strcpy(c->account, "alice@example.com");
        strcpy(c->from, "192.0.2.7");
        strcpy(c->app, "ssh");
        c->created_at = 1800000000;
        c->expires_at = 1800000120;
}

static void test_answer(void **state)
{
        struct vault_fixture *f = *state;
        struct ak_signin_challenge c, d;
        unsigned char pk[AK_DEVICE_PK_BYTES], sig[AK_DEVICE_SIG_BYTES];
        const char *id = ak_vault_device_id(f->vault);

        challenge(&c);
        ak_vault_device_public_key(f->vault, pk);
        assert_int_equal(ak_signin_sign(sig, f->vault, &c, AK_SIGNIN_APPROVE, 42), AK_OK);
        assert_int_equal(ak_signin_verify(sig, pk, &c, id, AK_SIGNIN_APPROVE, 42), AK_OK);

        /* Another number, decision, device or field: refused. */
        assert_int_equal(ak_signin_verify(sig, pk, &c, id, AK_SIGNIN_APPROVE, 43), AK_ERR_AUTH);
        assert_int_equal(ak_signin_verify(sig, pk, &c, id, AK_SIGNIN_DENY, 0), AK_ERR_AUTH);
        assert_int_equal(ak_signin_verify(sig, pk, &c, "ffffffffffffffffffffffffffffffff",
                                          AK_SIGNIN_APPROVE, 42),
                         AK_ERR_AUTH);
        d = c;
        d.nonce[31] ^= 1;
        assert_int_equal(ak_signin_verify(sig, pk, &d, id, AK_SIGNIN_APPROVE, 42), AK_ERR_AUTH);
        d = c;
        d.expires_at++;
        assert_int_equal(ak_signin_verify(sig, pk, &d, id, AK_SIGNIN_APPROVE, 42), AK_ERR_AUTH);
        /* Moving a character from one field to the next changes the message. */
        d = c;
        strcpy(d.from, "192.0.2.7s");
        strcpy(d.app, "sh");
        assert_int_equal(ak_signin_verify(sig, pk, &d, id, AK_SIGNIN_APPROVE, 42), AK_ERR_AUTH);
        pk[0] ^= 1;
        assert_int_equal(ak_signin_verify(sig, pk, &c, id, AK_SIGNIN_APPROVE, 42), AK_ERR_AUTH);

        /* An approval needs two digits; a denial carries none. */
        assert_int_equal(ak_signin_sign(sig, f->vault, &c, AK_SIGNIN_APPROVE, 9), AK_ERR_INVALID);
        assert_int_equal(ak_signin_sign(sig, f->vault, &c, AK_SIGNIN_APPROVE, 100), AK_ERR_INVALID);
        ak_vault_device_public_key(f->vault, pk);
        assert_int_equal(ak_signin_sign(sig, f->vault, &c, AK_SIGNIN_REPORT, 0), AK_OK);
        assert_int_equal(ak_signin_verify(sig, pk, &c, id, AK_SIGNIN_REPORT, 77), AK_OK);
        assert_int_equal(ak_signin_verify(sig, pk, &c, id, AK_SIGNIN_DENY, 0), AK_ERR_AUTH);
}

static void test_message_layout(void **state)
{
        (void)state;
        struct ak_signin_challenge c;
        unsigned char msg[AK_SIGNIN_MESSAGE_MAX];
        size_t len;

        challenge(&c);
        assert_int_equal(ak_signin_message(msg, &len, &c, "0123456789abcdef0123456789abcdef",
                                           AK_SIGNIN_APPROVE, 42),
                         AK_OK);
        assert_memory_equal(msg,
                            "authkeep-signin-v1\0\0\0\0\x20"
                            "00112233",
                            31);
        /* prefix+NUL, then 10 fields of 4-byte lengths and their bytes. */
        assert_int_equal(len, 19 + 10 * 4 + 32 + 32 + 20 + 17 + 9 + 3 + 10 + 32 + 7 + 2);
        assert_memory_equal(msg + len - 2, "42", 2);
        assert_memory_equal(msg + len - 13, "approve", 7);
}

static void test_device_header(void **state)
{
        struct vault_fixture *f = *state;
        char header[AK_DEVICE_AUTH_MAX];
        struct ak_device_auth a;
        unsigned char pk[AK_DEVICE_PK_BYTES];
        const char body[] = "{\"decision\":\"deny\"}";

        ak_vault_device_public_key(f->vault, pk);
        assert_int_equal(ak_device_auth_make(header, f->vault, "POST", "/v1/signin/ab/answer", body,
                                             strlen(body), 1800000000),
                         AK_OK);
        assert_int_equal(ak_device_auth_parse(&a, header), AK_OK);
        assert_string_equal(a.device_id, ak_vault_device_id(f->vault));
        assert_int_equal(a.at, 1800000000);
        assert_int_equal(
            ak_device_auth_verify(&a, pk, "POST", "/v1/signin/ab/answer", body, strlen(body)),
            AK_OK);
        assert_int_equal(
            ak_device_auth_verify(&a, pk, "GET", "/v1/signin/ab/answer", body, strlen(body)),
            AK_ERR_AUTH);
        assert_int_equal(
            ak_device_auth_verify(&a, pk, "POST", "/v1/signin/ac/answer", body, strlen(body)),
            AK_ERR_AUTH);
        assert_int_equal(ak_device_auth_verify(&a, pk, "POST", "/v1/signin/ab/answer", body, 5),
                         AK_ERR_AUTH);
        a.at++;
        assert_int_equal(
            ak_device_auth_verify(&a, pk, "POST", "/v1/signin/ab/answer", body, strlen(body)),
            AK_ERR_AUTH);

        /* Two headers for the same call differ (a fresh nonce each). */
        char again[AK_DEVICE_AUTH_MAX];
        assert_int_equal(ak_device_auth_make(again, f->vault, "GET", "/v1/device/requests?wait=30",
                                             NULL, 0, 1800000000),
                         AK_OK);
        assert_int_equal(ak_device_auth_make(header, f->vault, "GET", "/v1/device/requests?wait=30",
                                             NULL, 0, 1800000000),
                         AK_OK);
        assert_string_not_equal(again, header);
        assert_int_equal(ak_device_auth_parse(&a, header), AK_OK);
        assert_int_equal(
            ak_device_auth_verify(&a, pk, "GET", "/v1/device/requests?wait=30", NULL, 0), AK_OK);
}

static void test_bad_headers(void **state)
{
        (void)state;
        struct ak_device_auth a;
        static const char *const bad[] = {
            "",
            "Bearer abc",
            "Device ",
            "Device 0123456789abcdef0123456789abcde.1.AAAAAAAAAAAAAAAAAAAAAA.x",
            "Device 0123456789ABCDEF0123456789ABCDEF.1.AAAAAAAAAAAAAAAAAAAAAA.x",
            "Device 0123456789abcdef0123456789abcdef.01.AAAAAAAAAAAAAAAAAAAAAA.x",
            "Device 0123456789abcdef0123456789abcdef..AAAAAAAAAAAAAAAAAAAAAA.x",
            "Device 0123456789abcdef0123456789abcdef.1.AAAAAAAAAAAAAAAAAAAAA.x",
            "Device 0123456789abcdef0123456789abcdef.1.AAAAAAAAAAAAAAAAAAAAAA.",
            "Device 0123456789abcdef0123456789abcdef.1.AAAAAAAAAAAAAAAAAAAAAA.AAAA",
            "Device 0123456789abcdef0123456789abcdef.9999999999999.AAAAAAAAAAAAAAAAAAAAAA.x",
        };
        for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(ak_device_auth_parse(&a, bad[i]), AK_ERR_INVALID);
        assert_int_equal(ak_device_auth_parse(&a, NULL), AK_ERR_INVALID);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_answer, vault_fixture_setup,
                                            vault_fixture_teardown),
            cmocka_unit_test(test_message_layout),
            cmocka_unit_test_setup_teardown(test_device_header, vault_fixture_setup,
                                            vault_fixture_teardown),
            cmocka_unit_test(test_bad_headers),
        };
        ak_init();
        return cmocka_run_group_tests(tests, NULL, NULL);
}
