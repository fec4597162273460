/*
 * authkeep verify QUERY [--send email|phone] [--code -]: brings back an
 * entry that waits for verification after recovery (include/authkeep/
 * verify.h). For a personal account: the account's password, proved with
 * SRP, then a one-time code sent to an alternate contact. The rules are the
 * library's and the server's; this file asks and words them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backup_words.h"
#include "cli.h"
#include "verify_words.h"

#define DEVICE_TIMEOUT_MS 30000

static const char verify_help[] =
    "usage: authkeep verify QUERY [--send email|phone] [--code -]\n"
    "       authkeep verify QUERY --activation URI|- | --qr IMAGE\n"
    "\n"
    "After recovery, an account whose credential is tied to one device shows\n"
    "\"verification needed\": its code and push sign-in stay off on this device\n"
    "until you prove who you are.\n"
    "\n"
    "A personal account: verify asks for the account's password (or takes\n"
    "AUTHKEEP_PASSWORD) and proves it to the server without sending it; the server\n"
    "then sends a one-time code to the account's alternate email address or phone\n"
    "number. On a terminal verify asks for the code; otherwise give it afterwards\n"
    "with --code -. An account without an alternate contact has only its password\n"
    "to prove.\n"
    "\n"
    "A work or school account: give the new activation code its administrator\n"
    "issued ('authkeepd admin activation'), as the authkeep-activate:// URI (or -\n"
    "to read it from standard input) or as the QR image.\n"
    "\n"
    "  --send KIND   where the code goes: email or phone (default: the first\n"
    "                contact the account has)\n"
    "  --code -      read the code that was sent from standard input and finish\n"
    "  --activation URI|-, --qr IMAGE   a work account's activation code\n";

/* Whether the arguments give a work account's activation code. */
static bool wants_activation(int argc, char **argv)
{
        for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
                if (strncmp(argv[i], "--activation", 12) == 0 || strncmp(argv[i], "--qr", 4) == 0)
                        return true;
        return false;
}

/* Reads the code: the terminal when there is one (prompting), else standard input. */
static int read_code(char **code, bool from_stdin)
{
        enum ak_err err = from_stdin
                              ? cli_read_stdin_line(code)
                              : cli_read_secret(code, "Code from the message: ", NULL, false);

        if (err != AK_OK)
                return cli_secret_error(err, "verify: reading the code", NULL);
        return CLI_EXIT_OK;
}

/*
 * Gives `code` and, on a terminal, asks again while tries are left.
 * Returns the exit status; *verified when it went through.
 */
static int give_code(struct ak_client *client, struct ak_vault *vault, size_t index,
                     const char *query, char *code, bool interactive, bool *verified)
{
        struct ak_verify_result r;
        int rc;

        for (;;) {
                enum ak_err err = ak_verify_finish(client, vault, index, code, time(NULL), &r);

                cli_free_secret(code);
                code = NULL;
                if (err != AK_OK)
                        return verify_report(err, "verify");
                if (r.outcome == AK_VERIFY_VERIFIED) {
                        *verified = true;
                        return CLI_EXIT_OK;
                }
                if (r.outcome != AK_VERIFY_WRONG_CODE || !interactive || r.tries_left == 0)
                        return verify_refusal(&r, "verify", query);
                cli_note("verify: that is not the code; %u %s left", r.tries_left,
                         r.tries_left == 1 ? "try" : "tries");
                if ((rc = read_code(&code, false)) != CLI_EXIT_OK)
                        return rc;
        }
}

/*
 * Keeps the verification: holds the vault (read again if another command
 * saved it meanwhile), marks the entry `id` verified there, and saves.
 */
static int save_verified(struct ak_vault *vault, const char *id)
{
        size_t index;
        int rc;

        if ((rc = cli_hold_vault(vault)) != CLI_EXIT_OK ||
            (rc = cli_find_server_account(vault, id, &index)) != CLI_EXIT_OK)
                return rc;
        enum ak_err err = ak_device_entry_set_waiting(vault, index, false);
        if (err != AK_OK)
                return cli_fail(err, "verify");
        return cli_save_vault_local(vault);
}

/* The whole verification of the personal entry `index`; returns the exit status. */
static int verify_personal(struct ak_vault *vault, struct ak_client *client, size_t index,
                           const char *query, const char *send, bool code_from_stdin)
{
        const struct ak_account *a = &ak_vault_accounts(vault)->items[index];
        char id[AK_ID_LEN + 1], name[AK_TEXT_MAX + 1];
        bool interactive = isatty(STDIN_FILENO), verified = false;
        struct ak_verify_result r;
        char *password = NULL, *code = NULL;
        enum ak_err err;
        int rc;

        snprintf(id, sizeof(id), "%s", a->id);
        snprintf(name, sizeof(name), "%s", a->name);
        if (code_from_stdin) {
                if ((rc = read_code(&code, true)) != CLI_EXIT_OK)
                        return rc;
                rc = give_code(client, vault, index, query, code, false, &verified);
                goto saved;
        }
        err = ak_device_entry_added(vault, index)
                  ? backup_read_account_password(&password, a->name)
                  : backup_read_password(&password, a->name, false, false);
        if (err != AK_OK)
                return cli_secret_error(err, "verify: reading the password", "AUTHKEEP_PASSWORD");
        err =
            ak_verify_start(client, vault, index, password, strlen(password), send, time(NULL), &r);
        cli_free_secret(password);
        if (err != AK_OK)
                return verify_report(err, "verify");
        if (r.outcome == AK_VERIFY_VERIFIED) {
                verified = true;
                rc = CLI_EXIT_OK;
                cli_note("verify: the account has no alternate contact, so its password alone "
                         "verified this device; add one ('authkeep contacts add email "
                         "ADDRESS') so that a password alone is not enough");
                goto saved;
        }
        if (r.outcome != AK_VERIFY_SENT)
                return verify_refusal(&r, "verify", query);
        verify_say_sent(&r);
        if (!interactive) {
                cli_printf("Give it with: authkeep verify '%s' --code - (on standard input)\n",
                           query);
                return CLI_EXIT_OK;
        }
        if ((rc = read_code(&code, false)) != CLI_EXIT_OK)
                return rc;
        rc = give_code(client, vault, index, query, code, true, &verified);
saved:
        if (!verified)
                return rc;
        cli_printf("Verified: this device's code for %s and its push sign-in are on.\n", name);
        return save_verified(vault, id);
}

int cmd_verify(int argc, char **argv)
{
        static const struct option options[] = {{"send", required_argument, NULL, 's'},
                                                {"code", required_argument, NULL, 'c'},
                                                {NULL, 0, NULL, 0}};
        const char *send = NULL;
        bool code_from_stdin = false;
        struct ak_vault *vault = NULL;
        struct ak_sync *sync = NULL;
        struct ak_client *client = NULL;
        size_t index;
        int opt, rc;

        if (cli_help(argc, argv, verify_help))
                return CLI_EXIT_OK;
        if (wants_activation(argc, argv))
                return cmd_work_verify(argc, argv);
        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                switch (opt) {
                case 's':
                        if (strcmp(optarg, "email") != 0 && strcmp(optarg, "phone") != 0)
                                return cli_usage_error("verify", "--send: email or phone, not '%s'",
                                                       optarg);
                        send = optarg;
                        break;
                case 'c':
                        if (strcmp(optarg, "-") != 0)
                                return cli_usage_error(
                                    "verify", "--code takes '-' (the code on standard input), so "
                                              "that it is not seen in the process list");
                        code_from_stdin = true;
                        break;
                default:
                        return cli_option_error("verify", opt, argv);
                }
        }
        if (optind + 1 != argc)
                return cli_usage_error("verify",
                                       optind < argc ? "one QUERY only" : "QUERY missing");
        if (code_from_stdin && send != NULL)
                return cli_usage_error("verify", "--send asks for a code; --code gives it: one of "
                                                 "them");
        vault = cli_open_vault();
        if (vault == NULL)
                return CLI_EXIT_FAIL;
        rc = cli_find_server_account(vault, argv[optind], &index);
        if (rc != CLI_EXIT_OK)
                goto done;
        rc = verify_open_device(vault, index, "verify", DEVICE_TIMEOUT_MS, &sync, &client);
        if (rc != CLI_EXIT_OK)
                goto done;
        if (ak_device_entry_verified(vault, index)) {
                cli_printf("%s is verified on this device already.\n",
                           ak_vault_accounts(vault)->items[index].name);
                goto done;
        }
        rc = verify_personal(vault, client, index, argv[optind], send, code_from_stdin);
done:
        ak_client_free(client);
        ak_sync_free(sync);
        ak_vault_free(vault);
        return rc;
}
