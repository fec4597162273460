/*
 * Copying a code to the clipboard (`code QUERY --copy`, Enter in `watch`),
 * and clearing it when the code expires, if it still holds the code.
 *
 * The clipboard is the desktop's, through the first of these on PATH:
 * wl-copy (with WAYLAND_DISPLAY), xclip or xsel (with DISPLAY). Without one,
 * the terminal's own: the OSC 52 sequence written to /dev/tty, which sets
 * the clipboard of the terminal emulator, over SSH too. The code goes to a
 * tool on its standard input, never on its command line (readable by any
 * user through /proc).
 *
 * The clearing is done by a short-lived helper, this program again
 * (`authkeep clear-clipboard TOOL SECONDS`, the code on standard input), so
 * that what waits holds the code and nothing else of the vault: it sleeps
 * until the code expires, reads the clipboard back, and clears it only when
 * it still holds the code. OSC 52 cannot be read back: the helper keeps the
 * terminal as its standard output and, at expiry, sets the terminal's
 * clipboard to nothing, and only when it is still in the terminal's session
 * (a closed terminal or a new login on it gets nothing).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"

extern char **environ;

/* The most a clipboard read back may hold and still be compared. */
#define READ_BACK_MAX 256
/* How long a clipboard tool may take. */
#define TOOL_WAIT_MS 5000

struct clip_tool {
        const char *name;     /* what `clear-clipboard` is told, and the program on PATH */
        const char *env;      /* the display it needs */
        const char *copy[4];  /* reads the text to copy on standard input */
        const char *paste[5]; /* writes the clipboard on standard output */
        const char *clear[4]; /* empties it; NULL: copy nothing */
};

static const struct clip_tool tools[] = {
    {"wl-copy",
     "WAYLAND_DISPLAY",
     {"wl-copy", NULL},
     {"wl-paste", "--no-newline", NULL},
     {"wl-copy", "--clear", NULL}},
    {"xclip",
     "DISPLAY",
     {"xclip", "-selection", "clipboard", NULL},
     {"xclip", "-selection", "clipboard", "-o", NULL},
     {NULL}},
    {"xsel",
     "DISPLAY",
     {"xsel", "--clipboard", "--input", NULL},
     {"xsel", "--clipboard", "--output", NULL},
     {"xsel", "--clipboard", "--clear", NULL}},
};

/* True when `name` is an executable file in a folder of PATH. */
static bool on_path(const char *name)
{
        const char *path = getenv("PATH");
        char file[PATH_MAX];

        for (const char *p = path ? path : ""; *p != '\0';) {
                size_t len = strcspn(p, ":");

                if (len > 0 &&
                    snprintf(file, sizeof(file), "%.*s/%s", (int)len, p, name) <
                        (int)sizeof(file) &&
                    access(file, X_OK) == 0)
                        return true;
                p += len + (p[len] == ':');
        }
        return false;
}

/* The tool to use: NULL for OSC 52. */
static const struct clip_tool *pick_tool(void)
{
        for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
                const char *display = getenv(tools[i].env);

                if (display != NULL && display[0] != '\0' && on_path(tools[i].copy[0]))
                        return &tools[i];
        }
        return NULL;
}

/*
 * Starts `argv` (searched on PATH) with `in` and `out` as its standard
 * input and output (-1: /dev/null), standard error on /dev/null, no other
 * descriptor, and, when `detach`, in a session of its own. Returns its pid,
 * or -1.
 */
static pid_t spawn(const char *const argv[], int in, int out, bool detach)
{
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t mask;
        pid_t pid = -1;
        int ok;

        if (posix_spawn_file_actions_init(&fa) != 0)
                return -1;
        if (posix_spawnattr_init(&attr) != 0) {
                posix_spawn_file_actions_destroy(&fa);
                return -1;
        }
        ok = (in >= 0 ? posix_spawn_file_actions_adddup2(&fa, in, STDIN_FILENO)
                      : posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY,
                                                         0)) == 0;
        ok = ok && (out >= 0 ? posix_spawn_file_actions_adddup2(&fa, out, STDOUT_FILENO)
                             : posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
                                                                O_WRONLY, 0)) == 0;
        ok = ok &&
             posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0) == 0;
        ok = ok && posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1) == 0;
        /* SIGHUP blocked: the helper ignores it before it may arrive (the helper unblocks it). */
        sigemptyset(&mask);
        sigaddset(&mask, SIGHUP);
        ok = ok && posix_spawnattr_setsigmask(&attr, &mask) == 0;
        ok = ok && posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
                                                       (detach ? POSIX_SPAWN_SETSID : 0)) == 0;
        if (ok && posix_spawnp(&pid, argv[0], &fa, &attr, (char *const *)argv, environ) != 0)
                pid = -1;
        posix_spawnattr_destroy(&attr);
        posix_spawn_file_actions_destroy(&fa);
        return pid;
}

/* Waits for `pid`; true when it exited 0. */
static bool wait_ok(pid_t pid)
{
        int status;

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return false;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Runs `argv` with `len` bytes of `data` on its standard input; true when it exited 0. */
static bool run_with_input(const char *const argv[], const char *data, size_t len)
{
        int fds[2];
        pid_t pid;
        bool written;
        struct sigaction ignore = {.sa_handler = SIG_IGN}, saved;

        if (pipe2(fds, O_CLOEXEC) != 0)
                return false;
        pid = spawn(argv, fds[0], -1, false);
        close(fds[0]);
        if (pid < 0) {
                close(fds[1]);
                return false;
        }
        /*
         * A code is far smaller than a pipe's buffer: one write. A tool that
         * exits before reading must not kill this process with SIGPIPE: its
         * failure is reported.
         */
        sigaction(SIGPIPE, &ignore, &saved);
        written = len == 0 || write(fds[1], data, len) == (ssize_t)len;
        sigaction(SIGPIPE, &saved, NULL);
        close(fds[1]);
        return wait_ok(pid) && written;
}

/* Runs `argv` and reads what it writes (at most cap - 1 bytes, NUL-ended); -1 on failure. */
static ssize_t run_read_output(const char *const argv[], char *buf, size_t cap)
{
        int fds[2];
        size_t got = 0;
        pid_t pid;
        bool ok = true;

        if (pipe2(fds, O_CLOEXEC) != 0)
                return -1;
        pid = spawn(argv, -1, fds[1], false);
        close(fds[1]);
        if (pid < 0) {
                close(fds[0]);
                return -1;
        }
        for (;;) {
                struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
                ssize_t n;

                if (poll(&pfd, 1, TOOL_WAIT_MS) <= 0) {
                        ok = false;
                        kill(pid, SIGKILL);
                        break;
                }
                n = read(fds[0], buf + got, cap - 1 - got);
                if (n <= 0)
                        break;
                got += (size_t)n;
                if (got == cap - 1) { /* more than any code: not ours */
                        ok = false;
                        kill(pid, SIGKILL);
                        break;
                }
        }
        close(fds[0]);
        buf[got] = '\0';
        return wait_ok(pid) && ok ? (ssize_t)got : -1;
}

/* Writes the OSC 52 sequence setting the clipboard to `len` bytes of `text` to `fd`. */
static bool write_osc52(int fd, const char *text, size_t len)
{
        char seq[16 + sodium_base64_ENCODED_LEN(AK_CODE_MAX, sodium_base64_VARIANT_ORIGINAL)];
        size_t n;
        bool ok;

        if (len > AK_CODE_MAX)
                return false;
        snprintf(seq, sizeof(seq), "\033]52;c;");
        n = strlen(seq);
        sodium_bin2base64(seq + n, sizeof(seq) - n, (const unsigned char *)text, len,
                          sodium_base64_VARIANT_ORIGINAL);
        n = strlen(seq);
        seq[n++] = '\a';
        ok = write(fd, seq, n) == (ssize_t)n;
        sodium_memzero(seq, sizeof(seq));
        return ok;
}

/* Helpers that are done: reaped, so that a long `watch` leaves no zombies. */
static void reap_helpers(void)
{
        while (waitpid(-1, NULL, WNOHANG) > 0)
                ;
}

/* Starts the helper that clears the clipboard in `seconds`; `tty` its output for OSC 52. */
static bool start_clearing(const char *tool, const char *code, unsigned seconds, int tty)
{
        char self[PATH_MAX], secs[24];
        const char *argv[] = {self, "clear-clipboard", tool, secs, NULL};
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        int fds[2];
        pid_t pid;
        bool ok;

        if (n <= 0)
                return false;
        self[n] = '\0';
        snprintf(secs, sizeof(secs), "%u", seconds);
        if (pipe2(fds, O_CLOEXEC) != 0)
                return false;
        /* With OSC 52 the helper stays in the terminal's session; otherwise in one of its own. */
        pid = spawn(argv, fds[0], tty, tty < 0);
        close(fds[0]);
        ok = pid > 0 && write(fds[1], code, strlen(code)) == (ssize_t)strlen(code);
        close(fds[1]);
        return ok;
}

int cli_copy_code(const char *code, unsigned seconds, char *said, size_t said_len)
{
        const struct clip_tool *tool = pick_tool();
        const char *later = "";
        size_t len = strlen(code);
        int tty;

        reap_helpers();
        if (tool != NULL) {
                if (!run_with_input(tool->copy, code, len)) {
                        snprintf(said, said_len,
                                 "copying the code: %s failed; is the display (%s) reachable?",
                                 tool->copy[0], tool->env);
                        return CLI_EXIT_FAIL;
                }
                if (!start_clearing(tool->name, code, seconds, -1))
                        later = " (but the helper that clears it could not start)";
                snprintf(said, said_len,
                         "copied with %s; cleared in %u s if the clipboard still holds it%s",
                         tool->copy[0], seconds, later);
                return CLI_EXIT_OK;
        }
        tty = open("/dev/tty", O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (tty < 0 || !isatty(tty)) {
                if (tty >= 0)
                        close(tty);
                snprintf(said, said_len,
                         "copying the code: no wl-copy (Wayland), xclip or xsel (X) on PATH, and "
                         "no terminal for its OSC 52 clipboard; install one or run it on a "
                         "terminal");
                return CLI_EXIT_FAIL;
        }
        if (!write_osc52(tty, code, len)) {
                close(tty);
                snprintf(said, said_len, "copying the code: writing to the terminal failed");
                return CLI_EXIT_FAIL;
        }
        if (!start_clearing("osc52", code, seconds, tty))
                later = " (but the helper that clears it could not start)";
        close(tty);
        snprintf(said, said_len,
                 "copied through the terminal (OSC 52); its clipboard is emptied in %u s, "
                 "whatever it holds then (a terminal's clipboard cannot be read back)%s",
                 seconds, later);
        return CLI_EXIT_OK;
}

/* Sleeps `seconds` on the monotonic clock, whatever signals come. */
static void sleep_seconds(unsigned seconds)
{
        struct timespec until;

        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += (time_t)seconds;
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
                ;
}

/* `clear-clipboard TOOL SECONDS`, the code on standard input: see the top of this file. */
int cmd_clear_clipboard(int argc, char **argv)
{
        char code[AK_CODE_MAX + 2], back[READ_BACK_MAX];
        unsigned long long seconds;
        const struct clip_tool *tool = NULL;
        sigset_t mask;
        ssize_t n;
        pid_t sid = -1;

        if (argc != 3 || !cli_parse_uint(argv[2], 24 * 3600, &seconds))
                return CLI_EXIT_USAGE;
        signal(SIGHUP, SIG_IGN);
        sigemptyset(&mask);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_UNBLOCK, &mask, NULL);
        for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
                if (strcmp(argv[1], tools[i].name) == 0)
                        tool = &tools[i];
        if (tool == NULL && strcmp(argv[1], "osc52") != 0)
                return CLI_EXIT_USAGE;
        n = read(STDIN_FILENO, code, sizeof(code) - 1);
        if (n <= 0 || n > AK_CODE_MAX)
                return CLI_EXIT_FAIL;
        code[n] = '\0';
        if (tool == NULL)
                sid = tcgetsid(STDOUT_FILENO);
        sleep_seconds((unsigned)seconds);
        if (tool == NULL) {
                /* Still on the terminal, in the same session: set its clipboard to nothing. */
                if (sid >= 0 && isatty(STDOUT_FILENO) && tcgetsid(STDOUT_FILENO) == sid)
                        write_osc52(STDOUT_FILENO, "", 0);
        } else {
                ssize_t got = run_read_output(tool->paste, back, sizeof(back));

                /* A tool may end what it gives back with a newline. */
                if (got > 0 && back[got - 1] == '\n')
                        back[--got] = '\0';
                if (got == n && sodium_memcmp(back, code, (size_t)n) == 0) {
                        if (tool->clear[0] != NULL)
                                run_with_input(tool->clear, "", 0);
                        else
                                run_with_input(tool->copy, "", 0);
                }
        }
        sodium_memzero(code, sizeof(code));
        sodium_memzero(back, sizeof(back));
        return CLI_EXIT_OK;
}
