/*
 * The server client's calls (include/authkeep/client.h): calls with a
 * deadline through the transport the program chose (ak_http_curl in
 * lib/http_curl.c, or its own). Which URLs it accepts is in client_url.c.
 * Every answer is at most AK_CLIENT_BODY_MAX bytes; the parsers in
 * client_answers.c trust nothing in it.
 *
 * Time: each call has the options' timeout (connect plus answer), and
 * lib/sync.c may also give a budget for several calls together
 * (ak__client_budget), so that a change never waits on a server that
 * accepts connections but never answers for longer than it promises.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "authkeep/authkeep.h"
#include "client_internal.h"

/* After this long, the options' `waiting` callback is told. */
#define WAITING_AFTER_MS 1000

struct ak_client {
        char *base;    /* the URL without a trailing slash */
        char *token;   /* session token, or NULL */
        char *ca_file; /* the options' CA bundle, or NULL */
        unsigned timeout_ms;
        enum ak_kdf_cost kdf_cost;
        void (*waiting)(void *ctx);
        void *ctx;
        int64_t budget_end_ms; /* when the budget ends (monotonic ms), 0 when none */
        int64_t call_start_ms; /* when the current call (or budget) started */
        bool told_waiting;     /* the waiting callback ran for this budget or call */
        long retry_after;
        uint64_t body_cap;      /* ak__client_body_cap: bodies over it are not sent; 0 none */
        uint64_t refused_bytes; /* the last body refused as too large */
        uint64_t refused_max;   /* and the server's cap then, 0 unknown */
        ak_http_transport transport;
        void *transport_ctx;
        struct ak_backup_info deleted; /* the last AK_ERR_ACCOUNT_DELETED's details */
};

/* Milliseconds on a clock that never goes back. */
static int64_t monotonic_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* The client                                                            */

enum ak_err ak_client_new(struct ak_client **out, const char *url,
                          const struct ak_client_options *options)
{
        static const struct ak_client_options defaults = {0};
        const struct ak_client_options *o = options != NULL ? options : &defaults;
        struct ak_client *c;
        size_t n;
        enum ak_err err;

        err = ak_client_check_url(url, o->insecure);
        if (err != AK_OK)
                return err;
        if (o->transport == NULL)
                return ak__fail(AK_ERR_INVALID, "client: no HTTP transport given");
        c = calloc(1, sizeof(*c));
        if (c == NULL)
                return ak__fail(AK_ERR_NOMEM, "client");
        c->base = ak__strdup(url);
        if (o->ca_file != NULL && *o->ca_file != '\0')
                c->ca_file = ak__strdup(o->ca_file);
        c->timeout_ms = o->timeout_ms != 0 ? o->timeout_ms : AK_CLIENT_TIMEOUT_MS_DEFAULT;
        c->kdf_cost = o->kdf_cost;
        c->waiting = o->waiting;
        c->ctx = o->ctx;
        c->transport = o->transport;
        c->transport_ctx = o->transport_ctx;
        if (c->base == NULL || (o->ca_file != NULL && *o->ca_file != '\0' && c->ca_file == NULL)) {
                ak_client_free(c);
                return ak__fail(AK_ERR_NOMEM, "client");
        }
        n = strlen(c->base);
        while (n > 0 && c->base[n - 1] == '/')
                c->base[--n] = '\0';
        *out = c;
        return AK_OK;
}

void ak_client_free(struct ak_client *client)
{
        if (client == NULL)
                return;
        ak__free_secret_str(client->token);
        free(client->base);
        free(client->ca_file);
        free(client);
}

enum ak_err ak_client_set_token(struct ak_client *client, const char *token)
{
        char *copy = NULL;

        if (token != NULL) {
                if (strlen(token) > AK_CLIENT_TOKEN_MAX)
                        return ak__fail(AK_ERR_INVALID, "session token: too long");
                copy = ak__strdup(token);
                if (copy == NULL)
                        return ak__fail(AK_ERR_NOMEM, "session token");
        }
        ak__free_secret_str(client->token);
        client->token = copy;
        return AK_OK;
}

const char *ak_client_token(const struct ak_client *client)
{
        return client->token;
}

long ak_client_retry_after(const struct ak_client *client)
{
        return client->retry_after;
}

void ak__client_budget(struct ak_client *c, unsigned budget_ms)
{
        c->budget_end_ms = budget_ms > 0 ? monotonic_ms() + budget_ms : 0;
        c->call_start_ms = monotonic_ms();
        c->told_waiting = false;
}

void ak__client_body_cap(struct ak_client *c, uint64_t max_bytes)
{
        c->body_cap = max_bytes;
}

void ak__client_too_large(const struct ak_client *c, uint64_t *refused, uint64_t *max_bytes)
{
        *refused = c->refused_bytes;
        *max_bytes = c->refused_max;
}

enum ak_kdf_cost ak__client_kdf_cost(const struct ak_client *c)
{
        return c->kdf_cost;
}

/* ------------------------------------------------------------------ */
/* HTTP                                                                  */

/*
 * Tells the program once that the server is slow to answer, so it can say
 * so; the call itself goes on until its deadline.
 */
static void on_tick(void *ctx)
{
        struct ak_client *c = ctx;

        if (c->waiting != NULL && !c->told_waiting &&
            monotonic_ms() - c->call_start_ms > WAITING_AFTER_MS) {
                c->told_waiting = true;
                c->waiting(c->ctx);
        }
}

/*
 * The time the next call may take, in ms: its own timeout, cut to what is
 * left of the budget. 0 when the budget is spent.
 */
static long call_timeout_ms(struct ak_client *c)
{
        int64_t left;

        if (c->budget_end_ms == 0) {
                c->call_start_ms = monotonic_ms();
                c->told_waiting = false;
                return (long)c->timeout_ms;
        }
        left = c->budget_end_ms - monotonic_ms();
        if (left <= 0)
                return 0;
        return left < (int64_t)c->timeout_ms ? (long)left : (long)c->timeout_ms;
}

/*
 * Sends one request: `method` to base + `path`, with `request` (JSON, may
 * be NULL) as the body and, when `auth`, the session token. On AK_OK
 * *status is the HTTP status and `answer` holds the body (the caller frees
 * it with ak__buf_free). AK_ERR_NETWORK when the server cannot be reached
 * or does not answer in time.
 */
static enum ak_err http(struct ak_client *c, const char *method, const char *path, json_t *request,
                        bool auth, const struct ak_vault *device, const char *device_id,
                        int64_t now, long *status, struct ak__buf *answer)
{
        struct ak_http_exchange x = {
            .method = method, .ca_file = c->ca_file, .tick = on_tick, .tick_ctx = c};
        char *url = NULL, *payload = NULL, device_auth[AK_DEVICE_AUTH_MAX];
        size_t url_len;
        enum ak_err err = AK_OK;

        memset(answer, 0, sizeof(*answer));
        c->retry_after = 0;
        x.timeout_ms = call_timeout_ms(c);
        if (x.timeout_ms == 0)
                return ak__fail(AK_ERR_TIMEOUT, "%s: no answer in the time given", c->base);
        if (auth && c->token == NULL)
                return ak__fail(AK_ERR_SESSION_EXPIRED, "not signed in");
        x.bearer = auth ? c->token : NULL;
        url_len = strlen(c->base) + strlen(path) + 1;
        url = malloc(url_len);
        if (url == NULL)
                return ak__fail(AK_ERR_NOMEM, "request");
        snprintf(url, url_len, "%s%s", c->base, path);
        x.url = url;
        if (request != NULL) {
                payload = json_dumps(request, JSON_COMPACT);
                if (payload == NULL) {
                        err = ak__fail(AK_ERR_NOMEM, "request body");
                        goto done;
                }
                x.body = payload;
                x.body_len = strlen(payload);
                if (c->body_cap > 0 && x.body_len > c->body_cap) {
                        c->refused_bytes = x.body_len; /* refused_max: as the server said */
                        err = ak__fail(AK_ERR_LIMIT,
                                       "%s %s: %zu bytes, more than the %" PRIu64
                                       " bytes the server takes",
                                       method, path, x.body_len, c->body_cap);
                        goto done;
                }
        }
        if (device != NULL) {
                /* The server checks the path it received: with the base URL's own path. */
                const char *target = strchr(strstr(url, "://") + 3, '/');

                err = ak_device_auth_make_as(device_auth, device, device_id, method, target, x.body,
                                             x.body_len, now);
                if (err != AK_OK)
                        goto done;
                x.authorization = device_auth;
        }
        err = c->transport(c->transport_ctx, &x);
        if (err == AK_ERR_NETWORK || err == AK_ERR_TIMEOUT) {
                err = ak__fail(err, "%s: %s", c->base, x.detail[0] ? x.detail : ak_strerror(err));
                goto done;
        }
        if (err != AK_OK) {
                err = ak__fail(err, "%s %s: %s", method, path,
                               x.detail[0] ? x.detail : ak_strerror(err));
                goto done;
        }
        if (x.answer_len > AK_CLIENT_BODY_MAX) {
                err = ak__fail(AK_ERR_PROTOCOL, "%s %s: the answer is larger than %zu bytes",
                               method, path, AK_CLIENT_BODY_MAX);
                goto done;
        }
        /* The transport's buffer (NUL-terminated, malloc'd) becomes the answer: no copy. */
        if (x.answer != NULL)
                *answer = (struct ak__buf){
                    .data = x.answer, .len = x.answer_len, .cap = x.answer_len + 1};
        x.answer = NULL;
        *status = x.status;
        c->retry_after = x.retry_after;
        if (x.status == 413) {
                c->refused_bytes = x.body_len;
                c->refused_max = ak_client_parse_max_bytes(answer->data, answer->len);
        }
done:
        ak__free_secret(x.answer, x.answer_len);
        if (payload != NULL)
                ak__free_secret_str(payload);
        free(url);
        return err;
}

enum ak_err ak__client_call(struct ak_client *c, const char *method, const char *path,
                            json_t *request, bool auth, struct ak__buf *answer,
                            struct ak_backup_info *info)
{
        struct ak__buf got;
        struct ak_backup_info own;
        long status = 0, retry = 0;
        enum ak_err err;

        err = http(c, method, path, request, auth, NULL, NULL, 0, &status, &got);
        if (err != AK_OK)
                return err;
        if (status < 200 || status > 299) {
                err = ak_client_parse_error(status, got.data ? got.data : "", got.len, &retry,
                                            info != NULL ? info : &own);
                if (err == AK_ERR_ACCOUNT_DELETED)
                        c->deleted = info != NULL ? *info : own;
                if (retry > 0)
                        c->retry_after = retry;
                ak__buf_free(&got);
                return err;
        }
        if (!ak__buf_reserve(&got, 0)) { /* an empty answer is "" */
                ak__buf_free(&got);
                return ak__fail(AK_ERR_NOMEM, "answer");
        }
        if (answer != NULL)
                *answer = got;
        else
                ak__buf_free(&got);
        return AK_OK;
}

enum ak_err ak__client_exchange(struct ak_client *c, const char *method, const char *path,
                                json_t *request, bool auth, const struct ak_vault *device,
                                int64_t now, long *status, struct ak__buf *answer)
{
        return ak__client_exchange_as(c, method, path, request, auth, device, NULL, now, status,
                                      answer);
}

enum ak_err ak__client_exchange_as(struct ak_client *c, const char *method, const char *path,
                                   json_t *request, bool auth, const struct ak_vault *device,
                                   const char *device_id, int64_t now, long *status,
                                   struct ak__buf *answer)
{
        enum ak_err err =
            http(c, method, path, request, auth, device, device_id, now, status, answer);

        if (err == AK_OK && !ak__buf_reserve(answer, 0)) { /* an empty answer is "" */
                ak__buf_free(answer);
                return ak__fail(AK_ERR_NOMEM, "answer");
        }
        return err;
}

enum ak_err ak_client_health(struct ak_client *client)
{
        return ak__client_call(client, "GET", "/healthz", NULL, false, NULL, NULL);
}

const struct ak_backup_info *ak_client_deleted(const struct ak_client *client)
{
        return &client->deleted;
}
