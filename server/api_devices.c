/*
 * Devices (docs/api.md, "Devices and push sign-in"): a recovery account's
 * session registers, lists and removes them; each device gets its own TOTP
 * secret, whose codes sign in once each (POST /v1/totp/verify), and signs
 * its own calls with its device key (the Device header, checked here
 * against the registered public key, the clock and the nonces seen). The
 * server keeps the public keys and the TOTP secrets, never a private key.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/base32.h"
#include "authkeep/otp.h"
#include "http.h"
#include "lifecycle.h"

#define CLOCK_WINDOW 60 /* seconds a Device header's time may be off */
#define TOTP_PERIOD 30

/* ---- the replay cache ---- */

/*
 * The nonces of the Device headers accepted within the clock window: a
 * nonce is refused while it is remembered; one whose header is past the
 * window can go. A store that several processes share (PostgreSQL) keeps
 * them (nonce_use), for a header accepted by one process must be refused by
 * the others; a store of one process (SQLite) leaves nonce_use NULL, and
 * they are kept here in memory, with no write for each call: in
 * REPLAY_BUCKETS buckets of REPLAY_WAYS entries (6 MiB, resident as it
 * fills). A bucket full of live nonces refuses new calls (503) rather than
 * forget one early.
 */
#define REPLAY_BUCKETS 16384
#define REPLAY_WAYS 16

struct replay {
        uint8_t key[16]; /* BLAKE2b-128 of the device id and the nonce */
        int64_t until;   /* unix seconds; 0: free */
};

struct akd_replays {
        pthread_mutex_t lock;
        struct replay slots[REPLAY_BUCKETS][REPLAY_WAYS];
};

struct akd_replays *akd_replays_new(void)
{
        struct akd_replays *r = calloc(1, sizeof(*r));
        if (r != NULL)
                pthread_mutex_init(&r->lock, NULL);
        return r;
}

void akd_replays_free(struct akd_replays *r)
{
        if (r == NULL)
                return;
        pthread_mutex_destroy(&r->lock);
        free(r);
}

enum replay_result { REPLAY_NEW, REPLAY_SEEN, REPLAY_FULL, REPLAY_ERROR };

/*
 * Remembers the nonce of `a` until `until`, unless it is remembered already:
 * in the store when it keeps nonces, else in `r`.
 */
static enum replay_result replay_check(struct akd_replays *r, struct akd_store *st,
                                       const struct ak_device_auth *a, int64_t now, int64_t until)
{
        uint8_t key[16];
        crypto_generichash_state h;
        crypto_generichash_init(&h, NULL, 0, sizeof(key));
        crypto_generichash_update(&h, (const unsigned char *)a->device_id, strlen(a->device_id));
        crypto_generichash_update(&h, (const unsigned char *)".", 1);
        crypto_generichash_update(&h, (const unsigned char *)a->nonce, strlen(a->nonce));
        crypto_generichash_final(&h, key, sizeof(key));
        if (st->ops->nonce_use != NULL) {
                switch (st->ops->nonce_use(st, key, until, now)) {
                case AKD_STORE_OK:
                        return REPLAY_NEW;
                case AKD_STORE_EXISTS:
                        return REPLAY_SEEN;
                default:
                        return REPLAY_ERROR;
                }
        }
        unsigned b = ((unsigned)key[0] | (unsigned)key[1] << 8) % REPLAY_BUCKETS;
        enum replay_result res = REPLAY_FULL;
        pthread_mutex_lock(&r->lock);
        struct replay *free_slot = NULL;
        for (int i = 0; i < REPLAY_WAYS; i++) {
                struct replay *s = &r->slots[b][i];
                if (s->until < now) {
                        if (free_slot == NULL)
                                free_slot = s;
                } else if (memcmp(s->key, key, sizeof(key)) == 0) {
                        res = REPLAY_SEEN;
                        goto done;
                }
        }
        if (free_slot != NULL) {
                memcpy(free_slot->key, key, sizeof(key));
                free_slot->until = until;
                res = REPLAY_NEW;
        }
done:
        pthread_mutex_unlock(&r->lock);
        return res;
}

/* ---- the Device header ---- */

static bool bad_device(struct akd_request *req, enum MHD_Result *answer, const char *why)
{
        *answer = akd_respond_fail(req, 401, "bad_device", "%s", why);
        return false;
}

bool akd_device_authenticate(struct akd_request *req, enum MHD_Result *answer)
{
        const char *h = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Authorization");
        struct ak_device_auth a;
        if (h == NULL || ak_device_auth_parse(&a, h) != AK_OK)
                return bad_device(req, answer,
                                  "this call needs 'Authorization: Device "
                                  "DEVICE_ID.UNIX_SECONDS.NONCE.SIG'");
        int64_t now = akd_now();
        if (a.at < now - CLOCK_WINDOW || a.at > now + CLOCK_WINDOW)
                return bad_device(req, answer,
                                  "the Device header's time is more than 60 seconds from the "
                                  "server's clock; check the device's clock");
        if (req->target[0] == '\0')
                return bad_device(req, answer, "the request's path is too long");
        struct akd_device d;
        enum akd_store_result r =
            req->srv->store->ops->device_get(req->srv->store, a.device_id, &d);
        if (r == AKD_STORE_ERROR) {
                *answer = akd_respond_store_failed(req);
                return false;
        }
        bool ok =
            r == AKD_STORE_OK && ak_device_auth_verify(&a, d.public_key, req->method, req->target,
                                                       req->body, req->body_len) == AK_OK;
        sodium_memzero(d.totp_secret, sizeof(d.totp_secret));
        if (!ok)
                return bad_device(req, answer,
                                  "unknown or removed device, or a signature that does not "
                                  "match this call");
        int64_t until = a.at + CLOCK_WINDOW + 1;
        switch (replay_check(req->srv->replays, req->srv->store, &a, now, until)) {
        case REPLAY_NEW:
                break;
        case REPLAY_ERROR:
                *answer = akd_respond_store_failed(req);
                return false;
        case REPLAY_SEEN:
                *answer = akd_respond_fail(req, 401, "replayed",
                                           "this Device header was used already; sign each call "
                                           "afresh");
                return false;
        case REPLAY_FULL: {
                struct akd_error e = {0};
                akd_fail(&e, 503, "busy", "too many device calls at once; try again in a second");
                e.retry_after = 1;
                *answer = akd_respond_error(req, &e);
                return false;
        }
        }
        memcpy(req->device_id, d.id, sizeof(req->device_id));
        memcpy(req->device_pk, d.public_key, sizeof(req->device_pk));
        req->device_verified = d.verified_at > 0;
        memcpy(req->session.account_id, d.account_id, sizeof(req->session.account_id));
        if (!akd_account_rate_ok(req, d.account_id, answer))
                return false;
        req->srv->store->ops->device_touch(req->srv->store, d.id, now);
        return true;
}

bool akd_device_authenticate_verified(struct akd_request *req, enum MHD_Result *answer)
{
        if (!akd_device_authenticate(req, answer))
                return false;
        if (req->device_verified)
                return true;
        *answer = akd_respond_fail(req, 403, "verification_needed",
                                   "this device waits for verification: prove the account's "
                                   "password and a code sent to its alternate contact first "
                                   "('authkeep verify')");
        return false;
}

/* ---- POST /v1/devices ---- */

enum MHD_Result akd_api_devices_add(struct akd_request *req)
{
        struct akd_error e = {0};
        struct akd_device_req in;
        if (akd_parse_device_req(&in, req->body, req->body_len, &e) != 0)
                return akd_respond_error(req, &e);
        struct akd_device d = {0};
        memcpy(d.id, in.device_id, sizeof(d.id));
        memcpy(d.account_id, req->session.account_id, sizeof(d.account_id));
        snprintf(d.name, sizeof(d.name), "%s", in.name);
        memcpy(d.public_key, in.public_key, sizeof(d.public_key));
        randombytes_buf(d.totp_secret, sizeof(d.totp_secret));
        d.registered_at = akd_now();
        bool created = false;
        unsigned max = req->srv->cfg->max_devices;
        enum akd_store_result r =
            req->srv->store->ops->device_put(req->srv->store, &d, max, req->client, &created);
        enum MHD_Result answer;
        char secret[40];
        switch (r) {
        case AKD_STORE_OK:
                if (ak_base32_encode(secret, sizeof(secret), d.totp_secret,
                                     sizeof(d.totp_secret)) != AK_OK) {
                        answer = akd_respond_fail(req, 500, "internal", "cannot encode the secret");
                        break;
                }
                answer = akd_respond_json(req, created ? 201 : 200,
                                          json_pack("{s:s, s:s, s:I, s:b}", "device_id", d.id,
                                                    "totp_secret", secret, "registered_at",
                                                    (json_int_t)d.registered_at, "verified",
                                                    d.verified_at > 0));
                sodium_memzero(secret, sizeof(secret));
                break;
        case AKD_STORE_LIMITED:
                akd_fail(&e, 409, "too_many_devices",
                         "this recovery account has %u devices, the most it may have; remove one "
                         "first",
                         max);
                e.extra = json_pack("{s:I}", "max_devices", (json_int_t)max);
                answer = akd_respond_error(req, &e);
                break;
        case AKD_STORE_EXISTS:
                answer = akd_respond_fail(req, 409, "device_taken",
                                          "this device id belongs to another recovery account");
                break;
        default:
                answer = akd_respond_store_failed(req);
        }
        sodium_memzero(&d, sizeof(d));
        return answer;
}

/* ---- GET /v1/devices ---- */

enum MHD_Result akd_api_devices_list(struct akd_request *req)
{
        struct akd_device *list = NULL;
        size_t count = 0;
        if (req->srv->store->ops->device_list(req->srv->store, req->session.account_id, &list,
                                              &count) != AKD_STORE_OK)
                return akd_respond_store_failed(req);
        json_t *devices = json_array();
        for (size_t i = 0; i < count; i++)
                json_array_append_new(
                    devices,
                    json_pack("{s:s, s:s, s:I, s:I, s:b}", "id", list[i].id, "name", list[i].name,
                              "registered", (json_int_t)list[i].registered_at, "last_used",
                              (json_int_t)list[i].last_used, "verified", list[i].verified_at > 0));
        sodium_memzero(list, count * sizeof(*list));
        free(list);
        return akd_respond_json(req, 200, json_pack("{s:o}", "devices", devices));
}

/* ---- DELETE /v1/devices/ID ---- */

bool akd_device_remove(struct akd_request *req, const char *account_id, const char *id, bool forced,
                       const char *force_hint, enum MHD_Result *answer)
{
        switch (req->srv->store->ops->device_remove(req->srv->store, account_id, id, forced,
                                                    akd_now(), req->client)) {
        case AKD_STORE_OK:
                /* Its long-polls look again (the store's hint), find it gone and answer. */
                return true;
        case AKD_STORE_NOT_FOUND:
                *answer = akd_respond_fail(req, 404, "unknown_device",
                                           "this recovery account has no device %.64s", id);
                return false;
        case AKD_STORE_CONFLICT:
                *answer = akd_respond_fail(req, 409, "last_device",
                                           "this is the account's last device: without it no "
                                           "device can answer a sign-in; %s to remove it anyway",
                                           force_hint);
                return false;
        default:
                *answer = akd_respond_store_failed(req);
                return false;
        }
}

enum MHD_Result akd_api_devices_delete(struct akd_request *req)
{
        const char *id = req->path + strlen("/v1/devices/");
        const char *force = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "force");
        bool forced = force != NULL && (strcmp(force, "1") == 0 || strcmp(force, "true") == 0);
        enum MHD_Result answer;
        if (!akd_device_remove(req, req->session.account_id, id, forced, "add ?force=1", &answer))
                return answer;
        return akd_respond_empty(req);
}

/* ---- POST /v1/totp/verify ---- */

static enum MHD_Result bad_code(struct akd_request *req, const char *account_id)
{
        akd_signin_failed(req, account_id);
        return akd_respond_fail(req, 401, "bad_code", "the code is not right");
}

bool akd_totp_check(struct akd_request *req, const struct akd_totp_req *in,
                    char account_id[AKD_ACCOUNT_ID_LEN + 1], char device_id[AK_DEVICE_ID_LEN + 1],
                    enum MHD_Result *answer)
{
        struct akd_store *st = req->srv->store;
        struct akd_account *acc = calloc(1, sizeof(*acc));
        if (acc == NULL) {
                *answer = akd_respond_fail(req, 500, "internal", "out of memory");
                return false;
        }
        enum akd_store_result r = st->ops->account_by_email(st, in->email, acc);
        /* A deleted account (kept for its grace period) signs nothing in. */
        if (r == AKD_STORE_OK && akd_account_deleted(req, acc->id))
                r = AKD_STORE_NOT_FOUND;
        if (r == AKD_STORE_OK)
                memcpy(account_id, acc->id, AKD_ACCOUNT_ID_LEN + 1);
        sodium_memzero(acc, sizeof(*acc));
        free(acc);
        if (r == AKD_STORE_NOT_FOUND) {
                akd_fake_account_id(req, in->email, account_id);
        } else if (r != AKD_STORE_OK) {
                *answer = akd_respond_store_failed(req);
                return false;
        }
        if (!akd_signin_rate_ok(req, account_id, answer) ||
            !akd_signin_allowed(req, account_id, answer))
                return false;
        if (r == AKD_STORE_NOT_FOUND) {
                *answer = bad_code(req, account_id);
                return false;
        }

        struct akd_device *list = NULL;
        size_t count = 0;
        if (st->ops->device_list(st, account_id, &list, &count) != AKD_STORE_OK) {
                *answer = akd_respond_store_failed(req);
                return false;
        }
        int64_t now = akd_now();
        uint64_t step = (uint64_t)now / TOTP_PERIOD;
        const char *accepted = NULL;
        /*
         * Every device and step is computed, so the time does not tell which
         * matched; a device that waits for verification has no valid code.
         */
        for (size_t i = 0; i < count; i++) {
                bool verified = list[i].verified_at > 0;
                for (int k = -1; k <= 1; k++) {
                        char code[AK_CODE_MAX + 1];
                        uint64_t s = step + (uint64_t)(int64_t)k;
                        if (ak_hotp(code, AK_HASH_SHA1, list[i].totp_secret,
                                    sizeof(list[i].totp_secret), s, 6) != AK_OK)
                                continue;
                        bool match = sodium_memcmp(code, in->code, 6) == 0;
                        sodium_memzero(code, sizeof(code));
                        if (match && verified && accepted == NULL && s > list[i].last_step &&
                            st->ops->totp_accept(st, account_id, list[i].id, s, now) ==
                                AKD_STORE_OK)
                                accepted = list[i].id;
                }
        }
        if (accepted != NULL) {
                akd_signin_succeeded(req, account_id);
                memcpy(device_id, accepted, AK_DEVICE_ID_LEN + 1);
        } else {
                *answer = bad_code(req, account_id);
        }
        sodium_memzero(list, count * sizeof(*list));
        free(list);
        return accepted != NULL;
}

enum MHD_Result akd_api_totp_verify(struct akd_request *req)
{
        struct akd_error e = {0};
        struct akd_totp_req in;
        char account_id[AKD_ACCOUNT_ID_LEN + 1], device_id[AK_DEVICE_ID_LEN + 1];
        enum MHD_Result answer;
        if (akd_parse_totp_req(&in, req->body, req->body_len, &e) != 0)
                return akd_respond_error(req, &e);
        if (!akd_totp_check(req, &in, account_id, device_id, &answer))
                return answer;
        return akd_respond_json(req, 200, json_pack("{s:s}", "device_id", device_id));
}

/* ---- GET /v1/events ---- */

enum MHD_Result akd_api_events(struct akd_request *req)
{
        struct akd_event *list = NULL;
        size_t count = 0;
        if (req->srv->store->ops->events_list(req->srv->store, req->session.account_id, &list,
                                              &count) != AKD_STORE_OK)
                return akd_respond_store_failed(req);
        json_t *events = json_array();
        for (size_t i = 0; i < count; i++)
                json_array_append_new(
                    events, json_pack("{s:I, s:s, s:s, s:s, s:s}", "at", (json_int_t)list[i].at,
                                      "kind", list[i].kind, "device_id", list[i].device_id, "from",
                                      list[i].from, "app", list[i].app));
        free(list);
        return akd_respond_json(req, 200, json_pack("{s:o}", "events", events));
}
