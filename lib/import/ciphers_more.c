/*
 * The rest of the other apps' ciphers, beside ciphers.c: Argon2id with
 * several lanes (libargon2, the reference implementation: libsodium's
 * Argon2id has one lane only, and Authenticator Pro derives with four).
 * Costs come from the callers, which cap them first.
 */
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <sodium.h>

#include "import_internal.h"

enum ak_err ak__argon2id_lanes(unsigned char *key, size_t key_len, const char *password,
                               size_t password_len, const unsigned char *salt, size_t salt_len,
                               uint32_t passes, uint32_t memory_kib, uint32_t lanes)
{
        if (password_len > UINT32_MAX || salt_len > UINT32_MAX || key_len > UINT32_MAX)
                return AK_ERR_CRYPTO;
        if (argon2id_hash_raw(passes, memory_kib, lanes, password, password_len, salt, salt_len,
                              key, key_len) != ARGON2_OK) {
                sodium_memzero(key, key_len);
                return AK_ERR_CRYPTO;
        }
        return AK_OK;
}
