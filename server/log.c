/*
 * The request log: one line per request (time, client address, method, path
 * without query, status, duration), written with one write(2) so lines from
 * several threads never interleave. Nothing else about a request is logged:
 * no body, header, token or email.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

static int log_fd = 2;

int akd_log_open(const char *path)
{
        if (path == NULL) {
                log_fd = 2;
                return 0;
        }
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0)
                return -1;
        log_fd = fd;
        return 0;
}

void akd_log_close(void)
{
        if (log_fd > 2)
                close(log_fd);
        log_fd = 2;
}

int64_t akd_now(void)
{
        return (int64_t)time(NULL);
}

/* The seconds of `clock` with their fraction. */
static double clock_seconds(clockid_t clock)
{
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double akd_mono(void)
{
        return clock_seconds(CLOCK_MONOTONIC);
}

double akd_wall(void)
{
        return clock_seconds(CLOCK_REALTIME);
}

/* "2026-01-01T12:00:00Z" into `buf` (at least 21 bytes). */
static void utc_stamp(char *buf, size_t n)
{
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Writes a whole line, retrying short writes. */
static void write_line(const char *line, size_t len)
{
        while (len > 0) {
                ssize_t w = write(log_fd, line, len);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return;
                }
                line += w;
                len -= (size_t)w;
        }
}

/* Copies `in` into `out` with bytes outside printable ASCII replaced by '?'. */
static void printable(char *out, size_t n, const char *in)
{
        size_t i = 0;
        for (; in[i] != '\0' && i + 1 < n; i++) {
                unsigned char c = (unsigned char)in[i];
                out[i] = (c > 0x20 && c < 0x7f) ? (char)c : '?';
        }
        out[i] = '\0';
}

void akd_log_request(const char *client, const char *method, const char *path, unsigned status,
                     double millis)
{
        char stamp[32], m[16], p[128], line[256];
        utc_stamp(stamp, sizeof(stamp));
        printable(m, sizeof(m), method);
        printable(p, sizeof(p), path);
        int n = snprintf(line, sizeof(line), "%s %s %s %s %u %.3fms\n", stamp, client, m, p, status,
                         millis);
        if (n > 0)
                write_line(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

void akd_log_event(const char *fmt, ...)
{
        char stamp[32], msg[400], line[480];
        va_list ap;
        utc_stamp(stamp, sizeof(stamp));
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        int n = snprintf(line, sizeof(line), "%s authkeepd: %s\n", stamp, msg);
        if (n > 0)
                write_line(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}
