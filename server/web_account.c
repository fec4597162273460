/*
 * The account page (docs/web.md), after a sign-in on the sign-in page: the
 * account's devices (with their removal), its backup versions (and the
 * deletion of them all, after a confirmation page), its alternate contacts
 * (and their removal) and its last events. Each change is the same as the
 * API's (DELETE /v1/devices/ID, DELETE /v1/backup, DELETE /v1/contacts),
 * and is answered with a redirect back to the page (POST, redirect, GET),
 * which then says what was done.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "http.h"
#include "web.h"

#define EVENTS_SHOWN 20

/* What the page says after a change: ?done=WORD picks one of these, nothing else. */
static const struct {
        const char *word, *text;
} done_words[] = {
    {"device_removed", "The device was removed: its codes and its approvals no longer work."},
    {"backup_deleted", "Every backup version was deleted. It is kept for the grace period: "
                       "'authkeep backup undelete' brings it back until then. The next backup "
                       "from a device starts a new one."},
    {"contact_removed", "The alternate contact was removed."},
};

/* Words for an event's kind; `reported` for a denial reported as not the owner's. */
static const char *event_words(const char *kind, bool *reported)
{
        static const struct {
                const char *kind, *words;
        } words[] = {
            {"signin_approved", "Sign-in approved"},
            {"signin_denied", "Sign-in denied"},
            {"signin_wrong_number", "Sign-in denied: the wrong number was typed"},
            {"signin_reported", "Sign-in denied and reported: \"this was not me\""},
            {"device_added", "Device added"},
            {"device_removed", "Device removed"},
            {"device_verified", "Device verified"},
            {"contact_added", "Alternate contact added"},
            {"contact_removed", "Alternate contact removed"},
        };
        *reported = strcmp(kind, "signin_reported") == 0;
        for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
                if (strcmp(kind, words[i].kind) == 0)
                        return words[i].words;
        return kind;
}

/* The name of device `id` among `list`, or NULL. */
static const char *device_name(const struct akd_device *list, size_t count, const char *id)
{
        for (size_t i = 0; i < count; i++)
                if (strcmp(list[i].id, id) == 0)
                        return list[i].name;
        return NULL;
}

static json_t *devices_json(const struct akd_device *list, size_t count)
{
        json_t *a = json_array();
        char registered[32], used[32];
        for (size_t i = 0; i < count; i++) {
                akd_web_time(registered, list[i].registered_at, "-");
                akd_web_time(used, list[i].last_used, "never");
                json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "id",
                                                   list[i].id, "name", list[i].name, "registered",
                                                   registered, "last_used", used, "verified",
                                                   list[i].verified_at > 0, "last", count == 1));
        }
        return a;
}

/* The backup's versions, or its deletion, into `v`; false when the store fails. */
static bool backup_json(struct akd_request *req, json_t *v)
{
        struct akd_backup_meta *list = NULL;
        struct akd_backup_deleted deleted;
        size_t count = 0;
        char at[32];
        enum akd_store_result r = req->srv->store->ops->backup_list(
            req->srv->store, req->portal.account_id, &list, &count, &deleted);
        if (r == AKD_STORE_DELETED) {
                akd_web_time(at, deleted.deleted_at, "-");
                json_object_set_new(
                    v, "deleted",
                    json_pack("{s:s, s:s}", "at", at, "by",
                              deleted.device_name[0] ? deleted.device_name : deleted.device_id));
                return true;
        }
        if (r != AKD_STORE_OK)
                return false;
        json_t *a = json_array();
        for (size_t i = 0; i < count; i++) {
                akd_web_time(at, list[i].created_at, "-");
                json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:I}", "version",
                                                   (json_int_t)list[i].version, "at", at, "device",
                                                   list[i].device_name, "size",
                                                   (json_int_t)list[i].size));
        }
        free(list);
        json_object_set_new(v, "versions", a);
        json_object_set_new(v, "has_versions", json_boolean(count > 0));
        return true;
}

static bool contacts_json(struct akd_request *req, json_t *v)
{
        struct akd_contact *list = NULL;
        size_t count = 0;
        if (req->srv->store->ops->contacts_list(req->srv->store, req->portal.account_id, &list,
                                                &count) != AKD_STORE_OK)
                return false;
        json_t *a = json_array();
        char at[32];
        for (size_t i = 0; i < count; i++) {
                akd_web_time(at, list[i].added_at, "-");
                json_array_append_new(
                    a,
                    json_pack("{s:s, s:s, s:s}", "value", list[i].value, "kind",
                              list[i].kind == AKD_CONTACT_PHONE ? "phone" : "email", "added", at));
        }
        free(list);
        json_object_set_new(v, "contacts", a);
        return true;
}

static bool events_json(struct akd_request *req, json_t *v, const struct akd_device *devices,
                        size_t device_count)
{
        struct akd_event *list = NULL;
        size_t count = 0;
        if (req->srv->store->ops->events_list(req->srv->store, req->portal.account_id, &list,
                                              &count) != AKD_STORE_OK)
                return false;
        json_t *a = json_array();
        char at[32];
        for (size_t i = 0; i < count && i < EVENTS_SHOWN; i++) {
                bool reported;
                const char *words = event_words(list[i].kind, &reported);
                const char *name = device_name(devices, device_count, list[i].device_id);
                akd_web_time(at, list[i].at, "-");
                json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "at", at,
                                                   "kind", list[i].kind, "words", words, "from",
                                                   list[i].from, "app", list[i].app, "device",
                                                   name != NULL ? name : list[i].device_id,
                                                   "reported", reported));
        }
        free(list);
        json_object_set_new(v, "events", a);
        return true;
}

/* The email of the signed-in account into `out`; false when the store fails. */
static bool account_email(struct akd_request *req, char out[AKD_EMAIL_MAX + 1])
{
        struct akd_account *acc = calloc(1, sizeof(*acc));
        enum akd_store_result r = AKD_STORE_ERROR;
        if (acc != NULL && (r = req->srv->store->ops->account_by_id(
                                req->srv->store, req->portal.account_id, acc)) == AKD_STORE_OK)
                snprintf(out, AKD_EMAIL_MAX + 1, "%s", acc->email);
        if (acc != NULL)
                sodium_memzero(acc, sizeof(*acc));
        free(acc);
        return r == AKD_STORE_OK;
}

enum MHD_Result akd_web_account(struct akd_request *req)
{
        enum MHD_Result answer;
        char email[AKD_EMAIL_MAX + 1];
        if (!akd_web_portal(req, NULL, &answer))
                return answer;
        struct akd_device *devices = NULL;
        size_t count = 0;
        json_t *v = akd_web_view(req, "Your account");
        bool ok = account_email(req, email) &&
                  req->srv->store->ops->device_list(req->srv->store, req->portal.account_id,
                                                    &devices, &count) == AKD_STORE_OK;
        if (ok) {
                json_object_set_new(v, "email", json_string(email));
                json_object_set_new(v, "devices", devices_json(devices, count));
                ok = backup_json(req, v) && contacts_json(req, v) &&
                     events_json(req, v, devices, count);
        }
        if (devices != NULL)
                sodium_memzero(devices, count * sizeof(*devices));
        free(devices);
        if (!ok) {
                json_decref(v);
                return akd_respond_store_failed(req);
        }
        const char *done = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "done");
        for (size_t i = 0; done != NULL && i < sizeof(done_words) / sizeof(done_words[0]); i++)
                if (strcmp(done, done_words[i].word) == 0)
                        json_object_set_new(v, "done", json_string(done_words[i].text));
        char until[32];
        akd_web_time(until, req->portal.expires_at, "-");
        json_object_set_new(v, "until", json_string(until));
        return akd_web_page(req, 200, AKD_PAGE_ACCOUNT, v, NULL, NULL);
}

/*
 * Reads a form of the account page and checks the session and its token;
 * false after answering. The session is looked for first, so that a form's
 * refusal leads back to the account page.
 */
static bool account_form(struct akd_request *req, unsigned fields, struct akd_web_form *f,
                         enum MHD_Result *answer)
{
        struct akd_error e = {0};
        if (!akd_web_portal(req, NULL, answer))
                return false;
        if (akd_web_form_parse(f, fields, req->body, req->body_len, &e) != 0) {
                *answer = akd_respond_error(req, &e);
                return false;
        }
        return akd_web_portal(req, f->csrf, answer);
}

enum MHD_Result akd_web_device_remove(struct akd_request *req)
{
        struct akd_web_form f;
        enum MHD_Result answer;
        if (!account_form(req, AKD_WF_DEVICE, &f, &answer))
                return answer;
        if (!akd_device_remove(req, req->portal.account_id, f.device, f.force,
                               "tick \"even the last one\"", &answer))
                return answer;
        return akd_web_redirect(req, "/account?done=device_removed", NULL);
}

enum MHD_Result akd_web_backup_confirm(struct akd_request *req)
{
        enum MHD_Result answer;
        if (!akd_web_portal(req, NULL, &answer))
                return answer;
        json_t *v = akd_web_view(req, "Delete the backup?");
        if (!backup_json(req, v)) {
                json_decref(v);
                return akd_respond_store_failed(req);
        }
        json_t *versions = json_object_get(v, "versions");
        json_object_set_new(v, "count", json_integer((json_int_t)json_array_size(versions)));
        return akd_web_page(req, 200, AKD_PAGE_BACKUP_DELETE, v, NULL, NULL);
}

enum MHD_Result akd_web_backup_delete(struct akd_request *req)
{
        struct akd_web_form f;
        enum MHD_Result answer;
        if (!account_form(req, 0, &f, &answer))
                return answer;
        unsigned versions;
        switch (req->srv->store->ops->backup_delete_kept(req->srv->store, req->portal.account_id,
                                                         "", "the account page", akd_now(),
                                                         &versions)) {
        case AKD_STORE_OK:
                return akd_web_redirect(req, "/account?done=backup_deleted", NULL);
        case AKD_STORE_NOT_FOUND:
                return akd_respond_fail(req, 404, "no_backup", "this account holds no backup");
        case AKD_STORE_DELETED:
                return akd_respond_fail(req, 410, "backup_deleted",
                                        "the backup was deleted already");
        default:
                return akd_respond_store_failed(req);
        }
}

enum MHD_Result akd_web_contact_remove(struct akd_request *req)
{
        struct akd_web_form f;
        enum MHD_Result answer;
        if (!account_form(req, AKD_WF_CONTACT, &f, &answer))
                return answer;
        if (!akd_contact_remove(req, req->portal.account_id, f.contact, &answer))
                return answer;
        return akd_web_redirect(req, "/account?done=contact_removed", NULL);
}
