/*
 * The device side of devices and push sign-in without a server: the
 * parsers of authkeepd's answers (lib/client_devices.c) take what
 * docs/api.md describes and refuse anything else, and a personal entry goes
 * into a backup only as its reference (server, email, kind), never with
 * this device's secret. The calls themselves are tested end to end against
 * a real authkeepd (the scripts in tests/identity).
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

#include "authkeep/authkeep.h"
#include "client_internal.h"

#define ID "00112233445566778899aabbccddeeff"
#define REQ "0123456789abcdef0123456789abcdef"
#define NONCE "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define SECRET_B32 "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

static enum ak_err parse_registered(struct ak_device_registered *r, const char *body)
{
        return ak_client_parse_registered(r, body, strlen(body));
}

static void test_registered(void **state)
{
        struct ak_device_registered r;

        (void)state;
        assert_int_equal(parse_registered(&r,
                                          "{\"device_id\":\"" ID "\",\"totp_secret\":\"" SECRET_B32
                                          "\",\"registered_at\":1700000000}"),
                         AK_OK);
        assert_string_equal(r.device_id, ID);
        assert_int_equal(r.registered_at, 1700000000);
        assert_memory_equal(r.totp_secret, "Hello!\xde\xad\xbe\xef", 10);
        /* A secret that is not 160 bits, not base32, or an id that is not 32 hex. */
        assert_int_equal(
            parse_registered(&r, "{\"device_id\":\"" ID "\",\"totp_secret\":\"JBSWY3DP\"}"),
            AK_ERR_PROTOCOL);
        assert_int_equal(parse_registered(&r, "{\"device_id\":\"" ID "\",\"totp_secret\":\"!!!\"}"),
                         AK_ERR_PROTOCOL);
        assert_int_equal(
            parse_registered(&r, "{\"device_id\":\"00\",\"totp_secret\":\"" SECRET_B32 "\"}"),
            AK_ERR_PROTOCOL);
        assert_int_equal(parse_registered(&r,
                                          "{\"device_id\":\"" ID "\",\"totp_secret\":\"" SECRET_B32
                                          "\",\"registered_at\":-4}"),
                         AK_ERR_PROTOCOL);
        assert_int_equal(parse_registered(&r, "[]"), AK_ERR_PROTOCOL);
}

static void test_devices(void **state)
{
        struct ak_device_list list = {0};
        const char *body = "{\"devices\":[{\"id\":\"" ID "\",\"name\":\"laptop\",\"registered\":10,"
                           "\"last_used\":0},{\"id\":\"ffeeddccbbaa99887766554433221100\","
                           "\"name\":\"phone\",\"registered\":20,\"last_used\":30}]}";
        size_t index;

        (void)state;
        assert_int_equal(ak_client_parse_devices(&list, ID, body, strlen(body)), AK_OK);
        assert_int_equal(list.count, 2);
        assert_string_equal(list.items[0].name, "laptop");
        assert_true(list.items[0].this_device);
        assert_false(list.items[1].this_device);
        assert_int_equal(list.items[1].last_used, 30);
        assert_int_equal(ak_device_list_find(&list, "PHONE", &index), AK_OK);
        assert_int_equal(index, 1);
        assert_int_equal(ak_device_list_find(&list, ID, &index), AK_OK);
        assert_int_equal(index, 0);
        assert_int_equal(ak_device_list_find(&list, "tablet", &index), AK_ERR_NOT_FOUND);
        snprintf(list.items[1].name, sizeof(list.items[1].name), "Laptop");
        assert_int_equal(ak_device_list_find(&list, "laptop", &index), AK_ERR_AMBIGUOUS);
        ak_device_list_clear(&list);
        ak_device_list_clear(NULL);

        body = "{\"devices\":[{\"id\":\"" ID "\",\"name\":\"a\\u0001b\",\"registered\":1}]}";
        assert_int_equal(ak_client_parse_devices(&list, ID, body, strlen(body)), AK_ERR_PROTOCOL);
        body = "{\"devices\":[{\"id\":\"XYZ\",\"name\":\"a\",\"registered\":1}]}";
        assert_int_equal(ak_client_parse_devices(&list, ID, body, strlen(body)), AK_ERR_PROTOCOL);
        body = "{\"devices\":{}}";
        assert_int_equal(ak_client_parse_devices(&list, ID, body, strlen(body)), AK_ERR_PROTOCOL);
        assert_int_equal(list.count, 0);
}

static const char request_body[] =
    "{\"requests\":[{\"request_id\":\"" REQ "\",\"nonce\":\"" NONCE "\","
    "\"origin\":\"https://keep.example\",\"account\":\"owner@recovery.test\","
    "\"from\":\"192.0.2.7\",\"app\":\"ssh\",\"created_at\":1700000000,"
    "\"expires_at\":1700000120}]}";

static void test_requests(void **state)
{
        struct ak_signin_requests reqs = {0};
        char bad[sizeof(request_body) + 64];

        (void)state;
        assert_int_equal(ak_client_parse_requests(&reqs, request_body, strlen(request_body)),
                         AK_OK);
        assert_int_equal(reqs.count, 1);
        assert_string_equal(reqs.items[0].request_id, REQ);
        assert_string_equal(reqs.items[0].origin, "https://keep.example");
        assert_string_equal(reqs.items[0].account, "owner@recovery.test");
        assert_string_equal(reqs.items[0].from, "192.0.2.7");
        assert_string_equal(reqs.items[0].app, "ssh");
        assert_int_equal(reqs.items[0].created_at, 1700000000);
        assert_int_equal(reqs.items[0].expires_at, 1700000120);
        for (int i = 0; i < 32; i++)
                assert_int_equal(reqs.items[0].nonce[i], i);
        ak_signin_requests_clear(&reqs);
        assert_int_equal(ak_client_parse_requests(&reqs, "{\"requests\":[]}", 15), AK_OK);
        assert_int_equal(reqs.count, 0);

        /* A nonce of 31 bytes, an id that is not hex, a missing field: refused. */
        snprintf(bad, sizeof(bad), "%s", request_body);
        memcpy(strstr(bad, NONCE), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==", 44);
        assert_int_equal(ak_client_parse_requests(&reqs, bad, strlen(bad)), AK_ERR_PROTOCOL);
        snprintf(bad, sizeof(bad), "%s", request_body);
        memcpy(strstr(bad, REQ), "Z", 1);
        assert_int_equal(ak_client_parse_requests(&reqs, bad, strlen(bad)), AK_ERR_PROTOCOL);
        snprintf(bad, sizeof(bad), "%s", request_body);
        memcpy(strstr(bad, "\"app\""), "\"ap_\"", 5);
        assert_int_equal(ak_client_parse_requests(&reqs, bad, strlen(bad)), AK_ERR_PROTOCOL);
        assert_int_equal(reqs.count, 0);
}

static enum ak_signin_outcome outcome_of(long status, const char *body)
{
        enum ak_signin_outcome out = (enum ak_signin_outcome) - 1;

        assert_int_equal(ak_client_parse_signin_outcome(&out, status, body, strlen(body)), AK_OK);
        return out;
}

static void test_outcomes(void **state)
{
        enum ak_signin_outcome out;
        char code[65];
        uint64_t max;

        (void)state;
        assert_int_equal(outcome_of(200, "{\"state\":\"approved\"}"), AK_SIGNIN_APPROVED);
        assert_int_equal(outcome_of(200, "{\"state\":\"denied\"}"), AK_SIGNIN_DENIED);
        assert_int_equal(outcome_of(200, "{\"state\":\"denied\",\"reason\":\"wrong_number\"}"),
                         AK_SIGNIN_WRONG_NUMBER);
        assert_int_equal(outcome_of(409, "{\"error\":\"already_answered\"}"),
                         AK_SIGNIN_ALREADY_ANSWERED);
        assert_int_equal(outcome_of(410, "{\"error\":\"expired\"}"), AK_SIGNIN_EXPIRED);
        assert_int_equal(outcome_of(401, "{\"error\":\"bad_signature\"}"),
                         AK_SIGNIN_NOT_REGISTERED);
        assert_int_equal(outcome_of(401, "{\"error\":\"bad_device\"}"), AK_SIGNIN_NOT_REGISTERED);
        assert_int_equal(outcome_of(401, "{\"error\":\"replayed\"}"), AK_SIGNIN_REPLAYED);
        assert_int_equal(outcome_of(404, "{\"error\":\"not_found\"}"), AK_SIGNIN_UNKNOWN);
        assert_int_equal(ak_client_parse_signin_outcome(&out, 200, "{\"state\":\"maybe\"}", 17),
                         AK_ERR_PROTOCOL);
        assert_int_equal(ak_client_parse_signin_outcome(&out, 503, "{}", 2), AK_ERR_SERVER);

        ak_client_parse_error_code(code, sizeof(code), &max,
                                   "{\"error\":\"too_many_devices\",\"max_devices\":10}", 45);
        assert_string_equal(code, "too_many_devices");
        assert_int_equal(max, 10);
        ak_client_parse_error_code(code, sizeof(code), &max, "not json", 8);
        assert_string_equal(code, "");
        assert_int_equal(max, 0);
}

/* A vault with a third-party account and a personal entry holding a device secret. */
static struct ak_vault *vault_with_personal(char *dir, size_t dir_len)
{
        struct ak_kdf_params kdf;
        struct ak_vault *vault = NULL;
        struct ak_account a;
        char path[512];

        snprintf(dir, dir_len, "/tmp/ak-identity-XXXXXX");
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/%s", dir, AK_VAULT_FILE);
        ak_kdf_params_default(&kdf, AK_KDF_COST_MIN);
        assert_int_equal(ak_vault_create(&vault, path, "passphrase", 10, &kdf), AK_OK);

        ak_account_init(&a);
        assert_int_equal(ak_account_set_text(&a.issuer, "Forge Hub"), AK_OK);
        assert_int_equal(ak_account_set_text(&a.name, "dev@forge.example"), AK_OK);
        assert_int_equal(ak_account_set_secret(&a, (const unsigned char *)"third-party-secret", 18),
                         AK_OK);
        assert_int_equal(ak_account_list_push(ak_vault_accounts(vault), &a), AK_OK);

        ak_account_init(&a);
        a.kind = AK_KIND_PERSONAL;
        assert_int_equal(ak_account_set_text(&a.issuer, "https://keep.example"), AK_OK);
        assert_int_equal(ak_account_set_text(&a.name, "owner@recovery.test"), AK_OK);
        assert_int_equal(
            ak_account_set_secret(&a, (const unsigned char *)"per-device-secret!!!", 20), AK_OK);
        assert_int_equal(ak_account_list_push(ak_vault_accounts(vault), &a), AK_OK);
        return vault;
}

static void remove_vault(struct ak_vault *vault, const char *dir)
{
        char path[512];

        ak_vault_free(vault);
        snprintf(path, sizeof(path), "%s/%s", dir, AK_VAULT_FILE);
        unlink(path);
        rmdir(dir);
}

static void test_personal_reference(void **state)
{
        struct ak_account_list back = {0};
        struct ak_vault *vault;
        char dir[64], *payload = NULL;
        size_t len = 0, index;

        (void)state;
        vault = vault_with_personal(dir, sizeof(dir));
        assert_int_equal(ak_device_personal_find(ak_vault_accounts(vault), "https://keep.example/",
                                                 "OWNER@recovery.test", &index),
                         AK_OK);
        assert_int_equal(index, 1);
        assert_int_equal(ak_device_personal_find(ak_vault_accounts(vault), "https://other.example",
                                                 "owner@recovery.test", &index),
                         AK_ERR_NOT_FOUND);

        assert_int_equal(ak_vault_backup_payload(vault, &payload, &len), AK_OK);
        /* The reference: kind, server and email; the device's secret in no form. */
        assert_non_null(strstr(payload, "\"kind\":\"personal\""));
        assert_non_null(strstr(payload, "\"server\":\"https://keep.example\""));
        assert_non_null(strstr(payload, "\"email\":\"owner@recovery.test\""));
        assert_null(strstr(payload, "per-device-secret"));
        assert_null(strstr(payload, "OBSXELLEMV3GSY3FFVZWKY3SMV2CCIJB")); /* its base32 */
        assert_null(strstr(payload, ak_vault_device_id(vault)));
        assert_non_null(strstr(payload, "ORUGS4TEFVYGC4TUPEWXGZLDOJSXI")); /* third-party's */

        /* Read back: the personal entry comes without a secret, to be registered. */
        assert_int_equal(ak_backup_payload_parse(&back, NULL, payload, len), AK_OK);
        assert_int_equal(back.count, 2);
        assert_int_equal(back.items[1].kind, AK_KIND_PERSONAL);
        assert_string_equal(back.items[1].issuer, "https://keep.example");
        assert_string_equal(back.items[1].name, "owner@recovery.test");
        assert_int_equal(back.items[1].secret_len, 0);
        assert_int_equal(back.items[0].secret_len, 18);
        ak_account_list_clear(&back);
        ak_secret_free(payload, len);
        remove_vault(vault, dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_registered),         cmocka_unit_test(test_devices),
            cmocka_unit_test(test_requests),           cmocka_unit_test(test_outcomes),
            cmocka_unit_test(test_personal_reference),
        };

        if (ak_init() != AK_OK)
                return 1;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
