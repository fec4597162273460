/*
 * Deleting and bringing back (include/authkeep/client.h, docs/api.md): a
 * delete keeps what it deletes for the server's grace period, or with
 * `now` purges it at once, which takes a fresh proof of the password in
 * the same request (ak__client_prove), never the session alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authkeep/authkeep.h"
#include "client_internal.h"

/* The answer of a delete: {deleted_at, purged, restorable_until, ...}. */
static enum ak_err parse_deletion(struct ak_deletion *out, const struct ak__buf *answer,
                                  const char *what)
{
        json_t *j = NULL;
        struct ak_deletion d;
        enum ak_err err = ak__answer_object(&j, answer->data, answer->len, what);

        if (err != AK_OK)
                return err;
        memset(&d, 0, sizeof(d));
        d.purged = json_is_true(json_object_get(j, "purged"));
        if (!ak__answer_time(j, "deleted_at", &d.deleted_at) ||
            (json_is_integer(json_object_get(j, "restorable_until")) &&
             !ak__answer_time(j, "restorable_until", &d.restorable_until)) ||
            (json_object_get(j, "email_reserved_until") != NULL &&
             !ak__answer_time(j, "email_reserved_until", &d.email_reserved_until)) ||
            (json_object_get(j, "versions") != NULL &&
             !ak__answer_uint(j, "versions", &d.versions)))
                err = ak__fail(AK_ERR_PROTOCOL, "%s: a malformed answer", what);
        json_decref(j);
        if (err == AK_OK && out != NULL)
                *out = d;
        return err;
}

/* DELETE `path` naming the device, with `now` and (when `password`) a fresh proof. */
static enum ak_err delete_call(struct ak_client *client, const char *path, const char *device_id,
                               const char *device_name, bool now, const char *email,
                               const char *password, size_t password_len, struct ak_deletion *out,
                               const char *what)
{
        struct ak__buf answer = {0};
        json_t *req, *proof = NULL;
        enum ak_err err;

        req = json_pack("{s:s, s:s, s:b}", "device_id", device_id ? device_id : "", "device_name",
                        device_name ? device_name : "", "now", now);
        if (req == NULL)
                return ak__fail(AK_ERR_NOMEM, "%s", what);
        if (device_id == NULL || *device_id == '\0')
                json_object_del(req, "device_id");
        err = AK_OK;
        if (password != NULL) {
                err = ak__client_prove(client, email, password, password_len, &proof);
                if (err == AK_OK && json_object_set_new(req, "proof", proof) != 0)
                        err = ak__fail(AK_ERR_NOMEM, "%s", what);
        }
        if (err == AK_OK)
                err = ak__client_call(client, "DELETE", path, req, true, &answer, NULL);
        json_decref(req);
        if (err == AK_OK)
                err = parse_deletion(out, &answer, what);
        ak__buf_free(&answer);
        return err;
}

enum ak_err ak_client_backup_delete_ex(struct ak_client *client, const char *device_id,
                                       const char *device_name, bool now, const char *email,
                                       const char *password, size_t password_len,
                                       struct ak_deletion *out)
{
        return delete_call(client, "/v1/backup", device_id, device_name, now, email, password,
                           password_len, out, "delete");
}

enum ak_err ak_client_account_delete(struct ak_client *client, const char *device_id,
                                     const char *device_name, bool now, const char *email,
                                     const char *password, size_t password_len,
                                     struct ak_deletion *out)
{
        if (password == NULL)
                return ak__fail(AK_ERR_INVALID, "deleting the account needs the password");
        return delete_call(client, "/v1/account", device_id, device_name, now, email, password,
                           password_len, out, "account delete");
}

enum ak_err ak_client_backup_undelete(struct ak_client *client, uint64_t *latest)
{
        struct ak__buf answer = {0};
        json_t *j = NULL;
        enum ak_err err;

        err = ak__client_call(client, "POST", "/v1/backup/undelete", NULL, true, &answer, NULL);
        if (err == AK_OK)
                err = ak__answer_object(&j, answer.data, answer.len, "undelete");
        if (err == AK_OK && !ak__answer_uint(j, "latest_version", latest))
                err = ak__fail(AK_ERR_PROTOCOL, "undelete: no latest_version");
        json_decref(j);
        ak__buf_free(&answer);
        return err;
}
