/*
 * What the files of the server client share (lib/client_http.c,
 * client_answers.c, client_auth.c, client_backup.c) and the parsers of the
 * server's answers, which tests and fuzz targets reach through lib/. Not
 * installed, not part of the public API.
 */
#ifndef AUTHKEEP_CLIENT_INTERNAL_H
#define AUTHKEEP_CLIENT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "authkeep/backup.h"
#include "authkeep/client.h"
#include "authkeep/device.h"
#include "authkeep/srp.h"
#include "authkeep/verify.h"
#include "internal.h"

/*
 * One call to the server (lib/client_http.c): `method` to the base URL +
 * `path`, with `request` (may be NULL) as the JSON body and, when `auth`,
 * the session token. A status outside 2xx is mapped by
 * ak_client_parse_error (filling *info, when not NULL, for answers that
 * describe a backup). On AK_OK `answer` (when not NULL) holds the body,
 * NUL-terminated; the caller frees it with ak__buf_free. AK_ERR_NETWORK
 * when the server cannot be reached or does not answer in time.
 */
enum ak_err ak__client_call(struct ak_client *c, const char *method, const char *path,
                            json_t *request, bool auth, struct ak__buf *answer,
                            struct ak_backup_info *info) AK__WUR;

/*
 * One exchange whatever its status (for calls whose refusals carry their
 * own meaning, lib/client_devices.c): as ak__client_call, with the session
 * token when `auth`, or signed with the device header of `device` at
 * `now` when `device` is not NULL. On AK_OK *status is the HTTP status and
 * `answer` holds the body, NUL-terminated (free it with ak__buf_free).
 */
enum ak_err ak__client_exchange(struct ak_client *c, const char *method, const char *path,
                                json_t *request, bool auth, const struct ak_vault *device,
                                int64_t now, long *status, struct ak__buf *answer) AK__WUR;

/*
 * Gives the calls from now on `budget_ms` in total (connect plus answers,
 * over every call), on top of each call's own timeout; 0 removes the
 * budget. The `waiting` callback of the options is called at most once per
 * budget. Used by lib/sync.c so that a change waits a bounded time.
 */
void ak__client_budget(struct ak_client *c, unsigned budget_ms);

/*
 * A request body over `max_bytes` is refused on the device, without being
 * sent, as the server would refuse it (AK_ERR_LIMIT); 0 removes the cap.
 * lib/sync.c sets it from the server's last 413 so that a backup known to
 * be too large is not sent again by every change.
 */
void ak__client_body_cap(struct ak_client *c, uint64_t max_bytes);

/*
 * After AK_ERR_LIMIT from a call (the server's 413, or the cap above): the
 * bytes of the body refused and the most the server takes (0 when it did
 * not say).
 */
void ak__client_too_large(const struct ak_client *c, uint64_t *refused, uint64_t *max_bytes);

/* The cost of the recovery secrets this client makes (its options). */
enum ak_kdf_cost ak__client_kdf_cost(const struct ak_client *c);

/* The standard base64 of `len` bytes as a JSON string; NULL when out of memory. */
json_t *ak__client_b64_json(const unsigned char *bin, size_t len);

/*
 * Fails with `err` and the current detail prefixed by `prefix` and `sep`
 * (the detail is copied first, since ak__fail writes over it).
 */
enum ak_err ak__client_refail(enum ak_err err, const char *prefix, const char *sep);

/*
 * The pieces the parsers share (lib/client_answers.c). ak__answer_object
 * loads a body that must be a JSON object (AK_ERR_PROTOCOL otherwise);
 * ak__answer_text gives a string member of at most `max` bytes without
 * control characters, or NULL; ak__answer_uint a non-negative integer
 * (false when absent or not one); ak__answer_time unix seconds or RFC 3339
 * (0 when absent; false when present but bad); ak__answer_b64_fixed a
 * standard base64 member of exactly `len` bytes.
 */
enum ak_err ak__answer_object(json_t **out, const char *body, size_t len, const char *what) AK__WUR;
const char *ak__answer_text(const json_t *obj, const char *key, size_t max);
bool ak__answer_uint(const json_t *obj, const char *key, uint64_t *out);
bool ak__answer_time(const json_t *obj, const char *key, int64_t *out);
enum ak_err ak__answer_b64_fixed(unsigned char *out, size_t len, const json_t *obj, const char *key,
                                 const char *what) AK__WUR;

/*
 * Parsers of the server's answers, used by the calls above and exposed for
 * tests and fuzzing. Each takes the body as received (not NUL-terminated)
 * and returns AK_ERR_PROTOCOL for anything malformed or over a cap.
 */

/*
 * Maps an error answer (HTTP status and {"error","message","retry_after",...})
 * to an enum ak_err, recording the server's sentence as the detail.
 * *retry_after gets the seconds to wait (0 when none). When the answer
 * describes a backup (409 newer_backup, 410 backup_deleted) and `info` is
 * not NULL, *info is filled.
 */
enum ak_err ak_client_parse_error(long status, const char *body, size_t len, long *retry_after,
                                  struct ak_backup_info *info);

/* {version, device_id, device_name, created_at, envelope}: *envelope is malloc'd. */
enum ak_err ak_client_parse_backup(struct ak_backup_info *info, unsigned char **envelope,
                                   size_t *envelope_len, const char *body, size_t len)
    __attribute__((warn_unused_result));

/* The "max_bytes" of a 413 answer ({"error":"too_large","max_bytes":N}); 0 when absent. */
uint64_t ak_client_parse_max_bytes(const char *body, size_t len);

/* {"versions":[...], "deleted":bool}. Free *out with ak_backup_versions_clear. */
enum ak_err ak_client_parse_versions(struct ak_backup_versions *out, const char *body, size_t len)
    __attribute__((warn_unused_result));

#define AK_CLIENT_LOGIN_ID_MAX 128

/* The server's challenge: the answer of POST /v1/auth/start. */
struct ak_auth_challenge {
        char login_id[AK_CLIENT_LOGIN_ID_MAX + 1];
        struct ak_recovery_kdf kdf; /* checked with ak_recovery_kdf_check */
        unsigned char srp_salt[AK_SRP_SALT_MAX];
        size_t srp_salt_len;
        unsigned char B[AK_SRP_N_BYTES];
        size_t B_len;
};

enum ak_err ak_client_parse_auth_start(struct ak_auth_challenge *out, const char *body, size_t len)
    __attribute__((warn_unused_result));

/*
 * The answer of POST /v1/auth/finish, as received: nothing in it is to be
 * trusted before its proof M2 is checked (ak_srp_client_verify). The token
 * and account id are 1 to their cap of [A-Za-z0-9._-].
 */
struct ak_auth_answer {
        unsigned char M2[AK_SRP_HASH_BYTES];
        char token[AK_CLIENT_TOKEN_MAX + 1];
        char account_id[AK_CLIENT_TEXT_MAX + 1];
        int64_t expires_at;
        struct ak_wrapped_key wrapped_key;
};

enum ak_err ak_client_parse_auth_finish(struct ak_auth_answer *out, const char *body, size_t len)
    __attribute__((warn_unused_result));

/* {version, created_at} of an accepted upload. */
enum ak_err ak_client_parse_upload(struct ak_backup_info *info, const char *body, size_t len)
    __attribute__((warn_unused_result));

/* Parses a time the server sends: unix seconds or RFC 3339 ("2026-11-29T09:30:00Z"). */
enum ak_err ak_client_parse_time(int64_t *out, const char *text);
/* ---- devices and push sign-in (lib/client_devices.c) ---- */

/* {"device_id", "totp_secret", "registered_at"} of POST /v1/devices; the secret is raw. */
struct ak_device_registered {
        char device_id[AK_DEVICE_ID_LEN + 1];
        unsigned char totp_secret[AK_DEVICE_TOTP_BYTES];
        int64_t registered_at;
        bool waits; /* "verified": false: the device waits for verification */
};
enum ak_err ak_client_parse_registered(struct ak_device_registered *out, const char *body,
                                       size_t len) __attribute__((warn_unused_result));

/* {"devices": [{"id","name","registered","last_used"}]}; free *out with ak_device_list_clear. */
enum ak_err ak_client_parse_devices(struct ak_device_list *out, const char *this_device_id,
                                    const char *body, size_t len)
    __attribute__((warn_unused_result));

/* {"requests": [...]}, each filling a struct ak_signin_challenge exactly. */
enum ak_err ak_client_parse_requests(struct ak_signin_requests *out, const char *body, size_t len)
    __attribute__((warn_unused_result));

/* The answer to POST /v1/signin/ID/answer, of any status. */
enum ak_err ak_client_parse_signin_outcome(enum ak_signin_outcome *out, long status,
                                           const char *body, size_t len)
    __attribute__((warn_unused_result));

/*
 * POST /v1/devices for the device of `vault` (signed in) under `device_id`
 * (NULL: the vault's own): *out holds the raw secret (the caller wipes
 * it). AK_ERR_UNSUPPORTED when the server has no such route, AK_ERR_LIMIT
 * with *max_devices for too_many_devices.
 */
enum ak_err ak__client_register_device(struct ak_client *client, const struct ak_vault *vault,
                                       const char *device_id, const char *name,
                                       struct ak_device_registered *out,
                                       uint64_t *max_devices) AK__WUR;

/*
 * A fresh proof of `email`'s password, {login_id, A, M1} in *proof (a new
 * reference), for a call that wants one besides its own credentials.
 */
enum ak_err ak__client_prove(struct ak_client *client, const char *email, const char *secret,
                             size_t secret_len, json_t **proof) AK__WUR;

/*
 * What the server said to a verification call (lib/client_verify.c) of
 * `status` into *out: a success (verified, or a code sent) or a known
 * refusal (AK_OK), or else the failure.
 */
enum ak_err ak_client_parse_verify(struct ak_verify_result *out, long status, const char *body,
                                   size_t len) AK__WUR;
/* {"contacts": [{"kind","value","added_at"}]}; free *out with ak_contact_list_clear. */
enum ak_err ak_client_parse_contacts(struct ak_contact_list *out, const char *body,
                                     size_t len) AK__WUR;

/* The "error" code of a refusal into `code` ("" when none) and its "max_devices" (0 when none). */
void ak_client_parse_error_code(char *code, size_t code_size, uint64_t *max_devices,
                                const char *body, size_t len);

/*
 * The entries of this device on a server's accounts (lib/device.c), for
 * the personal entry and the work entries (lib/client_work.c) alike: the
 * entry of `kind` for (`server`, `email`), named by issuer (the server's
 * URL without a trailing slash) and name (the email, compared
 * case-insensitively); AK_ERR_NOT_FOUND when there is none.
 */
enum ak_err ak__device_entry_find(const struct ak_account_list *accounts, enum ak_account_kind kind,
                                  const char *server, const char *email, size_t *index);
/*
 * A device id derived from the vault's (include/authkeep/work.h): the hex of
 * BLAKE2b-128 keyed with the vault's device id over `tag`, a 0 byte, the
 * server's URL without trailing slashes, a 0 byte and the lower-cased email.
 * AK_ERR_INVALID, the detail starting with `what`, for a bad server or email.
 */
enum ak_err ak__device_derived_id(char out[AK_DEVICE_ID_LEN + 1], const struct ak_vault *vault,
                                  const char *tag, const char *server, const char *email,
                                  const char *what) AK__WUR;
/* `server` without its trailing slashes, into `buf`. False when it does not fit. */
bool ak__device_server_key(char *buf, size_t size, const char *server);
/* `name` cut to AK_DEVICE_NAME_MAX bytes at a character's start; "device" when empty. */
void ak__device_name(char out[AK_DEVICE_NAME_MAX + 1], const char *name);
/* Sets the entry's code: the per-device TOTP secret, SHA1, 6 digits, 30 s. */
enum ak_err ak__device_set_code(struct ak_account *a, const unsigned char *secret) AK__WUR;
/*
 * Gives the entry of `kind` for (server, email) the per-device `secret`,
 * adding it (created at `registered_at`, or now) when there is none;
 * *added tells which. In memory only.
 */
enum ak_err ak__device_entry_store(struct ak_vault *vault, enum ak_account_kind kind,
                                   const char *server, const char *email,
                                   const unsigned char *secret, int64_t registered_at,
                                   bool *added) AK__WUR;

/*
 * ak__client_exchange signed with the device header of `device` under the
 * device id `device_id` (NULL: the vault's own), for an account whose
 * device id is derived (a work account, lib/client_work.c).
 */
enum ak_err ak__client_exchange_as(struct ak_client *c, const char *method, const char *path,
                                   json_t *request, bool auth, const struct ak_vault *device,
                                   const char *device_id, int64_t now, long *status,
                                   struct ak__buf *answer) AK__WUR;
#endif
