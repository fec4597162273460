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

static const char listen_help[] =
    "usage: authkeep listen [--once] [--json]\n"
    "\n"
    "Waits for sign-in requests to this device's personal account and shows\n"
    "each one: the account, where it comes from, which app, and the seconds left.\n"
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

/* The vault, the engine and a client for the device's own calls; prints the error itself. */
static int open_device(const char *what, unsigned timeout_ms, struct ak_vault **vault,
                       struct ak_sync **sync, struct ak_client **client)
{
        enum ak_err err;

        *sync = NULL;
        *client = NULL;
        *vault = cli_open_vault();
        if (*vault == NULL)
                return CLI_EXIT_FAIL;
        *sync = backup_engine(*vault, false);
        if (*sync == NULL)
                return CLI_EXIT_FAIL;
        err = ak_sync_device_client(*sync, timeout_ms, client);
        if (err == AK_ERR_BACKUP_OFF)
                return cli_error("%s: this device has no personal account: turn backup on with "
                                 "'authkeep backup on --server URL --email EMAIL'",
                                 what);
        if (err != AK_OK)
                return cli_fail(err, what);
        struct ak_sync_status st;
        size_t index;

        ak_sync_status(*sync, &st);
        if (ak_device_personal_find(ak_vault_accounts(*vault), st.server, st.email, &index) ==
                AK_OK &&
            !ak_device_entry_verified(*vault, index))
                return cli_error("%s: this device waits for verification, so no sign-in request "
                                 "reaches it: run 'authkeep verify %s' first",
                                 what, st.email);
        ak_error_clear();
        return CLI_EXIT_OK;
}

/* The line for a failure to fetch requests; CLI_EXIT_FAIL. */
static int requests_error(enum ak_err err, const char *what)
{
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

/* Signs and sends one answer, and words the outcome. */
static int answer(const char *what, struct ak_client *client, struct ak_vault *vault,
                  const struct ak_signin_challenge *c, enum ak_signin_decision decision,
                  unsigned number)
{
        enum ak_signin_outcome outcome;
        enum ak_err err;

        err = ak_client_signin_answer(client, vault, c, decision, number, real_now(), &outcome);
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
static void ask_and_answer(struct ak_client *client, struct ak_vault *vault,
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
                (void)answer("listen", client, vault, c, AK_SIGNIN_DENY, 0);
        } else if (strcmp(line, "r") == 0) {
                (void)answer("listen", client, vault, c, AK_SIGNIN_REPORT, 0);
        } else if (cli_parse_uint(line, AK_SIGNIN_NUMBER_MAX, &number) &&
                   number >= AK_SIGNIN_NUMBER_MIN) {
                (void)answer("listen", client, vault, c, AK_SIGNIN_APPROVE, (unsigned)number);
        } else {
                cli_printf("Not a two-digit number: skipped.\n");
        }
        cli_free_secret(line);
}

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

int cmd_listen(int argc, char **argv)
{
        static const struct option options[] = {
            {"once", no_argument, NULL, 'o'}, {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
        static char seen[SEEN_MAX][AK_SIGNIN_ID_LEN + 1];
        struct sigaction sa, old_int, old_term;
        struct ak_vault *vault = NULL;
        struct ak_sync *sync = NULL;
        struct ak_client *client = NULL;
        bool once = false, json = false, interactive, told_unreachable = false;
        unsigned backoff = 1;
        size_t next = 0;
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
        rc = open_device("listen", LISTEN_WAIT_SECONDS * 1000u + AK_DEVICE_WAIT_SLACK_MS, &vault,
                         &sync, &client);
        if (rc != CLI_EXIT_OK)
                goto done;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_interrupt; /* no SA_RESTART: a wait ends at once */
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        if (!json) {
                cli_printf("Waiting for sign-in requests (Ctrl-C stops)...\n");
                fflush(stdout);
        }
        while (!stop_requested) {
                struct ak_signin_requests reqs = {0};
                bool shown = false;
                enum ak_err err;

                err = ak_client_signin_requests(client, vault, LISTEN_WAIT_SECONDS, real_now(),
                                                &reqs);
                if (stop_requested) {
                        ak_signin_requests_clear(&reqs);
                        break;
                }
                if (err == AK_ERR_NETWORK || err == AK_ERR_TIMEOUT || err == AK_ERR_SERVER ||
                    err == AK_ERR_RATE_LIMITED || err == AK_ERR_PROTOCOL) {
                        if (!told_unreachable)
                                cli_note("listen: %s (%s); trying again", ak_strerror(err),
                                         ak_error_detail());
                        told_unreachable = true;
                        pause_for(backoff);
                        backoff =
                            backoff * 2 > BACKOFF_MAX_SECONDS ? BACKOFF_MAX_SECONDS : backoff * 2;
                        continue;
                }
                if (err != AK_OK) {
                        rc = requests_error(err, "listen");
                        goto restore;
                }
                if (told_unreachable && !json)
                        cli_note("listen: the server answers again");
                told_unreachable = false;
                backoff = 1;
                for (size_t i = 0; i < reqs.count && !stop_requested; i++) {
                        const struct ak_signin_challenge *c = &reqs.items[i];

                        if (seen_before(seen, &next, c->request_id))
                                continue;
                        shown = true;
                        if (json) {
                                print_request_json(c);
                        } else {
                                print_request(c);
                                if (interactive)
                                        ask_and_answer(client, vault, c);
                        }
                        if (once)
                                break;
                }
                ak_signin_requests_clear(&reqs);
                if (once && shown)
                        break;
                /* Requests shown already come back until answered: do not ask again at once. */
                if (!shown)
                        pause_for(1);
        }
        rc = CLI_EXIT_OK;
restore:
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
done:
        ak_client_free(client);
        ak_sync_free(sync);
        ak_vault_free(vault);
        return rc;
}

/* ------------------------------------------------------ approve, deny */

/* Fetches the pending requests (no wait) and answers REQUEST. */
static int answer_request(const char *what, const char *request, enum ak_signin_decision decision,
                          unsigned number)
{
        struct ak_signin_requests reqs = {0};
        struct ak_vault *vault = NULL;
        struct ak_sync *sync = NULL;
        struct ak_client *client = NULL;
        const struct ak_signin_challenge *c = NULL;
        enum ak_err err;
        int rc;

        rc = open_device(what, 0, &vault, &sync, &client);
        if (rc != CLI_EXIT_OK)
                goto done;
        err = ak_client_signin_requests(client, vault, 0, real_now(), &reqs);
        if (err != AK_OK) {
                rc = requests_error(err, what);
                goto done;
        }
        for (size_t i = 0; i < reqs.count; i++)
                if (strcmp(reqs.items[i].request_id, request) == 0)
                        c = &reqs.items[i];
        if (c == NULL) {
                rc = cli_error("%s: no pending sign-in request %s for this device (it was "
                               "answered, expired or never made)",
                               what, request);
                goto done;
        }
        rc = answer(what, client, vault, c, decision, number);
done:
        ak_signin_requests_clear(&reqs);
        ak_client_free(client);
        ak_sync_free(sync);
        ak_vault_free(vault);
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
