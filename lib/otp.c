/*
 * HOTP (RFC 4226), TOTP (RFC 6238) and Steam Guard codes.
 *
 * HMAC (RFC 2104) is built here on libcrypto's SHA-1, SHA-256 and SHA-512
 * block functions rather than on EVP_MAC: an OTP code is one short HMAC under
 * a fresh key, and OpenSSL 3's provider layer costs several allocations, locks
 * and a digest fetch per call, which made a code three to five times slower
 * than the hashing itself. The low-level functions keep all state on the
 * stack, so this is thread-safe without any shared cache. tests/core checks
 * the result against OpenSSL's own HMAC for random keys and messages.
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA1_Init and friends: deprecated, still in libcrypto 3 */

#include <string.h>

#include <openssl/sha.h>
#include <sodium.h>

#include "authkeep/otp.h"
#include "internal.h"

#define HMAC_BLOCK_MAX 128 /* SHA-512's block */
#define HMAC_OUT_MAX 64    /* SHA-512's digest */

/* One running hash of any of the three kinds. */
struct digest {
        enum ak_hash hash;
        union {
                SHA_CTX sha1;
                SHA256_CTX sha256;
                SHA512_CTX sha512;
        } ctx;
};

static size_t block_size(enum ak_hash hash)
{
        return hash == AK_HASH_SHA512 ? 128 : 64;
}

static size_t digest_size(enum ak_hash hash)
{
        return hash == AK_HASH_SHA1 ? 20 : hash == AK_HASH_SHA256 ? 32 : 64;
}

static void digest_init(struct digest *d, enum ak_hash hash)
{
        d->hash = hash;
        switch (hash) {
        case AK_HASH_SHA1:
                SHA1_Init(&d->ctx.sha1);
                break;
        case AK_HASH_SHA256:
                SHA256_Init(&d->ctx.sha256);
                break;
        case AK_HASH_SHA512:
                SHA512_Init(&d->ctx.sha512);
                break;
        }
}

static void digest_update(struct digest *d, const void *data, size_t len)
{
        switch (d->hash) {
        case AK_HASH_SHA1:
                SHA1_Update(&d->ctx.sha1, data, len);
                break;
        case AK_HASH_SHA256:
                SHA256_Update(&d->ctx.sha256, data, len);
                break;
        case AK_HASH_SHA512:
                SHA512_Update(&d->ctx.sha512, data, len);
                break;
        }
}

static void digest_final(struct digest *d, unsigned char *out)
{
        switch (d->hash) {
        case AK_HASH_SHA1:
                SHA1_Final(out, &d->ctx.sha1);
                break;
        case AK_HASH_SHA256:
                SHA256_Final(out, &d->ctx.sha256);
                break;
        case AK_HASH_SHA512:
                SHA512_Final(out, &d->ctx.sha512);
                break;
        }
}

/*
 * HMAC-`hash` of `msg` under `key` (any length; a key longer than a block is
 * hashed first) into `out` (HMAC_OUT_MAX bytes); returns the MAC's length.
 * Every intermediate value is wiped before returning.
 */
static size_t hmac(unsigned char out[HMAC_OUT_MAX], enum ak_hash hash, const unsigned char *key,
                   size_t key_len, const unsigned char *msg, size_t msg_len)
{
        unsigned char pad[HMAC_BLOCK_MAX], inner[HMAC_OUT_MAX];
        size_t block = block_size(hash), size = digest_size(hash);
        struct digest d;

        memset(pad, 0, block);
        if (key_len > block) {
                digest_init(&d, hash);
                digest_update(&d, key, key_len);
                digest_final(&d, pad);
        } else {
                memcpy(pad, key, key_len);
        }
        for (size_t i = 0; i < block; i++)
                pad[i] ^= 0x36;
        digest_init(&d, hash);
        digest_update(&d, pad, block);
        digest_update(&d, msg, msg_len);
        digest_final(&d, inner);
        for (size_t i = 0; i < block; i++)
                pad[i] ^= 0x36 ^ 0x5c;
        digest_init(&d, hash);
        digest_update(&d, pad, block);
        digest_update(&d, inner, size);
        digest_final(&d, out);
        sodium_memzero(pad, sizeof(pad));
        sodium_memzero(inner, sizeof(inner));
        sodium_memzero(&d, sizeof(d));
        return size;
}

/* Checks what every code needs: a key of 1..AK_SECRET_MAX bytes and a known hash. */
static enum ak_err check_key(enum ak_hash hash, const unsigned char *key, size_t key_len)
{
        if ((unsigned)hash > AK_HASH_SHA512)
                return ak__fail(AK_ERR_OTP_PARAM, "algorithm: unknown");
        if (key == NULL || key_len == 0)
                return ak__fail(AK_ERR_OTP_PARAM, "secret: missing");
        if (key_len > AK_SECRET_MAX)
                return ak__fail(AK_ERR_OTP_PARAM, "secret: longer than %d bytes", AK_SECRET_MAX);
        return AK_OK;
}

/* The time step of unix time `now` (>= 0) for a `period`-second step (> 0). */
static enum ak_err time_step(uint64_t *step, int64_t now, uint32_t period)
{
        if (period == 0)
                return ak__fail(AK_ERR_OTP_PARAM, "period: 0 is not a period (at least 1 second)");
        if (now < 0)
                return ak__fail(AK_ERR_OTP_PARAM, "time: %lld is before 1970", (long long)now);
        *step = (uint64_t)now / period;
        return AK_OK;
}

/*
 * HMAC of the 8-byte big-endian `counter`, then RFC 4226 §5.3 dynamic
 * truncation: the 31-bit number the MAC's last nibble points at.
 */
static uint32_t truncated_hmac(enum ak_hash hash, const unsigned char *key, size_t key_len,
                               uint64_t counter)
{
        unsigned char msg[8], mac[HMAC_OUT_MAX];
        size_t mac_len, offset;
        uint32_t bin;

        for (int i = 7; i >= 0; i--, counter >>= 8)
                msg[i] = (unsigned char)(counter & 0xff);
        mac_len = hmac(mac, hash, key, key_len, msg, sizeof(msg));
        offset = mac[mac_len - 1] & 0x0f;
        bin = ((uint32_t)(mac[offset] & 0x7f) << 24) | ((uint32_t)mac[offset + 1] << 16) |
              ((uint32_t)mac[offset + 2] << 8) | (uint32_t)mac[offset + 3];
        sodium_memzero(mac, sizeof(mac));
        return bin;
}

enum ak_err ak_hotp(char out[AK_CODE_MAX + 1], enum ak_hash hash, const unsigned char *key,
                    size_t key_len, uint64_t counter, unsigned digits)
{
        static const uint32_t modulus[] = {1000000, 10000000, 100000000};
        enum ak_err err;
        uint32_t code;

        if (out == NULL)
                return ak__fail(AK_ERR_INVALID, "code: missing argument");
        if ((err = check_key(hash, key, key_len)) != AK_OK)
                return err;
        if (digits < 6 || digits > 8)
                return ak__fail(AK_ERR_OTP_PARAM, "digits: %u is outside 6..8", digits);
        code = truncated_hmac(hash, key, key_len, counter) % modulus[digits - 6];
        /* By hand: snprintf would cost as much as the HMAC itself. */
        out[digits] = '\0';
        for (unsigned i = digits; i-- > 0; code /= 10)
                out[i] = (char)('0' + code % 10);
        return AK_OK;
}

enum ak_err ak_totp(char out[AK_CODE_MAX + 1], enum ak_hash hash, const unsigned char *key,
                    size_t key_len, int64_t now, uint32_t period, unsigned digits)
{
        uint64_t step = 0;
        enum ak_err err;

        if ((err = time_step(&step, now, period)) != AK_OK)
                return err;
        return ak_hotp(out, hash, key, key_len, step, digits);
}

enum ak_err ak_steam(char out[AK_CODE_MAX + 1], const unsigned char *key, size_t key_len,
                     int64_t now, uint32_t period)
{
        static const char alphabet[] = "23456789BCDFGHJKMNPQRTVWXY";
        uint64_t step = 0;
        uint32_t code;
        enum ak_err err;

        if (out == NULL)
                return ak__fail(AK_ERR_INVALID, "code: missing argument");
        if ((err = check_key(AK_HASH_SHA1, key, key_len)) != AK_OK ||
            (err = time_step(&step, now, period)) != AK_OK)
                return err;
        code = truncated_hmac(AK_HASH_SHA1, key, key_len, step);
        for (int i = 0; i < 5; i++) {
                out[i] = alphabet[code % 26];
                code /= 26;
        }
        out[5] = '\0';
        return AK_OK;
}

enum ak_err ak_account_code(char out[AK_CODE_MAX + 1], const struct ak_account *acct, int64_t now)
{
        if (acct == NULL)
                return ak__fail(AK_ERR_INVALID, "code: missing argument");
        switch (acct->type) {
        case AK_OTP_TOTP:
                return ak_totp(out, acct->hash, acct->secret, acct->secret_len, now, acct->period,
                               acct->digits);
        case AK_OTP_HOTP:
                return ak_hotp(out, acct->hash, acct->secret, acct->secret_len, acct->counter,
                               acct->digits);
        case AK_OTP_STEAM:
                return ak_steam(out, acct->secret, acct->secret_len, now, acct->period);
        }
        return ak__fail(AK_ERR_OTP_PARAM, "type: unknown");
}

uint32_t ak_totp_remaining(int64_t now, uint32_t period)
{
        int64_t into;

        if (period == 0)
                return 0;
        /* Floor modulo, so that times before 1970 still count down. */
        into = now % (int64_t)period;
        if (into < 0)
                into += period;
        return period - (uint32_t)into;
}
