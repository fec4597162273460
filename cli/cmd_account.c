/*
 * authkeep account add --server URL --email EMAIL [--insecure]: puts this
 * device on a personal account that is not the recovery account, so that
 * it shows that account's own code and answers its push sign-ins
 * (include/authkeep/device.h, ak_account_add). The rules are the
 * library's; this file reads the options and the password and words the
 * outcome.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "backup_words.h"
#include "cli.h"

static const char add_help[] =
    "usage: authkeep account add --server URL --email EMAIL [--insecure]\n"
    "\n"
    "Adds a personal account of an authkeep server that is not the account backup\n"
    "goes to: this device signs in to it with the account's password (asked, or\n"
    "taken from AUTHKEEP_PASSWORD or a line of standard input; it is proved with\n"
    "SRP and never sent), registers itself with the account, and signs out. The\n"
    "account then has an entry of its own here: 'authkeep code' shows this\n"
    "device's code for it and 'authkeep listen' its sign-in requests.\n"
    "\n"
    "When the account has verified devices already, this one waits for\n"
    "verification first: run 'authkeep verify EMAIL' (the password, then a code\n"
    "sent to the account's alternate contact). The account's devices are listed\n"
    "and removed on the server's /account page; 'authkeep devices' lists those\n"
    "of the recovery account.\n"
    "\n"
    "After a recovery, the entries of added accounts come back without their\n"
    "code: adding the account again registers this device and fills the entry.\n"
    "\n"
    "  --server URL   the server (default: AUTHKEEP_SERVER); https://, or plain\n"
    "                 http:// to loopback unless --insecure\n"
    "  --email EMAIL  the account\n"
    "  --insecure     allow plain http:// to a host that is not loopback\n";

/* Parses and checks the options; returns -1 to go on, else the exit status. */
static int add_options(int argc, char **argv, struct backup_server_opts *o)
{
        int rc = backup_server_options(argc, argv, "account add", o);

        if (rc >= 0)
                return rc;
        rc = backup_check_server_opts("account add", o);
        return rc == CLI_EXIT_OK ? -1 : rc;
}

/* The line of a refused or failed addition; CLI_EXIT_FAIL. */
static int add_error(const struct backup_server_opts *o, const struct ak_device_registration *r)
{
        const char *after = "; nothing was changed";

        switch (r->err) {
        case AK_ERR_EXISTS:
                return cli_error("account add: %s%s", r->detail, after);
        case AK_ERR_AUTH:
                /* The server does not tell an unknown email from a wrong password. */
                return cli_error("account add: wrong password for %s, or no account of that "
                                 "email on %s%s",
                                 o->email, o->server, after);
        case AK_ERR_UNKNOWN_ACCOUNT:
                return cli_error("account add: no account %s on %s (check the email)%s", o->email,
                                 o->server, after);
        case AK_ERR_NETWORK:
                return cli_error("account add: the server cannot be reached (%s)%s", r->detail,
                                 after);
        case AK_ERR_TIMEOUT:
                return cli_error("account add: the server did not answer in time (%s)%s", r->detail,
                                 after);
        case AK_ERR_LIMIT:
                if (r->max_devices > 0)
                        return cli_error("account add: %s has %" PRIu64 " devices already, the "
                                         "most it may have; remove one on the server's /account "
                                         "page%s",
                                         o->email, r->max_devices, after);
                break;
        case AK_ERR_UNSUPPORTED:
                return cli_error("account add: %s does not register devices (it is too old)%s",
                                 o->server, after);
        default:
                break;
        }
        if (*r->detail)
                return cli_error("account add: %s: %s%s", ak_strerror(r->err), r->detail, after);
        return cli_error("account add: %s%s", ak_strerror(r->err), after);
}

int cmd_account_add(int argc, char **argv)
{
        struct backup_server_opts o = {0};
        struct ak_device_registration r;
        struct ak_sync_options so;
        struct ak_vault *vault = NULL;
        char *password = NULL, name[256];
        enum ak_err err;
        int rc;

        if (cli_help(argc, argv, add_help))
                return CLI_EXIT_OK;
        if ((rc = add_options(argc, argv, &o)) >= 0)
                return rc;
        rc = CLI_EXIT_FAIL;
        vault = cli_open_vault();
        if (vault == NULL)
                goto done;
        /* Refused before the password is asked: nothing to sign in for. */
        if (ak_account_add_check(vault, o.server, o.email) != AK_OK) {
                cli_error("account add: %s; nothing was changed", ak_error_detail());
                goto done;
        }
        err = backup_read_account_password(&password, o.email);
        if (err != AK_OK) {
                cli_secret_error(err, "account add: reading the password", "AUTHKEEP_PASSWORD");
                goto done;
        }
        if (*password == '\0') {
                cli_error("account add: the password is empty; nothing was changed");
                goto done;
        }
        if (cli_hold_vault(vault) != CLI_EXIT_OK)
                goto done;
        backup_options(&so, true);
        so.client.insecure = o.insecure;
        backup_default_device_name(name, sizeof(name));
        if (ak_account_add(vault, o.server, o.email, password, strlen(password), name, &so.client,
                           &r) != AK_OK) {
                add_error(&o, &r);
                goto done;
        }
        if (cli_save_vault(vault) != CLI_EXIT_OK)
                goto done;
        rc = CLI_EXIT_OK;
        if (r.waits)
                cli_printf("Added %s (%s) to this device; it waits for verification: run "
                           "'authkeep verify %s' to turn its code and push sign-in on.\n",
                           o.email, o.server, o.email);
        else
                cli_printf("Added %s (%s) to this device: 'authkeep code' shows its own code and "
                           "'authkeep listen' its sign-in requests.\n",
                           o.email, o.server);
done:
        cli_free_secret(password);
        ak_vault_free(vault);
        return rc;
}
