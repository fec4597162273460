/*
 * SRP-6a: RFC 5054 Appendix B's vectors (1024-bit group, SHA-1), full
 * handshakes with the right and wrong passwords, refusal of hostile values,
 * and interoperation with Debian's python3-srp in both directions
 * (tests/crypto/srp_peer.py, run by /usr/bin/python3 over pipes).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "authkeep/authkeep.h"
#include "srp_internal.h"

/* ---- RFC 5054 Appendix B ---- */

static const char rfc_I[] = "alice";
static const char rfc_P[] = "password123";
static const char rfc_s[] = "BEB25379 D1A8581E B5A72767 3A2441EE";
static const char rfc_k[] = "7556AA04 5AEF2CDD 07ABAF0F 665C3E81 8913186F";
static const char rfc_x[] = "94B7555A ABE9127C C58CCF49 93DB6CF8 4D16C124";
static const char rfc_v[] = "7E273DE8 696FFC4F 4E337D05 B4B375BE B0DDE156 9E8FA00A 9886D812"
                            "9BADA1F1 822223CA 1A605B53 0E379BA4 729FDC59 F105B478 7E5186F5"
                            "C671085A 1447B52A 48CF1970 B4FB6F84 00BBF4CE BFBB1681 52E08AB5"
                            "EA53D15C 1AFF87B2 B9DA6E04 E058AD51 CC72BFC9 033B564E 26480D78"
                            "E955A5E2 9E7AB245 DB2BE315 E2099AFB";
static const char rfc_a[] = "60975527 035CF2AD 1989806F 0407210B C81EDC04 E2762A56 AFD529DD"
                            "DA2D4393";
static const char rfc_b[] = "E487CB59 D31AC550 471E81F0 0F6928E0 1DDA08E9 74A004F4 9E61F5D1"
                            "05284D20";
static const char rfc_A[] = "61D5E490 F6F1B795 47B0704C 436F523D D0E560F0 C64115BB 72557EC4"
                            "4352E890 3211C046 92272D8B 2D1A5358 A2CF1B6E 0BFCF99F 921530EC"
                            "8E393561 79EAE45E 42BA92AE ACED8251 71E1E8B9 AF6D9C03 E1327F44"
                            "BE087EF0 6530E69F 66615261 EEF54073 CA11CF58 58F0EDFD FE15EFEA"
                            "B349EF5D 76988A36 72FAC47B 0769447B";
static const char rfc_B[] = "BD0C6151 2C692C0C B6D041FA 01BB152D 4916A1E7 7AF46AE1 05393011"
                            "BAF38964 DC46A067 0DD125B9 5A981652 236F99D9 B681CBF8 7837EC99"
                            "6C6DA044 53728610 D0C6DDB5 8B318885 D7D82C7F 8DEB75CE 7BD4FBAA"
                            "37089E6F 9C6059F3 88838E7A 00030B33 1EB76840 910440B1 B27AAEAE"
                            "EB4012B7 D7665238 A8E3FB00 4B117B58";
static const char rfc_u[] = "CE38B959 3487DA98 554ED47D 70A7AE5F 462EF019";
static const char rfc_S[] = "B0DC82BA BCF30674 AE450C02 87745E79 90A3381F 63B387AA F271A10D"
                            "233861E3 59B48220 F7C4693C 9AE12B0A 6F67809F 0876E2D0 13800D6C"
                            "41BB59B6 D5979B5C 00A172B4 A2A5903A 0BDCAF8A 709585EB 2AFAFA8F"
                            "3499B200 210DCC1F 10EB3394 3CD67FC8 8A2F39A4 BE5BEC4E C0A3212D"
                            "C346D7E4 74B29EDE 8A469FFE CA686E5A";

/* Decodes hex (spaces ignored) into `out`; returns the length. */
static size_t unhex(unsigned char *out, size_t cap, const char *hex)
{
        size_t len = 0;

        assert_int_equal(sodium_hex2bin(out, cap, hex, strlen(hex), " ", &len, NULL), 0);
        return len;
}

/* Asserts that `bytes` (len) equals the hex vector. */
static void assert_hex(const unsigned char *bytes, size_t len, const char *hex)
{
        unsigned char want[1024];
        size_t want_len = unhex(want, sizeof(want), hex);

        assert_int_equal(len, want_len);
        assert_memory_equal(bytes, want, len);
}

static void rfc5054_k_x_v(void **state)
{
        const struct ak__srp_group *g = &ak__srp_1024_sha1;
        unsigned char salt[16], out[512];
        size_t salt_len = unhex(salt, sizeof(salt), rfc_s), len = 0;
        (void)state;

        assert_int_equal(ak__srp_n_bytes(g), 128);
        assert_int_equal(ak__srp_hash_bytes(g), 20);
        assert_int_equal(ak__srp_k(g, out, sizeof(out), &len), AK_OK);
        assert_hex(out, len, rfc_k);
        assert_int_equal(ak__srp_x(g, out, sizeof(out), &len, rfc_I, salt, salt_len,
                                   (const unsigned char *)rfc_P, strlen(rfc_P)),
                         AK_OK);
        assert_hex(out, len, rfc_x);
        assert_int_equal(ak__srp_verifier(g, out, rfc_I, salt, salt_len,
                                          (const unsigned char *)rfc_P, strlen(rfc_P)),
                         AK_OK);
        assert_hex(out, 128, rfc_v);
}

static void rfc5054_handshake(void **state)
{
        const struct ak__srp_group *g = &ak__srp_1024_sha1;
        unsigned char salt[16], v[128], a[32], b[32], A[128], B[128], out[128];
        unsigned char M1[32], M2[20], K_client[32], K_server[20], S[128];
        size_t salt_len = unhex(salt, sizeof(salt), rfc_s), len = 0, S_len = 0;
        struct ak_srp_client *client = NULL;
        (void)state;

        unhex(v, sizeof(v), rfc_v);
        unhex(a, sizeof(a), rfc_a);
        unhex(b, sizeof(b), rfc_b);
        assert_int_equal(ak__srp_client_new(&client, g, rfc_I, (const unsigned char *)rfc_P,
                                            strlen(rfc_P), a, sizeof(a), A),
                         AK_OK);
        assert_hex(A, sizeof(A), rfc_A);
        assert_int_equal(ak__srp_server_B(g, B, v, sizeof(v), b, sizeof(b)), AK_OK);
        assert_hex(B, sizeof(B), rfc_B);
        assert_int_equal(ak__srp_u(g, out, sizeof(out), &len, A, sizeof(A), B, sizeof(B)), AK_OK);
        assert_hex(out, len, rfc_u);

        assert_int_equal(ak_srp_client_process(client, salt, salt_len, B, sizeof(B), M1), AK_OK);
        assert_int_equal(ak__srp_client_premaster(client, out, sizeof(out), &len), AK_OK);
        assert_hex(out, len, rfc_S);
        assert_int_equal(ak__srp_server_finish(g, M2, K_server, S, &S_len, rfc_I, salt, salt_len, v,
                                               sizeof(v), b, sizeof(b), A, sizeof(A), M1, 20),
                         AK_OK);
        assert_hex(S, S_len, rfc_S);
        assert_int_equal(ak_srp_client_verify(client, M2, sizeof(M2), K_client), AK_OK);
        assert_memory_equal(K_client, K_server, 20);
        ak_srp_client_free(client);
}

/* ---- the product's parameters ---- */

static const unsigned char login_key[32] = "0123456789abcdef0123456789abcdef";
static const unsigned char other_key[32] = "0123456789abcdef0123456789abcdeF";

/* One full sign-in with the public API; returns the server's verdict. */
static enum ak_err sign_in(const unsigned char *registered, const unsigned char *typed,
                           unsigned char K_client[32], unsigned char K_server[32])
{
        unsigned char salt[AK_SRP_SALT_BYTES], v[AK_SRP_N_BYTES], A[AK_SRP_N_BYTES];
        unsigned char B[AK_SRP_N_BYTES], b[AK_SRP_EPHEMERAL_BYTES], M1[32], M2[32];
        struct ak_srp_client *client = NULL;
        char identity[AK_SRP_IDENTITY_MAX + 1];
        enum ak_err err;

        assert_int_equal(ak_srp_identity(identity, sizeof(identity), " Alice@Example.COM ", false),
                         AK_OK);
        assert_string_equal(identity, "alice@example.com");
        ak_srp_salt(salt);
        assert_int_equal(ak_srp_verifier(v, identity, salt, sizeof(salt), registered, 32), AK_OK);
        assert_int_equal(ak_srp_client_new(&client, identity, typed, 32, A), AK_OK);
        assert_int_equal(ak_srp_server_start(b, B, v, sizeof(v)), AK_OK);
        assert_int_equal(ak_srp_client_process(client, salt, sizeof(salt), B, sizeof(B), M1),
                         AK_OK);
        err = ak_srp_server_finish(M2, K_server, identity, salt, sizeof(salt), v, sizeof(v), b, A,
                                   sizeof(A), M1, sizeof(M1));
        if (err == AK_OK)
                assert_int_equal(ak_srp_client_verify(client, M2, sizeof(M2), K_client), AK_OK);
        ak_srp_client_free(client);
        return err;
}

static void handshake_right_password(void **state)
{
        unsigned char K_client[32], K_server[32];
        (void)state;

        assert_int_equal(sign_in(login_key, login_key, K_client, K_server), AK_OK);
        assert_memory_equal(K_client, K_server, 32);
}

static void handshake_wrong_password(void **state)
{
        unsigned char K_client[32], K_server[32] = {0}, zero[32] = {0};
        (void)state;

        assert_int_equal(sign_in(login_key, other_key, K_client, K_server), AK_ERR_AUTH);
        assert_memory_equal(K_server, zero, 32); /* outputs only on success */
}

/* A forged M2 (a server without the verifier) is refused by the client. */
static void client_refuses_wrong_m2(void **state)
{
        unsigned char salt[AK_SRP_SALT_BYTES], v[AK_SRP_N_BYTES], A[AK_SRP_N_BYTES];
        unsigned char B[AK_SRP_N_BYTES], b[AK_SRP_EPHEMERAL_BYTES], M1[32], M2[32], K[32];
        struct ak_srp_client *client = NULL;
        (void)state;

        ak_srp_salt(salt);
        assert_int_equal(ak_srp_verifier(v, "bob", salt, sizeof(salt), login_key, 32), AK_OK);
        assert_int_equal(ak_srp_client_new(&client, "bob", login_key, 32, A), AK_OK);
        assert_int_equal(ak_srp_client_verify(client, M2, sizeof(M2), K), AK_ERR_INVALID);
        assert_int_equal(ak_srp_server_start(b, B, v, sizeof(v)), AK_OK);
        assert_int_equal(ak_srp_client_process(client, salt, sizeof(salt), B, sizeof(B), M1),
                         AK_OK);
        assert_int_equal(ak_srp_client_process(client, salt, sizeof(salt), B, sizeof(B), M1),
                         AK_ERR_INVALID); /* once per client */
        assert_int_equal(ak_srp_server_finish(M2, NULL, "bob", salt, sizeof(salt), v, sizeof(v), b,
                                              A, sizeof(A), M1, sizeof(M1)),
                         AK_OK);
        M2[5] ^= 1;
        assert_int_equal(ak_srp_client_verify(client, M2, sizeof(M2), K), AK_ERR_AUTH);
        assert_int_equal(ak_srp_client_verify(client, M2, 31, K), AK_ERR_AUTH);
        M2[5] ^= 1;
        assert_int_equal(ak_srp_client_verify(client, M2, sizeof(M2), NULL), AK_OK);
        ak_srp_client_free(client);
}

/* The 4096-bit N, big-endian. */
static void group_N(unsigned char N[AK_SRP_N_BYTES])
{
        unhex(N, AK_SRP_N_BYTES, ak__srp_4096_sha256.N_hex);
}

/* B = 0, B = N, B = 2N-ish, a too-long B: the client refuses each. */
static void client_refuses_bad_B(void **state)
{
        unsigned char salt[AK_SRP_SALT_BYTES] = {1}, A[AK_SRP_N_BYTES], B[AK_SRP_N_BYTES + 1];
        unsigned char M1[32];
        struct ak_srp_client *client = NULL;
        (void)state;

        memset(B, 0, sizeof(B));
        assert_int_equal(ak_srp_client_new(&client, "bob", login_key, 32, A), AK_OK);
        assert_int_equal(ak_srp_client_process(client, salt, sizeof(salt), B, AK_SRP_N_BYTES, M1),
                         AK_ERR_INVALID);
        ak_srp_client_free(client);

        group_N(B);
        assert_int_equal(ak_srp_client_new(&client, "bob", login_key, 32, A), AK_OK);
        assert_int_equal(ak_srp_client_process(client, salt, sizeof(salt), B, AK_SRP_N_BYTES, M1),
                         AK_ERR_INVALID);
        ak_srp_client_free(client);

        memset(B, 0xff, sizeof(B));
        assert_int_equal(ak_srp_client_new(&client, "bob", login_key, 32, A), AK_OK);
        assert_int_equal(ak_srp_client_process(client, salt, sizeof(salt), B, AK_SRP_N_BYTES, M1),
                         AK_ERR_INVALID);
        ak_srp_client_free(client);

        B[0] = 0;
        assert_int_equal(ak_srp_client_new(&client, "bob", login_key, 32, A), AK_OK);
        assert_int_equal(ak_srp_client_process(client, salt, sizeof(salt), B, sizeof(B), M1),
                         AK_ERR_INVALID);
        assert_int_equal(ak_srp_client_process(client, salt, 0, B, 1, M1), AK_ERR_INVALID);
        ak_srp_client_free(client);

        /* A zero salt and an empty B. */
        assert_int_equal(ak_srp_client_new(&client, "bob", login_key, 32, A), AK_OK);
        memset(salt, 0, sizeof(salt));
        B[0] = 7;
        assert_int_equal(ak_srp_client_process(client, salt, sizeof(salt), B, 1, M1),
                         AK_ERR_INVALID);
        ak_srp_client_free(client);
        assert_int_equal(ak_srp_client_new(&client, "bob", login_key, 32, A), AK_OK);
        salt[0] = 1;
        assert_int_equal(ak_srp_client_process(client, salt, sizeof(salt), B, 0, M1),
                         AK_ERR_INVALID);
        ak_srp_client_free(client);
}

/* A = 0, A = N, A = 2N (too long), a short M1: the server refuses each. */
static void server_refuses_bad_A(void **state)
{
        unsigned char salt[AK_SRP_SALT_BYTES], v[AK_SRP_N_BYTES], A[AK_SRP_N_BYTES + 1];
        unsigned char B[AK_SRP_N_BYTES], b[AK_SRP_EPHEMERAL_BYTES], M1[32] = {0}, M2[32];
        (void)state;

        ak_srp_salt(salt);
        assert_int_equal(ak_srp_verifier(v, "bob", salt, sizeof(salt), login_key, 32), AK_OK);
        assert_int_equal(ak_srp_server_start(b, B, v, sizeof(v)), AK_OK);
        memset(A, 0, sizeof(A));
        assert_int_equal(ak_srp_server_finish(M2, NULL, "bob", salt, sizeof(salt), v, sizeof(v), b,
                                              A, AK_SRP_N_BYTES, M1, sizeof(M1)),
                         AK_ERR_INVALID);
        group_N(A);
        assert_int_equal(ak_srp_server_finish(M2, NULL, "bob", salt, sizeof(salt), v, sizeof(v), b,
                                              A, AK_SRP_N_BYTES, M1, sizeof(M1)),
                         AK_ERR_INVALID);
        A[AK_SRP_N_BYTES] = 0; /* N * 256: longer than N */
        assert_int_equal(ak_srp_server_finish(M2, NULL, "bob", salt, sizeof(salt), v, sizeof(v), b,
                                              A, sizeof(A), M1, sizeof(M1)),
                         AK_ERR_INVALID);
        A[0] = 0;
        A[1] = 2;
        assert_int_equal(ak_srp_server_finish(M2, NULL, "bob", salt, sizeof(salt), v, sizeof(v), b,
                                              A, 2, M1, 31),
                         AK_ERR_INVALID);
        /* A valid A with a wrong M1 is a wrong password. */
        assert_int_equal(ak_srp_server_finish(M2, NULL, "bob", salt, sizeof(salt), v, sizeof(v), b,
                                              A, 2, M1, sizeof(M1)),
                         AK_ERR_AUTH);
        /* A malformed verifier. */
        memset(v, 0, sizeof(v));
        assert_int_equal(ak_srp_server_start(b, B, v, sizeof(v)), AK_ERR_INVALID);
}

static void identities(void **state)
{
        char out[AK_SRP_IDENTITY_MAX + 1], small[8], longer[400];
        (void)state;

        assert_int_equal(ak_srp_identity(out, sizeof(out), "Bob@Example.org", true), AK_OK);
        assert_string_equal(out, "bob@example.org#recovery");
        assert_int_equal(ak_srp_identity(out, sizeof(out), "\tÉlise@example.org", false), AK_OK);
        assert_string_equal(out, "Élise@example.org"); /* only ASCII is lower-cased */
        assert_int_equal(ak_srp_identity(out, sizeof(out), "   ", false), AK_ERR_INVALID);
        assert_int_equal(ak_srp_identity(out, sizeof(out), "a\nb@c", false), AK_ERR_INVALID);
        assert_int_equal(ak_srp_identity(small, sizeof(small), "bob@example.org", false),
                         AK_ERR_LIMIT);
        memset(longer, 'a', sizeof(longer) - 1);
        longer[sizeof(longer) - 1] = '\0';
        assert_int_equal(ak_srp_identity(out, sizeof(out), longer, false), AK_ERR_LIMIT);
}

static void salts(void **state)
{
        unsigned char s1[AK_SRP_SALT_BYTES], s2[AK_SRP_SALT_BYTES];
        int i;
        (void)state;

        for (i = 0; i < 200; i++) {
                ak_srp_salt(s1);
                assert_int_not_equal(s1[0], 0);
        }
        ak_srp_salt(s2);
        assert_memory_not_equal(s1, s2, sizeof(s1));
}

/* ---- python3-srp ---- */

struct peer {
        pid_t pid;
        FILE *to;
        FILE *from;
};

/* Starts srp_peer.py in `mode`, or skips the test when python3-srp is absent. */
static void peer_start(struct peer *p, const char *mode)
{
        const char *root = getenv("AUTHKEEP_SOURCE_ROOT");
        char script[4096];
        int to_child[2], from_child[2];

        if (root == NULL || access("/usr/bin/python3", X_OK) != 0 ||
            system("/usr/bin/python3 -c 'import srp' 2>/dev/null") != 0) {
                print_message("python3-srp is not installed for /usr/bin/python3: skipped\n");
                skip();
        }
        snprintf(script, sizeof(script), "%s/tests/crypto/srp_peer.py", root);
        assert_int_equal(pipe(to_child), 0);
        assert_int_equal(pipe(from_child), 0);
        p->pid = fork();
        assert_true(p->pid >= 0);
        if (p->pid == 0) {
                dup2(to_child[0], 0);
                dup2(from_child[1], 1);
                close(to_child[0]);
                close(to_child[1]);
                close(from_child[0]);
                close(from_child[1]);
                execl("/usr/bin/python3", "python3", script, mode, (char *)NULL);
                _exit(127);
        }
        close(to_child[0]);
        close(from_child[1]);
        p->to = fdopen(to_child[1], "w");
        p->from = fdopen(from_child[0], "r");
        assert_non_null(p->to);
        assert_non_null(p->from);
}

/* Closes the pipes and reaps the peer. */
static void peer_stop(struct peer *p)
{
        int status;

        fclose(p->to);
        fclose(p->from);
        waitpid(p->pid, &status, 0);
}

/* Sends one line of hex values: pairs of (bytes, len), ended by NULL. */
static void peer_send(struct peer *p, ...)
{
        const unsigned char *bytes;
        char hex[2 * 1024 + 1];
        va_list ap;

        va_start(ap, p);
        while ((bytes = va_arg(ap, const unsigned char *)) != NULL) {
                size_t len = va_arg(ap, size_t);
                assert_true(len <= 1024);
                sodium_bin2hex(hex, sizeof(hex), bytes, len);
                fprintf(p->to, "%s ", hex);
        }
        va_end(ap);
        fputc('\n', p->to);
        fflush(p->to);
}

/*
 * Reads one line of words. Returns 0 on "FAIL"; otherwise decodes the words
 * (a leading "OK" is skipped) into the buffers given as (buffer, cap,
 * size_t *len) triples ended by NULL, and returns 1.
 */
static int peer_read(struct peer *p, ...)
{
        char line[8192], *word, *save = NULL;
        unsigned char *buf;
        va_list ap;

        assert_non_null(fgets(line, sizeof(line), p->from));
        if (strncmp(line, "FAIL", 4) == 0)
                return 0;
        word = strtok_r(line, " \n", &save);
        if (word != NULL && strcmp(word, "OK") == 0)
                word = strtok_r(NULL, " \n", &save);
        va_start(ap, p);
        while ((buf = va_arg(ap, unsigned char *)) != NULL) {
                size_t cap = va_arg(ap, size_t), *len = va_arg(ap, size_t *);
                assert_non_null(word);
                assert_int_equal(sodium_hex2bin(buf, cap, word, strlen(word), NULL, len, NULL), 0);
                word = strtok_r(NULL, " \n", &save);
        }
        va_end(ap);
        return 1;
}

/* Our client against python3-srp's Verifier; `typed` is what the client uses. */
static void our_client_python_server(const unsigned char *typed, int want_ok)
{
        const char *identity = "carol@example.net";
        unsigned char salt[AK_SRP_SALT_BYTES], v[AK_SRP_N_BYTES], A[AK_SRP_N_BYTES];
        unsigned char B[AK_SRP_N_BYTES], M1[32], M2[32], K[32], K_peer[32];
        size_t B_len = 0, M2_len = 0, K_len = 0;
        struct ak_srp_client *client = NULL;
        struct peer p;

        peer_start(&p, "server");
        ak_srp_salt(salt);
        assert_int_equal(ak_srp_verifier(v, identity, salt, sizeof(salt), login_key, 32), AK_OK);
        assert_int_equal(ak_srp_client_new(&client, identity, typed, 32, A), AK_OK);
        peer_send(&p, identity, strlen(identity), salt, sizeof(salt), v, sizeof(v), A, sizeof(A),
                  NULL);
        assert_int_equal(peer_read(&p, B, sizeof(B), &B_len, NULL), 1);
        assert_int_equal(ak_srp_client_process(client, salt, sizeof(salt), B, B_len, M1), AK_OK);
        peer_send(&p, M1, sizeof(M1), NULL);
        if (want_ok) {
                assert_int_equal(
                    peer_read(&p, M2, sizeof(M2), &M2_len, K_peer, sizeof(K_peer), &K_len, NULL),
                    1);
                assert_int_equal(ak_srp_client_verify(client, M2, M2_len, K), AK_OK);
                assert_int_equal(K_len, 32);
                assert_memory_equal(K, K_peer, 32);
        } else {
                assert_int_equal(peer_read(&p, NULL), 0);
        }
        ak_srp_client_free(client);
        peer_stop(&p);
}

static void interop_our_client(void **state)
{
        int i;
        (void)state;

        for (i = 0; i < 3; i++)
                our_client_python_server(login_key, 1);
}

static void interop_our_client_wrong_password(void **state)
{
        (void)state;
        our_client_python_server(other_key, 0);
}

/* python3-srp's User (and its verifier and salt) against our server. */
static void python_client_our_server(const unsigned char *typed, int want_ok)
{
        const char *identity = "dave@example.net#recovery";
        unsigned char salt[AK_SRP_SALT_MAX], v[AK_SRP_N_BYTES], A[AK_SRP_N_BYTES];
        unsigned char B[AK_SRP_N_BYTES], b[AK_SRP_EPHEMERAL_BYTES], M1[64], M2[32], K[32];
        unsigned char K_peer[32];
        size_t salt_len = 0, v_len = 0, A_len = 0, M1_len = 0, K_len = 0;
        enum ak_err err;
        struct peer p;

        peer_start(&p, "client");
        peer_send(&p, identity, strlen(identity), login_key, (size_t)32, typed, (size_t)32, NULL);
        assert_int_equal(peer_read(&p, salt, sizeof(salt), &salt_len, v, sizeof(v), &v_len, A,
                                   sizeof(A), &A_len, NULL),
                         1);
        assert_int_equal(ak_srp_server_start(b, B, v, v_len), AK_OK);
        peer_send(&p, B, sizeof(B), NULL);
        assert_int_equal(peer_read(&p, M1, sizeof(M1), &M1_len, NULL), 1);
        err = ak_srp_server_finish(M2, K, identity, salt, salt_len, v, v_len, b, A, A_len, M1,
                                   M1_len);
        if (want_ok) {
                assert_int_equal(err, AK_OK);
                peer_send(&p, M2, sizeof(M2), NULL);
                assert_int_equal(peer_read(&p, K_peer, sizeof(K_peer), &K_len, NULL), 1);
                assert_int_equal(K_len, 32);
                assert_memory_equal(K, K_peer, 32);
        } else {
                assert_int_equal(err, AK_ERR_AUTH);
        }
        peer_stop(&p);
}

static void interop_our_server(void **state)
{
        int i;
        (void)state;

        for (i = 0; i < 3; i++)
                python_client_our_server(login_key, 1);
}

static void interop_our_server_wrong_password(void **state)
{
        (void)state;
        python_client_our_server(other_key, 0);
}

/* python3-srp computes the same verifier as ours for the same inputs. */
static void interop_verifier(void **state)
{
        const char *identity = "erin@example.net";
        unsigned char salt[AK_SRP_SALT_MAX], v[AK_SRP_N_BYTES], v_peer[AK_SRP_N_BYTES];
        unsigned char A[AK_SRP_N_BYTES], mine[AK_SRP_N_BYTES];
        size_t salt_len = 0, v_len = 0, A_len = 0;
        struct peer p;
        (void)state;

        peer_start(&p, "client");
        peer_send(&p, identity, strlen(identity), login_key, (size_t)32, login_key, (size_t)32,
                  NULL);
        assert_int_equal(peer_read(&p, salt, sizeof(salt), &salt_len, v_peer, sizeof(v_peer),
                                   &v_len, A, sizeof(A), &A_len, NULL),
                         1);
        peer_stop(&p);
        assert_int_equal(ak_srp_verifier(v, identity, salt, salt_len, login_key, 32), AK_OK);
        /* python writes it without leading zeros; ours is padded. */
        memset(mine, 0, sizeof(mine));
        memcpy(mine + sizeof(mine) - v_len, v_peer, v_len);
        assert_memory_equal(v, mine, sizeof(v));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(rfc5054_k_x_v),
            cmocka_unit_test(rfc5054_handshake),
            cmocka_unit_test(handshake_right_password),
            cmocka_unit_test(handshake_wrong_password),
            cmocka_unit_test(client_refuses_wrong_m2),
            cmocka_unit_test(client_refuses_bad_B),
            cmocka_unit_test(server_refuses_bad_A),
            cmocka_unit_test(identities),
            cmocka_unit_test(salts),
            cmocka_unit_test(interop_verifier),
            cmocka_unit_test(interop_our_client),
            cmocka_unit_test(interop_our_client_wrong_password),
            cmocka_unit_test(interop_our_server),
            cmocka_unit_test(interop_our_server_wrong_password),
        };

        signal(SIGPIPE, SIG_IGN);
        if (ak_init() != AK_OK)
                return 1;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
