/*
 * Adding an account: `authkeep add` from an otpauth:// URI (an argument or
 * standard input), from --account and --secret, from a QR code image
 * (--qr, read by authkeep-import) or from a work or school activation code
 * (cli/cmd_work.c). The input is checked completely before the vault is
 * opened, and the change is saved through cli_save_vault() (which also
 * backs it up), so bad input never changes stored data.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"

/* "SHA1, 6 digits, every 30 s" and the like, into `buf`. */
static void describe_params(char *buf, size_t len, const struct ak_account *acct)
{
        switch (acct->type) {
        case AK_OTP_HOTP:
                snprintf(buf, len, "HOTP, %s, %u digits, counter %llu", ak_hash_name(acct->hash),
                         acct->digits, (unsigned long long)acct->counter);
                break;
        case AK_OTP_STEAM:
                snprintf(buf, len, "Steam Guard, every %u s", (unsigned)acct->period);
                break;
        default:
                snprintf(buf, len, "TOTP, %s, %u digits, every %u s", ak_hash_name(acct->hash),
                         acct->digits, (unsigned)acct->period);
                break;
        }
}

/* Prints `message` (which may hold a name with control characters) safely, as one line. */
static void print_safe(const char *message)
{
        cli_printf("%s\n", message);
}

static const char add_help[] =
    "usage: authkeep add 'otpauth://totp/Issuer:name?secret=...&issuer=Issuer'\n"
    "       authkeep add -                  (the otpauth:// URI on standard input)\n"
    "       authkeep add --qr IMAGE          (a PNG or JPEG holding a QR code)\n"
    "       authkeep add --activation URI|-  (a work or school account's activation)\n"
    "       authkeep add --issuer I --account A --secret BASE32|-\n"
    "                    [--algorithm SHA1|SHA256|SHA512] [--digits 6|7|8]\n"
    "                    [--period SECONDS] [--hotp [--counter N]] [--steam]\n"
    "\n"
    "Adds an account to the vault. A URI holds the secret: prefer '-' and standard\n"
    "input (a command line is readable by other users through /proc).\n"
    "\n"
    "A work or school account is enrolled with the activation code its\n"
    "administrator gives (authkeep-activate://...): --activation with the URI\n"
    "('-' reads it from standard input), or --qr with its QR image. The server\n"
    "then gives this device its own code and push sign-in.\n"
    "\n"
    "By hand:\n"
    "  --issuer I        who issues it (GitHub, a bank); may be left out\n"
    "  --account A       the account name (alice@example.com)\n"
    "  --secret BASE32   the secret as the site shows it (spaces and lower case\n"
    "                    are fine); '-' reads it from standard input (asked\n"
    "                    without echo on a terminal); when left out,\n"
    "                    AUTHKEEP_SECRET is used if set\n"
    "  --algorithm H     SHA1 (default), SHA256 or SHA512\n"
    "  --digits N        6 (default), 7 or 8\n"
    "  --period S        seconds a TOTP code lasts (default 30)\n"
    "  --hotp            a counter-based (HOTP) account instead of TOTP\n"
    "  --counter N       the HOTP counter of the next code (default 0)\n"
    "  --steam           a Steam Guard account (5 characters, every 30 s)\n"
    "\n"
    "  --allow-short-secret  add a secret shorter than 80 bits (10 bytes, 16\n"
    "                    base32 characters) too; refused without it, since its\n"
    "                    codes can be guessed\n"
    "\n"
    "When the passphrase is read from standard input too (no AUTHKEEP_PASSPHRASE,\n"
    "not unlocked, no terminal), the URI or secret comes first, the passphrase\n"
    "on the next line. An account identical to one in the vault (same secret and\n"
    "parameters) is refused.\n";

/* What `add` was asked for on its command line. */
struct add_args {
        const char *issuer, *account, *secret, *algorithm, *digits, *period, *counter, *qr;
        const char *activation; /* a work account's activation URI, or "-" */
        bool hotp, steam, allow_short;
        const char *uri; /* the positional argument: a URI or "-" */
};

/*
 * Reads what `flag` ("-" or "--secret -") stands for from standard input (or
 * the terminal, not shown) into `line`: 0, or the exit code of the error.
 */
static int read_dash(char **line, const char *prompt, const char *flag, const char *what)
{
        enum ak_err err = cli_read_secret(line, prompt, NULL, false);

        if (err == AK_ERR_INVALID)
                return cli_error("add: %s: standard input is empty; give %s on it", flag, what);
        if (err != AK_OK) {
                char context[96];
                snprintf(context, sizeof(context), "add: reading %s from standard input", what);
                return cli_fail(err, context);
        }
        return 0;
}

/*
 * Fills `acct` from the by-hand options. Reads the secret from standard
 * input for "-". Prints the error itself; returns 0 or an exit status.
 */
static int account_from_options(struct ak_account *acct, const struct add_args *a)
{
        unsigned char secret[AK_SECRET_MAX];
        size_t secret_len = 0;
        char *line = NULL;
        const char *text = a->secret;
        unsigned long long number;
        enum ak_err err;
        int rc = CLI_EXIT_FAIL;

        if (a->steam && (a->hotp || a->algorithm || a->digits || a->counter))
                return cli_usage_error("add",
                                       "--steam sets its own algorithm and digits; leave out "
                                       "--hotp, --algorithm, --digits and --counter");
        if (a->counter && !a->hotp)
                return cli_usage_error("add", "--counter is for HOTP accounts: add --hotp");
        if (a->hotp && a->period)
                return cli_usage_error("add", "--period is for TOTP accounts, not --hotp");
        if (a->account == NULL && a->issuer == NULL)
                return cli_usage_error("add", "give --account (and --issuer) with --secret");
        if (text == NULL)
                text = getenv("AUTHKEEP_SECRET");
        if (text == NULL)
                return cli_usage_error("add", "give the secret: --secret BASE32, or --secret - to "
                                              "read it from standard input");

        acct->type = a->steam ? AK_OTP_STEAM : a->hotp ? AK_OTP_HOTP : AK_OTP_TOTP;
        if (a->steam)
                acct->digits = 5;
        if (a->algorithm && ak_hash_parse(&acct->hash, a->algorithm) != AK_OK)
                return cli_usage_error("add", "--algorithm: '%s' is not SHA1, SHA256 or SHA512",
                                       a->algorithm);
        if (a->digits) {
                if (!cli_parse_uint(a->digits, 100, &number))
                        return cli_usage_error("add", "--digits: '%s' is not a number", a->digits);
                acct->digits = (unsigned)number;
        }
        if (a->period) {
                if (!cli_parse_uint(a->period, UINT32_MAX, &number))
                        return cli_usage_error("add", "--period: '%s' is not a number of seconds",
                                               a->period);
                acct->period = (uint32_t)number;
        }
        if (a->counter) {
                if (!cli_parse_uint(a->counter, UINT64_MAX, &number))
                        return cli_usage_error("add", "--counter: '%s' is not a number",
                                               a->counter);
                acct->counter = number;
        }
        err = ak_account_set_text(&acct->issuer, a->issuer ? a->issuer : "");
        if (err != AK_OK)
                return cli_fail(err, "add: --issuer");
        err = ak_account_set_text(&acct->name, a->account ? a->account : "");
        if (err != AK_OK)
                return cli_fail(err, "add: --account");

        if (strcmp(text, "-") == 0) {
                if ((rc = read_dash(&line, "Secret (base32, not shown): ", "--secret -",
                                    "the secret")) != 0)
                        return rc;
                text = line;
        }
        err = ak_base32_decode(secret, sizeof(secret), &secret_len, text, strlen(text));
        if (err != AK_OK) {
                rc = cli_fail(err, "add: --secret");
                goto done;
        }
        err = ak_account_set_secret(acct, secret, secret_len);
        if (err != AK_OK) {
                rc = cli_fail(err, "add: --secret");
                goto done;
        }
        rc = 0;
done:
        sodium_memzero(secret, sizeof(secret));
        cli_free_secret(line);
        return rc;
}

/* Overwrites a command-line argument that held a secret (not "-"); accepts NULL. */
static void wipe_arg(const char *arg)
{
        if (arg != NULL && strcmp(arg, "-") != 0)
                sodium_memzero((char *)arg, strlen(arg));
}

/* Fills `acct` from an otpauth:// URI, or one read from standard input for "-". */
static int account_from_uri(struct ak_account *acct, const char *uri)
{
        char *line = NULL;
        enum ak_err err;

        if (strcmp(uri, "-") == 0) {
                int rc = read_dash(&line, "otpauth:// URI (not shown): ", "-", "an otpauth:// URI");
                if (rc != 0)
                        return rc;
                uri = line;
        }
        err = ak_uri_parse(acct, uri);
        cli_free_secret(line);
        if (err != AK_OK)
                return cli_fail(err, "add: the otpauth URI");
        return 0;
}

int cli_short_secret_error(const char *what, size_t len)
{
        return cli_error("%s: the secret is %zu bytes (%zu bits), shorter than %d bits, so its "
                         "codes can be guessed; nothing was added (--allow-short-secret adds it "
                         "anyway)",
                         what, len, len * 8, AK_SECRET_SHORT_BYTES * 8);
}

/* Adds the checked account `acct` (taking its fields) to the vault and saves. */
static int add_to_vault(struct ak_account *acct)
{
        struct ak_vault *vault;
        struct ak_account_list *list;
        char *label = ak_account_label(acct);
        char params[128];
        bool same_label = false;
        int rc = CLI_EXIT_FAIL;

        if (label == NULL)
                return cli_fail(AK_ERR_NOMEM, "add");
        vault = cli_open_vault_for_change();
        if (vault == NULL)
                goto done;
        list = ak_vault_accounts(vault);
        for (size_t i = 0; i < list->count; i++) {
                if (ak_account_identical(&list->items[i], acct)) {
                        char *other = ak_account_label(&list->items[i]);

                        rc = cli_error("add: this account is already in the vault as '%s' (id %s, "
                                       "position %zu); nothing was added",
                                       other ? other : "?", list->items[i].id, i + 1);
                        free(other);
                        goto done;
                }
                if (ak_account_same_label(&list->items[i], acct))
                        same_label = true;
        }
        if (acct->created == 0)
                acct->created = cli_now();
        describe_params(params, sizeof(params), acct);
        if (ak_account_list_push(list, acct) != AK_OK) {
                rc = cli_fail(AK_ERR_NOMEM, "add");
                goto done;
        }
        rc = cli_save_vault(vault);
        if (rc != 0)
                goto done;
        {
                char line[AK_TEXT_MAX * 2 + 256];

                snprintf(line, sizeof(line), "Added %s (%s) at position %zu, id %s.", label, params,
                         list->count, list->items[list->count - 1].id);
                print_safe(line);
        }
        if (same_label)
                cli_note("another account is also named '%s'; use ids to tell them apart", label);
done:
        free(label);
        ak_vault_free(vault);
        return rc;
}

int cmd_add(int argc, char **argv)
{
        enum {
                OPT_ISSUER = 256,
                OPT_ACCOUNT,
                OPT_SECRET,
                OPT_ALGORITHM,
                OPT_DIGITS,
                OPT_PERIOD,
                OPT_HOTP,
                OPT_COUNTER,
                OPT_STEAM,
                OPT_QR,
                OPT_ACTIVATION,
                OPT_ALLOW_SHORT,
        };
        static const struct option options[] = {
            {"issuer", required_argument, NULL, OPT_ISSUER},
            {"account", required_argument, NULL, OPT_ACCOUNT},
            {"secret", required_argument, NULL, OPT_SECRET},
            {"algorithm", required_argument, NULL, OPT_ALGORITHM},
            {"digits", required_argument, NULL, OPT_DIGITS},
            {"period", required_argument, NULL, OPT_PERIOD},
            {"hotp", no_argument, NULL, OPT_HOTP},
            {"counter", required_argument, NULL, OPT_COUNTER},
            {"steam", no_argument, NULL, OPT_STEAM},
            {"qr", required_argument, NULL, OPT_QR},
            {"activation", required_argument, NULL, OPT_ACTIVATION},
            {"allow-short-secret", no_argument, NULL, OPT_ALLOW_SHORT},
            {NULL, 0, NULL, 0},
        };
        struct add_args a = {0};
        struct ak_account acct;
        enum ak_err err;
        bool by_hand;
        int opt, rc;

        if (cli_help(argc, argv, add_help))
                return CLI_EXIT_OK;
        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                switch (opt) {
                case OPT_ISSUER:
                        a.issuer = optarg;
                        break;
                case OPT_ACCOUNT:
                        a.account = optarg;
                        break;
                case OPT_SECRET:
                        a.secret = optarg;
                        break;
                case OPT_ALGORITHM:
                        a.algorithm = optarg;
                        break;
                case OPT_DIGITS:
                        a.digits = optarg;
                        break;
                case OPT_PERIOD:
                        a.period = optarg;
                        break;
                case OPT_HOTP:
                        a.hotp = true;
                        break;
                case OPT_COUNTER:
                        a.counter = optarg;
                        break;
                case OPT_STEAM:
                        a.steam = true;
                        break;
                case OPT_QR:
                        a.qr = optarg;
                        break;
                case OPT_ACTIVATION:
                        a.activation = optarg;
                        break;
                case OPT_ALLOW_SHORT:
                        a.allow_short = true;
                        break;
                default:
                        return cli_option_error("add", opt, argv);
                }
        }
        if (optind + 1 < argc)
                return cli_usage_error("add", "one URI at a time (got '%s' too)", argv[optind + 1]);
        a.uri = optind < argc ? argv[optind] : NULL;
        by_hand = a.issuer || a.account || a.secret || a.algorithm || a.digits || a.period ||
                  a.hotp || a.counter || a.steam;
        if ((a.uri != NULL) + (a.qr != NULL) + (a.activation != NULL) + by_hand > 1)
                return cli_usage_error("add", "give one of: an otpauth:// URI (or -), --qr IMAGE, "
                                              "--activation URI, or the options of an account "
                                              "by hand");
        if (a.activation != NULL) {
                rc = cli_work_add(a.activation);
                wipe_arg(a.activation);
                return rc;
        }
        if (a.qr != NULL) {
#ifndef AUTHKEEP_IMAGES
                /* Images are read by authkeep-import (cli/tool.c says why). */
                return cli_run_tool("authkeep-import", argc, argv);
#else
                struct ak_vault *vault = cli_open_vault();

                if (vault == NULL)
                        return CLI_EXIT_FAIL;
                rc = cli_add_qr(vault, a.qr, a.allow_short);
                ak_vault_free(vault);
                return rc;
#endif
        }
        if (a.uri == NULL && !by_hand)
                return cli_usage_error("add",
                                       "nothing to add: give an otpauth:// URI, -, --qr IMAGE "
                                       "or --account and --secret");

        ak_account_init(&acct);
        rc = a.uri != NULL ? account_from_uri(&acct, a.uri) : account_from_options(&acct, &a);
        /* Secrets given on the command line: wiped, /proc/PID/cmdline shows them no longer. */
        wipe_arg(a.secret);
        wipe_arg(a.uri);
        if (rc != 0)
                goto done;
        err = ak_account_validate(&acct);
        if (err != AK_OK) {
                rc = cli_fail(err, "add");
                goto done;
        }
        if ((acct.issuer == NULL || acct.issuer[0] == '\0') &&
            (acct.name == NULL || acct.name[0] == '\0')) {
                rc =
                    cli_error("add: the account has neither an issuer nor a name; give --issuer or "
                              "--account (a URI: a label); nothing was added");
                goto done;
        }
        if (acct.secret_len < AK_SECRET_SHORT_BYTES && !a.allow_short) {
                rc = cli_short_secret_error("add", acct.secret_len);
                goto done;
        }
        if (acct.label_issuer != NULL)
                cli_note("the URI's label names the issuer '%s' but its issuer parameter says "
                         "'%s'; keeping '%s'",
                         acct.label_issuer, acct.issuer, acct.issuer);
        rc = add_to_vault(&acct);
done:
        ak_account_clear(&acct);
        return rc;
}
