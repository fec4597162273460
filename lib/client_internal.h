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
#include "authkeep/srp.h"
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
#endif
