/*
 * WinAuth's text export (File > Export, "Text file"): one otpauth:// URI a
 * line, as the URI list (uris.c) reads them, WinAuth's own parameters
 * (serial, deviceid, data, skew, icon) ignored. WinAuth writes a Steam
 * authenticator as otpauth://totp/Steam:NAME?...&digits=5&issuer=Steam (with
 * the Steam app's deviceid and data unless made for compatibility): such a
 * line is read as otpauth://steam/, whose codes are Steam's five characters,
 * not five digits. Battle.net authenticators are TOTP with 8 digits, as
 * written.
 *
 * Its zip export (File > Export, "Zip file", with or without a password)
 * holds that text file as its only file; zip.c reads it and tells it from
 * other zips.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apps.h"

/* Whether the line of `n` bytes at `p` has the query parameter `param` (as "&k=v" or "?k=v"). */
static bool has_param(const char *p, size_t n, const char *param)
{
        size_t m = strlen(param);

        for (size_t i = 1; i + m <= n; i++)
                if ((p[i - 1] == '?' || p[i - 1] == '&') && strncasecmp(p + i, param, m) == 0 &&
                    (i + m == n || p[i + m] == '&' || p[i + m] == '\r'))
                        return true;
        return false;
}

static bool steam_line(const char *p, size_t n)
{
        return n > 15 && strncasecmp(p, "otpauth://totp/", 15) == 0 &&
               has_param(p, n, "digits=5") && has_param(p, n, "issuer=Steam");
}

enum ak_err ak__import_winauth(struct ak_import *out, const char *text, size_t len)
{
        /* Each Steam line grows by one byte ("totp" to "steam"). */
        size_t cap = len + len / 16 + 2, o = 0, at = 0;
        char *copy = malloc(cap);
        enum ak_err rc;

        if (copy == NULL)
                return AK_ERR_NOMEM;
        while (at < len) {
                const char *line = text + at, *nl = memchr(line, '\n', len - at);
                size_t n = nl ? (size_t)(nl - line) + 1 : len - at;
                if (o + n + 1 > cap) {
                        char *grown = malloc(cap * 2 + n + 1);
                        if (grown == NULL) {
                                ak__free_secret(copy, cap);
                                return AK_ERR_NOMEM;
                        }
                        memcpy(grown, copy, o);
                        ak__free_secret(copy, cap);
                        copy = grown;
                        cap = cap * 2 + n + 1;
                }
                if (steam_line(line, nl ? n - 1 : n)) {
                        memcpy(copy + o, "otpauth://steam/", 16);
                        memcpy(copy + o + 16, line + 15, n - 15);
                        o += n + 1;
                } else {
                        memcpy(copy + o, line, n);
                        o += n;
                }
                at += n;
        }
        rc = ak__import_uris(out, copy, o, false);
        ak__free_secret(copy, cap);
        return rc;
}

enum ak_err ak__import_winauth_input(struct ak_import *out, const unsigned char *data, size_t len,
                                     const char *password)
{
        unsigned char *text = NULL;
        size_t text_len = 0;
        enum ak_err rc;

        if (!ak__is_zip(data, len))
                return ak__import_winauth(out, (const char *)data, len);
        rc = ak__zip_lone_file(&text, &text_len, data, len, password);
        if (rc != AK_OK)
                return ak__fail_in(rc, "winauth");
        rc = ak__import_winauth(out, (const char *)text, text_len);
        ak__free_secret(text, text_len + 1);
        return rc;
}
