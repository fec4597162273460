/*
 * A small SRP client for authkeepd's tests, built on libauthkeep's SRP
 * (authkeep/srp.h) and libcurl:
 *
 *   srp_tool credential EMAIL KEY_HEX [recovery]
 *       prints {"kdf", "srp_salt", "srp_verifier", "wrapped_key"} for a login
 *       key (random KDF salt and wrapped key: the server only stores them)
 *   srp_tool signin URL EMAIL KEY_HEX [recovery] [CACERT]
 *       signs in through /v1/auth/start and /v1/auth/finish, checks M2, and
 *       prints the answer of /v1/auth/finish; on an HTTP error prints the
 *       server's body and exits 2; a wrong M2 exits 3
 *   srp_tool proof URL EMAIL KEY_HEX [recovery] [CACERT]
 *       starts a sign-in and prints its proof {"login_id", "A", "M1"} without
 *       finishing it (for a password change); exits 2 as signin does
 *   srp_tool accounts URL PREFIX N
 *       creates PREFIX1@example.com .. PREFIXN@example.com (random login
 *       keys) and signs each in; prints "KEY_HEX SESSION_TOKEN" a line, in
 *       order; on a failure prints the server's body and exits 2
 *
 * and a device for push sign-in, from a vault file of libauthkeep's
 * (passphrase "test", the test-only KDF cost), through authkeep/signin.h:
 *
 *   srp_tool device-new VAULT
 *       makes the vault; prints {"device_id", "public_key"} (base64)
 *   srp_tool device-header VAULT METHOD PATH [BODY [AT_OFFSET]]
 *       prints the value of the Device header of that call (PATH with its
 *       query), signed now (+ AT_OFFSET seconds)
 *   srp_tool device-answer VAULT CHALLENGE_JSON DECISION NUMBER
 *       prints the body {"decision", "number", "signature"} that answers a
 *       request as GET /v1/device/requests lists it ("number" only for
 *       approve)
 *   srp_tool totp BASE32_SECRET [STEP_OFFSET]
 *       prints the 6-digit SHA-1 TOTP code of now (+ STEP_OFFSET steps)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include <time.h>

#include "authkeep/base32.h"
#include "authkeep/otp.h"
#include "authkeep/signin.h"
#include "authkeep/srp.h"
#include "authkeep/vault.h"

struct buf {
        char *data;
        size_t len;
};

static size_t on_data(char *ptr, size_t size, size_t n, void *cls)
{
        struct buf *b = cls;
        char *grown = realloc(b->data, b->len + size * n + 1);
        if (grown == NULL)
                return 0;
        memcpy(grown + b->len, ptr, size * n);
        b->data = grown;
        b->len += size * n;
        b->data[b->len] = '\0';
        return size * n;
}

/* POSTs `body` to URL+path; returns the HTTP status and the answer in *out. */
static long post(const char *url, const char *path, const char *body, const char *cacert,
                 struct buf *out)
{
        char full[1024];
        snprintf(full, sizeof(full), "%s%s", url, path);
        CURL *c = curl_easy_init();
        struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
        long status = 0;
        out->data = NULL;
        out->len = 0;
        curl_easy_setopt(c, CURLOPT_URL, full);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
        if (cacert != NULL)
                curl_easy_setopt(c, CURLOPT_CAINFO, cacert);
        if (curl_easy_perform(c) == CURLE_OK)
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        if (out->data == NULL)
                out->data = strdup("");
        return status;
}

static char *b64(const unsigned char *data, size_t len)
{
        size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
        char *s = malloc(n);
        sodium_bin2base64(s, n, data, len, sodium_base64_VARIANT_ORIGINAL);
        return s;
}

static int unb64(unsigned char *out, size_t max, size_t *len, const char *s)
{
        return s == NULL ? -1
                         : sodium_base642bin(out, max, s, strlen(s), NULL, len, NULL,
                                             sodium_base64_VARIANT_ORIGINAL);
}

static int die(const char *msg)
{
        fprintf(stderr, "srp_tool: %s\n", msg);
        return 1;
}

/*
 * The body of POST /v1/accounts for a login key, without the email: the
 * caller owns the object (json_decref). NULL on a bad email.
 */
static json_t *credential_json(const char *email, const unsigned char *key, size_t key_len,
                               bool recovery)
{
        char identity[AK_SRP_IDENTITY_MAX + 1];
        unsigned char salt[AK_SRP_SALT_BYTES], v[AK_SRP_N_BYTES], kdf_salt[16], nonce[24], ct[48];
        if (ak_srp_identity(identity, sizeof(identity), email, recovery) != AK_OK)
                return NULL;
        ak_srp_salt(salt);
        if (ak_srp_verifier(v, identity, salt, sizeof(salt), key, key_len) != AK_OK)
                return NULL;
        randombytes_buf(kdf_salt, sizeof(kdf_salt));
        randombytes_buf(nonce, sizeof(nonce));
        randombytes_buf(ct, sizeof(ct));
        char *ks = b64(kdf_salt, 16), *ss = b64(salt, sizeof(salt)), *vs = b64(v, sizeof(v));
        char *ns = b64(nonce, 24), *cs = b64(ct, 48);
        json_t *j = json_pack("{s:{s:s, s:s, s:i, s:i}, s:s, s:s, s:{s:s, s:s}}", "kdf", "alg",
                              "argon2id13", "salt", ks, "opslimit", 1, "memlimit", 8192, "srp_salt",
                              ss, "srp_verifier", vs, "wrapped_key", "nonce", ns, "ciphertext", cs);
        free(ks);
        free(ss);
        free(vs);
        free(ns);
        free(cs);
        return j;
}

static int credential(const char *email, const unsigned char *key, size_t key_len, bool recovery)
{
        json_t *j = credential_json(email, key, key_len, recovery);
        if (j == NULL)
                return die("bad email or verifier failed");
        char *text = json_dumps(j, JSON_COMPACT);
        puts(text);
        free(text);
        json_decref(j);
        return 0;
}

/*
 * Starts a sign-in and computes its proof into `body` ({"login_id", "A",
 * "M1"}); *client is the SRP client, for M2. Returns 0, 2 (the server's
 * answer printed) or 1.
 */
static int start_proof(const char *url, const char *email, const unsigned char *key, size_t key_len,
                       bool recovery, const char *cacert, char *body, size_t size,
                       struct ak_srp_client **client)
{
        char identity[AK_SRP_IDENTITY_MAX + 1];
        unsigned char A[AK_SRP_N_BYTES], B[AK_SRP_N_BYTES], salt[AK_SRP_SALT_MAX], M1[32];
        size_t B_len, salt_len;
        struct buf ans;
        if (ak_srp_identity(identity, sizeof(identity), email, recovery) != AK_OK)
                return die("bad email");
        snprintf(body, size, "{\"email\":\"%s\",\"recovery\":%s}", email,
                 recovery ? "true" : "false");
        long st = post(url, "/v1/auth/start", body, cacert, &ans);
        if (st != 200) {
                printf("%s\n", ans.data);
                free(ans.data);
                return 2;
        }
        json_t *start = json_loads(ans.data, 0, NULL);
        free(ans.data);
        const char *login_id = json_string_value(json_object_get(start, "login_id"));
        if (login_id == NULL ||
            unb64(B, sizeof(B), &B_len, json_string_value(json_object_get(start, "B"))) != 0 ||
            unb64(salt, sizeof(salt), &salt_len,
                  json_string_value(json_object_get(start, "srp_salt"))) != 0)
                return die("malformed start answer");
        if (ak_srp_client_new(client, identity, key, key_len, A) != AK_OK ||
            ak_srp_client_process(*client, salt, salt_len, B, B_len, M1) != AK_OK)
                return die("SRP client failed");
        char *a64 = b64(A, sizeof(A)), *m64 = b64(M1, sizeof(M1));
        snprintf(body, size, "{\"login_id\":\"%s\",\"A\":\"%s\",\"M1\":\"%s\"}", login_id, a64,
                 m64);
        free(a64);
        free(m64);
        json_decref(start);
        return 0;
}

static int proof(const char *url, const char *email, const unsigned char *key, size_t key_len,
                 bool recovery, const char *cacert)
{
        char body[4096];
        struct ak_srp_client *client = NULL;
        int rc =
            start_proof(url, email, key, key_len, recovery, cacert, body, sizeof(body), &client);
        if (rc == 0)
                printf("%s\n", body);
        ak_srp_client_free(client);
        return rc;
}

/*
 * Signs in and checks M2; *answer is the answer of /v1/auth/finish, or the
 * server's body of a failed call (the caller frees it; NULL on a local
 * failure). Returns 0, 2 (an HTTP error), 3 (a wrong M2) or 1.
 */
static int signin_answer(const char *url, const char *email, const unsigned char *key,
                         size_t key_len, bool recovery, const char *cacert, char **answer)
{
        char body[4096];
        unsigned char M2[32];
        size_t M2_len;
        struct ak_srp_client *client = NULL;
        struct buf ans;
        *answer = NULL;
        int rc =
            start_proof(url, email, key, key_len, recovery, cacert, body, sizeof(body), &client);
        if (rc != 0) {
                ak_srp_client_free(client);
                return rc;
        }
        long st = post(url, "/v1/auth/finish", body, cacert, &ans);
        *answer = ans.data;
        if (st != 200) {
                ak_srp_client_free(client);
                return 2;
        }
        json_t *fin = json_loads(ans.data, 0, NULL);
        if (unb64(M2, sizeof(M2), &M2_len, json_string_value(json_object_get(fin, "M2"))) != 0 ||
            ak_srp_client_verify(client, M2, M2_len, NULL) != AK_OK) {
                fprintf(stderr, "srp_tool: the server's M2 is wrong\n");
                rc = 3;
        }
        json_decref(fin);
        ak_srp_client_free(client);
        return rc;
}

static int signin(const char *url, const char *email, const unsigned char *key, size_t key_len,
                  bool recovery, const char *cacert)
{
        char *answer;
        int rc = signin_answer(url, email, key, key_len, recovery, cacert, &answer);
        if (answer != NULL && rc != 3)
                printf("%s\n", answer);
        free(answer);
        return rc;
}

/*
 * Creates the accounts PREFIX1@example.com .. PREFIXn@example.com, each with
 * a random login key, and signs each in: one line "KEY_HEX SESSION_TOKEN"
 * per account, in order. One process for many accounts, instead of a few
 * process starts each. Stops at the first failure with the server's body
 * (exit 2) or a message (exit 1 or 3).
 */
static int accounts(const char *url, const char *prefix, const char *count)
{
        long n = atol(count);
        if (n < 1 || n > 100000)
                return die("N: 1 to 100000");
        for (long i = 1; i <= n; i++) {
                char email[256], hex[65];
                unsigned char key[32];
                struct buf ans;
                snprintf(email, sizeof(email), "%s%ld@example.com", prefix, i);
                randombytes_buf(key, sizeof(key));
                json_t *j = credential_json(email, key, sizeof(key), false);
                if (j == NULL)
                        return die("bad email");
                json_object_set_new(j, "email", json_string(email));
                char *body = json_dumps(j, JSON_COMPACT);
                json_decref(j);
                long st = post(url, "/v1/accounts", body, NULL, &ans);
                free(body);
                if (st != 201) {
                        printf("%s: %ld %s\n", email, st, ans.data);
                        free(ans.data);
                        return 2;
                }
                free(ans.data);
                char *answer;
                int rc = signin_answer(url, email, key, sizeof(key), false, NULL, &answer);
                json_t *fin = rc == 0 ? json_loads(answer, 0, NULL) : NULL;
                const char *token = json_string_value(json_object_get(fin, "session_token"));
                if (token == NULL) {
                        printf("%s: %s\n", email, answer != NULL ? answer : "no answer");
                        free(answer);
                        json_decref(fin);
                        sodium_memzero(key, sizeof(key));
                        return rc != 0 ? rc : 2;
                }
                sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
                printf("%s %s\n", hex, token);
                sodium_memzero(key, sizeof(key));
                sodium_memzero(hex, sizeof(hex));
                json_decref(fin);
                free(answer);
        }
        return fflush(stdout) == 0 ? 0 : die("cannot write");
}

#define TEST_PASS "test"

static struct ak_vault *vault_open(const char *path)
{
        struct ak_vault *v = NULL;
        if (ak_vault_open(&v, path, TEST_PASS, strlen(TEST_PASS)) != AK_OK)
                return NULL;
        return v;
}

static int device_new(const char *path)
{
        struct ak_vault *v = NULL;
        struct ak_kdf_params kdf;
        ak_kdf_params_default(&kdf, AK_KDF_COST_MIN);
        if (ak_vault_create(&v, path, TEST_PASS, strlen(TEST_PASS), &kdf) != AK_OK)
                return die("cannot create the vault");
        unsigned char pk[AK_DEVICE_PK_BYTES];
        ak_vault_device_public_key(v, pk);
        char *pk64 = b64(pk, sizeof(pk));
        printf("{\"device_id\":\"%s\",\"public_key\":\"%s\"}\n", ak_vault_device_id(v), pk64);
        free(pk64);
        ak_vault_free(v);
        return 0;
}

static int device_header(const char *path, const char *method, const char *target, const char *body,
                         long offset)
{
        struct ak_vault *v = vault_open(path);
        if (v == NULL)
                return die("cannot open the vault");
        char out[AK_DEVICE_AUTH_MAX];
        enum ak_err err =
            ak_device_auth_make(out, v, method, target, body, body != NULL ? strlen(body) : 0,
                                (int64_t)time(NULL) + offset);
        ak_vault_free(v);
        if (err != AK_OK)
                return die("cannot make the header");
        printf("%s\n", out);
        return 0;
}

static int device_answer(const char *path, const char *challenge, const char *decision,
                         const char *number)
{
        json_error_t jerr;
        json_t *c = json_loads(challenge, 0, &jerr);
        struct ak_signin_challenge ch = {0};
        enum ak_signin_decision d;
        const char *s;
        size_t n = 0;
        if (c == NULL || ak_signin_decision_parse(decision, &d) != AK_OK)
                return die("CHALLENGE_JSON or DECISION");
#define COPY(field, key)                                                                           \
        s = json_string_value(json_object_get(c, key));                                            \
        snprintf(ch.field, sizeof(ch.field), "%s", s != NULL ? s : "")
        COPY(request_id, "request_id");
        COPY(origin, "origin");
        COPY(account, "account");
        COPY(from, "from");
        COPY(app, "app");
#undef COPY
        s = json_string_value(json_object_get(c, "nonce"));
        if (s == NULL || unb64(ch.nonce, sizeof(ch.nonce), &n, s) != 0 || n != sizeof(ch.nonce))
                return die("nonce");
        ch.created_at = json_integer_value(json_object_get(c, "created_at"));
        ch.expires_at = json_integer_value(json_object_get(c, "expires_at"));
        json_decref(c);
        struct ak_vault *v = vault_open(path);
        if (v == NULL)
                return die("cannot open the vault");
        unsigned num = (unsigned)atoi(number);
        unsigned char sig[AK_DEVICE_SIG_BYTES];
        enum ak_err err = ak_signin_sign(sig, v, &ch, d, d == AK_SIGNIN_APPROVE ? num : 0);
        ak_vault_free(v);
        if (err != AK_OK)
                return die("cannot sign");
        char *sig64 = b64(sig, sizeof(sig));
        if (d == AK_SIGNIN_APPROVE)
                printf("{\"decision\":\"%s\",\"number\":%u,\"signature\":\"%s\"}\n", decision, num,
                       sig64);
        else
                printf("{\"decision\":\"%s\",\"signature\":\"%s\"}\n", decision, sig64);
        free(sig64);
        return 0;
}

static int totp(const char *secret, long offset)
{
        unsigned char key[64];
        size_t len = 0;
        char code[AK_CODE_MAX + 1];
        if (ak_base32_decode(key, sizeof(key), &len, secret, strlen(secret)) != AK_OK ||
            ak_totp(code, AK_HASH_SHA1, key, len, (int64_t)time(NULL) + offset * 30, 30, 6) !=
                AK_OK)
                return die("BASE32_SECRET");
        printf("%s\n", code);
        return 0;
}

int main(int argc, char **argv)
{
        unsigned char key[64];
        size_t key_len = 0;
        if (sodium_init() < 0)
                return die("libsodium");
        curl_global_init(CURL_GLOBAL_DEFAULT);
        if (argc >= 4 && strcmp(argv[1], "credential") == 0) {
                if (sodium_hex2bin(key, sizeof(key), argv[3], strlen(argv[3]), NULL, &key_len,
                                   NULL) != 0)
                        return die("KEY_HEX");
                return credential(argv[2], key, key_len,
                                  argc > 4 && strcmp(argv[4], "recovery") == 0);
        }
        if (argc == 5 && strcmp(argv[1], "accounts") == 0)
                return accounts(argv[2], argv[3], argv[4]);
        if (argc == 3 && strcmp(argv[1], "device-new") == 0)
                return device_new(argv[2]);
        if (argc >= 5 && strcmp(argv[1], "device-header") == 0)
                return device_header(argv[2], argv[3], argv[4], argc > 5 ? argv[5] : NULL,
                                     argc > 6 ? atol(argv[6]) : 0);
        if (argc == 6 && strcmp(argv[1], "device-answer") == 0)
                return device_answer(argv[2], argv[3], argv[4], argv[5]);
        if (argc >= 3 && strcmp(argv[1], "totp") == 0)
                return totp(argv[2], argc > 3 ? atol(argv[3]) : 0);
        bool is_proof = argc >= 5 && strcmp(argv[1], "proof") == 0;
        if (argc >= 5 && (is_proof || strcmp(argv[1], "signin") == 0)) {
                if (sodium_hex2bin(key, sizeof(key), argv[4], strlen(argv[4]), NULL, &key_len,
                                   NULL) != 0)
                        return die("KEY_HEX");
                bool recovery = argc > 5 && strcmp(argv[5], "recovery") == 0;
                const char *cacert = argc > 6 ? argv[6] : NULL;
                return (is_proof ? proof : signin)(argv[2], argv[3], key, key_len, recovery,
                                                   cacert);
        }
        fprintf(stderr, "usage: srp_tool credential EMAIL KEY_HEX [recovery]\n"
                        "       srp_tool signin URL EMAIL KEY_HEX [recovery|password] [CACERT]\n"
                        "       srp_tool proof URL EMAIL KEY_HEX [recovery|password] [CACERT]\n"
                        "       srp_tool accounts URL PREFIX N\n"
                        "       srp_tool device-new VAULT\n"
                        "       srp_tool device-header VAULT METHOD PATH [BODY [AT_OFFSET]]\n"
                        "       srp_tool device-answer VAULT CHALLENGE_JSON DECISION NUMBER\n"
                        "       srp_tool totp BASE32_SECRET [STEP_OFFSET]\n");
        return 1;
}
