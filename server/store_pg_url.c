/*
 * The --db URL of the PostgreSQL store: checked by libpq's own parser
 * before anything connects, and shown (in errors and the log) without its
 * password, which may come as postgres://USER:PASSWORD@HOST/DB or as
 * ?password=... (PGPASSFILE or PGPASSWORD keep it out of the URL).
 */
#include <stdio.h>
#include <string.h>

#include "store_pg.h"

static const char *const schemes[] = {"postgresql://", "postgres://"};

/* The length of the scheme `url` starts with, 0 for none. */
static size_t scheme_len(const char *url)
{
        for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
                if (strncmp(url, schemes[i], strlen(schemes[i])) == 0)
                        return strlen(schemes[i]);
        return 0;
}

/* Removes the query parameter `key=...` from the query that starts at `q` ('?'). */
static void drop_param(char *q, const char *key)
{
        size_t klen = strlen(key);
        char *p = q;
        while (p != NULL && *p != '\0') {
                char *name = p + 1; /* after '?' or '&' */
                char *end = strchr(name, '&');
                if (strncmp(name, key, klen) == 0 && name[klen] == '=') {
                        if (end != NULL)
                                memmove(name, end + 1, strlen(end + 1) + 1);
                        else
                                *p = '\0'; /* the last one: its '?' or '&' goes too */
                        continue;
                }
                p = end;
        }
}

/* `url` into `out` without the password of its user info or its query. */
static void without_password(const char *url, char *out, size_t size)
{
        snprintf(out, size, "%s", url);
        size_t start = scheme_len(out);
        char *authority = out + start;
        size_t alen = strcspn(authority, "/?");
        char *at = NULL;
        for (char *p = authority; p < authority + alen; p++)
                if (*p == '@')
                        at = p;
        if (at != NULL) {
                char *colon = memchr(authority, ':', (size_t)(at - authority));
                if (colon != NULL)
                        memmove(colon, at, strlen(at) + 1);
        }
        char *query = strchr(out, '?');
        if (query != NULL)
                drop_param(query, "password");
}

int akd_pg_url_check(const char *url, char *display, size_t display_len, char *err, size_t errlen)
{
        display[0] = '\0';
        if (scheme_len(url) == 0) {
                snprintf(err, errlen, "--db: give postgres://USER@HOST[:PORT]/DATABASE");
                return -1;
        }
        without_password(url, display, display_len);
        char *msg = NULL;
        PQconninfoOption *opts = PQconninfoParse(url, &msg);
        if (opts == NULL) {
                /* libpq's message may quote the URL: only without a password in it. */
                char line[200] = "";
                if (msg != NULL && strcmp(display, url) == 0) {
                        snprintf(line, sizeof(line), ": %s", msg);
                        line[strcspn(line, "\n")] = '\0';
                }
                snprintf(err, errlen, "--db: not a valid PostgreSQL URL%s", line);
                PQfreemem(msg);
                return -1;
        }
        PQconninfoFree(opts);
        return 0;
}
