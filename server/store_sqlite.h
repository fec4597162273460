/*
 * Inside the SQLite store, shared by its files: store_sqlite.c (the
 * statements, connections, the writer thread with its group commit, opening
 * and closing), store_sqlite_schema.c (the schema and its migrations),
 * store_sqlite_query.c (what each operation reads and writes)
 * store_sqlite_signin.c (the counts of failed sign-ins), store_sqlite_devices.c
 * (devices, push sign-in, events), store_sqlite_verify.c (contacts and
 * one-time codes) and store_sqlite_portal.c (sessions of the account page). Nothing outside them
 * includes this.
 */
#ifndef AUTHKEEPD_STORE_SQLITE_H
#define AUTHKEEPD_STORE_SQLITE_H

#include <pthread.h>
#include <stdbool.h>

#include <sqlite3.h>

#include "store.h"

/* Every statement either connection runs; prepared once per connection. */
enum akd_sq_query {
        Q_BEGIN_READ,
        Q_BEGIN_WRITE,
        Q_COMMIT,
        Q_ROLLBACK,
        Q_SAVEPOINT,
        Q_RELEASE,
        Q_ROLLBACK_TO,
        Q_HEALTH,
        Q_ACCOUNT_INSERT,
        Q_ACCOUNT_BY_EMAIL,
        Q_ACCOUNT_BY_ID,
        Q_ACCOUNT_GENERATION,
        Q_ACCOUNT_BUMP_GENERATION,
        Q_ACCOUNT_SET_PASSWORD,
        Q_ACCOUNT_SET_RECOVERY,
        Q_SESSION_INSERT,
        Q_SESSION_GET,
        Q_SESSION_DELETE,
        Q_SESSION_DELETE_ALL,
        Q_SESSION_DELETE_OTHERS,
        Q_SESSION_COUNT,
        Q_SESSION_SWEEP,
        Q_BACKUP_STATE,
        Q_BACKUP_META,
        Q_BACKUP_INSERT,
        Q_BACKUP_PRUNE,
        Q_BACKUP_SET_LATEST,
        Q_BACKUP_GET,
        Q_BACKUP_LIST,
        Q_BACKUP_DELETE_ALL,
        Q_BACKUP_SET_DELETED,
        Q_SERVER_KEY_ADD,
        Q_SERVER_KEY_GET,
        /* failed sign-ins (store_sqlite_signin.c) */
        Q_SIGNIN_COUNTS,
        Q_SIGNIN_COUNT_GET,
        Q_SIGNIN_COUNT_PUT,
        Q_SIGNIN_COUNT_DELETE,
        Q_SIGNIN_COUNT_SWEEP,
        Q_SIGNIN_ADDRESS_PUT,
        Q_SIGNIN_ADDRESS_SWEEP,
        /* devices and push sign-in (store_sqlite_devices.c) */
        Q_DEVICE_GET,
        Q_DEVICE_OWNER,
        Q_DEVICE_COUNT,
        Q_DEVICE_PUT,
        Q_DEVICE_LIST,
        Q_DEVICE_REMOVE,
        Q_DEVICE_TOUCH,
        Q_TOTP_ACCEPT,
        Q_EVENT_ADD,
        Q_EVENT_ADD_SIGNIN,
        Q_EVENT_LIST,
        Q_PUSH_MUTED,
        Q_PUSH_MUTE,
        Q_PUSH_RECENT,
        Q_PUSH_REPLACE,
        Q_PUSH_INSERT,
        Q_PUSH_SWEEP,
        Q_PUSH_GET,
        Q_PUSH_PENDING,
        Q_PUSH_ANSWER,
        Q_DEVICE_KEY,
        Q_DEVICE_VOUCHED,
        Q_DEVICE_VERIFY,
        Q_CONTACT_LIST,
        Q_CONTACT_COUNT,
        Q_CONTACT_ADD,
        Q_CONTACT_REMOVE,
        Q_CODE_SENT,
        Q_CODE_PUT,
        Q_CODE_SEND,
        Q_CODE_SENDS_SWEEP,
        Q_CODE_GET,
        Q_CODE_TRY,
        Q_CODE_DELETE,
        Q_CODE_UNSEND,
        /* sessions of the account page (store_sqlite_portal.c) */
        Q_PORTAL_INSERT,
        Q_PORTAL_GET,
        Q_PORTAL_DELETE,
        Q_PORTAL_DELETE_ACCOUNT,
        Q_PORTAL_SWEEP,
        Q_PORTAL_USE_SIGNIN,
        Q_PORTAL_SIGNIN_STATE,
        /* state shared by several processes (store_sqlite_shared.c) */
        Q_LOGIN_SWEEP,
        Q_LOGIN_COUNTS,
        Q_LOGIN_INSERT,
        Q_LOGIN_TAKE,
        Q_RATE_TAKE,
        Q_RATE_GET,
        Q_RATE_SWEEP,
        Q_WAKE_BUMP,
        Q_WAKE_GET,
        Q_WAKE_SWEEP,
        Q__COUNT
};

struct akd_sq_conn {
        sqlite3 *db;
        sqlite3_stmt *st[Q__COUNT];
        struct akd_sq_conn *next; /* in the free list of readers */
};

/* A write for the writer thread. */
struct akd_sq_job {
        /* Runs inside the batch's transaction, on the writer connection. */
        enum akd_store_result (*run)(struct akd_sq_conn *c, struct akd_sq_job *j);
        /* Runs after the commit (or failure), on the writer thread. */
        void (*done)(struct akd_sq_job *j);
        enum akd_store_result result;
        struct akd_sq_job *next;
        /* What a successful job changed, for the caches (see store.h). */
        bool drops_sessions;        /* deleted sessions */
        const char *backup_account; /* changed this account's backups */
        bool compact;               /* purged: compact the files after the commit */
        /* For synchronous callers. */
        pthread_mutex_t *wait_lock;
        pthread_cond_t *wait_cond;
        bool finished;
        /* Wake keys whose stamps a successful job moves (NULL or "": none; see store.h). */
        const char *wake[2];
        /*
         * What the job writes is not worth an fsync (a sign-in in progress, a
         * token bucket): a batch of only such jobs commits without one; the
         * next synced commit makes them durable too. WAL keeps any commit whole.
         */
        bool unsynced;
};

struct akd_sq_store {
        struct akd_store base;
        char *path;
        int lock_fd; /* the exclusive lock on PATH.lock */
        struct akd_store_cache *cache;

        pthread_mutex_t pool_lock;
        struct akd_sq_conn *readers; /* idle read connections */

        struct akd_sq_conn *writer;
        pthread_t writer_thread;
        bool writer_started;
        pthread_mutex_t queue_lock;
        pthread_cond_t queue_cond;
        struct akd_sq_job *queue_head, *queue_tail;
        bool stopping;

        double signin_swept; /* when old sign-in counts last went (writer thread) */

        /* State shared by several processes (store_sqlite_shared.c). */
        double shared_swept;       /* when old buckets and stamps last went (writer thread) */
        pthread_mutex_t hint_lock; /* held while a hint is delivered */
        akd_hint_fn hint;
        void *hint_ctx;
};

/* The operations (store_sqlite_query.c). */
extern const struct akd_store_ops akd_sq_ops;

/* The operations on failed sign-ins (store_sqlite_signin.c; see store.h). */
enum akd_store_result akd_sq_signin_counts(struct akd_store *st, const char *account_id,
                                           const char *address,
                                           struct akd_fail_count counts[AKD_FAIL_SCOPES],
                                           double *signed_in_at);
enum akd_store_result akd_sq_signin_failed(struct akd_store *st, const char *account_id,
                                           const char *address, double now,
                                           const struct akd_fail_policy policies[AKD_FAIL_SCOPES]);
void akd_sq_signin_succeeded(struct akd_store *st, const char *account_id, const char *address,
                             double now, double forget_before);

/* Devices, push sign-in requests and events (store_sqlite_devices.c; see store.h). */
enum akd_store_result akd_sq_device_put(struct akd_store *st, struct akd_device *d,
                                        unsigned max_devices, const char *from, bool *created);
enum akd_store_result akd_sq_device_list(struct akd_store *st, const char *account_id,
                                         struct akd_device **list, size_t *count);
enum akd_store_result akd_sq_device_get(struct akd_store *st, const char *device_id,
                                        struct akd_device *out);
enum akd_store_result akd_sq_device_remove(struct akd_store *st, const char *account_id,
                                           const char *device_id, bool force, int64_t now,
                                           const char *from);
void akd_sq_device_touch(struct akd_store *st, const char *device_id, int64_t now);
enum akd_store_result akd_sq_totp_accept(struct akd_store *st, const char *account_id,
                                         const char *device_id, uint64_t step, int64_t now);
enum akd_store_result akd_sq_signin_create(struct akd_store *st, const struct akd_signin *r,
                                           unsigned max_recent, int64_t since,
                                           char replaced[AK_SIGNIN_ID_LEN + 1],
                                           int64_t *muted_until);
enum akd_store_result akd_sq_signin_get(struct akd_store *st, const char *id,
                                        struct akd_signin *out);
enum akd_store_result akd_sq_signin_pending(struct akd_store *st, const char *account_id,
                                            int64_t now, struct akd_signin **list, size_t *count);
enum akd_store_result akd_sq_signin_answer(struct akd_store *st, const struct akd_signin_answer *a);
enum akd_store_result akd_sq_events_list(struct akd_store *st, const char *account_id,
                                         struct akd_event **list, size_t *count);

/* Verification after recovery (store_sqlite_verify.c; see store.h). */
enum akd_store_result akd_sq_contacts_list(struct akd_store *st, const char *account_id,
                                           struct akd_contact **list, size_t *count);
enum akd_store_result akd_sq_contact_remove(struct akd_store *st, const char *account_id,
                                            const char *value, int64_t now, const char *from);
enum akd_store_result akd_sq_device_verify_bare(struct akd_store *st, const char *account_id,
                                                const char *device_id, int64_t now,
                                                const char *from);
enum akd_store_result akd_sq_code_put(struct akd_store *st, const struct akd_code *code,
                                      const struct akd_code_policy *policy, int64_t *retry_after);
enum akd_store_result akd_sq_code_drop(struct akd_store *st, const struct akd_code *code);
enum akd_store_result akd_sq_code_use(struct akd_store *st, struct akd_code_use *u,
                                      const char *from);

/* Sessions of the account page (store_sqlite_portal.c; see store.h). */
enum akd_store_result akd_sq_portal_create(struct akd_store *st,
                                           const uint8_t hash[AKD_TOKEN_HASH_LEN],
                                           struct akd_portal_session *s, const char *signin_id,
                                           int64_t grace);
enum akd_store_result akd_sq_portal_get(struct akd_store *st,
                                        const uint8_t hash[AKD_TOKEN_HASH_LEN], int64_t now,
                                        struct akd_portal_session *out);
enum akd_store_result akd_sq_portal_delete(struct akd_store *st,
                                           const uint8_t hash[AKD_TOKEN_HASH_LEN]);
/*
 * Inside a job: ends every portal session of the account, as a revocation
 * of its sessions or a password change does; 0 or -1.
 */
int akd_sq_portal_drop_account(struct akd_sq_conn *c, const char *account_id);

/* ---- helpers of the files above (store_sqlite_devices.c) ---- */

/* Copies text column `col` of `q` into `out` (`size` bytes), "" for NULL. */
void akd_sq_column_text(sqlite3_stmt *q, int col, char *out, size_t size);
/* The statement `q` of `c` with ?1 bound to `text` (not copied); NULL (logged). */
sqlite3_stmt *akd_sq_text_stmt(struct akd_sq_conn *c, enum akd_sq_query q, const char *text);
/*
 * Reads with the statement `query`, ?1 bound to `key` (and ?2 to `now` when
 * not negative), on a pooled read connection: the one row into `out`
 * (NOT_FOUND without one), or every row into *list (free()) of `size`-byte
 * items, each filled by `row` (false: a damaged row, left out).
 */
enum akd_store_result akd_sq_read_one(struct akd_store *st, enum akd_sq_query query,
                                      const char *key, bool (*row)(sqlite3_stmt *q, void *item),
                                      void *out);
enum akd_store_result akd_sq_read_list(struct akd_store *st, enum akd_sq_query query,
                                       const char *key, int64_t now, size_t size,
                                       bool (*row)(sqlite3_stmt *q, void *item), void **list,
                                       size_t *count);
/* Records an event of the account; 0 or -1. */
int akd_sq_add_event(struct akd_sq_conn *c, const char *account_id, int64_t at, const char *kind,
                     const char *device_id, const char *from, const char *app);
/* Steps `q` for its one integer; -1 on failure (logged), `none` for no row. */
int64_t akd_sq_one_int(struct akd_sq_conn *c, sqlite3_stmt *q, int64_t none);
/* Organisations, work users and activation codes (store_sqlite_orgs.c; see store.h). */
enum akd_store_result akd_sq_org_create(struct akd_store *st, const char *name, int64_t now,
                                        struct akd_org *out);
enum akd_store_result akd_sq_org_get(struct akd_store *st, const char *name, struct akd_org *out);
enum akd_store_result akd_sq_org_list(struct akd_store *st, struct akd_org **list, size_t *count);
enum akd_store_result akd_sq_work_user_add(struct akd_store *st, const char *org, const char *email,
                                           int64_t now, char *taken_by);
enum akd_store_result akd_sq_work_user_remove(struct akd_store *st, const char *org,
                                              const char *email, int64_t now);
enum akd_store_result akd_sq_work_user_list(struct akd_store *st, const char *org, int64_t now,
                                            struct akd_work_user **list, size_t *count);
enum akd_store_result akd_sq_activation_create(struct akd_store *st, const char *org,
                                               const char *email,
                                               const uint8_t hash[AKD_ACTIVATION_HASH_LEN],
                                               int64_t now, int64_t expires_at);
enum akd_store_result akd_sq_activate(struct akd_store *st, struct akd_activate *a);

/* Deleted backups and accounts (store_sqlite_lifecycle.c; see store.h). */
enum akd_store_result akd_sq_backup_delete_kept(struct akd_store *st, const char *account_id,
                                                const char *device_id, const char *device_name,
                                                int64_t now, unsigned *versions);
enum akd_store_result akd_sq_backup_deleted_list(struct akd_store *st, const char *account_id,
                                                 struct akd_backup_meta **list, size_t *count);
enum akd_store_result akd_sq_backup_deleted_get(struct akd_store *st, const char *account_id,
                                                uint64_t version, struct akd_backup_meta *meta,
                                                uint8_t **envelope);
enum akd_store_result akd_sq_backup_undelete(struct akd_store *st, const char *account_id,
                                             int64_t since, uint64_t *latest, unsigned *versions);
enum akd_store_result akd_sq_backup_purge(struct akd_store *st, const char *account_id,
                                          const char *device_id, const char *device_name,
                                          int64_t now);
enum akd_store_result akd_sq_account_state(struct akd_store *st, const char *account_id,
                                           struct akd_account_deleted *out);
enum akd_store_result akd_sq_account_delete(struct akd_store *st, const char *account_id,
                                            const char *device_id, const char *device_name,
                                            int64_t now);
enum akd_store_result akd_sq_account_undelete(struct akd_store *st, const char *account_id,
                                              int64_t since);
enum akd_store_result akd_sq_account_purge(struct akd_store *st, const char *account_id,
                                           const uint8_t *email_hash, int64_t now);
enum akd_store_result akd_sq_account_purge_due(struct akd_store *st, int64_t before,
                                               struct akd_account_due **list, size_t *count);
enum akd_store_result akd_sq_lifecycle_sweep(struct akd_store *st, int64_t before,
                                             unsigned *purged);
enum akd_store_result akd_sq_account_create_fresh(struct akd_store *st,
                                                  const struct akd_account *acc,
                                                  const uint8_t *email_hash, int64_t since,
                                                  int64_t *deleted_at);
/*
 * On the writer, outside any transaction (its thread, after a commit of a
 * job that set `compact`): VACUUM, then a checkpoint that truncates the
 * WAL, so that the files keep no copy of purged rows.
 */
void akd_sq_compact(struct akd_sq_store *s);
/* Inside a job: inserts the account (account_create); OK, EXISTS for a taken email. */
enum akd_store_result akd_sq_account_insert(struct akd_sq_conn *c, const struct akd_account *acc);
/* State shared by several processes (store_sqlite_shared.c; see store.h). */
enum akd_store_result akd_sq_login_put(struct akd_store *st, const struct akd_login *l, double now,
                                       const struct akd_login_caps *caps, enum akd_login_cap *cap);
enum akd_store_result akd_sq_login_take(struct akd_store *st, const char *id, double now,
                                        struct akd_login *out);
enum akd_store_result akd_sq_rate_take(struct akd_store *st, const char *key, double rate,
                                       double burst, double now, long *wait);
enum akd_store_result akd_sq_wake_stamps(struct akd_store *st, const char *const *keys, size_t n,
                                         uint64_t *stamps);
void akd_sq_hints_listen(struct akd_store *st, akd_hint_fn fn, void *ctx);
/* Inside the transaction, after job `j` succeeded: moves the stamps of its wake keys; 0 or -1. */
int akd_sq_wake_bump(struct akd_sq_conn *c, struct akd_sq_job *j);
/* After the commit of `batch`: hints the wake keys of its successful jobs. */
void akd_sq_hint_batch(struct akd_sq_store *s, struct akd_sq_job *batch);

/* Runs a statement list that returns no rows (schema, pragmas); 0 or -1, callers report errors. */
int akd_sq_exec(sqlite3 *db, const char *sql);
/*
 * On the writer's connection at the opening: creates the schema in a new
 * database or updates an old one (store_sqlite_schema.c); 0, or -1 with
 * `err` for a database it cannot use (a newer schema, not SQLite's).
 */
int akd_sq_schema_prepare(sqlite3 *db, char *err, size_t errlen);
/* Logs the last error of `db` with what was being done. */
void akd_sq_log_error(sqlite3 *db, const char *what);

/* The statement `q` of `c`, prepared on first use, reset and unbound; NULL (logged). */
sqlite3_stmt *akd_sq_stmt(struct akd_sq_conn *c, enum akd_sq_query q);
/* Steps a statement that returns no row; 0 or -1 (logged). */
int akd_sq_step_done(struct akd_sq_conn *c, sqlite3_stmt *s);
/* Runs a statement without parameters (BEGIN, COMMIT, ...); 0 or -1. */
int akd_sq_simple(struct akd_sq_conn *c, enum akd_sq_query q);

/* An idle read connection, or a new one; NULL (logged). Give it back with _put. */
struct akd_sq_conn *akd_sq_reader_get(struct akd_sq_store *s);
/* Returns `c` to the pool; accepts NULL. */
void akd_sq_reader_put(struct akd_sq_store *s, struct akd_sq_conn *c);

/* Queues a job for the writer; j->done runs on the writer thread after the commit. */
void akd_sq_submit(struct akd_sq_store *s, struct akd_sq_job *j);
/* Queues `j` and waits for its commit; returns its result. */
enum akd_store_result akd_sq_run_sync(struct akd_sq_store *s, struct akd_sq_job *j);

/* ops->close: stops the writer, closes every connection, frees `st`; accepts NULL. */
void akd_sq_close(struct akd_store *st);

#endif
