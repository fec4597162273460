/*
 * The SQLite store: one database file in WAL mode with synchronous=FULL.
 *
 * Reads run on a pool of read-only connections (WAL lets them run beside the
 * writer). Every write is a job for one writer thread that owns the only
 * writing connection: it takes every job queued so far, runs them in one
 * BEGIN IMMEDIATE transaction (each inside its own savepoint, so one failing
 * job does not undo the others), commits once, and only then completes each
 * job. Concurrent uploads thus share one fsync (group commit), and no request
 * is answered before its data is on disk.
 *
 * The schema is versioned with PRAGMA user_version (SCHEMA_VERSION below).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include "store.h"

#define SCHEMA_VERSION 1
#define BUSY_TIMEOUT_MS 10000
#define SESSION_SWEEP_SECONDS 600

/* Every statement either connection runs; prepared once per connection. */
enum query {
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
        Q__COUNT
};

#define CRED_COLS(p)                                                                               \
        p "kdf_salt, " p "kdf_ops, " p "kdf_mem, " p "srp_salt, " p "srp_verifier, " p             \
          "wrap_nonce, " p "wrap_ct"
#define ACCOUNT_COLS "id, email, created_at, " CRED_COLS("pw_") ", " CRED_COLS("rec_")

static const char *const sql_text[Q__COUNT] = {
    [Q_BEGIN_READ] = "BEGIN",
    [Q_BEGIN_WRITE] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_SAVEPOINT] = "SAVEPOINT job",
    [Q_RELEASE] = "RELEASE job",
    [Q_ROLLBACK_TO] = "ROLLBACK TO job",
    [Q_HEALTH] = "SELECT count(*) FROM sqlite_schema",
    [Q_ACCOUNT_INSERT] =
        "INSERT INTO accounts (" ACCOUNT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
        "?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    [Q_ACCOUNT_BY_EMAIL] = "SELECT " ACCOUNT_COLS " FROM accounts WHERE email = ?1",
    [Q_ACCOUNT_BY_ID] = "SELECT " ACCOUNT_COLS " FROM accounts WHERE id = ?1",
    [Q_ACCOUNT_SET_PASSWORD] = "UPDATE accounts SET pw_kdf_salt = ?2, pw_kdf_ops = ?3, "
                               "pw_kdf_mem = ?4, pw_srp_salt = ?5, pw_srp_verifier = ?6, "
                               "pw_wrap_nonce = ?7, pw_wrap_ct = ?8 WHERE id = ?1",
    [Q_ACCOUNT_SET_RECOVERY] = "UPDATE accounts SET rec_kdf_salt = ?2, rec_kdf_ops = ?3, "
                               "rec_kdf_mem = ?4, rec_srp_salt = ?5, rec_srp_verifier = ?6, "
                               "rec_wrap_nonce = ?7, rec_wrap_ct = ?8 WHERE id = ?1",
    [Q_SESSION_INSERT] = "INSERT INTO sessions (token_hash, account_id, recovery, created_at, "
                         "expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_SESSION_GET] = "SELECT account_id, recovery, created_at, expires_at FROM sessions "
                      "WHERE token_hash = ?1",
    [Q_SESSION_DELETE] = "DELETE FROM sessions WHERE token_hash = ?1",
    [Q_SESSION_DELETE_ALL] = "DELETE FROM sessions WHERE account_id = ?1",
    [Q_SESSION_DELETE_OTHERS] = "DELETE FROM sessions WHERE account_id = ?1 AND "
                                "token_hash <> ?2",
    [Q_SESSION_COUNT] = "SELECT count(*) FROM sessions WHERE account_id = ?1 AND "
                        "expires_at > ?2",
    [Q_SESSION_SWEEP] = "DELETE FROM sessions WHERE expires_at <= ?1",
    [Q_BACKUP_STATE] = "SELECT latest_version, deleted_at, deleted_device_id, "
                       "deleted_device_name FROM accounts WHERE id = ?1",
    [Q_BACKUP_META] = "SELECT version, device_id, device_name, created_at, size FROM backups "
                      "WHERE account_id = ?1 AND version = ?2",
    [Q_BACKUP_INSERT] = "INSERT INTO backups (account_id, version, device_id, device_name, "
                        "created_at, size, envelope) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_BACKUP_PRUNE] = "DELETE FROM backups WHERE account_id = ?1 AND version <= ?2",
    [Q_BACKUP_SET_LATEST] = "UPDATE accounts SET latest_version = ?2, deleted_at = NULL, "
                            "deleted_device_id = NULL, deleted_device_name = NULL "
                            "WHERE id = ?1",
    [Q_BACKUP_GET] = "SELECT a.latest_version, a.deleted_at, a.deleted_device_id, "
                     "a.deleted_device_name, b.version, b.device_id, b.device_name, "
                     "b.created_at, b.size, b.envelope FROM accounts a LEFT JOIN backups b "
                     "ON b.account_id = a.id AND b.version = (CASE WHEN ?2 = 0 THEN "
                     "a.latest_version ELSE ?2 END) WHERE a.id = ?1",
    [Q_BACKUP_LIST] = "SELECT version, device_id, device_name, created_at, size FROM backups "
                      "WHERE account_id = ?1 ORDER BY version DESC",
    [Q_BACKUP_DELETE_ALL] = "DELETE FROM backups WHERE account_id = ?1",
    [Q_BACKUP_SET_DELETED] = "UPDATE accounts SET deleted_at = ?2, deleted_device_id = ?3, "
                             "deleted_device_name = ?4 WHERE id = ?1",
};

static const char schema_sql[] =
    "CREATE TABLE accounts ("
    " id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,"
    " pw_kdf_salt BLOB NOT NULL, pw_kdf_ops INTEGER NOT NULL, pw_kdf_mem INTEGER NOT NULL,"
    " pw_srp_salt BLOB NOT NULL, pw_srp_verifier BLOB NOT NULL,"
    " pw_wrap_nonce BLOB NOT NULL, pw_wrap_ct BLOB NOT NULL,"
    " rec_kdf_salt BLOB, rec_kdf_ops INTEGER, rec_kdf_mem INTEGER, rec_srp_salt BLOB,"
    " rec_srp_verifier BLOB, rec_wrap_nonce BLOB, rec_wrap_ct BLOB,"
    " latest_version INTEGER NOT NULL DEFAULT 0, deleted_at INTEGER,"
    " deleted_device_id TEXT, deleted_device_name TEXT);"
    "CREATE TABLE sessions ("
    " token_hash BLOB PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id),"
    " recovery INTEGER NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE INDEX sessions_by_account ON sessions (account_id);"
    "CREATE TABLE backups ("
    " account_id TEXT NOT NULL REFERENCES accounts(id), version INTEGER NOT NULL,"
    " device_id TEXT NOT NULL, device_name TEXT NOT NULL, created_at INTEGER NOT NULL,"
    " size INTEGER NOT NULL, envelope BLOB NOT NULL, PRIMARY KEY (account_id, version));"
    "PRAGMA user_version = 1;";

struct conn {
        sqlite3 *db;
        sqlite3_stmt *st[Q__COUNT];
        struct conn *next; /* in the free list of readers */
};

/* A write for the writer thread. */
struct job {
        /* Runs inside the batch's transaction, on the writer connection. */
        enum akd_store_result (*run)(struct conn *c, struct job *j);
        /* Runs after the commit (or failure), on the writer thread. */
        void (*done)(struct job *j);
        enum akd_store_result result;
        struct job *next;
        /* What a successful job changed, for the caches (see cache_*). */
        bool drops_sessions;        /* deleted sessions */
        const char *backup_account; /* changed this account's backups */
        /* For synchronous callers. */
        pthread_mutex_t *wait_lock;
        pthread_cond_t *wait_cond;
        bool finished;
};

/*
 * In-memory caches of sessions and of each account's latest backup, so that
 * an authenticated download touches no database file. They are correct
 * because this process is the database's only writer (an exclusive lock
 * file makes sure): the writer thread drops what a batch changed after its
 * commit and before any of its requests is answered. A reader fills a cache
 * only if no commit dropped anything since it began reading (generation).
 */
#define CACHE_BUCKETS 4096
#define SESSION_CACHE_MAX 100000
#define BACKUP_CACHE_BYTES (64u << 20)

struct session_entry {
        uint8_t hash[AKD_TOKEN_HASH_LEN];
        struct akd_session session;
        struct session_entry *next;
};

struct backup_entry {
        char account_id[AKD_ACCOUNT_ID_LEN + 1];
        struct akd_backup_meta meta;
        uint8_t *envelope;
        struct backup_entry *next;
};

struct cache {
        pthread_mutex_t lock;
        uint64_t generation;
        size_t count, bytes;
        struct session_entry *sessions[CACHE_BUCKETS];
        struct backup_entry *backups[CACHE_BUCKETS];
};

struct sqlite_store {
        struct akd_store base;
        char *path;
        int lock_fd; /* the exclusive lock on PATH.lock */
        struct cache session_cache, backup_cache;

        pthread_mutex_t pool_lock;
        struct conn *readers; /* idle read connections */

        struct conn *writer;
        pthread_t writer_thread;
        bool writer_started;
        pthread_mutex_t queue_lock;
        pthread_cond_t queue_cond;
        struct job *queue_head, *queue_tail;
        bool stopping;
};

/* ---- connections ---- */

static void log_db_error(sqlite3 *db, const char *what)
{
        akd_log_event("store: %s: %s", what, db != NULL ? sqlite3_errmsg(db) : "no database");
}

static void conn_close(struct conn *c)
{
        if (c == NULL)
                return;
        for (int i = 0; i < Q__COUNT; i++)
                sqlite3_finalize(c->st[i]);
        sqlite3_close(c->db);
        free(c);
}

/* Runs a statement list that returns no rows (schema); callers report errors. */
static int exec(sqlite3 *db, const char *sql)
{
        return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* Opens a connection (read-only or not) with the pragmas every one needs. */
static struct conn *conn_open(const char *path, bool writable, char *err, size_t errlen)
{
        struct conn *c = calloc(1, sizeof(*c));
        if (c == NULL) {
                snprintf(err, errlen, "out of memory");
                return NULL;
        }
        int flags = (writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) |
                    SQLITE_OPEN_NOMUTEX;
        if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK ||
            sqlite3_exec(c->db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;", NULL, NULL,
                         NULL) != SQLITE_OK) {
                snprintf(err, errlen, "cannot open %s: %s", path,
                         c->db != NULL ? sqlite3_errmsg(c->db) : "out of memory");
                conn_close(c);
                return NULL;
        }
        sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
        return c;
}

/* The statement `q` of `c`, prepared on first use, reset and unbound. */
static sqlite3_stmt *stmt(struct conn *c, enum query q)
{
        if (c->st[q] == NULL) {
                if (sqlite3_prepare_v3(c->db, sql_text[q], -1, SQLITE_PREPARE_PERSISTENT, &c->st[q],
                                       NULL) != SQLITE_OK) {
                        log_db_error(c->db, "prepare");
                        return NULL;
                }
        }
        sqlite3_reset(c->st[q]);
        sqlite3_clear_bindings(c->st[q]);
        return c->st[q];
}

/* Steps a statement that returns no row; 0 or -1 (logged). */
static int step_done(struct conn *c, sqlite3_stmt *s)
{
        int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE) {
                log_db_error(c->db, "step");
                return -1;
        }
        return 0;
}

/* Runs a statement without parameters (BEGIN, COMMIT, ...). */
static int simple(struct conn *c, enum query q)
{
        sqlite3_stmt *s = stmt(c, q);
        return s == NULL ? -1 : step_done(c, s);
}

static struct conn *reader_get(struct sqlite_store *s)
{
        pthread_mutex_lock(&s->pool_lock);
        struct conn *c = s->readers;
        if (c != NULL)
                s->readers = c->next;
        pthread_mutex_unlock(&s->pool_lock);
        if (c == NULL) {
                char err[300];
                c = conn_open(s->path, false, err, sizeof(err));
                if (c == NULL)
                        akd_log_event("store: %s", err);
        }
        return c;
}

static void reader_put(struct sqlite_store *s, struct conn *c)
{
        if (c == NULL)
                return;
        pthread_mutex_lock(&s->pool_lock);
        c->next = s->readers;
        s->readers = c;
        pthread_mutex_unlock(&s->pool_lock);
}

/* ---- caches ---- */

static unsigned cache_bucket(const void *key, size_t len)
{
        const unsigned char *k = key;
        unsigned h = 2166136261u;
        for (size_t i = 0; i < len; i++)
                h = (h ^ k[i]) * 16777619u;
        return h % CACHE_BUCKETS;
}

/* Empties both tables of `c`; caller holds the lock. */
static void cache_clear_locked(struct cache *c)
{
        for (int b = 0; b < CACHE_BUCKETS; b++) {
                while (c->sessions[b] != NULL) {
                        struct session_entry *e = c->sessions[b];
                        c->sessions[b] = e->next;
                        free(e);
                }
                while (c->backups[b] != NULL) {
                        struct backup_entry *e = c->backups[b];
                        c->backups[b] = e->next;
                        free(e->envelope);
                        free(e);
                }
        }
        c->count = c->bytes = 0;
}

static uint64_t cache_generation(struct cache *c)
{
        pthread_mutex_lock(&c->lock);
        uint64_t g = c->generation;
        pthread_mutex_unlock(&c->lock);
        return g;
}

static bool session_cache_get(struct cache *c, const uint8_t *hash, struct akd_session *out)
{
        bool hit = false;
        pthread_mutex_lock(&c->lock);
        for (struct session_entry *e = c->sessions[cache_bucket(hash, AKD_TOKEN_HASH_LEN)];
             e != NULL; e = e->next) {
                if (memcmp(e->hash, hash, AKD_TOKEN_HASH_LEN) == 0) {
                        *out = e->session;
                        hit = true;
                        break;
                }
        }
        pthread_mutex_unlock(&c->lock);
        return hit;
}

static void session_cache_put(struct cache *c, uint64_t generation, const uint8_t *hash,
                              const struct akd_session *session)
{
        struct session_entry *e = calloc(1, sizeof(*e));
        if (e == NULL)
                return;
        memcpy(e->hash, hash, AKD_TOKEN_HASH_LEN);
        e->session = *session;
        pthread_mutex_lock(&c->lock);
        if (c->generation == generation) {
                if (c->count >= SESSION_CACHE_MAX)
                        cache_clear_locked(c);
                unsigned b = cache_bucket(hash, AKD_TOKEN_HASH_LEN);
                e->next = c->sessions[b];
                c->sessions[b] = e;
                c->count++;
                e = NULL;
        }
        pthread_mutex_unlock(&c->lock);
        free(e);
}

/* The cached latest backup of `account_id`, copied out; false on a miss. */
static bool backup_cache_get(struct cache *c, const char *account_id, struct akd_backup_meta *meta,
                             uint8_t **envelope)
{
        bool hit = false;
        pthread_mutex_lock(&c->lock);
        for (struct backup_entry *e = c->backups[cache_bucket(account_id, AKD_ACCOUNT_ID_LEN)];
             e != NULL; e = e->next) {
                if (strcmp(e->account_id, account_id) == 0) {
                        uint8_t *copy = malloc(e->meta.size > 0 ? e->meta.size : 1);
                        if (copy != NULL) {
                                memcpy(copy, e->envelope, e->meta.size);
                                *meta = e->meta;
                                *envelope = copy;
                                hit = true;
                        }
                        break;
                }
        }
        pthread_mutex_unlock(&c->lock);
        return hit;
}

static void backup_cache_put(struct cache *c, uint64_t generation, const char *account_id,
                             const struct akd_backup_meta *meta, const uint8_t *envelope)
{
        struct backup_entry *e = calloc(1, sizeof(*e));
        if (e == NULL || (e->envelope = malloc(meta->size > 0 ? meta->size : 1)) == NULL) {
                free(e);
                return;
        }
        memcpy(e->envelope, envelope, meta->size);
        memcpy(e->account_id, account_id, sizeof(e->account_id));
        e->meta = *meta;
        pthread_mutex_lock(&c->lock);
        unsigned b = cache_bucket(account_id, AKD_ACCOUNT_ID_LEN);
        bool present = false;
        for (struct backup_entry *o = c->backups[b]; o != NULL; o = o->next)
                present |= strcmp(o->account_id, account_id) == 0;
        if (c->generation == generation && !present) {
                if (c->bytes + meta->size > BACKUP_CACHE_BYTES)
                        cache_clear_locked(c);
                e->next = c->backups[b];
                c->backups[b] = e;
                c->bytes += meta->size;
                e = NULL;
        }
        pthread_mutex_unlock(&c->lock);
        if (e != NULL) {
                free(e->envelope);
                free(e);
        }
}

/* Drops one account's cached backup; caller holds the lock. */
static void backup_cache_drop_locked(struct cache *c, const char *account_id)
{
        struct backup_entry **pp = &c->backups[cache_bucket(account_id, AKD_ACCOUNT_ID_LEN)];
        while (*pp != NULL) {
                if (strcmp((*pp)->account_id, account_id) == 0) {
                        struct backup_entry *dead = *pp;
                        *pp = dead->next;
                        c->bytes -= dead->meta.size;
                        free(dead->envelope);
                        free(dead);
                } else {
                        pp = &(*pp)->next;
                }
        }
}

/* After a commit: drops whatever the batch's successful jobs changed. */
static void cache_invalidate(struct sqlite_store *s, struct job *batch)
{
        bool sessions = false, backups = false;
        for (struct job *j = batch; j != NULL; j = j->next) {
                if (j->result != AKD_STORE_OK)
                        continue;
                sessions |= j->drops_sessions;
                backups |= j->backup_account != NULL;
        }
        if (sessions) {
                pthread_mutex_lock(&s->session_cache.lock);
                cache_clear_locked(&s->session_cache);
                s->session_cache.generation++;
                pthread_mutex_unlock(&s->session_cache.lock);
        }
        if (backups) {
                pthread_mutex_lock(&s->backup_cache.lock);
                for (struct job *j = batch; j != NULL; j = j->next)
                        if (j->result == AKD_STORE_OK && j->backup_account != NULL)
                                backup_cache_drop_locked(&s->backup_cache, j->backup_account);
                s->backup_cache.generation++;
                pthread_mutex_unlock(&s->backup_cache.lock);
        }
}

/* ---- the writer thread and group commit ---- */

static void submit(struct sqlite_store *s, struct job *j)
{
        j->next = NULL;
        pthread_mutex_lock(&s->queue_lock);
        if (s->queue_tail != NULL)
                s->queue_tail->next = j;
        else
                s->queue_head = j;
        s->queue_tail = j;
        pthread_cond_signal(&s->queue_cond);
        pthread_mutex_unlock(&s->queue_lock);
}

/* Runs one batch of jobs in one transaction; sets each job's result. */
static void run_batch(struct conn *c, struct job *batch)
{
        if (simple(c, Q_BEGIN_WRITE) != 0) {
                for (struct job *j = batch; j != NULL; j = j->next)
                        j->result = AKD_STORE_ERROR;
                return;
        }
        for (struct job *j = batch; j != NULL; j = j->next) {
                if (simple(c, Q_SAVEPOINT) != 0) {
                        j->result = AKD_STORE_ERROR;
                        continue;
                }
                j->result = j->run(c, j);
                if (j->result == AKD_STORE_ERROR)
                        simple(c, Q_ROLLBACK_TO);
                simple(c, Q_RELEASE);
        }
        if (simple(c, Q_COMMIT) != 0) {
                simple(c, Q_ROLLBACK);
                for (struct job *j = batch; j != NULL; j = j->next)
                        j->result = AKD_STORE_ERROR;
        }
}

static enum akd_store_result run_sweep(struct conn *c, struct job *j)
{
        sqlite3_stmt *s = stmt(c, Q_SESSION_SWEEP);
        if (s == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_int64(s, 1, akd_now());
        return step_done(c, s) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

static void *writer_main(void *arg)
{
        struct sqlite_store *s = arg;
        int64_t last_sweep = 0;
        for (;;) {
                pthread_mutex_lock(&s->queue_lock);
                while (s->queue_head == NULL && !s->stopping)
                        pthread_cond_wait(&s->queue_cond, &s->queue_lock);
                struct job *batch = s->queue_head;
                s->queue_head = s->queue_tail = NULL;
                bool stop = s->stopping && batch == NULL;
                pthread_mutex_unlock(&s->queue_lock);
                if (stop)
                        break;

                /* Expired sessions go now and then, inside a batch that commits anyway. */
                struct job sweep = {.run = run_sweep};
                if (akd_now() - last_sweep >= SESSION_SWEEP_SECONDS) {
                        last_sweep = akd_now();
                        sweep.next = batch;
                        run_batch(s->writer, &sweep);
                } else {
                        run_batch(s->writer, batch);
                }
                cache_invalidate(s, batch);
                while (batch != NULL) {
                        struct job *next = batch->next;
                        batch->done(batch); /* may free the job */
                        batch = next;
                }
        }
        return NULL;
}

static void sync_done(struct job *j)
{
        pthread_mutex_lock(j->wait_lock);
        j->finished = true;
        pthread_cond_signal(j->wait_cond);
        pthread_mutex_unlock(j->wait_lock);
}

/* Queues `j` and waits for its commit; returns its result. */
static enum akd_store_result run_sync(struct sqlite_store *s, struct job *j)
{
        pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
        pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
        j->wait_lock = &lock;
        j->wait_cond = &cond;
        j->finished = false;
        j->done = sync_done;
        submit(s, j);
        pthread_mutex_lock(&lock);
        while (!j->finished)
                pthread_cond_wait(&cond, &lock);
        pthread_mutex_unlock(&lock);
        pthread_cond_destroy(&cond);
        pthread_mutex_destroy(&lock);
        return j->result;
}

/* ---- binding and reading credentials ---- */

static void bind_credential(sqlite3_stmt *s, int first, const struct akd_credential *cr)
{
        sqlite3_bind_blob(s, first, cr->kdf.salt, sizeof(cr->kdf.salt), SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, first + 1, (sqlite3_int64)cr->kdf.opslimit);
        sqlite3_bind_int64(s, first + 2, (sqlite3_int64)cr->kdf.memlimit);
        sqlite3_bind_blob(s, first + 3, cr->srp_salt, (int)cr->srp_salt_len, SQLITE_TRANSIENT);
        sqlite3_bind_blob(s, first + 4, cr->srp_verifier, (int)cr->srp_verifier_len,
                          SQLITE_TRANSIENT);
        sqlite3_bind_blob(s, first + 5, cr->wrapped.nonce, sizeof(cr->wrapped.nonce),
                          SQLITE_TRANSIENT);
        sqlite3_bind_blob(s, first + 6, cr->wrapped.ciphertext, sizeof(cr->wrapped.ciphertext),
                          SQLITE_TRANSIENT);
}

/* Copies blob column `col` of exactly `len` bytes (or up to `max`, length in *got). */
static bool column_blob(sqlite3_stmt *s, int col, void *out, size_t min, size_t max, size_t *got)
{
        const void *p = sqlite3_column_blob(s, col);
        size_t n = (size_t)sqlite3_column_bytes(s, col);
        if (p == NULL || n < min || n > max)
                return false;
        memcpy(out, p, n);
        if (got != NULL)
                *got = n;
        return true;
}

/* Reads 7 credential columns from `first`; false when NULL or malformed. */
static bool read_credential(sqlite3_stmt *s, int first, struct akd_credential *cr)
{
        if (sqlite3_column_type(s, first) == SQLITE_NULL)
                return false;
        cr->kdf.opslimit = (uint64_t)sqlite3_column_int64(s, first + 1);
        cr->kdf.memlimit = (uint64_t)sqlite3_column_int64(s, first + 2);
        return column_blob(s, first, cr->kdf.salt, sizeof(cr->kdf.salt), sizeof(cr->kdf.salt),
                           NULL) &&
               column_blob(s, first + 3, cr->srp_salt, 1, sizeof(cr->srp_salt),
                           &cr->srp_salt_len) &&
               column_blob(s, first + 4, cr->srp_verifier, 1, sizeof(cr->srp_verifier),
                           &cr->srp_verifier_len) &&
               column_blob(s, first + 5, cr->wrapped.nonce, sizeof(cr->wrapped.nonce),
                           sizeof(cr->wrapped.nonce), NULL) &&
               column_blob(s, first + 6, cr->wrapped.ciphertext, sizeof(cr->wrapped.ciphertext),
                           sizeof(cr->wrapped.ciphertext), NULL);
}

/* Copies text column `col` into `out` of `size` bytes ("" when NULL). */
static void column_text(sqlite3_stmt *s, int col, char *out, size_t size)
{
        const unsigned char *t = sqlite3_column_text(s, col);
        snprintf(out, size, "%s", t != NULL ? (const char *)t : "");
}

/* ---- accounts ---- */

struct account_job {
        struct job job;
        const struct akd_account *acc;
};

static enum akd_store_result run_account_create(struct conn *c, struct job *j)
{
        const struct akd_account *acc = ((struct account_job *)j)->acc;
        sqlite3_stmt *s = stmt(c, Q_ACCOUNT_BY_EMAIL);
        if (s == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(s, 1, acc->email, -1, SQLITE_STATIC);
        int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc == SQLITE_ROW)
                return AKD_STORE_EXISTS;
        if (rc != SQLITE_DONE || (s = stmt(c, Q_ACCOUNT_INSERT)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(s, 1, acc->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, acc->email, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, acc->created_at);
        bind_credential(s, 4, &acc->password);
        if (acc->has_recovery)
                bind_credential(s, 11, &acc->recovery);
        return step_done(c, s) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

static enum akd_store_result sq_account_create(struct akd_store *st, const struct akd_account *acc)
{
        struct account_job j = {.job.run = run_account_create, .acc = acc};
        return run_sync((struct sqlite_store *)st, &j.job);
}

/* One account by email or id (query q). */
static enum akd_store_result account_lookup(struct akd_store *st, enum query q, const char *key,
                                            struct akd_account *out)
{
        struct sqlite_store *s = (struct sqlite_store *)st;
        struct conn *c = reader_get(s);
        enum akd_store_result r = AKD_STORE_ERROR;
        sqlite3_stmt *q_st;
        if (c == NULL || (q_st = stmt(c, q)) == NULL)
                goto done;
        sqlite3_bind_text(q_st, 1, key, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q_st);
        if (rc == SQLITE_DONE) {
                r = AKD_STORE_NOT_FOUND;
        } else if (rc == SQLITE_ROW) {
                memset(out, 0, sizeof(*out));
                column_text(q_st, 0, out->id, sizeof(out->id));
                column_text(q_st, 1, out->email, sizeof(out->email));
                out->created_at = sqlite3_column_int64(q_st, 2);
                if (read_credential(q_st, 3, &out->password)) {
                        out->has_recovery = read_credential(q_st, 10, &out->recovery);
                        r = AKD_STORE_OK;
                } else {
                        akd_log_event("store: account %s: malformed credential", out->id);
                }
        } else {
                log_db_error(c->db, "account");
        }
        sqlite3_reset(q_st);
done:
        reader_put(s, c);
        return r;
}

static enum akd_store_result sq_account_by_email(struct akd_store *st, const char *email,
                                                 struct akd_account *out)
{
        return account_lookup(st, Q_ACCOUNT_BY_EMAIL, email, out);
}

static enum akd_store_result sq_account_by_id(struct akd_store *st, const char *id,
                                              struct akd_account *out)
{
        return account_lookup(st, Q_ACCOUNT_BY_ID, id, out);
}

struct credentials_job {
        struct job job;
        const char *account_id;
        const struct akd_credential *password;
        enum akd_recovery_change change;
        const struct akd_credential *recovery;
        const uint8_t *keep_hash;
};

static enum akd_store_result run_credentials_set(struct conn *c, struct job *j)
{
        struct credentials_job *cj = (struct credentials_job *)j;
        sqlite3_stmt *s = stmt(c, Q_ACCOUNT_SET_PASSWORD);
        if (s == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(s, 1, cj->account_id, -1, SQLITE_STATIC);
        bind_credential(s, 2, cj->password);
        if (step_done(c, s) != 0)
                return AKD_STORE_ERROR;
        if (sqlite3_changes(c->db) == 0)
                return AKD_STORE_NOT_FOUND;
        if (cj->change != AKD_RECOVERY_KEEP) {
                if ((s = stmt(c, Q_ACCOUNT_SET_RECOVERY)) == NULL)
                        return AKD_STORE_ERROR;
                sqlite3_bind_text(s, 1, cj->account_id, -1, SQLITE_STATIC);
                if (cj->change == AKD_RECOVERY_REPLACE)
                        bind_credential(s, 2, cj->recovery); /* REMOVE leaves them NULL */
                if (step_done(c, s) != 0)
                        return AKD_STORE_ERROR;
        }
        if ((s = stmt(c, Q_SESSION_DELETE_OTHERS)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(s, 1, cj->account_id, -1, SQLITE_STATIC);
        sqlite3_bind_blob(s, 2, cj->keep_hash, AKD_TOKEN_HASH_LEN, SQLITE_STATIC);
        j->drops_sessions = true;
        return step_done(c, s) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

static enum akd_store_result sq_credentials_set(struct akd_store *st, const char *account_id,
                                                const struct akd_credential *password,
                                                enum akd_recovery_change change,
                                                const struct akd_credential *recovery,
                                                const uint8_t keep_token_hash[AKD_TOKEN_HASH_LEN])
{
        struct credentials_job j = {.job.run = run_credentials_set,
                                    .account_id = account_id,
                                    .password = password,
                                    .change = change,
                                    .recovery = recovery,
                                    .keep_hash = keep_token_hash};
        return run_sync((struct sqlite_store *)st, &j.job);
}

/* ---- sessions ---- */

struct session_job {
        struct job job;
        const uint8_t *hash;
        const char *account_id;
        const struct akd_session *session;
};

static enum akd_store_result run_session_create(struct conn *c, struct job *j)
{
        struct session_job *sj = (struct session_job *)j;
        sqlite3_stmt *s = stmt(c, Q_SESSION_INSERT);
        if (s == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_blob(s, 1, sj->hash, AKD_TOKEN_HASH_LEN, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, sj->session->account_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, sj->session->recovery ? 1 : 0);
        sqlite3_bind_int64(s, 4, sj->session->created_at);
        sqlite3_bind_int64(s, 5, sj->session->expires_at);
        return step_done(c, s) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

static enum akd_store_result sq_session_create(struct akd_store *st,
                                               const uint8_t hash[AKD_TOKEN_HASH_LEN],
                                               const struct akd_session *session)
{
        struct session_job j = {.job.run = run_session_create, .hash = hash, .session = session};
        return run_sync((struct sqlite_store *)st, &j.job);
}

static enum akd_store_result sq_session_get(struct akd_store *st,
                                            const uint8_t hash[AKD_TOKEN_HASH_LEN], int64_t now,
                                            struct akd_session *out)
{
        struct sqlite_store *s = (struct sqlite_store *)st;
        struct akd_session cached;
        if (session_cache_get(&s->session_cache, hash, &cached)) {
                if (cached.expires_at <= now)
                        return AKD_STORE_NOT_FOUND;
                *out = cached;
                return AKD_STORE_OK;
        }
        uint64_t generation = cache_generation(&s->session_cache);
        struct conn *c = reader_get(s);
        enum akd_store_result r = AKD_STORE_ERROR;
        sqlite3_stmt *q;
        if (c == NULL || (q = stmt(c, Q_SESSION_GET)) == NULL)
                goto done;
        sqlite3_bind_blob(q, 1, hash, AKD_TOKEN_HASH_LEN, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
                struct akd_session ses;
                column_text(q, 0, ses.account_id, sizeof(ses.account_id));
                ses.recovery = sqlite3_column_int(q, 1) != 0;
                ses.created_at = sqlite3_column_int64(q, 2);
                ses.expires_at = sqlite3_column_int64(q, 3);
                if (ses.expires_at > now) {
                        *out = ses;
                        r = AKD_STORE_OK;
                        session_cache_put(&s->session_cache, generation, hash, &ses);
                } else {
                        r = AKD_STORE_NOT_FOUND;
                }
        } else if (rc == SQLITE_DONE) {
                r = AKD_STORE_NOT_FOUND;
        } else {
                log_db_error(c->db, "session");
        }
        sqlite3_reset(q);
done:
        reader_put(s, c);
        return r;
}

static enum akd_store_result run_session_delete(struct conn *c, struct job *j)
{
        struct session_job *sj = (struct session_job *)j;
        sqlite3_stmt *s = stmt(c, sj->hash != NULL ? Q_SESSION_DELETE : Q_SESSION_DELETE_ALL);
        if (s == NULL)
                return AKD_STORE_ERROR;
        if (sj->hash != NULL)
                sqlite3_bind_blob(s, 1, sj->hash, AKD_TOKEN_HASH_LEN, SQLITE_STATIC);
        else
                sqlite3_bind_text(s, 1, sj->account_id, -1, SQLITE_STATIC);
        if (step_done(c, s) != 0)
                return AKD_STORE_ERROR;
        j->drops_sessions = true;
        return sqlite3_changes(c->db) > 0 ? AKD_STORE_OK : AKD_STORE_NOT_FOUND;
}

static enum akd_store_result sq_session_delete(struct akd_store *st,
                                               const uint8_t hash[AKD_TOKEN_HASH_LEN])
{
        struct session_job j = {.job.run = run_session_delete, .hash = hash};
        return run_sync((struct sqlite_store *)st, &j.job);
}

static enum akd_store_result sq_session_delete_all(struct akd_store *st, const char *account_id)
{
        struct session_job j = {.job.run = run_session_delete, .account_id = account_id};
        enum akd_store_result r = run_sync((struct sqlite_store *)st, &j.job);
        return r == AKD_STORE_NOT_FOUND ? AKD_STORE_OK : r;
}

static enum akd_store_result sq_session_count(struct akd_store *st, const char *account_id,
                                              int64_t now, unsigned *count)
{
        struct sqlite_store *s = (struct sqlite_store *)st;
        struct conn *c = reader_get(s);
        enum akd_store_result r = AKD_STORE_ERROR;
        sqlite3_stmt *q;
        if (c == NULL || (q = stmt(c, Q_SESSION_COUNT)) == NULL)
                goto done;
        sqlite3_bind_text(q, 1, account_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, now);
        if (sqlite3_step(q) == SQLITE_ROW) {
                *count = (unsigned)sqlite3_column_int64(q, 0);
                r = AKD_STORE_OK;
        } else {
                log_db_error(c->db, "sessions");
        }
        sqlite3_reset(q);
done:
        reader_put(s, c);
        return r;
}

/* ---- backups ---- */

/* Reads deleted_at, deleted_device_id, deleted_device_name from `first`. */
static void read_deleted(sqlite3_stmt *q, int first, uint64_t latest, struct akd_backup_deleted *d)
{
        memset(d, 0, sizeof(*d));
        d->deleted_at = sqlite3_column_int64(q, first);
        column_text(q, first + 1, d->device_id, sizeof(d->device_id));
        column_text(q, first + 2, d->device_name, sizeof(d->device_name));
        d->latest_version = latest;
}

/* Reads version, device_id, device_name, created_at, size from `first`. */
static void read_meta(sqlite3_stmt *q, int first, struct akd_backup_meta *m)
{
        memset(m, 0, sizeof(*m));
        m->version = (uint64_t)sqlite3_column_int64(q, first);
        column_text(q, first + 1, m->device_id, sizeof(m->device_id));
        column_text(q, first + 2, m->device_name, sizeof(m->device_name));
        m->created_at = sqlite3_column_int64(q, first + 3);
        m->size = (size_t)sqlite3_column_int64(q, first + 4);
}

struct put_job {
        struct job job;
        struct akd_backup_put *put;
};

static enum akd_store_result run_backup_put(struct conn *c, struct job *j)
{
        struct akd_backup_put *p = ((struct put_job *)j)->put;
        sqlite3_stmt *s = stmt(c, Q_BACKUP_STATE);
        if (s == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(s, 1, p->account_id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) {
                sqlite3_reset(s);
                return rc == SQLITE_DONE ? AKD_STORE_NOT_FOUND : AKD_STORE_ERROR;
        }
        uint64_t latest = (uint64_t)sqlite3_column_int64(s, 0);
        bool deleted = sqlite3_column_type(s, 1) != SQLITE_NULL;
        if (deleted)
                read_deleted(s, 1, latest, &p->deleted);
        sqlite3_reset(s);

        if (deleted && p->replaces_version != 0 && p->replaces_version != latest)
                return AKD_STORE_DELETED;
        if (!deleted && p->replaces_version != latest) {
                if ((s = stmt(c, Q_BACKUP_META)) == NULL)
                        return AKD_STORE_ERROR;
                sqlite3_bind_text(s, 1, p->account_id, -1, SQLITE_STATIC);
                sqlite3_bind_int64(s, 2, (sqlite3_int64)latest);
                memset(&p->latest, 0, sizeof(p->latest));
                p->latest.version = latest;
                if (sqlite3_step(s) == SQLITE_ROW)
                        read_meta(s, 0, &p->latest);
                sqlite3_reset(s);
                return AKD_STORE_CONFLICT;
        }

        /* Always replaces_version + 1: the device sealed the envelope with it. */
        uint64_t version = p->replaces_version + 1;
        if ((s = stmt(c, Q_BACKUP_INSERT)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(s, 1, p->account_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, (sqlite3_int64)version);
        sqlite3_bind_text(s, 3, p->device_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, p->device_name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, p->now);
        sqlite3_bind_int64(s, 6, (sqlite3_int64)p->envelope_len);
        sqlite3_bind_blob(s, 7, p->envelope, (int)p->envelope_len, SQLITE_STATIC);
        if (step_done(c, s) != 0)
                return AKD_STORE_ERROR;
        if (version > p->keep_versions) {
                if ((s = stmt(c, Q_BACKUP_PRUNE)) == NULL)
                        return AKD_STORE_ERROR;
                sqlite3_bind_text(s, 1, p->account_id, -1, SQLITE_STATIC);
                sqlite3_bind_int64(s, 2, (sqlite3_int64)(version - p->keep_versions));
                if (step_done(c, s) != 0)
                        return AKD_STORE_ERROR;
        }
        if ((s = stmt(c, Q_BACKUP_SET_LATEST)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(s, 1, p->account_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, (sqlite3_int64)version);
        if (step_done(c, s) != 0)
                return AKD_STORE_ERROR;
        p->version = version;
        j->backup_account = p->account_id;
        return AKD_STORE_OK;
}

static void put_done(struct job *j)
{
        struct put_job *pj = (struct put_job *)j;
        struct akd_backup_put *p = pj->put;
        p->result = j->result;
        free(pj);
        p->done(p);
}

static void sq_backup_put(struct akd_store *st, struct akd_backup_put *put)
{
        struct put_job *pj = calloc(1, sizeof(*pj));
        if (pj == NULL) {
                put->result = AKD_STORE_ERROR;
                put->done(put);
                return;
        }
        pj->job.run = run_backup_put;
        pj->job.done = put_done;
        pj->put = put;
        submit((struct sqlite_store *)st, &pj->job);
}

static enum akd_store_result sq_backup_get(struct akd_store *st, const char *account_id,
                                           uint64_t version, struct akd_backup_meta *meta,
                                           uint8_t **envelope, struct akd_backup_deleted *deleted)
{
        struct sqlite_store *s = (struct sqlite_store *)st;
        if (version == 0 && backup_cache_get(&s->backup_cache, account_id, meta, envelope))
                return AKD_STORE_OK;
        uint64_t generation = cache_generation(&s->backup_cache);
        struct conn *c = reader_get(s);
        enum akd_store_result r = AKD_STORE_ERROR;
        sqlite3_stmt *q;
        if (c == NULL || (q = stmt(c, Q_BACKUP_GET)) == NULL)
                goto done;
        sqlite3_bind_text(q, 1, account_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)version);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_DONE) {
                r = AKD_STORE_NOT_FOUND;
        } else if (rc != SQLITE_ROW) {
                log_db_error(c->db, "backup");
        } else if (sqlite3_column_type(q, 1) != SQLITE_NULL) {
                read_deleted(q, 1, (uint64_t)sqlite3_column_int64(q, 0), deleted);
                r = AKD_STORE_DELETED;
        } else if (sqlite3_column_type(q, 4) == SQLITE_NULL) {
                r = AKD_STORE_NOT_FOUND;
        } else {
                read_meta(q, 4, meta);
                const void *blob = sqlite3_column_blob(q, 9);
                size_t n = (size_t)sqlite3_column_bytes(q, 9);
                uint8_t *copy = malloc(n > 0 ? n : 1);
                if (copy != NULL) {
                        if (n > 0)
                                memcpy(copy, blob, n);
                        meta->size = n;
                        *envelope = copy;
                        r = AKD_STORE_OK;
                        if (meta->version == (uint64_t)sqlite3_column_int64(q, 0))
                                backup_cache_put(&s->backup_cache, generation, account_id, meta,
                                                 copy);
                }
        }
        sqlite3_reset(q);
done:
        reader_put(s, c);
        return r;
}

static enum akd_store_result sq_backup_list(struct akd_store *st, const char *account_id,
                                            struct akd_backup_meta **list, size_t *count,
                                            struct akd_backup_deleted *deleted)
{
        struct sqlite_store *s = (struct sqlite_store *)st;
        struct conn *c = reader_get(s);
        enum akd_store_result r = AKD_STORE_ERROR;
        struct akd_backup_meta *items = NULL;
        size_t n = 0, cap = 0;
        sqlite3_stmt *q;
        bool in_tx = false;
        if (c == NULL || simple(c, Q_BEGIN_READ) != 0)
                goto done;
        in_tx = true;
        if ((q = stmt(c, Q_BACKUP_STATE)) == NULL)
                goto done;
        sqlite3_bind_text(q, 1, account_id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        if (rc != SQLITE_ROW) {
                sqlite3_reset(q);
                r = rc == SQLITE_DONE ? AKD_STORE_NOT_FOUND : AKD_STORE_ERROR;
                goto done;
        }
        if (sqlite3_column_type(q, 1) != SQLITE_NULL) {
                read_deleted(q, 1, (uint64_t)sqlite3_column_int64(q, 0), deleted);
                sqlite3_reset(q);
                r = AKD_STORE_DELETED;
                goto done;
        }
        sqlite3_reset(q);
        if ((q = stmt(c, Q_BACKUP_LIST)) == NULL)
                goto done;
        sqlite3_bind_text(q, 1, account_id, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
                if (n == cap) {
                        size_t ncap = cap ? cap * 2 : 16;
                        struct akd_backup_meta *grown = realloc(items, ncap * sizeof(*items));
                        if (grown == NULL) {
                                sqlite3_reset(q);
                                goto done;
                        }
                        items = grown;
                        cap = ncap;
                }
                read_meta(q, 0, &items[n++]);
        }
        sqlite3_reset(q);
        if (rc != SQLITE_DONE)
                goto done;
        *list = items;
        *count = n;
        items = NULL;
        r = AKD_STORE_OK;
done:
        if (in_tx)
                simple(c, Q_COMMIT);
        free(items);
        reader_put(s, c);
        return r;
}

struct delete_job {
        struct job job;
        const char *account_id, *device_id, *device_name;
        int64_t now;
};

static enum akd_store_result run_backup_delete(struct conn *c, struct job *j)
{
        struct delete_job *dj = (struct delete_job *)j;
        sqlite3_stmt *s = stmt(c, Q_BACKUP_STATE);
        if (s == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(s, 1, dj->account_id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(s);
        uint64_t latest = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(s, 0) : 0;
        bool deleted = rc == SQLITE_ROW && sqlite3_column_type(s, 1) != SQLITE_NULL;
        sqlite3_reset(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                return AKD_STORE_ERROR;
        if (deleted)
                return AKD_STORE_DELETED;
        if (latest == 0)
                return AKD_STORE_NOT_FOUND;
        if ((s = stmt(c, Q_BACKUP_DELETE_ALL)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(s, 1, dj->account_id, -1, SQLITE_STATIC);
        if (step_done(c, s) != 0 || (s = stmt(c, Q_BACKUP_SET_DELETED)) == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_text(s, 1, dj->account_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, dj->now);
        sqlite3_bind_text(s, 3, dj->device_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, dj->device_name, -1, SQLITE_STATIC);
        j->backup_account = dj->account_id;
        return step_done(c, s) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

static enum akd_store_result sq_backup_delete(struct akd_store *st, const char *account_id,
                                              const char *device_id, const char *device_name,
                                              int64_t now)
{
        struct delete_job j = {.job.run = run_backup_delete,
                               .account_id = account_id,
                               .device_id = device_id,
                               .device_name = device_name,
                               .now = now};
        return run_sync((struct sqlite_store *)st, &j.job);
}

/* ---- opening and closing ---- */

static enum akd_store_result sq_health(struct akd_store *st)
{
        struct sqlite_store *s = (struct sqlite_store *)st;
        struct conn *c = reader_get(s);
        enum akd_store_result r = AKD_STORE_ERROR;
        sqlite3_stmt *q;
        if (c != NULL && (q = stmt(c, Q_HEALTH)) != NULL) {
                if (sqlite3_step(q) == SQLITE_ROW)
                        r = AKD_STORE_OK;
                sqlite3_reset(q);
        }
        reader_put(s, c);
        return r;
}

static void sq_close(struct akd_store *st)
{
        struct sqlite_store *s = (struct sqlite_store *)st;
        if (s == NULL)
                return;
        if (s->writer_started) {
                pthread_mutex_lock(&s->queue_lock);
                s->stopping = true;
                pthread_cond_signal(&s->queue_cond);
                pthread_mutex_unlock(&s->queue_lock);
                pthread_join(s->writer_thread, NULL);
        }
        while (s->readers != NULL) {
                struct conn *c = s->readers;
                s->readers = c->next;
                conn_close(c);
        }
        conn_close(s->writer);
        cache_clear_locked(&s->session_cache);
        cache_clear_locked(&s->backup_cache);
        pthread_mutex_destroy(&s->session_cache.lock);
        pthread_mutex_destroy(&s->backup_cache.lock);
        if (s->lock_fd >= 0)
                close(s->lock_fd); /* releases the lock */
        pthread_mutex_destroy(&s->pool_lock);
        pthread_mutex_destroy(&s->queue_lock);
        pthread_cond_destroy(&s->queue_cond);
        free(s->path);
        free(s);
}

static const struct akd_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .health = sq_health,
    .account_create = sq_account_create,
    .account_by_email = sq_account_by_email,
    .account_by_id = sq_account_by_id,
    .credentials_set = sq_credentials_set,
    .session_create = sq_session_create,
    .session_get = sq_session_get,
    .session_delete = sq_session_delete,
    .session_delete_all = sq_session_delete_all,
    .session_count = sq_session_count,
    .backup_put = sq_backup_put,
    .backup_get = sq_backup_get,
    .backup_list = sq_backup_list,
    .backup_delete = sq_backup_delete,
};

/* Creates the schema in a new database, or checks the version of an old one. */
static int schema_prepare(sqlite3 *db, char *err, size_t errlen)
{
        sqlite3_stmt *q;
        int version = -1;
        if (exec(db, "BEGIN IMMEDIATE") != 0) {
                snprintf(err, errlen, "cannot lock the database: %s", sqlite3_errmsg(db));
                return -1;
        }
        if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK) {
                if (sqlite3_step(q) == SQLITE_ROW)
                        version = sqlite3_column_int(q, 0);
                sqlite3_finalize(q);
        }
        if (version == 0 && exec(db, schema_sql) != 0) {
                snprintf(err, errlen, "cannot create the schema: %s", sqlite3_errmsg(db));
                exec(db, "ROLLBACK");
                return -1;
        }
        if (version < 0 || version > SCHEMA_VERSION) {
                snprintf(err, errlen,
                         version < 0 ? "not an SQLite database"
                                     : "the database was written by a newer authkeepd (schema %d)",
                         version);
                exec(db, "ROLLBACK");
                return -1;
        }
        if (exec(db, "COMMIT") != 0) {
                snprintf(err, errlen, "cannot commit the schema: %s", sqlite3_errmsg(db));
                return -1;
        }
        return 0;
}

struct akd_store *akd_store_sqlite_open(const char *path, char *err, size_t errlen)
{
        struct sqlite_store *s = calloc(1, sizeof(*s));
        if (s == NULL || (s->path = strdup(path)) == NULL) {
                snprintf(err, errlen, "out of memory");
                free(s);
                return NULL;
        }
        s->base.ops = &sqlite_ops;
        s->lock_fd = -1;
        pthread_mutex_init(&s->pool_lock, NULL);
        pthread_mutex_init(&s->session_cache.lock, NULL);
        pthread_mutex_init(&s->backup_cache.lock, NULL);
        pthread_mutex_init(&s->queue_lock, NULL);
        pthread_cond_init(&s->queue_cond, NULL);

        /* One process per database: the caches rely on it. */
        char lock_path[4096];
        snprintf(lock_path, sizeof(lock_path), "%s.lock", path);
        s->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (s->lock_fd < 0) {
                snprintf(err, errlen, "cannot open %s: %s", lock_path, strerror(errno));
                goto fail;
        }
        if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
                snprintf(err, errlen, "%s is in use by another authkeepd", path);
                goto fail;
        }
        s->writer = conn_open(path, true, err, errlen);
        if (s->writer == NULL)
                goto fail;
        char *mode = NULL;
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(s->writer->db, "PRAGMA journal_mode = WAL", -1, &q, NULL) ==
            SQLITE_OK) {
                if (sqlite3_step(q) == SQLITE_ROW)
                        mode = strdup((const char *)sqlite3_column_text(q, 0));
                sqlite3_finalize(q);
        }
        bool wal = mode != NULL && strcmp(mode, "wal") == 0;
        free(mode);
        if (!wal) {
                snprintf(err, errlen, "%s: cannot switch to WAL mode (%s)", path,
                         sqlite3_errmsg(s->writer->db));
                goto fail;
        }
        if (schema_prepare(s->writer->db, err, errlen) != 0)
                goto fail;
        if (pthread_create(&s->writer_thread, NULL, writer_main, s) != 0) {
                snprintf(err, errlen, "cannot start the writer thread");
                goto fail;
        }
        s->writer_started = true;
        return &s->base;
fail:
        sq_close(&s->base);
        return NULL;
}

struct akd_store *akd_store_open(const char *url, char *err, size_t errlen)
{
        if (strncmp(url, "sqlite:", 7) == 0 && url[7] != '\0')
                return akd_store_sqlite_open(url + 7, err, errlen);
        snprintf(err, errlen, "--db: '%.100s' is not supported (use sqlite:PATH)", url);
        return NULL;
}
