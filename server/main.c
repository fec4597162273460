/*
 * authkeepd: Authkeep's backup and recovery server (docs/api.md), and its
 * sign-in and account pages (docs/web.md).
 *   authkeepd --listen ADDR:PORT --db sqlite:PATH [--config FILE] [options]
 *   authkeepd admin --db sqlite:PATH ...   (organisations: server/admin.c)
 * Runs until SIGINT or SIGTERM, then finishes the requests under way and
 * commits what is queued before it exits.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "http.h"
#include "lifecycle.h"
#include "notify.h"

/* The value of "--name value" or "--name=value" at argv[*i]; NULL if missing. */
static const char *option_value(int argc, char **argv, int *i, const char *eq)
{
        if (eq != NULL)
                return eq + 1;
        if (*i + 1 >= argc)
                return NULL;
        return argv[++*i];
}

/* Reads --config FILE (if any) into cfg; 0 or -1 after printing why. */
static int load_config_file(struct akd_config *cfg, const char *path)
{
        char err[300];
        int rc = akd_config_load(cfg, path, err, sizeof(err));
        if (rc != 0)
                fprintf(stderr, "authkeepd: %s\n", err);
        return rc;
}

/* Parses the command line into cfg; returns 0, 1 for --help, -1 on error. */
static int parse_args(struct akd_config *cfg, int argc, char **argv)
{
        char err[256];
        /* The file first, so that options on the command line win. */
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
                        return 1;
                if (strncmp(argv[i], "--config", 8) == 0 &&
                    (argv[i][8] == '\0' || argv[i][8] == '=')) {
                        const char *v =
                            option_value(argc, argv, &i, argv[i][8] == '=' ? argv[i] + 8 : NULL);
                        if (v == NULL || load_config_file(cfg, v) != 0) {
                                if (v == NULL)
                                        fprintf(stderr, "authkeepd: --config needs a file\n");
                                return -1;
                        }
                }
        }
        for (int i = 1; i < argc; i++) {
                const char *arg = argv[i];
                if (strncmp(arg, "--", 2) != 0) {
                        fprintf(stderr, "authkeepd: unexpected argument '%s' (see --help)\n", arg);
                        return -1;
                }
                char name[64];
                const char *eq = strchr(arg, '=');
                size_t len = eq != NULL ? (size_t)(eq - arg - 2) : strlen(arg + 2);
                if (len == 0 || len >= sizeof(name)) {
                        fprintf(stderr, "authkeepd: unknown option '%s' (see --help)\n", arg);
                        return -1;
                }
                memcpy(name, arg + 2, len);
                name[len] = '\0';
                const char *v = option_value(argc, argv, &i, eq);
                if (v == NULL) {
                        fprintf(stderr, "authkeepd: --%s needs a value\n", name);
                        return -1;
                }
                if (strcmp(name, "config") == 0)
                        continue;
                if (akd_config_set(cfg, name, v, err, sizeof(err)) != 0) {
                        fprintf(stderr, "authkeepd: %s (see --help)\n", err);
                        return -1;
                }
        }
        if (akd_config_check(cfg, err, sizeof(err)) != 0) {
                fprintf(stderr, "authkeepd: %s\n", err);
                return -1;
        }
        return 0;
}

/* Descriptors kept for what is not a connection: the store, the log, epoll, pipes. */
#define FDS_RESERVED 256

/*
 * Raises the open-files limit to its hard limit, and lowers max_connections
 * to what that leaves when it is not enough, saying both in the log: every
 * connection is a descriptor, and a full table would refuse everyone.
 */
static void raise_open_files(struct akd_config *cfg)
{
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
                return;
        rlim_t was = rl.rlim_cur;
        if (rl.rlim_cur != rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
                        rl.rlim_cur = was;
        }
        if (rl.rlim_cur == was)
                akd_log_event("open files: at most %llu", (unsigned long long)rl.rlim_cur);
        else
                akd_log_event("open files: at most %llu (raised from %llu)",
                              (unsigned long long)rl.rlim_cur, (unsigned long long)was);
        if (rl.rlim_cur != RLIM_INFINITY &&
            rl.rlim_cur < (rlim_t)cfg->max_connections + FDS_RESERVED) {
                unsigned fit = rl.rlim_cur > 2 * FDS_RESERVED
                                   ? (unsigned)(rl.rlim_cur - FDS_RESERVED)
                                   : FDS_RESERVED;
                akd_log_event("max_connections: %u, not %u, to stay within the open-files limit",
                              fit, cfg->max_connections);
                cfg->max_connections = fit;
        }
        akd_log_event("connections: at most %u, %u per address, %llds for a request's headers",
                      cfg->max_connections, cfg->max_connections_per_address,
                      (long long)cfg->header_timeout);
}

int main(int argc, char **argv)
{
        struct akd_config cfg;
        struct akd_server srv;
        char err[512];
        int status = 1;
        sigset_t stop_signals;

        if (argc > 1 && strcmp(argv[1], "admin") == 0)
                return akd_admin_main(argc - 1, argv + 1);
        memset(&srv, 0, sizeof(srv));
        srv.listen_fd = -1;
        akd_config_defaults(&cfg);
        int parsed = parse_args(&cfg, argc, argv);
        if (parsed != 0) {
                if (parsed == 1) {
                        akd_config_usage(stdout);
                        status = 0;
                }
                goto done;
        }
        if (sodium_init() < 0) {
                fprintf(stderr, "authkeepd: libsodium failed to start\n");
                goto done;
        }
        if (akd_log_open(cfg.log) != 0) {
                fprintf(stderr, "authkeepd: cannot open the log %s\n", cfg.log);
                goto done;
        }
        signal(SIGPIPE, SIG_IGN);
        /* Before listening and before any thread: a notifier that cannot be used stops here. */
        srv.notifiers = akd_notifiers_open((const char *const *)cfg.notify, cfg.notify_count,
                                           cfg.notify_from, err, sizeof(err));
        if (srv.notifiers == NULL) {
                fprintf(stderr, "authkeepd: %s\n", err);
                goto done;
        }
        /* The pages' templates too: a folder that lacks one stops here. */
        srv.web = akd_web_open(&cfg, err, sizeof(err));
        if (srv.web == NULL) {
                fprintf(stderr, "authkeepd: %s\n", err);
                goto done;
        }
        /* Blocked before any thread starts, so that every thread inherits it. */
        sigemptyset(&stop_signals);
        sigaddset(&stop_signals, SIGINT);
        sigaddset(&stop_signals, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

        srv.cfg = &cfg;
        /* The port first: a port in use must not create or touch the store. */
        if (akd_server_listen(&srv, err, sizeof(err)) != 0) {
                fprintf(stderr, "authkeepd: %s\n", err);
                goto done;
        }
        srv.store = akd_store_open(cfg.db, cfg.db_pool, err, sizeof(err));
        if (srv.store == NULL) {
                fprintf(stderr, "authkeepd: %s\n", err);
                goto done;
        }
        raise_open_files(&cfg);
        /* Before the first request: what is past its grace goes at start, then now and then. */
        if (akd_lifecycle_start(&srv, err, sizeof(err)) != 0) {
                fprintf(stderr, "authkeepd: %s\n", err);
                goto done;
        }
        if (akd_server_start(&srv, err, sizeof(err)) != 0) {
                fprintf(stderr, "authkeepd: %s\n", err);
                goto done;
        }
        akd_log_event("listening on %s%s (store: %s)",
                      cfg.listen != NULL ? cfg.listen : "127.0.0.1:8080",
                      cfg.tls_cert != NULL ? " with TLS" : "", srv.store->ops->name);
        int sig = 0;
        sigwait(&stop_signals, &sig);
        akd_log_event("stopping (signal %d)", sig);
        status = 0;
done:
        akd_server_stop(&srv);
        akd_lifecycle_stop(&srv);
        if (srv.store != NULL)
                srv.store->ops->close(srv.store);
        akd_notifiers_free(srv.notifiers);
        akd_web_free(srv.web);
        akd_log_close();
        akd_config_free(&cfg);
        return status;
}
