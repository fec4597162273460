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

#include "http.h"

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

/* Fields of a 410 backup_deleted answer. */
static json_t *deleted_json(const struct akd_backup_deleted *d)
{
        return json_pack("{s:I, s:s, s:s, s:I}", "deleted_at", (json_int_t)d->deleted_at,
                         "device_id", d->device_id, "device_name", d->device_name, "latest_version",
                         (json_int_t)d->latest_version);
}

static enum MHD_Result respond_deleted(struct akd_request *req, const struct akd_backup_deleted *d)
{
        struct akd_error e = {0};
        akd_fail(&e, 410, "backup_deleted",
                 "the backup was deleted%s%s; the next upload starts it again",
                 d->device_name[0] || d->device_id[0] ? " by " : "",
                 d->device_name[0] ? d->device_name : d->device_id);
        e.extra = deleted_json(d);
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
                return akd_respond_fail(req, 500, "internal",
                                        "the store failed; nothing was stored");
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

enum MHD_Result akd_api_backup_get(struct akd_request *req)
{
        int64_t version = version_arg(req);
        if (version < 0)
                return akd_respond_fail(req, 400, "bad_request",
                                        "version: must be a whole number from 1 to 2^53");
        struct akd_backup_meta meta;
        struct akd_backup_deleted deleted;
        uint8_t *envelope = NULL;
        enum akd_store_result r =
            req->srv->store->ops->backup_get(req->srv->store, req->session.account_id,
                                             (uint64_t)version, &meta, &envelope, &deleted);
        switch (r) {
        case AKD_STORE_OK:
                break;
        case AKD_STORE_DELETED:
                return respond_deleted(req, &deleted);
        case AKD_STORE_NOT_FOUND:
                if (version == 0)
                        return akd_respond_fail(req, 404, "no_backup",
                                                "this recovery account holds no backup yet");
                return akd_respond_fail(req, 404, "unknown_version",
                                        "there is no backup version %lld (too old or never made)",
                                        (long long)version);
        default:
                return akd_respond_fail(req, 500, "internal", "the store failed");
        }
        /*
         * The answer is written by hand rather than through jansson: the
         * envelope dominates it, and copying its base64 once is what keeps
         * downloads as fast as a static file server's.
         */
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
                body = deleted_json(&deleted);
                json_object_set_new(body, "versions", json_array());
                json_object_set_new(body, "deleted", json_true());
                return akd_respond_json(req, 200, body);
        }
        if (r != AKD_STORE_OK)
                return akd_respond_fail(req, 500, "internal", "the store failed");
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

enum MHD_Result akd_api_backup_delete(struct akd_request *req)
{
        struct akd_error e = {0};
        struct akd_backup_delete_req in;
        if (akd_parse_backup_delete_req(&in, req->body, req->body_len, &e) != 0)
                return akd_respond_error(req, &e);
        enum akd_store_result r = req->srv->store->ops->backup_delete(
            req->srv->store, req->session.account_id, in.device_id, in.device_name, akd_now());
        switch (r) {
        case AKD_STORE_OK:
                return akd_respond_empty(req);
        case AKD_STORE_NOT_FOUND:
                return akd_respond_fail(req, 404, "no_backup",
                                        "this recovery account holds no backup");
        case AKD_STORE_DELETED:
                return akd_respond_fail(req, 410, "backup_deleted",
                                        "the backup was deleted already");
        default:
                return akd_respond_fail(req, 500, "internal", "the store failed");
        }
}
