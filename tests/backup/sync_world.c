/*
 * The world of the backup engine's tests (sync_world.h): a real authkeepd
 * started from $AUTHKEEPD_BIN, never a stand-in, since what is tested is
 * how the engine reads the server's real answers (409, 410, 401, a closed
 * port).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "sync_world.h"

extern char **environ;

long long mono_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t fake_now(void *ctx)
{
        return ((const struct world *)ctx)->now;
}

/* A free TCP port on loopback (the kernel's choice; released before the server takes it). */
static int free_port(void)
{
        struct sockaddr_in a = {.sin_family = AF_INET};
        socklen_t len = sizeof(a);
        int fd = socket(AF_INET, SOCK_STREAM, 0), port;

        assert_true(fd >= 0);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
        port = ntohs(a.sin_port);
        close(fd);
        return port;
}

/* Whether the server answers /healthz, with a short timeout per try. */
static bool server_answers(const struct world *w)
{
        struct ak_client_options o = {.timeout_ms = 500, .transport = ak_http_curl};
        struct ak_client *client = NULL;
        bool ok;

        if (ak_client_new(&client, w->url, &o) != AK_OK)
                return false;
        ok = ak_client_health(client) == AK_OK;
        ak_client_free(client);
        return ok;
}

void server_start(struct world *w, const char *const *extra)
{
        const char *bin = getenv("AUTHKEEPD_BIN");
        char listen[64], db[PATH_MAX + 32], log[PATH_MAX + 32], err[PATH_MAX + 32];
        const char *argv[32] = {bin, "--listen", listen, "--db", db, "--log", log};
        size_t argc = 7;
        posix_spawn_file_actions_t files;
        int status;

        assert_non_null(bin);
        assert_int_equal(w->pid, 0);
        snprintf(listen, sizeof(listen), "127.0.0.1:%d", w->port);
        snprintf(db, sizeof(db), "sqlite:%s", w->db);
        snprintf(log, sizeof(log), "%s/server.log", w->dir);
        snprintf(err, sizeof(err), "%s/server.stderr", w->dir);
        for (size_t i = 0; extra != NULL && extra[i] != NULL; i++) {
                assert_true(argc < sizeof(argv) / sizeof(argv[0]) - 1);
                argv[argc++] = extra[i];
        }
        argv[argc] = NULL;
        posix_spawn_file_actions_init(&files);
        posix_spawn_file_actions_addopen(&files, 1, err, O_WRONLY | O_CREAT | O_APPEND, 0600);
        posix_spawn_file_actions_adddup2(&files, 1, 2);
        assert_int_equal(posix_spawn(&w->pid, bin, &files, NULL, (char *const *)argv, environ), 0);
        posix_spawn_file_actions_destroy(&files);
        /* Up to 20 s: under ASan on a shared machine the start can be slow. */
        for (int i = 0; i < 400; i++) {
                if (server_answers(w))
                        return;
                if (waitpid(w->pid, &status, WNOHANG) == w->pid) {
                        w->pid = 0;
                        fail_msg("authkeepd exited at start (see %s)", err);
                }
                usleep(50 * 1000);
        }
        fail_msg("authkeepd does not answer on %s", w->url);
}

/* The last lines authkeepd wrote on its standard error, for a failure's message. */
static void server_stderr_tail(const struct world *w, char *out, size_t size)
{
        char path[PATH_MAX + 32];
        FILE *f;
        long len;
        size_t n = 0;

        out[0] = '\0';
        snprintf(path, sizeof(path), "%s/server.stderr", w->dir);
        f = fopen(path, "r");
        if (f == NULL)
                return;
        if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > (long)size - 1)
                fseek(f, len - (long)size + 1, SEEK_SET);
        else
                fseek(f, 0, SEEK_SET);
        n = fread(out, 1, size - 1, f);
        out[n] = '\0';
        fclose(f);
}

void server_stop(struct world *w)
{
        int status = 0;

        if (w->pid == 0)
                return;
        kill(w->pid, SIGTERM);
        while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
                ;
        w->pid = 0;
        /* Under ASan a leak or a report makes the exit status non-zero. */
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                char tail[4096];

                server_stderr_tail(w, tail, sizeof(tail));
                fail_msg("authkeepd exited with status %d; its last words:\n%s", status, tail);
        }
}

void server_restart(struct world *w, const char *const *extra)
{
        server_stop(w);
        server_start(w, extra);
}

static void copy_file(const char *from, const char *to)
{
        char buf[65536];
        FILE *in = fopen(from, "rb"), *out;
        size_t n;

        unlink(to);
        if (in == NULL)
                return; /* a -wal or -shm that is not there is copied as absent */
        /* authkeepd refuses a database that others can read: copies are 0600. */
        int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        assert_true(fd >= 0);
        out = fdopen(fd, "wb");
        assert_non_null(out);
        while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
                assert_int_equal(fwrite(buf, 1, n, out), n);
        fclose(in);
        assert_int_equal(fclose(out), 0);
}

void server_db_copy(const struct world *w, const char *suffix, bool restore)
{
        static const char *const parts[] = {"", "-wal", "-shm"};
        char live[PATH_MAX + 64], saved[PATH_MAX + 128];

        assert_int_equal(w->pid, 0);
        for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
                snprintf(live, sizeof(live), "%s%s", w->db, parts[i]);
                snprintf(saved, sizeof(saved), "%s.%s%s", w->db, suffix, parts[i]);
                if (restore)
                        copy_file(saved, live);
                else
                        copy_file(live, saved);
        }
}

int world_setup(void **state)
{
        struct world *w = calloc(1, sizeof(*w));
        const char *tmp = getenv("TMPDIR");

        if (w == NULL)
                return -1;
        snprintf(w->dir, sizeof(w->dir), "%s/authkeep-sync.XXXXXX", tmp ? tmp : "/tmp");
        if (mkdtemp(w->dir) == NULL) {
                free(w);
                return -1;
        }
        snprintf(w->db, sizeof(w->db), "%s/server.db", w->dir);
        w->port = free_port();
        snprintf(w->url, sizeof(w->url), "http://127.0.0.1:%d", w->port);
        /*
         * The server's clock is the real one (session expiry, version times),
         * so the engine's starts there; tests move it forward.
         */
        w->now = (int64_t)time(NULL);
        w->options.now = fake_now;
        w->options.now_ctx = w;
        w->options.client.kdf_cost = AK_KDF_COST_MIN;
        w->options.client.transport = ak_http_curl;
        *state = w;
        server_start(w, NULL);
        return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
        return remove(path);
}

int world_teardown(void **state)
{
        struct world *w = *state;

        server_stop(w);
        nftw(w->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(w);
        return 0;
}

static void device_open_engine(struct world *w, struct device *d)
{
        assert_int_equal(ak_sync_new(&d->sync, d->vault, &w->options), AK_OK);
}

void device_new(struct world *w, struct device *d, const char *name)
{
        struct ak_kdf_params kdf;

        memset(d, 0, sizeof(*d));
        snprintf(d->path, sizeof(d->path), "%s/%s/vault.json", w->dir, name);
        ak_kdf_params_default(&kdf, AK_KDF_COST_MIN);
        assert_int_equal(
            ak_vault_create(&d->vault, d->path, WORLD_PASSPHRASE, strlen(WORLD_PASSPHRASE), &kdf),
            AK_OK);
        device_open_engine(w, d);
}

void device_reopen(struct world *w, struct device *d)
{
        ak_sync_free(d->sync);
        ak_vault_free(d->vault);
        d->sync = NULL;
        assert_int_equal(
            ak_vault_open(&d->vault, d->path, WORLD_PASSPHRASE, strlen(WORLD_PASSPHRASE)), AK_OK);
        device_open_engine(w, d);
}

void device_free(struct device *d)
{
        ak_sync_free(d->sync);
        ak_vault_free(d->vault);
        memset(d, 0, sizeof(*d));
}

struct ak_sync_status device_status(const struct device *d)
{
        struct ak_sync_status st;

        ak_sync_status(d->sync, &st);
        return st;
}

void device_save(struct device *d)
{
        assert_int_equal(ak_vault_save(d->vault), AK_OK);
}

void device_add(struct device *d, const char *issuer, const char *name, const char *secret)
{
        struct ak_account a;

        ak_account_init(&a);
        assert_int_equal(ak_account_set_text(&a.issuer, issuer), AK_OK);
        assert_int_equal(ak_account_set_text(&a.name, name), AK_OK);
        assert_int_equal(ak_account_set_secret(&a, (const unsigned char *)secret, strlen(secret)),
                         AK_OK);
        assert_int_equal(ak_account_list_push(ak_vault_accounts(d->vault), &a), AK_OK);
        ak_account_clear(&a);
        device_save(d);
}

enum ak_err device_change(struct device *d, const char *issuer, const char *name)
{
        enum ak_err err;

        device_add(d, issuer, name, "12345678901234567890");
        err = ak_sync_after_save(d->sync);
        device_save(d);
        return err;
}

void device_create_account(struct world *w, struct device *d)
{
        char *code = NULL;

        assert_int_equal(ak_sync_create_account(d->sync, w->url, false, WORLD_EMAIL, WORLD_PASSWORD,
                                                strlen(WORLD_PASSWORD), &code),
                         AK_OK);
        assert_non_null(code);
        assert_true(strlen(code) > 0);
        ak_secret_free_str(code);
}

void device_enable(struct world *w, struct device *d, const char *name)
{
        struct ak_backup_info other;

        assert_int_equal(ak_sync_enable(d->sync, w->url, false, WORLD_EMAIL, name, WORLD_PASSWORD,
                                        strlen(WORLD_PASSWORD), &other),
                         AK_OK);
        device_save(d);
}

void device_recover(struct world *w, struct device *d, const char *name, const char *password)
{
        struct ak_recovery_plan *plan = NULL;
        enum ak_err sent = AK_ERR_INTERNAL;

        assert_int_equal(ak_recovery_plan_new(&plan, &w->options, w->url, false, WORLD_EMAIL,
                                              password, strlen(password), false, 0,
                                              ak_vault_accounts(d->vault), NULL),
                         AK_OK);
        assert_int_equal(ak_recovery_plan_apply(plan, d->sync, name, &sent), AK_OK);
        assert_int_equal(sent, AK_OK);
        ak_recovery_plan_free(plan);
        device_save(d);
}

void device_label(char *buf, size_t len, const struct device *d, const char *name)
{
        snprintf(buf, len, "%s (%.8s)", name, ak_vault_device_id(d->vault));
}

void server_latest(struct world *w, const char *password, struct ak_backup_info *latest)
{
        struct ak_client *client = NULL;
        struct ak_session session;
        struct ak_backup_versions versions = {0};

        memset(latest, 0, sizeof(*latest));
        assert_int_equal(ak_client_new(&client, w->url, &w->options.client), AK_OK);
        assert_int_equal(
            ak_client_sign_in(client, &session, WORLD_EMAIL, password, strlen(password), false),
            AK_OK);
        assert_int_equal(ak_client_backup_versions(client, &versions), AK_OK);
        for (size_t i = 0; i < versions.count; i++)
                if (versions.items[i].version > latest->version)
                        *latest = versions.items[i];
        ak_backup_versions_clear(&versions);
        (void)ak_client_sign_out(client);
        ak_session_wipe(&session);
        ak_client_free(client);
}
