/*
 * The HTTP transport over libcurl (ak_http_curl, include/authkeep/client.h).
 * It is the only file of the library that calls libcurl, so that a program
 * that gives the client another transport does not load libcurl and the
 * thirty libraries behind it at start-up.
 *
 * One handle per exchange: a client makes a few calls per command, and a
 * fresh handle keeps no state (no token, no cookie) between them.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "authkeep/authkeep.h"
#include "internal.h"

/* The part of an exchange's time spent connecting, at most. */
#define CONNECT_TIMEOUT_MS 10000L

/* Fails the exchange with `err` and a sentence in x->detail. */
#define FAIL(err_, ...)                                                                            \
        do {                                                                                       \
                snprintf(x->detail, sizeof(x->detail), __VA_ARGS__);                               \
                err = (err_);                                                                      \
        } while (0)

struct exchange {
        struct ak_http_exchange *x;
        struct ak__buf answer;
        bool too_big;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
        struct exchange *e = userdata;
        size_t n = size * nmemb;

        if (n > AK_CLIENT_BODY_MAX - e->answer.len) {
                e->too_big = true;
                return 0; /* makes curl stop with CURLE_WRITE_ERROR */
        }
        ak__buf_add(&e->answer, ptr, n);
        return e->answer.failed ? 0 : n;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
        struct exchange *e = userdata;

        (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
        if (e->x->tick != NULL)
                e->x->tick(e->x->tick_ctx);
        return 0;
}

/* Reads "Retry-After: N" from the answer's headers (when the body does not say). */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
        struct exchange *e = userdata;
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
                        e->x->retry_after = v;
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

static void global_init(void)
{
        curl_global_init(CURL_GLOBAL_DEFAULT);
}

enum ak_err ak_http_curl(void *ctx, struct ak_http_exchange *x)
{
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        struct exchange e = {.x = x};
        struct curl_slist *headers = NULL;
        char *bearer = NULL, why[CURL_ERROR_SIZE] = "";
        size_t bearer_len = 0;
        CURL *h;
        CURLcode rc;
        enum ak_err err = AK_OK;

        (void)ctx;
        pthread_once(&once, global_init);
        x->status = 0;
        x->retry_after = 0;
        x->answer = NULL;
        x->answer_len = 0;
        h = curl_easy_init();
        x->detail[0] = '\0';
        if (h == NULL) {
                snprintf(x->detail, sizeof(x->detail), "out of memory");
                return AK_ERR_NOMEM;
        }
        curl_easy_setopt(h, CURLOPT_URL, x->url);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                         x->timeout_ms < CONNECT_TIMEOUT_MS ? x->timeout_ms : CONNECT_TIMEOUT_MS);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, x->timeout_ms);
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, &e);
        curl_easy_setopt(h, CURLOPT_USERAGENT, "authkeep/" AK_VERSION);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, x->method);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &e);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, &e);
        curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)AK_CLIENT_BODY_MAX);
        /*
         * A proxy on plain HTTP reads every header, the session's Bearer
         * token among them, and plain HTTP only goes to loopback (or past
         * --insecure): never through a proxy, whatever http_proxy or
         * ALL_PROXY say. An empty CURLOPT_PROXY turns the environment's
         * proxies off for this handle. Over https:// libcurl applies them as
         * usual (https_proxy, ALL_PROXY, no_proxy): a proxy only tunnels the
         * TLS it cannot read.
         */
        if (strncasecmp(x->url, "http://", 7) == 0)
                curl_easy_setopt(h, CURLOPT_PROXY, "");
        if (x->ca_file != NULL)
                curl_easy_setopt(h, CURLOPT_CAINFO, x->ca_file);
        if (strcmp(x->method, "HEAD") == 0)
                curl_easy_setopt(h, CURLOPT_NOBODY, 1L);

        if (!add_header(&headers, "Accept: application/json")) {
                FAIL(AK_ERR_NOMEM, "request headers");
                goto done;
        }
        if (x->body != NULL) {
                if (!add_header(&headers, "Content-Type: application/json")) {
                        FAIL(AK_ERR_NOMEM, "request headers");
                        goto done;
                }
                curl_easy_setopt(h, CURLOPT_POSTFIELDS, x->body);
                curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
        } else if (strcmp(x->method, "POST") == 0 || strcmp(x->method, "PUT") == 0) {
                curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
                curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
        }
        if (x->bearer != NULL || x->authorization != NULL) {
                const char *value = x->bearer != NULL ? x->bearer : x->authorization;

                bearer_len = strlen(value) + 32;
                bearer = malloc(bearer_len);
                if (bearer == NULL) {
                        FAIL(AK_ERR_NOMEM, "request");
                        goto done;
                }
                snprintf(bearer, bearer_len, "Authorization: %s%s",
                         x->bearer != NULL ? "Bearer " : "", value);
                if (!add_header(&headers, bearer)) {
                        FAIL(AK_ERR_NOMEM, "request headers");
                        goto done;
                }
        }
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);

        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, why);
        rc = curl_easy_perform(h);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
        if (rc != CURLE_OK) {
                if (e.too_big || rc == CURLE_FILESIZE_EXCEEDED)
                        FAIL(AK_ERR_PROTOCOL, "the answer is larger than %zu bytes",
                             AK_CLIENT_BODY_MAX);
                else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE)
                        FAIL(AK_ERR_NETWORK,
                             "its certificate is not trusted (%s); a CA file "
                             "(AUTHKEEP_CA_FILE) can name the CA that signed it",
                             why[0] ? why : curl_easy_strerror(rc));
                else if (rc == CURLE_OPERATION_TIMEDOUT)
                        FAIL(AK_ERR_TIMEOUT, "no answer within %ld.%ld s", x->timeout_ms / 1000,
                             x->timeout_ms % 1000 / 100);
                else if (e.answer.failed)
                        FAIL(AK_ERR_NOMEM, "the answer");
                else
                        FAIL(AK_ERR_NETWORK, "%s", why[0] ? why : curl_easy_strerror(rc));
                goto done;
        }
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &x->status);
        x->answer = ak__buf_take(&e.answer, &x->answer_len);
        if (x->answer == NULL)
                FAIL(AK_ERR_NOMEM, "the answer");
done:
        /* Drop the header list and the token copy before anything else runs. */
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
        curl_slist_free_all(headers);
        curl_easy_cleanup(h);
        if (bearer != NULL)
                ak__free_secret(bearer, bearer_len);
        ak__buf_free(&e.answer);
        return err;
}
