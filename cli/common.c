/*
 * Helpers shared by the commands of the authkeep program: error lines,
 * the device folder, reading secrets, opening and saving the vault, and
 * finding an account by QUERY.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

#include <sodium.h>

#include "cli.h"

/* Longest line read from standard input: a URI with room to spare. */
#define CLI_LINE_MAX (AK_URI_MAX + 1024)

static char *printable(const char *text, size_t *width);
static void table_print(const struct cli_table *table, FILE *out, int indent);

/*
 * Prints `prefix`, the formatted message and a newline to stderr as one
 * line: control characters (a newline or an escape sequence inside an
 * account's name) and invalid UTF-8 become '?'.
 */
static void print_line(const char *prefix, const char *fmt, va_list ap)
{
        char line[2048];
        char *safe;
        size_t width;

        vsnprintf(line, sizeof(line), fmt, ap);
        safe = printable(line, &width);
        fflush(stdout);
        fprintf(stderr, "%s%s\n", prefix, safe != NULL ? safe : line);
        free(safe);
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

const char *cli_home(void)
{
        static char home[PATH_MAX];
        const char *env;

        if (home[0] != '\0')
                return home;
        env = getenv("AUTHKEEP_HOME");
        if (env != NULL && env[0] != '\0')
                snprintf(home, sizeof(home), "%s", env);
        else if ((env = getenv("XDG_DATA_HOME")) != NULL && env[0] != '\0')
                snprintf(home, sizeof(home), "%s/authkeep", env);
        else if ((env = getenv("HOME")) != NULL && env[0] != '\0')
                snprintf(home, sizeof(home), "%s/.local/share/authkeep", env);
        else
                snprintf(home, sizeof(home), ".authkeep");
        return home;
}

const char *cli_vault_path(void)
{
        static char path[PATH_MAX + sizeof(AK_VAULT_FILE) + 1];

        if (path[0] == '\0')
                snprintf(path, sizeof(path), "%s/%s", cli_home(), AK_VAULT_FILE);
        return path;
}

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
                fputs(prompt, stderr);
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
        fputs(prompt, stderr);
        fflush(stderr);
        err = read_line_fd(out, STDIN_FILENO, max);
        restore_echo();
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        sigaction(SIGHUP, &old_hup, NULL);
        return err;
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

/*
 * Reads the vault passphrase (AUTHKEEP_PASSPHRASE, the terminal, or a line
 * of standard input), printing the error itself. NULL on failure.
 */
static char *read_passphrase(void)
{
        char *pass = NULL;
        enum ak_err err =
            cli_read_secret(&pass, "Vault passphrase: ", "AUTHKEEP_PASSPHRASE", false);

        if (err == AK_ERR_INVALID) {
                cli_error("passphrase: none given; set AUTHKEEP_PASSPHRASE, type it on a terminal, "
                          "or run 'authkeep unlock' first");
                return NULL;
        }
        if (err != AK_OK) {
                cli_fail(err, "reading the passphrase");
                return NULL;
        }
        return pass;
}

/* Prints the one line for a vault at `path` that could not be opened. */
static void report_open_error(enum ak_err err, const char *path)
{
        if (err == AK_ERR_PASSPHRASE)
                cli_error("opening the vault: wrong passphrase; nothing was changed");
        else if (err == AK_ERR_VAULT_MISSING || err == AK_ERR_NOT_FOUND)
                cli_error("no vault at %s: run 'authkeep init' to create one (or set "
                          "AUTHKEEP_HOME)",
                          path);
        else
                cli_fail(err, path);
}

/* Opens the vault at `path` with the passphrase; prints the error itself. */
static struct ak_vault *open_with_passphrase(const char *path)
{
        struct ak_vault *vault = NULL;
        char *pass = read_passphrase();
        enum ak_err err;

        if (pass == NULL)
                return NULL;
        err = ak_vault_open(&vault, path, pass, strlen(pass));
        cli_free_secret(pass);
        if (err != AK_OK) {
                report_open_error(err, path);
                return NULL;
        }
        return vault;
}

struct ak_vault *cli_open_vault_passphrase(void)
{
        return open_with_passphrase(cli_vault_path());
}

struct ak_vault *cli_open_vault(void)
{
        const char *path = cli_vault_path();
        struct ak_vault *vault = NULL;
        enum ak_err err;

        /*
         * Unlocked: the key in the kernel keyring opens the vault without the
         * KDF, reading the file once. A damaged file is reported as it is;
         * no kept key, or one that does not open the vault (it was made anew,
         * the entry is stale), falls back to the passphrase.
         */
        err = ak_vault_reopen(&vault, path);
        if (err == AK_OK)
                return vault;
        if (err == AK_ERR_VAULT_MISSING || err == AK_ERR_VAULT_TRUNCATED ||
            err == AK_ERR_VAULT_CORRUPT || err == AK_ERR_VAULT_VERSION || err == AK_ERR_IO ||
            err == AK_ERR_LIMIT || err == AK_ERR_NOMEM) {
                report_open_error(err, path);
                return NULL;
        }
        return open_with_passphrase(path);
}

int cli_save_vault(struct ak_vault *vault)
{
        enum ak_err err = ak_vault_save(vault);

        if (err != AK_OK)
                return cli_fail(err, "saving the vault");
        return cli_backup_after_save(vault);
}

/* The most candidates an ambiguous QUERY lists. */
#define CLI_CANDIDATES_SHOWN 20

void cli_print_candidates(struct ak_vault *vault, const size_t *candidates, size_t ncandidates)
{
        struct ak_account_list *list = ak_vault_accounts(vault);
        struct cli_table *table = cli_table_new(2);

        size_t shown = ncandidates > CLI_CANDIDATES_SHOWN ? CLI_CANDIDATES_SHOWN : ncandidates;

        for (size_t i = 0; table != NULL && i < shown; i++) {
                const struct ak_account *acct;
                char *label, id[AK_ID_LEN + 8];

                if (candidates[i] >= list->count)
                        continue;
                acct = &list->items[candidates[i]];
                label = ak_account_label(acct);
                snprintf(id, sizeof(id), "id %s", acct->id);
                if (cli_table_add(table, label != NULL ? label : "?", id) != AK_OK) {
                        free(label);
                        break;
                }
                free(label);
        }
        if (table != NULL) {
                fflush(stdout);
                table_print(table, stderr, 2);
        }
        if (shown < ncandidates)
                fprintf(stderr, "  ... and %zu more\n", ncandidates - shown);
        cli_table_free(table);
}

int cli_find_account(struct ak_vault *vault, const char *query, size_t *index)
{
        struct ak_account_list *list = ak_vault_accounts(vault);
        size_t *candidates = NULL, ncandidates = 0;
        enum ak_err err;

        if (query[0] == '\0') {
                /* An empty QUERY matches every account: list them as candidates. */
                if (list->count == 0)
                        return cli_error("the account to use is empty, and the vault holds no "
                                         "account yet (add one with 'authkeep add')");
                candidates = malloc(list->count * sizeof(*candidates));
                if (candidates == NULL)
                        return cli_fail(AK_ERR_NOMEM, "finding the account");
                for (size_t i = 0; i < list->count; i++)
                        candidates[i] = i;
                cli_error("the account to use is empty; give an id, Issuer:account or part of "
                          "a name, one of:");
                cli_print_candidates(vault, candidates, list->count);
                free(candidates);
                return CLI_EXIT_FAIL;
        }
        err = ak_account_list_find(list, query, index, &candidates, &ncandidates);
        if (err == AK_OK)
                return 0;
        if (err == AK_ERR_AMBIGUOUS) {
                cli_error("'%s' matches %zu accounts; give more of the name, Issuer:account or an "
                          "id:",
                          query, ncandidates);
                cli_print_candidates(vault, candidates, ncandidates);
                free(candidates);
                return CLI_EXIT_FAIL;
        }
        free(candidates);
        if (err == AK_ERR_NOT_FOUND) {
                if (list->count == 0)
                        return cli_error("no account matches '%s': the vault holds no account yet "
                                         "(add one with 'authkeep add')",
                                         query);
                return cli_error("no account matches '%s'; 'authkeep list' shows the %zu accounts",
                                 query, list->count);
        }
        return cli_fail(err, "finding the account");
}

long long cli_now(void)
{
        const char *env = getenv("AUTHKEEP_NOW");

        if (env != NULL && env[0] != '\0') {
                char *end;
                long long v;

                errno = 0;
                v = strtoll(env, &end, 10);
                if (errno == 0 && *end == '\0' && v >= 0)
                        return v;
        }
        return (long long)time(NULL);
}

bool cli_help(int argc, char **argv, const char *help)
{
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--") == 0)
                        break;
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        fputs(help, stdout);
                        return true;
                }
        }
        return false;
}

bool cli_parse_uint(const char *text, unsigned long long max, unsigned long long *out)
{
        unsigned long long v = 0;

        if (text == NULL || text[0] == '\0')
                return false;
        for (const char *p = text; *p != '\0'; p++) {
                if (*p < '0' || *p > '9')
                        return false;
                unsigned digit = (unsigned)(*p - '0');

                if (digit > max || v > (max - digit) / 10)
                        return false;
                v = v * 10 + digit;
        }
        *out = v;
        return true;
}

int cli_option_error(const char *cmd, int opt, char **argv)
{
        const char *arg = optind > 0 ? argv[optind - 1] : "?";

        if (opt == ':')
                return cli_usage_error(cmd, "option '%s' needs a value", arg);
        return cli_usage_error(cmd, "unknown option '%s'", arg);
}

/* Widest a column is padded to: a longer cell pushes the rest of its row. */
#define CLI_COLUMN_CAP 40

struct cli_table {
        size_t ncols;
        size_t nrows;
        size_t capacity;
        char **cells;   /* nrows * ncols printable copies */
        size_t *widths; /* display width of each cell */
};

/*
 * A copy of `text` that is safe to print on a terminal: invalid UTF-8 and
 * control characters (which could move the cursor or change the terminal)
 * become '?'. *width gets its width in columns. NULL when out of memory.
 */
static char *printable(const char *text, size_t *width)
{
        size_t len = strlen(text), out_len = 0, cols = 0;
        char *out = malloc(len + 1);
        mbstate_t state;

        if (out == NULL)
                return NULL;
        memset(&state, 0, sizeof(state));
        for (size_t i = 0; i < len;) {
                wchar_t wc;
                size_t n = mbrtowc(&wc, text + i, len - i, &state);
                int w;

                if (n == (size_t)-1 || n == (size_t)-2 || n == 0 || iswcntrl((wint_t)wc) ||
                    (w = wcwidth(wc)) < 0) {
                        memset(&state, 0, sizeof(state));
                        out[out_len++] = '?';
                        cols++;
                        i++;
                        continue;
                }
                memcpy(out + out_len, text + i, n);
                out_len += n;
                cols += (size_t)w;
                i += n;
        }
        out[out_len] = '\0';
        *width = cols;
        return out;
}

struct cli_table *cli_table_new(size_t ncols)
{
        struct cli_table *table = calloc(1, sizeof(*table));

        if (table != NULL)
                table->ncols = ncols;
        return table;
}

enum ak_err cli_table_add(struct cli_table *table, ...)
{
        size_t base;
        va_list ap;

        if (table->nrows == table->capacity) {
                size_t cap = table->capacity ? table->capacity * 2 : 16;
                char **cells = realloc(table->cells, cap * table->ncols * sizeof(*cells));
                size_t *widths;

                if (cells == NULL)
                        return AK_ERR_NOMEM;
                table->cells = cells;
                widths = realloc(table->widths, cap * table->ncols * sizeof(*widths));
                if (widths == NULL)
                        return AK_ERR_NOMEM;
                table->widths = widths;
                table->capacity = cap;
        }
        base = table->nrows * table->ncols;
        va_start(ap, table);
        for (size_t c = 0; c < table->ncols; c++) {
                const char *text = va_arg(ap, const char *);

                table->cells[base + c] =
                    printable(text != NULL ? text : "", &table->widths[base + c]);
                if (table->cells[base + c] == NULL) {
                        for (size_t k = 0; k < c; k++)
                                free(table->cells[base + k]);
                        va_end(ap);
                        return AK_ERR_NOMEM;
                }
        }
        va_end(ap);
        table->nrows++;
        return AK_OK;
}

/* Prints the table, each line indented by `indent` spaces. */
static void table_print(const struct cli_table *table, FILE *out, int indent)
{
        size_t col_width[16] = {0};
        size_t ncols = table->ncols < 16 ? table->ncols : 16;

        for (size_t r = 0; r < table->nrows; r++)
                for (size_t c = 0; c < ncols; c++) {
                        size_t w = table->widths[r * table->ncols + c];

                        if (w > CLI_COLUMN_CAP)
                                w = CLI_COLUMN_CAP;
                        if (w > col_width[c])
                                col_width[c] = w;
                }
        for (size_t r = 0; r < table->nrows; r++) {
                size_t pending = (size_t)indent; /* spaces owed before the next non-empty cell */

                for (size_t c = 0; c < ncols; c++) {
                        size_t i = r * table->ncols + c;

                        if (table->cells[i][0] != '\0') {
                                fprintf(out, "%*s%s", (int)pending, "", table->cells[i]);
                                pending = 0;
                        }
                        if (c + 1 < ncols)
                                pending += (col_width[c] > table->widths[i]
                                                ? col_width[c] - table->widths[i]
                                                : 0) +
                                           2;
                }
                fputc('\n', out);
        }
}

void cli_table_print(const struct cli_table *table, FILE *out)
{
        table_print(table, out, 0);
}

void cli_table_free(struct cli_table *table)
{
        if (table == NULL)
                return;
        for (size_t i = 0; i < table->nrows * table->ncols; i++)
                free(table->cells[i]);
        free(table->cells);
        free(table->widths);
        free(table);
}

struct ak_vault *cli_create_vault(const char *cmd)
{
        const char *path = cli_vault_path();
        struct ak_vault *vault = NULL;
        struct ak_kdf_params kdf;
        char *pass = NULL;
        enum ak_err err;

        err = cli_read_secret(&pass, "New vault passphrase: ", "AUTHKEEP_PASSPHRASE", true);
        if (err == AK_ERR_PASSPHRASE) {
                cli_error("%s: the two passphrases differ; nothing was created, try again", cmd);
                return NULL;
        }
        if (err == AK_ERR_INVALID) {
                cli_error("%s: no passphrase given; set AUTHKEEP_PASSPHRASE or type one on a "
                          "terminal",
                          cmd);
                return NULL;
        }
        if (err != AK_OK) {
                cli_error("%s: reading the passphrase: %s", cmd, ak_strerror(err));
                return NULL;
        }
        if (pass[0] == '\0') {
                cli_error("%s: the passphrase is empty; choose one (it protects every secret in "
                          "the vault)",
                          cmd);
                goto done;
        }
        ak_kdf_params_default(&kdf, cli_kdf_cost());
        err = ak_vault_create(&vault, path, pass, strlen(pass), &kdf);
        if (err == AK_ERR_VAULT_EXISTS)
                cli_error("%s: a vault exists already at %s; nothing was changed", cmd, path);
        else if (err != AK_OK)
                cli_error("%s: creating the vault at %s: %s", cmd, path, ak_strerror(err));
done:
        cli_free_secret(pass);
        return vault; /* set by ak_vault_create only on success */
}

/*
 * The Argon2id cost for a new passphrase slot: AUTHKEEP_KDF_COST=min (test
 * suites only, docs/vault-format.md) asks for libsodium's minimum.
 */
enum ak_kdf_cost cli_kdf_cost(void)
{
        const char *cost = getenv("AUTHKEEP_KDF_COST");

        return cost != NULL && strcmp(cost, "min") == 0 ? AK_KDF_COST_MIN : AK_KDF_COST_DEFAULT;
}
