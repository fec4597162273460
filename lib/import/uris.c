/*
 * Lists of URIs, one a line: otpauth:// (and otpauth://steam/), the bare
 * steam://SECRET some apps write, and Google Authenticator's
 * otpauth-migration://offline?data= (lib/import/gauth.c decodes its payload).
 * Blank lines and lines starting with '#' are skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/uri.h"
#include "import_internal.h"

#define MIGRATION_URI_MAX (1u << 20) /* a migration URI holds a batch of accounts */

/*
 * The percent-decoded value of query parameter `name` of `uri` into a new
 * string (freed with ak__free_secret_str); NULL in *out when absent.
 */
static enum ak_err query_param(char **out, const char *uri, const char *name)
{
        const char *q = strchr(uri, '?');
        size_t name_len = strlen(name);

        *out = NULL;
        while (q != NULL) {
                const char *p = q + 1, *end = strchr(p, '&');
                size_t plen = end ? (size_t)(end - p) : strlen(p);
                if (plen > name_len && strncmp(p, name, name_len) == 0 && p[name_len] == '=') {
                        const char *v = p + name_len + 1;
                        size_t vlen = plen - name_len - 1, o = 0;
                        char *val = malloc(vlen + 1);
                        if (val == NULL)
                                return AK_ERR_NOMEM;
                        for (size_t i = 0; i < vlen; i++) {
                                unsigned char byte;
                                size_t n = 0;
                                if (v[i] == '%' && i + 2 < vlen &&
                                    sodium_hex2bin(&byte, 1, v + i + 1, 2, NULL, &n, NULL) == 0 &&
                                    n == 1) {
                                        val[o++] = (char)byte;
                                        i += 2;
                                } else {
                                        val[o++] = v[i];
                                }
                        }
                        val[o] = '\0';
                        *out = val;
                        return AK_OK;
                }
                q = end;
        }
        return AK_OK;
}

/* One otpauth-migration:// URI: every account of its payload. */
static enum ak_err import_migration(struct ak_import *out, const char *uri, const char *where)
{
        struct ak_account none;
        unsigned char *payload = NULL;
        size_t payload_len = 0;
        char *data = NULL;
        enum ak_err rc;

        ak_account_init(&none);
        ak_error_clear();
        if (strncasecmp(uri, "otpauth-migration://offline", 27) != 0) {
                rc = ak__fail(AK_ERR_URI, "not otpauth-migration://offline");
                goto unreadable;
        }
        rc = query_param(&data, uri, "data");
        if (rc == AK_ERR_NOMEM)
                return rc;
        if (data == NULL) {
                rc = ak__fail(AK_ERR_URI, "data: missing");
                goto unreadable;
        }
        /* Some scanners turn '+' into ' ': base64 has no spaces, so take them back. */
        for (char *c = data; *c; c++)
                if (*c == ' ')
                        *c = '+';
        rc = ak__base64_decode(&payload, &payload_len, data, strlen(data));
        ak__free_secret_str(data);
        if (rc != AK_OK) {
                if (rc == AK_ERR_NOMEM)
                        return rc;
                rc = ak__fail(AK_ERR_URI, "data: not base64");
                goto unreadable;
        }
        rc = ak_import_gauth_payload(out, payload, payload_len, where);
        ak__free_secret(payload, payload_len);
        if (rc == AK_ERR_NOMEM || rc == AK_ERR_LIMIT || rc == AK_OK)
                return rc;
unreadable:
        /* A payload that cannot be read at all is one unreadable entry. */
        return ak__import_push(out, rc, &none, where, NULL);
}

enum ak_err ak__import_one_uri(struct ak_import *out, const char *uri, const char *where)
{
        struct ak_account acct;
        enum ak_err rc;

        ak_account_init(&acct);
        ak_error_clear();
        if (strncasecmp(uri, "otpauth-migration:", 18) == 0) {
                if (strlen(uri) > MIGRATION_URI_MAX) {
                        rc = ak__fail(AK_ERR_LIMIT, "longer than %u characters", MIGRATION_URI_MAX);
                        return ak__import_push(out, rc, &acct, where, NULL);
                }
                return import_migration(out, uri, where);
        }
        if (strncasecmp(uri, "steam://", 8) == 0) {
                struct ak__otp_fields f = {.type = "steam", .secret = uri + 8, .counter = -1};
                rc = ak__account_from_fields(&acct, &f);
        } else if (strncasecmp(uri, "otpauth://", 10) == 0) {
                rc = ak_uri_parse(&acct, uri);
        } else {
                rc = ak__fail(AK_ERR_URI, "not an otpauth:// URI");
        }
        if (rc == AK_OK) {
                char *label = ak_account_label(&acct);
                rc = ak__import_push(out, AK_OK, &acct, where, label);
                free(label);
                return rc;
        }
        return ak__import_push(out, rc, &acct, where, NULL);
}

enum ak_err ak__import_uris(struct ak_import *out, const char *text, size_t len,
                            bool migration_only)
{
        size_t line_no = 0, at = 0;
        enum ak_err rc = AK_OK;

        if (memchr(text, '\0', len) != NULL)
                return ak__fail(AK_ERR_FORMAT, "URI list: holds a NUL byte (not text)");
        while (at < len && rc == AK_OK) {
                const char *line = text + at, *nl = memchr(line, '\n', len - at);
                size_t n = nl ? (size_t)(nl - line) : len - at;
                char where[40];
                char *copy;

                at += n + (nl ? 1 : 0);
                line_no++;
                while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
                        n--;
                while (n > 0 && (line[0] == ' ' || line[0] == '\t')) {
                        line++;
                        n--;
                }
                if (line_no == 1 && n >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
                        line += 3;
                        n -= 3;
                }
                if (n == 0 || line[0] == '#')
                        continue;
                snprintf(where, sizeof(where), "line %zu", line_no);
                if (migration_only &&
                    !(n >= 18 && strncasecmp(line, "otpauth-migration:", 18) == 0)) {
                        struct ak_account none;
                        ak_account_init(&none);
                        rc = ak__import_push(
                            out, ak__fail(AK_ERR_FORMAT, "not an otpauth-migration:// URI"), &none,
                            where, NULL);
                        continue;
                }
                copy = ak__text_of(line, n);
                if (copy == NULL)
                        return AK_ERR_NOMEM;
                rc = ak__import_one_uri(out, copy, where);
                ak__free_secret_str(copy);
        }
        return rc;
}

enum ak_err ak__import_uri_or_secret(struct ak_import *out, const char *value, const char *where,
                                     const char *issuer, const char *name, bool bare_secret)
{
        struct ak_account acct;
        struct ak__otp_fields f = {.issuer = issuer, .name = name, .counter = -1};
        enum ak_err rc;
        char *label;

        if (value != NULL && strncasecmp(value, "otpauth", 7) == 0) {
                size_t before = out->count;
                rc = ak__import_one_uri(out, value, where);
                /* Fill what the URI leaves out from the surrounding record. */
                for (size_t i = before; rc == AK_OK && i < out->count; i++) {
                        struct ak_account *a = &out->entries[i].account;
                        if (out->entries[i].reason != NULL)
                                continue;
                        if (a->issuer[0] == '\0' && issuer != NULL && issuer[0] != '\0')
                                rc = ak_account_set_text(&a->issuer, issuer);
                        if (rc == AK_OK && a->name[0] == '\0' && name != NULL && name[0] != '\0')
                                rc = ak_account_set_text(&a->name, name);
                }
                return rc;
        }
        ak_account_init(&acct);
        if (value != NULL && strncasecmp(value, "steam://", 8) == 0) {
                f.type = "steam";
                f.secret = value + 8;
                rc = ak__account_from_fields(&acct, &f);
        } else if (value != NULL && bare_secret) {
                f.secret = value;
                rc = ak__account_from_fields(&acct, &f);
        } else {
                rc = ak__fail(AK_ERR_URI, "not an otpauth:// URI");
        }
        label = ak__label(issuer, name);
        rc = ak__import_push(out, rc, &acct, where, label);
        free(label);
        return rc;
}
