/*
 * authkeepd's notifiers (server/notify.h) driven from the command line, for
 * tests/server/notify.sh:
 *
 *   notify_tool [--log FILE] [--from ADDRESS] [--notify SPEC]... open
 *       opens the notifiers as authkeepd does at start; prints
 *       "email: yes|no" and "phone: yes|no" (what they carry)
 *   notify_tool [options] send email|phone TO SUBJECT TEXT CODE [PURPOSE [ACCOUNT]]
 *       opens them and sends one message; prints "sent", or
 *       "failed: SENTENCE" and exits 1. With --wait, it prints "ready" once
 *       open and reads a line from standard input before it sends (so that
 *       a test can stop a server that was up at start).
 *
 * A notifier that cannot be opened prints "cannot open: SENTENCE" and exits
 * 2. Failures go to the event log: --log FILE, or standard error.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "notify.h"
#include "server.h"

static int usage(void)
{
        fputs("usage: notify_tool [--log FILE] [--from ADDRESS] [--wait] [--notify SPEC]... open\n"
              "       notify_tool [options] send email|phone TO SUBJECT TEXT CODE "
              "[PURPOSE [ACCOUNT]]\n",
              stderr);
        return 2;
}

int main(int argc, char **argv)
{
        const char *specs[32], *from = NULL, *log = NULL;
        size_t n = 0;
        char err[512];
        int i = 1, status = 2;
        bool wait = false;
        for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
                if (strcmp(argv[i], "--wait") == 0) {
                        wait = true;
                        i--;
                } else if (strcmp(argv[i], "--notify") == 0 && n < sizeof(specs) / sizeof(specs[0]))
                        specs[n++] = argv[i + 1];
                else if (strcmp(argv[i], "--from") == 0)
                        from = argv[i + 1];
                else if (strcmp(argv[i], "--log") == 0)
                        log = argv[i + 1];
                else
                        return usage();
        }
        if (i >= argc || sodium_init() < 0 || akd_log_open(log) != 0)
                return usage();
        signal(SIGPIPE, SIG_IGN); /* as authkeepd does */
        bool send = strcmp(argv[i], "send") == 0;
        if (!(send && argc - i >= 6 && argc - i <= 8) && !(strcmp(argv[i], "open") == 0))
                return usage();

        struct akd_notifiers *list = akd_notifiers_open(specs, n, from, err, sizeof(err));
        if (list == NULL) {
                printf("cannot open: %s\n", err);
                goto done;
        }
        if (!send) {
                printf("email: %s\nphone: %s\n",
                       akd_notifiers_carry(list, AKD_NOTIFY_EMAIL) ? "yes" : "no",
                       akd_notifiers_carry(list, AKD_NOTIFY_PHONE) ? "yes" : "no");
                status = 0;
                goto done;
        }
        if (wait) {
                char line[16];
                printf("ready\n");
                fflush(stdout);
                if (fgets(line, sizeof(line), stdin) == NULL)
                        goto done;
        }
        struct akd_notify_msg m = {
            .kind = strcmp(argv[i + 1], "phone") == 0 ? AKD_NOTIFY_PHONE : AKD_NOTIFY_EMAIL,
            .to = argv[i + 2],
            .subject = argv[i + 3],
            .text = argv[i + 4],
            .code = argv[i + 5],
            .purpose = argc - i > 6 ? argv[i + 6] : "verify_device",
            .account = argc - i > 7 ? argv[i + 7] : NULL,
        };
        if (akd_notify_send(list, &m, err, sizeof(err)) == 0) {
                printf("sent\n");
                status = 0;
        } else {
                printf("failed: %s\n", err);
                status = 1;
        }
done:
        akd_notifiers_free(list);
        akd_log_close();
        return status;
}
