/*
 * What the backup commands share (cli/backup_words.c): the engine with the
 * options the environment gives, and the sentences for its states and
 * errors. The rules and the state live in the library (authkeep/sync.h).
 */
#ifndef AUTHKEEP_CLI_BACKUP_WORDS_H
#define AUTHKEEP_CLI_BACKUP_WORDS_H

#include <stdbool.h>
#include <getopt.h>
#include <stddef.h>

#include "authkeep/sync.h"
#include "cli.h"

/*
 * The engine's options: AUTHKEEP_CA_FILE, AUTHKEEP_KDF_COST=min (test
 * suites) and, when `show_waiting`, "waiting for the server" on standard
 * error after a second.
 */
void backup_options(struct ak_sync_options *o, bool show_waiting);

/* An engine for `vault`; prints the error itself and returns NULL on failure. */
struct ak_sync *backup_engine(struct ak_vault *vault, bool show_waiting);

/*
 * Opens the vault, its engine (as backup_engine) and its state into *st;
 * prints the error itself. On failure nothing is left open.
 */
int backup_open(bool show_waiting, struct ak_vault **vault, struct ak_sync **sync,
                struct ak_sync_status *st);

/* What status, watch and the warnings after a change say. */
struct backup_view {
        const char *state;  /* off, backed_up, pending, error, session_expired, deleted, ... */
        char headline[800]; /* "backed up at T (version 3)", "pending since T because ..." */
        char advice[600];   /* what to do, "" when nothing */
};
void backup_describe(const struct ak_sync_status *st, struct backup_view *v);

/*
 * Prints one line for a failure talking to the server, distinct for each
 * cause, ending with `after` (like "; nothing was changed").
 * `retry_after` is the server's wait after AK_ERR_RATE_LIMITED. Returns
 * CLI_EXIT_FAIL.
 */
int backup_report(enum ak_err err, const char *what, const char *email, long retry_after,
                  const char *after);

/* Reads the recovery account's password (AUTHKEEP_PASSWORD or the terminal). */
enum ak_err backup_read_password(char **out, const char *email, bool confirm, bool is_new);
/* The same for a personal account that is not the recovery account ('authkeep account add'). */
enum ak_err backup_read_account_password(char **out, const char *email);

/* Prints the new recovery code, to be written down; it is never shown again. */
void backup_show_recovery_code(const char *code);

/* Saves the vault after a state change (or reports `serr`); prints the error itself. */
int backup_save(struct ak_vault *vault, enum ak_err serr);

/* This device's name as other devices see it: AUTHKEEP_DEVICE_NAME, else the host name. */
void backup_default_device_name(char *buf, size_t len);

/*
 * After `backup on` or `recover`: one line when registering this device
 * failed (backup works without it), naming the cap and `authkeep devices
 * remove` when the account has too many devices.
 */
void backup_say_registration(const struct ak_sync *sync, const char *cmd);

/* Options shared by `backup on` and `recover`. */
struct backup_server_opts {
        const char *server;
        const char *email;
        const char *device_name;
        bool insecure;
};
/* Checks them (AUTHKEEP_SERVER by default); prints the error itself. */
int backup_check_server_opts(const char *cmd, struct backup_server_opts *o);
/*
 * Reads --server, --email and --insecure, the only options of `cmd`
 * (unchecked: see above); returns -1 to go on, else the exit status.
 */
int backup_server_options(int argc, char **argv, const char *cmd, struct backup_server_opts *o);

/* `backup versions` (cli/cmd_versions.c). */
int backup_versions(int argc, char **argv);

/* `backup delete` and `backup undelete` (cli/cmd_lifecycle.c). */
int backup_delete(int argc, char **argv);
int backup_undelete(int argc, char **argv);

/*
 * Signs in with the password read for `email`; prints the error itself.
 * Returns 0 or CLI_EXIT_FAIL. With `keep` not NULL, *keep is the password
 * read (a secret, for cli_free_secret) when it signed in. (cmd_backup.c)
 */
int backup_sign_in(struct ak_sync *sync, const char *email, const char *what, const char *after,
                   char **keep);

/*
 * Opens the vault and its engine and checks backup is on; prints the error
 * itself and returns CLI_EXIT_FAIL, else 0. (cmd_backup.c)
 */
int backup_open_on(const char *what, struct ak_vault **vault, struct ak_sync **sync,
                   struct ak_sync_status *st, bool show_waiting);

/*
 * Parses `backup NAME [--FLAG...]`, each entry of `options` (ending with a
 * zero entry) setting flags[i]; returns -1 to go on, else the exit status
 * (help or a usage error). (cmd_backup.c)
 */
int backup_flag_options(int argc, char **argv, const char *cmd, const char *help,
                        const struct option *options, bool *flag);

#endif
