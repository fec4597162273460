/*
 * The authkeep program: shared helpers of its commands. Commands are
 * `int cmd_NAME(int argc, char **argv)` (argv[0] is the command's name) and
 * return the process's exit status.
 */
#ifndef AUTHKEEP_CLI_H
#define AUTHKEEP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "authkeep/authkeep.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1  /* the command failed; one line on stderr says why */
#define CLI_EXIT_USAGE 2 /* bad arguments */

/*
 * Output (cli/output.c). Every line a person reads goes through these
 * functions: the text that %s and %c conversions produce (names, paths,
 * messages from the library) is shown with its control characters (a
 * newline and a tab among them), bidirectional controls and invalid UTF-8
 * as '?'. The format string is the program's own text and is written as it
 * is, terminal sequences and newlines included.
 */

/* As fprintf(out, ...), made safe as above. Standard output is flushed first when out is stderr. */
void cli_fprintf(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* As printf(...), made safe as above. */
void cli_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* As fprintf(stderr, ...), made safe as above (standard output is flushed first). */
void cli_eprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Writes `len` bytes as they are: only for what the program made itself
 * (help text, a QR code drawn for the terminal, an export the library
 * wrote). True when every byte was written.
 */
bool cli_write_raw(FILE *out, const char *bytes, size_t len);

/*
 * The bytes of the longest start of `len` bytes of `text` (made safe
 * already) that fits in `columns` display columns, never splitting a
 * character; *used (may be NULL) gets the columns it takes.
 */
size_t cli_fit_columns(const char *text, size_t len, size_t columns, size_t *used);
/*
 * A malloc'd copy of the `len` bytes at `text` made safe as above (each
 * byte of invalid UTF-8 and each character the terminal cannot show as
 * '?' too), never longer than the input; *width (may be NULL) gets its
 * width in columns. NULL when out of memory.
 */
char *cli_safe_copy(const char *text, size_t len, size_t *width);

/*
 * Prints "authkeep: " + message + newline to stderr as one line, made safe
 * as cli_printf does; returns CLI_EXIT_FAIL.
 */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "authkeep: note: " + message, made safe as cli_error does; for warnings after success. */
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Prints "authkeep: WHAT: <ak_strerror(err)>[: <ak_error_detail()>]" and
 * returns CLI_EXIT_FAIL. `what` may be NULL.
 */
int cli_fail(enum ak_err err, const char *what);

/* Prints a usage error and the hint to run `authkeep CMD --help`; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* This device's folder and vault (cli/vault_open.c). */

/* The device folder: $AUTHKEEP_HOME, else $XDG_DATA_HOME/authkeep, else ~/.local/share/authkeep. */
const char *cli_home(void);
/* The vault file inside it. */
const char *cli_vault_path(void);

/* Secrets and lines of input (cli/secret.c). */

/*
 * Reads a secret: from environment variable `env` when set (may be NULL),
 * else asks on the terminal without echo, else (no terminal) reads one line
 * of standard input. *out is malloc'd; free with cli_free_secret().
 * `confirm` asks twice on a terminal.
 */
enum ak_err cli_read_secret(char **out, const char *prompt, const char *env, bool confirm);

/*
 * Prints the one line for cli_read_secret's error `err` while reading `what`
 * (from `env`, which may be NULL): with no terminal, no variable and nothing
 * on standard input, "WHAT: no password given; set ENV or run it on a
 * terminal". Returns CLI_EXIT_FAIL.
 */
int cli_secret_error(enum ak_err err, const char *what, const char *env);

/* Reads one line of standard input (for arguments given as "-"); newline stripped. */
enum ak_err cli_read_stdin_line(char **out);

void cli_free_secret(char *s);

/* The characters (UTF-8 code points) of `text`, for the length rules of passwords. */
size_t cli_text_chars(const char *text);
/* The fewest characters a vault passphrase may have, like the backup password. */
#define CLI_PASSPHRASE_MIN 8

/*
 * Opens this device's vault: with the key in the kernel keyring when
 * `authkeep unlock` put it there, else with the passphrase
 * (AUTHKEEP_PASSPHRASE or a prompt). Prints the error itself and returns
 * NULL on failure.
 */
struct ak_vault *cli_open_vault(void);

/*
 * For a change: opens the vault as cli_open_vault() does, then waits (at
 * most CLI_CHANGE_WAIT_MS) for other commands that change it and holds its
 * lock until ak_vault_free(), the vault read again when one saved it
 * meanwhile, so that concurrent changes all apply and none is lost.
 * cli_hold_vault does the second step on an open vault (returns 0 or
 * CLI_EXIT_FAIL). Both print the error themselves.
 */
#define CLI_CHANGE_WAIT_MS 10000u
struct ak_vault *cli_open_vault_for_change(void);
int cli_hold_vault(struct ak_vault *vault);

/*
 * Saves the vault after a change, then (when backup is on) backs the change
 * up before returning; an unreachable server leaves it pending. Prints the
 * error itself; returns 0 or CLI_EXIT_FAIL.
 */
int cli_save_vault(struct ak_vault *vault);
/* Saves a change of device-local state only, which backups do not carry: nothing is sent. */
int cli_save_vault_local(struct ak_vault *vault);

/* Finding an account by QUERY (cli/query.c). */

/* Prints the accounts `candidates` names, one per line, to stderr (for ambiguous queries). */
void cli_print_candidates(struct ak_vault *vault, const size_t *candidates, size_t ncandidates);

/* Finds one account by QUERY, printing the error (with candidates) itself. Returns 0 and sets
 * *index, or CLI_EXIT_FAIL. */
int cli_find_account(struct ak_vault *vault, const char *query, size_t *index);
/* The same for a command about personal and work entries: of several matches, the one of those. */
int cli_find_server_account(struct ak_vault *vault, const char *query, size_t *index);

/*
 * Opens (cli/vault_open.c) the vault with its passphrase only (AUTHKEEP_PASSPHRASE or a
 * prompt), never with the keyring: for `unlock`. Prints the error itself.
 */
struct ak_vault *cli_open_vault_passphrase(void);

/*
 * Creates this device's vault at cli_vault_path() with a new passphrase
 * (AUTHKEEP_PASSPHRASE, or asked twice on a terminal); an empty one is
 * refused. Prints the error itself, prefixed by `cmd`, and returns NULL on
 * failure, having created nothing.
 */
struct ak_vault *cli_create_vault(const char *cmd);

/*
 * The cost of a key derivation the program sets: AUTHKEEP_KDF_COST=min
 * lowers it, in a test build only (meson -Dtest_costs=true).
 */
enum ak_kdf_cost cli_kdf_cost(void);
/*
 * Checks AUTHKEEP_KDF_COST at start-up: false (the error printed) when it
 * is set to anything but "min", or to "min" in a release build.
 */
bool cli_check_kdf_cost(void);
/* True in a test build (meson -Dtest_costs=true). */
bool cli_test_build(void);

/*
 * When argv[1..argc-1] holds "--help" or "-h" (before any "--"), prints
 * (cli/output.c) `help` to standard output and returns true: the command then exits 0.
 */
bool cli_help(int argc, char **argv, const char *help);

/*
 * The usage error for what getopt_long (with opterr = 0 and an optstring
 * starting with ':') returned as `opt` ('?' unknown, ':' missing value).
 */
int cli_option_error(const char *cmd, int opt, char **argv);

/*
 * Asks `question` on a terminal ("... [y/N] "): 1 for yes, 0 for anything
 * else; -1 without a terminal on standard input (the caller wants --yes).
 */
int cli_confirm(const char *question);

/* Options of a command that takes --json alone: *json; CLI_EXIT_OK or the usage error printed. */
int cli_only_json(const char *cmd, int argc, char **argv, bool *json);

/* Parses (cli/main.c) a decimal integer 0..max with nothing else around it; false when it is not
 * one. */
bool cli_parse_uint(const char *text, unsigned long long max, unsigned long long *out);

/*
 * Aligned columns for people to read (cli/table.c). Cells are copied
 * made safe for a terminal (as cli_printf's arguments are) and measured in
 * display columns. Free with cli_table_free().
 */
struct cli_table;
struct cli_table *cli_table_new(size_t ncols);
/* Adds a row of the table's `ncols` cells (NULL prints as ""). AK_ERR_NOMEM on failure. */
enum ak_err cli_table_add(struct cli_table *table, ...);
/* Prints every row, each column padded to its widest cell (up to a cap), two spaces apart. */
void cli_table_print(const struct cli_table *table, FILE *out);
/* As cli_table_print, each line indented by `indent` spaces. */
void cli_table_print_indented(const struct cli_table *table, FILE *out, int indent);
void cli_table_free(struct cli_table *table);

/*
 * Times for people (cli/output.c), always with their zone: cli_time gives
 * the local date and time with its offset from UTC, as ISO 8601 has it
 * ("2026-11-29 10:30:12 +0100"; "an unknown time" for 0); cli_clock the
 * time of day with the zone's name ("10:30:12 CET"), for `watch`. Both
 * return `buf`.
 */
const char *cli_time(long long t, char *buf, size_t len);
const char *cli_clock(long long t, char *buf, size_t len);

/* The time now (cli/main.c), or AUTHKEEP_NOW (unix seconds) when set, for tests. */
long long cli_now(void);

/*
 * Backup hooks (cli/backup_words.c). cli_backup_after_save is called by
 * cli_save_vault; it returns 0 when backup is off or the change was sent or
 * kept pending. cli_backup_state_line writes a one-line state for `watch`.
 */
int cli_backup_after_save(struct ak_vault *vault);
void cli_backup_state_line(struct ak_vault *vault, char *buf, size_t len);

/*
 * Adds every code found in a QR image (cli/cmd_import.c), for `add --qr`;
 * a secret shorter than AK_SECRET_SHORT_BYTES is refused unless
 * `allow_short`.
 */
int cli_add_qr(struct ak_vault *vault, const char *image_path, bool allow_short);

/*
 * Work or school accounts (cli/cmd_work.c). cli_work_add enrols with an
 * activation URI ("-": standard input), for `add --activation`.
 * cli_work_qr, in authkeep-import, enrols from a QR image that holds an
 * activation (for `add --qr`): false when the image holds none, true with
 * the exit status in *rc when it did or could not be read (said).
 */
int cli_work_add(const char *activation);
bool cli_work_qr(struct ak_vault *vault, const char *image, int *rc);

/*
 * The one line refusing a secret of `len` bytes, shorter than
 * AK_SECRET_SHORT_BYTES, for `what` (cli/cmd_accounts.c). Returns CLI_EXIT_FAIL.
 */
int cli_short_secret_error(const char *what, size_t len);

/*
 * The programs beside authkeep (cli/tool.c): the path of helper `name`
 * (next to this program, else the folder it is installed to), false when
 * it is not there; and running one in place of this process with the
 * command's arguments (argv[0] is the command's name). cli_run_tool
 * returns only on failure, having printed why.
 */
bool cli_tool_path(char *out, size_t len, const char *name);
int cli_run_tool(const char *name, int argc, char **argv);

/*
 * The backup engine's transport in this program: in authkeep, each HTTP
 * exchange runs in authkeep-http (cli/http_helper.c); in authkeep-import,
 * which links libcurl anyway, in process (ak_http_curl).
 */
enum ak_err cli_http_via_helper(void *ctx, struct ak_http_exchange *exchange);
void cli_client_transport(struct ak_client_options *options);

/*
 * The commands (cli/main.c): one table for dispatch, --help and the shell
 * completions. `options` lists the long options, space-separated; a value
 * follows '=': choices "a|b|c", ACCOUNT (an account of the vault), FORMAT
 * (an import format), FILE, or any other upper-case word for a value that
 * is not completed. `args` names the positional arguments in order, the
 * same way. A command with subcommands points to their table (run NULL
 * there: the command dispatches them). `summary` NULL hides a command.
 * The tables end with a row whose name is NULL.
 */
struct cli_command {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *summary;
        const char *options;
        const char *args;
        const struct cli_command *subcommands;
};
const struct cli_command *cli_commands(void);

/*
 * Draws the progress of long work (cli/progress.c) as the library reports
 * it (ak_progress_fn): on standard error when it is a terminal, over one
 * line, erased at the end of the stage. `ctx` is the command's name.
 */
void cli_progress(void *ctx, const char *what, size_t done, size_t total);

/*
 * Copies `code` to the clipboard (cli/clipboard.c): wl-copy, xclip or xsel
 * when one is on PATH with its display, else the terminal's OSC 52; and
 * clears it in `seconds`, when it still holds the code. `said` gets what
 * was done, in words, or the error (nothing is printed). 0 or CLI_EXIT_FAIL.
 */
int cli_copy_code(const char *code, unsigned seconds, char *said, size_t said_len);
/* How long a copied HOTP code stays on the clipboard, having no period. */
#define CLI_COPY_HOTP_SECONDS 30

/* The commands. */
int cmd_complete(int argc, char **argv);
int cmd_clear_clipboard(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_unlock(int argc, char **argv);
int cmd_lock(int argc, char **argv);
int cmd_passphrase(int argc, char **argv);
int cmd_add(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_code(int argc, char **argv);
int cmd_remove(int argc, char **argv);
int cmd_move(int argc, char **argv);
int cmd_rename(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_recover(int argc, char **argv);
int cmd_account(int argc, char **argv);     /* cli/cmd_lifecycle.c */
int cmd_account_add(int argc, char **argv); /* `account add` (cli/cmd_account.c) */
int cmd_devices(int argc, char **argv);
int cmd_listen(int argc, char **argv);
int cmd_approve(int argc, char **argv);
int cmd_deny(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_contacts(int argc, char **argv);
/* `verify QUERY --activation URI|- | --qr IMAGE` for a work or school account (cli/cmd_work.c). */
int cmd_work_verify(int argc, char **argv);

#endif
