/*
 * `authkeep watch`: a live terminal view of the codes, a bar of the seconds
 * each has left, and the backup state, redrawn every second until `q`, and
 * at once when a key is pressed or the terminal changes size (SIGWINCH).
 * `/` filters, arrows or j/k select, Enter or `c` copies the selected code
 * (cli/clipboard.c). What a frame shows is cli/watch_view.c.
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

#include "watch.h"

static const char watch_help[] =
    "usage: authkeep watch\n"
    "\n"
    "A live view of every code with a bar of the seconds it has left, and the\n"
    "state of the backup, redrawn every second and fitted to the terminal.\n"
    "HOTP codes are not shown here (showing one uses it up): use 'authkeep\n"
    "code QUERY'. The view reloads the vault when another command changes it.\n"
    "\n"
    "Keys:\n"
    "  Up, Down, k, j   select an account\n"
    "  Enter, c         copy the selected code, as 'authkeep code QUERY --copy'\n"
    "  /                filter: type a part of the names, Enter keeps the filter,\n"
    "                   Esc clears it\n"
    "  q, Ctrl-D        quit\n";

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

static volatile sig_atomic_t resized;

static void on_signal(int sig)
{
        if (sig == SIGTSTP)
                suspend_requested = 1;
        else if (sig == SIGWINCH)
                resized = 1;
        else
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

/* Milliseconds until the next whole second, so the view turns with the clock. */
static int ms_to_next_second(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return 1000 - (int)(ts.tv_nsec / 1000000) + 5;
}

/* Copies the code of the selected account; the view's note says what happened. */
static void copy_selected(struct ak_vault *vault, struct watch_view *view, long long now)
{
        char code[AK_CODE_MAX + 1], said[400], *label;
        const struct ak_account *acct;
        size_t index;

        if (!watch_selected(vault, view, &index)) {
                snprintf(view->note, sizeof(view->note), "No account selected.");
                return;
        }
        acct = &ak_vault_accounts(vault)->items[index];
        label = ak_account_label(acct);
        if (acct->type == AK_OTP_HOTP)
                snprintf(view->note, sizeof(view->note),
                         "%s is HOTP: 'authkeep code QUERY --copy' copies its next code.",
                         label ? label : "?");
        else if (!ak_device_entry_verified(vault, index))
                snprintf(view->note, sizeof(view->note), "%s needs verification first.",
                         label ? label : "?");
        else if (ak_account_code(code, acct, now) != AK_OK)
                snprintf(view->note, sizeof(view->note), "%s: no code.", label ? label : "?");
        else {
                int rc =
                    cli_copy_code(code, ak_totp_remaining(now, acct->period), said, sizeof(said));

                sodium_memzero(code, sizeof(code));
                snprintf(view->note, sizeof(view->note), "%s%s%s.", rc == 0 ? label : "",
                         rc == 0 ? ": " : "", said);
        }
        free(label);
}

/* Removes the last character (UTF-8) of the filter. */
static void filter_backspace(char *filter)
{
        size_t len = strlen(filter);

        while (len > 0 && ((unsigned char)filter[len - 1] & 0xc0) == 0x80)
                len--;
        if (len > 0)
                len--;
        filter[len] = '\0';
}

/*
 * Acts on the `n` bytes of keys read: arrows (ESC [ A, ESC [ B, or ESC O A
 * and B in application mode), a lone ESC, the filter being typed, the keys
 * of the help. Sets *quit for q and Ctrl-D.
 */
static void on_keys(struct ak_vault *vault, struct watch_view *view, const char *keys, size_t n,
                    bool *quit)
{
        for (size_t i = 0; i < n; i++) {
                char c = keys[i];

                if (c == '\033' && i + 2 < n && (keys[i + 1] == '[' || keys[i + 1] == 'O') &&
                    (keys[i + 2] == 'A' || keys[i + 2] == 'B')) {
                        if (keys[i + 2] == 'B')
                                view->selected++; /* clamped when drawn */
                        else if (view->selected > 0)
                                view->selected--;
                        i += 2;
                } else if (c == '\033') {
                        /* Esc (or a key this view does not use): leave the filter. */
                        if (i + 1 < n && keys[i + 1] == '[') {
                                i++;
                                while (i + 1 < n && !(keys[i + 1] >= 0x40 && keys[i + 1] <= 0x7e))
                                        i++;
                                i++;
                                continue;
                        }
                        view->filter[0] = '\0';
                        view->filtering = false;
                } else if (c == 4) { /* Ctrl-D */
                        *quit = true;
                } else if (view->filtering) {
                        size_t len = strlen(view->filter);

                        if (c == '\n' || c == '\r')
                                view->filtering = false;
                        else if (c == 0x7f || c == '\b')
                                filter_backspace(view->filter);
                        else if ((unsigned char)c >= 0x20 && len + 1 < sizeof(view->filter)) {
                                view->filter[len] = c;
                                view->filter[len + 1] = '\0';
                        }
                        view->selected = 0;
                } else if (c == 'q' || c == 'Q') {
                        *quit = true;
                } else if (c == '/') {
                        view->filtering = true;
                } else if (c == 'j') {
                        view->selected++;
                } else if (c == 'k' && view->selected > 0) {
                        view->selected--;
                } else if (c == '\n' || c == '\r' || c == 'c') {
                        copy_selected(vault, view, cli_now());
                }
        }
}

int cmd_watch(int argc, char **argv)
{
        struct ak_vault *vault;
        struct file_id seen = {0};
        struct watch_view view = {0};
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

                if (resized) {
                        resized = 0;
                        view.resized = true;
                }
                if (out != NULL) {
                        watch_draw(out, vault, cli_now(), &view);
                        fclose(out);
                        /* One write per frame: no flicker. */
                        (void)!write(STDOUT_FILENO, frame, frame_len);
                        sodium_memzero(frame, frame_len);
                        free(frame);
                }
                if (poll(&pfd, 1, ms_to_next_second()) > 0) {
                        char keys[64];
                        ssize_t n = read(STDIN_FILENO, keys, sizeof(keys));

                        if (n == 0 || (pfd.revents & (POLLHUP | POLLERR)))
                                quit = true;
                        if (n > 0)
                                on_keys(vault, &view, keys, (size_t)n, &quit);
                }
                if (suspend_requested) {
                        suspend_requested = 0;
                        restore_terminal();
                        raise(SIGSTOP);
                        /* Back in the foreground: the terminal may have changed meanwhile. */
                        if (tcgetattr(STDIN_FILENO, &saved_termios) != 0 || enter_raw_mode() != 0)
                                break;
                }
                reload_if_changed(&vault, &seen, view.note, sizeof(view.note));
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
