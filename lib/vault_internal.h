/*
 * The vault's internals, shared by its files (lib/vault.c: the vault's
 * lifecycle; vault_save.c: saving it; vault_pairs.c: settings and
 * device-local state; vault_header.c: the header line; vault_slot.c: the
 * passphrase slot; vault_body.c: the binary body; vault_check.c: what a
 * vault accepts; backup_payload.c: the backup payload's JSON), its tests
 * and its fuzz target. Not part of the public API.
 */
#ifndef AUTHKEEP_VAULT_INTERNAL_H
#define AUTHKEEP_VAULT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "authkeep/vault.h"
#include "internal.h"

/* Caps on what a vault file controls (docs/vault-format.md). */
#define AK__VAULT_FILE_MAX ((size_t)64 << 20)    /* bytes of vault.json */
#define AK__VAULT_HEADER_MAX 4096                /* bytes of its header line */
#define AK__VAULT_ACCOUNTS_MAX 100000            /* accounts in one vault */
#define AK__VAULT_PAIRS_MAX 256                  /* settings, and local entries */
#define AK__VAULT_NAME_MAX 64                    /* bytes of a setting's name */
#define AK__VAULT_VALUE_MAX 8192                 /* bytes of a setting's value */
#define AK__VAULT_OPSLIMIT_MAX 64                /* Argon2id passes a file may ask for */
#define AK__VAULT_MEMLIMIT_MAX ((size_t)4 << 30) /* Argon2id bytes a file may ask for */

/* The names and sizes the slot and the header share (docs/vault-format.md). */
#define AK__VAULT_SLOT_TYPE "passphrase"
#define AK__VAULT_KDF_NAME "argon2id13"
#define AK__VAULT_KEY_CHECK_BYTES 16
#define AK__VAULT_NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define AK__VAULT_MAC_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define AK__VAULT_SALT_BYTES crypto_pwhash_SALTBYTES

/* Secrets that stay in sodium_malloc'd memory for the vault's lifetime. */
struct ak__vault_secrets {
        unsigned char master[AK_VAULT_KEY_BYTES];
        unsigned char device_sk[crypto_sign_SECRETKEYBYTES];
};

/* The passphrase slot: the master key wrapped by an Argon2id-derived key. */
struct ak__vault_slot {
        struct ak_kdf_params kdf;
        unsigned char salt[AK__VAULT_SALT_BYTES];
        unsigned char nonce[AK__VAULT_NONCE_BYTES];
        unsigned char wrapped[AK_VAULT_KEY_BYTES + AK__VAULT_MAC_BYTES];
};

/* Name/value strings in insertion order (settings, device-local state). */
struct ak__vault_pair {
        char *name;
        char *value;
};

struct ak__vault_pairs {
        struct ak__vault_pair *items;
        size_t count;
};

struct ak_vault {
        char *path;
        char id[AK_DEVICE_ID_LEN + 1];
        char device_id[AK_DEVICE_ID_LEN + 1];
        unsigned char device_pk[AK_DEVICE_PK_BYTES];
        struct ak__vault_slot slot;
        struct ak__vault_secrets *secrets;
        struct ak_account_list accounts;
        struct ak__vault_pairs settings;
        struct ak__vault_pairs local;
        /* BLAKE2b of the file as last read or written; a save refuses when the file differs. */
        unsigned char file_hash[crypto_generichash_BYTES];
        bool file_known;
        /* The folder's lock while ak_vault_hold() holds it (until ak_vault_free), else -1. */
        int lock_fd;
};

/* The clear header of a vault file, as parsed. */
struct ak__vault_header {
        char id[AK_DEVICE_ID_LEN + 1];
        unsigned char key_check[AK__VAULT_KEY_CHECK_BYTES];
        struct ak__vault_slot slot;
        unsigned char body_nonce[AK__VAULT_NONCE_BYTES];
        size_t length;     /* bytes of ciphertext after the header line */
        size_t header_len; /* bytes of the header line, its newline included */
};

/* ---- lib/vault.c ---- */

/* A vault with nothing in it yet but its secure memory; NULL when out of memory. */
struct ak_vault *ak__vault_new(const char *path);

/*
 * Reads the start of the vault file into `head` until its first newline,
 * AK__VAULT_HEADER_MAX bytes or the end of the file, whichever comes first;
 * *len is what was read. AK_ERR_VAULT_MISSING when there is no file.
 */
enum ak_err ak__vault_read_head(char head[AK__VAULT_HEADER_MAX], size_t *len, const char *path);
/* Opens the vault at `path` with a master key (kept, or an open vault's own). */
enum ak_err ak__vault_open_with_key(struct ak_vault **out, const char *path,
                                    const unsigned char *key);

/* ---- lib/vault_pairs.c ---- */

/* Settings and device-local state: get is NULL when unset; set with NULL removes. */
void ak__vault_pairs_clear(struct ak__vault_pairs *pairs);
const char *ak__vault_pairs_get(const struct ak__vault_pairs *pairs, const char *name);
enum ak_err ak__vault_pairs_set(struct ak__vault_pairs *pairs, const char *name,
                                const char *value) AK__WUR;

/* ---- lib/vault_check.c ---- */

/* A setting's name: [a-z0-9_.-]{1,AK__VAULT_NAME_MAX}. */
bool ak__vault_name_valid(const char *name);
/* An account id: [0-9A-Za-z_-]{1,AK_ID_LEN}. */
bool ak__vault_id_valid(const char *id);
/* A vault or device id: lowercase hex of exactly AK_DEVICE_ID_LEN characters. */
bool ak__vault_hex_id_valid(const char *s);
/* At most AK_TEXT_MAX bytes of UTF-8 (NULL counts as ""). */
bool ak__vault_text_valid(const char *s);
/* The names of the kinds of account, indexed by enum ak_account_kind. */
extern const char *const ak__vault_kind_names[3];
/*
 * Checks that account `index` can be written and read back (the readers
 * accept exactly what this lets through); `bad` is the error to give.
 */
enum ak_err ak__vault_account_check(const struct ak_account *a, size_t index,
                                    enum ak_err bad) AK__WUR;
/* `bad` when an id appears twice among `a` and `b` (either may be empty). */
enum ak_err ak__vault_unique_ids(const struct ak_account_list *a, const struct ak_account_list *b,
                                 enum ak_err bad) AK__WUR;
/* Makes room for `more` accounts at the end of `list`. */
enum ak_err ak__vault_list_reserve(struct ak_account_list *list, size_t more) AK__WUR;

/* ---- lib/vault_slot.c ---- */

/* The key check: a keyed BLAKE2b of the vault id under the master key. */
void ak__vault_key_check(unsigned char out[AK__VAULT_KEY_CHECK_BYTES], const char *vault_id,
                         const unsigned char *master);
/*
 * Fills a new passphrase slot (fresh salt and nonce) that wraps `master`
 * with the cost `kdf` (NULL: ak_kdf_params_default(AK_KDF_COST_DEFAULT)).
 */
enum ak_err ak__vault_make_slot(struct ak__vault_slot *slot, const unsigned char *master,
                                const char *passphrase, size_t passphrase_len,
                                const struct ak_kdf_params *kdf) AK__WUR;
/* Unwraps the master key; AK_ERR_PASSPHRASE when the passphrase does not open the slot. */
enum ak_err ak__vault_open_slot(unsigned char *master, const struct ak__vault_slot *slot,
                                const char *passphrase, size_t passphrase_len) AK__WUR;

/* ---- lib/vault_header.c ---- */

/* Appends the header line, its newline included. */
void ak__vault_write_header(struct ak__buf *b, const char *vault_id, const unsigned char *check,
                            const struct ak__vault_slot *slot, const unsigned char *nonce,
                            size_t ciphertext_len);
/*
 * Parses the header line at the start of `data` (`len` bytes: the whole
 * file when `whole`, else at least its first AK__VAULT_HEADER_MAX bytes or
 * all of a shorter file) into `h`. Tells a cut file (AK_ERR_VAULT_TRUNCATED)
 * from one that is not a vault (AK_ERR_VAULT_CORRUPT) and from a newer
 * version. With `whole`, also checks that exactly `length` bytes of
 * ciphertext follow. `kdf_max`, when not NULL, lowers the cost accepted.
 */
enum ak_err ak__vault_parse_header(struct ak__vault_header *h, const char *data, size_t len,
                                   const struct ak_kdf_params *kdf_max, bool whole) AK__WUR;

/* ---- lib/vault_body.c ---- */

/* Appends the plaintext body: the device, accounts, settings and local state (secret). */
void ak__vault_write_body(struct ak__buf *b, const struct ak_vault *v);
/*
 * Reads a decrypted body into `v` (whose lists are empty). Every value is
 * checked as a save checks it, so what opens can be saved again.
 */
enum ak_err ak__vault_read_body(struct ak_vault *v, const unsigned char *body, size_t len) AK__WUR;

/* ---- lib/backup_payload.c ---- */

/* Makes jansson wipe what it frees (strings holding secrets, its lexer's buffer). */
void ak__json_wipe_on_free(void);

/* ---- lib/keyring.c ---- */

/*
 * The kernel keyring (libkeyutils): the master key of vault `vault_id`
 * kept in the user keyring for `seconds`.
 */
enum ak_err ak__keyring_store(const char *vault_id, const unsigned char key[AK_VAULT_KEY_BYTES],
                              unsigned seconds) AK__WUR;
/* AK_ERR_LOCKED when there is no (unexpired) key. */
enum ak_err ak__keyring_load(const char *vault_id, unsigned char key[AK_VAULT_KEY_BYTES]) AK__WUR;
/* Removes the key; AK_OK also when there was none. */
enum ak_err ak__keyring_clear(const char *vault_id) AK__WUR;

/*
 * Opens a vault from the bytes of its file, as ak_vault_open() does for the
 * file at `path` (`path` is where ak_vault_save() writes; it may be NULL,
 * and then saving fails). `kdf_max`, when not NULL, lowers the Argon2id
 * cost the file may ask for (the fuzz target keeps it at the minimum);
 * a file asking for more is AK_ERR_VAULT_CORRUPT.
 */
enum ak_err ak__vault_open_buffer(struct ak_vault **out, const char *path, const char *data,
                                  size_t len, const char *passphrase, size_t passphrase_len,
                                  const struct ak_kdf_params *kdf_max) AK__WUR;

/*
 * The body alone (the plaintext inside a vault, in its binary encoding),
 * for tests and the fuzz target: ak__vault_parse_body reads one into a new
 * vault that has no file (its slot and ids are random); ak__vault_body
 * writes a vault's body into a malloc'd buffer (NUL-terminated, though the
 * body itself holds NUL bytes) that holds secrets (free with
 * ak__free_secret(*out, *out_len + 1)).
 */
enum ak_err ak__vault_parse_body(struct ak_vault **out, const char *body, size_t len) AK__WUR;
enum ak_err ak__vault_body(const struct ak_vault *vault, char **out, size_t *out_len) AK__WUR;

#endif
