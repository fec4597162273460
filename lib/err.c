/*
 * Error sentences and the per-thread detail of the last failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/authkeep.h"
#include "internal.h"

static const char *const messages[AK_ERR__COUNT] = {
    [AK_OK] = "success",
    [AK_ERR_NOMEM] = "out of memory",
    [AK_ERR_INVALID] = "invalid input",
    [AK_ERR_IO] = "input/output error",
    [AK_ERR_NOT_FOUND] = "not found",
    [AK_ERR_EXISTS] = "already exists",
    [AK_ERR_AMBIGUOUS] = "more than one account matches",
    [AK_ERR_LIMIT] = "over a size or count limit",
    [AK_ERR_CRYPTO] = "a cryptographic operation failed",
    [AK_ERR_INTERNAL] = "internal error",
    [AK_ERR_UNSUPPORTED] = "not supported",
    [AK_ERR_BASE32] = "not valid base32",
    [AK_ERR_URI] = "malformed otpauth URI",
    [AK_ERR_OTP_PARAM] = "OTP parameter out of range",
    [AK_ERR_VAULT_MISSING] = "no vault here",
    [AK_ERR_VAULT_EXISTS] = "a vault exists here already",
    [AK_ERR_PASSPHRASE] = "wrong passphrase",
    [AK_ERR_VAULT_TRUNCATED] = "the vault file is truncated",
    [AK_ERR_VAULT_TAMPERED] = "the vault file was modified or damaged (authentication failed)",
    [AK_ERR_VAULT_CORRUPT] = "the file is not an Authkeep vault",
    [AK_ERR_VAULT_VERSION] = "the vault was written by a newer version of Authkeep",
    [AK_ERR_LOCKED] = "the vault is locked",
    [AK_ERR_KEYRING] = "the kernel keyring refused the request",
    [AK_ERR_FORMAT] = "the file is not in the expected format",
    [AK_ERR_IMPORT_PASSWORD] = "wrong password for the encrypted export",
    [AK_ERR_NO_QR] = "no QR code found in the image",
    [AK_ERR_IMAGE] = "the image cannot be read",
    [AK_ERR_UNREADABLE_ENTRY] = "some entries could not be read",
    [AK_ERR_NETWORK] = "the server cannot be reached",
    [AK_ERR_HTTP] = "the server answered with an error",
    [AK_ERR_PROTOCOL] = "the server's answer is malformed",
    [AK_ERR_INSECURE] =
        "refusing plain HTTP to a host that is not loopback (use https:// or --insecure)",
    [AK_ERR_AUTH] = "wrong password or unknown email",
    [AK_ERR_SESSION_EXPIRED] = "the session has expired: sign in again",
    [AK_ERR_RATE_LIMITED] = "too many attempts: retry later",
    [AK_ERR_NEWER_BACKUP] = "a newer backup exists",
    [AK_ERR_BACKUP_DELETED] = "the backup was deleted on the server",
    [AK_ERR_NO_BACKUP] = "the recovery account holds no backup",
    [AK_ERR_BACKUP_TAMPERED] = "the backup was modified or damaged (authentication failed)",
    [AK_ERR_ACCOUNT_EXISTS] = "a recovery account with this email exists already",
    [AK_ERR_CONFLICT] = "accounts already on this device are in the way; nothing was changed",
    [AK_ERR_BACKUP_OFF] = "backup is off",
    [AK_ERR_VAULT_CHANGED] = "the vault was changed by another command since it was opened; "
                             "nothing was saved: try again",
    [AK_ERR_UNKNOWN_ACCOUNT] = "no recovery account with this email on the server",
    [AK_ERR_SERVER] = "the server failed; it may work again later",
    [AK_ERR_TIMEOUT] = "the server did not answer in time",
    [AK_ERR_ACCOUNT_DELETED] = "the recovery account was deleted",
};

static _Thread_local char detail[512];

const char *ak_strerror(enum ak_err err)
{
        if ((unsigned)err >= AK_ERR__COUNT || messages[err] == NULL)
                return "unknown error";
        return messages[err];
}

const char *ak_error_detail(void)
{
        return detail;
}

void ak_error_clear(void)
{
        detail[0] = '\0';
}

enum ak_err ak__fail(enum ak_err err, const char *fmt, ...)
{
        va_list ap;

        if (fmt == NULL) {
                detail[0] = '\0';
                return err;
        }
        va_start(ap, fmt);
        vsnprintf(detail, sizeof(detail), fmt, ap);
        va_end(ap);
        return err;
}

char *ak__strdup(const char *s)
{
        return s == NULL ? NULL : strdup(s);
}

char *ak__strndup(const char *s, size_t n)
{
        return s == NULL ? NULL : strndup(s, n);
}

void ak__free_secret_str(char *s)
{
        if (s == NULL)
                return;
        sodium_memzero(s, strlen(s));
        free(s);
}

void ak__free_secret(void *p, size_t len)
{
        if (p == NULL)
                return;
        sodium_memzero(p, len);
        free(p);
}

void ak_secret_free(void *p, size_t len)
{
        ak__free_secret(p, len);
}

void ak_secret_free_str(char *s)
{
        ak__free_secret_str(s);
}

void ak__random_hex(char *out, size_t nbytes)
{
        unsigned char buf[64];

        if (nbytes > sizeof(buf))
                nbytes = sizeof(buf);
        randombytes_buf(buf, nbytes);
        sodium_bin2hex(out, nbytes * 2 + 1, buf, nbytes);
}

enum ak_err ak_init(void)
{
        if (sodium_init() < 0)
                return ak__fail(AK_ERR_CRYPTO, "libsodium could not be initialised");
        return AK_OK;
}
