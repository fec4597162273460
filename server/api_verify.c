/*
 * Verification after recovery (docs/api.md, "Verification"). A device
 * registered while its account has a verified device or an alternate
 * contact waits: from that device (its Device header), the person proves
 * who they are with the password (a fresh SRP proof, as a password change
 * takes) and a one-time code sent to an alternate contact; an account
 * without contacts has only its password to prove. Contacts are managed by a verified device of the
 * account (its Device header), and a new one gets a code before it is added, so only a contact the
 * owner controls can receive codes.
 *
 * Codes are 6 digits, valid 10 minutes (code_ttl), single use, void after
 * 5 wrong tries, and kept as a keyed BLAKE2b hash; an account is sent at
 * most one a minute (code_interval) and 5 an hour (codes_per_hour).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "http.h"
#include "notify.h"
#include "verify.h"

#define CODE_TRIES 5

/* The keyed hash a code is kept as, bound to what it is for. 0 or -1. */
static int code_hash(struct akd_store *st, uint8_t out[AKD_CODE_HASH_LEN], const char *account_id,
                     enum akd_code_purpose purpose, const char *target, const char *code)
{
        uint8_t key[32];
        if (st->ops->server_key(st, "verify-codes", key, sizeof(key)) != AKD_STORE_OK)
                return -1;
        crypto_generichash_state h;
        unsigned char p = (unsigned char)purpose;
        crypto_generichash_init(&h, key, sizeof(key), AKD_CODE_HASH_LEN);
        crypto_generichash_update(&h, (const unsigned char *)account_id, strlen(account_id) + 1);
        crypto_generichash_update(&h, &p, 1);
        crypto_generichash_update(&h, (const unsigned char *)target, strlen(target) + 1);
        crypto_generichash_update(&h, (const unsigned char *)code, strlen(code));
        crypto_generichash_final(&h, out, AKD_CODE_HASH_LEN);
        sodium_memzero(key, sizeof(key));
        return 0;
}

/* The email of the request's account into `out`; 0 or -1. */
static int account_email(struct akd_request *req, char out[AKD_EMAIL_MAX + 1])
{
        struct akd_account *acc = calloc(1, sizeof(*acc));
        if (acc == NULL)
                return -1;
        enum akd_store_result r =
            req->srv->store->ops->account_by_id(req->srv->store, req->session.account_id, acc);
        if (r == AKD_STORE_OK)
                snprintf(out, AKD_EMAIL_MAX + 1, "%s", acc->email);
        sodium_memzero(acc, sizeof(*acc));
        free(acc);
        return r == AKD_STORE_OK ? 0 : -1;
}

/* What a code is sent for: the words around it. */
struct code_reason {
        enum akd_code_purpose purpose;
        const char *target;      /* the device id or the contact */
        const char *device_name; /* AKD_CODE_DEVICE */
};

/*
 * Makes a code for `why`, stores it and sends it to `to`; answers 202 with
 * where it went, or the refusal (429 rate_limited, 502 notify_failed, 503
 * notify_unavailable).
 */
static enum MHD_Result send_code(struct akd_request *req, const struct code_reason *why,
                                 enum akd_contact_kind kind, const char *to)
{
        struct akd_store *st = req->srv->store;
        char email[AKD_EMAIL_MAX + 1], masked[AKD_CONTACT_MAX + 8];
        enum akd_notify_kind nk = kind == AKD_CONTACT_PHONE ? AKD_NOTIFY_PHONE : AKD_NOTIFY_EMAIL;
        akd_notify_mask(masked, sizeof(masked), nk, to);
        if (!akd_notifiers_carry(req->srv->notifiers, nk))
                return akd_respond_fail(req, 503, "notify_unavailable",
                                        "this server cannot send codes to %s; ask its "
                                        "administrator to set up --notify",
                                        kind == AKD_CONTACT_PHONE ? "phone numbers"
                                                                  : "email addresses");
        if (account_email(req, email) != 0)
                return akd_respond_store_failed(req);

        struct akd_code k = {.purpose = why->purpose, .kind = kind};
        char code[8];
        snprintf(code, sizeof(code), "%06u", (unsigned)randombytes_uniform(1000000));
        memcpy(k.account_id, req->session.account_id, sizeof(k.account_id));
        snprintf(k.target, sizeof(k.target), "%s", why->target);
        snprintf(k.destination, sizeof(k.destination), "%s", to);
        k.created_at = akd_now();
        k.expires_at = k.created_at + req->srv->cfg->code_ttl;
        if (code_hash(st, k.hash, k.account_id, k.purpose, k.target, code) != 0) {
                sodium_memzero(code, sizeof(code));
                return akd_respond_store_failed(req);
        }
        int64_t retry = 0;
        struct akd_code_policy policy = {.resend_after = req->srv->cfg->code_interval,
                                         .per_hour = req->srv->cfg->codes_per_hour,
                                         .tries = CODE_TRIES};
        enum akd_store_result r = st->ops->code_put(st, &k, &policy, &retry);
        if (r != AKD_STORE_OK) {
                sodium_memzero(code, sizeof(code));
                if (r != AKD_STORE_LIMITED)
                        return akd_respond_store_failed(req);
                struct akd_error e = {0};
                akd_fail(&e, 429, "rate_limited",
                         "a code was sent a moment ago; wait %lld seconds before asking for "
                         "another",
                         (long long)retry);
                e.retry_after = (unsigned)retry;
                return akd_respond_error(req, &e);
        }

        char subject[128], text[1024], valid[32];
        int64_t ttl = req->srv->cfg->code_ttl;
        if (ttl % 60 == 0)
                snprintf(valid, sizeof(valid), "%lld minute%s", (long long)(ttl / 60),
                         ttl == 60 ? "" : "s");
        else
                snprintf(valid, sizeof(valid), "%lld seconds", (long long)ttl);
        snprintf(subject, sizeof(subject), "Your Authkeep code: %s", code);
        if (why->purpose == AKD_CODE_DEVICE)
                snprintf(text, sizeof(text),
                         "Your Authkeep code is %s.\n\n"
                         "Someone signed in to the account %s on %s with its password and asked "
                         "to verify the device \"%s\". Give this code only if that was you; it "
                         "expires in %s.\n\n"
                         "If it was not you, someone else knows your password: change it "
                         "('authkeep backup password').\n",
                         code, email, req->srv->origin, why->device_name, valid);
        else
                snprintf(text, sizeof(text),
                         "Your Authkeep code is %s.\n\n"
                         "This address is being added as an alternate contact of the account %s "
                         "on %s. Give this code only if you asked for it; it expires in %s.\n",
                         code, email, req->srv->origin, valid);
        struct akd_notify_msg m = {
            .kind = nk,
            .to = to,
            .subject = subject,
            .text = text,
            .code = code,
            .purpose = why->purpose == AKD_CODE_DEVICE ? "verify_device" : "add_contact",
            .account = email,
        };
        char err[512] = "";
        int sent = akd_notify_send(req->srv->notifiers, &m, err, sizeof(err));
        sodium_memzero(code, sizeof(code));
        sodium_memzero(subject, sizeof(subject));
        sodium_memzero(text, sizeof(text));
        if (sent != 0) {
                st->ops->code_drop(st, &k);
                /* The reason names the server's relay: it goes to the log, not to the caller. */
                return akd_respond_fail(req, 502, "notify_failed",
                                        "the code could not be sent to %s; try again later (the "
                                        "server's log says why)",
                                        masked);
        }
        return akd_respond_json(req, 202,
                                json_pack("{s:s, s:s, s:I}", "sent_to", masked, "kind",
                                          akd_contact_kind_name(kind), "expires_at",
                                          (json_int_t)k.expires_at));
}

/* The calling device (its Device header proved) into *d; else answers 500 and returns false. */
static bool this_device(struct akd_request *req, struct akd_device *d, enum MHD_Result *answer)
{
        enum akd_store_result r =
            req->srv->store->ops->device_get(req->srv->store, req->device_id, d);
        sodium_memzero(d->totp_secret, sizeof(d->totp_secret));
        if (r == AKD_STORE_OK)
                return true;
        *answer = akd_respond_store_failed(req);
        return false;
}

/* The account's contacts; answers 500 and returns -1 when the store fails. */
static int contacts_of(struct akd_request *req, struct akd_contact **list, size_t *count,
                       enum MHD_Result *answer)
{
        if (req->srv->store->ops->contacts_list(req->srv->store, req->session.account_id, list,
                                                count) == AKD_STORE_OK)
                return 0;
        *answer = akd_respond_store_failed(req);
        return -1;
}

static enum MHD_Result respond_verified(struct akd_request *req)
{
        return akd_respond_json(req, 200, json_pack("{s:b}", "verified", 1));
}

/* ---- POST /v1/verify/start ---- */

/* The contact a code goes to: of the kind asked, else the oldest; NULL when none. */
static const struct akd_contact *pick_contact(const struct akd_contact *list, size_t count,
                                              const struct akd_verify_start_req *in)
{
        for (size_t i = 0; i < count; i++)
                if (!in->has_kind || list[i].kind == in->kind)
                        return &list[i];
        return NULL;
}

enum MHD_Result akd_api_verify_start(struct akd_request *req)
{
        struct akd_error e = {0};
        struct akd_verify_start_req *in = calloc(1, sizeof(*in));
        struct akd_contact *contacts = NULL;
        size_t count = 0;
        struct akd_device d;
        enum MHD_Result answer;
        if (in == NULL)
                return akd_respond_fail(req, 500, "internal", "out of memory");
        if (!akd_device_authenticate(req, &answer))
                goto done;
        if (akd_parse_verify_start_req(in, req->body, req->body_len, &e) != 0) {
                answer = akd_respond_error(req, &e);
                goto done;
        }
        if (!in->has_proof) {
                answer = akd_respond_fail(req, 403, "proof_required",
                                          "verifying a device needs a fresh proof of the "
                                          "password: start a sign-in and send its login_id, A "
                                          "and M1 as 'proof'");
                goto done;
        }
        if (!akd_prove_secret(req, &in->proof, &answer) || !this_device(req, &d, &answer) ||
            contacts_of(req, &contacts, &count, &answer) != 0)
                goto done;
        if (d.verified_at > 0) {
                answer = respond_verified(req);
                goto done;
        }
        if (count == 0) {
                /* Nothing but the password vouches for the account: it is proved. */
                switch (req->srv->store->ops->device_verify_bare(
                    req->srv->store, req->session.account_id, d.id, akd_now(), req->client)) {
                case AKD_STORE_OK:
                        answer = respond_verified(req);
                        break;
                case AKD_STORE_CONFLICT:
                        answer = akd_respond_fail(req, 409, "try_again",
                                                  "an alternate contact was just added; ask "
                                                  "again for a code");
                        break;
                case AKD_STORE_NOT_FOUND:
                        answer = akd_respond_fail(req, 404, "unknown_device",
                                                  "this account has no device %s", d.id);
                        break;
                default:
                        answer = akd_respond_store_failed(req);
                }
                goto done;
        }
        const struct akd_contact *to = pick_contact(contacts, count, in);
        if (to == NULL) {
                akd_fail(&e, 409, "no_contact", "this account has no alternate %s",
                         in->kind == AKD_CONTACT_PHONE ? "phone number" : "email address");
                json_t *kinds = json_array();
                for (size_t i = 0; i < count; i++)
                        if (i == 0 || contacts[i].kind != contacts[0].kind)
                                json_array_append_new(
                                    kinds, json_string(akd_contact_kind_name(contacts[i].kind)));
                e.extra = json_pack("{s:o}", "kinds", kinds);
                answer = akd_respond_error(req, &e);
                goto done;
        }
        struct code_reason why = {
            .purpose = AKD_CODE_DEVICE, .target = d.id, .device_name = d.name};
        answer = send_code(req, &why, to->kind, to->value);
done:
        free(contacts);
        sodium_memzero(in, sizeof(*in));
        free(in);
        return answer;
}

/* ---- using a code ---- */

/* Answers what code_use found: `ok` for the right code, else its refusal. */
static enum MHD_Result use_code(struct akd_request *req, struct akd_code_use *u, const char *code,
                                enum MHD_Result (*ok)(struct akd_request *req,
                                                      struct akd_code_use *u))
{
        struct akd_store *st = req->srv->store;
        struct akd_error e = {0};
        u->account_id = req->session.account_id;
        u->now = akd_now();
        u->max_tries = CODE_TRIES;
        if (code_hash(st, u->hash, u->account_id, u->purpose, u->target, code) != 0)
                return akd_respond_store_failed(req);
        switch (st->ops->code_use(st, u, req->client)) {
        case AKD_STORE_OK:
                return ok(req, u);
        case AKD_STORE_CONFLICT:
                akd_fail(&e, 401, "bad_code", "the code is not right; %u %s left", u->tries_left,
                         u->tries_left == 1 ? "try" : "tries");
                e.extra = json_pack("{s:I}", "tries_left", (json_int_t)u->tries_left);
                return akd_respond_error(req, &e);
        case AKD_STORE_GONE:
                return akd_respond_fail(req, 410, "code_expired",
                                        "this code has expired or was tried too often; ask for "
                                        "a new one");
        case AKD_STORE_NOT_FOUND:
                return akd_respond_fail(req, 404, "no_code",
                                        "no code was sent for this; ask for one first");
        case AKD_STORE_LIMITED:
                return akd_respond_fail(req, 409, "too_many_contacts",
                                        "this account has %d alternate contacts, the most it may "
                                        "have; remove one first",
                                        AKD_CONTACTS_MAX);
        default:
                return akd_respond_store_failed(req);
        }
}

static enum MHD_Result device_verified(struct akd_request *req, struct akd_code_use *u)
{
        (void)u;
        return respond_verified(req);
}

enum MHD_Result akd_api_verify_finish(struct akd_request *req)
{
        struct akd_error e = {0};
        struct akd_verify_finish_req in;
        struct akd_device d;
        enum MHD_Result answer;
        if (!akd_device_authenticate(req, &answer))
                return answer;
        if (akd_parse_verify_finish_req(&in, req->body, req->body_len, &e) != 0)
                return akd_respond_error(req, &e);
        if (this_device(req, &d, &answer)) {
                struct akd_code_use u = {.purpose = AKD_CODE_DEVICE, .target = d.id};
                answer = d.verified_at > 0 ? respond_verified(req)
                                           : use_code(req, &u, in.code, device_verified);
        }
        sodium_memzero(&in, sizeof(in));
        return answer;
}

/* ---- alternate contacts ---- */

static json_t *contact_json(const struct akd_contact *c)
{
        return json_pack("{s:s, s:s, s:I}", "kind", akd_contact_kind_name(c->kind), "value",
                         c->value, "added_at", (json_int_t)c->added_at);
}

enum MHD_Result akd_api_contacts_list(struct akd_request *req)
{
        struct akd_contact *list = NULL;
        size_t count = 0;
        enum MHD_Result answer;
        if (!akd_device_authenticate_verified(req, &answer) ||
            contacts_of(req, &list, &count, &answer) != 0)
                return answer;
        json_t *arr = json_array();
        for (size_t i = 0; i < count; i++)
                json_array_append_new(arr, contact_json(&list[i]));
        free(list);
        return akd_respond_json(req, 200, json_pack("{s:o}", "contacts", arr));
}

enum MHD_Result akd_api_contacts_add(struct akd_request *req)
{
        struct akd_error e = {0};
        struct akd_contact_req in;
        struct akd_contact *list = NULL;
        size_t count = 0;
        enum MHD_Result answer;
        if (!akd_device_authenticate_verified(req, &answer))
                return answer;
        if (akd_parse_contact_req(&in, req->body, req->body_len, &e) != 0)
                return akd_respond_error(req, &e);
        if (contacts_of(req, &list, &count, &answer) != 0)
                return answer;
        bool known = false;
        for (size_t i = 0; i < count; i++)
                known |= strcmp(list[i].value, in.value) == 0;
        free(list);
        if (known)
                return akd_respond_fail(req, 409, "contact_exists",
                                        "%s is an alternate contact of this account already",
                                        in.value);
        if (count >= AKD_CONTACTS_MAX)
                return akd_respond_fail(req, 409, "too_many_contacts",
                                        "this account has %d alternate contacts, the most it may "
                                        "have; remove one first",
                                        AKD_CONTACTS_MAX);
        struct code_reason why = {.purpose = AKD_CODE_CONTACT, .target = in.value};
        return send_code(req, &why, in.kind, in.value);
}

static enum MHD_Result contact_added(struct akd_request *req, struct akd_code_use *u)
{
        return akd_respond_json(req, 201, contact_json(&u->contact));
}

enum MHD_Result akd_api_contacts_confirm(struct akd_request *req)
{
        struct akd_error e = {0};
        struct akd_contact_confirm_req in;
        enum MHD_Result answer;
        if (!akd_device_authenticate_verified(req, &answer))
                return answer;
        if (akd_parse_contact_confirm_req(&in, req->body, req->body_len, &e) != 0)
                return akd_respond_error(req, &e);
        struct akd_code_use u = {.purpose = AKD_CODE_CONTACT, .target = in.value};
        answer = use_code(req, &u, in.code, contact_added);
        sodium_memzero(&in, sizeof(in));
        return answer;
}

enum MHD_Result akd_api_contacts_remove(struct akd_request *req)
{
        struct akd_error e = {0};
        char value[AKD_CONTACT_MAX + 1];
        enum MHD_Result answer;
        if (!akd_device_authenticate_verified(req, &answer))
                return answer;
        const char *v = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "value");
        if (v == NULL)
                return akd_respond_fail(req, 400, "bad_request",
                                        "value: missing (DELETE /v1/contacts?value=...)");
        if (strlen(v) > AKD_CONTACT_MAX || akd_contact_normalize(value, v, NULL, &e) != 0)
                return e.status != 0 ? akd_respond_error(req, &e)
                                     : akd_respond_fail(req, 400, "bad_request", "value: too long");
        if (!akd_contact_remove(req, req->session.account_id, value, &answer))
                return answer;
        return akd_respond_empty(req);
}

bool akd_contact_remove(struct akd_request *req, const char *account_id, const char *value,
                        enum MHD_Result *answer)
{
        switch (req->srv->store->ops->contact_remove(req->srv->store, account_id, value, akd_now(),
                                                     req->client)) {
        case AKD_STORE_OK:
                return true;
        case AKD_STORE_NOT_FOUND:
                *answer = akd_respond_fail(req, 404, "unknown_contact",
                                           "%s is not an alternate contact of this account", value);
                return false;
        default:
                *answer = akd_respond_store_failed(req);
                return false;
        }
}
