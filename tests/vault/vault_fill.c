/*
 * Test tool: creates a vault at PATH holding N third-party accounts
 * ("Issuer K" / "acct-I@example.com", varied parameters), protected by
 * $AUTHKEEP_PASSPHRASE. Used by the crash test to make a large vault
 * quickly; the app then rewrites it.
 *   vault_fill PATH N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

int main(int argc, char **argv)
{
        const char *passphrase = getenv("AUTHKEEP_PASSPHRASE");
        struct ak_vault *v = NULL;
        enum ak_err err;
        long n;

        if (argc != 3 || passphrase == NULL || (n = strtol(argv[2], NULL, 10)) < 0) {
                fprintf(stderr, "usage: AUTHKEEP_PASSPHRASE=... vault_fill PATH N\n");
                return 2;
        }
        if ((err = ak_init()) != AK_OK ||
            (err = ak_vault_create(&v, argv[1], passphrase, strlen(passphrase), test_kdf())) !=
                AK_OK)
                goto fail;
        for (long i = 0; i < n; i++)
                if ((err = add_test_account(ak_vault_accounts(v), (size_t)i, "acct",
                                            AK_KIND_THIRD_PARTY)) != AK_OK)
                        goto fail;
        if ((err = ak_vault_save(v)) != AK_OK)
                goto fail;
        ak_vault_free(v);
        return 0;
fail:
        fprintf(stderr, "vault_fill: %s (%s)\n", ak_strerror(err), ak_error_detail());
        ak_vault_free(v);
        return 1;
}
