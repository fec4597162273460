/*
 * Recovery keys and the backup envelope: key derivation (deterministic,
 * known answer), wrapping, the recovery code, account creation, sign-in,
 * password change and recovery-code sign-in through SRP, and the envelope:
 * seal and open, a golden envelope, every region flipped, another key,
 * account id or version, truncation, size caps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "authkeep/authkeep.h"

static const unsigned char password[] = "correct horse battery staple";
#define PASSWORD_LEN (sizeof(password) - 1)

/* Parameters fixed for the known answers: salt 00 01 .. 0f, 2 passes, 64 KiB. */
static void fixed_kdf(struct ak_recovery_kdf *kdf)
{
        unsigned i;

        for (i = 0; i < sizeof(kdf->salt); i++)
                kdf->salt[i] = (unsigned char)i;
        kdf->opslimit = 2;
        kdf->memlimit = 64 * 1024;
}

static void assert_hex(const unsigned char *bytes, size_t len, const char *hex)
{
        char got[2 * 64 + 1];

        assert_true(len <= 64);
        sodium_bin2hex(got, sizeof(got), bytes, len);
        assert_string_equal(got, hex);
}

static void kdf_defaults(void **state)
{
        struct ak_recovery_kdf a, b;
        (void)state;

        ak_recovery_kdf_default(&a, AK_KDF_COST_MIN);
        assert_int_equal(a.opslimit, crypto_pwhash_argon2id_OPSLIMIT_MIN);
        assert_int_equal(a.memlimit, crypto_pwhash_argon2id_MEMLIMIT_MIN);
        ak_recovery_kdf_default(&b, AK_KDF_COST_DEFAULT);
        assert_true(b.opslimit >= 3);
        assert_true(b.memlimit >= (size_t)256 << 20);
        assert_int_equal(ak_recovery_kdf_check(&b), AK_OK);
        assert_memory_not_equal(a.salt, b.salt, sizeof(a.salt));
}

static void kdf_bounds(void **state)
{
        struct ak_recovery_kdf kdf;
        struct ak_recovery_keys keys;
        (void)state;

        fixed_kdf(&kdf);
        kdf.opslimit = 0;
        assert_int_equal(ak_recovery_kdf_check(&kdf), AK_ERR_PROTOCOL);
        assert_int_equal(ak_recovery_derive(&keys, password, PASSWORD_LEN, &kdf), AK_ERR_PROTOCOL);
        kdf.opslimit = AK_RECOVERY_OPSLIMIT_MAX + 1;
        assert_int_equal(ak_recovery_kdf_check(&kdf), AK_ERR_PROTOCOL);
        kdf.opslimit = 2;
        kdf.memlimit = AK_RECOVERY_MEMLIMIT_MAX + 1;
        assert_int_equal(ak_recovery_kdf_check(&kdf), AK_ERR_PROTOCOL);
        kdf.memlimit = 1024;
        assert_int_equal(ak_recovery_kdf_check(&kdf), AK_ERR_PROTOCOL);
        kdf.memlimit = 64 * 1024;
        assert_int_equal(ak_recovery_derive(&keys, password, 0, &kdf), AK_ERR_INVALID);
        assert_int_equal(ak_recovery_derive(&keys, password, AK_RECOVERY_PASSWORD_MAX + 1, &kdf),
                         AK_ERR_LIMIT);
}

/*
 * The key hierarchy, recomputed here from the primitives as
 * docs/backup-format.md states it, and pinned by a known answer.
 */
static void derive_known_answer(void **state)
{
        struct ak_recovery_kdf kdf;
        struct ak_recovery_keys keys, again;
        unsigned char root[32], login[32], wrap[32];
        (void)state;

        fixed_kdf(&kdf);
        assert_int_equal(ak_recovery_derive(&keys, password, PASSWORD_LEN, &kdf), AK_OK);
        assert_int_equal(crypto_pwhash(root, 32, (const char *)password, PASSWORD_LEN, kdf.salt, 2,
                                       64 * 1024, crypto_pwhash_ALG_ARGON2ID13),
                         0);
        crypto_kdf_derive_from_key(login, 32, 1, "akrecov1", root);
        crypto_kdf_derive_from_key(wrap, 32, 2, "akrecov1", root);
        assert_memory_equal(keys.login_key, login, 32);
        assert_memory_equal(keys.wrap_key, wrap, 32);
        assert_hex(keys.login_key, 32,
                   "30f0fee51778d920bcadbe40d78077538b066c73bba8f88eaf93fac691261cf8");
        assert_hex(keys.wrap_key, 32,
                   "38aedc1bf90628011fb40b3b1fe4bc04db408f9ee57a6d270dc0750ba5e792a7");
        assert_memory_not_equal(keys.login_key, keys.wrap_key, 32);

        /* Deterministic; another salt or password gives other keys. */
        assert_int_equal(ak_recovery_derive(&again, password, PASSWORD_LEN, &kdf), AK_OK);
        assert_memory_equal(&keys, &again, sizeof(keys));
        kdf.salt[0] ^= 1;
        assert_int_equal(ak_recovery_derive(&again, password, PASSWORD_LEN, &kdf), AK_OK);
        assert_memory_not_equal(keys.login_key, again.login_key, 32);
        kdf.salt[0] ^= 1;
        assert_int_equal(ak_recovery_derive(&again, password, PASSWORD_LEN - 1, &kdf), AK_OK);
        assert_memory_not_equal(keys.login_key, again.login_key, 32);
        ak_recovery_keys_wipe(&again);
        ak_recovery_keys_wipe(&keys);
        assert_memory_equal(keys.login_key, (unsigned char[32]){0}, 32);
}

static void wrap_unwrap(void **state)
{
        unsigned char backup_key[32], wrap_key[32], other[32], out[32] = {0}, zero[32] = {0};
        char nonce_b64[AK_WRAP_NONCE_B64], ct_b64[AK_WRAP_CIPHERTEXT_B64], bad[80];
        struct ak_wrapped_key w, w2, parsed;
        size_t i;
        (void)state;

        ak_backup_key_new(backup_key);
        ak_backup_key_new(wrap_key);
        ak_backup_key_new(other);
        assert_int_equal(ak_backup_key_wrap(&w, backup_key, wrap_key), AK_OK);
        assert_int_equal(ak_backup_key_wrap(&w2, backup_key, wrap_key), AK_OK);
        assert_memory_not_equal(w.nonce, w2.nonce, sizeof(w.nonce)); /* a fresh nonce each time */
        assert_int_equal(ak_backup_key_unwrap(out, &w, wrap_key), AK_OK);
        assert_memory_equal(out, backup_key, 32);

        memset(out, 0, sizeof(out));
        assert_int_equal(ak_backup_key_unwrap(out, &w, other), AK_ERR_BACKUP_TAMPERED);
        assert_memory_equal(out, zero, 32);
        for (i = 0; i < sizeof(w); i++) {
                struct ak_wrapped_key t = w;
                ((unsigned char *)&t)[i] ^= 0x40;
                assert_int_equal(ak_backup_key_unwrap(out, &t, wrap_key), AK_ERR_BACKUP_TAMPERED);
        }
        assert_memory_equal(out, zero, 32);

        /* The API's base64 form. */
        ak_wrapped_key_to_b64(nonce_b64, ct_b64, &w);
        assert_int_equal(strlen(nonce_b64), 32);
        assert_int_equal(strlen(ct_b64), 64);
        assert_int_equal(ak_wrapped_key_from_b64(&parsed, nonce_b64, ct_b64), AK_OK);
        assert_memory_equal(&parsed, &w, sizeof(w));
        assert_int_equal(ak_wrapped_key_from_b64(&parsed, ct_b64, nonce_b64), AK_ERR_PROTOCOL);
        assert_int_equal(ak_wrapped_key_from_b64(&parsed, nonce_b64, "AAAA"), AK_ERR_PROTOCOL);
        assert_int_equal(ak_wrapped_key_from_b64(&parsed, NULL, ct_b64), AK_ERR_PROTOCOL);
        snprintf(bad, sizeof(bad), "%s=", nonce_b64);
        assert_int_equal(ak_wrapped_key_from_b64(&parsed, bad, ct_b64), AK_ERR_PROTOCOL);
        snprintf(bad, sizeof(bad), "%s", nonce_b64);
        bad[3] = '*';
        assert_int_equal(ak_wrapped_key_from_b64(&parsed, bad, ct_b64), AK_ERR_PROTOCOL);
}

/* ---- recovery codes ---- */

static void recovery_code_format(void **state)
{
        unsigned char secret[AK_RECOVERY_CODE_SECRET_BYTES], parsed[AK_RECOVERY_CODE_SECRET_BYTES];
        char code[AK_RECOVERY_CODE_SIZE], typed[128];
        size_t i, j = 0;
        (void)state;

        ak_recovery_code_new(secret, code);
        assert_int_equal(strlen(code), AK_RECOVERY_CODE_LEN);
        for (i = 0; i < AK_RECOVERY_CODE_LEN; i++) {
                if (i % 5 == 4)
                        assert_int_equal(code[i], '-');
                else
                        assert_non_null(strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", code[i]));
        }
        assert_int_equal(ak_recovery_code_parse(parsed, code), AK_OK);
        assert_memory_equal(parsed, secret, sizeof(secret));

        /* Typed loosely: lower case, spaces instead of dashes, O for 0, l for 1. */
        for (i = 0; code[i] != '\0'; i++) {
                char c = code[i];
                if (c == '-')
                        c = ' ';
                else if (c == '0')
                        c = 'O';
                else if (c == '1')
                        c = 'l';
                else if (c >= 'A' && c <= 'Z')
                        c = (char)(c - 'A' + 'a');
                typed[j++] = c;
        }
        typed[j] = '\0';
        memset(parsed, 0, sizeof(parsed));
        assert_int_equal(ak_recovery_code_parse(parsed, typed), AK_OK);
        assert_memory_equal(parsed, secret, sizeof(secret));

        /* Two codes differ. */
        ak_recovery_code_new(parsed, typed);
        assert_string_not_equal(code, typed);
}

static void recovery_code_mistakes(void **state)
{
        unsigned char secret[AK_RECOVERY_CODE_SECRET_BYTES], out[AK_RECOVERY_CODE_SECRET_BYTES];
        char code[AK_RECOVERY_CODE_SIZE], typed[AK_RECOVERY_CODE_SIZE + 8];
        const char *alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        size_t i, k, tries = 0, caught = 0;
        (void)state;

        ak_recovery_code_new(secret, code);
        /* Every single-character substitution. */
        for (i = 0; i < AK_RECOVERY_CODE_LEN; i++) {
                if (code[i] == '-')
                        continue;
                for (k = 0; alphabet[k] != '\0'; k++) {
                        if (alphabet[k] == code[i])
                                continue;
                        memcpy(typed, code, sizeof(code));
                        typed[i] = alphabet[k];
                        tries++;
                        if (ak_recovery_code_parse(out, typed) == AK_ERR_INVALID)
                                caught++;
                        else if (i >= AK_RECOVERY_CODE_LEN - 4)
                                fail_msg("a mistyped checksum character was accepted");
                }
        }
        /* A 20-bit checksum misses one substitution in a million. */
        assert_true(caught + 2 >= tries);

        /* Too short, too long, a character outside the alphabet. */
        memcpy(typed, code, sizeof(code));
        typed[AK_RECOVERY_CODE_LEN - 1] = '\0';
        assert_int_equal(ak_recovery_code_parse(out, typed), AK_ERR_INVALID);
        snprintf(typed, sizeof(typed), "%s-7", code);
        assert_int_equal(ak_recovery_code_parse(out, typed), AK_ERR_INVALID);
        memcpy(typed, code, sizeof(code));
        typed[0] = 'U';
        assert_int_equal(ak_recovery_code_parse(out, typed), AK_ERR_INVALID);
        assert_int_equal(ak_recovery_code_parse(out, ""), AK_ERR_INVALID);
        /* The error names a position, never the code. */
        assert_null(strstr(ak_error_detail(), code));
}

/* ---- the whole recovery account through SRP ---- */

/* Signs in as the device does: derive keys, SRP against `creds`, unwrap. */
static enum ak_err device_sign_in(const struct ak_recovery_credentials *creds, const char *identity,
                                  const unsigned char *secret, size_t secret_len,
                                  unsigned char backup_key[32])
{
        struct ak_recovery_keys keys;
        struct ak_srp_client *client = NULL;
        unsigned char A[AK_SRP_N_BYTES], B[AK_SRP_N_BYTES], b[AK_SRP_EPHEMERAL_BYTES];
        unsigned char M1[32], M2[32];
        enum ak_err err;

        assert_int_equal(ak_recovery_derive(&keys, secret, secret_len, &creds->kdf), AK_OK);
        assert_int_equal(ak_srp_client_new(&client, identity, keys.login_key, 32, A), AK_OK);
        assert_int_equal(ak_srp_server_start(b, B, creds->srp_verifier, AK_SRP_N_BYTES), AK_OK);
        assert_int_equal(
            ak_srp_client_process(client, creds->srp_salt, AK_SRP_SALT_BYTES, B, sizeof(B), M1),
            AK_OK);
        err = ak_srp_server_finish(M2, NULL, identity, creds->srp_salt, AK_SRP_SALT_BYTES,
                                   creds->srp_verifier, AK_SRP_N_BYTES, b, A, sizeof(A), M1,
                                   sizeof(M1));
        if (err == AK_OK) {
                assert_int_equal(ak_srp_client_verify(client, M2, sizeof(M2), NULL), AK_OK);
                err = ak_backup_key_unwrap(backup_key, &creds->wrapped_key, keys.wrap_key);
        }
        ak_srp_client_free(client);
        ak_recovery_keys_wipe(&keys);
        return err;
}

static void account_lifecycle(void **state)
{
        static const unsigned char new_password[] = "Tr0ubador & 3";
        struct ak_recovery_credentials creds, code_creds, changed;
        unsigned char backup_key[32], got[32], secret[AK_RECOVERY_CODE_SECRET_BYTES];
        unsigned char typed_secret[AK_RECOVERY_CODE_SECRET_BYTES];
        char identity[AK_SRP_IDENTITY_MAX + 1], recovery_identity[AK_SRP_IDENTITY_MAX + 1];
        char code[AK_RECOVERY_CODE_SIZE];
        (void)state;

        assert_int_equal(ak_srp_identity(identity, sizeof(identity), "Ann@Example.org", false),
                         AK_OK);
        assert_int_equal(
            ak_srp_identity(recovery_identity, sizeof(recovery_identity), "Ann@Example.org", true),
            AK_OK);
        ak_backup_key_new(backup_key);

        /* Creation: the password and the recovery code. */
        assert_int_equal(ak_recovery_credentials_make(&creds, identity, password, PASSWORD_LEN,
                                                      backup_key, NULL),
                         AK_OK);
        ak_recovery_code_new(secret, code);
        assert_int_equal(ak_recovery_credentials_make(&code_creds, recovery_identity, secret,
                                                      sizeof(secret), backup_key, NULL),
                         AK_OK);
        assert_memory_not_equal(creds.kdf.salt, code_creds.kdf.salt, AK_RECOVERY_SALT_BYTES);
        assert_memory_not_equal(creds.srp_salt, code_creds.srp_salt, AK_SRP_SALT_BYTES);

        /* Sign-in with the password; a wrong one is refused by the server. */
        assert_int_equal(device_sign_in(&creds, identity, password, PASSWORD_LEN, got), AK_OK);
        assert_memory_equal(got, backup_key, 32);
        assert_int_equal(
            device_sign_in(&creds, identity, new_password, sizeof(new_password) - 1, got),
            AK_ERR_AUTH);

        /* Sign-in with the recovery code as the user types it. */
        assert_int_equal(ak_recovery_code_parse(typed_secret, code), AK_OK);
        memset(got, 0, sizeof(got));
        assert_int_equal(
            device_sign_in(&code_creds, recovery_identity, typed_secret, sizeof(typed_secret), got),
            AK_OK);
        assert_memory_equal(got, backup_key, 32);
        /* The code's verifier is bound to the recovery identity. */
        assert_int_equal(
            device_sign_in(&code_creds, identity, typed_secret, sizeof(typed_secret), got),
            AK_ERR_AUTH);

        /* Password change: new salts and verifier, the same backup key re-wrapped. */
        assert_int_equal(ak_recovery_credentials_make(&changed, identity, new_password,
                                                      sizeof(new_password) - 1, got, &creds.kdf),
                         AK_OK);
        assert_int_equal(changed.kdf.opslimit, creds.kdf.opslimit);
        assert_memory_not_equal(changed.kdf.salt, creds.kdf.salt, AK_RECOVERY_SALT_BYTES);
        assert_memory_not_equal(changed.srp_verifier, creds.srp_verifier, AK_SRP_N_BYTES);
        memset(got, 0, sizeof(got));
        assert_int_equal(
            device_sign_in(&changed, identity, new_password, sizeof(new_password) - 1, got), AK_OK);
        assert_memory_equal(got, backup_key, 32);
        assert_int_equal(device_sign_in(&changed, identity, password, PASSWORD_LEN, got),
                         AK_ERR_AUTH);

        /* Nothing the server stores contains the password or the backup key. */
        assert_null(memmem(&changed, sizeof(changed), backup_key, 8));
        assert_null(memmem(&changed, sizeof(changed), new_password, 8));
}

/* ---- the envelope ---- */

static const unsigned char env_key[32] = "backup key backup key backup key";
static const char payload[] = "{\"accounts\":[{\"issuer\":\"Example\",\"secret\":\"JBSWY3DP\"}]}";

/* A golden envelope of `payload` under env_key, account "acct-1", version 7. */
static const char golden_hex[] = "414b424b010100001e54e71c9cfaa62308885cdf91727e4b86fb957c5952f7ed"
                                 "fd956a5ac44491d43ccffc75b9f5bc71333b352d56b38e125493434af72a631b"
                                 "4e31aa80135e1343c250f111cac82c77c7e51dd160f217e06ef34b58a14d2599"
                                 "a4a939166fa88c";

static void seal(unsigned char **env, size_t *len, const char *account, uint64_t version)
{
        assert_int_equal(
            ak_backup_seal(env, len, payload, strlen(payload), env_key, account, version), AK_OK);
}

static void envelope_round_trip(void **state)
{
        unsigned char *env = NULL, *env2 = NULL, *plain = NULL, *big;
        size_t len = 0, len2 = 0, plain_len = 0;
        (void)state;

        seal(&env, &len, "acct-1", 1);
        assert_int_equal(len, strlen(payload) + AK_BACKUP_OVERHEAD);
        assert_memory_equal(env, "AKBK\x01\x01\x00\x00", 8);
        assert_null(memmem(env, len, "JBSWY3DP", 8));
        assert_int_equal(ak_backup_open(&plain, &plain_len, env, len, env_key, "acct-1", 1), AK_OK);
        assert_int_equal(plain_len, strlen(payload));
        assert_string_equal((char *)plain, payload); /* NUL-terminated */
        ak_backup_plaintext_free(plain, plain_len);

        /* The same payload twice: different nonces, different envelopes. */
        seal(&env2, &len2, "acct-1", 1);
        assert_memory_not_equal(env, env2, len);
        free(env);
        free(env2);

        /* Empty and 1 MiB payloads. */
        assert_int_equal(ak_backup_seal(&env, &len, NULL, 0, env_key, "a", UINT64_MAX), AK_OK);
        assert_int_equal(ak_backup_open(&plain, &plain_len, env, len, env_key, "a", UINT64_MAX),
                         AK_OK);
        assert_int_equal(plain_len, 0);
        ak_backup_plaintext_free(plain, plain_len);
        free(env);
        big = malloc(1 << 20);
        assert_non_null(big);
        randombytes_buf(big, 1 << 20);
        assert_int_equal(ak_backup_seal(&env, &len, big, 1 << 20, env_key, "acct-1", 2), AK_OK);
        assert_int_equal(ak_backup_open(&plain, &plain_len, env, len, env_key, "acct-1", 2), AK_OK);
        assert_int_equal(plain_len, 1 << 20);
        assert_memory_equal(plain, big, 1 << 20);
        ak_backup_plaintext_free(plain, plain_len);
        free(env);
        free(big);
}

static void envelope_golden(void **state)
{
        unsigned char env[512], *plain = NULL;
        size_t len = 0, plain_len = 0;
        (void)state;

        assert_int_equal(
            sodium_hex2bin(env, sizeof(env), golden_hex, strlen(golden_hex), NULL, &len, NULL), 0);
        assert_int_equal(ak_backup_open(&plain, &plain_len, env, len, env_key, "acct-1", 7), AK_OK);
        assert_int_equal(plain_len, strlen(payload));
        assert_memory_equal(plain, payload, plain_len);
        ak_backup_plaintext_free(plain, plain_len);
}

/* Another key, account id or version number: authentication fails. */
static void envelope_wrong_binding(void **state)
{
        unsigned char *env = NULL, *plain = (unsigned char *)"untouched", other[32];
        size_t len = 0, plain_len = 99;
        (void)state;

        seal(&env, &len, "acct-1", 5);
        memcpy(other, env_key, 32);
        other[31] ^= 1;
        assert_int_equal(ak_backup_open(&plain, &plain_len, env, len, other, "acct-1", 5),
                         AK_ERR_BACKUP_TAMPERED);
        assert_int_equal(ak_backup_open(&plain, &plain_len, env, len, env_key, "acct-2", 5),
                         AK_ERR_BACKUP_TAMPERED);
        assert_int_equal(ak_backup_open(&plain, &plain_len, env, len, env_key, "acct-10", 5),
                         AK_ERR_BACKUP_TAMPERED);
        assert_int_equal(ak_backup_open(&plain, &plain_len, env, len, env_key, "acct-1", 4),
                         AK_ERR_BACKUP_TAMPERED);
        assert_int_equal(ak_backup_open(&plain, &plain_len, env, len, env_key, "acct-1", 6),
                         AK_ERR_BACKUP_TAMPERED);
        assert_int_equal(ak_backup_open(&plain, &plain_len, env, len, env_key, "acct-1",
                                        5 + ((uint64_t)1 << 32)),
                         AK_ERR_BACKUP_TAMPERED);
        /* Invalid arguments. */
        assert_int_equal(ak_backup_open(&plain, &plain_len, env, len, env_key, "", 5),
                         AK_ERR_INVALID);
        assert_int_equal(ak_backup_open(&plain, &plain_len, env, len, env_key, "acct-1", 0),
                         AK_ERR_INVALID);
        /* Outputs untouched on failure. */
        assert_string_equal((char *)plain, "untouched");
        assert_int_equal(plain_len, 99);
        free(env);
}

/* The error expected when byte `i` of the envelope is changed by `mask`. */
static enum ak_err expected_for_flip(size_t i, unsigned char mask)
{
        if (i < 4)
                return AK_ERR_FORMAT; /* magic */
        if (i == 4)
                return (1 ^ mask) == 0 ? AK_ERR_FORMAT : AK_ERR_UNSUPPORTED; /* format version */
        if (i == 5)
                return AK_ERR_UNSUPPORTED; /* algorithm */
        if (i < 8)
                return AK_ERR_FORMAT;  /* reserved */
        return AK_ERR_BACKUP_TAMPERED; /* nonce, ciphertext, tag */
}

static void envelope_flip_every_byte(void **state)
{
        static const unsigned char masks[] = {0x01, 0x80, 0xff};
        unsigned char *env = NULL, *plain = NULL;
        size_t len = 0, plain_len = 0, i, m;
        (void)state;

        seal(&env, &len, "acct-1", 3);
        for (i = 0; i < len; i++) {
                for (m = 0; m < sizeof(masks); m++) {
                        env[i] ^= masks[m];
                        assert_int_equal(
                            ak_backup_open(&plain, &plain_len, env, len, env_key, "acct-1", 3),
                            expected_for_flip(i, masks[m]));
                        env[i] ^= masks[m];
                }
        }
        assert_int_equal(ak_backup_open(&plain, &plain_len, env, len, env_key, "acct-1", 3), AK_OK);
        ak_backup_plaintext_free(plain, plain_len);
        free(env);
}

static void envelope_truncated_and_extended(void **state)
{
        unsigned char *env = NULL, *plain = NULL, *longer;
        size_t len = 0, plain_len = 0, cut;
        (void)state;

        seal(&env, &len, "acct-1", 3);
        for (cut = 0; cut < len; cut++) {
                enum ak_err want =
                    cut < AK_BACKUP_OVERHEAD ? AK_ERR_FORMAT : AK_ERR_BACKUP_TAMPERED;
                assert_int_equal(ak_backup_open(&plain, &plain_len, env, cut, env_key, "acct-1", 3),
                                 want);
        }
        longer = malloc(len + 1);
        assert_non_null(longer);
        memcpy(longer, env, len);
        longer[len] = 0;
        assert_int_equal(ak_backup_open(&plain, &plain_len, longer, len + 1, env_key, "acct-1", 3),
                         AK_ERR_BACKUP_TAMPERED);
        assert_int_equal(ak_backup_open(&plain, &plain_len, NULL, 0, env_key, "acct-1", 3),
                         AK_ERR_FORMAT);
        free(longer);
        free(env);
}

static void envelope_caps(void **state)
{
        unsigned char *env = (unsigned char *)"unchanged", *plain = NULL, small[64] = "AKBK";
        size_t len = 0, plain_len = 0;
        char long_id[AK_BACKUP_ACCOUNT_ID_MAX + 2];
        (void)state;

        /* The sizes are checked before anything is read. */
        assert_int_equal(
            ak_backup_seal(&env, &len, small, AK_BACKUP_PLAINTEXT_MAX + 1, env_key, "acct-1", 1),
            AK_ERR_LIMIT);
        assert_int_equal(ak_backup_open(&plain, &plain_len, small, AK_BACKUP_ENVELOPE_MAX + 1,
                                        env_key, "acct-1", 1),
                         AK_ERR_LIMIT);
        memset(long_id, 'x', sizeof(long_id) - 1);
        long_id[sizeof(long_id) - 1] = '\0';
        assert_int_equal(ak_backup_seal(&env, &len, small, 4, env_key, long_id, 1), AK_ERR_INVALID);
        assert_int_equal(ak_backup_seal(&env, &len, small, 4, env_key, "acct-1", 0),
                         AK_ERR_INVALID);
        assert_int_equal(ak_backup_seal(&env, &len, small, 4, env_key, "", 1), AK_ERR_INVALID);
        assert_string_equal((char *)env, "unchanged");
        long_id[AK_BACKUP_ACCOUNT_ID_MAX] = '\0'; /* exactly the cap */
        assert_int_equal(ak_backup_seal(&env, &len, small, 4, env_key, long_id, 1), AK_OK);
        assert_int_equal(ak_backup_open(&plain, &plain_len, env, len, env_key, long_id, 1), AK_OK);
        ak_backup_plaintext_free(plain, plain_len);
        free(env);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(kdf_defaults),
            cmocka_unit_test(kdf_bounds),
            cmocka_unit_test(derive_known_answer),
            cmocka_unit_test(wrap_unwrap),
            cmocka_unit_test(recovery_code_format),
            cmocka_unit_test(recovery_code_mistakes),
            cmocka_unit_test(account_lifecycle),
            cmocka_unit_test(envelope_round_trip),
            cmocka_unit_test(envelope_golden),
            cmocka_unit_test(envelope_wrong_binding),
            cmocka_unit_test(envelope_flip_every_byte),
            cmocka_unit_test(envelope_truncated_and_extended),
            cmocka_unit_test(envelope_caps),
        };

        if (ak_init() != AK_OK)
                return 1;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
