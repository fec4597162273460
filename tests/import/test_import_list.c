/*
 * An import built from a list of accounts (ak_import_from_list), as recovery
 * builds one from a backup: its entries are deep copies, and classifying and
 * applying them against the device's accounts gives what an import of the
 * same accounts would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "authkeep/authkeep.h"
#include "authkeep/import.h"
#include "list_of.h"

static const char *const device_uris[] = {
    "otpauth://totp/Deno:Mason?secret=4SJHB4GSD43FZBAI7C2HLRJGPQ&issuer=Deno",
    "otpauth://totp/SPDX:James?secret=5OM4WOOGPLQEF6UGN3CPEOOLWU&issuer=SPDX",
    NULL,
};

static const char *const backup_uris[] = {
    /* identical to the device's first account */
    "otpauth://totp/Deno:Mason?secret=4SJHB4GSD43FZBAI7C2HLRJGPQ&issuer=Deno",
    /* the device's second label, another secret */
    "otpauth://totp/spdx:james?secret=YOOMIXWS5GN6RTBPUFFWKTW5M4&issuer=spdx",
    /* not on the device */
    "otpauth://hotp/WWE:Sophia?secret=5VAML3X35THCEBVRLV24CGBKOY&issuer=WWE&digits=8&counter=7",
    NULL,
};

static void test_from_list_classify_apply(void **state)
{
        struct ak_account_list device, backup;
        struct ak_import imp;
        struct ak_import_counts counts;
        char backup_id[AK_ID_LEN + 1];
        (void)state;

        list_of(&device, device_uris);
        list_of(&backup, backup_uris);
        memcpy(backup_id, backup.items[2].id, sizeof(backup_id));
        ak_import_init(&imp);
        assert_int_equal(ak_import_from_list(&imp, &backup), AK_OK);
        assert_int_equal(imp.count, 3);
        assert_string_equal(imp.entries[2].where, "account 3 (WWE:Sophia)");
        assert_null(imp.entries[2].reason);
        /* Deep copies: the backup's list can go before the import is used. */
        ak_account_list_clear(&backup);
        assert_string_equal(imp.entries[2].account.id, backup_id);
        assert_int_equal(imp.entries[2].account.type, AK_OTP_HOTP);
        assert_int_equal(imp.entries[2].account.counter, 7);
        assert_int_equal(imp.entries[2].account.secret_len, 16);

        assert_int_equal(ak_import_classify(&imp, &device), AK_OK);
        assert_int_equal(imp.entries[0].status, AK_IMPORT_IDENTICAL);
        assert_int_equal(imp.entries[1].status, AK_IMPORT_CONFLICT);
        assert_string_equal(imp.entries[1].account.name, "james (imported)");
        assert_string_equal(imp.entries[1].original_name, "james");
        assert_int_equal(imp.entries[2].status, AK_IMPORT_NEW);
        ak_import_count(&imp, &counts);
        assert_int_equal(counts.added, 1);
        assert_int_equal(counts.identical, 1);
        assert_int_equal(counts.conflicts, 1);
        assert_int_equal(counts.unreadable, 0);

        /* Apply adds the conflicting and the missing one, in the backup's order, with new ids. */
        assert_int_equal(ak_import_apply(&imp, &device), AK_OK);
        assert_int_equal(device.count, 4);
        assert_string_equal(device.items[0].name, "Mason");
        assert_string_equal(device.items[1].name, "James");
        assert_string_equal(device.items[2].issuer, "spdx");
        assert_string_equal(device.items[2].name, "james (imported)");
        assert_string_equal(device.items[3].issuer, "WWE");
        assert_string_equal(device.items[3].name, "Sophia");
        assert_int_equal(strlen(device.items[3].id), AK_ID_LEN);
        assert_string_not_equal(device.items[3].id, backup_id);
        ak_import_clear(&imp);
        ak_account_list_clear(&device);
}

static void test_from_list_replaces_and_empty(void **state)
{
        struct ak_account_list list, empty;
        struct ak_import imp;
        (void)state;

        list_of(&list, device_uris);
        ak_account_list_init(&empty);
        ak_import_init(&imp);
        assert_int_equal(ak_import_from_list(&imp, &list), AK_OK);
        assert_int_equal(imp.count, 2);
        /* What the import held before is cleared, not appended to. */
        assert_int_equal(ak_import_from_list(&imp, &list), AK_OK);
        assert_int_equal(imp.count, 2);
        assert_int_equal(ak_import_from_list(&imp, &empty), AK_OK);
        assert_int_equal(imp.count, 0);
        assert_int_equal(ak_import_classify(&imp, &list), AK_OK);
        assert_int_equal(ak_import_apply(&imp, &list), AK_OK);
        assert_int_equal(list.count, 2);
        ak_import_clear(&imp);
        ak_account_list_clear(&list);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_from_list_classify_apply),
            cmocka_unit_test(test_from_list_replaces_and_empty),
        };

        if (ak_init() != AK_OK)
                return 1;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
