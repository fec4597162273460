/*
 * Changing one account: `authkeep remove | move | rename`. As in
 * cli/cmd_accounts.c, each command checks its input completely before it
 * opens the vault, and saves through cli_save_vault() (which also backs
 * the change up), so bad input never changes stored data.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup_words.h"
#include "cli.h"

/*
 * Opens the vault and finds QUERY in it, for the commands that change one
 * account. Prints errors itself; returns the vault or NULL.
 */
static struct ak_vault *open_and_find(const char *query, size_t *index)
{
        struct ak_vault *vault = cli_open_vault_for_change();

        if (vault != NULL && cli_find_account(vault, query, index) != 0) {
                ak_vault_free(vault);
                vault = NULL;
        }
        return vault;
}

/* Checks that a command got exactly `n` arguments after its options; prints the usage error. */
static int want_args(const char *cmd, int argc, char **argv, int n, const char *what)
{
        for (int i = 1; i < argc; i++)
                if (argv[i][0] == '-' && argv[i][1] != '\0' && strcmp(argv[i], "--") != 0)
                        return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
        if (argc - 1 != n)
                return cli_usage_error(cmd, "expected %s", what);
        return 0;
}

static const char remove_help[] =
    "usage: authkeep remove QUERY [--yes]\n"
    "\n"
    "Removes one account from the vault (and, when backup is on, from the next\n"
    "backup; older backup versions keep it, and the command says which one to\n"
    "recover it from). QUERY is an id, Issuer:account, or a unique part of the\n"
    "name in any case; several matches are listed and nothing is removed.\n"
    "Removing a personal or work account's entry leaves this device registered\n"
    "with that account on its server, until it is removed there.\n"
    "\n"
    "On a terminal it asks first; --yes removes without asking, as scripts need\n"
    "(without a terminal and without --yes nothing is removed).\n";

/* The backup version that still holds what is removed now; 0 when backup is off. */
static uint64_t backed_up_version(struct ak_vault *vault)
{
        struct ak_sync_status st;
        struct ak_sync *sync = backup_engine(vault, false);
        uint64_t version = 0;

        if (sync != NULL) {
                ak_sync_status(sync, &st);
                if (st.state != AK_SYNC_OFF)
                        version = st.version;
        }
        ak_sync_free(sync);
        return version;
}

int cmd_remove(int argc, char **argv)
{
        struct ak_vault *vault;
        char message[AK_TEXT_MAX * 2 + 128], question[AK_TEXT_MAX * 2 + 64];
        char *label;
        bool yes = false;
        size_t index;
        uint64_t version;
        int rc;

        if (cli_help(argc, argv, remove_help))
                return CLI_EXIT_OK;
        for (int i = 1; i < argc; i++)
                if (strcmp(argv[i], "--yes") == 0 || strcmp(argv[i], "-y") == 0) {
                        yes = true;
                        memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) * sizeof(*argv));
                        argc--;
                        break;
                }
        rc = want_args("remove", argc, argv, 1, "QUERY (one account)");
        if (rc != 0)
                return rc;
        vault = open_and_find(argv[1], &index);
        if (vault == NULL)
                return CLI_EXIT_FAIL;
        label = ak_account_label(&ak_vault_accounts(vault)->items[index]);
        snprintf(message, sizeof(message), "Removed %s (id %s).", label ? label : "?",
                 ak_vault_accounts(vault)->items[index].id);
        snprintf(question, sizeof(question), "Remove %s?", label ? label : "?");
        free(label);
        if (!yes) {
                int sure = cli_confirm(question);

                if (sure != 1) {
                        ak_vault_free(vault);
                        if (sure < 0)
                                return cli_error("remove: add --yes to remove it without being "
                                                 "asked; nothing was changed");
                        cli_printf("Nothing was removed.\n");
                        return CLI_EXIT_OK;
                }
        }
        version = backed_up_version(vault);
        bool registered = ak_vault_accounts(vault)->items[index].kind != AK_KIND_THIRD_PARTY &&
                          ak_vault_accounts(vault)->items[index].secret_len > 0;
        ak_account_list_remove(ak_vault_accounts(vault), index);
        rc = cli_save_vault(vault);
        if (rc == 0)
                cli_printf("%s\n", message);
        if (rc == 0 && registered)
                cli_printf("This device stays registered with that account on its server: "
                           "remove it from the account's devices there ('authkeep devices "
                           "remove' or the server's /account page).\n");
        if (rc == 0 && version > 0)
                cli_printf("Backup version %llu still holds it: 'authkeep recover --version %llu "
                           "--merge' brings it back.\n",
                           (unsigned long long)version, (unsigned long long)version);
        ak_vault_free(vault);
        return rc;
}

static const char move_help[] =
    "usage: authkeep move QUERY POSITION\n"
    "\n"
    "Moves one account to POSITION (1 is the top, as 'authkeep list' numbers\n"
    "them); the others keep their order.\n";

int cmd_move(int argc, char **argv)
{
        struct ak_vault *vault;
        struct ak_account_list *list;
        unsigned long long position;
        char message[AK_TEXT_MAX * 2 + 128];
        char *label;
        size_t index;
        enum ak_err err;
        int rc;

        if (cli_help(argc, argv, move_help))
                return CLI_EXIT_OK;
        rc = want_args("move", argc, argv, 2, "QUERY and POSITION");
        if (rc != 0)
                return rc;
        if (!cli_parse_uint(argv[2], SIZE_MAX, &position) || position == 0)
                return cli_usage_error("move", "POSITION: '%s' is not a position (1 is the top)",
                                       argv[2]);
        vault = open_and_find(argv[1], &index);
        if (vault == NULL)
                return CLI_EXIT_FAIL;
        list = ak_vault_accounts(vault);
        if (position > list->count) {
                rc = cli_error("move: position %llu is past the end: the vault holds %zu "
                               "accounts (1..%zu); nothing was changed",
                               position, list->count, list->count);
                goto done;
        }
        label = ak_account_label(&list->items[index]);
        snprintf(message, sizeof(message), "Moved %s from position %zu to %llu.",
                 label ? label : "?", index + 1, position);
        free(label);
        if (index + 1 == position) {
                cli_printf("%s\n", message);
                goto done;
        }
        err = ak_account_list_move(list, index, (size_t)position - 1);
        if (err != AK_OK) {
                rc = cli_fail(err, "move");
                goto done;
        }
        rc = cli_save_vault(vault);
        if (rc == 0)
                cli_printf("%s\n", message);
done:
        ak_vault_free(vault);
        return rc;
}

static const char rename_help[] =
    "usage: authkeep rename QUERY NEWNAME\n"
    "\n"
    "Renames one account. NEWNAME 'Issuer:account' sets both the issuer and the\n"
    "account name (split at the first ':'; ':account' leaves no issuer); a\n"
    "NEWNAME without ':' changes only the account name and keeps the issuer.\n"
    "The secret, the codes and the id stay as they are.\n";

int cmd_rename(int argc, char **argv)
{
        struct ak_vault *vault = NULL;
        struct ak_account *acct;
        struct ak_account_list *list;
        struct ak_account renamed;
        const char *colon, *new_name;
        char *new_issuer = NULL, *old_label = NULL, *new_label = NULL;
        char message[AK_TEXT_MAX * 4 + 128];
        size_t index;
        enum ak_err err;
        int rc;

        if (cli_help(argc, argv, rename_help))
                return CLI_EXIT_OK;
        rc = want_args("rename", argc, argv, 2, "QUERY and NEWNAME");
        if (rc != 0)
                return rc;
        colon = strchr(argv[2], ':');
        new_name = colon ? colon + 1 : argv[2];
        if (colon != NULL && (new_issuer = strndup(argv[2], (size_t)(colon - argv[2]))) == NULL)
                return cli_fail(AK_ERR_NOMEM, "rename");
        if (new_name[0] == '\0' && (colon == NULL || new_issuer[0] == '\0')) {
                rc = cli_usage_error("rename", "NEWNAME is empty");
                goto done;
        }
        if (strlen(new_name) > AK_TEXT_MAX || (new_issuer && strlen(new_issuer) > AK_TEXT_MAX)) {
                rc = cli_usage_error("rename", "NEWNAME is longer than %d bytes", AK_TEXT_MAX);
                goto done;
        }
        vault = open_and_find(argv[1], &index);
        if (vault == NULL) {
                rc = CLI_EXIT_FAIL;
                goto done;
        }
        list = ak_vault_accounts(vault);
        acct = &list->items[index];
        /* Change a copy first: the account in the vault changes only when all is well. */
        ak_account_init(&renamed);
        err = ak_account_copy(&renamed, acct);
        if (err == AK_OK && colon != NULL)
                err = ak_account_set_text(&renamed.issuer, new_issuer);
        if (err == AK_OK)
                err = ak_account_set_text(&renamed.name, new_name);
        if (err == AK_OK)
                err = ak_account_set_text(&renamed.label_issuer, NULL);
        if (err == AK_OK)
                err = ak_account_validate(&renamed);
        if (err != AK_OK) {
                ak_account_clear(&renamed);
                rc = cli_fail(err, "rename");
                goto done;
        }
        old_label = ak_account_label(acct);
        new_label = ak_account_label(&renamed);
        ak_account_clear(acct);
        *acct = renamed; /* the list takes the copy's fields */
        rc = cli_save_vault(vault);
        if (rc == 0) {
                snprintf(message, sizeof(message), "Renamed %s to %s (id %s).",
                         old_label ? old_label : "?", new_label ? new_label : "?", acct->id);
                cli_printf("%s\n", message);
        }
done:
        free(new_issuer);
        free(old_label);
        free(new_label);
        ak_vault_free(vault);
        return rc;
}
