/*
 * One error enum across libauthkeep. Every fallible public function returns
 * an enum ak_err (AK_OK is 0). The library never prints: ak_strerror() gives
 * a fixed sentence for a code, and ak_error_detail() the detail the library
 * recorded for the last failure in the calling thread (which field, which
 * entry), never a secret.
 */
#ifndef AUTHKEEP_ERR_H
#define AUTHKEEP_ERR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum ak_err {
        AK_OK = 0,

        /* general */
        AK_ERR_NOMEM,       /* out of memory */
        AK_ERR_INVALID,     /* bad argument or bad input */
        AK_ERR_IO,          /* a file or folder could not be read or written */
        AK_ERR_NOT_FOUND,   /* no such account, file or record */
        AK_ERR_EXISTS,      /* it exists already */
        AK_ERR_AMBIGUOUS,   /* a query matches more than one account */
        AK_ERR_LIMIT,       /* a size or count is over its cap */
        AK_ERR_CRYPTO,      /* a cryptographic primitive failed */
        AK_ERR_INTERNAL,    /* should not happen */
        AK_ERR_UNSUPPORTED, /* a valid but unsupported feature or version */

        /* OTP core: base32, codes, otpauth:// URIs */
        AK_ERR_BASE32,    /* not base32 */
        AK_ERR_URI,       /* malformed otpauth:// URI */
        AK_ERR_OTP_PARAM, /* digits, period, algorithm or counter out of range */

        /* the vault */
        AK_ERR_VAULT_MISSING,   /* no vault at this place: run init */
        AK_ERR_VAULT_EXISTS,    /* a vault is there already */
        AK_ERR_PASSPHRASE,      /* wrong passphrase */
        AK_ERR_VAULT_TRUNCATED, /* the file is shorter than its format says */
        AK_ERR_VAULT_TAMPERED,  /* authentication failed: the file was changed */
        AK_ERR_VAULT_CORRUPT,   /* the file is not a vault */
        AK_ERR_VAULT_VERSION,   /* written by a newer Authkeep */
        AK_ERR_LOCKED,          /* the key is not in the keyring */
        AK_ERR_KEYRING,         /* the kernel keyring refused */

        /* imports, exports, QR images */
        AK_ERR_FORMAT,           /* the file is not in the expected format */
        AK_ERR_IMPORT_PASSWORD,  /* wrong password for an encrypted export */
        AK_ERR_NO_QR,            /* no QR code in the image */
        AK_ERR_IMAGE,            /* the image cannot be read */
        AK_ERR_UNREADABLE_ENTRY, /* some entries could not be read */

        /* network, server, backup, recovery */
        AK_ERR_NETWORK,         /* the server cannot be reached */
        AK_ERR_HTTP,            /* the server answered with an unexpected status */
        AK_ERR_PROTOCOL,        /* the server's answer is malformed */
        AK_ERR_INSECURE,        /* plain HTTP to a host that is not loopback */
        AK_ERR_AUTH,            /* wrong password or unknown email */
        AK_ERR_SESSION_EXPIRED, /* the session expired or was revoked */
        AK_ERR_RATE_LIMITED,    /* too many attempts: retry later */
        AK_ERR_NEWER_BACKUP,    /* another device uploaded a newer backup */
        AK_ERR_BACKUP_DELETED,  /* the backup was deleted on the server */
        AK_ERR_NO_BACKUP,       /* the recovery account holds no backup */
        AK_ERR_BACKUP_TAMPERED, /* a backup failed authentication */
        AK_ERR_ACCOUNT_EXISTS,  /* the recovery account exists already */
        AK_ERR_CONFLICT,        /* accounts in the way: nothing changed */
        AK_ERR_BACKUP_OFF,      /* backup is not on */
        AK_ERR_VAULT_CHANGED,   /* another process saved the vault since it was opened */
        AK_ERR_UNKNOWN_ACCOUNT, /* no recovery account with this email */
        AK_ERR_SERVER,          /* the server failed (HTTP 5xx): trying again later may work */
        AK_ERR_TIMEOUT,         /* the server took the connection but did not answer in time */
        AK_ERR_ACCOUNT_DELETED, /* the recovery account was deleted (kept for a grace period) */

        AK_ERR__COUNT
};

/* A fixed sentence for `err`; never NULL. */
const char *ak_strerror(enum ak_err err);

/*
 * The detail recorded for the last failure in this thread ("digits: 9 is
 * outside 6..8"), or "" when there is none. Valid until the next library
 * call in this thread.
 */
const char *ak_error_detail(void);

/* Forgets the recorded detail. */
void ak_error_clear(void);

/*
 * Wipes `len` bytes at `p` and frees it: the free function of every secret
 * buffer the library hands out without a free function of its own (a
 * backup payload, a recovery code). Accepts NULL.
 */
void ak_secret_free(void *p, size_t len);
/* The same for a NUL-terminated secret string; accepts NULL. */
void ak_secret_free_str(char *s);

#ifdef __cplusplus
}
#endif
#endif
