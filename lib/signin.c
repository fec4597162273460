/*
 * The bytes of push sign-in that a device signs (authkeep/signin.h): its
 * answer to a request, and the header of its own calls. Every field is
 * length-prefixed, so no choice of texts makes two messages alike.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/signin.h"
#include "internal.h"

static const char signin_prefix[] = "authkeep-signin-v1";
static const char device_prefix[] = "authkeep-device-v1\n";

static const char *const decision_names[] = {
    [AK_SIGNIN_APPROVE] = "approve",
    [AK_SIGNIN_DENY] = "deny",
    [AK_SIGNIN_REPORT] = "report",
};

const char *ak_signin_decision_name(enum ak_signin_decision d)
{
        return (unsigned)d < sizeof(decision_names) / sizeof(decision_names[0]) ? decision_names[d]
                                                                                : "?";
}

enum ak_err ak_signin_decision_parse(const char *name, enum ak_signin_decision *out)
{
        for (unsigned i = 0; name != NULL && i < sizeof(decision_names) / sizeof(decision_names[0]);
             i++) {
                if (strcmp(name, decision_names[i]) == 0) {
                        *out = (enum ak_signin_decision)i;
                        return AK_OK;
                }
        }
        return ak__fail(AK_ERR_INVALID, "decision: not approve, deny or report");
}

/* Appends a length and `len` bytes at out[*at]; -1 when it does not fit. */
static int put_field(unsigned char *out, size_t *at, const void *bytes, size_t len)
{
        if (len > AK_SIGNIN_MESSAGE_MAX || AK_SIGNIN_MESSAGE_MAX - *at < 4 + len)
                return -1;
        out[(*at)++] = (unsigned char)(len >> 24);
        out[(*at)++] = (unsigned char)(len >> 16);
        out[(*at)++] = (unsigned char)(len >> 8);
        out[(*at)++] = (unsigned char)len;
        if (len > 0)
                memcpy(out + *at, bytes, len);
        *at += len;
        return 0;
}

static int put_text(unsigned char *out, size_t *at, const char *text, size_t max)
{
        size_t len = strnlen(text, max + 1);
        return len > max ? -1 : put_field(out, at, text, len);
}

enum ak_err ak_signin_message(unsigned char out[AK_SIGNIN_MESSAGE_MAX], size_t *len,
                              const struct ak_signin_challenge *c, const char *device_id,
                              enum ak_signin_decision decision, unsigned number)
{
        char expires[24], typed[4] = "";
        size_t at = sizeof(signin_prefix); /* with its NUL */

        *len = 0;
        if ((unsigned)decision > AK_SIGNIN_REPORT)
                return ak__fail(AK_ERR_INVALID, "sign-in: unknown decision");
        if (decision == AK_SIGNIN_APPROVE) {
                if (number < AK_SIGNIN_NUMBER_MIN || number > AK_SIGNIN_NUMBER_MAX)
                        return ak__fail(AK_ERR_INVALID,
                                        "sign-in: the number is two digits, 10 to 99");
                snprintf(typed, sizeof(typed), "%u", number);
        }
        snprintf(expires, sizeof(expires), "%" PRId64, c->expires_at);
        memcpy(out, signin_prefix, sizeof(signin_prefix));
        if (put_text(out, &at, c->request_id, AK_SIGNIN_ID_LEN) != 0 ||
            put_field(out, &at, c->nonce, sizeof(c->nonce)) != 0 ||
            put_text(out, &at, c->origin, AK_SIGNIN_ORIGIN_MAX) != 0 ||
            put_text(out, &at, c->account, AK_SIGNIN_ACCOUNT_MAX) != 0 ||
            put_text(out, &at, c->from, AK_SIGNIN_FROM_MAX) != 0 ||
            put_text(out, &at, c->app, AK_SIGNIN_APP_MAX) != 0 ||
            put_text(out, &at, expires, sizeof(expires)) != 0 ||
            put_text(out, &at, device_id, AK_DEVICE_ID_LEN) != 0 ||
            put_text(out, &at, ak_signin_decision_name(decision), 16) != 0 ||
            put_text(out, &at, typed, 2) != 0) {
                sodium_memzero(out, AK_SIGNIN_MESSAGE_MAX);
                return ak__fail(AK_ERR_INVALID, "sign-in: a field of the request is too long");
        }
        *len = at;
        return AK_OK;
}

enum ak_err ak_signin_sign(unsigned char sig[AK_DEVICE_SIG_BYTES], const struct ak_vault *vault,
                           const struct ak_signin_challenge *c, enum ak_signin_decision decision,
                           unsigned number)
{
        return ak_signin_sign_as(sig, vault, NULL, c, decision, number);
}

enum ak_err ak_signin_sign_as(unsigned char sig[AK_DEVICE_SIG_BYTES], const struct ak_vault *vault,
                              const char *device_id, const struct ak_signin_challenge *c,
                              enum ak_signin_decision decision, unsigned number)
{
        unsigned char msg[AK_SIGNIN_MESSAGE_MAX];
        size_t len;
        enum ak_err err = ak_signin_message(
            msg, &len, c, device_id != NULL ? device_id : ak_vault_device_id(vault), decision,
            number);
        if (err == AK_OK)
                err = ak_vault_device_sign(vault, sig, msg, len);
        return err;
}

enum ak_err ak_signin_verify(const unsigned char sig[AK_DEVICE_SIG_BYTES],
                             const unsigned char pk[AK_DEVICE_PK_BYTES],
                             const struct ak_signin_challenge *c, const char *device_id,
                             enum ak_signin_decision decision, unsigned number)
{
        unsigned char msg[AK_SIGNIN_MESSAGE_MAX];
        size_t len;
        enum ak_err err = ak_signin_message(msg, &len, c, device_id, decision, number);
        if (err != AK_OK)
                return err;
        if (crypto_sign_verify_detached(sig, msg, len, pk) != 0)
                return ak__fail(AK_ERR_AUTH, "sign-in: the signature does not match");
        return AK_OK;
}

/* ---- the device header ---- */

/* The bytes the header signs, in `out` (freed by the caller with ak__buf_free). */
static enum ak_err device_message(struct ak__buf *out, const char *method, const char *path,
                                  int64_t at, const char *nonce, const void *body, size_t body_len)
{
        unsigned char hash[32];
        char hex[2 * sizeof(hash) + 1];

        if (method == NULL || path == NULL || strpbrk(method, "\n") != NULL ||
            strpbrk(path, "\n") != NULL)
                return ak__fail(AK_ERR_INVALID, "device header: no method or path");
        crypto_generichash(hash, sizeof(hash), body_len > 0 ? body : NULL, body_len, NULL, 0);
        sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
        ak__buf_fmt(out, "%s%s\n%s\n%" PRId64 "\n%s\n%s", device_prefix, method, path, at, nonce,
                    hex);
        if (out->failed)
                return ak__fail(AK_ERR_NOMEM, "device header: out of memory");
        return AK_OK;
}

enum ak_err ak_device_auth_make(char out[AK_DEVICE_AUTH_MAX], const struct ak_vault *vault,
                                const char *method, const char *path, const void *body,
                                size_t body_len, int64_t now)
{
        return ak_device_auth_make_as(out, vault, NULL, method, path, body, body_len, now);
}

enum ak_err ak_device_auth_make_as(char out[AK_DEVICE_AUTH_MAX], const struct ak_vault *vault,
                                   const char *device_id, const char *method, const char *path,
                                   const void *body, size_t body_len, int64_t now)
{
        unsigned char raw[AK_DEVICE_NONCE_BYTES], sig[AK_DEVICE_SIG_BYTES];
        char nonce[AK_DEVICE_NONCE_LEN + 1],
            sig64[sodium_base64_ENCODED_LEN(AK_DEVICE_SIG_BYTES,
                                            sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
        struct ak__buf msg = {0};

        out[0] = '\0';
        randombytes_buf(raw, sizeof(raw));
        sodium_bin2base64(nonce, sizeof(nonce), raw, sizeof(raw),
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        enum ak_err err = device_message(&msg, method, path, now, nonce, body, body_len);
        if (err == AK_OK)
                err = ak_vault_device_sign(vault, sig, (const unsigned char *)msg.data, msg.len);
        ak__buf_free(&msg);
        if (err != AK_OK)
                return err;
        sodium_bin2base64(sig64, sizeof(sig64), sig, sizeof(sig),
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        int n =
            snprintf(out, AK_DEVICE_AUTH_MAX, "Device %s.%" PRId64 ".%s.%s",
                     device_id != NULL ? device_id : ak_vault_device_id(vault), now, nonce, sig64);
        if (n < 0 || n >= AK_DEVICE_AUTH_MAX) {
                out[0] = '\0';
                return ak__fail(AK_ERR_INVALID, "device header: too long");
        }
        return AK_OK;
}

/* The length of the run of characters of `set` at `s`. */
static size_t run_of(const char *s, const char *set)
{
        return strspn(s, set);
}

enum ak_err ak_device_auth_parse(struct ak_device_auth *out, const char *value)
{
        static const char hex[] = "0123456789abcdef";
        static const char b64url[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        const char *p = value;
        size_t n, sig_len;

        memset(out, 0, sizeof(*out));
        if (p == NULL || strncmp(p, "Device ", 7) != 0)
                return ak__fail(AK_ERR_INVALID, "device header: not \"Device ...\"");
        p += 7;
        if (run_of(p, hex) != AK_DEVICE_ID_LEN || p[AK_DEVICE_ID_LEN] != '.')
                return ak__fail(AK_ERR_INVALID,
                                "device header: the device id is not 32 hex digits");
        memcpy(out->device_id, p, AK_DEVICE_ID_LEN);
        p += AK_DEVICE_ID_LEN + 1;
        n = run_of(p, "0123456789");
        if (n == 0 || n > 12 || p[n] != '.' || (n > 1 && p[0] == '0'))
                return ak__fail(AK_ERR_INVALID, "device header: the time is not unix seconds");
        for (size_t i = 0; i < n; i++)
                out->at = out->at * 10 + (p[i] - '0');
        p += n + 1;
        if (run_of(p, b64url) != AK_DEVICE_NONCE_LEN || p[AK_DEVICE_NONCE_LEN] != '.')
                return ak__fail(AK_ERR_INVALID, "device header: the nonce is not 16 bytes");
        memcpy(out->nonce, p, AK_DEVICE_NONCE_LEN);
        p += AK_DEVICE_NONCE_LEN + 1;
        n = run_of(p, b64url);
        if (p[n] != '\0' ||
            sodium_base642bin(out->sig, sizeof(out->sig), p, n, NULL, &sig_len, NULL,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
            sig_len != sizeof(out->sig)) {
                memset(out, 0, sizeof(*out));
                return ak__fail(AK_ERR_INVALID, "device header: the signature is not 64 bytes");
        }
        return AK_OK;
}

enum ak_err ak_device_auth_verify(const struct ak_device_auth *a,
                                  const unsigned char pk[AK_DEVICE_PK_BYTES], const char *method,
                                  const char *path, const void *body, size_t body_len)
{
        struct ak__buf msg = {0};
        enum ak_err err = device_message(&msg, method, path, a->at, a->nonce, body, body_len);
        if (err == AK_OK &&
            crypto_sign_verify_detached(a->sig, (const unsigned char *)msg.data, msg.len, pk) != 0)
                err = ak__fail(AK_ERR_AUTH, "device header: the signature does not match");
        ak__buf_free(&msg);
        return err;
}
