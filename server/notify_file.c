/*
 * The file: notifier, for development and tests: one JSON line per message
 * appended to PATH. The file is opened once at start (created 0600; one that
 * other users can read is refused, as the codes are in it), every line goes
 * out in one write(2) to a descriptor in O_APPEND mode, so lines from several
 * threads never interleave, and is synced before the send counts as done.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "notify_impl.h"
#include "server.h"

struct file_notifier {
        struct akd_notifier base;
        int fd;
        char path[AKD_NOTIFY_SPEC_MAX + 1];
};

static struct akd_notifier *file_open(const char *spec, const char *from, char *why, size_t whylen)
{
        const char *path = spec + strlen("file:");
        struct stat st;
        if (path[0] == '\0') {
                snprintf(why, whylen, "no path after file:");
                return NULL;
        }
        struct file_notifier *f = calloc(1, sizeof(*f));
        if (f == NULL) {
                snprintf(why, whylen, "out of memory");
                return NULL;
        }
        snprintf(f->path, sizeof(f->path), "%s", path);
        f->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
        if (f->fd < 0) {
                snprintf(why, whylen, "cannot open %s for appending: %s", path, strerror(errno));
                free(f);
                return NULL;
        }
        if (fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
                snprintf(why, whylen, "%s is not a regular file", path);
                goto fail;
        }
        if (akd_check_private_mode(path, &st, why, whylen) != 0)
                goto fail;
        return &f->base;
fail:
        close(f->fd);
        free(f);
        return NULL;
}

static int file_send(struct akd_notifier *n, const struct akd_notify_msg *m, const char *json,
                     size_t len, char *why, size_t whylen)
{
        struct file_notifier *f = (struct file_notifier *)n;
        ssize_t w;
        do
                w = write(f->fd, json, len);
        while (w < 0 && errno == EINTR);
        if (w < 0 || (size_t)w != len) {
                if (w < 0)
                        snprintf(why, whylen, "cannot append to %s: %s", f->path, strerror(errno));
                else
                        snprintf(why, whylen, "cannot append to %s: wrote %zd of %zu bytes",
                                 f->path, w, len);
                return -1;
        }
        if (fsync(f->fd) != 0) {
                snprintf(why, whylen, "cannot sync %s: %s", f->path, strerror(errno));
                return -1;
        }
        return 0;
}

static void file_close(struct akd_notifier *n)
{
        struct file_notifier *f = (struct file_notifier *)n;
        close(f->fd);
        free(f);
}

const struct akd_notifier_ops akd_notify_file_ops = {
    .prefix = "file:",
    .email = true,
    .phone = true,
    .open = file_open,
    .send = file_send,
    .close = file_close,
};
