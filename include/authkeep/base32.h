/*
 * Base32 (RFC 4648 §6), as OTP secrets are written.
 */
#ifndef AUTHKEEP_BASE32_H
#define AUTHKEEP_BASE32_H

#include <stddef.h>

#include "authkeep/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most bytes ak_base32_decode can write for `in_len` characters of input. */
size_t ak_base32_decoded_max(size_t in_len);

/*
 * Decodes leniently: lower case, spaces, dashes between groups, and missing
 * or present '=' padding are accepted. Writes at most `out_cap` bytes to
 * `out` and their number to *out_len, only on success. A character outside
 * the alphabet is AK_ERR_BASE32 with a detail naming it and its position;
 * input that decodes to zero bytes is AK_ERR_BASE32 too.
 */
enum ak_err ak_base32_decode(unsigned char *out, size_t out_cap, size_t *out_len, const char *in,
                             size_t in_len) __attribute__((warn_unused_result));

/* Bytes needed for the encoding of `in_len` bytes, NUL included. */
size_t ak_base32_encoded_size(size_t in_len);

/* Encodes upper case without padding into `out` (ak_base32_encoded_size(in_len) bytes,
 * NUL-terminated). */
enum ak_err ak_base32_encode(char *out, size_t out_cap, const unsigned char *in, size_t in_len);

#ifdef __cplusplus
}
#endif
#endif
