/*
 * Reading secrets and lines of input for the authkeep program: from an
 * environment variable, from the terminal without echo, or from standard
 * input, read byte by byte so that no stdio buffer keeps a copy.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"

/* Longest line read from standard input: a URI with room to spare. */
#define CLI_LINE_MAX (AK_URI_MAX + 1024)

/*
 * Reads one line from file descriptor `fd` byte by byte (no stdio buffer
 * keeps a copy, and nothing past the newline is consumed, so a later read
 * gets the next line). A trailing "\r" is dropped too. *out is a malloc'd
 * string the caller wipes and frees. AK_ERR_NOT_FOUND at end of input with
 * nothing read, AK_ERR_LIMIT when the line is longer than `max`.
 */
static enum ak_err read_line_fd(char **out, int fd, size_t max)
{
        char *buf = malloc(max + 1);
        size_t len = 0;
        bool got_any = false;
        enum ak_err err = AK_OK;

        if (buf == NULL)
                return AK_ERR_NOMEM;
        for (;;) {
                char c;
                ssize_t n = read(fd, &c, 1);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        err = AK_ERR_IO;
                        break;
                }
                if (n == 0)
                        break;
                got_any = true;
                if (c == '\n')
                        break;
                if (len == max) {
                        err = AK_ERR_LIMIT;
                        break;
                }
                buf[len++] = c;
        }
        if (err == AK_OK && !got_any)
                err = AK_ERR_NOT_FOUND;
        if (err != AK_OK) {
                sodium_memzero(buf, max + 1);
                free(buf);
                return err;
        }
        if (len > 0 && buf[len - 1] == '\r')
                len--;
        buf[len] = '\0';
        *out = buf;
        return AK_OK;
}

enum ak_err cli_read_stdin_line(char **out)
{
        enum ak_err err = read_line_fd(out, STDIN_FILENO, CLI_LINE_MAX);

        if (err == AK_ERR_NOT_FOUND)
                err = AK_ERR_INVALID;
        return err;
}

size_t cli_text_chars(const char *text)
{
        size_t n = 0;

        /* UTF-8: every byte that does not continue a character starts one. */
        for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++)
                n += (*p & 0xC0) != 0x80;
        return n;
}

void cli_free_secret(char *s)
{
        if (s == NULL)
                return;
        sodium_memzero(s, strlen(s));
        free(s);
}

/* The terminal's settings while echo is off, restored by a signal too. */
static struct termios saved_termios;
static volatile sig_atomic_t echo_off;

static void restore_echo(void)
{
        if (echo_off) {
                tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
                echo_off = 0;
        }
}

static void echo_signal(int sig)
{
        restore_echo();
        signal(sig, SIG_DFL);
        raise(sig);
}

/* Asks `prompt` on the terminal (standard input) without echo; *out as read_line_fd. */
static enum ak_err ask_no_echo(char **out, const char *prompt, size_t max)
{
        struct termios quiet;
        struct sigaction sa, old_int, old_term, old_hup;
        enum ak_err err;

        if (tcgetattr(STDIN_FILENO, &saved_termios) != 0) {
                cli_eprintf("%s", prompt);
                fflush(stderr);
                return read_line_fd(out, STDIN_FILENO, max);
        }
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = echo_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        sigaction(SIGHUP, &sa, &old_hup);
        quiet = saved_termios;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        /*
         * Echo goes off before the prompt shows, and without flushing: what
         * is typed once the prompt is there is neither echoed nor lost.
         */
        echo_off = 1;
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
        cli_eprintf("%s", prompt);
        fflush(stderr);
        err = read_line_fd(out, STDIN_FILENO, max);
        restore_echo();
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        sigaction(SIGHUP, &old_hup, NULL);
        return err;
}

int cli_secret_error(enum ak_err err, const char *what, const char *env)
{
        if (err == AK_ERR_INVALID && env != NULL)
                return cli_error("%s: no password given; set %s or run it on a terminal", what,
                                 env);
        if (err == AK_ERR_INVALID)
                return cli_error("%s: nothing given on standard input or the terminal", what);
        ak_error_clear(); /* the library's last detail is not about this */
        return cli_fail(err, what);
}

enum ak_err cli_read_secret(char **out, const char *prompt, const char *env, bool confirm)
{
        const char *value = env != NULL ? getenv(env) : NULL;
        char *first = NULL, *second = NULL;
        enum ak_err err;

        if (value != NULL) {
                first = strdup(value);
                if (first == NULL)
                        return AK_ERR_NOMEM;
                *out = first;
                return AK_OK;
        }
        if (!isatty(STDIN_FILENO)) {
                err = read_line_fd(&first, STDIN_FILENO, CLI_LINE_MAX);
                if (err == AK_ERR_NOT_FOUND)
                        return AK_ERR_INVALID;
                if (err == AK_OK)
                        *out = first;
                return err;
        }
        err = ask_no_echo(&first, prompt, CLI_LINE_MAX);
        if (err != AK_OK)
                return err == AK_ERR_NOT_FOUND ? AK_ERR_INVALID : err;
        if (confirm) {
                err = ask_no_echo(&second, "Repeat it: ", CLI_LINE_MAX);
                if (err != AK_OK) {
                        cli_free_secret(first);
                        return err == AK_ERR_NOT_FOUND ? AK_ERR_INVALID : err;
                }
                if (strlen(first) != strlen(second) ||
                    sodium_memcmp(first, second, strlen(first)) != 0) {
                        cli_free_secret(first);
                        cli_free_secret(second);
                        return AK_ERR_PASSPHRASE;
                }
                cli_free_secret(second);
        }
        *out = first;
        return AK_OK;
}
