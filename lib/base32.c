/*
 * Base32 (RFC 4648 §6) as OTP secrets are written by people and apps: the
 * decoder accepts lower case, spaces and dashes between groups, and '='
 * padding whether present, partial or missing; the encoder writes upper case
 * without padding, as otpauth:// URIs expect.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/base32.h"
#include "internal.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* The 5-bit value of `c`, or -1 when it is not a base32 letter or digit (either case). */
static int symbol_value(unsigned char c)
{
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a';
        if (c >= '2' && c <= '7')
                return c - '2' + 26;
        return -1;
}

/* Separators people type between groups; skipped anywhere. */
static int is_separator(unsigned char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '-';
}

/*
 * Records the detail for a bad character at 0-based `pos`: the position is
 * reported 1-based, and a character that would not print is shown as \xNN.
 */
static enum ak_err bad_char(unsigned char c, size_t pos)
{
        if (c >= 0x21 && c < 0x7f)
                return ak__fail(AK_ERR_BASE32,
                                "base32: '%c' at position %zu is not a base32 character", c,
                                pos + 1);
        return ak__fail(AK_ERR_BASE32,
                        "base32: byte \\x%02X at position %zu is not a base32 character", c,
                        pos + 1);
}

size_t ak_base32_decoded_max(size_t in_len)
{
        /* Every 8 characters carry 5 bytes; a partial group carries floor(5n/8). */
        return in_len / 8 * 5 + (in_len % 8) * 5 / 8;
}

enum ak_err ak_base32_decode(unsigned char *out, size_t out_cap, size_t *out_len, const char *in,
                             size_t in_len)
{
        uint_fast32_t bits = 0; /* pending bits, at most 12 of them */
        unsigned nbits = 0;
        size_t written = 0;
        int padding = 0; /* set once '=' is seen: only '=' and separators may follow */
        enum ak_err err = AK_OK;

        if (out_len == NULL || (in == NULL && in_len > 0) || (out == NULL && out_cap > 0))
                return ak__fail(AK_ERR_INVALID, "base32: missing argument");
        for (size_t i = 0; i < in_len; i++) {
                unsigned char c = (unsigned char)in[i];
                int v;

                if (is_separator(c))
                        continue;
                if (c == '=') {
                        padding = 1;
                        continue;
                }
                v = symbol_value(c);
                if (v < 0 || padding) {
                        err = bad_char(c, i);
                        goto done;
                }
                bits = (bits << 5) | (uint_fast32_t)v;
                nbits += 5;
                if (nbits >= 8) {
                        nbits -= 8;
                        if (written == out_cap) {
                                err = ak__fail(AK_ERR_LIMIT,
                                               "base32: decodes to more than %zu bytes", out_cap);
                                goto done;
                        }
                        out[written++] = (unsigned char)(bits >> nbits);
                        bits &= (1u << nbits) - 1;
                }
        }
        /* Leftover bits (fewer than 8) are the encoder's zero fill; lenient decoders ignore them.
         */
        if (written == 0)
                err = ak__fail(AK_ERR_BASE32, "base32: no data");
done:
        bits = 0;
        if (err != AK_OK) {
                if (written > 0)
                        sodium_memzero(out, written);
                return err;
        }
        *out_len = written;
        return AK_OK;
}

size_t ak_base32_encoded_size(size_t in_len)
{
        return in_len / 5 * 8 + ((in_len % 5) * 8 + 4) / 5 + 1;
}

enum ak_err ak_base32_encode(char *out, size_t out_cap, const unsigned char *in, size_t in_len)
{
        uint_fast32_t bits = 0;
        unsigned nbits = 0;
        size_t pos = 0;

        if (out == NULL || (in == NULL && in_len > 0))
                return ak__fail(AK_ERR_INVALID, "base32: missing argument");
        if (in_len > (SIZE_MAX - 16) / 8 * 5 || out_cap < ak_base32_encoded_size(in_len))
                return ak__fail(AK_ERR_LIMIT, "base32: output buffer too small");
        for (size_t i = 0; i < in_len; i++) {
                bits = (bits << 8) | in[i];
                nbits += 8;
                while (nbits >= 5) {
                        nbits -= 5;
                        out[pos++] = alphabet[(bits >> nbits) & 31];
                }
                bits &= (1u << nbits) - 1;
        }
        if (nbits > 0)
                out[pos++] = alphabet[(bits << (5 - nbits)) & 31];
        out[pos] = '\0';
        return AK_OK;
}
