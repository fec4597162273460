/*
 * A cmocka fixture for unit tests that need a vault: a new one (at the
 * lowest KDF cost) in a folder of its own under /tmp, removed after the
 * test. Include after <cmocka.h> and "authkeep/authkeep.h"; use
 * vault_fixture_setup and vault_fixture_teardown as a test's setup and
 * teardown, and `struct vault_fixture *f = *state` in the test.
 */
#ifndef AUTHKEEP_TESTS_VAULT_FIXTURE_H
#define AUTHKEEP_TESTS_VAULT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct vault_fixture {
        char dir[64], path[96];
        struct ak_vault *vault;
};

static int vault_fixture_setup(void **state)
{
        struct vault_fixture *f = calloc(1, sizeof(*f));
        struct ak_kdf_params kdf;

        assert_non_null(f);
        snprintf(f->dir, sizeof(f->dir), "/tmp/authkeep-test-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->path, sizeof(f->path), "%s/vault", f->dir);
        ak_kdf_params_default(&kdf, AK_KDF_COST_MIN);
        assert_int_equal(ak_vault_create(&f->vault, f->path, "a passphrase", 12, &kdf), AK_OK);
        *state = f;
        return 0;
}

static int vault_fixture_teardown(void **state)
{
        struct vault_fixture *f = *state;

        ak_vault_free(f->vault);
        unlink(f->path);
        rmdir(f->dir);
        free(f);
        return 0;
}

#endif
