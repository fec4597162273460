/*
 * The server client: the device's side of authkeepd's HTTP API
 * (docs/api.md). It creates a recovery account, signs in with SRP-6a,
 * uploads and downloads backups, and maps every answer of the server to
 * one enum ak_err. The password, the login key, the wrap key and the backup
 * key never leave the device; the server sees only the SRP exchange and
 * ciphertext.
 *
 * A client is not thread-safe; use one per thread. The library never
 * prints: what went wrong is in the returned code and ak_error_detail()
 * (which may quote the server's sentence, never a secret).
 */
#ifndef AUTHKEEP_CLIENT_H
#define AUTHKEEP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "authkeep/backup.h"
#include "authkeep/err.h"
#include "authkeep/kdf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Caps on an answer's body (the largest envelope in base64, with its JSON) and on a backup
 * envelope. */
#define AK_CLIENT_BODY_MAX ((size_t)24 << 20)
#define AK_CLIENT_ENVELOPE_MAX AK_BACKUP_ENVELOPE_MAX
#define AK_CLIENT_TEXT_MAX 255      /* cap on an id or name the server sends */
#define AK_CLIENT_TOKEN_MAX 255     /* cap on a session token */
#define AK_CLIENT_VERSIONS_MAX 1000 /* cap on the versions list */

struct ak_client;

/*
 * Checks a server URL: http:// or https:// with a host. Plain http:// is
 * refused (AK_ERR_INSECURE) unless the host is loopback (localhost,
 * 127.0.0.0/8, ::1) or `insecure` is set. AK_ERR_INVALID for anything else.
 */
enum ak_err ak_client_check_url(const char *url, bool insecure);

/* The time one call may take when the options say nothing (connect plus answer). */
#define AK_CLIENT_TIMEOUT_MS_DEFAULT 60000u

/*
 * One HTTP exchange, as a client hands it to its transport. The client
 * fills the request; on AK_OK the transport fills the answer.
 */
struct ak_http_exchange {
        const char *method; /* "GET", "POST", "PUT", "DELETE" */
        const char *url;    /* the whole URL */
        const char *bearer; /* the session token for "Authorization: Bearer", or NULL */
        /* Without a bearer: the whole value of an Authorization header ("Device ..."), or NULL. */
        const char *authorization;
        const char *body;    /* a JSON body, or NULL */
        size_t body_len;     /* its bytes */
        const char *ca_file; /* CA bundle that verifies the server, or NULL: the system's */
        long timeout_ms;     /* the whole exchange, connect plus answer */
        /* Called now and then while the exchange waits (for "waiting for the server"). */
        void (*tick)(void *tick_ctx);
        void *tick_ctx;

        long status;       /* the HTTP status */
        long retry_after;  /* from a Retry-After header, 0 when none */
        char *answer;      /* the body, NUL-terminated, at most AK_CLIENT_BODY_MAX bytes: */
        size_t answer_len; /* malloc'd; the client wipes and frees it */
        char detail[256];  /* on failure: what went wrong, in words (never a secret) */
};

/*
 * A transport makes one exchange. It returns AK_OK with the answer (of any
 * status), or an error with `detail` filled: AK_ERR_NETWORK (the server cannot be
 * reached, its certificate is not trusted), AK_ERR_TIMEOUT (no answer in
 * `timeout_ms`), AK_ERR_PROTOCOL (an answer over AK_CLIENT_BODY_MAX),
 * AK_ERR_NOMEM. It must not keep the bearer token.
 */
typedef enum ak_err (*ak_http_transport)(void *ctx, struct ak_http_exchange *exchange);

/*
 * The transport over libcurl, in this process (ctx unused). Only programs
 * that call it link libcurl; a program that wants to start quickly can
 * give a transport of its own, such as one that runs a helper program.
 */
enum ak_err ak_http_curl(void *ctx, struct ak_http_exchange *exchange)
    __attribute__((warn_unused_result));

/*
 * How a client talks to its server; zero-initialise and set what differs.
 * The library reads no environment: a program that honours a variable
 * (AUTHKEEP_CA_FILE, AUTHKEEP_KDF_COST) reads it and fills these in.
 */
struct ak_client_options {
        const char *ca_file;       /* CA bundle that verifies the server; NULL: the system's */
        bool insecure;             /* allow plain http:// to a host that is not loopback */
        unsigned timeout_ms;       /* one call, connect plus answer; 0: the default above */
        enum ak_kdf_cost kdf_cost; /* cost of the recovery secrets this client makes */
        /*
         * Called once when a call has been waiting for more than a second
         * (a program may say "waiting for the server"); may be NULL. The
         * library never prints.
         */
        void (*waiting)(void *ctx);
        void *ctx;
        /* How requests travel: required (ak_http_curl, or the program's own). */
        ak_http_transport transport;
        void *transport_ctx;
};

/*
 * A client of the server at `url` (checked with ak_client_check_url and
 * options->insecure; a trailing slash is ignored). `options` is copied and
 * must name a transport (AK_ERR_INVALID otherwise). *out is freed with
 * ak_client_free().
 */
enum ak_err ak_client_new(struct ak_client **out, const char *url,
                          const struct ak_client_options *options)
    __attribute__((warn_unused_result));

/* Wipes the session token and frees; accepts NULL. */
void ak_client_free(struct ak_client *client);

/* The session token used on authenticated calls (copied; NULL forgets it). */
enum ak_err ak_client_set_token(struct ak_client *client, const char *token);
/* The current session token, or NULL. Owned by the client. */
const char *ak_client_token(const struct ak_client *client);

/* Seconds the server asked to wait after AK_ERR_RATE_LIMITED (0 when it said nothing). */
long ak_client_retry_after(const struct ak_client *client);

/* GET /healthz: AK_OK when the server answers. */
enum ak_err ak_client_health(struct ak_client *client) __attribute__((warn_unused_result));

/* A session, as a sign-in gives it. */
struct ak_session {
        char token[AK_CLIENT_TOKEN_MAX + 1];
        char account_id[AK_CLIENT_TEXT_MAX + 1]; /* the recovery account's id */
        int64_t expires_at;                      /* unix seconds, 0 when unknown */
        unsigned char backup_key[AK_BACKUP_KEY_BYTES];
};

/* Wipes a session (its token and backup key). */
void ak_session_wipe(struct ak_session *session);

/*
 * Creates the recovery account `email` (lower-cased) protected by
 * `password`: derives the keys (Argon2id at the options' kdf_cost),
 * makes a random backup key and a one-time recovery code, and sends only
 * salts, verifiers and wrapped keys. *recovery_code (malloc'd; wipe it with
 * sodium_memzero, then free) is to be shown to the user once.
 * AK_ERR_ACCOUNT_EXISTS when the email is taken.
 */
enum ak_err ak_client_create_account(struct ak_client *client, const char *email,
                                     const char *password, size_t password_len,
                                     char **recovery_code) __attribute__((warn_unused_result));

/*
 * Signs in with SRP-6a, with the password, or (`with_recovery_code`) with
 * the recovery code, verifies the server's proof, and unwraps the backup
 * key. On success *session is filled and the client uses its token.
 * Distinct errors: AK_ERR_UNKNOWN_ACCOUNT, AK_ERR_AUTH (wrong password or
 * code), AK_ERR_RATE_LIMITED (see ak_client_retry_after), AK_ERR_NETWORK.
 */
enum ak_err ak_client_sign_in(struct ak_client *client, struct ak_session *session,
                              const char *email, const char *secret, size_t secret_len,
                              bool with_recovery_code) __attribute__((warn_unused_result));

/*
 * Sets a new password (signed in): new salt, verifier, and the backup key
 * re-wrapped under the new wrap key. The server also wants a fresh proof
 * of the current password, or of the recovery code when
 * `current_is_recovery_code` (`current`, as ak_client_sign_in takes it):
 * a session token alone changes nothing. Backups stay as they are; the
 * server revokes every other session. When `recovery_code` is not NULL a
 * new recovery code replaces the old one and *recovery_code (malloc'd,
 * free with a wipe) is to be shown once; else, with a proof of the
 * recovery code (or in a session signed in with it), the used code is
 * removed. AK_ERR_AUTH when `current` is wrong; nothing changes then.
 */
enum ak_err ak_client_change_password(struct ak_client *client, const char *email,
                                      const char *current, size_t current_len,
                                      bool current_is_recovery_code, const char *password,
                                      size_t password_len,
                                      const unsigned char backup_key[AK_BACKUP_KEY_BYTES],
                                      char **recovery_code) __attribute__((warn_unused_result));

/* Signs out: the server revokes this session's token. */
enum ak_err ak_client_sign_out(struct ak_client *client);

/* One backup version as the server describes it. */
struct ak_backup_info {
        uint64_t version;
        char device_id[AK_CLIENT_TEXT_MAX + 1];
        char device_name[AK_CLIENT_TEXT_MAX + 1];
        int64_t created_at; /* unix seconds */
        uint64_t size;      /* bytes of the envelope, when listed */
        /*
         * For a deleted backup or account (created_at is then when it was
         * deleted): until when it can be brought back, 0 when it was purged
         * (or the server did not say).
         */
        int64_t restorable_until;
};

struct ak_backup_versions {
        struct ak_backup_info *items; /* newest first as the server lists them */
        size_t count;
        bool deleted; /* every version was deleted on the server */
        struct ak_backup_info
            deleted_by; /* when deleted: the device that did it, created_at = when */
        /* When deleted: the versions kept for the grace period, newest first. */
        struct ak_backup_info *deleted_items;
        size_t deleted_count;
};

/* Frees the list; accepts NULL. */
void ak_backup_versions_clear(struct ak_backup_versions *versions);

/* The versions kept on the server. */
enum ak_err ak_client_backup_versions(struct ak_client *client, struct ak_backup_versions *out)
    __attribute__((warn_unused_result));

/*
 * Seals `payload` (ak_vault_backup_payload) under the backup key as version
 * replaces_version + 1 of account `account_id` and uploads it stating that
 * it replaces `replaces_version` (0 when there is none). On success *info
 * holds the new version. When another device uploaded since,
 * AK_ERR_NEWER_BACKUP and *info describes the newer backup; nothing was
 * overwritten.
 */
enum ak_err ak_client_backup_upload(struct ak_client *client, struct ak_backup_info *info,
                                    const unsigned char backup_key[AK_BACKUP_KEY_BYTES],
                                    const char *account_id, uint64_t replaces_version,
                                    const char *device_id, const char *device_name,
                                    const char *payload, size_t payload_len)
    __attribute__((warn_unused_result));

/*
 * Downloads backup `version` (0: the latest) and opens it with the backup
 * key. *payload (NUL-terminated, holds secrets: free with
 * ak_backup_plaintext_free((unsigned char *)p, len)) and *info are set on
 * success.
 * AK_ERR_NO_BACKUP, AK_ERR_BACKUP_DELETED (*info names who deleted it and
 * when), AK_ERR_BACKUP_TAMPERED when it fails authentication.
 */
enum ak_err ak_client_backup_download(struct ak_client *client, struct ak_backup_info *info,
                                      char **payload, size_t *payload_len,
                                      const unsigned char backup_key[AK_BACKUP_KEY_BYTES],
                                      const char *account_id, uint64_t version)
    __attribute__((warn_unused_result));

/* Deletes every backup version on the server, naming the device that does it (may be NULL). */
enum ak_err ak_client_backup_delete(struct ak_client *client, const char *device_id,
                                    const char *device_name) __attribute__((warn_unused_result));

/* ---- deleting and bringing back (lib/client_lifecycle.c; docs/api.md) ---- */

/* What a delete did. */
struct ak_deletion {
        int64_t deleted_at;
        bool purged;              /* gone at once (--now) */
        int64_t restorable_until; /* kept until then (0 when purged) */
        /* An account's: its email cannot make a new recovery account until then. */
        int64_t email_reserved_until;
        uint64_t versions; /* a backup's: the versions kept */
};

/*
 * Deletes every backup version. With `now` they are purged at once, which
 * the server allows only with a fresh proof of `email`'s password (given
 * here; a session alone is refused); otherwise they are kept for the
 * server's grace period (`password` may then be NULL). *out says which.
 */
enum ak_err ak_client_backup_delete_ex(struct ak_client *client, const char *device_id,
                                       const char *device_name, bool now, const char *email,
                                       const char *password, size_t password_len,
                                       struct ak_deletion *out) __attribute__((warn_unused_result));

/*
 * Brings a deleted backup back (every version kept); *latest is the latest.
 * AK_ERR_CONFLICT when it is not deleted (or was uploaded again since),
 * AK_ERR_NOT_FOUND when it was purged.
 */
enum ak_err ak_client_backup_undelete(struct ak_client *client, uint64_t *latest)
    __attribute__((warn_unused_result));

/*
 * Downloads version `version` (0: the latest) of a deleted backup still
 * kept, and opens it, as ak_client_backup_download does.
 */
enum ak_err ak_client_backup_download_deleted(struct ak_client *client, struct ak_backup_info *info,
                                              char **payload, size_t *payload_len,
                                              const unsigned char backup_key[AK_BACKUP_KEY_BYTES],
                                              const char *account_id, uint64_t version)
    __attribute__((warn_unused_result));

/*
 * Deletes the recovery account (signed in): kept for the grace period, or
 * with `now` purged at once. Both need a fresh proof of `email`'s password.
 * Every session of the account ends.
 */
enum ak_err ak_client_account_delete(struct ak_client *client, const char *device_id,
                                     const char *device_name, bool now, const char *email,
                                     const char *password, size_t password_len,
                                     struct ak_deletion *out) __attribute__((warn_unused_result));

/*
 * Signs in as ak_client_sign_in does, through POST /v1/account/undelete:
 * a deleted account is brought back within its grace period (*restored).
 * A plain sign-in to a deleted account fails with AK_ERR_ACCOUNT_DELETED
 * (and ak_client_deleted() says who deleted it, when, and until when it
 * can be brought back).
 */
enum ak_err ak_client_account_undelete(struct ak_client *client, struct ak_session *session,
                                       const char *email, const char *password, size_t password_len,
                                       bool *restored) __attribute__((warn_unused_result));

/* After AK_ERR_ACCOUNT_DELETED: who deleted the account, when, and until when it is kept. */
const struct ak_backup_info *ak_client_deleted(const struct ak_client *client);

#ifdef __cplusplus
}
#endif
#endif
