/*
 * The HTTP side of authkeepd (http.c): one struct per running server and one
 * per request, the helpers that answer, and the handlers of docs/api.md
 * (api_auth.c, api_backup.c).
 */
#ifndef AUTHKEEPD_HTTP_H
#define AUTHKEEPD_HTTP_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>

#include "ratelimit.h"
#include "server.h"
#include "notify.h"
#include "store.h"

struct akd_logins;
struct akd_route;
struct akd_conn;
struct akd_waiters;
struct akd_replays;
struct akd_web;
struct akd_lifecycle;

/*
 * The request line and headers may hold AKD_HEADERS_MAX bytes (else a JSON
 * 431); libmicrohttpd's memory per connection is larger, so that they reach
 * the check instead of its own HTML answer. That memory is resident for
 * every waiting device (libmicrohttpd clears it whole for each request of a
 * kept-alive connection), so it is kept small: 8 KiB of headers is what
 * nginx allows by default too. Bodies of calls other than uploads hold
 * AKD_SMALL_BODY_MAX bytes at most (or max_body when smaller).
 */
#define AKD_HEADERS_MAX 8192
#define AKD_CONNECTION_MEMORY 12288
#define AKD_SMALL_BODY_MAX 65536

struct akd_server {
        const struct akd_config *cfg;
        struct akd_store *store;
        struct akd_limiter *by_address; /* request rates per address key */
        struct akd_limiter *by_account; /* authenticated calls per recovery account */
        struct akd_logins *logins;      /* keys of SRP sign-ins in progress (logins.c) */
        struct MHD_Daemon *daemon;
        int listen_fd; /* -1 until akd_server_listen(); then the daemon's */
        /*
         * The header deadline: connections that owe a complete request line
         * and headers, oldest first, and the thread that closes those late
         * past cfg->header_timeout (http.c).
         */
        pthread_mutex_t conns_lock;
        pthread_cond_t conns_cond;
        struct akd_conn *waiting_head, *waiting_tail;
        pthread_t reaper;
        bool conns_ready, reaper_started, reaper_stop;
        /* Shutdown: no new uploads, and the daemon stops only once none waits on the store. */
        atomic_bool stopping;
        atomic_int uploads_waiting;
        struct akd_waiters *waiters;     /* long-polls (waiters.c) */
        /* Nonces of device headers seen, NULL when the store keeps them (api_devices.c). */
        struct akd_replays *replays;
        char origin[256];                /* the public URL devices see */
        struct akd_notifiers *notifiers; /* where codes go (notify.h); empty without --notify */
        struct akd_web *web;             /* the pages' templates and files (web.c) */
        struct akd_lifecycle *lifecycle; /* the purge of deleted things (lifecycle.c) */
};

/*
 * A request's long-poll: while `suspended` it is in the list of waiters of
 * `key` (an account for a device's poll, a sign-in request for its
 * requester's) and its connection is suspended; `deadline` (akd_mono()) is
 * the end of its whole wait. Fields belong to waiters.c.
 */
struct akd_wait {
        struct akd_wait *prev, *next;
        struct akd_request *req;
        char key[AKD_ACCOUNT_ID_LEN + 1];
        double deadline;
        bool active;     /* the request is a long-poll: calls after a resume go to its handler */
        bool suspended;  /* in a list, connection suspended */
        bool registered; /* counted among the live waits until the request completes */
        unsigned gen;    /* the generation of its key's list when the handler last looked */
        /* The store's stamp of `key` when the handler last looked (akd_wait_look). */
        uint64_t stamp;
        bool stamp_known;
};

/* One request, from its first header to its log line. */
struct akd_request {
        struct akd_server *srv;
        struct MHD_Connection *conn;
        const char *method;
        char path[128];
        char target[256];                     /* the path and query as sent ("" when longer) */
        bool begun;                           /* the handler's first call happened */
        char client[64];                      /* the address, for the log */
        char client_key[AKD_ADDRESS_KEY_MAX]; /* what limits count it under */
        const struct akd_route *route;        /* NULL for /healthz */
        char *body;
        size_t body_len, body_cap, body_max;
        bool too_large;
        size_t discarded; /* bytes dropped past the cap */
        bool answered;
        double started;
        unsigned status;
        /* Authenticated requests: the session and its token's hash. */
        struct akd_session session;
        uint8_t token_hash[AKD_TOKEN_HASH_LEN];
        /* A download's backup, read with its session while `download_read` (api_backup.c). */
        struct akd_backup_read download;
        bool download_read;
        /* An upload waiting for its commit (api_backup.c). */
        struct akd_backup_put *put;
        struct akd_backup_put_req put_req;
        bool put_finished;
        /* A device's call: the device that the Device header proved (api_devices.c). */
        char device_id[AK_DEVICE_ID_LEN + 1];
        uint8_t device_pk[AK_DEVICE_PK_BYTES];
        bool device_verified; /* not waiting for verification */
        struct akd_wait wait;
        /* A page's call: the session of the account page its cookie names (web.c). */
        struct akd_portal_session portal;
        uint8_t portal_hash[AKD_TOKEN_HASH_LEN];
};

/* Whether the request's route is a page (web.c): its failures answer as a page (http.c). */
bool akd_request_is_page(const struct akd_request *req);
/* Answers `body` (a reference is taken over) with `status`. */
enum MHD_Result akd_respond_json(struct akd_request *req, unsigned status, json_t *body);
/* Answers a JSON text of `len` bytes made with malloc() (ownership taken). */
enum MHD_Result akd_respond_raw_json(struct akd_request *req, unsigned status, char *text,
                                     size_t len);
/* Answers the error in `e` (and clears it). */
enum MHD_Result akd_respond_error(struct akd_request *req, struct akd_error *e);
/* Queues `resp` (destroyed here; NULL answers nothing) with `status`. */
enum MHD_Result akd_respond(struct akd_request *req, unsigned status, struct MHD_Response *resp);
/* Answers 204 No Content. */
enum MHD_Result akd_respond_empty(struct akd_request *req);
/* Shorthand for akd_fail + akd_respond_error. */
enum MHD_Result akd_respond_fail(struct akd_request *req, unsigned status, const char *code,
                                 const char *fmt, ...) AKD_PRINTF(4, 5);
/*
 * Answers a store's failure (an operation returned ERROR): 503 unavailable
 * with retry_after and Retry-After while the store cannot reach its
 * database (unavailable_for), else 500 internal.
 */
enum MHD_Result akd_respond_store_failed(struct akd_request *req);
/* The same when the store said how long to wait (0: not an outage), as a queued upload does. */
enum MHD_Result akd_respond_store_failed_after(struct akd_request *req, long wait);
/* 413 too_large (the body) or 431 headers_too_large, with the cap as max_bytes. */
enum MHD_Result akd_respond_too_large(struct akd_request *req, bool headers, size_t cap);
/* 405 method_not_allowed with the Allow header (`allow`: "GET, PUT"). */
enum MHD_Result akd_respond_not_allowed(struct akd_request *req, const char *allow);

/*
 * ---- request rates and sessions (http_auth.c) ----
 *
 * Each check takes one request from a bucket; on refusal it answers 429
 * rate_limited (with Retry-After) into *answer and returns false.
 */

/* The bucket of the client's address key: every request but /healthz's, before its body. */
bool akd_address_rate_ok(struct akd_request *req, enum MHD_Result *answer);

/* The account's bucket of authenticated calls. */
bool akd_account_rate_ok(struct akd_request *req, const char *account_id, enum MHD_Result *answer);

/*
 * The same for a sign-in call, from the bucket of the account and the
 * client's address key: a stranger's sign-ins drain neither the owner's
 * sign-ins nor the owner's authenticated calls.
 */
bool akd_signin_rate_ok(struct akd_request *req, const char *account_id, enum MHD_Result *answer);

/*
 * Session tokens: 32 random bytes, sent as 43 base64url characters. The
 * store keeps only their BLAKE2b-256 hash, so that a copy of the database
 * signs no one in.
 */
#define AKD_TOKEN_LEN 43

/* A new token (NUL terminated) in `token` and its hash in `hash`. */
void akd_token_new(char token[AKD_TOKEN_LEN + 1], uint8_t hash[AKD_TOKEN_HASH_LEN]);
/* The hash of `token` (`len` characters); false when it is not a token's form. */
bool akd_token_hash(uint8_t hash[AKD_TOKEN_HASH_LEN], const char *token, size_t len);

/*
 * Checks the Bearer token of an authenticated route (http.c, before the
 * body), then the account's rate: fills req->session and req->token_hash, or
 * answers (401 unauthorized or session_expired, 429, 500) and returns false.
 * The session is read by `read_session` (with session_get's results, from
 * req->token_hash into req->session): akd_session_read, or one that reads
 * what the handler needs along with it.
 */
enum akd_store_result akd_session_read(struct akd_request *req);
bool akd_authenticate(struct akd_request *req,
                      enum akd_store_result (*read_session)(struct akd_request *req),
                      enum MHD_Result *answer);

/*
 * ---- long-polls (waiters.c) ----
 *
 * A handler that has nothing to answer yet reads akd_wait_gen() of its key
 * before it looks in the store, then calls akd_wait(). When the key is woken
 * (akd_waiters_wake, after a commit), when the wait's deadline passes, or
 * when the server stops, the connection is resumed and libmicrohttpd calls
 * the handler again, which looks again and answers or waits again.
 */
struct akd_waiters *akd_waiters_new(unsigned max_waiting);
/* Frees the list; every wait must have completed (akd_waiters_drain). */
void akd_waiters_free(struct akd_waiters *w);
/* The generation of `key`'s list: moved on by every wake of the key. */
unsigned akd_wait_gen(struct akd_waiters *w, const char *key);
/*
 * Suspends `req` on `key` until req->wait.deadline, unless the key was woken
 * since `gen` (look again), the server is stopping or max_waiting waits are
 * suspended (answer now): false then.
 */
bool akd_wait(struct akd_request *req, const char *key, unsigned gen);
/* True while `req` is suspended (a call of libmicrohttpd's to ignore). */
bool akd_wait_suspended(struct akd_request *req);
/* At the request's end (on_completed): forgets its wait. */
void akd_wait_end(struct akd_request *req);
/* Resumes every wait on `key`. */
void akd_waiters_wake(struct akd_waiters *w, const char *key);
/*
 * Follows the store's changes from now on: its hints wake keys at once, and
 * every AKD_WAIT_POLL_MS a poll of the stamps of every waited key wakes
 * those that moved (another process's commit whose hint was lost). 0, or -1
 * when the thread cannot start. akd_waiters_free undoes it.
 */
#define AKD_WAIT_POLL_MS 250
int akd_waiters_watch(struct akd_waiters *w, struct akd_store *st);
/*
 * akd_wait_gen for a handler about to look in the store, which also reads
 * the store's stamp of `key` into req->wait, for the poll to compare.
 */
unsigned akd_wait_look(struct akd_request *req, const char *key);
/* Refuses new waits and resumes every one (shutdown). */
void akd_waiters_stop(struct akd_waiters *w);
/* Waits up to `seconds` for every long-poll to complete; false when some remain. */
bool akd_waiters_drain(struct akd_waiters *w, double seconds);

/*
 * The failed sign-in rules of api_auth.c, for every way of signing in: a
 * refusal answers 429 locked_out and returns false.
 */
bool akd_signin_allowed(struct akd_request *req, const char *account_id, enum MHD_Result *answer);
void akd_signin_failed(struct akd_request *req, const char *account_id);
void akd_signin_succeeded(struct akd_request *req, const char *account_id);

/*
 * The account id that stands for an email without an account (api_auth.c),
 * so that its failures count as an account's would.
 */
void akd_fake_account_id(struct akd_request *req, const char *email,
                         char out[AKD_ACCOUNT_ID_LEN + 1]);

/*
 * Checks the Device header of a device's call against its registered key,
 * the clock and the replay cache: fills req->device_id and
 * req->session.account_id, or answers 401 and returns false (api_devices.c).
 */
bool akd_device_authenticate(struct akd_request *req, enum MHD_Result *answer);
/* The same, and answers 403 verification_needed for a device that waits for verification. */
bool akd_device_authenticate_verified(struct akd_request *req, enum MHD_Result *answer);

/*
 * Checks `proof`, a fresh sign-in's, as a password change does: the
 * password (or recovery code) of the session's own account. True, or
 * answers (401 bad_password, login_expired, 403 proof_required, 429) and
 * returns false (api_auth.c).
 */
bool akd_prove_secret(struct akd_request *req, const struct akd_auth_finish_req *proof,
                      enum MHD_Result *answer);

/*
 * Starts a push sign-in for `in` as POST /v1/signin does, into `r` (its
 * request id, number and expiry): true, or false after answering the
 * refusal (429 rate_limited or muted, or the store's 500 or 503) (api_signin.c).
 */
bool akd_signin_start(struct akd_request *req, const struct akd_signin_req *in,
                      struct akd_signin *r, enum MHD_Result *answer);

/*
 * Checks a per-device code as POST /v1/totp/verify does, counting a wrong
 * one as a failed sign-in: true with the account and the device whose code
 * it was, or false after answering (401 bad_code, 429) (api_devices.c).
 */
bool akd_totp_check(struct akd_request *req, const struct akd_totp_req *in,
                    char account_id[AKD_ACCOUNT_ID_LEN + 1], char device_id[AK_DEVICE_ID_LEN + 1],
                    enum MHD_Result *answer);

/*
 * Removes the account's device as DELETE /v1/devices/ID does, waking its
 * long-polls: true, or false after answering (404, 409 last_device with
 * `force_hint` as what to do, or the store's 500 or 503) (api_devices.c).
 */
bool akd_device_remove(struct akd_request *req, const char *account_id, const char *id, bool forced,
                       const char *force_hint, enum MHD_Result *answer);

/*
 * Removes an alternate contact of the account (normalized) as DELETE
 * /v1/contacts does: true, or false after answering (404, or the store's
 * 500 or 503) (api_verify.c).
 */
bool akd_contact_remove(struct akd_request *req, const char *account_id, const char *value,
                        enum MHD_Result *answer);

/* Nonces of Device headers seen within the clock window (api_devices.c). */
struct akd_replays *akd_replays_new(void);
void akd_replays_free(struct akd_replays *r);

/* The handlers of docs/api.md. Each answers exactly once. */
enum MHD_Result akd_api_accounts_create(struct akd_request *req);
enum MHD_Result akd_api_auth_start(struct akd_request *req);
enum MHD_Result akd_api_auth_finish(struct akd_request *req);
enum MHD_Result akd_api_session_delete(struct akd_request *req);
enum MHD_Result akd_api_sessions_revoke(struct akd_request *req);
enum MHD_Result akd_api_account_get(struct akd_request *req);
enum MHD_Result akd_api_password(struct akd_request *req);
enum MHD_Result akd_api_backup_get(struct akd_request *req);
/* GET /v1/backup's session read for akd_authenticate: the backup asked for comes with it. */
enum akd_store_result akd_api_backup_get_session(struct akd_request *req);
enum MHD_Result akd_api_backup_put(struct akd_request *req);
enum MHD_Result akd_api_backup_versions(struct akd_request *req);
enum MHD_Result akd_api_backup_delete(struct akd_request *req);
enum MHD_Result akd_api_devices_add(struct akd_request *req);
enum MHD_Result akd_api_devices_list(struct akd_request *req);
enum MHD_Result akd_api_devices_delete(struct akd_request *req);
enum MHD_Result akd_api_totp_verify(struct akd_request *req);
enum MHD_Result akd_api_events(struct akd_request *req);
enum MHD_Result akd_api_signin_create(struct akd_request *req);
enum MHD_Result akd_api_signin_get(struct akd_request *req);
enum MHD_Result akd_api_signin_answer(struct akd_request *req);
enum MHD_Result akd_api_device_requests(struct akd_request *req);
enum MHD_Result akd_api_verify_start(struct akd_request *req);
enum MHD_Result akd_api_verify_finish(struct akd_request *req);
enum MHD_Result akd_api_contacts_list(struct akd_request *req);
enum MHD_Result akd_api_contacts_add(struct akd_request *req);
enum MHD_Result akd_api_contacts_confirm(struct akd_request *req);
enum MHD_Result akd_api_contacts_remove(struct akd_request *req);
enum MHD_Result akd_api_activate(struct akd_request *req);

/* The web pages (web.c, web_account.c; docs/web.md). Each answers exactly once. */
enum MHD_Result akd_web_root(struct akd_request *req);
enum MHD_Result akd_web_signin_page(struct akd_request *req);
enum MHD_Result akd_web_signin_start(struct akd_request *req);
enum MHD_Result akd_web_signin_complete(struct akd_request *req);
enum MHD_Result akd_web_signin_code(struct akd_request *req);
enum MHD_Result akd_web_signout(struct akd_request *req);
enum MHD_Result akd_web_account(struct akd_request *req);
enum MHD_Result akd_web_device_remove(struct akd_request *req);
enum MHD_Result akd_web_backup_confirm(struct akd_request *req);
enum MHD_Result akd_web_backup_delete(struct akd_request *req);
enum MHD_Result akd_web_contact_remove(struct akd_request *req);
enum MHD_Result akd_web_static(struct akd_request *req);
/* A failure on a page's route, as a page (akd_respond_error sends them here). */
enum MHD_Result akd_web_respond_error(struct akd_request *req, struct akd_error *e);

/*
 * Reads the pages' templates and files from cfg->web_dir (or the installed
 * folder): NULL with "FILE: why" in `err` when one is missing or wrong.
 */
struct akd_web *akd_web_open(const struct akd_config *cfg, char *err, size_t errlen);
void akd_web_free(struct akd_web *w);

/*
 * Sign-ins in progress (api_auth.c), with the caps of `cfg` and the key of
 * the challenges for unknown emails, read from `st` (made there the first
 * time). NULL on failure (logged).
 */
struct akd_logins *akd_logins_new(const struct akd_config *cfg, struct akd_store *st);
void akd_logins_free(struct akd_logins *l);

/*
 * Opens the listening socket of srv->cfg->listen into srv->listen_fd, before
 * anything else is opened, so that a port in use is told at once and changes
 * nothing. Returns 0, or -1 with "cannot listen on ADDR:PORT: why" in `err`.
 */
int akd_server_listen(struct akd_server *srv, char *err, size_t errlen);

/*
 * Starts serving with `srv` filled but for `daemon` and the limiters (and
 * listen_fd, opened here when still -1). Returns 0, or -1 with a sentence in
 * `err`. akd_server_stop() undoes it.
 */
int akd_server_start(struct akd_server *srv, char *err, size_t errlen);
void akd_server_stop(struct akd_server *srv);

#endif
