/*
 * Helpers shared by the vault's tests: a temporary folder per test and
 * accounts to fill a vault with.
 */
#ifndef AUTHKEEP_TESTS_VAULT_HELPERS_H
#define AUTHKEEP_TESTS_VAULT_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/authkeep.h"

#define TEST_PASSPHRASE "correct horse battery staple"

/*
 * The Argon2id cost of the vaults the tests make: libsodium's minimum, so
 * that they run fast (the defaults have a test of their own).
 */
static inline const struct ak_kdf_params *test_kdf(void)
{
        static struct ak_kdf_params kdf;

        ak_kdf_params_default(&kdf, AK_KDF_COST_MIN);
        return &kdf;
}

/* Makes a temporary folder; the caller removes it with remove_tree(). */
static inline char *make_temp_dir(void)
{
        char tmpl[] = "/tmp/authkeep-vault-test.XXXXXX";
        char *dir = mkdtemp(tmpl);

        return dir ? strdup(dir) : NULL;
}

static inline void remove_tree(char *dir)
{
        char cmd[4200];

        if (dir == NULL)
                return;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
                fprintf(stderr, "could not remove %s\n", dir);
        free(dir);
}

/*
 * Appends account number `i`: "Issuer i" / "user-i@example.com" with the
 * given kind, a 20-byte secret derived from `i`, and varied parameters.
 * Returns AK_OK or the first error.
 */
static inline enum ak_err add_test_account(struct ak_account_list *list, size_t i,
                                           const char *name_prefix, enum ak_account_kind kind)
{
        struct ak_account a;
        char issuer[64], name[96];
        unsigned char secret[20];
        enum ak_err err;

        ak_account_init(&a);
        snprintf(issuer, sizeof(issuer), "Issuer %zu", i % 97);
        snprintf(name, sizeof(name), "%s-%zu@example.com", name_prefix, i);
        for (size_t k = 0; k < sizeof(secret); k++)
                secret[k] = (unsigned char)(i * 31 + k * 7);
        if ((err = ak_account_set_text(&a.issuer, issuer)) != AK_OK ||
            (err = ak_account_set_text(&a.name, name)) != AK_OK ||
            (err = ak_account_set_secret(&a, secret, sizeof(secret))) != AK_OK) {
                ak_account_clear(&a);
                return err;
        }
        a.kind = kind;
        a.created = 1700000000 + (int64_t)i;
        switch (i % 4) {
        case 1:
                a.type = AK_OTP_HOTP;
                a.counter = i * 1000;
                break;
        case 2:
                a.hash = AK_HASH_SHA256;
                a.digits = 8;
                a.period = 60;
                break;
        case 3:
                a.type = AK_OTP_STEAM;
                a.digits = 5;
                break;
        default:
                break;
        }
        err = ak_account_list_push(list, &a);
        ak_account_clear(&a);
        return err;
}

#endif
