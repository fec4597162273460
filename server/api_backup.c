/*
 * Backups (docs/api.md §3): upload with the version it replaces, download the
 * latest or an older version, list versions, delete all. An upload suspends
 * its connection until the store has committed it in a group commit; the
 * store's thread resumes the connection and libmicrohttpd calls
 * akd_api_backup_put() again to answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle.h"

/*
 * Writes `in` as the inside of a JSON string into `out` (6 bytes per input
 * byte at most, plus the NUL): quotes, backslashes and control characters
 * escaped, UTF-8 kept as it is.
 */
static void json_escape(char *out, const char *in)
{
        for (; *in != '\0'; in++) {
                unsigned char c = (unsigned char)*in;
                if (c == '"' || c == '\\') {
                        *out++ = '\\';
                        *out++ = (char)c;
                } else if (c < 0x20) {
                        out += sprintf(out, "\\u%04x", c);
                } else {
                        *out++ = (char)c;
                }
        }
        *out = '\0';
}

static enum MHD_Result respond_deleted(struct akd_request *req, const struct akd_backup_deleted *d)
{
        struct akd_error e = {0};
        akd_fail(&e, 410, "backup_deleted",
                 "the backup was deleted%s%s; the next upload starts it again",
                 d->device_name[0] || d->device_id[0] ? " by " : "",
                 d->device_name[0] ? d->device_name : d->device_id);
        e.extra = akd_backup_deleted_json(req, d, false);
        return akd_respond_error(req, &e);
}

static void put_done(struct akd_backup_put *put)
{
        struct akd_request *req = put->ctx;
        struct akd_server *srv = req->srv;
        req->put_finished = true;
        MHD_resume_connection(req->conn);
        /* Last: akd_server_stop() may stop the daemon as soon as this is 0. */
        atomic_fetch_sub(&srv->uploads_waiting, 1);
}

/* Answers an upload the store has finished. */
static enum MHD_Result put_answer(struct akd_request *req)
{
        struct akd_backup_put *p = req->put;
        struct akd_error e = {0};
        switch (p->result) {
        case AKD_STORE_OK:
                return akd_respond_json(req, 200,
                                        json_pack("{s:I, s:I}", "version", (json_int_t)p->version,
                                                  "created_at", (json_int_t)p->now));
        case AKD_STORE_CONFLICT:
                akd_fail(&e, 409, "newer_backup",
                         "a newer backup (version %llu) exists, from %s; fetch it first",
                         (unsigned long long)p->latest.version,
                         p->latest.device_name[0] ? p->latest.device_name : p->latest.device_id);
                e.extra = json_pack("{s:I, s:s, s:s, s:I}", "latest_version",
                                    (json_int_t)p->latest.version, "device_id", p->latest.device_id,
                                    "device_name", p->latest.device_name, "created_at",
                                    (json_int_t)p->latest.created_at);
                return akd_respond_error(req, &e);
        case AKD_STORE_DELETED:
                return respond_deleted(req, &p->deleted);
        case AKD_STORE_NOT_FOUND:
                return akd_respond_fail(req, 401, "session_expired",
                                        "the account no longer exists");
        default:
                return akd_respond_store_failed_after(req, p->retry_after);
        }
}

enum MHD_Result akd_api_backup_put(struct akd_request *req)
{
        if (req->put != NULL) {
                if (!req->put_finished) /* a spurious call while suspended */
                        return MHD_YES;
                return put_answer(req);
        }
        struct akd_error e = {0};
        if (atomic_load(&req->srv->stopping)) {
                akd_fail(&e, 503, "busy", "the server is stopping; try again in a few seconds");
                e.retry_after = 5;
                return akd_respond_error(req, &e);
        }
        if (akd_parse_backup_put_req(&req->put_req, req->body, req->body_len, &e) != 0)
                return akd_respond_error(req, &e);
        struct akd_backup_put *p = calloc(1, sizeof(*p));
        if (p == NULL)
                return akd_respond_fail(req, 500, "internal", "out of memory");
        memcpy(p->account_id, req->session.account_id, sizeof(p->account_id));
        p->replaces_version = req->put_req.replaces_version;
        memcpy(p->device_id, req->put_req.device_id, sizeof(p->device_id));
        memcpy(p->device_name, req->put_req.device_name, sizeof(p->device_name));
        p->envelope = req->put_req.envelope;
        p->envelope_len = req->put_req.envelope_len;
        p->now = akd_now();
        p->keep_versions = req->srv->cfg->keep_versions;
        p->done = put_done;
        p->ctx = req;
        req->put = p;
        /* Suspend first: the store may finish before this function returns. */
        atomic_fetch_add(&req->srv->uploads_waiting, 1);
        MHD_suspend_connection(req->conn);
        req->srv->store->ops->backup_put(req->srv->store, p);
        return MHD_YES;
}

static enum MHD_Result respond_backup(struct akd_request *req, const struct akd_backup_meta *m,
                                      uint8_t *envelope);

/*
 * GET /v1/backup?deleted=1: a version (0: the latest) of a deleted backup
 * that is still kept, to look at before bringing it back.
 */
static enum MHD_Result get_deleted(struct akd_request *req, uint64_t version)
{
        struct akd_store *st = req->srv->store;
        struct akd_backup_meta meta, *none = NULL;
        struct akd_backup_deleted deleted;
        uint8_t *envelope = NULL;
        size_t n = 0;
        enum akd_store_result r =
            st->ops->backup_list(st, req->session.account_id, &none, &n, &deleted);
        free(none);
        if (r == AKD_STORE_OK)
                return akd_respond_fail(req, 409, "not_deleted", "the backup is not deleted");
        if (r != AKD_STORE_DELETED)
                return akd_respond_store_failed(req);
        r = deleted.deleted_at > akd_grace_since(req->srv, akd_now())
                ? st->ops->backup_deleted_get(st, req->session.account_id, version, &meta,
                                              &envelope)
                : AKD_STORE_NOT_FOUND;
        if (r == AKD_STORE_NOT_FOUND && version == 0)
                return akd_respond_fail(req, 404, "unknown_version",
                                        "nothing is kept of the deleted backup");
        if (r == AKD_STORE_NOT_FOUND)
                return akd_respond_fail(req, 404, "unknown_version",
                                        "the deleted backup has no version %llu",
                                        (unsigned long long)version);
        if (r != AKD_STORE_OK)
                return akd_respond_store_failed(req);
        return respond_backup(req, &meta, envelope);
}

/* Parses ?version=N (1 to 2^53); 0 when absent; -1 when malformed. */
static int64_t version_arg(struct akd_request *req)
{
        const char *v = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "version");
        if (v == NULL)
                return 0;
        if (v[0] < '1' || v[0] > '9' || strlen(v) > 16)
                return -1;
        int64_t n = 0;
        for (const char *c = v; *c != '\0'; c++) {
                if (*c < '0' || *c > '9')
                        return -1;
                n = n * 10 + (*c - '0');
        }
        return n > (INT64_C(1) << 53) ? -1 : n;
}

/* True for ?deleted=1: a deleted backup's version. */
static bool deleted_arg(struct akd_request *req)
{
        const char *kept = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "deleted");
        return kept != NULL && strcmp(kept, "1") == 0;
}

/*
 * Reads the session together with the version that the download will
 * answer (one round trip on PostgreSQL instead of two), into req->download.
 * A malformed version and ?deleted=1 read the session alone: the handler
 * answers those by itself.
 */
enum akd_store_result akd_api_backup_get_session(struct akd_request *req)
{
        int64_t version = version_arg(req);
        if (version < 0 || deleted_arg(req))
                return akd_session_read(req);
        enum akd_store_result r =
            akd_store_session_backup_get(req->srv->store, req->token_hash, akd_now(),
                                         (uint64_t)version, &req->session, &req->download);
        req->download_read = r == AKD_STORE_OK;
        return r;
}

enum MHD_Result akd_api_backup_get(struct akd_request *req)
{
        int64_t version = version_arg(req);
        if (version < 0)
                return akd_respond_fail(req, 400, "bad_request",
                                        "version: must be a whole number from 1 to 2^53");
        if (deleted_arg(req))
                return get_deleted(req, (uint64_t)version);
        struct akd_backup_read b = req->download;
        req->download.envelope = NULL; /* ours now */
        if (!req->download_read)
                b.result = req->srv->store->ops->backup_get(
                    req->srv->store, req->session.account_id, (uint64_t)version, &b.meta,
                    &b.envelope, &b.deleted);
        switch (b.result) {
        case AKD_STORE_OK:
                break;
        case AKD_STORE_DELETED:
                return respond_deleted(req, &b.deleted);
        case AKD_STORE_NOT_FOUND:
                if (version == 0)
                        return akd_respond_fail(req, 404, "no_backup",
                                                "this recovery account holds no backup yet");
                return akd_respond_fail(req, 404, "unknown_version",
                                        "there is no backup version %lld (too old or never made)",
                                        (long long)version);
        default:
                return akd_respond_store_failed(req);
        }
        return respond_backup(req, &b.meta, b.envelope);
}

/*
 * A version with its envelope (freed here). The answer is written by hand
 * rather than through jansson: the envelope dominates it, and copying its
 * base64 once is what keeps downloads as fast as a static file server's.
 */
static enum MHD_Result respond_backup(struct akd_request *req, const struct akd_backup_meta *m,
                                      uint8_t *envelope)
{
        struct akd_backup_meta meta = *m;
        char id[2 * 6 * AKD_DEVICE_ID_MAX + 1], name[2 * 6 * AKD_DEVICE_NAME_MAX + 1];
        json_escape(id, meta.device_id);
        json_escape(name, meta.device_name);
        size_t cap = 160 + strlen(id) + strlen(name) + AKD_B64_LEN(meta.size);
        char *body = malloc(cap);
        if (body == NULL) {
                free(envelope);
                return akd_respond_fail(req, 500, "internal", "out of memory");
        }
        int n = snprintf(body, cap,
                         "{\"version\":%llu,\"device_id\":\"%s\",\"device_name\":\"%s\","
                         "\"created_at\":%lld,\"envelope\":\"",
                         (unsigned long long)meta.version, id, name, (long long)meta.created_at);
        size_t len = (size_t)n;
        len += akd_b64_encode_into(body + len, envelope, meta.size);
        memcpy(body + len, "\"}", 3);
        len += 2;
        free(envelope);
        return akd_respond_raw_json(req, 200, body, len);
}

enum MHD_Result akd_api_backup_versions(struct akd_request *req)
{
        struct akd_backup_meta *list = NULL;
        size_t count = 0;
        struct akd_backup_deleted deleted;
        enum akd_store_result r = req->srv->store->ops->backup_list(
            req->srv->store, req->session.account_id, &list, &count, &deleted);
        json_t *body;
        if (r == AKD_STORE_DELETED) {
                body = akd_backup_deleted_json(req, &deleted, true);
                json_object_set_new(body, "versions", json_array());
                json_object_set_new(body, "deleted", json_true());
                return akd_respond_json(req, 200, body);
        }
        if (r != AKD_STORE_OK)
                return akd_respond_store_failed(req);
        json_t *versions = json_array();
        for (size_t i = 0; i < count; i++)
                json_array_append_new(versions, json_pack("{s:I, s:s, s:s, s:I, s:I}", "version",
                                                          (json_int_t)list[i].version, "device_id",
                                                          list[i].device_id, "device_name",
                                                          list[i].device_name, "created_at",
                                                          (json_int_t)list[i].created_at, "size",
                                                          (json_int_t)list[i].size));
        free(list);
        body = json_pack("{s:o, s:b}", "versions", versions, "deleted", 0);
        return akd_respond_json(req, 200, body);
}
