/*
 * The one growable buffer of libauthkeep (lib/internal.h): the vault file,
 * the backup payload, the Google migration codec and the HTTP client's
 * answers are built in it. What it drops is wiped, since most of what it
 * holds is secret: growing copies into a new block and wipes the old one,
 * and ak__buf_free() wipes the whole capacity. After one failed allocation
 * the buffer is marked failed and ignores every later write, so a caller
 * checks once at the end.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

bool ak__buf_reserve(struct ak__buf *b, size_t more)
{
        size_t want, cap;
        char *bigger;

        if (b->failed)
                return false;
        if (more > SIZE_MAX / 4 - b->len) {
                b->failed = true;
                return false;
        }
        want = b->len + more + 1;
        if (want <= b->cap)
                return true;
        cap = b->cap ? b->cap : 256;
        while (cap < want)
                cap *= 2;
        bigger = malloc(cap);
        if (bigger == NULL) {
                b->failed = true;
                return false;
        }
        if (b->data != NULL) {
                memcpy(bigger, b->data, b->len);
                ak__free_secret(b->data, b->cap);
        }
        b->data = bigger;
        b->cap = cap;
        return true;
}

void ak__buf_add(struct ak__buf *b, const void *p, size_t n)
{
        if (!ak__buf_reserve(b, n))
                return;
        if (n > 0)
                memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
}

void ak__buf_lit(struct ak__buf *b, const char *s)
{
        ak__buf_add(b, s, strlen(s));
}

void ak__buf_fmt(struct ak__buf *b, const char *fmt, ...)
{
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
                b->failed = true;
                return;
        }
        if (!ak__buf_reserve(b, (size_t)n))
                return;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t)n;
}

void ak__buf_json_str(struct ak__buf *b, const char *s)
{
        static const char hex[] = "0123456789abcdef";
        const unsigned char *p = (const unsigned char *)(s ? s : "");

        ak__buf_add(b, "\"", 1);
        while (*p) {
                const unsigned char *run = p;
                while (*p >= 0x20 && *p != '"' && *p != '\\')
                        p++;
                ak__buf_add(b, run, (size_t)(p - run));
                if (*p == '\0')
                        break;
                if (*p == '"' || *p == '\\') {
                        char esc[2] = {'\\', (char)*p};
                        ak__buf_add(b, esc, 2);
                } else {
                        char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
                        ak__buf_add(b, esc, 6);
                }
                p++;
        }
        ak__buf_add(b, "\"", 1);
}

void ak__buf_b64(struct ak__buf *b, const unsigned char *bin, size_t n)
{
        size_t size = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);

        if (!ak__buf_reserve(b, size))
                return;
        sodium_bin2base64(b->data + b->len, size, bin, n, sodium_base64_VARIANT_ORIGINAL);
        b->len += size - 1;
}

char *ak__buf_take(struct ak__buf *b, size_t *len)
{
        char *data;

        if (b->failed) {
                ak__buf_free(b);
                return NULL;
        }
        if (!ak__buf_reserve(b, 0))
                return NULL;
        data = b->data;
        if (len != NULL)
                *len = b->len;
        b->data = NULL;
        b->len = b->cap = 0;
        return data;
}

void ak__buf_free(struct ak__buf *b)
{
        ak__free_secret(b->data, b->cap);
        b->data = NULL;
        b->len = b->cap = 0;
        b->failed = false;
}
