/*
 * What the parsers of request bodies share (request.c, request_verify.c):
 * the fields every kind of body has, each checked with the same words.
 * Each returns 0 (or the value) with the field in `out`, or -1 (NULL) with
 * a 400 bad_request in `e`.
 */
#ifndef AUTHKEEPD_REQUEST_FIELDS_H
#define AUTHKEEPD_REQUEST_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <jansson.h>

#include "server.h"

/*
 * Parses the body as a JSON object, runs `fill` on it with a zeroed request
 * of *out's type, frees the object, and returns fill's result: *out is
 * written only when `fill` succeeds.
 */
#define PARSE_OBJECT(out, body, len, e, fill)                                                      \
        do {                                                                                       \
                __typeof__(*(out)) req_;                                                           \
                json_t *root = akd_parse_json_object(body, len, e);                                \
                if (root == NULL)                                                                  \
                        return -1;                                                                 \
                memset(&req_, 0, sizeof(req_));                                                    \
                int rc_ = fill(&req_, root, e);                                                    \
                json_decref(root);                                                                 \
                if (rc_ == 0)                                                                      \
                        *(out) = req_;                                                             \
                return rc_;                                                                        \
        } while (0)

/*
 * The string field `key` of `obj`: NULL when missing (a 400 only when
 * `required`; *absent, which may be NULL, tells), not a string, or longer
 * than `max` bytes.
 */
const char *akd_json_string(json_t *obj, const char *key, size_t max, bool required,
                            struct akd_error *e, bool *absent);
/* "device_id": 32 lower-case hex characters. */
int akd_json_device_id(char out[AK_DEVICE_ID_LEN + 1], json_t *obj, struct akd_error *e);
/* "code": six digits. */
int akd_json_code(char out[7], json_t *obj, struct akd_error *e);
/* "proof": a sign-in's login_id, A and M1, optional (*has tells). */
int akd_json_proof(struct akd_auth_finish_req *out, bool *has, json_t *obj, struct akd_error *e);

#endif
