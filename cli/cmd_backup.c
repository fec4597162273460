/*
 * Cloud backup on the device (SPEC §1.2, §1.7): `authkeep backup
 * on|off|now|status|delete|password`. The engine (authkeep/sync.h) holds
 * the rules and the state; this file reads options and passwords and says
 * what happened (the sentences of the states are in backup_words.c).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "authkeep/client.h"
#include "backup_words.h"

static const char on_help[] =
    "usage: authkeep backup on --server URL --email EMAIL [--create] [--insecure]\n"
    "                          [--device-name NAME]\n"
    "\n"
    "Turns on end-to-end-encrypted cloud backup of this device's accounts to the\n"
    "recovery account EMAIL on an authkeepd server. With --create the recovery\n"
    "account is made: the password is asked twice (or taken from AUTHKEEP_PASSWORD)\n"
    "and a one-time recovery code is shown once. Without it, signs in to an existing\n"
    "account (also how to sign in again after the session expired).\n"
    "\n"
    "From then on every change to the vault is backed up before the command returns.\n"
    "The password never leaves this device; the server stores only ciphertext.\n"
    "\n"
    "  --server URL        the server (default: AUTHKEEP_SERVER); plain http:// only\n"
    "                      to loopback unless --insecure\n"
    "  --email EMAIL       the recovery account\n"
    "  --create            create the recovery account\n"
    "  --insecure          allow plain http:// to a host that is not loopback\n"
    "  --device-name NAME  how other devices name this one (default: AUTHKEEP_DEVICE_NAME\n"
    "                      or the host name)\n";

static const char off_help[] =
    "usage: authkeep backup off\n"
    "\n"
    "Turns cloud backup off on this device and signs out. The backups already on\n"
    "the server are kept ('authkeep backup delete', while backup is on, removes them).\n";

static const char now_help[] =
    "usage: authkeep backup now [--force]\n"
    "\n"
    "Sends this device's accounts to the server now: what is pending, or again\n"
    "after the backup was deleted on the server. When the session has expired,\n"
    "signs in again (AUTHKEEP_PASSWORD or a prompt).\n"
    "\n"
    "  --force   replace a newer backup (made by another device, or newer than the\n"
    "            version this device restored) with this device's accounts; otherwise\n"
    "            refused: 'authkeep recover --merge' combines them\n";

static const char status_help[] =
    "usage: authkeep backup status [--json] [--offline]\n"
    "\n"
    "Says whether this device's accounts are backed up, and if not, why and what\n"
    "to do: backed up at T; pending since T because ...; sign in again: the session\n"
    "expired; the backup was deleted on the server; a newer backup from device D\n"
    "exists. Asks the server first (and sends a pending change) unless --offline.\n"
    "\n"
    "  --json      one JSON object: state, server, email, device_id, device_name,\n"
    "              version, backed_up_at, pending, pending_since, reason, other,\n"
    "              server_reachable, headline, advice\n"
    "  --offline   report what this device knows without asking the server\n"
    "\n"
    "Exit status: 0 backed up; 3 pending (not sent yet, or the server cannot be\n"
    "reached); 4 an error that trying again alone will not fix; 5 the session\n"
    "expired; 6 the backup was deleted; 7 a newer backup exists; 8 the server's\n"
    "backup is older than this device's; 9 backup is off; 1 the command failed.\n";

/* The exit status of `backup status` for each state (docs/backup.md). */
static int status_exit(const struct ak_sync_status *st)
{
        switch (st->state) {
        case AK_SYNC_BACKED_UP:
                return CLI_EXIT_OK;
        case AK_SYNC_PENDING:
                return st->why == AK_SYNC_LASTING_ERROR ? 4 : 3;
        case AK_SYNC_SESSION_EXPIRED:
                return 5;
        case AK_SYNC_DELETED:
                return 6;
        case AK_SYNC_NEWER_ELSEWHERE:
                return 7;
        case AK_SYNC_SERVER_BEHIND:
                return 8;
        case AK_SYNC_OFF:
        default:
                return 9;
        }
}

static const char delete_help[] =
    "usage: authkeep backup delete [--yes]\n"
    "\n"
    "Deletes every backup version of the recovery account on the server, then turns\n"
    "backup off on this device. Other devices are told the backup was deleted.\n"
    "Asks for confirmation on a terminal; --yes confirms without asking.\n";

static const char password_help[] =
    "usage: authkeep backup password\n"
    "\n"
    "Changes the recovery account's password: asks for the current one (or takes\n"
    "AUTHKEEP_PASSWORD), then the new one twice (or AUTHKEEP_NEW_PASSWORD). The\n"
    "backup key is re-wrapped on this device; backups stay as they are. Other\n"
    "devices sign in again with the new password.\n";

/*
 * Signs in with the password read for `email`; prints the error itself.
 * Returns 0 or CLI_EXIT_FAIL. With `keep` not NULL, *keep is the password
 * read (a secret, for cli_free_secret) when it signed in.
 */
static int sign_in_keeping(struct ak_sync *sync, const char *email, const char *what,
                           const char *after, char **keep)
{
        char *password = NULL;
        enum ak_err err;

        err = backup_read_password(&password, email, false, false);
        if (err != AK_OK)
                return cli_secret_error(err, "reading the password", "AUTHKEEP_PASSWORD");
        if (*password == '\0') {
                cli_free_secret(password);
                return cli_error("%s: the password is empty", what);
        }
        err = ak_sync_sign_in(sync, password, strlen(password));
        if (err == AK_OK && keep != NULL) {
                *keep = password;
                password = NULL;
        }
        cli_free_secret(password);
        if (err != AK_OK)
                return backup_report(err, what, email, ak_sync_retry_after(sync), after);
        return CLI_EXIT_OK;
}

/* Signs in with the password read for `email`; prints the error itself. */
static int sign_in_again(struct ak_sync *sync, const char *email, const char *what,
                         const char *after)
{
        return sign_in_keeping(sync, email, what, after, NULL);
}

/* Reads a new password of at least 8 characters; prints the error itself. */
static int read_new_password(char **out, const char *email, const char *what)
{
        enum ak_err err = backup_read_password(out, email, true, true);

        if (err != AK_OK)
                return cli_secret_error(err, "reading the password", "AUTHKEEP_PASSWORD");
        if (strlen(*out) < 8) {
                cli_free_secret(*out);
                *out = NULL;
                return cli_error("%s: the password is too short (at least 8 characters)", what);
        }
        return CLI_EXIT_OK;
}

/*
 * Creates the recovery account (the password asked twice) and shows the
 * recovery code once. Prints errors itself. *password is kept for the
 * sign-in that follows.
 */
static int create_account(struct ak_sync *sync, const struct backup_server_opts *o, char **password)
{
        char *code = NULL;
        enum ak_err err;

        if (read_new_password(password, o->email, "backup on") != CLI_EXIT_OK)
                return CLI_EXIT_FAIL;
        err = ak_sync_create_account(sync, o->server, o->insecure, o->email, *password,
                                     strlen(*password), &code);
        if (err == AK_ERR_ACCOUNT_EXISTS)
                return cli_error("backup on: a recovery account %s exists on this server already: "
                                 "sign in without --create",
                                 o->email);
        if (err != AK_OK)
                return backup_report(err, "backup on: creating the recovery account", o->email,
                                     ak_sync_retry_after(sync), "");
        cli_printf("Created the recovery account %s on %s.\n", o->email, o->server);
        backup_show_recovery_code(code);
        fflush(stdout);
        cli_free_secret(code);
        return CLI_EXIT_OK;
}

/* Says why `backup on` was refused: another device's backup is there. */
static void refuse_existing(const struct backup_server_opts *o, const struct ak_backup_info *info)
{
        char dev[300], t1[40];

        ak_sync_device_label(dev, sizeof(dev), info->device_id, info->device_name);
        cli_error("backup on: %s holds a backup already (version %" PRIu64
                  " from device %s at %s); turning backup on here would replace it: run "
                  "'authkeep recover --merge --server %s --email %s' to combine it with "
                  "this device's accounts (backup is then on)",
                  o->email, info->version, dev, cli_time(info->created_at, t1, sizeof(t1)),
                  o->server, o->email);
}

/* Parses the options of `backup on`; returns -1 to go on, else the exit status. */
static int on_options(int argc, char **argv, struct backup_server_opts *o, bool *create)
{
        static const struct option options[] = {
            {"server", required_argument, NULL, 's'},
            {"email", required_argument, NULL, 'e'},
            {"create", no_argument, NULL, 'c'},
            {"insecure", no_argument, NULL, 'k'},
            {"device-name", required_argument, NULL, 'n'},
            {NULL, 0, NULL, 0},
        };
        int opt, rc;

        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                switch (opt) {
                case 's':
                        o->server = optarg;
                        break;
                case 'e':
                        o->email = optarg;
                        break;
                case 'c':
                        *create = true;
                        break;
                case 'k':
                        o->insecure = true;
                        break;
                case 'n':
                        o->device_name = optarg;
                        break;
                default:
                        return cli_option_error("backup on", opt, argv);
                }
        }
        if (optind < argc)
                return cli_usage_error("backup on", "unexpected argument '%s'", argv[optind]);
        rc = backup_check_server_opts("backup on", o);
        return rc == CLI_EXIT_OK ? -1 : rc;
}

static int backup_on(int argc, char **argv)
{
        struct backup_server_opts o = {0};
        bool create = false;
        struct ak_vault *vault = NULL;
        struct ak_sync *sync = NULL;
        struct ak_sync_status st;
        struct ak_backup_info other;
        struct backup_view v;
        char *password = NULL, name[256], t1[40];
        enum ak_err err;
        int rc;

        memset(&other, 0, sizeof(other));
        if (cli_help(argc, argv, on_help))
                return CLI_EXIT_OK;
        if ((rc = on_options(argc, argv, &o, &create)) >= 0)
                return rc;
        rc = CLI_EXIT_FAIL;
        vault = cli_open_vault();
        if (vault == NULL || (sync = backup_engine(vault, false)) == NULL)
                goto done;
        ak_sync_status(sync, &st);
        if (st.state != AK_SYNC_OFF &&
            (create || strcmp(st.server, o.server) != 0 || strcasecmp(st.email, o.email) != 0)) {
                cli_error("backup on: backup is on already, to %s at %s: run 'authkeep "
                          "backup off' first",
                          st.email, st.server);
                goto done;
        }
        if (create) {
                if (create_account(sync, &o, &password) != CLI_EXIT_OK)
                        goto done;
        } else {
                err = backup_read_password(&password, o.email, false, false);
                if (err != AK_OK) {
                        cli_secret_error(err, "reading the password", "AUTHKEEP_PASSWORD");
                        goto done;
                }
                if (*password == '\0') {
                        cli_error("backup on: the password is empty");
                        goto done;
                }
        }
        if (o.device_name != NULL)
                snprintf(name, sizeof(name), "%s", o.device_name);
        else
                backup_default_device_name(name, sizeof(name));
        err = ak_sync_enable(sync, o.server, o.insecure, o.email, name, password, strlen(password),
                             &other);
        if (err == AK_ERR_NEWER_BACKUP) {
                refuse_existing(&o, &other);
                goto done;
        }
        if (err != AK_OK) {
                backup_report(err, create ? "backup on: signing in" : "backup on", o.email,
                              ak_sync_retry_after(sync), "");
                goto done;
        }
        if (backup_save(vault, AK_OK) != CLI_EXIT_OK)
                goto done;
        rc = CLI_EXIT_OK;
        backup_say_registration(sync, "backup on");
        ak_sync_status(sync, &st);
        if (st.state == AK_SYNC_BACKED_UP) {
                cli_printf("Backup is on: %zu account%s backed up to %s (version %" PRIu64
                           " at %s).\n",
                           ak_account_list_carried(ak_vault_accounts(vault)),
                           ak_account_list_carried(ak_vault_accounts(vault)) == 1 ? "" : "s",
                           o.email, st.version, cli_time(st.backed_up_at, t1, sizeof(t1)));
        } else {
                backup_describe(&st, &v);
                cli_printf("Backup is on for %s; not backed up yet: %s.\n", o.email, v.headline);
                fflush(stdout);
                cli_eprintf("authkeep: backup on: %s\n", v.advice);
        }
done:
        cli_free_secret(password);
        ak_sync_free(sync);
        ak_vault_free(vault);
        return rc;
}

/* ------------------------------------------------------------------ */
/* authkeep backup off | now | status | delete | password               */

/*
 * Opens the vault and its engine and checks backup is on; prints the error
 * itself and returns CLI_EXIT_FAIL, else 0.
 */
static int open_backed_up(const char *what, struct ak_vault **vault, struct ak_sync **sync,
                          struct ak_sync_status *st, bool show_waiting)
{
        *sync = NULL;
        *vault = cli_open_vault();
        if (*vault == NULL)
                return CLI_EXIT_FAIL;
        *sync = backup_engine(*vault, show_waiting);
        if (*sync != NULL) {
                ak_sync_status(*sync, st);
                if (st->state != AK_SYNC_OFF)
                        return CLI_EXIT_OK;
                cli_error("%s: backup is off on this device: turn it on with 'authkeep backup on "
                          "--server URL --email EMAIL [--create]'",
                          what);
        }
        ak_sync_free(*sync);
        ak_vault_free(*vault);
        *sync = NULL;
        *vault = NULL;
        return CLI_EXIT_FAIL;
}

static int backup_off(int argc, char **argv)
{
        struct ak_vault *vault;
        struct ak_sync *sync;
        struct ak_sync_status st;
        enum ak_err serr;
        int rc = CLI_EXIT_FAIL;

        if (cli_help(argc, argv, off_help))
                return CLI_EXIT_OK;
        if (argc > 1)
                return cli_usage_error("backup off", "unexpected argument '%s'", argv[1]);
        vault = cli_open_vault();
        if (vault == NULL)
                return CLI_EXIT_FAIL;
        sync = backup_engine(vault, false);
        if (sync == NULL)
                goto done;
        ak_sync_status(sync, &st);
        if (st.state == AK_SYNC_OFF) {
                cli_printf("Backup is off already.\n");
                rc = CLI_EXIT_OK;
                goto done;
        }
        serr = ak_sync_disable(sync);
        rc = backup_save(vault, serr);
        if (rc == CLI_EXIT_OK)
                cli_printf("Backup is off on this device. The backups on the server are kept.\n");
done:
        ak_sync_free(sync);
        ak_vault_free(vault);
        return rc;
}

/*
 * Parses `backup NAME [--FLAG]`, where --FLAG is the one entry of `options`,
 * setting *flag; returns -1 to go on, else the exit status (help or a usage
 * error).
 */
static int flag_options(int argc, char **argv, const char *cmd, const char *help,
                        const struct option *options, bool *flag)
{
        int opt;

        if (cli_help(argc, argv, help))
                return CLI_EXIT_OK;
        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                if (opt != options[0].val)
                        return cli_option_error(cmd, opt, argv);
                *flag = true;
        }
        if (optind < argc)
                return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
        return -1;
}

static int backup_now(int argc, char **argv)
{
        static const struct option options[] = {{"force", no_argument, NULL, 'f'},
                                                {NULL, 0, NULL, 0}};
        struct ak_vault *vault = NULL;
        struct ak_sync *sync = NULL;
        struct ak_sync_status st;
        struct backup_view v;
        char email[256], t1[40];
        bool force = false;
        enum ak_err err;
        int rc;

        rc = flag_options(argc, argv, "backup now", now_help, options, &force);
        if (rc != -1)
                return rc;
        rc = CLI_EXIT_FAIL;
        if (open_backed_up("backup now", &vault, &sync, &st, true) != CLI_EXIT_OK)
                return CLI_EXIT_FAIL;
        snprintf(email, sizeof(email), "%s", st.email);
        err = ak_sync_now(sync, force);
        if (err == AK_ERR_SESSION_EXPIRED) {
                if (sign_in_again(sync, email, "backup now", "") != CLI_EXIT_OK) {
                        (void)backup_save(vault, AK_OK);
                        goto done;
                }
                err = ak_sync_now(sync, force);
        }
        if (backup_save(vault, AK_OK) != CLI_EXIT_OK)
                goto done;
        ak_sync_status(sync, &st);
        if (err != AK_OK) {
                backup_describe(&st, &v);
                cli_error("backup now: not backed up: %s; %s", v.headline, v.advice);
                goto done;
        }
        cli_printf("Backed up %zu account%s (version %" PRIu64 " at %s).\n",
                   ak_account_list_carried(ak_vault_accounts(vault)),
                   ak_account_list_carried(ak_vault_accounts(vault)) == 1 ? "" : "s", st.version,
                   cli_time(st.backed_up_at, t1, sizeof(t1)));
        rc = CLI_EXIT_OK;
done:
        ak_sync_free(sync);
        ak_vault_free(vault);
        return rc;
}

static int print_status_json(struct ak_vault *vault, const struct ak_sync_status *st,
                             const struct backup_view *v, bool reachable)
{
        json_t *j;
        char *text;

        j = json_pack("{s:s, s:s, s:s}", "state", v->state, "headline", v->headline, "advice",
                      v->advice);
        if (j == NULL)
                return cli_fail(AK_ERR_NOMEM, "backup status");
        json_object_set_new(j, "device_id", json_string(ak_vault_device_id(vault)));
        if (st->state != AK_SYNC_OFF) {
                json_object_set_new(j, "server", json_string(st->server));
                json_object_set_new(j, "email", json_string(st->email));
                json_object_set_new(j, "account_id", json_string(st->account_id));
                json_object_set_new(j, "device_name", json_string(st->device_name));
                json_object_set_new(j, "version", json_integer((json_int_t)st->version));
                json_object_set_new(j, "backed_up_at", json_integer(st->backed_up_at));
                json_object_set_new(j, "pending", json_boolean(st->pending));
                json_object_set_new(j, "pending_since", json_integer(st->pending_since));
                json_object_set_new(j, "reason",
                                    *st->reason ? json_string(st->reason) : json_null());
                json_object_set_new(j, "server_reachable", json_boolean(reachable));
                if (*st->other_device != '\0')
                        json_object_set_new(
                            j, "other",
                            json_pack("{s:I, s:s, s:I}", "version", (json_int_t)st->other_version,
                                      "device", st->other_device, "at", (json_int_t)st->other_at));
        }
        text = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
        json_decref(j);
        if (text == NULL)
                return cli_fail(AK_ERR_NOMEM, "backup status");
        cli_printf("%s\n", text);
        free(text);
        return CLI_EXIT_OK;
}

static int backup_status(int argc, char **argv)
{
        static const struct option options[] = {{"json", no_argument, NULL, 'j'},
                                                {"offline", no_argument, NULL, 'o'},
                                                {NULL, 0, NULL, 0}};
        struct ak_vault *vault;
        struct ak_sync *sync;
        struct ak_sync_status st;
        struct backup_view v;
        bool json = false, offline = false, reachable = true;
        char dev[300], why[512] = "";
        int opt, rc = CLI_EXIT_OK;

        if (cli_help(argc, argv, status_help))
                return CLI_EXIT_OK;
        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                switch (opt) {
                case 'j':
                        json = true;
                        break;
                case 'o':
                        offline = true;
                        break;
                default:
                        return cli_option_error("backup status", opt, argv);
                }
        }
        if (optind < argc)
                return cli_usage_error("backup status", "unexpected argument '%s'", argv[optind]);
        if (backup_open(!json, &vault, &sync, &st) != CLI_EXIT_OK)
                return CLI_EXIT_FAIL;
        if (st.state != AK_SYNC_OFF && !offline) {
                enum ak_err reach = ak_sync_refresh(sync);

                reachable = reach == AK_OK;
                snprintf(why, sizeof(why), "%s", reachable ? "" : ak_error_detail());
                rc = backup_save(vault, AK_OK);
                ak_sync_status(sync, &st);
        }
        backup_describe(&st, &v);
        if (json) {
                if (print_status_json(vault, &st, &v, reachable && !offline) != CLI_EXIT_OK)
                        rc = CLI_EXIT_FAIL;
                goto done;
        }
        if (st.state == AK_SYNC_OFF) {
                cli_printf("Backup: off\nWhat to do: %s\n", v.advice);
                goto done;
        }
        ak_sync_device_label(dev, sizeof(dev), ak_vault_device_id(vault), st.device_name);
        cli_printf("Backup: on, to %s at %s\n", st.email, st.server);
        cli_printf("This device: %s\n", dev);
        cli_printf("State: %s\n", v.headline);
        if (v.advice[0] != '\0')
                cli_printf("What to do: %s\n", v.advice);
        if (!reachable)
                cli_printf("Note: the server cannot be reached right now (%s)\n", why);
        else if (offline)
                cli_printf("Note: not checked with the server (--offline)\n");
done:
        ak_sync_free(sync);
        ak_vault_free(vault);
        return rc != CLI_EXIT_OK ? rc : status_exit(&st);
}

/* Asks on a terminal before deleting; returns -1 to go on, else the exit status. */
static int confirm_delete(const struct ak_sync_status *st)
{
        char question[600];

        snprintf(question, sizeof(question), "Delete every backup version of %s on %s?", st->email,
                 st->server);
        switch (cli_confirm(question)) {
        case -1:
                return cli_error("backup delete: add --yes to delete every backup version on the "
                                 "server");
        case 0:
                cli_printf("Nothing was deleted.\n");
                return CLI_EXIT_OK;
        default:
                return -1;
        }
}

static int backup_delete(int argc, char **argv)
{
        static const struct option options[] = {{"yes", no_argument, NULL, 'y'},
                                                {NULL, 0, NULL, 0}};
        struct ak_vault *vault = NULL;
        struct ak_sync *sync = NULL;
        struct ak_sync_status st;
        bool yes = false;
        char email[256];
        enum ak_err err;
        int rc;

        rc = flag_options(argc, argv, "backup delete", delete_help, options, &yes);
        if (rc != -1)
                return rc;
        rc = CLI_EXIT_FAIL;
        if (open_backed_up("backup delete", &vault, &sync, &st, true) != CLI_EXIT_OK)
                return CLI_EXIT_FAIL;
        snprintf(email, sizeof(email), "%s", st.email);
        if (!yes && (rc = confirm_delete(&st)) != -1)
                goto done;
        rc = CLI_EXIT_FAIL;
        err = ak_sync_delete(sync);
        if (err == AK_ERR_SESSION_EXPIRED) {
                if (sign_in_again(sync, email, "backup delete", "") != CLI_EXIT_OK)
                        goto done;
                err = ak_sync_delete(sync);
        }
        if (err != AK_OK) {
                backup_report(err, "backup delete", email, ak_sync_retry_after(sync),
                              "; nothing was deleted");
                goto done;
        }
        if (backup_save(vault, AK_OK) != CLI_EXIT_OK)
                goto done;
        cli_printf(
            "Deleted every backup version of %s on the server; backup is off on this device.\n",
            email);
        rc = CLI_EXIT_OK;
done:
        ak_sync_free(sync);
        ak_vault_free(vault);
        return rc;
}

static int backup_password(int argc, char **argv)
{
        struct ak_vault *vault = NULL;
        struct ak_sync *sync = NULL;
        struct ak_sync_status st;
        char *password = NULL, *current = NULL, prompt[400], email[256];
        enum ak_err err;
        int rc = CLI_EXIT_FAIL;

        if (cli_help(argc, argv, password_help))
                return CLI_EXIT_OK;
        if (argc > 1)
                return cli_usage_error("backup password", "unexpected argument '%s'", argv[1]);
        if (open_backed_up("backup password", &vault, &sync, &st, false) != CLI_EXIT_OK)
                return CLI_EXIT_FAIL;
        snprintf(email, sizeof(email), "%s", st.email);
        /*
         * Proving the current password first, and again to the server with the
         * change: a stolen unlocked device or session token alone cannot change it.
         */
        if (sign_in_keeping(sync, email, "backup password", "; the password is unchanged",
                            &current) != CLI_EXIT_OK)
                goto done;
        snprintf(prompt, sizeof(prompt), "New password for the recovery account %s: ", email);
        err = cli_read_secret(&password, prompt, "AUTHKEEP_NEW_PASSWORD", true);
        if (err != AK_OK) {
                cli_secret_error(err, "reading the new password", "AUTHKEEP_NEW_PASSWORD");
                goto done;
        }
        if (strlen(password) < 8) {
                cli_error("backup password: the new password is too short (at least 8 characters)");
                goto done;
        }
        err = ak_sync_change_password(sync, current, strlen(current), password, strlen(password));
        if (err != AK_OK) {
                backup_report(err, "backup password", email, ak_sync_retry_after(sync),
                              "; the password is unchanged");
                goto done;
        }
        if (backup_save(vault, AK_OK) != CLI_EXIT_OK)
                goto done;
        cli_printf(
            "Changed the password of %s. Other devices sign in again with the new password.\n",
            email);
        rc = CLI_EXIT_OK;
done:
        cli_free_secret(current);
        cli_free_secret(password);
        ak_sync_free(sync);
        ak_vault_free(vault);
        return rc;
}

static const char backup_help[] =
    "usage: authkeep backup on --server URL --email EMAIL [--create] [--insecure]\n"
    "       authkeep backup off | now [--force] | status [--json] | versions [--json]\n"
    "       authkeep backup delete [--yes] | password\n"
    "\n"
    "End-to-end-encrypted cloud backup to a recovery account on an authkeepd server.\n"
    "Once on, every change to the vault is backed up before the command returns; if\n"
    "the server cannot be reached the change is kept and sent later.\n"
    "\n"
    "  on        turn backup on (--create makes the recovery account)\n"
    "  off       turn it off on this device (backups on the server are kept)\n"
    "  now       send what is pending now\n"
    "  status    is everything backed up, and if not, why and what to do\n"
    "  versions  the versions the server keeps: when, by which device, how many accounts\n"
    "  delete    delete every backup version on the server\n"
    "  password  change the recovery account's password\n"
    "\n"
    "Run 'authkeep backup SUBCOMMAND --help' for its options. Environment:\n"
    "AUTHKEEP_SERVER, AUTHKEEP_PASSWORD, AUTHKEEP_DEVICE_NAME, AUTHKEEP_CA_FILE.\n";

int cmd_backup(int argc, char **argv)
{
        static const struct {
                const char *name;
                int (*run)(int argc, char **argv);
        } subs[] = {
            {"on", backup_on},
            {"off", backup_off},
            {"now", backup_now},
            {"status", backup_status},
            {"delete", backup_delete},
            {"password", backup_password},
            {"versions", backup_versions},
        };

        if (argc < 2)
                return cli_usage_error(
                    "backup",
                    "a subcommand is needed: on, off, now, status, versions, delete or password");
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
            strcmp(argv[1], "help") == 0) {
                cli_write_raw(stdout, backup_help, strlen(backup_help));
                return CLI_EXIT_OK;
        }
        for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
                if (strcmp(argv[1], subs[i].name) == 0)
                        return subs[i].run(argc - 1, argv + 1);
        return cli_usage_error("backup", "unknown subcommand '%s'", argv[1]);
}
