/*
 * pam_authkeep.so's parts (docs/pam.md): the module's options and user map
 * (pam_config.c), its calls to authkeepd and the parsers of the answers
 * (pam_http.c), and the PAM entry points (pam_authkeep.c). Only
 * pam_authkeep.c calls libpam, so that unit tests and fuzz targets drive
 * the other two without a PAM stack. Names are pam_ak_; nothing here is
 * exported from the module (pam_authkeep.map).
 */
#ifndef PAM_AUTHKEEP_H
#define PAM_AUTHKEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAM_AK_EMAIL_MAX 254     /* authkeepd's cap on an account's email (ak__email_valid) */
#define PAM_AK_APP_MAX 64        /* authkeepd's cap on the app a device is shown */
#define PAM_AK_WHY_MAX 512       /* room for a sentence on what went wrong */
#define PAM_AK_MAP_MAX (1 << 20) /* the largest user map read */
#define PAM_AK_REQUEST_ID_LEN 32 /* a sign-in request's id: lower-case hex */
#define PAM_AK_CODE_LEN 6        /* a per-device code's digits */

/* Bounds of timeout=S: the longest wait for an approval once Enter is pressed. */
#define PAM_AK_TIMEOUT_DEFAULT 60
#define PAM_AK_TIMEOUT_MIN 5
#define PAM_AK_TIMEOUT_MAX 300

/*
 * The module's options, as the PAM line gives them. The strings point into
 * the argv PAM passes (valid for the call).
 */
struct pam_ak_config {
        const char *server;   /* server=URL, required */
        const char *user_map; /* user_map=FILE, or NULL: the PAM user name is the email */
        const char *ca_file;  /* ca_file=PATH, or NULL: the system's CAs */
        const char *app;      /* app=TEXT, or NULL: "SERVICE on HOST[ from RHOST]" */
        unsigned timeout;     /* timeout=S */
        bool fail_open;       /* fail=open; default fail=closed */
        bool debug;           /* debug */
};

/*
 * Reads the module's arguments into *c (defaults first). 0, or -1 with a
 * sentence in `why` (an unknown option, one given twice, a bad value, no
 * server, a server that is plain http:// to a host that is not loopback).
 */
int pam_ak_config_parse(struct pam_ak_config *c, int argc, const char **argv,
                        char why[PAM_AK_WHY_MAX]);

enum pam_ak_map_result {
        PAM_AK_MAP_FOUND,   /* the user is in the map: its email was copied */
        PAM_AK_MAP_UNKNOWN, /* the map is well formed and does not name the user */
        PAM_AK_MAP_BAD,     /* the map cannot be used: `why` says which line and why */
};

/*
 * Looks `user` up in a user map (`len` bytes of `text`): lines "LOCAL_USER
 * EMAIL" separated by blanks, optionally followed by a "#" comment; blank
 * lines and lines starting with "#" are comments. Every line is checked,
 * so that a map with a mistake is refused whoever signs in; a user named
 * on two lines is refused too.
 */
enum pam_ak_map_result pam_ak_map_find(const char *text, size_t len, const char *user,
                                       char email[PAM_AK_EMAIL_MAX + 1], char why[PAM_AK_WHY_MAX]);

/*
 * Reads the user map at `path` into *text (NUL-terminated, malloc'd; the
 * caller frees it) when it can be trusted: an absolute path to a regular
 * file of at most PAM_AK_MAP_MAX bytes, owned by root and not writable by
 * its group or others, in folders owned by root that only root can change
 * (a folder writable by others must be sticky, as /tmp is). 0, or -1 with
 * `why`.
 */
int pam_ak_map_read(const char *path, char **text, size_t *len, char why[PAM_AK_WHY_MAX]);

/*
 * Makes the text a device is shown (at most PAM_AK_APP_MAX bytes): the
 * configured app= when there is one, else "SERVICE on HOST" and, when the
 * remote host is known, " from RHOST". Bytes outside printable ASCII from
 * the PAM items become '?'.
 */
void pam_ak_app_text(char out[PAM_AK_APP_MAX + 1], const char *configured, const char *service,
                     const char *host, const char *rhost);

/*
 * Copies `in` into `out` (at most `cap` - 1 bytes and a NUL) with every
 * byte outside printable ASCII as '?': for text from the PAM items that
 * goes into a log line or to the device.
 */
void pam_ak_printable(char *out, size_t cap, const char *in);

/* ---- authkeepd (pam_http.c) ---- */

/* How a call went. */
enum pam_ak_reply {
        PAM_AK_OK,          /* the server answered as asked */
        PAM_AK_REFUSED,     /* it answered with a refusal (4xx): `why` says what */
        PAM_AK_UNREACHABLE, /* no usable answer: no connection, TLS, a time-out, 5xx, garbage */
};

enum pam_ak_state {
        PAM_AK_PENDING,
        PAM_AK_APPROVED,
        PAM_AK_DENIED,
        PAM_AK_EXPIRED,
};

struct pam_ak_signin {
        char request_id[PAM_AK_REQUEST_ID_LEN + 1];
        unsigned number; /* 10..99, to be shown to the person signing in */
        int64_t expires_at;
};

/*
 * POST /v1/signin {"email", "app"} to the server at `server` (checked by
 * pam_ak_config_parse), verifying it with `ca_file` (NULL: the system's).
 */
enum pam_ak_reply pam_ak_signin_start(const char *server, const char *ca_file, const char *email,
                                      const char *app, struct pam_ak_signin *out,
                                      char why[PAM_AK_WHY_MAX]);

/* GET /v1/signin/ID?wait=WAIT (1..60 s): the request's state then. */
enum pam_ak_reply pam_ak_signin_wait(const char *server, const char *ca_file,
                                     const char *request_id, unsigned wait,
                                     enum pam_ak_state *state, char why[PAM_AK_WHY_MAX]);

/*
 * POST /v1/totp/verify {"email", "code"}: PAM_AK_OK when the server
 * accepted the code, PAM_AK_REFUSED when it did not (or is locked out).
 * The body that carries the code is wiped before it is freed.
 */
enum pam_ak_reply pam_ak_totp_verify(const char *server, const char *ca_file, const char *email,
                                     const char code[PAM_AK_CODE_LEN + 1],
                                     char why[PAM_AK_WHY_MAX]);

/* The answers' parsers (fuzz/fuzz_pam_answers.c): true when `body` has the shape. */
bool pam_ak_parse_signin(const char *body, size_t len, struct pam_ak_signin *out);
bool pam_ak_parse_state(const char *body, size_t len, enum pam_ak_state *out);
/*
 * A refusal's {"error": CODE, "retry_after": N} into `error` (at most
 * `cap` - 1 bytes of [a-z_]; "" when absent or of another form) and
 * *retry_after (0 when absent).
 */
void pam_ak_parse_refusal(const char *body, size_t len, char *error, size_t cap, long *retry_after);

#endif
