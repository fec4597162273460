/*
 * `authkeep watch`: a live terminal view of the codes, a bar of the seconds
 * each has left, and the backup state, redrawn every second until `q`.
 *
 * The terminal goes into non-canonical, no-echo mode on the alternate
 * screen; it is restored on `q`, on end of input, and on SIGINT, SIGTERM,
 * SIGHUP and SIGQUIT (then the signal is raised again), and around a
 * suspend (SIGTSTP). When the vault file changes (another command added an
 * account), the view reloads it with the key it already holds.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"

#define BAR_WIDTH 20

static const char watch_help[] =
    "usage: authkeep watch\n"
    "\n"
    "A live view of every code with a bar of the seconds it has left, and the\n"
    "state of the backup, redrawn every second. Press q to quit. HOTP codes are\n"
    "not shown here (showing one uses it up): use 'authkeep code QUERY'.\n"
    "The view reloads the vault when another command changes it.\n";

static struct termios saved_termios;
static volatile sig_atomic_t raw_mode;
static volatile sig_atomic_t pending_signal;
static volatile sig_atomic_t suspend_requested;

/* Leaves the alternate screen and puts the terminal back as it was (async-signal-safe). */
static void restore_terminal(void)
{
        static const char reset[] = "\033[?25h\033[?1049l";

        if (!raw_mode)
                return;
        (void)!write(STDOUT_FILENO, reset, sizeof(reset) - 1);
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
        raw_mode = 0;
}

/* Non-canonical, no echo; keys arrive one by one, signals still work. */
static int enter_raw_mode(void)
{
        static const char setup[] = "\033[?1049h\033[?25l\033[H\033[2J";
        struct termios raw = saved_termios;

        raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
        raw.c_cc[VMIN] = 0;
        raw.c_cc[VTIME] = 0;
        if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) != 0)
                return -1;
        raw_mode = 1;
        (void)!write(STDOUT_FILENO, setup, sizeof(setup) - 1);
        return 0;
}

static void on_signal(int sig)
{
        if (sig == SIGTSTP)
                suspend_requested = 1;
        else if (sig != SIGWINCH)
                pending_signal = sig;
}

static void install_handlers(void)
{
        static const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGWINCH};
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal; /* no SA_RESTART: poll() wakes up at once */
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
                sigaction(signals[i], &sa, NULL);
}

/* The identity of the vault file, to notice when another command replaced it. */
struct file_id {
        dev_t dev;
        ino_t ino;
        off_t size;
        struct timespec mtime;
};

static bool file_id_get(struct file_id *id, const char *path)
{
        struct stat st;

        if (stat(path, &st) != 0)
                return false;
        id->dev = st.st_dev;
        id->ino = st.st_ino;
        id->size = st.st_size;
        id->mtime = st.st_mtim;
        return true;
}

static bool file_id_same(const struct file_id *a, const struct file_id *b)
{
        return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
               a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* Reopens the vault with its own master key when the file changed; keeps the old one otherwise. */
static void reload_if_changed(struct ak_vault **vault, struct file_id *seen, char *note,
                              size_t note_len)
{
        const char *path = cli_vault_path();
        struct ak_vault *fresh = NULL;
        struct file_id now;
        enum ak_err err;

        if (!file_id_get(&now, path) || file_id_same(&now, seen))
                return;
        *seen = now;
        err = ak_vault_reread(&fresh, *vault);
        if (err != AK_OK) {
                snprintf(note, note_len, "The vault changed and could not be read again: %s",
                         ak_strerror(err));
                return;
        }
        note[0] = '\0';
        ak_vault_free(*vault);
        *vault = fresh;
}

/* "[#########...........]" for `remaining` of `period` seconds. */
static void progress_bar(char *out, uint32_t remaining, uint32_t period)
{
        size_t filled = period ? (size_t)((uint64_t)remaining * BAR_WIDTH / period) : 0;

        if (filled == 0 && remaining > 0)
                filled = 1;
        out[0] = '[';
        for (size_t i = 0; i < BAR_WIDTH; i++)
                out[1 + i] = i < filled ? '#' : '.';
        out[BAR_WIDTH + 1] = ']';
        out[BAR_WIDTH + 2] = '\0';
}

/* Draws one frame into `out` (a memory stream): header, codes, backup state. */
static void draw(FILE *out, struct ak_vault *vault, long long now, const char *note)
{
        struct ak_account_list *list = ak_vault_accounts(vault);
        struct cli_table *t = cli_table_new(5);
        char clock[32], backup[256];
        struct winsize ws;
        size_t rows_fit = list->count, shown = 0;
        time_t when = (time_t)now;
        struct tm tm;

        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 8)
                rows_fit = ws.ws_row - 8u;
        localtime_r(&when, &tm);
        strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
        cli_fprintf(out, "\033[HAuthkeep  %s  %zu account%s    q: quit\033[K\n\033[K\n", clock,
                    list->count, list->count == 1 ? "" : "s");
        if (t != NULL && cli_table_add(t, "ISSUER", "ACCOUNT", "CODE", "", "LEFT") != AK_OK) {
                cli_table_free(t);
                t = NULL;
        }
        for (size_t i = 0; t != NULL && i < list->count && shown < rows_fit; i++, shown++) {
                const struct ak_account *acct = &list->items[i];
                char code[AK_CODE_MAX + 1] = "-", bar[BAR_WIDTH + 3] = "", left[40] = "";
                enum ak_err err = AK_OK;

                if (acct->type == AK_OTP_HOTP) {
                        snprintf(left, sizeof(left), "HOTP: authkeep code QUERY");
                } else if (!ak_device_entry_verified(vault, i)) {
                        snprintf(left, sizeof(left), "verification needed");
                } else if ((err = ak_account_code(code, acct, now)) != AK_OK) {
                        snprintf(code, sizeof(code), "-");
                        snprintf(left, sizeof(left), "%s", ak_strerror(err));
                } else {
                        uint32_t remaining = ak_totp_remaining(now, acct->period);

                        progress_bar(bar, remaining, acct->period);
                        snprintf(left, sizeof(left), "%2us", (unsigned)remaining);
                }
                err = cli_table_add(t, acct->issuer, acct->name, code, bar, left);
                sodium_memzero(code, sizeof(code));
                if (err != AK_OK)
                        break;
        }
        if (t != NULL) {
                /* The table ends lines with "\n"; clear each line's rest as well. */
                char *buf = NULL;
                size_t len = 0;
                FILE *mem = open_memstream(&buf, &len);

                if (mem != NULL) {
                        cli_table_print(t, mem);
                        fclose(mem);
                        for (char *line = buf, *nl; line != NULL && *line != '\0'; line = nl + 1) {
                                nl = strchr(line, '\n');
                                if (nl == NULL)
                                        break;
                                cli_fprintf(out, "%.*s\033[K\n", (int)(nl - line), line);
                        }
                        free(buf);
                }
                cli_table_free(t);
        }
        if (list->count == 0)
                cli_fprintf(
                    out,
                    "No accounts yet: add one with 'authkeep add' in another terminal.\033[K\n");
        else if (shown < list->count)
                cli_fprintf(out, "... and %zu more (make the window taller)\033[K\n",
                            list->count - shown);
        for (size_t i = 0; i < list->count; i++)
                if (!ak_device_entry_verified(vault, i))
                        cli_fprintf(out,
                                    "%s: run 'authkeep verify %s' to verify this device\033[K\n",
                                    list->items[i].name, list->items[i].id);
        backup[0] = '\0';
        cli_backup_state_line(vault, backup, sizeof(backup));
        cli_fprintf(out, "\033[K\nBackup: %s\033[K\n", backup[0] ? backup : "off");
        if (note[0] != '\0')
                cli_fprintf(out, "%s\033[K\n", note);
        cli_fprintf(out, "\033[J");
}

/* Milliseconds until the next whole second, so the view turns with the clock. */
static int ms_to_next_second(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return 1000 - (int)(ts.tv_nsec / 1000000) + 5;
}

int cmd_watch(int argc, char **argv)
{
        struct ak_vault *vault;
        struct file_id seen = {0};
        char note[160] = "";
        bool quit = false;
        int rc = CLI_EXIT_OK;

        if (cli_help(argc, argv, watch_help))
                return CLI_EXIT_OK;
        if (argc > 1)
                return cli_usage_error("watch", "unexpected argument '%s'", argv[1]);
        if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
                return cli_error("watch: needs a terminal for input and output; in scripts use "
                                 "'authkeep code' instead");
        vault = cli_open_vault();
        if (vault == NULL)
                return CLI_EXIT_FAIL;
        file_id_get(&seen, cli_vault_path());
        if (tcgetattr(STDIN_FILENO, &saved_termios) != 0) {
                ak_vault_free(vault);
                return cli_error("watch: cannot read the terminal's settings");
        }
        install_handlers();
        if (enter_raw_mode() != 0) {
                ak_vault_free(vault);
                return cli_error("watch: cannot set up the terminal");
        }
        while (!quit && !pending_signal) {
                struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
                char *frame = NULL;
                size_t frame_len = 0;
                FILE *out = open_memstream(&frame, &frame_len);

                if (out != NULL) {
                        draw(out, vault, cli_now(), note);
                        fclose(out);
                        /* One write per frame: no flicker. */
                        (void)!write(STDOUT_FILENO, frame, frame_len);
                        free(frame);
                }
                if (poll(&pfd, 1, ms_to_next_second()) > 0) {
                        char keys[64];
                        ssize_t n = read(STDIN_FILENO, keys, sizeof(keys));

                        if (n == 0 || (pfd.revents & (POLLHUP | POLLERR)))
                                quit = true;
                        for (ssize_t i = 0; i < n; i++)
                                if (keys[i] == 'q' || keys[i] == 'Q' || keys[i] == 4 /* Ctrl-D */)
                                        quit = true;
                }
                if (suspend_requested) {
                        suspend_requested = 0;
                        restore_terminal();
                        raise(SIGSTOP);
                        /* Back in the foreground: the terminal may have changed meanwhile. */
                        if (tcgetattr(STDIN_FILENO, &saved_termios) != 0 || enter_raw_mode() != 0)
                                break;
                }
                reload_if_changed(&vault, &seen, note, sizeof(note));
        }
        restore_terminal();
        ak_vault_free(vault);
        if (pending_signal) {
                int sig = pending_signal;

                signal(sig, SIG_DFL);
                raise(sig);
                rc = 128 + sig;
        }
        return rc;
}
