/*
 * authkeep-http: one HTTP exchange with a backup server, for the authkeep
 * program (cli/http_helper.c), so that authkeep itself does not load
 * libcurl. It reads one JSON request on standard input
 *   {"method", "url", "timeout_ms", "bearer"?, "authorization"?, "body"?, "ca_file"?}
 * makes the exchange with ak_http_curl, and writes one JSON object on
 * standard output:
 *   {"status", "retry_after", "answer": BASE64}   or   {"error", "detail"}
 * where "error" is network, timeout, protocol or nomem. It is not meant to
 * be run by hand; it prints nothing else and keeps nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "authkeep/authkeep.h"
#include "grow.h"

#define REQUEST_MAX (64u << 20)

/* Reads all of standard input; NULL when it is too large or unreadable. */
static char *read_request(size_t *len)
{
        size_t cap = 1 << 16;
        char *buf = malloc(cap);

        *len = 0;
        while (buf != NULL) {
                ssize_t n;
                if (*len + 1 >= cap) {
                        if (cap >= REQUEST_MAX) {
                                sodium_memzero(buf, cap);
                                free(buf);
                                return NULL;
                        }
                        if (!cli_grow_secret(&buf, &cap, *len))
                                return NULL;
                        continue;
                }
                n = read(STDIN_FILENO, buf + *len, cap - *len - 1);
                if (n == 0)
                        break;
                if (n < 0) {
                        sodium_memzero(buf, cap);
                        free(buf);
                        return NULL;
                }
                *len += (size_t)n;
        }
        return buf;
}

static int reply_error(enum ak_err err, const char *detail)
{
        const char *kind = err == AK_ERR_TIMEOUT    ? "timeout"
                           : err == AK_ERR_PROTOCOL ? "protocol"
                           : err == AK_ERR_NOMEM    ? "nomem"
                                                    : "network";
        json_t *j = json_pack("{s:s, s:s}", "error", kind, "detail", detail);

        if (j == NULL || json_dumpf(j, stdout, JSON_COMPACT) != 0)
                return 1;
        json_decref(j);
        return fflush(stdout) == 0 ? 0 : 1;
}

static int reply(const struct ak_http_exchange *x)
{
        size_t b64_len = sodium_base64_ENCODED_LEN(x->answer_len, sodium_base64_VARIANT_ORIGINAL);
        char *b64 = malloc(b64_len);
        json_t *j;
        int rc = 1;

        if (b64 == NULL)
                return reply_error(AK_ERR_NOMEM, "out of memory");
        sodium_bin2base64(b64, b64_len, (const unsigned char *)x->answer, x->answer_len,
                          sodium_base64_VARIANT_ORIGINAL);
        j = json_pack("{s:I, s:I, s:s}", "status", (json_int_t)x->status, "retry_after",
                      (json_int_t)x->retry_after, "answer", b64);
        if (j != NULL && json_dumpf(j, stdout, JSON_COMPACT) == 0 && fflush(stdout) == 0)
                rc = 0;
        json_decref(j);
        sodium_memzero(b64, b64_len);
        free(b64);
        return rc;
}

int main(void)
{
        struct ak_http_exchange x = {0};
        json_t *request = NULL;
        json_error_t jerr;
        json_int_t timeout_ms = 0;
        size_t len = 0;
        char *text;
        enum ak_err err;
        int rc;

        if (isatty(STDIN_FILENO)) {
                fprintf(stderr, "authkeep-http: makes one HTTP exchange for authkeep (a JSON "
                                "request on standard input); it is not meant to be run by hand\n");
                return 2;
        }
        if (ak_init() != AK_OK)
                return reply_error(AK_ERR_NETWORK, "libsodium could not be initialised");
        text = read_request(&len);
        if (text != NULL)
                request = json_loadb(text, len, 0, &jerr);
        if (request == NULL ||
            json_unpack(request, "{s:s, s:s, s:I, s?s, s?s, s?s%, s?s}", "method", &x.method, "url",
                        &x.url, "timeout_ms", &timeout_ms, "bearer", &x.bearer, "authorization",
                        &x.authorization, "body", &x.body, &x.body_len, "ca_file",
                        &x.ca_file) != 0 ||
            timeout_ms <= 0) {
                rc = reply_error(AK_ERR_PROTOCOL, "authkeep-http: not a request");
                goto done;
        }
        x.timeout_ms = (long)timeout_ms;
        err = ak_http_curl(NULL, &x);
        rc = err == AK_OK ? reply(&x) : reply_error(err, x.detail);
done:
        if (x.answer != NULL) {
                sodium_memzero(x.answer, x.answer_len);
                free(x.answer);
        }
        /* The request held the session token. */
        json_decref(request);
        if (text != NULL) {
                sodium_memzero(text, len);
                free(text);
        }
        return rc;
}
