/*
 * The backup engine's transport in the authkeep program: each HTTP exchange
 * runs in authkeep-http (cli/http_main.c, found by cli_tool_path), so that
 * authkeep itself never loads libcurl and reading a code starts quickly.
 *
 * The request goes to the helper's standard input and the answer comes back
 * on its standard output, both as one JSON object; the session token
 * travels only through that pipe, never on a command line. The parent keeps
 * its own deadline: a helper that outlives the exchange's timeout by more
 * than a second is killed, and the exchange times out.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "cli.h"
#include "grow.h"

#define TICK_MS 100
#define GRACE_MS 1000
#define ANSWER_MAX (2 * (size_t)AK_CLIENT_BODY_MAX + 4096) /* base64 of a full body, and JSON */

static int64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The request as the helper reads it; *out is wiped and freed by the caller (it holds the token).
 */
static char *request_text(const struct ak_http_exchange *x)
{
        json_t *j = json_pack("{s:s, s:s, s:I}", "method", x->method, "url", x->url, "timeout_ms",
                              (json_int_t)x->timeout_ms);
        char *text = NULL;

        if (j == NULL)
                return NULL;
        if ((x->bearer != NULL && json_object_set_new(j, "bearer", json_string(x->bearer)) != 0) ||
            (x->authorization != NULL &&
             json_object_set_new(j, "authorization", json_string(x->authorization)) != 0) ||
            (x->body != NULL &&
             json_object_set_new(j, "body", json_stringn(x->body, x->body_len)) != 0) ||
            (x->ca_file != NULL && json_object_set_new(j, "ca_file", json_string(x->ca_file)) != 0))
                goto done;
        text = json_dumps(j, JSON_COMPACT);
done:
        json_decref(j);
        return text;
}

/* Writes all of `data`; false when the helper closed its input. */
static bool write_all(int fd, const char *data, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, data, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return false;
                data += n;
                len -= (size_t)n;
        }
        return true;
}

/* Reads the helper's answer until it closes its output or the deadline passes. */
static enum ak_err read_answer(int fd, char **out, size_t *out_len, int64_t deadline,
                               const struct ak_http_exchange *x)
{
        size_t len = 0, cap = 4096;
        char *buf = malloc(cap);

        if (buf == NULL)
                return AK_ERR_NOMEM;
        for (;;) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                int64_t left = deadline - now_ms();
                ssize_t n;

                if (left <= 0) {
                        sodium_memzero(buf, cap);
                        free(buf);
                        return AK_ERR_TIMEOUT;
                }
                if (x->tick != NULL)
                        x->tick(x->tick_ctx);
                if (poll(&p, 1, left < TICK_MS ? (int)left : TICK_MS) <= 0)
                        continue;
                if (len + 4096 > cap) {
                        if (cap >= ANSWER_MAX) {
                                sodium_memzero(buf, cap);
                                free(buf);
                                return AK_ERR_PROTOCOL;
                        }
                        if (!cli_grow_secret(&buf, &cap, len))
                                return AK_ERR_NOMEM;
                }
                n = read(fd, buf + len, cap - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        *out = buf;
        *out_len = len;
        return AK_OK;
}

/* Fills the exchange from the helper's answer. */
static enum ak_err take_answer(struct ak_http_exchange *x, const char *text, size_t len)
{
        json_error_t jerr;
        json_t *j = json_loadb(text, len, 0, &jerr);
        const char *error = NULL, *detail = "", *answer = NULL;
        json_int_t status = 0, retry = 0;
        enum ak_err err = AK_OK;

        if (j == NULL ||
            json_unpack(j, "{s?s, s?s, s?I, s?I, s?s}", "error", &error, "detail", &detail,
                        "status", &status, "retry_after", &retry, "answer", &answer) != 0) {
                err = AK_ERR_PROTOCOL;
                goto done;
        }
        if (error != NULL) {
                static const struct {
                        const char *name;
                        enum ak_err err;
                } kinds[] = {{"network", AK_ERR_NETWORK},
                             {"timeout", AK_ERR_TIMEOUT},
                             {"protocol", AK_ERR_PROTOCOL},
                             {"nomem", AK_ERR_NOMEM}};
                err = AK_ERR_NETWORK;
                for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
                        if (strcmp(error, kinds[i].name) == 0)
                                err = kinds[i].err;
                /* The detail is the helper's; the client adds the server's address. */
                snprintf(x->detail, sizeof(x->detail), "%s", detail);
                goto done;
        }
        if (answer == NULL) {
                err = AK_ERR_PROTOCOL;
                goto done;
        }
        {
                size_t b64_len = strlen(answer), cap = b64_len / 4 * 3 + 3, got = 0;
                x->answer = malloc(cap + 1);
                if (x->answer == NULL) {
                        err = AK_ERR_NOMEM;
                        goto done;
                }
                if (sodium_base642bin((unsigned char *)x->answer, cap, answer, b64_len, NULL, &got,
                                      NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
                        free(x->answer);
                        x->answer = NULL;
                        err = AK_ERR_PROTOCOL;
                        goto done;
                }
                x->answer[got] = '\0';
                x->answer_len = got;
        }
        x->status = (long)status;
        x->retry_after = (long)retry;
done:
        json_decref(j);
        return err;
}

enum ak_err cli_http_via_helper(void *ctx, struct ak_http_exchange *x)
{
        char path[PATH_MAX], *request = NULL, *answer = NULL;
        size_t answer_len = 0;
        int to_child[2] = {-1, -1}, from_child[2] = {-1, -1};
        struct sigaction ignore = {.sa_handler = SIG_IGN}, saved;
        int64_t deadline;
        pid_t pid = -1;
        enum ak_err err;

        (void)ctx;
        x->status = x->retry_after = 0;
        x->answer = NULL;
        x->answer_len = 0;
        x->detail[0] = '\0';
        if (!cli_tool_path(path, sizeof(path), "authkeep-http")) {
                snprintf(x->detail, sizeof(x->detail),
                         "the program authkeep-http is not installed");
                return AK_ERR_NETWORK;
        }
        request = request_text(x);
        if (request == NULL)
                return AK_ERR_NOMEM;
        if (pipe(to_child) != 0 || pipe(from_child) != 0) {
                err = AK_ERR_NETWORK;
                goto done;
        }
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0) {
                err = AK_ERR_NETWORK;
                goto done;
        }
        if (pid == 0) {
                char *args[] = {(char *)"authkeep-http", NULL};
                dup2(to_child[0], STDIN_FILENO);
                dup2(from_child[1], STDOUT_FILENO);
                close(to_child[0]);
                close(to_child[1]);
                close(from_child[0]);
                close(from_child[1]);
                execv(path, args);
                _exit(127);
        }
        close(to_child[0]);
        close(from_child[1]);
        to_child[0] = from_child[1] = -1;
        deadline = now_ms() + x->timeout_ms + GRACE_MS;
        /* A helper that died early must not kill this process with SIGPIPE. */
        sigaction(SIGPIPE, &ignore, &saved);
        if (!write_all(to_child[1], request, strlen(request)))
                err = AK_ERR_NETWORK;
        else
                err = AK_OK;
        sigaction(SIGPIPE, &saved, NULL);
        close(to_child[1]);
        to_child[1] = -1;
        if (err == AK_OK)
                err = read_answer(from_child[0], &answer, &answer_len, deadline, x);
        if (err == AK_OK)
                err = take_answer(x, answer, answer_len);
        if (err == AK_ERR_TIMEOUT && x->detail[0] == '\0')
                snprintf(x->detail, sizeof(x->detail), "no answer within %ld.%ld s",
                         x->timeout_ms / 1000, x->timeout_ms % 1000 / 100);
        else if (err != AK_OK && x->detail[0] == '\0')
                snprintf(x->detail, sizeof(x->detail), "authkeep-http: %s", ak_strerror(err));
done:
        if (pid > 0) {
                int status;
                if (err == AK_ERR_TIMEOUT || err == AK_ERR_NETWORK)
                        kill(pid, SIGKILL);
                while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                        ;
        }
        for (int i = 0; i < 2; i++) {
                if (to_child[i] >= 0)
                        close(to_child[i]);
                if (from_child[i] >= 0)
                        close(from_child[i]);
        }
        if (request != NULL) {
                sodium_memzero(request, strlen(request));
                free(request);
        }
        if (answer != NULL) {
                sodium_memzero(answer, answer_len);
                free(answer);
        }
        return err;
}
