/*
 * The list of notifiers (--notify) and what every send goes through: the
 * message is checked and rendered once as JSON, handed to each notifier
 * that carries its kind, and every failure is logged with the masked
 * destination and the notifier's reason. The code itself never reaches a
 * log line or an error: a reason that happens to contain it (a gateway
 * echoing the request) has it starred out.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "authkeep/authkeep.h"
#include "notify_impl.h"
#include "server.h"

struct akd_notifiers {
        struct akd_notifier **items;
        size_t n;
        bool curl_started;
};

static const struct akd_notifier_ops *const kinds[] = {
    &akd_notify_smtp_ops,
    &akd_notify_webhook_ops,
    &akd_notify_file_ops,
};

#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static void say(char *err, size_t errlen, const char *fmt, ...) AKD_PRINTF(3, 4);
static void say(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
}

/*
 * `spec` as errors and logs show it, into `out`: a URL loses its user name
 * and password ("user:pass@") and its query, which may hold a gateway's
 * token; bytes outside printable ASCII become '?'.
 */
static void shown_spec(char *out, size_t n, const char *spec)
{
        const char *auth = strstr(spec, "://");
        const char *p = spec;
        size_t o = 0;
        if (auth != NULL) {
                auth += 3;
                size_t alen = strcspn(auth, "/?#");
                const char *at = NULL;
                for (const char *q = auth; q < auth + alen; q++)
                        if (*q == '@')
                                at = q;
                if (at != NULL) {
                        for (; p < auth && o + 1 < n; p++)
                                out[o++] = *p;
                        p = at + 1;
                }
        }
        for (; *p != '\0' && *p != '?' && *p != '#' && o + 1 < n; p++) {
                unsigned char c = (unsigned char)*p;
                out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
        }
        if (n > 0)
                out[o] = '\0';
}

int akd_notify_check_email(const char *addr, bool plain, char *why, size_t whylen)
{
        struct akd_error e = {0};
        char lower[AKD_EMAIL_MAX + 1];
        if (akd_normalize_email(lower, addr, &e) != 0) {
                say(why, whylen, "%s", e.message);
                akd_error_clear(&e);
                return -1;
        }
        if (!plain)
                return 0;
        /* Within <...> of SMTP's MAIL and RCPT, and alone in a header. */
        for (const char *p = addr; *p != '\0'; p++) {
                if ((unsigned char)*p >= 0x7f || strchr("<>()[]\\,;:\"", *p) != NULL) {
                        say(why, whylen,
                            "email: only ASCII letters, digits and . _ - + ' @ and the like, "
                            "without <>()[]\\,;:\"");
                        return -1;
                }
        }
        return 0;
}

int akd_notify_check_msg(const struct akd_notify_msg *m, char *why, size_t whylen)
{
        if (m->to == NULL || m->text == NULL || m->code == NULL || m->code[0] == '\0') {
                say(why, whylen, "a message needs a destination, a text and a code");
                return -1;
        }
        if (m->kind == AKD_NOTIFY_EMAIL) {
                if (akd_notify_check_email(m->to, false, why, whylen) != 0)
                        return -1;
        } else if (m->kind == AKD_NOTIFY_PHONE) {
                size_t digits = strspn(m->to + (m->to[0] == '+'), "0123456789");
                if (m->to[0] != '+' || digits < 1 || digits > 15 || m->to[1 + digits] != '\0') {
                        say(why, whylen, "a phone number is '+' and 1 to 15 digits");
                        return -1;
                }
        } else {
                say(why, whylen, "unknown kind of message");
                return -1;
        }
        if (m->subject != NULL) {
                if (strlen(m->subject) > AKD_NOTIFY_SUBJECT_MAX) {
                        say(why, whylen, "a subject is at most %d bytes", AKD_NOTIFY_SUBJECT_MAX);
                        return -1;
                }
                for (const char *p = m->subject; *p != '\0'; p++) {
                        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                                say(why, whylen,
                                    "a subject is one line without control "
                                    "characters");
                                return -1;
                        }
                }
        }
        if (strlen(m->text) > AKD_NOTIFY_TEXT_MAX) {
                say(why, whylen, "a message's text is at most %d bytes", AKD_NOTIFY_TEXT_MAX);
                return -1;
        }
        return 0;
}

/* Wipes the string value `key` of `o` (jansson keeps its own copy). */
static void wipe_member(json_t *o, const char *key)
{
        char *s = (char *)json_string_value(json_object_get(o, key));
        if (s != NULL)
                sodium_memzero(s, strlen(s));
}

/*
 * The message's JSON line (docs/admin.md), ending in a newline: malloc'd,
 * wipe it and free it. NULL when a text is not UTF-8 or out of memory.
 */
static char *render(const struct akd_notify_msg *m, size_t *len)
{
        json_t *o = json_pack(
            "{s:I, s:s, s:s, s:s?, s:s, s:s, s:s?, s:s?}", "at", (json_int_t)akd_now(), "kind",
            m->kind == AKD_NOTIFY_EMAIL ? "email" : "phone", "to", m->to, "subject", m->subject,
            "text", m->text, "code", m->code, "purpose", m->purpose, "account", m->account);
        if (o == NULL)
                return NULL;
        size_t need = json_dumpb(o, NULL, 0, JSON_COMPACT);
        char *line = need > 0 ? malloc(need + 1) : NULL;
        if (line != NULL) {
                json_dumpb(o, line, need, JSON_COMPACT);
                line[need] = '\n';
                *len = need + 1;
        }
        wipe_member(o, "text");
        wipe_member(o, "code");
        json_decref(o);
        return line;
}

/* Replaces bytes outside printable ASCII in `s` by '?': what a log line may hold. */
static void printable(char *s)
{
        for (; *s != '\0'; s++)
                if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
                        *s = '?';
}

/* Stars out every occurrence of `code` in `s`, and makes it printable. */
static void star_out(char *s, const char *code)
{
        size_t n = strlen(code);
        for (char *p = strstr(s, code); p != NULL; p = strstr(p + n, code))
                memset(p, '*', n);
        printable(s);
}

void akd_notify_mask(char *out, size_t n, enum akd_notify_kind kind, const char *to)
{
        if (n == 0)
                return;
        size_t len = strlen(to);
        const char *at = kind == AKD_NOTIFY_EMAIL ? strrchr(to, '@') : NULL;
        if (at != NULL && at > to) {
                snprintf(out, n, "%c***%s", to[0], at);
        } else {
                size_t keep = len > 4 ? 2 : 0, o = 0;
                for (size_t i = 0; i < len && o + 1 < n; i++)
                        out[o++] = (i == 0 && to[0] == '+') || i >= len - keep ? to[i] : '*';
                out[o] = '\0';
        }
        printable(out);
}

struct akd_notifiers *akd_notifiers_open(const char *const *specs, size_t n, const char *from,
                                         char *err, size_t errlen)
{
        char why[300], shown[192], host[256], dflt[AKD_NOTIFY_FROM_MAX + 1];
        struct akd_notifiers *list = calloc(1, sizeof(*list));
        if (list == NULL || (n > 0 && (list->items = calloc(n, sizeof(*list->items))) == NULL)) {
                say(err, errlen, "out of memory");
                goto fail;
        }
        if (n > AKD_NOTIFIERS_MAX) {
                say(err, errlen, "notify: at most %d notifiers", AKD_NOTIFIERS_MAX);
                goto fail;
        }
        if (from == NULL) {
                if (gethostname(host, sizeof(host)) != 0)
                        host[0] = '\0';
                host[sizeof(host) - 1] = '\0';
                snprintf(dflt, sizeof(dflt), "authkeep@%s", host);
                if (akd_notify_check_email(dflt, true, why, sizeof(why)) != 0)
                        snprintf(dflt, sizeof(dflt), "authkeep@localhost");
                from = dflt;
        } else if (strlen(from) > AKD_NOTIFY_FROM_MAX ||
                   akd_notify_check_email(from, true, why, sizeof(why)) != 0) {
                shown_spec(shown, sizeof(shown), from);
                say(err, errlen, "notify_from: '%s' is not a plain email address (like %s)", shown,
                    "authkeep@example.com");
                goto fail;
        }
        if (n > 0) {
                if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                        say(err, errlen, "libcurl failed to start");
                        goto fail;
                }
                list->curl_started = true;
        }
        for (size_t i = 0; i < n; i++) {
                const struct akd_notifier_ops *ops = NULL;
                shown_spec(shown, sizeof(shown), specs[i]);
                for (size_t k = 0; k < N_KINDS; k++)
                        if (strncmp(specs[i], kinds[k]->prefix, strlen(kinds[k]->prefix)) == 0)
                                ops = kinds[k];
                if (strlen(specs[i]) > AKD_NOTIFY_SPEC_MAX) {
                        say(err, errlen, "cannot use notifier %s: longer than %d bytes", shown,
                            AKD_NOTIFY_SPEC_MAX);
                        goto fail;
                }
                if (ops == NULL) {
                        say(err, errlen,
                            "cannot use notifier %s: not smtp://HOST:PORT, webhook:URL or "
                            "file:PATH",
                            shown);
                        goto fail;
                }
                struct akd_notifier *one = ops->open(specs[i], from, why, sizeof(why));
                if (one == NULL) {
                        say(err, errlen, "cannot use notifier %s: %s", shown, why);
                        goto fail;
                }
                one->ops = ops;
                memcpy(one->name, shown, sizeof(one->name));
                list->items[list->n++] = one;
        }
        return list;
fail:
        akd_notifiers_free(list);
        return NULL;
}

void akd_notifiers_free(struct akd_notifiers *list)
{
        if (list == NULL)
                return;
        for (size_t i = 0; i < list->n; i++)
                list->items[i]->ops->close(list->items[i]);
        free(list->items);
        if (list->curl_started)
                curl_global_cleanup();
        free(list);
}

static bool carries(const struct akd_notifier *one, enum akd_notify_kind kind)
{
        return kind == AKD_NOTIFY_EMAIL ? one->ops->email : one->ops->phone;
}

bool akd_notifiers_carry(const struct akd_notifiers *list, enum akd_notify_kind kind)
{
        for (size_t i = 0; list != NULL && i < list->n; i++)
                if (carries(list->items[i], kind))
                        return true;
        return false;
}

int akd_notify_send(struct akd_notifiers *list, const struct akd_notify_msg *m, char *err,
                    size_t errlen)
{
        const char *kind = m->kind == AKD_NOTIFY_PHONE ? "phone" : "email";
        const char *purpose = m->purpose != NULL ? m->purpose : "code";
        char why[300], to[64];
        akd_notify_mask(to, sizeof(to), m->kind, m->to != NULL ? m->to : "");
        if (akd_notify_check_msg(m, why, sizeof(why)) != 0) {
                akd_log_event("notify: %s %s to %s refused: %s", purpose, kind, to, why);
                say(err, errlen, "cannot send the code to %s: %s", to, why);
                return -1;
        }
        size_t len = 0;
        char *line = render(m, &len);
        if (line == NULL) {
                akd_log_event("notify: %s %s to %s refused: not UTF-8", purpose, kind, to);
                say(err, errlen, "cannot send the code to %s: a text is not UTF-8", to);
                return -1;
        }
        size_t tried = 0, took = 0;
        for (size_t i = 0; list != NULL && i < list->n; i++) {
                struct akd_notifier *one = list->items[i];
                if (!carries(one, m->kind))
                        continue;
                tried++;
                why[0] = '\0';
                if (one->ops->send(one, m, line, len, why, sizeof(why)) == 0) {
                        took++;
                        continue;
                }
                star_out(why, m->code);
                akd_log_event("notify: %s %s to %s through %s failed: %s", purpose, kind, to,
                              one->name, why);
                say(err, errlen, "could not send the code to %s through %s: %s", to, one->name,
                    why);
        }
        sodium_memzero(line, len);
        free(line);
        if (took > 0)
                return 0;
        if (tried == 0) {
                akd_log_event("notify: %s %s to %s: no notifier carries %s", purpose, kind, to,
                              kind);
                say(err, errlen, "cannot send the code to %s: no notifier sends %s (see --notify)",
                    to, m->kind == AKD_NOTIFY_EMAIL ? "email" : "text messages to phones");
        }
        return -1;
}

CURL *akd_notify_curl(const char *url, const char *protocols, char *errbuf)
{
        CURL *h = curl_easy_init();
        if (h == NULL)
                return NULL;
        errbuf[0] = '\0';
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols);
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, AKD_NOTIFY_TIMEOUT_MS);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, AKD_NOTIFY_TIMEOUT_MS);
        curl_easy_setopt(h, CURLOPT_USERAGENT, "authkeepd/" AK_VERSION);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
        return h;
}

void akd_notify_curl_why(char *why, size_t whylen, CURLcode rc, const char *errbuf)
{
        say(why, whylen, "%s", errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
}
