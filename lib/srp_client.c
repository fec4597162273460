/*
 * SRP-6a, the device's side (lib/srp.c has the groups and the shared steps).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "authkeep/srp.h"
#include "internal.h"
#include "srp_internal.h"

/* ---- the client ---- */

enum client_state { CLIENT_STARTED, CLIENT_PROCESSED, CLIENT_FAILED };

struct ak_srp_client {
        const struct ak__srp_group *group;
        enum client_state state;
        char *identity;
        unsigned char *password; /* copy, wiped */
        size_t password_len;
        BIGNUM *a; /* secret */
        unsigned char A[AK__SRP_MAX_N_BYTES];
        size_t A_len;
        unsigned char K[AK__SRP_MAX_HASH_BYTES];  /* secret */
        unsigned char M2[AK__SRP_MAX_HASH_BYTES]; /* the proof expected from the server */
        size_t h_bytes;
        unsigned char S[AK__SRP_MAX_N_BYTES]; /* secret, kept for the tests' vectors */
        size_t S_len;
};

void ak_srp_client_free(struct ak_srp_client *client)
{
        if (client == NULL)
                return;
        free(client->identity);
        ak__free_secret(client->password, client->password_len);
        BN_clear_free(client->a);
        sodium_memzero(client, sizeof(*client));
        free(client);
}

enum ak_err ak__srp_client_new(struct ak_srp_client **out, const struct ak__srp_group *group,
                               const char *identity, const unsigned char *password,
                               size_t password_len, const unsigned char *a, size_t a_len,
                               unsigned char *A)
{
        static const unsigned char no_salt = 1;
        unsigned char a_random[AK_SRP_EPHEMERAL_BYTES];
        struct ak_srp_client *c = NULL;
        BIGNUM *A_num = NULL;
        struct ak__srp_ctx s;
        enum ak_err err;

        if (out == NULL || A == NULL)
                return ak__fail(AK_ERR_INVALID, "srp: missing output");
        if ((err = ak__srp_check_inputs(identity, &no_salt, 1, password, password_len)) != AK_OK)
                return err;
        if ((err = ak__srp_open(&s, group)) != AK_OK)
                return err;
        if (a == NULL) {
                ak__srp_random_exponent(a_random);
                a = a_random;
                a_len = sizeof(a_random);
        }
        c = calloc(1, sizeof(*c));
        if (c == NULL) {
                err = ak__fail(AK_ERR_NOMEM, "srp: no memory");
                goto done;
        }
        c->group = group;
        c->h_bytes = s.h_bytes;
        c->identity = ak__strdup(identity);
        c->password = malloc(password_len);
        if (c->identity == NULL || c->password == NULL) {
                err = ak__fail(AK_ERR_NOMEM, "srp: no memory");
                goto done;
        }
        memcpy(c->password, password, password_len);
        c->password_len = password_len;
        if ((err = ak__srp_read_exponent(&c->a, a, a_len, "a")) != AK_OK)
                goto done;
        A_num = BN_new();
        AK__SRP_BN_CHECK(A_num != NULL);
        AK__SRP_BN_CHECK(BN_mod_exp(A_num, s.g, c->a, s.N, s.bn));
        c->A_len = s.n_bytes;
        AK__SRP_BN_CHECK(BN_bn2binpad(A_num, c->A, (int)c->A_len) > 0);
        memcpy(A, c->A, c->A_len);
        *out = c;
        c = NULL;
done:
        sodium_memzero(a_random, sizeof(a_random));
        BN_free(A_num);
        ak_srp_client_free(c);
        ak__srp_close(&s);
        return err;
}

enum ak_err ak_srp_client_new(struct ak_srp_client **out, const char *identity,
                              const unsigned char *password, size_t password_len,
                              unsigned char A[AK_SRP_N_BYTES])
{
        return ak__srp_client_new(out, AK__SRP_DEFAULT_GROUP, identity, password, password_len,
                                  NULL, 0, A);
}

enum ak_err ak_srp_client_process(struct ak_srp_client *client, const unsigned char *salt,
                                  size_t salt_len, const unsigned char *B, size_t B_len,
                                  unsigned char M1[AK_SRP_HASH_BYTES])
{
        BIGNUM *A = NULL, *B_num = NULL, *u = NULL, *x = NULL, *v = NULL, *base = NULL;
        BIGNUM *exponent = NULL, *S = NULL;
        unsigned char m1[AK__SRP_MAX_HASH_BYTES];
        struct ak__srp_ctx s;
        bool opened = false;
        enum ak_err err;

        if (client == NULL || M1 == NULL)
                return ak__fail(AK_ERR_INVALID, "srp: missing argument");
        if (client->state != CLIENT_STARTED)
                return ak__fail(AK_ERR_INVALID, "srp: the challenge was processed already");
        client->state = CLIENT_FAILED;
        err = ak__srp_check_inputs(client->identity, salt, salt_len, client->password,
                                   client->password_len);
        if (err != AK_OK || (err = ak__srp_open(&s, client->group)) != AK_OK)
                goto done;
        opened = true;
        if ((err = ak__srp_read_element(&s, &B_num, B, B_len, "B")) != AK_OK)
                goto done;
        A = BN_bin2bn(client->A, (int)client->A_len, NULL);
        AK__SRP_BN_CHECK(A != NULL);
        if ((err = ak__srp_compute_u(&s, &u, A, B_num)) != AK_OK)
                goto done;
        err = ak__srp_compute_x(&s, &x, client->identity, salt, salt_len, client->password,
                                client->password_len);
        if (err != AK_OK)
                goto done;

        /* S = (B - k * g^x) ^ (a + u * x) mod N */
        v = BN_secure_new();
        base = BN_secure_new();
        exponent = BN_secure_new();
        S = BN_secure_new();
        AK__SRP_BN_CHECK(v != NULL && base != NULL && exponent != NULL && S != NULL);
        AK__SRP_BN_CHECK(BN_mod_exp(v, s.g, x, s.N, s.bn));
        AK__SRP_BN_CHECK(BN_mod_mul(base, s.k, v, s.N, s.bn));
        AK__SRP_BN_CHECK(BN_mod_sub(base, B_num, base, s.N, s.bn));
        AK__SRP_BN_CHECK(BN_mul(exponent, u, x, s.bn));
        AK__SRP_BN_CHECK(BN_add(exponent, exponent, client->a));
        BN_set_flags(exponent, BN_FLG_CONSTTIME);
        AK__SRP_BN_CHECK(BN_mod_exp(S, base, exponent, s.N, s.bn));

        err = ak__srp_compute_proofs(&s, S, client->identity, salt, salt_len, A, B_num, client->K,
                                     m1, client->M2, client->S, &client->S_len);
        if (err != AK_OK)
                goto done;
        memcpy(M1, m1, s.h_bytes);
        client->state = CLIENT_PROCESSED;
done:
        sodium_memzero(m1, sizeof(m1));
        BN_free(A);
        BN_free(B_num);
        BN_free(u);
        BN_clear_free(x);
        BN_clear_free(v);
        BN_clear_free(base);
        BN_clear_free(exponent);
        BN_clear_free(S);
        if (opened)
                ak__srp_close(&s);
        return err;
}

enum ak_err ak_srp_client_verify(struct ak_srp_client *client, const unsigned char *M2,
                                 size_t M2_len, unsigned char *session_key)
{
        if (client == NULL || client->state != CLIENT_PROCESSED)
                return ak__fail(AK_ERR_INVALID, "srp: no processed challenge to verify against");
        if (M2 == NULL || M2_len != client->h_bytes ||
            sodium_memcmp(M2, client->M2, client->h_bytes) != 0)
                return ak__fail(AK_ERR_AUTH, "srp: the server's proof M2 is wrong");
        if (session_key != NULL)
                memcpy(session_key, client->K, client->h_bytes);
        return AK_OK;
}

enum ak_err ak__srp_client_premaster(const struct ak_srp_client *client, unsigned char *out,
                                     size_t out_cap, size_t *out_len)
{
        if (client == NULL || client->state != CLIENT_PROCESSED)
                return ak__fail(AK_ERR_INVALID, "srp: not processed");
        if (out_cap < client->S_len)
                return ak__fail(AK_ERR_LIMIT, "S: buffer too small");
        memcpy(out, client->S, client->S_len);
        *out_len = client->S_len;
        return AK_OK;
}
