/*
 * Activation URIs of work or school accounts (include/authkeep/activation.h).
 * The parser checks the whole URI before it writes anything: the scheme,
 * the host (a name, an IPv4 address or a bracketed IPv6 one), the port, the
 * path, then each query parameter once, percent-decoded, against its own
 * rule. Its messages name the part that is wrong and never quote the code.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "authkeep/activation.h"
#include "authkeep/base32.h"
#include "internal.h"

static const char base32_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

bool ak_activation_code_valid(const char *code)
{
        return code != NULL && strlen(code) == AK_ACTIVATION_CODE_LEN &&
               strspn(code, base32_chars) == AK_ACTIVATION_CODE_LEN;
}

void ak_activation_code_new(char code[AK_ACTIVATION_CODE_LEN + 1])
{
        unsigned char raw[AK_ACTIVATION_CODE_BYTES];

        randombytes_buf(raw, sizeof(raw));
        /* 20 bytes are exactly 32 characters: the encoder cannot fail on this room. */
        if (ak_base32_encode(code, AK_ACTIVATION_CODE_LEN + 1, raw, sizeof(raw)) != AK_OK)
                code[0] = '\0';
        sodium_memzero(raw, sizeof(raw));
}

bool ak_activation_org_valid(const char *org)
{
        static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789._-";
        size_t n = org != NULL ? strlen(org) : 0;

        return n >= 1 && n <= AK_ACTIVATION_ORG_MAX && strspn(org, allowed) == n;
}

_Static_assert(AK_ACTIVATION_EMAIL_MAX == AK__EMAIL_MAX, "one rule for an account's email");

bool ak_activation_email_valid(const char *email)
{
        return ak__email_valid(email);
}

/* ---- the server part: HOST[:PORT][/PATH] ---- */

static bool is_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/*
 * Checks `len` bytes of authority and path at `s` (what follows the
 * scheme's "//"): a host of letters, digits, '.' and '-' (or [IPv6]), an
 * optional port 1..65535, an optional path of unreserved characters and
 * '/'. AK_OK, or AK_ERR_INVALID with the reason.
 */
static enum ak_err check_location(const char *s, size_t len)
{
        size_t i = 0;

        if (len > 0 && s[0] == '[') {
                for (i = 1; i < len && s[i] != ']'; i++)
                        if (!(strchr("0123456789abcdefABCDEF:.", s[i]) != NULL))
                                return ak__fail(AK_ERR_INVALID,
                                                "activation: the host's IPv6 address is malformed");
                if (i >= len || i < 3)
                        return ak__fail(AK_ERR_INVALID,
                                        "activation: the host's IPv6 address is malformed");
                i++;
        } else {
                for (; i < len && (is_alnum(s[i]) || s[i] == '.' || s[i] == '-'); i++)
                        ;
                if (i == 0)
                        return ak__fail(AK_ERR_INVALID, "activation: no server host");
                if (s[0] == '.' || s[0] == '-' || s[i - 1] == '-')
                        return ak__fail(AK_ERR_INVALID, "activation: the host is malformed");
        }
        if (i < len && s[i] == ':') {
                size_t digits = 0;
                unsigned long port = 0;

                for (i++; i < len && s[i] >= '0' && s[i] <= '9' && digits < 6; i++, digits++)
                        port = port * 10 + (unsigned long)(s[i] - '0');
                if (digits == 0 || digits > 5 || port == 0 || port > 65535 ||
                    (i < len && s[i] != '/'))
                        return ak__fail(AK_ERR_INVALID,
                                        "activation: the port is not a number from 1 to 65535");
        }
        if (i < len && s[i] != '/')
                return ak__fail(AK_ERR_INVALID, "activation: the host has a character that a "
                                                "host name cannot have");
        for (; i < len; i++)
                if (!is_alnum(s[i]) && strchr("/._~-", s[i]) == NULL)
                        return ak__fail(AK_ERR_INVALID,
                                        "activation: the path has a character that is not "
                                        "allowed (letters, digits, '/', '.', '_', '~', '-')");
        return AK_OK;
}

/* ---- the query ---- */

/*
 * Percent-decodes `len` bytes at `s` into `out` (`size` bytes) for the
 * parameter `name` ('+' stays a plus): the result may hold no control
 * character. AK_ERR_LIMIT when it does not fit.
 */
static enum ak_err decode(char *out, size_t size, const char *s, size_t len, const char *name)
{
        char *text = NULL;
        size_t n;
        enum ak_err err = ak__percent_decode(&text, s, len, false, name);

        if (err == AK_ERR_URI)
                return ak__fail(AK_ERR_INVALID,
                                "activation: %s: a '%%' is not followed by two hex digits", name);
        if (err != AK_OK)
                return err;
        n = strlen(text);
        for (size_t i = 0; i < n && err == AK_OK; i++)
                if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
                        err = ak__fail(AK_ERR_INVALID, "activation: %s: control characters", name);
        if (err == AK_OK && n >= size)
                err =
                    ak__fail(AK_ERR_LIMIT, "activation: %s: longer than %zu bytes", name, size - 1);
        if (err == AK_OK)
                memcpy(out, text, n + 1);
        ak__free_secret_str(text);
        return err;
}

enum param { P_ORG, P_EMAIL, P_CODE, P_HTTP, P__COUNT };
static const char *const param_names[P__COUNT] = {"org", "email", "code", "http"};

/* Reads the query (`len` bytes at `s`) into `a` and *http. */
static enum ak_err parse_query(struct ak_activation *a, bool *http, const char *s, size_t len)
{
        bool seen[P__COUNT] = {false};
        char http_value[8];
        size_t i = 0;
        enum ak_err err;

        while (i < len) {
                size_t end = i, eq;
                int p;

                while (end < len && s[end] != '&')
                        end++;
                for (eq = i; eq < end && s[eq] != '='; eq++)
                        ;
                for (p = 0; p < P__COUNT; p++)
                        if (eq - i == strlen(param_names[p]) &&
                            memcmp(s + i, param_names[p], eq - i) == 0)
                                break;
                if (p == P__COUNT)
                        return ak__fail(AK_ERR_INVALID,
                                        "activation: unknown parameter '%.*s' (org, email, code "
                                        "and http are known)",
                                        (int)(eq - i > 32 ? 32 : eq - i), s + i);
                if (eq + 1 >= end)
                        return ak__fail(AK_ERR_INVALID, "activation: %s: no value", param_names[p]);
                if (seen[p])
                        return ak__fail(AK_ERR_INVALID, "activation: %s: given twice",
                                        param_names[p]);
                seen[p] = true;
                eq++;
                switch (p) {
                case P_ORG:
                        err = decode(a->org, sizeof(a->org), s + eq, end - eq, "org");
                        break;
                case P_EMAIL:
                        err = decode(a->email, sizeof(a->email), s + eq, end - eq, "email");
                        break;
                case P_CODE:
                        err = decode(a->code, sizeof(a->code), s + eq, end - eq, "code");
                        if (err != AK_OK)
                                err = ak__fail(AK_ERR_INVALID,
                                               "activation: code: not %d base32 characters",
                                               AK_ACTIVATION_CODE_LEN);
                        break;
                default:
                        err = decode(http_value, sizeof(http_value), s + eq, end - eq, "http");
                        break;
                }
                if (err != AK_OK)
                        return err;
                i = end + 1;
                if (end + 1 == len)
                        return ak__fail(AK_ERR_INVALID, "activation: the query ends with '&'");
        }
        for (int p = 0; p < P_HTTP; p++)
                if (!seen[p])
                        return ak__fail(AK_ERR_INVALID, "activation: %s: missing", param_names[p]);
        *http = false;
        if (seen[P_HTTP]) {
                if (strcmp(http_value, "1") != 0)
                        return ak__fail(AK_ERR_INVALID, "activation: http: only http=1 is known");
                *http = true;
        }
        return AK_OK;
}

/* Checks the decoded fields of `a`; lower-cases its email. */
static enum ak_err check_fields(struct ak_activation *a)
{
        if (!ak_activation_org_valid(a->org))
                return ak__fail(AK_ERR_INVALID,
                                "activation: org: 1 to %d letters, digits, '.', '_' or '-'",
                                AK_ACTIVATION_ORG_MAX);
        if (!ak_activation_email_valid(a->email))
                return ak__fail(AK_ERR_INVALID, "activation: email: not like name@example.com");
        for (char *p = a->email; *p != '\0'; p++)
                if (*p >= 'A' && *p <= 'Z')
                        *p = (char)(*p + 32);
        if (!ak_activation_code_valid(a->code))
                return ak__fail(AK_ERR_INVALID, "activation: code: not %d base32 characters",
                                AK_ACTIVATION_CODE_LEN);
        return AK_OK;
}

enum ak_err ak_activation_parse(struct ak_activation *out, const char *uri)
{
        static const size_t scheme_len = sizeof(AK_ACTIVATION_SCHEME) - 1;
        struct ak_activation a;
        const char *rest, *query;
        size_t len, loc_len;
        bool http = false;
        enum ak_err err;

        memset(&a, 0, sizeof(a));
        if (uri == NULL)
                return ak__fail(AK_ERR_INVALID, "activation: empty");
        len = strnlen(uri, AK_ACTIVATION_URI_MAX + 1);
        if (len > AK_ACTIVATION_URI_MAX)
                return ak__fail(AK_ERR_LIMIT, "activation: longer than %d bytes",
                                AK_ACTIVATION_URI_MAX);
        if (len < scheme_len || strncasecmp(uri, AK_ACTIVATION_SCHEME, scheme_len) != 0)
                return ak__fail(AK_ERR_INVALID, "activation: not an %s URI", AK_ACTIVATION_SCHEME);
        rest = uri + scheme_len;
        query = strchr(rest, '?');
        if (query == NULL)
                return ak__fail(AK_ERR_INVALID, "activation: no ?org=...&email=...&code=...");
        if (strchr(rest, '#') != NULL)
                return ak__fail(AK_ERR_INVALID, "activation: a '#' fragment is not allowed");
        loc_len = (size_t)(query - rest);
        while (loc_len > 0 && rest[loc_len - 1] == '/')
                loc_len--;
        err = check_location(rest, loc_len);
        if (err != AK_OK)
                goto done;
        err = parse_query(&a, &http, query + 1, strlen(query + 1));
        if (err == AK_OK)
                err = check_fields(&a);
        if (err != AK_OK)
                goto done;
        if (snprintf(a.server, sizeof(a.server), "%s://%.*s", http ? "http" : "https", (int)loc_len,
                     rest) >= (int)sizeof(a.server)) {
                err = ak__fail(AK_ERR_LIMIT, "activation: the server's URL is longer than %d bytes",
                               AK_ACTIVATION_SERVER_MAX);
                goto done;
        }
        *out = a;
done:
        sodium_memzero(&a, sizeof(a));
        return err;
}

/* Appends `text` percent-encoded (all but letters, digits, '.', '_', '-', '~', '@'). */
static void append_encoded(struct ak__buf *b, const char *text)
{
        for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
                if (is_alnum((char)*p) || strchr("._-~@", *p) != NULL)
                        ak__buf_fmt(b, "%c", *p);
                else
                        ak__buf_fmt(b, "%%%02X", *p);
        }
}

enum ak_err ak_activation_format(char *out, size_t size, const struct ak_activation *a)
{
        struct ak_activation check;
        struct ak__buf b = {0};
        const char *loc;
        size_t loc_len;
        bool http;
        enum ak_err err;

        if (size > 0)
                out[0] = '\0';
        if (strncmp(a->server, "https://", 8) == 0)
                http = false, loc = a->server + 8;
        else if (strncmp(a->server, "http://", 7) == 0)
                http = true, loc = a->server + 7;
        else
                return ak__fail(AK_ERR_INVALID,
                                "activation: the server is not http:// or https://");
        loc_len = strlen(loc);
        while (loc_len > 0 && loc[loc_len - 1] == '/')
                loc_len--;
        ak__buf_fmt(&b, "%s%.*s?org=", AK_ACTIVATION_SCHEME, (int)loc_len, loc);
        append_encoded(&b, a->org);
        ak__buf_lit(&b, "&email=");
        append_encoded(&b, a->email);
        ak__buf_lit(&b, "&code=");
        ak__buf_lit(&b, a->code);
        if (http)
                ak__buf_lit(&b, "&http=1");
        if (b.failed) {
                err = ak__fail(AK_ERR_NOMEM, "activation");
                goto done;
        }
        /* What is written must read back: the same checks as a device's. */
        err = ak_activation_parse(&check, b.data);
        sodium_memzero(&check, sizeof(check));
        if (err != AK_OK)
                goto done;
        if (b.len >= size) {
                err = ak__fail(AK_ERR_LIMIT, "activation: the URI does not fit");
                goto done;
        }
        memcpy(out, b.data, b.len + 1);
done:
        if (b.data != NULL)
                sodium_memzero(b.data, b.len);
        ak__buf_free(&b);
        return err;
}
