/*
 * Files the library keeps: whole-file reads with a size cap, atomic replace
 * (temporary file in the same folder, fsync, rename, fsync the folder) and
 * private folders.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "internal.h"

/* Writes all of `len` bytes, retrying short writes and EINTR; 0 or -1. */
static int write_all(int fd, const unsigned char *data, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, data, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                data += n;
                len -= (size_t)n;
        }
        return 0;
}

char *ak__folder_of(const char *path)
{
        const char *slash = strrchr(path, '/');

        if (slash == NULL)
                return ak__strdup(".");
        if (slash == path)
                return ak__strdup("/");
        return ak__strndup(path, (size_t)(slash - path));
}

/* fsyncs a folder so that a rename in it is durable. */
static int sync_folder(const char *folder)
{
        int fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int rc;

        if (fd < 0)
                return -1;
        rc = fsync(fd);
        close(fd);
        return rc;
}

enum ak_err ak__write_file_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
        enum ak_err err = AK_ERR_IO;
        char *folder = NULL, *tmp = NULL;
        const char *base;
        size_t tmp_size;
        int fd = -1;

        if (path == NULL || (data == NULL && len > 0))
                return ak__fail(AK_ERR_INVALID, "write: no path or data");
        folder = ak__folder_of(path);
        base = strrchr(path, '/');
        base = base ? base + 1 : path;
        if (folder == NULL)
                return ak__fail(AK_ERR_NOMEM, NULL);
        /* The temporary file sits next to the target so that rename() is atomic. */
        tmp_size = strlen(folder) + strlen(base) + 16;
        tmp = malloc(tmp_size);
        if (tmp == NULL) {
                err = ak__fail(AK_ERR_NOMEM, NULL);
                goto done;
        }
        snprintf(tmp, tmp_size, "%s/.%s.XXXXXX", folder, base);
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS)) {
                err = ak__fail(AK_ERR_IO, "the folder %s is not writable (%s)", folder,
                               strerror(errno));
                goto done;
        }
        if (fd < 0) {
                err = ak__fail(AK_ERR_IO, "%s: cannot create a temporary file: %s", folder,
                               strerror(errno));
                goto done;
        }
        if (fchmod(fd, (mode_t)mode) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
                err = ak__fail(AK_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
                goto done;
        }
        if (close(fd) != 0) {
                fd = -1;
                err = ak__fail(AK_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
                goto done;
        }
        fd = -1;
        if (rename(tmp, path) != 0) {
                err = ak__fail(AK_ERR_IO, "%s: cannot replace: %s", path, strerror(errno));
                goto done;
        }
        free(tmp);
        tmp = NULL;
        /* The new content is in place; the folder's fsync makes the rename durable. */
        if (sync_folder(folder) != 0) {
                err =
                    ak__fail(AK_ERR_IO, "%s: cannot sync the folder: %s", folder, strerror(errno));
                goto done;
        }
        err = AK_OK;
done:
        if (fd >= 0)
                close(fd);
        if (tmp != NULL) {
                unlink(tmp);
                free(tmp);
        }
        free(folder);
        return err;
}

enum ak_err ak__open_regular(int *fd, struct stat *st, const char *path)
{
        if (path == NULL)
                return ak__fail(AK_ERR_INVALID, "read: no path");
        /* O_NONBLOCK: a FIFO put in the file's place must not hang the open. */
        *fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (*fd < 0) {
                if (errno == ENOENT)
                        return ak__fail(AK_ERR_NOT_FOUND, "%s: no such file", path);
                return ak__fail(AK_ERR_IO, "%s: %s", path, strerror(errno));
        }
        if (fstat(*fd, st) != 0 || !S_ISREG(st->st_mode)) {
                bool folder = S_ISDIR(st->st_mode);

                close(*fd);
                *fd = -1;
                return ak__fail(AK_ERR_IO,
                                folder ? "%s: is a folder, not a file" : "%s: not a regular file",
                                path);
        }
        return AK_OK;
}

enum ak_err ak__read_fd(int fd, void *buf, size_t n, size_t *got, const char *path)
{
        ssize_t r;

        do
                r = read(fd, buf, n);
        while (r < 0 && errno == EINTR);
        if (r < 0)
                return ak__fail(AK_ERR_IO, "%s: %s", path, strerror(errno));
        *got = (size_t)r;
        return AK_OK;
}

enum ak_err ak__read_file(char **out, size_t *len, const char *path, size_t max)
{
        enum ak_err err = AK_ERR_IO;
        struct stat st;
        char *buf = NULL;
        size_t cap, used = 0;
        int fd;

        if (out == NULL)
                return ak__fail(AK_ERR_INVALID, "read: no output");
        err = ak__open_regular(&fd, &st, path);
        if (err != AK_OK)
                return err;
        if ((uintmax_t)st.st_size > max) {
                err = ak__fail(AK_ERR_LIMIT, "%s: larger than %zu bytes", path, max);
                goto done;
        }
        /*
         * The size may change under us: read until EOF into a buffer that
         * grows, and fail as soon as more than `max` bytes came.
         */
        cap = (size_t)st.st_size + 2;
        buf = malloc(cap);
        if (buf == NULL) {
                err = ak__fail(AK_ERR_NOMEM, NULL);
                goto done;
        }
        for (;;) {
                size_t n;

                if (used > max) {
                        err = ak__fail(AK_ERR_LIMIT, "%s: larger than %zu bytes", path, max);
                        goto done;
                }
                if (used + 1 == cap) {
                        size_t bigger_cap = cap > max ? max + 2 : cap * 2;
                        char *bigger = malloc(bigger_cap);

                        if (bigger == NULL) {
                                err = ak__fail(AK_ERR_NOMEM, NULL);
                                goto done;
                        }
                        memcpy(bigger, buf, used);
                        ak__free_secret(buf, cap);
                        buf = bigger;
                        cap = bigger_cap;
                }
                err = ak__read_fd(fd, buf + used, cap - 1 - used, &n, path);
                if (err != AK_OK)
                        goto done;
                if (n == 0)
                        break;
                used += n;
        }
        buf[used] = '\0';
        *out = buf;
        if (len != NULL)
                *len = used;
        buf = NULL;
        err = AK_OK;
done:
        ak__free_secret(buf, buf ? cap : 0);
        close(fd);
        return err;
}

enum ak_err ak__mkdir_p(const char *path)
{
        char *copy;
        size_t n;
        enum ak_err err = AK_OK;

        if (path == NULL || path[0] == '\0')
                return ak__fail(AK_ERR_INVALID, "mkdir: empty path");
        copy = ak__strdup(path);
        if (copy == NULL)
                return ak__fail(AK_ERR_NOMEM, NULL);
        n = strlen(copy);
        while (n > 1 && copy[n - 1] == '/')
                copy[--n] = '\0';
        /* Each prefix in turn; folders already there keep their mode. */
        for (char *p = copy + 1;; p++) {
                if (*p != '/' && *p != '\0')
                        continue;
                char saved = *p;
                *p = '\0';
                if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
                        err = ak__fail(AK_ERR_IO, "%s: cannot create: %s", copy, strerror(errno));
                        break;
                }
                *p = saved;
                if (saved == '\0')
                        break;
        }
        if (err == AK_OK) {
                struct stat st;
                if (stat(copy, &st) != 0 || !S_ISDIR(st.st_mode))
                        err = ak__fail(AK_ERR_IO, "%s: not a folder", copy);
        }
        free(copy);
        return err;
}
