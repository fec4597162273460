/*
 * Recovery accounts, SRP sign-in, sessions and password change
 * (docs/api.md §3). The SRP arithmetic is libauthkeep's (authkeep/srp.h);
 * here are the protocol's rules: a sign-in in progress lives in the store
 * for login_ttl seconds and is used once (logins.c); failed proofs slow down and
 * lock out per account and per address; a session token is 32 random bytes
 * of which the store keeps only a BLAKE2b-256 hash.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/backup.h"
#include "authkeep/srp.h"
#include "lifecycle.h"
#include "logins.h"

/* ---- shared checks ---- */

/* A verifier in the group, by comparison only (1 < v < N); 0 or -1 with a 400. */
static int check_verifier(const struct akd_credential *cr, const char *field, struct akd_error *e)
{
        if (ak_srp_check_verifier(cr->srp_verifier, cr->srp_verifier_len) != AK_OK)
                return akd_fail(e, 400, "bad_request",
                                "%s: not a verifier of the 4096-bit group (1 < v < N)", field);
        return 0;
}

/* The password's verifier and the recovery one (when not NULL); 0 or -1 with a 400. */
static int check_verifiers(const struct akd_credential *password,
                           const struct akd_credential *recovery, struct akd_error *e)
{
        if (check_verifier(password, "srp_verifier", e) != 0)
                return -1;
        return recovery != NULL ? check_verifier(recovery, "recovery.srp_verifier", e) : 0;
}

/*
 * The failed sign-in rules of the settings, one per count (enum
 * akd_fail_scope). The whole account's count only locks, and late, so that
 * failures from elsewhere never slow its owner down.
 */
static void fail_policies(const struct akd_config *cfg, struct akd_fail_policy p[AKD_FAIL_SCOPES])
{
        int64_t t = cfg->lockout_time;
        p[AKD_FAIL_ACCOUNT_ADDRESS] =
            (struct akd_fail_policy){cfg->slow_after, cfg->lockout_account_address, t, t};
        p[AKD_FAIL_ACCOUNT] = (struct akd_fail_policy){0, cfg->lockout_account, t, t};
        p[AKD_FAIL_ADDRESS] = (struct akd_fail_policy){cfg->slow_after, cfg->lockout_address, t, t};
}

/* The `scope` of a locked_out answer and the words of its message, per count. */
static const char *const fail_scope_names[AKD_FAIL_SCOPES] = {"account_address", "account",
                                                              "address"};
static const char *const fail_scope_words[AKD_FAIL_SCOPES] = {
    "for this account from this address", "for this account", "from this address"};

/*
 * Refuses a sign-in while one of its counts slows it down or locks it out:
 * answers 429 locked_out (or 500 when the store fails) and returns false. An
 * address that signed in to the account within known_address_ttl is not
 * held by the whole account's count, only by its own.
 */
bool akd_signin_allowed(struct akd_request *req, const char *account_id, enum MHD_Result *answer)
{
        const struct akd_config *cfg = req->srv->cfg;
        struct akd_store *st = req->srv->store;
        struct akd_fail_policy p[AKD_FAIL_SCOPES];
        struct akd_fail_count counts[AKD_FAIL_SCOPES];
        double signed_in_at, now = akd_wall();
        if (st->ops->signin_counts(st, account_id, req->client_key, counts, &signed_in_at) !=
            AKD_STORE_OK) {
                *answer = akd_respond_store_failed(req);
                return false;
        }
        fail_policies(cfg, p);
        bool known = cfg->known_address_ttl > 0 && signed_in_at > 0 &&
                     now - signed_in_at < (double)cfg->known_address_ttl;
        long wait = 0;
        int scope = 0;
        for (int i = 0; i < AKD_FAIL_SCOPES; i++) {
                long w = i == AKD_FAIL_ACCOUNT && known ? 0 : akd_fail_wait(&counts[i], now, &p[i]);
                if (w > wait) {
                        wait = w;
                        scope = i;
                }
        }
        if (wait == 0)
                return true;
        struct akd_error e = {0};
        akd_fail(&e, 429, "locked_out", "too many failed sign-ins %s; try again in %ld second%s",
                 fail_scope_words[scope], wait, wait == 1 ? "" : "s");
        e.retry_after = wait;
        e.extra = json_pack("{s:s}", "scope", fail_scope_names[scope]);
        *answer = akd_respond_error(req, &e);
        return false;
}

/* Counts a failed proof for the account and the address, in the store. */
void akd_signin_failed(struct akd_request *req, const char *account_id)
{
        struct akd_store *st = req->srv->store;
        struct akd_fail_policy p[AKD_FAIL_SCOPES];
        fail_policies(req->srv->cfg, p);
        st->ops->signin_failed(st, account_id, req->client_key, akd_wall(), p);
}

/* Clears the count of the account from this address, which it now knows. */
void akd_signin_succeeded(struct akd_request *req, const char *account_id)
{
        struct akd_store *st = req->srv->store;
        double now = akd_wall();
        st->ops->signin_succeeded(st, account_id, req->client_key, now,
                                  now - (double)req->srv->cfg->known_address_ttl);
}

/* ---- POST /v1/accounts ---- */

enum MHD_Result akd_api_accounts_create(struct akd_request *req)
{
        struct akd_error e = {0};
        struct akd_account_req *in = calloc(1, sizeof(*in));
        struct akd_account *acc = calloc(1, sizeof(*acc));
        enum MHD_Result answer;
        if (in == NULL || acc == NULL) {
                answer = akd_respond_fail(req, 500, "internal", "out of memory");
                goto done;
        }
        if (akd_parse_account_req(in, req->body, req->body_len, &e) != 0 ||
            check_verifiers(&in->password, in->has_recovery ? &in->recovery : NULL, &e) != 0) {
                answer = akd_respond_error(req, &e);
                goto done;
        }
        /* accounts_per_address an hour, in a bucket that refills evenly. */
        double per_hour = (double)req->srv->cfg->accounts_per_address;
        char key[AKD_LIMITER_KEY_MAX + 1];
        snprintf(key, sizeof(key), "create %s", req->client_key);
        long wait = 0;
        if (per_hour > 0 &&
            req->srv->store->ops->rate_take(req->srv->store, key, per_hour / 3600.0, per_hour,
                                            akd_wall(), &wait) != AKD_STORE_OK) {
                answer = akd_respond_store_failed(req);
                goto done;
        }
        if (wait > 0) {
                akd_fail(&e, 429, "rate_limited",
                         "too many recovery accounts created from this address; try again in %ld "
                         "second%s",
                         wait, wait == 1 ? "" : "s");
                e.retry_after = wait;
                answer = akd_respond_error(req, &e);
                goto done;
        }
        uint8_t id[AKD_ACCOUNT_ID_LEN / 2];
        randombytes_buf(id, sizeof(id));
        sodium_bin2hex(acc->id, sizeof(acc->id), id, sizeof(id));
        memcpy(acc->email, in->email, sizeof(acc->email));
        acc->created_at = akd_now();
        acc->password = in->password;
        acc->has_recovery = in->has_recovery;
        acc->recovery = in->recovery;
        /* An email whose account was purged before its grace ended is not taken again yet. */
        uint8_t email_hash[AKD_EMAIL_HASH_LEN];
        int64_t deleted_at = 0;
        akd_email_hash(req->srv, acc->email, email_hash);
        switch (req->srv->store->ops->account_create_fresh(
            req->srv->store, acc, email_hash, akd_grace_since(req->srv, acc->created_at),
            &deleted_at)) {
        case AKD_STORE_GONE:
                akd_fail(&e, 409, "email_reserved",
                         "the recovery account of this email was deleted; the email cannot be used "
                         "for a new one until the grace period of that deletion ends");
                e.extra = json_pack("{s:I}", "reserved_until",
                                    (json_int_t)akd_grace_until(req->srv, deleted_at));
                answer = akd_respond_error(req, &e);
                break;
        case AKD_STORE_OK:
                answer = akd_respond_json(req, 201,
                                          json_pack("{s:s, s:I}", "account_id", acc->id,
                                                    "created_at", (json_int_t)acc->created_at));
                break;
        case AKD_STORE_EXISTS:
                answer = akd_respond_fail(req, 409, "account_exists",
                                          "a recovery account with this email exists; sign in "
                                          "instead");
                break;
        default:
                answer = akd_respond_store_failed(req);
        }
done:
        free(in);
        free(acc);
        return answer;
}

/* ---- POST /v1/auth/start ---- */

/* 429 rate_limited or 503 busy for a sign-in that found no room. */
static enum MHD_Result respond_no_room(struct akd_request *req, enum akd_login_outcome room)
{
        struct akd_error e = {0};
        long ttl = (long)req->srv->cfg->login_ttl;
        const char *whose = room == AKD_LOGIN_ACCOUNT_FULL   ? " for this account"
                            : room == AKD_LOGIN_ADDRESS_FULL ? " from this address"
                                                             : "";
        if (room == AKD_LOGIN_ERROR)
                return akd_respond_store_failed(req);
        akd_fail(&e, room == AKD_LOGIN_FULL ? 503 : 429,
                 room == AKD_LOGIN_FULL ? "busy" : "rate_limited",
                 "too many sign-ins in progress%s; try again in %ld seconds", whose, ttl);
        e.retry_after = ttl;
        return akd_respond_error(req, &e);
}

enum MHD_Result akd_api_auth_start(struct akd_request *req)
{
        struct akd_error e = {0};
        struct akd_auth_start_req in;
        struct akd_logins *ls = req->srv->logins;
        struct akd_account *acc = calloc(1, sizeof(*acc));
        struct akd_login_state *l = calloc(1, sizeof(*l));
        enum MHD_Result answer;
        unsigned char B[AK_SRP_N_BYTES];
        if (acc == NULL || l == NULL) {
                answer = akd_respond_fail(req, 500, "internal", "out of memory");
                goto done;
        }
        if (akd_parse_auth_start_req(&in, req->body, req->body_len, &e) != 0) {
                answer = akd_respond_error(req, &e);
                goto done;
        }
        enum akd_store_result r =
            req->srv->store->ops->account_by_email(req->srv->store, in.email, acc);
        if (r != AKD_STORE_OK && r != AKD_STORE_NOT_FOUND) {
                answer = akd_respond_store_failed(req);
                goto done;
        }
        /* A work user has no password: its email signs in like one without an account. */
        if (r == AKD_STORE_OK && acc->org_id[0] != '\0')
                r = AKD_STORE_NOT_FOUND;
        if (ak_srp_identity(l->identity, sizeof(l->identity), in.email, in.recovery) != AK_OK) {
                answer = akd_respond_fail(req, 400, "bad_request", "email: too long");
                goto done;
        }
        /*
         * An email without an account, and a recovery code that an account
         * does not have, get a challenge like any other (akd_logins_fake_credential):
         * the answer does not tell who has an account or a recovery code.
         */
        if (r == AKD_STORE_OK)
                memcpy(l->account_id, acc->id, sizeof(l->account_id));
        else
                akd_logins_fake_id(ls, in.email, l->account_id);
        if (!akd_signin_rate_ok(req, l->account_id, &answer) ||
            !akd_signin_allowed(req, l->account_id, &answer))
                goto done;
        l->fake = r == AKD_STORE_NOT_FOUND || (in.recovery && !acc->has_recovery);
        if (l->fake)
                akd_logins_fake_credential(ls, l->identity, &l->cred);
        else
                l->cred = in.recovery ? acc->recovery : acc->password;
        l->generation = acc->generation;
        if (ak_srp_server_start(l->b, B, l->cred.srp_verifier, l->cred.srp_verifier_len) != AK_OK) {
                akd_log_event("account %s: stored verifier refused by SRP", l->account_id);
                answer = akd_respond_fail(req, 500, "internal", "the stored verifier is not valid");
                goto done;
        }
        memcpy(l->client, req->client_key, sizeof(l->client));
        l->recovery = in.recovery;
        enum akd_login_outcome room = akd_logins_put(req->srv, l);
        if (room != AKD_LOGIN_OK) {
                answer = respond_no_room(req, room);
                goto done;
        }
        json_t *body =
            json_pack("{s:s, s:o, s:o, s:o}", "login_id", l->id, "kdf", akd_kdf_json(&l->cred.kdf),
                      "srp_salt", akd_b64_json(l->cred.srp_salt, l->cred.srp_salt_len), "B",
                      akd_b64_json(B, sizeof(B)));
        answer = akd_respond_json(req, 200, body);
done:
        sodium_memzero(acc, sizeof(*acc));
        free(acc);
        akd_login_free(l);
        return answer;
}

/* ---- proving a password or a recovery code ---- */

/* 401 login_expired for a proof made before the account's credentials changed. */
static enum MHD_Result respond_moved(struct akd_request *req)
{
        return akd_respond_fail(req, 401, "login_expired",
                                "the password or the recovery code changed, or every session was "
                                "revoked, since this sign-in started; start again");
}

/*
 * Takes the sign-in of `proof` and checks its M1, for /v1/auth/finish and
 * for a password change. On success returns the sign-in (caller frees) with
 * the server's proof in M2; otherwise answers (login_expired, locked_out,
 * bad_password, bad_request) and returns NULL. A fake sign-in fails exactly
 * as a wrong password does.
 */
static struct akd_login_state *prove(struct akd_request *req,
                                     const struct akd_auth_finish_req *proof,
                                     unsigned char M2[AK_SRP_HASH_BYTES], enum MHD_Result *answer)
{
        struct akd_login_state *l = NULL;
        switch (akd_logins_take(req->srv, proof->login_id, &l)) {
        case AKD_LOGIN_OK:
                break;
        case AKD_LOGIN_MOVED:
                *answer = respond_moved(req);
                return NULL;
        case AKD_LOGIN_ERROR:
                *answer = akd_respond_store_failed(req);
                return NULL;
        default:
                *answer = akd_respond_fail(req, 401, "login_expired",
                                           "this sign-in is unknown, used or expired; start again");
                return NULL;
        }
        if (!akd_signin_rate_ok(req, l->account_id, answer) ||
            !akd_signin_allowed(req, l->account_id, answer))
                goto fail;
        enum ak_err err = ak_srp_server_finish(
            M2, NULL, l->identity, l->cred.srp_salt, l->cred.srp_salt_len, l->cred.srp_verifier,
            l->cred.srp_verifier_len, l->b, proof->A, proof->A_len, proof->M1, sizeof(proof->M1));
        if (err == AK_ERR_AUTH || (err == AK_OK && l->fake)) {
                akd_signin_failed(req, l->account_id);
                *answer = akd_respond_fail(req, 401, "bad_password",
                                           l->recovery ? "the recovery code is not right"
                                                       : "the password is not right");
                goto fail;
        }
        if (err != AK_OK) {
                *answer = akd_respond_fail(req, 400, "bad_request", "A: not a valid SRP value");
                goto fail;
        }
        akd_signin_succeeded(req, l->account_id);
        return l;
fail:
        sodium_memzero(M2, AK_SRP_HASH_BYTES);
        akd_login_free(l);
        return NULL;
}

/* ---- POST /v1/auth/finish and POST /v1/account/undelete ---- */

/*
 * Signs in with `in`: a deleted account is refused (410 account_deleted)
 * unless `undelete`, which takes it back within its grace period
 * (lifecycle.c) and says so in "restored".
 */
static enum MHD_Result finish_sign_in(struct akd_request *req, const struct akd_auth_finish_req *in,
                                      bool undelete)
{
        struct akd_login_state *l = NULL;
        enum MHD_Result answer;
        unsigned char M2[AK_SRP_HASH_BYTES];
        char token[AKD_TOKEN_LEN + 1] = "";
        uint8_t hash[AKD_TOKEN_HASH_LEN];
        bool restored = false;

        if ((l = prove(req, in, M2, &answer)) == NULL)
                goto done;
        if (!akd_account_gate(req, l->account_id, undelete, &restored, &answer))
                goto done;

        struct akd_session ses = {0};
        memcpy(ses.account_id, l->account_id, sizeof(ses.account_id));
        ses.recovery = l->recovery;
        ses.created_at = akd_now();
        ses.expires_at = ses.created_at + req->srv->cfg->session_ttl;
        akd_token_new(token, hash);
        /*
         * Only while the credentials are those the sign-in started with; a
         * recovery code's sign-in moves them on, so one proof of the code
         * never gives two sessions.
         */
        switch (req->srv->store->ops->session_create(req->srv->store, hash, &ses, l->generation,
                                                     l->recovery)) {
        case AKD_STORE_OK:
                break;
        case AKD_STORE_MOVED:
        case AKD_STORE_NOT_FOUND:
                answer = respond_moved(req);
                goto done;
        default:
                answer = akd_respond_store_failed(req);
                goto done;
        }
        json_t *body = json_pack(
            "{s:o, s:s, s:I, s:s, s:b, s:o}", "M2", akd_b64_json(M2, sizeof(M2)), "session_token",
            token, "expires_at", (json_int_t)ses.expires_at, "account_id", l->account_id,
            "recovery", l->recovery, "wrapped_key", akd_wrapped_json(&l->cred.wrapped));
        if (undelete)
                json_object_set_new(body, "restored", json_boolean(restored));
        answer = akd_respond_json(req, 200, body);
done:
        sodium_memzero(token, sizeof(token));
        sodium_memzero(M2, sizeof(M2));
        akd_login_free(l);
        return answer;
}

enum MHD_Result akd_api_auth_finish(struct akd_request *req)
{
        struct akd_error e = {0};
        struct akd_auth_finish_req in;
        if (akd_parse_auth_finish_req(&in, req->body, req->body_len, &e) != 0)
                return akd_respond_error(req, &e);
        return finish_sign_in(req, &in, false);
}

enum MHD_Result akd_api_account_undelete(struct akd_request *req)
{
        struct akd_error e = {0};
        struct akd_undelete_req in;
        if (akd_parse_undelete_req(&in, req->body, req->body_len, &e) != 0)
                return akd_respond_error(req, &e);
        return finish_sign_in(req, &in.proof, true);
}

/* ---- sessions ---- */

enum MHD_Result akd_api_session_delete(struct akd_request *req)
{
        enum akd_store_result r =
            req->srv->store->ops->session_delete(req->srv->store, req->token_hash);
        if (r == AKD_STORE_OK || r == AKD_STORE_NOT_FOUND)
                return akd_respond_empty(req);
        return akd_respond_store_failed(req);
}

enum MHD_Result akd_api_sessions_revoke(struct akd_request *req)
{
        if (req->body_len > 0) {
                struct akd_error e = {0};
                json_t *root = akd_parse_json_object(req->body, req->body_len, &e);
                if (root == NULL)
                        return akd_respond_error(req, &e);
                json_decref(root);
        }
        if (req->srv->store->ops->session_delete_all(req->srv->store, req->session.account_id) !=
            AKD_STORE_OK)
                return akd_respond_store_failed(req);
        return akd_respond_empty(req);
}

/* ---- GET /v1/account ---- */

enum MHD_Result akd_api_account_get(struct akd_request *req)
{
        struct akd_account *acc = calloc(1, sizeof(*acc));
        unsigned sessions = 0;
        enum MHD_Result answer;
        struct akd_store *st = req->srv->store;
        if (acc == NULL)
                return akd_respond_fail(req, 500, "internal", "out of memory");
        if (st->ops->account_by_id(st, req->session.account_id, acc) != AKD_STORE_OK ||
            st->ops->session_count(st, acc->id, akd_now(), &sessions) != AKD_STORE_OK)
                answer = akd_respond_store_failed(req);
        else
                answer = akd_respond_json(req, 200,
                                          json_pack("{s:s, s:s, s:I, s:b, s:I}", "account_id",
                                                    acc->id, "email", acc->email, "created_at",
                                                    (json_int_t)acc->created_at,
                                                    "has_recovery_code", acc->has_recovery,
                                                    "sessions", (json_int_t)sessions));
        free(acc);
        return answer;
}

bool akd_prove_secret(struct akd_request *req, const struct akd_auth_finish_req *proof,
                      enum MHD_Result *answer)
{
        unsigned char M2[AK_SRP_HASH_BYTES];
        struct akd_login_state *l = prove(req, proof, M2, answer);
        sodium_memzero(M2, sizeof(M2));
        if (l == NULL)
                return false;
        bool own = strcmp(l->account_id, req->session.account_id) == 0;
        akd_login_free(l);
        if (!own)
                *answer = akd_respond_fail(req, 403, "proof_required",
                                           "the proof is for another account than this "
                                           "session's");
        return own;
}

/* ---- POST /v1/password ---- */

enum MHD_Result akd_api_password(struct akd_request *req)
{
        struct akd_error e = {0};
        struct akd_password_req *in = calloc(1, sizeof(*in));
        struct akd_login_state *l = NULL;
        unsigned char M2[AK_SRP_HASH_BYTES];
        enum MHD_Result answer;
        if (in == NULL)
                return akd_respond_fail(req, 500, "internal", "out of memory");
        if (akd_parse_password_req(in, req->body, req->body_len, &e) != 0 ||
            check_verifiers(&in->password, in->has_recovery ? &in->recovery : NULL, &e) != 0) {
                answer = akd_respond_error(req, &e);
                goto done;
        }
        /* A session token alone is not enough: whoever holds one must also prove a secret. */
        if (!in->has_proof) {
                answer = akd_respond_fail(
                    req, 403, "proof_required",
                    "changing the password needs a proof of the current password or of the "
                    "recovery code: start a sign-in for it and send its login_id, A and M1 as "
                    "'proof'");
                goto done;
        }
        if ((l = prove(req, &in->proof, M2, &answer)) == NULL)
                goto done;
        if (strcmp(l->account_id, req->session.account_id) != 0) {
                answer = akd_respond_fail(req, 403, "proof_required",
                                          "the proof is for another recovery account than this "
                                          "session's");
                goto done;
        }
        /* A recovery code is one-time: changing the password with it uses it up. */
        enum akd_recovery_change change = in->has_recovery ? AKD_RECOVERY_REPLACE
                                          : l->recovery || req->session.recovery
                                              ? AKD_RECOVERY_REMOVE
                                              : AKD_RECOVERY_KEEP;
        switch (req->srv->store->ops->credentials_set(req->srv->store, req->session.account_id,
                                                      l->generation, &in->password, change,
                                                      &in->recovery, req->token_hash)) {
        case AKD_STORE_OK:
                answer = akd_respond_empty(req);
                break;
        case AKD_STORE_MOVED:
        case AKD_STORE_NOT_FOUND:
                answer = respond_moved(req);
                break;
        default:
                answer = akd_respond_store_failed(req);
        }
done:
        sodium_memzero(M2, sizeof(M2));
        akd_login_free(l);
        free(in);
        return answer;
}

void akd_fake_account_id(struct akd_request *req, const char *email,
                         char out[AKD_ACCOUNT_ID_LEN + 1])
{
        akd_logins_fake_id(req->srv->logins, email, out);
}
