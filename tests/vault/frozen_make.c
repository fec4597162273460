/*
 * Test tool: writes the frozen vault of tests/vault/frozen/ (see
 * docs/vault-format.md, "The frozen vault"). It was run once, with the
 * code of the day the file was made, and its output committed; the file is
 * never regenerated, since it stands for the vaults users already hold.
 * This program stays only to show how the file was made.
 *   frozen_make PATH
 */
#include <stdio.h>
#include <string.h>

#include "frozen_values.h"

int main(int argc, char **argv)
{
        struct ak_kdf_params kdf = {1, 8192}; /* libsodium's minimum: the file opens fast */
        struct ak_vault *v = NULL;
        enum ak_err err;

        if (argc != 2) {
                fprintf(stderr, "usage: frozen_make PATH\n");
                return 2;
        }
        if ((err = ak_init()) != AK_OK ||
            (err = ak_vault_create(&v, argv[1], FROZEN_PASSPHRASE, strlen(FROZEN_PASSPHRASE),
                                   &kdf)) != AK_OK)
                goto fail;
        for (size_t i = 0; i < sizeof(accounts) / sizeof(accounts[0]); i++) {
                const struct expected_account *f = &accounts[i];
                struct ak_account a;

                ak_account_init(&a);
                memcpy(a.id, f->id, strlen(f->id) + 1);
                a.kind = f->kind;
                a.type = f->type;
                a.hash = f->hash;
                a.digits = f->digits;
                a.period = f->period;
                a.counter = f->counter;
                a.created = f->created;
                err = ak_account_set_text(&a.issuer, f->issuer);
                if (err == AK_OK)
                        err = ak_account_set_text(&a.name, f->name);
                if (err == AK_OK && f->label_issuer != NULL)
                        err = ak_account_set_text(&a.label_issuer, f->label_issuer);
                if (err == AK_OK)
                        err = ak_account_set_secret(&a, (const unsigned char *)f->secret,
                                                    strlen(f->secret));
                if (err == AK_OK)
                        err = ak_account_list_push(ak_vault_accounts(v), &a);
                ak_account_clear(&a);
                if (err != AK_OK)
                        goto fail;
        }
        for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
                if ((err = ak_vault_set_setting(v, settings[i][0], settings[i][1])) != AK_OK)
                        goto fail;
        for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
                if ((err = ak_vault_set_local(v, local[i][0], local[i][1])) != AK_OK)
                        goto fail;
        if ((err = ak_vault_save(v)) != AK_OK)
                goto fail;
        ak_vault_free(v);
        return 0;
fail:
        fprintf(stderr, "frozen_make: %s (%s)\n", ak_strerror(err), ak_error_detail());
        ak_vault_free(v);
        return 1;
}
