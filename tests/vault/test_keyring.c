/*
 * The master key in the real kernel keyring (libkeyutils): store, load,
 * expiry, clear and permissions. Skipped (77) where the kernel refuses
 * keyrings, as in some containers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <keyutils.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "authkeep/authkeep.h"
#include "vault_internal.h"

static char vault_id[AK_DEVICE_ID_LEN + 1];

static int setup(void **state)
{
        unsigned char raw[AK_DEVICE_ID_LEN / 2];

        (void)state;
        randombytes_buf(raw, sizeof(raw));
        sodium_bin2hex(vault_id, sizeof(vault_id), raw, sizeof(raw));
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        return ak__keyring_clear(vault_id) == AK_OK ? 0 : -1;
}

static void test_store_load_clear(void **state)
{
        unsigned char key[AK_VAULT_KEY_BYTES], got[AK_VAULT_KEY_BYTES];

        (void)state;
        randombytes_buf(key, sizeof(key));
        assert_int_equal(ak__keyring_load(vault_id, got), AK_ERR_LOCKED);
        assert_int_equal(ak__keyring_store(vault_id, key, 600), AK_OK);
        assert_int_equal(ak__keyring_load(vault_id, got), AK_OK);
        assert_memory_equal(key, got, sizeof(key));

        /* Storing again replaces the key. */
        key[0] ^= 0xff;
        assert_int_equal(ak__keyring_store(vault_id, key, 600), AK_OK);
        assert_int_equal(ak__keyring_load(vault_id, got), AK_OK);
        assert_memory_equal(key, got, sizeof(key));

        assert_int_equal(ak__keyring_clear(vault_id), AK_OK);
        assert_int_equal(ak__keyring_load(vault_id, got), AK_ERR_LOCKED);
        assert_int_equal(ak__keyring_clear(vault_id), AK_OK); /* nothing there: still fine */
        sodium_memzero(key, sizeof(key));
        sodium_memzero(got, sizeof(got));
}

static void test_expiry(void **state)
{
        unsigned char key[AK_VAULT_KEY_BYTES], got[AK_VAULT_KEY_BYTES];

        (void)state;
        randombytes_buf(key, sizeof(key));
        assert_int_equal(ak__keyring_store(vault_id, key, 1), AK_OK);
        assert_int_equal(ak__keyring_load(vault_id, got), AK_OK);
        sleep(2);
        assert_int_equal(ak__keyring_load(vault_id, got), AK_ERR_LOCKED);
        sodium_memzero(key, sizeof(key));
}

/*
 * The key is in the session keyring and only its possessor (a process of
 * this login session) may use it: no permission for the same user in other
 * sessions (cron, another SSH login), the group or others. It is named
 * after the vault.
 */
static void test_permissions(void **state)
{
        unsigned char key[AK_VAULT_KEY_BYTES] = {1};
        char name[64], *desc = NULL;
        key_serial_t id;
        unsigned perm;

        (void)state;
        assert_int_equal(ak__keyring_store(vault_id, key, 60), AK_OK);
        snprintf(name, sizeof(name), "authkeep:%s", vault_id);
        assert_true(keyctl_search(KEY_SPEC_USER_KEYRING, "user", name, 0) < 0);
        id = (key_serial_t)keyctl_search(KEY_SPEC_SESSION_KEYRING, "user", name, 0);
        assert_true(id > 0);
        assert_true(keyctl_describe_alloc(id, &desc) > 0);
        /* "type;uid;gid;perm;description" */
        assert_int_equal(
            sscanf(strchr(strchr(strchr(desc, ';') + 1, ';') + 1, ';') + 1, "%x", &perm), 1);
        assert_int_equal(perm & (KEY_USR_ALL | KEY_GRP_ALL | KEY_OTH_ALL), 0);
        assert_true((perm & KEY_POS_READ) != 0);
        free(desc);
}

static void test_bad_arguments(void **state)
{
        unsigned char key[AK_VAULT_KEY_BYTES] = {0};

        (void)state;
        assert_int_equal(ak__keyring_store("not hex!", key, 60), AK_ERR_INVALID);
        assert_int_equal(ak__keyring_store(vault_id, key, 0), AK_ERR_INVALID);
        /* At most a day: a kept key must not outlive the day it was typed for. */
        assert_int_equal(ak__keyring_store(vault_id, key, AK_VAULT_UNLOCK_MAX_SECONDS + 1),
                         AK_ERR_INVALID);
        assert_int_equal(ak__keyring_store(vault_id, key, AK_VAULT_UNLOCK_MAX_SECONDS), AK_OK);
        assert_int_equal(ak__keyring_load("", key), AK_ERR_INVALID);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_store_load_clear, setup, teardown),
            cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
            cmocka_unit_test_setup_teardown(test_permissions, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        };

        if (ak_init() != AK_OK)
                return 1;
        /* Where the kernel has no keyrings for us, there is nothing to test. */
        if (keyctl_get_keyring_ID(KEY_SPEC_SESSION_KEYRING, 1) < 0) {
                printf("SKIP: no session keyring here: %s\n", strerror(errno));
                return 77;
        }
        return cmocka_run_group_tests(tests, NULL, NULL);
}
