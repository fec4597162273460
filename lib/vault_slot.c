/*
 * The vault's passphrase slot (docs/vault-format.md): the master key
 * wrapped with XChaCha20-Poly1305 under a key Argon2id derives from the
 * passphrase, and the key check, a keyed hash of the vault id that tells a
 * wrong passphrase from an edited header.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"
#include "vault_internal.h"

#define PASSPHRASE_MAX 65536

void ak_kdf_params_default(struct ak_kdf_params *out, enum ak_kdf_cost cost)
{
        if (cost == AK_KDF_COST_MIN) {
                out->opslimit = crypto_pwhash_OPSLIMIT_MIN;
                out->memlimit = crypto_pwhash_MEMLIMIT_MIN;
                return;
        }
        out->opslimit = 3;
        out->memlimit = (size_t)64 << 20;
}

void ak__vault_key_check(unsigned char out[AK__VAULT_KEY_CHECK_BYTES], const char *vault_id,
                         const unsigned char *master)
{
        char msg[64 + AK_DEVICE_ID_LEN];
        int n = snprintf(msg, sizeof(msg), "authkeep-vault-key-check:%s", vault_id);

        crypto_generichash(out, AK__VAULT_KEY_CHECK_BYTES, (const unsigned char *)msg, (size_t)n,
                           master, AK_VAULT_KEY_BYTES);
}
/*
 * The slot's associated data names its kind. It does not name the vault: a
 * changed vault id must still let the right passphrase open the slot, so
 * that the key check (which does name it) reports the change as tampering
 * rather than as a wrong passphrase.
 */
#define SLOT_AD "authkeep-vault-slot:" AK__VAULT_SLOT_TYPE ":" AK__VAULT_KDF_NAME

/* Derives the slot's wrapping key from the passphrase (Argon2id). */
static enum ak_err derive_slot_key(unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES],
                                   const struct ak__vault_slot *slot, const char *passphrase,
                                   size_t passphrase_len)
{
        if (passphrase_len > PASSPHRASE_MAX)
                return ak__fail(AK_ERR_INVALID, "passphrase: longer than %d bytes", PASSPHRASE_MAX);
        if (ak__argon2id(key, crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
                         passphrase ? passphrase : "", passphrase_len, slot->salt,
                         slot->kdf.opslimit, slot->kdf.memlimit) != 0)
                return ak__fail(AK_ERR_NOMEM, "passphrase: Argon2id could not get %zu bytes",
                                slot->kdf.memlimit);
        return AK_OK;
}

enum ak_err ak__vault_make_slot(struct ak__vault_slot *slot, const unsigned char *master,
                                const char *passphrase, size_t passphrase_len,
                                const struct ak_kdf_params *kdf)
{
        unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
        enum ak_err err;

        if (kdf != NULL)
                slot->kdf = *kdf;
        else
                ak_kdf_params_default(&slot->kdf, AK_KDF_COST_DEFAULT);
        if (slot->kdf.opslimit < crypto_pwhash_OPSLIMIT_MIN ||
            slot->kdf.opslimit > AK__VAULT_OPSLIMIT_MAX ||
            slot->kdf.memlimit < crypto_pwhash_MEMLIMIT_MIN ||
            slot->kdf.memlimit > AK__VAULT_MEMLIMIT_MAX)
                return ak__fail(AK_ERR_INVALID, "kdf: opslimit or memlimit out of range");
        randombytes_buf(slot->salt, sizeof(slot->salt));
        randombytes_buf(slot->nonce, sizeof(slot->nonce));
        err = derive_slot_key(key, slot, passphrase, passphrase_len);
        if (err != AK_OK)
                return err;
        crypto_aead_xchacha20poly1305_ietf_encrypt(slot->wrapped, NULL, master, AK_VAULT_KEY_BYTES,
                                                   (const unsigned char *)SLOT_AD, strlen(SLOT_AD),
                                                   NULL, slot->nonce, key);
        sodium_memzero(key, sizeof(key));
        return AK_OK;
}

enum ak_err ak__vault_open_slot(unsigned char *master, const struct ak__vault_slot *slot,
                                const char *passphrase, size_t passphrase_len)
{
        unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
        enum ak_err err;
        int rc;

        err = derive_slot_key(key, slot, passphrase, passphrase_len);
        if (err != AK_OK)
                return err;
        rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
            master, NULL, NULL, slot->wrapped, sizeof(slot->wrapped),
            (const unsigned char *)SLOT_AD, strlen(SLOT_AD), slot->nonce, key);
        sodium_memzero(key, sizeof(key));
        if (rc != 0)
                return ak__fail(AK_ERR_PASSPHRASE, "the passphrase does not open the vault");
        return AK_OK;
}
