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
 * This process must be the database's only writer of what store.c caches
 * (sessions, latest backups), for the caches to stay right: an exclusive
 * lock on PATH.lock makes sure, and the writer tells the caches what each
 * commit changed before its requests are answered.
 *
 * The shared open mode (akd_store_sqlite_open_shared) is for `authkeepd
 * admin`, which runs beside a serving authkeepd: it takes no lock, and
 * writes only organisations, work users (accounts rows with org_id, which
 * never have sessions or backups), their devices and activation codes,
 * none of which the server caches: a device is read from the database at
 * every call. SQLite's own locking and the busy timeout order its writes
 * with the server's.
 *
 * The schema and its migrations are in store_sqlite_schema.c.
 * What each operation reads and writes is in store_sqlite_query.c, and
 * store_sqlite_signin.c for the counts of failed sign-ins, and
 * store_sqlite_devices.c for devices, push sign-in requests and events,
 * and store_sqlite_portal.c for the sessions of the account page.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_sqlite.h"

#define BUSY_TIMEOUT_MS 10000
#define SESSION_SWEEP_SECONDS 600

#define CRED_COLS(p)                                                                               \
        p "kdf_salt, " p "kdf_ops, " p "kdf_mem, " p "srp_salt, " p "srp_verifier, " p             \
          "wrap_nonce, " p "wrap_ct"
#define ACCOUNT_COLS "id, email, created_at, " CRED_COLS("pw_") ", " CRED_COLS("rec_")
/*
 * What a lookup reads: the columns above, the credential generation (column
 * 17), and for a work user its organisation and removal (columns 18, 19).
 */
#define ACCOUNT_READ_COLS ACCOUNT_COLS ", generation, org_id, removed_at"

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
    [Q_ACCOUNT_BY_EMAIL] = "SELECT " ACCOUNT_READ_COLS " FROM accounts WHERE email = ?1",
    [Q_ACCOUNT_BY_ID] = "SELECT " ACCOUNT_READ_COLS " FROM accounts WHERE id = ?1",
    [Q_ACCOUNT_GENERATION] = "SELECT generation FROM accounts WHERE id = ?1",
    [Q_ACCOUNT_BUMP_GENERATION] = "UPDATE accounts SET generation = generation + 1 WHERE id = ?1",
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
    [Q_SERVER_KEY_ADD] = "INSERT OR IGNORE INTO server_keys (name, value) VALUES (?1, ?2)",
    [Q_SERVER_KEY_GET] = "SELECT value FROM server_keys WHERE name = ?1",
    /* The scopes are enum akd_fail_scope's numbers; 3 is the address's last sign-in. */
    [Q_SIGNIN_COUNTS] = "SELECT CASE WHEN account_id = '' THEN 2 WHEN address = '' THEN 1 "
                        "ELSE 0 END, failures, last_failure FROM signin_failures "
                        "WHERE (account_id = ?1 AND address IN (?2, '')) "
                        "OR (account_id = '' AND address = ?2) "
                        "UNION ALL SELECT 3, 0, signed_in_at FROM signin_addresses "
                        "WHERE account_id = ?1 AND address = ?2",
    [Q_SIGNIN_COUNT_GET] = "SELECT failures, last_failure FROM signin_failures "
                           "WHERE account_id = ?1 AND address = ?2",
    [Q_SIGNIN_COUNT_PUT] = "INSERT OR REPLACE INTO signin_failures (account_id, address, "
                           "failures, last_failure) VALUES (?1, ?2, ?3, ?4)",
    [Q_SIGNIN_COUNT_DELETE] = "DELETE FROM signin_failures WHERE account_id = ?1 AND "
                              "address = ?2",
    [Q_SIGNIN_COUNT_SWEEP] = "DELETE FROM signin_failures WHERE last_failure < ?1",
    [Q_SIGNIN_ADDRESS_PUT] = "INSERT OR REPLACE INTO signin_addresses (account_id, address, "
                             "signed_in_at) VALUES (?1, ?2, ?3)",
    [Q_SIGNIN_ADDRESS_SWEEP] = "DELETE FROM signin_addresses WHERE account_id = ?1 AND "
                               "signed_in_at < ?2",
#define DEVICE_COLS                                                                                \
        "id, account_id, name, public_key, totp_secret, last_step, registered_at, last_used, "     \
        "verified_at"
    [Q_DEVICE_GET] = "SELECT " DEVICE_COLS " FROM devices WHERE id = ?1 AND removed_at IS NULL",
    [Q_DEVICE_OWNER] = "SELECT account_id FROM devices WHERE id = ?1 AND removed_at IS NULL",
    [Q_DEVICE_COUNT] = "SELECT count(*) FROM devices WHERE account_id = ?1 AND removed_at IS NULL "
                       "AND id <> ?2",
    /* A device registered again keeps its place in the list; its secret's steps start over. */
    [Q_DEVICE_PUT] = "INSERT INTO devices (" DEVICE_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, 0, "
                     "?7) "
                     "ON CONFLICT (id) DO UPDATE SET registered_at = CASE WHEN "
                     "devices.removed_at IS NULL AND devices.account_id = excluded.account_id "
                     "THEN devices.registered_at ELSE excluded.registered_at END, "
                     "account_id = excluded.account_id, name = excluded.name, "
                     "public_key = excluded.public_key, totp_secret = excluded.totp_secret, "
                     "last_step = 0, removed_at = NULL, verified_at = excluded.verified_at "
                     "RETURNING registered_at",
    [Q_DEVICE_LIST] = "SELECT " DEVICE_COLS " FROM devices WHERE account_id = ?1 AND "
                      "removed_at IS NULL ORDER BY registered_at, rowid",
    [Q_DEVICE_REMOVE] = "UPDATE devices SET removed_at = ?3 WHERE account_id = ?1 AND id = ?2 "
                        "AND removed_at IS NULL",
    [Q_DEVICE_TOUCH] = "UPDATE devices SET last_used = ?2 WHERE id = ?1 AND last_used < ?2",
    [Q_TOTP_ACCEPT] = "UPDATE devices SET last_step = ?3, last_used = max(last_used, ?4) "
                      "WHERE account_id = ?1 AND id = ?2 AND removed_at IS NULL AND last_step < ?3",
    [Q_EVENT_ADD] = "INSERT INTO events (account_id, at, kind, device_id, from_addr, app) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_EVENT_ADD_SIGNIN] = "INSERT INTO events (account_id, at, kind, device_id, from_addr, app) "
                           "SELECT account_id, ?2, ?3, ?4, from_addr, app FROM signin_requests "
                           "WHERE id = ?1",
    [Q_EVENT_LIST] = "SELECT at, kind, device_id, from_addr, app FROM events WHERE account_id = ?1 "
                     "ORDER BY at DESC, rowid DESC LIMIT 100",
    [Q_PUSH_MUTED] = "SELECT push_muted_until FROM accounts WHERE id = ?1",
    [Q_PUSH_MUTE] = "UPDATE accounts SET push_muted_until = ?2 WHERE id = ?1",
    [Q_PUSH_RECENT] = "SELECT count(*) FROM signin_requests WHERE account = ?1 AND created_at > ?2",
    [Q_PUSH_REPLACE] = "UPDATE signin_requests SET state = 'expired' WHERE account = ?1 AND "
                       "state = 'pending' RETURNING id",
#define PUSH_COLS                                                                                  \
        "id, account_id, nonce, number, origin, account, from_addr, app, created_at, expires_at, " \
        "state"
    [Q_PUSH_INSERT] = "INSERT INTO signin_requests (" PUSH_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, "
                      "?6, ?7, ?8, ?9, ?10, 'pending')",
    [Q_PUSH_SWEEP] = "DELETE FROM signin_requests WHERE expires_at < ?1",
    [Q_PUSH_GET] = "SELECT " PUSH_COLS " FROM signin_requests WHERE id = ?1",
    [Q_PUSH_PENDING] = "SELECT " PUSH_COLS " FROM signin_requests WHERE account_id = ?1 AND "
                       "state = 'pending' AND expires_at > ?2 ORDER BY created_at, rowid",
    [Q_PUSH_ANSWER] = "UPDATE signin_requests SET state = ?2, device_id = ?3, answered_at = ?4 "
                      "WHERE id = ?1 AND account_id = ?5 AND state = 'pending' AND expires_at > ?4",
    /* Verification after recovery (store_sqlite_verify.c). */
    [Q_DEVICE_KEY] = "SELECT public_key, verified_at FROM devices WHERE id = ?1 AND "
                     "account_id = ?2 AND removed_at IS NULL",
    /* What vouches for an account besides its password: verified devices, contacts. */
    [Q_DEVICE_VOUCHED] = "SELECT (SELECT count(*) FROM devices WHERE account_id = ?1 AND "
                         "removed_at IS NULL AND verified_at IS NOT NULL AND id <> ?2) + "
                         "(SELECT count(*) FROM contacts WHERE account_id = ?1)",
    [Q_DEVICE_VERIFY] = "UPDATE devices SET verified_at = ?3 WHERE account_id = ?1 AND id = ?2 "
                        "AND removed_at IS NULL AND verified_at IS NULL",
    [Q_CONTACT_LIST] = "SELECT kind, value, added_at FROM contacts WHERE account_id = ?1 "
                       "ORDER BY added_at, value",
    [Q_CONTACT_COUNT] = "SELECT count(*) FROM contacts WHERE account_id = ?1",
    [Q_CONTACT_ADD] = "INSERT INTO contacts (account_id, kind, value, added_at) VALUES "
                      "(?1, ?2, ?3, ?4) ON CONFLICT DO UPDATE SET kind = excluded.kind "
                      "RETURNING added_at",
    [Q_CONTACT_REMOVE] = "DELETE FROM contacts WHERE account_id = ?1 AND value = ?2",
    [Q_CODE_SENT] = "SELECT count(*), coalesce(max(at), 0), coalesce(min(at), 0) FROM "
                    "verify_sends WHERE account_id = ?1 AND at > ?2",
    [Q_CODE_PUT] = "INSERT OR REPLACE INTO verify_codes (account_id, purpose, target, kind, "
                   "destination, code_hash, created_at, expires_at, tries) VALUES (?1, ?2, ?3, "
                   "?4, ?5, ?6, ?7, ?8, 0)",
    [Q_CODE_SEND] = "INSERT INTO verify_sends (account_id, at) VALUES (?1, ?2)",
    [Q_CODE_SENDS_SWEEP] = "DELETE FROM verify_sends WHERE at < ?1",
    [Q_CODE_GET] = "SELECT kind, destination, code_hash, expires_at, tries FROM verify_codes "
                   "WHERE account_id = ?1 AND purpose = ?2 AND target = ?3",
    [Q_CODE_TRY] = "UPDATE verify_codes SET tries = tries + 1 WHERE account_id = ?1 AND "
                   "purpose = ?2 AND target = ?3",
    [Q_CODE_DELETE] = "DELETE FROM verify_codes WHERE account_id = ?1 AND purpose = ?2 AND "
                      "target = ?3",
    /* Sessions of the account page (store_sqlite_portal.c). */
    [Q_PORTAL_INSERT] = "INSERT INTO portal_sessions (token_hash, account_id, csrf, created_at, "
                        "expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_PORTAL_GET] = "SELECT account_id, csrf, created_at, expires_at FROM portal_sessions "
                     "WHERE token_hash = ?1",
    [Q_PORTAL_DELETE] = "DELETE FROM portal_sessions WHERE token_hash = ?1",
    [Q_PORTAL_DELETE_ACCOUNT] = "DELETE FROM portal_sessions WHERE account_id = ?1",
    [Q_PORTAL_SWEEP] = "DELETE FROM portal_sessions WHERE expires_at <= ?1",
    [Q_PORTAL_USE_SIGNIN] = "UPDATE signin_requests SET used_at = ?2 WHERE id = ?1 AND "
                            "state = 'approved' AND used_at IS NULL AND account_id <> '' AND "
                            "expires_at + ?3 > ?2 RETURNING account_id",
    [Q_PORTAL_SIGNIN_STATE] = "SELECT state, used_at FROM signin_requests WHERE id = ?1",
    [Q_CODE_UNSEND] = "DELETE FROM verify_sends WHERE rowid = (SELECT max(rowid) FROM "
                      "verify_sends WHERE account_id = ?1 AND at = ?2)",
    /* State shared by several processes (store_sqlite_shared.c). */
    [Q_LOGIN_SWEEP] = "DELETE FROM srp_logins WHERE expires_at <= ?1",
    [Q_LOGIN_COUNTS] = "SELECT (SELECT count(*) FROM srp_logins), (SELECT count(*) FROM "
                       "srp_logins WHERE account_id = ?1), (SELECT count(*) FROM srp_logins "
                       "WHERE address = ?2)",
    [Q_LOGIN_INSERT] = "INSERT INTO srp_logins (id, account_id, address, recovery, fake, "
                       "generation, expires_at, sealed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [Q_LOGIN_TAKE] = "DELETE FROM srp_logins WHERE id = ?1 RETURNING account_id, address, "
                     "recovery, fake, generation, expires_at, sealed",
    /* ?2 rate, ?3 burst, ?4 now: a token taken only when one is there. */
    [Q_RATE_TAKE] = "INSERT INTO rate_buckets AS b (key, tokens, refilled, full_at) VALUES (?1, "
                    "?3 - 1, ?4, ?4 + 1 / ?2) ON CONFLICT (key) DO UPDATE SET tokens = "
                    "min(?3, b.tokens + max(0, ?4 - b.refilled) * ?2) - 1, refilled = "
                    "max(b.refilled, ?4), full_at = max(b.refilled, ?4) + (?3 - min(?3, "
                    "b.tokens + max(0, ?4 - b.refilled) * ?2) + 1) / ?2 WHERE min(?3, b.tokens + "
                    "max(0, ?4 - b.refilled) * ?2) >= 1 RETURNING tokens",
    [Q_RATE_GET] = "SELECT tokens, refilled FROM rate_buckets WHERE key = ?1",
    [Q_RATE_SWEEP] = "DELETE FROM rate_buckets WHERE full_at <= ?1",
    [Q_WAKE_BUMP] = "INSERT INTO wake_stamps AS w (key, stamp, at) VALUES (?1, ?2, ?3) ON "
                    "CONFLICT (key) DO UPDATE SET stamp = max(w.stamp + 1, excluded.stamp), at = "
                    "excluded.at",
    [Q_WAKE_GET] = "SELECT stamp FROM wake_stamps WHERE key = ?1",
    [Q_WAKE_SWEEP] = "DELETE FROM wake_stamps WHERE at < ?1",
};

/* ---- connections ---- */

void akd_sq_log_error(sqlite3 *db, const char *what)
{
        akd_log_event("store: %s: %s", what, db != NULL ? sqlite3_errmsg(db) : "no database");
}

static void conn_close(struct akd_sq_conn *c)
{
        if (c == NULL)
                return;
        for (int i = 0; i < Q__COUNT; i++)
                sqlite3_finalize(c->st[i]);
        sqlite3_close(c->db);
        free(c);
}

int akd_sq_exec(sqlite3 *db, const char *sql)
{
        return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* Opens a connection (read-only or not) with the pragmas every one needs. */
static struct akd_sq_conn *conn_open(const char *path, bool writable, char *err, size_t errlen)
{
        struct akd_sq_conn *c = calloc(1, sizeof(*c));
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

sqlite3_stmt *akd_sq_stmt(struct akd_sq_conn *c, enum akd_sq_query q)
{
        if (c->st[q] == NULL) {
                if (sqlite3_prepare_v3(c->db, sql_text[q], -1, SQLITE_PREPARE_PERSISTENT, &c->st[q],
                                       NULL) != SQLITE_OK) {
                        akd_sq_log_error(c->db, "prepare");
                        return NULL;
                }
        }
        sqlite3_reset(c->st[q]);
        sqlite3_clear_bindings(c->st[q]);
        return c->st[q];
}

int akd_sq_step_done(struct akd_sq_conn *c, sqlite3_stmt *s)
{
        int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE) {
                akd_sq_log_error(c->db, "step");
                return -1;
        }
        return 0;
}

int akd_sq_simple(struct akd_sq_conn *c, enum akd_sq_query q)
{
        sqlite3_stmt *s = akd_sq_stmt(c, q);
        return s == NULL ? -1 : akd_sq_step_done(c, s);
}

struct akd_sq_conn *akd_sq_reader_get(struct akd_sq_store *s)
{
        pthread_mutex_lock(&s->pool_lock);
        struct akd_sq_conn *c = s->readers;
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

void akd_sq_reader_put(struct akd_sq_store *s, struct akd_sq_conn *c)
{
        if (c == NULL)
                return;
        pthread_mutex_lock(&s->pool_lock);
        c->next = s->readers;
        s->readers = c;
        pthread_mutex_unlock(&s->pool_lock);
}
/* ---- the writer thread and group commit ---- */

void akd_sq_submit(struct akd_sq_store *s, struct akd_sq_job *j)
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
static void run_batch(struct akd_sq_conn *c, struct akd_sq_job *batch)
{
        if (akd_sq_simple(c, Q_BEGIN_WRITE) != 0) {
                for (struct akd_sq_job *j = batch; j != NULL; j = j->next)
                        j->result = AKD_STORE_ERROR;
                return;
        }
        for (struct akd_sq_job *j = batch; j != NULL; j = j->next) {
                if (akd_sq_simple(c, Q_SAVEPOINT) != 0) {
                        j->result = AKD_STORE_ERROR;
                        continue;
                }
                j->result = j->run(c, j);
                if (j->result == AKD_STORE_OK && akd_sq_wake_bump(c, j) != 0)
                        j->result = AKD_STORE_ERROR;
                if (j->result == AKD_STORE_ERROR)
                        akd_sq_simple(c, Q_ROLLBACK_TO);
                akd_sq_simple(c, Q_RELEASE);
        }
        if (akd_sq_simple(c, Q_COMMIT) != 0) {
                akd_sq_simple(c, Q_ROLLBACK);
                for (struct akd_sq_job *j = batch; j != NULL; j = j->next)
                        j->result = AKD_STORE_ERROR;
        }
}

/* After a commit: tells the caches what the batch's successful jobs changed. */
static void drop_cached(struct akd_sq_store *s, struct akd_sq_job *batch)
{
        bool sessions = false;
        for (struct akd_sq_job *j = batch; j != NULL; j = j->next) {
                if (j->result != AKD_STORE_OK)
                        continue;
                sessions |= j->drops_sessions;
                if (j->backup_account != NULL)
                        akd_store_cache_drop_backup(s->cache, j->backup_account);
        }
        if (sessions)
                akd_store_cache_drop_sessions(s->cache);
}

static enum akd_store_result run_sweep(struct akd_sq_conn *c, struct akd_sq_job *j)
{
        sqlite3_stmt *s = akd_sq_stmt(c, Q_SESSION_SWEEP);
        if (s == NULL)
                return AKD_STORE_ERROR;
        sqlite3_bind_int64(s, 1, akd_now());
        return akd_sq_step_done(c, s) == 0 ? AKD_STORE_OK : AKD_STORE_ERROR;
}

static void *writer_main(void *arg)
{
        struct akd_sq_store *s = arg;
        int64_t last_sweep = 0;
        for (;;) {
                pthread_mutex_lock(&s->queue_lock);
                while (s->queue_head == NULL && !s->stopping)
                        pthread_cond_wait(&s->queue_cond, &s->queue_lock);
                struct akd_sq_job *batch = s->queue_head;
                s->queue_head = s->queue_tail = NULL;
                bool stop = s->stopping && batch == NULL;
                pthread_mutex_unlock(&s->queue_lock);
                if (stop)
                        break;

                bool unsynced = true;
                for (struct akd_sq_job *j = batch; j != NULL; j = j->next)
                        unsynced &= j->unsynced;
                if (unsynced)
                        akd_sq_exec(s->writer->db, "PRAGMA synchronous = OFF");
                /* Expired sessions go now and then, inside a batch that commits anyway. */
                struct akd_sq_job sweep = {.run = run_sweep};
                if (akd_now() - last_sweep >= SESSION_SWEEP_SECONDS) {
                        last_sweep = akd_now();
                        sweep.next = batch;
                        run_batch(s->writer, &sweep);
                } else {
                        run_batch(s->writer, batch);
                }
                if (unsynced)
                        akd_sq_exec(s->writer->db, "PRAGMA synchronous = FULL");
                drop_cached(s, batch);
                akd_sq_hint_batch(s, batch);
                /* After a purge, before its answer: no copy of what went is left. */
                for (struct akd_sq_job *j = batch; j != NULL; j = j->next) {
                        if (j->compact && j->result == AKD_STORE_OK) {
                                akd_sq_compact(s);
                                break;
                        }
                }
                while (batch != NULL) {
                        struct akd_sq_job *next = batch->next;
                        batch->done(batch); /* may free the job */
                        batch = next;
                }
        }
        return NULL;
}

static void sync_done(struct akd_sq_job *j)
{
        pthread_mutex_lock(j->wait_lock);
        j->finished = true;
        pthread_cond_signal(j->wait_cond);
        pthread_mutex_unlock(j->wait_lock);
}

enum akd_store_result akd_sq_run_sync(struct akd_sq_store *s, struct akd_sq_job *j)
{
        pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
        pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
        j->wait_lock = &lock;
        j->wait_cond = &cond;
        j->finished = false;
        j->done = sync_done;
        akd_sq_submit(s, j);
        pthread_mutex_lock(&lock);
        while (!j->finished)
                pthread_cond_wait(&cond, &lock);
        pthread_mutex_unlock(&lock);
        pthread_cond_destroy(&cond);
        pthread_mutex_destroy(&lock);
        return j->result;
}
/* ---- opening and closing ---- */

void akd_sq_close(struct akd_store *st)
{
        struct akd_sq_store *s = (struct akd_sq_store *)st;
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
                struct akd_sq_conn *c = s->readers;
                s->readers = c->next;
                conn_close(c);
        }
        conn_close(s->writer);
        akd_store_cache_free(s->cache);
        if (s->lock_fd >= 0)
                close(s->lock_fd); /* releases the lock */
        pthread_mutex_destroy(&s->pool_lock);
        pthread_mutex_destroy(&s->queue_lock);
        pthread_cond_destroy(&s->queue_cond);
        pthread_mutex_destroy(&s->hint_lock);
        free(s->path);
        free(s);
}

/*
 * Refuses a file that other users may read or change (mode in `st`): the
 * database holds every account's verifiers and envelopes (and a file:
 * notifier's outbox codes). 0 or -1 with `err`.
 */
int akd_check_private_mode(const char *file, const struct stat *st, char *err, size_t errlen)
{
        if ((st->st_mode & 077) == 0)
                return 0;
        snprintf(err, errlen, "%s can be %s by other users (mode %04o); run chmod 600 %s", file,
                 (st->st_mode & 044) != 0 ? "read" : "changed", (unsigned)(st->st_mode & 07777),
                 file);
        return -1;
}

/*
 * Creates the database file with mode 0600 when it does not exist (SQLite
 * gives its -wal and -shm files the mode of the database, whatever the
 * umask), and refuses a database, or a -wal, -shm or -journal file beside
 * it, that other users can open. 0 or -1 with `err`.
 */
static int private_files(const char *path, char *err, size_t errlen)
{
        struct stat st;
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) {
                snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
                return -1;
        }
        int rc = fstat(fd, &st) == 0 ? akd_check_private_mode(path, &st, err, errlen) : 0;
        close(fd);
        static const char *const beside[] = {"-wal", "-shm", "-journal"};
        for (size_t i = 0; rc == 0 && i < sizeof(beside) / sizeof(beside[0]); i++) {
                char file[4096];
                snprintf(file, sizeof(file), "%s%s", path, beside[i]);
                if (stat(file, &st) == 0)
                        rc = akd_check_private_mode(file, &st, err, errlen);
        }
        return rc;
}

/* Opens the store; `shared` leaves the exclusive lock to a server beside it. */
static struct akd_store *sqlite_open(const char *path, bool shared, char *err, size_t errlen)
{
        struct akd_sq_store *s = calloc(1, sizeof(*s));
        if (s == NULL || (s->path = strdup(path)) == NULL) {
                snprintf(err, errlen, "out of memory");
                free(s);
                return NULL;
        }
        s->base.ops = &akd_sq_ops;
        s->lock_fd = -1;
        pthread_mutex_init(&s->pool_lock, NULL);
        pthread_mutex_init(&s->queue_lock, NULL);
        pthread_cond_init(&s->queue_cond, NULL);
        pthread_mutex_init(&s->hint_lock, NULL);

        s->cache = akd_store_cache_new();
        if (s->cache == NULL) {
                snprintf(err, errlen, "out of memory");
                goto fail;
        }

        if (private_files(path, err, errlen) != 0)
                goto fail;
        /* One server per database: the caches rely on it. */
        if (!shared) {
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
        if (akd_sq_schema_prepare(s->writer->db, err, errlen) != 0)
                goto fail;
        if (pthread_create(&s->writer_thread, NULL, writer_main, s) != 0) {
                snprintf(err, errlen, "cannot start the writer thread");
                goto fail;
        }
        s->writer_started = true;
        return &s->base;
fail:
        akd_sq_close(&s->base);
        return NULL;
}

struct akd_store *akd_store_sqlite_open(const char *path, char *err, size_t errlen)
{
        return sqlite_open(path, false, err, errlen);
}

struct akd_store *akd_store_sqlite_open_shared(const char *path, char *err, size_t errlen)
{
        return sqlite_open(path, true, err, errlen);
}
