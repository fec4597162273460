/*
 * Push sign-in (docs/api.md, "Devices and push sign-in"). A requester asks
 * (POST /v1/signin) and learns a two-digit number; the account's devices
 * long-poll for requests (GET /v1/device/requests), show the origin, the
 * requester's address and app, and answer with a signature over all of it
 * and the number the user typed; the requester long-polls the state
 * (GET /v1/signin/ID). A request is answered once, by one conditional
 * update in the store, and waiting connections are resumed at once.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "http.h"
#include "lifecycle.h"

static const char *const state_words[] = {
    [AKD_SIGNIN_PENDING] = "pending",
    [AKD_SIGNIN_APPROVED] = "approved",
    [AKD_SIGNIN_DENIED] = "denied",
    [AKD_SIGNIN_EXPIRED] = "expired",
};

/* The state at `now`: a pending request past its expiry is expired. */
static enum akd_signin_state state_at(const struct akd_signin *r, int64_t now)
{
        if (r->state == AKD_SIGNIN_PENDING && r->c.expires_at <= now)
                return AKD_SIGNIN_EXPIRED;
        return r->state;
}

/*
 * Reads ?wait=S (0 to `max`, 0 when absent) and sets the wait's deadline at
 * the first call; false with a 400 answered when malformed.
 */
static bool wait_arg(struct akd_request *req, unsigned max, double *seconds,
                     enum MHD_Result *answer)
{
        const char *v = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "wait");
        *seconds = 0;
        if (v == NULL)
                return true;
        size_t n = strspn(v, "0123456789");
        if (n == 0 || n > 3 || v[n] != '\0' || (unsigned)atoi(v) > max) {
                *answer =
                    akd_respond_fail(req, 400, "bad_request",
                                     "wait: must be a whole number of seconds from 0 to %u", max);
                return false;
        }
        *seconds = atoi(v);
        return true;
}

/* ---- POST /v1/signin ---- */

bool akd_signin_start(struct akd_request *req, const struct akd_signin_req *in,
                      struct akd_signin *r, enum MHD_Result *answer)
{
        struct akd_error e = {0};
        struct akd_server *srv = req->srv;
        struct akd_store *st = srv->store;
        const struct akd_config *cfg = srv->cfg;
        bool ok = false;
        struct akd_account *acc = calloc(1, sizeof(*acc));
        memset(r, 0, sizeof(*r));
        if (acc == NULL) {
                *answer = akd_respond_fail(req, 500, "internal", "out of memory");
                goto done;
        }
        enum akd_store_result found = st->ops->account_by_email(st, in->email, acc);
        /* A deleted account (kept for its grace period) signs nothing in. */
        if (found == AKD_STORE_OK && akd_account_deleted(req, acc->id))
                found = AKD_STORE_NOT_FOUND;
        char limit_id[AKD_ACCOUNT_ID_LEN + 1];
        if (found == AKD_STORE_OK) {
                memcpy(r->account_id, acc->id, sizeof(r->account_id));
                memcpy(limit_id, acc->id, sizeof(limit_id));
        } else if (found == AKD_STORE_NOT_FOUND) {
                /* A request no device sees: the answer does not tell who has an account. */
                akd_fake_account_id(req, in->email, limit_id);
        } else {
                *answer = akd_respond_store_failed(req);
                goto done;
        }
        if (!akd_signin_rate_ok(req, limit_id, answer))
                goto done;
        uint8_t id[AK_SIGNIN_ID_LEN / 2];
        randombytes_buf(id, sizeof(id));
        sodium_bin2hex(r->c.request_id, sizeof(r->c.request_id), id, sizeof(id));
        randombytes_buf(r->c.nonce, sizeof(r->c.nonce));
        snprintf(r->c.origin, sizeof(r->c.origin), "%s", srv->origin);
        snprintf(r->c.account, sizeof(r->c.account), "%s", in->email);
        snprintf(r->c.from, sizeof(r->c.from), "%s", req->client);
        snprintf(r->c.app, sizeof(r->c.app), "%s", in->app);
        r->c.created_at = akd_now();
        r->c.expires_at = r->c.created_at + cfg->signin_ttl;
        r->number = AK_SIGNIN_NUMBER_MIN +
                    randombytes_uniform(AK_SIGNIN_NUMBER_MAX - AK_SIGNIN_NUMBER_MIN + 1);
        r->state = AKD_SIGNIN_PENDING;
        char replaced[AK_SIGNIN_ID_LEN + 1];
        int64_t muted_until = 0;
        switch (st->ops->signin_create(st, r, cfg->signin_max, r->c.created_at - cfg->signin_window,
                                       replaced, &muted_until)) {
        case AKD_STORE_OK:
                break;
        case AKD_STORE_MUTED:
                akd_fail(&e, 429, "muted",
                         "a device reported a sign-in request of this account as not its "
                         "owner's; push sign-in is off for %lld more seconds",
                         (long long)(muted_until - r->c.created_at));
                e.retry_after = (long)(muted_until - r->c.created_at);
                *answer = akd_respond_error(req, &e);
                goto done;
        case AKD_STORE_LIMITED:
                akd_fail(&e, 429, "rate_limited",
                         "too many sign-in requests for this account (%u in %lld seconds); try "
                         "again later",
                         cfg->signin_max, (long long)cfg->signin_window);
                e.retry_after = (long)cfg->signin_window;
                *answer = akd_respond_error(req, &e);
                goto done;
        default:
                *answer = akd_respond_store_failed(req);
                goto done;
        }
        ok = true;
done:
        if (acc != NULL)
                sodium_memzero(acc, sizeof(*acc));
        free(acc);
        return ok;
}

enum MHD_Result akd_api_signin_create(struct akd_request *req)
{
        struct akd_error e = {0};
        struct akd_signin_req in;
        if (akd_parse_signin_req(&in, req->body, req->body_len, &e) != 0)
                return akd_respond_error(req, &e);
        struct akd_signin *r = calloc(1, sizeof(*r));
        enum MHD_Result answer;
        if (r == NULL)
                return akd_respond_fail(req, 500, "internal", "out of memory");
        if (akd_signin_start(req, &in, r, &answer))
                answer = akd_respond_json(
                    req, 201,
                    json_pack("{s:s, s:I, s:I}", "request_id", r->c.request_id, "number",
                              (json_int_t)r->number, "expires_at", (json_int_t)r->c.expires_at));
        free(r);
        return answer;
}

/* ---- GET /v1/signin/ID?wait=S ---- */

enum MHD_Result akd_api_signin_get(struct akd_request *req)
{
        struct akd_server *srv = req->srv;
        const char *id = req->path + strlen("/v1/signin/");
        enum MHD_Result answer;
        struct akd_signin r;
        if (!req->wait.active) {
                double wait;
                if (!wait_arg(req, 60, &wait, &answer))
                        return answer;
                req->wait.active = true;
                req->wait.deadline = akd_mono() + wait;
        } else if (akd_wait_suspended(req)) {
                return MHD_YES;
        }
        for (;;) {
                unsigned gen = akd_wait_look(req, id);
                enum akd_store_result res = srv->store->ops->signin_get(srv->store, id, &r);
                if (res == AKD_STORE_NOT_FOUND)
                        return akd_respond_fail(req, 404, "unknown_request",
                                                "there is no sign-in request %.32s", id);
                if (res != AKD_STORE_OK)
                        return akd_respond_store_failed(req);
                int64_t now = akd_now();
                enum akd_signin_state s = state_at(&r, now);
                if (s == AKD_SIGNIN_PENDING) {
                        /* No later than its expiry, so that "expired" comes on time. */
                        double left = (double)(r.c.expires_at - now);
                        if (req->wait.deadline > akd_mono() + left)
                                req->wait.deadline = akd_mono() + left;
                        if (akd_wait(req, id, gen))
                                return MHD_YES;
                        if (akd_wait_gen(srv->waiters, id) != gen &&
                            req->wait.deadline > akd_mono() && !atomic_load(&srv->stopping))
                                continue; /* woken meanwhile: look again */
                }
                return akd_respond_json(req, 200, json_pack("{s:s}", "state", state_words[s]));
        }
}

/* ---- GET /v1/device/requests?wait=S ---- */

/* One request as a device sees it: never the number. */
static json_t *request_json(const struct akd_signin *r)
{
        return json_pack("{s:s, s:o, s:s, s:s, s:s, s:s, s:I, s:I}", "request_id", r->c.request_id,
                         "nonce", akd_b64_json(r->c.nonce, sizeof(r->c.nonce)), "origin",
                         r->c.origin, "account", r->c.account, "from", r->c.from, "app", r->c.app,
                         "created_at", (json_int_t)r->c.created_at, "expires_at",
                         (json_int_t)r->c.expires_at);
}

enum MHD_Result akd_api_device_requests(struct akd_request *req)
{
        struct akd_server *srv = req->srv;
        struct akd_store *st = srv->store;
        enum MHD_Result answer;
        if (!req->wait.active) {
                double wait;
                if (!akd_device_authenticate_verified(req, &answer) ||
                    !wait_arg(req, 30, &wait, &answer))
                        return answer;
                req->wait.active = true;
                req->wait.deadline = akd_mono() + wait;
        } else if (akd_wait_suspended(req)) {
                return MHD_YES;
        }
        const char *account = req->session.account_id;
        for (;;) {
                unsigned gen = akd_wait_look(req, account);
                struct akd_signin *list = NULL;
                size_t count = 0;
                if (req->wait.registered) {
                        /* Woken: a removed device's wait ends with nothing. */
                        struct akd_device d;
                        enum akd_store_result r = st->ops->device_get(st, req->device_id, &d);
                        sodium_memzero(&d, sizeof(d));
                        if (r == AKD_STORE_NOT_FOUND)
                                return akd_respond_json(req, 200, json_pack("{s:[]}", "requests"));
                }
                if (st->ops->signin_pending(st, account, akd_now(), &list, &count) != AKD_STORE_OK)
                        return akd_respond_store_failed(req);
                if (count == 0) {
                        free(list);
                        if (akd_wait(req, account, gen))
                                return MHD_YES;
                        if (akd_wait_gen(srv->waiters, account) != gen &&
                            req->wait.deadline > akd_mono() && !atomic_load(&srv->stopping))
                                continue;
                        return akd_respond_json(req, 200, json_pack("{s:[]}", "requests"));
                }
                json_t *requests = json_array();
                for (size_t i = 0; i < count; i++)
                        json_array_append_new(requests, request_json(&list[i]));
                sodium_memzero(list, count * sizeof(*list));
                free(list);
                return akd_respond_json(req, 200, json_pack("{s:o}", "requests", requests));
        }
}

/* ---- POST /v1/signin/ID/answer ---- */

enum MHD_Result akd_api_signin_answer(struct akd_request *req)
{
        struct akd_server *srv = req->srv;
        struct akd_store *st = srv->store;
        struct akd_error e = {0};
        struct akd_answer_req in;
        enum MHD_Result answer;
        char id[AK_SIGNIN_ID_LEN + 1];
        const char *p = req->path + strlen("/v1/signin/");
        size_t n = strcspn(p, "/");
        if (!akd_device_authenticate_verified(req, &answer))
                return answer;
        if (akd_parse_answer_req(&in, req->body, req->body_len, &e) != 0)
                return akd_respond_error(req, &e);
        struct akd_signin r;
        enum akd_store_result res = AKD_STORE_NOT_FOUND;
        if (n == AK_SIGNIN_ID_LEN) {
                memcpy(id, p, n);
                id[n] = '\0';
                res = st->ops->signin_get(st, id, &r);
        }
        if (res == AKD_STORE_OK && strcmp(r.account_id, req->session.account_id) != 0)
                res = AKD_STORE_NOT_FOUND;
        if (res == AKD_STORE_NOT_FOUND)
                return akd_respond_fail(req, 404, "unknown_request",
                                        "this device's account has no such sign-in request");
        if (res != AKD_STORE_OK)
                return akd_respond_store_failed(req);
        int64_t now = akd_now();
        enum akd_signin_state s = state_at(&r, now);
        if (s == AKD_SIGNIN_APPROVED || s == AKD_SIGNIN_DENIED)
                return akd_respond_fail(req, 409, "already_answered",
                                        "this sign-in request was answered already");
        if (s == AKD_SIGNIN_EXPIRED)
                return akd_respond_fail(req, 410, "expired", "this sign-in request expired");
        if (ak_signin_verify(in.signature, req->device_pk, &r.c, req->device_id, in.decision,
                             in.number) != AK_OK)
                return akd_respond_fail(req, 401, "bad_signature",
                                        "the signature does not answer this request from this "
                                        "device; nothing changed");
        struct akd_signin_answer a = {
            .request_id = id, .account_id = r.account_id, .device_id = req->device_id, .now = now};
        bool wrong = false;
        switch (in.decision) {
        case AK_SIGNIN_APPROVE: {
                unsigned char typed = (unsigned char)in.number, shown = (unsigned char)r.number;
                wrong = sodium_memcmp(&typed, &shown, 1) != 0;
                a.state = wrong ? AKD_SIGNIN_DENIED : AKD_SIGNIN_APPROVED;
                a.event = wrong ? "signin_wrong_number" : "signin_approved";
                break;
        }
        case AK_SIGNIN_DENY:
                a.state = AKD_SIGNIN_DENIED;
                a.event = "signin_denied";
                break;
        case AK_SIGNIN_REPORT:
                a.state = AKD_SIGNIN_DENIED;
                a.event = "signin_reported";
                a.muted_until = now + srv->cfg->signin_mute;
                break;
        }
        switch (st->ops->signin_answer(st, &a)) {
        case AKD_STORE_OK:
                break;
        case AKD_STORE_CONFLICT:
                return akd_respond_fail(req, 409, "already_answered",
                                        "this sign-in request was answered already");
        case AKD_STORE_GONE:
                return akd_respond_fail(req, 410, "expired", "this sign-in request expired");
        case AKD_STORE_NOT_FOUND:
                return akd_respond_fail(req, 404, "unknown_request",
                                        "this device's account has no such sign-in request");
        default:
                return akd_respond_store_failed(req);
        }
        if (wrong) {
                akd_signin_failed(req, r.account_id);
                return akd_respond_json(
                    req, 200, json_pack("{s:s, s:s}", "state", "denied", "reason", "wrong_number"));
        }
        return akd_respond_json(req, 200, json_pack("{s:s}", "state", state_words[a.state]));
}
