/*
 * Push sign-in on this device: authkeep listen [--once] [--json] waits for
 * sign-in requests (a long-poll the server answers the moment one comes)
 * and, on a terminal, asks for the number shown on the sign-in screen;
 * authkeep approve REQUEST --number N and deny REQUEST [--report] answer
 * one. The device key signs inside the library (include/authkeep/device.h).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "backup_words.h"
#include "cli.h"

#define LISTEN_WAIT_SECONDS 25
#define BACKOFF_MAX_SECONDS 30
#define SEEN_MAX 64
#define TARGETS_MAX 16        /* the personal accounts and work accounts listened to */
#define SHARED_WAIT_SECONDS 5 /* each account's wait when several take turns */

static const char listen_help[] =
    "usage: authkeep listen [--once] [--json]\n"
    "\n"
    "Waits for sign-in requests to this device's personal accounts (the backup's\n"
    "and those added with 'authkeep account add') and its work or school\n"
    "accounts, and shows each one: the account, where it comes from,\n"
    "which app, and the seconds left. With several accounts each server is asked\n"
    "in turn, for a few seconds each.\n"
    "On a terminal it asks for the number shown on the sign-in screen and\n"
    "approves with it; 'd' denies, 'r' denies and reports \"this was not me\".\n"
    "When the server cannot be reached it tries again, waiting longer each time.\n"
    "Ctrl-C stops it.\n"
    "\n"
    "  --json    one JSON object a line per request: request_id, account, from,\n"
    "            app, expires_at (never the number); nothing is asked\n"
    "  --once    exit after the first request\n";

static const char approve_help[] =
    "usage: authkeep approve REQUEST --number N\n"
    "\n"
    "Approves the sign-in request REQUEST (its id, as 'authkeep listen' shows it)\n"
    "with the number N shown on the sign-in screen, signed with this device's key.\n"
    "A number that does not match denies the sign-in.\n";

static const char deny_help[] =
    "usage: authkeep deny REQUEST [--report]\n"
    "\n"
    "Denies the sign-in request REQUEST. --report also says \"this was not me\":\n"
    "the server mutes sign-in requests for that account for a while and flags it.\n";

static volatile sig_atomic_t stop_requested;

static void on_interrupt(int sig)
{
        (void)sig;
        stop_requested = 1;
}

/* The clock the device header and the seconds left use: the real one (never AUTHKEEP_NOW). */
static int64_t real_now(void)
{
        return (int64_t)time(NULL);
}

/*
 * Where this device answers sign-ins: the backup's personal account (the
 * vault's own device id, on the backup's server), each personal account
 * added with 'authkeep account add' and each enrolled work account (a
 * derived device id, on that account's server), each with a client of
 * its own.
 */
struct target {
        struct ak_client *client;
        const char *device_id; /* NULL: the vault's own */
        char entry_id[AK_DEVICE_ID_LEN + 1];
        const struct ak_account *entry; /* the added or work entry; NULL for the backup's */
};

struct device {
        struct ak_vault *vault;
        struct ak_sync *sync;
        struct target targets[TARGETS_MAX];
        size_t count;
};

static void close_device(struct device *d)
{
        for (size_t i = 0; i < d->count; i++)
                ak_client_free(d->targets[i].client);
        ak_sync_free(d->sync);
        ak_vault_free(d->vault);
        memset(d, 0, sizeof(*d));
}

/*
 * Adds a client of the server of each verified work entry and added
 * personal entry; prints the error itself.
 */
static int add_entry_targets(const char *what, unsigned timeout_ms, struct device *d)
{
        const struct ak_account_list *accounts = ak_vault_accounts(d->vault);
        struct ak_sync_options o;

        backup_options(&o, false);
        if (timeout_ms > 0)
                o.client.timeout_ms = timeout_ms;
        for (size_t i = 0; i < accounts->count && d->count < TARGETS_MAX; i++) {
                const struct ak_account *a = &accounts->items[i];
                struct target *t = &d->targets[d->count];
                enum ak_err err;

                /* One that waits for verification gets no sign-in request. */
                if ((a->kind != AK_KIND_WORK && !ak_device_entry_added(d->vault, i)) ||
                    !ak_device_entry_verified(d->vault, i))
                        continue;
                err = ak_device_entry_id(t->entry_id, d->vault, i);
                if (err == AK_OK)
                        err = ak_device_entry_client(&t->client, d->vault, i, &o.client);
                if (err != AK_OK)
                        return cli_fail(err, what);
                t->device_id = t->entry_id;
                t->entry = a;
                d->count++;
        }
        return CLI_EXIT_OK;
}

/* The personal entry of the backup's account; false when there is none. */
static bool backup_entry(const struct device *d, size_t *index)
{
        struct ak_sync_status st;

        ak_sync_status(d->sync, &st);
        if (st.state == AK_SYNC_OFF ||
            ak_device_personal_find(ak_vault_accounts(d->vault), st.server, st.email, index) !=
                AK_OK) {
                ak_error_clear();
                return false;
        }
        return true;
}

/* The vault, the engine and a client per account of the device's; prints the error itself. */
static int open_device(const char *what, unsigned timeout_ms, struct device *d)
{
        enum ak_err err;

        memset(d, 0, sizeof(*d));
        d->vault = cli_open_vault();
        if (d->vault == NULL)
                return CLI_EXIT_FAIL;
        d->sync = backup_engine(d->vault, false);
        if (d->sync == NULL)
                return CLI_EXIT_FAIL;
        size_t own;
        bool has = backup_entry(d, &own);
        bool waits = has && !ak_device_entry_verified(d->vault, own);
        /*
         * The backup's account added with 'authkeep account add' before backup
         * went to it is listened to with the others (add_entry_targets), under
         * the id it was registered with.
         */
        bool added = has && ak_device_entry_added(d->vault, own);
        err = waits || added ? AK_ERR_BACKUP_OFF
                             : ak_sync_device_client(d->sync, timeout_ms, &d->targets[0].client);
        if (err == AK_OK)
                d->count = 1;
        else if (err != AK_ERR_BACKUP_OFF)
                return cli_fail(err, what);
        if (add_entry_targets(what, timeout_ms, d) != CLI_EXIT_OK)
                return CLI_EXIT_FAIL;
        struct ak_sync_status st;
        ak_sync_status(d->sync, &st);
        if (waits && d->count == 0)
                return cli_error("%s: this device waits for verification, so no sign-in request "
                                 "reaches it: run 'authkeep verify %s' first",
                                 what, st.email);
        if (waits)
                cli_note("%s: %s waits for verification on this device ('authkeep verify %s'): "
                         "its sign-ins do not reach it yet",
                         what, st.email, st.email);
        if (d->count == 0)
                return cli_error("%s: this device has no personal or work account: turn backup on "
                                 "with 'authkeep backup on --server URL --email EMAIL', or enrol "
                                 "with 'authkeep add --activation URI'",
                                 what);
        return CLI_EXIT_OK;
}

/* The line for a failure to fetch requests of `t`; CLI_EXIT_FAIL. */
static int requests_error(enum ak_err err, const char *what, const struct target *t)
{
        if (err == AK_ERR_AUTH && t->entry != NULL && t->entry->kind == AK_KIND_WORK)
                return cli_error("%s: this device is no longer enrolled in the work account %s at "
                                 "%s (the organisation removed it, or it was enrolled again); "
                                 "ask the administrator for a new activation code",
                                 what, t->entry->name, t->entry->issuer);
        if (err == AK_ERR_AUTH && t->entry != NULL)
                return cli_error("%s: this device is no longer registered on %s at %s (it was "
                                 "removed); run 'authkeep account add --server %s --email %s' "
                                 "again",
                                 what, t->entry->name, t->entry->issuer, t->entry->issuer,
                                 t->entry->name);
        if (err == AK_ERR_AUTH)
                return cli_error("%s: this device is no longer registered; run 'authkeep backup "
                                 "on' again to register it",
                                 what);
        if (err == AK_ERR_UNSUPPORTED)
                return cli_error("%s: this server has no push sign-in (it is too old)", what);
        return cli_fail(err, what);
}

/*
 * Words the server's answer; returns the exit status. `c` is the request
 * answered, `decision` what was asked.
 */
static int say_outcome(const char *what, const struct ak_signin_challenge *c,
                       enum ak_signin_decision decision, enum ak_signin_outcome outcome)
{
        switch (outcome) {
        case AK_SIGNIN_APPROVED:
                cli_printf("Approved: the sign-in to %s from %s (%s) goes ahead.\n", c->account,
                           c->from, c->app);
                return CLI_EXIT_OK;
        case AK_SIGNIN_DENIED:
                if (decision == AK_SIGNIN_REPORT)
                        cli_printf("Denied and reported: the sign-in to %s from %s was refused; "
                                   "requests for %s are muted for a while.\n",
                                   c->account, c->from, c->account);
                else
                        cli_printf("Denied: the sign-in to %s from %s was refused.\n", c->account,
                                   c->from);
                return CLI_EXIT_OK;
        case AK_SIGNIN_WRONG_NUMBER:
                return cli_error("%s: the number did not match; the sign-in was denied", what);
        case AK_SIGNIN_ALREADY_ANSWERED:
                return cli_error("%s: this sign-in request was answered already", what);
        case AK_SIGNIN_EXPIRED:
                return cli_error("%s: this sign-in request expired; start the sign-in again", what);
        case AK_SIGNIN_NOT_REGISTERED:
                return cli_error("%s: this device is no longer registered; run 'authkeep backup "
                                 "on' again to register it",
                                 what);
        case AK_SIGNIN_REPLAYED:
                return cli_error("%s: the server took the answer for a replay; try again", what);
        case AK_SIGNIN_UNKNOWN:
        default:
                return cli_error("%s: the server has no such sign-in request", what);
        }
}

/* Signs and sends one answer as the device of `t`, and words the outcome. */
static int answer(const char *what, const struct target *t, struct ak_vault *vault,
                  const struct ak_signin_challenge *c, enum ak_signin_decision decision,
                  unsigned number)
{
        enum ak_signin_outcome outcome;
        enum ak_err err;

        err = ak_client_signin_answer_as(t->client, vault, t->device_id, c, decision, number,
                                         real_now(), &outcome);
        if (err != AK_OK)
                return cli_fail(err, what);
        return say_outcome(what, c, decision, outcome);
}

/* ------------------------------------------------------------ listen */

static void print_request_json(const struct ak_signin_challenge *c)
{
        json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:I}", "request_id", c->request_id, "account",
                              c->account, "from", c->from, "app", c->app, "expires_at",
                              (json_int_t)c->expires_at);
        char *line = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

        if (line != NULL) {
                cli_write_raw(stdout, line, strlen(line));
                cli_write_raw(stdout, "\n", 1);
        }
        fflush(stdout);
        free(line);
        json_decref(j);
}

static void print_request(const struct ak_signin_challenge *c)
{
        int64_t left = c->expires_at - real_now();

        cli_printf("Sign-in request %s\n  account  %s\n  from     %s\n  app      %s\n"
                   "  expires  in %lld s\n",
                   c->request_id, c->account, c->from, *c->app ? c->app : "(not named)",
                   (long long)(left > 0 ? left : 0));
        fflush(stdout);
}

/* On a terminal: asks for the number and answers. */
static void ask_and_answer(const struct target *t, struct ak_vault *vault,
                           const struct ak_signin_challenge *c)
{
        char *line = NULL;
        unsigned long long number;
        enum ak_err err;

        cli_printf("Type the number shown on the sign-in screen to approve ('d' denies, "
                   "'r' reports, Enter skips): ");
        fflush(stdout);
        err = cli_read_stdin_line(&line);
        if (err != AK_OK || line == NULL || *line == '\0') {
                cli_printf("Skipped.\n");
        } else if (strcmp(line, "d") == 0) {
                (void)answer("listen", t, vault, c, AK_SIGNIN_DENY, 0);
        } else if (strcmp(line, "r") == 0) {
                (void)answer("listen", t, vault, c, AK_SIGNIN_REPORT, 0);
        } else if (cli_parse_uint(line, AK_SIGNIN_NUMBER_MAX, &number) &&
                   number >= AK_SIGNIN_NUMBER_MIN) {
                (void)answer("listen", t, vault, c, AK_SIGNIN_APPROVE, (unsigned)number);
        } else {
                cli_printf("Not a two-digit number: skipped.\n");
        }
        cli_free_secret(line);
}

/* What listening remembers across polls. */
struct listen_state {
        char seen[SEEN_MAX][AK_SIGNIN_ID_LEN + 1];
        size_t next;
        bool told_unreachable, shown, failed;
};

/* True when `id` was shown before; else remembers it. */
static bool seen_before(char seen[SEEN_MAX][AK_SIGNIN_ID_LEN + 1], size_t *next, const char *id)
{
        for (size_t i = 0; i < SEEN_MAX; i++)
                if (strcmp(seen[i], id) == 0)
                        return true;
        snprintf(seen[*next], AK_SIGNIN_ID_LEN + 1, "%s", id);
        *next = (*next + 1) % SEEN_MAX;
        return false;
}

/* Sleeps `seconds`, or less when interrupted. */
static void pause_for(unsigned seconds)
{
        struct timespec ts = {.tv_sec = (time_t)seconds, .tv_nsec = 0};

        if (!stop_requested)
                (void)nanosleep(&ts, NULL);
}

/*
 * One poll of `t` and what it shows; false when listening must stop (*rc
 * set). A busy or unreachable server is said once and tried again later.
 */
static bool poll_target(const struct target *t, struct device *d, unsigned wait, bool json,
                        bool once, bool interactive, struct listen_state *ls, int *rc)
{
        struct ak_signin_requests reqs = {0};
        enum ak_err err;

        err = ak_client_signin_requests_as(t->client, d->vault, t->device_id, wait, real_now(),
                                           &reqs);
        if (stop_requested) {
                ak_signin_requests_clear(&reqs);
                return false;
        }
        if (err == AK_ERR_NETWORK || err == AK_ERR_TIMEOUT || err == AK_ERR_SERVER ||
            err == AK_ERR_RATE_LIMITED || err == AK_ERR_PROTOCOL) {
                if (!ls->told_unreachable)
                        cli_note("listen: %s (%s); trying again", ak_strerror(err),
                                 ak_error_detail());
                ls->told_unreachable = true;
                ls->failed = true;
                return true;
        }
        if (err != AK_OK) {
                *rc = requests_error(err, "listen", t);
                return false;
        }
        for (size_t i = 0; i < reqs.count && !stop_requested; i++) {
                const struct ak_signin_challenge *c = &reqs.items[i];

                if (seen_before(ls->seen, &ls->next, c->request_id))
                        continue;
                ls->shown = true;
                if (json) {
                        print_request_json(c);
                } else {
                        print_request(c);
                        if (interactive)
                                ask_and_answer(t, d->vault, c);
                }
                if (once)
                        break;
        }
        ak_signin_requests_clear(&reqs);
        return !(once && ls->shown);
}

int cmd_listen(int argc, char **argv)
{
        static const struct option options[] = {
            {"once", no_argument, NULL, 'o'}, {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
        static struct listen_state ls;
        struct sigaction sa, old_int, old_term;
        struct device d;
        bool once = false, json = false, interactive;
        unsigned backoff = 1, wait;
        int opt, rc;

        if (cli_help(argc, argv, listen_help))
                return CLI_EXIT_OK;
        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                if (opt == 'o')
                        once = true;
                else if (opt == 'j')
                        json = true;
                else
                        return cli_option_error("listen", opt, argv);
        }
        if (optind < argc)
                return cli_usage_error("listen", "unexpected argument '%s'", argv[optind]);
        interactive = !json && isatty(STDIN_FILENO);
        rc = open_device("listen", LISTEN_WAIT_SECONDS * 1000u + AK_DEVICE_WAIT_SLACK_MS, &d);
        if (rc != CLI_EXIT_OK)
                goto done;
        /* One account waits long; several take turns, each answering within SHARED_WAIT. */
        wait = d.count == 1 ? LISTEN_WAIT_SECONDS : SHARED_WAIT_SECONDS;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_interrupt; /* no SA_RESTART: a wait ends at once */
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        if (!json) {
                cli_printf("Waiting for sign-in requests (Ctrl-C stops)...\n");
                fflush(stdout);
        }
        rc = CLI_EXIT_OK;
        while (!stop_requested) {
                bool go_on = true;

                ls.shown = false;
                ls.failed = false;
                for (size_t i = 0; i < d.count && go_on && !stop_requested; i++)
                        go_on =
                            poll_target(&d.targets[i], &d, wait, json, once, interactive, &ls, &rc);
                if (!go_on)
                        break;
                if (ls.failed) {
                        pause_for(backoff);
                        backoff =
                            backoff * 2 > BACKOFF_MAX_SECONDS ? BACKOFF_MAX_SECONDS : backoff * 2;
                        continue;
                }
                if (ls.told_unreachable && !json)
                        cli_note("listen: the server answers again");
                ls.told_unreachable = false;
                backoff = 1;
                /* Requests shown already come back until answered: do not ask again at once. */
                if (!ls.shown)
                        pause_for(1);
        }
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
done:
        close_device(&d);
        return rc;
}

/* ------------------------------------------------------ approve, deny */

/* Fetches the pending requests of every account (no wait) and answers REQUEST. */
static int answer_request(const char *what, const char *request, enum ak_signin_decision decision,
                          unsigned number)
{
        struct ak_signin_requests reqs = {0};
        struct device d;
        int rc;

        rc = open_device(what, 0, &d);
        for (size_t i = 0; rc == CLI_EXIT_OK && i < d.count; i++) {
                const struct target *t = &d.targets[i];
                enum ak_err err = ak_client_signin_requests_as(t->client, d.vault, t->device_id, 0,
                                                               real_now(), &reqs);

                if (err != AK_OK) {
                        rc = requests_error(err, what, t);
                        break;
                }
                for (size_t k = 0; k < reqs.count; k++)
                        if (strcmp(reqs.items[k].request_id, request) == 0) {
                                rc = answer(what, t, d.vault, &reqs.items[k], decision, number);
                                goto done;
                        }
                ak_signin_requests_clear(&reqs);
        }
        if (rc == CLI_EXIT_OK)
                rc = cli_error("%s: no pending sign-in request %s for this device (it was "
                               "answered, expired or never made)",
                               what, request);
done:
        ak_signin_requests_clear(&reqs);
        close_device(&d);
        return rc;
}

int cmd_approve(int argc, char **argv)
{
        static const struct option options[] = {{"number", required_argument, NULL, 'n'},
                                                {NULL, 0, NULL, 0}};
        const char *number_text = NULL;
        unsigned long long number;
        int opt;

        if (cli_help(argc, argv, approve_help))
                return CLI_EXIT_OK;
        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                if (opt == 'n')
                        number_text = optarg;
                else
                        return cli_option_error("approve", opt, argv);
        }
        if (optind + 1 != argc)
                return cli_usage_error("approve", "give one REQUEST");
        if (number_text == NULL)
                return cli_usage_error("approve", "give the number shown on the sign-in screen: "
                                                  "--number N");
        if (!cli_parse_uint(number_text, AK_SIGNIN_NUMBER_MAX, &number) ||
            number < AK_SIGNIN_NUMBER_MIN)
                return cli_usage_error("approve",
                                       "--number: '%s' is not the two-digit number "
                                       "shown on the sign-in screen",
                                       number_text);
        return answer_request("approve", argv[optind], AK_SIGNIN_APPROVE, (unsigned)number);
}

int cmd_deny(int argc, char **argv)
{
        static const struct option options[] = {{"report", no_argument, NULL, 'r'},
                                                {NULL, 0, NULL, 0}};
        bool report = false;
        int opt;

        if (cli_help(argc, argv, deny_help))
                return CLI_EXIT_OK;
        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                if (opt == 'r')
                        report = true;
                else
                        return cli_option_error("deny", opt, argv);
        }
        if (optind + 1 != argc)
                return cli_usage_error("deny", "give one REQUEST");
        return answer_request("deny", argv[optind], report ? AK_SIGNIN_REPORT : AK_SIGNIN_DENY, 0);
}
