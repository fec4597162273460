/*
 * The vault (SPEC §3, docs/vault-format.md): one file whose first line, a
 * clear JSON header, names its format, version and algorithms and holds the
 * passphrase slot, followed by the body (the device key, accounts, settings
 * and device-local state, in a compact binary encoding) encrypted with
 * XChaCha20-Poly1305 under a random master key. The body's associated data
 * is the header line itself, so an edited header fails authentication. A
 * command reads the file once; learning the vault's id reads only the
 * header line.
 *
 * This file holds the vault's lifecycle: creating, opening (with the
 * passphrase, or with the key kept in the kernel keyring), and what a
 * vault holds (accounts, the device key). Saving atomically against
 * concurrent saves (vault_save.c), the settings and device-local state
 * (vault_pairs.c), the header line, the passphrase slot, the body's
 * encoding, the checks they share and the backup payload have files of
 * their own (lib/vault_internal.h).
 *
 * Secrets live in wiped buffers: the master key and the device's private key
 * in sodium_malloc'd (locked, guarded) memory, never handed to the program;
 * the plaintext body in a buffer wiped before it is freed; and jansson frees
 * through a wiping free (ak__json_wipe_on_free) so that parsed strings do
 * not linger on the heap.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "authkeep/vault.h"
#include "internal.h"
#include "vault_internal.h"

/* ---- the vault ---- */

/* A vault with nothing in it yet but its secure memory; NULL when out of memory. */
struct ak_vault *ak__vault_new(const char *path)
{
        struct ak_vault *v = calloc(1, sizeof(*v));

        if (v == NULL)
                return NULL;
        v->secrets = sodium_malloc(sizeof(*v->secrets));
        v->path = path ? ak__strdup(path) : NULL;
        if (v->secrets == NULL || (path != NULL && v->path == NULL)) {
                ak_vault_free(v);
                return NULL;
        }
        sodium_memzero(v->secrets, sizeof(*v->secrets));
        ak_account_list_init(&v->accounts);
        v->lock_fd = -1;
        return v;
}

void ak_vault_free(struct ak_vault *vault)
{
        if (vault == NULL)
                return;
        ak_account_list_clear(&vault->accounts);
        ak__vault_pairs_clear(&vault->settings);
        ak__vault_pairs_clear(&vault->local);
        if (vault->secrets != NULL)
                sodium_free(vault->secrets);
        if (vault->lock_fd >= 0)
                close(vault->lock_fd); /* unlocks */
        free(vault->path);
        sodium_memzero(vault, sizeof(*vault));
        free(vault);
}

/* Opens the vault file for reading; AK_ERR_VAULT_MISSING when there is none. */
static enum ak_err open_vault_fd(int *fd, struct stat *st, const char *path)
{
        enum ak_err err = ak__open_regular(fd, st, path);

        if (err == AK_ERR_NOT_FOUND)
                return ak__fail(AK_ERR_VAULT_MISSING, "%s: no such file", path);
        return err;
}

/*
 * A vault file's bytes in memory that is locked when the system allows (the
 * body is decrypted in place, so the buffer then holds the plaintext), and
 * wiped before it is unmapped.
 */
struct file_buf {
        unsigned char *data;
        size_t len;     /* bytes of the file */
        size_t map_len; /* bytes mapped: len + 1 rounded up to pages */
        bool locked;
};

/*
 * Maps room for `len` bytes and locks it: mlock also makes the pages
 * present at once, cheaper than a fault on each as the file is read in.
 */
static enum ak_err file_buf_alloc(struct file_buf *fb, size_t len)
{
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        void *p;

        memset(fb, 0, sizeof(*fb));
        fb->map_len = (len + 1 + page - 1) / page * page;
        p = mmap(NULL, fb->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
                return ak__fail(AK_ERR_NOMEM, NULL);
        fb->data = p;
        fb->len = len;
        fb->locked = mlock(p, fb->map_len) == 0;
        return AK_OK;
}

static void file_buf_free(struct file_buf *fb)
{
        if (fb->data == NULL)
                return;
        sodium_memzero(fb->data, fb->map_len);
        if (fb->locked)
                munlock(fb->data, fb->map_len);
        munmap(fb->data, fb->map_len);
        memset(fb, 0, sizeof(*fb));
}

/*
 * Reads the vault file into a locked buffer; AK_ERR_VAULT_MISSING when
 * there is none, AK_ERR_LIMIT past AK__VAULT_FILE_MAX. A save replaces the
 * file by renaming a new one over it, so the file open here keeps its size;
 * one that grows while it is read is an AK_ERR_IO.
 */
static enum ak_err read_vault_file(struct file_buf *fb, const char *path)
{
        struct stat st;
        size_t used = 0;
        enum ak_err err;
        int fd;

        memset(fb, 0, sizeof(*fb));
        err = open_vault_fd(&fd, &st, path);
        if (err != AK_OK)
                return err;
        if ((uintmax_t)st.st_size > AK__VAULT_FILE_MAX) {
                err = ak__fail(AK_ERR_LIMIT, "%s: larger than %zu bytes", path, AK__VAULT_FILE_MAX);
                goto done;
        }
        if ((err = file_buf_alloc(fb, (size_t)st.st_size)) != AK_OK)
                goto done;
        /* One byte more than the size, to see the end of the file. */
        while (used <= fb->len) {
                size_t n;

                if ((err = ak__read_fd(fd, fb->data + used, fb->len + 1 - used, &n, path)) != AK_OK)
                        goto done;
                if (n == 0)
                        break;
                used += n;
        }
        if (used > fb->len) {
                err = ak__fail(AK_ERR_IO, "%s: grew while it was read", path);
                goto done;
        }
        fb->len = used;
        err = AK_OK;
done:
        if (err != AK_OK)
                file_buf_free(fb);
        close(fd);
        return err;
}

/*
 * Opens a vault from the whole file's bytes (`data`, in a buffer the caller
 * owns, locked and wiped as a file_buf is), whose header `h` is parsed,
 * with either a passphrase or the master key (`key` not NULL). The body is
 * decrypted in place, so that its plaintext takes no second buffer. Nothing
 * is written to the file.
 */
static enum ak_err open_parsed(struct ak_vault **out, const char *path, unsigned char *data,
                               const struct ak__vault_header *h, const char *passphrase,
                               size_t passphrase_len, const unsigned char *key)
{
        struct ak_vault *v = ak__vault_new(path);
        unsigned char check[AK__VAULT_KEY_CHECK_BYTES];
        unsigned char *body = data + h->header_len;
        enum ak_err err;

        if (v == NULL)
                return ak__fail(AK_ERR_NOMEM, NULL);
        memcpy(v->id, h->id, sizeof(v->id));
        v->slot = h->slot;
        if (key != NULL) {
                memcpy(v->secrets->master, key, AK_VAULT_KEY_BYTES);
        } else {
                err = ak__vault_open_slot(v->secrets->master, &h->slot, passphrase, passphrase_len);
                if (err != AK_OK)
                        goto done;
        }
        ak__vault_key_check(check, h->id, v->secrets->master);
        if (sodium_memcmp(check, h->key_check, sizeof(check)) != 0) {
                /* A right passphrase opened the slot, so the header was changed; a key from the
                 * keyring is stale. */
                err = key ? ak__fail(AK_ERR_LOCKED, "the kept key does not open this vault")
                          : ak__fail(AK_ERR_VAULT_TAMPERED, "header: the key check does not match");
                goto done;
        }
        crypto_generichash(v->file_hash, sizeof(v->file_hash), data, h->header_len, NULL, 0);
        /* The associated data is the header line itself, its newline included. */
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(body, NULL, NULL, body, h->length, data,
                                                       h->header_len, h->body_nonce,
                                                       v->secrets->master) != 0) {
                err = ak__fail(AK_ERR_VAULT_TAMPERED, "body: authentication failed");
                goto done;
        }
        err = ak__vault_read_body(v, body, h->length - AK__VAULT_MAC_BYTES);
        if (err != AK_OK)
                goto done;
        v->file_known = true;
        *out = v;
        v = NULL;
done:
        ak_vault_free(v);
        return err;
}

/*
 * Opens a vault from a whole file's bytes in `fb` (which the caller frees)
 * with a passphrase or a key; see open_parsed.
 */
static enum ak_err open_common(struct ak_vault **out, const char *path, struct file_buf *fb,
                               const char *passphrase, size_t passphrase_len,
                               const unsigned char *key, const struct ak_kdf_params *kdf_max)
{
        struct ak__vault_header h;
        enum ak_err err;

        ak__json_wipe_on_free();
        if (out == NULL)
                return ak__fail(AK_ERR_INVALID, "vault: no output");
        err = ak__vault_parse_header(&h, (const char *)fb->data, fb->len, kdf_max, true);
        if (err == AK_OK)
                err = open_parsed(out, path, fb->data, &h, passphrase, passphrase_len, key);
        return err;
}

enum ak_err ak__vault_open_buffer(struct ak_vault **out, const char *path, const char *data,
                                  size_t len, const char *passphrase, size_t passphrase_len,
                                  const struct ak_kdf_params *kdf_max)
{
        struct file_buf fb;
        enum ak_err err;

        if (out == NULL || data == NULL)
                return ak__fail(AK_ERR_INVALID, "vault: no output or data");
        /* A copy: the body is decrypted in place. */
        if ((err = file_buf_alloc(&fb, len)) != AK_OK)
                return err;
        if (len > 0)
                memcpy(fb.data, data, len);
        err = open_common(out, path, &fb, passphrase, passphrase_len, NULL, kdf_max);
        file_buf_free(&fb);
        return err;
}

/*
 * Reads the start of the vault file into `head` until its first newline,
 * AK__VAULT_HEADER_MAX bytes or the end of the file, whichever comes first;
 * *len is what was read. AK_ERR_VAULT_MISSING when there is no file.
 */
enum ak_err ak__vault_read_head(char head[AK__VAULT_HEADER_MAX], size_t *len, const char *path)
{
        struct stat st;
        size_t used = 0;
        enum ak_err err = AK_OK;
        int fd;

        err = open_vault_fd(&fd, &st, path);
        if (err != AK_OK)
                return err;
        while (used < AK__VAULT_HEADER_MAX) {
                size_t n;

                err = ak__read_fd(fd, head + used, AK__VAULT_HEADER_MAX - used, &n, path);
                if (err != AK_OK || n == 0)
                        break;
                used += n;
                if (memchr(head + used - n, '\n', n) != NULL)
                        break;
        }
        close(fd);
        *len = used;
        return err;
}

enum ak_err ak_vault_open(struct ak_vault **out, const char *path, const char *passphrase,
                          size_t passphrase_len)
{
        struct file_buf fb;
        enum ak_err err = read_vault_file(&fb, path);

        if (err == AK_OK)
                err = open_common(out, path, &fb, passphrase, passphrase_len, NULL, NULL);
        file_buf_free(&fb);
        return err;
}

/* Opens the vault at `path` with a master key (kept, or an open vault's own). */
enum ak_err ak__vault_open_with_key(struct ak_vault **out, const char *path,
                                    const unsigned char *key)
{
        struct file_buf fb;
        enum ak_err err = read_vault_file(&fb, path);

        if (err == AK_OK)
                err = open_common(out, path, &fb, NULL, 0, key, NULL);
        file_buf_free(&fb);
        return err;
}

enum ak_err ak_vault_reread(struct ak_vault **out, const struct ak_vault *vault)
{
        if (vault == NULL || vault->path == NULL)
                return ak__fail(AK_ERR_INVALID, "vault: none, or it has no file");
        return ak__vault_open_with_key(out, vault->path, vault->secrets->master);
}

enum ak_err ak_vault_unlock(const struct ak_vault *vault, unsigned seconds)
{
        if (vault == NULL)
                return ak__fail(AK_ERR_INVALID, "unlock: no vault");
        return ak__keyring_store(vault->id, vault->secrets->master, seconds);
}

enum ak_err ak_vault_lock(const char *path)
{
        char id[AK_DEVICE_ID_LEN + 1];
        enum ak_err err = ak_vault_peek_id(id, path);

        return err == AK_OK ? ak__keyring_clear(id) : err;
}

enum ak_err ak_vault_reopen(struct ak_vault **out, const char *path)
{
        unsigned char key[AK_VAULT_KEY_BYTES];
        struct ak__vault_header h;
        struct file_buf fb;
        enum ak_err err;

        if (out == NULL)
                return ak__fail(AK_ERR_INVALID, "vault: no output");
        ak__json_wipe_on_free();
        err = read_vault_file(&fb, path);
        if (err == AK_OK)
                err = ak__vault_parse_header(&h, (const char *)fb.data, fb.len, NULL, true);
        if (err == AK_OK)
                err = ak__keyring_load(h.id, key);
        if (err == AK_OK) {
                err = open_parsed(out, path, fb.data, &h, NULL, 0, key);
                sodium_memzero(key, sizeof(key));
        }
        file_buf_free(&fb);
        return err;
}

enum ak_err ak_vault_peek_id(char id[AK_DEVICE_ID_LEN + 1], const char *path)
{
        char head[AK__VAULT_HEADER_MAX];
        struct ak__vault_header h;
        size_t len = 0;
        enum ak_err err;

        err = ak__vault_read_head(head, &len, path);
        if (err == AK_OK)
                err = ak__vault_parse_header(&h, head, len, NULL, false);
        if (err == AK_OK)
                memcpy(id, h.id, AK_DEVICE_ID_LEN + 1);
        return err;
}

enum ak_err ak_vault_create(struct ak_vault **out, const char *path, const char *passphrase,
                            size_t passphrase_len, const struct ak_kdf_params *kdf)
{
        struct ak_vault *v = NULL;
        struct stat st;
        char *folder = NULL;
        const char *slash;
        enum ak_err err;

        if (out == NULL || path == NULL || path[0] == '\0')
                return ak__fail(AK_ERR_INVALID, "vault: no path");
        if (lstat(path, &st) == 0)
                return ak__fail(AK_ERR_VAULT_EXISTS, "%s exists already", path);
        slash = strrchr(path, '/');
        if (slash != NULL && slash != path) {
                folder = ak__strndup(path, (size_t)(slash - path));
                if (folder == NULL)
                        return ak__fail(AK_ERR_NOMEM, NULL);
                err = ak__mkdir_p(folder);
                free(folder);
                if (err != AK_OK)
                        return err;
        }
        v = ak__vault_new(path);
        if (v == NULL)
                return ak__fail(AK_ERR_NOMEM, NULL);
        ak__random_hex(v->id, AK_DEVICE_ID_LEN / 2);
        ak__random_hex(v->device_id, AK_DEVICE_ID_LEN / 2);
        crypto_aead_xchacha20poly1305_ietf_keygen(v->secrets->master);
        crypto_sign_keypair(v->device_pk, v->secrets->device_sk);
        err = ak__vault_make_slot(&v->slot, v->secrets->master, passphrase, passphrase_len, kdf);
        if (err == AK_OK)
                err = ak_vault_save(v);
        if (err != AK_OK) {
                ak_vault_free(v);
                return err;
        }
        *out = v;
        return AK_OK;
}

enum ak_err ak_vault_set_passphrase(struct ak_vault *vault, const char *passphrase,
                                    size_t passphrase_len, const struct ak_kdf_params *kdf)
{
        struct ak__vault_slot old;
        enum ak_err err;

        if (vault == NULL)
                return ak__fail(AK_ERR_INVALID, "vault: none");
        old = vault->slot;
        err = ak__vault_make_slot(&vault->slot, vault->secrets->master, passphrase, passphrase_len,
                                  kdf);
        if (err == AK_OK)
                err = ak_vault_save(vault);
        if (err != AK_OK)
                vault->slot = old;
        return err;
}

const char *ak_vault_id(const struct ak_vault *vault)
{
        return vault->id;
}

struct ak_account_list *ak_vault_accounts(struct ak_vault *vault)
{
        return &vault->accounts;
}

const char *ak_vault_device_id(const struct ak_vault *vault)
{
        return vault->device_id;
}

void ak_vault_device_public_key(const struct ak_vault *vault, unsigned char pk[AK_DEVICE_PK_BYTES])
{
        memcpy(pk, vault->device_pk, AK_DEVICE_PK_BYTES);
}

enum ak_err ak_vault_device_sign(const struct ak_vault *vault,
                                 unsigned char sig[AK_DEVICE_SIG_BYTES], const unsigned char *msg,
                                 size_t msg_len)
{
        if (vault == NULL || sig == NULL || (msg == NULL && msg_len > 0))
                return ak__fail(AK_ERR_INVALID, "sign: no vault, signature or message");
        if (crypto_sign_detached(sig, NULL, msg ? msg : (const unsigned char *)"", msg_len,
                                 vault->secrets->device_sk) != 0)
                return ak__fail(AK_ERR_CRYPTO, "sign: Ed25519 failed");
        return AK_OK;
}
