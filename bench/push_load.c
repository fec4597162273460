/*
 * Push sign-in under load, for bench/push.sh: many devices waiting on one
 * authkeepd, and as many idle keep-alive connections on nginx.
 *
 *   push_load --port PORT --pid PID --devices N --vaults DIR [--signins S]
 *             [--sources K] [--nginx-port PORT --nginx-pid PID]
 *
 * 1. Opens N device vaults DIR/device-NNNNNN.vault (passphrase "test",
 *    AK_KDF_COST_MIN), making those missing, and registers them through the
 *    real API on N/10 recovery accounts (one per ten devices: account
 *    creation, SRP sign-in, POST /v1/devices).
 * 2. Reads authkeepd's VmRSS (PID), then holds N long-polls open
 *    (GET /v1/device/requests?wait=30, signed by each device), spread over
 *    K loopback source addresses 127.0.0.1..127.0.0.K; each device polls
 *    again after every empty answer (a first wait of 15 to 30 s, so that
 *    the waits end spread out, then 30 s). Once every device has polled
 *    again on its connection and the server's CPU is quiet, reads VmRSS
 *    again: the difference over N is the memory per waiting device (the
 *    figure at the first wait goes to standard error).
 * 3. S times (1000), for an account chosen at random: POST /v1/signin, then
 *    the time until each of the account's devices holds the request (its
 *    long-poll answer carrying that request_id arrives). One device then
 *    denies it (a signed answer), and they all poll again.
 * 4. With --nginx-port: closes the devices' connections, then holds N idle
 *    keep-alive connections on nginx (one GET each, answered, then nothing)
 *    and reads the VmRSS of nginx's processes (PID and its children) before
 *    and after.
 *
 * The devices are served by worker processes of up to 12,000 devices each
 * (each open vault keeps its device key in locked, guarded memory: a few
 * mappings per vault, and a process may hold about 65,000). Prints one line,
 *   waiting devices: N, resident per device: X KiB, wake-up p50 Y ms, p99 Z ms
 * then nginx's beside it; progress and counts of anything that went wrong
 * go to standard error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <jansson.h>
#include <sodium.h>

#include "authkeep/signin.h"
#include "authkeep/srp.h"
#include "authkeep/vault.h"

#define LOAD_NAME "push_load"
#include "load.h"

#define PASS "test"
#define PER_ACCOUNT 10
#define PER_WORKER 12000
#define POLL_WAIT 30
#define CONNECTING_MAX 256 /* connections being opened at once */
#define SIGNIN_TIMEOUT 5.0 /* seconds for every device of the account to hold a request */
#define SIGNIN_GAP 0.005   /* pause between two sign-ins */

static unsigned n_devices, n_signins = 1000, n_sources = 1;
static int port;
static char (*dev_ids)[AK_DEVICE_ID_LEN + 1];
static unsigned char (*dev_pks)[AK_DEVICE_PK_BYTES];
static const char *vault_dir;

static void vault_path(char *out, size_t size, unsigned i)
{
        snprintf(out, size, "%s/device-%06u.vault", vault_dir, i);
}

static struct ak_vault *vault_get(unsigned i, bool create)
{
        char path[4096];
        struct ak_vault *v = NULL;
        vault_path(path, sizeof(path), i);
        if (ak_vault_open(&v, path, PASS, strlen(PASS)) == AK_OK)
                return v;
        struct ak_kdf_params kdf;
        ak_kdf_params_default(&kdf, AK_KDF_COST_MIN);
        if (!create || ak_vault_create(&v, path, PASS, strlen(PASS), &kdf) != AK_OK)
                die("cannot open or make %s", path);
        return v;
}

static char *b64(const unsigned char *data, size_t len)
{
        size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
        char *s = malloc(n);
        sodium_bin2base64(s, n, data, len, sodium_base64_VARIANT_ORIGINAL);
        return s;
}

static size_t unb64(unsigned char *out, size_t max, const char *s)
{
        size_t len = 0;
        if (s == NULL || sodium_base642bin(out, max, s, strlen(s), NULL, &len, NULL,
                                           sodium_base64_VARIANT_ORIGINAL) != 0)
                die("bad base64 from the server");
        return len;
}

/* ---- HTTP/1.1 over loopback: requests in, answers with Content-Length out ---- */

static int tcp_socket(int source, bool blocking)
{
        int fd = socket(AF_INET, SOCK_STREAM | (blocking ? 0 : SOCK_NONBLOCK) | SOCK_CLOEXEC, 0);
        if (fd < 0)
                die("socket: %s", strerror(errno));
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
        struct sockaddr_in a = {.sin_family = AF_INET};
        a.sin_addr.s_addr = htonl(0x7f000001u + (uint32_t)source);
        if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
                die("bind 127.0.0.%d: %s", source + 1, strerror(errno));
        return fd;
}

static int tcp_connect(int fd, int to_port)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)to_port)};
        a.sin_addr.s_addr = htonl(0x7f000001u);
        return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

struct buf {
        char *data;
        size_t len, cap;
};

static void buf_add(struct buf *b, const void *p, size_t n)
{
        if (b->len + n + 1 > b->cap) {
                b->cap = (b->len + n + 1) * 2;
                b->data = realloc(b->data, b->cap);
                if (b->data == NULL)
                        die("out of memory");
        }
        memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
}

static void buf_take(struct buf *b, size_t n)
{
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
        b->data[b->len] = '\0';
}

/* An answer complete at the front of `b`: its status, body and total length; 0 if not yet. */
static size_t http_answer(const struct buf *b, int *status, const char **body, size_t *body_len)
{
        if (b->len == 0)
                return 0;
        const char *end = strstr(b->data, "\r\n\r\n");
        if (end == NULL)
                return 0;
        size_t head = (size_t)(end - b->data) + 4, length = 0;
        for (const char *p = b->data; p < end; p = strstr(p, "\r\n") + 2)
                if (strncasecmp(p, "Content-Length:", 15) == 0)
                        length = strtoul(p + 15, NULL, 10);
        if (b->len < head + length)
                return 0;
        *status = atoi(b->data + 9);
        *body = b->data + head;
        *body_len = length;
        return head + length;
}

static void http_format(struct buf *out, const char *method, const char *path, const char *auth,
                        const char *body)
{
        char head[1024];
        int n = snprintf(
            head, sizeof(head), "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s%s%s%s%s\r\n", method,
            path, port, auth != NULL ? "Authorization: " : "", auth != NULL ? auth : "",
            auth != NULL ? "\r\n" : "", body != NULL ? "Content-Type: application/json\r\n" : "",
            body != NULL ? "Content-Length: " : "");
        buf_add(out, head, (size_t)n);
        if (body != NULL) {
                n = snprintf(head, sizeof(head), "%zu\r\n\r\n", strlen(body));
                out->len -= 2; /* the blank line comes after the length */
                buf_add(out, head, (size_t)n);
                buf_add(out, body, strlen(body));
        }
}

/* A blocking call on `fd` (setup only); returns the status, the body parsed as JSON in *json. */
static int http_call(int fd, const char *method, const char *path, const char *auth,
                     const char *body, json_t **json)
{
        struct buf out = {0}, in = {0};
        http_format(&out, method, path, auth, body);
        for (size_t off = 0; off < out.len;) {
                ssize_t w = write(fd, out.data + off, out.len - off);
                if (w <= 0)
                        die("write to authkeepd: %s", strerror(errno));
                off += (size_t)w;
        }
        int status = 0;
        const char *b;
        size_t blen;
        while (http_answer(&in, &status, &b, &blen) == 0) {
                char chunk[16384];
                ssize_t r = read(fd, chunk, sizeof(chunk));
                if (r <= 0)
                        die("authkeepd closed the connection during %s %s", method, path);
                buf_add(&in, chunk, (size_t)r);
        }
        if (json != NULL)
                *json = json_loadb(b, blen, 0, NULL);
        free(out.data);
        free(in.data);
        return status;
}

/* ---- setup: vaults, accounts, devices ---- */

static void account_email(char *out, size_t size, unsigned a)
{
        snprintf(out, size, "push%u@bench.example.com", a);
}

static const char *jstr(json_t *j, const char *key)
{
        const char *s = json_string_value(json_object_get(j, key));
        if (s == NULL)
                die("no \"%s\" in the server's answer", key);
        return s;
}

/* Makes recovery account `a` and signs in; writes "Bearer TOKEN" to `bearer`. */
static void account_make(int fd, unsigned a, char *bearer, size_t size)
{
        char email[64], identity[AK_SRP_IDENTITY_MAX + 1], body[4096];
        unsigned char key[32], salt[AK_SRP_SALT_BYTES], v[AK_SRP_N_BYTES], kdf_salt[16], nonce[24],
            ct[48];
        account_email(email, sizeof(email), a);
        randombytes_buf(key, sizeof(key));
        if (ak_srp_identity(identity, sizeof(identity), email, false) != AK_OK)
                die("identity");
        ak_srp_salt(salt);
        if (ak_srp_verifier(v, identity, salt, sizeof(salt), key, sizeof(key)) != AK_OK)
                die("verifier");
        randombytes_buf(kdf_salt, sizeof(kdf_salt));
        randombytes_buf(nonce, sizeof(nonce));
        randombytes_buf(ct, sizeof(ct));
        char *ks = b64(kdf_salt, 16), *ss = b64(salt, sizeof(salt)), *vs = b64(v, sizeof(v));
        char *ns = b64(nonce, 24), *cs = b64(ct, 48);
        json_t *j = json_pack("{s:s, s:{s:s, s:s, s:i, s:i}, s:s, s:s, s:{s:s, s:s}}", "email",
                              email, "kdf", "alg", "argon2id13", "salt", ks, "opslimit", 1,
                              "memlimit", 8192, "srp_salt", ss, "srp_verifier", vs, "wrapped_key",
                              "nonce", ns, "ciphertext", cs);
        char *text = json_dumps(j, JSON_COMPACT);
        int st = http_call(fd, "POST", "/v1/accounts", NULL, text, NULL);
        if (st != 201 && st != 200)
                die("POST /v1/accounts: %d", st);
        free(text);
        json_decref(j);
        free(ks);
        free(ss);
        free(vs);
        free(ns);
        free(cs);

        json_t *start;
        snprintf(body, sizeof(body), "{\"email\":\"%s\",\"recovery\":false}", email);
        if ((st = http_call(fd, "POST", "/v1/auth/start", NULL, body, &start)) != 200)
                die("POST /v1/auth/start: %d", st);
        unsigned char A[AK_SRP_N_BYTES], B[AK_SRP_N_BYTES], s[AK_SRP_SALT_MAX], M1[32];
        size_t B_len = unb64(B, sizeof(B), jstr(start, "B"));
        size_t s_len = unb64(s, sizeof(s), jstr(start, "srp_salt"));
        struct ak_srp_client *c = NULL;
        if (ak_srp_client_new(&c, identity, key, sizeof(key), A) != AK_OK ||
            ak_srp_client_process(c, s, s_len, B, B_len, M1) != AK_OK)
                die("SRP client");
        char *a64 = b64(A, sizeof(A)), *m64 = b64(M1, sizeof(M1));
        snprintf(body, sizeof(body), "{\"login_id\":\"%s\",\"A\":\"%s\",\"M1\":\"%s\"}",
                 jstr(start, "login_id"), a64, m64);
        free(a64);
        free(m64);
        json_decref(start);
        json_t *fin;
        if ((st = http_call(fd, "POST", "/v1/auth/finish", NULL, body, &fin)) != 200)
                die("POST /v1/auth/finish: %d", st);
        snprintf(bearer, size, "Bearer %s", jstr(fin, "session_token"));
        json_decref(fin);
        ak_srp_client_free(c);
}

static void setup(void)
{
        double t = now();
        dev_ids = calloc(n_devices, sizeof(*dev_ids));
        dev_pks = calloc(n_devices, sizeof(*dev_pks));
        for (unsigned i = 0; i < n_devices; i++) {
                struct ak_vault *v = vault_get(i, true);
                snprintf(dev_ids[i], sizeof(dev_ids[i]), "%s", ak_vault_device_id(v));
                ak_vault_device_public_key(v, dev_pks[i]);
                ak_vault_free(v);
        }
        fprintf(stderr, "push_load: %u vaults ready in %.1f s\n", n_devices, now() - t);
        t = now();
        int fd = tcp_socket(0, true);
        if (tcp_connect(fd, port) != 0)
                die("cannot connect to authkeepd: %s", strerror(errno));
        unsigned accounts = (n_devices + PER_ACCOUNT - 1) / PER_ACCOUNT;
        for (unsigned a = 0; a < accounts; a++) {
                char bearer[256], body[512];
                account_make(fd, a, bearer, sizeof(bearer));
                for (unsigned i = a * PER_ACCOUNT; i < n_devices && i < (a + 1) * PER_ACCOUNT;
                     i++) {
                        char *pk = b64(dev_pks[i], AK_DEVICE_PK_BYTES);
                        snprintf(
                            body, sizeof(body),
                            "{\"device_id\":\"%s\",\"name\":\"bench %u\",\"public_key\":\"%s\"}",
                            dev_ids[i], i, pk);
                        free(pk);
                        int st = http_call(fd, "POST", "/v1/devices", bearer, body, NULL);
                        if (st != 201)
                                die("POST /v1/devices: %d", st);
                }
        }
        close(fd);
        fprintf(stderr, "push_load: %u accounts and their devices registered in %.1f s\n", accounts,
                now() - t);
}

/* ---- /proc ---- */

static long rss_kib(int pid)
{
        char path[64], line[256];
        long kib = -1;
        snprintf(path, sizeof(path), "/proc/%d/status", pid);
        FILE *f = fopen(path, "r");
        if (f == NULL)
                die("cannot read %s", path);
        while (fgets(line, sizeof(line), f) != NULL)
                if (sscanf(line, "VmRSS: %ld", &kib) == 1)
                        break;
        fclose(f);
        return kib;
}

/* PID and its children (nginx's master and workers). */
static int family(int pid, int *out, int max)
{
        int n = 0;
        out[n++] = pid;
        DIR *d = opendir("/proc");
        struct dirent *e;
        while (d != NULL && (e = readdir(d)) != NULL && n < max) {
                char path[300], text[512];
                int child = atoi(e->d_name), ppid = 0;
                if (child <= 0)
                        continue;
                snprintf(path, sizeof(path), "/proc/%d/stat", child);
                FILE *f = fopen(path, "r");
                if (f == NULL)
                        continue;
                if (fgets(text, sizeof(text), f) != NULL) {
                        const char *p = strrchr(text, ')');
                        if (p != NULL && sscanf(p + 2, "%*c %d", &ppid) == 1 && ppid == pid)
                                out[n++] = child;
                }
                fclose(f);
        }
        if (d != NULL)
                closedir(d);
        return n;
}

static long rss_sum(const int *pids, int n)
{
        long sum = 0;
        for (int i = 0; i < n; i++)
                sum += rss_kib(pids[i]);
        return sum;
}

static long cpu_ticks(const int *pids, int n)
{
        long sum = 0;
        for (int i = 0; i < n; i++) {
                char path[64], text[1024];
                unsigned long ut = 0, st = 0;
                snprintf(path, sizeof(path), "/proc/%d/stat", pids[i]);
                FILE *f = fopen(path, "r");
                if (f == NULL)
                        continue;
                if (fgets(text, sizeof(text), f) != NULL) {
                        const char *p = strrchr(text, ')');
                        if (p != NULL)
                                sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                                       &ut, &st);
                }
                fclose(f);
                sum += (long)(ut + st);
        }
        return sum;
}

/* Waits until the processes use no CPU for a second (at most 60 s), then their RSS. */
static long quiet_rss(const int *pids, int n)
{
        long last = cpu_ticks(pids, n);
        int calm = 0;
        for (int i = 0; i < 240 && calm < 4; i++) {
                usleep(250000);
                long t = cpu_ticks(pids, n);
                calm = t - last <= 1 ? calm + 1 : 0;
                last = t;
        }
        return rss_sum(pids, n);
}

/* ---- the event loop ---- */

enum kind { DEVICE, REQUESTER, NGINX };
enum state { CONNECTING, BUSY, PARKED, IDLE };

struct conn {
        int fd;
        enum kind kind;
        enum state state;
        unsigned dev;
        bool answering; /* the call under way is the device's answer, not a poll */
        struct buf out, in;
        size_t out_off;
};

struct device {
        struct ak_vault *vault;
        struct conn c;
        double got_at;
        char got_id[AK_SIGNIN_ID_LEN + 1];
        json_t *got; /* the request as listed */
        unsigned polls;
};

static int ep;
static unsigned connecting, reconnects, errors;

static void watch(struct conn *c, bool add)
{
        struct epoll_event e = {.events = EPOLLIN | (c->out_off < c->out.len ? EPOLLOUT : 0),
                                .data.ptr = c};
        if (c->state == CONNECTING)
                e.events = EPOLLOUT;
        if (epoll_ctl(ep, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c->fd, &e) != 0)
                die("epoll_ctl: %s", strerror(errno));
}

static void conn_open(struct conn *c, int source, int to_port)
{
        c->fd = tcp_socket(source, false);
        c->state = CONNECTING;
        c->in.len = 0;
        if (tcp_connect(c->fd, to_port) != 0 && errno != EINPROGRESS)
                die("connect: %s", strerror(errno));
        connecting++;
        watch(c, true);
}

static void conn_flush(struct conn *c)
{
        while (c->out_off < c->out.len) {
                ssize_t w = write(c->fd, c->out.data + c->out_off, c->out.len - c->out_off);
                if (w < 0 && (errno == EAGAIN || errno == EINTR))
                        break;
                if (w <= 0)
                        return; /* the read side sees the hang-up */
                c->out_off += (size_t)w;
        }
        if (c->out_off == c->out.len)
                c->out.len = c->out_off = 0;
        watch(c, false);
}

static void conn_send(struct conn *c, const char *method, const char *path, const char *auth,
                      const char *body)
{
        http_format(&c->out, method, path, auth, body);
        c->state = BUSY;
        if (c->fd >= 0)
                conn_flush(c);
}

/* ---- the worker: devices lo..hi-1 and their accounts' sign-ins ---- */

static struct device *devs;
static unsigned lo, hi;
static struct conn requester = {.fd = -1, .kind = REQUESTER};
static int report_fd;

static struct {
        bool active, measured, answered;
        unsigned account;
        double t0, next_at, answer_at;
        char id[AK_SIGNIN_ID_LEN + 1];
} cur;
static double *lat;
static unsigned n_lat, missing;
static struct {
        unsigned dev;
        double at;
} * retry; /* devices told "busy", to poll again a second later */
static unsigned n_retry;

static void device_poll(struct device *d, unsigned wait);

static void retry_due(void)
{
        double t = now();
        for (unsigned i = 0; i < n_retry;)
                if (retry[i].at <= t) {
                        device_poll(&devs[retry[i].dev], POLL_WAIT);
                        retry[i] = retry[--n_retry];
                } else {
                        i++;
                }
}

static void device_poll(struct device *d, unsigned wait)
{
        char path[64], auth[AK_DEVICE_AUTH_MAX];
        snprintf(path, sizeof(path), "/v1/device/requests?wait=%u", wait);
        if (ak_device_auth_make(auth, d->vault, "GET", path, NULL, 0, (int64_t)time(NULL)) != AK_OK)
                die("ak_device_auth_make");
        conn_send(&d->c, "GET", path, auth, NULL);
        d->polls++;
}

static void device_connect(struct device *d)
{
        unsigned i = (unsigned)(d - devs);
        d->c.kind = DEVICE;
        d->c.dev = i;
        d->c.out.len = d->c.out_off = 0;
        conn_open(&d->c, (int)(i % n_sources), port);
}

static void signin_start(void)
{
        memset(&cur, 0, sizeof(cur));
        cur.active = true;
        cur.account = lo / PER_ACCOUNT + (unsigned)randombytes_uniform((hi - lo) / PER_ACCOUNT);
        char body[128], email[64];
        account_email(email, sizeof(email), cur.account);
        snprintf(body, sizeof(body), "{\"email\":\"%s\"}", email);
        cur.t0 = now();
        conn_send(&requester, "POST", "/v1/signin", NULL, body);
}

/* The request is known and held by every device of the account, or it is late: one denies it. */
static void signin_check(void)
{
        if (!cur.active || cur.answered || cur.id[0] == '\0' || now() < cur.answer_at)
                return;
        unsigned first = cur.account * PER_ACCOUNT, held = 0;
        struct device *answerer = NULL;
        for (unsigned i = first; i < first + PER_ACCOUNT; i++)
                if (devs[i].got_at > 0 && strcmp(devs[i].got_id, cur.id) == 0) {
                        held++;
                        if (answerer == NULL && devs[i].c.state == PARKED)
                                answerer = &devs[i];
                }
        if (held < PER_ACCOUNT && now() - cur.t0 < SIGNIN_TIMEOUT)
                return;
        if (!cur.measured) {
                for (unsigned i = first; i < first + PER_ACCOUNT; i++)
                        if (devs[i].got_at > 0 && strcmp(devs[i].got_id, cur.id) == 0)
                                lat[n_lat++] = (devs[i].got_at - cur.t0) * 1e3;
                missing += PER_ACCOUNT - held;
                cur.measured = true;
        }
        cur.answered = true;
        if (answerer == NULL) { /* no device saw it: go on */
                cur.active = false;
                cur.next_at = now() + SIGNIN_GAP;
                return;
        }
        json_t *r = answerer->got;
        struct ak_signin_challenge ch = {0};
        snprintf(ch.request_id, sizeof(ch.request_id), "%s", jstr(r, "request_id"));
        snprintf(ch.origin, sizeof(ch.origin), "%s", jstr(r, "origin"));
        snprintf(ch.account, sizeof(ch.account), "%s", jstr(r, "account"));
        snprintf(ch.from, sizeof(ch.from), "%s", jstr(r, "from"));
        snprintf(ch.app, sizeof(ch.app), "%s", jstr(r, "app"));
        if (unb64(ch.nonce, sizeof(ch.nonce), jstr(r, "nonce")) != sizeof(ch.nonce))
                die("nonce");
        ch.created_at = json_integer_value(json_object_get(r, "created_at"));
        ch.expires_at = json_integer_value(json_object_get(r, "expires_at"));
        unsigned char sig[AK_DEVICE_SIG_BYTES];
        if (ak_signin_sign(sig, answerer->vault, &ch, AK_SIGNIN_DENY, 0) != AK_OK)
                die("ak_signin_sign");
        char *sig64 = b64(sig, sizeof(sig)), body[256], path[128], auth[AK_DEVICE_AUTH_MAX];
        snprintf(body, sizeof(body), "{\"decision\":\"deny\",\"signature\":\"%s\"}", sig64);
        free(sig64);
        snprintf(path, sizeof(path), "/v1/signin/%s/answer", ch.request_id);
        if (ak_device_auth_make(auth, answerer->vault, "POST", path, body, strlen(body),
                                (int64_t)time(NULL)) != AK_OK)
                die("ak_device_auth_make");
        answerer->c.answering = true;
        conn_send(&answerer->c, "POST", path, auth, body);
}

/* The answer was taken: the account's devices poll again, and the next sign-in follows. */
static void signin_end(unsigned account)
{
        for (unsigned i = account * PER_ACCOUNT; i < (account + 1) * PER_ACCOUNT; i++)
                if (devs[i].c.state == PARKED)
                        device_poll(&devs[i], POLL_WAIT);
        cur.active = false;
        cur.next_at = now() + SIGNIN_GAP;
}

/* The first few answers that went wrong, on standard error. */
static void went_wrong(const char *what, int status, const char *body, size_t len)
{
        if (++errors <= 5)
                fprintf(stderr, "push_load: %s: %d %.*s\n", what, status, (int)len, body);
}

static void on_device_answer(struct device *d, int status, const char *body, size_t len)
{
        if (d->c.answering) {
                d->c.answering = false;
                d->c.state = PARKED;
                if (status == 503) { /* busy: the same answer again in a second */
                        went_wrong("an answer", status, body, len);
                        cur.answered = false;
                        cur.answer_at = now() + 1;
                        return;
                }
                if (status != 200)
                        went_wrong("an answer", status, body, len);
                signin_end(d->c.dev / PER_ACCOUNT);
                return;
        }
        json_t *j = status == 200 ? json_loadb(body, len, 0, NULL) : NULL;
        json_t *reqs = json_object_get(j, "requests");
        if (json_array_size(reqs) == 0) {
                json_decref(j);
                if (status == 503) {
                        went_wrong("a poll", status, body, len);
                        d->c.state = PARKED;
                        retry[n_retry].dev = d->c.dev;
                        retry[n_retry++].at = now() + 1;
                        return;
                }
                if (status != 200)
                        went_wrong("a poll", status, body, len);
                device_poll(d, POLL_WAIT);
                return;
        }
        json_t *r = json_array_get(reqs, 0);
        const char *id = jstr(r, "request_id");
        if (strcmp(id, d->got_id) != 0) {
                d->got_at = now();
                snprintf(d->got_id, sizeof(d->got_id), "%s", id);
                json_decref(d->got);
                d->got = json_incref(r);
        }
        json_decref(j);
        d->c.state = PARKED; /* until the request is answered */
        signin_check();
}

static void on_readable(struct conn *c)
{
        char chunk[16384];
        for (;;) {
                ssize_t r = read(c->fd, chunk, sizeof(chunk));
                if (r > 0) {
                        buf_add(&c->in, chunk, (size_t)r);
                        continue;
                }
                if (r < 0 && (errno == EAGAIN || errno == EINTR))
                        break;
                /* closed: open again, and poll again */
                if (c->kind != DEVICE)
                        die("the server closed a connection");
                close(c->fd);
                if (++reconnects <= 5)
                        fprintf(stderr,
                                "push_load: device %u: closed by the server after %u polls%s\n",
                                c->dev, devs[c->dev].polls, c->answering ? ", answering" : "");
                struct device *d = &devs[c->dev];
                bool answering = c->answering;
                c->answering = false;
                device_connect(d);
                if (answering)
                        signin_end(c->dev / PER_ACCOUNT);
                return;
        }
        int status;
        const char *body;
        size_t len, n;
        while ((n = http_answer(&c->in, &status, &body, &len)) > 0) {
                if (c->kind == DEVICE) {
                        on_device_answer(&devs[c->dev], status, body, len);
                } else if (c->kind == REQUESTER) {
                        json_t *j = json_loadb(body, len, 0, NULL);
                        if (status != 201)
                                die("POST /v1/signin: %d %.*s", status, (int)len, body);
                        snprintf(cur.id, sizeof(cur.id), "%s", jstr(j, "request_id"));
                        json_decref(j);
                        c->state = IDLE;
                        signin_check();
                } else {
                        c->state = IDLE;
                }
                buf_take(&c->in, n);
        }
}

/* Connected: a device's first poll waits 15 to 30 s, so that the waits end spread out. */
static void on_connected(struct conn *c)
{
        int err = 0;
        socklen_t l = sizeof(err);
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
        if (err != 0)
                die("connect: %s", strerror(err));
        connecting--;
        c->state = IDLE;
        if (c->kind == DEVICE && c->out.len == 0)
                device_poll(&devs[c->dev], 15 + randombytes_uniform(16));
        else if (c->kind == NGINX)
                conn_send(c, "GET", "/", NULL, NULL);
        else
                conn_flush(c);
}

static void loop_once(int timeout_ms)
{
        struct epoll_event evs[256];
        int n = epoll_wait(ep, evs, 256, timeout_ms);
        for (int i = 0; i < n; i++) {
                struct conn *c = evs[i].data.ptr;
                if (c == NULL)
                        continue; /* the control pipe: read where it is waited for */
                if (c->state == CONNECTING) {
                        on_connected(c);
                        continue;
                }
                if (evs[i].events & EPOLLOUT)
                        conn_flush(c);
                if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                        on_readable(c);
        }
}

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...)
{
        char line[256];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        if (write(report_fd, line, (size_t)n) != n)
                exit(1);
}

static void worker(int control, unsigned signins)
{
        ep = epoll_create1(EPOLL_CLOEXEC);
        devs = calloc(n_devices, sizeof(*devs));
        lat = calloc((size_t)signins * PER_ACCOUNT + 1, sizeof(*lat));
        retry = calloc(n_devices, sizeof(*retry));
        for (unsigned i = lo; i < hi; i++) {
                devs[i].vault = vault_get(i, false);
                devs[i].c.fd = -1;
        }
        /* every poll sent */
        unsigned next = lo;
        for (;;) {
                while (next < hi && connecting < CONNECTING_MAX)
                        device_connect(&devs[next++]);
                if (next == hi && connecting == 0) {
                        bool sent = true;
                        for (unsigned i = lo; i < hi && sent; i++)
                                sent = devs[i].c.state == BUSY && devs[i].c.out.len == 0;
                        if (sent)
                                break;
                }
                loop_once(10);
                retry_due();
        }
        report("sent\n");
        /* told to go */
        struct epoll_event e = {.events = EPOLLIN, .data.ptr = NULL};
        epoll_ctl(ep, EPOLL_CTL_ADD, control, &e);
        fcntl(control, F_SETFL, O_NONBLOCK);
        /* every device polled again after its first wait: how a server holds them for long */
        bool steady = false;
        for (;;) {
                char c;
                if (!steady) {
                        steady = true;
                        for (unsigned i = lo; i < hi && steady; i++)
                                steady = devs[i].polls >= 2 && devs[i].c.state == BUSY &&
                                         devs[i].c.out.len == 0;
                        if (steady)
                                report("steady\n");
                }
                ssize_t r = read(control, &c, 1);
                if (r == 1)
                        break;
                if (r == 0)
                        exit(0);
                loop_once(100);
                retry_due();
        }
        requester.fd = tcp_socket(0, false);
        requester.state = CONNECTING;
        if (tcp_connect(requester.fd, port) != 0 && errno != EINPROGRESS)
                die("connect: %s", strerror(errno));
        connecting++;
        watch(&requester, true);
        while (requester.state == CONNECTING)
                loop_once(10);
        unsigned started = 0;
        while (started < signins || cur.active) {
                if (!cur.active && started < signins && now() >= cur.next_at) {
                        signin_start();
                        started++;
                }
                loop_once(1);
                retry_due();
                signin_check();
        }
        for (unsigned i = 0; i < n_lat; i++)
                report("L %.3f\n", lat[i]);
        report("E %u %u %u\n", missing, errors, reconnects);
        exit(0);
}

/* ---- nginx ---- */

static double nginx_per_conn(int nport, int npid)
{
        int pids[64], np = family(npid, pids, 64);
        long before = quiet_rss(pids, np);
        struct conn *cs = calloc(n_devices, sizeof(*cs));
        ep = epoll_create1(EPOLL_CLOEXEC);
        unsigned next = 0, done = 0;
        while (done < n_devices) {
                while (next < n_devices && connecting < CONNECTING_MAX) {
                        cs[next].kind = NGINX;
                        conn_open(&cs[next], (int)(next % n_sources), nport);
                        next++;
                }
                loop_once(10);
                done = 0;
                for (unsigned i = 0; i < next; i++)
                        done += cs[i].state == IDLE && cs[i].out.len == 0;
        }
        long after = quiet_rss(pids, np);
        fprintf(stderr,
                "push_load: nginx (%d processes) %ld KiB idle, %ld KiB with %u connections\n", np,
                before, after, n_devices);
        return (double)(after - before) / n_devices;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

static double pct(const double *v, unsigned n, double p)
{
        if (n == 0)
                return NAN;
        size_t i = (size_t)ceil(p / 100.0 * n);
        return v[i > 0 ? i - 1 : 0];
}

int main(int argc, char **argv)
{
        int pid = 0, nport = 0, npid = 0;
        static const struct option opts[] = {
            {"port", required_argument, NULL, 0},
            {"pid", required_argument, NULL, 0},
            {"devices", required_argument, NULL, 0},
            {"vaults", required_argument, NULL, 0},
            {"signins", required_argument, NULL, 0},
            {"sources", required_argument, NULL, 0},
            {"nginx-port", required_argument, NULL, 0},
            {"nginx-pid", required_argument, NULL, 0},
            {NULL, 0, NULL, 0},
        };
        /* every option but --vaults is a number */
        int *numbers[] = {&port, &pid, NULL, NULL, NULL, NULL, &nport, &npid};
        unsigned *counts[] = {NULL, NULL, &n_devices, NULL, &n_signins, &n_sources};
        for (int o, at; (o = getopt_long(argc, argv, "", opts, &at)) != -1;) {
                if (o != 0)
                        return 2;
                if (at == 3)
                        vault_dir = optarg;
                else if (at < 6 && counts[at] != NULL)
                        *counts[at] = (unsigned)atoi(optarg);
                else
                        *numbers[at] = atoi(optarg);
        }
        if (port == 0 || pid == 0 || vault_dir == NULL || n_devices < PER_ACCOUNT ||
            n_devices % PER_ACCOUNT != 0 || n_sources < 1 || n_sources > 254 || optind != argc)
                die("usage: push_load --port PORT --pid PID --devices N (a multiple of %d) "
                    "--vaults "
                    "DIR [--signins S] [--sources K] [--nginx-port PORT --nginx-pid PID]",
                    PER_ACCOUNT);
        if (sodium_init() < 0)
                die("libsodium");
        signal(SIGPIPE, SIG_IGN);
        struct rlimit rl;
        rlim_t need = (rlim_t)n_devices + 1024;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
                rl.rlim_cur = need;
                if (rl.rlim_max < need)
                        rl.rlim_max = need;
                if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
                        die("cannot open %llu files: %s", (unsigned long long)need,
                            strerror(errno));
        }
        setup();

        int server[1] = {pid};
        long idle = quiet_rss(server, 1);
        unsigned workers = (n_devices + PER_WORKER - 1) / PER_WORKER;
        unsigned accounts = n_devices / PER_ACCOUNT, per = (accounts + workers - 1) / workers;
        int ctl[64], rep[64];
        pid_t kids[64];
        for (unsigned w = 0; w < workers; w++) {
                int c[2], r[2];
                if (pipe(c) != 0 || pipe(r) != 0)
                        die("pipe");
                lo = w * per * PER_ACCOUNT;
                hi = (w + 1) * per * PER_ACCOUNT < n_devices ? (w + 1) * per * PER_ACCOUNT
                                                             : n_devices;
                unsigned share = n_signins / workers + (w < n_signins % workers);
                fflush(NULL);
                if ((kids[w] = fork()) == 0) {
                        close(c[1]);
                        close(r[0]);
                        report_fd = r[1];
                        worker(c[0], share);
                }
                close(c[0]);
                close(r[1]);
                ctl[w] = c[1];
                rep[w] = r[0];
        }
        FILE *in[64];
        for (unsigned w = 0; w < workers; w++) {
                char line[64];
                in[w] = fdopen(rep[w], "r");
                if (fgets(line, sizeof(line), in[w]) == NULL || strcmp(line, "sent\n") != 0)
                        die("a worker stopped before its devices waited");
        }
        long first = quiet_rss(server, 1);
        for (unsigned w = 0; w < workers; w++) {
                char line[64];
                if (fgets(line, sizeof(line), in[w]) == NULL || strcmp(line, "steady\n") != 0)
                        die("a worker stopped before its devices polled again");
        }
        long waiting = quiet_rss(server, 1);
        fprintf(stderr,
                "push_load: authkeepd %ld KiB idle, %ld KiB with %u devices at their first wait, "
                "%ld KiB once each polled again\n",
                idle, first, n_devices, waiting);
        double t = now();
        for (unsigned w = 0; w < workers; w++)
                if (write(ctl[w], "g", 1) != 1)
                        die("a worker is gone");
        double *all = calloc((size_t)n_signins * PER_ACCOUNT + 1, sizeof(*all));
        unsigned n_all = 0, missing_all = 0, errors_all = 0, reconnects_all = 0;
        for (unsigned w = 0; w < workers; w++) {
                char line[128];
                unsigned m, e, r;
                double v;
                while (fgets(line, sizeof(line), in[w]) != NULL) {
                        if (sscanf(line, "L %lf", &v) == 1)
                                all[n_all++] = v;
                        else if (sscanf(line, "E %u %u %u", &m, &e, &r) == 3) {
                                missing_all += m;
                                errors_all += e;
                                reconnects_all += r;
                        }
                }
                int status;
                waitpid(kids[w], &status, 0);
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        die("a worker failed");
        }
        fprintf(stderr,
                "push_load: %u sign-ins in %.1f s, %u wake-ups measured, %u missed, %u calls "
                "refused or failed, %u reconnections\n",
                n_signins, now() - t, n_all, missing_all, errors_all, reconnects_all);
        qsort(all, n_all, sizeof(*all), cmp_double);
        printf("waiting devices: %u, resident per device: %.1f KiB, wake-up p50 %.2f ms, p99 %.2f "
               "ms\n",
               n_devices, (double)(waiting - idle) / n_devices, pct(all, n_all, 50),
               pct(all, n_all, 99));
        fflush(stdout);
        if (nport != 0)
                printf("nginx idle keep-alive connections: %u, resident per connection: %.1f KiB\n",
                       n_devices, nginx_per_conn(nport, npid));
        return 0;
}
