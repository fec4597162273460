/*
 * Recovery on a device (SPEC §1.3): `authkeep recover`. The engine
 * (authkeep/sync.h) signs in, downloads and classifies the backup against
 * this device's accounts; this file reads options and secrets, and says
 * what is new, identical or conflicting. Nothing on the device changes
 * until every check has passed, and recovery never replaces an account:
 * with --merge, the backup's version of a conflicting one is added beside
 * it under a distinguishing name, as import does.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backup_words.h"

static const char recover_help[] =
    "usage: authkeep recover --server URL --email EMAIL [--dry-run] [--merge]\n"
    "                        [--version N] [--recovery-code -] [--insecure]\n"
    "                        [--device-name NAME]\n"
    "\n"
    "Restores a backup onto this device: signs in to the recovery account (password\n"
    "from AUTHKEEP_PASSWORD or a prompt), downloads and decrypts the backup, and adds\n"
    "every account in the same order, with the same codes. Creates the vault when\n"
    "this device has none (passphrase from AUTHKEEP_PASSPHRASE or a prompt). Backup is\n"
    "then on for this device.\n"
    "\n"
    "Recovery never overwrites: if an account of the backup already exists here,\n"
    "nothing changes and the accounts in the way are listed.\n"
    "\n"
    "  --dry-run          show each account as new, identical or conflicting; change nothing\n"
    "  --merge            add the missing accounts, and the backup's version of a\n"
    "                     conflicting one as 'NAME (imported)'; replace nothing\n"
    "  --version N        restore version N instead of the latest; it changes only this\n"
    "                     device ('authkeep backup now --force' then makes it the latest)\n"
    "  --recovery-code -  sign in with the recovery code (read from standard input)\n"
    "                     instead of the forgotten password, then set a new password\n"
    "                     (AUTHKEEP_PASSWORD, or the next line of input, or a prompt)\n"
    "  --insecure         allow plain http:// to a host that is not loopback\n"
    "  --device-name NAME how other devices name this one (default: the name it has,\n"
    "                     else AUTHKEEP_DEVICE_NAME or the host name)\n";

struct recover_opts {
        struct backup_server_opts server;
        bool dry_run, merge, with_code;
        unsigned long long version;
};

/* Parses recover's options; returns -1 to go on, else the exit status. */
static int recover_options(int argc, char **argv, struct recover_opts *o)
{
        static const struct option options[] = {
            {"server", required_argument, NULL, 's'},
            {"email", required_argument, NULL, 'e'},
            {"dry-run", no_argument, NULL, 'd'},
            {"merge", no_argument, NULL, 'm'},
            {"version", required_argument, NULL, 'v'},
            {"recovery-code", required_argument, NULL, 'r'},
            {"insecure", no_argument, NULL, 'k'},
            {"device-name", required_argument, NULL, 'n'},
            {NULL, 0, NULL, 0},
        };
        int opt, rc;

        memset(o, 0, sizeof(*o));
        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                switch (opt) {
                case 's':
                        o->server.server = optarg;
                        break;
                case 'e':
                        o->server.email = optarg;
                        break;
                case 'd':
                        o->dry_run = true;
                        break;
                case 'm':
                        o->merge = true;
                        break;
                case 'k':
                        o->server.insecure = true;
                        break;
                case 'n':
                        o->server.device_name = optarg;
                        break;
                case 'v':
                        if (!cli_parse_uint(optarg, (1ULL << 53), &o->version) || o->version == 0)
                                return cli_usage_error(
                                    "recover", "--version: '%s' is not a version number", optarg);
                        break;
                case 'r':
                        if (strcmp(optarg, "-") != 0)
                                return cli_usage_error(
                                    "recover",
                                    "--recovery-code: give '-' and type the code on standard input "
                                    "(a "
                                    "code on the command line is visible to other users)");
                        o->with_code = true;
                        break;
                default:
                        return cli_option_error("recover", opt, argv);
                }
        }
        if (optind < argc)
                return cli_usage_error("recover", "unexpected argument '%s'", argv[optind]);
        rc = backup_check_server_opts("recover", &o->server);
        return rc == CLI_EXIT_OK ? -1 : rc;
}

/* The backup's name of an entry: its name before classify renamed a conflicting one. */
static char *entry_label(const struct ak_import_entry *e)
{
        struct ak_account shown = e->account;

        if (e->original_name != NULL)
                shown.name = e->original_name;
        return ak_account_label(&shown);
}

/* Prints each account of the backup as new, identical or conflicting. */
static void print_plan(const struct ak_import *accounts)
{
        struct cli_table *table = cli_table_new(3);

        if (table == NULL)
                return;
        cli_table_add(table, "", "ACCOUNT", "TYPE");
        for (size_t i = 0; i < accounts->count; i++) {
                char *label = entry_label(&accounts->entries[i]);

                /* A personal or work entry is a reference: this device gets its own code. */
                enum ak_account_kind kind = accounts->entries[i].account.kind;
                cli_table_add(
                    table,
                    kind == AK_KIND_PERSONAL ? "personal"
                    : kind == AK_KIND_WORK   ? "work"
                                             : ak_import_status_name(accounts->entries[i].status),
                    label ? label : "?", ak_otp_type_name(accounts->entries[i].account.type));
                free(label);
        }
        cli_table_print(table, stdout);
        cli_table_free(table);
}

/*
 * "A:x, B:y" of the accounts with status `which`, by the backup's names, or
 * (`as_added`) by the names they are added under; malloc'd.
 */
static char *labels_of(const struct ak_import *accounts, enum ak_import_status which, bool as_added)
{
        size_t cap = 1, len = 0;
        char *out;

        for (size_t i = 0; i < accounts->count; i++)
                if (accounts->entries[i].status == which)
                        cap += strlen(accounts->entries[i].account.issuer) +
                               strlen(accounts->entries[i].account.name) + 4;
        out = calloc(1, cap);
        if (out == NULL)
                return NULL;
        for (size_t i = 0; i < accounts->count; i++) {
                const struct ak_import_entry *e = &accounts->entries[i];
                char *label;

                if (e->status != which ||
                    (label = as_added ? ak_account_label(&e->account) : entry_label(e)) == NULL)
                        continue;
                len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? ", " : "", label);
                free(label);
        }
        return out;
}

/* Reads the password, or the recovery code from standard input; prints the error itself. */
static int read_secret(char **out, const struct recover_opts *o)
{
        enum ak_err err;

        if (o->with_code) {
                err = cli_read_stdin_line(out);
                if (err != AK_OK)
                        return cli_fail(err,
                                        "recover: reading the recovery code from standard input");
                return CLI_EXIT_OK;
        }
        err = backup_read_password(out, o->server.email, false, false);
        if (err != AK_OK)
                return cli_secret_error(err, "reading the password", "AUTHKEEP_PASSWORD");
        if (**out == '\0') {
                cli_free_secret(*out);
                *out = NULL;
                return cli_error("recover: the password is empty");
        }
        return CLI_EXIT_OK;
}

/* Says why no plan could be made; returns CLI_EXIT_FAIL. */
static int plan_failed(enum ak_err err, const struct recover_opts *o,
                       const struct ak_recovery_failure *why)
{
        const struct ak_backup_info *deleted = &why->deleted;

        char dev[300], t1[40];

        switch (err) {
        case AK_ERR_BACKUP_DELETED:
                ak_sync_device_label(dev, sizeof(dev), deleted->device_id, deleted->device_name);
                return cli_error("recover: the backup of %s was deleted on the server by %s at %s; "
                                 "nothing to recover",
                                 o->server.email, dev,
                                 cli_time(deleted->created_at, t1, sizeof(t1)));
        case AK_ERR_NO_BACKUP:
                return cli_error("recover: %s holds no backup yet; nothing to recover",
                                 o->server.email);
        case AK_ERR_NOT_FOUND:
                return cli_error("recover: there is no version %llu of the backup on the server "
                                 "(the latest is %" PRIu64 "; the server keeps the last few)",
                                 o->version, why->latest);
        case AK_ERR_FORMAT:
        case AK_ERR_LIMIT:
        case AK_ERR_UNSUPPORTED:
                return cli_error("recover: the backup's content cannot be read (%s%s%s); nothing "
                                 "was changed on this device",
                                 ak_strerror(err), *ak_error_detail() ? ": " : "",
                                 ak_error_detail());
        default:
                return backup_report(err, "recover", o->server.email, why->retry_after,
                                     "; nothing was changed on this device");
        }
}

/* Refuses a recovery that would meet accounts already here (without --merge). */
static int refuse_in_the_way(const struct ak_recovery_plan *plan)
{
        size_t same_n = plan->counts.identical, diff_n = plan->counts.conflicts;
        char *same = labels_of(&plan->accounts, AK_IMPORT_IDENTICAL, false),
             *diff = labels_of(&plan->accounts, AK_IMPORT_CONFLICT, false);

        cli_error("recover: %zu account%s of the backup already exist%s on this device "
                  "(%s%s%s%s%s); nothing was changed ('--merge' adds only the missing ones, "
                  "'--dry-run' compares)",
                  same_n + diff_n, same_n + diff_n == 1 ? "" : "s", same_n + diff_n == 1 ? "s" : "",
                  diff_n ? "different here: " : "", diff_n && diff ? diff : "",
                  diff_n && same_n ? "; " : "", same_n ? "the same: " : "",
                  same_n && same ? same : "");
        free(same);
        free(diff);
        return CLI_EXIT_FAIL;
}

/*
 * After signing in with the recovery code: sets the new password
 * (AUTHKEEP_PASSWORD, the next line of input, or a prompt) and shows a new
 * recovery code, since the used one is spent. Prints errors itself.
 */
static int recover_new_password(struct ak_recovery_plan *plan, const char *email)
{
        char *password = NULL, *new_code = NULL;
        enum ak_err err;
        int rc = CLI_EXIT_FAIL;

        err = backup_read_password(&password, email, true, true);
        if (err != AK_OK) {
                cli_secret_error(err, "recover: reading the new password", "AUTHKEEP_PASSWORD");
                goto done;
        }
        if (strlen(password) < 8) {
                cli_error("recover: the new password is too short (at least 8 characters); nothing "
                          "was changed");
                goto done;
        }
        err = ak_recovery_plan_set_password(plan, password, strlen(password), &new_code);
        if (err != AK_OK) {
                backup_report(err, "recover: setting the new password", email,
                              ak_recovery_plan_retry_after(plan),
                              "; nothing was changed on this device");
                goto done;
        }
        cli_printf("Set a new password for %s; the recovery code that was used no longer works.\n",
                   email);
        backup_show_recovery_code(new_code);
        rc = CLI_EXIT_OK;
done:
        cli_free_secret(new_code);
        cli_free_secret(password);
        return rc;
}

/* Says what the recovery did. */
static void print_done(struct ak_vault *vault, struct ak_sync *sync,
                       const struct ak_recovery_plan *plan, const struct recover_opts *o,
                       enum ak_err sent)
{
        struct ak_sync_status st;
        struct backup_view v;
        char dev[300], t1[40], *list;

        ak_sync_device_label(dev, sizeof(dev), plan->info.device_id, plan->info.device_name);
        if (o->merge)
                cli_printf("Added %zu missing account%s from backup version %" PRIu64
                           " (made by device %s at %s); %zu identical left as they are on this "
                           "device.\n",
                           plan->counts.added, plan->counts.added == 1 ? "" : "s",
                           plan->info.version, dev, cli_time(plan->info.created_at, t1, sizeof(t1)),
                           plan->counts.identical);
        else
                cli_printf("Recovered %zu account%s from backup version %" PRIu64
                           " (made by device %s at %s).\n",
                           plan->counts.added, plan->counts.added == 1 ? "" : "s",
                           plan->info.version, dev,
                           cli_time(plan->info.created_at, t1, sizeof(t1)));
        if (plan->counts.conflicts > 0 &&
            (list = labels_of(&plan->accounts, AK_IMPORT_CONFLICT, true)) != NULL) {
                cli_printf("Kept both versions of %zu conflicting account%s: this device's as it "
                           "was, the backup's as %s\n",
                           plan->counts.conflicts, plan->counts.conflicts == 1 ? "" : "s", list);
                free(list);
        }
        if (plan->old_session != AK_OK) {
                fflush(stdout);
                cli_eprintf("authkeep: note: the session this device had could not be revoked "
                            "(%s%s%s); it ends at its expiry\n",
                            ak_strerror(plan->old_session), *ak_error_detail() ? ": " : "",
                            ak_error_detail());
        }
        ak_sync_status(sync, &st);
        ak_sync_device_label(dev, sizeof(dev), ak_vault_device_id(vault), st.device_name);
        if (st.state == AK_SYNC_NEWER_ELSEWHERE) {
                backup_describe(&st, &v);
                cli_printf("Backup is on for this device, %s; only this device changed: %s. "
                           "'authkeep backup now --force' makes this device's accounts the "
                           "latest.\n",
                           dev, v.headline);
        } else if (sent == AK_OK) {
                cli_printf("Backup is on for this device, %s, to %s.\n", dev, o->server.email);
        } else {
                backup_describe(&st, &v);
                cli_printf("Backup is on for this device, %s; not backed up yet: %s.\n", dev,
                           v.headline);
        }
}

/* Opens this device's vault when it has one and checks backup does not go elsewhere. */
static int open_device(struct ak_vault **vault, const struct recover_opts *o)
{
        char vault_id[AK_DEVICE_ID_LEN + 1];
        struct ak_sync *sync;
        struct ak_sync_status st;
        enum ak_err err;
        int rc = CLI_EXIT_OK;

        *vault = NULL;
        err = ak_vault_peek_id(vault_id, cli_vault_path());
        if (err == AK_ERR_VAULT_MISSING || err == AK_ERR_NOT_FOUND)
                return CLI_EXIT_OK;
        *vault = cli_open_vault();
        if (*vault == NULL || (sync = backup_engine(*vault, false)) == NULL)
                return CLI_EXIT_FAIL;
        ak_sync_status(sync, &st);
        if (st.state != AK_SYNC_OFF && !o->dry_run &&
            (strcmp(st.server, o->server.server) != 0 ||
             strcasecmp(st.email, o->server.email) != 0)) {
                cli_error("recover: backup on this device goes to %s at %s: run 'authkeep "
                          "backup off' first; nothing was changed",
                          st.email, st.server);
                rc = CLI_EXIT_FAIL;
        }
        ak_sync_free(sync);
        return rc;
}

int cmd_recover(int argc, char **argv)
{
        struct recover_opts o;
        struct ak_vault *vault = NULL;
        struct ak_sync *sync = NULL;
        struct ak_sync_options options;
        struct ak_recovery_plan *plan = NULL;
        struct ak_recovery_failure why;
        struct ak_sync_status st;
        char *secret = NULL, dev[300], t1[40], name[256];
        const char *device_name = NULL; /* NULL: the name this device has */
        enum ak_err err, sent = AK_OK;
        int rc;

        if (cli_help(argc, argv, recover_help))
                return CLI_EXIT_OK;
        if ((rc = recover_options(argc, argv, &o)) >= 0)
                return rc;
        rc = CLI_EXIT_FAIL;

        /* Everything that can fail happens before this device's vault is touched. */
        if (open_device(&vault, &o) != CLI_EXIT_OK)
                goto done;
        if (read_secret(&secret, &o) != CLI_EXIT_OK)
                goto done;
        backup_options(&options, false);
        err = ak_recovery_plan_new(&plan, &options, o.server.server, o.server.insecure,
                                   o.server.email, secret, strlen(secret), o.with_code, o.version,
                                   vault ? ak_vault_accounts(vault) : NULL, &why);
        cli_free_secret(secret);
        secret = NULL;
        if (err != AK_OK) {
                plan_failed(err, &o, &why);
                goto done;
        }
        if (o.dry_run) {
                ak_sync_device_label(dev, sizeof(dev), plan->info.device_id,
                                     plan->info.device_name);
                cli_printf("Backup version %" PRIu64
                           " of %s, made by device %s at %s: %zu account%s\n",
                           plan->info.version, o.server.email, dev,
                           cli_time(plan->info.created_at, t1, sizeof(t1)), plan->carried,
                           plan->carried == 1 ? "" : "s");
                print_plan(&plan->accounts);
                cli_printf(
                    "%zu new, %zu identical, %zu conflicting. Dry run: nothing was changed.\n",
                    plan->counts.added, plan->counts.identical, plan->counts.conflicts);
                rc = CLI_EXIT_OK;
                goto done;
        }
        if (plan->counts.identical + plan->counts.conflicts > 0 && !o.merge) {
                refuse_in_the_way(plan);
                goto done;
        }

        /* A server that lost versions this device saw would take it back with it. */
        if (vault != NULL && (sync = backup_engine(vault, false)) == NULL)
                goto done;
        if (sync != NULL && ak_recovery_plan_check(plan, sync, &why) != AK_OK) {
                cli_error("recover: the server's backup (version %" PRIu64
                          ") is older than this device's (%" PRIu64
                          "): the server lost versions; nothing was changed ('authkeep recover "
                          "--dry-run' shows what it holds; 'authkeep backup now --force' uploads "
                          "this device's accounts again)",
                          why.latest, why.known);
                goto done;
        }

        /* Change the server's password (recovery code) first, then this device. */
        if (o.with_code && recover_new_password(plan, o.server.email) != CLI_EXIT_OK)
                goto done;
        if (vault == NULL && (vault = cli_create_vault("recover")) == NULL)
                goto done;
        if (sync == NULL && (sync = backup_engine(vault, false)) == NULL)
                goto done;
        /* The name given, else the one backup has here already, else the default. */
        ak_sync_status(sync, &st);
        if (o.server.device_name != NULL) {
                device_name = o.server.device_name;
        } else if (st.state == AK_SYNC_OFF || *st.device_name == '\0') {
                backup_default_device_name(name, sizeof(name));
                device_name = name;
        }
        err = ak_recovery_plan_apply(plan, sync, device_name, &sent);
        if (err != AK_OK) {
                cli_fail(err, "recover: adding the accounts");
                goto done;
        }
        if (backup_save(vault, AK_OK) != CLI_EXIT_OK)
                goto done;
        print_done(vault, sync, plan, &o, sent);
        backup_say_registration(sync, "recover");
        rc = CLI_EXIT_OK;
done:
        cli_free_secret(secret);
        ak_recovery_plan_free(plan);
        ak_sync_free(sync);
        ak_vault_free(vault);
        return rc;
}
