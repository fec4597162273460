/*
 * The SQLite store's schema, versioned with PRAGMA user_version
 * (SCHEMA_VERSION; the PostgreSQL store's AKD_PG_SCHEMA_VERSION matches it).
 * A new database gets schema 1 and then every migration; an old one is
 * brought up to date at its opening, on the writer's connection, in one
 * BEGIN IMMEDIATE transaction, so that a failed step leaves it as it was.
 */
#include <stdio.h>

#include <sqlite3.h>

#include "store_sqlite.h"

#define SCHEMA_VERSION 9

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

/*
 * migrations[n] takes a database from schema n to n + 1, inside the
 * transaction that opens it; a new database gets schema_sql (schema 1) and
 * then every migration.
 */
static const char *const migrations[SCHEMA_VERSION] = {
    /*
     * 2: the credential generation of each account (moved on by a password
     * change, a revocation of every session and a recovery-code sign-in),
     * and the keys the server keeps for itself.
     */
    [1] = "ALTER TABLE accounts ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;"
          "CREATE TABLE server_keys (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;"
          "PRAGMA user_version = 2;",
    /*
     * 3: failed sign-ins and the addresses that signed in. In
     * signin_failures an empty account_id is an address's count for every
     * account, an empty address an account's count from everywhere. Times
     * are wall-clock seconds.
     */
    [2] = "CREATE TABLE signin_failures ("
          " account_id TEXT NOT NULL, address TEXT NOT NULL, failures INTEGER NOT NULL,"
          " last_failure REAL NOT NULL, PRIMARY KEY (account_id, address)) WITHOUT ROWID;"
          "CREATE TABLE signin_addresses ("
          " account_id TEXT NOT NULL, address TEXT NOT NULL, signed_in_at REAL NOT NULL,"
          " PRIMARY KEY (account_id, address)) WITHOUT ROWID;"
          "PRAGMA user_version = 3;",
    /*
     * 4: devices (their public keys and TOTP secrets, never their private
     * keys), push sign-in requests (account_id '' for an email without an
     * account: no device sees those) and each account's events. A removed
     * device keeps its row, with removed_at, for the events that name it.
     */
    [3] = "CREATE TABLE devices ("
          " id TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id),"
          " name TEXT NOT NULL, public_key BLOB NOT NULL, totp_secret BLOB NOT NULL,"
          " last_step INTEGER NOT NULL, registered_at INTEGER NOT NULL,"
          " last_used INTEGER NOT NULL, removed_at INTEGER);"
          "CREATE INDEX devices_by_account ON devices (account_id);"
          "CREATE TABLE signin_requests ("
          " id TEXT PRIMARY KEY, account_id TEXT NOT NULL, nonce BLOB NOT NULL,"
          " number INTEGER NOT NULL, origin TEXT NOT NULL, account TEXT NOT NULL,"
          " from_addr TEXT NOT NULL, app TEXT NOT NULL, created_at INTEGER NOT NULL,"
          " expires_at INTEGER NOT NULL, state TEXT NOT NULL, device_id TEXT,"
          " answered_at INTEGER);"
          "CREATE INDEX signin_requests_by_account ON signin_requests (account_id, state);"
          "CREATE INDEX signin_requests_by_email ON signin_requests (account, created_at);"
          "CREATE TABLE events ("
          " account_id TEXT NOT NULL REFERENCES accounts(id), at INTEGER NOT NULL,"
          " kind TEXT NOT NULL, device_id TEXT NOT NULL, from_addr TEXT NOT NULL,"
          " app TEXT NOT NULL);"
          "CREATE INDEX events_by_account ON events (account_id, at);"
          "ALTER TABLE accounts ADD COLUMN push_muted_until INTEGER NOT NULL DEFAULT 0;"
          "PRAGMA user_version = 4;",
    /*
     * 5: verification after recovery. A device registered while its account
     * has a verified device or an alternate contact waits (verified_at NULL)
     * until the person proves who they are; the devices from before are
     * verified. Alternate contacts, and the one-time codes sent to them
     * (kept hashed; purpose 'device' with the device's id as target, or
     * 'contact' with the contact's value), and when each code was sent, for
     * the resend limit.
     */
    [4] = "ALTER TABLE devices ADD COLUMN verified_at INTEGER;"
          "UPDATE devices SET verified_at = registered_at;"
          "CREATE TABLE contacts ("
          " account_id TEXT NOT NULL REFERENCES accounts(id), kind TEXT NOT NULL,"
          " value TEXT NOT NULL, added_at INTEGER NOT NULL, PRIMARY KEY (account_id, value))"
          " WITHOUT ROWID;"
          "CREATE TABLE verify_codes ("
          " account_id TEXT NOT NULL REFERENCES accounts(id), purpose TEXT NOT NULL,"
          " target TEXT NOT NULL, kind TEXT NOT NULL, destination TEXT NOT NULL,"
          " code_hash BLOB NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
          " tries INTEGER NOT NULL, PRIMARY KEY (account_id, purpose, target)) WITHOUT ROWID;"
          "CREATE TABLE verify_sends (account_id TEXT NOT NULL, at INTEGER NOT NULL);"
          "CREATE INDEX verify_sends_by_account ON verify_sends (account_id, at);"
          "PRAGMA user_version = 5;",
    /*
     * 6: organisations (work or school accounts). A work user is an account
     * row with org_id set: it has no password (its credential columns are
     * empty and SRP refuses it) and its devices come from activation codes,
     * kept hashed. A removed user keeps its row, with removed_at, for the
     * events and devices that name it.
     */
    [5] = "CREATE TABLE orgs ("
          " id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);"
          "ALTER TABLE accounts ADD COLUMN org_id TEXT REFERENCES orgs(id);"
          "ALTER TABLE accounts ADD COLUMN removed_at INTEGER;"
          "CREATE TABLE activations ("
          " code_hash BLOB PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id),"
          " created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER,"
          " device_id TEXT) WITHOUT ROWID;"
          "CREATE INDEX activations_by_account ON activations (account_id);"
          "PRAGMA user_version = 6;",
    /*
     * 7: sessions of the account page (the web sign-in), kept as their
     * token's hash with the CSRF token of their forms; a push sign-in
     * request opens one at most (used_at).
     */
    [6] = "CREATE TABLE portal_sessions ("
          " token_hash BLOB PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id),"
          " csrf TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)"
          " WITHOUT ROWID;"
          "CREATE INDEX portal_sessions_by_account ON portal_sessions (account_id);"
          "ALTER TABLE signin_requests ADD COLUMN used_at INTEGER;"
          "PRAGMA user_version = 7;",
    /*
     * 8: state that several authkeepd processes share. SRP sign-ins between
     * their two steps (the secret ephemeral sealed under a server key), the
     * token buckets of the limits that must hold across processes, and the
     * stamps of what long-polls wait on (moved by each commit that changes
     * it). Times are wall-clock seconds.
     */
    [7] = "CREATE TABLE srp_logins ("
          " id TEXT PRIMARY KEY, account_id TEXT NOT NULL, address TEXT NOT NULL,"
          " recovery INTEGER NOT NULL, fake INTEGER NOT NULL, generation INTEGER NOT NULL,"
          " expires_at REAL NOT NULL, sealed BLOB NOT NULL) WITHOUT ROWID;"
          "CREATE INDEX srp_logins_by_expiry ON srp_logins (expires_at);"
          "CREATE INDEX srp_logins_by_account ON srp_logins (account_id);"
          "CREATE INDEX srp_logins_by_address ON srp_logins (address);"
          "CREATE TABLE rate_buckets ("
          " key TEXT PRIMARY KEY, tokens REAL NOT NULL, refilled REAL NOT NULL,"
          " full_at REAL NOT NULL) WITHOUT ROWID;"
          "CREATE INDEX rate_buckets_by_full ON rate_buckets (full_at);"
          "CREATE TABLE wake_stamps ("
          " key TEXT PRIMARY KEY, stamp INTEGER NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;"
          "CREATE INDEX wake_stamps_by_at ON wake_stamps (at);"
          "PRAGMA user_version = 8;",
    /*
     * 9: deleted backups and accounts are kept for a grace period
     * (store_sqlite_lifecycle.c): a backup's deleted versions move to
     * deleted_backups, with when they were deleted; a deleted recovery
     * account is marked, with who deleted it and when. A purged account
     * leaves only a tombstone: the keyed hash of its email and when it was
     * deleted, so that the email is not taken again during the grace.
     */
    [8] = "CREATE TABLE deleted_backups ("
          " account_id TEXT NOT NULL REFERENCES accounts(id), version INTEGER NOT NULL,"
          " device_id TEXT NOT NULL, device_name TEXT NOT NULL, created_at INTEGER NOT NULL,"
          " size INTEGER NOT NULL, envelope BLOB NOT NULL, deleted_at INTEGER NOT NULL,"
          " PRIMARY KEY (account_id, version));"
          "CREATE INDEX deleted_backups_by_time ON deleted_backups (deleted_at);"
          "ALTER TABLE accounts ADD COLUMN account_deleted_at INTEGER;"
          "ALTER TABLE accounts ADD COLUMN account_deleted_device_id TEXT;"
          "ALTER TABLE accounts ADD COLUMN account_deleted_device_name TEXT;"
          "CREATE INDEX accounts_by_deleted ON accounts (account_deleted_at);"
          "CREATE TABLE email_tombstones ("
          " email_hash BLOB PRIMARY KEY, deleted_at INTEGER NOT NULL);"
          "PRAGMA user_version = 9;",
};

int akd_sq_schema_prepare(sqlite3 *db, char *err, size_t errlen)
{
        sqlite3_stmt *q;
        int version = -1;
        if (akd_sq_exec(db, "BEGIN IMMEDIATE") != 0) {
                snprintf(err, errlen, "cannot lock the database: %s", sqlite3_errmsg(db));
                return -1;
        }
        if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK) {
                if (sqlite3_step(q) == SQLITE_ROW)
                        version = sqlite3_column_int(q, 0);
                sqlite3_finalize(q);
        }
        if (version == 0 && akd_sq_exec(db, schema_sql) != 0) {
                snprintf(err, errlen, "cannot create the schema: %s", sqlite3_errmsg(db));
                akd_sq_exec(db, "ROLLBACK");
                return -1;
        }
        if (version == 0)
                version = 1;
        for (; version > 0 && version < SCHEMA_VERSION; version++) {
                if (akd_sq_exec(db, migrations[version]) != 0) {
                        snprintf(err, errlen, "cannot update the schema to version %d: %s",
                                 version + 1, sqlite3_errmsg(db));
                        akd_sq_exec(db, "ROLLBACK");
                        return -1;
                }
        }
        if (version < 0 || version > SCHEMA_VERSION) {
                snprintf(err, errlen,
                         version < 0 ? "not an SQLite database"
                                     : "the database was written by a newer authkeepd (schema %d)",
                         version);
                akd_sq_exec(db, "ROLLBACK");
                return -1;
        }
        if (akd_sq_exec(db, "COMMIT") != 0) {
                snprintf(err, errlen, "cannot commit the schema: %s", sqlite3_errmsg(db));
                return -1;
        }
        return 0;
}
