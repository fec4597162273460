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
 * passphrase, or with the key kept in the kernel keyring), saving
 * atomically against concurrent saves, and what a vault holds (accounts,
 * settings, device-local state, the device key). The header line, the
 * passphrase slot, the body's encoding, the checks they share and the
 * backup payload have files of their own (lib/vault_internal.h).
 *
 * Secrets live in wiped buffers: the master key and the device's private key
 * in sodium_malloc'd (locked, guarded) memory, never handed to the program;
 * the plaintext body in a buffer wiped before it is freed; and jansson frees
 * through a wiping free (ak__json_wipe_on_free) so that parsed strings do
 * not linger on the heap.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "authkeep/vault.h"
#include "internal.h"
#include "vault_internal.h"

/* ---- settings and device-local state ---- */

void ak__vault_pairs_clear(struct ak__vault_pairs *pairs)
{
        for (size_t i = 0; i < pairs->count; i++) {
                ak__free_secret_str(pairs->items[i].name);
                ak__free_secret_str(pairs->items[i].value);
        }
        free(pairs->items);
        pairs->items = NULL;
        pairs->count = 0;
}

const char *ak__vault_pairs_get(const struct ak__vault_pairs *pairs, const char *name)
{
        if (name == NULL)
                return NULL;
        for (size_t i = 0; i < pairs->count; i++)
                if (strcmp(pairs->items[i].name, name) == 0)
                        return pairs->items[i].value;
        return NULL;
}

/* Sets, replaces or (value NULL) removes one entry. */
enum ak_err ak__vault_pairs_set(struct ak__vault_pairs *pairs, const char *name, const char *value)
{
        char *copy = NULL;
        size_t i;

        if (!ak__vault_name_valid(name))
                return ak__fail(AK_ERR_INVALID, "setting name: must be 1 to %d of [a-z0-9_.-]",
                                AK__VAULT_NAME_MAX);
        if (value != NULL &&
            (strlen(value) > AK__VAULT_VALUE_MAX || !ak__utf8_valid(value, strlen(value))))
                return ak__fail(AK_ERR_INVALID, "%s: value too long or not UTF-8", name);
        for (i = 0; i < pairs->count; i++)
                if (strcmp(pairs->items[i].name, name) == 0)
                        break;
        if (value == NULL) {
                if (i == pairs->count)
                        return AK_OK;
                ak__free_secret_str(pairs->items[i].name);
                ak__free_secret_str(pairs->items[i].value);
                memmove(&pairs->items[i], &pairs->items[i + 1],
                        (pairs->count - i - 1) * sizeof(*pairs->items));
                pairs->count--;
                return AK_OK;
        }
        copy = ak__strdup(value);
        if (copy == NULL)
                return ak__fail(AK_ERR_NOMEM, NULL);
        if (i < pairs->count) {
                ak__free_secret_str(pairs->items[i].value);
                pairs->items[i].value = copy;
                return AK_OK;
        }
        if (pairs->count >= AK__VAULT_PAIRS_MAX) {
                ak__free_secret_str(copy);
                return ak__fail(AK_ERR_LIMIT, "%s: more than %d entries", name,
                                AK__VAULT_PAIRS_MAX);
        }
        struct ak__vault_pair *items = realloc(pairs->items, (pairs->count + 1) * sizeof(*items));
        char *name_copy = ak__strdup(name);
        if (items == NULL || name_copy == NULL) {
                if (items != NULL)
                        pairs->items = items;
                free(name_copy);
                ak__free_secret_str(copy);
                return ak__fail(AK_ERR_NOMEM, NULL);
        }
        pairs->items = items;
        items[pairs->count].name = name_copy;
        items[pairs->count].value = copy;
        pairs->count++;
        return AK_OK;
}

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
static enum ak_err read_vault_head(char head[AK__VAULT_HEADER_MAX], size_t *len, const char *path)
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
static enum ak_err open_with_key(struct ak_vault **out, const char *path, const unsigned char *key)
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
        return open_with_key(out, vault->path, vault->secrets->master);
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

        err = read_vault_head(head, &len, path);
        if (err == AK_OK)
                err = ak__vault_parse_header(&h, head, len, NULL, false);
        if (err == AK_OK)
                memcpy(id, h.id, AK_DEVICE_ID_LEN + 1);
        return err;
}

/* Gives an id to every account that has none, and checks each can be written. */
static enum ak_err check_accounts(struct ak_vault *v)
{
        enum ak_err err;

        if (v->accounts.count > AK__VAULT_ACCOUNTS_MAX)
                return ak__fail(AK_ERR_LIMIT, "accounts: more than %d", AK__VAULT_ACCOUNTS_MAX);
        for (size_t i = 0; i < v->accounts.count; i++) {
                struct ak_account *a = &v->accounts.items[i];
                if (a->id[0] == '\0')
                        ak__random_hex(a->id, AK_ID_BYTES);
                if (!ak__vault_id_valid(a->id))
                        return ak__fail(AK_ERR_INVALID, "accounts[%zu].id: not a valid id", i);
                err = ak__vault_account_check(a, i, AK_ERR_INVALID);
                if (err != AK_OK)
                        return err;
        }
        return AK_OK;
}

/* Opens the vault's folder, whose flock guards saves; -1 when it cannot be opened. */
static int open_folder(const char *path)
{
        const char *slash = strrchr(path, '/');
        char *folder = slash == NULL
                           ? ak__strdup(".")
                           : ak__strndup(path, slash == path ? 1 : (size_t)(slash - path));
        int fd = folder ? open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

        free(folder);
        return fd;
}

/*
 * Locks the vault's folder against other savers (flock on the folder
 * itself); returns its descriptor, or -1 when it cannot be opened (then
 * saving goes on unlocked and the write reports the real error).
 */
static int lock_folder(const char *path)
{
        int fd = open_folder(path);

        if (fd >= 0)
                while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
                        ;
        return fd;
}

/* Milliseconds of the monotonic clock. */
static long long monotonic_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Locks the folder of `path` as lock_folder does, waiting at most `wait_ms`
 * for another holder. *fd gets the descriptor. AK_ERR_VAULT_CHANGED when the
 * wait ran out, AK_ERR_IO when the folder cannot be opened or locked.
 */
static enum ak_err lock_folder_within(int *fd, const char *path, unsigned wait_ms)
{
        long long deadline = monotonic_ms() + wait_ms;
        int lock_fd = open_folder(path);

        if (lock_fd < 0)
                return ak__fail(AK_ERR_IO, "%s: cannot open its folder: %s", path, strerror(errno));
        /* Polling: flock has no timeout, and the library sets no signal handler. */
        while (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
                struct timespec pause = {0, 10 * 1000 * 1000};

                if (errno != EWOULDBLOCK && errno != EINTR) {
                        int saved = errno;

                        close(lock_fd);
                        return ak__fail(AK_ERR_IO, "%s: cannot lock its folder: %s", path,
                                        strerror(saved));
                }
                if (monotonic_ms() >= deadline) {
                        close(lock_fd);
                        return ak__fail(AK_ERR_VAULT_CHANGED,
                                        "another command has been changing it for %u s",
                                        wait_ms / 1000);
                }
                nanosleep(&pause, NULL);
        }
        *fd = lock_fd;
        return AK_OK;
}

/*
 * Removes the temporary files (".vault.json.XXXXXX") a save killed half-way
 * left: each holds an old copy of the vault, openable with an old
 * passphrase. Called with the folder locked, so no other save is writing one.
 */
static void remove_stale_temps(int folder_fd, const char *path)
{
        const char *base = strrchr(path, '/');
        size_t base_len;
        DIR *dir;
        struct dirent *de;
        int fd = dup(folder_fd);

        base = base ? base + 1 : path;
        base_len = strlen(base);
        if (fd < 0)
                return;
        dir = fdopendir(fd);
        if (dir == NULL) {
                close(fd);
                return;
        }
        while ((de = readdir(dir)) != NULL) {
                const char *n = de->d_name;
                if (n[0] == '.' && strncmp(n + 1, base, base_len) == 0 && n[1 + base_len] == '.' &&
                    strlen(n + 2 + base_len) == 6)
                        unlinkat(folder_fd, n, 0);
        }
        closedir(dir);
}

/*
 * Checks, with the folder locked, that the file is still the one this vault
 * read or last wrote, so that a save never silently drops what another
 * command saved in between: AK_ERR_VAULT_CHANGED when it differs or went
 * away. The header line identifies the file: every save writes a fresh
 * random body nonce into it. A vault being created needs the place still
 * empty.
 */
static enum ak_err check_unchanged(const struct ak_vault *vault)
{
        char head[AK__VAULT_HEADER_MAX];
        unsigned char hash[crypto_generichash_BYTES];
        const char *nl;
        size_t len = 0;
        enum ak_err err = read_vault_head(head, &len, vault->path);

        if (err == AK_ERR_VAULT_MISSING && !vault->file_known)
                return AK_OK;
        if (err == AK_OK && !vault->file_known)
                return ak__fail(AK_ERR_VAULT_EXISTS, "%s exists already", vault->path);
        if (err == AK_ERR_VAULT_MISSING)
                return ak__fail(AK_ERR_VAULT_CHANGED, "%s was removed since it was opened",
                                vault->path);
        if (err != AK_OK)
                return err;
        nl = memchr(head, '\n', len);
        if (nl != NULL)
                crypto_generichash(hash, sizeof(hash), (const unsigned char *)head,
                                   (size_t)(nl - head) + 1, NULL, 0);
        if (nl == NULL || sodium_memcmp(hash, vault->file_hash, sizeof(hash)) != 0)
                return ak__fail(AK_ERR_VAULT_CHANGED,
                                "%s was saved by another command since it was opened", vault->path);
        return AK_OK;
}

enum ak_err ak_vault_hold(struct ak_vault *vault, unsigned wait_ms)
{
        struct ak_vault *fresh = NULL, swap;
        enum ak_err err;
        int fd = -1;

        if (vault == NULL || vault->path == NULL || !vault->file_known)
                return ak__fail(AK_ERR_INVALID, "hold: no vault, or it has no file");
        if (vault->lock_fd >= 0)
                return AK_OK;
        err = lock_folder_within(&fd, vault->path, wait_ms);
        if (err != AK_OK)
                return err;
        err = check_unchanged(vault);
        if (err == AK_ERR_VAULT_CHANGED) {
                /* Saved by another command since it was read: what it saved is the start. */
                err = open_with_key(&fresh, vault->path, vault->secrets->master);
                if (err == AK_OK) {
                        swap = *vault;
                        *vault = *fresh;
                        *fresh = swap;
                }
                ak_vault_free(fresh);
        }
        if (err != AK_OK) {
                close(fd);
                return err;
        }
        vault->lock_fd = fd;
        return AK_OK;
}

enum ak_err ak_vault_save(struct ak_vault *vault)
{
        struct ak__buf body = {0}, file = {0};
        unsigned char nonce[AK__VAULT_NONCE_BYTES], check[AK__VAULT_KEY_CHECK_BYTES];
        size_t ciphertext_len, header_len;
        int lock_fd;
        enum ak_err err;

        if (vault == NULL || vault->path == NULL)
                return ak__fail(AK_ERR_INVALID, "vault: nowhere to save");
        err = check_accounts(vault);
        if (err != AK_OK)
                return err;
        /* Room for every account at a typical size, so the buffer rarely grows. */
        ak__buf_reserve(&body, 4096 + vault->accounts.count * 128);
        ak__vault_write_body(&body, vault);
        if (body.failed) {
                err = ak__fail(AK_ERR_NOMEM, NULL);
                goto done;
        }
        ciphertext_len = body.len + AK__VAULT_MAC_BYTES;
        ak__vault_key_check(check, vault->id, vault->secrets->master);
        randombytes_buf(nonce, sizeof(nonce));
        ak__vault_write_header(&file, vault->id, check, &vault->slot, nonce, ciphertext_len);
        header_len = file.len;
        /* The ciphertext goes right after the header line, which is its associated data. */
        if (!ak__buf_reserve(&file, ciphertext_len)) {
                err = ak__fail(AK_ERR_NOMEM, NULL);
                goto done;
        }
        crypto_aead_xchacha20poly1305_ietf_encrypt((unsigned char *)file.data + header_len, NULL,
                                                   (const unsigned char *)body.data, body.len,
                                                   (const unsigned char *)file.data, header_len,
                                                   NULL, nonce, vault->secrets->master);
        file.len += ciphertext_len;
        ak__buf_free(&body);
        lock_fd = vault->lock_fd >= 0 ? vault->lock_fd : lock_folder(vault->path);
        err = check_unchanged(vault);
        if (err == AK_OK)
                err = ak__write_file_atomic(vault->path, file.data, file.len, 0600);
        if (err == AK_OK) {
                crypto_generichash(vault->file_hash, sizeof(vault->file_hash),
                                   (const unsigned char *)file.data, header_len, NULL, 0);
                vault->file_known = true;
        }
        if (lock_fd >= 0) {
                if (err == AK_OK)
                        remove_stale_temps(lock_fd, vault->path);
                if (lock_fd != vault->lock_fd)
                        close(lock_fd); /* unlocks */
        }
done:
        ak__buf_free(&body);
        ak__buf_free(&file);
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

const char *ak_vault_setting(const struct ak_vault *vault, const char *name)
{
        return ak__vault_pairs_get(&vault->settings, name);
}

enum ak_err ak_vault_set_setting(struct ak_vault *vault, const char *name, const char *value)
{
        return ak__vault_pairs_set(&vault->settings, name, value);
}

const char *ak_vault_local(const struct ak_vault *vault, const char *name)
{
        return ak__vault_pairs_get(&vault->local, name);
}

enum ak_err ak_vault_set_local(struct ak_vault *vault, const char *name, const char *value)
{
        return ak__vault_pairs_set(&vault->local, name, value);
}
