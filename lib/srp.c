/*
 * SRP-6a (RFC 5054) over OpenSSL BIGNUM, for the recovery account. The
 * formulas, the padding rules and the wire forms are in authkeep/srp.h and
 * docs/backup-format.md; they match Debian's python3-srp with
 * rfc5054_enable(). Every function here works on a group given as a
 * parameter (lib/srp_internal.h); the public ones use the 4096-bit group
 * with SHA-256.
 *
 * Secrets (a, b, x, u*x + a, S, K) live in BIGNUMs from the secure heap or
 * in buffers that are wiped, and exponentiations with a secret exponent run
 * with BN_FLG_CONSTTIME.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "authkeep/srp.h"
#include "internal.h"
#include "srp_internal.h"

/* RFC 5054 Appendix A, 1024-bit group: only for the Appendix B test vectors. */
const struct ak__srp_group ak__srp_1024_sha1 = {
    "1024-bit group with SHA-1",
    "EEAF0AB9ADB38DD69C33F80AFA8FC5E86072618775FF3C0B9EA2314C9C256576"
    "D674DF7496EA81D3383B4813D692C6E0E0D5D8E250B98BE48E495C1D6089DAD1"
    "5DC7D7B46154D6B6CE8EF4AD69B15D4982559B297BCF1885C529F566660E57EC"
    "68EDBC3C05726CC02FD4CBF4976EAA9AFD5138FE8376435B9FC61D2FC0EB06E3",
    2,
    "SHA1",
};

/* RFC 5054 Appendix A, 4096-bit group (RFC 3526's 4096-bit MODP prime). */
const struct ak__srp_group ak__srp_4096_sha256 = {
    "4096-bit group with SHA-256",
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A92108011A723C12A787E6D7"
    "88719A10BDBA5B2699C327186AF4E23C1A946834B6150BDA2583E9CA2AD44CE8"
    "DBBBC2DB04DE8EF92E8EFC141FBECAA6287C59474E6BC05D99B2964FA090C3A2"
    "233BA186515BE7ED1F612970CEE2D7AFB81BDD762170481CD0069127D5B05AA9"
    "93B4EA988D8FDDC186FFB7DC90A6C08F4DF435C934063199FFFFFFFFFFFFFFFF",
    5,
    "SHA256",
};

/* H(parts[0] | parts[1] | ...) into `out` (h_bytes). */
static enum ak_err hash_parts(const struct ak__srp_ctx *s, unsigned char *out,
                              const struct ak__srp_part *parts, size_t count)
{
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        enum ak_err err = AK_OK;
        size_t i;

        if (ctx == NULL)
                return ak__fail(AK_ERR_NOMEM, "srp: no memory for a hash");
        if (EVP_DigestInit_ex(ctx, s->md, NULL) != 1)
                goto fail;
        for (i = 0; i < count; i++)
                if (parts[i].len > 0 && EVP_DigestUpdate(ctx, parts[i].bytes, parts[i].len) != 1)
                        goto fail;
        if (EVP_DigestFinal_ex(ctx, out, NULL) != 1)
                goto fail;
        goto done;
fail:
        err = ak__fail(AK_ERR_CRYPTO, "srp: hash failed");
done:
        EVP_MD_CTX_free(ctx);
        return err;
}

/* Frees what ak__srp_open made; accepts a partly opened one. */
void ak__srp_close(struct ak__srp_ctx *s)
{
        BN_free(s->N);
        BN_free(s->g);
        BN_free(s->k);
        BN_CTX_free(s->bn);
        memset(s, 0, sizeof(*s));
}

/* Loads `group` and computes k = H(N | PAD(g)) mod N. */
enum ak_err ak__srp_open(struct ak__srp_ctx *s, const struct ak__srp_group *group)
{
        unsigned char n_buf[AK__SRP_MAX_N_BYTES], g_buf[AK__SRP_MAX_N_BYTES];
        unsigned char k_buf[AK__SRP_MAX_HASH_BYTES];
        struct ak__srp_part parts[2];
        enum ak_err err = AK_OK;
        int md_size;

        memset(s, 0, sizeof(*s));
        if (group == NULL)
                return ak__fail(AK_ERR_INVALID, "srp: no group");
        s->md = EVP_get_digestbyname(group->md_name);
        md_size = s->md == NULL ? 0 : EVP_MD_get_size(s->md);
        if (md_size <= 0 || md_size > AK__SRP_MAX_HASH_BYTES)
                return ak__fail(AK_ERR_CRYPTO, "srp: hash %s unavailable", group->md_name);
        s->h_bytes = (size_t)md_size;
        s->bn = BN_CTX_secure_new();
        s->g = BN_new();
        s->k = BN_new();
        AK__SRP_BN_CHECK(s->bn != NULL && s->g != NULL && s->k != NULL);
        AK__SRP_BN_CHECK(BN_hex2bn(&s->N, group->N_hex) > 0);
        AK__SRP_BN_CHECK(BN_set_word(s->g, group->g));
        s->n_bytes = (size_t)BN_num_bytes(s->N);
        if (s->n_bytes > AK__SRP_MAX_N_BYTES) {
                err = ak__fail(AK_ERR_INTERNAL, "srp: group too large");
                goto done;
        }
        AK__SRP_BN_CHECK(BN_bn2binpad(s->N, n_buf, (int)s->n_bytes) > 0);
        AK__SRP_BN_CHECK(BN_bn2binpad(s->g, g_buf, (int)s->n_bytes) > 0);
        parts[0] = (struct ak__srp_part){n_buf, s->n_bytes};
        parts[1] = (struct ak__srp_part){g_buf, s->n_bytes};
        err = hash_parts(s, k_buf, parts, 2);
        if (err != AK_OK)
                goto done;
        AK__SRP_BN_CHECK(BN_bin2bn(k_buf, (int)s->h_bytes, s->k) != NULL);
        AK__SRP_BN_CHECK(BN_nnmod(s->k, s->k, s->N, s->bn));
done:
        if (err != AK_OK)
                ak__srp_close(s);
        return err;
}

/*
 * Reads a big-endian number that must lie in 1..N-1 (A, B, a verifier):
 * AK_ERR_INVALID with `what` in the detail otherwise. *out is a new BIGNUM.
 */
enum ak_err ak__srp_read_element(const struct ak__srp_ctx *s, BIGNUM **out,
                                 const unsigned char *bytes, size_t len, const char *what)
{
        BIGNUM *x;

        if (bytes == NULL || len == 0 || len > s->n_bytes)
                return ak__fail(AK_ERR_INVALID, "%s: length %zu is not 1..%zu bytes", what, len,
                                s->n_bytes);
        x = BN_bin2bn(bytes, (int)len, NULL);
        if (x == NULL)
                return ak__fail(AK_ERR_NOMEM, "%s: no memory", what);
        if (BN_is_zero(x) || BN_cmp(x, s->N) >= 0) {
                BN_free(x);
                return ak__fail(AK_ERR_INVALID, "%s: not between 1 and N-1 (0 mod N is refused)",
                                what);
        }
        *out = x;
        return AK_OK;
}

/* Reads a secret exponent (a or b) of 1..64 bytes into a new secure BIGNUM. */
enum ak_err ak__srp_read_exponent(BIGNUM **out, const unsigned char *bytes, size_t len,
                                  const char *what)
{
        BIGNUM *x;

        if (bytes == NULL || len == 0 || len > 64)
                return ak__fail(AK_ERR_INVALID, "%s: length %zu is not 1..64 bytes", what, len);
        x = BN_secure_new();
        if (x == NULL || BN_bin2bn(bytes, (int)len, x) == NULL) {
                BN_clear_free(x);
                return ak__fail(AK_ERR_NOMEM, "%s: no memory", what);
        }
        if (BN_is_zero(x)) {
                BN_clear_free(x);
                return ak__fail(AK_ERR_INVALID, "%s: zero", what);
        }
        BN_set_flags(x, BN_FLG_CONSTTIME);
        *out = x;
        return AK_OK;
}

/* A fresh secret exponent: 256 random bits, the top one set (as python3-srp's BN_rand). */
void ak__srp_random_exponent(unsigned char out[AK_SRP_EPHEMERAL_BYTES])
{
        randombytes_buf(out, AK_SRP_EPHEMERAL_BYTES);
        out[0] |= 0x80;
}

/* Checks the identity, salt and password shared by the verifier and the client. */
enum ak_err ak__srp_check_inputs(const char *identity, const unsigned char *salt, size_t salt_len,
                                 const unsigned char *password, size_t password_len)
{
        size_t i;

        if (identity == NULL || identity[0] == '\0')
                return ak__fail(AK_ERR_INVALID, "identity: empty");
        if (strlen(identity) > AK_SRP_IDENTITY_MAX)
                return ak__fail(AK_ERR_LIMIT, "identity: longer than %d bytes",
                                AK_SRP_IDENTITY_MAX);
        if (password == NULL || password_len == 0 || password_len > AK_SRP_PASSWORD_MAX)
                return ak__fail(AK_ERR_INVALID, "password: length is not 1..%d bytes",
                                AK_SRP_PASSWORD_MAX);
        if (salt == NULL && salt_len > 0)
                return ak__fail(AK_ERR_INVALID, "salt: missing");
        if (salt_len > AK_SRP_SALT_MAX)
                return ak__fail(AK_ERR_INVALID, "salt: longer than %d bytes", AK_SRP_SALT_MAX);
        for (i = 0; i < salt_len && salt[i] == 0; i++)
                ;
        if (i == salt_len)
                return ak__fail(AK_ERR_INVALID, "salt: empty or zero");
        return AK_OK;
}

/*
 * The salt as it enters x and M1: without leading zero bytes, because
 * python3-srp turns it into a number first. (ak_srp_salt never makes a
 * leading zero, so for our own salts this is the salt itself, as in RFC 5054.)
 */
static struct ak__srp_part salt_part(const unsigned char *salt, size_t salt_len)
{
        while (salt_len > 0 && salt[0] == 0) {
                salt++;
                salt_len--;
        }
        return (struct ak__srp_part){salt, salt_len};
}

/* x = H(s | H(I ":" P)) as bytes (h_bytes). */
static enum ak_err compute_x_bytes(const struct ak__srp_ctx *s, unsigned char *out,
                                   const char *identity, const unsigned char *salt, size_t salt_len,
                                   const unsigned char *password, size_t password_len)
{
        unsigned char inner[AK__SRP_MAX_HASH_BYTES];
        struct ak__srp_part parts[3];
        enum ak_err err;

        parts[0] = (struct ak__srp_part){(const unsigned char *)identity, strlen(identity)};
        parts[1] = (struct ak__srp_part){(const unsigned char *)":", 1};
        parts[2] = (struct ak__srp_part){password, password_len};
        err = hash_parts(s, inner, parts, 3);
        if (err == AK_OK) {
                parts[0] = salt_part(salt, salt_len);
                parts[1] = (struct ak__srp_part){inner, s->h_bytes};
                err = hash_parts(s, out, parts, 2);
        }
        sodium_memzero(inner, sizeof(inner));
        return err;
}

/* x as a new secure BIGNUM. */
enum ak_err ak__srp_compute_x(const struct ak__srp_ctx *s, BIGNUM **out, const char *identity,
                              const unsigned char *salt, size_t salt_len,
                              const unsigned char *password, size_t password_len)
{
        unsigned char x_bytes[AK__SRP_MAX_HASH_BYTES];
        BIGNUM *x = NULL;
        enum ak_err err;

        err = compute_x_bytes(s, x_bytes, identity, salt, salt_len, password, password_len);
        if (err != AK_OK)
                goto done;
        x = BN_secure_new();
        if (x == NULL || BN_bin2bn(x_bytes, (int)s->h_bytes, x) == NULL) {
                err = ak__fail(AK_ERR_NOMEM, "srp: no memory");
                goto done;
        }
        BN_set_flags(x, BN_FLG_CONSTTIME);
        *out = x;
        x = NULL;
done:
        BN_clear_free(x);
        sodium_memzero(x_bytes, sizeof(x_bytes));
        return err;
}

/* u = H(PAD(A) | PAD(B)) as a new BIGNUM; AK_ERR_INVALID when it is 0. */
enum ak_err ak__srp_compute_u(const struct ak__srp_ctx *s, BIGNUM **out, const BIGNUM *A,
                              const BIGNUM *B)
{
        unsigned char a_buf[AK__SRP_MAX_N_BYTES], b_buf[AK__SRP_MAX_N_BYTES];
        unsigned char u_buf[AK__SRP_MAX_HASH_BYTES];
        struct ak__srp_part parts[2];
        BIGNUM *u = NULL;
        enum ak_err err = AK_OK;

        AK__SRP_BN_CHECK(BN_bn2binpad(A, a_buf, (int)s->n_bytes) > 0);
        AK__SRP_BN_CHECK(BN_bn2binpad(B, b_buf, (int)s->n_bytes) > 0);
        parts[0] = (struct ak__srp_part){a_buf, s->n_bytes};
        parts[1] = (struct ak__srp_part){b_buf, s->n_bytes};
        err = hash_parts(s, u_buf, parts, 2);
        if (err != AK_OK)
                goto done;
        u = BN_bin2bn(u_buf, (int)s->h_bytes, NULL);
        AK__SRP_BN_CHECK(u != NULL);
        if (BN_is_zero(u)) {
                err = ak__fail(AK_ERR_INVALID, "srp: u is zero");
                goto done;
        }
        *out = u;
        u = NULL;
done:
        BN_free(u);
        return err;
}

/*
 * From the premaster secret S: K = H(S), M1 = H(H(N) xor H(PAD(g)) | H(I) |
 * s | A | B | K) and M2 = H(A | M1 | K), numbers without leading zeros. Each
 * output is h_bytes; `S_out` (n_bytes, optional) receives S and *S_len its
 * length.
 */
enum ak_err ak__srp_compute_proofs(const struct ak__srp_ctx *s, const BIGNUM *S,
                                   const char *identity, const unsigned char *salt, size_t salt_len,
                                   const BIGNUM *A, const BIGNUM *B, unsigned char *K,
                                   unsigned char *M1, unsigned char *M2, unsigned char *S_out,
                                   size_t *S_len)
{
        unsigned char s_buf[AK__SRP_MAX_N_BYTES], a_buf[AK__SRP_MAX_N_BYTES];
        unsigned char b_buf[AK__SRP_MAX_N_BYTES], n_buf[AK__SRP_MAX_N_BYTES];
        unsigned char g_buf[AK__SRP_MAX_N_BYTES];
        unsigned char h_ng[AK__SRP_MAX_HASH_BYTES], h_g[AK__SRP_MAX_HASH_BYTES];
        unsigned char h_i[AK__SRP_MAX_HASH_BYTES];
        struct ak__srp_part parts[6];
        size_t s_len, a_len, b_len, i;
        enum ak_err err = AK_OK;

        s_len = (size_t)BN_bn2bin(S, s_buf);
        a_len = (size_t)BN_bn2bin(A, a_buf);
        b_len = (size_t)BN_bn2bin(B, b_buf);
        AK__SRP_BN_CHECK(BN_bn2binpad(s->N, n_buf, (int)s->n_bytes) > 0);
        AK__SRP_BN_CHECK(BN_bn2binpad(s->g, g_buf, (int)s->n_bytes) > 0);

        parts[0] = (struct ak__srp_part){s_buf, s_len};
        if ((err = hash_parts(s, K, parts, 1)) != AK_OK)
                goto done;
        parts[0] = (struct ak__srp_part){n_buf, s->n_bytes};
        if ((err = hash_parts(s, h_ng, parts, 1)) != AK_OK)
                goto done;
        parts[0] = (struct ak__srp_part){g_buf, s->n_bytes};
        if ((err = hash_parts(s, h_g, parts, 1)) != AK_OK)
                goto done;
        for (i = 0; i < s->h_bytes; i++)
                h_ng[i] ^= h_g[i];
        parts[0] = (struct ak__srp_part){(const unsigned char *)identity, strlen(identity)};
        if ((err = hash_parts(s, h_i, parts, 1)) != AK_OK)
                goto done;

        parts[0] = (struct ak__srp_part){h_ng, s->h_bytes};
        parts[1] = (struct ak__srp_part){h_i, s->h_bytes};
        parts[2] = salt_part(salt, salt_len);
        parts[3] = (struct ak__srp_part){a_buf, a_len};
        parts[4] = (struct ak__srp_part){b_buf, b_len};
        parts[5] = (struct ak__srp_part){K, s->h_bytes};
        if ((err = hash_parts(s, M1, parts, 6)) != AK_OK)
                goto done;
        parts[0] = (struct ak__srp_part){a_buf, a_len};
        parts[1] = (struct ak__srp_part){M1, s->h_bytes};
        parts[2] = (struct ak__srp_part){K, s->h_bytes};
        if ((err = hash_parts(s, M2, parts, 3)) != AK_OK)
                goto done;
        if (S_out != NULL) {
                memcpy(S_out, s_buf, s_len);
                *S_len = s_len;
        }
done:
        sodium_memzero(s_buf, sizeof(s_buf));
        return err;
}

/* The bytes of N (`hash` false) or of the digest (`hash` true); 0 when the group is unusable. */
static size_t group_size(const struct ak__srp_group *group, bool hash)
{
        struct ak__srp_ctx s;
        size_t n;

        if (ak__srp_open(&s, group) != AK_OK)
                return 0;
        n = hash ? s.h_bytes : s.n_bytes;
        ak__srp_close(&s);
        return n;
}

size_t ak__srp_n_bytes(const struct ak__srp_group *group)
{
        return group_size(group, false);
}

size_t ak__srp_hash_bytes(const struct ak__srp_group *group)
{
        return group_size(group, true);
}

enum ak_err ak__srp_k(const struct ak__srp_group *group, unsigned char *out, size_t out_cap,
                      size_t *out_len)
{
        struct ak__srp_ctx s;
        size_t len;
        enum ak_err err = ak__srp_open(&s, group);

        if (err != AK_OK)
                return err;
        len = (size_t)BN_num_bytes(s.k);
        if (len > out_cap)
                err = ak__fail(AK_ERR_LIMIT, "k: buffer too small");
        else
                *out_len = (size_t)BN_bn2bin(s.k, out);
        ak__srp_close(&s);
        return err;
}

enum ak_err ak__srp_x(const struct ak__srp_group *group, unsigned char *out, size_t out_cap,
                      size_t *out_len, const char *identity, const unsigned char *salt,
                      size_t salt_len, const unsigned char *password, size_t password_len)
{
        struct ak__srp_ctx s;
        enum ak_err err;

        if ((err = ak__srp_check_inputs(identity, salt, salt_len, password, password_len)) != AK_OK)
                return err;
        if ((err = ak__srp_open(&s, group)) != AK_OK)
                return err;
        if (out_cap < s.h_bytes)
                err = ak__fail(AK_ERR_LIMIT, "x: buffer too small");
        else
                err = compute_x_bytes(&s, out, identity, salt, salt_len, password, password_len);
        if (err == AK_OK)
                *out_len = s.h_bytes;
        ak__srp_close(&s);
        return err;
}

enum ak_err ak__srp_u(const struct ak__srp_group *group, unsigned char *out, size_t out_cap,
                      size_t *out_len, const unsigned char *A, size_t A_len, const unsigned char *B,
                      size_t B_len)
{
        BIGNUM *a_num = NULL, *b_num = NULL, *u = NULL;
        struct ak__srp_ctx s;
        enum ak_err err;

        if ((err = ak__srp_open(&s, group)) != AK_OK)
                return err;
        if ((err = ak__srp_read_element(&s, &a_num, A, A_len, "A")) != AK_OK ||
            (err = ak__srp_read_element(&s, &b_num, B, B_len, "B")) != AK_OK ||
            (err = ak__srp_compute_u(&s, &u, a_num, b_num)) != AK_OK)
                goto done;
        if ((size_t)BN_num_bytes(u) > out_cap) {
                err = ak__fail(AK_ERR_LIMIT, "u: buffer too small");
                goto done;
        }
        *out_len = (size_t)BN_bn2bin(u, out);
done:
        BN_free(a_num);
        BN_free(b_num);
        BN_free(u);
        ak__srp_close(&s);
        return err;
}

enum ak_err ak__srp_verifier(const struct ak__srp_group *group, unsigned char *verifier,
                             const char *identity, const unsigned char *salt, size_t salt_len,
                             const unsigned char *password, size_t password_len)
{
        BIGNUM *x = NULL, *v = NULL;
        struct ak__srp_ctx s;
        enum ak_err err;

        if ((err = ak__srp_check_inputs(identity, salt, salt_len, password, password_len)) != AK_OK)
                return err;
        if ((err = ak__srp_open(&s, group)) != AK_OK)
                return err;
        if ((err = ak__srp_compute_x(&s, &x, identity, salt, salt_len, password, password_len)) !=
            AK_OK)
                goto done;
        v = BN_new();
        AK__SRP_BN_CHECK(v != NULL);
        AK__SRP_BN_CHECK(BN_mod_exp(v, s.g, x, s.N, s.bn));
        AK__SRP_BN_CHECK(BN_bn2binpad(v, verifier, (int)s.n_bytes) > 0);
done:
        BN_clear_free(x);
        BN_free(v);
        ak__srp_close(&s);
        return err;
}

enum ak_err ak_srp_check_verifier(const unsigned char *verifier, size_t verifier_len)
{
        BIGNUM *N = NULL, *v = NULL;
        enum ak_err err = AK_OK;

        if (verifier == NULL || verifier_len == 0 || verifier_len > AK_SRP_N_BYTES)
                return ak__fail(AK_ERR_INVALID, "verifier: length %zu is not 1..%d bytes",
                                verifier_len, AK_SRP_N_BYTES);
        if (BN_hex2bn(&N, AK__SRP_DEFAULT_GROUP->N_hex) <= 0 ||
            (v = BN_bin2bn(verifier, (int)verifier_len, NULL)) == NULL) {
                err = ak__fail(AK_ERR_NOMEM, "verifier: no memory");
                goto done;
        }
        if (BN_is_zero(v) || BN_is_one(v) || BN_cmp(v, N) >= 0)
                err = ak__fail(AK_ERR_INVALID, "verifier: not between 2 and N-1");
done:
        BN_free(N);
        BN_free(v);
        return err;
}

enum ak_err ak_srp_verifier(unsigned char verifier[AK_SRP_N_BYTES], const char *identity,
                            const unsigned char *salt, size_t salt_len,
                            const unsigned char *password, size_t password_len)
{
        return ak__srp_verifier(AK__SRP_DEFAULT_GROUP, verifier, identity, salt, salt_len, password,
                                password_len);
}

void ak_srp_salt(unsigned char salt[AK_SRP_SALT_BYTES])
{
        randombytes_buf(salt, AK_SRP_SALT_BYTES);
        /* A leading zero would be dropped by python3-srp's hashing; never make one. */
        while (salt[0] == 0)
                randombytes_buf(salt, 1);
}

enum ak_err ak_srp_identity(char *out, size_t out_cap, const char *email, bool recovery)
{
        static const char suffix[] = "#recovery";
        size_t start = 0, end, len, need, i;

        if (out == NULL || email == NULL)
                return ak__fail(AK_ERR_INVALID, "email: missing");
        end = strlen(email);
        while (start < end && (email[start] == ' ' || email[start] == '\t'))
                start++;
        while (end > start && (email[end - 1] == ' ' || email[end - 1] == '\t'))
                end--;
        len = end - start;
        if (len == 0)
                return ak__fail(AK_ERR_INVALID, "email: empty");
        for (i = start; i < end; i++) {
                unsigned char c = (unsigned char)email[i];
                if (c < 0x20 || c == 0x7f)
                        return ak__fail(AK_ERR_INVALID, "email: control character at %zu", i);
        }
        need = len + (recovery ? sizeof(suffix) - 1 : 0);
        if (need > AK_SRP_IDENTITY_MAX)
                return ak__fail(AK_ERR_LIMIT, "email: longer than %d bytes", AK_SRP_IDENTITY_MAX);
        if (need + 1 > out_cap)
                return ak__fail(AK_ERR_LIMIT, "identity: buffer too small");
        for (i = 0; i < len; i++) {
                char c = email[start + i];
                out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
        if (recovery)
                memcpy(out + len, suffix, sizeof(suffix) - 1);
        out[need] = '\0';
        return AK_OK;
}
