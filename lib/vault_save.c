/*
 * Saving the vault (lib/vault.c opens it): the body encrypted afresh under
 * a new nonce, written atomically with the vault's folder locked against
 * other savers, and only when the file is still the one this vault read or
 * last wrote, so that a save never silently drops what another command
 * saved in between. ak_vault_hold() keeps the folder locked for a command
 * that reads, changes and saves.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "authkeep/vault.h"
#include "internal.h"
#include "vault_internal.h"

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
        enum ak_err err = ak__vault_read_head(head, &len, vault->path);

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
                err = ak__vault_open_with_key(&fresh, vault->path, vault->secrets->master);
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
