/*
 * authkeepd's web pages (docs/web.md): the sign-in page and the account
 * page, rendered on the server from the templates of --web-dir.
 *   web.c         the pages' handlers, cookies, CSRF tokens and headers
 *   web_account.c the account page and its forms
 *   web_render.c  the templates: {{name}}, {{#list}}...{{/list}}, {{>partial}}
 *   web_forms.c   application/x-www-form-urlencoded bodies (fuzz/fuzz_web_form.c)
 */
#ifndef AUTHKEEPD_WEB_H
#define AUTHKEEPD_WEB_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <microhttpd.h>

#include "server.h"
#include "store.h"

/* ---- forms (web_forms.c) ---- */

#define AKD_FORM_BODY_MAX 8192 /* bytes of a form's body */
#define AKD_FORM_FIELDS_MAX 16
#define AKD_FORM_NAME_MAX 32
#define AKD_WEB_TOKEN_LEN 43 /* base64url characters of a CSRF token or a ticket */

/*
 * A parsed form: decoded names and values, NUL terminated, in `buf` (a
 * field takes at most its encoding's length and two NULs).
 */
struct akd_form {
        size_t count;
        struct {
                const char *name;
                const char *value;
        } fields[AKD_FORM_FIELDS_MAX];
        char buf[AKD_FORM_BODY_MAX + 2 * AKD_FORM_FIELDS_MAX + 2];
};

/*
 * Parses an application/x-www-form-urlencoded body of `len` bytes ('+' for
 * a space, %XX escapes): at most AKD_FORM_FIELDS_MAX fields, each named by
 * 1 to AKD_FORM_NAME_MAX of a-z 0-9 _, once, with a value of printable
 * ASCII. 0, or -1 with a 400 bad_form in `e`.
 */
int akd_form_parse(struct akd_form *out, const char *body, size_t len, struct akd_error *e);

/* The value of `name`, or NULL when the form has none. */
const char *akd_form_get(const struct akd_form *f, const char *name);

/* The fields a page's form may carry (akd_web_form_parse's `fields`). */
enum akd_web_field {
        AKD_WF_EMAIL = 1 << 0,
        AKD_WF_CODE = 1 << 1,    /* six digits */
        AKD_WF_REQUEST = 1 << 2, /* a push sign-in request's id and its ticket */
        AKD_WF_DEVICE = 1 << 3,  /* a device id, and "force" */
        AKD_WF_CONTACT = 1 << 4,
};

/* A page's form, checked: every form carries `csrf`. */
struct akd_web_form {
        char csrf[AKD_WEB_TOKEN_LEN + 1];
        char email[AKD_EMAIL_MAX + 1]; /* normalized */
        char code[7];
        char request[AK_SIGNIN_ID_LEN + 1];
        char ticket[AKD_WEB_TOKEN_LEN + 1];
        char device[AK_DEVICE_ID_LEN + 1];
        bool force;
        char contact[AKD_CONTACT_MAX + 1]; /* normalized */
};

/*
 * Parses `body` as a form with csrf and the `fields` asked (a set of enum
 * akd_web_field), each required and checked; other fields are ignored.
 * Fills `out` only on success (0); -1 with a 400 in `e`.
 */
int akd_web_form_parse(struct akd_web_form *out, unsigned fields, const char *body, size_t len,
                       struct akd_error *e);

/* ---- templates (web_render.c) ---- */

struct akd_template;

/*
 * Reads the template `name` (web/NAME) of `dir`, with the partials it
 * names ({{>head}}: web/head.html). NULL with "FILE: why" in `err` when a
 * file is missing or its syntax is wrong. Free with akd_template_free.
 */
struct akd_template *akd_template_load(const char *dir, const char *name, char *err, size_t errlen);

/* The same from a text of `len` bytes; partials come from `dir` (NULL: none allowed). */
struct akd_template *akd_template_parse(const char *text, size_t len, const char *dir,
                                        const char *what, char *err, size_t errlen);
void akd_template_free(struct akd_template *t);

/* Reads the file `dir`/`name` (at most 256 KiB) into a new buffer (free()); NULL with `err`. */
char *akd_web_read_file(const char *dir, const char *name, size_t *len, char *err, size_t errlen);

/*
 * Renders `t` with the values of `view`, a JSON object: {{name}} is a
 * string or number member, HTML-escaped; {{#name}}...{{/name}} repeats for
 * each object of an array, or shows once for true, a non-empty string or
 * an object; {{^name}}...{{/name}} shows when the member is absent, false,
 * empty or null. Names are looked up in the innermost object first. Returns
 * a malloc'd text (its length in *len), or NULL when out of memory.
 */
char *akd_template_render(const struct akd_template *t, const json_t *view, size_t *len);

/* ---- shared by web.c, web_signin.c and web_account.c ---- */

struct akd_request;

enum akd_web_page {
        AKD_PAGE_SIGNIN,        /* signin.html: the email, or a per-device code */
        AKD_PAGE_WAITING,       /* waiting.html: the number and the state */
        AKD_PAGE_ACCOUNT,       /* account.html */
        AKD_PAGE_BACKUP_DELETE, /* backup-delete.html: the confirmation */
        AKD_PAGE_MESSAGE,       /* message.html: a result or a refusal */
        AKD_PAGE__COUNT
};

/* The app a web sign-in names to the devices. */
#define AKD_WEB_APP "web sign-in"

/* A Set-Cookie value: the name, the value and the attributes. */
#define AKD_COOKIE_MAX 256

/*
 * Answers page `page` rendered with `view` (a reference taken), with the
 * pages' headers and the Set-Cookie values given (NULL or "" for none).
 */
enum MHD_Result akd_web_page(struct akd_request *req, unsigned status, enum akd_web_page page,
                             json_t *view, const char *cookie, const char *cookie2);
/* 303 See Other to `location` (a path of this server), with a Set-Cookie value or NULL. */
enum MHD_Result akd_web_redirect(struct akd_request *req, const char *location, const char *cookie);
/*
 * A Set-Cookie value into `out`: Path=/, HttpOnly, SameSite=Strict, and
 * Secure unless the server is on loopback without TLS; `max_age` < 0 for a
 * cookie that ends with the browser's session, 0 to delete it.
 */
void akd_web_cookie(const struct akd_request *req, char out[AKD_COOKIE_MAX], const char *name,
                    const char *value, int64_t max_age);

/*
 * The browser's token before any session (the `authkeep_csrf` cookie) and
 * the CSRF token its forms carry, a keyed hash of it, into `csrf`; a new
 * one when the browser has none, with its Set-Cookie value in `cookie`
 * ("" otherwise). False when the store fails.
 */
bool akd_web_browser_csrf(struct akd_request *req, char csrf[AKD_WEB_TOKEN_LEN + 1],
                          char cookie[AKD_COOKIE_MAX]);
/* Checks a form's csrf against the browser's token; false after answering 403. */
bool akd_web_check_browser(struct akd_request *req, const char *csrf, enum MHD_Result *answer);
/*
 * The ticket that ties the push sign-in `request_id` to this browser's
 * token; false when the browser has no token or the store fails.
 */
bool akd_web_ticket(struct akd_request *req, const char *request_id,
                    char ticket[AKD_WEB_TOKEN_LEN + 1]);

/*
 * Opens a session of the account page for `account_id`, or from the
 * approved push sign-in `signin_id`, and answers with its cookie and a
 * redirect to /account (or the refusal).
 */
enum MHD_Result akd_web_portal_open(struct akd_request *req, const char *account_id,
                                    const char *signin_id);
/*
 * The session of the account page that the request's cookie names, into
 * req->portal: true; else false after answering (a redirect to /signin, or
 * 401 for a form). With `csrf`, a form's token must be the session's (403).
 */
bool akd_web_portal(struct akd_request *req, const char *csrf, enum MHD_Result *answer);

/* A new JSON view with the page's title and, signed in, the session's CSRF token. */
json_t *akd_web_view(const struct akd_request *req, const char *title);

/* "2026-11-05 14:03 UTC" for unix seconds `t`, or `never` for 0. */
void akd_web_time(char out[32], int64_t t, const char *never);

#endif
