/*
 * SRP-6a (RFC 5054) for the recovery account (SPEC §3, docs/backup-format.md).
 *
 * Group: RFC 5054's 4096-bit group (g = 5); hash: SHA-256. The SRP password
 * is the 32-byte login key derived on the device (backup.h), never the
 * user's password. The identity is the lower-cased email (ak_srp_identity).
 *
 * The computations match RFC 5054 and Debian's python3-srp with
 * rfc5054_enable(), hash_alg=SHA256, ng_type=NG_4096:
 *   k  = H(N | PAD(g))            u  = H(PAD(A) | PAD(B))
 *   x  = H(s | H(I ":" P))        v  = g^x
 *   B  = k*v + g^b                A  = g^a
 *   S  = (B - k*g^x)^(a + u*x)  = (A * v^u)^b       K = H(S)
 *   M1 = H(H(N) xor H(PAD(g)) | H(I) | s | A | B | K)
 *   M2 = H(A | M1 | K)
 * where numbers inside M1, M2 and K are written big-endian without leading
 * zero bytes, PAD() pads to the length of N, and the salt s is hashed
 * without leading zero bytes (ak_srp_salt never makes one).
 *
 * Big numbers cross the wire as big-endian bytes. This library writes A, B
 * and verifiers padded to AK_SRP_N_BYTES; it reads any length up to
 * AK_SRP_N_BYTES (leading zero bytes allowed) and rejects values that are 0
 * or not below N (AK_ERR_INVALID), so A or B = 0 mod N cannot pass.
 *
 * Typical use:
 *   account creation / password change (device):
 *     ak_srp_salt(salt); ak_srp_verifier(v, identity, salt, 16, login_key, 32);
 *     (or simply ak_recovery_credentials_make() in backup.h)
 *   sign-in, device:                       sign-in, server:
 *     ak_srp_client_new(&c, I, P, A) -->   (POST /v1/auth/start {email})
 *                                          ak_srp_server_start(b, B, v)
 *                                          keeps b (secret) with the login id
 *     ak_srp_client_process(c, s, B, M1) <-- {srp_salt, B}
 *     {A, M1} -->                          ak_srp_server_finish(M2, K, I, s, v, b, A, M1)
 *                                          wipes b; AK_ERR_AUTH: wrong password
 *     ak_srp_client_verify(c, M2, K) <--   {M2, ...}
 *     ak_srp_client_free(c)
 */
#ifndef AUTHKEEP_SRP_H
#define AUTHKEEP_SRP_H

#include <stdbool.h>
#include <stddef.h>

#include "authkeep/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AK_SRP_N_BYTES 512        /* 4096-bit group: A, B and verifiers */
#define AK_SRP_HASH_BYTES 32      /* SHA-256: M1, M2 and the session key K */
#define AK_SRP_SALT_BYTES 16      /* srp_salt made by ak_srp_salt */
#define AK_SRP_SALT_MAX 64        /* the longest salt accepted */
#define AK_SRP_EPHEMERAL_BYTES 32 /* the secret exponents a and b (256 bits) */
#define AK_SRP_IDENTITY_MAX 320   /* identity bytes, NUL excluded */
#define AK_SRP_PASSWORD_MAX 1024  /* SRP password bytes */

/*
 * Writes the SRP identity for `email` into `out` (`out_cap` bytes, NUL
 * included): the email with ASCII letters lower-cased and surrounding
 * spaces removed, followed by "#recovery" when `recovery` is true (the
 * identity of the recovery-code verifier). AK_ERR_INVALID for an empty email
 * or one holding control characters; AK_ERR_LIMIT when it does not fit or
 * is longer than AK_SRP_IDENTITY_MAX. Device and server both call this so
 * that H(I) inside M1 is the same on both sides.
 */
enum ak_err ak_srp_identity(char *out, size_t out_cap, const char *email, bool recovery);

/* Fills `salt` with AK_SRP_SALT_BYTES random bytes, the first one non-zero. */
void ak_srp_salt(unsigned char salt[AK_SRP_SALT_BYTES]);

/*
 * Computes the verifier v = g^x mod N for `identity`, `salt` (1 to
 * AK_SRP_SALT_MAX bytes) and the SRP password (the login key), written to
 * `verifier` as AK_SRP_N_BYTES big-endian bytes. The verifier lets whoever
 * holds it test guesses of the password offline, so the server keeps it as
 * a secret too. AK_ERR_INVALID for bad lengths; AK_ERR_CRYPTO when OpenSSL
 * fails.
 */
enum ak_err ak_srp_verifier(unsigned char verifier[AK_SRP_N_BYTES], const char *identity,
                            const unsigned char *salt, size_t salt_len,
                            const unsigned char *password, size_t password_len)
    __attribute__((warn_unused_result));

/*
 * Checks a verifier that a device offers (at account creation or a password
 * change) by comparison only, without computing with it: AK_OK when it is
 * 1 to AK_SRP_N_BYTES big-endian bytes with 1 < v < N, AK_ERR_INVALID
 * otherwise.
 */
enum ak_err ak_srp_check_verifier(const unsigned char *verifier, size_t verifier_len)
    __attribute__((warn_unused_result));

/* ---- the client (device) ---- */

/* One sign-in attempt on the device; holds a, x and K, wiped by ak_srp_client_free. */
struct ak_srp_client;

/*
 * Starts a sign-in: picks a random a and writes A = g^a mod N to `A`
 * (AK_SRP_N_BYTES). The identity and password are copied; the caller may
 * wipe its own copy at once. *out is freed with ak_srp_client_free().
 */
enum ak_err ak_srp_client_new(struct ak_srp_client **out, const char *identity,
                              const unsigned char *password, size_t password_len,
                              unsigned char A[AK_SRP_N_BYTES]) __attribute__((warn_unused_result));

/*
 * Processes the server's challenge (its salt and B) and writes the proof M1
 * (AK_SRP_HASH_BYTES) to send with A. AK_ERR_INVALID when B is malformed, 0
 * or not below N, or u is 0 (a hostile or broken server); the client is then
 * unusable. Call once per client.
 */
enum ak_err ak_srp_client_process(struct ak_srp_client *client, const unsigned char *salt,
                                  size_t salt_len, const unsigned char *B, size_t B_len,
                                  unsigned char M1[AK_SRP_HASH_BYTES])
    __attribute__((warn_unused_result));

/*
 * Checks the server's proof M2 in constant time. On success writes the
 * session key K (AK_SRP_HASH_BYTES) if `session_key` is not NULL and returns
 * AK_OK: the server knew the verifier. AK_ERR_AUTH when M2 is wrong (the
 * server is not the one that holds this account's verifier);
 * AK_ERR_INVALID before ak_srp_client_process succeeded.
 */
enum ak_err ak_srp_client_verify(struct ak_srp_client *client, const unsigned char *M2,
                                 size_t M2_len, unsigned char *session_key)
    __attribute__((warn_unused_result));

/* Wipes and frees; accepts NULL. */
void ak_srp_client_free(struct ak_srp_client *client);

/* ---- the server ---- */

/*
 * First server step: picks a random secret b (written to `b`,
 * AK_SRP_EPHEMERAL_BYTES) and computes B = k*v + g^b mod N (written to `B`,
 * AK_SRP_N_BYTES) from the stored verifier. The server keeps b until
 * ak_srp_server_finish (in memory, next to the login id), uses it once, and
 * wipes it. AK_ERR_INVALID for a malformed verifier.
 */
enum ak_err ak_srp_server_start(unsigned char b[AK_SRP_EPHEMERAL_BYTES],
                                unsigned char B[AK_SRP_N_BYTES], const unsigned char *verifier,
                                size_t verifier_len) __attribute__((warn_unused_result));

/*
 * Second server step: checks the client's A and M1 against the identity,
 * salt, verifier and the secret b of ak_srp_server_start (B is recomputed
 * from b and v). On success writes M2 (the proof to send back) and, if
 * `session_key` is not NULL, K (both AK_SRP_HASH_BYTES) and returns AK_OK.
 * AK_ERR_AUTH when M1 is wrong (wrong password; compared in constant time);
 * AK_ERR_INVALID when A is malformed, 0 or not below N, or u is 0, or M1
 * does not have AK_SRP_HASH_BYTES bytes. Outputs are written only on
 * success.
 */
enum ak_err ak_srp_server_finish(unsigned char M2[AK_SRP_HASH_BYTES], unsigned char *session_key,
                                 const char *identity, const unsigned char *salt, size_t salt_len,
                                 const unsigned char *verifier, size_t verifier_len,
                                 const unsigned char b[AK_SRP_EPHEMERAL_BYTES],
                                 const unsigned char *A, size_t A_len, const unsigned char *M1,
                                 size_t M1_len) __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif
#endif
