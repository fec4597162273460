/*
 * Recovery accounts, SRP sign-in, sessions and password change
 * (docs/api.md §3). The SRP arithmetic is libauthkeep's (authkeep/srp.h);
 * here are the protocol's state and rules: a sign-in in progress lives in
 * memory for login_ttl seconds and is used once; failed proofs slow down and
 * lock out per account and per address; a session token is 32 random bytes
 * of which the store keeps only a BLAKE2b-256 hash.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/srp.h"
#include "http.h"

/* ---- sign-ins in progress ---- */

#define LOGIN_ID_BYTES 16
#define LOGIN_BUCKETS 4096

struct login {
        char id[2 * LOGIN_ID_BYTES + 1];
        double expires; /* monotonic seconds */
        char account_id[AKD_ACCOUNT_ID_LEN + 1];
        char identity[AK_SRP_IDENTITY_MAX + 1];
        bool recovery;
        struct akd_credential cred; /* the one being proved */
        unsigned char b[AK_SRP_EPHEMERAL_BYTES];
        struct login *next;
};

struct akd_logins {
        pthread_mutex_t lock;
        unsigned max, count;
        struct login *buckets[LOGIN_BUCKETS];
};

static void login_free(struct login *l)
{
        if (l != NULL) {
                sodium_memzero(l, sizeof(*l));
                free(l);
        }
}

struct akd_logins *akd_logins_new(unsigned max)
{
        struct akd_logins *ls = calloc(1, sizeof(*ls));
        if (ls == NULL)
                return NULL;
        pthread_mutex_init(&ls->lock, NULL);
        ls->max = max;
        return ls;
}

void akd_logins_free(struct akd_logins *ls)
{
        if (ls == NULL)
                return;
        for (int i = 0; i < LOGIN_BUCKETS; i++) {
                while (ls->buckets[i] != NULL) {
                        struct login *l = ls->buckets[i];
                        ls->buckets[i] = l->next;
                        login_free(l);
                }
        }
        pthread_mutex_destroy(&ls->lock);
        free(ls);
}

static unsigned login_bucket(const char *id)
{
        unsigned h = 0;
        for (; *id != '\0'; id++)
                h = h * 31 + (unsigned char)*id;
        return h % LOGIN_BUCKETS;
}

/* Drops expired sign-ins; caller holds the lock. */
static void logins_sweep(struct akd_logins *ls, double now)
{
        for (int i = 0; i < LOGIN_BUCKETS; i++) {
                struct login **pp = &ls->buckets[i];
                while (*pp != NULL) {
                        if ((*pp)->expires <= now) {
                                struct login *dead = *pp;
                                *pp = dead->next;
                                login_free(dead);
                                ls->count--;
                        } else {
                                pp = &(*pp)->next;
                        }
                }
        }
}

/* Adds `l` (owned from now on); false when the table is full. */
static bool logins_add(struct akd_logins *ls, struct login *l, double now)
{
        pthread_mutex_lock(&ls->lock);
        if (ls->count >= ls->max)
                logins_sweep(ls, now);
        bool ok = ls->count < ls->max;
        if (ok) {
                unsigned b = login_bucket(l->id);
                l->next = ls->buckets[b];
                ls->buckets[b] = l;
                ls->count++;
        }
        pthread_mutex_unlock(&ls->lock);
        return ok;
}

/* Removes and returns the sign-in `id` if it has not expired (caller frees). */
static struct login *logins_take(struct akd_logins *ls, const char *id, double now)
{
        pthread_mutex_lock(&ls->lock);
        struct login **pp = &ls->buckets[login_bucket(id)], *found = NULL;
        for (; *pp != NULL; pp = &(*pp)->next) {
                if (strcmp((*pp)->id, id) == 0) {
                        found = *pp;
                        *pp = found->next;
                        ls->count--;
                        break;
                }
        }
        pthread_mutex_unlock(&ls->lock);
        if (found != NULL && found->expires <= now) {
                login_free(found);
                found = NULL;
        }
        return found;
}

/* ---- shared checks ---- */

/* A verifier the SRP code accepts (below N, not zero); 0 or -1 with a 400. */
static int check_verifier(const struct akd_credential *cr, const char *field, struct akd_error *e)
{
        unsigned char b[AK_SRP_EPHEMERAL_BYTES], B[AK_SRP_N_BYTES];
        enum ak_err err = ak_srp_server_start(b, B, cr->srp_verifier, cr->srp_verifier_len);
        sodium_memzero(b, sizeof(b));
        if (err != AK_OK)
                return akd_fail(e, 400, "bad_request",
                                "%s: not a verifier of the 4096-bit group (0 < v < N)", field);
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
static bool signin_allowed(struct akd_request *req, const char *account_id, enum MHD_Result *answer)
{
        const struct akd_config *cfg = req->srv->cfg;
        struct akd_store *st = req->srv->store;
        struct akd_fail_policy p[AKD_FAIL_SCOPES];
        struct akd_fail_count counts[AKD_FAIL_SCOPES];
        double signed_in_at, now = akd_wall();
        if (st->ops->signin_counts(st, account_id, req->client_key, counts, &signed_in_at) !=
            AKD_STORE_OK) {
                *answer = akd_respond_fail(req, 500, "internal", "the store failed");
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
static void signin_failed(struct akd_request *req, const char *account_id)
{
        struct akd_store *st = req->srv->store;
        struct akd_fail_policy p[AKD_FAIL_SCOPES];
        fail_policies(req->srv->cfg, p);
        st->ops->signin_failed(st, account_id, req->client_key, akd_wall(), p);
}

/* Clears the count of the account from this address, which it now knows. */
static void signin_succeeded(struct akd_request *req, const char *account_id)
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
        uint8_t id[AKD_ACCOUNT_ID_LEN / 2];
        randombytes_buf(id, sizeof(id));
        sodium_bin2hex(acc->id, sizeof(acc->id), id, sizeof(id));
        memcpy(acc->email, in->email, sizeof(acc->email));
        acc->created_at = akd_now();
        acc->password = in->password;
        acc->has_recovery = in->has_recovery;
        acc->recovery = in->recovery;
        switch (req->srv->store->ops->account_create(req->srv->store, acc)) {
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
                answer = akd_respond_fail(req, 500, "internal", "the store failed");
        }
done:
        free(in);
        free(acc);
        return answer;
}

/* ---- POST /v1/auth/start ---- */

enum MHD_Result akd_api_auth_start(struct akd_request *req)
{
        struct akd_error e = {0};
        struct akd_auth_start_req in;
        struct akd_account *acc = calloc(1, sizeof(*acc));
        struct login *l = calloc(1, sizeof(*l));
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
        if (r == AKD_STORE_OK && !akd_signin_rate_ok(req, acc->id, &answer))
                goto done;
        /* A locked address learns nothing, not even whether the email exists. */
        if (!signin_allowed(req, r == AKD_STORE_OK ? acc->id : NULL, &answer))
                goto done;
        if (r == AKD_STORE_NOT_FOUND || (r == AKD_STORE_OK && in.recovery && !acc->has_recovery)) {
                answer = akd_respond_fail(req, 404, "unknown_account",
                                          r == AKD_STORE_NOT_FOUND
                                              ? "no recovery account with this email"
                                              : "this recovery account has no recovery code");
                goto done;
        }
        if (r != AKD_STORE_OK) {
                answer = akd_respond_fail(req, 500, "internal", "the store failed");
                goto done;
        }

        const struct akd_credential *cred = in.recovery ? &acc->recovery : &acc->password;
        if (ak_srp_identity(l->identity, sizeof(l->identity), acc->email, in.recovery) != AK_OK ||
            ak_srp_server_start(l->b, B, cred->srp_verifier, cred->srp_verifier_len) != AK_OK) {
                akd_log_event("account %s: stored verifier refused by SRP", acc->id);
                answer = akd_respond_fail(req, 500, "internal", "the stored verifier is not valid");
                goto done;
        }
        uint8_t id[LOGIN_ID_BYTES];
        randombytes_buf(id, sizeof(id));
        sodium_bin2hex(l->id, sizeof(l->id), id, sizeof(id));
        memcpy(l->account_id, acc->id, sizeof(l->account_id));
        l->recovery = in.recovery;
        l->cred = *cred;
        l->expires = akd_mono() + (double)req->srv->cfg->login_ttl;
        json_t *body = json_pack(
            "{s:s, s:o, s:o, s:o}", "login_id", l->id, "kdf", akd_kdf_json(&cred->kdf), "srp_salt",
            akd_b64_json(cred->srp_salt, cred->srp_salt_len), "B", akd_b64_json(B, sizeof(B)));
        if (!logins_add(req->srv->logins, l, akd_mono())) {
                json_decref(body);
                akd_fail(&e, 503, "busy",
                         "too many sign-ins in progress; try again in %lld seconds",
                         (long long)req->srv->cfg->login_ttl);
                e.retry_after = (long)req->srv->cfg->login_ttl;
                answer = akd_respond_error(req, &e);
                goto done;
        }
        l = NULL; /* owned by the table */
        answer = akd_respond_json(req, 200, body);
done:
        free(acc);
        login_free(l);
        return answer;
}

/* ---- POST /v1/auth/finish ---- */

enum MHD_Result akd_api_auth_finish(struct akd_request *req)
{
        struct akd_error e = {0};
        struct akd_auth_finish_req in;
        struct login *l = NULL;
        enum MHD_Result answer;
        unsigned char M2[AK_SRP_HASH_BYTES];
        char token[AKD_TOKEN_LEN + 1] = "";
        uint8_t hash[AKD_TOKEN_HASH_LEN];

        if (akd_parse_auth_finish_req(&in, req->body, req->body_len, &e) != 0) {
                answer = akd_respond_error(req, &e);
                goto done;
        }
        l = logins_take(req->srv->logins, in.login_id, akd_mono());
        if (l == NULL) {
                answer = akd_respond_fail(req, 401, "login_expired",
                                          "this sign-in is unknown, used or expired; start again");
                goto done;
        }
        if (!akd_signin_rate_ok(req, l->account_id, &answer) ||
            !signin_allowed(req, l->account_id, &answer))
                goto done;
        enum ak_err err = ak_srp_server_finish(
            M2, NULL, l->identity, l->cred.srp_salt, l->cred.srp_salt_len, l->cred.srp_verifier,
            l->cred.srp_verifier_len, l->b, in.A, in.A_len, in.M1, sizeof(in.M1));
        if (err == AK_ERR_AUTH) {
                signin_failed(req, l->account_id);
                answer = akd_respond_fail(req, 401, "bad_password",
                                          l->recovery ? "the recovery code is not right"
                                                      : "the password is not right");
                goto done;
        }
        if (err != AK_OK) {
                answer = akd_respond_fail(req, 400, "bad_request", "A: not a valid SRP value");
                goto done;
        }
        signin_succeeded(req, l->account_id);

        struct akd_session ses = {0};
        memcpy(ses.account_id, l->account_id, sizeof(ses.account_id));
        ses.recovery = l->recovery;
        ses.created_at = akd_now();
        ses.expires_at = ses.created_at + req->srv->cfg->session_ttl;
        akd_token_new(token, hash);
        if (req->srv->store->ops->session_create(req->srv->store, hash, &ses) != AKD_STORE_OK) {
                answer = akd_respond_fail(req, 500, "internal", "the store failed");
                goto done;
        }
        answer = akd_respond_json(req, 200,
                                  json_pack("{s:o, s:s, s:I, s:s, s:b, s:o}", "M2",
                                            akd_b64_json(M2, sizeof(M2)), "session_token", token,
                                            "expires_at", (json_int_t)ses.expires_at, "account_id",
                                            l->account_id, "recovery", l->recovery, "wrapped_key",
                                            akd_wrapped_json(&l->cred.wrapped)));
done:
        sodium_memzero(token, sizeof(token));
        login_free(l);
        return answer;
}

/* ---- sessions ---- */

enum MHD_Result akd_api_session_delete(struct akd_request *req)
{
        enum akd_store_result r =
            req->srv->store->ops->session_delete(req->srv->store, req->token_hash);
        if (r == AKD_STORE_OK || r == AKD_STORE_NOT_FOUND)
                return akd_respond_empty(req);
        return akd_respond_fail(req, 500, "internal", "the store failed");
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
                return akd_respond_fail(req, 500, "internal", "the store failed");
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
                answer = akd_respond_fail(req, 500, "internal", "the store failed");
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

/* ---- POST /v1/password ---- */

enum MHD_Result akd_api_password(struct akd_request *req)
{
        struct akd_error e = {0};
        struct akd_password_req *in = calloc(1, sizeof(*in));
        enum MHD_Result answer;
        if (in == NULL)
                return akd_respond_fail(req, 500, "internal", "out of memory");
        if (akd_parse_password_req(in, req->body, req->body_len, &e) != 0 ||
            check_verifiers(&in->password, in->has_recovery ? &in->recovery : NULL, &e) != 0) {
                answer = akd_respond_error(req, &e);
                goto done;
        }
        /* A recovery code is one-time: changing the password with it uses it up. */
        enum akd_recovery_change change = in->has_recovery        ? AKD_RECOVERY_REPLACE
                                          : req->session.recovery ? AKD_RECOVERY_REMOVE
                                                                  : AKD_RECOVERY_KEEP;
        enum akd_store_result r = req->srv->store->ops->credentials_set(
            req->srv->store, req->session.account_id, &in->password, change, &in->recovery,
            req->token_hash);
        if (r == AKD_STORE_OK)
                answer = akd_respond_empty(req);
        else
                answer = akd_respond_fail(req, 500, "internal", "the store failed");
done:
        free(in);
        return answer;
}
