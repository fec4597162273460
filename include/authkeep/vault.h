/*
 * The vault: the device's encrypted file of accounts (SPEC §3,
 * docs/vault-format.md). A random 256-bit master key encrypts the body with
 * XChaCha20-Poly1305; slots wrap the master key (an Argon2id passphrase
 * slot). Every save is atomic. At creation the vault gets a device id and an
 * Ed25519 device key pair, which is device-bound: never exported, never
 * backed up.
 */
#ifndef AUTHKEEP_VAULT_H
#define AUTHKEEP_VAULT_H

#include <stddef.h>
#include <stdint.h>

#include "authkeep/account.h"
#include "authkeep/err.h"
#include "authkeep/kdf.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AK_VAULT_KEY_BYTES 32
#define AK_VAULT_FILE "vault.json"
#define AK_DEVICE_ID_LEN 32   /* hex characters */
#define AK_DEVICE_PK_BYTES 32 /* Ed25519 public key */
#define AK_DEVICE_SIG_BYTES 64

struct ak_vault;

/* Argon2id cost of the passphrase slot. */
struct ak_kdf_params {
        uint64_t opslimit; /* passes */
        size_t memlimit;   /* bytes */
};

/*
 * The cost a program chose: for AK_KDF_COST_DEFAULT the defaults, 64 MiB
 * and 3 passes; for AK_KDF_COST_MIN libsodium's minimum (test suites only,
 * docs/vault-format.md). The library reads no environment: the program
 * decides (the authkeep program reads AUTHKEEP_KDF_COST).
 */
void ak_kdf_params_default(struct ak_kdf_params *out, enum ak_kdf_cost cost);

/*
 * Creates a new vault at `path` (its folder is made 0700 if missing),
 * protected by `passphrase`, with a fresh device id and device key, and
 * writes it. `kdf` NULL means ak_kdf_params_default(AK_KDF_COST_DEFAULT).
 * AK_ERR_VAULT_EXISTS when a file is there already. *out is freed with
 * ak_vault_free().
 */
enum ak_err ak_vault_create(struct ak_vault **out, const char *path, const char *passphrase,
                            size_t passphrase_len, const struct ak_kdf_params *kdf)
    __attribute__((warn_unused_result));

/*
 * Opens the vault at `path` with its passphrase. Distinct errors:
 * AK_ERR_VAULT_MISSING, AK_ERR_PASSPHRASE, AK_ERR_VAULT_TRUNCATED,
 * AK_ERR_VAULT_TAMPERED, AK_ERR_VAULT_CORRUPT, AK_ERR_VAULT_VERSION.
 */
enum ak_err ak_vault_open(struct ak_vault **out, const char *path, const char *passphrase,
                          size_t passphrase_len) __attribute__((warn_unused_result));

/*
 * Opens again the file of an open `vault` (after another command saved
 * it) with the vault's own master key, without asking for the passphrase.
 * AK_ERR_LOCKED when the file is now another vault's or has another key;
 * a damaged file gives the errors of ak_vault_open(). `vault` is left as
 * it is; *out is freed with ak_vault_free().
 */
enum ak_err ak_vault_reread(struct ak_vault **out, const struct ak_vault *vault)
    __attribute__((warn_unused_result));

/*
 * Unlocking, as `authkeep unlock` and `lock` do it: the vault's master key
 * kept in the kernel keyring, never handed to the program. The key goes to
 * the session keyring with possessor-only permissions: processes of this
 * login session can use it; the same user's other sessions (cron, another
 * SSH login) cannot.
 *
 * ak_vault_unlock keeps the master key of the open `vault` for `seconds`
 * (1 to AK_VAULT_UNLOCK_MAX_SECONDS, else AK_ERR_INVALID), replacing a key
 * kept before. AK_ERR_KEYRING when the keyring refuses.
 */
#define AK_VAULT_UNLOCK_MAX_SECONDS (24u * 3600u)
enum ak_err ak_vault_unlock(const struct ak_vault *vault, unsigned seconds)
    __attribute__((warn_unused_result));

/*
 * Forgets the key kept for the vault at `path` (its id is read from the
 * file's header); AK_OK when none was kept. The errors of ak_vault_peek_id()
 * when there is no vault to name the key.
 */
enum ak_err ak_vault_lock(const char *path) __attribute__((warn_unused_result));

/*
 * Opens the vault at `path` with the key ak_vault_unlock kept for it,
 * reading the file once (the vault id naming the kept key is in the file's
 * header). AK_ERR_LOCKED when no key is kept for this vault, or one that
 * does not open it: ask for the passphrase then. A damaged file gives the
 * errors of ak_vault_open().
 */
enum ak_err ak_vault_reopen(struct ak_vault **out, const char *path)
    __attribute__((warn_unused_result));

/* The vault's random id (hex), in the clear in the file's header; names its kept key. */
const char *ak_vault_id(const struct ak_vault *vault);

/* Reads only the header of the vault at `path` to give its id (no key needed). */
enum ak_err ak_vault_peek_id(char id[AK_DEVICE_ID_LEN + 1], const char *path)
    __attribute__((warn_unused_result));

/*
 * Makes the open `vault` ready for a change that must not be lost to a
 * concurrent one: takes its folder's lock (the lock every save takes),
 * waiting at most `wait_ms` for other commands, and, when another command
 * saved the file since `vault` read it, reads it again with the vault's key
 * (`vault` then holds what is stored). The lock is held until
 * ak_vault_free(); saves meanwhile need no other. AK_ERR_VAULT_CHANGED when
 * the wait ran out; the errors of ak_vault_reread() when the file cannot be
 * read again. Nothing is written.
 */
enum ak_err ak_vault_hold(struct ak_vault *vault, unsigned wait_ms)
    __attribute__((warn_unused_result));

/* Encrypts and writes the vault atomically (temp file, fsync, rename, fsync folder). */
enum ak_err ak_vault_save(struct ak_vault *vault) __attribute__((warn_unused_result));

/* Changes the passphrase slot (new salt, same master key); saves. */
enum ak_err ak_vault_set_passphrase(struct ak_vault *vault, const char *passphrase,
                                    size_t passphrase_len, const struct ak_kdf_params *kdf)
    __attribute__((warn_unused_result));

/* Wipes every key and secret and frees; accepts NULL. */
void ak_vault_free(struct ak_vault *vault);

/* The accounts, in order. The caller may change the list, then ak_vault_save(). */
struct ak_account_list *ak_vault_accounts(struct ak_vault *vault);

/* The device: id (hex), public key, and signing with the device-bound private key. */
const char *ak_vault_device_id(const struct ak_vault *vault);
void ak_vault_device_public_key(const struct ak_vault *vault, unsigned char pk[AK_DEVICE_PK_BYTES]);
enum ak_err ak_vault_device_sign(const struct ak_vault *vault,
                                 unsigned char sig[AK_DEVICE_SIG_BYTES], const unsigned char *msg,
                                 size_t msg_len);

/*
 * Settings: small string values that are backed up with the accounts
 * (names are [a-z0-9_.-]+). get returns NULL when unset. set with NULL
 * removes. Changes take effect on the next save.
 */
const char *ak_vault_setting(const struct ak_vault *vault, const char *name);
enum ak_err ak_vault_set_setting(struct ak_vault *vault, const char *name, const char *value);

/*
 * Device-local state: string values kept in the encrypted vault but never
 * backed up (the backup module keeps its server, session and version here).
 */
const char *ak_vault_local(const struct ak_vault *vault, const char *name);
enum ak_err ak_vault_set_local(struct ak_vault *vault, const char *name, const char *value);

/*
 * The backup payload (docs/backup-format.md): JSON of every third-party
 * account (all fields, order kept), references to personal and work accounts
 * (without secrets or device-bound keys), and the settings. Never the device
 * key or device-local state. *out (NUL-terminated, *out_len bytes before
 * the NUL) holds secrets: free it with ak_secret_free(*out, *out_len).
 */
enum ak_err ak_vault_backup_payload(const struct ak_vault *vault, char **out, size_t *out_len)
    __attribute__((warn_unused_result));

/*
 * Parses a backup payload into accounts (order kept) and, if `settings_json`
 * is not NULL, the settings as a JSON string: free it with
 * ak_secret_free_str().
 */
enum ak_err ak_backup_payload_parse(struct ak_account_list *accounts, char **settings_json,
                                    const char *payload, size_t payload_len)
    __attribute__((warn_unused_result));

/* Replaces the vault's settings with those of a payload (from ak_backup_payload_parse). */
enum ak_err ak_vault_set_settings_json(struct ak_vault *vault, const char *settings_json);

#ifdef __cplusplus
}
#endif
#endif
