/*
 * Parsing and validation of every request body authkeepd accepts
 * (docs/api.md §3). Each parser checks the JSON nesting before jansson builds
 * anything, then every field's type, size and range, and fills a fixed-size
 * struct; nothing a client sends reaches the store unchecked. These functions
 * are what the fuzz targets exercise.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/backup.h"
#include "request_fields.h"
#include "server.h"

int akd_fail(struct akd_error *e, unsigned status, const char *code, const char *fmt, ...)
{
        va_list ap;
        e->status = status;
        e->code = code;
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof(e->message), fmt, ap);
        va_end(ap);
        return -1;
}

void akd_error_clear(struct akd_error *e)
{
        if (e->extra != NULL)
                json_decref(e->extra);
        e->extra = NULL;
}

/*
 * Rejects a body nested deeper than AKD_JSON_DEPTH_MAX by a scan that tracks
 * only strings and brackets, so a hostile "[[[[..." never reaches the parser's
 * recursion. Returns 0 or -1.
 */
static int check_depth(const char *body, size_t len)
{
        unsigned depth = 0;
        bool in_string = false, escaped = false;
        for (size_t i = 0; i < len; i++) {
                char c = body[i];
                if (in_string) {
                        if (escaped)
                                escaped = false;
                        else if (c == '\\')
                                escaped = true;
                        else if (c == '"')
                                in_string = false;
                        continue;
                }
                if (c == '"')
                        in_string = true;
                else if (c == '{' || c == '[') {
                        if (++depth > AKD_JSON_DEPTH_MAX)
                                return -1;
                } else if ((c == '}' || c == ']') && depth > 0)
                        depth--;
        }
        return 0;
}

json_t *akd_parse_json_object(const char *body, size_t len, struct akd_error *e)
{
        if (check_depth(body, len) != 0) {
                akd_fail(e, 400, "bad_json", "the body is nested deeper than %d levels",
                         AKD_JSON_DEPTH_MAX);
                return NULL;
        }
        json_error_t jerr;
        json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
        if (root == NULL) {
                akd_fail(e, 400, "bad_json", "the body is not valid JSON: %.120s (at byte %d)",
                         jerr.text, jerr.position);
                return NULL;
        }
        if (!json_is_object(root)) {
                json_decref(root);
                akd_fail(e, 400, "bad_json", "the body must be a JSON object");
                return NULL;
        }
        return root;
}

/* Field name with an optional prefix ("recovery.kdf.salt") for messages. */
static const char *field_name(char *buf, size_t n, const char *prefix, const char *key)
{
        snprintf(buf, n, "%s%s", prefix, key);
        return buf;
}

/*
 * The member `key` of `obj` when it has the JSON type `type` (`type_name`
 * in the message: "a string"). A missing or null member gives NULL, with a
 * 400 in `e` only when `required`; *absent (may be NULL) tells it apart. A
 * member of another type gives NULL with a 400.
 */
static json_t *get_member(json_t *obj, const char *prefix, const char *key, json_type type,
                          const char *type_name, bool required, struct akd_error *e, bool *absent)
{
        char name[96];
        json_t *v = json_object_get(obj, key);
        bool missing = v == NULL || json_is_null(v);
        if (absent != NULL)
                *absent = missing;
        if (missing) {
                if (required)
                        akd_fail(e, 400, "bad_request", "%s: missing",
                                 field_name(name, sizeof(name), prefix, key));
                return NULL;
        }
        if (json_typeof(v) != type) {
                akd_fail(e, 400, "bad_request", "%s: must be %s",
                         field_name(name, sizeof(name), prefix, key), type_name);
                return NULL;
        }
        return v;
}

/*
 * The string field `key` of `obj`: NULL with a 400 in `e` when missing (and
 * `required`), not a string, or longer than `max` bytes. *absent tells a
 * missing optional field apart.
 */
static const char *get_string(json_t *obj, const char *prefix, const char *key, size_t max,
                              bool required, struct akd_error *e, bool *absent)
{
        char name[96];
        json_t *v = get_member(obj, prefix, key, JSON_STRING, "a string", required, e, absent);
        if (v == NULL)
                return NULL;
        if (json_string_length(v) > max) {
                akd_fail(e, 400, "bad_request", "%s: longer than %zu bytes",
                         field_name(name, sizeof(name), prefix, key), max);
                return NULL;
        }
        return json_string_value(v);
}

/*
 * Decodes the base64 `s` of the field `name` into `out`: at least `min`
 * bytes, at most `max` (the buffer's size). Returns 0 with *out_len, or -1
 * with a 400 in `e`.
 */
static int decode_b64(const char *name, const char *s, uint8_t *out, size_t min, size_t max,
                      size_t *out_len, struct akd_error *e)
{
        size_t len = 0;
        if (akd_b64_decode(out, max, &len, s, strlen(s)) != 0)
                return akd_fail(e, 400, "bad_request", "%s: not base64 (standard, padded)", name);
        if (len < min) {
                if (min == max)
                        return akd_fail(e, 400, "bad_request", "%s: must be %zu bytes, not %zu",
                                        name, min, len);
                return akd_fail(e, 400, "bad_request", "%s: must be %zu to %zu bytes, not %zu",
                                name, min, max, len);
        }
        *out_len = len;
        return 0;
}

/*
 * Decodes the base64 field `key` into `out` (at most `max` bytes, at least
 * `min`). Returns 0 or -1 with a 400 in `e`.
 */
static int get_b64(json_t *obj, const char *prefix, const char *key, uint8_t *out, size_t min,
                   size_t max, size_t *out_len, struct akd_error *e)
{
        char name[96];
        const char *s = get_string(obj, prefix, key, AKD_B64_LEN(max), true, e, NULL);
        if (s == NULL)
                return -1;
        return decode_b64(field_name(name, sizeof(name), prefix, key), s, out, min, max, out_len,
                          e);
}

/* The integer field `key` in [min, max]; 0 or -1 with a 400. */
static int get_uint(json_t *obj, const char *prefix, const char *key, uint64_t min, uint64_t max,
                    uint64_t *out, struct akd_error *e)
{
        char name[96];
        json_t *v = get_member(obj, prefix, key, JSON_INTEGER, "a whole number", true, e, NULL);
        if (v == NULL)
                return -1;
        json_int_t n = json_integer_value(v);
        if (n < 0 || (uint64_t)n < min || (uint64_t)n > max)
                return akd_fail(e, 400, "bad_request", "%s: must be from %llu to %llu",
                                field_name(name, sizeof(name), prefix, key),
                                (unsigned long long)min, (unsigned long long)max);
        *out = (uint64_t)n;
        return 0;
}

/*
 * The costs a recovery secret's Argon2id may have: at least what a client
 * makes by default (in a test build, meson -Dtest_costs=true, libsodium's
 * minimum, which the test suite's clients use), at most what a client
 * accepts from a server (AK_RECOVERY_*_MAX): an account whose parameters
 * its own devices would refuse could never be signed in to.
 */
static void kdf_floor(uint64_t *opslimit, uint64_t *memlimit)
{
        struct ak_recovery_kdf floor;

        ak_recovery_kdf_default(&floor,
                                AUTHKEEP_TEST_COSTS ? AK_KDF_COST_MIN : AK_KDF_COST_DEFAULT);
        *opslimit = floor.opslimit;
        *memlimit = floor.memlimit;
}

/* Checks one cost of a kdf object (its field name in `name`) against the floor and ceiling. */
static int check_kdf_cost(const char *name, uint64_t value, uint64_t floor, uint64_t ceiling,
                          struct akd_error *e)
{
        if (value < floor)
                return akd_fail(e, 400, "bad_request",
                                "%s: must be at least %llu, the cost a client makes by default",
                                name, (unsigned long long)floor);
        if (value > ceiling)
                return akd_fail(e, 400, "bad_request",
                                "%s: must be at most %llu, the most a client accepts", name,
                                (unsigned long long)ceiling);
        return 0;
}

static int parse_kdf(struct akd_kdf *out, json_t *obj, const char *prefix, struct akd_error *e)
{
        char name[96];
        uint64_t ops_floor, mem_floor;

        char p[64];
        snprintf(p, sizeof(p), "%skdf.", prefix);
        json_t *kdf = get_member(obj, prefix, "kdf", JSON_OBJECT, "an object", true, e, NULL);
        if (kdf == NULL)
                return -1;
        const char *alg = get_string(kdf, p, "alg", 32, true, e, NULL);
        if (alg == NULL)
                return -1;
        if (strcmp(alg, "argon2id13") != 0)
                return akd_fail(e, 400, "bad_request", "%salg: must be \"argon2id13\"", p);
        size_t len;
        if (get_b64(kdf, p, "salt", out->salt, AKD_KDF_SALT_LEN, AKD_KDF_SALT_LEN, &len, e) != 0 ||
            get_uint(kdf, p, "opslimit", 0, UINT32_MAX, &out->opslimit, e) != 0 ||
            get_uint(kdf, p, "memlimit", 0, UINT64_MAX >> 1, &out->memlimit, e) != 0)
                return -1;
        kdf_floor(&ops_floor, &mem_floor);
        if (check_kdf_cost(field_name(name, sizeof(name), p, "opslimit"), out->opslimit, ops_floor,
                           AK_RECOVERY_OPSLIMIT_MAX, e) != 0 ||
            check_kdf_cost(field_name(name, sizeof(name), p, "memlimit"), out->memlimit, mem_floor,
                           AK_RECOVERY_MEMLIMIT_MAX, e) != 0)
                return -1;
        return 0;
}

static int parse_wrapped(struct akd_wrapped *out, json_t *obj, const char *prefix,
                         struct akd_error *e)
{
        char p[64];
        snprintf(p, sizeof(p), "%swrapped_key.", prefix);
        json_t *w = get_member(obj, prefix, "wrapped_key", JSON_OBJECT, "an object", true, e, NULL);
        if (w == NULL)
                return -1;
        size_t len;
        if (get_b64(w, p, "nonce", out->nonce, AKD_WRAP_NONCE_LEN, AKD_WRAP_NONCE_LEN, &len, e) !=
                0 ||
            get_b64(w, p, "ciphertext", out->ciphertext, AKD_WRAP_CT_LEN, AKD_WRAP_CT_LEN, &len,
                    e) != 0)
                return -1;
        return 0;
}

/* True when all `len` bytes are zero. */
static bool all_zero(const uint8_t *b, size_t len)
{
        uint8_t acc = 0;
        for (size_t i = 0; i < len; i++)
                acc |= b[i];
        return acc == 0;
}

/* kdf, srp_salt, srp_verifier and wrapped_key of `obj` (prefix for messages). */
static int parse_credential(struct akd_credential *out, json_t *obj, const char *prefix,
                            struct akd_error *e)
{
        char name[96];
        if (parse_kdf(&out->kdf, obj, prefix, e) != 0)
                return -1;
        if (get_b64(obj, prefix, "srp_salt", out->srp_salt, AKD_SRP_SALT_MIN, AKD_SRP_SALT_MAX,
                    &out->srp_salt_len, e) != 0)
                return -1;
        if (out->srp_salt[0] == 0)
                return akd_fail(e, 400, "bad_request", "%s: its first byte must not be zero",
                                field_name(name, sizeof(name), prefix, "srp_salt"));
        if (get_b64(obj, prefix, "srp_verifier", out->srp_verifier, 1, AKD_SRP_NUM_MAX,
                    &out->srp_verifier_len, e) != 0)
                return -1;
        if (all_zero(out->srp_verifier, out->srp_verifier_len))
                return akd_fail(e, 400, "bad_request", "%s: must not be zero",
                                field_name(name, sizeof(name), prefix, "srp_verifier"));
        return parse_wrapped(&out->wrapped, obj, prefix, e);
}

/* The optional "recovery" object of account creation and password change. */
static int parse_optional_recovery(struct akd_credential *out, bool *has, json_t *root,
                                   struct akd_error *e)
{
        json_t *rec = json_object_get(root, "recovery");
        *has = false;
        if (rec == NULL || json_is_null(rec))
                return 0;
        if (!json_is_object(rec))
                return akd_fail(e, 400, "bad_request", "recovery: must be an object");
        if (parse_credential(out, rec, "recovery.", e) != 0)
                return -1;
        *has = true;
        return 0;
}

int akd_normalize_email(char out[AKD_EMAIL_MAX + 1], const char *in, struct akd_error *e)
{
        size_t len = strlen(in), at = 0, ats = 0;
        if (len < 3 || len > AKD_EMAIL_MAX)
                return akd_fail(e, 400, "bad_request", "email: must be 3 to %d bytes",
                                AKD_EMAIL_MAX);
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)in[i];
                if (c <= 0x20 || c == 0x7f)
                        return akd_fail(e, 400, "bad_request",
                                        "email: no spaces or control characters");
                if (c == '@')
                        ats++, at = i;
                out[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : (char)c;
        }
        out[len] = '\0';
        if (ats != 1 || at == 0 || at == len - 1)
                return akd_fail(e, 400, "bad_request", "email: must be like name@example.com");
        return 0;
}

/* Checks a device id (1..64 of A-Z a-z 0-9 . _ -) into `out`. */
static int parse_device_id(char out[AKD_DEVICE_ID_MAX + 1], const char *in, struct akd_error *e)
{
        size_t len = strlen(in);
        if (len < 1 || len > AKD_DEVICE_ID_MAX)
                return akd_fail(e, 400, "bad_request", "device_id: must be 1 to %d characters",
                                AKD_DEVICE_ID_MAX);
        for (size_t i = 0; i < len; i++) {
                char c = in[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-'))
                        return akd_fail(e, 400, "bad_request",
                                        "device_id: only letters, digits, '.', '_' and '-'");
        }
        memcpy(out, in, len + 1);
        return 0;
}

/* Checks a device name (UTF-8 from jansson, no control characters) into `out`. */
static int parse_device_name(char out[AKD_DEVICE_NAME_MAX + 1], const char *in, struct akd_error *e)
{
        size_t len = strlen(in);
        if (len > AKD_DEVICE_NAME_MAX)
                return akd_fail(e, 400, "bad_request", "device_name: longer than %d bytes",
                                AKD_DEVICE_NAME_MAX);
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)in[i];
                if (c < 0x20 || c == 0x7f)
                        return akd_fail(e, 400, "bad_request",
                                        "device_name: no control characters");
        }
        memcpy(out, in, len + 1);
        return 0;
}

static int fill_account(struct akd_account_req *r, json_t *root, struct akd_error *e)
{
        const char *email = get_string(root, "", "email", AKD_EMAIL_MAX, true, e, NULL);
        if (email == NULL || akd_normalize_email(r->email, email, e) != 0 ||
            parse_credential(&r->password, root, "", e) != 0)
                return -1;
        return parse_optional_recovery(&r->recovery, &r->has_recovery, root, e);
}

int akd_parse_account_req(struct akd_account_req *out, const char *body, size_t len,
                          struct akd_error *e)
{
        PARSE_OBJECT(out, body, len, e, fill_account);
}

static int fill_auth_start(struct akd_auth_start_req *r, json_t *root, struct akd_error *e)
{
        const char *email = get_string(root, "", "email", AKD_EMAIL_MAX, true, e, NULL);
        if (email == NULL || akd_normalize_email(r->email, email, e) != 0)
                return -1;
        json_t *rec = json_object_get(root, "recovery");
        if (rec != NULL && !json_is_null(rec)) {
                if (!json_is_boolean(rec))
                        return akd_fail(e, 400, "bad_request", "recovery: must be true or false");
                r->recovery = json_is_true(rec);
        }
        return 0;
}

int akd_parse_auth_start_req(struct akd_auth_start_req *out, const char *body, size_t len,
                             struct akd_error *e)
{
        PARSE_OBJECT(out, body, len, e, fill_auth_start);
}

/* login_id, A and M1 of `obj`: a sign-in's proof (prefix for messages). */
static int parse_proof(struct akd_auth_finish_req *r, json_t *obj, const char *prefix,
                       struct akd_error *e)
{
        char name[96];
        size_t m1_len;
        const char *id = get_string(obj, prefix, "login_id", AKD_LOGIN_ID_MAX, true, e, NULL);
        if (id == NULL)
                return -1;
        if (id[0] == '\0')
                return akd_fail(e, 400, "bad_request", "%s: empty",
                                field_name(name, sizeof(name), prefix, "login_id"));
        memcpy(r->login_id, id, strlen(id) + 1);
        if (get_b64(obj, prefix, "A", r->A, 1, AKD_SRP_NUM_MAX, &r->A_len, e) != 0)
                return -1;
        return get_b64(obj, prefix, "M1", r->M1, AKD_M_LEN, AKD_M_LEN, &m1_len, e);
}

static int fill_auth_finish(struct akd_auth_finish_req *r, json_t *root, struct akd_error *e)
{
        return parse_proof(r, root, "", e);
}

int akd_parse_auth_finish_req(struct akd_auth_finish_req *out, const char *body, size_t len,
                              struct akd_error *e)
{
        PARSE_OBJECT(out, body, len, e, fill_auth_finish);
}

int akd_json_proof(struct akd_auth_finish_req *out, bool *has, json_t *obj, struct akd_error *e)
{
        bool absent;
        *has = false;
        json_t *proof = get_member(obj, "", "proof", JSON_OBJECT, "an object", false, e, &absent);
        if (proof == NULL)
                return absent ? 0 : -1;
        if (parse_proof(out, proof, "proof.", e) != 0)
                return -1;
        *has = true;
        return 0;
}

const char *akd_json_string(json_t *obj, const char *key, size_t max, bool required,
                            struct akd_error *e, bool *absent)
{
        return get_string(obj, "", key, max, required, e, absent);
}

static int fill_password(struct akd_password_req *r, json_t *root, struct akd_error *e)
{
        if (parse_credential(&r->password, root, "", e) != 0 ||
            parse_optional_recovery(&r->recovery, &r->has_recovery, root, e) != 0)
                return -1;
        /* A missing proof is the handler's 403, not a malformed body. */
        return akd_json_proof(&r->proof, &r->has_proof, root, e);
}

int akd_parse_password_req(struct akd_password_req *out, const char *body, size_t len,
                           struct akd_error *e)
{
        PARSE_OBJECT(out, body, len, e, fill_password);
}

/* device_id (required or not) and device_name (optional) of an upload or delete. */
static int fill_device(char id[AKD_DEVICE_ID_MAX + 1], char name[AKD_DEVICE_NAME_MAX + 1],
                       json_t *root, bool required, struct akd_error *e)
{
        bool absent;
        const char *s = get_string(root, "", "device_id", AKD_DEVICE_ID_MAX, required, e, &absent);
        if (s == NULL && !(absent && !required))
                return -1;
        if (s != NULL && parse_device_id(id, s, e) != 0)
                return -1;
        s = get_string(root, "", "device_name", AKD_DEVICE_NAME_MAX, false, e, &absent);
        if (s == NULL && !absent)
                return -1;
        if (s != NULL && parse_device_name(name, s, e) != 0)
                return -1;
        return 0;
}

/* On success r->envelope is a new buffer, freed by the caller. */
static int fill_backup_put(struct akd_backup_put_req *r, json_t *root, struct akd_error *e)
{
        if (get_uint(root, "", "replaces_version", 0, (1ULL << 53), &r->replaces_version, e) != 0 ||
            fill_device(r->device_id, r->device_name, root, true, e) != 0)
                return -1;
        const char *env =
            get_string(root, "", "envelope", AKD_B64_LEN(AKD_ENVELOPE_MAX), true, e, NULL);
        if (env == NULL)
                return -1;
        if (env[0] == '\0')
                return akd_fail(e, 400, "bad_request", "envelope: empty");
        size_t env_len = strlen(env);
        size_t padding = env_len >= 2 ? (env[env_len - 1] == '=') + (env[env_len - 2] == '=') : 0;
        if (env_len / 4 * 3 > AKD_ENVELOPE_MAX + padding)
                return akd_fail(e, 400, "bad_request",
                                "envelope: larger than %zu bytes once decoded",
                                (size_t)AKD_ENVELOPE_MAX);
        /* Sized by the text, so that a small upload does not hold the cap. */
        size_t cap = env_len / 4 * 3 + 3;
        if (cap > AKD_ENVELOPE_MAX)
                cap = AKD_ENVELOPE_MAX;
        r->envelope = malloc(cap);
        if (r->envelope == NULL)
                return akd_fail(e, 500, "internal", "out of memory");
        if (decode_b64("envelope", env, r->envelope, 1, cap, &r->envelope_len, e) != 0) {
                free(r->envelope);
                r->envelope = NULL;
                return -1;
        }
        return 0;
}

int akd_parse_backup_put_req(struct akd_backup_put_req *out, const char *body, size_t len,
                             struct akd_error *e)
{
        PARSE_OBJECT(out, body, len, e, fill_backup_put);
}

static int fill_backup_delete(struct akd_backup_delete_req *r, json_t *root, struct akd_error *e)
{
        json_t *now = json_object_get(root, "now");
        if (now != NULL && !json_is_null(now)) {
                if (!json_is_boolean(now))
                        return akd_fail(e, 400, "bad_request", "now: must be true or false");
                r->now = json_is_true(now);
        }
        if (fill_device(r->device_id, r->device_name, root, false, e) != 0)
                return -1;
        /* A missing proof is the handler's 403, not a malformed body. */
        return akd_json_proof(&r->proof, &r->has_proof, root, e);
}

int akd_parse_backup_delete_req(struct akd_backup_delete_req *out, const char *body, size_t len,
                                struct akd_error *e)
{
        size_t i = 0;
        while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
                i++;
        if (i == len) {
                memset(out, 0, sizeof(*out));
                return 0;
        }
        PARSE_OBJECT(out, body, len, e, fill_backup_delete);
}

/* ---- devices and push sign-in ---- */

/* A label (a device's name, an app's) of `min` to `max` bytes without control characters. */
static int check_label(const char *name, const char *s, size_t min, size_t max, struct akd_error *e)
{
        size_t len = strlen(s);
        if (len < min || len > max)
                return akd_fail(e, 400, "bad_request", "%s: must be %zu to %zu bytes", name, min,
                                max);
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c < 0x20 || c == 0x7f)
                        return akd_fail(e, 400, "bad_request", "%s: no control characters", name);
        }
        return 0;
}

int akd_json_device_id(char out[AK_DEVICE_ID_LEN + 1], json_t *obj, struct akd_error *e)
{
        const char *id = get_string(obj, "", "device_id", AK_DEVICE_ID_LEN, true, e, NULL);
        if (id == NULL)
                return -1;
        if (strlen(id) != AK_DEVICE_ID_LEN || strspn(id, "0123456789abcdef") != AK_DEVICE_ID_LEN)
                return akd_fail(e, 400, "bad_request",
                                "device_id: must be %d lower-case hex characters",
                                AK_DEVICE_ID_LEN);
        memcpy(out, id, AK_DEVICE_ID_LEN + 1);
        return 0;
}

static int fill_device_req(struct akd_device_req *r, json_t *root, struct akd_error *e)
{
        if (akd_json_device_id(r->device_id, root, e) != 0)
                return -1;
        const char *name = get_string(root, "", "name", sizeof(r->name) - 1, true, e, NULL);
        if (name == NULL || check_label("name", name, 1, sizeof(r->name) - 1, e) != 0)
                return -1;
        memcpy(r->name, name, strlen(name) + 1);
        size_t n;
        if (get_b64(root, "", "public_key", r->public_key, sizeof(r->public_key),
                    sizeof(r->public_key), &n, e) != 0)
                return -1;
        if (all_zero(r->public_key, sizeof(r->public_key)))
                return akd_fail(e, 400, "bad_request", "public_key: not an Ed25519 public key");
        return 0;
}

int akd_parse_device_req(struct akd_device_req *out, const char *body, size_t len,
                         struct akd_error *e)
{
        PARSE_OBJECT(out, body, len, e, fill_device_req);
}

int akd_json_code(char out[7], json_t *obj, struct akd_error *e)
{
        const char *code = get_string(obj, "", "code", 6, true, e, NULL);
        if (code == NULL)
                return -1;
        if (strlen(code) != 6 || strspn(code, "0123456789") != 6)
                return akd_fail(e, 400, "bad_request", "code: must be 6 digits");
        memcpy(out, code, 7);
        return 0;
}

static int fill_totp_req(struct akd_totp_req *r, json_t *root, struct akd_error *e)
{
        const char *email = get_string(root, "", "email", AKD_EMAIL_MAX, true, e, NULL);
        if (email == NULL || akd_normalize_email(r->email, email, e) != 0)
                return -1;
        return akd_json_code(r->code, root, e);
}

int akd_parse_totp_req(struct akd_totp_req *out, const char *body, size_t len, struct akd_error *e)
{
        PARSE_OBJECT(out, body, len, e, fill_totp_req);
}

static int fill_signin_req(struct akd_signin_req *r, json_t *root, struct akd_error *e)
{
        const char *email = get_string(root, "", "email", AKD_EMAIL_MAX, true, e, NULL);
        if (email == NULL || akd_normalize_email(r->email, email, e) != 0)
                return -1;
        bool absent;
        const char *app = get_string(root, "", "app", AK_SIGNIN_APP_MAX, false, e, &absent);
        if (app == NULL && !absent)
                return -1;
        if (app != NULL) {
                if (check_label("app", app, 0, AK_SIGNIN_APP_MAX, e) != 0)
                        return -1;
                memcpy(r->app, app, strlen(app) + 1);
        }
        return 0;
}

int akd_parse_signin_req(struct akd_signin_req *out, const char *body, size_t len,
                         struct akd_error *e)
{
        PARSE_OBJECT(out, body, len, e, fill_signin_req);
}

static int fill_answer_req(struct akd_answer_req *r, json_t *root, struct akd_error *e)
{
        const char *decision = get_string(root, "", "decision", 16, true, e, NULL);
        if (decision == NULL)
                return -1;
        if (ak_signin_decision_parse(decision, &r->decision) != AK_OK)
                return akd_fail(e, 400, "bad_request",
                                "decision: must be \"approve\", \"deny\" or \"report\"");
        if (r->decision == AK_SIGNIN_APPROVE) {
                uint64_t n;
                if (get_uint(root, "", "number", AK_SIGNIN_NUMBER_MIN, AK_SIGNIN_NUMBER_MAX, &n,
                             e) != 0)
                        return -1;
                r->number = (unsigned)n;
        } else if (json_object_get(root, "number") != NULL &&
                   !json_is_null(json_object_get(root, "number"))) {
                return akd_fail(e, 400, "bad_request", "number: only with \"approve\"");
        }
        size_t n;
        return get_b64(root, "", "signature", r->signature, sizeof(r->signature),
                       sizeof(r->signature), &n, e);
}

int akd_parse_answer_req(struct akd_answer_req *out, const char *body, size_t len,
                         struct akd_error *e)
{
        PARSE_OBJECT(out, body, len, e, fill_answer_req);
}

/*
 * One base64 for the whole server, libsodium's: standard alphabet with
 * padding, and it refuses what is not canonical (bits under the padding,
 * characters after it). It is also constant-time, which our secrets need.
 */
size_t akd_b64_encode_into(char *out, const uint8_t *data, size_t len)
{
        sodium_bin2base64(out, AKD_B64_LEN(len) + 1, data, len, sodium_base64_VARIANT_ORIGINAL);
        return AKD_B64_LEN(len);
}

int akd_b64_decode(uint8_t *out, size_t max, size_t *out_len, const char *in, size_t len)
{
        size_t n = 0;
        if (sodium_base642bin(out, max, in, len, NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) !=
            0)
                return -1;
        *out_len = n;
        return 0;
}

json_t *akd_b64_json(const uint8_t *data, size_t len)
{
        char *s = malloc(AKD_B64_LEN(len) + 1);
        if (s == NULL)
                return NULL;
        size_t n = akd_b64_encode_into(s, data, len);
        json_t *j = json_stringn_nocheck(s, n);
        free(s);
        return j;
}

json_t *akd_kdf_json(const struct akd_kdf *kdf)
{
        return json_pack("{s:s, s:o, s:I, s:I}", "alg", "argon2id13", "salt",
                         akd_b64_json(kdf->salt, sizeof(kdf->salt)), "opslimit",
                         (json_int_t)kdf->opslimit, "memlimit", (json_int_t)kdf->memlimit);
}

json_t *akd_wrapped_json(const struct akd_wrapped *w)
{
        return json_pack("{s:o, s:o}", "nonce", akd_b64_json(w->nonce, sizeof(w->nonce)),
                         "ciphertext", akd_b64_json(w->ciphertext, sizeof(w->ciphertext)));
}
