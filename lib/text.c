/*
 * The one check of text that libauthkeep takes from files, URIs, servers and
 * users (lib/internal.h): well-formed UTF-8; the one base64 decoder
 * (libsodium's, standard alphabet); and the one table hash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

bool ak__utf8_valid(const char *s, size_t len)
{
        const unsigned char *p = (const unsigned char *)s, *end = p + len;

        while (p < end) {
                unsigned c;
                size_t n;
                uint32_t cp;

                /* Eight bytes of ASCII without NUL at a time (names are mostly ASCII). */
                while (end - p >= 8) {
                        uint64_t w;
                        memcpy(&w, p, 8);
                        /* Each byte's top bit: clear in w (ASCII), set in the sum (not NUL). */
                        if ((~w & ((w & 0x7f7f7f7f7f7f7f7fULL) + 0x7f7f7f7f7f7f7f7fULL) &
                             0x8080808080808080ULL) != 0x8080808080808080ULL)
                                break;
                        p += 8;
                }
                if (p == end)
                        break;
                c = *p;

                if (c == 0)
                        return false;
                if (c < 0x80) {
                        p++;
                        continue;
                }
                if (c >= 0xc2 && c <= 0xdf) {
                        n = 1;
                        cp = c & 0x1f;
                } else if (c >= 0xe0 && c <= 0xef) {
                        n = 2;
                        cp = c & 0x0f;
                } else if (c >= 0xf0 && c <= 0xf4) {
                        n = 3;
                        cp = c & 0x07;
                } else {
                        return false;
                }
                if ((size_t)(end - p) <= n)
                        return false;
                for (size_t i = 1; i <= n; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (p[i] & 0x3f);
                }
                /* Overlong forms, surrogates and values past U+10FFFF. */
                if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
                    (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
                p += n + 1;
        }
        return true;
}

bool ak__utf8_valid_str(const char *s)
{
        return s != NULL && ak__utf8_valid(s, strlen(s));
}

bool ak__email_valid(const char *email)
{
        size_t n = email != NULL ? strlen(email) : 0, ats = 0, at = 0;

        if (n < 3 || n > AK__EMAIL_MAX)
                return false;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)email[i];

                if (c <= 0x20 || c == 0x7f)
                        return false;
                if (c == '@')
                        ats++, at = i;
        }
        return ats == 1 && at > 0 && at < n - 1;
}

uint64_t ak__hash(uint64_t h, const void *p, size_t n, bool fold_case)
{
        const unsigned char *s = p;

        for (size_t i = 0; i < n; i++) {
                unsigned char c = s[i];
                if (fold_case && c >= 'A' && c <= 'Z')
                        c = (unsigned char)(c - 'A' + 'a');
                h ^= c;
                h *= 0x100000001b3ULL;
        }
        return h;
}

bool ak__b64_exact(unsigned char *out, size_t len, const char *text, size_t text_len)
{
        size_t got = 0;
        const char *end = NULL;

        return text != NULL &&
               sodium_base642bin(out, len, text, text_len, NULL, &got, &end,
                                 sodium_base64_VARIANT_ORIGINAL) == 0 &&
               got == len && end == text + text_len;
}

enum ak_err ak__b64_decode(unsigned char **out, size_t *out_len, const char *text, size_t text_len,
                           size_t max, bool lenient)
{
        size_t cap = text_len / 4 * 3 + 3, got = 0;
        const char *end = NULL;
        unsigned char *bin;
        int rc;

        if (text_len / 4 * 3 > max + 3)
                return AK_ERR_LIMIT;
        bin = malloc(cap);
        if (bin == NULL)
                return AK_ERR_NOMEM;
        rc = sodium_base642bin(bin, cap, text, text_len, lenient ? " \t\r\n" : NULL, &got, &end,
                               sodium_base64_VARIANT_ORIGINAL);
        if (rc != 0 && lenient)
                rc = sodium_base642bin(bin, cap, text, text_len, " \t\r\n", &got, &end,
                                       sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
        if (rc != 0 || end != text + text_len || got > max) {
                ak__free_secret(bin, cap);
                return rc != 0 || end != text + text_len ? AK_ERR_FORMAT : AK_ERR_LIMIT;
        }
        *out = bin;
        *out_len = got;
        return AK_OK;
}
