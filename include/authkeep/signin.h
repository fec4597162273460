/*
 * Push sign-in's signed bytes (docs/api.md, "Push sign-in"): what a device
 * signs to answer a sign-in request, and the header that authenticates a
 * device's own calls. The device and authkeepd build and check both with
 * these functions, so the two sides cannot drift apart.
 */
#ifndef AUTHKEEP_SIGNIN_H
#define AUTHKEEP_SIGNIN_H

#include <stddef.h>
#include <stdint.h>

#include "authkeep/err.h"
#include "authkeep/vault.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AK_SIGNIN_ID_LEN 32       /* hex characters of a request id */
#define AK_SIGNIN_NONCE_BYTES 32  /* the challenge's random nonce */
#define AK_SIGNIN_ORIGIN_MAX 255  /* the server's public URL */
#define AK_SIGNIN_ACCOUNT_MAX 254 /* an email address */
#define AK_SIGNIN_FROM_MAX 64     /* the requester's address */
#define AK_SIGNIN_APP_MAX 64      /* the requester's app name */
#define AK_SIGNIN_NUMBER_MIN 10   /* the number shown to the requester: two digits */
#define AK_SIGNIN_NUMBER_MAX 99
#define AK_SIGNIN_MESSAGE_MAX 1024 /* room for every signed message */

/* What a device sees of a sign-in request (never the number). */
struct ak_signin_challenge {
        char request_id[AK_SIGNIN_ID_LEN + 1];
        unsigned char nonce[AK_SIGNIN_NONCE_BYTES];
        char origin[AK_SIGNIN_ORIGIN_MAX + 1];
        char account[AK_SIGNIN_ACCOUNT_MAX + 1];
        char from[AK_SIGNIN_FROM_MAX + 1];
        char app[AK_SIGNIN_APP_MAX + 1];
        int64_t created_at, expires_at; /* unix seconds */
};

enum ak_signin_decision {
        AK_SIGNIN_APPROVE,
        AK_SIGNIN_DENY,
        AK_SIGNIN_REPORT, /* a denial that says "this was not me" */
};

/* "approve", "deny" or "report". */
const char *ak_signin_decision_name(enum ak_signin_decision d);
/* The decision of `name`; AK_ERR_INVALID for anything else. */
enum ak_err ak_signin_decision_parse(const char *name, enum ak_signin_decision *out)
    __attribute__((warn_unused_result));

/*
 * The bytes that answer `c`: "authkeep-signin-v1", a 0 byte, then each field
 * as a 4-byte big-endian length and its bytes: request_id, nonce (raw),
 * origin, account, from, app, expires_at (decimal), device_id, the
 * decision's name, and the number typed (decimal; "" unless approving).
 * Writes *len bytes to `out` (AK_SIGNIN_MESSAGE_MAX bytes). AK_ERR_INVALID
 * for an approval whose number is not two digits or a field too long.
 */
enum ak_err ak_signin_message(unsigned char out[AK_SIGNIN_MESSAGE_MAX], size_t *len,
                              const struct ak_signin_challenge *c, const char *device_id,
                              enum ak_signin_decision decision, unsigned number)
    __attribute__((warn_unused_result));

/* Signs the answer to `c` with the vault's device-bound key. */
enum ak_err ak_signin_sign(unsigned char sig[AK_DEVICE_SIG_BYTES], const struct ak_vault *vault,
                           const struct ak_signin_challenge *c, enum ak_signin_decision decision,
                           unsigned number) __attribute__((warn_unused_result));

/*
 * The same under the device id `device_id` (NULL: the vault's own), for an
 * account whose device id is derived from the vault's (a work account,
 * authkeep/work.h): the key is the vault's device key all the same.
 */
enum ak_err ak_signin_sign_as(unsigned char sig[AK_DEVICE_SIG_BYTES], const struct ak_vault *vault,
                              const char *device_id, const struct ak_signin_challenge *c,
                              enum ak_signin_decision decision, unsigned number)
    __attribute__((warn_unused_result));

/* AK_OK when `sig` answers `c` so for `device_id` under `pk`; AK_ERR_AUTH when it does not. */
enum ak_err ak_signin_verify(const unsigned char sig[AK_DEVICE_SIG_BYTES],
                             const unsigned char pk[AK_DEVICE_PK_BYTES],
                             const struct ak_signin_challenge *c, const char *device_id,
                             enum ak_signin_decision decision, unsigned number)
    __attribute__((warn_unused_result));

/* ---- the device header ---- */

/*
 * `Authorization: Device DEVICE_ID.UNIX_SECONDS.NONCE.SIG` (NONCE: 16 random
 * bytes, NONCE and SIG in base64url without padding). SIG is Ed25519 over
 * "authkeep-device-v1\n" METHOD "\n" PATH "\n" UNIX_SECONDS "\n" NONCE "\n"
 * and the hex BLAKE2b-256 of the body ("" for none), PATH with its query.
 */
#define AK_DEVICE_NONCE_BYTES 16
#define AK_DEVICE_NONCE_LEN 22 /* base64url characters */
#define AK_DEVICE_AUTH_MAX 192 /* the header's value, with its NUL */

struct ak_device_auth {
        char device_id[AK_DEVICE_ID_LEN + 1];
        int64_t at; /* unix seconds */
        char nonce[AK_DEVICE_NONCE_LEN + 1];
        unsigned char sig[AK_DEVICE_SIG_BYTES];
};

/* The header's value ("Device ...") for a call at `now`, signed with the vault's device key. */
enum ak_err ak_device_auth_make(char out[AK_DEVICE_AUTH_MAX], const struct ak_vault *vault,
                                const char *method, const char *path, const void *body,
                                size_t body_len, int64_t now) __attribute__((warn_unused_result));

/* The same naming the device id `device_id` (NULL: the vault's own), as ak_signin_sign_as. */
enum ak_err ak_device_auth_make_as(char out[AK_DEVICE_AUTH_MAX], const struct ak_vault *vault,
                                   const char *device_id, const char *method, const char *path,
                                   const void *body, size_t body_len, int64_t now)
    __attribute__((warn_unused_result));

/* Reads a header's value; AK_ERR_INVALID (with a reason) for anything malformed. */
enum ak_err ak_device_auth_parse(struct ak_device_auth *out, const char *value)
    __attribute__((warn_unused_result));

/* AK_OK when `a` signs this call under `pk`; AK_ERR_AUTH when it does not. Checks no clock. */
enum ak_err ak_device_auth_verify(const struct ak_device_auth *a,
                                  const unsigned char pk[AK_DEVICE_PK_BYTES], const char *method,
                                  const char *path, const void *body, size_t body_len)
    __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif

#endif
