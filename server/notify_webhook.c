/*
 * The webhook: notifier, for SMS gateways (and anything else that takes an
 * HTTP POST): the message's JSON as the body, Content-Type application/json;
 * any 2xx answer is success, anything else (a redirect too) a failure. The
 * URL is checked at start but not called: a gateway has nothing to answer
 * before there is a message.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "notify_impl.h"

struct webhook_notifier {
        struct akd_notifier base;
        char url[AKD_NOTIFY_SPEC_MAX + 1];
        bool plain_http;
};

/* Checks that `url` is an http or https URL with a host; 0 or -1 with why. */
static int check_url(const char *url, bool *plain_http, char *why, size_t whylen)
{
        CURLU *u = curl_url();
        char *scheme = NULL, *host = NULL;
        int rc = -1;
        if (u == NULL) {
                snprintf(why, whylen, "out of memory");
                return -1;
        }
        if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
                snprintf(why, whylen, "not a URL (like https://sms.example/send)");
                goto done;
        }
        if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
                snprintf(why, whylen, "the URL is %s:, not http: or https:", scheme);
                goto done;
        }
        if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
                snprintf(why, whylen, "the URL has no host");
                goto done;
        }
        *plain_http = strcasecmp(scheme, "http") == 0;
        rc = 0;
done:
        curl_free(scheme);
        curl_free(host);
        curl_url_cleanup(u);
        return rc;
}

static struct akd_notifier *webhook_open(const char *spec, const char *from, char *why,
                                         size_t whylen)
{
        const char *url = spec + strlen("webhook:");
        bool plain_http = false;
        if (check_url(url, &plain_http, why, whylen) != 0)
                return NULL;
        struct webhook_notifier *w = calloc(1, sizeof(*w));
        if (w == NULL) {
                snprintf(why, whylen, "out of memory");
                return NULL;
        }
        snprintf(w->url, sizeof(w->url), "%s", url);
        w->plain_http = plain_http;
        return &w->base;
}

/* The gateway's answer is not read, only counted away. */
static size_t discard(char *data, size_t size, size_t n, void *user)
{
        return size * n;
}

static int webhook_send(struct akd_notifier *n, const struct akd_notify_msg *m, const char *json,
                        size_t len, char *why, size_t whylen)
{
        struct webhook_notifier *w = (struct webhook_notifier *)n;
        char errbuf[CURL_ERROR_SIZE];
        struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
        CURL *h = headers != NULL ? akd_notify_curl(w->url, "http,https", errbuf) : NULL;
        int rc = -1;
        if (h == NULL) {
                snprintf(why, whylen, "out of memory");
                goto done;
        }
        /* Without the trailing newline of the JSON line. */
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(len - 1));
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
        /*
         * As the device's client does: plain HTTP never goes through a
         * proxy (which would read the code), whatever http_proxy says;
         * https:// follows https_proxy and no_proxy as usual.
         */
        if (w->plain_http)
                curl_easy_setopt(h, CURLOPT_PROXY, "");
        CURLcode res = curl_easy_perform(h);
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (res != CURLE_OK)
                akd_notify_curl_why(why, whylen, res, errbuf);
        else if (status < 200 || status > 299)
                snprintf(why, whylen, "the webhook answered %ld, not 2xx", status);
        else
                rc = 0;
done:
        curl_easy_cleanup(h);
        curl_slist_free_all(headers);
        return rc;
}

static void webhook_close(struct akd_notifier *n)
{
        free(n);
}

const struct akd_notifier_ops akd_notify_webhook_ops = {
    .prefix = "webhook:",
    .email = true,
    .phone = true,
    .open = webhook_open,
    .send = webhook_send,
    .close = webhook_close,
};
