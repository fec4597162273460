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

#define DEFAULT_GROUP (&ak__srp_4096_sha256)

/* The group as numbers, for one call: N, g, k and a BN_CTX. */
struct srp {
        const EVP_MD *md;
        size_t n_bytes; /* bytes of N: the width of PAD() */
        size_t h_bytes; /* digest bytes */
        BN_CTX *bn;
        BIGNUM *N, *g, *k;
};

/* One input of a hash: bytes and their length. */
struct part {
        const unsigned char *bytes;
        size_t len;
};

/* Where an OpenSSL call fails: one detail, no secret. */
#define BN_CHECK(call)                                                                             \
        do {                                                                                       \
                if (!(call)) {                                                                     \
                        err = ak__fail(AK_ERR_CRYPTO, "srp: OpenSSL big number operation failed"); \
                        goto done;                                                                 \
                }                                                                                  \
        } while (0)

/* H(parts[0] | parts[1] | ...) into `out` (h_bytes). */
static enum ak_err hash_parts(const struct srp *s, unsigned char *out, const struct part *parts,
                              size_t count)
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

/* Frees what srp_open made; accepts a partly opened one. */
static void srp_close(struct srp *s)
{
        BN_free(s->N);
        BN_free(s->g);
        BN_free(s->k);
        BN_CTX_free(s->bn);
        memset(s, 0, sizeof(*s));
}

/* Loads `group` and computes k = H(N | PAD(g)) mod N. */
static enum ak_err srp_open(struct srp *s, const struct ak__srp_group *group)
{
        unsigned char n_buf[AK__SRP_MAX_N_BYTES], g_buf[AK__SRP_MAX_N_BYTES];
        unsigned char k_buf[AK__SRP_MAX_HASH_BYTES];
        struct part parts[2];
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
        BN_CHECK(s->bn != NULL && s->g != NULL && s->k != NULL);
        BN_CHECK(BN_hex2bn(&s->N, group->N_hex) > 0);
        BN_CHECK(BN_set_word(s->g, group->g));
        s->n_bytes = (size_t)BN_num_bytes(s->N);
        if (s->n_bytes > AK__SRP_MAX_N_BYTES) {
                err = ak__fail(AK_ERR_INTERNAL, "srp: group too large");
                goto done;
        }
        BN_CHECK(BN_bn2binpad(s->N, n_buf, (int)s->n_bytes) > 0);
        BN_CHECK(BN_bn2binpad(s->g, g_buf, (int)s->n_bytes) > 0);
        parts[0] = (struct part){n_buf, s->n_bytes};
        parts[1] = (struct part){g_buf, s->n_bytes};
        err = hash_parts(s, k_buf, parts, 2);
        if (err != AK_OK)
                goto done;
        BN_CHECK(BN_bin2bn(k_buf, (int)s->h_bytes, s->k) != NULL);
        BN_CHECK(BN_nnmod(s->k, s->k, s->N, s->bn));
done:
        if (err != AK_OK)
                srp_close(s);
        return err;
}

/*
 * Reads a big-endian number that must lie in 1..N-1 (A, B, a verifier):
 * AK_ERR_INVALID with `what` in the detail otherwise. *out is a new BIGNUM.
 */
static enum ak_err read_element(const struct srp *s, BIGNUM **out, const unsigned char *bytes,
                                size_t len, const char *what)
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
static enum ak_err read_exponent(BIGNUM **out, const unsigned char *bytes, size_t len,
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
static void random_exponent(unsigned char out[AK_SRP_EPHEMERAL_BYTES])
{
        randombytes_buf(out, AK_SRP_EPHEMERAL_BYTES);
        out[0] |= 0x80;
}

/* Checks the identity, salt and password shared by the verifier and the client. */
static enum ak_err check_inputs(const char *identity, const unsigned char *salt, size_t salt_len,
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
static struct part salt_part(const unsigned char *salt, size_t salt_len)
{
        while (salt_len > 0 && salt[0] == 0) {
                salt++;
                salt_len--;
        }
        return (struct part){salt, salt_len};
}

/* x = H(s | H(I ":" P)) as bytes (h_bytes). */
static enum ak_err compute_x_bytes(const struct srp *s, unsigned char *out, const char *identity,
                                   const unsigned char *salt, size_t salt_len,
                                   const unsigned char *password, size_t password_len)
{
        unsigned char inner[AK__SRP_MAX_HASH_BYTES];
        struct part parts[3];
        enum ak_err err;

        parts[0] = (struct part){(const unsigned char *)identity, strlen(identity)};
        parts[1] = (struct part){(const unsigned char *)":", 1};
        parts[2] = (struct part){password, password_len};
        err = hash_parts(s, inner, parts, 3);
        if (err == AK_OK) {
                parts[0] = salt_part(salt, salt_len);
                parts[1] = (struct part){inner, s->h_bytes};
                err = hash_parts(s, out, parts, 2);
        }
        sodium_memzero(inner, sizeof(inner));
        return err;
}

/* x as a new secure BIGNUM. */
static enum ak_err compute_x(const struct srp *s, BIGNUM **out, const char *identity,
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
static enum ak_err compute_u(const struct srp *s, BIGNUM **out, const BIGNUM *A, const BIGNUM *B)
{
        unsigned char a_buf[AK__SRP_MAX_N_BYTES], b_buf[AK__SRP_MAX_N_BYTES];
        unsigned char u_buf[AK__SRP_MAX_HASH_BYTES];
        struct part parts[2];
        BIGNUM *u = NULL;
        enum ak_err err = AK_OK;

        BN_CHECK(BN_bn2binpad(A, a_buf, (int)s->n_bytes) > 0);
        BN_CHECK(BN_bn2binpad(B, b_buf, (int)s->n_bytes) > 0);
        parts[0] = (struct part){a_buf, s->n_bytes};
        parts[1] = (struct part){b_buf, s->n_bytes};
        err = hash_parts(s, u_buf, parts, 2);
        if (err != AK_OK)
                goto done;
        u = BN_bin2bn(u_buf, (int)s->h_bytes, NULL);
        BN_CHECK(u != NULL);
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
static enum ak_err compute_proofs(const struct srp *s, const BIGNUM *S, const char *identity,
                                  const unsigned char *salt, size_t salt_len, const BIGNUM *A,
                                  const BIGNUM *B, unsigned char *K, unsigned char *M1,
                                  unsigned char *M2, unsigned char *S_out, size_t *S_len)
{
        unsigned char s_buf[AK__SRP_MAX_N_BYTES], a_buf[AK__SRP_MAX_N_BYTES];
        unsigned char b_buf[AK__SRP_MAX_N_BYTES], n_buf[AK__SRP_MAX_N_BYTES];
        unsigned char g_buf[AK__SRP_MAX_N_BYTES];
        unsigned char h_ng[AK__SRP_MAX_HASH_BYTES], h_g[AK__SRP_MAX_HASH_BYTES];
        unsigned char h_i[AK__SRP_MAX_HASH_BYTES];
        struct part parts[6];
        size_t s_len, a_len, b_len, i;
        enum ak_err err = AK_OK;

        s_len = (size_t)BN_bn2bin(S, s_buf);
        a_len = (size_t)BN_bn2bin(A, a_buf);
        b_len = (size_t)BN_bn2bin(B, b_buf);
        BN_CHECK(BN_bn2binpad(s->N, n_buf, (int)s->n_bytes) > 0);
        BN_CHECK(BN_bn2binpad(s->g, g_buf, (int)s->n_bytes) > 0);

        parts[0] = (struct part){s_buf, s_len};
        if ((err = hash_parts(s, K, parts, 1)) != AK_OK)
                goto done;
        parts[0] = (struct part){n_buf, s->n_bytes};
        if ((err = hash_parts(s, h_ng, parts, 1)) != AK_OK)
                goto done;
        parts[0] = (struct part){g_buf, s->n_bytes};
        if ((err = hash_parts(s, h_g, parts, 1)) != AK_OK)
                goto done;
        for (i = 0; i < s->h_bytes; i++)
                h_ng[i] ^= h_g[i];
        parts[0] = (struct part){(const unsigned char *)identity, strlen(identity)};
        if ((err = hash_parts(s, h_i, parts, 1)) != AK_OK)
                goto done;

        parts[0] = (struct part){h_ng, s->h_bytes};
        parts[1] = (struct part){h_i, s->h_bytes};
        parts[2] = salt_part(salt, salt_len);
        parts[3] = (struct part){a_buf, a_len};
        parts[4] = (struct part){b_buf, b_len};
        parts[5] = (struct part){K, s->h_bytes};
        if ((err = hash_parts(s, M1, parts, 6)) != AK_OK)
                goto done;
        parts[0] = (struct part){a_buf, a_len};
        parts[1] = (struct part){M1, s->h_bytes};
        parts[2] = (struct part){K, s->h_bytes};
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

size_t ak__srp_n_bytes(const struct ak__srp_group *group)
{
        struct srp s;
        size_t n;

        if (srp_open(&s, group) != AK_OK)
                return 0;
        n = s.n_bytes;
        srp_close(&s);
        return n;
}

size_t ak__srp_hash_bytes(const struct ak__srp_group *group)
{
        struct srp s;
        size_t n;

        if (srp_open(&s, group) != AK_OK)
                return 0;
        n = s.h_bytes;
        srp_close(&s);
        return n;
}

enum ak_err ak__srp_k(const struct ak__srp_group *group, unsigned char *out, size_t out_cap,
                      size_t *out_len)
{
        struct srp s;
        size_t len;
        enum ak_err err = srp_open(&s, group);

        if (err != AK_OK)
                return err;
        len = (size_t)BN_num_bytes(s.k);
        if (len > out_cap)
                err = ak__fail(AK_ERR_LIMIT, "k: buffer too small");
        else
                *out_len = (size_t)BN_bn2bin(s.k, out);
        srp_close(&s);
        return err;
}

enum ak_err ak__srp_x(const struct ak__srp_group *group, unsigned char *out, size_t out_cap,
                      size_t *out_len, const char *identity, const unsigned char *salt,
                      size_t salt_len, const unsigned char *password, size_t password_len)
{
        struct srp s;
        enum ak_err err;

        if ((err = check_inputs(identity, salt, salt_len, password, password_len)) != AK_OK)
                return err;
        if ((err = srp_open(&s, group)) != AK_OK)
                return err;
        if (out_cap < s.h_bytes)
                err = ak__fail(AK_ERR_LIMIT, "x: buffer too small");
        else
                err = compute_x_bytes(&s, out, identity, salt, salt_len, password, password_len);
        if (err == AK_OK)
                *out_len = s.h_bytes;
        srp_close(&s);
        return err;
}

enum ak_err ak__srp_u(const struct ak__srp_group *group, unsigned char *out, size_t out_cap,
                      size_t *out_len, const unsigned char *A, size_t A_len, const unsigned char *B,
                      size_t B_len)
{
        BIGNUM *a_num = NULL, *b_num = NULL, *u = NULL;
        struct srp s;
        enum ak_err err;

        if ((err = srp_open(&s, group)) != AK_OK)
                return err;
        if ((err = read_element(&s, &a_num, A, A_len, "A")) != AK_OK ||
            (err = read_element(&s, &b_num, B, B_len, "B")) != AK_OK ||
            (err = compute_u(&s, &u, a_num, b_num)) != AK_OK)
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
        srp_close(&s);
        return err;
}

enum ak_err ak__srp_verifier(const struct ak__srp_group *group, unsigned char *verifier,
                             const char *identity, const unsigned char *salt, size_t salt_len,
                             const unsigned char *password, size_t password_len)
{
        BIGNUM *x = NULL, *v = NULL;
        struct srp s;
        enum ak_err err;

        if ((err = check_inputs(identity, salt, salt_len, password, password_len)) != AK_OK)
                return err;
        if ((err = srp_open(&s, group)) != AK_OK)
                return err;
        if ((err = compute_x(&s, &x, identity, salt, salt_len, password, password_len)) != AK_OK)
                goto done;
        v = BN_new();
        BN_CHECK(v != NULL);
        BN_CHECK(BN_mod_exp(v, s.g, x, s.N, s.bn));
        BN_CHECK(BN_bn2binpad(v, verifier, (int)s.n_bytes) > 0);
done:
        BN_clear_free(x);
        BN_free(v);
        srp_close(&s);
        return err;
}

enum ak_err ak_srp_verifier(unsigned char verifier[AK_SRP_N_BYTES], const char *identity,
                            const unsigned char *salt, size_t salt_len,
                            const unsigned char *password, size_t password_len)
{
        return ak__srp_verifier(DEFAULT_GROUP, verifier, identity, salt, salt_len, password,
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
        struct srp s;
        enum ak_err err;

        if (out == NULL || A == NULL)
                return ak__fail(AK_ERR_INVALID, "srp: missing output");
        if ((err = check_inputs(identity, &no_salt, 1, password, password_len)) != AK_OK)
                return err;
        if ((err = srp_open(&s, group)) != AK_OK)
                return err;
        if (a == NULL) {
                random_exponent(a_random);
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
        if ((err = read_exponent(&c->a, a, a_len, "a")) != AK_OK)
                goto done;
        A_num = BN_new();
        BN_CHECK(A_num != NULL);
        BN_CHECK(BN_mod_exp(A_num, s.g, c->a, s.N, s.bn));
        c->A_len = s.n_bytes;
        BN_CHECK(BN_bn2binpad(A_num, c->A, (int)c->A_len) > 0);
        memcpy(A, c->A, c->A_len);
        *out = c;
        c = NULL;
done:
        sodium_memzero(a_random, sizeof(a_random));
        BN_free(A_num);
        ak_srp_client_free(c);
        srp_close(&s);
        return err;
}

enum ak_err ak_srp_client_new(struct ak_srp_client **out, const char *identity,
                              const unsigned char *password, size_t password_len,
                              unsigned char A[AK_SRP_N_BYTES])
{
        return ak__srp_client_new(out, DEFAULT_GROUP, identity, password, password_len, NULL, 0, A);
}

enum ak_err ak_srp_client_process(struct ak_srp_client *client, const unsigned char *salt,
                                  size_t salt_len, const unsigned char *B, size_t B_len,
                                  unsigned char M1[AK_SRP_HASH_BYTES])
{
        BIGNUM *A = NULL, *B_num = NULL, *u = NULL, *x = NULL, *v = NULL, *base = NULL;
        BIGNUM *exponent = NULL, *S = NULL;
        unsigned char m1[AK__SRP_MAX_HASH_BYTES];
        struct srp s;
        bool opened = false;
        enum ak_err err;

        if (client == NULL || M1 == NULL)
                return ak__fail(AK_ERR_INVALID, "srp: missing argument");
        if (client->state != CLIENT_STARTED)
                return ak__fail(AK_ERR_INVALID, "srp: the challenge was processed already");
        client->state = CLIENT_FAILED;
        err =
            check_inputs(client->identity, salt, salt_len, client->password, client->password_len);
        if (err != AK_OK || (err = srp_open(&s, client->group)) != AK_OK)
                goto done;
        opened = true;
        if ((err = read_element(&s, &B_num, B, B_len, "B")) != AK_OK)
                goto done;
        A = BN_bin2bn(client->A, (int)client->A_len, NULL);
        BN_CHECK(A != NULL);
        if ((err = compute_u(&s, &u, A, B_num)) != AK_OK)
                goto done;
        err = compute_x(&s, &x, client->identity, salt, salt_len, client->password,
                        client->password_len);
        if (err != AK_OK)
                goto done;

        /* S = (B - k * g^x) ^ (a + u * x) mod N */
        v = BN_secure_new();
        base = BN_secure_new();
        exponent = BN_secure_new();
        S = BN_secure_new();
        BN_CHECK(v != NULL && base != NULL && exponent != NULL && S != NULL);
        BN_CHECK(BN_mod_exp(v, s.g, x, s.N, s.bn));
        BN_CHECK(BN_mod_mul(base, s.k, v, s.N, s.bn));
        BN_CHECK(BN_mod_sub(base, B_num, base, s.N, s.bn));
        BN_CHECK(BN_mul(exponent, u, x, s.bn));
        BN_CHECK(BN_add(exponent, exponent, client->a));
        BN_set_flags(exponent, BN_FLG_CONSTTIME);
        BN_CHECK(BN_mod_exp(S, base, exponent, s.N, s.bn));

        err = compute_proofs(&s, S, client->identity, salt, salt_len, A, B_num, client->K, m1,
                             client->M2, client->S, &client->S_len);
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
                srp_close(&s);
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

/* ---- the server ---- */

/* B = k*v + g^b mod N into the new BIGNUM *out. */
static enum ak_err compute_B(const struct srp *s, BIGNUM **out, const BIGNUM *v, const BIGNUM *b)
{
        BIGNUM *B = BN_new(), *gb = BN_secure_new();
        enum ak_err err = AK_OK;

        BN_CHECK(B != NULL && gb != NULL);
        BN_CHECK(BN_mod_exp(gb, s->g, b, s->N, s->bn));
        BN_CHECK(BN_mod_mul(B, s->k, v, s->N, s->bn));
        BN_CHECK(BN_mod_add(B, B, gb, s->N, s->bn));
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
        struct srp s;
        enum ak_err err;

        if (B == NULL)
                return ak__fail(AK_ERR_INVALID, "srp: missing output");
        if ((err = srp_open(&s, group)) != AK_OK)
                return err;
        if ((err = read_element(&s, &v, verifier, verifier_len, "verifier")) != AK_OK ||
            (err = read_exponent(&b_num, b, b_len, "b")) != AK_OK ||
            (err = compute_B(&s, &B_num, v, b_num)) != AK_OK)
                goto done;
        BN_CHECK(BN_bn2binpad(B_num, B, (int)s.n_bytes) > 0);
done:
        BN_clear_free(v);
        BN_clear_free(b_num);
        BN_free(B_num);
        srp_close(&s);
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
        random_exponent(b_new);
        err = ak__srp_server_B(DEFAULT_GROUP, B, verifier, verifier_len, b_new, sizeof(b_new));
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
        struct srp s;
        enum ak_err err;

        if (M2 == NULL)
                return ak__fail(AK_ERR_INVALID, "srp: missing output");
        if ((err = check_inputs(identity, salt, salt_len, &no_password, 1)) != AK_OK)
                return err;
        if ((err = srp_open(&s, group)) != AK_OK)
                return err;
        if (M1 == NULL || M1_len != s.h_bytes) {
                err =
                    ak__fail(AK_ERR_INVALID, "M1: length %zu is not %zu bytes", M1_len, s.h_bytes);
                goto done;
        }
        if ((err = read_element(&s, &A_num, A, A_len, "A")) != AK_OK ||
            (err = read_element(&s, &v, verifier, verifier_len, "verifier")) != AK_OK ||
            (err = read_exponent(&b_num, b, b_len, "b")) != AK_OK ||
            (err = compute_B(&s, &B_num, v, b_num)) != AK_OK ||
            (err = compute_u(&s, &u, A_num, B_num)) != AK_OK)
                goto done;

        /* S = (A * v^u) ^ b mod N */
        base = BN_secure_new();
        S = BN_secure_new();
        BN_CHECK(base != NULL && S != NULL);
        BN_CHECK(BN_mod_exp(base, v, u, s.N, s.bn));
        BN_CHECK(BN_mod_mul(base, A_num, base, s.N, s.bn));
        BN_CHECK(BN_mod_exp(S, base, b_num, s.N, s.bn));

        err =
            compute_proofs(&s, S, identity, salt, salt_len, A_num, B_num, K, m1, m2, S_buf, &S_len);
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
        srp_close(&s);
        return err;
}

enum ak_err ak_srp_server_finish(unsigned char M2[AK_SRP_HASH_BYTES], unsigned char *session_key,
                                 const char *identity, const unsigned char *salt, size_t salt_len,
                                 const unsigned char *verifier, size_t verifier_len,
                                 const unsigned char b[AK_SRP_EPHEMERAL_BYTES],
                                 const unsigned char *A, size_t A_len, const unsigned char *M1,
                                 size_t M1_len)
{
        return ak__srp_server_finish(DEFAULT_GROUP, M2, session_key, NULL, NULL, identity, salt,
                                     salt_len, verifier, verifier_len, b, AK_SRP_EPHEMERAL_BYTES, A,
                                     A_len, M1, M1_len);
}
