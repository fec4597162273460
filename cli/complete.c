/*
 * `authkeep complete [--] WORD...`: the candidates for the last WORD of a
 * command line (the words after "authkeep"; the last one is being typed,
 * "" when nothing is yet), one a line, for the shell completions in
 * completions/. Commands, subcommands and options come from the command
 * table (cli/main.c), so they cannot drift from what the program takes;
 * import formats come from the library.
 *
 * Account names are completed only when the vault is unlocked (its key in
 * the kernel keyring, `authkeep unlock`): never a prompt for the
 * passphrase, never the network. Locked, or anything else amiss, the
 * command prints no names and still exits 0: a completion has nothing to
 * say to the person typing.
 *
 * A candidate is "WORD" or "WORD<TAB>DESCRIPTION". The line ":file" asks
 * the shell for its own file-name completion.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The largest word of the tables (an option name or a value kind). */
#define WORD_MAX 64

static bool starts_with(const char *text, const char *prefix)
{
        return strncmp(text, prefix, strlen(prefix)) == 0;
}

/* Prints `prefix` + `word` (+ tab and `description`) when it starts with `typed`. */
static void offer(const char *prefix, const char *word, size_t word_len, const char *description,
                  const char *typed)
{
        char full[AK_TEXT_MAX * 2 + WORD_MAX * 2];

        snprintf(full, sizeof(full), "%s%.*s", prefix, (int)word_len, word);
        if (!starts_with(full, typed))
                return;
        if (description != NULL)
                cli_printf("%s\t%s\n", full, description);
        else
                cli_printf("%s\n", full);
}

/*
 * The `n`th space-separated word of `list` (0-based): *len its length, NULL
 * when there are fewer.
 */
static const char *nth_word(const char *list, size_t n, size_t *len)
{
        const char *p = list;

        for (;;) {
                p += strspn(p, " ");
                if (*p == '\0')
                        return NULL;
                *len = strcspn(p, " ");
                if (n-- == 0)
                        return p;
                p += *len;
        }
}

/*
 * The option `name` (without "--", `name_len` bytes) in `options`: its
 * value kind in *kind ("" when it takes none). False when it has no such option.
 */
static bool find_option(const char *options, const char *name, size_t name_len, char *kind,
                        size_t kind_len)
{
        const char *word;
        size_t len;

        for (size_t i = 0; (word = nth_word(options, i, &len)) != NULL; i++) {
                size_t opt_len = strcspn(word, "= ");

                if (opt_len < len && opt_len == name_len + 2 &&
                    memcmp(word + 2, name, name_len) == 0) {
                        snprintf(kind, kind_len, "%.*s", (int)(len - opt_len - 1),
                                 word + opt_len + 1);
                        return true;
                }
                if (opt_len == len && len == name_len + 2 &&
                    memcmp(word + 2, name, name_len) == 0) {
                        kind[0] = '\0';
                        return true;
                }
        }
        return false;
}

/* The account names of the vault, when it is unlocked; nothing otherwise. */
static void offer_accounts(const char *typed)
{
        struct ak_vault *vault = NULL;
        struct ak_account_list *list;

        if (ak_vault_reopen(&vault, cli_vault_path()) != AK_OK)
                return; /* locked, missing or unreadable: no names, and no prompt */
        list = ak_vault_accounts(vault);
        for (size_t i = 0; i < list->count; i++) {
                char *label = ak_account_label(&list->items[i]);

                if (label != NULL)
                        offer("", label, strlen(label), NULL, typed);
                free(label);
        }
        ak_vault_free(vault);
}

/* The values of `kind` (see struct cli_command) that start with `typed`, after `prefix`. */
static void offer_values(const char *kind, const char *prefix, const char *typed)
{
        if (strcmp(kind, "ACCOUNT") == 0) {
                offer_accounts(typed + strlen(prefix));
        } else if (strcmp(kind, "FORMAT") == 0) {
                for (int f = 0;; f++) {
                        const char *name = ak_import_format_name((enum ak_import_format)f);

                        if (strcmp(name, "unknown") == 0)
                                break;
                        offer(prefix, name, strlen(name), NULL, typed);
                }
        } else if (strcmp(kind, "FILE") == 0) {
                cli_printf(":file\n");
        } else if (strchr(kind, '|') != NULL || (kind[0] >= 'a' && kind[0] <= 'z')) {
                for (const char *p = kind; *p != '\0';) {
                        size_t len = strcspn(p, "|");

                        offer(prefix, p, len, NULL, typed);
                        p += len + (p[len] == '|');
                }
        }
        /* Any other kind (a number, a URL, a new name) has no candidates. */
}

/* The options of `options` that start with `typed`, and --help. */
static void offer_options(const char *options, const char *typed)
{
        const char *word;
        size_t len;

        for (size_t i = 0; (word = nth_word(options, i, &len)) != NULL; i++)
                offer("", word, strcspn(word, "= "), NULL, typed);
        offer("", "--help", 6, NULL, typed);
}

/* Subcommands or commands of `table` that start with `typed`. */
static void offer_commands(const struct cli_command *table, const char *typed)
{
        for (const struct cli_command *c = table; c->name != NULL; c++)
                if (c->summary != NULL)
                        offer("", c->name, strlen(c->name), c->summary, typed);
}

static const struct cli_command *find_command(const struct cli_command *table, const char *name)
{
        for (const struct cli_command *c = table; table != NULL && c->name != NULL; c++)
                if (strcmp(c->name, name) == 0)
                        return c;
        return NULL;
}

/* Completes words[n - 1] of the `n` words after "authkeep". */
static void complete_words(char **words, int n)
{
        const struct cli_command *command, *sub;
        const char *typed = words[n - 1];
        char kind[WORD_MAX] = "";
        bool after_dashes = false, value_next = false;
        size_t position = 0, len;
        int first = 1;

        if (n == 1) {
                if (typed[0] == '-')
                        offer_options("--version", typed);
                else
                        offer_commands(cli_commands(), typed);
                return;
        }
        command = find_command(cli_commands(), words[0]);
        if (command == NULL || command->summary == NULL)
                return;
        sub = find_command(command->subcommands, words[1]);
        if (sub != NULL && n > 2) {
                command = sub;
                first = 2;
        } else if (command->subcommands != NULL && n == 2 && typed[0] != '-') {
                offer_commands(command->subcommands, typed);
                return;
        }
        /* The words already typed: which option wants a value, which argument is next. */
        for (int i = first; i < n - 1; i++) {
                const char *w = words[i];

                if (value_next) {
                        value_next = false;
                } else if (!after_dashes && strcmp(w, "--") == 0) {
                        after_dashes = true;
                } else if (!after_dashes && starts_with(w, "--") && strchr(w, '=') == NULL) {
                        value_next = find_option(command->options, w + 2, strlen(w + 2), kind,
                                                 sizeof(kind)) &&
                                     kind[0] != '\0';
                } else if (after_dashes || w[0] != '-' || w[1] == '\0') {
                        position++;
                }
        }
        if (value_next) {
                offer_values(kind, "", typed);
        } else if (!after_dashes && starts_with(typed, "--") && strchr(typed, '=') != NULL) {
                char prefix[WORD_MAX];
                size_t name_len = (size_t)(strchr(typed, '=') - typed) - 2;

                if (name_len + 3 < sizeof(prefix) &&
                    find_option(command->options, typed + 2, name_len, kind, sizeof(kind))) {
                        snprintf(prefix, sizeof(prefix), "%.*s", (int)name_len + 3, typed);
                        offer_values(kind, prefix, typed);
                }
        } else if (!after_dashes && typed[0] == '-') {
                offer_options(command->options, typed);
        } else {
                const char *arg = nth_word(command->args, position, &len);

                if (arg != NULL && len < sizeof(kind)) {
                        snprintf(kind, sizeof(kind), "%.*s", (int)len, arg);
                        offer_values(kind, "", typed);
                }
        }
}

int cmd_complete(int argc, char **argv)
{
        int first = 1;

        if (argc > 1 && strcmp(argv[1], "--") == 0)
                first = 2;
        if (argc - first < 1)
                return cli_usage_error("complete", "give the words of the command line after "
                                                   "'authkeep', the last one being completed");
        complete_words(argv + first, argc - first);
        return CLI_EXIT_OK;
}
