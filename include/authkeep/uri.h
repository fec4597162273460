/*
 * otpauth:// URIs (Google's Key URI format), including otpauth://steam/.
 */
#ifndef AUTHKEEP_URI_H
#define AUTHKEEP_URI_H

#include "authkeep/account.h"
#include "authkeep/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AK_URI_MAX 8192 /* longest URI accepted */

/*
 * Parses `uri` into `out` (initialised by the caller; filled only on
 * success). Percent-decodes; the label is "Issuer:account" or "account";
 * the issuer parameter wins over the label's issuer, and when they differ
 * out->label_issuer keeps the label's. Defaults SHA1, 6 digits, 30 s;
 * `counter` is required for hotp. Malformed input is AK_ERR_URI,
 * AK_ERR_BASE32 or AK_ERR_OTP_PARAM with a detail naming the field.
 */
enum ak_err ak_uri_parse(struct ak_account *out, const char *uri)
    __attribute__((warn_unused_result));

/* Formats `acct` as an otpauth:// URI. *out is malloc'd; it holds the secret: free with
 * ak_uri_free(). */
enum ak_err ak_uri_format(char **out, const struct ak_account *acct);

/* Wipes and frees a URI from ak_uri_format(); accepts NULL. */
void ak_uri_free(char *uri);

#ifdef __cplusplus
}
#endif
#endif
