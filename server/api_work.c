/*
 * Work or school accounts (docs/api.md, "POST /v1/activate"): a device
 * enrols in an organisation with the activation code its administrator
 * issued (`authkeepd admin activation`). The code is single use and
 * expiring; the store keeps only its BLAKE2b-256 hash and takes it by one
 * conditional update together with the device's registration, verified at
 * once. A wrong code counts as a failed sign-in from the address, so that
 * codes cannot be guessed faster than passwords. The device then uses its
 * Device header and per-device code as any other (api_devices.c).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/activation.h"
#include "authkeep/base32.h"
#include "http.h"

/* ---- the body ---- */

/*
 * The string member `key` of `root`, at most `max` bytes: NULL with a 400
 * in `e` when missing, not a string or too long.
 */
static const char *text_member(json_t *root, const char *key, size_t max, struct akd_error *e)
{
        json_t *v = json_object_get(root, key);
        if (v == NULL || json_is_null(v)) {
                akd_fail(e, 400, "bad_request", "%s: missing", key);
                return NULL;
        }
        if (!json_is_string(v)) {
                akd_fail(e, 400, "bad_request", "%s: must be a string", key);
                return NULL;
        }
        if (json_string_length(v) > max) {
                akd_fail(e, 400, "bad_request", "%s: longer than %zu bytes", key, max);
                return NULL;
        }
        return json_string_value(v);
}

int akd_parse_activate_req(struct akd_activate_req *out, const char *body, size_t len,
                           struct akd_error *e)
{
        struct akd_activate_req r;
        memset(&r, 0, sizeof(r));
        json_t *root = akd_parse_json_object(body, len, e);
        if (root == NULL)
                return -1;
        int rc = -1;
        const char *org = text_member(root, "org", sizeof(r.org) - 1, e);
        if (org == NULL)
                goto done;
        if (!ak_activation_org_valid(org) ||
            strlen(org) != json_string_length(json_object_get(root, "org"))) {
                akd_fail(e, 400, "bad_request", "org: 1 to %d letters, digits, '.', '_' or '-'",
                         AK_ACTIVATION_ORG_MAX);
                goto done;
        }
        memcpy(r.org, org, strlen(org) + 1);
        const char *email = text_member(root, "email", AKD_EMAIL_MAX, e);
        if (email == NULL || akd_normalize_email(r.email, email, e) != 0)
                goto done;
        const char *code = text_member(root, "code", sizeof(r.code) - 1, e);
        if (code == NULL)
                goto done;
        if (!ak_activation_code_valid(code)) {
                akd_fail(e, 400, "bad_request", "code: must be %d base32 characters (A-Z, 2-7)",
                         AK_ACTIVATION_CODE_LEN);
                goto done;
        }
        memcpy(r.code, code, AK_ACTIVATION_CODE_LEN + 1);
        /* The device's fields are those of POST /v1/devices, checked by its parser. */
        rc = akd_parse_device_req(&r.device, body, len, e);
done:
        json_decref(root);
        if (rc == 0)
                *out = r;
        sodium_memzero(&r, sizeof(r));
        return rc;
}

/* ---- POST /v1/activate ---- */

/* A refused activation: counted as a failed sign-in of the account (or its stand-in). */
static enum MHD_Result refused(struct akd_request *req, const char *limit_id, unsigned status,
                               const char *code, const char *message)
{
        akd_signin_failed(req, limit_id);
        return akd_respond_fail(req, status, code, "%s", message);
}

enum MHD_Result akd_api_activate(struct akd_request *req)
{
        struct akd_server *srv = req->srv;
        struct akd_store *st = srv->store;
        struct akd_error e = {0};
        struct akd_activate_req *in = calloc(1, sizeof(*in));
        struct akd_account *acc = calloc(1, sizeof(*acc));
        struct akd_device d = {0};
        enum MHD_Result answer;
        char limit_id[AKD_ACCOUNT_ID_LEN + 1], secret[40] = "";
        if (in == NULL || acc == NULL) {
                answer = akd_respond_fail(req, 500, "internal", "out of memory");
                goto done;
        }
        if (akd_parse_activate_req(in, req->body, req->body_len, &e) != 0) {
                answer = akd_respond_error(req, &e);
                goto done;
        }
        enum akd_store_result found = st->ops->account_by_email(st, in->email, acc);
        if (found == AKD_STORE_OK && acc->org_id[0] != '\0') {
                memcpy(limit_id, acc->id, sizeof(limit_id));
        } else if (found == AKD_STORE_OK || found == AKD_STORE_NOT_FOUND) {
                akd_fake_account_id(req, in->email, limit_id);
        } else {
                answer = akd_respond_store_failed(req);
                goto done;
        }
        if (!akd_signin_rate_ok(req, limit_id, &answer) ||
            !akd_signin_allowed(req, limit_id, &answer))
                goto done;

        memcpy(d.id, in->device.device_id, sizeof(d.id));
        snprintf(d.name, sizeof(d.name), "%s", in->device.name);
        memcpy(d.public_key, in->device.public_key, sizeof(d.public_key));
        randombytes_buf(d.totp_secret, sizeof(d.totp_secret));
        struct akd_activate a = {.org = in->org,
                                 .email = in->email,
                                 .device = &d,
                                 .max_devices = srv->cfg->max_devices,
                                 .from = req->client,
                                 .now = akd_now()};
        crypto_generichash(a.code_hash, sizeof(a.code_hash), (const unsigned char *)in->code,
                           strlen(in->code), NULL, 0);
        switch (st->ops->activate(st, &a)) {
        case AKD_STORE_OK:
                break;
        case AKD_STORE_NOT_FOUND:
                answer = refused(req, limit_id, 401, "bad_activation",
                                 "this activation code is not known for this organisation and "
                                 "email; check it, or ask the administrator for a new one");
                goto done;
        case AKD_STORE_CONFLICT:
                answer = refused(req, limit_id, 410, "activation_used",
                                 "this activation code was used already; ask the administrator "
                                 "for a new one");
                goto done;
        case AKD_STORE_GONE:
                answer = refused(req, limit_id, 410, "activation_expired",
                                 "this activation code expired; ask the administrator for a new "
                                 "one");
                goto done;
        case AKD_STORE_DELETED:
                answer = refused(req, limit_id, 403, "user_removed",
                                 "the organisation removed this user; its activation codes no "
                                 "longer work");
                goto done;
        case AKD_STORE_EXISTS:
                answer = akd_respond_fail(req, 409, "device_taken",
                                          "this device id belongs to another account");
                goto done;
        case AKD_STORE_LIMITED:
                akd_fail(&e, 409, "too_many_devices",
                         "this user has %u devices, the most it may have; the administrator can "
                         "remove the user and add it again",
                         srv->cfg->max_devices);
                e.extra = json_pack("{s:I}", "max_devices", (json_int_t)srv->cfg->max_devices);
                answer = akd_respond_error(req, &e);
                goto done;
        default:
                answer = akd_respond_store_failed(req);
                goto done;
        }
        if (ak_base32_encode(secret, sizeof(secret), d.totp_secret, sizeof(d.totp_secret)) !=
            AK_OK) {
                answer = akd_respond_fail(req, 500, "internal", "cannot encode the secret");
                goto done;
        }
        answer = akd_respond_json(req, 201,
                                  json_pack("{s:s, s:s, s:I, s:s, s:s}", "device_id", d.id,
                                            "totp_secret", secret, "registered_at",
                                            (json_int_t)d.registered_at, "org", in->org, "email",
                                            in->email));
done:
        sodium_memzero(secret, sizeof(secret));
        sodium_memzero(&d, sizeof(d));
        if (in != NULL)
                sodium_memzero(in, sizeof(*in));
        free(in);
        if (acc != NULL)
                sodium_memzero(acc, sizeof(*acc));
        free(acc);
        return answer;
}
