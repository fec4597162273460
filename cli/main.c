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

#ifndef AUTHKEEP_IMAGES
/* import and export run in authkeep-import, which links the image libraries (cli/tool.c). */
static int run_import(int argc, char **argv)
{
        return cli_run_tool("authkeep-import", argc, argv);
}
#define cmd_import run_import
#define cmd_export run_import
#endif

/*
 * The one table of the commands: dispatch, `authkeep --help`, and the
 * shell completions (`authkeep complete`, cli/complete.c) all read it, so
 * that a new command or option is completed as soon as it is here. What
 * the options and arguments strings hold is said in cli.h (struct
 * cli_command); tests/cli/complete.sh checks them against each --help.
 */
static const struct cli_command backup_commands[] = {
    {"on", NULL, "turn backup on with a server and an email",
     "--server=URL --email=EMAIL --create --insecure --device-name=NAME", "", NULL},
    {"off", NULL, "turn backup off on this device", "", "", NULL},
    {"now", NULL, "back up now", "--force", "", NULL},
    {"status", NULL, "the state of the backup (its exit status too)", "--json --offline", "", NULL},
    {"versions", NULL, "the versions the server keeps", "--json", "", NULL},
    {"delete", NULL, "delete the backup from the server", "--yes --now", "", NULL},
    {"undelete", NULL, "bring a deleted backup back while the server keeps it", "", "", NULL},
    {"password", NULL, "change the backup password", "", "", NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

static const struct cli_command devices_commands[] = {
    {"remove", NULL, "remove a device", "--force", "DEVICE", NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

static const struct cli_command contacts_commands[] = {
    {"add", NULL, "add an email address or phone number", "--code=CODE", "email|phone VALUE", NULL},
    {"remove", NULL, "remove a contact", "", "VALUE", NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

static const struct cli_command account_commands[] = {
    {"add", NULL, "add a personal account that is not the recovery account",
     "--server=URL --email=EMAIL --insecure", "", NULL},
    {"delete", NULL, "delete the recovery account", "--yes --now", "", NULL},
    {"undelete", NULL, "sign in and bring a deleted recovery account back",
     "--server=URL --email=EMAIL --insecure", "", NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

static const struct cli_command commands[] = {
    {"init", cmd_init, "create this device's encrypted vault", "", "", NULL},
    {"unlock", cmd_unlock, "keep the vault key in the kernel keyring for a while", "--for=DURATION",
     "", NULL},
    {"lock", cmd_lock, "forget the vault key now", "", "", NULL},
    {"passphrase", cmd_passphrase, "change the vault's passphrase", "--memory=MIB --passes=N", "",
     NULL},
    {"add", cmd_add, "add an account (otpauth:// URI, QR image, or by hand)",
     "--qr=FILE --activation=URI --issuer=ISSUER --account=NAME --secret=BASE32 "
     "--algorithm=SHA1|SHA256|SHA512 --digits=6|7|8 --period=SECONDS --hotp --counter=N --steam "
     "--allow-short-secret",
     "URI", NULL},
    {"list", cmd_list, "list the accounts", "--json", "", NULL},
    {"code", cmd_code, "show current codes", "--at=UNIX_SECONDS --json --quiet --copy", "ACCOUNT",
     NULL},
    {"remove", cmd_remove, "remove an account", "--yes", "ACCOUNT", NULL},
    {"move", cmd_move, "move an account to another position", "", "ACCOUNT POSITION", NULL},
    {"rename", cmd_rename, "rename an account", "", "ACCOUNT NEWNAME", NULL},
    {"watch", cmd_watch, "live view of codes, seconds left and backup state", "", "", NULL},
    {"import", cmd_import, "import another authenticator's export",
     "--format=FORMAT --dry-run --partial --verbose", "FILE", NULL},
    {"export", cmd_export, "export accounts (URIs, Aegis, Google Authenticator, QR)",
     "--format=uris|aegis|gauth|qr --out=FILE --encrypt", "", NULL},
    {"backup", cmd_backup,
     "end-to-end-encrypted cloud backup: on, off, now, status, delete, undelete", "", "",
     backup_commands},
    {"recover", cmd_recover, "restore a backup onto this device",
     "--server=URL --email=EMAIL --dry-run --merge --version=N --recovery-code=CODE --insecure "
     "--device-name=NAME --deleted",
     "", NULL},
    {"account", cmd_account, "add a personal account; delete or bring back the recovery account",
     "", "", account_commands},
    {"devices", cmd_devices, "the devices of this device's personal account; remove one", "--json",
     "", devices_commands},
    {"listen", cmd_listen, "wait for sign-in requests and approve them", "--once --json", "", NULL},
    {"approve", cmd_approve, "approve a sign-in request with the number shown", "--number=N",
     "REQUEST", NULL},
    {"deny", cmd_deny, "deny a sign-in request, or report it", "--report", "REQUEST", NULL},
    {"verify", cmd_verify, "verify this device for an account after recovery",
     "--send=email|phone --code=CODE --activation=URI --qr=FILE", "ACCOUNT", NULL},
    {"contacts", cmd_contacts, "the alternate contacts that verification codes go to", "--json", "",
     contacts_commands},
    /* Plumbing for the shell completions: not in --help, never completed. */
    {"complete", cmd_complete, NULL, "", "", NULL},
    {"clear-clipboard", cmd_clear_clipboard, NULL, "", "", NULL}, /* cli/clipboard.c */
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

const struct cli_command *cli_commands(void)
{
        return commands;
}

static void usage(FILE *out)
{
        cli_fprintf(out, "usage: authkeep COMMAND [ARGS]\n\nCommands:\n");
        for (const struct cli_command *c = commands; c->name != NULL; c++)
                if (c->summary != NULL)
                        cli_fprintf(out, "  %-10s %s\n", c->name, c->summary);
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
        for (const struct cli_command *c = commands; c->name != NULL; c++)
                if (strcmp(argv[1], c->name) == 0)
                        return finish(c->run(argc - 1, argv + 1));
        cli_error("unknown command '%s'; run 'authkeep --help'", argv[1]);
        return CLI_EXIT_USAGE;
}
