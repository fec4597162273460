/*
 * authkeepd's answers: JSON bodies, errors as {"error", "message", ...}
 * with their headers (Retry-After, Allow), and the status each request's log
 * line records.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

/* Queues `resp` with `status`; records the status for the log line. */
static enum MHD_Result queue(struct akd_request *req, unsigned status, struct MHD_Response *resp)
{
        if (resp == NULL)
                return MHD_NO;
        req->status = status;
        req->answered = true;
        enum MHD_Result r = MHD_queue_response(req->conn, status, resp);
        MHD_destroy_response(resp);
        return r;
}

/* A JSON response owning `text` (malloc'd, freed in any case); NULL on failure. */
static struct MHD_Response *json_response_len(char *text, size_t len)
{
        if (text == NULL)
                return NULL;
        struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
        if (r == NULL) {
                free(text);
                return NULL;
        }
        MHD_add_response_header(r, "Content-Type", "application/json");
        return r;
}

static struct MHD_Response *json_response(char *text)
{
        return json_response_len(text, text != NULL ? strlen(text) : 0);
}

enum MHD_Result akd_respond_raw_json(struct akd_request *req, unsigned status, char *text,
                                     size_t len)
{
        return queue(req, status, json_response_len(text, len));
}

enum MHD_Result akd_respond_json(struct akd_request *req, unsigned status, json_t *body)
{
        char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
        json_decref(body);
        if (text == NULL) {
                static const char fallback[] =
                    "{\"error\":\"internal\",\"message\":\"out of memory\"}";
                struct MHD_Response *r = MHD_create_response_from_buffer(
                    sizeof(fallback) - 1, (void *)fallback, MHD_RESPMEM_PERSISTENT);
                if (r != NULL)
                        MHD_add_response_header(r, "Content-Type", "application/json");
                return queue(req, 500, r);
        }
        return akd_respond_raw_json(req, status, text, strlen(text));
}

/* The response of the error in `e` (cleared); NULL when out of memory. */
static struct MHD_Response *error_response(struct akd_error *e)
{
        json_t *body = e->extra != NULL ? json_incref(e->extra) : json_object();
        json_object_set_new(body, "error", json_string(e->code));
        json_object_set_new(body, "message", json_string(e->message));
        if (e->retry_after > 0)
                json_object_set_new(body, "retry_after", json_integer(e->retry_after));
        akd_error_clear(e);
        char *text = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        struct MHD_Response *r = json_response(text);
        if (r != NULL && e->retry_after > 0) {
                char secs[24];
                snprintf(secs, sizeof(secs), "%ld", e->retry_after);
                MHD_add_response_header(r, "Retry-After", secs);
        }
        return r;
}

enum MHD_Result akd_respond_error(struct akd_request *req, struct akd_error *e)
{
        if (akd_request_is_page(req))
                return akd_web_respond_error(req, e);
        return queue(req, e->status, error_response(e));
}

enum MHD_Result akd_respond(struct akd_request *req, unsigned status, struct MHD_Response *resp)
{
        return queue(req, status, resp);
}

enum MHD_Result akd_respond_fail(struct akd_request *req, unsigned status, const char *code,
                                 const char *fmt, ...)
{
        struct akd_error e = {0};
        va_list ap;
        e.status = status;
        e.code = code;
        va_start(ap, fmt);
        vsnprintf(e.message, sizeof(e.message), fmt, ap);
        va_end(ap);
        return akd_respond_error(req, &e);
}

enum MHD_Result akd_respond_store_failed(struct akd_request *req)
{
        struct akd_store *st = req->srv->store;
        return akd_respond_store_failed_after(
            req, st->ops->unavailable_for != NULL ? st->ops->unavailable_for(st) : 0);
}

enum MHD_Result akd_respond_store_failed_after(struct akd_request *req, long wait)
{
        if (wait <= 0)
                return akd_respond_fail(req, 500, "internal", "the store failed");
        struct akd_error e = {0};
        akd_fail(&e, 503, "unavailable",
                 "the database cannot be reached for now; try again in %ld second%s", wait,
                 wait == 1 ? "" : "s");
        e.retry_after = wait;
        return akd_respond_error(req, &e);
}

enum MHD_Result akd_respond_empty(struct akd_request *req)
{
        struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        return queue(req, 204, r);
}

/*
 * 413 too_large (the body) or 431 headers_too_large, with the cap in the
 * message and as max_bytes, so that a client can tell its user what fits.
 */
enum MHD_Result akd_respond_too_large(struct akd_request *req, bool headers, size_t cap)
{
        struct akd_error e = {0};
        if (headers)
                akd_fail(&e, 431, "headers_too_large",
                         "the request line and headers are larger than %zu bytes", cap);
        else
                akd_fail(&e, 413, "too_large", "the request body is larger than %zu bytes", cap);
        e.extra = json_pack("{s:I}", "max_bytes", (json_int_t)cap);
        return akd_respond_error(req, &e);
}

/* 405 method_not_allowed with the Allow header (`allow`: "GET, PUT"). */
enum MHD_Result akd_respond_not_allowed(struct akd_request *req, const char *allow)
{
        struct akd_error e = {0};
        akd_fail(&e, 405, "method_not_allowed", "%s is not allowed on %s; use %s", req->method,
                 req->path, allow);
        struct MHD_Response *r = error_response(&e);
        if (r != NULL)
                MHD_add_response_header(r, "Allow", allow);
        return queue(req, 405, r);
}
