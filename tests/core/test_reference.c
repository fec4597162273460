/*
 * Codes checked against independent implementations, run as real processes:
 * 1,000 random cases against oathtool (TOTP with SHA1/256/512, HOTP with
 * SHA-1, 6 to 8 digits, periods from 1 s, times past 2038 and time steps past
 * 2^32, keys given in hex or in base32 from our encoder), and Steam Guard
 * codes against a published vector and a Python reference. The cases come
 * from a fixed seed, so a failure repeats. Skips (77) when oathtool or
 * python3 is absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "authkeep/base32.h"
#include "authkeep/otp.h"

#define ORACLE_CASES 1000
#define STEAM_CASES 200

static uint64_t rng_state = 0x853c49e6748fea9bULL;

static uint64_t rng(void)
{
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return rng_state;
}

/* Fills `key` with `len` random bytes and writes them as hex into `hex`. */
static void random_key(unsigned char *key, size_t len, char *hex)
{
        for (size_t i = 0; i < len; i++) {
                key[i] = (unsigned char)rng();
                sprintf(hex + 2 * i, "%02x", key[i]);
        }
}

/* Runs `cmd` and returns its first output line (without the newline) in `out`. */
static void run_line(const char *cmd, char *out, size_t cap)
{
        FILE *p = popen(cmd, "r");

        assert_non_null(p);
        if (fgets(out, (int)cap, p) == NULL)
                out[0] = '\0';
        out[strcspn(out, "\n")] = '\0';
        assert_int_equal(pclose(p), 0);
}

/* True when `program` is on PATH. */
static int have(const char *program)
{
        char cmd[256];

        snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", program);
        return system(cmd) == 0;
}

/* A random time: mostly before 2038, often past it, sometimes far past (steps beyond 2^32). */
static int64_t random_time(uint32_t period)
{
        switch (rng() % 4) {
        case 0:
                return (int64_t)(rng() % 2147483648u);
        case 1:
                return 2147483648 + (int64_t)(rng() % 8000000000u);
        case 2: /* a time step past 2^32 */
                return (int64_t)(((uint64_t)1 << 32) + rng() % ((uint64_t)1 << 34)) * period +
                       (int64_t)(rng() % period);
        default:
                return (int64_t)(rng() % 100000);
        }
}

/* A random counter over the whole 64-bit range, small ones included. */
static uint64_t random_counter(void)
{
        switch (rng() % 3) {
        case 0:
                return rng() % 100000;
        case 1:
                return ((uint64_t)1 << 32) - 50 + rng() % 100;
        default:
                return rng();
        }
}

static void test_oathtool(void **state)
{
        static const char *const algos[] = {"SHA1", "SHA256", "SHA512"};
        int checked = 0, base32_keys = 0, past_2038 = 0, big_steps = 0;

        (void)state;
        for (int i = 0; i < ORACLE_CASES; i++) {
                unsigned char key[64];
                char hex[129], b32[128], cmd[512], want[64], got[AK_CODE_MAX + 1];
                const char *keyarg = hex, *b32flag = "";
                size_t key_len = 1 + rng() % 64;
                unsigned digits = 6 + (unsigned)(rng() % 3);
                int hotp = rng() % 4 == 0;

                random_key(key, key_len, hex);
                if (rng() % 2) {
                        assert_int_equal(ak_base32_encode(b32, sizeof(b32), key, key_len), AK_OK);
                        keyarg = b32;
                        b32flag = " -b";
                        base32_keys++;
                }
                if (hotp) {
                        uint64_t counter = random_counter();

                        snprintf(cmd, sizeof(cmd), "oathtool --hotp%s -d %u -c %llu %s", b32flag,
                                 digits, (unsigned long long)counter, keyarg);
                        assert_int_equal(ak_hotp(got, AK_HASH_SHA1, key, key_len, counter, digits),
                                         AK_OK);
                } else {
                        enum ak_hash hash = (enum ak_hash)(rng() % 3);
                        uint32_t period = rng() % 3 ? 1 + (uint32_t)(rng() % 120) : 30;
                        int64_t now = random_time(period);

                        snprintf(cmd, sizeof(cmd), "oathtool --totp=%s%s -d %u -s %u -N @%lld %s",
                                 algos[hash], b32flag, digits, (unsigned)period, (long long)now,
                                 keyarg);
                        assert_int_equal(ak_totp(got, hash, key, key_len, now, period, digits),
                                         AK_OK);
                        past_2038 += now > INT32_MAX;
                        big_steps += (uint64_t)now / period > UINT32_MAX;
                }
                run_line(cmd, want, sizeof(want));
                if (strcmp(got, want) != 0)
                        fail_msg("case %d: '%s' gives %s, libauthkeep %s", i, cmd, want, got);
                checked++;
        }
        print_message("%d cases equal to oathtool (%d keys in base32, %d times past 2038, "
                      "%d time steps past 2^32)\n",
                      checked, base32_keys, past_2038, big_steps);
        assert_int_equal(checked, ORACLE_CASES);
        assert_true(past_2038 > 100 && big_steps > 50);
}

/* KeePassXC's published Steam vectors (tests/TestTotp.cpp). */
static void test_steam_published(void **state)
{
        unsigned char key[64];
        size_t key_len;
        char code[AK_CODE_MAX + 1];
        const char *secret = "63BEDWCQZKTQWPESARIERL5DTTQFCJTK";

        (void)state;
        assert_int_equal(ak_base32_decode(key, sizeof(key), &key_len, secret, strlen(secret)),
                         AK_OK);
        assert_int_equal(ak_steam(code, key, key_len, 1511200518, 30), AK_OK);
        assert_string_equal(code, "FR8RV");
        assert_int_equal(ak_steam(code, key, key_len, 1511200714, 30), AK_OK);
        assert_string_equal(code, "9P3VP");
}

/* The Steam algorithm written independently in Python: HMAC-SHA1, truncation, base-26 digits. */
static const char steam_py[] = "import hmac, hashlib, struct, sys\n"
                               "A = '23456789BCDFGHJKMNPQRTVWXY'\n"
                               "for arg in sys.argv[1:]:\n"
                               "    k, t, p = arg.split(':')\n"
                               "    h = hmac.new(bytes.fromhex(k), struct.pack('>Q', int(t) // "
                               "int(p)), hashlib.sha1).digest()\n"
                               "    o = h[-1] & 15\n"
                               "    c = struct.unpack('>I', h[o:o + 4])[0] & 0x7fffffff\n"
                               "    s = ''\n"
                               "    for _ in range(5):\n"
                               "        s += A[c % 26]\n"
                               "        c //= 26\n"
                               "    print(s)\n";

static void test_steam_python(void **state)
{
        static char cmd[STEAM_CASES * 200 + 1024];
        static char expected[STEAM_CASES][64];
        unsigned char keys[STEAM_CASES][64];
        size_t lens[STEAM_CASES];
        int64_t times[STEAM_CASES];
        uint32_t periods[STEAM_CASES];
        size_t pos;
        FILE *p;
        char line[64];
        int n = 0;

        (void)state;
        if (!have("python3"))
                skip();
        pos = (size_t)snprintf(cmd, sizeof(cmd), "python3 -c \"%s\"", steam_py);
        for (int i = 0; i < STEAM_CASES; i++) {
                char hex[129];

                lens[i] = 1 + rng() % 64;
                periods[i] = rng() % 2 ? 30 : 1 + (uint32_t)(rng() % 90);
                times[i] = random_time(periods[i]);
                random_key(keys[i], lens[i], hex);
                pos += (size_t)snprintf(cmd + pos, sizeof(cmd) - pos, " %s:%lld:%u", hex,
                                        (long long)times[i], (unsigned)periods[i]);
                assert_true(pos < sizeof(cmd));
        }
        p = popen(cmd, "r");
        assert_non_null(p);
        while (n < STEAM_CASES && fgets(line, sizeof(line), p) != NULL) {
                line[strcspn(line, "\n")] = '\0';
                snprintf(expected[n++], sizeof(expected[0]), "%s", line);
        }
        assert_int_equal(pclose(p), 0);
        assert_int_equal(n, STEAM_CASES);
        for (int i = 0; i < STEAM_CASES; i++) {
                char got[AK_CODE_MAX + 1];

                assert_int_equal(ak_steam(got, keys[i], lens[i], times[i], periods[i]), AK_OK);
                assert_string_equal(got, expected[i]);
        }
        print_message("%d Steam codes equal to the Python reference\n", STEAM_CASES);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_oathtool),
            cmocka_unit_test(test_steam_published),
            cmocka_unit_test(test_steam_python),
        };

        if (!have("oathtool")) {
                printf("oathtool is not installed (Debian package oathtool): skipping\n");
                return 77;
        }
        return cmocka_run_group_tests(tests, NULL, NULL);
}
