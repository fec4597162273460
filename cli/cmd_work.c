/*
 * Work or school accounts on this device (include/authkeep/work.h):
 *   authkeep add --activation URI|-          enrols with an administrator's code
 *   authkeep add --qr IMAGE                  the same from its QR image
 *   authkeep verify QUERY --activation URI|- | --qr IMAGE
 *                                            enrols this device anew after a recovery
 * An activation is the authkeep-activate:// URI that `authkeepd admin
 * activation` prints; it holds a secret, so '-' reads it from standard
 * input. Images are read by authkeep-import (cli/tool.c), as for every
 * other QR code.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "backup_words.h"
#include "cli.h"

#define IMAGE_MAX ((size_t)64 << 20)

/* The words of a refused enrolment; CLI_EXIT_FAIL. */
static int enrol_error(const char *cmd, const struct ak_work_enrolment *r,
                       const struct ak_activation *a)
{
        switch (r->refusal) {
        case AK_WORK_BAD_CODE:
                return cli_error("%s: the server does not know this activation code for %s in %s; "
                                 "check it, or ask the administrator for a new one",
                                 cmd, a->email, a->org);
        case AK_WORK_USED:
                return cli_error("%s: this activation code was used already (each code enrols one "
                                 "device once); ask the administrator for a new one",
                                 cmd);
        case AK_WORK_EXPIRED:
                return cli_error("%s: this activation code expired; ask the administrator for a "
                                 "new one",
                                 cmd);
        case AK_WORK_REMOVED:
                return cli_error("%s: %s removed %s; its activation codes no longer work", cmd,
                                 a->org, a->email);
        case AK_WORK_DEVICE_TAKEN:
                return cli_error("%s: the server gives this device's id to another account", cmd);
        case AK_WORK_TOO_MANY:
                return cli_error("%s: %s has the most devices it may have in %s; ask the "
                                 "administrator",
                                 cmd, a->email, a->org);
        default:
                break;
        }
        if (r->err == AK_ERR_UNSUPPORTED)
                return cli_error("%s: %s has no work or school accounts (it is too old)", cmd,
                                 a->server);
        return cli_error("%s: %s%s%s", cmd, ak_strerror(r->err), *r->detail ? ": " : "", r->detail);
}

/*
 * Enrols this device with the activation URI `uri`; with `expect` (verify),
 * only for that work entry. Holds and saves the vault. Returns the exit status.
 */
static int enrol(struct ak_vault *vault, const char *uri, const char *cmd,
                 const struct ak_account *expect)
{
        struct ak_activation a;
        struct ak_sync_options o;
        struct ak_client *client = NULL;
        struct ak_work_enrolment r;
        char name[256];
        enum ak_err err;
        int rc;

        if (ak_activation_parse(&a, uri) != AK_OK)
                return cli_error("%s: %s", cmd, ak_error_detail());
        if (expect != NULL &&
            (strcmp(expect->issuer, a.server) != 0 || strcasecmp(expect->name, a.email) != 0)) {
                rc = cli_error("%s: this activation is for %s at %s, not for %s at %s; nothing "
                               "was changed",
                               cmd, a.email, a.server, expect->name, expect->issuer);
                goto done;
        }
        err = ak_client_check_url(a.server, false);
        if (err == AK_ERR_INSECURE) {
                rc = cli_error("%s: refusing plain HTTP to %s, which is not loopback; the "
                               "administrator should give the server's https:// address",
                               cmd, a.server);
                goto done;
        }
        if (cli_hold_vault(vault) != 0) {
                rc = CLI_EXIT_FAIL;
                goto done;
        }
        backup_options(&o, true);
        err = ak_client_new(&client, a.server, &o.client);
        if (err != AK_OK) {
                rc = cli_fail(err, cmd);
                goto done;
        }
        backup_default_device_name(name, sizeof(name));
        if (ak_work_enrol(client, vault, &a, name, &r) != AK_OK) {
                rc = enrol_error(cmd, &r, &a);
                goto done;
        }
        rc = cli_save_vault(vault);
        if (rc == CLI_EXIT_OK)
                cli_printf("%s this device in %s as %s (%s): 'authkeep code' shows its own code "
                           "and 'authkeep listen' its sign-in requests.\n",
                           expect != NULL ? "Verified" : "Enrolled", a.org, a.email, a.server);
done:
        ak_client_free(client);
        sodium_memzero(&a, sizeof(a));
        return rc;
}

/* The activation text: `arg`, or standard input's line for "-" (*owned set to free it). */
static int activation_text(const char *cmd, const char *arg, char **owned, const char **text)
{
        *owned = NULL;
        *text = arg;
        if (strcmp(arg, "-") != 0)
                return CLI_EXIT_OK;
        if (cli_read_stdin_line(owned) != AK_OK || *owned == NULL || **owned == '\0')
                return cli_error("%s: --activation -: no activation on standard input", cmd);
        *text = *owned;
        return CLI_EXIT_OK;
}

#ifdef AUTHKEEP_IMAGES
/*
 * The first authkeep-activate:// URI in the QR codes of `image` into *uri
 * (malloc'd: free with cli_free_secret). 1 when found, 0 when the image
 * holds none, or the exit status of a failure to read it (printed) as a
 * negative number.
 */
static int qr_activation(const char *image, char **uri)
{
        char **texts = NULL;
        size_t count = 0, len = 0;
        unsigned char *data = NULL;
        FILE *f = fopen(image, "rb");
        int found = 0;
        enum ak_err err;

        *uri = NULL;
        if (f == NULL)
                return -cli_error("%s: cannot read the image", image);
        data = malloc(IMAGE_MAX);
        if (data != NULL)
                len = fread(data, 1, IMAGE_MAX, f);
        fclose(f);
        if (data == NULL)
                return -cli_fail(AK_ERR_NOMEM, image);
        err = ak_qr_decode(&texts, &count, data, len);
        free(data);
        if (err != AK_OK)
                return -cli_fail(err, image);
        for (size_t i = 0; i < count && !found; i++) {
                if (strncasecmp(texts[i], AK_ACTIVATION_SCHEME, sizeof(AK_ACTIVATION_SCHEME) - 1) ==
                    0) {
                        *uri = strdup(texts[i]);
                        found = *uri != NULL ? 1 : -cli_fail(AK_ERR_NOMEM, image);
                }
        }
        ak_qr_texts_free(texts, count);
        return found;
}

bool cli_work_qr(struct ak_vault *vault, const char *image, int *rc)
{
        char *uri = NULL;
        int found = qr_activation(image, &uri);

        if (found < 0)
                *rc = -found;
        else if (found == 1)
                *rc = enrol(vault, uri, "add", NULL);
        cli_free_secret(uri);
        return found != 0;
}
#endif

int cli_work_add(const char *activation)
{
        struct ak_vault *vault;
        char *owned;
        const char *text;
        int rc = activation_text("add", activation, &owned, &text);

        if (rc != CLI_EXIT_OK)
                return rc;
        vault = cli_open_vault();
        rc = vault != NULL ? enrol(vault, text, "add", NULL) : CLI_EXIT_FAIL;
        ak_vault_free(vault);
        cli_free_secret(owned);
        return rc;
}

static const char verify_work_help[] =
    "usage: authkeep verify QUERY --activation URI|-\n"
    "       authkeep verify QUERY --qr IMAGE\n"
    "\n"
    "Enrols this device anew in the work or school account QUERY, which shows\n"
    "\"verification needed\" after a recovery: the administrator gives an\n"
    "activation code ('authkeepd admin activation ORG EMAIL'), as the\n"
    "authkeep-activate:// URI ('-' reads it from standard input) or as its QR\n"
    "image. The account's code and push sign-in then work on this device, and\n"
    "on the devices enrolled before.\n";

int cmd_work_verify(int argc, char **argv)
{
        enum { OPT_ACTIVATION = 256, OPT_QR };
        static const struct option options[] = {
            {"activation", required_argument, NULL, OPT_ACTIVATION},
            {"qr", required_argument, NULL, OPT_QR},
            {NULL, 0, NULL, 0},
        };
        const char *activation = NULL, *qr = NULL, *text;
        struct ak_vault *vault = NULL;
        char *owned = NULL;
        size_t index;
        int opt, rc;

        if (cli_help(argc, argv, verify_work_help))
                return CLI_EXIT_OK;
        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                if (opt == OPT_ACTIVATION)
                        activation = optarg;
                else if (opt == OPT_QR)
                        qr = optarg;
                else
                        return cli_option_error("verify", opt, argv);
        }
        if (optind + 1 != argc)
                return cli_usage_error("verify", "give one QUERY (the work account)");
        if ((activation != NULL) == (qr != NULL))
                return cli_usage_error("verify", "give one of --activation URI|- or --qr IMAGE");
#ifndef AUTHKEEP_IMAGES
        if (qr != NULL)
                return cli_run_tool("authkeep-import", argc, argv);
#endif
        if (activation != NULL && (rc = activation_text("verify", activation, &owned, &text)) != 0)
                return rc;
        vault = cli_open_vault();
        if (vault == NULL) {
                rc = CLI_EXIT_FAIL;
                goto done;
        }
        if ((rc = cli_find_account(vault, argv[optind], &index)) != 0)
                goto done;
        {
                struct ak_account entry;

                ak_account_init(&entry);
                if (ak_account_copy(&entry, &ak_vault_accounts(vault)->items[index]) != AK_OK) {
                        rc = cli_fail(AK_ERR_NOMEM, "verify");
                } else if (entry.kind != AK_KIND_WORK) {
                        rc = cli_error("verify: %s is not a work or school account; "
                                       "--activation and --qr are for those",
                                       entry.name != NULL ? entry.name : argv[optind]);
                } else if (qr != NULL) {
#ifdef AUTHKEEP_IMAGES
                        int found = qr_activation(qr, &owned);

                        rc = found < 0    ? -found
                             : found == 0 ? cli_error("verify: %s holds no authkeep-activate:// "
                                                      "QR code",
                                                      qr)
                                          : enrol(vault, owned, "verify", &entry);
#endif
                } else {
                        rc = enrol(vault, text, "verify", &entry);
                }
                ak_account_clear(&entry);
        }
done:
        ak_vault_free(vault);
        cli_free_secret(owned);
        return rc;
}
