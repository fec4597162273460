/*
 * Recovery (ak_recovery_plan_new / _apply / _free in include/authkeep/sync.h)
 * against a real authkeepd on loopback (sync_world.c): the plan classifies
 * the backup's accounts against the device's, changes nothing until it is
 * applied, and applying adds only the new ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sync_world.h"

#define SECRET_A "secret of account a"
#define SECRET_B "secret of account b"
#define SECRET_B_HERE "another secret for b"
#define SECRET_C "secret of account c"

static void assert_account(const struct ak_account *a, const char *issuer, const char *secret)
{
        assert_string_equal(a->issuer, issuer);
        assert_int_equal(a->secret_len, strlen(secret));
        assert_memory_equal(a->secret, secret, strlen(secret));
}

static struct ak_recovery_plan *plan_for(struct world *w, const struct device *d,
                                         const char *password, uint64_t version, enum ak_err expect,
                                         struct ak_recovery_failure *why)
{
        struct ak_recovery_plan *plan = NULL;

        assert_int_equal(ak_recovery_plan_new(&plan, &w->options, w->url, false, WORLD_EMAIL,
                                              password, strlen(password), false, version,
                                              ak_vault_accounts(d->vault), why),
                         expect);
        if (expect != AK_OK)
                assert_null(plan);
        return plan;
}

static void test_plan_and_apply(void **state)
{
        struct world *w = *state;
        struct device laptop, phone;
        struct ak_recovery_plan *plan;
        struct ak_sync_status st;
        struct ak_backup_info latest;
        struct ak_account_list *accounts;
        enum ak_err sent = AK_ERR_INTERNAL;
        char label[128];

        device_new(w, &laptop, "laptop");
        device_add(&laptop, "A", "alice", SECRET_A);
        device_add(&laptop, "B", "alice", SECRET_B);
        device_add(&laptop, "C", "alice", SECRET_C);
        device_create_account(w, &laptop);
        device_enable(w, &laptop, "laptop");
        assert_int_equal(device_status(&laptop).version, 1);

        device_new(w, &phone, "phone");
        device_add(&phone, "A", "alice", SECRET_A);
        device_add(&phone, "b", "ALICE", SECRET_B_HERE);
        plan = plan_for(w, &phone, WORLD_PASSWORD, 0, AK_OK, NULL);
        assert_int_equal(plan->info.version, 1);
        assert_string_equal(plan->info.device_id, ak_vault_device_id(laptop.vault));
        assert_string_equal(plan->info.device_name, "laptop");
        assert_int_equal(plan->latest, 1);
        server_latest(w, WORLD_PASSWORD, &latest);
        assert_int_equal(plan->latest_at, latest.created_at);
        /* The three accounts, and the reference of the laptop's personal entry. */
        assert_int_equal(plan->carried, 3);
        assert_int_equal(plan->references, 1);
        assert_string_equal(plan->accounts.entries[0].account.issuer, "A");
        assert_int_equal(plan->accounts.entries[0].status, AK_IMPORT_IDENTICAL);
        assert_string_equal(plan->accounts.entries[1].account.issuer, "B");
        assert_int_equal(plan->accounts.entries[1].status, AK_IMPORT_CONFLICT);
        assert_string_equal(plan->accounts.entries[2].account.issuer, "C");
        assert_int_equal(plan->accounts.entries[2].status, AK_IMPORT_NEW);
        assert_int_equal(plan->counts.identical, 1);
        assert_int_equal(plan->counts.conflicts, 1);
        assert_int_equal(plan->counts.added, 1);
        assert_int_equal(plan->counts.unreadable, 0);

        /* A plan changes nothing: the device is as it was. */
        assert_int_equal(ak_vault_accounts(phone.vault)->count, 2);
        ak_sync_status(phone.sync, &st);
        assert_int_equal(st.state, AK_SYNC_OFF);

        /* Applied: C is added; B keeps this device's secret, and the backup's beside it. */
        assert_int_equal(ak_recovery_plan_apply(plan, phone.sync, "phone", &sent), AK_OK);
        ak_recovery_plan_free(plan);
        device_save(&phone);
        accounts = ak_vault_accounts(phone.vault);
        /* The four, and the phone's own personal entry (its code is its own). */
        assert_int_equal(accounts->count, 5);
        assert_int_equal(ak_account_list_carried(accounts), 4);
        assert_int_equal(accounts->items[4].kind, AK_KIND_PERSONAL);
        assert_account(&accounts->items[0], "A", SECRET_A);
        assert_account(&accounts->items[1], "b", SECRET_B_HERE);
        assert_account(&accounts->items[2], "B", SECRET_B);
        assert_string_equal(accounts->items[2].name, "alice (imported)");
        assert_account(&accounts->items[3], "C", SECRET_C);

        /* The merged set differs from version 1: it went up as version 2. */
        assert_int_equal(sent, AK_OK);
        ak_sync_status(phone.sync, &st);
        assert_int_equal(st.state, AK_SYNC_BACKED_UP);
        assert_int_equal(st.version, 2);
        assert_string_equal(st.device_name, "phone");
        server_latest(w, WORLD_PASSWORD, &latest);
        assert_int_equal(latest.version, 2);
        assert_string_equal(latest.device_id, ak_vault_device_id(phone.vault));

        assert_int_equal(ak_sync_refresh(laptop.sync), AK_OK);
        ak_sync_status(laptop.sync, &st);
        assert_int_equal(st.state, AK_SYNC_NEWER_ELSEWHERE);
        assert_int_equal(st.other_version, 2);
        device_label(label, sizeof(label), &phone, "phone");
        assert_string_equal(st.other_device, label);

        /* An older version may be planned too; the latest is named beside it. */
        plan = plan_for(w, &laptop, WORLD_PASSWORD, 1, AK_OK, NULL);
        assert_int_equal(plan->info.version, 1);
        assert_int_equal(plan->latest, 2);
        assert_int_equal(plan->counts.identical, 3);
        ak_recovery_plan_free(plan);

        /*
         * The laptop restores version 1 (it merges its own accounts with it):
         * only the laptop changes, and version 2 stays the newer one, also for
         * its `backup now`, until --force.
         */
        plan = plan_for(w, &laptop, WORLD_PASSWORD, 1, AK_OK, NULL);
        assert_int_equal(ak_recovery_plan_apply(plan, laptop.sync, NULL, &sent), AK_OK);
        assert_int_equal(sent, AK_OK);
        device_save(&laptop);
        server_latest(w, WORLD_PASSWORD, &latest);
        assert_int_equal(latest.version, 2);
        st = device_status(&laptop);
        assert_int_equal(st.state, AK_SYNC_NEWER_ELSEWHERE);
        assert_int_equal(st.version, 1);
        assert_int_equal(st.other_version, 2);
        assert_string_equal(st.device_name, "laptop");
        assert_int_equal(ak_sync_refresh(laptop.sync), AK_OK);
        assert_int_equal(device_status(&laptop).state, AK_SYNC_NEWER_ELSEWHERE);
        assert_int_equal(ak_sync_now(laptop.sync, false), AK_ERR_NEWER_BACKUP);
        assert_int_equal(ak_sync_now(laptop.sync, true), AK_OK);
        device_save(&laptop);
        server_latest(w, WORLD_PASSWORD, &latest);
        assert_int_equal(latest.version, 3);
        assert_string_equal(latest.device_id, ak_vault_device_id(laptop.vault));
        assert_int_equal(device_status(&laptop).state, AK_SYNC_BACKED_UP);
        ak_recovery_plan_free(plan);
        device_free(&laptop);
        device_free(&phone);
}

static void test_plan_failures(void **state)
{
        struct world *w = *state;
        struct device laptop, phone;
        struct ak_recovery_plan *plan = NULL;
        struct ak_recovery_failure why;

        device_new(w, &laptop, "laptop");
        device_new(w, &phone, "phone");
        device_add(&phone, "Forge", "alice", SECRET_A);
        device_create_account(w, &laptop);
        (void)plan_for(w, &phone, WORLD_PASSWORD, 0, AK_ERR_NO_BACKUP, &why);
        device_enable(w, &laptop, "laptop");

        (void)plan_for(w, &phone, "wrong", 0, AK_ERR_AUTH, &why);
        assert_int_equal(ak_recovery_plan_new(&plan, &w->options, w->url, false,
                                              "nobody@example.com", WORLD_PASSWORD,
                                              strlen(WORLD_PASSWORD), false, 0, NULL, &why),
                         AK_ERR_AUTH); /* an unknown email fails like a wrong password */
        assert_null(plan);
        (void)plan_for(w, &phone, WORLD_PASSWORD, 7, AK_ERR_NOT_FOUND, &why);
        assert_int_equal(why.latest, 1);
        server_stop(w);
        (void)plan_for(w, &phone, WORLD_PASSWORD, 0, AK_ERR_NETWORK, &why);

        /* Each failure left the device as it was. */
        assert_int_equal(ak_vault_accounts(phone.vault)->count, 1);
        assert_int_equal(device_status(&phone).version, 0);
        device_free(&laptop);
        device_free(&phone);
}

/* A forgotten password: the recovery code signs in once, and a new password and code replace it. */
static void test_recovery_code(void **state)
{
        struct world *w = *state;
        struct device laptop, phone;
        struct ak_recovery_plan *plan = NULL;
        struct ak_recovery_failure why;
        char *code = NULL, *next = NULL;
        enum ak_err sent = AK_ERR_INTERNAL;
        static const char new_password[] = "a password written down this time";

        device_new(w, &laptop, "laptop");
        device_add(&laptop, "Forge", "alice", SECRET_A);
        assert_int_equal(ak_sync_create_account(laptop.sync, w->url, false, WORLD_EMAIL,
                                                WORLD_PASSWORD, strlen(WORLD_PASSWORD), &code),
                         AK_OK);
        device_enable(w, &laptop, "laptop");

        device_new(w, &phone, "phone");
        assert_int_equal(ak_recovery_plan_new(&plan, &w->options, w->url, false, WORLD_EMAIL,
                                              "not the code", strlen("not the code"), true, 0, NULL,
                                              &why),
                         AK_ERR_AUTH);
        assert_int_equal(ak_recovery_plan_new(&plan, &w->options, w->url, false, WORLD_EMAIL, code,
                                              strlen(code), true, 0, ak_vault_accounts(phone.vault),
                                              &why),
                         AK_OK);
        assert_int_equal(plan->counts.added, 1);
        assert_int_equal(
            ak_recovery_plan_set_password(plan, new_password, strlen(new_password), &next), AK_OK);
        assert_non_null(next);
        assert_string_not_equal(next, code);
        assert_int_equal(ak_recovery_plan_apply(plan, phone.sync, "phone", &sent), AK_OK);
        ak_recovery_plan_free(plan);
        device_save(&phone);
        assert_int_equal(sent, AK_OK);
        assert_int_equal(device_status(&phone).state, AK_SYNC_BACKED_UP);
        assert_int_equal(ak_account_list_carried(ak_vault_accounts(phone.vault)), 1);

        /* The used code and the old password are spent; the new ones work. */
        (void)plan_for(w, &phone, WORLD_PASSWORD, 0, AK_ERR_AUTH, &why);
        assert_int_equal(ak_recovery_plan_new(&plan, &w->options, w->url, false, WORLD_EMAIL, code,
                                              strlen(code), true, 0, NULL, &why),
                         AK_ERR_AUTH);
        assert_int_equal(ak_recovery_plan_new(&plan, &w->options, w->url, false, WORLD_EMAIL, next,
                                              strlen(next), true, 0, NULL, &why),
                         AK_OK);
        ak_recovery_plan_free(plan);
        plan = plan_for(w, &phone, new_password, 0, AK_OK, &why);
        assert_int_equal(plan->counts.identical, 1);
        ak_recovery_plan_free(plan);
        ak_secret_free_str(code);
        ak_secret_free_str(next);
        device_free(&laptop);
        device_free(&phone);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_plan_and_apply, world_setup, world_teardown),
            cmocka_unit_test_setup_teardown(test_plan_failures, world_setup, world_teardown),
            cmocka_unit_test_setup_teardown(test_recovery_code, world_setup, world_teardown),
        };

        ak_init();
        return cmocka_run_group_tests(tests, NULL, NULL);
}
