/*
 * HOTP (RFC 4226), TOTP (RFC 6238) and Steam Guard codes.
 */
#ifndef AUTHKEEP_OTP_H
#define AUTHKEEP_OTP_H

#include <stddef.h>
#include <stdint.h>

#include "authkeep/account.h"
#include "authkeep/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AK_CODE_MAX 10 /* characters of a code, NUL excluded */

/* HOTP of `key` at `counter`, `digits` 6..8, into `out` (NUL-terminated). */
enum ak_err ak_hotp(char out[AK_CODE_MAX + 1], enum ak_hash hash, const unsigned char *key,
                    size_t key_len, uint64_t counter, unsigned digits);

/* TOTP at unix time `now` (>= 0), time step `period` seconds from T0 = 0. */
enum ak_err ak_totp(char out[AK_CODE_MAX + 1], enum ak_hash hash, const unsigned char *key,
                    size_t key_len, int64_t now, uint32_t period, unsigned digits);

/* Steam Guard: 5 characters of "23456789BCDFGHJKMNPQRTVWXY" from HMAC-SHA1 of the time step. */
enum ak_err ak_steam(char out[AK_CODE_MAX + 1], const unsigned char *key, size_t key_len,
                     int64_t now, uint32_t period);

/*
 * The code `acct` shows at unix time `now`; for HOTP, the code at its current
 * counter (the caller advances and stores the counter).
 */
enum ak_err ak_account_code(char out[AK_CODE_MAX + 1], const struct ak_account *acct, int64_t now);

/* Seconds until the code of a `period`-second step changes, 1..period. */
uint32_t ak_totp_remaining(int64_t now, uint32_t period);

#ifdef __cplusplus
}
#endif
#endif
