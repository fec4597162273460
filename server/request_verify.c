/*
 * The request bodies of verification after recovery (server/verify.h):
 * checked field by field like every other body (request.c), so that nothing
 * a client sends reaches the store or a notifier unchecked.
 */
#include <stdio.h>
#include <string.h>

#include "request_fields.h"
#include "verify.h"

#define PHONE_DIGITS_MIN 8
#define PHONE_DIGITS_MAX 15 /* E.164 */

const char *akd_contact_kind_name(enum akd_contact_kind kind)
{
        return kind == AKD_CONTACT_PHONE ? "phone" : "email";
}

int akd_contact_kind_parse(const char *name, enum akd_contact_kind *out)
{
        if (strcmp(name, "email") == 0)
                *out = AKD_CONTACT_EMAIL;
        else if (strcmp(name, "phone") == 0)
                *out = AKD_CONTACT_PHONE;
        else
                return -1;
        return 0;
}

static int normalize_phone(char out[AKD_CONTACT_MAX + 1], const char *in, struct akd_error *e)
{
        size_t n = 0;
        if (in[0] != '+')
                return akd_fail(e, 400, "bad_request",
                                "value: a phone number starts with + and its country code");
        out[n++] = '+';
        for (const char *p = in + 1; *p != '\0'; p++) {
                if (*p >= '0' && *p <= '9') {
                        if (n > PHONE_DIGITS_MAX)
                                return akd_fail(e, 400, "bad_request",
                                                "value: a phone number has at most %d digits",
                                                PHONE_DIGITS_MAX);
                        out[n++] = *p;
                } else if (strchr(" .-()", *p) == NULL) {
                        return akd_fail(e, 400, "bad_request",
                                        "value: a phone number has only digits after the +");
                }
        }
        out[n] = '\0';
        if (n - 1 < PHONE_DIGITS_MIN)
                return akd_fail(e, 400, "bad_request",
                                "value: a phone number has at least %d digits", PHONE_DIGITS_MIN);
        return 0;
}

int akd_contact_normalize(char out[AKD_CONTACT_MAX + 1], const char *in,
                          const enum akd_contact_kind *kind, struct akd_error *e)
{
        enum akd_contact_kind k = kind != NULL   ? *kind
                                  : in[0] == '+' ? AKD_CONTACT_PHONE
                                                 : AKD_CONTACT_EMAIL;
        if (k == AKD_CONTACT_PHONE)
                return normalize_phone(out, in, e);
        char email[AKD_EMAIL_MAX + 1];
        if (strlen(in) > AKD_EMAIL_MAX || akd_normalize_email(email, in, e) != 0)
                return akd_fail(e, 400, "bad_request",
                                "value: an email address must be like name@example.com, at "
                                "most %d bytes",
                                AKD_EMAIL_MAX);
        snprintf(out, AKD_CONTACT_MAX + 1, "%s", email);
        return 0;
}

/* The optional "send": "email"|"phone". */
static int get_kind(bool *has, enum akd_contact_kind *kind, json_t *root, const char *key,
                    bool required, struct akd_error *e)
{
        bool absent;
        const char *s = akd_json_string(root, key, 8, required, e, &absent);
        *has = s != NULL;
        if (s == NULL)
                return absent && !required ? 0 : -1;
        if (akd_contact_kind_parse(s, kind) != 0)
                return akd_fail(e, 400, "bad_request", "%s: must be \"email\" or \"phone\"", key);
        return 0;
}

static int fill_verify_start(struct akd_verify_start_req *r, json_t *root, struct akd_error *e)
{
        if (get_kind(&r->has_kind, &r->kind, root, "send", false, e) != 0)
                return -1;
        return akd_json_proof(&r->proof, &r->has_proof, root, e);
}

int akd_parse_verify_start_req(struct akd_verify_start_req *out, const char *body, size_t len,
                               struct akd_error *e)
{
        PARSE_OBJECT(out, body, len, e, fill_verify_start);
}

static int fill_verify_finish(struct akd_verify_finish_req *r, json_t *root, struct akd_error *e)
{
        return akd_json_code(r->code, root, e);
}

int akd_parse_verify_finish_req(struct akd_verify_finish_req *out, const char *body, size_t len,
                                struct akd_error *e)
{
        PARSE_OBJECT(out, body, len, e, fill_verify_finish);
}

/* The "value" field, normalized for `kind` (NULL: told by the value). */
static int get_value(char out[AKD_CONTACT_MAX + 1], json_t *root, const enum akd_contact_kind *kind,
                     struct akd_error *e)
{
        const char *v = akd_json_string(root, "value", AKD_CONTACT_MAX, true, e, NULL);
        if (v == NULL)
                return -1;
        return akd_contact_normalize(out, v, kind, e);
}

static int fill_contact(struct akd_contact_req *r, json_t *root, struct akd_error *e)
{
        bool has;
        if (get_kind(&has, &r->kind, root, "kind", true, e) != 0)
                return -1;
        return get_value(r->value, root, &r->kind, e);
}

int akd_parse_contact_req(struct akd_contact_req *out, const char *body, size_t len,
                          struct akd_error *e)
{
        PARSE_OBJECT(out, body, len, e, fill_contact);
}

static int fill_contact_confirm(struct akd_contact_confirm_req *r, json_t *root,
                                struct akd_error *e)
{
        if (get_value(r->value, root, NULL, e) != 0)
                return -1;
        return akd_json_code(r->code, root, e);
}

int akd_parse_contact_confirm_req(struct akd_contact_confirm_req *out, const char *body, size_t len,
                                  struct akd_error *e)
{
        PARSE_OBJECT(out, body, len, e, fill_contact_confirm);
}
