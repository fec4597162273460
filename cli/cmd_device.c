/*
 * The device: `authkeep init` creates its vault, `unlock` keeps the vault's
 * master key in the kernel keyring for a while (as ssh-agent keeps keys),
 * `lock` forgets it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"

#define UNLOCK_DEFAULT_SECONDS (15u * 60u)
#define UNLOCK_MAX_SECONDS AK_VAULT_UNLOCK_MAX_SECONDS /* a day */

static const char init_help[] =
    "usage: authkeep init\n"
    "\n"
    "Creates this device's encrypted vault in its folder: $AUTHKEEP_HOME, else\n"
    "$XDG_DATA_HOME/authkeep, else ~/.local/share/authkeep. The vault gets a\n"
    "device id and a device key that never leaves it.\n"
    "\n"
    "The passphrase comes from AUTHKEEP_PASSPHRASE when set; else it is asked\n"
    "twice on the terminal; else (standard input is not a terminal) one line of\n"
    "standard input is read. It needs at least 8 characters.\n"
    "\n"
    "Refuses, changing nothing, when a vault exists there already.\n";

int cmd_init(int argc, char **argv)
{
        const char *path = cli_vault_path();
        struct ak_vault *vault;

        if (cli_help(argc, argv, init_help))
                return CLI_EXIT_OK;
        if (argc > 1)
                return cli_usage_error("init", "unexpected argument '%s'", argv[1]);
        if (access(path, F_OK) == 0)
                return cli_error(
                    "init: a vault exists already at %s; nothing was changed (use another "
                    "AUTHKEEP_HOME for a new device)",
                    path);
        vault = cli_create_vault("init");
        if (vault == NULL)
                return CLI_EXIT_FAIL;
        cli_printf("Created the vault at %s\n", path);
        cli_printf("Device id: %s\n", ak_vault_device_id(vault));
        cli_printf(
            "Next: 'authkeep add' to add an account; 'authkeep unlock' to type the passphrase "
            "once for a while.\n");
        ak_vault_free(vault);
        return CLI_EXIT_OK;
}

/*
 * Parses a duration: a number followed by s, m, h or d ("30s", "15m",
 * "2h", "1d"; a bare number is seconds). Returns false when it is not one,
 * is zero, or is over UNLOCK_MAX_SECONDS.
 */
static bool parse_duration(const char *text, unsigned *seconds)
{
        char number[16];
        size_t len = strlen(text), digits = len;
        unsigned long long value, unit = 1;

        if (len == 0 || len >= sizeof(number))
                return false;
        switch (text[len - 1]) {
        case 's':
                digits--;
                break;
        case 'm':
                unit = 60;
                digits--;
                break;
        case 'h':
                unit = 3600;
                digits--;
                break;
        case 'd':
                unit = 86400;
                digits--;
                break;
        default:
                break;
        }
        memcpy(number, text, digits);
        number[digits] = '\0';
        if (!cli_parse_uint(number, UNLOCK_MAX_SECONDS, &value))
                return false;
        value *= unit;
        if (value == 0 || value > UNLOCK_MAX_SECONDS)
                return false;
        *seconds = (unsigned)value;
        return true;
}

static const char unlock_help[] =
    "usage: authkeep unlock [--for DURATION]\n"
    "\n"
    "Asks for the vault passphrase once (or takes AUTHKEEP_PASSPHRASE) and keeps\n"
    "the vault's key in the Linux kernel keyring (this login session's) for\n"
    "DURATION: until then, commands open the vault without the passphrase.\n"
    "'authkeep lock' forgets the key sooner. Unlocking again restarts the time.\n"
    "\n"
    "  --for DURATION   how long: 30s, 15m, 2h, 1d (a bare number is seconds);\n"
    "                   default 15m, at most 24h\n";

int cmd_unlock(int argc, char **argv)
{
        static const struct option options[] = {
            {"for", required_argument, NULL, 'f'},
            {NULL, 0, NULL, 0},
        };
        unsigned seconds = UNLOCK_DEFAULT_SECONDS;
        struct ak_vault *vault;
        enum ak_err err;
        time_t until;
        char when[64];
        int opt;

        if (cli_help(argc, argv, unlock_help))
                return CLI_EXIT_OK;
        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, ":f:", options, NULL)) != -1) {
                switch (opt) {
                case 'f':
                        if (!parse_duration(optarg, &seconds))
                                return cli_usage_error(
                                    "unlock",
                                    "--for: '%s' is not a duration between 1s and 24h "
                                    "(like 30s, 15m, 2h, 1d)",
                                    optarg);
                        break;
                default:
                        return cli_option_error("unlock", opt, argv);
                }
        }
        if (optind < argc)
                return cli_usage_error("unlock", "unexpected argument '%s'", argv[optind]);
        vault = cli_open_vault_passphrase();
        if (vault == NULL)
                return CLI_EXIT_FAIL;
        err = ak_vault_unlock(vault, seconds);
        ak_vault_free(vault);
        if (err != AK_OK)
                return cli_fail(err, "unlock: keeping the key in the kernel keyring");
        until = time(NULL) + (time_t)seconds;
        cli_time((long long)until, when, sizeof(when));
        cli_printf("Unlocked until %s; 'authkeep lock' locks it sooner.\n", when);
        return CLI_EXIT_OK;
}

static const char lock_help[] =
    "usage: authkeep lock\n"
    "\n"
    "Removes the vault's key from the kernel keyring now: the next command asks\n"
    "for the passphrase again (or takes AUTHKEEP_PASSPHRASE). Succeeds also when\n"
    "the vault was not unlocked.\n";

int cmd_lock(int argc, char **argv)
{
        char vault_id[AK_DEVICE_ID_LEN + 1];
        struct ak_vault *unlocked = NULL;
        bool was_unlocked;
        enum ak_err err;

        if (cli_help(argc, argv, lock_help))
                return CLI_EXIT_OK;
        if (argc > 1)
                return cli_usage_error("lock", "unexpected argument '%s'", argv[1]);
        err = ak_vault_peek_id(vault_id, cli_vault_path());
        if (err == AK_ERR_VAULT_MISSING || err == AK_ERR_NOT_FOUND)
                return cli_error("lock: no vault at %s: nothing to lock", cli_vault_path());
        if (err != AK_OK)
                return cli_fail(err, cli_vault_path());
        was_unlocked = ak_vault_reopen(&unlocked, cli_vault_path()) == AK_OK;
        ak_vault_free(unlocked);
        err = ak_vault_lock(cli_vault_path());
        if (err != AK_OK)
                return cli_fail(err, "lock: removing the key from the kernel keyring");
        cli_printf(was_unlocked ? "Locked: the vault key is gone from the kernel keyring.\n"
                                : "The vault was not unlocked; it stays locked.\n");
        return CLI_EXIT_OK;
}
