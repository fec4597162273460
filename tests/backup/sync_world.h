/*
 * What the backup engine's tests (test_sync.c, test_sync_recover.c) share:
 * a real authkeepd on a free loopback port with its own SQLite file in a
 * temporary folder, devices that are real vault files there, and the
 * engine's fake clock. Only the public API of libauthkeep is used.
 */
#ifndef AUTHKEEP_TESTS_SYNC_WORLD_H
#define AUTHKEEP_TESTS_SYNC_WORLD_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "authkeep/authkeep.h"
#include "authkeep/sync.h"

#define WORLD_EMAIL "alice@example.com"
#define WORLD_PASSWORD "correct horse battery staple"
#define WORLD_PASSPHRASE "vault passphrase"

struct world {
        char dir[PATH_MAX];     /* the temporary folder, removed by world_teardown */
        char db[PATH_MAX + 16]; /* the server's SQLite file */
        char url[64];
        int port;    /* chosen once: a restarted server keeps it, as devices expect */
        pid_t pid;   /* the running authkeepd, 0 when stopped */
        int64_t now; /* the engine's clock; starts at the real time */
        struct ak_sync_options options;
};

struct device {
        char path[PATH_MAX + 32];
        struct ak_vault *vault;
        struct ak_sync *sync;
};

/* cmocka setup and teardown: a folder, a server, the clock (*state is the world). */
int world_setup(void **state);
int world_teardown(void **state);

/*
 * Starts authkeepd with the options in `extra` (NULL-terminated, may be
 * NULL) and waits until it answers; stops it (SIGTERM), checking that it
 * exits 0.
 */
void server_start(struct world *w, const char *const *extra);
void server_stop(struct world *w);
/* Stops it and starts it again on the same port and file with `extra`. */
void server_restart(struct world *w, const char *const *extra);

/* The server's SQLite file (with its -wal and -shm) copied to or from `suffix`. */
void server_db_copy(const struct world *w, const char *suffix, bool restore);

/* A new vault at DIR/name/vault.json, with an engine on the world's options. */
void device_new(struct world *w, struct device *d, const char *name);
/* Frees the engine and the vault, opens the file again: what a next command sees. */
void device_reopen(struct world *w, struct device *d);
void device_free(struct device *d);
/* What ak_sync_status says for `d` now. */
struct ak_sync_status device_status(const struct device *d);
/* Saves, as the caller of every engine operation must. */
void device_save(struct device *d);

/* Adds a TOTP account with `secret` (text bytes) and saves the vault. */
void device_add(struct device *d, const char *issuer, const char *name, const char *secret);
/* A change as a command makes it: add, save, ak_sync_after_save, save. */
enum ak_err device_change(struct device *d, const char *issuer, const char *name);

/* Creates the recovery account WORLD_EMAIL; then turns backup on as `name`. */
void device_create_account(struct world *w, struct device *d);
void device_enable(struct world *w, struct device *d, const char *name);
/* Recovers the latest backup onto `d` (merging) and turns backup on as `name`. */
void device_recover(struct world *w, struct device *d, const char *name, const char *password);

/* "NAME (1a2b3c4d)" for device `d`, as other devices see it. */
void device_label(char *buf, size_t len, const struct device *d, const char *name);

/*
 * The latest version on the server (signed in with `password` by a client
 * of its own): its number, device and time; version 0 when none.
 */
void server_latest(struct world *w, const char *password, struct ak_backup_info *latest);

/* Milliseconds on the monotonic clock, to bound a budget. */
long long mono_ms(void);

#endif
