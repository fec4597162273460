/*
 * authkeep: a two-factor authenticator for the terminal. One AUTHKEEP_HOME
 * is one device. This file dispatches to the commands, and reads the two
 * inputs that many commands share: the time now and a decimal argument.
 */
#include <errno.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

struct command {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *summary;
};

#ifndef AUTHKEEP_IMAGES
/* import and export run in authkeep-import, which links the image libraries (cli/tool.c). */
static int run_import(int argc, char **argv)
{
        return cli_run_tool("authkeep-import", argc, argv);
}
#define cmd_import run_import
#define cmd_export run_import
#endif

static const struct command commands[] = {
    {"init", cmd_init, "create this device's encrypted vault"},
    {"unlock", cmd_unlock, "keep the vault key in the kernel keyring for a while"},
    {"lock", cmd_lock, "forget the vault key now"},
    {"passphrase", cmd_passphrase, "change the vault's passphrase"},
    {"add", cmd_add, "add an account (otpauth:// URI, QR image, or by hand)"},
    {"list", cmd_list, "list the accounts"},
    {"code", cmd_code, "show current codes"},
    {"remove", cmd_remove, "remove an account"},
    {"move", cmd_move, "move an account to another position"},
    {"rename", cmd_rename, "rename an account"},
    {"watch", cmd_watch, "live view of codes, seconds left and backup state"},
    {"import", cmd_import, "import another authenticator's export"},
    {"export", cmd_export, "export accounts (URIs, Aegis, Google Authenticator, QR)"},
    {"backup", cmd_backup,
     "end-to-end-encrypted cloud backup: on, off, now, status, delete, undelete"},
    {"recover", cmd_recover, "restore a backup onto this device"},
    {"account", cmd_account, "delete the recovery account, or bring a deleted one back"},
    {"devices", cmd_devices, "the devices of this device's personal account; remove one"},
    {"listen", cmd_listen, "wait for sign-in requests and approve them"},
    {"approve", cmd_approve, "approve a sign-in request with the number shown"},
    {"deny", cmd_deny, "deny a sign-in request, or report it"},
    {"verify", cmd_verify, "verify this device for an account after recovery"},
    {"contacts", cmd_contacts, "the alternate contacts that verification codes go to"},
};

static void usage(FILE *out)
{
        cli_fprintf(out, "usage: authkeep COMMAND [ARGS]\n\nCommands:\n");
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                cli_fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
        cli_fprintf(out, "\nRun 'authkeep COMMAND --help' for a command's options.\n"
                         "Environment: AUTHKEEP_HOME (this device's folder), AUTHKEEP_PASSPHRASE,\n"
                         "AUTHKEEP_PASSWORD, AUTHKEEP_SERVER.\n");
}

/*
 * Flushes standard output: output that could not be written (a full disk,
 * a closed pipe) is a failure, not a silent success. Returns the exit status.
 */
static int finish(int rc)
{
        if (fflush(stdout) != 0 || ferror(stdout)) {
                int saved = errno;

                cli_error("writing the output: %s", strerror(saved));
                return rc == CLI_EXIT_OK ? CLI_EXIT_FAIL : rc;
        }
        return rc;
}

/*
 * AUTHKEEP_NOW (unix seconds, for tests and for reproducing a code) when set:
 * *out gets it. False when it is set but is not 0 or more seconds.
 */
static bool env_now(long long *out)
{
        const char *env = getenv("AUTHKEEP_NOW");
        unsigned long long v;

        if (env == NULL || env[0] == '\0')
                return true;
        if (!cli_parse_uint(env, INT64_MAX, &v))
                return false;
        *out = (long long)v;
        return true;
}

long long cli_now(void)
{
        long long now = (long long)time(NULL);

        (void)env_now(&now); /* checked at start-up (main) */
        return now;
}

bool cli_parse_uint(const char *text, unsigned long long max, unsigned long long *out)
{
        unsigned long long v = 0;

        if (text == NULL || text[0] == '\0')
                return false;
        for (const char *p = text; *p != '\0'; p++) {
                if (*p < '0' || *p > '9')
                        return false;
                unsigned digit = (unsigned)(*p - '0');

                if (digit > max || v > (max - digit) / 10)
                        return false;
                v = v * 10 + digit;
        }
        *out = v;
        return true;
}

/*
 * Before a key derivation expected to take more than about a second (a
 * vault or recovery account made with a high cost), one line on a
 * terminal, so that the wait is not taken for a hang.
 */
static void kdf_notice(void *ctx, unsigned long estimated_ms)
{
        (void)ctx;
        if (estimated_ms < 1000 || !isatty(STDERR_FILENO))
                return;
        cli_eprintf("authkeep: deriving the key from the password (about %lu s)...\n",
                    (estimated_ms + 500) / 1000);
        fflush(stderr);
}

int main(int argc, char **argv)
{
        /* Names are measured and printed in the terminal's character set. */
        setlocale(LC_CTYPE, "");
        if (argc < 2) {
                usage(stderr);
                return CLI_EXIT_USAGE;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
            strcmp(argv[1], "help") == 0) {
                usage(stdout);
                return CLI_EXIT_OK;
        }
        if (strcmp(argv[1], "--version") == 0) {
                cli_printf("authkeep %s%s\n", AK_VERSION,
                           cli_test_build() ? " (test build: AUTHKEEP_KDF_COST=min accepted)" : "");
                return CLI_EXIT_OK;
        }
        if (ak_init() != AK_OK)
                return cli_fail(AK_ERR_CRYPTO, "start-up");
        ak_kdf_set_notice(kdf_notice, NULL);
        {
                long long ignored;
                if (!env_now(&ignored))
                        return cli_error("AUTHKEEP_NOW: '%s' is not unix seconds (0 or more); "
                                         "unset it to use the clock",
                                         getenv("AUTHKEEP_NOW"));
        }
        if (!cli_check_kdf_cost())
                return CLI_EXIT_FAIL;
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (strcmp(argv[1], commands[i].name) == 0)
                        return finish(commands[i].run(argc - 1, argv + 1));
        cli_error("unknown command '%s'; run 'authkeep --help'", argv[1]);
        return CLI_EXIT_USAGE;
}
