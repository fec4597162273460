/*
 * authkeepd's HTTP layer on libmicrohttpd: a thread pool, each thread with
 * its own epoll loop. A request's body is gathered up to the cap (413 past
 * it), the route is found, the per-address rate is checked, a session is
 * checked for authenticated routes (both in http_auth.c), and one handler
 * answers (http_respond.c makes the answers). Uploads suspend their
 * connection while the store commits them (group commit), so no HTTP thread
 * waits on a disk. Every request ends with one log line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sys/socket.h>
#include <time.h>

#include <sodium.h>

#include "http.h"
#include "lifecycle.h"
#include "web.h"

typedef enum MHD_Result (*handler_fn)(struct akd_request *req);

/* What a route does with a body. */
enum route_body { BODY_NONE, BODY_OPTIONAL, BODY_REQUIRED };

/* Whether a route needs a Bearer session, checked before its body (http_auth.c). */
enum route_auth {
        OPEN,           /* none: the handler checks a device's header or a page's cookie, if any */
        SESSION,        /* the session, read alone */
        SESSION_BACKUP, /* the session, read with the backup it downloads (api_backup.c) */
};

struct akd_route {
        const char *method;
        const char *path; /* a "*" segment matches one id */
        handler_fn handler;
        enum route_auth auth;
        enum route_body body;
        bool upload; /* its body may be as large as max_body; others' AKD_SMALL_BODY_MAX */
        bool web;    /* a page (web.c): a form body, and failures as a page */
};

static const struct akd_route routes[] = {
    {"POST", "/v1/accounts", akd_api_accounts_create, OPEN, BODY_REQUIRED, false, false},
    {"POST", "/v1/auth/start", akd_api_auth_start, OPEN, BODY_REQUIRED, false, false},
    {"POST", "/v1/auth/finish", akd_api_auth_finish, OPEN, BODY_REQUIRED, false, false},
    {"DELETE", "/v1/session", akd_api_session_delete, SESSION, BODY_NONE, false, false},
    {"POST", "/v1/sessions/revoke", akd_api_sessions_revoke, SESSION, BODY_NONE, false, false},
    {"GET", "/v1/account", akd_api_account_get, SESSION, BODY_NONE, false, false},
    {"POST", "/v1/password", akd_api_password, SESSION, BODY_REQUIRED, false, false},
    {"GET", "/v1/backup", akd_api_backup_get, SESSION_BACKUP, BODY_NONE, false, false},
    {"PUT", "/v1/backup", akd_api_backup_put, SESSION, BODY_REQUIRED, true, false},
    {"DELETE", "/v1/backup", akd_api_backup_delete, SESSION, BODY_OPTIONAL, false, false},
    {"GET", "/v1/backup/versions", akd_api_backup_versions, SESSION, BODY_NONE, false, false},
    {"POST", "/v1/devices", akd_api_devices_add, SESSION, BODY_REQUIRED, false, false},
    {"GET", "/v1/devices", akd_api_devices_list, SESSION, BODY_NONE, false, false},
    {"DELETE", "/v1/devices/*", akd_api_devices_delete, SESSION, BODY_NONE, false, false},
    {"POST", "/v1/totp/verify", akd_api_totp_verify, OPEN, BODY_REQUIRED, false, false},
    {"GET", "/v1/events", akd_api_events, SESSION, BODY_NONE, false, false},
    /* Push sign-in; a device's calls check its Device header in their handler. */
    {"POST", "/v1/signin", akd_api_signin_create, OPEN, BODY_REQUIRED, false, false},
    {"GET", "/v1/signin/*", akd_api_signin_get, OPEN, BODY_NONE, false, false},
    {"POST", "/v1/signin/*/answer", akd_api_signin_answer, OPEN, BODY_REQUIRED, false, false},
    {"GET", "/v1/device/requests", akd_api_device_requests, OPEN, BODY_NONE, false, false},
    /* Verification after recovery: the waiting device's calls; contacts a verified one's. */
    {"POST", "/v1/verify/start", akd_api_verify_start, OPEN, BODY_REQUIRED, false, false},
    {"POST", "/v1/verify/finish", akd_api_verify_finish, OPEN, BODY_REQUIRED, false, false},
    {"GET", "/v1/contacts", akd_api_contacts_list, OPEN, BODY_NONE, false, false},
    {"POST", "/v1/contacts", akd_api_contacts_add, OPEN, BODY_REQUIRED, false, false},
    {"POST", "/v1/contacts/confirm", akd_api_contacts_confirm, OPEN, BODY_REQUIRED, false, false},
    {"DELETE", "/v1/contacts", akd_api_contacts_remove, OPEN, BODY_NONE, false, false},
    /* Work or school accounts: an administrator's activation code enrols a device. */
    {"POST", "/v1/activate", akd_api_activate, OPEN, BODY_REQUIRED, false, false},
    /* Deleted backups and accounts: brought back within the grace period (lifecycle.c). */
    {"POST", "/v1/backup/undelete", akd_api_backup_undelete, SESSION, BODY_OPTIONAL, false, false},
    {"DELETE", "/v1/account", akd_api_account_delete, SESSION, BODY_REQUIRED, false, false},
    {"POST", "/v1/account/undelete", akd_api_account_undelete, OPEN, BODY_REQUIRED, false, false},
    /* The web pages (docs/web.md); the account page checks its own session cookie. */
    {"GET", "/", akd_web_root, OPEN, BODY_NONE, false, true},
    {"GET", "/signin", akd_web_signin_page, OPEN, BODY_NONE, false, true},
    {"POST", "/signin", akd_web_signin_start, OPEN, BODY_REQUIRED, false, true},
    {"POST", "/signin/complete", akd_web_signin_complete, OPEN, BODY_REQUIRED, false, true},
    {"POST", "/signin/code", akd_web_signin_code, OPEN, BODY_REQUIRED, false, true},
    {"POST", "/signout", akd_web_signout, OPEN, BODY_REQUIRED, false, true},
    {"GET", "/account", akd_web_account, OPEN, BODY_NONE, false, true},
    {"POST", "/account/devices/remove", akd_web_device_remove, OPEN, BODY_REQUIRED, false, true},
    {"GET", "/account/backup/delete", akd_web_backup_confirm, OPEN, BODY_NONE, false, true},
    {"POST", "/account/backup/delete", akd_web_backup_delete, OPEN, BODY_REQUIRED, false, true},
    {"POST", "/account/contacts/remove", akd_web_contact_remove, OPEN, BODY_REQUIRED, false, true},
    {"GET", "/static/style.css", akd_web_static, OPEN, BODY_NONE, false, true},
    {"GET", "/static/signin.js", akd_web_static, OPEN, BODY_NONE, false, true},
    {"GET", "/static/icon.svg", akd_web_static, OPEN, BODY_NONE, false, true},
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

bool akd_request_is_page(const struct akd_request *req)
{
        return req->route != NULL && req->route->web;
}

/* ---- dispatch ---- */

static enum MHD_Result healthz(struct akd_request *req)
{
        if (req->srv->store->ops->health(req->srv->store) != AKD_STORE_OK)
                return akd_respond_fail(req, 503, "internal", "the store does not answer");
        return akd_respond_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

/* Adds one header's "name: value\r\n" to the size at `cls`. */
static enum MHD_Result add_size(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
        (void)kind;
        *(size_t *)cls += strlen(key) + (value != NULL ? strlen(value) : 0) + 4;
        return MHD_YES;
}

/* True when a Content-Type is absent or `type` (with parameters or not). */
static bool content_type_is(struct akd_request *req, const char *type)
{
        const char *ct = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Content-Type");
        if (ct == NULL)
                return true;
        size_t n = strlen(type);
        return strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* True when `path` matches the route's `pattern`, whose "*" segments match one id. */
static bool path_matches(const char *pattern, const char *path)
{
        while (*pattern != '\0') {
                if (*pattern == '*') {
                        size_t n = strspn(path, "0123456789abcdefABCDEF");
                        if (n == 0 || n > 64)
                                return false;
                        path += n;
                        pattern++;
                } else if (*pattern++ != *path++) {
                        return false;
                }
        }
        return *path == '\0';
}

/*
 * The checks that need only the request line and headers, at the first call
 * of a request: header size, route, the address's rate, the session. Answers
 * and returns true when one fails, before any of the body is read; sets
 * req->route and req->body_max otherwise.
 */
static bool check_headers(struct akd_request *req, const char *url, enum MHD_Result *answer)
{
        struct akd_server *srv = req->srv;
        size_t size = strlen(req->method) + strlen(url) + 12;
        MHD_get_connection_values(req->conn, MHD_HEADER_KIND | MHD_GET_ARGUMENT_KIND, add_size,
                                  &size);
        if (size > AKD_HEADERS_MAX) {
                *answer = akd_respond_too_large(req, true, AKD_HEADERS_MAX);
                return true;
        }
        if (strcmp(req->path, "/healthz") == 0) {
                if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
                        *answer = akd_respond_not_allowed(req, "GET, HEAD");
                        return true;
                }
                return false;
        }

        char allow[64] = "";
        for (size_t i = 0; i < N_ROUTES; i++) {
                if (!path_matches(routes[i].path, req->path))
                        continue;
                if (strcmp(routes[i].method, req->method) == 0)
                        req->route = &routes[i];
                size_t used = strlen(allow);
                snprintf(allow + used, sizeof(allow) - used, "%s%s", used ? ", " : "",
                         routes[i].method);
        }
        if (req->route == NULL) {
                *answer = allow[0] == '\0' ? akd_respond_fail(req, 404, "not_found",
                                                              "no such path: %.100s", req->path)
                                           : akd_respond_not_allowed(req, allow);
                return true;
        }
        req->body_max = req->route->upload || srv->cfg->max_body < AKD_SMALL_BODY_MAX
                            ? srv->cfg->max_body
                            : AKD_SMALL_BODY_MAX;
        if (req->route->web)
                req->body_max = AKD_FORM_BODY_MAX;

        if (!akd_address_rate_ok(req, answer))
                return true;
        /* Before the body: no one without a session makes the server hold a large upload. */
        enum akd_store_result (*read_session)(struct akd_request *) =
            req->route->auth == SESSION_BACKUP ? akd_api_backup_get_session : akd_session_read;
        if (req->route->auth != OPEN && !akd_authenticate(req, read_session, answer))
                return true;
        const char *cl = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Content-Length");
        if (cl != NULL && strtoull(cl, NULL, 10) > req->body_max) {
                req->too_large = true;
                *answer = akd_respond_too_large(req, false, req->body_max);
                return true;
        }
        return false;
}

/* Once the whole body is in: its checks, then the route's handler. */
static enum MHD_Result dispatch(struct akd_request *req)
{
        if (req->route == NULL)
                return healthz(req);
        const struct akd_route *route = req->route;
        if (req->too_large)
                return akd_respond_too_large(req, false, req->body_max);
        if (req->body_len > 0 && route->web &&
            !content_type_is(req, "application/x-www-form-urlencoded"))
                return akd_respond_fail(req, 415, "unsupported_media_type",
                                        "the body must be a form "
                                        "(application/x-www-form-urlencoded)");
        if (req->body_len > 0 && !route->web && !content_type_is(req, "application/json"))
                return akd_respond_fail(req, 415, "unsupported_media_type",
                                        "the body must be application/json");
        if (route->body == BODY_NONE && req->body_len > 0 && strcmp(route->method, "POST") != 0)
                return akd_respond_fail(req, 400, "bad_request", "this call takes no body");
        if (route->body == BODY_REQUIRED && req->body_len == 0)
                return akd_respond_fail(req, 400, "bad_json", "the request body is empty");
        if (req->body_len > 0 && memchr(req->body, '\0', req->body_len) != NULL)
                return akd_respond_fail(req, 400, "bad_json",
                                        "the request body contains a NUL byte");
        return route->handler(req);
}

/* ---- the header deadline ---- */

/*
 * libmicrohttpd's timeout counts inactivity only: a client that sends a
 * header line every few seconds holds its connection for ever, and enough of
 * them fill the server. Each connection therefore owes a complete request
 * line and headers within cfg->header_timeout of its start (or of the end of
 * its previous request); the reaper thread shuts down the socket of any that
 * is late, and libmicrohttpd then closes it as a client's hang-up.
 */
struct akd_conn {
        struct akd_conn *prev, *next; /* in the waiting list */
        bool waiting;
        int fd;
        double deadline; /* akd_mono() */
};

/* Removes `c` from the waiting list if it is there; conns_lock held. */
static void unlink_waiting(struct akd_server *srv, struct akd_conn *c)
{
        if (!c->waiting)
                return;
        if (c->prev != NULL)
                c->prev->next = c->next;
        else
                srv->waiting_head = c->next;
        if (c->next != NULL)
                c->next->prev = c->prev;
        else
                srv->waiting_tail = c->prev;
        c->prev = c->next = NULL;
        c->waiting = false;
}

/*
 * Starts (or restarts) the wait of `c` for a request's headers. The list
 * stays ordered by deadline because every deadline is now + the same time.
 */
static void wait_headers(struct akd_server *srv, struct akd_conn *c)
{
        if (c == NULL)
                return;
        pthread_mutex_lock(&srv->conns_lock);
        unlink_waiting(srv, c);
        c->deadline = akd_mono() + (double)srv->cfg->header_timeout;
        c->prev = srv->waiting_tail;
        if (srv->waiting_tail != NULL)
                srv->waiting_tail->next = c;
        else
                srv->waiting_head = c;
        srv->waiting_tail = c;
        c->waiting = true;
        pthread_mutex_unlock(&srv->conns_lock);
}

/* The connection of `conn` has sent its headers: no deadline until its next request. */
static struct akd_conn *conn_of(struct MHD_Connection *conn)
{
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        return ci != NULL ? ci->socket_context : NULL;
}

static void headers_in(struct akd_server *srv, struct akd_conn *c)
{
        if (c == NULL)
                return;
        pthread_mutex_lock(&srv->conns_lock);
        unlink_waiting(srv, c);
        pthread_mutex_unlock(&srv->conns_lock);
}

/*
 * libmicrohttpd tells each connection's start and end. The socket is closed
 * only after the end is told, and the end takes conns_lock: the reaper, which
 * shuts sockets down under that lock, never touches another connection's.
 */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
        struct akd_server *srv = cls;
        struct akd_conn *c = *socket_context;
        if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
                const union MHD_ConnectionInfo *ci =
                    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
                c = ci != NULL ? calloc(1, sizeof(*c)) : NULL;
                if (c == NULL)
                        return;
                c->fd = ci->connect_fd;
                *socket_context = c;
                wait_headers(srv, c);
                return;
        }
        if (c == NULL)
                return;
        pthread_mutex_lock(&srv->conns_lock);
        unlink_waiting(srv, c);
        pthread_mutex_unlock(&srv->conns_lock);
        free(c);
        *socket_context = NULL;
}

/* Closes the connections past their deadline, twice a second, until told to stop. */
static void *reaper_main(void *arg)
{
        struct akd_server *srv = arg;
        pthread_mutex_lock(&srv->conns_lock);
        while (!srv->reaper_stop) {
                double now = akd_mono();
                unsigned closed = 0;
                while (srv->waiting_head != NULL && srv->waiting_head->deadline <= now) {
                        struct akd_conn *c = srv->waiting_head;
                        unlink_waiting(srv, c);
                        shutdown(c->fd, SHUT_RDWR);
                        closed++;
                }
                if (closed > 0) {
                        pthread_mutex_unlock(&srv->conns_lock);
                        akd_log_event("closed %u connection%s that sent no complete request "
                                      "within %llds",
                                      closed, closed == 1 ? "" : "s",
                                      (long long)srv->cfg->header_timeout);
                        pthread_mutex_lock(&srv->conns_lock);
                }
                struct timespec until;
                clock_gettime(CLOCK_MONOTONIC, &until);
                until.tv_nsec += 500000000L;
                if (until.tv_nsec >= 1000000000L) {
                        until.tv_sec++;
                        until.tv_nsec -= 1000000000L;
                }
                pthread_cond_timedwait(&srv->conns_cond, &srv->conns_lock, &until);
        }
        pthread_mutex_unlock(&srv->conns_lock);
        return NULL;
}

/* Copies the client's address into req->client, and its key into req->client_key. */
static void client_address(struct akd_request *req)
{
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        snprintf(req->client, sizeof(req->client), "-");
        akd_address_key(req->client_key, ci != NULL ? ci->client_addr : NULL);
        if (ci == NULL || ci->client_addr == NULL)
                return;
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, req->client,
                          sizeof(req->client));
        else if (sa->sa_family == AF_INET6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, req->client,
                          sizeof(req->client));
}

/* Appends upload data to the body, up to the cap. */
static void gather(struct akd_request *req, const char *data, size_t size)
{
        size_t max = req->body_max;
        if (req->too_large || size > max - req->body_len) {
                req->too_large = true;
                return;
        }
        if (req->body_len + size > req->body_cap) {
                size_t cap = req->body_cap ? req->body_cap : 8192;
                while (cap < req->body_len + size)
                        cap *= 2;
                if (cap > max)
                        cap = max;
                char *grown = realloc(req->body, cap);
                if (grown == NULL) {
                        req->too_large = true;
                        return;
                }
                req->body = grown;
                req->body_cap = cap;
        }
        memcpy(req->body + req->body_len, data, size);
        req->body_len += size;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
        struct akd_server *srv = cls;
        struct akd_request *req = *con_cls;

        if (req == NULL || !req->begun) {
                if (req == NULL)
                        req = calloc(1, sizeof(*req));
                if (req == NULL)
                        return MHD_NO;
                req->begun = true;
                req->srv = srv;
                req->conn = conn;
                req->method = method;
                req->started = akd_mono();
                req->status = 500;
                snprintf(req->path, sizeof(req->path), "%s", url);
                client_address(req);
                *con_cls = req;
                headers_in(srv, conn_of(conn));
                enum MHD_Result answer;
                if (check_headers(req, url, &answer))
                        return answer;
                return MHD_YES;
        }
        if (*upload_data_size > 0) {
                size_t size = *upload_data_size;
                *upload_data_size = 0;
                if (req->answered)
                        return MHD_YES;
                gather(req, upload_data, size);
                /*
                 * Past the cap the rest is read and dropped, so that the client
                 * sees a clean 413 once it has sent everything; past 16 times
                 * the cap (a chunked body without end) the answer comes at
                 * once and the connection closes.
                 */
                if (req->too_large) {
                        req->discarded += size;
                        if (req->discarded / 16 > req->body_max)
                                return akd_respond_too_large(req, false, req->body_max);
                }
                return MHD_YES;
        }
        if (req->answered)
                return MHD_YES;
        if (req->put != NULL) {
                /* Resumed after the store committed (or refused) the upload. */
                return akd_api_backup_put(req);
        }
        if (req->wait.active) /* a long-poll, resumed (or called while suspended) */
                return req->route->handler(req);
        return dispatch(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
        struct akd_request *req = *con_cls;
        /* A kept-alive connection owes the next request's headers in time too. */
        if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
                wait_headers(cls, conn_of(conn));
        if (req == NULL)
                return;
        if (!req->begun) {
                /*
                 * Only its request line came (made by on_uri): closed before
                 * its headers, as the header deadline does, and never handled.
                 */
                free(req);
                *con_cls = NULL;
                return;
        }
        akd_wait_end(req);
        akd_log_request(req->client, req->method, req->path,
                        toe == MHD_REQUEST_TERMINATED_COMPLETED_OK || req->answered ? req->status
                                                                                    : 499,
                        (akd_mono() - req->started) * 1000.0);
        free(req->body);
        free(req->put_req.envelope);
        free(req->put);
        free(req->download.envelope);
        free(req);
        *con_cls = NULL;
}

/*
 * The request line's target as sent, query included, before libmicrohttpd
 * splits it: a Device header signs it so. The request starts here.
 */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
        (void)conn;
        struct akd_request *req = calloc(1, sizeof(*req));
        if (req == NULL)
                return NULL;
        req->srv = cls;
        if (uri != NULL && strlen(uri) < sizeof(req->target))
                memcpy(req->target, uri, strlen(uri) + 1);
        return req;
}

/* Splits "ADDR:PORT" ("[v6]:PORT" too) into a socket address. */
static int parse_listen(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
        char host[128];
        const char *colon = strrchr(text, ':');
        if (colon == NULL || colon == text || (size_t)(colon - text) >= sizeof(host))
                return -1;
        memcpy(host, text, (size_t)(colon - text));
        host[colon - text] = '\0';
        char *end;
        unsigned long port = strtoul(colon + 1, &end, 10);
        if (*end != '\0' || colon[1] == '\0' || port > 65535)
                return -1;
        memset(ss, 0, sizeof(*ss));
        size_t hl = strlen(host);
        if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
                struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
                host[hl - 1] = '\0';
                if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
                        return -1;
                s6->sin6_family = AF_INET6;
                s6->sin6_port = htons((uint16_t)port);
                *len = sizeof(*s6);
                return 0;
        }
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
                return -1;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        *len = sizeof(*s4);
        return 0;
}

/* Reads a whole PEM file (at most 1 MiB) into a new string; NULL on failure. */
static char *read_pem(const char *path)
{
        FILE *f = fopen(path, "rb");
        if (f == NULL)
                return NULL;
        size_t cap = 1 << 20, n;
        char *buf = malloc(cap + 1);
        if (buf != NULL) {
                n = fread(buf, 1, cap, f);
                if (ferror(f) || n == 0 || n == cap) {
                        free(buf);
                        buf = NULL;
                } else {
                        buf[n] = '\0';
                }
        }
        fclose(f);
        return buf;
}

/* Words for why bind() or listen() failed, with what to do. */
static const char *listen_error(int error)
{
        switch (error) {
        case EADDRINUSE:
                return "the address is already in use (another authkeepd?)";
        case EACCES:
                return "permission denied (ports below 1024 need privileges)";
        case EADDRNOTAVAIL:
                return "no interface of this machine has that address";
        default:
                return strerror(error);
        }
}

int akd_server_listen(struct akd_server *srv, char *err, size_t errlen)
{
        const char *listen_at = srv->cfg->listen != NULL ? srv->cfg->listen : "127.0.0.1:8080";
        struct sockaddr_storage ss;
        socklen_t sl;
        if (parse_listen(listen_at, &ss, &sl) != 0) {
                snprintf(err, errlen, "--listen: '%.100s' is not ADDR:PORT", listen_at);
                return -1;
        }
        int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                snprintf(err, errlen, "cannot listen on %s: %s", listen_at, strerror(errno));
                return -1;
        }
        int on = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
        if (ss.ss_family == AF_INET6)
                setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
        if (bind(fd, (const struct sockaddr *)&ss, sl) != 0 || listen(fd, SOMAXCONN) != 0) {
                snprintf(err, errlen, "cannot listen on %s: %s", listen_at, listen_error(errno));
                close(fd);
                return -1;
        }
        srv->listen_fd = fd;
        return 0;
}

int akd_server_start(struct akd_server *srv, char *err, size_t errlen)
{
        const struct akd_config *cfg = srv->cfg;
        char *cert = NULL, *key = NULL;
        int rc = -1;
        const char *listen_at = cfg->listen != NULL ? cfg->listen : "127.0.0.1:8080";
        if (srv->listen_fd < 0 && akd_server_listen(srv, err, errlen) != 0)
                return -1;
        pthread_condattr_t attr;
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_mutex_init(&srv->conns_lock, NULL);
        pthread_cond_init(&srv->conns_cond, &attr);
        pthread_condattr_destroy(&attr);
        srv->conns_ready = true;
        srv->by_address = akd_limiter_new(cfg->max_rate_keys);
        srv->by_account = akd_limiter_new(cfg->max_rate_keys);
        srv->logins = akd_logins_new(cfg, srv->store);
        srv->waiters = akd_waiters_new(cfg->max_waiting);
        /* A store that keeps the nonces (several processes) needs no cache of them here. */
        bool keeps_nonces = srv->store->ops->nonce_use != NULL;
        srv->replays = keeps_nonces ? NULL : akd_replays_new();
        if (cfg->public_url != NULL)
                snprintf(srv->origin, sizeof(srv->origin), "%s", cfg->public_url);
        else
                snprintf(srv->origin, sizeof(srv->origin), "http%s://%s",
                         cfg->tls_cert != NULL ? "s" : "", listen_at);
        if (srv->by_address == NULL || srv->by_account == NULL || srv->logins == NULL ||
            srv->waiters == NULL || akd_waiters_watch(srv->waiters, srv->store) != 0 ||
            (srv->replays == NULL && !keeps_nonces)) {
                snprintf(err, errlen, "cannot set up the sign-in state (see the log)");
                goto done;
        }
        /* ITC: so that resuming a suspended connection wakes the polling thread. */
        unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                         MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC;
        if (cfg->tls_cert != NULL) {
                cert = read_pem(cfg->tls_cert);
                key = read_pem(cfg->tls_key);
                if (cert == NULL || key == NULL) {
                        snprintf(err, errlen, "cannot read %s",
                                 cert == NULL ? cfg->tls_cert : cfg->tls_key);
                        goto done;
                }
                flags |= MHD_USE_TLS;
        }
        /*
         * GnuTLS priorities: TLS 1.2 and 1.3 only, and key exchanges with
         * forward secrecy only (no static RSA: a stolen key would open every
         * recorded session), the server's order first.
         */
        static const char tls_priorities[] =
            "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-RSA:%SERVER_PRECEDENCE";
        struct MHD_OptionItem tls_opts[] = {
            {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)tls_priorities},
            {MHD_OPTION_HTTPS_MEM_CERT, 0, cert},
            {MHD_OPTION_HTTPS_MEM_KEY, 0, key},
            {MHD_OPTION_END, 0, NULL},
        };
        srv->daemon = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_LISTEN_SOCKET, srv->listen_fd,
            MHD_OPTION_THREAD_POOL_SIZE, cfg->threads, MHD_OPTION_CONNECTION_LIMIT,
            cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
            cfg->max_connections_per_address, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
            (size_t)AKD_CONNECTION_MEMORY, MHD_OPTION_CONNECTION_TIMEOUT, 30U,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_URI_LOG_CALLBACK, on_uri,
            srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_ARRAY,
            cert != NULL ? tls_opts : tls_opts + 3, MHD_OPTION_END);
        if (srv->daemon == NULL) {
                snprintf(err, errlen, "cannot serve on %s%s", listen_at,
                         cert != NULL ? ": the TLS certificate or key is not valid" : "");
                goto done;
        }
        srv->reaper_stop = false;
        if (pthread_create(&srv->reaper, NULL, reaper_main, srv) != 0) {
                snprintf(err, errlen, "cannot start a thread");
                goto done;
        }
        srv->reaper_started = true;
        rc = 0;
done:
        if (cert != NULL)
                free(cert);
        if (key != NULL) {
                sodium_memzero(key, strlen(key));
                free(key);
        }
        if (rc != 0)
                akd_server_stop(srv);
        return rc;
}

void akd_server_stop(struct akd_server *srv)
{
        /*
         * Uploads waiting for their commit hold suspended connections that
         * the store's thread will resume: let them finish (at most 30 s)
         * before the daemon and its connections go away.
         */
        atomic_store(&srv->stopping, true);
        /*
         * Long-polls: every waiting request is answered at once, and the
         * daemon stops once they have completed (libmicrohttpd aborts when
         * stopped with a suspended connection). A request that comes
         * meanwhile is answered at once too: a wait or an upload sees
         * `stopping`. The daemon is not quiesced first: with epoll,
         * libmicrohttpd 0.9.75 can abort in MHD_quiesce_daemon ("Failed to
         * remove listen FD from epoll set") when its polling thread is
         * changing the same set.
         */
        if (srv->waiters != NULL) {
                akd_waiters_stop(srv->waiters);
                if (!akd_waiters_drain(srv->waiters, 10.0))
                        akd_log_event("long-polls still open after 10 s; stopping anyway");
        }
        for (int i = 0; i < 3000 && atomic_load(&srv->uploads_waiting) > 0; i++)
                usleep(10000);
        if (srv->reaper_started) {
                pthread_mutex_lock(&srv->conns_lock);
                srv->reaper_stop = true;
                pthread_cond_signal(&srv->conns_cond);
                pthread_mutex_unlock(&srv->conns_lock);
                pthread_join(srv->reaper, NULL);
                srv->reaper_started = false;
        }
        if (srv->daemon != NULL)
                MHD_stop_daemon(srv->daemon); /* closes the listening socket */
        else if (srv->listen_fd >= 0)
                close(srv->listen_fd);
        akd_waiters_free(srv->waiters);
        srv->waiters = NULL;
        akd_replays_free(srv->replays);
        srv->replays = NULL;
        srv->daemon = NULL;
        srv->listen_fd = -1;
        akd_limiter_free(srv->by_address);
        akd_limiter_free(srv->by_account);
        akd_logins_free(srv->logins);
        srv->by_address = srv->by_account = NULL;
        srv->logins = NULL;
        if (srv->conns_ready) {
                pthread_mutex_destroy(&srv->conns_lock);
                pthread_cond_destroy(&srv->conns_cond);
                srv->conns_ready = false;
        }
}
