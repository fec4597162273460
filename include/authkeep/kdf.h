/*
 * The cost of a key derivation that the library sets itself (the vault's
 * passphrase slot, a new recovery secret). The library reads no
 * environment: a program chooses the cost and passes it.
 */
#ifndef AUTHKEEP_KDF_H
#define AUTHKEEP_KDF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum ak_kdf_cost {
        AK_KDF_COST_DEFAULT =
            0,               /* the documented defaults (docs/vault-format.md, docs/backup.md) */
        AK_KDF_COST_MIN = 1, /* libsodium's minimum: for test suites only */
};

/*
 * About how many milliseconds one Argon2id derivation of `opslimit` passes
 * over `memlimit` bytes takes on a machine like the reference one
 * (64 MiB / 3 passes: about 80; 1 GiB / 4 passes: about 5,400).
 */
unsigned long ak_kdf_estimate_ms(uint64_t opslimit, size_t memlimit);

/*
 * A function the library calls just before each Argon2id derivation it
 * runs (opening or making a passphrase slot, deriving a recovery secret's
 * keys), with ak_kdf_estimate_ms() of its cost: a program may tell the user
 * that a long one has started. Process-wide; NULL (the default) calls
 * nothing. The library itself never prints.
 */
typedef void (*ak_kdf_notice_fn)(void *ctx, unsigned long estimated_ms);
void ak_kdf_set_notice(ak_kdf_notice_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
