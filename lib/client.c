/*
 * The server client (include/authkeep/client.h): HTTP with libcurl, JSON
 * with jansson, SRP-6a and the backup envelope from srp.c and backup.c.
 *
 * Every answer is read into a capped buffer and parsed by one of the
 * ak_client_parse_* functions, which trust nothing: every field is checked
 * for type and size, and anything else is AK_ERR_PROTOCOL.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "authkeep/authkeep.h"
#include "authkeep/backup.h"
#include "authkeep/client.h"
#include "authkeep/srp.h"
#include "internal.h"

#define CONNECT_TIMEOUT_S 10L
#define REQUEST_TIMEOUT_S 60L

struct ak_client {
        char *base;    /* the URL without a trailing slash */
        char *token;   /* session token, or NULL */
        char *ca_file; /* AUTHKEEP_CA_FILE, or NULL */
        long retry_after;
        CURL *curl; /* kept between requests to reuse the connection */
};

/* An answer's body, grown up to AK_CLIENT_BODY_MAX. */
struct body {
        char *data;
        size_t len;
        size_t cap;
        bool too_big;
};

static void body_free(struct body *b)
{
        /* Answers may hold wrapped keys and envelopes: wipe them anyway. */
        ak__free_secret(b->data, b->cap);
        b->data = NULL;
        b->len = b->cap = 0;
}

/* ------------------------------------------------------------------ */
/* URLs                                                                 */

/* True when `host` (as curl gives it: IPv6 without brackets) is loopback. */
static bool host_is_loopback(const char *host)
{
        struct in_addr v4;
        struct in6_addr v6;
        const char *h = host;
        char buf[64];
        size_t n = strlen(host);

        if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(buf)) {
                memcpy(buf, host + 1, n - 2);
                buf[n - 2] = '\0';
                h = buf;
        }
        if (strcasecmp(h, "localhost") == 0)
                return true;
        if (inet_pton(AF_INET, h, &v4) == 1)
                return (ntohl(v4.s_addr) >> 24) == 127;
        if (inet_pton(AF_INET6, h, &v6) == 1)
                return IN6_IS_ADDR_LOOPBACK(&v6);
        return false;
}

enum ak_err ak_client_check_url(const char *url, bool insecure)
{
        CURLU *u = NULL;
        char *scheme = NULL, *host = NULL;
        enum ak_err err = AK_OK;

        if (url == NULL || *url == '\0')
                return ak__fail(AK_ERR_INVALID, "server: no URL given");
        if (strlen(url) > 2048)
                return ak__fail(AK_ERR_INVALID, "server: the URL is too long");
        u = curl_url();
        if (u == NULL)
                return ak__fail(AK_ERR_NOMEM, "server URL");
        if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
                err = ak__fail(AK_ERR_INVALID,
                               "server: '%s' is not a URL (expected https://HOST[:PORT])", url);
                goto done;
        }
        if (strcasecmp(scheme, "https") == 0)
                goto done;
        if (strcasecmp(scheme, "http") != 0) {
                err = ak__fail(AK_ERR_INVALID,
                               "server: unsupported scheme '%s' (expected https://)", scheme);
                goto done;
        }
        if (!insecure && !host_is_loopback(host))
                err = ak__fail(AK_ERR_INSECURE, "server: %s", url);
done:
        curl_free(scheme);
        curl_free(host);
        curl_url_cleanup(u);
        return err;
}

/* ------------------------------------------------------------------ */
/* The client                                                            */

enum ak_err ak_client_new(struct ak_client **out, const char *url, bool insecure)
{
        struct ak_client *c;
        size_t n;
        const char *ca;
        enum ak_err err;

        err = ak_client_check_url(url, insecure);
        if (err != AK_OK)
                return err;
        c = calloc(1, sizeof(*c));
        if (c == NULL)
                return ak__fail(AK_ERR_NOMEM, "client");
        c->base = ak__strdup(url);
        ca = getenv("AUTHKEEP_CA_FILE");
        if (ca != NULL && *ca != '\0')
                c->ca_file = ak__strdup(ca);
        c->curl = curl_easy_init();
        if (c->base == NULL || c->curl == NULL ||
            (ca != NULL && *ca != '\0' && c->ca_file == NULL)) {
                ak_client_free(c);
                return ak__fail(AK_ERR_NOMEM, "client");
        }
        n = strlen(c->base);
        while (n > 0 && c->base[n - 1] == '/')
                c->base[--n] = '\0';
        *out = c;
        return AK_OK;
}

void ak_client_free(struct ak_client *client)
{
        if (client == NULL)
                return;
        ak__free_secret_str(client->token);
        free(client->base);
        free(client->ca_file);
        if (client->curl != NULL)
                curl_easy_cleanup(client->curl);
        free(client);
}

enum ak_err ak_client_set_token(struct ak_client *client, const char *token)
{
        char *copy = NULL;

        if (token != NULL) {
                if (strlen(token) > AK_CLIENT_TOKEN_MAX)
                        return ak__fail(AK_ERR_INVALID, "session token: too long");
                copy = ak__strdup(token);
                if (copy == NULL)
                        return ak__fail(AK_ERR_NOMEM, "session token");
        }
        ak__free_secret_str(client->token);
        client->token = copy;
        return AK_OK;
}

const char *ak_client_token(const struct ak_client *client)
{
        return client->token;
}

long ak_client_retry_after(const struct ak_client *client)
{
        return client->retry_after;
}

void ak_session_wipe(struct ak_session *session)
{
        if (session != NULL)
                sodium_memzero(session, sizeof(*session));
}

/* ------------------------------------------------------------------ */
/* HTTP                                                                  */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
        struct body *b = userdata;
        size_t n = size * nmemb;

        if (n > AK_CLIENT_BODY_MAX - b->len) {
                b->too_big = true;
                return 0; /* makes curl stop with CURLE_WRITE_ERROR */
        }
        if (b->len + n + 1 > b->cap) {
                size_t cap = b->cap ? b->cap : 4096;
                char *grown;

                while (cap < b->len + n + 1)
                        cap *= 2;
                grown = malloc(cap);
                if (grown == NULL)
                        return 0;
                if (b->data != NULL) {
                        memcpy(grown, b->data, b->len);
                        ak__free_secret(b->data, b->cap);
                }
                b->data = grown;
                b->cap = cap;
        }
        memcpy(b->data + b->len, ptr, n);
        b->len += n;
        b->data[b->len] = '\0';
        return n;
}

/* Reads "Retry-After: N" from the answer's headers (when the body does not say). */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
        struct ak_client *c = userdata;
        size_t n = size * nmemb;
        static const char name[] = "retry-after:";

        if (n > sizeof(name) && strncasecmp(ptr, name, sizeof(name) - 1) == 0) {
                char buf[32];
                size_t len = n - (sizeof(name) - 1);
                long v;
                char *end;

                if (len >= sizeof(buf))
                        len = sizeof(buf) - 1;
                memcpy(buf, ptr + sizeof(name) - 1, len);
                buf[len] = '\0';
                errno = 0;
                v = strtol(buf, &end, 10);
                if (errno == 0 && end != buf && v > 0 && v < 366L * 86400)
                        c->retry_after = v;
        }
        return n;
}

/*
 * Sends one request: `method` to base + `path`, with `request` (JSON, may
 * be NULL) as the body and, when `auth`, the session token. On AK_OK
 * *status is the HTTP status and `answer` holds the body (the caller frees
 * it with body_free). AK_ERR_NETWORK when the server cannot be reached.
 */
static enum ak_err http(struct ak_client *c, const char *method, const char *path, json_t *request,
                        bool auth, long *status, struct body *answer)
{
        CURL *h = c->curl;
        struct curl_slist *headers = NULL;
        char *url = NULL, *payload = NULL, *bearer = NULL, why[CURL_ERROR_SIZE] = "";
        size_t url_len, bearer_len = 0;
        CURLcode rc;
        enum ak_err err = AK_OK;

        memset(answer, 0, sizeof(*answer));
        c->retry_after = 0;
        url_len = strlen(c->base) + strlen(path) + 1;
        url = malloc(url_len);
        if (url == NULL)
                return ak__fail(AK_ERR_NOMEM, "request");
        snprintf(url, url_len, "%s%s", c->base, path);

        curl_easy_reset(h);
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
        curl_easy_setopt(h, CURLOPT_TIMEOUT, REQUEST_TIMEOUT_S);
        curl_easy_setopt(h, CURLOPT_USERAGENT, "authkeep/" AK_VERSION);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, answer);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
        curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)AK_CLIENT_BODY_MAX);
        if (c->ca_file != NULL)
                curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
        if (strcmp(method, "HEAD") == 0)
                curl_easy_setopt(h, CURLOPT_NOBODY, 1L);

        headers = curl_slist_append(headers, "Accept: application/json");
        if (request != NULL) {
                payload = json_dumps(request, JSON_COMPACT);
                if (payload == NULL) {
                        err = ak__fail(AK_ERR_NOMEM, "request body");
                        goto done;
                }
                headers = curl_slist_append(headers, "Content-Type: application/json");
                curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
                curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(payload));
        } else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
                curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
                curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
        }
        if (auth) {
                if (c->token == NULL) {
                        err = ak__fail(AK_ERR_SESSION_EXPIRED, "not signed in");
                        goto done;
                }
                bearer_len = strlen(c->token) + 32;
                bearer = malloc(bearer_len);
                if (bearer == NULL) {
                        err = ak__fail(AK_ERR_NOMEM, "request");
                        goto done;
                }
                snprintf(bearer, bearer_len, "Authorization: Bearer %s", c->token);
                headers = curl_slist_append(headers, bearer);
        }
        if (headers == NULL) {
                err = ak__fail(AK_ERR_NOMEM, "request headers");
                goto done;
        }
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);

        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, why);
        rc = curl_easy_perform(h);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
        if (rc != CURLE_OK) {
                if (answer->too_big || rc == CURLE_FILESIZE_EXCEEDED)
                        err = ak__fail(AK_ERR_PROTOCOL, "%s %s: the answer is larger than %u bytes",
                                       method, path, AK_CLIENT_BODY_MAX);
                else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE)
                        err = ak__fail(AK_ERR_NETWORK,
                                       "%s: its certificate is not trusted (%s); AUTHKEEP_CA_FILE "
                                       "can name the CA that signed it",
                                       c->base, why[0] ? why : curl_easy_strerror(rc));
                else
                        err = ak__fail(AK_ERR_NETWORK, "%s: %s", c->base,
                                       why[0] ? why : curl_easy_strerror(rc));
                body_free(answer);
                goto done;
        }
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
done:
        /* Drop the header list and the token copy before anything else runs. */
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
        curl_slist_free_all(headers);
        if (bearer != NULL)
                ak__free_secret(bearer, bearer_len);
        if (payload != NULL)
                ak__free_secret_str(payload);
        free(url);
        return err;
}

/*
 * One call: sends, then maps a status outside 2xx through
 * ak_client_parse_error (filling *info for answers that describe a
 * backup). On AK_OK, `answer` (when not NULL) holds the body; the caller
 * frees it with body_free.
 */
static enum ak_err call(struct ak_client *c, const char *method, const char *path, json_t *request,
                        bool auth, struct body *answer, struct ak_backup_info *info)
{
        struct body got;
        long status = 0, retry = 0;
        enum ak_err err;

        err = http(c, method, path, request, auth, &status, &got);
        if (err != AK_OK)
                return err;
        if (status < 200 || status > 299) {
                err =
                    ak_client_parse_error(status, got.data ? got.data : "", got.len, &retry, info);
                if (retry > 0)
                        c->retry_after = retry;
                body_free(&got);
                return err;
        }
        if (got.data == NULL) {
                got.data = calloc(1, 1);
                got.cap = 1;
                if (got.data == NULL)
                        return ak__fail(AK_ERR_NOMEM, "answer");
        }
        if (answer != NULL)
                *answer = got;
        else
                body_free(&got);
        return AK_OK;
}

enum ak_err ak_client_health(struct ak_client *client)
{
        return call(client, "GET", "/healthz", NULL, false, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* Parsing answers                                                      */

/*
 * Fails with `err` and the current detail prefixed by `prefix` and `sep`.
 * The detail is copied first, since ak__fail writes over it.
 */
static enum ak_err refail(enum ak_err err, const char *prefix, const char *sep)
{
        char copy[512];

        snprintf(copy, sizeof(copy), "%s", ak_error_detail());
        return ak__fail(err, "%s%s%s", prefix, sep, copy);
}

/* Loads a body that must be a JSON object; AK_ERR_PROTOCOL otherwise. */
static enum ak_err load_object(json_t **out, const char *body, size_t len, const char *what)
{
        json_error_t jerr;
        json_t *j;

        if (len > AK_CLIENT_BODY_MAX)
                return ak__fail(AK_ERR_PROTOCOL, "%s: the answer is too large", what);
        j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
        if (j == NULL || !json_is_object(j)) {
                json_decref(j);
                return ak__fail(AK_ERR_PROTOCOL, "%s: the answer is not a JSON object", what);
        }
        *out = j;
        return AK_OK;
}

/* A string field of at most `max` bytes, without control characters, or NULL. */
static const char *get_text(const json_t *obj, const char *key, size_t max)
{
        const json_t *v = json_object_get(obj, key);
        const char *s;
        size_t n;

        if (!json_is_string(v))
                return NULL;
        s = json_string_value(v);
        n = json_string_length(v);
        if (n > max || strlen(s) != n)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
                        return NULL;
        return s;
}

/* A non-negative integer field; false when absent or not one. */
static bool get_uint(const json_t *obj, const char *key, uint64_t *out)
{
        const json_t *v = json_object_get(obj, key);

        if (!json_is_integer(v) || json_integer_value(v) < 0)
                return false;
        *out = (uint64_t)json_integer_value(v);
        return true;
}

/* Copies a text field into a fixed buffer; "" when absent. False when present but bad. */
static bool copy_text(char *dst, size_t dst_size, const json_t *obj, const char *key)
{
        const json_t *v = json_object_get(obj, key);
        const char *s;

        dst[0] = '\0';
        if (v == NULL || json_is_null(v))
                return true;
        s = get_text(obj, key, dst_size - 1);
        if (s == NULL)
                return false;
        memcpy(dst, s, strlen(s) + 1);
        return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
        int64_t era;
        unsigned yoe, doy, doe;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = (unsigned)(y - era * 400);
        doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + (int64_t)doe - 719468;
}

enum ak_err ak_client_parse_time(int64_t *out, const char *text)
{
        int y, mo, d, h, mi, s, n = 0;
        int64_t t;
        const char *p;

        if (text == NULL || *text == '\0' || strlen(text) > 64)
                return ak__fail(AK_ERR_PROTOCOL, "time: empty or too long");
        if (isdigit((unsigned char)text[0]) && strspn(text, "0123456789") == strlen(text)) {
                char *end;
                long long v;

                errno = 0;
                v = strtoll(text, &end, 10);
                if (errno != 0 || *end != '\0')
                        return ak__fail(AK_ERR_PROTOCOL, "time: out of range");
                *out = v;
                return AK_OK;
        }
        if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 || n != 19)
                return ak__fail(AK_ERR_PROTOCOL, "time: '%.64s' is not RFC 3339", text);
        if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 ||
            h < 0 || mi < 0 || s < 0)
                return ak__fail(AK_ERR_PROTOCOL, "time: '%.64s' is out of range", text);
        p = text + n;
        if (*p == '.') { /* fractions of a second are ignored */
                p++;
                if (!isdigit((unsigned char)*p))
                        return ak__fail(AK_ERR_PROTOCOL, "time: '%.64s' is not RFC 3339", text);
                while (isdigit((unsigned char)*p))
                        p++;
        }
        t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
        if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
                *out = t;
                return AK_OK;
        }
        if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) &&
            isdigit((unsigned char)p[2]) && p[3] == ':' && isdigit((unsigned char)p[4]) &&
            isdigit((unsigned char)p[5]) && p[6] == '\0') {
                int off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 +
                          ((p[4] - '0') * 10 + (p[5] - '0')) * 60;

                *out = *p == '+' ? t - off : t + off;
                return AK_OK;
        }
        return ak__fail(AK_ERR_PROTOCOL, "time: '%.64s' has no time zone", text);
}

/* A time field (number or string); 0 when absent. False when present but bad. */
static bool get_time(const json_t *obj, const char *key, int64_t *out)
{
        const json_t *v = json_object_get(obj, key);

        *out = 0;
        if (v == NULL || json_is_null(v))
                return true;
        if (json_is_integer(v)) {
                *out = json_integer_value(v);
                return *out >= 0;
        }
        if (json_is_string(v)) {
                const char *s = get_text(obj, key, 64);

                return s != NULL && ak_client_parse_time(out, s) == AK_OK;
        }
        return false;
}

/* Fills a backup description from an object; version required when `need_version`. */
static enum ak_err parse_info(struct ak_backup_info *info, const json_t *obj, bool need_version,
                              const char *what)
{
        struct ak_backup_info tmp;

        memset(&tmp, 0, sizeof(tmp));
        if (json_object_get(obj, "version") != NULL) {
                if (!get_uint(obj, "version", &tmp.version))
                        return ak__fail(AK_ERR_PROTOCOL, "%s: bad version", what);
        } else if (json_object_get(obj, "latest_version") != NULL) {
                if (!get_uint(obj, "latest_version", &tmp.version))
                        return ak__fail(AK_ERR_PROTOCOL, "%s: bad latest_version", what);
        } else if (need_version) {
                return ak__fail(AK_ERR_PROTOCOL, "%s: no version", what);
        }
        if (!copy_text(tmp.device_id, sizeof(tmp.device_id), obj, "device_id") ||
            !copy_text(tmp.device_name, sizeof(tmp.device_name), obj, "device_name"))
                return ak__fail(AK_ERR_PROTOCOL, "%s: bad device_id or device_name", what);
        if (!get_time(obj, "created_at", &tmp.created_at))
                return ak__fail(AK_ERR_PROTOCOL, "%s: bad created_at", what);
        if (tmp.created_at == 0 && !get_time(obj, "deleted_at", &tmp.created_at))
                return ak__fail(AK_ERR_PROTOCOL, "%s: bad deleted_at", what);
        if (json_object_get(obj, "size") != NULL && !get_uint(obj, "size", &tmp.size))
                return ak__fail(AK_ERR_PROTOCOL, "%s: bad size", what);
        *info = tmp;
        return AK_OK;
}

enum ak_err ak_client_parse_error(long status, const char *body, size_t len, long *retry_after,
                                  struct ak_backup_info *info)
{
        json_t *j = NULL;
        const char *code = "", *message = "";
        uint64_t retry = 0;
        enum ak_err err;

        *retry_after = 0;
        if (len > 0 && len <= 65536) {
                json_error_t jerr;

                j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
                if (j != NULL && json_is_object(j)) {
                        const char *s;

                        if ((s = get_text(j, "error", 64)) != NULL)
                                code = s;
                        if ((s = get_text(j, "message", 400)) != NULL)
                                message = s;
                        if (get_uint(j, "retry_after", &retry) && retry < 366ULL * 86400)
                                *retry_after = (long)retry;
                }
        }

        if (strcmp(code, "account_exists") == 0)
                err = AK_ERR_ACCOUNT_EXISTS;
        else if (strcmp(code, "unknown_account") == 0)
                err = AK_ERR_UNKNOWN_ACCOUNT;
        else if (strcmp(code, "bad_password") == 0)
                err = AK_ERR_AUTH;
        else if (strcmp(code, "session_expired") == 0 || (status == 401 && *code == '\0'))
                err = AK_ERR_SESSION_EXPIRED;
        else if (status == 429 || strcmp(code, "rate_limited") == 0 ||
                 strcmp(code, "locked_out") == 0)
                err = AK_ERR_RATE_LIMITED;
        else if (strcmp(code, "newer_backup") == 0)
                err = AK_ERR_NEWER_BACKUP;
        else if (strcmp(code, "backup_deleted") == 0)
                err = AK_ERR_BACKUP_DELETED;
        else if (strcmp(code, "no_backup") == 0)
                err = AK_ERR_NO_BACKUP;
        else if (strcmp(code, "unknown_version") == 0)
                err = AK_ERR_NOT_FOUND;
        else if (strcmp(code, "busy") == 0)
                err = AK_ERR_RATE_LIMITED;
        else if (status == 401)
                err = AK_ERR_SESSION_EXPIRED;
        else
                err = AK_ERR_HTTP;

        if ((err == AK_ERR_NEWER_BACKUP || err == AK_ERR_BACKUP_DELETED) && info != NULL) {
                memset(info, 0, sizeof(*info));
                if (parse_info(info, j, false, "conflict") != AK_OK)
                        memset(info, 0, sizeof(*info));
        }
        if (err == AK_ERR_RATE_LIMITED && *message == '\0')
                ak__fail(err, "retry in %ld s", *retry_after);
        else if (err == AK_ERR_HTTP)
                ak__fail(err, "HTTP %ld%s%s%s%s", status, *code ? " " : "", code,
                         *message ? ": " : "", message);
        else
                ak__fail(err, "%s", message);
        json_decref(j);
        return err;
}

/* Decodes a standard base64 field into a new buffer of at most `max` bytes. */
static enum ak_err get_base64(unsigned char **out, size_t *out_len, const json_t *obj,
                              const char *key, size_t max, const char *what)
{
        const json_t *v = json_object_get(obj, key);
        const char *s;
        size_t n, cap, bin_len = 0;
        unsigned char *bin;

        if (!json_is_string(v))
                return ak__fail(AK_ERR_PROTOCOL, "%s: no %s", what, key);
        s = json_string_value(v);
        n = json_string_length(v);
        if (n / 4 * 3 > max + 3)
                return ak__fail(AK_ERR_PROTOCOL, "%s: %s is too large", what, key);
        cap = n / 4 * 3 + 3;
        bin = malloc(cap ? cap : 1);
        if (bin == NULL)
                return ak__fail(AK_ERR_NOMEM, "%s", what);
        if (sodium_base642bin(bin, cap, s, n, NULL, &bin_len, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0 ||
            bin_len > max) {
                ak__free_secret(bin, cap);
                return ak__fail(AK_ERR_PROTOCOL, "%s: %s is not valid base64", what, key);
        }
        *out = bin;
        *out_len = bin_len;
        return AK_OK;
}

/* Decodes a base64 field that must be exactly `len` bytes into `out`. */
static enum ak_err get_base64_fixed(unsigned char *out, size_t len, const json_t *obj,
                                    const char *key, const char *what)
{
        unsigned char *bin = NULL;
        size_t bin_len = 0;
        enum ak_err err = get_base64(&bin, &bin_len, obj, key, len, what);

        if (err != AK_OK)
                return err;
        if (bin_len != len) {
                ak__free_secret(bin, bin_len);
                return ak__fail(AK_ERR_PROTOCOL, "%s: %s has %zu bytes, not %zu", what, key,
                                bin_len, len);
        }
        memcpy(out, bin, len);
        ak__free_secret(bin, bin_len);
        return AK_OK;
}

/*
 * An answer describing one version: {version, ...} and, when `envelope` is
 * not NULL, the envelope (malloc'd into *envelope).
 */
static enum ak_err parse_version_answer(struct ak_backup_info *info, unsigned char **envelope,
                                        size_t *envelope_len, const char *body, size_t len,
                                        const char *what)
{
        json_t *j = NULL;
        struct ak_backup_info tmp;
        enum ak_err err;

        err = load_object(&j, body, len, what);
        if (err != AK_OK)
                return err;
        err = parse_info(&tmp, j, true, what);
        if (err == AK_OK && tmp.version == 0)
                err = ak__fail(AK_ERR_PROTOCOL, "%s: version 0", what);
        if (err == AK_OK && envelope != NULL)
                err =
                    get_base64(envelope, envelope_len, j, "envelope", AK_CLIENT_ENVELOPE_MAX, what);
        if (err == AK_OK)
                *info = tmp;
        json_decref(j);
        return err;
}

enum ak_err ak_client_parse_backup(struct ak_backup_info *info, unsigned char **envelope,
                                   size_t *envelope_len, const char *body, size_t len)
{
        return parse_version_answer(info, envelope, envelope_len, body, len, "backup");
}

void ak_backup_versions_clear(struct ak_backup_versions *versions)
{
        if (versions == NULL)
                return;
        free(versions->items);
        memset(versions, 0, sizeof(*versions));
}

enum ak_err ak_client_parse_versions(struct ak_backup_versions *out, const char *body, size_t len)
{
        json_t *j = NULL, *list, *deleted;
        struct ak_backup_versions tmp = {0};
        enum ak_err err;
        size_t n;

        err = load_object(&j, body, len, "versions");
        if (err != AK_OK)
                return err;
        list = json_object_get(j, "versions");
        deleted = json_object_get(j, "deleted");
        if (!json_is_array(list) || (deleted != NULL && !json_is_boolean(deleted))) {
                err = ak__fail(AK_ERR_PROTOCOL, "versions: no list");
                goto done;
        }
        n = json_array_size(list);
        if (n > AK_CLIENT_VERSIONS_MAX) {
                err = ak__fail(AK_ERR_PROTOCOL, "versions: more than %d", AK_CLIENT_VERSIONS_MAX);
                goto done;
        }
        tmp.deleted = json_is_true(deleted);
        if (tmp.deleted && parse_info(&tmp.deleted_by, j, false, "versions") != AK_OK) {
                err =
                    ak__fail(AK_ERR_PROTOCOL, "versions: bad deleted_at, device_id or device_name");
                goto done;
        }
        if (n > 0) {
                tmp.items = calloc(n, sizeof(*tmp.items));
                if (tmp.items == NULL) {
                        err = ak__fail(AK_ERR_NOMEM, "versions");
                        goto done;
                }
        }
        for (size_t i = 0; i < n; i++) {
                const json_t *item = json_array_get(list, i);

                if (!json_is_object(item)) {
                        err = ak__fail(AK_ERR_PROTOCOL, "versions: entry %zu is not an object", i);
                        goto done;
                }
                err = parse_info(&tmp.items[i], item, true, "versions");
                if (err != AK_OK)
                        goto done;
                tmp.count++;
        }
        *out = tmp;
        tmp.items = NULL;
done:
        free(tmp.items);
        json_decref(j);
        return err;
}

enum ak_err ak_client_parse_upload(struct ak_backup_info *info, const char *body, size_t len)
{
        return parse_version_answer(info, NULL, NULL, body, len, "upload");
}

/* ------------------------------------------------------------------ */
/* Building requests                                                    */

/* A JSON string of the standard base64 of `len` bytes, or NULL when out of memory. */
static json_t *b64_json(const unsigned char *bin, size_t len)
{
        size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
        char *s = malloc(n);
        json_t *j;

        if (s == NULL)
                return NULL;
        sodium_bin2base64(s, n, bin, len, sodium_base64_VARIANT_ORIGINAL);
        j = json_string(s);
        free(s);
        return j;
}

static json_t *wrapped_json(const struct ak_wrapped_key *w)
{
        char nonce[AK_WRAP_NONCE_B64], ct[AK_WRAP_CIPHERTEXT_B64];

        ak_wrapped_key_to_b64(nonce, ct, w);
        return json_pack("{s:s, s:s}", "nonce", nonce, "ciphertext", ct);
}

static json_t *kdf_json(const struct ak_recovery_kdf *kdf)
{
        return json_pack("{s:s, s:o, s:I, s:I}", "alg", AK_RECOVERY_KDF_ALG, "salt",
                         b64_json(kdf->salt, sizeof(kdf->salt)), "opslimit",
                         (json_int_t)kdf->opslimit, "memlimit", (json_int_t)kdf->memlimit);
}

/* {kdf, srp_salt, srp_verifier, wrapped_key}: what the server stores for one recovery secret. */
static json_t *credentials_json(const struct ak_recovery_credentials *cred)
{
        return json_pack("{s:o, s:o, s:o, s:o}", "kdf", kdf_json(&cred->kdf), "srp_salt",
                         b64_json(cred->srp_salt, sizeof(cred->srp_salt)), "srp_verifier",
                         b64_json(cred->srp_verifier, sizeof(cred->srp_verifier)), "wrapped_key",
                         wrapped_json(&cred->wrapped_key));
}

/* Parses {"alg","salt","opslimit","memlimit"} and checks the cost is one the device accepts. */
static enum ak_err parse_kdf(struct ak_recovery_kdf *out, const json_t *obj, const char *what)
{
        const char *alg = get_text(obj, "alg", 32);
        uint64_t ops, mem;
        enum ak_err err;

        if (!json_is_object(obj) || alg == NULL || strcmp(alg, AK_RECOVERY_KDF_ALG) != 0)
                return ak__fail(AK_ERR_PROTOCOL, "%s: kdf is not %s", what, AK_RECOVERY_KDF_ALG);
        if (!get_uint(obj, "opslimit", &ops) || !get_uint(obj, "memlimit", &mem) || mem > SIZE_MAX)
                return ak__fail(AK_ERR_PROTOCOL, "%s: bad kdf cost", what);
        err = get_base64_fixed(out->salt, sizeof(out->salt), obj, "salt", what);
        if (err != AK_OK)
                return err;
        out->opslimit = ops;
        out->memlimit = (size_t)mem;
        err = ak_recovery_kdf_check(out);
        if (err != AK_OK)
                return refail(AK_ERR_PROTOCOL, what, ": ");
        return AK_OK;
}

/* Parses a wrapped_key object. */
static enum ak_err parse_wrapped(struct ak_wrapped_key *out, const json_t *obj, const char *what)
{
        const char *nonce = get_text(obj, "nonce", 64), *ct = get_text(obj, "ciphertext", 128);

        if (!json_is_object(obj) || nonce == NULL || ct == NULL ||
            ak_wrapped_key_from_b64(out, nonce, ct) != AK_OK)
                return ak__fail(AK_ERR_PROTOCOL, "%s: bad wrapped_key", what);
        return AK_OK;
}

/* ------------------------------------------------------------------ */
/* The recovery account                                                 */

/*
 * The body that sets a password, and a new recovery code when `code_out`
 * is not NULL: {kdf, srp_salt, srp_verifier, wrapped_key[, recovery]},
 * all made on the device from the password, the code and the backup key.
 * On success *out is the JSON object and *code_out (malloc'd, a secret) the
 * code to show once.
 */
static enum ak_err credentials_request(json_t **out, char **code_out, const char *email,
                                       const char *password, size_t password_len,
                                       const unsigned char backup_key[AK_BACKUP_KEY_BYTES])
{
        char identity[AK_SRP_IDENTITY_MAX + 1], rec_identity[AK_SRP_IDENTITY_MAX + 1];
        char code[AK_RECOVERY_CODE_SIZE];
        unsigned char code_secret[AK_RECOVERY_CODE_SECRET_BYTES];
        struct ak_recovery_credentials cred, rec;
        char *code_copy = NULL;
        json_t *req = NULL;
        enum ak_err err;

        err = ak_srp_identity(identity, sizeof(identity), email, false);
        if (err == AK_OK)
                err = ak_srp_identity(rec_identity, sizeof(rec_identity), email, true);
        if (err != AK_OK)
                return refail(AK_ERR_INVALID, "email", ": ");
        err = ak_recovery_credentials_make(&cred, identity, (const unsigned char *)password,
                                           password_len, backup_key, NULL);
        if (err != AK_OK)
                return err;
        req = credentials_json(&cred);
        if (req == NULL)
                return ak__fail(AK_ERR_NOMEM, "password");
        if (code_out != NULL) {
                ak_recovery_code_new(code_secret, code);
                err = ak_recovery_credentials_make(&rec, rec_identity, code_secret,
                                                   sizeof(code_secret), backup_key, NULL);
                sodium_memzero(code_secret, sizeof(code_secret));
                if (err != AK_OK)
                        goto done;
                code_copy = ak__strdup(code);
                if (code_copy == NULL ||
                    json_object_set_new(req, "recovery", credentials_json(&rec)) != 0) {
                        err = ak__fail(AK_ERR_NOMEM, "recovery code");
                        goto done;
                }
                *code_out = code_copy;
                code_copy = NULL;
        }
        *out = req;
        req = NULL;
done:
        sodium_memzero(code, sizeof(code));
        ak__free_secret_str(code_copy);
        json_decref(req);
        return err;
}

enum ak_err ak_client_create_account(struct ak_client *client, const char *email,
                                     const char *password, size_t password_len,
                                     char **recovery_code)
{
        char identity[AK_SRP_IDENTITY_MAX + 1];
        unsigned char backup_key[AK_BACKUP_KEY_BYTES];
        char *code = NULL;
        json_t *req = NULL;
        enum ak_err err;

        err = ak_srp_identity(identity, sizeof(identity), email, false);
        if (err != AK_OK)
                return refail(AK_ERR_INVALID, "email", ": ");
        /* A new backup key, wrapped twice for the server; the device unwraps it at sign-in. */
        ak_backup_key_new(backup_key);
        err = credentials_request(&req, &code, email, password, password_len, backup_key);
        sodium_memzero(backup_key, sizeof(backup_key));
        if (err != AK_OK)
                return err;
        if (json_object_set_new(req, "email", json_string(identity)) != 0) {
                err = ak__fail(AK_ERR_NOMEM, "create account");
                goto done;
        }
        err = call(client, "POST", "/v1/accounts", req, false, NULL, NULL);
        if (err != AK_OK)
                goto done;
        *recovery_code = code;
        code = NULL;
done:
        ak__free_secret_str(code);
        json_decref(req);
        return err;
}

/* Derives the login and wrap keys of a password or a typed recovery code. */
static enum ak_err derive_keys(struct ak_recovery_keys *keys, const char *secret, size_t secret_len,
                               bool with_recovery_code, const struct ak_recovery_kdf *kdf)
{
        unsigned char code_secret[AK_RECOVERY_CODE_SECRET_BYTES];
        enum ak_err err;

        if (!with_recovery_code)
                return ak_recovery_derive(keys, (const unsigned char *)secret, secret_len, kdf);
        err = ak_recovery_code_parse(code_secret, secret);
        if (err != AK_OK)
                return AK_ERR_AUTH; /* keeps the detail: which mistake */
        err = ak_recovery_derive(keys, code_secret, sizeof(code_secret), kdf);
        sodium_memzero(code_secret, sizeof(code_secret));
        return err;
}

/* True when `s` is 1..max characters of [A-Za-z0-9._-] (tokens go into a header, ids into AD). */
static bool token_chars(const char *s, size_t max)
{
        size_t n = strlen(s);

        return n > 0 && n <= max &&
               strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                         "0123456789._-") == n;
}

enum ak_err ak_client_parse_auth_start(struct ak_auth_challenge *out, const char *body, size_t len)
{
        struct ak_auth_challenge c;
        unsigned char *salt = NULL, *B = NULL;
        const char *lid;
        json_t *j = NULL;
        enum ak_err err;

        memset(&c, 0, sizeof(c));
        err = load_object(&j, body, len, "sign-in");
        if (err != AK_OK)
                return err;
        lid = get_text(j, "login_id", AK_CLIENT_LOGIN_ID_MAX);
        if (lid == NULL || *lid == '\0') {
                err = ak__fail(AK_ERR_PROTOCOL, "sign-in: no login_id");
                goto done;
        }
        memcpy(c.login_id, lid, strlen(lid) + 1);
        err = parse_kdf(&c.kdf, json_object_get(j, "kdf"), "sign-in");
        if (err == AK_OK)
                err = get_base64(&salt, &c.srp_salt_len, j, "srp_salt", AK_SRP_SALT_MAX, "sign-in");
        if (err == AK_OK)
                err = get_base64(&B, &c.B_len, j, "B", AK_SRP_N_BYTES, "sign-in");
        if (err != AK_OK)
                goto done;
        if (c.srp_salt_len == 0 || c.B_len == 0) {
                err = ak__fail(AK_ERR_PROTOCOL, "sign-in: empty srp_salt or B");
                goto done;
        }
        memcpy(c.srp_salt, salt, c.srp_salt_len);
        memcpy(c.B, B, c.B_len);
        *out = c;
done:
        free(salt);
        free(B);
        json_decref(j);
        return err;
}

enum ak_err ak_client_parse_auth_finish(struct ak_auth_answer *out, const char *body, size_t len)
{
        struct ak_auth_answer a;
        const char *token, *account_id;
        json_t *j = NULL;
        enum ak_err err;

        memset(&a, 0, sizeof(a));
        err = load_object(&j, body, len, "sign-in");
        if (err != AK_OK)
                return err;
        err = get_base64_fixed(a.M2, sizeof(a.M2), j, "M2", "sign-in");
        if (err != AK_OK)
                goto done;
        token = get_text(j, "session_token", AK_CLIENT_TOKEN_MAX);
        account_id = get_text(j, "account_id", AK_CLIENT_TEXT_MAX);
        if (token == NULL || !token_chars(token, AK_CLIENT_TOKEN_MAX) || account_id == NULL ||
            !token_chars(account_id, AK_BACKUP_ACCOUNT_ID_MAX)) {
                err = ak__fail(AK_ERR_PROTOCOL, "sign-in: bad session_token or account_id");
                goto done;
        }
        if (!get_time(j, "expires_at", &a.expires_at)) {
                err = ak__fail(AK_ERR_PROTOCOL, "sign-in: bad expires_at");
                goto done;
        }
        err = parse_wrapped(&a.wrapped_key, json_object_get(j, "wrapped_key"), "sign-in");
        if (err != AK_OK)
                goto done;
        memcpy(a.token, token, strlen(token) + 1);
        memcpy(a.account_id, account_id, strlen(account_id) + 1);
        *out = a;
done:
        sodium_memzero(&a, sizeof(a));
        json_decref(j);
        return err;
}

/*
 * The last step of a sign-in: checks the server's proof M2 before
 * anything else of the answer is trusted, then unwraps the backup key.
 */
static enum ak_err finish_sign_in(struct ak_session *out, struct ak_srp_client *srp,
                                  const struct ak_auth_answer *a,
                                  const unsigned char wrap_key[AK_RECOVERY_KEY_BYTES])
{
        struct ak_session s;

        memset(&s, 0, sizeof(s));
        if (ak_srp_client_verify(srp, a->M2, sizeof(a->M2), NULL) != AK_OK)
                return ak__fail(AK_ERR_PROTOCOL,
                                "sign-in: the server's proof M2 is wrong: it does not hold this "
                                "account's verifier");
        if (ak_backup_key_unwrap(s.backup_key, &a->wrapped_key, wrap_key) != AK_OK)
                return ak__fail(AK_ERR_BACKUP_TAMPERED,
                                "sign-in: the wrapped backup key does not open");
        memcpy(s.token, a->token, sizeof(s.token));
        memcpy(s.account_id, a->account_id, sizeof(s.account_id));
        s.expires_at = a->expires_at;
        *out = s;
        sodium_memzero(&s, sizeof(s));
        return AK_OK;
}

enum ak_err ak_client_sign_in(struct ak_client *client, struct ak_session *session,
                              const char *email, const char *secret, size_t secret_len,
                              bool with_recovery_code)
{
        char identity[AK_SRP_IDENTITY_MAX + 1], plain_email[AK_SRP_IDENTITY_MAX + 1];
        unsigned char A[AK_SRP_N_BYTES], M1[AK_SRP_HASH_BYTES];
        struct ak_auth_challenge challenge;
        struct ak_auth_answer answer_fields;
        struct ak_recovery_keys keys;
        struct ak_srp_client *srp = NULL;
        struct ak_session s;
        struct body answer = {0};
        json_t *req = NULL;
        enum ak_err err;

        memset(&keys, 0, sizeof(keys));
        memset(&s, 0, sizeof(s));
        memset(&answer_fields, 0, sizeof(answer_fields));
        /* The server wants the email itself; the SRP identity adds "#recovery" for a code. */
        err = ak_srp_identity(identity, sizeof(identity), email, with_recovery_code);
        if (err == AK_OK)
                err = ak_srp_identity(plain_email, sizeof(plain_email), email, false);
        if (err != AK_OK)
                return refail(AK_ERR_INVALID, "email", ": ");

        /* Step 1: the server's salt, cost and B. */
        req = json_pack("{s:s, s:b}", "email", plain_email, "recovery", with_recovery_code);
        if (req == NULL)
                return ak__fail(AK_ERR_NOMEM, "sign-in");
        err = call(client, "POST", "/v1/auth/start", req, false, &answer, NULL);
        json_decref(req);
        req = NULL;
        if (err == AK_OK)
                err = ak_client_parse_auth_start(&challenge, answer.data, answer.len);
        body_free(&answer);
        if (err != AK_OK)
                goto done;

        /* Step 2: derive the keys, answer with A and the proof M1. */
        err = derive_keys(&keys, secret, secret_len, with_recovery_code, &challenge.kdf);
        if (err != AK_OK)
                goto done;
        err = ak_srp_client_new(&srp, identity, keys.login_key, sizeof(keys.login_key), A);
        if (err != AK_OK)
                goto done;
        if (ak_srp_client_process(srp, challenge.srp_salt, challenge.srp_salt_len, challenge.B,
                                  challenge.B_len, M1) != AK_OK) {
                err = ak__fail(AK_ERR_PROTOCOL, "sign-in: the server's B or salt is malformed");
                goto done;
        }
        req = json_pack("{s:s, s:o, s:o}", "login_id", challenge.login_id, "A",
                        b64_json(A, sizeof(A)), "M1", b64_json(M1, sizeof(M1)));
        if (req == NULL) {
                err = ak__fail(AK_ERR_NOMEM, "sign-in");
                goto done;
        }
        err = call(client, "POST", "/v1/auth/finish", req, false, &answer, NULL);
        if (err == AK_OK)
                err = ak_client_parse_auth_finish(&answer_fields, answer.data, answer.len);
        body_free(&answer);
        if (err != AK_OK)
                goto done;

        /* Step 3: check the server's proof, unwrap the backup key. */
        err = finish_sign_in(&s, srp, &answer_fields, keys.wrap_key);
        if (err == AK_OK)
                err = ak_client_set_token(client, s.token);
        if (err == AK_OK)
                *session = s;
done:
        sodium_memzero(&s, sizeof(s));
        sodium_memzero(&answer_fields, sizeof(answer_fields));
        ak_recovery_keys_wipe(&keys);
        ak_srp_client_free(srp);
        json_decref(req);
        return err;
}

enum ak_err ak_client_change_password(struct ak_client *client, const char *email,
                                      const char *password, size_t password_len,
                                      const unsigned char backup_key[AK_BACKUP_KEY_BYTES],
                                      char **recovery_code)
{
        char *code = NULL;
        json_t *req = NULL;
        enum ak_err err;

        err = credentials_request(&req, recovery_code != NULL ? &code : NULL, email, password,
                                  password_len, backup_key);
        if (err != AK_OK)
                return err;
        err = call(client, "POST", "/v1/password", req, true, NULL, NULL);
        if (err == AK_OK && recovery_code != NULL) {
                *recovery_code = code;
                code = NULL;
        }
        ak__free_secret_str(code);
        json_decref(req);
        return err;
}

enum ak_err ak_client_sign_out(struct ak_client *client)
{
        enum ak_err err = call(client, "DELETE", "/v1/session", NULL, true, NULL, NULL);

        ak_client_set_token(client, NULL);
        return err;
}

/* ------------------------------------------------------------------ */
/* Backups                                                              */

enum ak_err ak_client_backup_versions(struct ak_client *client, struct ak_backup_versions *out)
{
        struct body answer;
        enum ak_err err = call(client, "GET", "/v1/backup/versions", NULL, true, &answer, NULL);

        if (err != AK_OK)
                return err;
        err = ak_client_parse_versions(out, answer.data, answer.len);
        body_free(&answer);
        return err;
}

enum ak_err ak_client_backup_upload(struct ak_client *client, struct ak_backup_info *info,
                                    const unsigned char backup_key[AK_BACKUP_KEY_BYTES],
                                    const char *account_id, uint64_t replaces_version,
                                    const char *device_id, const char *device_name,
                                    const char *payload, size_t payload_len)
{
        unsigned char *envelope = NULL;
        size_t envelope_len = 0;
        struct ak_backup_info got;
        struct body answer = {0};
        json_t *req = NULL;
        enum ak_err err;

        memset(&got, 0, sizeof(got));
        err = ak_backup_seal(&envelope, &envelope_len, payload, payload_len, backup_key, account_id,
                             replaces_version + 1);
        if (err != AK_OK)
                return err;
        req = json_pack("{s:I, s:s, s:s, s:o}", "replaces_version", (json_int_t)replaces_version,
                        "device_id", device_id, "device_name", device_name ? device_name : "",
                        "envelope", b64_json(envelope, envelope_len));
        free(envelope);
        if (req == NULL)
                return ak__fail(AK_ERR_NOMEM, "upload");
        err = call(client, "PUT", "/v1/backup", req, true, &answer, &got);
        json_decref(req);
        if (err == AK_OK)
                err = ak_client_parse_upload(&got, answer.data, answer.len);
        body_free(&answer);
        if (err == AK_OK && got.version != replaces_version + 1)
                err = ak__fail(AK_ERR_PROTOCOL,
                               "upload: the server numbered it %" PRIu64 ", not %" PRIu64,
                               got.version, replaces_version + 1);
        if (err == AK_OK || err == AK_ERR_NEWER_BACKUP || err == AK_ERR_BACKUP_DELETED)
                *info = got;
        return err;
}

enum ak_err ak_client_backup_download(struct ak_client *client, struct ak_backup_info *info,
                                      char **payload, size_t *payload_len,
                                      const unsigned char backup_key[AK_BACKUP_KEY_BYTES],
                                      const char *account_id, uint64_t version)
{
        char path[64];
        struct body answer = {0};
        struct ak_backup_info got;
        unsigned char *envelope = NULL, *plain = NULL;
        size_t envelope_len = 0, plain_len = 0;
        enum ak_err err;

        memset(&got, 0, sizeof(got));
        if (version > 0)
                snprintf(path, sizeof(path), "/v1/backup?version=%" PRIu64, version);
        else
                snprintf(path, sizeof(path), "/v1/backup");
        err = call(client, "GET", path, NULL, true, &answer, &got);
        if (err == AK_ERR_BACKUP_DELETED)
                *info = got;
        if (err != AK_OK)
                return err;
        err = ak_client_parse_backup(&got, &envelope, &envelope_len, answer.data, answer.len);
        body_free(&answer);
        if (err != AK_OK)
                return err;
        if (version > 0 && got.version != version) {
                free(envelope);
                return ak__fail(AK_ERR_PROTOCOL,
                                "download: asked for version %" PRIu64 ", got %" PRIu64, version,
                                got.version);
        }
        err = ak_backup_open(&plain, &plain_len, envelope, envelope_len, backup_key, account_id,
                             got.version);
        free(envelope);
        if (err == AK_ERR_BACKUP_TAMPERED)
                err = ak__fail(err, "version %" PRIu64 " failed authentication", got.version);
        else if (err == AK_ERR_FORMAT || err == AK_ERR_LIMIT)
                err = ak__fail(AK_ERR_BACKUP_TAMPERED,
                               "version %" PRIu64 " is not a backup envelope", got.version);
        else if (err == AK_ERR_UNSUPPORTED)
                err =
                    ak__fail(err, "version %" PRIu64 " was made by a newer Authkeep", got.version);
        if (err != AK_OK)
                return err;
        *payload = (char *)plain;
        *payload_len = plain_len;
        *info = got;
        return AK_OK;
}

enum ak_err ak_client_backup_delete(struct ak_client *client, const char *device_id,
                                    const char *device_name)
{
        json_t *req = json_pack("{s:s, s:s}", "device_id", device_id ? device_id : "",
                                "device_name", device_name ? device_name : "");
        enum ak_err err;

        if (req == NULL)
                return ak__fail(AK_ERR_NOMEM, "delete");
        if (device_id == NULL)
                json_object_clear(req);
        err = call(client, "DELETE", "/v1/backup", req, true, NULL, NULL);
        json_decref(req);
        return err;
}
