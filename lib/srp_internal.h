/*
 * SRP-6a with the group and the hash as parameters (lib/srp.c). The public
 * functions in authkeep/srp.h use ak__srp_4096_sha256; the others exist so
 * that unit tests can reproduce RFC 5054 Appendix B (1024-bit group, SHA-1)
 * and choose a and b. Not installed, not part of the public API.
 */
#ifndef AUTHKEEP_SRP_INTERNAL_H
#define AUTHKEEP_SRP_INTERNAL_H

#include <stddef.h>

#include <openssl/bn.h>
#include <openssl/evp.h>

#include "authkeep/srp.h"
#include "internal.h"

#define AK__SRP_MAX_N_BYTES 512   /* the largest group here */
#define AK__SRP_MAX_HASH_BYTES 64 /* the largest digest here */

/* A group (RFC 5054 Appendix A) and the hash used with it. */
struct ak__srp_group {
        const char *name;    /* for error details */
        const char *N_hex;   /* the safe prime, hex */
        unsigned g;          /* the generator */
        const char *md_name; /* OpenSSL digest name: "SHA1", "SHA256" */
};

extern const struct ak__srp_group ak__srp_1024_sha1;   /* tests only */
extern const struct ak__srp_group ak__srp_4096_sha256; /* the product */

/* Bytes of N and of the hash for `group`; 0 when the group is unusable. */
size_t ak__srp_n_bytes(const struct ak__srp_group *group);
size_t ak__srp_hash_bytes(const struct ak__srp_group *group);

/* k = H(N | PAD(g)), written big-endian without leading zeros; *out_len is its length. */
enum ak_err ak__srp_k(const struct ak__srp_group *group, unsigned char *out, size_t out_cap,
                      size_t *out_len);

/* x = H(s | H(I ":" P)), hash bytes. */
enum ak_err ak__srp_x(const struct ak__srp_group *group, unsigned char *out, size_t out_cap,
                      size_t *out_len, const char *identity, const unsigned char *salt,
                      size_t salt_len, const unsigned char *password, size_t password_len);

/* u = H(PAD(A) | PAD(B)), hash bytes. */
enum ak_err ak__srp_u(const struct ak__srp_group *group, unsigned char *out, size_t out_cap,
                      size_t *out_len, const unsigned char *A, size_t A_len, const unsigned char *B,
                      size_t B_len);

/* The verifier for `group`: n_bytes bytes, padded. */
enum ak_err ak__srp_verifier(const struct ak__srp_group *group, unsigned char *verifier,
                             const char *identity, const unsigned char *salt, size_t salt_len,
                             const unsigned char *password, size_t password_len);

/*
 * ak_srp_client_new for `group`, with the secret a given (`a`, `a_len`
 * bytes) or random when `a` is NULL. `A` receives n_bytes bytes.
 */
enum ak_err ak__srp_client_new(struct ak_srp_client **out, const struct ak__srp_group *group,
                               const char *identity, const unsigned char *password,
                               size_t password_len, const unsigned char *a, size_t a_len,
                               unsigned char *A);

/* The premaster secret S of a processed client, big-endian without leading zeros. */
enum ak_err ak__srp_client_premaster(const struct ak_srp_client *client, unsigned char *out,
                                     size_t out_cap, size_t *out_len);

/* B = k*v + g^b for a given b; `B` receives n_bytes bytes. */
enum ak_err ak__srp_server_B(const struct ak__srp_group *group, unsigned char *B,
                             const unsigned char *verifier, size_t verifier_len,
                             const unsigned char *b, size_t b_len);

/*
 * ak_srp_server_finish for `group` and a b of any length. When `premaster`
 * is not NULL it receives S (big-endian without leading zeros, at most
 * n_bytes) and *premaster_len its length, also on success only.
 */
enum ak_err ak__srp_server_finish(const struct ak__srp_group *group, unsigned char *M2,
                                  unsigned char *session_key, unsigned char *premaster,
                                  size_t *premaster_len, const char *identity,
                                  const unsigned char *salt, size_t salt_len,
                                  const unsigned char *verifier, size_t verifier_len,
                                  const unsigned char *b, size_t b_len, const unsigned char *A,
                                  size_t A_len, const unsigned char *M1, size_t M1_len);

/*
 * What srp.c shares with srp_client.c and srp_server.c: the group as
 * numbers for one call, and the steps both sides compute.
 */
#define AK__SRP_DEFAULT_GROUP (&ak__srp_4096_sha256)

/* The group as numbers, for one call: N, g, k and a BN_CTX. */
struct ak__srp_ctx {
        const EVP_MD *md;
        size_t n_bytes; /* bytes of N: the width of PAD() */
        size_t h_bytes; /* digest bytes */
        BN_CTX *bn;
        BIGNUM *N, *g, *k;
};

/* One input of a hash: bytes and their length. */
struct ak__srp_part {
        const unsigned char *bytes;
        size_t len;
};

/* Where an OpenSSL call fails: one detail, no secret. */
#define AK__SRP_BN_CHECK(call)                                                                     \
        do {                                                                                       \
                if (!(call)) {                                                                     \
                        err = ak__fail(AK_ERR_CRYPTO, "srp: OpenSSL big number operation failed"); \
                        goto done;                                                                 \
                }                                                                                  \
        } while (0)

/* Frees what ak__srp_open made; accepts a partly opened one. */
void ak__srp_close(struct ak__srp_ctx *s);

/* Loads `group` and computes k = H(N | PAD(g)) mod N. */
enum ak_err ak__srp_open(struct ak__srp_ctx *s, const struct ak__srp_group *group) AK__WUR;

/*
 * Reads a big-endian number that must lie in 1..N-1 (A, B, a verifier):
 * AK_ERR_INVALID with `what` in the detail otherwise. *out is a new BIGNUM.
 */
enum ak_err ak__srp_read_element(const struct ak__srp_ctx *s, BIGNUM **out,
                                 const unsigned char *bytes, size_t len, const char *what) AK__WUR;

/* Reads a secret exponent (a or b) of 1..64 bytes into a new secure BIGNUM. */
enum ak_err ak__srp_read_exponent(BIGNUM **out, const unsigned char *bytes, size_t len,
                                  const char *what) AK__WUR;

/* A fresh secret exponent: 256 random bits, the top one set (as python3-srp's BN_rand). */
void ak__srp_random_exponent(unsigned char out[AK_SRP_EPHEMERAL_BYTES]);

/* Checks the identity, salt and password shared by the verifier and the client. */
enum ak_err ak__srp_check_inputs(const char *identity, const unsigned char *salt, size_t salt_len,
                                 const unsigned char *password, size_t password_len) AK__WUR;

/* x as a new secure BIGNUM. */
enum ak_err ak__srp_compute_x(const struct ak__srp_ctx *s, BIGNUM **out, const char *identity,
                              const unsigned char *salt, size_t salt_len,
                              const unsigned char *password, size_t password_len) AK__WUR;

/* u = H(PAD(A) | PAD(B)) as a new BIGNUM; AK_ERR_INVALID when it is 0. */
enum ak_err ak__srp_compute_u(const struct ak__srp_ctx *s, BIGNUM **out, const BIGNUM *A,
                              const BIGNUM *B) AK__WUR;

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
                                   size_t *S_len) AK__WUR;

#endif
