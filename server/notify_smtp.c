/*
 * The smtp:// notifier: each email is one SMTP transaction through libcurl
 * to the configured server, from --notify-from, with STARTTLS whenever the
 * server offers it (CURLUSESSL_TRY: a certificate that does not verify is a
 * failure, not a reason to go on in clear). The message is RFC 5322 with a
 * quoted-printable UTF-8 body, so any text travels through any relay
 * without 8BITMIME and without overlong lines. At start the server is
 * reached once (greeting, EHLO, STARTTLS where offered) so that a wrong
 * host or port stops authkeepd there rather than at the first code.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "notify_impl.h"
#include "server.h"

struct smtp_notifier {
        struct akd_notifier base;
        char url[AKD_NOTIFY_SPEC_MAX + 300]; /* smtp://HOST:PORT/EHLO-NAME */
        char from[AKD_NOTIFY_FROM_MAX + 1];
};

/* This machine's name for EHLO: the host name when it is one, else "localhost". */
static void ehlo_name(char *out, size_t n)
{
        if (gethostname(out, n) != 0 || out[0] == '\0' ||
            strspn(out, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
                strlen(out))
                snprintf(out, n, "localhost");
}

/* Whether `u` has `what` (and, for the path, more than "/"). */
static bool has_part(CURLU *u, CURLUPart what)
{
        char *part = NULL;
        bool has = curl_url_get(u, what, &part, 0) == CURLUE_OK &&
                   (what != CURLUPART_PATH || strcmp(part, "/") != 0);
        curl_free(part);
        return has;
}

/*
 * Parses smtp://HOST[:PORT] (port 25 by default) into `s->url`. No user
 * name, password, path or query. 0 or -1 with why.
 */
static int parse_spec(struct smtp_notifier *s, const char *spec, char *why, size_t whylen)
{
        CURLU *u = curl_url();
        char *host = NULL, *port = NULL, name[256];
        int rc = -1;
        if (u == NULL) {
                snprintf(why, whylen, "out of memory");
                return -1;
        }
        if (curl_url_set(u, CURLUPART_URL, spec, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0' ||
            curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
                snprintf(why, whylen, "not smtp://HOST:PORT");
                goto done;
        }
        if (has_part(u, CURLUPART_USER) || has_part(u, CURLUPART_PASSWORD)) {
                snprintf(why, whylen, "a user name or password in the URL is not supported");
                goto done;
        }
        if (has_part(u, CURLUPART_PATH) || has_part(u, CURLUPART_QUERY) ||
            has_part(u, CURLUPART_FRAGMENT)) {
                snprintf(why, whylen, "nothing may follow HOST:PORT");
                goto done;
        }
        ehlo_name(name, sizeof(name));
        snprintf(s->url, sizeof(s->url), "smtp://%s:%s/%s", host, port, name);
        rc = 0;
done:
        curl_free(host);
        curl_free(port);
        curl_url_cleanup(u);
        return rc;
}

/* A handle for one exchange with the server (envelope and body set by the caller). */
static CURL *smtp_handle(const struct smtp_notifier *s, char *errbuf)
{
        CURL *h = akd_notify_curl(s->url, "smtp", errbuf);
        if (h == NULL)
                return NULL;
        curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
        /* Mail may be plain text on the wire: never through the environment's proxy. */
        curl_easy_setopt(h, CURLOPT_PROXY, "");
        return h;
}

static struct akd_notifier *smtp_open(const char *spec, const char *from, char *why, size_t whylen)
{
        char errbuf[CURL_ERROR_SIZE];
        struct smtp_notifier *s = calloc(1, sizeof(*s));
        if (s == NULL) {
                snprintf(why, whylen, "out of memory");
                return NULL;
        }
        snprintf(s->from, sizeof(s->from), "%s", from);
        if (parse_spec(s, spec, why, whylen) != 0)
                goto fail;
        /*
         * CONNECT_ONLY stops after libcurl's SMTP connect phase: the
         * greeting, EHLO and STARTTLS where offered, then QUIT at cleanup.
         */
        CURL *h = smtp_handle(s, errbuf);
        if (h == NULL) {
                snprintf(why, whylen, "out of memory");
                goto fail;
        }
        curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
        CURLcode rc = curl_easy_perform(h);
        curl_easy_cleanup(h);
        if (rc != CURLE_OK) {
                akd_notify_curl_why(why, whylen, rc, errbuf);
                goto fail;
        }
        return &s->base;
fail:
        free(s);
        return NULL;
}

/* "Thu, 01 Jan 2026 12:00:00 +0000" (RFC 5322 3.3, not the locale's names). */
static void mail_date(char *out, size_t n)
{
        static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
        static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        time_t t = (time_t)akd_now();
        struct tm tm;
        gmtime_r(&t, &tm);
        snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
                 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * The Subject's value into `out`: as it is when printable ASCII, else as
 * RFC 2047 encoded words of at most 45 bytes of UTF-8 each (whole
 * characters), folded onto their own lines. Returns the length written.
 */
static size_t subject_value(char *out, const char *subject)
{
        size_t len = strlen(subject), o = 0;
        bool plain = strstr(subject, "=?") == NULL;
        for (size_t i = 0; i < len; i++)
                if ((unsigned char)subject[i] < 0x20 || (unsigned char)subject[i] > 0x7e)
                        plain = false;
        if (plain) {
                memcpy(out, subject, len);
                return len;
        }
        for (size_t i = 0; i < len;) {
                size_t take = len - i < 45 ? len - i : 45;
                /*
                 * Never split a character: back off its continuation bytes
                 * (at most 3; more is not UTF-8 and is split anywhere).
                 */
                for (size_t back = 0; back < 3 && i + take < len &&
                                      ((unsigned char)subject[i + take] & 0xc0) == 0x80;
                     back++)
                        take--;
                if (o > 0) {
                        memcpy(out + o, "\r\n ", 3);
                        o += 3;
                }
                memcpy(out + o, "=?UTF-8?B?", 10);
                o += 10;
                o += akd_b64_encode_into(out + o, (const uint8_t *)subject + i, take);
                memcpy(out + o, "?=", 2);
                o += 2;
                i += take;
        }
        return o;
}

/*
 * `text` as a quoted-printable body (RFC 2045 6.7) into `out`: CRLF line
 * ends, lines of at most 76 characters with soft breaks, '=', control and
 * non-ASCII bytes and a space or tab before a line end escaped. A line's
 * leading dot is left to libcurl, which doubles it on the wire. Returns the
 * length written (at most 4 * strlen(text) + 2).
 */
static size_t quoted_printable(char *out, const char *text)
{
        static const char hex[] = "0123456789ABCDEF";
        size_t o = 0, col = 0;
        for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
                if (*p == '\r' && p[1] == '\n')
                        continue;
                if (*p == '\n') {
                        memcpy(out + o, "\r\n", 2);
                        o += 2, col = 0;
                        continue;
                }
                bool at_end = p[1] == '\0' || p[1] == '\n' || (p[1] == '\r' && p[2] == '\n');
                bool literal =
                    (*p >= 33 && *p <= 126 && *p != '=') || ((*p == ' ' || *p == '\t') && !at_end);
                size_t width = literal ? 1 : 3;
                if (col + width > 75) {
                        memcpy(out + o, "=\r\n", 3);
                        o += 3, col = 0;
                }
                if (literal) {
                        out[o++] = (char)*p;
                } else {
                        out[o++] = '=';
                        out[o++] = hex[*p >> 4];
                        out[o++] = hex[*p & 15];
                }
                col += width;
        }
        if (col > 0) {
                memcpy(out + o, "\r\n", 2);
                o += 2;
        }
        return o;
}

char *akd_notify_smtp_compose(const char *from, const struct akd_notify_msg *m, size_t *len)
{
        const char *subject = m->subject != NULL ? m->subject : "";
        char date[40], id[33];
        uint8_t rnd[16];
        /* Encoded words take under 2 bytes a byte; quoted-printable under 4. */
        size_t cap =
            1024 + strlen(from) + strlen(m->to) + 2 * strlen(subject) + 4 * strlen(m->text) + 4;
        char *msg = malloc(cap);
        if (msg == NULL)
                return NULL;
        mail_date(date, sizeof(date));
        randombytes_buf(rnd, sizeof(rnd));
        sodium_bin2hex(id, sizeof(id), rnd, sizeof(rnd));
        size_t o = (size_t)snprintf(msg, cap, "From: %s\r\nTo: %s\r\nSubject: ", from, m->to);
        o += subject_value(msg + o, subject);
        o += (size_t)snprintf(msg + o, cap - o,
                              "\r\nDate: %s\r\nMessage-ID: <%s%s>\r\nMIME-Version: 1.0\r\n"
                              "Content-Type: text/plain; charset=utf-8\r\n"
                              "Content-Transfer-Encoding: quoted-printable\r\n"
                              "Auto-Submitted: auto-generated\r\n\r\n",
                              date, id, strchr(from, '@'));
        o += quoted_printable(msg + o, m->text);
        *len = o;
        return msg;
}

struct upload {
        const char *data;
        size_t len, pos;
};

static size_t read_upload(char *buf, size_t size, size_t n, void *user)
{
        struct upload *up = user;
        size_t left = up->len - up->pos, want = size * n;
        size_t take = left < want ? left : want;
        memcpy(buf, up->data + up->pos, take);
        up->pos += take;
        return take;
}

static int smtp_send(struct akd_notifier *n, const struct akd_notify_msg *m, const char *json,
                     size_t len, char *why, size_t whylen)
{
        struct smtp_notifier *s = (struct smtp_notifier *)n;
        char errbuf[CURL_ERROR_SIZE], from[AKD_NOTIFY_FROM_MAX + 3], to[AKD_EMAIL_MAX + 3];
        struct curl_slist *rcpt = NULL;
        struct upload up = {0};
        char *msg = NULL;
        CURL *h = NULL;
        int rc = -1;
        if (akd_notify_check_email(m->to, true, why, whylen) != 0)
                return -1;
        snprintf(from, sizeof(from), "<%s>", s->from);
        snprintf(to, sizeof(to), "<%s>", m->to);
        msg = akd_notify_smtp_compose(s->from, m, &up.len);
        rcpt = msg != NULL ? curl_slist_append(NULL, to) : NULL;
        h = rcpt != NULL ? smtp_handle(s, errbuf) : NULL;
        if (h == NULL) {
                snprintf(why, whylen, "out of memory");
                goto done;
        }
        up.data = msg;
        curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
        curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, read_upload);
        curl_easy_setopt(h, CURLOPT_READDATA, &up);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up.len);
        CURLcode res = curl_easy_perform(h);
        if (res != CURLE_OK)
                akd_notify_curl_why(why, whylen, res, errbuf);
        else
                rc = 0;
done:
        curl_easy_cleanup(h);
        curl_slist_free_all(rcpt);
        if (msg != NULL) {
                sodium_memzero(msg, up.len);
                free(msg);
        }
        return rc;
}

static void smtp_close(struct akd_notifier *n)
{
        free(n);
}

const struct akd_notifier_ops akd_notify_smtp_ops = {
    .prefix = "smtp://",
    .email = true,
    .phone = false,
    .open = smtp_open,
    .send = smtp_send,
    .close = smtp_close,
};
