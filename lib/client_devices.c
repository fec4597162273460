/*
 * The device's calls to the identity service (include/authkeep/device.h):
 * its account's devices, with the session of the recovery account, and
 * push sign-in's pending requests and answers, with the device header
 * (lib/signin.c). The parsers trust nothing in an answer, as those of
 * client_answers.c; fuzz_client_answers reaches them too.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "authkeep/authkeep.h"
#include "client_internal.h"

/* True when `s` is exactly `len` lower-case hex characters. */
static bool is_hex(const char *s, size_t len)
{
        return s != NULL && strlen(s) == len && strspn(s, "0123456789abcdef") == len;
}

/* ---- parsers ---- */

enum ak_err ak_client_parse_registered(struct ak_device_registered *out, const char *body,
                                       size_t len)
{
        struct ak_device_registered r;
        const char *id, *secret;
        size_t n = 0;
        json_t *j = NULL;
        enum ak_err err;

        memset(&r, 0, sizeof(r));
        err = ak__answer_object(&j, body, len, "device");
        if (err != AK_OK)
                return err;
        id = ak__answer_text(j, "device_id", AK_DEVICE_ID_LEN);
        secret = ak__answer_text(j, "totp_secret", 64);
        if (!is_hex(id, AK_DEVICE_ID_LEN)) {
                err = ak__fail(AK_ERR_PROTOCOL, "device: bad device_id");
                goto done;
        }
        if (secret == NULL ||
            ak_base32_decode(r.totp_secret, sizeof(r.totp_secret), &n, secret, strlen(secret)) !=
                AK_OK ||
            n != AK_DEVICE_TOTP_BYTES) {
                err = ak__fail(AK_ERR_PROTOCOL, "device: totp_secret is not base32 of %d bytes",
                               AK_DEVICE_TOTP_BYTES);
                goto done;
        }
        if (!ak__answer_time(j, "registered_at", &r.registered_at)) {
                err = ak__fail(AK_ERR_PROTOCOL, "device: bad registered_at");
                goto done;
        }
        /* A server from before verification has none: its devices are verified. */
        r.waits = json_is_false(json_object_get(j, "verified"));
        memcpy(r.device_id, id, AK_DEVICE_ID_LEN + 1);
        *out = r;
done:
        sodium_memzero(&r, sizeof(r));
        json_decref(j);
        return err;
}

void ak_device_list_clear(struct ak_device_list *list)
{
        if (list == NULL)
                return;
        free(list->items);
        memset(list, 0, sizeof(*list));
}

enum ak_err ak_client_parse_devices(struct ak_device_list *out, const char *this_device_id,
                                    const char *body, size_t len)
{
        struct ak_device_list tmp = {0};
        json_t *j = NULL, *list;
        enum ak_err err;
        size_t n;

        err = ak__answer_object(&j, body, len, "devices");
        if (err != AK_OK)
                return err;
        list = json_object_get(j, "devices");
        if (!json_is_array(list) || (n = json_array_size(list)) > AK_DEVICES_MAX) {
                err =
                    ak__fail(AK_ERR_PROTOCOL, "devices: no list, or more than %d", AK_DEVICES_MAX);
                goto done;
        }
        if (n > 0 && (tmp.items = calloc(n, sizeof(*tmp.items))) == NULL) {
                err = ak__fail(AK_ERR_NOMEM, "devices");
                goto done;
        }
        for (size_t i = 0; i < n; i++) {
                const json_t *item = json_array_get(list, i);
                struct ak_device_entry *d = &tmp.items[i];
                const char *id = ak__answer_text(item, "id", AK_DEVICE_ID_LEN),
                           *name = ak__answer_text(item, "name", AK_DEVICE_NAME_MAX);

                if (!json_is_object(item) || !is_hex(id, AK_DEVICE_ID_LEN) || name == NULL ||
                    !ak__answer_time(item, "registered", &d->registered) ||
                    !ak__answer_time(item, "last_used", &d->last_used)) {
                        err = ak__fail(AK_ERR_PROTOCOL, "devices: entry %zu is malformed", i);
                        goto done;
                }
                memcpy(d->id, id, AK_DEVICE_ID_LEN + 1);
                memcpy(d->name, name, strlen(name) + 1);
                d->this_device = this_device_id != NULL && strcmp(id, this_device_id) == 0;
                d->verified = !json_is_false(json_object_get(item, "verified"));
                tmp.count++;
        }
        *out = tmp;
        tmp.items = NULL;
done:
        free(tmp.items);
        json_decref(j);
        return err;
}

void ak_signin_requests_clear(struct ak_signin_requests *list)
{
        if (list == NULL)
                return;
        free(list->items);
        memset(list, 0, sizeof(*list));
}

/* Copies a required text member of 1..size-1 bytes; false when absent or bad. */
static bool take_text(char *dst, size_t size, const json_t *obj, const char *key)
{
        const char *s = ak__answer_text(obj, key, size - 1);

        if (s == NULL)
                return false;
        memcpy(dst, s, strlen(s) + 1);
        return true;
}

/* One request: every field the signature covers, exactly as the server sent it. */
static enum ak_err parse_request(struct ak_signin_challenge *c, const json_t *obj, size_t index)
{
        memset(c, 0, sizeof(*c));
        if (!json_is_object(obj) ||
            !take_text(c->request_id, sizeof(c->request_id), obj, "request_id") ||
            !is_hex(c->request_id, AK_SIGNIN_ID_LEN) ||
            !take_text(c->origin, sizeof(c->origin), obj, "origin") ||
            !take_text(c->account, sizeof(c->account), obj, "account") ||
            !take_text(c->from, sizeof(c->from), obj, "from") ||
            !take_text(c->app, sizeof(c->app), obj, "app") ||
            !ak__answer_time(obj, "created_at", &c->created_at) ||
            !ak__answer_time(obj, "expires_at", &c->expires_at) || c->expires_at == 0)
                return ak__fail(AK_ERR_PROTOCOL, "requests: entry %zu is malformed", index);
        if (ak__answer_b64_fixed(c->nonce, sizeof(c->nonce), obj, "nonce", "requests") != AK_OK)
                return ak__fail(AK_ERR_PROTOCOL, "requests: entry %zu has a bad nonce", index);
        return AK_OK;
}

enum ak_err ak_client_parse_requests(struct ak_signin_requests *out, const char *body, size_t len)
{
        struct ak_signin_requests tmp = {0};
        json_t *j = NULL, *list;
        enum ak_err err;
        size_t n;

        err = ak__answer_object(&j, body, len, "requests");
        if (err != AK_OK)
                return err;
        list = json_object_get(j, "requests");
        if (!json_is_array(list) || (n = json_array_size(list)) > AK_SIGNIN_REQUESTS_MAX) {
                err = ak__fail(AK_ERR_PROTOCOL, "requests: no list, or more than %d",
                               AK_SIGNIN_REQUESTS_MAX);
                goto done;
        }
        if (n > 0 && (tmp.items = calloc(n, sizeof(*tmp.items))) == NULL) {
                err = ak__fail(AK_ERR_NOMEM, "requests");
                goto done;
        }
        for (size_t i = 0; i < n; i++) {
                err = parse_request(&tmp.items[i], json_array_get(list, i), i);
                if (err != AK_OK)
                        goto done;
                tmp.count++;
        }
        *out = tmp;
        tmp.items = NULL;
done:
        free(tmp.items);
        json_decref(j);
        return err;
}

void ak_client_parse_error_code(char *code, size_t code_size, uint64_t *max_devices,
                                const char *body, size_t len)
{
        json_t *j = NULL;
        const char *s;

        code[0] = '\0';
        *max_devices = 0;
        if (len == 0 || len > 65536 || ak__answer_object(&j, body, len, "error") != AK_OK) {
                ak_error_clear();
                return;
        }
        if ((s = ak__answer_text(j, "error", 64)) != NULL)
                snprintf(code, code_size, "%s", s);
        if (!ak__answer_uint(j, "max_devices", max_devices))
                *max_devices = 0;
        json_decref(j);
}

enum ak_err ak_client_parse_signin_outcome(enum ak_signin_outcome *out, long status,
                                           const char *body, size_t len)
{
        static const struct {
                const char *code;
                enum ak_signin_outcome outcome;
        } refusals[] = {
            {"already_answered", AK_SIGNIN_ALREADY_ANSWERED},
            {"expired", AK_SIGNIN_EXPIRED},
            {"bad_signature", AK_SIGNIN_NOT_REGISTERED},
            {"bad_device", AK_SIGNIN_NOT_REGISTERED},
            {"unknown_device", AK_SIGNIN_NOT_REGISTERED},
            {"replayed", AK_SIGNIN_REPLAYED},
            {"unknown_request", AK_SIGNIN_UNKNOWN},
            {"not_found", AK_SIGNIN_UNKNOWN},
        };
        char code[65];
        uint64_t ignored;
        json_t *j = NULL;
        const char *state, *reason;
        enum ak_err err;

        if (status >= 200 && status <= 299) {
                err = ak__answer_object(&j, body, len, "answer");
                if (err != AK_OK)
                        return err;
                state = ak__answer_text(j, "state", 32);
                reason = ak__answer_text(j, "reason", 32);
                err = AK_OK;
                if (state != NULL && strcmp(state, "approved") == 0)
                        *out = AK_SIGNIN_APPROVED;
                else if (state != NULL && strcmp(state, "denied") == 0)
                        *out = reason != NULL && strcmp(reason, "wrong_number") == 0
                                   ? AK_SIGNIN_WRONG_NUMBER
                                   : AK_SIGNIN_DENIED;
                else
                        err = ak__fail(AK_ERR_PROTOCOL, "answer: no state");
                json_decref(j);
                return err;
        }
        ak_client_parse_error_code(code, sizeof(code), &ignored, body, len);
        for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
                if (strcmp(code, refusals[i].code) == 0) {
                        *out = refusals[i].outcome;
                        return AK_OK;
                }
        if (status == 409 || status == 410 || status == 401 || status == 404) {
                *out = status == 409   ? AK_SIGNIN_ALREADY_ANSWERED
                       : status == 410 ? AK_SIGNIN_EXPIRED
                       : status == 401 ? AK_SIGNIN_NOT_REGISTERED
                                       : AK_SIGNIN_UNKNOWN;
                return AK_OK;
        }
        {
                long retry;

                return ak_client_parse_error(status, body, len, &retry, NULL);
        }
}

/* ---- calls ---- */

/* The error of a refusal no call gives a meaning of its own. */
static enum ak_err refusal(long status, const struct ak__buf *answer)
{
        long retry;

        return ak_client_parse_error(status, answer->data, answer->len, &retry, NULL);
}

enum ak_err ak__client_register_device(struct ak_client *client, const struct ak_vault *vault,
                                       const char *device_id, const char *name,
                                       struct ak_device_registered *out, uint64_t *max_devices)
{
        unsigned char pk[AK_DEVICE_PK_BYTES];
        struct ak__buf answer = {0};
        char code[65];
        long status = 0;
        json_t *req;
        enum ak_err err;

        *max_devices = 0;
        if (device_id == NULL)
                device_id = ak_vault_device_id(vault);
        ak_vault_device_public_key(vault, pk);
        req = json_pack("{s:s, s:s, s:o}", "device_id", device_id, "name", name, "public_key",
                        ak__client_b64_json(pk, sizeof(pk)));
        if (req == NULL)
                return ak__fail(AK_ERR_NOMEM, "device");
        err = ak__client_exchange(client, "POST", "/v1/devices", req, true, NULL, 0, &status,
                                  &answer);
        json_decref(req);
        if (err != AK_OK)
                return err;
        if (status == 200 || status == 201) {
                err = ak_client_parse_registered(out, answer.data, answer.len);
                if (err == AK_OK && strcmp(out->device_id, device_id) != 0)
                        err = ak__fail(AK_ERR_PROTOCOL, "device: the server registered another id");
                goto done;
        }
        ak_client_parse_error_code(code, sizeof(code), max_devices, answer.data, answer.len);
        if (strcmp(code, "too_many_devices") == 0)
                err = ak__fail(AK_ERR_LIMIT, "the account has %" PRIu64 " devices already",
                               *max_devices);
        else if (status == 404 || status == 405 || status == 501)
                err = ak__fail(AK_ERR_UNSUPPORTED, "the server does not register devices");
        else
                err = refusal(status, &answer);
done:
        ak__buf_free(&answer);
        return err;
}

enum ak_err ak_client_devices(struct ak_client *client, const char *this_device_id,
                              struct ak_device_list *out)
{
        struct ak__buf answer = {0};
        long status = 0;
        enum ak_err err;

        err = ak__client_exchange(client, "GET", "/v1/devices", NULL, true, NULL, 0, &status,
                                  &answer);
        if (err != AK_OK)
                return err;
        if (status == 200)
                err = ak_client_parse_devices(out, this_device_id, answer.data, answer.len);
        else if (status == 404) /* a route of this account is never missing: an older server */
                err = ak__fail(AK_ERR_UNSUPPORTED, "the server does not register devices");
        else
                err = refusal(status, &answer);
        ak__buf_free(&answer);
        return err;
}

enum ak_err ak_client_device_remove(struct ak_client *client, const char *device_id, bool force)
{
        struct ak__buf answer = {0};
        char path[96], code[65];
        uint64_t ignored;
        long status = 0;
        enum ak_err err;

        if (!is_hex(device_id, AK_DEVICE_ID_LEN))
                return ak__fail(AK_ERR_INVALID, "device: '%.64s' is not a device id", device_id);
        snprintf(path, sizeof(path), "/v1/devices/%s%s", device_id, force ? "?force=1" : "");
        err = ak__client_exchange(client, "DELETE", path, NULL, true, NULL, 0, &status, &answer);
        if (err != AK_OK)
                return err;
        ak_client_parse_error_code(code, sizeof(code), &ignored, answer.data, answer.len);
        if (status >= 200 && status <= 299)
                err = AK_OK;
        else if (strcmp(code, "unknown_device") == 0 || (status == 404 && *code == '\0'))
                err = ak__fail(AK_ERR_NOT_FOUND, "the account has no device %s", device_id);
        else if (strcmp(code, "last_device") == 0)
                err = ak__fail(AK_ERR_CONFLICT, "it is the account's last device");
        else
                err = refusal(status, &answer);
        ak__buf_free(&answer);
        return err;
}

enum ak_err ak_device_list_find(const struct ak_device_list *list, const char *query, size_t *index)
{
        size_t found = 0, at = 0;

        for (size_t i = 0; i < list->count; i++)
                if (strcmp(list->items[i].id, query) == 0) {
                        *index = i;
                        return AK_OK;
                }
        for (size_t i = 0; i < list->count; i++)
                if (strcasecmp(list->items[i].name, query) == 0) {
                        found++;
                        at = i;
                }
        if (found == 0)
                return ak__fail(AK_ERR_NOT_FOUND, "no device named '%.64s'", query);
        if (found > 1)
                return ak__fail(AK_ERR_AMBIGUOUS, "%zu devices are named '%.64s'", found, query);
        *index = at;
        return AK_OK;
}

enum ak_err ak_client_signin_requests(struct ak_client *client, const struct ak_vault *vault,
                                      unsigned wait_seconds, int64_t now,
                                      struct ak_signin_requests *out)
{
        return ak_client_signin_requests_as(client, vault, NULL, wait_seconds, now, out);
}

enum ak_err ak_client_signin_requests_as(struct ak_client *client, const struct ak_vault *vault,
                                         const char *device_id, unsigned wait_seconds, int64_t now,
                                         struct ak_signin_requests *out)
{
        struct ak__buf answer = {0};
        char path[64];
        long status = 0;
        enum ak_err err;

        if (wait_seconds > AK_DEVICE_WAIT_MAX)
                return ak__fail(AK_ERR_INVALID, "wait: more than %d s", AK_DEVICE_WAIT_MAX);
        snprintf(path, sizeof(path), "/v1/device/requests?wait=%u", wait_seconds);
        err = ak__client_exchange_as(client, "GET", path, NULL, false, vault, device_id, now,
                                     &status, &answer);
        if (err != AK_OK)
                return err;
        if (status == 200)
                err = ak_client_parse_requests(out, answer.data, answer.len);
        else if (status == 401 || status == 403)
                err = ak__fail(AK_ERR_AUTH, "the server does not know this device");
        else if (status == 404)
                err = ak__fail(AK_ERR_UNSUPPORTED, "the server has no push sign-in");
        else
                err = refusal(status, &answer);
        ak__buf_free(&answer);
        return err;
}

enum ak_err ak_client_signin_answer(struct ak_client *client, const struct ak_vault *vault,
                                    const struct ak_signin_challenge *c,
                                    enum ak_signin_decision decision, unsigned number, int64_t now,
                                    enum ak_signin_outcome *outcome)
{
        return ak_client_signin_answer_as(client, vault, NULL, c, decision, number, now, outcome);
}

enum ak_err ak_client_signin_answer_as(struct ak_client *client, const struct ak_vault *vault,
                                       const char *device_id, const struct ak_signin_challenge *c,
                                       enum ak_signin_decision decision, unsigned number,
                                       int64_t now, enum ak_signin_outcome *outcome)
{
        unsigned char sig[AK_DEVICE_SIG_BYTES];
        struct ak__buf answer = {0};
        char path[96];
        long status = 0;
        json_t *req;
        enum ak_err err;

        if (!is_hex(c->request_id, AK_SIGNIN_ID_LEN))
                return ak__fail(AK_ERR_INVALID, "request: not a request id");
        err = ak_signin_sign_as(sig, vault, device_id, c, decision, number);
        if (err != AK_OK)
                return err;
        req = json_pack("{s:s, s:o}", "decision", ak_signin_decision_name(decision), "signature",
                        ak__client_b64_json(sig, sizeof(sig)));
        if (req != NULL && decision == AK_SIGNIN_APPROVE &&
            json_object_set_new(req, "number", json_integer(number)) != 0) {
                json_decref(req);
                req = NULL;
        }
        if (req == NULL)
                return ak__fail(AK_ERR_NOMEM, "answer");
        snprintf(path, sizeof(path), "/v1/signin/%s/answer", c->request_id);
        err = ak__client_exchange_as(client, "POST", path, req, false, vault, device_id, now,
                                     &status, &answer);
        json_decref(req);
        if (err == AK_OK)
                err = ak_client_parse_signin_outcome(outcome, status, answer.data, answer.len);
        ak__buf_free(&answer);
        return err;
}
