/*
 * Every line of the authkeep program that a person reads: messages,
 * errors, help, tables. Names come from otpauth URIs, imported files and
 * backups, that is from other people; a name holding an escape sequence
 * could clear the screen or rewrite what the terminal shows, and a
 * bidirectional control (U+202E) could show "moc.knab" as "bank.com". So
 * all of it goes through this file, which shows such characters as '?'
 * (docs/cli.md, "Untrusted text"); the tables of cli/table.c copy their
 * cells through cli_safe_copy().
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>
#include <wctype.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"

/* ------------------------------------------------------------ safe text */

/*
 * True for the code points shown as '?': C0 controls, DEL, C1 controls,
 * and the bidirectional controls (ALM, LRM, RLM, the embeddings and
 * overrides U+202A..U+202E, the isolates U+2066..U+2069).
 */
static bool hidden_code_point(uint32_t cp)
{
        return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
               cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * Decodes one well-formed UTF-8 sequence at `p` (no overlong form,
 * surrogate or value past U+10FFFF). Returns its length in bytes, or 0
 * when the bytes are not UTF-8.
 */
static size_t utf8_decode(const unsigned char *p, size_t avail, uint32_t *cp)
{
        size_t n;
        uint32_t v;

        if (p[0] < 0x80) {
                *cp = p[0];
                return 1;
        }
        if (p[0] >= 0xc2 && p[0] <= 0xdf)
                n = 1, v = p[0] & 0x1f;
        else if (p[0] >= 0xe0 && p[0] <= 0xef)
                n = 2, v = p[0] & 0x0f;
        else if (p[0] >= 0xf0 && p[0] <= 0xf4)
                n = 3, v = p[0] & 0x07;
        else
                return 0;
        if (avail <= n)
                return 0;
        for (size_t i = 1; i <= n; i++) {
                if ((p[i] & 0xc0) != 0x80)
                        return 0;
                v = (v << 6) | (p[i] & 0x3f);
        }
        if ((n == 2 && v < 0x800) || (n == 3 && v < 0x10000) || v > 0x10ffff ||
            (v >= 0xd800 && v <= 0xdfff))
                return 0;
        *cp = v;
        return n + 1;
}

/*
 * A copy of the `len` bytes at `text` that is safe to show on a terminal:
 * each hidden code point (above), each byte of invalid UTF-8, and each
 * character the terminal's character set cannot show becomes '?'. The
 * result is never longer than the input. *width (may be NULL) gets its
 * width in columns. NULL when out of memory.
 */
char *cli_safe_copy(const char *text, size_t len, size_t *width)
{
        const unsigned char *p = (const unsigned char *)text;
        char *out = malloc(len + 1);
        size_t out_len = 0, cols = 0;

        if (out == NULL)
                return NULL;
        for (size_t i = 0; i < len;) {
                mbstate_t state;
                uint32_t cp;
                wchar_t wc;
                size_t n = utf8_decode(p + i, len - i, &cp);
                int w = -1;

                memset(&state, 0, sizeof(state));
                if (n > 0 && !hidden_code_point(cp) && mbrtowc(&wc, text + i, n, &state) == n &&
                    !iswcntrl((wint_t)wc))
                        w = wcwidth(wc);
                if (w < 0) {
                        out[out_len++] = '?';
                        cols++;
                        i += n > 0 ? n : 1;
                        continue;
                }
                memcpy(out + out_len, text + i, n);
                out_len += n;
                cols += (size_t)w;
                i += n;
        }
        out[out_len] = '\0';
        if (width != NULL)
                *width = cols;
        return out;
}

size_t cli_fit_columns(const char *text, size_t len, size_t columns, size_t *used)
{
        size_t i = 0, cols = 0;

        while (i < len) {
                mbstate_t state;
                wchar_t wc;
                size_t n;
                int w = 1;

                memset(&state, 0, sizeof(state));
                n = mbrtowc(&wc, text + i, len - i, &state);
                if (n == 0 || n > len - i)
                        n = 1; /* not a character here: one column, as safe_copy shows it */
                else if ((w = wcwidth(wc)) < 0)
                        w = 1;
                if (cols + (size_t)w > columns)
                        break;
                cols += (size_t)w;
                i += n;
        }
        if (used != NULL)
                *used = cols;
        return i;
}

const char *cli_time(long long t, char *buf, size_t len)
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (t <= 0 || localtime_r(&tt, &tm) == NULL ||
            strftime(buf, len, "%Y-%m-%d %H:%M:%S %z", &tm) == 0)
                snprintf(buf, len, "an unknown time");
        return buf;
}

const char *cli_clock(long long t, char *buf, size_t len)
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (localtime_r(&tt, &tm) == NULL || strftime(buf, len, "%H:%M:%S %Z", &tm) == 0)
                snprintf(buf, len, "--:--:--");
        return buf;
}

/* ------------------------------------------------------------ formatted */

/*
 * A line being formatted. It may hold a code, so growing it wipes the old
 * copy, and line_free wipes it too.
 */
struct line {
        char *data;
        size_t len;
        size_t capacity;
        bool failed;
};

static void line_append(struct line *line, const char *bytes, size_t len)
{
        if (line->failed)
                return;
        if (line->len + len + 1 > line->capacity) {
                size_t cap = line->capacity ? line->capacity : 256;
                char *grown;

                while (cap < line->len + len + 1)
                        cap *= 2;
                grown = malloc(cap);
                if (grown == NULL) {
                        line->failed = true;
                        return;
                }
                if (line->data != NULL) {
                        memcpy(grown, line->data, line->len);
                        sodium_memzero(line->data, line->capacity);
                        free(line->data);
                }
                line->data = grown;
                line->capacity = cap;
        }
        memcpy(line->data + line->len, bytes, len);
        line->len += len;
        line->data[line->len] = '\0';
}

/* Appends `len` bytes of untrusted text made safe, padded to `width` bytes as printf pads. */
static void line_append_safe(struct line *line, const char *text, size_t len, long width, bool left)
{
        char *safe = cli_safe_copy(text, len, NULL);
        size_t safe_len, pad;

        if (safe == NULL) {
                line->failed = true;
                return;
        }
        safe_len = strlen(safe);
        pad = width > 0 && (size_t)width > len ? (size_t)width - len : 0;
        for (size_t i = 0; !left && i < pad; i++)
                line_append(line, " ", 1);
        line_append(line, safe, safe_len);
        for (size_t i = 0; left && i < pad; i++)
                line_append(line, " ", 1);
        sodium_memzero(safe, safe_len);
        free(safe);
}

/* Appends one number formatted by `spec` (a printf conversion, with no '*'). */
#define APPEND_NUMBER(line, spec, value)                                                           \
        do {                                                                                       \
                char num_[512];                                                                    \
                int n_ = snprintf(num_, sizeof(num_), spec, value);                                \
                if (n_ < 0 || (size_t)n_ >= sizeof(num_))                                          \
                        (line)->failed = true;                                                     \
                else                                                                               \
                        line_append(line, num_, (size_t)n_);                                       \
        } while (0)

/* Reads the decimal width or precision at *p (capped), moving *p past it. */
static long parse_count(const char **p)
{
        long n = 0;

        while (**p >= '0' && **p <= '9') {
                if (n < 100000)
                        n = n * 10 + (**p - '0');
                (*p)++;
        }
        return n;
}

/*
 * Formats `fmt` into `line` as vprintf would, except that the text that %s
 * and %c conversions produce is made safe (safe_copy: a newline or a tab in
 * an argument becomes '?' too). The format is the program's own text and
 * is kept as it is. Supports the flags, width and precision (also '*'),
 * the length modifiers hh h l ll z j t L and the conversions
 * d i u o x X c s p f F e E g G a A %; anything else fails the line.
 */
static void line_vformat(struct line *line, const char *fmt, va_list ap)
{
        const char *p = fmt;

        while (*p != '\0' && !line->failed) {
                char spec[64];
                size_t spec_len = 0, lit = strcspn(p, "%");
                long width = -1, precision = -1;
                bool left = false;
                char length[3] = "";
                char conv;

                line_append(line, p, lit);
                p += lit;
                if (*p == '\0')
                        break;
                p++;
                if (*p == '%') {
                        line_append(line, "%", 1);
                        p++;
                        continue;
                }
                spec[spec_len++] = '%';
                while (*p != '\0' && strchr("-+ #0'", *p) != NULL && spec_len < 8) {
                        left |= *p == '-';
                        spec[spec_len++] = *p++;
                }
                if (*p == '*') {
                        width = va_arg(ap, int);
                        if (width < 0) {
                                left = true;
                                width = -width;
                                spec[spec_len++] = '-';
                        }
                        if (width > 100000)
                                width = 100000;
                        p++;
                } else if (*p >= '0' && *p <= '9') {
                        width = parse_count(&p);
                }
                if (width >= 0)
                        spec_len += (size_t)snprintf(spec + spec_len, 16, "%ld", width);
                if (*p == '.') {
                        p++;
                        if (*p == '*') {
                                int star = va_arg(ap, int);

                                precision = star < 0 ? -1 : star;
                                p++;
                        } else {
                                precision = parse_count(&p);
                        }
                        if (precision >= 0)
                                spec_len +=
                                    (size_t)snprintf(spec + spec_len, 16, ".%ld", precision);
                }
                for (size_t k = 0; k < 2 && *p != '\0' && strchr("hlzjtL", *p) != NULL; k++)
                        length[k] = *p++;
                conv = *p != '\0' ? *p++ : '\0';
                memcpy(spec + spec_len, length, strlen(length));
                spec_len += strlen(length);
                spec[spec_len++] = conv;
                spec[spec_len] = '\0';

                if ((conv == 's' || conv == 'c') && length[0] != '\0') {
                        line->failed = true; /* wide characters: not used here */
                } else if (conv == 's') {
                        const char *s = va_arg(ap, const char *);
                        size_t n;

                        if (s == NULL)
                                s = "(null)";
                        n = precision >= 0 ? strnlen(s, (size_t)precision) : strlen(s);
                        line_append_safe(line, s, n, width, left);
                } else if (conv == 'c') {
                        char c = (char)va_arg(ap, int);

                        line_append_safe(line, &c, 1, width, left);
                } else if (conv != '\0' && strchr("diuoxX", conv) != NULL) {
                        bool is_signed = conv == 'd' || conv == 'i';

                        if (strcmp(length, "ll") == 0 || strcmp(length, "j") == 0) {
                                if (is_signed)
                                        APPEND_NUMBER(line, spec, va_arg(ap, long long));
                                else
                                        APPEND_NUMBER(line, spec, va_arg(ap, unsigned long long));
                        } else if (strcmp(length, "l") == 0 || strcmp(length, "z") == 0 ||
                                   strcmp(length, "t") == 0) {
                                if (is_signed)
                                        APPEND_NUMBER(line, spec, va_arg(ap, long));
                                else
                                        APPEND_NUMBER(line, spec, va_arg(ap, unsigned long));
                        } else if (is_signed) {
                                APPEND_NUMBER(line, spec, va_arg(ap, int));
                        } else {
                                APPEND_NUMBER(line, spec, va_arg(ap, unsigned));
                        }
                } else if (conv == 'p') {
                        APPEND_NUMBER(line, spec, va_arg(ap, void *));
                } else if (conv != '\0' && strchr("fFeEgGaA", conv) != NULL) {
                        if (strcmp(length, "L") == 0)
                                APPEND_NUMBER(line, spec, va_arg(ap, long double));
                        else
                                APPEND_NUMBER(line, spec, va_arg(ap, double));
                } else {
                        line->failed = true;
                }
        }
}

/*
 * Writes `prefix`, the formatted text made safe and `suffix` to `out` with
 * one write; standard output is flushed first when `out` is stderr, so
 * that the two keep their order on a terminal.
 */
static void write_line(FILE *out, const char *prefix, const char *suffix, const char *fmt,
                       va_list ap)
{
        struct line line = {0};

        line_append(&line, prefix, strlen(prefix));
        line_vformat(&line, fmt, ap);
        line_append(&line, suffix, strlen(suffix));
        if (out == stderr)
                fflush(stdout);
        if (!line.failed && line.data != NULL)
                fwrite(line.data, 1, line.len, out);
        else if (line.failed)
                fprintf(out, "%s(a message could not be formatted)\n", prefix);
        if (line.data != NULL) {
                sodium_memzero(line.data, line.capacity);
                free(line.data);
        }
}

void cli_fprintf(FILE *out, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        write_line(out, "", "", fmt, ap);
        va_end(ap);
}

void cli_printf(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        write_line(stdout, "", "", fmt, ap);
        va_end(ap);
}

void cli_eprintf(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        write_line(stderr, "", "", fmt, ap);
        va_end(ap);
}

bool cli_write_raw(FILE *out, const char *bytes, size_t len)
{
        return fwrite(bytes, 1, len, out) == len;
}

/* ------------------------------------------------------------- messages */

/* Prints `prefix`, the formatted message made safe, and a newline to stderr as one line. */
static void print_line(const char *prefix, const char *fmt, va_list ap)
{
        write_line(stderr, prefix, "\n", fmt, ap);
}

static void print_linef(const char *prefix, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void print_linef(const char *prefix, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        print_line(prefix, fmt, ap);
        va_end(ap);
}

int cli_error(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        print_line("authkeep: ", fmt, ap);
        va_end(ap);
        return CLI_EXIT_FAIL;
}

void cli_note(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        print_line("authkeep: note: ", fmt, ap);
        va_end(ap);
}

int cli_fail(enum ak_err err, const char *what)
{
        const char *detail = ak_error_detail();

        if (what == NULL)
                what = "error";
        if (detail != NULL && detail[0] != '\0')
                return cli_error("%s: %s: %s", what, ak_strerror(err), detail);
        return cli_error("%s: %s", what, ak_strerror(err));
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
        char message[1024], prefix[64];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(message, sizeof(message), fmt, ap);
        va_end(ap);
        snprintf(prefix, sizeof(prefix), "authkeep %s: ", cmd);
        print_linef(prefix, "%s (see 'authkeep %s --help')", message, cmd);
        return CLI_EXIT_USAGE;
}

bool cli_help(int argc, char **argv, const char *help)
{
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--") == 0)
                        break;
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        cli_write_raw(stdout, help, strlen(help));
                        return true;
                }
        }
        return false;
}

int cli_option_error(const char *cmd, int opt, char **argv)
{
        const char *arg = optind > 0 ? argv[optind - 1] : "?";

        if (opt == ':')
                return cli_usage_error(cmd, "option '%s' needs a value", arg);
        return cli_usage_error(cmd, "unknown option '%s'", arg);
}

int cli_only_json(const char *cmd, int argc, char **argv, bool *json)
{
        static const struct option options[] = {{"json", no_argument, NULL, 'j'},
                                                {NULL, 0, NULL, 0}};
        int opt;

        *json = false;
        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                if (opt != 'j')
                        return cli_option_error(cmd, opt, argv);
                *json = true;
        }
        if (optind < argc)
                return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
        return CLI_EXIT_OK;
}

int cli_confirm(const char *question)
{
        char answer[16];

        if (!isatty(STDIN_FILENO))
                return -1;
        cli_printf("%s [y/N] ", question);
        fflush(stdout);
        return fgets(answer, sizeof(answer), stdin) != NULL &&
               (answer[0] == 'y' || answer[0] == 'Y');
}
