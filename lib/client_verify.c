/*
 * Verification after recovery and alternate contacts, the device's side
 * (include/authkeep/verify.h). Every call is this device's own, signed with
 * its device header; verify/start carries a fresh SRP proof of the
 * password as well. Whether an entry waits is device-local state
 * ("verify.ID"), never backed up: a recovered device knows nothing of the
 * old one's verification.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/authkeep.h"
#include "authkeep/verify.h"
#include "client_internal.h"

#define WAITS "waits"

/* The device-local name of the entry's verification state. */
static void state_name(char out[8 + AK_ID_LEN + 1], const struct ak_account *a)
{
        snprintf(out, 8 + AK_ID_LEN + 1, "verify.%s", a->id);
}

static bool device_bound(const struct ak_account *a)
{
        return a->kind == AK_KIND_PERSONAL || a->kind == AK_KIND_WORK;
}

bool ak_device_entry_verified(const struct ak_vault *vault, size_t index)
{
        const struct ak_account_list *list = ak_vault_accounts((struct ak_vault *)vault);
        char name[8 + AK_ID_LEN + 1];

        if (index >= list->count)
                return false;
        const struct ak_account *a = &list->items[index];
        if (!device_bound(a))
                return true;
        state_name(name, a);
        return a->secret_len > 0 && ak_vault_local(vault, name) == NULL;
}

enum ak_err ak_device_entry_set_waiting(struct ak_vault *vault, size_t index, bool waits)
{
        const struct ak_account_list *list = ak_vault_accounts(vault);
        char name[8 + AK_ID_LEN + 1];

        if (index >= list->count || !device_bound(&list->items[index]))
                return ak__fail(AK_ERR_INVALID, "verification: not a personal or work entry");
        state_name(name, &list->items[index]);
        return ak_vault_set_local(vault, name, waits ? WAITS : NULL);
}

/* The personal entry `index`, or NULL with AK_ERR_INVALID set. */
static const struct ak_account *personal(const struct ak_vault *vault, size_t index)
{
        const struct ak_account_list *list = ak_vault_accounts((struct ak_vault *)vault);

        if (index >= list->count || list->items[index].kind != AK_KIND_PERSONAL) {
                ak__fail(AK_ERR_INVALID, "verification: not a personal account's entry");
                return NULL;
        }
        return &list->items[index];
}

/* ---- answers ---- */

static const struct {
        const char *code;
        enum ak_verify_outcome outcome;
} refusals[] = {
    {"bad_code", AK_VERIFY_WRONG_CODE},
    {"code_expired", AK_VERIFY_EXPIRED},
    {"no_code", AK_VERIFY_NO_CODE},
    {"no_contact", AK_VERIFY_NO_CONTACT},
    {"rate_limited", AK_VERIFY_TOO_SOON},
    {"notify_failed", AK_VERIFY_NOT_SENT},
    {"notify_unavailable", AK_VERIFY_UNAVAILABLE},
    {"contact_exists", AK_VERIFY_EXISTS},
    {"too_many_contacts", AK_VERIFY_TOO_MANY},
};

/* Copies the text `key` of `j` into `out` when it is there. */
static void copy_text(char *out, size_t size, const json_t *j, const char *key)
{
        const char *s = ak__answer_text(j, key, size - 1);

        if (s != NULL)
                snprintf(out, size, "%s", s);
}

/* The "kinds" of a no_contact refusal, joined with commas. */
static void copy_kinds(char *out, size_t size, const json_t *j)
{
        const json_t *kinds = json_object_get(j, "kinds");
        size_t i;
        json_t *k;

        out[0] = '\0';
        if (!json_is_array(kinds))
                return;
        json_array_foreach(kinds, i, k)
        {
                const char *s = json_string_value(k);

                if (s != NULL && (strcmp(s, "email") == 0 || strcmp(s, "phone") == 0) &&
                    strlen(out) + strlen(s) + 2 <= size)
                        snprintf(out + strlen(out), size - strlen(out), "%s%s",
                                 out[0] != '\0' ? "," : "", s);
        }
}

enum ak_err ak_client_parse_verify(struct ak_verify_result *out, long status, const char *body,
                                   size_t len)
{
        json_t *j = NULL;
        uint64_t n;
        enum ak_err err;

        memset(out, 0, sizeof(*out));
        if (status == 200 || status == 201) {
                out->outcome = AK_VERIFY_VERIFIED;
                return AK_OK;
        }
        if (status == 202) {
                err = ak__answer_object(&j, body, len, "verification");
                if (err != AK_OK)
                        return err;
                out->outcome = AK_VERIFY_SENT;
                copy_text(out->sent_to, sizeof(out->sent_to), j, "sent_to");
                copy_text(out->kind, sizeof(out->kind), j, "kind");
                if (!ak__answer_time(j, "expires_at", &out->expires_at))
                        out->expires_at = 0;
                json_decref(j);
                return AK_OK;
        }
        if (len > 0 && len <= 65536 &&
            ak__answer_object(&j, body, len, "error") == AK_OK) {
                const char *code = ak__answer_text(j, "error", 64);

                for (size_t i = 0; code != NULL && i < sizeof(refusals) / sizeof(refusals[0]);
                     i++) {
                        if (strcmp(code, refusals[i].code) != 0)
                                continue;
                        out->outcome = refusals[i].outcome;
                        copy_text(out->detail, sizeof(out->detail), j, "message");
                        if (ak__answer_uint(j, "tries_left", &n) && n <= 100)
                                out->tries_left = (unsigned)n;
                        if (ak__answer_uint(j, "retry_after", &n) && n <= 86400)
                                out->retry_after = (long)n;
                        copy_kinds(out->kinds, sizeof(out->kinds), j);
                        json_decref(j);
                        return AK_OK;
                }
                json_decref(j);
        }
        ak_error_clear();
        if (status == 403)
                return ak__fail(AK_ERR_AUTH, "this device waits for verification");
        if (status == 401)
                return ak__fail(AK_ERR_NOT_FOUND, "the server does not know this device");
        if (status == 404)
                return ak__fail(AK_ERR_UNSUPPORTED, "the server has no verification");
        long retry;
        return ak_client_parse_error(status, body, len, &retry, NULL);
}

/* Whether the answer is a refusal with the error code `code`. */
static bool error_is(const struct ak__buf *answer, const char *code)
{
        char got[65];
        uint64_t ignored;

        ak_client_parse_error_code(got, sizeof(got), &ignored, answer->data, answer->len);
        return strcmp(got, code) == 0;
}

/* The failure a call that has no outcome to tell answered with. */
static enum ak_err refused(long status, const struct ak__buf *answer)
{
        struct ak_verify_result r;
        enum ak_err err = ak_client_parse_verify(&r, status, answer->data, answer->len);

        if (err != AK_OK)
                return err;
        return ak__fail(AK_ERR_HTTP, "%s", r.detail[0] != '\0' ? r.detail : "unexpected answer");
}

/*
 * One call of this device on the account of the entry `index`, under the
 * device id that account knows (ak_device_entry_id): sends `req` (taken
 * over; may be NULL).
 */
static enum ak_err device_call(struct ak_client *client, const struct ak_vault *vault, size_t index,
                               const char *method, const char *path, json_t *req, int64_t now,
                               long *status, struct ak__buf *answer)
{
        char device_id[AK_DEVICE_ID_LEN + 1];
        enum ak_err err = ak_device_entry_id(device_id, vault, index);

        if (err == AK_OK)
                err = ak__client_exchange_as(client, method, path, req, false, vault, device_id,
                                             now, status, answer);
        json_decref(req);
        return err;
}

/* Clears the entry's waiting when the server said it is verified. */
static enum ak_err settle(struct ak_vault *vault, size_t index, const struct ak_verify_result *r)
{
        if (r->outcome != AK_VERIFY_VERIFIED)
                return AK_OK;
        return ak_device_entry_set_waiting(vault, index, false);
}

/* ---- verifying this device ---- */

enum ak_err ak_verify_start(struct ak_client *client, struct ak_vault *vault, size_t index,
                            const char *password, size_t password_len, const char *send,
                            int64_t now, struct ak_verify_result *out)
{
        const struct ak_account *a = personal(vault, index);
        struct ak__buf answer = {0};
        json_t *req = NULL, *proof = NULL;
        long status = 0;
        enum ak_err err;

        if (a == NULL)
                return AK_ERR_INVALID;
        if (send != NULL && strcmp(send, "email") != 0 && strcmp(send, "phone") != 0)
                return ak__fail(AK_ERR_INVALID, "send: must be email or phone");
        err = ak__client_prove(client, a->name, password, password_len, &proof);
        if (err != AK_OK)
                return err;
        req = json_pack("{s:o}", "proof", proof);
        if (req != NULL && send != NULL && json_object_set_new(req, "send", json_string(send)) != 0)
                req = (json_decref(req), NULL);
        if (req == NULL)
                return ak__fail(AK_ERR_NOMEM, "verification");
        err = device_call(client, vault, index, "POST", "/v1/verify/start", req, now, &status,
                          &answer);
        if (err == AK_OK && status == 401 && error_is(&answer, "bad_password"))
                err = ak__fail(AK_ERR_AUTH, "the password is not right");
        else if (err == AK_OK)
                err = ak_client_parse_verify(out, status, answer.data, answer.len);
        ak__buf_free(&answer);
        return err == AK_OK ? settle(vault, index, out) : err;
}

enum ak_err ak_verify_finish(struct ak_client *client, struct ak_vault *vault, size_t index,
                             const char *code, int64_t now, struct ak_verify_result *out)
{
        struct ak__buf answer = {0};
        long status = 0;
        enum ak_err err;

        if (personal(vault, index) == NULL)
                return AK_ERR_INVALID;
        if (code == NULL || strlen(code) != AK_VERIFY_CODE_LEN ||
            strspn(code, "0123456789") != AK_VERIFY_CODE_LEN)
                return ak__fail(AK_ERR_INVALID, "code: must be %d digits", AK_VERIFY_CODE_LEN);
        err = device_call(client, vault, index, "POST", "/v1/verify/finish",
                          json_pack("{s:s}", "code", code), now, &status, &answer);
        if (err == AK_OK)
                err = ak_client_parse_verify(out, status, answer.data, answer.len);
        ak__buf_free(&answer);
        return err == AK_OK ? settle(vault, index, out) : err;
}

/* ---- alternate contacts ---- */

void ak_contact_list_clear(struct ak_contact_list *list)
{
        if (list == NULL)
                return;
        free(list->items);
        list->items = NULL;
        list->count = 0;
}

enum ak_err ak_client_parse_contacts(struct ak_contact_list *out, const char *body, size_t len)
{
        json_t *j = NULL, *item;
        const json_t *arr;
        size_t i;
        enum ak_err err;

        err = ak__answer_object(&j, body, len, "contacts");
        if (err != AK_OK)
                return err;
        arr = json_object_get(j, "contacts");
        if (!json_is_array(arr) || json_array_size(arr) > AK_CONTACTS_MAX * 10) {
                json_decref(j);
                return ak__fail(AK_ERR_PROTOCOL, "contacts: not a list");
        }
        out->items = calloc(json_array_size(arr) + 1, sizeof(*out->items));
        out->count = 0;
        if (out->items == NULL) {
                json_decref(j);
                return ak__fail(AK_ERR_NOMEM, "contacts");
        }
        json_array_foreach(arr, i, item)
        {
                struct ak_contact *c = &out->items[out->count];
                const char *kind = ak__answer_text(item, "kind", sizeof(c->kind) - 1);
                const char *value = ak__answer_text(item, "value", AK_CONTACT_MAX);

                if (kind == NULL || value == NULL || ak__utf8_valid_str(value) == false)
                        continue;
                snprintf(c->kind, sizeof(c->kind), "%s", kind);
                snprintf(c->value, sizeof(c->value), "%s", value);
                if (!ak__answer_time(item, "added_at", &c->added_at))
                        c->added_at = 0;
                out->count++;
        }
        json_decref(j);
        return AK_OK;
}

enum ak_err ak_client_contacts(struct ak_client *client, const struct ak_vault *vault, size_t index,
                               int64_t now, struct ak_contact_list *out)
{
        struct ak__buf answer = {0};
        long status = 0;
        enum ak_err err;

        if (personal(vault, index) == NULL)
                return AK_ERR_INVALID;
        err = device_call(client, vault, index, "GET", "/v1/contacts", NULL, now, &status, &answer);
        if (err == AK_OK && status == 200)
                err = ak_client_parse_contacts(out, answer.data, answer.len);
        else if (err == AK_OK)
                err = refused(status, &answer);
        ak__buf_free(&answer);
        return err;
}

enum ak_err ak_client_contact_add(struct ak_client *client, const struct ak_vault *vault,
                                  size_t index, const char *kind, const char *value, int64_t now,
                                  struct ak_verify_result *out)
{
        struct ak__buf answer = {0};
        long status = 0;
        enum ak_err err;

        if (personal(vault, index) == NULL)
                return AK_ERR_INVALID;
        if (kind == NULL || (strcmp(kind, "email") != 0 && strcmp(kind, "phone") != 0))
                return ak__fail(AK_ERR_INVALID, "contact: the kind is email or phone");
        if (value == NULL || *value == '\0' || strlen(value) > AK_CONTACT_MAX ||
            !ak__utf8_valid_str(value))
                return ak__fail(AK_ERR_INVALID, "contact: empty, too long or not text");
        err = device_call(client, vault, index, "POST", "/v1/contacts",
                          json_pack("{s:s, s:s}", "kind", kind, "value", value), now, &status,
                          &answer);
        if (err == AK_OK)
                err = ak_client_parse_verify(out, status, answer.data, answer.len);
        ak__buf_free(&answer);
        return err;
}

enum ak_err ak_client_contact_confirm(struct ak_client *client, const struct ak_vault *vault,
                                      size_t index, const char *value, const char *code,
                                      int64_t now, struct ak_verify_result *out)
{
        struct ak__buf answer = {0};
        long status = 0;
        enum ak_err err;

        if (personal(vault, index) == NULL)
                return AK_ERR_INVALID;
        if (value == NULL || strlen(value) > AK_CONTACT_MAX || !ak__utf8_valid_str(value))
                return ak__fail(AK_ERR_INVALID, "contact: too long or not text");
        if (code == NULL || strlen(code) != AK_VERIFY_CODE_LEN ||
            strspn(code, "0123456789") != AK_VERIFY_CODE_LEN)
                return ak__fail(AK_ERR_INVALID, "code: must be %d digits", AK_VERIFY_CODE_LEN);
        err = device_call(client, vault, index, "POST", "/v1/contacts/confirm",
                          json_pack("{s:s, s:s}", "value", value, "code", code), now, &status,
                          &answer);
        if (err == AK_OK)
                err = ak_client_parse_verify(out, status, answer.data, answer.len);
        ak__buf_free(&answer);
        return err;
}

enum ak_err ak_client_contact_remove(struct ak_client *client, const struct ak_vault *vault,
                                     size_t index, const char *value, int64_t now)
{
        struct ak__buf answer = {0};
        char path[64 + AK_CONTACT_MAX * 3];
        long status = 0;
        enum ak_err err;

        if (personal(vault, index) == NULL)
                return AK_ERR_INVALID;
        if (value == NULL || *value == '\0' || strlen(value) > AK_CONTACT_MAX)
                return ak__fail(AK_ERR_INVALID, "contact: empty or too long");
        /* The value percent-encoded: a phone number's "+" would read as a space. */
        size_t n = (size_t)snprintf(path, sizeof(path), "/v1/contacts?value=");
        for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
                bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                             (*p >= '0' && *p <= '9') || strchr("-._~@", *p) != NULL;
                n += (size_t)snprintf(path + n, sizeof(path) - n, plain ? "%c" : "%%%02X", *p);
        }
        err = device_call(client, vault, index, "DELETE", path, NULL, now, &status, &answer);
        if (err == AK_OK && status == 404 && error_is(&answer, "unknown_contact"))
                err = ak__fail(AK_ERR_NOT_FOUND, "the account has no contact %.254s", value);
        else if (err == AK_OK && status != 204 && status != 200)
                err = refused(status, &answer);
        ak__buf_free(&answer);
        return err;
}
