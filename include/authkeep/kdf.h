/*
 * The cost of a key derivation that the library sets itself (the vault's
 * passphrase slot, a new recovery secret). The library reads no
 * environment: a program chooses the cost and passes it.
 */
#ifndef AUTHKEEP_KDF_H
#define AUTHKEEP_KDF_H

#ifdef __cplusplus
extern "C" {
#endif

enum ak_kdf_cost {
        AK_KDF_COST_DEFAULT = 0, /* the documented defaults (docs/vault-format.md, docs/backup.md) */
        AK_KDF_COST_MIN = 1,     /* libsodium's minimum: for test suites only */
};

#ifdef __cplusplus
}
#endif
#endif
