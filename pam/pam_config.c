/*
 * pam_authkeep.so's options and its user map (pam/pam_authkeep.h). Both
 * come from the administrator, but a PAM stack runs as root for anyone who
 * types a user name, so everything is checked and nothing is guessed: an
 * unknown option, a value out of range, a user map with one bad line or
 * one that others than root could change are refused, and the module then
 * refuses every sign-in (PAM_SERVICE_ERR) rather than letting one through.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authkeep/authkeep.h"
#include "internal.h"
#include "pam_authkeep.h"

_Static_assert(PAM_AK_EMAIL_MAX == AK__EMAIL_MAX, "the server's cap on an email");

/* The longest line of a user map, and of an option. */
#define MAP_LINE_MAX 1024
#define OPTION_MAX 4096

#define WHY(...) snprintf(why, PAM_AK_WHY_MAX, __VA_ARGS__)

/* ---- options ---- */

/* The value of `arg` when it is "NAME=VALUE", else NULL. */
static const char *value_of(const char *arg, const char *name)
{
        size_t n = strlen(name);

        return strncmp(arg, name, n) == 0 && arg[n] == '=' ? arg + n + 1 : NULL;
}

/* Stores `value` of option `name` in *slot once; -1 (with `why`) for a second or an empty one. */
static int take(const char **slot, const char *name, const char *value, char why[PAM_AK_WHY_MAX])
{
        if (*slot != NULL) {
                WHY("%s= is given twice", name);
                return -1;
        }
        if (*value == '\0') {
                WHY("%s= has no value", name);
                return -1;
        }
        *slot = value;
        return 0;
}

/* The text shown on the device: 1..PAM_AK_APP_MAX bytes of UTF-8 without control characters. */
static bool app_valid(const char *app)
{
        size_t n = strlen(app);

        if (n == 0 || n > PAM_AK_APP_MAX || !ak__utf8_valid(app, n))
                return false;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)app[i] < 0x20 || app[i] == 0x7f)
                        return false;
        return true;
}

/* Reads timeout=S: decimal seconds within the bounds. */
static int parse_timeout(unsigned *out, const char *value, char why[PAM_AK_WHY_MAX])
{
        unsigned long v = 0;
        size_t i;

        for (i = 0; value[i] >= '0' && value[i] <= '9' && i < 4; i++)
                v = v * 10 + (unsigned long)(value[i] - '0');
        if (i == 0 || value[i] != '\0' || v < PAM_AK_TIMEOUT_MIN || v > PAM_AK_TIMEOUT_MAX) {
                WHY("timeout=%.16s: expected seconds from %d to %d", value, PAM_AK_TIMEOUT_MIN,
                    PAM_AK_TIMEOUT_MAX);
                return -1;
        }
        *out = (unsigned)v;
        return 0;
}

/*
 * A CA file must be there when the module starts: a path that curl cannot
 * read would only show as a server that cannot be reached, which fail=open
 * would let through.
 */
static int check_ca_file(const char *path, char why[PAM_AK_WHY_MAX])
{
        struct stat st;

        if (path[0] != '/') {
                WHY("ca_file=%.200s: expected an absolute path", path);
                return -1;
        }
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || access(path, R_OK) != 0) {
                WHY("ca_file=%.200s: not a readable file", path);
                return -1;
        }
        return 0;
}

int pam_ak_config_parse(struct pam_ak_config *c, int argc, const char **argv,
                        char why[PAM_AK_WHY_MAX])
{
        const char *timeout = NULL, *fail = NULL;
        enum ak_err err;

        *c = (struct pam_ak_config){.timeout = PAM_AK_TIMEOUT_DEFAULT};
        why[0] = '\0';
        for (int i = 0; i < argc; i++) {
                const char *a = argv[i], *v;
                int rc;

                if (a == NULL || strlen(a) > OPTION_MAX) {
                        WHY("an option is longer than %d bytes", OPTION_MAX);
                        return -1;
                }
                if ((v = value_of(a, "server")) != NULL)
                        rc = take(&c->server, "server", v, why);
                else if ((v = value_of(a, "user_map")) != NULL)
                        rc = take(&c->user_map, "user_map", v, why);
                else if ((v = value_of(a, "ca_file")) != NULL)
                        rc = take(&c->ca_file, "ca_file", v, why);
                else if ((v = value_of(a, "app")) != NULL)
                        rc = take(&c->app, "app", v, why);
                else if ((v = value_of(a, "timeout")) != NULL)
                        rc = take(&timeout, "timeout", v, why);
                else if ((v = value_of(a, "fail")) != NULL)
                        rc = take(&fail, "fail", v, why);
                else if (strcmp(a, "debug") == 0)
                        rc = 0, c->debug = true;
                else {
                        WHY("unknown option '%.64s'", a);
                        return -1;
                }
                if (rc != 0)
                        return -1;
        }
        if (c->server == NULL) {
                WHY("server=URL is required");
                return -1;
        }
        err = ak_client_check_url(c->server, false);
        if (err == AK_ERR_INSECURE) {
                WHY("server=%.200s: plain http:// only to 127.0.0.1, ::1 or localhost; use "
                    "https://",
                    c->server);
                return -1;
        }
        if (err != AK_OK) {
                WHY("%s", ak_error_detail());
                return -1;
        }
        if (timeout != NULL && parse_timeout(&c->timeout, timeout, why) != 0)
                return -1;
        if (fail != NULL) {
                if (strcmp(fail, "open") != 0 && strcmp(fail, "closed") != 0) {
                        WHY("fail=%.16s: expected closed or open", fail);
                        return -1;
                }
                c->fail_open = strcmp(fail, "open") == 0;
        }
        if (c->app != NULL && !app_valid(c->app)) {
                WHY("app=: expected 1 to %d bytes of text without control characters",
                    PAM_AK_APP_MAX);
                return -1;
        }
        if (c->ca_file != NULL && check_ca_file(c->ca_file, why) != 0)
                return -1;
        if (c->user_map != NULL && c->user_map[0] != '/') {
                WHY("user_map=%.200s: expected an absolute path", c->user_map);
                return -1;
        }
        return 0;
}

/* ---- the user map ---- */

static bool blank(char c)
{
        return c == ' ' || c == '\t' || c == '\r';
}

enum pam_ak_map_result pam_ak_map_find(const char *text, size_t len, const char *user,
                                       char email[PAM_AK_EMAIL_MAX + 1], char why[PAM_AK_WHY_MAX])
{
        char found[PAM_AK_EMAIL_MAX + 1] = "";
        size_t line = 0, found_line = 0, user_len = strlen(user);
        const char *p = text, *end = text + len;

        why[0] = '\0';
        while (p < end) {
                const char *eol = memchr(p, '\n', (size_t)(end - p)), *name, *mail;
                size_t name_len, mail_len;

                if (eol == NULL)
                        eol = end;
                line++;
                if (eol - p > MAP_LINE_MAX) {
                        WHY("line %zu: longer than %d bytes", line, MAP_LINE_MAX);
                        return PAM_AK_MAP_BAD;
                }
                for (const char *q = p; q < eol; q++)
                        if (((unsigned char)*q < 0x20 && !blank(*q)) || *q == 0x7f) {
                                WHY("line %zu: a control character", line);
                                return PAM_AK_MAP_BAD;
                        }
                while (p < eol && blank(*p))
                        p++;
                if (p == eol || *p == '#') {
                        p = eol + 1;
                        continue;
                }
                for (name = p; p < eol && !blank(*p); p++)
                        ;
                name_len = (size_t)(p - name);
                while (p < eol && blank(*p))
                        p++;
                for (mail = p; p < eol && !blank(*p); p++)
                        ;
                mail_len = (size_t)(p - mail);
                while (p < eol && blank(*p))
                        p++;
                if (mail_len == 0 || *mail == '#') {
                        WHY("line %zu: a user without an email", line);
                        return PAM_AK_MAP_BAD;
                }
                if (p < eol && *p != '#') {
                        WHY("line %zu: more than a user and an email", line);
                        return PAM_AK_MAP_BAD;
                }
                if (mail_len <= PAM_AK_EMAIL_MAX) {
                        char candidate[PAM_AK_EMAIL_MAX + 1];

                        memcpy(candidate, mail, mail_len);
                        candidate[mail_len] = '\0';
                        if (ak__email_valid(candidate)) {
                                if (name_len == user_len && memcmp(name, user, user_len) == 0) {
                                        if (found_line != 0) {
                                                WHY("line %zu: %.64s is mapped on line %zu too",
                                                    line, user, found_line);
                                                return PAM_AK_MAP_BAD;
                                        }
                                        memcpy(found, candidate, mail_len + 1);
                                        found_line = line;
                                }
                                p = eol + 1;
                                continue;
                        }
                }
                WHY("line %zu: '%.*s' is not an email address", line,
                    (int)(mail_len < 64 ? mail_len : 64), mail);
                return PAM_AK_MAP_BAD;
        }
        if (found_line == 0)
                return PAM_AK_MAP_UNKNOWN;
        memcpy(email, found, strlen(found) + 1);
        return PAM_AK_MAP_FOUND;
}

/*
 * Checks that only root can change the folders above `path` (absolute,
 * without symbolic links): each is owned by root, and one that others may
 * write to is sticky, so that they cannot rename what root put there.
 */
static int check_folders(const char *path, char why[PAM_AK_WHY_MAX])
{
        char folder[PATH_MAX];
        size_t n = strlen(path);

        if (n >= sizeof(folder))
                n = sizeof(folder) - 1;
        memcpy(folder, path, n);
        folder[n] = '\0';
        for (;;) {
                char *slash = strrchr(folder, '/');
                struct stat st;

                if (slash == NULL)
                        return 0;
                if (slash == folder)
                        slash[1] = '\0';
                else
                        *slash = '\0';
                if (stat(folder, &st) != 0) {
                        WHY("user_map: %.200s: %s", folder, strerror(errno));
                        return -1;
                }
                if (st.st_uid != 0) {
                        WHY("user_map: the folder %.200s is not owned by root", folder);
                        return -1;
                }
                if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0) {
                        WHY("user_map: others than root can change the folder %.200s", folder);
                        return -1;
                }
                if (strcmp(folder, "/") == 0)
                        return 0;
        }
}

int pam_ak_map_read(const char *path, char **text, size_t *len, char why[PAM_AK_WHY_MAX])
{
        char *real = NULL, *buf = NULL;
        size_t got = 0;
        struct stat st;
        int fd = -1, rc = -1;

        if (path[0] != '/') {
                WHY("user_map=%.200s: expected an absolute path", path);
                return -1;
        }
        real = realpath(path, NULL);
        if (real == NULL) {
                WHY("user_map: %.200s: %s", path, strerror(errno));
                return -1;
        }
        /* The folders of the path as written too: whoever could change them could swap a link. */
        if (check_folders(real, why) != 0 ||
            (strcmp(real, path) != 0 && check_folders(path, why) != 0))
                goto done;
        fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0 || fstat(fd, &st) != 0) {
                WHY("user_map: %.200s: %s", real, strerror(errno));
                goto done;
        }
        if (!S_ISREG(st.st_mode)) {
                WHY("user_map: %.200s is not a regular file", real);
                goto done;
        }
        if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
                WHY("user_map: %.200s must be owned by root and writable only by root", real);
                goto done;
        }
        if (st.st_size > PAM_AK_MAP_MAX) {
                WHY("user_map: %.200s is larger than %d bytes", real, PAM_AK_MAP_MAX);
                goto done;
        }
        buf = malloc((size_t)st.st_size + 1);
        if (buf == NULL) {
                WHY("user_map: out of memory");
                goto done;
        }
        while (got < (size_t)st.st_size) {
                ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        WHY("user_map: %.200s: %s", real, strerror(errno));
                        goto done;
                }
                if (n == 0)
                        break;
                got += (size_t)n;
        }
        buf[got] = '\0';
        *text = buf;
        *len = got;
        buf = NULL;
        rc = 0;
done:
        if (fd >= 0)
                close(fd);
        free(buf);
        free(real);
        return rc;
}

/* ---- what the device is shown ---- */

void pam_ak_app_text(char out[PAM_AK_APP_MAX + 1], const char *configured, const char *service,
                     const char *host, const char *rhost)
{
        char text[512];
        bool from = rhost != NULL && *rhost != '\0';

        if (configured != NULL) {
                snprintf(out, PAM_AK_APP_MAX + 1, "%s", configured); /* checked: fits */
                return;
        }
        snprintf(text, sizeof(text), "%.100s on %.200s%s%.200s",
                 service != NULL && *service ? service : "login",
                 host != NULL && *host ? host : "this host", from ? " from " : "",
                 from ? rhost : "");
        pam_ak_printable(out, PAM_AK_APP_MAX + 1, text);
}

void pam_ak_printable(char *out, size_t cap, const char *in)
{
        size_t n = 0;

        if (cap == 0)
                return;
        for (; in != NULL && in[n] != '\0' && n < cap - 1; n++) {
                unsigned char ch = (unsigned char)in[n];

                out[n] = ch < 0x20 || ch >= 0x7f ? '?' : (char)ch;
        }
        out[n] = '\0';
}
