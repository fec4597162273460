/*
 * The vault's master key in the Linux kernel keyring (libkeyutils), as
 * `authkeep unlock` keeps it, much as ssh-agent keeps keys: a "user" key
 * named "authkeep:<vault id>" in the session keyring (@s), usable only by
 * its possessor: the processes of this login session. Not the user keyring
 * (@u), which every process of the user can read, cron jobs and other SSH
 * sessions included. The kernel removes it when its timeout (at most a
 * day) expires, or ak__keyring_clear() does.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <keyutils.h>
#include <sodium.h>

#include "authkeep/vault.h"
#include "internal.h"
#include "vault_internal.h"

#define KEY_TYPE "user"

/* The possessor: everything. Nobody else, not even the same user in another session. */
#define KEY_PERMS KEY_POS_ALL
#define KEYRING KEY_SPEC_SESSION_KEYRING

/*
 * This process's session keyring, without making one: a login that has its
 * own (pam_keyinit, `keyctl session`) shares it with its processes and no
 * other session; one that has none falls back to the user-session keyring,
 * as every keyutils program does. Creating one here would keep the key in
 * a keyring that dies with this process.
 */
static key_serial_t session_keyring(void)
{
        return keyctl_get_keyring_ID(KEYRING, 0);
}

/* Builds "authkeep:<vault id>"; AK_ERR_INVALID for an id that is not hex of the right length. */
static enum ak_err key_name(char out[16 + AK_DEVICE_ID_LEN], const char *vault_id)
{
        size_t n = vault_id ? strlen(vault_id) : 0;

        if (n == 0 || n > AK_DEVICE_ID_LEN || strspn(vault_id, "0123456789abcdef") != n)
                return ak__fail(AK_ERR_INVALID, "keyring: not a vault id");
        snprintf(out, 16 + AK_DEVICE_ID_LEN, "authkeep:%s", vault_id);
        return AK_OK;
}

/* Finds the key in the session keyring; -1 with errno when there is none. */
static key_serial_t find_key(const char *name)
{
        return (key_serial_t)keyctl_search(KEYRING, KEY_TYPE, name, 0);
}

enum ak_err ak__keyring_store(const char *vault_id, const unsigned char key[AK_VAULT_KEY_BYTES],
                              unsigned seconds)
{
        char name[16 + AK_DEVICE_ID_LEN];
        key_serial_t id, ring;
        enum ak_err err = key_name(name, vault_id);

        if (err != AK_OK)
                return err;
        if (key == NULL || seconds == 0)
                return ak__fail(AK_ERR_INVALID, "keyring: no key or no timeout");
        if (seconds > AK_VAULT_UNLOCK_MAX_SECONDS)
                return ak__fail(AK_ERR_INVALID, "keyring: a key is kept for a day at most");
        ring = session_keyring();
        if (ring < 0)
                return ak__fail(AK_ERR_KEYRING, "keyring: no session keyring: %s", strerror(errno));
        /* add_key replaces the payload of an existing key of the same name. */
        id = add_key(KEY_TYPE, name, key, AK_VAULT_KEY_BYTES, ring);
        if (id < 0)
                return ak__fail(AK_ERR_KEYRING, "keyring: cannot add the key: %s", strerror(errno));
        if (keyctl_setperm(id, KEY_PERMS) != 0 || keyctl_set_timeout(id, seconds) != 0) {
                int saved = errno;
                keyctl_invalidate(id);
                return ak__fail(AK_ERR_KEYRING, "keyring: cannot restrict the key: %s",
                                strerror(saved));
        }
        return AK_OK;
}

enum ak_err ak__keyring_load(const char *vault_id, unsigned char key[AK_VAULT_KEY_BYTES])
{
        char name[16 + AK_DEVICE_ID_LEN];
        unsigned char buf[AK_VAULT_KEY_BYTES + 1];
        key_serial_t id;
        long n;
        enum ak_err err = key_name(name, vault_id);

        if (err != AK_OK)
                return err;
        id = find_key(name);
        if (id < 0) {
                if (errno == ENOKEY || errno == EKEYEXPIRED || errno == EKEYREVOKED ||
                    errno == ENOENT)
                        return ak__fail(AK_ERR_LOCKED, "keyring: no unexpired key for this vault");
                return ak__fail(AK_ERR_KEYRING, "keyring: cannot search: %s", strerror(errno));
        }
        n = keyctl_read(id, (char *)buf, sizeof(buf));
        if (n < 0) {
                if (errno == EKEYEXPIRED || errno == EKEYREVOKED || errno == ENOKEY)
                        return ak__fail(AK_ERR_LOCKED, "keyring: the key expired");
                return ak__fail(AK_ERR_KEYRING, "keyring: cannot read the key: %s",
                                strerror(errno));
        }
        if (n != AK_VAULT_KEY_BYTES) {
                sodium_memzero(buf, sizeof(buf));
                return ak__fail(AK_ERR_LOCKED, "keyring: the kept key has the wrong size");
        }
        memcpy(key, buf, AK_VAULT_KEY_BYTES);
        sodium_memzero(buf, sizeof(buf));
        return AK_OK;
}

enum ak_err ak__keyring_clear(const char *vault_id)
{
        char name[16 + AK_DEVICE_ID_LEN];
        key_serial_t id;
        enum ak_err err = key_name(name, vault_id);

        if (err != AK_OK)
                return err;
        /* Every key of that name (there is normally one; a few at most). */
        for (int tries = 0; (id = find_key(name)) >= 0; tries++) {
                if (tries == 16)
                        return ak__fail(AK_ERR_KEYRING, "keyring: the key does not go away");
                if (keyctl_invalidate(id) != 0 && keyctl_unlink(id, session_keyring()) != 0)
                        return ak__fail(AK_ERR_KEYRING, "keyring: cannot remove the key: %s",
                                        strerror(errno));
        }
        if (errno == ENOKEY || errno == EKEYEXPIRED || errno == EKEYREVOKED || errno == ENOENT)
                return AK_OK;
        return ak__fail(AK_ERR_KEYRING, "keyring: cannot search: %s", strerror(errno));
}
