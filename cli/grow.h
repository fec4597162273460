/*
 * Growing a buffer that holds secrets (an export read from standard input,
 * a request or answer carrying a session token): by copy and wipe, never
 * realloc(), which would leave the old bytes in freed memory. Shared by the
 * authkeep programs, which cannot use the library's internal buffer.
 */
#ifndef AUTHKEEP_CLI_GROW_H
#define AUTHKEEP_CLI_GROW_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/*
 * Doubles *buf (of *cap bytes, the first `used` of them in use). On failure
 * the old buffer is wiped and freed, *buf is NULL, and false is returned.
 */
static inline bool cli_grow_secret(char **buf, size_t *cap, size_t used)
{
        char *grown = *cap <= SIZE_MAX / 2 ? malloc(*cap * 2) : NULL;

        if (grown != NULL)
                memcpy(grown, *buf, used);
        sodium_memzero(*buf, *cap);
        free(*buf);
        *buf = grown;
        if (grown == NULL)
                return false;
        *cap *= 2;
        return true;
}

#endif
