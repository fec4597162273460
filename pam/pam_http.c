/*
 * pam_authkeep.so's three calls to authkeepd (docs/api.md, "Push sign-in"
 * and "Codes"): start a sign-in, wait for its answer, check a per-device
 * code. The exchange itself is libauthkeep's libcurl transport
 * (ak_http_curl: no redirects, no proxy on plain http, the CA file, caps on
 * the answer), with the server URL checked by ak_client_check_url; the
 * module does not use the library's client, which is built around a
 * device's vault and keys that a PAM stack has none of.
 *
 * What a call's outcome means to the module: an answer of the expected
 * shape is PAM_AK_OK; a 4xx is a refusal by a server that works
 * (PAM_AK_REFUSED, never a reason to fail open); anything else, a server
 * that cannot be reached, a certificate that is not trusted, a time-out, a
 * 5xx or an answer of another shape, is PAM_AK_UNREACHABLE, for fail=open
 * or fail=closed to decide.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "authkeep/authkeep.h"
#include "internal.h"
#include "pam_authkeep.h"

/* A POST's time, connect plus answer; a long-poll gets its wait on top. */
#define CALL_TIMEOUT_MS 15000L
/* The largest answer taken: each is a few dozen bytes. */
#define ANSWER_MAX 4096
/* The server's longest wait (docs/api.md: 0 <= S <= 60). */
#define WAIT_MAX 60
/* A Retry-After worth saying: at most a year. */
#define RETRY_AFTER_MAX (366L * 86400)

#define WHY(...) snprintf(why, PAM_AK_WHY_MAX, __VA_ARGS__)

/* ---- the answers ---- */

static json_t *load_object(const char *body, size_t len)
{
        json_t *root;

        if (body == NULL || len > ANSWER_MAX)
                return NULL;
        root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
        if (root != NULL && !json_is_object(root)) {
                json_decref(root);
                return NULL;
        }
        return root;
}

static bool lower_hex(const char *s, size_t len)
{
        for (size_t i = 0; i < len; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

bool pam_ak_parse_signin(const char *body, size_t len, struct pam_ak_signin *out)
{
        json_t *root = load_object(body, len), *id, *number, *expires;
        bool ok = false;

        if (root == NULL)
                return false;
        id = json_object_get(root, "request_id");
        number = json_object_get(root, "number");
        expires = json_object_get(root, "expires_at");
        if (json_is_string(id) && json_string_length(id) == PAM_AK_REQUEST_ID_LEN &&
            lower_hex(json_string_value(id), PAM_AK_REQUEST_ID_LEN) && json_is_integer(number) &&
            json_integer_value(number) >= 10 && json_integer_value(number) <= 99 &&
            json_is_integer(expires) && json_integer_value(expires) > 0) {
                memcpy(out->request_id, json_string_value(id), PAM_AK_REQUEST_ID_LEN + 1);
                out->number = (unsigned)json_integer_value(number);
                out->expires_at = (int64_t)json_integer_value(expires);
                ok = true;
        }
        json_decref(root);
        return ok;
}

bool pam_ak_parse_state(const char *body, size_t len, enum pam_ak_state *out)
{
        static const char *const names[] = {
            [PAM_AK_PENDING] = "pending",
            [PAM_AK_APPROVED] = "approved",
            [PAM_AK_DENIED] = "denied",
            [PAM_AK_EXPIRED] = "expired",
        };
        json_t *root = load_object(body, len), *state;
        bool ok = false;

        if (root == NULL)
                return false;
        state = json_object_get(root, "state");
        for (size_t i = 0; json_is_string(state) && i < sizeof(names) / sizeof(names[0]); i++)
                if (strcmp(json_string_value(state), names[i]) == 0) {
                        *out = (enum pam_ak_state)i;
                        ok = true;
                        break;
                }
        json_decref(root);
        return ok;
}

void pam_ak_parse_refusal(const char *body, size_t len, char *error, size_t cap, long *retry_after)
{
        json_t *root = load_object(body, len), *code, *retry;

        if (cap > 0)
                error[0] = '\0';
        *retry_after = 0;
        if (root == NULL)
                return;
        code = json_object_get(root, "error");
        if (json_is_string(code) && json_string_length(code) > 0 &&
            json_string_length(code) < cap &&
            strspn(json_string_value(code), "abcdefghijklmnopqrstuvwxyz_") ==
                json_string_length(code))
                memcpy(error, json_string_value(code), json_string_length(code) + 1);
        retry = json_object_get(root, "retry_after");
        if (json_is_integer(retry) && json_integer_value(retry) > 0 &&
            json_integer_value(retry) <= RETRY_AFTER_MAX)
                *retry_after = (long)json_integer_value(retry);
        json_decref(root);
}

/* ---- the calls ---- */

struct answer {
        long status;
        long retry_after; /* from a Retry-After header */
        char *body;       /* NUL-terminated, malloc'd */
        size_t len;
};

static void answer_free(struct answer *a)
{
        ak_secret_free(a->body, a->len);
        a->body = NULL;
}

/*
 * Sends `method` to the server's `path` with the JSON `body` (NULL: none).
 * PAM_AK_OK with *a filled (the caller frees it with answer_free) for any
 * status under 500; else PAM_AK_UNREACHABLE with `why`.
 */
static enum pam_ak_reply call(const char *server, const char *ca_file, const char *method,
                              const char *path, const struct ak__buf *body, long timeout_ms,
                              struct answer *a, char why[PAM_AK_WHY_MAX])
{
        struct ak__buf url = {0};
        struct ak_http_exchange x = {
            .method = method, .ca_file = ca_file, .timeout_ms = timeout_ms};
        size_t n = strlen(server);
        enum ak_err err;

        *a = (struct answer){0};
        while (n > 0 && server[n - 1] == '/')
                n--;
        ak__buf_add(&url, server, n);
        ak__buf_lit(&url, path);
        if (!ak__buf_reserve(&url, 0)) {
                WHY("out of memory");
                return PAM_AK_UNREACHABLE;
        }
        x.url = url.data;
        if (body != NULL) {
                x.body = body->data;
                x.body_len = body->len;
        }
        err = ak_http_curl(NULL, &x);
        ak__buf_free(&url);
        if (err != AK_OK) {
                WHY("%.*s: %s", (int)n, server, x.detail[0] ? x.detail : ak_strerror(err));
                return PAM_AK_UNREACHABLE;
        }
        if (x.status >= 500 || x.status < 200) {
                WHY("%.*s: %s %s answered HTTP %ld", (int)n, server, method, path, x.status);
                ak_secret_free(x.answer, x.answer_len);
                return PAM_AK_UNREACHABLE;
        }
        *a = (struct answer){.status = x.status,
                             .retry_after = x.retry_after,
                             .body = x.answer,
                             .len = x.answer_len};
        return PAM_AK_OK;
}

/* Says what a 4xx of `what` means, in `why`; PAM_AK_REFUSED. */
static enum pam_ak_reply refused(const char *what, const struct answer *a, char why[PAM_AK_WHY_MAX])
{
        char code[64], later[32] = "later";
        long retry;

        pam_ak_parse_refusal(a->body, a->len, code, sizeof(code), &retry);
        if (retry == 0)
                retry = a->retry_after;
        if (retry > 0)
                snprintf(later, sizeof(later), "in %ld s", retry);
        if (strcmp(code, "muted") == 0)
                WHY("sign-in requests for this account are paused after a report from its "
                    "device; try again %s",
                    later);
        else if (strcmp(code, "rate_limited") == 0)
                WHY("too many sign-in requests for this account; try again %s", later);
        else if (strcmp(code, "locked_out") == 0)
                WHY("too many failed sign-ins for this account; try again later");
        else if (strcmp(code, "bad_code") == 0)
                WHY("the code was not accepted");
        else
                WHY("%s: the server refused it (HTTP %ld%s%s)", what, a->status,
                    code[0] ? ", " : "", code);
        return PAM_AK_REFUSED;
}

/* An answer of the right status but not of the expected shape. */
static enum pam_ak_reply malformed(const char *server, const char *what, char why[PAM_AK_WHY_MAX])
{
        WHY("%s: the answer to %s is not what authkeepd sends", server, what);
        return PAM_AK_UNREACHABLE;
}

/*
 * Starts a body {"email": EMAIL, ... in `body`; the caller adds the rest.
 * post() sends it and wipes it.
 */
static void email_body(struct ak__buf *body, const char *email)
{
        ak__buf_lit(body, "{\"email\":");
        ak__buf_json_str(body, email);
}

/* POSTs `body` (then wiped and freed) to `path`, as call() does. */
static enum pam_ak_reply post(const char *server, const char *ca_file, const char *path,
                              struct ak__buf *body, struct answer *a, char why[PAM_AK_WHY_MAX])
{
        enum pam_ak_reply r;

        if (body->failed) {
                ak__buf_free(body);
                WHY("out of memory");
                return PAM_AK_UNREACHABLE;
        }
        r = call(server, ca_file, "POST", path, body, CALL_TIMEOUT_MS, a, why);
        ak__buf_free(body);
        return r;
}

enum pam_ak_reply pam_ak_signin_start(const char *server, const char *ca_file, const char *email,
                                      const char *app, struct pam_ak_signin *out,
                                      char why[PAM_AK_WHY_MAX])
{
        struct ak__buf body = {0};
        struct answer a;
        enum pam_ak_reply r;

        email_body(&body, email);
        ak__buf_lit(&body, ",\"app\":");
        ak__buf_json_str(&body, app);
        ak__buf_lit(&body, "}");
        r = post(server, ca_file, "/v1/signin", &body, &a, why);
        if (r != PAM_AK_OK)
                return r;
        if (a.status != 201)
                r = a.status >= 400 ? refused("POST /v1/signin", &a, why)
                                    : malformed(server, "POST /v1/signin", why);
        else if (!pam_ak_parse_signin(a.body, a.len, out))
                r = malformed(server, "POST /v1/signin", why);
        answer_free(&a);
        return r;
}

enum pam_ak_reply pam_ak_signin_wait(const char *server, const char *ca_file,
                                     const char *request_id, unsigned wait,
                                     enum pam_ak_state *state, char why[PAM_AK_WHY_MAX])
{
        char path[96];
        struct answer a;
        enum pam_ak_reply r;

        if (strlen(request_id) != PAM_AK_REQUEST_ID_LEN ||
            !lower_hex(request_id, PAM_AK_REQUEST_ID_LEN)) {
                WHY("not a request id");
                return PAM_AK_REFUSED;
        }
        if (wait > WAIT_MAX)
                wait = WAIT_MAX;
        snprintf(path, sizeof(path), "/v1/signin/%s?wait=%u", request_id, wait);
        r = call(server, ca_file, "GET", path, NULL, CALL_TIMEOUT_MS + 1000L * wait, &a, why);
        if (r != PAM_AK_OK)
                return r;
        if (a.status != 200)
                r = a.status >= 400 ? refused("GET /v1/signin", &a, why)
                                    : malformed(server, "GET /v1/signin", why);
        else if (!pam_ak_parse_state(a.body, a.len, state))
                r = malformed(server, "GET /v1/signin", why);
        answer_free(&a);
        return r;
}

enum pam_ak_reply pam_ak_totp_verify(const char *server, const char *ca_file, const char *email,
                                     const char code[PAM_AK_CODE_LEN + 1], char why[PAM_AK_WHY_MAX])
{
        struct ak__buf body = {0}; /* holds the code: post() wipes it */
        struct answer a;
        enum pam_ak_reply r;

        email_body(&body, email);
        ak__buf_lit(&body, ",\"code\":\"");
        ak__buf_add(&body, code, strlen(code));
        ak__buf_lit(&body, "\"}");
        r = post(server, ca_file, "/v1/totp/verify", &body, &a, why);
        if (r != PAM_AK_OK)
                return r;
        if (a.status == 200)
                r = PAM_AK_OK;
        else if (a.status >= 400)
                r = refused("POST /v1/totp/verify", &a, why);
        else
                r = malformed(server, "POST /v1/totp/verify", why);
        answer_free(&a);
        return r;
}
