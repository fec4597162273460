/*
 * Finding one account by the QUERY a person typed (an id, Issuer:account or
 * part of a name), and listing the candidates when it matches several.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

/* The most candidates an ambiguous QUERY lists. */
#define CLI_CANDIDATES_SHOWN 20

void cli_print_candidates(struct ak_vault *vault, const size_t *candidates, size_t ncandidates)
{
        struct ak_account_list *list = ak_vault_accounts(vault);
        struct cli_table *table = cli_table_new(2);

        size_t shown = ncandidates > CLI_CANDIDATES_SHOWN ? CLI_CANDIDATES_SHOWN : ncandidates;

        for (size_t i = 0; table != NULL && i < shown; i++) {
                const struct ak_account *acct;
                char *label, id[AK_ID_LEN + 8];

                if (candidates[i] >= list->count)
                        continue;
                acct = &list->items[candidates[i]];
                label = ak_account_label(acct);
                snprintf(id, sizeof(id), "id %s", acct->id);
                if (cli_table_add(table, label != NULL ? label : "?", id) != AK_OK) {
                        free(label);
                        break;
                }
                free(label);
        }
        if (table != NULL) {
                fflush(stdout);
                cli_table_print_indented(table, stderr, 2);
        }
        if (shown < ncandidates)
                cli_eprintf("  ... and %zu more\n", ncandidates - shown);
        cli_table_free(table);
}

/* cli_find_account, and of several matches the one personal or work entry (`device_bound_only`). */
static int find_account(struct ak_vault *vault, const char *query, bool device_bound_only,
                        size_t *index)
{
        struct ak_account_list *list = ak_vault_accounts(vault);
        size_t *candidates = NULL, ncandidates = 0;
        enum ak_err err;

        if (query[0] == '\0') {
                /* An empty QUERY matches every account: list them as candidates. */
                if (list->count == 0)
                        return cli_error("the account to use is empty, and the vault holds no "
                                         "account yet (add one with 'authkeep add')");
                candidates = malloc(list->count * sizeof(*candidates));
                if (candidates == NULL)
                        return cli_fail(AK_ERR_NOMEM, "finding the account");
                for (size_t i = 0; i < list->count; i++)
                        candidates[i] = i;
                cli_error("the account to use is empty; give an id, Issuer:account or part of "
                          "a name, one of:");
                cli_print_candidates(vault, candidates, list->count);
                free(candidates);
                return CLI_EXIT_FAIL;
        }
        err = ak_account_list_find(list, query, index, &candidates, &ncandidates);
        if (err == AK_OK)
                return 0;
        if (err == AK_ERR_AMBIGUOUS && device_bound_only) {
                /* Of the candidates, the one account of an authkeep server, when there is one. */
                size_t found = 0;

                for (size_t i = 0; i < ncandidates; i++)
                        if (list->items[candidates[i]].kind != AK_KIND_THIRD_PARTY)
                                found++, *index = candidates[i];
                if (found == 1) {
                        free(candidates);
                        ak_error_clear();
                        return 0;
                }
        }
        if (err == AK_ERR_AMBIGUOUS) {
                cli_error("'%s' matches %zu accounts; give more of the name, Issuer:account or an "
                          "id:",
                          query, ncandidates);
                cli_print_candidates(vault, candidates, ncandidates);
                free(candidates);
                return CLI_EXIT_FAIL;
        }
        free(candidates);
        if (err == AK_ERR_NOT_FOUND) {
                if (list->count == 0)
                        return cli_error("no account matches '%s': the vault holds no account yet "
                                         "(add one with 'authkeep add')",
                                         query);
                return cli_error("no account matches '%s'; 'authkeep list' shows the %zu accounts",
                                 query, list->count);
        }
        return cli_fail(err, "finding the account");
}

int cli_find_account(struct ak_vault *vault, const char *query, size_t *index)
{
        return find_account(vault, query, false, index);
}

int cli_find_server_account(struct ak_vault *vault, const char *query, size_t *index)
{
        return find_account(vault, query, true, index);
}
