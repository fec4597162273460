/*
 * authkeepd's web pages (docs/web.md): what every page shares. The
 * templates and files are read once at start from --web-dir; every page
 * goes out with a strict Content-Security-Policy (nothing from elsewhere,
 * no inline script or style) and is never cached.
 *
 * Two kinds of forms are protected against cross-site requests. Before a
 * sign-in, a browser holds a random token in the `authkeep_csrf` cookie and
 * its forms carry a keyed hash of it (a signed double submit): a page of
 * another site can neither read the cookie nor make the hash. After a
 * sign-in, the forms carry the CSRF token of the session, kept with it in
 * the store. Every cookie is HttpOnly and SameSite=Strict, and Secure
 * unless the server is reached on loopback without TLS.
 *
 * A session of the account page is short (portal_ttl, 15 minutes), kept as
 * its token's hash, and ends at sign-out or when the account's sessions
 * are revoked or its password changes.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "http.h"
#include "web.h"

#define CSP                                                                                        \
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "                \
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

#define BROWSER_COOKIE "authkeep_csrf"
#define PORTAL_COOKIE "authkeep_portal"
#define TOKEN_BYTES 32

static const char *const page_files[AKD_PAGE__COUNT] = {
    [AKD_PAGE_SIGNIN] = "signin.html",   [AKD_PAGE_WAITING] = "waiting.html",
    [AKD_PAGE_ACCOUNT] = "account.html", [AKD_PAGE_BACKUP_DELETE] = "backup-delete.html",
    [AKD_PAGE_MESSAGE] = "message.html",
};

/* The files served as they are, under /static/. */
static const struct {
        const char *name;
        const char *type;
} static_files[] = {
    {"style.css", "text/css; charset=utf-8"},
    {"signin.js", "text/javascript; charset=utf-8"},
    {"icon.svg", "image/svg+xml"},
};
#define N_STATIC (sizeof(static_files) / sizeof(static_files[0]))

struct akd_web {
        struct akd_template *pages[AKD_PAGE__COUNT];
        char *files[N_STATIC];
        size_t file_len[N_STATIC];
};

/* ---- the folder ---- */

/*
 * The folder when --web-dir is not given: the source tree's web/ for the
 * binary in its own build tree (so that tests and a developer's run need
 * no install), else the installed one.
 */
static const char *default_dir(void)
{
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n <= 0)
                return AKD_WEB_DIR;
        exe[n] = '\0';
        char *built = realpath(AKD_BUILD_EXE, NULL);
        bool in_build = built != NULL && strcmp(built, exe) == 0;
        free(built);
        return in_build ? AKD_SOURCE_WEB_DIR : AKD_WEB_DIR;
}

void akd_web_free(struct akd_web *w)
{
        if (w == NULL)
                return;
        for (int i = 0; i < AKD_PAGE__COUNT; i++)
                akd_template_free(w->pages[i]);
        for (size_t i = 0; i < N_STATIC; i++)
                free(w->files[i]);
        free(w);
}

struct akd_web *akd_web_open(const struct akd_config *cfg, char *err, size_t errlen)
{
        const char *dir = cfg->web_dir != NULL ? cfg->web_dir : default_dir();
        struct akd_web *w = calloc(1, sizeof(*w));
        if (w == NULL) {
                snprintf(err, errlen, "out of memory");
                return NULL;
        }
        char why[600];
        for (int i = 0; i < AKD_PAGE__COUNT; i++)
                if ((w->pages[i] = akd_template_load(dir, page_files[i], why, sizeof(why))) == NULL)
                        goto fail;
        for (size_t i = 0; i < N_STATIC; i++)
                if ((w->files[i] = akd_web_read_file(dir, static_files[i].name, &w->file_len[i],
                                                     why, sizeof(why))) == NULL)
                        goto fail;
        return w;
fail:
        snprintf(err, errlen, "the web pages cannot be read: %s%s", why,
                 cfg->web_dir != NULL ? "" : " (install them, or give --web-dir DIR)");
        akd_web_free(w);
        return NULL;
}

/* ---- answers ---- */

/* A response owning `body` (malloc'd) with every page's headers; NULL on failure. */
static struct MHD_Response *page_response(char *body, size_t len, bool owned, const char *type)
{
        struct MHD_Response *r = MHD_create_response_from_buffer(
            len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
        if (r == NULL) {
                if (owned)
                        free(body);
                return NULL;
        }
        MHD_add_response_header(r, "Content-Type", type);
        MHD_add_response_header(r, "Content-Security-Policy", CSP);
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
        MHD_add_response_header(r, "X-Frame-Options", "DENY");
        MHD_add_response_header(r, "Cache-Control", "no-store");
        return r;
}

static void add_cookies(struct MHD_Response *r, const char *cookie, const char *cookie2)
{
        if (r == NULL)
                return;
        if (cookie != NULL && cookie[0] != '\0')
                MHD_add_response_header(r, "Set-Cookie", cookie);
        if (cookie2 != NULL && cookie2[0] != '\0')
                MHD_add_response_header(r, "Set-Cookie", cookie2);
}

enum MHD_Result akd_web_page(struct akd_request *req, unsigned status, enum akd_web_page page,
                             json_t *view, const char *cookie, const char *cookie2)
{
        size_t len = 0;
        char *html =
            view != NULL ? akd_template_render(req->srv->web->pages[page], view, &len) : NULL;
        json_decref(view);
        if (html == NULL) {
                static char fallback[] = "out of memory\n";
                return akd_respond(req, 500,
                                   page_response(fallback, sizeof(fallback) - 1, false,
                                                 "text/plain; charset=utf-8"));
        }
        struct MHD_Response *r = page_response(html, len, true, "text/html; charset=utf-8");
        add_cookies(r, cookie, cookie2);
        return akd_respond(req, status, r);
}

enum MHD_Result akd_web_redirect(struct akd_request *req, const char *location, const char *cookie)
{
        static char empty[] = "";
        struct MHD_Response *r = page_response(empty, 0, false, "text/html; charset=utf-8");
        if (r != NULL)
                MHD_add_response_header(r, "Location", location);
        add_cookies(r, cookie, NULL);
        return akd_respond(req, 303, r);
}

json_t *akd_web_view(const struct akd_request *req, const char *title)
{
        json_t *v = json_pack("{s:s}", "title", title);
        if (v != NULL && req->portal.account_id[0] != '\0') {
                json_object_set_new(v, "csrf", json_string(req->portal.csrf));
                json_object_set_new(v, "signed_in", json_true());
        }
        return v;
}

/* Words for a refusal's status, as the page's title. */
static const char *status_title(unsigned status)
{
        switch (status) {
        case 401:
                return "Not signed in";
        case 403:
                return "Refused";
        case 404:
                return "Not found";
        case 409:
        case 410:
                return "No longer possible";
        case 413:
        case 415:
        case 400:
                return "That did not work";
        case 429:
                return "Too many tries";
        case 503:
                return "Briefly unavailable";
        default:
                return "Something went wrong";
        }
}

enum MHD_Result akd_web_respond_error(struct akd_request *req, struct akd_error *e)
{
        unsigned status = e->status;
        json_t *v = akd_web_view(req, status_title(status));
        json_object_set_new(v, "message", json_string(e->message));
        json_object_set_new(v, "error", json_string(e->code));
        bool signed_in = req->portal.account_id[0] != '\0';
        json_object_set_new(v, "back", json_string(signed_in ? "/account" : "/signin"));
        json_object_set_new(v, "back_words",
                            json_string(signed_in ? "Back to your account" : "Start again"));
        long retry = e->retry_after;
        akd_error_clear(e);
        size_t len = 0;
        char *html =
            v != NULL ? akd_template_render(req->srv->web->pages[AKD_PAGE_MESSAGE], v, &len) : NULL;
        json_decref(v);
        if (html == NULL)
                return akd_respond(req, 500, NULL);
        struct MHD_Response *r = page_response(html, len, true, "text/html; charset=utf-8");
        if (r != NULL && retry > 0) {
                char secs[24];
                snprintf(secs, sizeof(secs), "%ld", retry);
                MHD_add_response_header(r, "Retry-After", secs);
        }
        return akd_respond(req, status, r);
}

enum MHD_Result akd_web_static(struct akd_request *req)
{
        const char *name = req->path + strlen("/static/");
        struct akd_web *w = req->srv->web;
        for (size_t i = 0; i < N_STATIC; i++)
                if (strcmp(name, static_files[i].name) == 0)
                        return akd_respond(req, 200,
                                           page_response(w->files[i], w->file_len[i], false,
                                                         static_files[i].type));
        return akd_respond_fail(req, 404, "not_found", "no such file");
}

enum MHD_Result akd_web_root(struct akd_request *req)
{
        return akd_web_redirect(req, "/account", NULL);
}

void akd_web_time(char out[32], int64_t t, const char *never)
{
        struct tm tm;
        time_t tt = (time_t)t;
        if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
            strftime(out, 32, "%Y-%m-%d %H:%M UTC", &tm) == 0)
                snprintf(out, 32, "%s", never);
}

/* ---- cookies and tokens ---- */

/* True when the server's origin is http:// on a loopback address: no Secure cookies there. */
static bool plain_loopback(const char *origin)
{
        if (strncmp(origin, "http://", 7) != 0)
                return false;
        const char *host = origin + 7;
        return strncmp(host, "127.", 4) == 0 || strncmp(host, "[::1]", 5) == 0 ||
               strncmp(host, "localhost:", 10) == 0 || strcmp(host, "localhost") == 0;
}

void akd_web_cookie(const struct akd_request *req, char out[AKD_COOKIE_MAX], const char *name,
                    const char *value, int64_t max_age)
{
        char age[40] = "";
        if (max_age >= 0)
                snprintf(age, sizeof(age), "; Max-Age=%lld", (long long)max_age);
        snprintf(out, AKD_COOKIE_MAX, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", name, value,
                 age, plain_loopback(req->srv->origin) ? "" : "; Secure");
}

/* The cookie `name` when it is a token's form (43 base64url characters); NULL. */
static const char *token_cookie(struct akd_request *req, const char *name)
{
        const char *v = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
        uint8_t hash[AKD_TOKEN_HASH_LEN];
        return v != NULL && akd_token_hash(hash, v, strlen(v)) ? v : NULL;
}

/*
 * The keyed hash of `what` and the parts given, as a token (43 base64url
 * characters) into `out`; false when the store fails.
 */
static bool keyed_token(struct akd_request *req, char out[AKD_WEB_TOKEN_LEN + 1], const char *what,
                        const char *a, const char *b)
{
        uint8_t key[32], mac[32];
        if (req->srv->store->ops->server_key(req->srv->store, "web-forms", key, sizeof(key)) !=
            AKD_STORE_OK)
                return false;
        crypto_generichash_state h;
        crypto_generichash_init(&h, key, sizeof(key), sizeof(mac));
        crypto_generichash_update(&h, (const unsigned char *)what, strlen(what) + 1);
        crypto_generichash_update(&h, (const unsigned char *)a, strlen(a) + 1);
        if (b != NULL)
                crypto_generichash_update(&h, (const unsigned char *)b, strlen(b) + 1);
        crypto_generichash_final(&h, mac, sizeof(mac));
        sodium_bin2base64(out, AKD_WEB_TOKEN_LEN + 1, mac, sizeof(mac),
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        sodium_memzero(key, sizeof(key));
        return true;
}

bool akd_web_browser_csrf(struct akd_request *req, char csrf[AKD_WEB_TOKEN_LEN + 1],
                          char cookie[AKD_COOKIE_MAX])
{
        const char *have = token_cookie(req, BROWSER_COOKIE);
        char fresh[AKD_TOKEN_LEN + 1];
        cookie[0] = '\0';
        if (have == NULL) {
                uint8_t hash[AKD_TOKEN_HASH_LEN];
                akd_token_new(fresh, hash);
                akd_web_cookie(req, cookie, BROWSER_COOKIE, fresh, -1);
                have = fresh;
        }
        return keyed_token(req, csrf, "csrf", have, NULL);
}

/* Compares two tokens in constant time. */
static bool same_token(const char *a, const char *b)
{
        return strlen(a) == AKD_WEB_TOKEN_LEN && strlen(b) == AKD_WEB_TOKEN_LEN &&
               sodium_memcmp(a, b, AKD_WEB_TOKEN_LEN) == 0;
}

static bool refuse_csrf(struct akd_request *req, enum MHD_Result *answer)
{
        *answer = akd_respond_fail(req, 403, "bad_csrf",
                                   "the form does not come from this browser's page (its token "
                                   "does not match); open the page again and retry");
        return false;
}

bool akd_web_check_browser(struct akd_request *req, const char *csrf, enum MHD_Result *answer)
{
        const char *have = token_cookie(req, BROWSER_COOKIE);
        char want[AKD_WEB_TOKEN_LEN + 1];
        if (have == NULL || !keyed_token(req, want, "csrf", have, NULL) || !same_token(want, csrf))
                return refuse_csrf(req, answer);
        return true;
}

bool akd_web_ticket(struct akd_request *req, const char *request_id,
                    char ticket[AKD_WEB_TOKEN_LEN + 1])
{
        const char *have = token_cookie(req, BROWSER_COOKIE);
        return have != NULL && keyed_token(req, ticket, "ticket", have, request_id);
}

/* ---- sessions of the account page ---- */

enum MHD_Result akd_web_portal_open(struct akd_request *req, const char *account_id,
                                    const char *signin_id)
{
        struct akd_store *st = req->srv->store;
        struct akd_portal_session s = {0};
        char token[AKD_TOKEN_LEN + 1], cookie[AKD_COOKIE_MAX];
        uint8_t hash[AKD_TOKEN_HASH_LEN], csrf_hash[AKD_TOKEN_HASH_LEN];
        if (account_id != NULL)
                snprintf(s.account_id, sizeof(s.account_id), "%s", account_id);
        akd_token_new(s.csrf, csrf_hash);
        akd_token_new(token, hash);
        s.created_at = akd_now();
        s.expires_at = s.created_at + req->srv->cfg->portal_ttl;
        enum akd_store_result r = st->ops->portal_create(st, hash, &s, signin_id, 30);
        enum MHD_Result answer;
        switch (r) {
        case AKD_STORE_OK:
                akd_web_cookie(req, cookie, PORTAL_COOKIE, token, req->srv->cfg->portal_ttl);
                answer = akd_web_redirect(req, "/account", cookie);
                break;
        case AKD_STORE_NOT_FOUND:
                answer = akd_respond_fail(req, 403, "not_approved",
                                          "this sign-in was not approved on a device");
                break;
        case AKD_STORE_CONFLICT:
                answer = akd_respond_fail(req, 409, "already_used",
                                          "this sign-in was used already; sign in again");
                break;
        case AKD_STORE_GONE:
                answer = akd_respond_fail(req, 410, "expired",
                                          "this sign-in expired before it was used; sign in again");
                break;
        default:
                answer = akd_respond_store_failed(req);
        }
        sodium_memzero(token, sizeof(token));
        sodium_memzero(&s, sizeof(s));
        return answer;
}

bool akd_web_portal(struct akd_request *req, const char *csrf, enum MHD_Result *answer)
{
        const char *token = token_cookie(req, PORTAL_COOKIE);
        enum akd_store_result r = AKD_STORE_NOT_FOUND;
        if (token != NULL && akd_token_hash(req->portal_hash, token, strlen(token)))
                r = req->srv->store->ops->portal_get(req->srv->store, req->portal_hash, akd_now(),
                                                     &req->portal);
        if (r == AKD_STORE_OK && (csrf == NULL || same_token(req->portal.csrf, csrf)))
                return true;
        if (r == AKD_STORE_OK)
                return refuse_csrf(req, answer);
        memset(&req->portal, 0, sizeof(req->portal));
        if (r != AKD_STORE_NOT_FOUND)
                *answer = akd_respond_store_failed(req);
        else if (strcmp(req->method, "GET") == 0)
                *answer = akd_web_redirect(req, "/signin", NULL);
        else
                *answer = akd_respond_fail(req, 401, "signed_out",
                                           "you are not signed in (or the sign-in expired); sign "
                                           "in again");
        return false;
}

enum MHD_Result akd_web_signout(struct akd_request *req)
{
        struct akd_error e = {0};
        struct akd_web_form f;
        enum MHD_Result answer;
        char cookie[AKD_COOKIE_MAX];
        if (akd_web_form_parse(&f, 0, req->body, req->body_len, &e) != 0)
                return akd_respond_error(req, &e);
        if (!akd_web_portal(req, f.csrf, &answer))
                return answer;
        if (req->srv->store->ops->portal_delete(req->srv->store, req->portal_hash) ==
            AKD_STORE_ERROR)
                return akd_respond_store_failed(req);
        memset(&req->portal, 0, sizeof(req->portal));
        akd_web_cookie(req, cookie, PORTAL_COOKIE, "", 0);
        json_t *v = akd_web_view(req, "Signed out");
        json_object_set_new(v, "message", json_string("You are signed out of your account page."));
        json_object_set_new(v, "back", json_string("/signin"));
        json_object_set_new(v, "back_words", json_string("Sign in again"));
        return akd_web_page(req, 200, AKD_PAGE_MESSAGE, v, cookie, NULL);
}
