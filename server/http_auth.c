/*
 * Who may call, and how often (http_auth.c): the request-rate buckets of an
 * address, an account and a sign-in, and the Bearer session tokens of
 * authenticated routes. http.c calls the address check and the session check
 * for every route before its body is read; handlers call the account and
 * sign-in checks for the account that a call names.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "http.h"

/* ---- request rates ---- */

/* 429 rate_limited for `wait` seconds. */
static enum MHD_Result respond_rate_limited(struct akd_request *req, long wait, const char *who)
{
        struct akd_error e = {0};
        akd_fail(&e, 429, "rate_limited", "too many requests %s; try again in %ld second%s", who,
                 wait, wait == 1 ? "" : "s");
        e.retry_after = wait;
        return akd_respond_error(req, &e);
}

/* Takes one request from `key`'s bucket in `l`, or answers 429 naming `who`. */
static bool rate_ok(struct akd_request *req, struct akd_limiter *l, const char *key, double rate,
                    double burst, const char *who, enum MHD_Result *answer)
{
        long wait = akd_limiter_take(l, key, rate, burst, akd_mono());
        if (wait == 0)
                return true;
        *answer = respond_rate_limited(req, wait, who);
        return false;
}

bool akd_address_rate_ok(struct akd_request *req, enum MHD_Result *answer)
{
        const struct akd_config *cfg = req->srv->cfg;
        return rate_ok(req, req->srv->by_address, req->client_key, cfg->rate_address,
                       cfg->burst_address, "from this address", answer);
}

bool akd_account_rate_ok(struct akd_request *req, const char *account_id, enum MHD_Result *answer)
{
        const struct akd_config *cfg = req->srv->cfg;
        return rate_ok(req, req->srv->by_account, account_id, cfg->rate_account, cfg->burst_account,
                       "for this account", answer);
}

bool akd_signin_rate_ok(struct akd_request *req, const char *account_id, enum MHD_Result *answer)
{
        const struct akd_config *cfg = req->srv->cfg;
        struct akd_store *st = req->srv->store;
        char key[AKD_LIMITER_KEY_MAX + 1];
        long wait = 0;
        /* In the store: every process draws on the same bucket. */
        snprintf(key, sizeof(key), "signin %s %s", account_id, req->client_key);
        if (st->ops->rate_take(st, key, cfg->rate_signin, cfg->burst_signin, akd_wall(), &wait) !=
            AKD_STORE_OK) {
                *answer = akd_respond_store_failed(req);
                return false;
        }
        if (wait == 0)
                return true;
        *answer = respond_rate_limited(req, wait, "for this account from this address");
        return false;
}

/* ---- authentication ---- */

#define TOKEN_BYTES 32

static void hash_token(uint8_t hash[AKD_TOKEN_HASH_LEN], const uint8_t raw[TOKEN_BYTES])
{
        crypto_generichash(hash, AKD_TOKEN_HASH_LEN, raw, TOKEN_BYTES, NULL, 0);
}

void akd_token_new(char token[AKD_TOKEN_LEN + 1], uint8_t hash[AKD_TOKEN_HASH_LEN])
{
        uint8_t raw[TOKEN_BYTES];
        randombytes_buf(raw, sizeof(raw));
        sodium_bin2base64(token, AKD_TOKEN_LEN + 1, raw, sizeof(raw),
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        hash_token(hash, raw);
        sodium_memzero(raw, sizeof(raw));
}

bool akd_token_hash(uint8_t hash[AKD_TOKEN_HASH_LEN], const char *token, size_t len)
{
        uint8_t raw[TOKEN_BYTES];
        size_t raw_len = 0;
        bool ok = len == AKD_TOKEN_LEN &&
                  sodium_base642bin(raw, sizeof(raw), token, len, NULL, &raw_len, NULL,
                                    sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
                  raw_len == sizeof(raw);
        if (ok)
                hash_token(hash, raw);
        sodium_memzero(raw, sizeof(raw));
        return ok;
}

enum akd_store_result akd_session_read(struct akd_request *req)
{
        struct akd_store *st = req->srv->store;
        return st->ops->session_get(st, req->token_hash, akd_now(), &req->session);
}

bool akd_authenticate(struct akd_request *req,
                      enum akd_store_result (*read_session)(struct akd_request *req),
                      enum MHD_Result *answer)
{
        const char *h = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Authorization");
        if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
                *answer =
                    akd_respond_fail(req, 401, "unauthorized",
                                     "this call needs 'Authorization: Bearer <session token>'");
                return false;
        }
        const char *token = h + 7;
        if (!akd_token_hash(req->token_hash, token, strlen(token))) {
                *answer = akd_respond_fail(req, 401, "unauthorized",
                                           "the session token is not 43 base64url characters");
                return false;
        }
        enum akd_store_result r = read_session(req);
        if (r == AKD_STORE_NOT_FOUND) {
                *answer = akd_respond_fail(req, 401, "session_expired",
                                           "the session expired or was revoked; sign in again");
                return false;
        }
        if (r != AKD_STORE_OK) {
                *answer = akd_respond_store_failed(req);
                return false;
        }
        return akd_account_rate_ok(req, req->session.account_id, answer);
}
