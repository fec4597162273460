/*
 * The bodies of the web pages' forms: application/x-www-form-urlencoded,
 * as browsers send them. Decoding never allocates: a value is never longer
 * than its encoding, so every field fits in the form's own buffer. Then
 * each field a page needs is checked for its one form (an email, six
 * digits, an id, a token), and whatever else is sent is ignored.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "verify.h"
#include "web.h"

static int bad_form(struct akd_error *e, const char *fmt, const char *what)
{
        return akd_fail(e, 400, "bad_form", fmt, what);
}

/*
 * Decodes [in, end) into `out` ('+' a space, %XX a byte), NUL terminated;
 * returns the decoded length, or -1 for a malformed escape.
 */
static long decode(char *out, const char *in, const char *end)
{
        char *o = out;
        while (in < end) {
                if (*in == '%') {
                        unsigned char byte;
                        size_t n = 0;
                        if (end - in < 3 || !isxdigit((unsigned char)in[1]) ||
                            !isxdigit((unsigned char)in[2]) ||
                            sodium_hex2bin(&byte, 1, in + 1, 2, NULL, &n, NULL) != 0 || n != 1)
                                return -1;
                        *o++ = (char)byte;
                        in += 3;
                } else {
                        *o++ = *in == '+' ? ' ' : *in;
                        in++;
                }
        }
        *o = '\0';
        return o - out;
}

static bool name_ok(const char *name, long len)
{
        if (len < 1 || len > AKD_FORM_NAME_MAX)
                return false;
        for (long i = 0; i < len; i++) {
                char c = name[i];
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
                        return false;
        }
        return true;
}

static bool value_ok(const char *value, long len)
{
        for (long i = 0; i < len; i++)
                if ((unsigned char)value[i] < 0x20 || (unsigned char)value[i] > 0x7e)
                        return false;
        return true;
}

int akd_form_parse(struct akd_form *out, const char *body, size_t len, struct akd_error *e)
{
        if (len > AKD_FORM_BODY_MAX)
                return akd_fail(e, 400, "bad_form", "the form is larger than %d bytes",
                                AKD_FORM_BODY_MAX);
        out->count = 0;
        char *buf = out->buf;
        const char *p = body, *end = body + len;
        while (p < end) {
                const char *amp = memchr(p, '&', (size_t)(end - p));
                const char *pe = amp != NULL ? amp : end;
                const char *eq = memchr(p, '=', (size_t)(pe - p));
                const char *ne = eq != NULL ? eq : pe;
                if (pe > p) {
                        if (out->count == AKD_FORM_FIELDS_MAX)
                                return akd_fail(e, 400, "bad_form",
                                                "the form has more than %d fields",
                                                AKD_FORM_FIELDS_MAX);
                        /* name NUL value NUL: at most the pair's length plus one byte. */
                        char *name = buf;
                        long nl = decode(name, p, ne);
                        if (nl < 0)
                                return bad_form(e, "%s: a malformed %%-escape", "a field's name");
                        if (!name_ok(name, nl))
                                return bad_form(e, "%s: must be 1 to 32 of a-z, 0-9 and _",
                                                "a field's name");
                        if (akd_form_get(out, name) != NULL)
                                return akd_fail(e, 400, "bad_form", "%s: given twice", name);
                        char *value = name + nl + 1;
                        long vl = decode(value, eq != NULL ? eq + 1 : pe, pe);
                        if (vl < 0)
                                return akd_fail(e, 400, "bad_form", "%s: a malformed %%-escape",
                                                name);
                        if (!value_ok(value, vl))
                                return akd_fail(e, 400, "bad_form",
                                                "%s: only printable ASCII characters", name);
                        out->fields[out->count].name = name;
                        out->fields[out->count].value = value;
                        out->count++;
                        buf = value + vl + 1;
                }
                p = amp != NULL ? amp + 1 : end;
        }
        return 0;
}

const char *akd_form_get(const struct akd_form *f, const char *name)
{
        for (size_t i = 0; i < f->count; i++)
                if (strcmp(f->fields[i].name, name) == 0)
                        return f->fields[i].value;
        return NULL;
}

/* The field `name`, present and of `min` to `max` bytes each in `allowed`; NULL with `e`. */
static const char *field(const struct akd_form *f, const char *name, size_t min, size_t max,
                         const char *allowed, const char *form, struct akd_error *e)
{
        const char *v = akd_form_get(f, name);
        size_t n = v != NULL ? strlen(v) : 0;
        if (v == NULL) {
                akd_fail(e, 400, "bad_form", "%s: missing", name);
                return NULL;
        }
        if (n < min || n > max || (allowed != NULL && strspn(v, allowed) != n)) {
                akd_fail(e, 400, "bad_form", "%s: must be %s", name, form);
                return NULL;
        }
        return v;
}

#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#define HEX "0123456789abcdef"

int akd_web_form_parse(struct akd_web_form *out, unsigned fields, const char *body, size_t len,
                       struct akd_error *e)
{
        struct akd_form *f = calloc(1, sizeof(*f));
        struct akd_web_form *w = calloc(1, sizeof(*w));
        const char *v;
        int rc = -1;
        if (f == NULL || w == NULL) {
                akd_fail(e, 500, "internal", "out of memory");
                goto done;
        }
        if (akd_form_parse(f, body, len, e) != 0)
                goto done;
        if ((v = field(f, "csrf", AKD_WEB_TOKEN_LEN, AKD_WEB_TOKEN_LEN, B64URL,
                       "the page's token (reload the page)", e)) == NULL)
                goto done;
        memcpy(w->csrf, v, AKD_WEB_TOKEN_LEN + 1);
        if ((fields & AKD_WF_EMAIL) &&
            ((v = field(f, "email", 1, AKD_EMAIL_MAX, NULL, "an email", e)) == NULL ||
             akd_normalize_email(w->email, v, e) != 0))
                goto done;
        if (fields & AKD_WF_CODE) {
                if ((v = field(f, "code", 6, 6, "0123456789", "six digits", e)) == NULL)
                        goto done;
                memcpy(w->code, v, 7);
        }
        if (fields & AKD_WF_REQUEST) {
                if ((v = field(f, "request", AK_SIGNIN_ID_LEN, AK_SIGNIN_ID_LEN, HEX,
                               "a sign-in request's id", e)) == NULL)
                        goto done;
                memcpy(w->request, v, AK_SIGNIN_ID_LEN + 1);
                if ((v = field(f, "ticket", AKD_WEB_TOKEN_LEN, AKD_WEB_TOKEN_LEN, B64URL,
                               "the sign-in's ticket", e)) == NULL)
                        goto done;
                memcpy(w->ticket, v, AKD_WEB_TOKEN_LEN + 1);
        }
        if (fields & AKD_WF_DEVICE) {
                if ((v = field(f, "device", AK_DEVICE_ID_LEN, AK_DEVICE_ID_LEN, HEX,
                               "a device's id", e)) == NULL)
                        goto done;
                memcpy(w->device, v, AK_DEVICE_ID_LEN + 1);
                v = akd_form_get(f, "force");
                w->force = v != NULL && strcmp(v, "1") == 0;
        }
        if ((fields & AKD_WF_CONTACT) &&
            ((v = field(f, "contact", 1, AKD_CONTACT_MAX, NULL, "a contact", e)) == NULL ||
             akd_contact_normalize(w->contact, v, NULL, e) != 0))
                goto done;
        *out = *w;
        rc = 0;
done:
        free(f);
        free(w);
        return rc;
}
