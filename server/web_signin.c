/*
 * The sign-in page (docs/web.md). The person enters the account; the
 * server starts a push sign-in as POST /v1/signin does and shows the
 * number, and the page's script follows the request's state with the
 * long-poll of GET /v1/signin/ID. Once approved, the script sends the
 * completion form: the request, the ticket that ties it to this browser
 * and the form's token; the store turns the approved request into one
 * session of the account page, once. A per-device code is checked as
 * POST /v1/totp/verify checks it, with the same counts of failures.
 */
#include <string.h>

#include <sodium.h>

#include "http.h"
#include "web.h"

enum MHD_Result akd_web_signin_page(struct akd_request *req)
{
        char csrf[AKD_WEB_TOKEN_LEN + 1], cookie[AKD_COOKIE_MAX];
        if (!akd_web_browser_csrf(req, csrf, cookie))
                return akd_respond_store_failed(req);
        json_t *v = akd_web_view(req, "Sign in");
        json_object_set_new(v, "csrf", json_string(csrf));
        return akd_web_page(req, 200, AKD_PAGE_SIGNIN, v, cookie, NULL);
}

/* Reads a form of the sign-in page (csrf and `fields`) and checks its token; false after answering.
 */
static bool signin_form(struct akd_request *req, unsigned fields, struct akd_web_form *f,
                        enum MHD_Result *answer)
{
        struct akd_error e = {0};
        if (akd_web_form_parse(f, fields, req->body, req->body_len, &e) != 0) {
                *answer = akd_respond_error(req, &e);
                return false;
        }
        return akd_web_check_browser(req, f->csrf, answer);
}

enum MHD_Result akd_web_signin_start(struct akd_request *req)
{
        struct akd_web_form f;
        struct akd_signin_req in = {0};
        struct akd_signin r;
        enum MHD_Result answer;
        char ticket[AKD_WEB_TOKEN_LEN + 1];
        if (!signin_form(req, AKD_WF_EMAIL, &f, &answer))
                return answer;
        memcpy(in.email, f.email, sizeof(in.email));
        snprintf(in.app, sizeof(in.app), "%s", AKD_WEB_APP);
        if (!akd_signin_start(req, &in, &r, &answer))
                return answer;
        if (!akd_web_ticket(req, r.c.request_id, ticket))
                return akd_respond_store_failed(req);
        json_t *v = akd_web_view(req, "Approve on your device");
        json_object_set_new(v, "csrf", json_string(f.csrf));
        json_object_set_new(v, "email", json_string(f.email));
        json_object_set_new(v, "request", json_string(r.c.request_id));
        json_object_set_new(v, "ticket", json_string(ticket));
        json_object_set_new(v, "number", json_integer(r.number));
        json_object_set_new(v, "seconds", json_integer(r.c.expires_at - r.c.created_at));
        sodium_memzero(&r, sizeof(r));
        return akd_web_page(req, 200, AKD_PAGE_WAITING, v, NULL, NULL);
}

enum MHD_Result akd_web_signin_complete(struct akd_request *req)
{
        struct akd_web_form f;
        enum MHD_Result answer;
        char ticket[AKD_WEB_TOKEN_LEN + 1];
        if (!signin_form(req, AKD_WF_REQUEST, &f, &answer))
                return answer;
        if (!akd_web_ticket(req, f.request, ticket) ||
            sodium_memcmp(ticket, f.ticket, AKD_WEB_TOKEN_LEN) != 0)
                return akd_respond_fail(req, 403, "bad_ticket",
                                        "this sign-in was started in another browser; sign in "
                                        "again here");
        return akd_web_portal_open(req, NULL, f.request);
}

enum MHD_Result akd_web_signin_code(struct akd_request *req)
{
        struct akd_web_form f;
        struct akd_totp_req in;
        enum MHD_Result answer;
        char account_id[AKD_ACCOUNT_ID_LEN + 1], device_id[AK_DEVICE_ID_LEN + 1];
        if (!signin_form(req, AKD_WF_EMAIL | AKD_WF_CODE, &f, &answer))
                return answer;
        memcpy(in.email, f.email, sizeof(in.email));
        memcpy(in.code, f.code, sizeof(in.code));
        sodium_memzero(f.code, sizeof(f.code));
        bool ok = akd_totp_check(req, &in, account_id, device_id, &answer);
        sodium_memzero(in.code, sizeof(in.code));
        return ok ? akd_web_portal_open(req, account_id, NULL) : answer;
}
