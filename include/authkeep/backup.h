/*
 * Keys of the recovery account and the backup envelope (SPEC §3,
 * docs/backup-format.md).
 *
 * Key hierarchy, all on the device:
 *   root_key  = Argon2id(password, kdf.salt, kdf.opslimit, kdf.memlimit)   32 bytes
 *   login_key = crypto_kdf_derive_from_key(root_key, id 1, "akrecov1")     SRP password
 *   wrap_key  = crypto_kdf_derive_from_key(root_key, id 2, "akrecov1")     wraps the backup key
 *   backup_key: 32 random bytes; encrypts every backup (the envelope).
 * A recovery code (shown once) is a second password: its own kdf salt, its
 * own root, login and wrap keys, a second SRP verifier (identity
 * "<email>#recovery") and a second wrapped copy of the same backup key.
 *
 * The server receives only kdf parameters, SRP salts and verifiers, wrapped
 * keys and envelopes: never the password, the code, or any of the keys.
 */
#ifndef AUTHKEEP_BACKUP_H
#define AUTHKEEP_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "authkeep/err.h"
#include "authkeep/kdf.h"
#include "authkeep/srp.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AK_RECOVERY_KDF_ALG "argon2id13" /* the "alg" of the kdf object in the API */
#define AK_RECOVERY_SALT_BYTES 16        /* crypto_pwhash_SALTBYTES */
#define AK_RECOVERY_KEY_BYTES 32         /* root, login and wrap keys */
#define AK_RECOVERY_PASSWORD_MAX 1024    /* password bytes */
/* The costs accepted from a server (a hostile server must not make the device swap). */
#define AK_RECOVERY_OPSLIMIT_MAX 16
#define AK_RECOVERY_MEMLIMIT_MAX ((size_t)2 << 30) /* 2 GiB */

#define AK_BACKUP_KEY_BYTES 32
#define AK_WRAP_NONCE_BYTES 24              /* XChaCha20-Poly1305 nonce */
#define AK_WRAP_CIPHERTEXT_BYTES (32 + 16)  /* backup key + tag */
#define AK_WRAP_AD "authkeep-backup-key-v1" /* associated data of a wrapped key */

/* Argon2id parameters of one recovery secret (password or recovery code). */
struct ak_recovery_kdf {
        unsigned char salt[AK_RECOVERY_SALT_BYTES];
        uint64_t opslimit; /* passes */
        size_t memlimit;   /* bytes */
};

/* The keys derived from one recovery secret. Wipe with ak_recovery_keys_wipe(). */
struct ak_recovery_keys {
        unsigned char login_key[AK_RECOVERY_KEY_BYTES]; /* the SRP password */
        unsigned char wrap_key[AK_RECOVERY_KEY_BYTES];  /* wraps the backup key */
};

/* A backup key wrapped by a wrap key; the API sends both fields base64. */
struct ak_wrapped_key {
        unsigned char nonce[AK_WRAP_NONCE_BYTES];
        unsigned char ciphertext[AK_WRAP_CIPHERTEXT_BYTES];
};

/*
 * Fresh parameters for a new recovery secret: a random salt and, for
 * AK_KDF_COST_DEFAULT, the default cost, 256 MiB and 3 passes;
 * AK_KDF_COST_MIN (test suites only) is libsodium's minimum.
 */
void ak_recovery_kdf_default(struct ak_recovery_kdf *out, enum ak_kdf_cost cost);

/*
 * Checks parameters received from a server: opslimit and memlimit at least
 * libsodium's minimum and at most AK_RECOVERY_OPSLIMIT_MAX and
 * AK_RECOVERY_MEMLIMIT_MAX. AK_ERR_PROTOCOL with a detail otherwise.
 */
enum ak_err ak_recovery_kdf_check(const struct ak_recovery_kdf *kdf);

/*
 * Derives the login key and the wrap key from a recovery secret (the
 * password, or the 20 bytes of a recovery code from ak_recovery_code_parse)
 * with Argon2id and crypto_kdf (ids 1 and 2, context "akrecov1").
 * Deterministic. `kdf` is checked with ak_recovery_kdf_check first.
 * AK_ERR_NOMEM when Argon2id cannot get its memory. *out is written only on
 * success; wipe it with ak_recovery_keys_wipe() after use.
 */
enum ak_err ak_recovery_derive(struct ak_recovery_keys *out, const unsigned char *secret,
                               size_t secret_len, const struct ak_recovery_kdf *kdf)
    __attribute__((warn_unused_result));

/* Wipes both keys. */
void ak_recovery_keys_wipe(struct ak_recovery_keys *keys);

/* Fills `key` with a new random backup key. */
void ak_backup_key_new(unsigned char key[AK_BACKUP_KEY_BYTES]);

/* Wraps `backup_key` under `wrap_key` (XChaCha20-Poly1305, fresh nonce, AD AK_WRAP_AD). */
enum ak_err ak_backup_key_wrap(struct ak_wrapped_key *out,
                               const unsigned char backup_key[AK_BACKUP_KEY_BYTES],
                               const unsigned char wrap_key[AK_RECOVERY_KEY_BYTES]);

/*
 * Unwraps a backup key. AK_ERR_BACKUP_TAMPERED when authentication fails
 * (another wrap key, or a wrapped key changed on the server); `backup_key`
 * is written only on success.
 */
enum ak_err ak_backup_key_unwrap(unsigned char backup_key[AK_BACKUP_KEY_BYTES],
                                 const struct ak_wrapped_key *wrapped,
                                 const unsigned char wrap_key[AK_RECOVERY_KEY_BYTES])
    __attribute__((warn_unused_result));

/*
 * The wrapped key as the API writes it: standard base64 with padding.
 * `nonce_b64` needs AK_WRAP_NONCE_B64 bytes and `ciphertext_b64`
 * AK_WRAP_CIPHERTEXT_B64 bytes (NUL included).
 */
#define AK_WRAP_NONCE_B64 33
#define AK_WRAP_CIPHERTEXT_B64 65
void ak_wrapped_key_to_b64(char nonce_b64[AK_WRAP_NONCE_B64],
                           char ciphertext_b64[AK_WRAP_CIPHERTEXT_B64],
                           const struct ak_wrapped_key *wrapped);
/* Parses the two base64 fields; AK_ERR_PROTOCOL when either is malformed or has the wrong length.
 */
enum ak_err ak_wrapped_key_from_b64(struct ak_wrapped_key *out, const char *nonce_b64,
                                    const char *ciphertext_b64);

/* ---- the recovery code ---- */

#define AK_RECOVERY_CODE_SECRET_BYTES 20 /* 160 random bits */
#define AK_RECOVERY_CODE_LEN 44          /* "XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX" */
#define AK_RECOVERY_CODE_SIZE (AK_RECOVERY_CODE_LEN + 1)

/*
 * Makes a new recovery code: 20 random bytes written to `secret` (the input
 * of ak_recovery_derive) and their human form to `code`: 32 characters of
 * Crockford base32 plus 4 of checksum, in nine groups of four joined by '-'.
 * Show it once; wipe both after use.
 */
void ak_recovery_code_new(unsigned char secret[AK_RECOVERY_CODE_SECRET_BYTES],
                          char code[AK_RECOVERY_CODE_SIZE]);

/*
 * Reads a code as the user typed it: case, spaces and dashes do not matter,
 * and O/I/L are read as 0/1/1. AK_ERR_INVALID with a detail when it has the
 * wrong length, a character outside the alphabet, or a wrong checksum (a
 * typing mistake). `secret` is written only on success.
 */
enum ak_err ak_recovery_code_parse(unsigned char secret[AK_RECOVERY_CODE_SECRET_BYTES],
                                   const char *typed) __attribute__((warn_unused_result));

/*
 * Everything the server stores for one recovery secret, made at account
 * creation (for the password and for the recovery code) and at a password
 * change: fresh kdf salt (cost from ak_recovery_kdf_default), fresh SRP
 * salt, the verifier of the login key, and the backup key wrapped by the
 * wrap key.
 */
struct ak_recovery_credentials {
        struct ak_recovery_kdf kdf;
        unsigned char srp_salt[AK_SRP_SALT_BYTES];
        unsigned char srp_verifier[AK_SRP_N_BYTES];
        struct ak_wrapped_key wrapped_key;
};

/*
 * Fills *out for `identity` (ak_srp_identity: the email, or its "#recovery"
 * form for a recovery code) from the recovery secret and the backup key.
 * `kdf` NULL means ak_recovery_kdf_default(); otherwise its cost is used
 * with a fresh salt. Nothing secret is left in *out.
 */
enum ak_err ak_recovery_credentials_make(struct ak_recovery_credentials *out, const char *identity,
                                         const unsigned char *secret, size_t secret_len,
                                         const unsigned char backup_key[AK_BACKUP_KEY_BYTES],
                                         const struct ak_recovery_kdf *kdf)
    __attribute__((warn_unused_result));

/* ---- the backup envelope ---- */

#define AK_BACKUP_FORMAT_VERSION 1
#define AK_BACKUP_ALG_XCHACHA20POLY1305 1
#define AK_BACKUP_HEADER_BYTES 32 /* magic, version, algorithm, reserved, nonce */
#define AK_BACKUP_OVERHEAD (AK_BACKUP_HEADER_BYTES + 16)
#define AK_BACKUP_PLAINTEXT_MAX ((size_t)16 << 20) /* 16 MiB */
#define AK_BACKUP_ENVELOPE_MAX (AK_BACKUP_PLAINTEXT_MAX + AK_BACKUP_OVERHEAD)
#define AK_BACKUP_ACCOUNT_ID_MAX 256 /* bytes of the account id bound into the AD */

/*
 * Seals a backup payload (ak_vault_backup_payload) under the backup key,
 * bound to the server's `account_id` and the `version` number the server
 * will give it (the replaced version + 1), so that a server serving another
 * account's or another version's envelope is detected. *out (malloc'd,
 * *out_len bytes) is freed with free(). AK_ERR_LIMIT over
 * AK_BACKUP_PLAINTEXT_MAX; AK_ERR_INVALID for an empty or over-long
 * account id or version 0.
 */
enum ak_err ak_backup_seal(unsigned char **out, size_t *out_len, const void *plaintext,
                           size_t plaintext_len, const unsigned char key[AK_BACKUP_KEY_BYTES],
                           const char *account_id, uint64_t version)
    __attribute__((warn_unused_result));

/*
 * Opens an envelope. On success *out holds the payload (*out_len bytes, plus
 * a NUL terminator not counted), freed with ak_backup_plaintext_free().
 * Distinct errors:
 *   AK_ERR_FORMAT           not an envelope: bad magic, shorter than a header and tag,
 *                           a non-zero reserved field, format version 0
 *   AK_ERR_UNSUPPORTED      a newer format version or an unknown algorithm
 *   AK_ERR_LIMIT            longer than AK_BACKUP_ENVELOPE_MAX
 *   AK_ERR_BACKUP_TAMPERED  authentication failed: changed, truncated, another
 *                           key, or another account id or version number
 *   AK_ERR_INVALID          bad arguments (empty account id, version 0)
 */
enum ak_err ak_backup_open(unsigned char **out, size_t *out_len, const unsigned char *envelope,
                           size_t envelope_len, const unsigned char key[AK_BACKUP_KEY_BYTES],
                           const char *account_id, uint64_t version)
    __attribute__((warn_unused_result));

/* Wipes and frees a payload from ak_backup_open(); accepts NULL. */
void ak_backup_plaintext_free(unsigned char *plaintext, size_t len);

#ifdef __cplusplus
}
#endif
#endif
