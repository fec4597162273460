/*
 * SRP sign-ins under load, for bench/scale.sh: each of C threads keeps one
 * keep-alive connection to authkeepd (or to nginx in front of several) and
 * signs in again and again, each time to an account chosen at random from
 * KEYS (lines "EMAIL KEY_HEX", as scale_fill writes them): POST
 * /v1/auth/start, the client's side of SRP (libauthkeep), POST
 * /v1/auth/finish, and the server's proof M2 checked.
 *
 *   signin_load --port PORT --keys KEYS --tokens [--connections C]
 *       signs in once to every account of KEYS (C at a time) and prints
 *       their session tokens, one a line in the order of KEYS (for the
 *       download and upload runs)
 *   signin_load --port PORT --keys KEYS --connections C --seconds S
 *       prints "EXCHANGES PER_SECOND P99_MS ERRORS": sign-ins completed
 *       (both steps, M2 checked), per second, their 99th percentile in ms,
 *       and the exchanges that failed (any answer but 200, or a wrong M2)
 *
 * The client's SRP (about as much work as the server's) runs on the same
 * machine as the server.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <jansson.h>
#include <sodium.h>

#include "authkeep/srp.h"

#define LOAD_NAME "signin_load"
#include "load.h"

#define KEY_BYTES 32
#define MAX_SAMPLES 1000000

struct account {
        char email[128];
        unsigned char key[KEY_BYTES];
};

struct conn {
        int fd;
        char buf[65536];
        size_t len; /* bytes of buf read and not yet used */
};

struct worker {
        pthread_t thread;
        unsigned seed;
        unsigned long done, errors;
        double *lat; /* seconds per exchange */
        size_t n_lat;
};

static int port;
static struct account *accounts;
static size_t n_accounts;
static double deadline;

static void load_keys(const char *path)
{
        FILE *f = fopen(path, "r");
        if (f == NULL)
                die("cannot read %s", path);
        char line[512], hex[2 * KEY_BYTES + 1];
        size_t cap = 0;
        while (fgets(line, sizeof(line), f) != NULL) {
                if (n_accounts == cap) {
                        cap = cap ? 2 * cap : 1024;
                        accounts = realloc(accounts, cap * sizeof(*accounts));
                        if (accounts == NULL)
                                die("out of memory");
                }
                struct account *a = &accounts[n_accounts];
                if (sscanf(line, "%127s %64s", a->email, hex) != 2 ||
                    sodium_hex2bin(a->key, KEY_BYTES, hex, strlen(hex), NULL, NULL, NULL) != 0)
                        die("%s: a line is not 'EMAIL KEY_HEX'", path);
                n_accounts++;
        }
        fclose(f);
        if (n_accounts == 0)
                die("%s: no accounts", path);
}

static void conn_open(struct conn *c)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        c->fd = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
                die("cannot connect to 127.0.0.1:%d: %s", port, strerror(errno));
        c->len = 0;
}

/*
 * POSTs `body` to `path` on the connection (reopened when the server closed
 * it) and reads the answer; returns its status (0 on a broken answer) with
 * its body, NUL-terminated, in *out (valid until the next call).
 */
static int post(struct conn *c, const char *path, const char *body, char **out)
{
        char req[8192];
        int n = snprintf(req, sizeof(req),
                         "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         "Content-Length: %zu\r\n\r\n%s",
                         path, strlen(body), body);
        if (n < 0 || (size_t)n >= sizeof(req))
                die("request too long");
        for (int tries = 0; tries < 2; tries++) {
                if (c->fd < 0)
                        conn_open(c);
                if (send(c->fd, req, (size_t)n, MSG_NOSIGNAL) != n)
                        goto reopen;
                c->len = 0;
                char *end = NULL;
                while ((end = memmem(c->buf, c->len, "\r\n\r\n", 4)) == NULL) {
                        ssize_t r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
                        if (r <= 0 || c->len + (size_t)r >= sizeof(c->buf) - 1)
                                goto reopen;
                        c->len += (size_t)r;
                }
                *end = '\0';
                int status = 0;
                sscanf(c->buf, "HTTP/1.1 %d", &status);
                const char *cl = strcasestr(c->buf, "\r\nContent-Length:");
                size_t body_len = cl != NULL ? strtoul(cl + 17, NULL, 10) : 0;
                size_t head = (size_t)(end - c->buf) + 4;
                if (head + body_len >= sizeof(c->buf))
                        goto reopen;
                while (c->len < head + body_len) {
                        ssize_t r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
                        if (r <= 0)
                                goto reopen;
                        c->len += (size_t)r;
                }
                c->buf[head + body_len] = '\0';
                *out = c->buf + head;
                if (strcasestr(c->buf, "\r\nConnection: close") != NULL) {
                        close(c->fd);
                        c->fd = -1;
                }
                return status;
        reopen:
                close(c->fd);
                c->fd = -1;
        }
        return 0;
}

static bool b64_field(json_t *j, const char *name, unsigned char *out, size_t max, size_t *len)
{
        const char *s = json_string_value(json_object_get(j, name));
        return s != NULL && sodium_base642bin(out, max, s, strlen(s), NULL, len, NULL,
                                              sodium_base64_VARIANT_ORIGINAL) == 0;
}

/* One SRP sign-in to `a`; true when it succeeded, with its session token in `token`. */
static bool sign_in(struct conn *c, const struct account *a, char *token, size_t token_size)
{
        char body[4096], identity[AK_SRP_IDENTITY_MAX + 1], *answer;
        unsigned char A[AK_SRP_N_BYTES], B[AK_SRP_N_BYTES], salt[AK_SRP_SALT_MAX], M1[32], M2[64];
        size_t B_len, salt_len, M2_len;
        struct ak_srp_client *srp = NULL;
        json_t *start = NULL, *finish = NULL;
        bool ok = false;

        snprintf(body, sizeof(body), "{\"email\":\"%s\",\"recovery\":false}", a->email);
        if (post(c, "/v1/auth/start", body, &answer) != 200 ||
            (start = json_loads(answer, 0, NULL)) == NULL)
                goto done;
        const char *login_id = json_string_value(json_object_get(start, "login_id"));
        if (login_id == NULL || !b64_field(start, "B", B, sizeof(B), &B_len) ||
            !b64_field(start, "srp_salt", salt, sizeof(salt), &salt_len) ||
            ak_srp_identity(identity, sizeof(identity), a->email, false) != AK_OK ||
            ak_srp_client_new(&srp, identity, a->key, KEY_BYTES, A) != AK_OK ||
            ak_srp_client_process(srp, salt, salt_len, B, B_len, M1) != AK_OK)
                goto done;
        char a64[sodium_base64_ENCODED_LEN(AK_SRP_N_BYTES, sodium_base64_VARIANT_ORIGINAL)];
        char m64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(a64, sizeof(a64), A, sizeof(A), sodium_base64_VARIANT_ORIGINAL);
        sodium_bin2base64(m64, sizeof(m64), M1, sizeof(M1), sodium_base64_VARIANT_ORIGINAL);
        snprintf(body, sizeof(body), "{\"login_id\":\"%s\",\"A\":\"%s\",\"M1\":\"%s\"}", login_id,
                 a64, m64);
        if (post(c, "/v1/auth/finish", body, &answer) != 200 ||
            (finish = json_loads(answer, 0, NULL)) == NULL ||
            !b64_field(finish, "M2", M2, sizeof(M2), &M2_len) ||
            ak_srp_client_verify(srp, M2, M2_len, NULL) != AK_OK)
                goto done;
        const char *t = json_string_value(json_object_get(finish, "session_token"));
        if (t == NULL || strlen(t) >= token_size)
                goto done;
        strcpy(token, t);
        ok = true;
done:
        ak_srp_client_free(srp);
        json_decref(start);
        json_decref(finish);
        return ok;
}

static void *work(void *arg)
{
        struct worker *w = arg;
        struct conn *c = calloc(1, sizeof(*c));
        char token[256];
        if (c == NULL || (w->lat = malloc(MAX_SAMPLES * sizeof(double))) == NULL)
                die("out of memory");
        c->fd = -1;
        while (now() < deadline) {
                const struct account *a = &accounts[rand_r(&w->seed) % n_accounts];
                double t0 = now();
                if (!sign_in(c, a, token, sizeof(token))) {
                        w->errors++;
                        continue;
                }
                w->done++;
                if (w->n_lat < MAX_SAMPLES)
                        w->lat[w->n_lat++] = now() - t0;
        }
        if (c->fd >= 0)
                close(c->fd);
        free(c);
        return NULL;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

/* --tokens: thread `i` of `n` signs in to accounts i, i + n, ... */
static char (*token_of)[256];
static unsigned n_token_threads;

static void *sign_in_each(void *arg)
{
        unsigned i = (unsigned)(size_t)arg;
        struct conn *c = calloc(1, sizeof(*c));
        if (c == NULL)
                die("out of memory");
        c->fd = -1;
        for (size_t k = i; k < n_accounts; k += n_token_threads)
                if (!sign_in(c, &accounts[k], token_of[k], sizeof(token_of[k])))
                        die("cannot sign in to %s", accounts[k].email);
        if (c->fd >= 0)
                close(c->fd);
        free(c);
        return NULL;
}

static void tokens(unsigned n_threads)
{
        pthread_t t[1024];
        n_token_threads = n_threads;
        if ((token_of = calloc(n_accounts, sizeof(*token_of))) == NULL)
                die("out of memory");
        for (unsigned i = 0; i < n_threads; i++)
                if (pthread_create(&t[i], NULL, sign_in_each, (void *)(size_t)i) != 0)
                        die("cannot start a thread");
        for (unsigned i = 0; i < n_threads; i++)
                pthread_join(t[i], NULL);
        for (size_t k = 0; k < n_accounts; k++)
                printf("%s\n", token_of[k]);
        free(token_of);
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
            {"port", required_argument, NULL, 'p'},
            {"keys", required_argument, NULL, 'k'},
            {"connections", required_argument, NULL, 'c'},
            {"seconds", required_argument, NULL, 's'},
            {"tokens", no_argument, NULL, 't'},
            {NULL, 0, NULL, 0},
        };
        unsigned n_conns = 16;
        double seconds = 10;
        bool want_tokens = false;
        const char *keys = NULL;
        int o;
        while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (o) {
                case 'p':
                        port = atoi(optarg);
                        break;
                case 'k':
                        keys = optarg;
                        break;
                case 'c':
                        n_conns = (unsigned)atoi(optarg);
                        break;
                case 's':
                        seconds = atof(optarg);
                        break;
                case 't':
                        want_tokens = true;
                        break;
                default:
                        return 2;
                }
        }
        if (port <= 0 || keys == NULL || n_conns < 1 || n_conns > 1024 || seconds <= 0)
                die("usage: signin_load --port PORT --keys KEYS (--tokens | [--connections C] "
                    "[--seconds S])");
        if (sodium_init() < 0)
                die("libsodium failed to start");
        load_keys(keys);
        if (want_tokens) {
                tokens(n_conns);
                return 0;
        }

        struct worker *w = calloc(n_conns, sizeof(*w));
        if (w == NULL)
                die("out of memory");
        double t0 = now();
        deadline = t0 + seconds;
        for (unsigned i = 0; i < n_conns; i++) {
                w[i].seed = (unsigned)randombytes_random();
                if (pthread_create(&w[i].thread, NULL, work, &w[i]) != 0)
                        die("cannot start a thread");
        }
        unsigned long done = 0, errors = 0;
        size_t n_lat = 0;
        for (unsigned i = 0; i < n_conns; i++) {
                pthread_join(w[i].thread, NULL);
                done += w[i].done;
                errors += w[i].errors;
                n_lat += w[i].n_lat;
        }
        double elapsed = now() - t0;
        double *all = malloc((n_lat ? n_lat : 1) * sizeof(double));
        if (all == NULL)
                die("out of memory");
        size_t k = 0;
        for (unsigned i = 0; i < n_conns; i++) {
                memcpy(all + k, w[i].lat, w[i].n_lat * sizeof(double));
                k += w[i].n_lat;
                free(w[i].lat);
        }
        qsort(all, n_lat, sizeof(double), cmp_double);
        double p99 = n_lat ? all[(size_t)((double)(n_lat - 1) * 0.99)] : 0;
        printf("%lu %.1f %.2f %lu\n", done, (double)done / elapsed, p99 * 1e3, errors);
        free(all);
        free(w);
        return 0;
}
