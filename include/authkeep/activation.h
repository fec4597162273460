/*
 * Activation codes of work or school accounts (SPEC §4 "Identity",
 * docs/api.md "POST /v1/activate"): what an organisation's administrator
 * gives a person so that a device of theirs enrols in the organisation's
 * authkeepd. The code travels as one URI, printed as text and as a QR image:
 *
 *   authkeep-activate://HOST[:PORT][/PATH]?org=ORG&email=EMAIL&code=CODE[&http=1]
 *
 * The server is https://HOST[:PORT][/PATH] (http:// with http=1, for a
 * server on loopback or in a test). ORG and EMAIL are percent-encoded
 * (a '+' is a plus, never a space); CODE is 32 base32 characters, 160
 * random bits. Parsing is strict: a parameter missing, repeated or unknown,
 * a bad escape, a text over its cap, each is refused with its own reason.
 */
#ifndef AUTHKEEP_ACTIVATION_H
#define AUTHKEEP_ACTIVATION_H

#include <stdbool.h>
#include <stddef.h>

#include "authkeep/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AK_ACTIVATION_SCHEME "authkeep-activate://"
#define AK_ACTIVATION_CODE_BYTES 20 /* 160 bits */
#define AK_ACTIVATION_CODE_LEN 32   /* base32 characters, no padding */
#define AK_ACTIVATION_ORG_MAX 64    /* 1 to 64 of A-Z a-z 0-9 . _ - */
#define AK_ACTIVATION_EMAIL_MAX 254
#define AK_ACTIVATION_SERVER_MAX 255 /* the server's URL, as push sign-in's origin */
#define AK_ACTIVATION_URI_MAX 1024   /* the whole URI */

/* What an activation URI holds. */
struct ak_activation {
        char server[AK_ACTIVATION_SERVER_MAX + 1]; /* https://HOST[:PORT][/PATH], no trailing '/' */
        char org[AK_ACTIVATION_ORG_MAX + 1];
        char email[AK_ACTIVATION_EMAIL_MAX + 1]; /* lower-cased */
        char code[AK_ACTIVATION_CODE_LEN + 1];   /* upper-case base32 */
};

/*
 * Reads `uri` into *out (written only on success). AK_ERR_INVALID with the
 * reason in ak_error_detail() for anything malformed, AK_ERR_LIMIT for a
 * URI or a text over its cap. The detail never holds the code.
 */
enum ak_err ak_activation_parse(struct ak_activation *out, const char *uri)
    __attribute__((warn_unused_result));

/*
 * Writes the URI of `a` into `out` (`size` bytes, AK_ACTIVATION_URI_MAX + 1
 * is always enough) after checking every field as ak_activation_parse
 * would. a->server is http:// or https:// (a trailing '/' is dropped).
 */
enum ak_err ak_activation_format(char *out, size_t size, const struct ak_activation *a)
    __attribute__((warn_unused_result));

/* A new random code (AK_ACTIVATION_CODE_LEN characters and a NUL) in `code`. */
void ak_activation_code_new(char code[AK_ACTIVATION_CODE_LEN + 1]);

/* Whether `code` is AK_ACTIVATION_CODE_LEN upper-case base32 characters. */
bool ak_activation_code_valid(const char *code);

/* Whether `org` can name an organisation: 1 to AK_ACTIVATION_ORG_MAX of A-Z a-z 0-9 . _ -. */
bool ak_activation_org_valid(const char *org);

/*
 * Whether `email` can name a work user: 3 to AK_ACTIVATION_EMAIL_MAX bytes,
 * one '@' with text on both sides, no spaces or control characters.
 */
bool ak_activation_email_valid(const char *email);

#ifdef __cplusplus
}
#endif
#endif
