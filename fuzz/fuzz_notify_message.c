/*
 * Fuzz target: the checks of a notifier's message and the SMTP message built
 * from one (server/notify.c, server/notify_smtp.c). The input is a kind byte
 * then to, subject, text and code separated by NUL bytes. A message the
 * checks accept (with the smtp notifier's own) must come out as mail any relay takes: only
 * printable ASCII, tabs and CRLF pairs, no line over 998 bytes and, in the quoted-printable body,
 * none over 76; a masked destination never overflows its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "notify_impl.h"

/* Aborts unless `msg` is 7-bit mail with CRLF lines of the allowed lengths. */
static void check_mail(const char *msg, size_t len)
{
        size_t line = 0;
        bool body = false;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)msg[i];
                if (c == '\r') {
                        if (i + 1 >= len || msg[i + 1] != '\n')
                                abort();
                        if (line == 0)
                                body = true;
                        i++, line = 0;
                        continue;
                }
                if (c == '\n' || (c < 0x20 && c != '\t') || c > 0x7e)
                        abort();
                if (++line > (body ? 76u : 998u))
                        abort();
        }
        if (len < 2 || msg[len - 2] != '\r' || !body)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static bool started;
        if (!started) {
                if (sodium_init() < 0)
                        abort();
                started = true;
        }
        if (size < 1)
                return 0;
        char *copy = malloc(size + 4);
        if (copy == NULL)
                return 0;
        memcpy(copy, data + 1, size - 1);
        memset(copy + size - 1, 0, 5);
        const char *field[4];
        const char *p = copy, *end = copy + size - 1;
        for (int i = 0; i < 4; i++) {
                field[i] = p;
                p = p < end ? p + strlen(p) + 1 : p;
        }
        struct akd_notify_msg m = {
            .kind = (data[0] & 1) ? AKD_NOTIFY_PHONE : AKD_NOTIFY_EMAIL,
            .to = field[0],
            .subject = field[1],
            .text = field[2],
            .code = field[3],
        };
        char why[300] = "", masked[16];
        akd_notify_mask(masked, sizeof(masked), m.kind, m.to);
        if (akd_notify_check_msg(&m, why, sizeof(why)) != 0) {
                if (why[0] == '\0')
                        abort();
        } else if (m.kind == AKD_NOTIFY_EMAIL &&
                   akd_notify_check_email(m.to, true, why, sizeof(why)) == 0) {
                /* What the smtp notifier checks before it composes. */
                size_t len = 0;
                char *mail = akd_notify_smtp_compose("authkeep@example.com", &m, &len);
                if (mail != NULL)
                        check_mail(mail, len);
                free(mail);
        }
        free(copy);
        return 0;
}
