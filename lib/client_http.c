/*
 * The server client's transport (include/authkeep/client.h): which URLs it
 * accepts, one libcurl handle per client, and calls with a deadline. Every
 * answer is read into an ak__buf capped at AK_CLIENT_BODY_MAX; the parsers
 * in client_answers.c trust nothing in it.
 *
 * Time: each call has the options' timeout (connect plus answer), and
 * lib/sync.c may also give a budget for several calls together
 * (ak__client_budget), so that a change never waits on a server that
 * accepts connections but never answers for longer than it promises.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "authkeep/authkeep.h"
#include "client_internal.h"

/* The part of a call's time spent connecting, at most (of the call's own timeout). */
#define CONNECT_TIMEOUT_MS 10000u
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
        int64_t budget_end_ms;  /* when the budget ends (monotonic ms), 0 when none */
        int64_t call_start_ms;  /* when the current call (or budget) started */
        bool told_waiting;      /* the waiting callback ran for this budget or call */
        struct ak__buf *answer; /* the body of the call under way */
        bool too_big;           /* it went over AK_CLIENT_BODY_MAX */
        long retry_after;
        CURL *curl; /* kept between requests to reuse the connection */
};

/* Milliseconds on a clock that never goes back. */
static int64_t monotonic_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* URLs                                                                 */

/* True when `host` (as curl gives it: IPv6 without brackets) is loopback. */
static bool host_is_loopback(const char *host)
{
        struct in_addr v4;
        struct in6_addr v6;
        const char *h = host;
        char buf[64];
        size_t n = strlen(host);

        if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(buf)) {
                memcpy(buf, host + 1, n - 2);
                buf[n - 2] = '\0';
                h = buf;
        }
        if (strcasecmp(h, "localhost") == 0)
                return true;
        if (inet_pton(AF_INET, h, &v4) == 1)
                return (ntohl(v4.s_addr) >> 24) == 127;
        if (inet_pton(AF_INET6, h, &v6) == 1)
                return IN6_IS_ADDR_LOOPBACK(&v6);
        return false;
}

enum ak_err ak_client_check_url(const char *url, bool insecure)
{
        CURLU *u = NULL;
        char *scheme = NULL, *host = NULL;
        enum ak_err err = AK_OK;

        if (url == NULL || *url == '\0')
                return ak__fail(AK_ERR_INVALID, "server: no URL given");
        if (strlen(url) > 2048)
                return ak__fail(AK_ERR_INVALID, "server: the URL is too long");
        u = curl_url();
        if (u == NULL)
                return ak__fail(AK_ERR_NOMEM, "server URL");
        if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
                err = ak__fail(AK_ERR_INVALID,
                               "server: '%s' is not a URL (expected https://HOST[:PORT])", url);
                goto done;
        }
        if (strcasecmp(scheme, "https") == 0)
                goto done;
        if (strcasecmp(scheme, "http") != 0) {
                err = ak__fail(AK_ERR_INVALID,
                               "server: unsupported scheme '%s' (expected https://)", scheme);
                goto done;
        }
        if (!insecure && !host_is_loopback(host))
                err = ak__fail(AK_ERR_INSECURE, "server: %s", url);
done:
        curl_free(scheme);
        curl_free(host);
        curl_url_cleanup(u);
        return err;
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
        c->curl = curl_easy_init();
        if (c->base == NULL || c->curl == NULL ||
            (o->ca_file != NULL && *o->ca_file != '\0' && c->ca_file == NULL)) {
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
        if (client->curl != NULL)
                curl_easy_cleanup(client->curl);
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

enum ak_kdf_cost ak__client_kdf_cost(const struct ak_client *c)
{
        return c->kdf_cost;
}

/* ------------------------------------------------------------------ */
/* HTTP                                                                  */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
        struct ak_client *c = userdata;
        struct ak__buf *b = c->answer;
        size_t n = size * nmemb;

        if (n > AK_CLIENT_BODY_MAX - b->len) {
                c->too_big = true;
                return 0; /* makes curl stop with CURLE_WRITE_ERROR */
        }
        ak__buf_add(b, ptr, n);
        return b->failed ? 0 : n;
}

/*
 * Tells the program once that the server is slow to answer, so it can say
 * so; the call itself goes on until its deadline.
 */
static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
        struct ak_client *c = userdata;

        (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
        if (c->waiting != NULL && !c->told_waiting &&
            monotonic_ms() - c->call_start_ms > WAITING_AFTER_MS) {
                c->told_waiting = true;
                c->waiting(c->ctx);
        }
        return 0;
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

/* Reads "Retry-After: N" from the answer's headers (when the body does not say). */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
        struct ak_client *c = userdata;
        size_t n = size * nmemb;
        static const char name[] = "retry-after:";

        if (n > sizeof(name) && strncasecmp(ptr, name, sizeof(name) - 1) == 0) {
                char buf[32];
                size_t len = n - (sizeof(name) - 1);
                long v;
                char *end;

                if (len >= sizeof(buf))
                        len = sizeof(buf) - 1;
                memcpy(buf, ptr + sizeof(name) - 1, len);
                buf[len] = '\0';
                errno = 0;
                v = strtol(buf, &end, 10);
                if (errno == 0 && end != buf && v > 0 && v < 366L * 86400)
                        c->retry_after = v;
        }
        return n;
}

/*
 * Appends a header line to *list. curl_slist_append() returns NULL on
 * failure and leaves the old list with the caller: free it here, so that a
 * failed append never leaks the lines before it. Returns false then.
 */
static bool add_header(struct curl_slist **list, const char *line)
{
        struct curl_slist *grown = curl_slist_append(*list, line);

        if (grown == NULL) {
                curl_slist_free_all(*list);
                *list = NULL;
                return false;
        }
        *list = grown;
        return true;
}

/*
 * Sends one request: `method` to base + `path`, with `request` (JSON, may
 * be NULL) as the body and, when `auth`, the session token. On AK_OK
 * *status is the HTTP status and `answer` holds the body (the caller frees
 * it with ak__buf_free). AK_ERR_NETWORK when the server cannot be reached
 * or does not answer in time.
 */
static enum ak_err http(struct ak_client *c, const char *method, const char *path, json_t *request,
                        bool auth, long *status, struct ak__buf *answer)
{
        CURL *h = c->curl;
        struct curl_slist *headers = NULL;
        char *url = NULL, *payload = NULL, *bearer = NULL, why[CURL_ERROR_SIZE] = "";
        size_t url_len, bearer_len = 0;
        long timeout_ms = call_timeout_ms(c);
        CURLcode rc;
        enum ak_err err = AK_OK;

        memset(answer, 0, sizeof(*answer));
        c->answer = answer;
        c->too_big = false;
        c->retry_after = 0;
        if (timeout_ms == 0)
                return ak__fail(AK_ERR_NETWORK, "%s: no answer in the time given", c->base);
        url_len = strlen(c->base) + strlen(path) + 1;
        url = malloc(url_len);
        if (url == NULL)
                return ak__fail(AK_ERR_NOMEM, "request");
        snprintf(url, url_len, "%s%s", c->base, path);

        curl_easy_reset(h);
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                         timeout_ms < (long)CONNECT_TIMEOUT_MS ? timeout_ms
                                                               : (long)CONNECT_TIMEOUT_MS);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
        curl_easy_setopt(h, CURLOPT_USERAGENT, "authkeep/" AK_VERSION);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
        curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)AK_CLIENT_BODY_MAX);
        if (c->ca_file != NULL)
                curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
        if (strcmp(method, "HEAD") == 0)
                curl_easy_setopt(h, CURLOPT_NOBODY, 1L);

        if (!add_header(&headers, "Accept: application/json")) {
                err = ak__fail(AK_ERR_NOMEM, "request headers");
                goto done;
        }
        if (request != NULL) {
                payload = json_dumps(request, JSON_COMPACT);
                if (payload == NULL) {
                        err = ak__fail(AK_ERR_NOMEM, "request body");
                        goto done;
                }
                if (!add_header(&headers, "Content-Type: application/json")) {
                        err = ak__fail(AK_ERR_NOMEM, "request headers");
                        goto done;
                }
                curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
                curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(payload));
        } else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
                curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
                curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
        }
        if (auth) {
                if (c->token == NULL) {
                        err = ak__fail(AK_ERR_SESSION_EXPIRED, "not signed in");
                        goto done;
                }
                bearer_len = strlen(c->token) + 32;
                bearer = malloc(bearer_len);
                if (bearer == NULL) {
                        err = ak__fail(AK_ERR_NOMEM, "request");
                        goto done;
                }
                snprintf(bearer, bearer_len, "Authorization: Bearer %s", c->token);
                if (!add_header(&headers, bearer)) {
                        err = ak__fail(AK_ERR_NOMEM, "request headers");
                        goto done;
                }
        }
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);

        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, why);
        rc = curl_easy_perform(h);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
        if (rc != CURLE_OK) {
                if (c->too_big || rc == CURLE_FILESIZE_EXCEEDED)
                        err = ak__fail(AK_ERR_PROTOCOL, "%s %s: the answer is larger than %u bytes",
                                       method, path, AK_CLIENT_BODY_MAX);
                else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE)
                        err = ak__fail(AK_ERR_NETWORK,
                                       "%s: its certificate is not trusted (%s); a CA file "
                                       "(AUTHKEEP_CA_FILE) can name the CA that signed it",
                                       c->base, why[0] ? why : curl_easy_strerror(rc));
                else if (rc == CURLE_OPERATION_TIMEDOUT)
                        err = ak__fail(AK_ERR_TIMEOUT, "%s: no answer within %ld.%ld s", c->base,
                                       timeout_ms / 1000, timeout_ms % 1000 / 100);
                else if (answer->failed)
                        err = ak__fail(AK_ERR_NOMEM, "%s %s: the answer", method, path);
                else
                        err = ak__fail(AK_ERR_NETWORK, "%s: %s", c->base,
                                       why[0] ? why : curl_easy_strerror(rc));
                ak__buf_free(answer);
                goto done;
        }
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
done:
        c->answer = NULL;
        /* Drop the header list and the token copy before anything else runs. */
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
        curl_slist_free_all(headers);
        if (bearer != NULL)
                ak__free_secret(bearer, bearer_len);
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
        long status = 0, retry = 0;
        enum ak_err err;

        err = http(c, method, path, request, auth, &status, &got);
        if (err != AK_OK)
                return err;
        if (status < 200 || status > 299) {
                err =
                    ak_client_parse_error(status, got.data ? got.data : "", got.len, &retry, info);
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

enum ak_err ak_client_health(struct ak_client *client)
{
        return ak__client_call(client, "GET", "/healthz", NULL, false, NULL, NULL);
}
