/*
 * The recovery account on the server (include/authkeep/client.h): creating
 * it, signing in with SRP-6a, changing its password, signing out. The
 * password, the login and wrap keys and the backup key stay on the device;
 * the requests carry only salts, verifiers, SRP values and wrapped keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/authkeep.h"
#include "client_internal.h"

void ak_session_wipe(struct ak_session *session)
{
        if (session != NULL)
                sodium_memzero(session, sizeof(*session));
}

json_t *ak__client_b64_json(const unsigned char *bin, size_t len)
{
        struct ak__buf b = {0};
        json_t *j = NULL;

        ak__buf_b64(&b, bin, len);
        if (!b.failed)
                j = json_stringn(b.data, b.len);
        ak__buf_free(&b);
        return j;
}

static json_t *wrapped_json(const struct ak_wrapped_key *w)
{
        char nonce[AK_WRAP_NONCE_B64], ct[AK_WRAP_CIPHERTEXT_B64];

        ak_wrapped_key_to_b64(nonce, ct, w);
        return json_pack("{s:s, s:s}", "nonce", nonce, "ciphertext", ct);
}

static json_t *kdf_json(const struct ak_recovery_kdf *kdf)
{
        return json_pack("{s:s, s:o, s:I, s:I}", "alg", AK_RECOVERY_KDF_ALG, "salt",
                         ak__client_b64_json(kdf->salt, sizeof(kdf->salt)), "opslimit",
                         (json_int_t)kdf->opslimit, "memlimit", (json_int_t)kdf->memlimit);
}

/* {kdf, srp_salt, srp_verifier, wrapped_key}: what the server stores for one recovery secret. */
static json_t *credentials_json(const struct ak_recovery_credentials *cred)
{
        return json_pack("{s:o, s:o, s:o, s:o}", "kdf", kdf_json(&cred->kdf), "srp_salt",
                         ak__client_b64_json(cred->srp_salt, sizeof(cred->srp_salt)),
                         "srp_verifier",
                         ak__client_b64_json(cred->srp_verifier, sizeof(cred->srp_verifier)),
                         "wrapped_key", wrapped_json(&cred->wrapped_key));
}

/*
 * The body that sets a password, and a new recovery code when `code_out`
 * is not NULL: {kdf, srp_salt, srp_verifier, wrapped_key[, recovery]},
 * all made on the device from the password, the code and the backup key.
 * On success *out is the JSON object and *code_out (malloc'd, a secret) the
 * code to show once.
 */
static enum ak_err credentials_request(json_t **out, char **code_out, enum ak_kdf_cost cost,
                                       const char *email, const char *password, size_t password_len,
                                       const unsigned char backup_key[AK_BACKUP_KEY_BYTES])
{
        char identity[AK_SRP_IDENTITY_MAX + 1], rec_identity[AK_SRP_IDENTITY_MAX + 1];
        char code[AK_RECOVERY_CODE_SIZE];
        unsigned char code_secret[AK_RECOVERY_CODE_SECRET_BYTES];
        struct ak_recovery_credentials cred, rec;
        struct ak_recovery_kdf kdf;
        char *code_copy = NULL;
        json_t *req = NULL;
        enum ak_err err;

        err = ak_srp_identity(identity, sizeof(identity), email, false);
        if (err == AK_OK)
                err = ak_srp_identity(rec_identity, sizeof(rec_identity), email, true);
        if (err != AK_OK)
                return ak__client_refail(AK_ERR_INVALID, "email", ": ");
        ak_recovery_kdf_default(&kdf, cost); /* the cost only: each secret gets its own salt */
        err = ak_recovery_credentials_make(&cred, identity, (const unsigned char *)password,
                                           password_len, backup_key, &kdf);
        if (err != AK_OK)
                return err;
        req = credentials_json(&cred);
        if (req == NULL)
                return ak__fail(AK_ERR_NOMEM, "password");
        if (code_out != NULL) {
                ak_recovery_code_new(code_secret, code);
                err = ak_recovery_credentials_make(&rec, rec_identity, code_secret,
                                                   sizeof(code_secret), backup_key, &kdf);
                sodium_memzero(code_secret, sizeof(code_secret));
                if (err != AK_OK)
                        goto done;
                code_copy = ak__strdup(code);
                if (code_copy == NULL ||
                    json_object_set_new(req, "recovery", credentials_json(&rec)) != 0) {
                        err = ak__fail(AK_ERR_NOMEM, "recovery code");
                        goto done;
                }
                *code_out = code_copy;
                code_copy = NULL;
        }
        *out = req;
        req = NULL;
done:
        sodium_memzero(code, sizeof(code));
        ak__free_secret_str(code_copy);
        json_decref(req);
        return err;
}

enum ak_err ak_client_create_account(struct ak_client *client, const char *email,
                                     const char *password, size_t password_len,
                                     char **recovery_code)
{
        char identity[AK_SRP_IDENTITY_MAX + 1];
        unsigned char backup_key[AK_BACKUP_KEY_BYTES];
        char *code = NULL;
        json_t *req = NULL;
        enum ak_err err;

        err = ak_srp_identity(identity, sizeof(identity), email, false);
        if (err != AK_OK)
                return ak__client_refail(AK_ERR_INVALID, "email", ": ");
        /* A new backup key, wrapped twice for the server; the device unwraps it at sign-in. */
        ak_backup_key_new(backup_key);
        err = credentials_request(&req, &code, ak__client_kdf_cost(client), email, password,
                                  password_len, backup_key);
        sodium_memzero(backup_key, sizeof(backup_key));
        if (err != AK_OK)
                return err;
        if (json_object_set_new(req, "email", json_string(identity)) != 0) {
                err = ak__fail(AK_ERR_NOMEM, "create account");
                goto done;
        }
        err = ak__client_call(client, "POST", "/v1/accounts", req, false, NULL, NULL);
        if (err != AK_OK)
                goto done;
        *recovery_code = code;
        code = NULL;
done:
        ak__free_secret_str(code);
        json_decref(req);
        return err;
}

/* Derives the login and wrap keys of a password or a typed recovery code. */
static enum ak_err derive_keys(struct ak_recovery_keys *keys, const char *secret, size_t secret_len,
                               bool with_recovery_code, const struct ak_recovery_kdf *kdf)
{
        unsigned char code_secret[AK_RECOVERY_CODE_SECRET_BYTES];
        enum ak_err err;

        if (!with_recovery_code)
                return ak_recovery_derive(keys, (const unsigned char *)secret, secret_len, kdf);
        err = ak_recovery_code_parse(code_secret, secret);
        if (err != AK_OK)
                return AK_ERR_AUTH; /* keeps the detail: which mistake */
        err = ak_recovery_derive(keys, code_secret, sizeof(code_secret), kdf);
        sodium_memzero(code_secret, sizeof(code_secret));
        return err;
}

/*
 * The last step of a sign-in: checks the server's proof M2 before
 * anything else of the answer is trusted, then unwraps the backup key.
 */
static enum ak_err finish_sign_in(struct ak_session *out, struct ak_srp_client *srp,
                                  const struct ak_auth_answer *a,
                                  const unsigned char wrap_key[AK_RECOVERY_KEY_BYTES])
{
        struct ak_session s;

        memset(&s, 0, sizeof(s));
        if (ak_srp_client_verify(srp, a->M2, sizeof(a->M2), NULL) != AK_OK)
                return ak__fail(AK_ERR_PROTOCOL,
                                "sign-in: the server's proof M2 is wrong: it does not hold this "
                                "account's verifier");
        if (ak_backup_key_unwrap(s.backup_key, &a->wrapped_key, wrap_key) != AK_OK)
                return ak__fail(AK_ERR_BACKUP_TAMPERED,
                                "sign-in: the wrapped backup key does not open");
        memcpy(s.token, a->token, sizeof(s.token));
        memcpy(s.account_id, a->account_id, sizeof(s.account_id));
        s.expires_at = a->expires_at;
        *out = s;
        sodium_memzero(&s, sizeof(s));
        return AK_OK;
}

/*
 * Steps 1 and 2 of a sign-in: asks the server for the challenge of `email`'s
 * password (or recovery code), derives the keys from `secret` and makes the
 * proof. On success *proof is {login_id, A, M1} for /v1/auth/finish or a
 * password change, *srp checks the server's M2, and *keys holds the login
 * and wrap keys (wipe them).
 */
static enum ak_err prove(struct ak_client *client, json_t **proof, struct ak_srp_client **srp,
                         struct ak_recovery_keys *keys, const char *email, const char *secret,
                         size_t secret_len, bool with_recovery_code)
{
        char identity[AK_SRP_IDENTITY_MAX + 1], plain_email[AK_SRP_IDENTITY_MAX + 1];
        unsigned char A[AK_SRP_N_BYTES], M1[AK_SRP_HASH_BYTES];
        struct ak_auth_challenge challenge;
        struct ak_srp_client *c = NULL;
        struct ak__buf answer = {0};
        json_t *req;
        enum ak_err err;

        /* The server wants the email itself; the SRP identity adds "#recovery" for a code. */
        err = ak_srp_identity(identity, sizeof(identity), email, with_recovery_code);
        if (err == AK_OK)
                err = ak_srp_identity(plain_email, sizeof(plain_email), email, false);
        if (err != AK_OK)
                return ak__client_refail(AK_ERR_INVALID, "email", ": ");

        /* Step 1: the server's salt, cost and B. */
        req = json_pack("{s:s, s:b}", "email", plain_email, "recovery", with_recovery_code);
        if (req == NULL)
                return ak__fail(AK_ERR_NOMEM, "sign-in");
        err = ak__client_call(client, "POST", "/v1/auth/start", req, false, &answer, NULL);
        json_decref(req);
        if (err == AK_OK)
                err = ak_client_parse_auth_start(&challenge, answer.data, answer.len);
        ak__buf_free(&answer);
        if (err != AK_OK)
                return err;

        /* Step 2: derive the keys, answer with A and the proof M1. */
        err = derive_keys(keys, secret, secret_len, with_recovery_code, &challenge.kdf);
        if (err == AK_OK)
                err = ak_srp_client_new(&c, identity, keys->login_key, sizeof(keys->login_key), A);
        if (err != AK_OK)
                goto done;
        if (ak_srp_client_process(c, challenge.srp_salt, challenge.srp_salt_len, challenge.B,
                                  challenge.B_len, M1) != AK_OK) {
                err = ak__fail(AK_ERR_PROTOCOL, "sign-in: the server's B or salt is malformed");
                goto done;
        }
        *proof =
            json_pack("{s:s, s:o, s:o}", "login_id", challenge.login_id, "A",
                      ak__client_b64_json(A, sizeof(A)), "M1", ak__client_b64_json(M1, sizeof(M1)));
        if (*proof == NULL) {
                err = ak__fail(AK_ERR_NOMEM, "sign-in");
                goto done;
        }
        *srp = c;
        c = NULL;
done:
        ak_srp_client_free(c);
        return err;
}

enum ak_err ak__client_prove(struct ak_client *client, const char *email, const char *secret,
                             size_t secret_len, json_t **proof)
{
        struct ak_recovery_keys keys;
        struct ak_srp_client *srp = NULL;
        enum ak_err err;

        memset(&keys, 0, sizeof(keys));
        err = prove(client, proof, &srp, &keys, email, secret, secret_len, false);
        ak_recovery_keys_wipe(&keys);
        ak_srp_client_free(srp);
        return err;
}

/*
 * A sign-in through `path`: /v1/auth/finish with the proof as the body, or
 * /v1/account/undelete with it as "proof" (and *restored from the answer).
 */
static enum ak_err sign_in_via(struct ak_client *client, struct ak_session *session,
                               const char *email, const char *secret, size_t secret_len,
                               bool with_recovery_code, bool undelete, bool *restored);

enum ak_err ak_client_sign_in(struct ak_client *client, struct ak_session *session,
                              const char *email, const char *secret, size_t secret_len,
                              bool with_recovery_code)
{
        return sign_in_via(client, session, email, secret, secret_len, with_recovery_code, false,
                           NULL);
}

enum ak_err ak_client_account_undelete(struct ak_client *client, struct ak_session *session,
                                       const char *email, const char *password, size_t password_len,
                                       bool *restored)
{
        return sign_in_via(client, session, email, password, password_len, false, true, restored);
}

static enum ak_err sign_in_via(struct ak_client *client, struct ak_session *session,
                               const char *email, const char *secret, size_t secret_len,
                               bool with_recovery_code, bool undelete, bool *restored)
{
        struct ak_auth_answer answer_fields;
        struct ak_recovery_keys keys;
        struct ak_srp_client *srp = NULL;
        struct ak_session s;
        struct ak__buf answer = {0};
        json_t *req = NULL;
        enum ak_err err;

        memset(&keys, 0, sizeof(keys));
        memset(&s, 0, sizeof(s));
        memset(&answer_fields, 0, sizeof(answer_fields));
        err = prove(client, &req, &srp, &keys, email, secret, secret_len, with_recovery_code);
        if (err == AK_OK && undelete) {
                json_t *wrapped = json_pack("{s:o}", "proof", req);

                req = wrapped;
                if (req == NULL)
                        err = ak__fail(AK_ERR_NOMEM, "sign-in");
        }
        if (err != AK_OK)
                goto done;
        err = ak__client_call(client, "POST", undelete ? "/v1/account/undelete" : "/v1/auth/finish",
                              req, false, &answer, NULL);
        if (err == AK_OK)
                err = ak_client_parse_auth_finish(&answer_fields, answer.data, answer.len);
        if (err == AK_OK && restored != NULL) {
                json_t *j = json_loadb(answer.data, answer.len, 0, NULL);

                *restored = json_is_true(json_object_get(j, "restored"));
                json_decref(j);
        }
        ak__buf_free(&answer);
        if (err != AK_OK)
                goto done;

        /* Step 3: check the server's proof, unwrap the backup key. */
        err = finish_sign_in(&s, srp, &answer_fields, keys.wrap_key);
        if (err == AK_OK)
                err = ak_client_set_token(client, s.token);
        if (err == AK_OK)
                *session = s;
done:
        sodium_memzero(&s, sizeof(s));
        sodium_memzero(&answer_fields, sizeof(answer_fields));
        ak_recovery_keys_wipe(&keys);
        ak_srp_client_free(srp);
        json_decref(req);
        return err;
}

enum ak_err ak_client_change_password(struct ak_client *client, const char *email,
                                      const char *current, size_t current_len,
                                      bool current_is_recovery_code, const char *password,
                                      size_t password_len,
                                      const unsigned char backup_key[AK_BACKUP_KEY_BYTES],
                                      char **recovery_code)
{
        struct ak_recovery_keys keys;
        struct ak_srp_client *srp = NULL;
        char *code = NULL;
        json_t *req = NULL, *proof = NULL;
        enum ak_err err;

        memset(&keys, 0, sizeof(keys));
        err = credentials_request(&req, recovery_code != NULL ? &code : NULL,
                                  ak__client_kdf_cost(client), email, password, password_len,
                                  backup_key);
        if (err != AK_OK)
                return err;
        /* The server wants a fresh proof of the current secret besides the session. */
        err = prove(client, &proof, &srp, &keys, email, current, current_len,
                    current_is_recovery_code);
        if (err == AK_OK && json_object_set_new(req, "proof", proof) != 0)
                err = ak__fail(AK_ERR_NOMEM, "password");
        if (err == AK_OK)
                err = ak__client_call(client, "POST", "/v1/password", req, true, NULL, NULL);
        if (err == AK_OK && recovery_code != NULL) {
                *recovery_code = code;
                code = NULL;
        }
        ak_recovery_keys_wipe(&keys);
        ak_srp_client_free(srp);
        ak__free_secret_str(code);
        json_decref(req);
        return err;
}

enum ak_err ak_client_sign_out(struct ak_client *client)
{
        enum ak_err err = ak__client_call(client, "DELETE", "/v1/session", NULL, true, NULL, NULL);

        ak_client_set_token(client, NULL);
        return err;
}
