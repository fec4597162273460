/*
 * The frozen vault (tests/vault/frozen/vault.json, docs/vault-format.md):
 * a file written by the vault code of its day and never regenerated. Every
 * later version must open it and read back every value it holds, exactly;
 * the codes are checked against values computed by oathtool (RFC 4226 and
 * RFC 6238 keys) and, for Steam, by an independent implementation.
 *   test_frozen PATH-TO-FROZEN-VAULT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "frozen_values.h"
#include "helpers.h"

static const char *frozen_path;

static void check_account(const struct ak_account *a, const struct expected_account *e)
{
        char code[AK_CODE_MAX + 1];

        assert_string_equal(a->id, e->id);
        assert_int_equal(a->kind, e->kind);
        assert_int_equal(a->type, e->type);
        assert_int_equal(a->hash, e->hash);
        assert_int_equal(a->digits, e->digits);
        assert_int_equal(a->period, e->period);
        assert_int_equal(a->counter, e->counter);
        assert_string_equal(a->issuer, e->issuer);
        assert_string_equal(a->name, e->name);
        if (e->label_issuer == NULL)
                assert_null(a->label_issuer);
        else
                assert_string_equal(a->label_issuer, e->label_issuer);
        assert_int_equal(a->secret_len, strlen(e->secret));
        assert_memory_equal(a->secret, e->secret, a->secret_len);
        assert_int_equal(a->created, e->created);
        assert_int_equal(ak_account_code(code, a, CODE_TIME), AK_OK);
        assert_string_equal(code, e->code);
}

/* Everything the frozen file holds, as read through the public API. */
static void check_frozen(const struct ak_vault *v)
{
        struct ak_account_list *list = ak_vault_accounts((struct ak_vault *)v);
        unsigned char pk[AK_DEVICE_PK_BYTES], want_pk[AK_DEVICE_PK_BYTES], sig[AK_DEVICE_SIG_BYTES];
        size_t n = sizeof(accounts) / sizeof(accounts[0]);

        assert_string_equal(ak_vault_id(v), FROZEN_VAULT_ID);
        assert_string_equal(ak_vault_device_id(v), FROZEN_DEVICE_ID);
        ak_vault_device_public_key(v, pk);
        assert_int_equal(sodium_hex2bin(want_pk, sizeof(want_pk), FROZEN_DEVICE_PK,
                                        strlen(FROZEN_DEVICE_PK), NULL, NULL, NULL),
                         0);
        assert_memory_equal(pk, want_pk, sizeof(pk));
        /* The device's private key still matches its public key. */
        assert_int_equal(ak_vault_device_sign(v, sig, (const unsigned char *)"frozen", 6), AK_OK);
        assert_int_equal(crypto_sign_verify_detached(sig, (const unsigned char *)"frozen", 6, pk),
                         0);

        assert_int_equal(list->count, n);
        for (size_t i = 0; i < n; i++)
                check_account(&list->items[i], &accounts[i]);
        for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
                assert_non_null(ak_vault_setting(v, settings[i][0]));
                assert_string_equal(ak_vault_setting(v, settings[i][0]), settings[i][1]);
        }
        assert_null(ak_vault_setting(v, "backup.server")); /* local state is not a setting */
        for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
                assert_non_null(ak_vault_local(v, local[i][0]));
                assert_string_equal(ak_vault_local(v, local[i][0]), local[i][1]);
        }
        assert_null(ak_vault_local(v, "display.group"));
}

static void frozen_opens(void **state)
{
        struct ak_vault *v = NULL;
        char id[AK_DEVICE_ID_LEN + 1];

        (void)state;
        assert_int_equal(ak_vault_peek_id(id, frozen_path), AK_OK);
        assert_string_equal(id, FROZEN_VAULT_ID);
        assert_int_equal(
            ak_vault_open(&v, frozen_path, FROZEN_PASSPHRASE, strlen(FROZEN_PASSPHRASE)), AK_OK);
        check_frozen(v);
        ak_vault_free(v);
}

static void frozen_wrong_passphrase(void **state)
{
        struct ak_vault *v = NULL;

        (void)state;
        assert_int_equal(ak_vault_open(&v, frozen_path, "frozen", 6), AK_ERR_PASSPHRASE);
        assert_null(v);
}

/* A copy saved by today's code opens with the same passphrase and holds the same values. */
static void frozen_saved_again(void **state)
{
        char *dir = make_temp_dir(), path[4096], *data = NULL;
        struct ak_vault *v = NULL;
        size_t len;
        FILE *f;

        (void)state;
        assert_non_null(dir);
        snprintf(path, sizeof(path), "%s/vault.json", dir);
        f = fopen(frozen_path, "rb");
        assert_non_null(f);
        data = malloc(1 << 16);
        assert_non_null(data);
        len = fread(data, 1, 1 << 16, f);
        fclose(f);
        f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
        free(data);

        assert_int_equal(ak_vault_open(&v, path, FROZEN_PASSPHRASE, strlen(FROZEN_PASSPHRASE)),
                         AK_OK);
        assert_int_equal(ak_vault_save(v), AK_OK);
        ak_vault_free(v);
        v = NULL;
        assert_int_equal(ak_vault_open(&v, path, FROZEN_PASSPHRASE, strlen(FROZEN_PASSPHRASE)),
                         AK_OK);
        check_frozen(v);
        ak_vault_free(v);
        remove_tree(dir);
}

int main(int argc, char **argv)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(frozen_opens),
            cmocka_unit_test(frozen_wrong_passphrase),
            cmocka_unit_test(frozen_saved_again),
        };

        if (argc != 2) {
                fprintf(stderr, "usage: test_frozen PATH-TO-FROZEN-VAULT\n");
                return 2;
        }
        frozen_path = argv[1];
        if (ak_init() != AK_OK)
                return 1;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
