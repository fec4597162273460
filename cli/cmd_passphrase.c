/*
 * authkeep passphrase [--memory MIB] [--passes N]: changes the vault's
 * passphrase. The master key stays; only its passphrase slot is made anew
 * (new salt, new Argon2id cost if asked) and the file is replaced
 * atomically, so a failure at any point leaves the old passphrase working.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MEMORY_MIB_MAX 4096u /* what a reader accepts (docs/vault-format.md) */
#define PASSES_MAX 64u

/* "64 MiB and 3 passes, about 0.4 s here". */
static void describe(char *out, size_t size, const struct ak_kdf_params *kdf)
{
        unsigned long ms = ak_kdf_estimate_ms(kdf->opslimit, kdf->memlimit);

        snprintf(out, size, "%zu MiB and %llu pass%s, about %.1f s on this machine",
                 kdf->memlimit >> 20, (unsigned long long)kdf->opslimit,
                 kdf->opslimit == 1 ? "" : "es", (double)ms / 1000.0);
}

static void print_help(void)
{
        struct ak_kdf_params d;
        char cost[128];

        ak_kdf_params_default(&d, AK_KDF_COST_DEFAULT);
        describe(cost, sizeof(cost), &d);
        cli_printf("usage: authkeep passphrase [--memory MIB] [--passes N]\n"
                   "\n"
                   "Changes the vault's passphrase: asks for the current one (or takes\n"
                   "AUTHKEEP_PASSPHRASE), then the new one twice (or AUTHKEEP_NEW_PASSPHRASE).\n"
                   "The accounts and the master key stay; the passphrase slot is made anew and\n"
                   "the file replaced atomically. A key kept by 'authkeep unlock' stays valid.\n"
                   "\n"
                   "  --memory MIB   Argon2id memory (default %zu)\n"
                   "  --passes N     Argon2id passes (default %llu)\n"
                   "\n"
                   "The default costs %s; more makes a stolen vault slower to guess at,\n"
                   "and opening it slower too.\n",
                   d.memlimit >> 20, (unsigned long long)d.opslimit, cost);
}

/* The cost the options ask for, from the program's default. 0 or the usage error. */
static int parse_cost(int argc, char **argv, struct ak_kdf_params *kdf)
{
        static const struct option options[] = {{"memory", required_argument, NULL, 'm'},
                                                {"passes", required_argument, NULL, 'p'},
                                                {NULL, 0, NULL, 0}};
        unsigned long long n;
        int opt;

        ak_kdf_params_default(kdf, cli_kdf_cost());
        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                if (opt == 'm') {
                        if (!cli_parse_uint(optarg, MEMORY_MIB_MAX, &n) || n < 8)
                                return cli_usage_error("passphrase",
                                                       "--memory: '%s' is not 8 to %u MiB", optarg,
                                                       MEMORY_MIB_MAX);
                        kdf->memlimit = (size_t)n << 20;
                } else if (opt == 'p') {
                        if (!cli_parse_uint(optarg, PASSES_MAX, &n) || n < 1)
                                return cli_usage_error("passphrase",
                                                       "--passes: '%s' is not 1 to %u", optarg,
                                                       PASSES_MAX);
                        kdf->opslimit = n;
                } else {
                        return cli_option_error("passphrase", opt, argv);
                }
        }
        if (optind < argc)
                return cli_usage_error("passphrase", "unexpected argument '%s'", argv[optind]);
        return 0;
}

int cmd_passphrase(int argc, char **argv)
{
        struct ak_kdf_params kdf;
        struct ak_vault *vault;
        char *pass = NULL, cost[128];
        enum ak_err err;
        int rc;

        for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        print_help();
                        return CLI_EXIT_OK;
                }
        if ((rc = parse_cost(argc, argv, &kdf)) != 0)
                return rc;
        /* The current passphrase itself, never the keyring's key: it is what changes. */
        vault = cli_open_vault_passphrase();
        if (vault == NULL)
                return CLI_EXIT_FAIL;
        if ((rc = cli_hold_vault(vault)) != 0)
                goto done;
        err = cli_read_secret(&pass, "New vault passphrase: ", "AUTHKEEP_NEW_PASSPHRASE", true);
        if (err == AK_ERR_PASSPHRASE) {
                rc = cli_error("passphrase: the two new passphrases differ; nothing was changed");
                goto done;
        }
        if (err != AK_OK || *pass == '\0') {
                rc = err != AK_OK ? cli_secret_error(err, "passphrase: reading the new passphrase",
                                                     "AUTHKEEP_NEW_PASSPHRASE")
                                  : cli_error("passphrase: the new passphrase is empty; nothing "
                                              "was changed");
                goto done;
        }
        err = ak_vault_set_passphrase(vault, pass, strlen(pass), &kdf);
        if (err != AK_OK) {
                rc = cli_fail(err, "passphrase: nothing was changed");
                goto done;
        }
        describe(cost, sizeof(cost), &kdf);
        cli_printf("Changed the vault's passphrase (Argon2id: %s).\n", cost);
done:
        cli_free_secret(pass);
        ak_vault_free(vault);
        return rc;
}
