/*
 * What the notifiers of notify.c share: each kind (notify_smtp.c,
 * notify_webhook.c, notify_file.c) is a table of operations, and each open
 * notifier a struct that begins with struct akd_notifier.
 */
#ifndef AUTHKEEPD_NOTIFY_IMPL_H
#define AUTHKEEPD_NOTIFY_IMPL_H

#include <curl/curl.h>

#include "notify.h"

/* The limit of each send (and of the SMTP check at start). */
#define AKD_NOTIFY_TIMEOUT_MS 10000L

/* The longest spec, sender address, subject and text accepted. */
#define AKD_NOTIFY_SPEC_MAX 1024
#define AKD_NOTIFY_FROM_MAX 254
#define AKD_NOTIFY_SUBJECT_MAX 200
#define AKD_NOTIFY_TEXT_MAX 8192

struct akd_notifier {
        const struct akd_notifier_ops *ops;
        /* The spec as logs and errors show it: no user name, password or query. */
        char name[192];
};

struct akd_notifier_ops {
        const char *prefix; /* "smtp://", "webhook:", "file:" */
        bool email, phone;  /* the kinds it carries */
        /*
         * Opens and checks one notifier from its whole spec, filling its
         * name. NULL with why in `why` (without the spec).
         */
        struct akd_notifier *(*open)(const char *spec, const char *from, char *why, size_t whylen);
        /*
         * Sends `m` (checked already), whose JSON line is `json` (`len`
         * bytes, ending in a newline). 0, or -1 with why in `why`.
         */
        int (*send)(struct akd_notifier *n, const struct akd_notify_msg *m, const char *json,
                    size_t len, char *why, size_t whylen);
        void (*close)(struct akd_notifier *n);
};

extern const struct akd_notifier_ops akd_notify_smtp_ops;
extern const struct akd_notifier_ops akd_notify_webhook_ops;
extern const struct akd_notifier_ops akd_notify_file_ops;

/*
 * A libcurl handle with what every notifier's transfer sets: the time
 * limit, no signals, no redirects, `protocols` only, and errors into
 * `errbuf` (CURL_ERROR_SIZE bytes). NULL when out of memory.
 */
CURL *akd_notify_curl(const char *url, const char *protocols, char *errbuf);

/*
 * Checks an email address (server.h's rules); `plain` also refuses what
 * cannot stand alone in SMTP's <...> and a header: non-ASCII bytes and
 * <>()[]\\,;:". 0 or -1 with why.
 */
int akd_notify_check_email(const char *addr, bool plain, char *why, size_t whylen);

/* Checks `m` before anything is sent (notify.h's rules); 0 or -1 with why. */
int akd_notify_check_msg(const struct akd_notify_msg *m, char *why, size_t whylen);

/*
 * The RFC 5322 message of `m` (checked) from `from`, headers and a
 * quoted-printable body, CRLF line ends: malloc'd (wipe it and free it),
 * its length in *len. NULL when out of memory.
 */
char *akd_notify_smtp_compose(const char *from, const struct akd_notify_msg *m, size_t *len);

/* Why a transfer failed, from its code and error buffer, into `why`. */
void akd_notify_curl_why(char *why, size_t whylen, CURLcode rc, const char *errbuf);

#endif
