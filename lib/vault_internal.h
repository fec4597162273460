/*
 * The vault's internals shared with its tests and fuzz target (not part of
 * the public API).
 */
#ifndef AUTHKEEP_VAULT_INTERNAL_H
#define AUTHKEEP_VAULT_INTERNAL_H

#include <stddef.h>

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
