/*
 * authkeep contacts [--json] | contacts add email|phone VALUE [--code -] |
 * contacts remove VALUE: the alternate contacts of the account backup goes
 * to, which receive the codes that verify a recovered device
 * (include/authkeep/verify.h). Only a verified device manages them, and a
 * new one receives a code first.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "backup_words.h"
#include "cli.h"
#include "verify_words.h"

#define DEVICE_TIMEOUT_MS 30000

static const char contacts_help[] =
    "usage: authkeep contacts [--json]\n"
    "       authkeep contacts add email|phone VALUE [--code -]\n"
    "       authkeep contacts remove VALUE\n"
    "\n"
    "The alternate contacts of the account backup goes to: after a recovery, a\n"
    "new device is verified with a code sent to one of them. Only a verified\n"
    "device of the account can list or change them.\n"
    "\n"
    "'add' sends a code to the new contact first; on a terminal it asks for it,\n"
    "otherwise give it afterwards with 'contacts add KIND VALUE --code -' (the\n"
    "code on standard input). A phone number is written with its country code\n"
    "(+44 7700 900123).\n"
    "\n"
    "  --json    one JSON array of objects: kind, value, added_at (unix seconds)\n";

/* The vault, the engine, the personal entry and a client; prints the error itself. */
struct contacts_ctx {
        struct ak_vault *vault;
        struct ak_sync *sync;
        struct ak_client *client;
        size_t index;
};

static int open_contacts(struct contacts_ctx *c, const char *what)
{
        struct ak_sync_status st;
        int rc;

        memset(c, 0, sizeof(*c));
        c->vault = cli_open_vault();
        if (c->vault == NULL)
                return CLI_EXIT_FAIL;
        c->sync = backup_engine(c->vault, false);
        if (c->sync == NULL)
                return CLI_EXIT_FAIL;
        ak_sync_status(c->sync, &st);
        if (st.state == AK_SYNC_OFF ||
            ak_device_personal_find(ak_vault_accounts(c->vault), st.server, st.email, &c->index) !=
                AK_OK) {
                ak_error_clear();
                return cli_error("%s: this device has no personal account: turn backup on with "
                                 "'authkeep backup on --server URL --email EMAIL'",
                                 what);
        }
        ak_sync_free(c->sync);
        c->sync = NULL;
        rc = verify_open_device(c->vault, c->index, what, DEVICE_TIMEOUT_MS, &c->sync, &c->client);
        if (rc == CLI_EXIT_OK && !ak_device_entry_verified(c->vault, c->index))
                return cli_error("%s: this device waits for verification itself; run 'authkeep "
                                 "verify %s' first",
                                 what, ak_vault_accounts(c->vault)->items[c->index].name);
        return rc;
}

static void close_contacts(struct contacts_ctx *c)
{
        ak_client_free(c->client);
        ak_sync_free(c->sync);
        ak_vault_free(c->vault);
}

static int print_contacts(const struct ak_contact_list *list, bool json)
{
        if (!json) {
                if (list->count == 0)
                        cli_printf("No alternate contact: a recovered device is verified with "
                                   "the password alone. Add one with 'authkeep contacts add "
                                   "email ADDRESS'.\n");
                for (size_t i = 0; i < list->count; i++) {
                        char added[40];

                        cli_time(list->items[i].added_at, added, sizeof(added));
                        cli_printf("%-6s %s  (added %s)\n", list->items[i].kind,
                                   list->items[i].value, added);
                }
                return CLI_EXIT_OK;
        }
        json_t *array = json_array();
        int bad = array == NULL;

        for (size_t i = 0; i < list->count && !bad; i++)
                bad |= json_array_append_new(array, json_pack("{s:s, s:s, s:I}", "kind",
                                                              list->items[i].kind, "value",
                                                              list->items[i].value, "added_at",
                                                              (json_int_t)list->items[i].added_at));
        if (bad || json_dumpf(array, stdout, JSON_INDENT(2)) != 0) {
                json_decref(array);
                return cli_fail(AK_ERR_NOMEM, "contacts: writing JSON");
        }
        json_decref(array);
        cli_printf("\n");
        return CLI_EXIT_OK;
}

static int contacts_list(int argc, char **argv)
{
        struct ak_contact_list list = {0};
        struct contacts_ctx c;
        bool json = false;
        int rc;

        if ((rc = cli_only_json("contacts", argc, argv, &json)) != CLI_EXIT_OK)
                return rc;
        rc = open_contacts(&c, "contacts");
        if (rc == CLI_EXIT_OK) {
                enum ak_err err = ak_client_contacts(c.client, c.vault, c.index, time(NULL), &list);

                rc = err == AK_OK ? print_contacts(&list, json) : verify_report(err, "contacts");
        }
        ak_contact_list_clear(&list);
        close_contacts(&c);
        return rc;
}

/* Gives the code for `value`, asking again on a terminal while tries are left. */
static int confirm(struct contacts_ctx *c, const char *kind, const char *value, bool from_stdin)
{
        struct ak_verify_result r;
        char *code = NULL;
        enum ak_err err;

        for (;;) {
                err = from_stdin
                          ? cli_read_stdin_line(&code)
                          : cli_read_secret(&code, "Code sent to the new contact: ", NULL, false);
                if (err != AK_OK)
                        return cli_secret_error(err, "contacts add: reading the code", NULL);
                err = ak_client_contact_confirm(c->client, c->vault, c->index, value, code,
                                                time(NULL), &r);
                cli_free_secret(code);
                if (err != AK_OK)
                        return verify_report(err, "contacts add");
                if (r.outcome == AK_VERIFY_VERIFIED) {
                        cli_printf("Added %s %s: codes that verify a recovered device can go "
                                   "there.\n",
                                   kind, value);
                        return CLI_EXIT_OK;
                }
                if (r.outcome != AK_VERIFY_WRONG_CODE || from_stdin || r.tries_left == 0)
                        return verify_refusal(&r, "contacts add", value);
                cli_note("contacts add: that is not the code; %u %s left", r.tries_left,
                         r.tries_left == 1 ? "try" : "tries");
        }
}

static int contacts_add(int argc, char **argv)
{
        static const struct option options[] = {{"code", required_argument, NULL, 'c'},
                                                {NULL, 0, NULL, 0}};
        struct ak_verify_result r;
        struct contacts_ctx c;
        bool from_stdin = false;
        int opt, rc;

        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                if (opt == 'c' && strcmp(optarg, "-") == 0)
                        from_stdin = true;
                else if (opt == 'c')
                        return cli_usage_error("contacts add", "--code takes '-' (the code on "
                                                               "standard input)");
                else
                        return cli_option_error("contacts add", opt, argv);
        }
        if (argc - optind != 2)
                return cli_usage_error("contacts add", "give the kind (email or phone) and the "
                                                       "value");
        const char *kind = argv[optind], *value = argv[optind + 1];
        if (strcmp(kind, "email") != 0 && strcmp(kind, "phone") != 0)
                return cli_usage_error("contacts add", "the kind is email or phone, not '%s'",
                                       kind);
        rc = open_contacts(&c, "contacts add");
        if (rc != CLI_EXIT_OK)
                goto done;
        if (from_stdin) {
                rc = confirm(&c, kind, value, true);
                goto done;
        }
        enum ak_err err =
            ak_client_contact_add(c.client, c.vault, c.index, kind, value, time(NULL), &r);
        if (err != AK_OK) {
                rc = verify_report(err, "contacts add");
                goto done;
        }
        if (r.outcome != AK_VERIFY_SENT) {
                rc = verify_refusal(&r, "contacts add", value);
                goto done;
        }
        verify_say_sent(&r);
        if (!isatty(STDIN_FILENO)) {
                cli_printf("Give it with: authkeep contacts add %s '%s' --code - (on standard "
                           "input)\n",
                           kind, value);
                goto done;
        }
        rc = confirm(&c, kind, value, false);
done:
        close_contacts(&c);
        return rc;
}

static int contacts_remove(int argc, char **argv)
{
        struct contacts_ctx c;
        int rc;

        if (argc != 2)
                return cli_usage_error("contacts remove", "give the contact to remove");
        rc = open_contacts(&c, "contacts remove");
        if (rc == CLI_EXIT_OK) {
                enum ak_err err =
                    ak_client_contact_remove(c.client, c.vault, c.index, argv[1], time(NULL));

                if (err == AK_OK)
                        cli_printf("Removed %s: no more codes go there.\n", argv[1]);
                else if (err == AK_ERR_NOT_FOUND && strstr(ak_error_detail(), "contact") != NULL)
                        rc = cli_error("contacts remove: %s is not an alternate contact of the "
                                       "account ('authkeep contacts' lists them)",
                                       argv[1]);
                else
                        rc = verify_report(err, "contacts remove");
        }
        close_contacts(&c);
        return rc;
}

int cmd_contacts(int argc, char **argv)
{
        if (cli_help(argc, argv, contacts_help))
                return CLI_EXIT_OK;
        if (argc > 1 && strcmp(argv[1], "add") == 0)
                return contacts_add(argc - 1, argv + 1);
        if (argc > 1 && strcmp(argv[1], "remove") == 0)
                return contacts_remove(argc - 1, argv + 1);
        return contacts_list(argc, argv);
}
