/*
 * authkeepd's notifiers: how a one-time code reaches a person's alternate
 * email address or phone number (docs/admin.md, "Sending codes"). Each
 * --notify SPEC opens one:
 *   smtp://HOST[:PORT]  mail through an SMTP server (STARTTLS where offered); email only
 *   webhook:URL         an HTTP POST of the message's JSON (http or https); email and phone
 *   file:PATH           one JSON line per message appended to PATH (0600); email and phone
 * Nothing here logs or returns a code: a failure is logged with its kind,
 * notifier, masked destination and reason, and returned as a sentence.
 */
#ifndef AUTHKEEPD_NOTIFY_H
#define AUTHKEEPD_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

enum akd_notify_kind { AKD_NOTIFY_EMAIL, AKD_NOTIFY_PHONE };

struct akd_notify_msg {
        enum akd_notify_kind kind;
        const char *to;      /* an email address or a phone number (E.164, "+441234567890") */
        const char *subject; /* one line, for email; SMS gateways may ignore it */
        const char *text;    /* the whole message, with the code in it */
        const char *code;    /* the code alone (for the JSON of webhook: and file:) */
        const char *purpose; /* "verify_device" | "add_contact" */
        const char *account; /* the account's email */
};

/* The most --notify options a server takes. */
#define AKD_NOTIFIERS_MAX 16

/* The list built from every --notify. */
struct akd_notifiers;

/*
 * Parses and checks every spec (file:PATH opens PATH for appending, creating
 * it 0600; smtp://HOST:PORT connects and reads the greeting; webhook:URL
 * parses and must be http or https). NULL with a sentence in `err` when one
 * cannot be used ("cannot use notifier SPEC: why", or why `from` is refused).
 * n == 0 gives an empty list (no notifier). `from` is the sender address for
 * smtp (NULL: "authkeep@HOSTNAME"). Call it before any thread starts: it
 * starts libcurl. Free the list with akd_notifiers_free().
 */
struct akd_notifiers *akd_notifiers_open(const char *const *specs, size_t n, const char *from,
                                         char *err, size_t errlen);

/* Closes every notifier and frees the list; accepts NULL. */
void akd_notifiers_free(struct akd_notifiers *list);

/* Whether some notifier carries this kind: smtp carries email only; webhook and file carry both. */
bool akd_notifiers_carry(const struct akd_notifiers *list, enum akd_notify_kind kind);

/*
 * Sends m through every notifier that carries m->kind; 0 when at least one
 * took it, -1 with a sentence in `err` (never the code: it names the masked
 * destination, the notifier and why) otherwise. Blocking, with a 10-second
 * limit per notifier; safe from any thread. Logs each failure without the
 * code. `to` must be an email address (AKD_NOTIFY_EMAIL) or "+" and 1 to 15
 * digits (AKD_NOTIFY_PHONE); `subject` one line; every text valid UTF-8.
 */
int akd_notify_send(struct akd_notifiers *list, const struct akd_notify_msg *m, char *err,
                    size_t errlen);

/*
 * `to` as answers and logs may show it, into `out` (n bytes): an email's
 * first character, "***" and its domain ("a***@example.com"); a phone
 * number's "+", stars and last two digits ("+**********90"). Bytes outside
 * printable ASCII become '?'.
 */
void akd_notify_mask(char *out, size_t n, enum akd_notify_kind kind, const char *to);

#endif
