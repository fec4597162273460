/*
 * authkeepd's shared declarations (akd_ prefix). The server is built as a
 * static library (authkeepd_core: everything but main.c) so that fuzz targets
 * and tests reach its parsers.
 */
#ifndef AUTHKEEPD_SERVER_H
#define AUTHKEEPD_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "authkeep/backup.h"
#include "authkeep/signin.h"

#define AKD_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* ---- configuration (config.c) ---- */

struct akd_config {
        char *listen;     /* "ADDR:PORT" */
        char *db;         /* "sqlite:PATH" or "postgres://..." */
        unsigned db_pool; /* PostgreSQL connections for requests (AKD_DB_POOL_DEFAULT) */
        char *tls_cert;   /* PEM file paths, both or neither */
        char *tls_key;
        char *log;        /* request log file; NULL: stderr */
        unsigned threads; /* libmicrohttpd thread pool size */
        size_t max_body;  /* bytes of an upload's body (AKD_MAX_BODY_DEFAULT) */
        unsigned max_connections;
        unsigned max_connections_per_address;
        int64_t header_timeout; /* seconds for a request line and headers */
        double rate_address;    /* requests per second; 0: off */
        double burst_address;
        double rate_account; /* authenticated calls */
        double burst_account;
        double rate_signin; /* sign-in calls per account and address */
        double burst_signin;
        unsigned max_rate_keys; /* keys each request-rate table holds */
        unsigned max_logins;
        unsigned max_logins_per_account; /* 0: no cap */
        unsigned max_logins_per_address; /* 0: no cap */
        unsigned accounts_per_address;   /* account creations an hour; 0: no cap */
        int64_t login_ttl;               /* seconds */
        int64_t session_ttl;             /* seconds */
        unsigned keep_versions;
        unsigned slow_after;
        unsigned lockout_account_address; /* failures for one account from one address */
        unsigned lockout_account;         /* for one account from anywhere */
        unsigned lockout_address;         /* from one address for any account */
        int64_t lockout_time;             /* seconds */
        int64_t known_address_ttl;        /* a sign-in exempts its address this long */
        unsigned max_devices;             /* active devices per account */
        int64_t signin_ttl;               /* seconds a push sign-in request waits for an answer */
        unsigned signin_max;              /* push sign-in requests per account per signin_window */
        int64_t signin_window;            /* seconds */
        int64_t signin_mute;              /* seconds a report mutes an account's push sign-ins */
        char *public_url;                 /* the origin devices see; NULL: http:// + listen */
        unsigned max_waiting;             /* long-polls waiting at once; 0: no cap */
        char **notify;                    /* --notify specs, in order (notify.h) */
        size_t notify_count;
        char *notify_from;       /* the From of smtp:// mail; NULL: authkeep@HOSTNAME */
        int64_t code_ttl;        /* seconds a verification code is valid */
        int64_t code_interval;   /* seconds between two codes of an account */
        unsigned codes_per_hour; /* codes of an account an hour */
        char *web_dir;           /* the pages' templates (web.c); NULL: the installed ones */
        int64_t portal_ttl;      /* seconds a session of the account page lasts */
        int64_t deleted_grace;   /* seconds deleted backups and accounts are kept (lifecycle.c) */
};

/*
 * The default cap on an upload's body: the largest envelope a device makes
 * (AKD_ENVELOPE_MAX, 16 MiB and 48 bytes) in base64 is 22369688 bytes; 24 MiB
 * leaves room for the other fields.
 */
#define AKD_MAX_BODY_DEFAULT ((size_t)24 << 20)

/* The PostgreSQL store's connections for requests in each process (--db-pool). */
#define AKD_DB_POOL_DEFAULT 8
#define AKD_DB_POOL_MAX 256

/* Fills `cfg` with the defaults of docs/api.md §4. */
void akd_config_defaults(struct akd_config *cfg);

/* Frees the strings of `cfg` (not `cfg` itself); accepts NULL. */
void akd_config_free(struct akd_config *cfg);

/*
 * Sets one option by name ("keep_versions" or "keep-versions") from its text
 * value. Returns 0, or -1 with a sentence in `err`.
 */
int akd_config_set(struct akd_config *cfg, const char *name, const char *value, char *err,
                   size_t errlen);

/*
 * Reads a config file's text (`key = value` lines, `#` comments) of `len`
 * bytes. Returns 0, or -1 with "line N: why" in `err`.
 */
int akd_config_parse(struct akd_config *cfg, const char *text, size_t len, char *err,
                     size_t errlen);

/* Reads the config file `path` into cfg; 0 or -1 with "PATH: why" in `err`. */
int akd_config_load(struct akd_config *cfg, const char *path, char *err, size_t errlen);

/* Checks the options together (both TLS files, listen address). 0 or -1 with `err`. */
int akd_config_check(const struct akd_config *cfg, char *err, size_t errlen);

/* Parses "30d", "15m", "10" (seconds) into seconds; -1 when malformed. */
int64_t akd_parse_duration(const char *text);

/* Prints the option list for --help. */
void akd_config_usage(FILE *out);

/* ---- errors answered to clients ---- */

/*
 * One failure to answer: HTTP status, the stable error code and a sentence.
 * `extra` (owned, may be NULL) holds further fields of the answer's body;
 * retry_after > 0 adds `retry_after` and a Retry-After header.
 */
struct akd_error {
        unsigned status;
        const char *code;
        char message[240];
        long retry_after;
        json_t *extra;
};

/* Fills `e` and returns -1, so parsers can write `return akd_fail(e, 400, ...)`. */
int akd_fail(struct akd_error *e, unsigned status, const char *code, const char *fmt, ...)
    AKD_PRINTF(4, 5);

/* Frees e->extra. */
void akd_error_clear(struct akd_error *e);

/* ---- request bodies (request.c) ---- */

#define AKD_EMAIL_MAX 254
#define AKD_DEVICE_ID_MAX 64
#define AKD_DEVICE_NAME_MAX 128
#define AKD_SRP_SALT_MIN 8
#define AKD_SRP_SALT_MAX 64
#define AKD_SRP_NUM_MAX 512
#define AKD_KDF_SALT_LEN 16
#define AKD_WRAP_NONCE_LEN 24
#define AKD_WRAP_CT_LEN 48
/* The largest envelope a device seals (libauthkeep's cap). */
#define AKD_ENVELOPE_MAX AK_BACKUP_ENVELOPE_MAX
#define AKD_JSON_DEPTH_MAX 8
#define AKD_LOGIN_ID_MAX 64
#define AKD_M_LEN 32

struct akd_kdf {
        uint8_t salt[AKD_KDF_SALT_LEN];
        uint64_t opslimit;
        uint64_t memlimit;
};

struct akd_wrapped {
        uint8_t nonce[AKD_WRAP_NONCE_LEN];
        uint8_t ciphertext[AKD_WRAP_CT_LEN];
};

/* What the server keeps for one way of signing in (password or recovery code). */
struct akd_credential {
        struct akd_kdf kdf;
        uint8_t srp_salt[AKD_SRP_SALT_MAX];
        size_t srp_salt_len;
        uint8_t srp_verifier[AKD_SRP_NUM_MAX];
        size_t srp_verifier_len;
        struct akd_wrapped wrapped;
};

struct akd_account_req {
        char email[AKD_EMAIL_MAX + 1];
        struct akd_credential password;
        bool has_recovery;
        struct akd_credential recovery;
};

struct akd_auth_start_req {
        char email[AKD_EMAIL_MAX + 1];
        bool recovery;
};

struct akd_auth_finish_req {
        char login_id[AKD_LOGIN_ID_MAX + 1];
        uint8_t A[AKD_SRP_NUM_MAX];
        size_t A_len;
        uint8_t M1[AKD_M_LEN];
};

struct akd_password_req {
        struct akd_credential password;
        bool has_recovery;
        struct akd_credential recovery;
        /* The fresh proof of the current password or recovery code ("proof"). */
        bool has_proof;
        struct akd_auth_finish_req proof;
};

struct akd_backup_put_req {
        uint64_t replaces_version;
        char device_id[AKD_DEVICE_ID_MAX + 1];
        char device_name[AKD_DEVICE_NAME_MAX + 1];
        uint8_t *envelope; /* owned: free() */
        size_t envelope_len;
};

/* DELETE /v1/backup, and DELETE /v1/account (server/lifecycle.h). */
struct akd_backup_delete_req {
        char device_id[AKD_DEVICE_ID_MAX + 1];
        char device_name[AKD_DEVICE_NAME_MAX + 1];
        bool now; /* purge at once rather than keep for the grace period */
        /* A fresh proof of the password or recovery code ("proof"), for `now`. */
        bool has_proof;
        struct akd_auth_finish_req proof;
};

/* POST /v1/devices */
struct akd_device_req {
        char device_id[AK_DEVICE_ID_LEN + 1]; /* 32 lower-case hex characters */
        char name[64 + 1];                    /* 1 to 64 bytes, no control characters */
        uint8_t public_key[AK_DEVICE_PK_BYTES];
};

/* POST /v1/totp/verify */
struct akd_totp_req {
        char email[AKD_EMAIL_MAX + 1];
        char code[7]; /* six digits */
};

/* POST /v1/signin */
struct akd_signin_req {
        char email[AKD_EMAIL_MAX + 1];
        char app[AK_SIGNIN_APP_MAX + 1]; /* "" when absent */
};

/* POST /v1/signin/ID/answer */
struct akd_answer_req {
        enum ak_signin_decision decision;
        unsigned number; /* approve only; 0 otherwise */
        uint8_t signature[AK_DEVICE_SIG_BYTES];
};

/* POST /v1/activate (api_work.c): an activation code and the device it enrols. */
struct akd_activate_req {
        char org[64 + 1];              /* 1 to 64 of A-Z a-z 0-9 . _ - */
        char email[AKD_EMAIL_MAX + 1]; /* normalized */
        char code[32 + 1];             /* 32 upper-case base32 characters */
        struct akd_device_req device;  /* device_id, name, public_key */
};

/*
 * Each parser reads a whole request body of `len` bytes (not NUL-terminated)
 * and fills `out` only on success (0). On failure it returns -1 with a
 * 400 bad_json or bad_request in `e`; nothing to free then.
 */
int akd_parse_account_req(struct akd_account_req *out, const char *body, size_t len,
                          struct akd_error *e);
int akd_parse_auth_start_req(struct akd_auth_start_req *out, const char *body, size_t len,
                             struct akd_error *e);
int akd_parse_auth_finish_req(struct akd_auth_finish_req *out, const char *body, size_t len,
                              struct akd_error *e);
int akd_parse_password_req(struct akd_password_req *out, const char *body, size_t len,
                           struct akd_error *e);
/* On success out->envelope is owned by the caller (free()). */
int akd_parse_backup_put_req(struct akd_backup_put_req *out, const char *body, size_t len,
                             struct akd_error *e);
/* An empty body is valid (no device named). */
int akd_parse_backup_delete_req(struct akd_backup_delete_req *out, const char *body, size_t len,
                                struct akd_error *e);

int akd_parse_device_req(struct akd_device_req *out, const char *body, size_t len,
                         struct akd_error *e);
int akd_parse_totp_req(struct akd_totp_req *out, const char *body, size_t len, struct akd_error *e);
int akd_parse_signin_req(struct akd_signin_req *out, const char *body, size_t len,
                         struct akd_error *e);
int akd_parse_answer_req(struct akd_answer_req *out, const char *body, size_t len,
                         struct akd_error *e);
int akd_parse_activate_req(struct akd_activate_req *out, const char *body, size_t len,
                           struct akd_error *e);

/*
 * Parses a JSON object body after checking its nesting depth (at most
 * AKD_JSON_DEPTH_MAX) without building anything. Returns a new reference or
 * NULL with 400 bad_json in `e`.
 */
json_t *akd_parse_json_object(const char *body, size_t len, struct akd_error *e);

/* Lower-cases and checks an email; 0 or -1 with a 400 in `e`. */
int akd_normalize_email(char out[AKD_EMAIL_MAX + 1], const char *in, struct akd_error *e);

/* Length of the base64 (standard, padded) of `n` bytes, NUL excluded. */
#define AKD_B64_LEN(n) (((n) + 2) / 3 * 4)

/*
 * The server's one base64 (libsodium's, standard alphabet, padded). Every
 * answer's base64 goes through akd_b64_json or, for a body written by hand,
 * akd_b64_encode_into; every request's through akd_b64_decode.
 */

/* A JSON string of the base64 of `len` bytes (new reference); NULL on no memory. */
json_t *akd_b64_json(const uint8_t *data, size_t len);

/*
 * Base64 of `len` bytes into `out` (AKD_B64_LEN(len) + 1 bytes), NUL
 * terminated; returns the length written.
 */
size_t akd_b64_encode_into(char *out, const uint8_t *data, size_t len);

/*
 * Decodes strict base64 (standard alphabet, padding, canonical) of `len`
 * characters into `out` (at most `max` bytes). 0 with *out_len, or -1.
 */
int akd_b64_decode(uint8_t *out, size_t max, size_t *out_len, const char *in, size_t len);

/* JSON object of a kdf / wrapped key (new references). */
json_t *akd_kdf_json(const struct akd_kdf *kdf);
json_t *akd_wrapped_json(const struct akd_wrapped *w);

/* ---- `authkeepd admin` (admin.c) ---- */

/* Runs `authkeepd admin ...` (argv[0] is "admin"); returns the exit status. */
int akd_admin_main(int argc, char **argv);

/* ---- request log (log.c) ---- */

/* Opens the log (NULL: stderr). 0 or -1 with errno. */
int akd_log_open(const char *path);
void akd_log_close(void);
/* One request line; `path` must already be free of its query. */
void akd_log_request(const char *client, const char *method, const char *path, unsigned status,
                     double millis);
/* A server event ("listening on ...", "store: ..."). */
void akd_log_event(const char *fmt, ...) AKD_PRINTF(1, 2);

/* ---- files ---- */

struct stat;

/*
 * Refuses a file that other users may read or change (its mode in `st`):
 * 0, or -1 with "FILE can be read by other users (mode 0644); run chmod
 * 600 FILE" in `err`.
 */
int akd_check_private_mode(const char *file, const struct stat *st, char *err, size_t errlen);

/* ---- time ---- */

/* Seconds since the epoch (wall clock) and a monotonic clock in seconds. */
int64_t akd_now(void);
double akd_mono(void);
/* Seconds since the epoch with their fraction, for times that outlive the process. */
double akd_wall(void);

#endif
