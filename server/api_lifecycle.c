/*
 * Deleting and bringing back (docs/api.md): DELETE /v1/backup keeps the
 * versions for the grace period, or with "now" and a fresh proof of the
 * password purges them at once; POST /v1/backup/undelete brings them
 * back; DELETE /v1/account deletes the recovery account the same two
 * ways (always with a proof), and a sign-in through POST
 * /v1/account/undelete (api_auth.c) takes it back. The grace period is
 * lifecycle.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lifecycle.h"

/* "2026-11-29 09:30:12 UTC" of `t`. */
static const char *utc(int64_t t, char *buf, size_t len)
{
        time_t tt = (time_t)t;
        struct tm tm;
        if (gmtime_r(&tt, &tm) == NULL)
                snprintf(buf, len, "%lld", (long long)t);
        else
                strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
        return buf;
}

/* "NAME (1a2b3c4d)", the id alone, or "a device" of the one that deleted. */
static const char *by(const char *id, const char *name, char *buf, size_t len)
{
        if (name[0] != '\0')
                snprintf(buf, len, "%s (%.8s)", name, id);
        else
                snprintf(buf, len, "%s", id[0] != '\0' ? id : "a device");
        return buf;
}

json_t *akd_backup_deleted_json(struct akd_request *req, const struct akd_backup_deleted *d,
                                bool with_versions)
{
        struct akd_store *st = req->srv->store;
        struct akd_backup_meta *list = NULL;
        size_t count = 0;
        bool kept = st->ops->backup_deleted_list(st, req->session.account_id, &list, &count) ==
                        AKD_STORE_OK &&
                    count > 0 && d->deleted_at > akd_grace_since(req->srv, akd_now());
        json_t *body =
            json_pack("{s:I, s:s, s:s, s:I, s:b}", "deleted_at", (json_int_t)d->deleted_at,
                      "device_id", d->device_id, "device_name", d->device_name, "latest_version",
                      (json_int_t)d->latest_version, "purged", !kept);
        json_object_set_new(body, "restorable_until",
                            kept ? json_integer(akd_grace_until(req->srv, d->deleted_at))
                                 : json_null());
        if (with_versions) {
                json_t *versions = json_array();
                for (size_t i = 0; kept && i < count; i++)
                        json_array_append_new(versions,
                                              json_pack("{s:I, s:s, s:s, s:I, s:I}", "version",
                                                        (json_int_t)list[i].version, "device_id",
                                                        list[i].device_id, "device_name",
                                                        list[i].device_name, "created_at",
                                                        (json_int_t)list[i].created_at, "size",
                                                        (json_int_t)list[i].size));
                json_object_set_new(body, "deleted_versions", versions);
        }
        free(list);
        return body;
}

/* 403 proof_required for a purge (or an account's delete) without `proof`. */
static enum MHD_Result respond_no_proof(struct akd_request *req, const char *what)
{
        return akd_respond_fail(req, 403, "proof_required",
                                "%s needs a proof of the password (or of the recovery code) in "
                                "the same request, not only a session: start a sign-in for it and "
                                "send its login_id, A and M1 as 'proof'",
                                what);
}

/* ---- DELETE /v1/backup ---- */

enum MHD_Result akd_api_backup_delete(struct akd_request *req)
{
        struct akd_error e = {0};
        struct akd_backup_delete_req in;
        struct akd_store *st = req->srv->store;
        enum MHD_Result answer;
        unsigned versions = 0;
        int64_t now = akd_now();
        if (akd_parse_backup_delete_req(&in, req->body, req->body_len, &e) != 0)
                return akd_respond_error(req, &e);
        if (in.now && !in.has_proof)
                return respond_no_proof(req, "deleting the backup at once");
        if (in.now && !akd_prove_secret(req, &in.proof, &answer))
                return answer;
        enum akd_store_result r =
            in.now ? st->ops->backup_purge(st, req->session.account_id, in.device_id,
                                           in.device_name, now)
                   : st->ops->backup_delete_kept(st, req->session.account_id, in.device_id,
                                                 in.device_name, now, &versions);
        switch (r) {
        case AKD_STORE_OK:
                break;
        case AKD_STORE_NOT_FOUND:
                return akd_respond_fail(req, 404, "no_backup",
                                        "this recovery account holds no backup");
        case AKD_STORE_DELETED: {
                struct akd_backup_deleted d;
                struct akd_backup_meta *none = NULL;
                size_t n = 0;
                /* Who deleted it and when, as every other call of a deleted backup says. */
                if (st->ops->backup_list(st, req->session.account_id, &none, &n, &d) !=
                    AKD_STORE_DELETED) {
                        free(none);
                        return akd_respond_store_failed(req);
                }
                akd_fail(&e, 410, "backup_deleted",
                         "the backup was deleted already; 'now' with a proof of the password "
                         "purges what is kept of it");
                e.extra = akd_backup_deleted_json(req, &d, false);
                return akd_respond_error(req, &e);
        }
        default:
                return akd_respond_store_failed(req);
        }
        json_t *body = json_pack("{s:I, s:b}", "deleted_at", (json_int_t)now, "purged", in.now);
        json_object_set_new(body, "restorable_until",
                            in.now ? json_null() : json_integer(akd_grace_until(req->srv, now)));
        if (!in.now)
                json_object_set_new(body, "versions", json_integer((json_int_t)versions));
        return akd_respond_json(req, 200, body);
}

/* ---- POST /v1/backup/undelete ---- */

enum MHD_Result akd_api_backup_undelete(struct akd_request *req)
{
        struct akd_error e = {0};
        if (req->body_len > 0) {
                json_t *root = akd_parse_json_object(req->body, req->body_len, &e);
                if (root == NULL)
                        return akd_respond_error(req, &e);
                json_decref(root);
        }
        struct akd_store *st = req->srv->store;
        uint64_t latest = 0;
        unsigned versions = 0;
        switch (st->ops->backup_undelete(st, req->session.account_id,
                                         akd_grace_since(req->srv, akd_now()), &latest,
                                         &versions)) {
        case AKD_STORE_OK:
                return akd_respond_json(req, 200,
                                        json_pack("{s:I, s:I}", "latest_version",
                                                  (json_int_t)latest, "versions",
                                                  (json_int_t)versions));
        case AKD_STORE_CONFLICT:
                return akd_respond_fail(req, 409, "not_deleted",
                                        "the backup is not deleted (or was uploaded again since "
                                        "it was deleted): there is nothing to bring back");
        case AKD_STORE_GONE:
                return akd_respond_fail(req, 410, "purged",
                                        "the deleted backup was purged; nothing is left of it to "
                                        "bring back");
        case AKD_STORE_NOT_FOUND:
                return akd_respond_fail(req, 401, "session_expired",
                                        "the account no longer exists");
        default:
                return akd_respond_store_failed(req);
        }
}

/* ---- DELETE /v1/account ---- */

enum MHD_Result akd_api_account_delete(struct akd_request *req)
{
        struct akd_error e = {0};
        struct akd_backup_delete_req in;
        struct akd_store *st = req->srv->store;
        enum MHD_Result answer;
        int64_t now = akd_now();
        if (akd_parse_backup_delete_req(&in, req->body, req->body_len, &e) != 0)
                return akd_respond_error(req, &e);
        /* It signs every device out and only the password brings it back: it takes the password. */
        if (!in.has_proof)
                return respond_no_proof(req, "deleting the recovery account");
        if (!akd_prove_secret(req, &in.proof, &answer))
                return answer;
        enum akd_store_result r;
        if (in.now) {
                struct akd_account *acc = calloc(1, sizeof(*acc));
                uint8_t hash[AKD_EMAIL_HASH_LEN];
                r = acc == NULL ? AKD_STORE_ERROR
                                : st->ops->account_by_id(st, req->session.account_id, acc);
                if (r == AKD_STORE_OK) {
                        akd_email_hash(req->srv, acc->email, hash);
                        r = st->ops->account_purge(st, acc->id, hash, now);
                }
                free(acc);
        } else {
                r = st->ops->account_delete(st, req->session.account_id, in.device_id,
                                            in.device_name, now);
        }
        if (r == AKD_STORE_NOT_FOUND || r == AKD_STORE_DELETED)
                return akd_respond_fail(req, 401, "session_expired",
                                        "the account no longer exists");
        if (r != AKD_STORE_OK)
                return akd_respond_store_failed(req);
        json_t *body =
            json_pack("{s:I, s:b, s:I}", "deleted_at", (json_int_t)now, "purged", in.now,
                      "email_reserved_until", (json_int_t)akd_grace_until(req->srv, now));
        json_object_set_new(body, "restorable_until",
                            in.now ? json_null() : json_integer(akd_grace_until(req->srv, now)));
        return akd_respond_json(req, 200, body);
}

bool akd_account_gate(struct akd_request *req, const char *account_id, bool undelete,
                      bool *restored, enum MHD_Result *answer)
{
        struct akd_store *st = req->srv->store;
        struct akd_account_deleted d;
        struct akd_error e = {0};
        char t1[40], t2[40], dev[AKD_DEVICE_NAME_MAX + 20];
        int64_t now = akd_now();
        *restored = false;
        enum akd_store_result r = st->ops->account_state(st, account_id, &d);
        if (r == AKD_STORE_OK)
                return true;
        if (r != AKD_STORE_DELETED) {
                *answer = akd_respond_store_failed(req);
                return false;
        }
        bool in_grace = d.deleted_at > akd_grace_since(req->srv, now);
        if (undelete && in_grace) {
                r = st->ops->account_undelete(st, account_id, akd_grace_since(req->srv, now));
                *restored = r == AKD_STORE_OK;
                if (r == AKD_STORE_OK || r == AKD_STORE_CONFLICT)
                        return true;
                if (r != AKD_STORE_GONE) {
                        *answer = akd_respond_store_failed(req);
                        return false;
                }
                in_grace = false;
        }
        if (in_grace)
                akd_fail(&e, 410, "account_deleted",
                         "this recovery account was deleted by %s at %s; it can be brought back "
                         "until %s",
                         by(d.device_id, d.device_name, dev, sizeof(dev)),
                         utc(d.deleted_at, t1, sizeof(t1)),
                         utc(akd_grace_until(req->srv, d.deleted_at), t2, sizeof(t2)));
        else
                akd_fail(&e, 410, "account_deleted",
                         "this recovery account was deleted by %s at %s and is being purged; it "
                         "can no longer be brought back",
                         by(d.device_id, d.device_name, dev, sizeof(dev)),
                         utc(d.deleted_at, t1, sizeof(t1)));
        e.extra =
            json_pack("{s:I, s:s, s:s, s:b}", "deleted_at", (json_int_t)d.deleted_at, "device_id",
                      d.device_id, "device_name", d.device_name, "purged", !in_grace);
        json_object_set_new(e.extra, "restorable_until",
                            in_grace ? json_integer(akd_grace_until(req->srv, d.deleted_at))
                                     : json_null());
        *answer = akd_respond_error(req, &e);
        return false;
}
