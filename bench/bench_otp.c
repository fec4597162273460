/*
 * Codes per second on one core from libauthkeep's public API.
 *
 *   bench_otp [SECONDS]
 *
 * Prints one line per case, "NAME CODES_PER_SECOND": TOTP with each hash
 * (keys of 20, 32 and 64 bytes, as RFC 6238 uses), Steam, and
 * ak_account_code on a TOTP account (what `authkeep code` calls), and, for
 * comparison, OpenSSL's one-shot HMAC() on the same input. Each case
 * runs for SECONDS (default 2) on the calling thread; the time changes at
 * every call so no two calls compute the same code.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "authkeep/otp.h"

enum bench_case { TOTP_SHA1, TOTP_SHA256, TOTP_SHA512, STEAM, ACCOUNT_CODE, ONESHOT_HMAC };

static const struct {
        const char *name;
        enum ak_hash hash;
        size_t key_len;
} cases[] = {
    [TOTP_SHA1] = {"totp-sha1", AK_HASH_SHA1, 20},
    [TOTP_SHA256] = {"totp-sha256", AK_HASH_SHA256, 32},
    [TOTP_SHA512] = {"totp-sha512", AK_HASH_SHA512, 64},
    [STEAM] = {"steam", AK_HASH_SHA1, 20},
    [ACCOUNT_CODE] = {"account-code-totp-sha1", AK_HASH_SHA1, 20},
    [ONESHOT_HMAC] = {"openssl-hmac-oneshot", AK_HASH_SHA1, 20},
};

static double now_seconds(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs case `c` for `seconds`; returns codes per second. */
static double run(enum bench_case c, const unsigned char *key, double seconds)
{
        struct ak_account acct;
        char code[AK_CODE_MAX + 1];
        volatile unsigned sink = 0;
        int64_t t = 1700000000;
        uint64_t done = 0;
        double start = now_seconds(), elapsed;

        ak_account_init(&acct);
        if (ak_account_set_secret(&acct, key, cases[c].key_len) != AK_OK)
                abort();
        do {
                for (int i = 0; i < 4096; i++, t += 30) {
                        enum ak_err err;

                        switch (c) {
                        case STEAM:
                                err = ak_steam(code, key, cases[c].key_len, t, 30);
                                break;
                        case ACCOUNT_CODE:
                                err = ak_account_code(code, &acct, t);
                                break;
                        case ONESHOT_HMAC: {
                                unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
                                unsigned mac_len;

                                memcpy(msg, &t, sizeof(msg));
                                err = HMAC(EVP_sha1(), key, 20, msg, 8, mac, &mac_len)
                                          ? AK_OK
                                          : AK_ERR_CRYPTO;
                                code[0] = (char)mac[0];
                                break;
                        }
                        default:
                                err = ak_totp(code, cases[c].hash, key, cases[c].key_len, t, 30, 6);
                                break;
                        }
                        if (err != AK_OK)
                                abort();
                        sink += (unsigned char)code[0];
                }
                done += 4096;
                elapsed = now_seconds() - start;
        } while (elapsed < seconds);
        ak_account_clear(&acct);
        (void)sink;
        return (double)done / elapsed;
}

int main(int argc, char **argv)
{
        double seconds = argc > 1 ? atof(argv[1]) : 2.0;
        unsigned char key[64];

        if (seconds <= 0) {
                fprintf(stderr, "usage: bench_otp [SECONDS]\n");
                return 2;
        }
        for (size_t i = 0; i < sizeof(key); i++)
                key[i] = (unsigned char)('1' + i % 10);
        for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
                printf("%s %.0f\n", cases[c].name, run((enum bench_case)c, key, seconds));
        return 0;
}
