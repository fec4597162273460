/*
 * The accounts: `authkeep list | code` (add is in cli/cmd_add.c; remove,
 * move and rename are in cli/cmd_manage.c).
 * Every command that changes the vault checks its input completely before
 * it opens the vault, and saves through cli_save_vault() (which also backs
 * the change up), so bad input never changes stored data.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "cli.h"

/* ---------------------------------------------------------------- shared */

static const char *kind_name(enum ak_account_kind kind)
{
        switch (kind) {
        case AK_KIND_PERSONAL:
                return "personal";
        case AK_KIND_WORK:
                return "work";
        default:
                return "third-party";
        }
}

/* A JSON string of `text`; bytes that are not UTF-8 become '?'. NULL when out of memory. */
static json_t *json_text(const char *text)
{
        json_t *value = json_string(text);
        char *copy;

        if (value != NULL)
                return value;
        copy = strdup(text);
        if (copy == NULL)
                return NULL;
        for (char *p = copy; *p != '\0'; p++)
                if ((unsigned char)*p >= 0x80)
                        *p = '?';
        value = json_string(copy);
        free(copy);
        return value;
}

/*
 * A JSON object describing `acct` at 1-based `position` (never its secret):
 * position, id, issuer, account, type, kind, algorithm, digits, and period
 * (TOTP, Steam) or counter (HOTP, the next one). NULL when out of memory.
 */
static json_t *account_json(const struct ak_account *acct, size_t position, bool verified)
{
        json_t *obj = json_object();
        int bad = obj == NULL;

        if (bad)
                return NULL;
        bad |= json_object_set_new(obj, "position", json_integer((json_int_t)position));
        bad |= json_object_set_new(obj, "id", json_text(acct->id));
        bad |= json_object_set_new(obj, "issuer", json_text(acct->issuer ? acct->issuer : ""));
        bad |= json_object_set_new(obj, "account", json_text(acct->name ? acct->name : ""));
        bad |= json_object_set_new(obj, "type", json_string(ak_otp_type_name(acct->type)));
        bad |= json_object_set_new(obj, "kind", json_string(kind_name(acct->kind)));
        if (acct->kind != AK_KIND_THIRD_PARTY)
                bad |= json_object_set_new(obj, "verification",
                                           json_string(verified ? "verified" : "needed"));
        bad |= json_object_set_new(obj, "algorithm", json_string(ak_hash_name(acct->hash)));
        bad |= json_object_set_new(obj, "digits", json_integer(acct->digits));
        if (acct->type == AK_OTP_HOTP)
                bad |= json_object_set_new(obj, "counter", json_integer((json_int_t)acct->counter));
        else
                bad |= json_object_set_new(obj, "period", json_integer(acct->period));
        if (bad) {
                json_decref(obj);
                return NULL;
        }
        return obj;
}

/* Prints a JSON array on standard output; takes `array`'s reference. */
static int print_json(json_t *array)
{
        int rc = CLI_EXIT_OK;

        if (array == NULL || json_dumpf(array, stdout, JSON_INDENT(2)) != 0)
                rc = cli_fail(AK_ERR_NOMEM, "writing JSON");
        else
                cli_printf("\n");
        json_decref(array);
        return rc;
}

/* ------------------------------------------------------------------ list */

static const char list_help[] =
    "usage: authkeep list [--json]\n"
    "\n"
    "Lists the accounts in their order: position, issuer, account name, type,\n"
    "algorithm, digits, period (TOTP) or next counter (HOTP), and id. Never a\n"
    "secret.\n"
    "\n"
    "  --json   one JSON array of objects: position, id, issuer, account, type\n"
    "           (totp, hotp, steam), kind, algorithm, digits, and period or counter\n";

/* Parses the options of list and code: --json, and --at/--quiet for code. */
struct view_args {
        bool json, quiet, copy;
        const char *at;
        const char *query;
};

static int parse_view_args(struct view_args *v, const char *cmd, int argc, char **argv, bool code)
{
        static const struct option code_options[] = {
            {"json", no_argument, NULL, 'j'},
            {"at", required_argument, NULL, 't'},
            {"quiet", no_argument, NULL, 'q'},
            {"copy", no_argument, NULL, 'c'},
            {NULL, 0, NULL, 0},
        };
        static const struct option list_options[] = {
            {"json", no_argument, NULL, 'j'},
            {NULL, 0, NULL, 0},
        };
        int opt;

        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, code ? ":q" : ":", code ? code_options : list_options,
                                  NULL)) != -1) {
                switch (opt) {
                case 'j':
                        v->json = true;
                        break;
                case 't':
                        v->at = optarg;
                        break;
                case 'q':
                        v->quiet = true;
                        break;
                case 'c':
                        v->copy = true;
                        break;
                default:
                        return cli_option_error(cmd, opt, argv);
                }
        }
        if (code && optind < argc)
                v->query = argv[optind++];
        if (optind < argc)
                return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
        return 0;
}

int cmd_list(int argc, char **argv)
{
        struct view_args v = {0};
        struct ak_vault *vault;
        struct ak_account_list *list;
        int rc;

        if (cli_help(argc, argv, list_help))
                return CLI_EXIT_OK;
        rc = parse_view_args(&v, "list", argc, argv, false);
        if (rc != 0)
                return rc;
        vault = cli_open_vault();
        if (vault == NULL)
                return CLI_EXIT_FAIL;
        list = ak_vault_accounts(vault);
        if (v.json) {
                json_t *array = json_array();

                for (size_t i = 0; array != NULL && i < list->count; i++)
                        if (json_array_append_new(
                                array, account_json(&list->items[i], i + 1,
                                                    ak_device_entry_verified(vault, i))) != 0) {
                                json_decref(array);
                                array = NULL;
                        }
                rc = print_json(array);
        } else if (list->count == 0) {
                cli_printf(
                    "No accounts yet: add one with 'authkeep add' (see 'authkeep add --help').\n");
        } else {
                struct cli_table *t = cli_table_new(8);

                rc = t == NULL || cli_table_add(t, "#", "ISSUER", "ACCOUNT", "TYPE", "ALGORITHM",
                                                "DIGITS", "PERIOD/COUNTER", "ID") != AK_OK;
                for (size_t i = 0; rc == 0 && i < list->count; i++) {
                        const struct ak_account *acct = &list->items[i];
                        char pos[24], digits[8], step[32];

                        snprintf(pos, sizeof(pos), "%zu", i + 1);
                        snprintf(digits, sizeof(digits), "%u", acct->digits);
                        if (acct->type == AK_OTP_HOTP)
                                snprintf(step, sizeof(step), "counter %llu",
                                         (unsigned long long)acct->counter);
                        else
                                snprintf(step, sizeof(step), "%us", (unsigned)acct->period);
                        rc = cli_table_add(t, pos, acct->issuer, acct->name,
                                           ak_otp_type_name(acct->type), ak_hash_name(acct->hash),
                                           digits, step, acct->id) != AK_OK;
                }
                if (rc == 0)
                        cli_table_print(t, stdout);
                else
                        rc = cli_fail(AK_ERR_NOMEM, "list");
                cli_table_free(t);
                for (size_t i = 0; rc == 0 && i < list->count; i++)
                        if (!ak_device_entry_verified(vault, i))
                                cli_printf("%s (%s) needs verification on this device: run "
                                           "'authkeep verify %s'.\n",
                                           list->items[i].name, list->items[i].issuer,
                                           list->items[i].id);
        }
        ak_vault_free(vault);
        return rc;
}

/* ------------------------------------------------------------------ code */

static const char code_help[] =
    "usage: authkeep code [QUERY] [--at UNIX_SECONDS] [--json] [--quiet]\n"
    "       authkeep code QUERY --copy [--quiet]\n"
    "\n"
    "Shows current codes and the seconds each has left.\n"
    "\n"
    "Without QUERY: the code of every TOTP and Steam account. HOTP accounts are\n"
    "listed without a code, since showing one uses it up: ask for it by QUERY.\n"
    "\n"
    "With QUERY (an id, Issuer:account, or a unique part of the name, any case):\n"
    "that account's code. For an HOTP account this uses the code: its counter\n"
    "advances and is saved, so the next call shows the next code.\n"
    "\n"
    "  --at T     the codes at unix time T instead of now (TOTP and Steam)\n"
    "  --json     one JSON array of objects: id, issuer, account, type, code,\n"
    "             remaining (seconds; null for HOTP), period or counter (for\n"
    "             HOTP: the counter of the code shown), position, kind,\n"
    "             algorithm, digits; code is null for HOTP without QUERY\n"
    "  --quiet    with QUERY: print only the code (with --copy: nothing)\n"
    "  --copy     with QUERY: copy the code to the clipboard instead of printing\n"
    "             it, with wl-copy (Wayland), xclip or xsel (X), else through the\n"
    "             terminal (OSC 52, over SSH too); the clipboard is cleared when\n"
    "             the code expires if it still holds it\n";

/* Adds the code row of `acct` to the table and/or JSON array; `code` NULL when not shown. */
static int add_code_row(struct cli_table *t, json_t *array, const struct ak_account *acct,
                        bool verified, size_t position, const char *code, long long now,
                        uint64_t counter)
{
        char left[48];
        json_t *obj;

        if (array != NULL) {
                obj = account_json(acct, position, verified);
                if (obj == NULL)
                        return CLI_EXIT_FAIL;
                json_object_set_new(obj, "code", code ? json_string(code) : json_null());
                if (acct->type == AK_OTP_HOTP) {
                        json_object_set_new(obj, "remaining", json_null());
                        if (code != NULL)
                                json_object_set_new(obj, "counter",
                                                    json_integer((json_int_t)counter));
                } else {
                        json_object_set_new(obj, "remaining",
                                            json_integer(ak_totp_remaining(now, acct->period)));
                }
                return json_array_append_new(array, obj) != 0;
        }
        if (acct->type == AK_OTP_HOTP && code != NULL)
                snprintf(left, sizeof(left), "counter %llu", (unsigned long long)counter);
        else if (acct->type == AK_OTP_HOTP)
                snprintf(left, sizeof(left), "HOTP: ask by name");
        else if (!verified)
                snprintf(left, sizeof(left), "verification needed");
        else
                snprintf(left, sizeof(left), "%us left",
                         (unsigned)ak_totp_remaining(now, acct->period));
        return cli_table_add(t, acct->issuer, acct->name, code ? code : "-", left) != AK_OK;
}

/* The code of one account: HOTP advances and saves its counter first. */
static int code_one(struct ak_vault *vault, const struct view_args *v, long long now)
{
        struct ak_account_list *list = ak_vault_accounts(vault);
        char code[AK_CODE_MAX + 1];
        struct ak_account *acct;
        struct cli_table *t = NULL;
        json_t *array = NULL;
        uint64_t counter;
        size_t index;
        enum ak_err err;
        int rc;

        rc = cli_find_account(vault, v->query, &index);
        if (rc != 0)
                return rc;
        if (list->items[index].type == AK_OTP_HOTP) {
                /*
                 * The code uses up its counter: taken with the vault held, so
                 * that two commands at once never show the same code.
                 */
                char id[AK_ID_LEN + 1];

                snprintf(id, sizeof(id), "%s", list->items[index].id);
                rc = cli_hold_vault(vault);
                if (rc == 0)
                        rc = cli_find_account(vault, id, &index);
                if (rc != 0)
                        return rc;
        }
        acct = &list->items[index];
        counter = acct->counter;
        if (acct->kind != AK_KIND_THIRD_PARTY && acct->secret_len == 0)
                return cli_error("code: %s has no code on this device yet: it is not registered "
                                 "(run 'authkeep backup on' again)",
                                 v->query);
        if (!ak_device_entry_verified(vault, index))
                return cli_error("code: %s needs verification on this device first ('authkeep "
                                 "verify %s')",
                                 v->query, v->query);
        if (acct->type == AK_OTP_HOTP && v->at != NULL)
                return cli_error("code: --at is for TOTP and Steam accounts; %s is HOTP, whose "
                                 "codes follow a counter, not the time; nothing was changed",
                                 v->query);
        err = ak_account_code(code, acct, now);
        if (err != AK_OK)
                return cli_fail(err, "code");
        if (acct->type == AK_OTP_HOTP) {
                if (acct->counter == UINT64_MAX) {
                        sodium_memzero(code, sizeof(code));
                        return cli_error("code: the HOTP counter is at its largest value");
                }
                acct->counter++;
                rc = cli_save_vault(vault);
                if (rc != 0) {
                        sodium_memzero(code, sizeof(code));
                        return rc;
                }
        }
        if (v->copy) {
                char said[256];
                unsigned seconds = acct->type == AK_OTP_HOTP
                                       ? CLI_COPY_HOTP_SECONDS
                                       : (unsigned)ak_totp_remaining(now, acct->period);

                rc = cli_copy_code(code, seconds, said, sizeof(said));
                sodium_memzero(code, sizeof(code));
                if (rc != 0)
                        return cli_error("%s", said);
                if (!v->quiet)
                        cli_printf("%s: %s.\n", v->query, said);
                return rc;
        }
        if (v->quiet && !v->json) {
                cli_printf("%s\n", code);
                sodium_memzero(code, sizeof(code));
                return 0;
        }
        if (v->json)
                array = json_array();
        else
                t = cli_table_new(4);
        if ((array == NULL && t == NULL) ||
            add_code_row(t, array, acct, true, index + 1, code, now, counter) != 0)
                rc = cli_fail(AK_ERR_NOMEM, "code");
        else if (array != NULL)
                rc = print_json(json_incref(array));
        else
                cli_table_print(t, stdout);
        sodium_memzero(code, sizeof(code));
        json_decref(array);
        cli_table_free(t);
        return rc;
}

/* Every TOTP and Steam code; HOTP and accounts awaiting verification without one. */
static int code_all(struct ak_vault *vault, const struct view_args *v, long long now)
{
        struct ak_account_list *list = ak_vault_accounts(vault);
        struct cli_table *t = NULL;
        json_t *array = NULL;
        bool any_hotp = false;
        int rc = 0;

        if (v->json)
                array = json_array();
        else if (list->count == 0) {
                cli_printf(
                    "No accounts yet: add one with 'authkeep add' (see 'authkeep add --help').\n");
                return 0;
        } else {
                t = cli_table_new(4);
                if (t != NULL && cli_table_add(t, "ISSUER", "ACCOUNT", "CODE", "LEFT") != AK_OK)
                        rc = 1;
        }
        if (array == NULL && t == NULL)
                rc = 1;
        for (size_t i = 0; rc == 0 && i < list->count; i++) {
                const struct ak_account *acct = &list->items[i];
                char code[AK_CODE_MAX + 1];
                bool shown = false;

                if (acct->type == AK_OTP_HOTP)
                        any_hotp = true;
                else if (ak_device_entry_verified(vault, i) &&
                         ak_account_code(code, acct, now) == AK_OK)
                        shown = true;
                rc = add_code_row(t, array, acct, ak_device_entry_verified(vault, i), i + 1,
                                  shown ? code : NULL, now, acct->counter);
                sodium_memzero(code, sizeof(code));
        }
        if (rc != 0) {
                rc = cli_fail(AK_ERR_NOMEM, "code");
                json_decref(array);
        } else if (array != NULL) {
                rc = print_json(array);
        } else {
                cli_table_print(t, stdout);
                if (any_hotp)
                        cli_printf(
                            "HOTP codes are shown one at a time: 'authkeep code QUERY' (this "
                            "advances the counter).\n");
        }
        cli_table_free(t);
        return rc;
}

int cmd_code(int argc, char **argv)
{
        struct view_args v = {0};
        unsigned long long at;
        long long now;
        struct ak_vault *vault;
        int rc;

        if (cli_help(argc, argv, code_help))
                return CLI_EXIT_OK;
        rc = parse_view_args(&v, "code", argc, argv, true);
        if (rc != 0)
                return rc;
        if (v.quiet && v.query == NULL)
                return cli_usage_error("code", "--quiet needs a QUERY (one account)");
        if (v.copy && (v.query == NULL || v.json))
                return cli_usage_error("code",
                                       "--copy needs a QUERY (one account), without --json");
        now = cli_now();
        if (v.at != NULL) {
                if (!cli_parse_uint(v.at, INT64_MAX, &at))
                        return cli_usage_error("code", "--at: '%s' is not unix seconds (0 or more)",
                                               v.at);
                now = (long long)at;
        }
        vault = cli_open_vault();
        if (vault == NULL)
                return CLI_EXIT_FAIL;
        rc = v.query != NULL ? code_one(vault, &v, now) : code_all(vault, &v, now);
        ak_vault_free(vault);
        return rc;
}
