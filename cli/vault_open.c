/*
 * This device's folder and vault for the authkeep program: where they are,
 * and opening, creating and saving the vault, with the one line a person
 * reads when that fails.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char *cli_home(void)
{
        static char home[PATH_MAX];
        const char *env;

        if (home[0] != '\0')
                return home;
        env = getenv("AUTHKEEP_HOME");
        if (env != NULL && env[0] != '\0')
                snprintf(home, sizeof(home), "%s", env);
        else if ((env = getenv("XDG_DATA_HOME")) != NULL && env[0] != '\0')
                snprintf(home, sizeof(home), "%s/authkeep", env);
        else if ((env = getenv("HOME")) != NULL && env[0] != '\0')
                snprintf(home, sizeof(home), "%s/.local/share/authkeep", env);
        else
                snprintf(home, sizeof(home), ".authkeep");
        return home;
}

const char *cli_vault_path(void)
{
        static char path[PATH_MAX + sizeof(AK_VAULT_FILE) + 1];

        if (path[0] == '\0')
                snprintf(path, sizeof(path), "%s/%s", cli_home(), AK_VAULT_FILE);
        return path;
}

/*
 * Reads the vault passphrase (AUTHKEEP_PASSPHRASE, the terminal, or a line
 * of standard input), printing the error itself. NULL on failure.
 */
static char *read_passphrase(void)
{
        char *pass = NULL;
        enum ak_err err =
            cli_read_secret(&pass, "Vault passphrase: ", "AUTHKEEP_PASSPHRASE", false);

        if (err == AK_ERR_INVALID) {
                cli_error("passphrase: none given; set AUTHKEEP_PASSPHRASE, type it on a terminal, "
                          "or run 'authkeep unlock' first");
                return NULL;
        }
        if (err != AK_OK) {
                cli_fail(err, "reading the passphrase");
                return NULL;
        }
        return pass;
}

/* Prints the one line for a vault at `path` that could not be opened. */
static void report_open_error(enum ak_err err, const char *path)
{
        if (err == AK_ERR_PASSPHRASE)
                cli_error("opening the vault: wrong passphrase; nothing was changed");
        else if (err == AK_ERR_VAULT_MISSING || err == AK_ERR_NOT_FOUND)
                cli_error("no vault at %s: run 'authkeep init' to create one (or set "
                          "AUTHKEEP_HOME)",
                          path);
        else
                cli_fail(err, path);
}

/* Opens the vault at `path` with the passphrase; prints the error itself. */
static struct ak_vault *open_with_passphrase(const char *path)
{
        struct ak_vault *vault = NULL;
        char *pass = read_passphrase();
        enum ak_err err;

        if (pass == NULL)
                return NULL;
        err = ak_vault_open(&vault, path, pass, strlen(pass));
        cli_free_secret(pass);
        if (err != AK_OK) {
                report_open_error(err, path);
                return NULL;
        }
        return vault;
}

struct ak_vault *cli_open_vault_passphrase(void)
{
        return open_with_passphrase(cli_vault_path());
}

struct ak_vault *cli_open_vault(void)
{
        const char *path = cli_vault_path();
        struct ak_vault *vault = NULL;
        enum ak_err err;

        /*
         * Unlocked: the key in the kernel keyring opens the vault without the
         * KDF, reading the file once. A damaged file is reported as it is;
         * no kept key, or one that does not open the vault (it was made anew,
         * the entry is stale), falls back to the passphrase.
         */
        err = ak_vault_reopen(&vault, path);
        if (err == AK_OK)
                return vault;
        if (err == AK_ERR_VAULT_MISSING || err == AK_ERR_VAULT_TRUNCATED ||
            err == AK_ERR_VAULT_CORRUPT || err == AK_ERR_VAULT_VERSION || err == AK_ERR_IO ||
            err == AK_ERR_LIMIT || err == AK_ERR_NOMEM) {
                report_open_error(err, path);
                return NULL;
        }
        return open_with_passphrase(path);
}

int cli_hold_vault(struct ak_vault *vault)
{
        enum ak_err err = ak_vault_hold(vault, CLI_CHANGE_WAIT_MS);

        if (err == AK_OK)
                return 0;
        if (err == AK_ERR_VAULT_CHANGED)
                return cli_error("the vault is busy: another command has been changing it for %u "
                                 "s; nothing was changed, try again",
                                 CLI_CHANGE_WAIT_MS / 1000);
        report_open_error(err, cli_vault_path());
        return CLI_EXIT_FAIL;
}

struct ak_vault *cli_open_vault_for_change(void)
{
        struct ak_vault *vault = cli_open_vault();

        if (vault != NULL && cli_hold_vault(vault) != 0) {
                ak_vault_free(vault);
                vault = NULL;
        }
        return vault;
}

int cli_save_vault_local(struct ak_vault *vault)
{
        enum ak_err err = ak_vault_save(vault);

        if (err == AK_ERR_IO)
                return cli_error("saving the vault: %s; nothing was changed", ak_error_detail());
        if (err != AK_OK)
                return cli_fail(err, "saving the vault");
        return CLI_EXIT_OK;
}

int cli_save_vault(struct ak_vault *vault)
{
        int rc = cli_save_vault_local(vault);

        return rc != CLI_EXIT_OK ? rc : cli_backup_after_save(vault);
}

struct ak_vault *cli_create_vault(const char *cmd)
{
        const char *path = cli_vault_path();
        struct ak_vault *vault = NULL;
        struct ak_kdf_params kdf;
        char *pass = NULL;
        enum ak_err err;

        err = cli_read_secret(&pass, "New vault passphrase: ", "AUTHKEEP_PASSPHRASE", true);
        if (err == AK_ERR_PASSPHRASE) {
                cli_error("%s: the two passphrases differ; nothing was created, try again", cmd);
                return NULL;
        }
        if (err == AK_ERR_INVALID) {
                cli_error("%s: no passphrase given; set AUTHKEEP_PASSPHRASE or type one on a "
                          "terminal",
                          cmd);
                return NULL;
        }
        if (err != AK_OK) {
                cli_error("%s: reading the passphrase: %s", cmd, ak_strerror(err));
                return NULL;
        }
        if (pass[0] == '\0') {
                cli_error("%s: the passphrase is empty; choose one (it protects every secret in "
                          "the vault)",
                          cmd);
                goto done;
        }
        if (cli_text_chars(pass) < CLI_PASSPHRASE_MIN) {
                cli_error("%s: the passphrase is too short (at least %d characters); nothing was "
                          "created",
                          cmd, CLI_PASSPHRASE_MIN);
                goto done;
        }
        ak_kdf_params_default(&kdf, cli_kdf_cost());
        err = ak_vault_create(&vault, path, pass, strlen(pass), &kdf);
        if (err == AK_ERR_VAULT_EXISTS)
                cli_error("%s: a vault exists already at %s; nothing was changed", cmd, path);
        else if (err == AK_ERR_IO && ak_error_detail()[0] != '\0')
                cli_error("%s: creating the vault at %s: %s", cmd, path, ak_error_detail());
        else if (err != AK_OK)
                cli_error("%s: creating the vault at %s: %s", cmd, path, ak_strerror(err));
done:
        cli_free_secret(pass);
        return vault; /* set by ak_vault_create only on success */
}

/*
 * The Argon2id cost for a new passphrase slot or recovery secret:
 * AUTHKEEP_KDF_COST=min (docs/vault-format.md) asks for libsodium's
 * minimum, in a test build only (meson -Dtest_costs=true); cli_check_kdf_cost
 * refuses it at start-up elsewhere.
 */
enum ak_kdf_cost cli_kdf_cost(void)
{
        const char *cost = getenv("AUTHKEEP_KDF_COST");

        return AUTHKEEP_TEST_COSTS && cost != NULL && strcmp(cost, "min") == 0
                   ? AK_KDF_COST_MIN
                   : AK_KDF_COST_DEFAULT;
}

bool cli_check_kdf_cost(void)
{
        const char *cost = getenv("AUTHKEEP_KDF_COST");

        if (cost == NULL || cost[0] == '\0')
                return true;
        if (strcmp(cost, "min") != 0) {
                cli_error("AUTHKEEP_KDF_COST: '%s' is not a cost ('min' is the only one, for test "
                          "builds); unset it",
                          cost);
                return false;
        }
        if (!AUTHKEEP_TEST_COSTS) {
                cli_error("AUTHKEEP_KDF_COST=min works only in test builds (meson "
                          "-Dtest_costs=true); this build keeps the real costs: unset it");
                return false;
        }
        return true;
}

bool cli_test_build(void)
{
        return AUTHKEEP_TEST_COSTS;
}
