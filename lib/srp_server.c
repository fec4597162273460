/*
 * SRP-6a, the server's side (lib/srp.c has the groups and the shared steps).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "authkeep/srp.h"
#include "internal.h"
#include "srp_internal.h"

/* ---- the server ---- */

/* B = k*v + g^b mod N into the new BIGNUM *out. */
static enum ak_err compute_B(const struct ak__srp_ctx *s, BIGNUM **out, const BIGNUM *v,
                             const BIGNUM *b)
{
        BIGNUM *B = BN_new(), *gb = BN_secure_new();
        enum ak_err err = AK_OK;

        AK__SRP_BN_CHECK(B != NULL && gb != NULL);
        AK__SRP_BN_CHECK(BN_mod_exp(gb, s->g, b, s->N, s->bn));
        AK__SRP_BN_CHECK(BN_mod_mul(B, s->k, v, s->N, s->bn));
        AK__SRP_BN_CHECK(BN_mod_add(B, B, gb, s->N, s->bn));
        if (BN_is_zero(B)) {
                err = ak__fail(AK_ERR_CRYPTO, "srp: B is zero");
                goto done;
        }
        *out = B;
        B = NULL;
done:
        BN_free(B);
        BN_clear_free(gb);
        return err;
}

enum ak_err ak__srp_server_B(const struct ak__srp_group *group, unsigned char *B,
                             const unsigned char *verifier, size_t verifier_len,
                             const unsigned char *b, size_t b_len)
{
        BIGNUM *v = NULL, *b_num = NULL, *B_num = NULL;
        struct ak__srp_ctx s;
        enum ak_err err;

        if (B == NULL)
                return ak__fail(AK_ERR_INVALID, "srp: missing output");
        if ((err = ak__srp_open(&s, group)) != AK_OK)
                return err;
        if ((err = ak__srp_read_element(&s, &v, verifier, verifier_len, "verifier")) != AK_OK ||
            (err = ak__srp_read_exponent(&b_num, b, b_len, "b")) != AK_OK ||
            (err = compute_B(&s, &B_num, v, b_num)) != AK_OK)
                goto done;
        AK__SRP_BN_CHECK(BN_bn2binpad(B_num, B, (int)s.n_bytes) > 0);
done:
        BN_clear_free(v);
        BN_clear_free(b_num);
        BN_free(B_num);
        ak__srp_close(&s);
        return err;
}

enum ak_err ak_srp_server_start(unsigned char b[AK_SRP_EPHEMERAL_BYTES],
                                unsigned char B[AK_SRP_N_BYTES], const unsigned char *verifier,
                                size_t verifier_len)
{
        unsigned char b_new[AK_SRP_EPHEMERAL_BYTES];
        enum ak_err err;

        if (b == NULL)
                return ak__fail(AK_ERR_INVALID, "srp: missing output");
        ak__srp_random_exponent(b_new);
        err = ak__srp_server_B(AK__SRP_DEFAULT_GROUP, B, verifier, verifier_len, b_new,
                               sizeof(b_new));
        if (err == AK_OK)
                memcpy(b, b_new, sizeof(b_new));
        sodium_memzero(b_new, sizeof(b_new));
        return err;
}

enum ak_err ak__srp_server_finish(const struct ak__srp_group *group, unsigned char *M2,
                                  unsigned char *session_key, unsigned char *premaster,
                                  size_t *premaster_len, const char *identity,
                                  const unsigned char *salt, size_t salt_len,
                                  const unsigned char *verifier, size_t verifier_len,
                                  const unsigned char *b, size_t b_len, const unsigned char *A,
                                  size_t A_len, const unsigned char *M1, size_t M1_len)
{
        static const unsigned char no_password = 1;
        BIGNUM *v = NULL, *b_num = NULL, *A_num = NULL, *B_num = NULL, *u = NULL;
        BIGNUM *base = NULL, *S = NULL;
        unsigned char K[AK__SRP_MAX_HASH_BYTES], m1[AK__SRP_MAX_HASH_BYTES];
        unsigned char m2[AK__SRP_MAX_HASH_BYTES], S_buf[AK__SRP_MAX_N_BYTES];
        size_t S_len = 0;
        struct ak__srp_ctx s;
        enum ak_err err;

        if (M2 == NULL)
                return ak__fail(AK_ERR_INVALID, "srp: missing output");
        if ((err = ak__srp_check_inputs(identity, salt, salt_len, &no_password, 1)) != AK_OK)
                return err;
        if ((err = ak__srp_open(&s, group)) != AK_OK)
                return err;
        if (M1 == NULL || M1_len != s.h_bytes) {
                err =
                    ak__fail(AK_ERR_INVALID, "M1: length %zu is not %zu bytes", M1_len, s.h_bytes);
                goto done;
        }
        if ((err = ak__srp_read_element(&s, &A_num, A, A_len, "A")) != AK_OK ||
            (err = ak__srp_read_element(&s, &v, verifier, verifier_len, "verifier")) != AK_OK ||
            (err = ak__srp_read_exponent(&b_num, b, b_len, "b")) != AK_OK ||
            (err = compute_B(&s, &B_num, v, b_num)) != AK_OK ||
            (err = ak__srp_compute_u(&s, &u, A_num, B_num)) != AK_OK)
                goto done;

        /* S = (A * v^u) ^ b mod N */
        base = BN_secure_new();
        S = BN_secure_new();
        AK__SRP_BN_CHECK(base != NULL && S != NULL);
        AK__SRP_BN_CHECK(BN_mod_exp(base, v, u, s.N, s.bn));
        AK__SRP_BN_CHECK(BN_mod_mul(base, A_num, base, s.N, s.bn));
        AK__SRP_BN_CHECK(BN_mod_exp(S, base, b_num, s.N, s.bn));

        err = ak__srp_compute_proofs(&s, S, identity, salt, salt_len, A_num, B_num, K, m1, m2,
                                     S_buf, &S_len);
        if (err != AK_OK)
                goto done;
        if (sodium_memcmp(m1, M1, s.h_bytes) != 0) {
                err = ak__fail(AK_ERR_AUTH, "srp: the client's proof M1 is wrong");
                goto done;
        }
        memcpy(M2, m2, s.h_bytes);
        if (session_key != NULL)
                memcpy(session_key, K, s.h_bytes);
        if (premaster != NULL) {
                memcpy(premaster, S_buf, S_len);
                *premaster_len = S_len;
        }
done:
        sodium_memzero(K, sizeof(K));
        sodium_memzero(m1, sizeof(m1));
        sodium_memzero(m2, sizeof(m2));
        sodium_memzero(S_buf, sizeof(S_buf));
        BN_clear_free(v);
        BN_clear_free(b_num);
        BN_free(A_num);
        BN_free(B_num);
        BN_free(u);
        BN_clear_free(base);
        BN_clear_free(S);
        ak__srp_close(&s);
        return err;
}

enum ak_err ak_srp_server_finish(unsigned char M2[AK_SRP_HASH_BYTES], unsigned char *session_key,
                                 const char *identity, const unsigned char *salt, size_t salt_len,
                                 const unsigned char *verifier, size_t verifier_len,
                                 const unsigned char b[AK_SRP_EPHEMERAL_BYTES],
                                 const unsigned char *A, size_t A_len, const unsigned char *M1,
                                 size_t M1_len)
{
        return ak__srp_server_finish(AK__SRP_DEFAULT_GROUP, M2, session_key, NULL, NULL, identity,
                                     salt, salt_len, verifier, verifier_len, b,
                                     AK_SRP_EPHEMERAL_BYTES, A, A_len, M1, M1_len);
}
