/*
 * Verification after recovery (docs/api.md, "Verification"): the request
 * bodies of /v1/verify/start, /finish and /v1/contacts (request_verify.c, which the fuzz
 * targets exercise), and what api_verify.c shares with them.
 */
#ifndef AUTHKEEPD_VERIFY_H
#define AUTHKEEPD_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "server.h"
#include "store.h"

/* POST /v1/verify/start (the device is the caller's) */
struct akd_verify_start_req {
        bool has_kind; /* "send" was given */
        enum akd_contact_kind kind;
        bool has_proof;
        struct akd_auth_finish_req proof;
};

/* POST /v1/verify/finish */
struct akd_verify_finish_req {
        char code[7];
};

/* POST /v1/contacts */
struct akd_contact_req {
        enum akd_contact_kind kind;
        char value[AKD_CONTACT_MAX + 1]; /* normalized (akd_contact_normalize) */
};

/* POST /v1/contacts/confirm */
struct akd_contact_confirm_req {
        char value[AKD_CONTACT_MAX + 1]; /* normalized */
        char code[7];
};

int akd_parse_verify_start_req(struct akd_verify_start_req *out, const char *body, size_t len,
                               struct akd_error *e);
int akd_parse_verify_finish_req(struct akd_verify_finish_req *out, const char *body, size_t len,
                                struct akd_error *e);
int akd_parse_contact_req(struct akd_contact_req *out, const char *body, size_t len,
                          struct akd_error *e);
int akd_parse_contact_confirm_req(struct akd_contact_confirm_req *out, const char *body, size_t len,
                                  struct akd_error *e);

/*
 * A contact's value in its one form: an email lower-cased, a phone number as
 * "+" and 8 to 15 digits (spaces, dots, dashes and brackets dropped). The
 * kind is the one asked, or, when `kind` is NULL, told by the value (a
 * phone number starts with "+"). 0 or -1 with a 400 in `e`.
 */
int akd_contact_normalize(char out[AKD_CONTACT_MAX + 1], const char *in,
                          const enum akd_contact_kind *kind, struct akd_error *e);

/* "email" or "phone"; akd_contact_kind_parse: 0 or -1. */
const char *akd_contact_kind_name(enum akd_contact_kind kind);
int akd_contact_kind_parse(const char *name, enum akd_contact_kind *out);

#endif
