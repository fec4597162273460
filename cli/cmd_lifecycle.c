/*
 * Deleting and bringing back (docs/backup.md, "Deleting, and bringing
 * back"): `authkeep backup delete [--now]`, `backup undelete`, and the
 * recovery account's own `authkeep account delete [--now]` and `account
 * undelete`. The server keeps what is deleted for its grace period; `--now`
 * purges at once and takes the password, which the device proves to the
 * server in the same request. The rules are the server's and the engine's
 * (authkeep/sync.h); this file reads options and the password and says
 * what happened and until when it can be undone.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authkeep/client.h"
#include "backup_words.h"

static const char delete_help[] =
    "usage: authkeep backup delete [--yes] [--now]\n"
    "\n"
    "Deletes every backup version of the recovery account on the server, then turns\n"
    "backup off on this device. Other devices are told the backup was deleted, by\n"
    "this device and when. The server keeps the deleted versions for its grace\n"
    "period (30 days unless it says otherwise): until then 'authkeep backup undelete'\n"
    "(on a device whose backup is on) or 'authkeep recover --deleted' brings them\n"
    "back. Then the server purges them.\n"
    "\n"
    "  --yes   delete without asking (asked on a terminal otherwise)\n"
    "  --now   purge them at once, for good: asks for the recovery account's\n"
    "          password (AUTHKEEP_PASSWORD, or a prompt, or a line of standard\n"
    "          input), which the server wants proved in the same request\n";

static const char undelete_help[] =
    "usage: authkeep backup undelete\n"
    "\n"
    "Brings back every version of a backup deleted on the server, while the server\n"
    "still keeps them (its grace period). Then this device's state is checked again\n"
    "('authkeep backup status'). On a device whose backup is off, 'authkeep recover\n"
    "--deleted --server URL --email EMAIL' brings it back and restores it there.\n";

static const char account_help[] =
    "usage: authkeep account add --server URL --email EMAIL [--insecure]\n"
    "       authkeep account delete [--yes] [--now]\n"
    "       authkeep account undelete [--server URL --email EMAIL] [--insecure]\n"
    "\n"
    "  add       put this device on a personal account that is not the recovery\n"
    "            account, with its own code and push sign-in for it: it signs in\n"
    "            with the account's password and registers this device\n"
    "\n"
    "delete and undelete act on the recovery account on the server that backup\n"
    "goes to.\n"
    "\n"
    "  delete    delete the recovery account: every device is signed out and backup\n"
    "            is off here. It asks for the account's password (AUTHKEEP_PASSWORD,\n"
    "            a prompt, or a line of standard input), which the server wants proved\n"
    "            in the same request. The server keeps the account for its grace\n"
    "            period (30 days unless it says otherwise), during which nothing signs\n"
    "            in to it and its email cannot make a new account; 'authkeep account\n"
    "            undelete' brings it back until then. Then it is purged.\n"
    "            --now purges it at once, with its backups and devices; the email\n"
    "            stays reserved for the rest of the grace period.\n"
    "            --yes deletes without asking (asked on a terminal otherwise).\n"
    "  undelete  sign in with the password and bring the deleted account back, as it\n"
    "            was: backups, devices, contacts. Signing in any other way while it\n"
    "            is deleted is refused and says this command. The account backup goes\n"
    "            to on this device, or the one --server and --email name.\n";

/* "until 2026-12-01 10:00:00 UTC" of a delete that keeps, into `buf`. */
static const char *until_words(int64_t until, char *buf, size_t len)
{
        char t[40];

        snprintf(buf, len, "until %s", cli_time(until, t, sizeof(t)));
        return buf;
}

/* Asks `question` on a terminal; returns -1 to go on, else the exit status. */
static int confirm(const char *question, const char *what, const char *refusal)
{
        switch (cli_confirm(question)) {
        case -1:
                return cli_error("%s: add --yes to %s", what, refusal);
        case 0:
                cli_printf("Nothing was deleted.\n");
                return CLI_EXIT_OK;
        default:
                return -1;
        }
}

/* Reads the recovery account's password for a proof; prints the error itself. */
static int read_password(char **out, const char *email, const char *what)
{
        enum ak_err err = backup_read_password(out, email, false, false);

        if (err != AK_OK)
                return cli_secret_error(err, "reading the password", "AUTHKEEP_PASSWORD");
        if (**out == '\0') {
                cli_free_secret(*out);
                *out = NULL;
                return cli_error("%s: the password is empty", what);
        }
        return CLI_EXIT_OK;
}

/* One of the deletes, signing in again (with the same password) when the session expired. */
typedef enum ak_err (*delete_fn)(struct ak_sync *sync, bool now, const char *password,
                                 size_t password_len, struct ak_deletion *out);

static enum ak_err run_delete(delete_fn fn, struct ak_sync *sync, bool now, const char *password,
                              struct ak_deletion *out)
{
        size_t len = password != NULL ? strlen(password) : 0;
        enum ak_err err = fn(sync, now, password, len, out);

        if (err == AK_ERR_SESSION_EXPIRED && password != NULL &&
            (err = ak_sync_sign_in(sync, password, len)) == AK_OK)
                err = fn(sync, now, password, len, out);
        return err;
}

/* Says who deleted the backup already and until when it is kept. */
static int deleted_already(struct ak_sync *sync)
{
        struct ak_sync_status st;
        struct backup_view v;

        (void)ak_sync_refresh(sync);
        ak_sync_status(sync, &st);
        backup_describe(&st, &v);
        return cli_error("backup delete: nothing was deleted: %s; %s", v.headline,
                         st.restorable_until > 0 ? "'authkeep backup delete --now' purges it"
                                                 : "nothing of it is left to purge");
}

/* What `backup delete` and `account delete` share: options, confirmation, password. */
struct delete_cmd {
        struct ak_vault *vault;
        struct ak_sync *sync;
        bool flags[2]; /* --yes, --now */
        char email[256], server[1024];
        char *password;
        struct ak_deletion done;
};

/*
 * Parses the options, opens the vault (backup on), asks (unless --yes)
 * whether to delete `what`, and reads the password when --now or
 * `password`. Returns -1 to go on, else the exit status (delete_end frees).
 */
static int delete_begin(struct delete_cmd *c, int argc, char **argv, const char *cmd,
                        const char *help, const char *what, bool password)
{
        static const struct option options[] = {
            {"yes", no_argument, NULL, 'y'}, {"now", no_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
        struct ak_sync_status st;
        char question[1400], refusal[600];
        int rc;

        memset(c, 0, sizeof(*c));
        rc = backup_flag_options(argc, argv, cmd, help, options, c->flags);
        if (rc != -1)
                return rc;
        if (backup_open_on(cmd, &c->vault, &c->sync, &st, true) != CLI_EXIT_OK)
                return CLI_EXIT_FAIL;
        snprintf(c->email, sizeof(c->email), "%s", st.email);
        snprintf(c->server, sizeof(c->server), "%s", st.server);
        snprintf(question, sizeof(question), "%s %s of %s on %s?",
                 c->flags[1] ? "Purge, for good," : "Delete", what, c->email, c->server);
        snprintf(refusal, sizeof(refusal), "delete %s", what);
        if (!c->flags[0] && (rc = confirm(question, cmd, refusal)) != -1)
                return rc;
        if ((c->flags[1] || password) && read_password(&c->password, c->email, cmd) != CLI_EXIT_OK)
                return CLI_EXIT_FAIL;
        return -1;
}

static int delete_end(struct delete_cmd *c, int rc)
{
        cli_free_secret(c->password);
        ak_sync_free(c->sync);
        ak_vault_free(c->vault);
        return rc;
}

int backup_delete(int argc, char **argv)
{
        struct delete_cmd c;
        char until[64];
        enum ak_err err;
        int rc = delete_begin(&c, argc, argv, "backup delete", delete_help, "every backup version",
                              false);

        if (rc != -1)
                return delete_end(&c, rc);
        err = run_delete(ak_sync_delete_backup, c.sync, c.flags[1], c.password, &c.done);
        if (err == AK_ERR_SESSION_EXPIRED && c.password == NULL) {
                if (backup_sign_in(c.sync, c.email, "backup delete", "; nothing was deleted",
                                   NULL) != CLI_EXIT_OK)
                        return delete_end(&c, CLI_EXIT_FAIL);
                err = ak_sync_delete_backup(c.sync, false, NULL, 0, &c.done);
        }
        if (err == AK_ERR_BACKUP_DELETED) {
                (void)backup_save(c.vault, AK_OK);
                return delete_end(&c, deleted_already(c.sync));
        }
        if (err != AK_OK)
                return delete_end(&c, backup_report(err, "backup delete", c.email,
                                                    ak_sync_retry_after(c.sync),
                                                    "; nothing was deleted"));
        if (backup_save(c.vault, AK_OK) != CLI_EXIT_OK)
                return delete_end(&c, CLI_EXIT_FAIL);
        if (c.flags[1])
                cli_printf("Purged every backup version of %s on the server: it cannot be "
                           "brought back. Backup is off on this device.\n",
                           c.email);
        else
                cli_printf("Deleted every backup version of %s on the server; backup is off on "
                           "this device.\nThe server keeps them %s: 'authkeep recover --deleted "
                           "--server %s --email %s' brings them back (or 'authkeep backup "
                           "undelete' on a device whose backup is on).\n",
                           c.email,
                           c.done.restorable_until > 0
                               ? until_words(c.done.restorable_until, until, sizeof(until))
                               : "for its grace period",
                           c.server, c.email);
        return delete_end(&c, CLI_EXIT_OK);
}

int backup_undelete(int argc, char **argv)
{
        struct ak_vault *vault = NULL;
        struct ak_sync *sync = NULL;
        struct ak_sync_status st;
        struct backup_view v;
        char email[256];
        uint64_t latest = 0;
        enum ak_err err;
        int rc = CLI_EXIT_FAIL;

        if (cli_help(argc, argv, undelete_help))
                return CLI_EXIT_OK;
        if (argc > 1)
                return cli_usage_error("backup undelete", "unexpected argument '%s'", argv[1]);
        if (backup_open_on("backup undelete", &vault, &sync, &st, true) != CLI_EXIT_OK)
                return CLI_EXIT_FAIL;
        snprintf(email, sizeof(email), "%s", st.email);
        err = ak_sync_undelete(sync, &latest);
        if (err == AK_ERR_SESSION_EXPIRED) {
                if (backup_sign_in(sync, email, "backup undelete", "; nothing was changed", NULL) !=
                    CLI_EXIT_OK) {
                        (void)backup_save(vault, AK_OK);
                        goto done;
                }
                err = ak_sync_undelete(sync, &latest);
        }
        if (backup_save(vault, AK_OK) != CLI_EXIT_OK)
                goto done;
        if (err == AK_ERR_CONFLICT) {
                cli_error("backup undelete: the backup of %s is not deleted (or was uploaded again "
                          "since it was deleted): there is nothing to bring back",
                          email);
                goto done;
        }
        if (err == AK_ERR_NOT_FOUND) {
                cli_error("backup undelete: the deleted backup of %s was purged on the server: "
                          "nothing is left to bring back; 'authkeep backup now' uploads this "
                          "device's accounts again",
                          email);
                goto done;
        }
        if (err != AK_OK) {
                backup_report(err, "backup undelete", email, ak_sync_retry_after(sync),
                              "; nothing was changed");
                goto done;
        }
        ak_sync_status(sync, &st);
        backup_describe(&st, &v);
        cli_printf("Brought back the deleted backup of %s (latest version %" PRIu64
                   "). This device: %s.\n",
                   email, latest, v.headline);
        if (v.advice[0] != '\0')
                cli_printf("What to do: %s\n", v.advice);
        rc = CLI_EXIT_OK;
done:
        ak_sync_free(sync);
        ak_vault_free(vault);
        return rc;
}

/* ---- authkeep account ---- */

static int account_delete(int argc, char **argv)
{
        struct delete_cmd c;
        char t[40];
        enum ak_err err;
        int rc = delete_begin(&c, argc, argv, "account delete", account_help,
                              "the recovery account, with its backups and devices,", true);

        if (rc != -1)
                return delete_end(&c, rc);
        err = run_delete(ak_sync_delete_account, c.sync, c.flags[1], c.password, &c.done);
        if (err != AK_OK)
                return delete_end(&c, backup_report(err, "account delete", c.email,
                                                    ak_sync_retry_after(c.sync),
                                                    "; nothing was deleted"));
        if (backup_save(c.vault, AK_OK) != CLI_EXIT_OK)
                return delete_end(&c, CLI_EXIT_FAIL);
        if (c.flags[1])
                cli_printf("Purged the recovery account %s on %s, with its backups and devices: "
                           "it cannot be brought back. The email cannot make a new recovery "
                           "account there until %s. Backup is off on this device.\n",
                           c.email, c.server,
                           cli_time(c.done.email_reserved_until, t, sizeof(t)));
        else
                cli_printf("Deleted the recovery account %s on %s: every device is signed out "
                           "and backup is off on this device.\nThe server keeps it until %s: "
                           "'authkeep account undelete --server %s --email %s' signs in and "
                           "brings it back.\n",
                           c.email, c.server, cli_time(c.done.restorable_until, t, sizeof(t)),
                           c.server, c.email);
        return delete_end(&c, CLI_EXIT_OK);
}

static int account_undelete(int argc, char **argv)
{
        struct backup_server_opts o = {0};
        struct ak_vault *vault = NULL;
        struct ak_sync *sync = NULL;
        struct ak_sync_status st;
        char *password = NULL, email[256], server[1024];
        bool restored = false;
        enum ak_err err;
        int rc = CLI_EXIT_FAIL;

        if (cli_help(argc, argv, account_help))
                return CLI_EXIT_OK;
        if ((rc = backup_server_options(argc, argv, "account undelete", &o)) >= 0)
                return rc;
        rc = CLI_EXIT_FAIL;
        if (backup_open(true, &vault, &sync, &st) != CLI_EXIT_OK)
                return CLI_EXIT_FAIL;
        /* The account backup goes to, unless another is named. */
        if (o.server == NULL && o.email == NULL && st.state != AK_SYNC_OFF) {
                o.server = st.server;
                o.email = st.email;
        }
        if (backup_check_server_opts("account undelete", &o) != CLI_EXIT_OK)
                goto done;
        /* Copied: the vault's values change with the new session. */
        snprintf(email, sizeof(email), "%s", o.email);
        snprintf(server, sizeof(server), "%s", o.server);
        if (read_password(&password, email, "account undelete") != CLI_EXIT_OK)
                goto done;
        err = ak_sync_account_undelete(sync, server, o.insecure, email, password, strlen(password),
                                       &restored);
        if (err != AK_OK) {
                if (err == AK_ERR_ACCOUNT_DELETED)
                        cli_error("account undelete: %s was deleted and its grace period is over: "
                                  "it can no longer be brought back (%s)",
                                  email, ak_error_detail());
                else
                        backup_report(err, "account undelete", email, ak_sync_retry_after(sync),
                                      "; nothing was changed");
                goto done;
        }
        if (backup_save(vault, AK_OK) != CLI_EXIT_OK)
                goto done;
        ak_sync_status(sync, &st);
        if (!restored)
                cli_printf("The recovery account %s is not deleted: nothing to bring back.\n",
                           email);
        else
                cli_printf("Brought back the recovery account %s, as it was: its backups, "
                           "devices and contacts.%s\n",
                           email,
                           st.state == AK_SYNC_OFF
                               ? " Other devices sign in again ('authkeep backup now'); this "
                                 "device's backup is off: 'authkeep recover --merge' turns it on."
                               : " This device is signed in again; other devices sign in "
                                 "again ('authkeep backup now').");
        rc = CLI_EXIT_OK;
done:
        cli_free_secret(password);
        ak_sync_free(sync);
        ak_vault_free(vault);
        return rc;
}

int cmd_account(int argc, char **argv)
{
        if (argc < 2)
                return cli_usage_error("account",
                                       "a subcommand is needed: add, delete or undelete");
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
            strcmp(argv[1], "help") == 0) {
                cli_write_raw(stdout, account_help, strlen(account_help));
                return CLI_EXIT_OK;
        }
        if (strcmp(argv[1], "add") == 0)
                return cmd_account_add(argc - 1, argv + 1);
        if (strcmp(argv[1], "delete") == 0)
                return account_delete(argc - 1, argv + 1);
        if (strcmp(argv[1], "undelete") == 0)
                return account_undelete(argc - 1, argv + 1);
        return cli_usage_error("account", "unknown subcommand '%s'", argv[1]);
}
