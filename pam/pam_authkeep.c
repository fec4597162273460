/*
 * pam_authkeep.so: a PAM auth module that has a sign-in approved on the
 * person's device (docs/pam.md).
 *
 *     auth required pam_authkeep.so server=URL [user_map=FILE] [timeout=S]
 *                                   [ca_file=PATH] [fail=closed|open] [app=TEXT] [debug]
 *
 * It maps the PAM user to an account's email, starts a push sign-in on the
 * server, shows the number through the PAM conversation, then asks once:
 * a per-device code typed there is checked on the server; Enter waits for
 * the device's answer (a long-poll, at most timeout=S seconds). Nothing is
 * kept between calls, and the module uses no global state of its own, so
 * that it may be loaded by a process that authenticates many users.
 *
 * Return codes (docs/pam.md has the table): PAM_SUCCESS when the device
 * approved or a code was accepted, or when fail=open and the server could
 * not be reached; PAM_AUTH_ERR for a denial, an expiry, no answer in time,
 * a code refused, a cancelled prompt or a refusal by the server;
 * PAM_AUTHINFO_UNAVAIL when fail=closed and the server could not be
 * reached; PAM_USER_UNKNOWN for a user without an account's email;
 * PAM_SERVICE_ERR for a bad configuration; PAM_CONV_ERR when the
 * conversation fails.
 *
 * Logging (syslog, LOG_AUTHPRIV through pam_syslog): one line per outcome
 * that names the user and the email; never a code, never the number.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define PAM_SM_AUTH
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include <sodium.h>

#include "internal.h"
#include "pam_authkeep.h"

#define PROMPT "Code from your device, or Enter once approved: "
/* Below this, a long-poll that answers "pending" did not wait: the next one waits a second. */
#define POLL_MIN_MS 500

/* One sign-in: what every step and log line needs. */
struct attempt {
        pam_handle_t *pamh;
        const struct pam_ak_config *cfg;
        int flags;
        char user[65];                    /* the PAM user, printable, for logs */
        char email[PAM_AK_EMAIL_MAX + 1]; /* the account */
        char request_id[PAM_AK_REQUEST_ID_LEN + 1];
};

static long long monotonic_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One log line about this attempt: "USER (EMAIL): ...". */
__attribute__((format(printf, 3, 4))) static void note(const struct attempt *a, int priority,
                                                       const char *fmt, ...)
{
        char text[PAM_AK_WHY_MAX + 256];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        if (a->email[0] != '\0')
                pam_syslog(a->pamh, priority, "%s (%s): %s", a->user, a->email, text);
        else
                pam_syslog(a->pamh, priority, "%s: %s", a->user, text);
}

/* Tells the person why the sign-in failed (PAM_ERROR_MSG), unless PAM_SILENT. */
__attribute__((format(printf, 2, 3))) static void tell(const struct attempt *a, const char *fmt,
                                                       ...)
{
        va_list ap;

        if ((a->flags & PAM_SILENT) != 0)
                return;
        va_start(ap, fmt);
        pam_verror(a->pamh, fmt, ap);
        va_end(ap);
}

/*
 * The server could not be reached (or gave no usable answer): fail=open
 * lets the person in without a second factor, with a warning in the log
 * and on the screen; fail=closed refuses with PAM_AUTHINFO_UNAVAIL, which
 * a stack may also treat on its own ("authinfo_unavail=ignore").
 */
static int unreachable(const struct attempt *a, const char *why)
{
        if (a->cfg->fail_open) {
                note(a, LOG_WARNING,
                     "the server cannot be reached (%s); fail=open: signed in without approval",
                     why);
                tell(a, "The Authkeep server cannot be reached: signed in without approval.");
                return PAM_SUCCESS;
        }
        note(a, LOG_ERR, "the server cannot be reached (%s); fail=closed: refused", why);
        tell(a, "The Authkeep server cannot be reached; try again later.");
        return PAM_AUTHINFO_UNAVAIL;
}

/*
 * The account of the PAM user: its line in the user map, or, without a
 * map, the user name itself when it is an email. PAM_USER_UNKNOWN when
 * there is none (nothing is sent then); PAM_SERVICE_ERR when the map
 * cannot be used.
 */
static int find_email(struct attempt *a, const char *user)
{
        char why[PAM_AK_WHY_MAX], *map = NULL;
        size_t len = 0;
        enum pam_ak_map_result found;

        if (a->cfg->user_map == NULL) {
                if (!ak__email_valid(user)) {
                        note(a, LOG_NOTICE, "not an email address and no user_map: refused");
                        return PAM_USER_UNKNOWN;
                }
                snprintf(a->email, sizeof(a->email), "%s", user);
                return PAM_SUCCESS;
        }
        if (pam_ak_map_read(a->cfg->user_map, &map, &len, why) != 0) {
                note(a, LOG_ERR, "refusing every sign-in: %s", why);
                return PAM_SERVICE_ERR;
        }
        found = pam_ak_map_find(map, len, user, a->email, why);
        free(map);
        if (found == PAM_AK_MAP_BAD) {
                note(a, LOG_ERR, "refusing every sign-in: user_map %s, %s", a->cfg->user_map, why);
                return PAM_SERVICE_ERR;
        }
        if (found == PAM_AK_MAP_UNKNOWN) {
                note(a, LOG_NOTICE, "not in user_map %s: refused", a->cfg->user_map);
                return PAM_USER_UNKNOWN;
        }
        return PAM_SUCCESS;
}

/* The text the device shows: app=, or "SERVICE on HOST[ from RHOST]". */
static void app_of(const struct attempt *a, char app[PAM_AK_APP_MAX + 1])
{
        const void *service = NULL, *rhost = NULL;
        char host[256] = "";

        if (pam_get_item(a->pamh, PAM_SERVICE, &service) != PAM_SUCCESS)
                service = NULL;
        if (pam_get_item(a->pamh, PAM_RHOST, &rhost) != PAM_SUCCESS)
                rhost = NULL;
        if (gethostname(host, sizeof(host) - 1) != 0)
                host[0] = '\0';
        host[sizeof(host) - 1] = '\0';
        pam_ak_app_text(app, a->cfg->app, service, host, rhost);
}

/* Waits for the device's answer, at most timeout=S seconds. */
static int wait_for_answer(struct attempt *a)
{
        long long deadline = monotonic_ms() + 1000LL * a->cfg->timeout;
        char why[PAM_AK_WHY_MAX];

        for (;;) {
                long long left = deadline - monotonic_ms(), started = monotonic_ms();
                enum pam_ak_state state = PAM_AK_PENDING;
                enum pam_ak_reply r;

                if (left <= 0) {
                        note(a, LOG_NOTICE, "no answer from the device within %u s: refused",
                             a->cfg->timeout);
                        tell(a, "No answer from your device in time.");
                        return PAM_AUTH_ERR;
                }
                r = pam_ak_signin_wait(a->cfg->server, a->cfg->ca_file, a->request_id,
                                       (unsigned)((left + 999) / 1000), &state, why);
                if (r == PAM_AK_UNREACHABLE)
                        return unreachable(a, why);
                if (r == PAM_AK_REFUSED) {
                        note(a, LOG_NOTICE, "waiting for the answer: %s: refused", why);
                        tell(a, "The sign-in request is no longer known to the server.");
                        return PAM_AUTH_ERR;
                }
                if (a->cfg->debug)
                        note(a, LOG_DEBUG, "request %s: %s", a->request_id,
                             state == PAM_AK_PENDING ? "pending" : "answered");
                switch (state) {
                case PAM_AK_APPROVED:
                        note(a, LOG_NOTICE, "approved on the device");
                        return PAM_SUCCESS;
                case PAM_AK_DENIED:
                        note(a, LOG_NOTICE, "denied on the device (or a wrong number): refused");
                        tell(a, "The sign-in was denied on the device.");
                        return PAM_AUTH_ERR;
                case PAM_AK_EXPIRED:
                        note(a, LOG_NOTICE, "the request expired: refused");
                        tell(a, "The request expired.");
                        return PAM_AUTH_ERR;
                case PAM_AK_PENDING:
                        break;
                }
                if (monotonic_ms() - started < POLL_MIN_MS)
                        sleep(1); /* a server that does not wait must not make us spin */
        }
}

/* Checks the per-device code typed at the prompt. */
static int check_code(struct attempt *a, const char code[PAM_AK_CODE_LEN + 1])
{
        char why[PAM_AK_WHY_MAX];
        enum pam_ak_reply r =
            pam_ak_totp_verify(a->cfg->server, a->cfg->ca_file, a->email, code, why);

        if (r == PAM_AK_OK) {
                note(a, LOG_NOTICE, "a per-device code was accepted");
                return PAM_SUCCESS;
        }
        if (r == PAM_AK_UNREACHABLE)
                return unreachable(a, why);
        note(a, LOG_NOTICE, "a per-device code was refused (%s)", why);
        tell(a, "The code was not accepted.");
        return PAM_AUTH_ERR;
}

/*
 * Reads what was typed: "" (only blanks) is Enter; six digits, blanks
 * allowed between them ("123 456"), are a code, copied to `code`. -1 for
 * anything else.
 */
static int read_answer(const char *typed, char code[PAM_AK_CODE_LEN + 1])
{
        size_t digits = 0;

        for (const char *p = typed; *p != '\0'; p++) {
                if (*p == ' ' || *p == '\t')
                        continue;
                if (*p < '0' || *p > '9' || digits == PAM_AK_CODE_LEN)
                        return -1;
                code[digits++] = *p;
        }
        code[digits] = '\0';
        return digits == 0 || digits == PAM_AK_CODE_LEN ? (int)digits : -1;
}

/* Starts the sign-in, shows the number, asks, and follows what was typed. */
static int sign_in(struct attempt *a)
{
        struct pam_ak_signin s;
        char app[PAM_AK_APP_MAX + 1], why[PAM_AK_WHY_MAX], code[PAM_AK_CODE_LEN + 1];
        char *typed = NULL;
        enum pam_ak_reply r;
        int rc, kind;

        app_of(a, app);
        r = pam_ak_signin_start(a->cfg->server, a->cfg->ca_file, a->email, app, &s, why);
        if (r == PAM_AK_UNREACHABLE)
                return unreachable(a, why);
        if (r == PAM_AK_REFUSED) {
                note(a, LOG_NOTICE, "the server refused the sign-in: %s", why);
                tell(a, "The Authkeep server refused the sign-in: %s.", why);
                return PAM_AUTH_ERR;
        }
        memcpy(a->request_id, s.request_id, sizeof(a->request_id));
        if (a->cfg->debug)
                note(a, LOG_DEBUG, "request %s started for '%s'", a->request_id, app);
        rc = pam_info(a->pamh, "Approve the sign-in on your device: number %u", s.number);
        if (rc != PAM_SUCCESS) {
                note(a, LOG_NOTICE, "the conversation failed: %s", pam_strerror(a->pamh, rc));
                return PAM_CONV_ERR;
        }
        rc = pam_prompt(a->pamh, PAM_PROMPT_ECHO_OFF, &typed, "%s", PROMPT);
        if (rc != PAM_SUCCESS) {
                note(a, LOG_NOTICE, "the conversation failed: %s", pam_strerror(a->pamh, rc));
                if (typed != NULL)
                        ak_secret_free_str(typed);
                return PAM_CONV_ERR;
        }
        if (typed == NULL) {
                note(a, LOG_NOTICE, "cancelled at the prompt: refused");
                return PAM_AUTH_ERR;
        }
        kind = read_answer(typed, code);
        ak_secret_free_str(typed);
        if (kind < 0) {
                sodium_memzero(code, sizeof(code));
                note(a, LOG_NOTICE, "typed neither a code nor Enter: refused");
                tell(a, "Type the 6-digit code from your device, or only Enter once approved.");
                return PAM_AUTH_ERR;
        }
        if (kind == 0)
                return wait_for_answer(a);
        rc = check_code(a, code);
        sodium_memzero(code, sizeof(code));
        return rc;
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        struct pam_ak_config cfg;
        struct attempt a = {.pamh = pamh, .cfg = &cfg, .flags = flags, .user = "?"};
        char why[PAM_AK_WHY_MAX];
        const char *user = NULL;
        int rc;

        if (pam_ak_config_parse(&cfg, argc, argv, why) != 0) {
                pam_syslog(pamh, LOG_ERR, "refusing every sign-in: %s", why);
                return PAM_SERVICE_ERR;
        }
        rc = pam_get_user(pamh, &user, NULL);
        if (rc == PAM_CONV_AGAIN)
                return PAM_INCOMPLETE;
        if (rc != PAM_SUCCESS) {
                pam_syslog(pamh, LOG_NOTICE, "no user name: %s", pam_strerror(pamh, rc));
                return rc;
        }
        if (user == NULL || *user == '\0')
                return PAM_USER_UNKNOWN;
        pam_ak_printable(a.user, sizeof(a.user), user);
        rc = find_email(&a, user);
        if (rc != PAM_SUCCESS)
                return rc;
        return sign_in(&a);
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        (void)pamh, (void)flags, (void)argc, (void)argv;
        return PAM_SUCCESS;
}
