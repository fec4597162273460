/*
 * The words of backup and recovery (cli/backup_words.h): what each state
 * of the engine tells the user and what to do, one line per failure, and
 * the hooks other commands call: cli_backup_after_save (after every save
 * of a change) and cli_backup_state_line (the live view, which never asks
 * the server).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "authkeep/client.h"
#include "authkeep/device.h"
#include "backup_words.h"

static void say_waiting(void *ctx)
{
        (void)ctx;
        fflush(stdout);
        cli_eprintf("authkeep: waiting for the server...\n");
}

void backup_options(struct ak_sync_options *o, bool show_waiting)
{
        memset(o, 0, sizeof(*o));
        o->client.ca_file = getenv("AUTHKEEP_CA_FILE");
        o->client.kdf_cost = cli_kdf_cost();
        cli_client_transport(&o->client);
        if (show_waiting)
                o->client.waiting = say_waiting;
}

struct ak_sync *backup_engine(struct ak_vault *vault, bool show_waiting)
{
        struct ak_sync_options o;
        struct ak_sync *sync = NULL;
        enum ak_err err;

        backup_options(&o, show_waiting);
        err = ak_sync_new(&sync, vault, &o);
        if (err != AK_OK) {
                cli_fail(err, "backup");
                return NULL;
        }
        return sync;
}

int backup_open(bool show_waiting, struct ak_vault **vault, struct ak_sync **sync,
                struct ak_sync_status *st)
{
        *sync = NULL;
        *vault = cli_open_vault();
        if (*vault == NULL)
                return CLI_EXIT_FAIL;
        *sync = backup_engine(*vault, show_waiting);
        if (*sync == NULL) {
                ak_vault_free(*vault);
                *vault = NULL;
                return CLI_EXIT_FAIL;
        }
        ak_sync_status(*sync, st);
        return CLI_EXIT_OK;
}

/* This device's name as other devices see it: AUTHKEEP_DEVICE_NAME, else the host name. */
void backup_default_device_name(char *buf, size_t len)
{
        const char *env = getenv("AUTHKEEP_DEVICE_NAME");

        if (env != NULL && *env != '\0' && strlen(env) <= 128 &&
            ak_device_name_check(env) == AK_OK) {
                snprintf(buf, len, "%s", env);
                return;
        }
        if (gethostname(buf, len) != 0)
                snprintf(buf, len, "device");
        buf[len - 1] = '\0';
}

/* "900 bytes", "12.5 kB", "1.2 MB", "1 MB" (of 1024 and 1024 * 1024 bytes). */
static void size_words(char *buf, size_t len, uint64_t bytes)
{
        uint64_t unit = bytes < 1024 * 1024 ? 1024 : 1024 * 1024,
                 tenths = (bytes * 10 + unit / 2) / unit;
        const char *name = unit == 1024 ? "kB" : "MB";

        if (bytes < 1024)
                snprintf(buf, len, "%" PRIu64 " bytes", bytes);
        else if (tenths % 10 == 0)
                snprintf(buf, len, "%" PRIu64 " %s", tenths / 10, name);
        else
                snprintf(buf, len, "%" PRIu64 ".%" PRIu64 " %s", tenths / 10, tenths % 10, name);
}

/*
 * "the backup (1.2 MB) is larger than this server takes (1 MB)": sizes in
 * bytes when rounding would show them equal.
 */
static void too_large_words(char *buf, size_t len, const struct ak_sync_status *st)
{
        char have[32], cap[32];

        size_words(have, sizeof(have), st->refused_bytes);
        size_words(cap, sizeof(cap), st->max_bytes);
        if (strcmp(have, cap) == 0) {
                snprintf(have, sizeof(have), "%" PRIu64 " bytes", st->refused_bytes);
                snprintf(cap, sizeof(cap), "%" PRIu64 " bytes", st->max_bytes);
        }
        if (st->max_bytes > 0)
                snprintf(buf, len, "the backup (%s) is larger than this server takes (%s)", have,
                         cap);
        else
                snprintf(buf, len, "the backup (%s) is larger than this server takes", have);
}

void backup_describe(const struct ak_sync_status *st, struct backup_view *v)
{
        const char *reason = *st->reason ? st->reason : "of an unknown problem";
        const char *other_dev = *st->other_device ? st->other_device : "an unknown device";
        char t1[40], t2[40];

        memset(v, 0, sizeof(*v));
        switch (st->state) {
        case AK_SYNC_OFF:
                v->state = "off";
                snprintf(v->headline, sizeof(v->headline), "off");
                snprintf(
                    v->advice, sizeof(v->advice),
                    "turn it on with 'authkeep backup on --server URL --email EMAIL [--create]'");
                break;
        case AK_SYNC_SESSION_EXPIRED:
                v->state = "session_expired";
                snprintf(v->headline, sizeof(v->headline),
                         "sign in again: the session expired%s%s%s",
                         st->pending ? "; changes since " : "",
                         st->pending ? cli_time(st->pending_since, t1, sizeof(t1)) : "",
                         st->pending ? " are not backed up" : "");
                snprintf(v->advice, sizeof(v->advice),
                         "run 'authkeep backup now' and enter the recovery account's password");
                break;
        case AK_SYNC_DELETED:
                v->state = "deleted";
                if (st->restorable_until > 0) {
                        snprintf(v->headline, sizeof(v->headline),
                                 "the backup was deleted on the server by %s at %s; it can be "
                                 "brought back until %s",
                                 other_dev, cli_time(st->other_at, t1, sizeof(t1)),
                                 cli_time(st->restorable_until, t2, sizeof(t2)));
                        snprintf(v->advice, sizeof(v->advice),
                                 "'authkeep backup undelete' brings every version back; "
                                 "'authkeep backup now' uploads this device's accounts again "
                                 "(the deleted versions are then purged at the end of the grace "
                                 "period); 'authkeep backup off' stops backup");
                        break;
                }
                snprintf(v->headline, sizeof(v->headline),
                         "the backup was deleted on the server by %s at %s", other_dev,
                         cli_time(st->other_at, t1, sizeof(t1)));
                snprintf(v->advice, sizeof(v->advice),
                         "'authkeep backup now' uploads this device's accounts again; 'authkeep "
                         "backup off' stops backup");
                break;
        case AK_SYNC_NEWER_ELSEWHERE:
                v->state = "newer_backup";
                snprintf(v->headline, sizeof(v->headline),
                         "a newer backup exists (version %" PRIu64 " from device %s at %s)",
                         st->other_version, other_dev, cli_time(st->other_at, t1, sizeof(t1)));
                snprintf(v->advice, sizeof(v->advice),
                         "'authkeep recover --merge' adds its accounts to this device and backs up "
                         "both; 'authkeep backup now --force' replaces it with this device's "
                         "accounts");
                break;
        case AK_SYNC_SERVER_BEHIND:
                v->state = "server_behind";
                snprintf(v->headline, sizeof(v->headline),
                         "the server's backup (version %" PRIu64
                         ") is older than this device's (%" PRIu64 ")",
                         st->other_version, st->version);
                snprintf(v->advice, sizeof(v->advice),
                         "'authkeep backup now --force' uploads this device's accounts again; "
                         "'authkeep recover --dry-run' shows what the server holds");
                break;
        case AK_SYNC_PENDING:
                v->state = st->why == AK_SYNC_LASTING_ERROR ? "error" : "pending";
                if (st->why == AK_SYNC_LASTING_ERROR && st->error == AK_ERR_LIMIT &&
                    st->refused_bytes > 0) {
                        char why[200];

                        too_large_words(why, sizeof(why), st);
                        snprintf(v->headline, sizeof(v->headline), "pending since %s because %s",
                                 cli_time(st->pending_since, t1, sizeof(t1)), why);
                        snprintf(v->advice, sizeof(v->advice),
                                 "raise max_body on the server, then run 'authkeep backup now'");
                        break;
                }
                snprintf(v->headline, sizeof(v->headline), "pending since %s because %s",
                         cli_time(st->pending_since, t1, sizeof(t1)),
                         st->why != AK_SYNC_NOT_SENT ? reason : "it has not been sent yet");
                snprintf(v->advice, sizeof(v->advice), "%s",
                         st->why == AK_SYNC_LASTING_ERROR
                             ? "run 'authkeep backup now' to try again"
                             : "nothing: the change is kept on this device and sent with the "
                               "next change or 'authkeep backup now'");
                break;
        case AK_SYNC_BACKED_UP:
        default:
                v->state = "backed_up";
                snprintf(v->headline, sizeof(v->headline), "backed up at %s (version %" PRIu64 ")",
                         cli_time(st->backed_up_at, t2, sizeof(t2)), st->version);
                break;
        }
}

void cli_backup_state_line(struct ak_vault *vault, char *buf, size_t len)
{
        struct ak_sync *sync;
        struct ak_sync_status st;
        struct backup_view v;

        if (len == 0)
                return;
        buf[0] = '\0';
        if (ak_sync_new(&sync, vault, NULL) != AK_OK)
                return;
        ak_sync_status(sync, &st);
        backup_describe(&st, &v);
        snprintf(buf, len, "%s", v.headline);
        ak_sync_free(sync);
}

int backup_save(struct ak_vault *vault, enum ak_err serr)
{
        enum ak_err err = serr != AK_OK ? serr : ak_vault_save(vault);

        if (err != AK_OK)
                return cli_fail(err, "saving the backup state in the vault");
        return CLI_EXIT_OK;
}

int cli_backup_after_save(struct ak_vault *vault)
{
        struct ak_sync *sync;
        struct ak_sync_status st;
        struct backup_view v;
        enum ak_err err, serr;

        sync = backup_engine(vault, false);
        if (sync == NULL)
                return CLI_EXIT_FAIL;
        ak_sync_status(sync, &st);
        if (st.state == AK_SYNC_OFF) {
                ak_sync_free(sync);
                return CLI_EXIT_OK;
        }
        err = ak_sync_after_save(sync);
        ak_sync_status(sync, &st);
        serr = ak_vault_save(vault);
        if (serr == AK_ERR_VAULT_CHANGED) {
                /*
                 * The change itself is saved; only what this device knows about its
                 * backup could not be written, since another command saved the vault
                 * meanwhile. The next change or `backup now` finds out again.
                 */
                fflush(stdout);
                cli_eprintf("authkeep: saved on this device; another command saved the vault "
                            "meanwhile, so the backup state was not recorded: 'authkeep backup "
                            "status' checks it\n");
                serr = AK_OK;
        } else if (serr != AK_OK) {
                ak_sync_free(sync);
                return cli_fail(serr, "saving the backup state in the vault");
        } else if (err == AK_ERR_TIMEOUT) {
                /* A server that accepts and never answers: the change does not wait longer. */
                fflush(stdout);
                cli_eprintf("authkeep: note: the server did not answer within %u s; the change is "
                            "kept and will be sent by 'authkeep backup now'\n",
                            AK_SYNC_CHANGE_BUDGET_MS / 1000);
        } else if (err != AK_OK) {
                /* The change is saved; only its backup waits. Say so, and what to do. */
                backup_describe(&st, &v);
                fflush(stdout);
                cli_eprintf("authkeep: saved on this device, not backed up yet: %s; %s\n",
                            v.headline, v.advice);
        }
        ak_sync_free(sync);
        return CLI_EXIT_OK;
}

/*
 * Prints one line for a failure talking to the server, distinct for each
 * cause, ending with `after` (like "; nothing was changed"). Returns
 * CLI_EXIT_FAIL.
 */
int backup_report(enum ak_err err, const char *what, const char *email, long retry_after,
                  const char *after)
{
        const char *detail = ak_error_detail();

        switch (err) {
        case AK_ERR_UNKNOWN_ACCOUNT:
                return cli_error("%s: no recovery account %s on this server (check the email, or "
                                 "create one with "
                                 "'authkeep backup on --create')%s",
                                 what, email, after);
        case AK_ERR_AUTH:
                /* A typing mistake in a recovery code is found on the device: say which. */
                if (strncmp(detail, "recovery code:", 14) == 0)
                        return cli_error("%s: wrong password or recovery code for %s (%s)%s", what,
                                         email, detail, after);
                /* The server does not tell an unknown email from a wrong password. */
                return cli_error("%s: wrong password or recovery code for %s, or no recovery "
                                 "account of that email on this server%s",
                                 what, email, after);
        case AK_ERR_RATE_LIMITED:
                if (retry_after > 0)
                        return cli_error("%s: too many attempts: retry in %ld seconds%s%s%s", what,
                                         retry_after, *detail ? " (" : "", detail,
                                         *detail ? ")" : "");
                break;
        case AK_ERR_NETWORK:
                return cli_error("%s: the server cannot be reached (%s)%s", what, detail, after);
        case AK_ERR_TIMEOUT:
                return cli_error("%s: the server did not answer in time (%s)%s", what, detail,
                                 after);
        case AK_ERR_ACCOUNT_DELETED:
                return cli_error("%s: the recovery account %s was deleted on the server (%s); "
                                 "'authkeep account undelete' signs in and brings it back while "
                                 "the server keeps it%s",
                                 what, email, *detail ? detail : "no detail", after);
        case AK_ERR_BACKUP_TAMPERED:
                return cli_error("%s: the backup was modified or damaged on the server%s%s%s", what,
                                 *detail ? ": " : "", detail, after);
        case AK_ERR_INSECURE:
                return cli_error(
                    "%s: refusing plain HTTP to a host that is not loopback (%s): use https:// or "
                    "--insecure",
                    what, detail);
        default:
                break;
        }
        if (*detail)
                return cli_error("%s: %s: %s%s", what, ak_strerror(err), detail, after);
        return cli_error("%s: %s%s", what, ak_strerror(err), after);
}

/* Reads the recovery account's password (AUTHKEEP_PASSWORD or the terminal). */
enum ak_err backup_read_password(char **out, const char *email, bool confirm, bool is_new)
{
        char prompt[400];

        snprintf(prompt, sizeof(prompt),
                 "%s for the recovery account %s: ", is_new ? "New password" : "Password", email);
        return cli_read_secret(out, prompt, "AUTHKEEP_PASSWORD", confirm);
}

enum ak_err backup_read_account_password(char **out, const char *email)
{
        char prompt[400];

        snprintf(prompt, sizeof(prompt), "Password for the account %s: ", email);
        return cli_read_secret(out, prompt, "AUTHKEEP_PASSWORD", false);
}

/* Prints the new recovery code, to be written down; it is never shown again. */
void backup_show_recovery_code(const char *code)
{
        cli_printf(
            "\nRecovery code (shown only this once; write it down and keep it apart from this "
            "device):\n\n"
            "    %s\n\n"
            "It replaces a forgotten password: 'authkeep recover --recovery-code -' reads it.\n\n",
            code);
}

int backup_server_options(int argc, char **argv, const char *cmd, struct backup_server_opts *o)
{
        static const struct option options[] = {
            {"server", required_argument, NULL, 's'},
            {"email", required_argument, NULL, 'e'},
            {"insecure", no_argument, NULL, 'k'},
            {NULL, 0, NULL, 0},
        };
        int opt;

        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                if (opt == 's')
                        o->server = optarg;
                else if (opt == 'e')
                        o->email = optarg;
                else if (opt == 'k')
                        o->insecure = true;
                else
                        return cli_option_error(cmd, opt, argv);
        }
        if (optind < argc)
                return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
        return -1;
}

/* Checks the server options; prints the error itself. */
int backup_check_server_opts(const char *cmd, struct backup_server_opts *o)
{
        enum ak_err err;

        if (o->server == NULL || *o->server == '\0')
                o->server = getenv("AUTHKEEP_SERVER");
        if (o->server == NULL || *o->server == '\0')
                return cli_usage_error(cmd, "--server URL is needed (or set AUTHKEEP_SERVER)");
        if (o->email == NULL || *o->email == '\0')
                return cli_usage_error(cmd, "--email EMAIL is needed");
        if (strchr(o->email, '@') == NULL || strlen(o->email) > 254)
                return cli_usage_error(cmd, "--email: '%s' is not an email address", o->email);
        if (o->device_name != NULL && strlen(o->device_name) > 128)
                return cli_usage_error(cmd, "--device-name: longer than 128 bytes");
        if (o->device_name != NULL && ak_device_name_check(o->device_name) != AK_OK)
                return cli_usage_error(cmd, "--device-name: %s", ak_error_detail());
        err = ak_client_check_url(o->server, o->insecure);
        if (err == AK_ERR_INSECURE)
                return cli_error("%s: refusing plain HTTP to %s, which is not loopback: use "
                                 "https:// or --insecure",
                                 cmd, o->server);
        if (err != AK_OK)
                return cli_fail(err, cmd);
        return CLI_EXIT_OK;
}

void cli_client_transport(struct ak_client_options *options)
{
#ifdef AUTHKEEP_IMAGES
        options->transport = ak_http_curl;
#else
        options->transport = cli_http_via_helper;
#endif
        options->transport_ctx = NULL;
}

void backup_say_registration(const struct ak_sync *sync, const char *cmd)
{
        struct ak_device_registration r;

        if (!ak_sync_registration(sync, &r))
                return;
        fflush(stdout);
        if (r.err == AK_OK && r.waits) {
                struct ak_sync_status st;

                ak_sync_status(sync, &st);
                cli_note("%s: this device waits for verification: its code for %s and push "
                         "sign-in stay off until you run 'authkeep verify %s' (the account's "
                         "password, then a code sent to its alternate contact)",
                         cmd, st.email, st.email);
                return;
        }
        if (r.err == AK_OK)
                return;
        if (r.err == AK_ERR_UNSUPPORTED)
                cli_note("%s: this server does not register devices (too old): backup works, "
                         "but this device has no personal code or push sign-in",
                         cmd);
        else if (r.err == AK_ERR_LIMIT && r.max_devices > 0)
                cli_note("%s: this device is not registered: the account has the most devices "
                         "it may have (%" PRIu64 "); remove one with 'authkeep devices remove "
                         "DEVICE', then run 'authkeep backup on' again",
                         cmd, r.max_devices);
        else if (r.err == AK_ERR_LIMIT)
                cli_note("%s: this device is not registered: the account has the most devices "
                         "it may have; remove one with 'authkeep devices remove DEVICE', then "
                         "run 'authkeep backup on' again",
                         cmd);
        else
                cli_note("%s: this device is not registered (%s%s%s); backup works; run "
                         "'authkeep backup on' again to register it",
                         cmd, ak_strerror(r.err), *r.detail ? ": " : "", r.detail);
}
