/*
 * The device ids of personal accounts (lib/account_add.c): the backup's
 * account keeps the vault's own, another is derived as device.h says, and
 * an entry's id is the one it was registered with; what ak_account_add
 * refuses before it asks the server. Adding itself is tested end to end
 * against a real authkeepd (tests/identity/account-add.sh).
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

#define SERVER "https://keep.example"
#define DERIVED_INPUT "authkeep-personal\0" SERVER "\0bob@second.test"

/* Backup goes to owner@recovery.test on SERVER (the engine's device-local state). */
static int setup(void **state)
{
        vault_fixture_setup(state);
        struct vault_fixture *f = *state;
        assert_int_equal(ak_vault_set_local(f->vault, "backup.server", SERVER "/"), AK_OK);
        assert_int_equal(ak_vault_set_local(f->vault, "backup.email", "owner@recovery.test"),
                         AK_OK);
        return 0;
}

/* Adds a personal entry of (SERVER, email) with a secret; its index. */
static size_t add_entry(struct ak_vault *vault, const char *email)
{
        struct ak_account a;
        unsigned char secret[AK_DEVICE_TOTP_BYTES] = {1, 2, 3};
        struct ak_account_list *list = ak_vault_accounts(vault);

        ak_account_init(&a);
        a.kind = AK_KIND_PERSONAL;
        assert_int_equal(ak_account_set_text(&a.issuer, SERVER), AK_OK);
        assert_int_equal(ak_account_set_text(&a.name, email), AK_OK);
        assert_int_equal(ak_account_set_secret(&a, secret, sizeof(secret)), AK_OK);
        assert_int_equal(ak_account_list_push(list, &a), AK_OK);
        ak_account_clear(&a);
        return list->count - 1;
}

static void test_personal_device_id(void **state)
{
        struct vault_fixture *f = *state;
        char id[AK_DEVICE_ID_LEN + 1], expected[AK_DEVICE_ID_LEN + 1], work[AK_DEVICE_ID_LEN + 1];
        unsigned char hash[16];
        crypto_generichash_state h;

        /* The backup's account, whatever the case of its email or a trailing slash. */
        assert_int_equal(ak_personal_device_id(id, f->vault, SERVER, "Owner@Recovery.test"), AK_OK);
        assert_string_equal(id, ak_vault_device_id(f->vault));
        /* Another account: BLAKE2b-128 keyed with the vault's id, over its own label. */
        assert_int_equal(ak_personal_device_id(id, f->vault, SERVER "/", "Bob@Second.test"), AK_OK);
        crypto_generichash_init(&h, (const unsigned char *)ak_vault_device_id(f->vault),
                                AK_DEVICE_ID_LEN, sizeof(hash));
        crypto_generichash_update(&h, (const unsigned char *)DERIVED_INPUT,
                                  sizeof(DERIVED_INPUT) - 1);
        crypto_generichash_final(&h, hash, sizeof(hash));
        sodium_bin2hex(expected, sizeof(expected), hash, sizeof(hash));
        assert_string_equal(id, expected);
        /* Not the work account's id of the same server and email. */
        assert_int_equal(ak_work_device_id(work, f->vault, SERVER, "bob@second.test"), AK_OK);
        assert_string_not_equal(id, work);
        assert_int_equal(ak_personal_device_id(id, f->vault, "", "bob@second.test"),
                         AK_ERR_INVALID);
        assert_int_equal(ak_personal_device_id(id, f->vault, SERVER, ""), AK_ERR_INVALID);
}

static void test_entry_id(void **state)
{
        struct vault_fixture *f = *state;
        char id[AK_DEVICE_ID_LEN + 1], name[64];
        size_t owner = add_entry(f->vault, "owner@recovery.test");
        size_t bob = add_entry(f->vault, "bob@second.test");
        const char *derived = "0123456789abcdef0123456789abcdef";

        /* An entry without a kept id is the backup's: the vault's own id. */
        assert_int_equal(ak_device_entry_id(id, f->vault, owner), AK_OK);
        assert_string_equal(id, ak_vault_device_id(f->vault));
        assert_false(ak_device_entry_added(f->vault, owner));
        /* An added one's is the id it was registered with. */
        snprintf(name, sizeof(name), "device.%s", ak_vault_accounts(f->vault)->items[bob].id);
        assert_int_equal(ak_vault_set_local(f->vault, name, derived), AK_OK);
        assert_true(ak_device_entry_added(f->vault, bob));
        assert_int_equal(ak_device_entry_id(id, f->vault, bob), AK_OK);
        assert_string_equal(id, derived);
        /* Not a personal or work entry, or out of range. */
        assert_int_equal(ak_device_entry_id(id, f->vault, bob + 1), AK_ERR_INVALID);
        assert_false(ak_device_entry_added(f->vault, bob + 1));
}

static void test_add_check(void **state)
{
        struct vault_fixture *f = *state;
        size_t count = ak_vault_accounts(f->vault)->count;

        assert_int_equal(ak_account_add_check(f->vault, SERVER, "bob@second.test"), AK_OK);
        assert_int_equal(ak_account_add_check(f->vault, SERVER "/", "OWNER@recovery.test"),
                         AK_ERR_EXISTS);
        assert_non_null(strstr(ak_error_detail(), "already this device's backup account"));
        (void)add_entry(f->vault, "bob@second.test");
        assert_int_equal(ak_account_add_check(f->vault, SERVER, "Bob@Second.test"), AK_ERR_EXISTS);
        assert_non_null(strstr(ak_error_detail(), "on this device already"));
        /* The same email on another server is another account. */
        assert_int_equal(ak_account_add_check(f->vault, "https://other.example", "bob@second.test"),
                         AK_OK);
        assert_int_equal(ak_account_add_check(f->vault, SERVER, "bob"), AK_ERR_INVALID);
        assert_int_equal(ak_account_add_check(f->vault, SERVER, "bob @second.test"),
                         AK_ERR_INVALID);
        assert_int_equal(ak_account_add_check(f->vault, SERVER, "@second.test"), AK_ERR_INVALID);
        assert_int_equal(ak_account_add_check(f->vault, "", "bob@second.test"), AK_ERR_INVALID);
        assert_int_equal(ak_account_add_check(f->vault, NULL, "bob@second.test"), AK_ERR_INVALID);
        /* ak_account_add refuses the same before any call, changing nothing. */
        struct ak_client_options o = {0};
        struct ak_device_registration r;
        assert_int_equal(
            ak_account_add(f->vault, SERVER, "owner@recovery.test", "pw", 2, "dev", &o, &r),
            AK_ERR_EXISTS);
        assert_int_equal(r.err, AK_ERR_EXISTS);
        assert_non_null(strstr(r.detail, "backup account"));
        assert_int_equal(ak_vault_accounts(f->vault)->count, count + 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_personal_device_id, setup, vault_fixture_teardown),
            cmocka_unit_test_setup_teardown(test_entry_id, setup, vault_fixture_teardown),
            cmocka_unit_test_setup_teardown(test_add_check, setup, vault_fixture_teardown),
        };

        if (ak_init() != AK_OK)
                return 1;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
