/*
 * Inside the PostgreSQL store, shared by its files: store_pg.c (the pool of
 * connections, reconnecting, running statements and transactions, the
 * writer thread with its group commit, opening and closing),
 * store_pg_params.c (statement parameters and result fields), store_pg_sql.c
 * (every statement's text), store_pg_schema.c (the schema and its
 * migrations), store_pg_query.c (accounts, sessions, backups, keys, failed
 * sign-ins), store_pg_devices.c (devices, push sign-in, events),
 * store_pg_verify.c (contacts, one-time codes, sessions of the account page)
 * and store_pg_orgs.c (organisations). Nothing outside them includes this.
 *
 * Adding a statement: a name in enum akd_pg_query below and its text in
 * store_pg_sql.c. Every connection prepares all of them right after it
 * connects (one round trip, pipelined), so an operation only names one:
 *
 *     struct akd_pg_params p = {0};
 *     akd_pg_p_text(&p, account_id);
 *     akd_pg_p_int(&p, now);
 *     PGresult *res = akd_pg_exec(c, Q_SOMETHING, &p);   (NULL: failed, logged)
 *     ... akd_pg_get_int(res, 0, 0) ...
 *     PQclear(res);
 *
 * and runs inside akd_pg_run (a transaction on a pooled connection, retried
 * on a deadlock, a serialization failure or a connection lost before the
 * commit) or as a job of the writer (akd_pg_submit: queued, group-committed).
 */
#ifndef AUTHKEEPD_STORE_PG_H
#define AUTHKEEPD_STORE_PG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store.h"

/*
 * The schema's version: up to 9 store_sqlite_schema.c's SCHEMA_VERSION it matches;
 * from 10 this store's own steps, which SQLite has no need of (10: the
 * nonces of Device headers, kept by SQLite's one process in its memory).
 */
#define AKD_PG_SCHEMA_VERSION 10

/* Every statement a connection runs; prepared on each connection after it connects. */
enum akd_pg_query {
        Q_HEALTH,
        Q_LOCK_ACCOUNT,
        Q_LOCK_KEY,
        Q_ACCOUNT_INSERT,
        Q_ACCOUNT_BY_EMAIL,
        Q_ACCOUNT_BY_ID,
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
        Q_SESSION_BACKUP_GET,
        Q_BACKUP_LIST,
        Q_BACKUP_DELETE_ALL,
        Q_BACKUP_SET_DELETED,
        Q_SERVER_KEY_ADD,
        Q_SERVER_KEY_GET,
        /* failed sign-ins */
        Q_SIGNIN_COUNTS,
        Q_SIGNIN_COUNT_ENSURE,
        Q_SIGNIN_COUNT_GET,
        Q_SIGNIN_COUNT_SET,
        Q_SIGNIN_COUNT_DELETE,
        Q_SIGNIN_COUNT_SWEEP,
        Q_SIGNIN_ADDRESS_PUT,
        Q_SIGNIN_ADDRESS_SWEEP,
        /* devices and push sign-in */
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
        /* verification after recovery */
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
        /* sessions of the account page */
        Q_PORTAL_INSERT,
        Q_PORTAL_GET,
        Q_PORTAL_DELETE,
        Q_PORTAL_DELETE_ACCOUNT,
        Q_PORTAL_SWEEP,
        Q_PORTAL_USE_SIGNIN,
        Q_PORTAL_SIGNIN_STATE,
        /* organisations and work users */
        Q_ORG_GET,
        Q_ORG_LIST,
        Q_ORG_INSERT,
        Q_ORG_ID,
        Q_OWNER_OF,
        Q_USER_RESTORE,
        Q_USER_INSERT,
        Q_USER_REMOVE,
        Q_USER_REMOVE_DEVICES,
        Q_USER_VOID_ACTIVATIONS,
        Q_USER_EXPIRE_SIGNINS,
        Q_USER_REMOVED_EVENT,
        Q_USER_LIST,
        Q_ACTIVATION_INSERT,
        Q_ACTIVATION_FIND,
        Q_DEVICE_OTHERS,
        Q_ACTIVATION_TAKE,
        Q_ACTIVATION_DEVICE,
        /* state shared by several processes (store_pg_shared.c) */
        Q_UNSYNCED,
        Q_LOGIN_SWEEP,
        Q_LOGIN_COUNTS,
        Q_LOGIN_INSERT,
        Q_LOGIN_TAKE,
        Q_RATE_TAKE,
        Q_RATE_GET,
        Q_RATE_SWEEP,
        Q_WAKE_GET,
        Q_WAKE_SWEEP,
        Q_NONCE_USE,
        Q_NONCE_SWEEP,
        /* deleted backups and accounts (store_pg_lifecycle.c) */
        Q_LC_BACKUP_COUNT,
        Q_LC_KEEP,
        Q_LC_KEPT_DROP,
        Q_LC_KEPT_LOCK,
        Q_LC_RESTORE,
        Q_LC_UNMARK_BACKUP,
        Q_LC_KEPT_LIST,
        Q_LC_KEPT_GET,
        Q_LC_ACCOUNT_STATE,
        Q_LC_ACCOUNT_LOCK,
        Q_LC_ACCOUNT_MARK,
        Q_LC_ACCOUNT_UNMARK,
        Q_LC_PURGE_SESSIONS, /* the purge of an account, in this order, to Q_LC_PURGE_ACCOUNT */
        Q_LC_PURGE_PORTAL,
        Q_LC_PURGE_BACKUPS,
        Q_LC_PURGE_KEPT,
        Q_LC_PURGE_EVENTS,
        Q_LC_PURGE_CONTACTS,
        Q_LC_PURGE_CODES,
        Q_LC_PURGE_SENDS,
        Q_LC_PURGE_SIGNINS,
        Q_LC_PURGE_FAILURES,
        Q_LC_PURGE_ADDRESSES,
        Q_LC_PURGE_ACTIVATIONS,
        Q_LC_PURGE_LOGINS,
        Q_LC_PURGE_DEVICES,
        Q_LC_PURGE_ACCOUNT,
        Q_LC_TOMBSTONE_PUT,
        Q_LC_TOMBSTONE_GET,
        Q_LC_PURGE_DUE,
        Q_LC_SWEEP_KEPT,
        Q_LC_SWEEP_TOMBSTONES,
        Q__COUNT
};

/* The text of each statement (store_pg_sql.c), $1... its parameters. */
extern const char *const akd_pg_sql[Q__COUNT];

/* Classes of pg_advisory_xact_lock(class, hashtext(key)) (Q_LOCK_KEY). */
enum akd_pg_lock_class {
        AKD_PG_LOCK_SCHEMA = 1,     /* applying the schema (store_pg_schema.c) */
        AKD_PG_LOCK_DEVICE,         /* a device id, while it is registered */
        AKD_PG_LOCK_EMAIL,          /* an email's push sign-in requests, its work user */
        AKD_PG_LOCK_LOGINS_ACCOUNT, /* an account's sign-ins in progress (store_pg_shared.c) */
        AKD_PG_LOCK_LOGINS_ADDRESS, /* an address's sign-ins in progress */
        AKD_PG_LOCK_TOMBSTONE,      /* an email's tombstone, by its hash (store_pg_lifecycle.c) */
};

struct akd_pg_conn {
        PGconn *pg;       /* NULL: not connected */
        bool busy;        /* lent to a thread */
        bool at_commit;   /* the failure, if any, was the COMMIT's: the outcome is unknown */
        char sqlstate[6]; /* of the last failed statement ("" when none) */
};

/* A write for the writer thread (akd_pg_submit). */
struct akd_pg_job {
        /* Runs inside the batch's transaction (in its own savepoint) on the writer's connection. */
        enum akd_store_result (*run)(struct akd_pg_conn *c, struct akd_pg_job *j);
        /* Runs after the commit (or the failure), on the writer thread; may free the job. */
        void (*done)(struct akd_pg_job *j);
        /*
         * The batch runs its jobs sorted by this key (an account or a
         * device id), so that two processes' batches take their row locks in
         * one order and do not deadlock each other.
         */
        const char *order;
        enum akd_store_result result;
        bool outage; /* result ERROR because the database could not be reached */
        struct akd_pg_job *next;
};

struct akd_pg_store {
        struct akd_store base;
        char *conninfo;    /* the URL as given: it may hold a password, never logged */
        char display[256]; /* the URL without its password, for messages */

        pthread_mutex_t pool_lock;
        pthread_cond_t pool_cond;
        struct akd_pg_conn *pool; /* pool_size connections for requests; the writer has its own */
        unsigned pool_size;
        bool failing;        /* the last connection attempt failed */
        int64_t retry_at_ms; /* then: no new attempt before (monotonic milliseconds) */
        unsigned backoff_ms; /* the wait after the next failed attempt */

        struct akd_pg_conn writer;
        pthread_t writer_thread;
        bool writer_started;
        pthread_mutex_t queue_lock;
        pthread_cond_t queue_cond;
        struct akd_pg_job *queue_head, *queue_tail;
        bool stopping;
        int64_t sessions_swept; /* writer thread */
        double signin_swept;    /* when old sign-in counts last went */
        /* State shared by several processes (store_pg_shared.c, store_pg_notify.c). */
        double shared_swept;              /* when expired rows last went */
        struct akd_pg_listener *listener; /* the LISTEN connection's thread, once hinted */
};

/*
 * The parameters of one statement, built with akd_pg_p_*; at most
 * AKD_PG_PARAMS_MAX. Nothing in it points into itself (a number's text is
 * found at akd_pg_exec), so it may be returned and copied by value.
 */
#define AKD_PG_PARAMS_MAX 20
struct akd_pg_params {
        int n;
        const char *values[AKD_PG_PARAMS_MAX]; /* NULL for a number: its text is numbers[i] */
        int lengths[AKD_PG_PARAMS_MAX];
        int formats[AKD_PG_PARAMS_MAX];
        bool is_number[AKD_PG_PARAMS_MAX];
        char numbers[AKD_PG_PARAMS_MAX][32];
};

/* Text (not copied: it must outlive the statement); NULL is SQL NULL. */
void akd_pg_p_text(struct akd_pg_params *p, const char *text);
void akd_pg_p_int(struct akd_pg_params *p, int64_t v);
void akd_pg_p_double(struct akd_pg_params *p, double v);
/* Bytes (not copied), sent as binary. */
void akd_pg_p_blob(struct akd_pg_params *p, const void *b, size_t len);
void akd_pg_p_null(struct akd_pg_params *p);
/* The parameters of many statements: the account, then `n` unless it is negative. */
struct akd_pg_params akd_pg_account_and(const char *account_id, int64_t n);

/*
 * Runs the prepared statement `q` on `c`: its result (PQclear it), or NULL
 * when it failed (logged; a lost connection is closed for the pool to open
 * again).
 */
PGresult *akd_pg_exec(struct akd_pg_conn *c, enum akd_pg_query q, const struct akd_pg_params *p);
/* Runs `q` for no result: the number of rows it changed, or -1 (logged). */
long akd_pg_do(struct akd_pg_conn *c, enum akd_pg_query q, const struct akd_pg_params *p);
/* Runs `q` for one integer: `none` without a row, -1 on failure (logged). */
int64_t akd_pg_one_int(struct akd_pg_conn *c, enum akd_pg_query q, const struct akd_pg_params *p,
                       int64_t none);
/* Runs `q` with the one text parameter `key`; akd_pg_exec's result. */
PGresult *akd_pg_exec1(struct akd_pg_conn *c, enum akd_pg_query q, const char *key);
/* Takes pg_advisory_xact_lock(class, hashtext(key)) for the transaction; 0 or -1. */
int akd_pg_lock(struct akd_pg_conn *c, enum akd_pg_lock_class class, const char *key);
/* Locks the account's row for the transaction: OK, NOT_FOUND or ERROR. */
enum akd_store_result akd_pg_lock_account(struct akd_pg_conn *c, const char *account_id);

/* Reading a result's cells (row, col): "" / 0 / false for NULL. */
bool akd_pg_is_null(const PGresult *r, int row, int col);
void akd_pg_get_text(const PGresult *r, int row, int col, char *out, size_t size);
int64_t akd_pg_get_int(const PGresult *r, int row, int col);
double akd_pg_get_double(const PGresult *r, int row, int col);
/* A bytea cell of `min` to `max` bytes into `out` (its length in *got); false otherwise. */
bool akd_pg_get_blob(const PGresult *r, int row, int col, void *out, size_t min, size_t max,
                     size_t *got);
/* A bytea cell into a new buffer (free()) of *len bytes; NULL on failure. */
uint8_t *akd_pg_get_blob_copy(const PGresult *r, int row, int col, size_t *len);

/*
 * Runs `fn` on a pooled connection inside one transaction (with `tx`; else
 * as it is, for a single statement) and commits unless it returned ERROR,
 * as the SQLite store's jobs do: a refusal such as CONFLICT may have
 * counted something. A deadlock, a serialization failure, or a connection
 * lost before the COMMIT runs it again (a few times); ERROR while the
 * database cannot be reached.
 */
enum akd_store_result akd_pg_run(struct akd_pg_store *s, bool tx,
                                 enum akd_store_result (*fn)(struct akd_pg_conn *c, void *ctx),
                                 void *ctx);

/*
 * Reads the rows of `q` (params `p`) into a new array (free()) of
 * `size`-byte items, each filled by `row` (false: a damaged row, left out).
 * With `one`, the first row into `out` (NOT_FOUND without one).
 */
enum akd_store_result akd_pg_read(struct akd_pg_store *s, enum akd_pg_query q,
                                  const struct akd_pg_params *p, size_t size,
                                  bool (*row)(const PGresult *r, int i, void *item), void **list,
                                  size_t *count);
enum akd_store_result akd_pg_read_one(struct akd_pg_store *s, enum akd_pg_query q,
                                      const struct akd_pg_params *p,
                                      bool (*row)(const PGresult *r, int i, void *item), void *out);

/* Queues a job for the writer; j->done runs on the writer thread after the commit. */
void akd_pg_submit(struct akd_pg_store *s, struct akd_pg_job *j);

/* Creates or updates the schema under an advisory lock (store_pg_schema.c); 0 or -1 with `err`. */
int akd_pg_schema_prepare(PGconn *pg, char *err, size_t errlen);

/*
 * Checks a postgres:// or postgresql:// URL (or a libpq key=value string)
 * and writes it into `display` without its password; 0, or -1 with a
 * sentence in `err` that holds no password.
 */
int akd_pg_url_check(const char *url, char *display, size_t display_len, char *err, size_t errlen);

/* The operations (store_pg_query.c). */
extern const struct akd_store_ops akd_pg_ops;
void akd_pg_close(struct akd_store *st);
/*
 * When this thread's last operation failed because the database could not
 * be reached: the seconds until the next attempt to connect (at least 1);
 * else 0 (store_pg.c).
 */
long akd_pg_unavailable_for(struct akd_store *st);
/* The same for a finished job of the writer, from its outage flag. */
long akd_pg_job_retry_after(struct akd_pg_store *s, const struct akd_pg_job *j);
/* A session from account_id, recovery, created_at, expires_at in columns 0 to 3 of row `i`. */
bool akd_pg_session_row(const PGresult *r, int i, void *item);

/* Backups (store_pg_backup.c). */
void akd_pg_backup_put(struct akd_store *st, struct akd_backup_put *put);
enum akd_store_result akd_pg_backup_get(struct akd_store *st, const char *account_id,
                                        uint64_t version, struct akd_backup_meta *meta,
                                        uint8_t **envelope, struct akd_backup_deleted *deleted);
enum akd_store_result akd_pg_session_backup_get(struct akd_store *st,
                                                const uint8_t hash[AKD_TOKEN_HASH_LEN], int64_t now,
                                                uint64_t version, struct akd_session *session,
                                                struct akd_backup_read *backup);
enum akd_store_result akd_pg_backup_list(struct akd_store *st, const char *account_id,
                                         struct akd_backup_meta **list, size_t *count,
                                         struct akd_backup_deleted *deleted);
enum akd_store_result akd_pg_backup_delete(struct akd_store *st, const char *account_id,
                                           const char *device_id, const char *device_name,
                                           int64_t now);

/* Failed sign-ins (store_pg_backup.c). */
enum akd_store_result akd_pg_signin_counts(struct akd_store *st, const char *account_id,
                                           const char *address,
                                           struct akd_fail_count counts[AKD_FAIL_SCOPES],
                                           double *signed_in_at);
enum akd_store_result akd_pg_signin_failed(struct akd_store *st, const char *account_id,
                                           const char *address, double now,
                                           const struct akd_fail_policy policies[AKD_FAIL_SCOPES]);
void akd_pg_signin_succeeded(struct akd_store *st, const char *account_id, const char *address,
                             double now, double forget_before);

/* Devices, push sign-in requests and events (store_pg_devices.c). */
enum akd_store_result akd_pg_device_put(struct akd_store *st, struct akd_device *d,
                                        unsigned max_devices, const char *from, bool *created);
enum akd_store_result akd_pg_device_list(struct akd_store *st, const char *account_id,
                                         struct akd_device **list, size_t *count);
enum akd_store_result akd_pg_device_get(struct akd_store *st, const char *device_id,
                                        struct akd_device *out);
enum akd_store_result akd_pg_device_remove(struct akd_store *st, const char *account_id,
                                           const char *device_id, bool force, int64_t now,
                                           const char *from);
void akd_pg_device_touch(struct akd_store *st, const char *device_id, int64_t now);
enum akd_store_result akd_pg_totp_accept(struct akd_store *st, const char *account_id,
                                         const char *device_id, uint64_t step, int64_t now);
enum akd_store_result akd_pg_signin_create(struct akd_store *st, const struct akd_signin *r,
                                           unsigned max_recent, int64_t since,
                                           char replaced[AK_SIGNIN_ID_LEN + 1],
                                           int64_t *muted_until);
enum akd_store_result akd_pg_signin_get(struct akd_store *st, const char *id,
                                        struct akd_signin *out);
enum akd_store_result akd_pg_signin_pending(struct akd_store *st, const char *account_id,
                                            int64_t now, struct akd_signin **list, size_t *count);
enum akd_store_result akd_pg_signin_answer(struct akd_store *st, const struct akd_signin_answer *a);
enum akd_store_result akd_pg_events_list(struct akd_store *st, const char *account_id,
                                         struct akd_event **list, size_t *count);
/* Records an event of the account inside a transaction; 0 or -1. */
int akd_pg_add_event(struct akd_pg_conn *c, const char *account_id, int64_t at, const char *kind,
                     const char *device_id, const char *from, const char *app);

/* Verification after recovery and the account page (store_pg_verify.c). */
enum akd_store_result akd_pg_contacts_list(struct akd_store *st, const char *account_id,
                                           struct akd_contact **list, size_t *count);
enum akd_store_result akd_pg_contact_remove(struct akd_store *st, const char *account_id,
                                            const char *value, int64_t now, const char *from);
enum akd_store_result akd_pg_device_verify_bare(struct akd_store *st, const char *account_id,
                                                const char *device_id, int64_t now,
                                                const char *from);
enum akd_store_result akd_pg_code_put(struct akd_store *st, const struct akd_code *code,
                                      const struct akd_code_policy *policy, int64_t *retry_after);
enum akd_store_result akd_pg_code_drop(struct akd_store *st, const struct akd_code *code);
enum akd_store_result akd_pg_code_use(struct akd_store *st, struct akd_code_use *u,
                                      const char *from);
enum akd_store_result akd_pg_portal_create(struct akd_store *st,
                                           const uint8_t hash[AKD_TOKEN_HASH_LEN],
                                           struct akd_portal_session *s, const char *signin_id,
                                           int64_t grace);
enum akd_store_result akd_pg_portal_get(struct akd_store *st,
                                        const uint8_t hash[AKD_TOKEN_HASH_LEN], int64_t now,
                                        struct akd_portal_session *out);
enum akd_store_result akd_pg_portal_delete(struct akd_store *st,
                                           const uint8_t hash[AKD_TOKEN_HASH_LEN]);

/* State shared by several processes (store_pg_shared.c, store_pg_notify.c; see store.h). */
extern const char akd_pg_shared_sql[]; /* its tables and wake triggers: schema 8 */
enum akd_store_result akd_pg_login_put(struct akd_store *st, const struct akd_login *l, double now,
                                       const struct akd_login_caps *caps, enum akd_login_cap *cap);
enum akd_store_result akd_pg_login_take(struct akd_store *st, const char *id, double now,
                                        struct akd_login *out);
enum akd_store_result akd_pg_rate_take(struct akd_store *st, const char *key, double rate,
                                       double burst, double now, long *wait);
enum akd_store_result akd_pg_wake_stamps(struct akd_store *st, const char *const *keys, size_t n,
                                         uint64_t *stamps);
void akd_pg_hints_listen(struct akd_store *st, akd_hint_fn fn, void *ctx);
extern const char akd_pg_nonces_sql[]; /* the nonces of Device headers: schema 10 */
enum akd_store_result akd_pg_nonce_use(struct akd_store *st, const uint8_t key[16], int64_t until,
                                       int64_t now);

/* Deleted backups and accounts (store_pg_lifecycle.c; see store.h). */
extern const char akd_pg_lifecycle_sql[]; /* its tables and columns: schema 9 */
enum akd_store_result akd_pg_backup_delete_kept(struct akd_store *st, const char *account_id,
                                                const char *device_id, const char *device_name,
                                                int64_t now, unsigned *versions);
enum akd_store_result akd_pg_backup_deleted_list(struct akd_store *st, const char *account_id,
                                                 struct akd_backup_meta **list, size_t *count);
enum akd_store_result akd_pg_backup_deleted_get(struct akd_store *st, const char *account_id,
                                                uint64_t version, struct akd_backup_meta *meta,
                                                uint8_t **envelope);
enum akd_store_result akd_pg_backup_undelete(struct akd_store *st, const char *account_id,
                                             int64_t since, uint64_t *latest, unsigned *versions);
enum akd_store_result akd_pg_backup_purge(struct akd_store *st, const char *account_id,
                                          const char *device_id, const char *device_name,
                                          int64_t now);
enum akd_store_result akd_pg_account_state(struct akd_store *st, const char *account_id,
                                           struct akd_account_deleted *out);
enum akd_store_result akd_pg_account_delete(struct akd_store *st, const char *account_id,
                                            const char *device_id, const char *device_name,
                                            int64_t now);
enum akd_store_result akd_pg_account_undelete(struct akd_store *st, const char *account_id,
                                              int64_t since);
enum akd_store_result akd_pg_account_purge(struct akd_store *st, const char *account_id,
                                           const uint8_t *email_hash, int64_t now);
enum akd_store_result akd_pg_account_purge_due(struct akd_store *st, int64_t before,
                                               struct akd_account_due **list, size_t *count);
enum akd_store_result akd_pg_lifecycle_sweep(struct akd_store *st, int64_t before,
                                             unsigned *purged);
enum akd_store_result akd_pg_account_create_fresh(struct akd_store *st,
                                                  const struct akd_account *acc,
                                                  const uint8_t *email_hash, int64_t since,
                                                  int64_t *deleted_at);
/* Inside a transaction: inserts the account (account_create); OK, EXISTS for a taken email. */
enum akd_store_result akd_pg_account_insert(struct akd_pg_conn *c, const struct akd_account *acc);

/* Organisations, work users and activation codes (store_pg_orgs.c). */
enum akd_store_result akd_pg_org_create(struct akd_store *st, const char *name, int64_t now,
                                        struct akd_org *out);
enum akd_store_result akd_pg_org_get(struct akd_store *st, const char *name, struct akd_org *out);
enum akd_store_result akd_pg_org_list(struct akd_store *st, struct akd_org **list, size_t *count);
enum akd_store_result akd_pg_work_user_add(struct akd_store *st, const char *org, const char *email,
                                           int64_t now, char *taken_by);
enum akd_store_result akd_pg_work_user_remove(struct akd_store *st, const char *org,
                                              const char *email, int64_t now);
enum akd_store_result akd_pg_work_user_list(struct akd_store *st, const char *org, int64_t now,
                                            struct akd_work_user **list, size_t *count);
enum akd_store_result akd_pg_activation_create(struct akd_store *st, const char *org,
                                               const char *email,
                                               const uint8_t hash[AKD_ACTIVATION_HASH_LEN],
                                               int64_t now, int64_t expires_at);
enum akd_store_result akd_pg_activate(struct akd_store *st, struct akd_activate *a);

#endif
