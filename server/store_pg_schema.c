/*
 * The PostgreSQL store's schema. It starts at the SQLite store's version
 * (AKD_PG_SCHEMA_VERSION, the SCHEMA_VERSION of store_sqlite_schema.c) with one
 * script that creates it whole; the table schema_migrations records each
 * version applied, so that a later version adds a step to `migrations`.
 *
 * Every authkeepd (and `authkeepd admin`) runs this at start, in one
 * transaction under pg_advisory_xact_lock: processes starting at once
 * create or update the schema once between them, and one that finds a
 * newer schema than it knows refuses to start.
 *
 * The tables are the SQLite store's, with PostgreSQL's types (bytea,
 * bigint, double precision) and a seq column where SQLite's rowid orders
 * rows of one time, and one more: device_nonces, which SQLite's single
 * process keeps in its memory instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

static const char create_sql[] =
    "CREATE TABLE orgs ("
    " id text PRIMARY KEY, name text NOT NULL UNIQUE, created_at bigint NOT NULL);"
    "CREATE TABLE accounts ("
    " id text PRIMARY KEY, email text NOT NULL UNIQUE, created_at bigint NOT NULL,"
    " pw_kdf_salt bytea NOT NULL, pw_kdf_ops bigint NOT NULL, pw_kdf_mem bigint NOT NULL,"
    " pw_srp_salt bytea NOT NULL, pw_srp_verifier bytea NOT NULL,"
    " pw_wrap_nonce bytea NOT NULL, pw_wrap_ct bytea NOT NULL,"
    " rec_kdf_salt bytea, rec_kdf_ops bigint, rec_kdf_mem bigint, rec_srp_salt bytea,"
    " rec_srp_verifier bytea, rec_wrap_nonce bytea, rec_wrap_ct bytea,"
    " latest_version bigint NOT NULL DEFAULT 0, deleted_at bigint,"
    " deleted_device_id text, deleted_device_name text,"
    " generation bigint NOT NULL DEFAULT 0, push_muted_until bigint NOT NULL DEFAULT 0,"
    " org_id text REFERENCES orgs(id), removed_at bigint);"
    "CREATE TABLE sessions ("
    " token_hash bytea PRIMARY KEY, account_id text NOT NULL REFERENCES accounts(id),"
    " recovery integer NOT NULL, created_at bigint NOT NULL, expires_at bigint NOT NULL);"
    "CREATE INDEX sessions_by_account ON sessions (account_id);"
    "CREATE INDEX sessions_by_expiry ON sessions (expires_at);"
    "CREATE TABLE backups ("
    " account_id text NOT NULL REFERENCES accounts(id), version bigint NOT NULL,"
    " device_id text NOT NULL, device_name text NOT NULL, created_at bigint NOT NULL,"
    " size bigint NOT NULL, envelope bytea NOT NULL, PRIMARY KEY (account_id, version));"
    "CREATE TABLE server_keys (name text PRIMARY KEY, value bytea NOT NULL);"
    "CREATE TABLE signin_failures ("
    " account_id text NOT NULL, address text NOT NULL, failures bigint NOT NULL,"
    " last_failure double precision NOT NULL, PRIMARY KEY (account_id, address));"
    "CREATE TABLE signin_addresses ("
    " account_id text NOT NULL, address text NOT NULL, signed_in_at double precision NOT NULL,"
    " PRIMARY KEY (account_id, address));"
    "CREATE TABLE devices ("
    " id text PRIMARY KEY, account_id text NOT NULL REFERENCES accounts(id),"
    " name text NOT NULL, public_key bytea NOT NULL, totp_secret bytea NOT NULL,"
    " last_step bigint NOT NULL, registered_at bigint NOT NULL,"
    " last_used bigint NOT NULL, removed_at bigint, verified_at bigint,"
    " seq bigint GENERATED ALWAYS AS IDENTITY);"
    "CREATE INDEX devices_by_account ON devices (account_id);"
    "CREATE TABLE signin_requests ("
    " id text PRIMARY KEY, account_id text NOT NULL, nonce bytea NOT NULL,"
    " number integer NOT NULL, origin text NOT NULL, account text NOT NULL,"
    " from_addr text NOT NULL, app text NOT NULL, created_at bigint NOT NULL,"
    " expires_at bigint NOT NULL, state text NOT NULL, device_id text,"
    " answered_at bigint, used_at bigint, seq bigint GENERATED ALWAYS AS IDENTITY);"
    "CREATE INDEX signin_requests_by_account ON signin_requests (account_id, state);"
    "CREATE INDEX signin_requests_by_email ON signin_requests (account, created_at);"
    "CREATE INDEX signin_requests_by_expiry ON signin_requests (expires_at);"
    "CREATE TABLE events ("
    " account_id text NOT NULL REFERENCES accounts(id), at bigint NOT NULL,"
    " kind text NOT NULL, device_id text NOT NULL, from_addr text NOT NULL,"
    " app text NOT NULL, seq bigint GENERATED ALWAYS AS IDENTITY);"
    "CREATE INDEX events_by_account ON events (account_id, at);"
    "CREATE TABLE contacts ("
    " account_id text NOT NULL REFERENCES accounts(id), kind text NOT NULL,"
    " value text NOT NULL, added_at bigint NOT NULL, PRIMARY KEY (account_id, value));"
    "CREATE TABLE verify_codes ("
    " account_id text NOT NULL REFERENCES accounts(id), purpose text NOT NULL,"
    " target text NOT NULL, kind text NOT NULL, destination text NOT NULL,"
    " code_hash bytea NOT NULL, created_at bigint NOT NULL, expires_at bigint NOT NULL,"
    " tries integer NOT NULL, PRIMARY KEY (account_id, purpose, target));"
    "CREATE TABLE verify_sends (account_id text NOT NULL, at bigint NOT NULL,"
    " seq bigint GENERATED ALWAYS AS IDENTITY);"
    "CREATE INDEX verify_sends_by_account ON verify_sends (account_id, at);"
    "CREATE TABLE activations ("
    " code_hash bytea PRIMARY KEY, account_id text NOT NULL REFERENCES accounts(id),"
    " created_at bigint NOT NULL, expires_at bigint NOT NULL, used_at bigint,"
    " device_id text);"
    "CREATE INDEX activations_by_account ON activations (account_id);"
    "CREATE TABLE portal_sessions ("
    " token_hash bytea PRIMARY KEY, account_id text NOT NULL REFERENCES accounts(id),"
    " csrf text NOT NULL, created_at bigint NOT NULL, expires_at bigint NOT NULL);"
    "CREATE INDEX portal_sessions_by_account ON portal_sessions (account_id);";

/*
 * migrations[n] takes the schema from version n to n + 1, inside the
 * transaction that opens the store; the versions below AKD_PG_SCHEMA_VERSION
 * are never seen (a new database gets create_sql at that version). A step
 * added here comes with AKD_PG_SCHEMA_VERSION + 1, and with the SQLite
 * store's own step when it changes what both stores hold; from 10 on the
 * two numbers part (store_pg.h), and an older authkeepd still refuses a
 * schema newer than the one it knows.
 */
static const char *const migrations[AKD_PG_SCHEMA_VERSION + 1] = {
    /* 8: what several processes share (store_pg_shared.c). */
    [7] = akd_pg_shared_sql,
    /* 9: deleted backups and accounts kept for a grace period (store_pg_lifecycle.c). */
    [8] = akd_pg_lifecycle_sql,
    /* 10: the nonces of Device headers (store_pg_shared.c); SQLite has no step 10. */
    [9] = akd_pg_nonces_sql,
};

/* Runs `sql` (no rows); 0, or -1 with `err` saying what `what` was. */
static int run(PGconn *pg, const char *sql, const char *what, char *err, size_t errlen)
{
        PGresult *r = PQexec(pg, sql);
        ExecStatusType st = PQresultStatus(r);
        int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
        if (rc != 0)
                snprintf(err, errlen, "%s: %s", what,
                         PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) != NULL
                             ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
                             : PQerrorMessage(pg));
        PQclear(r);
        return rc;
}

/* The latest version recorded, 0 for an empty database, -1 on failure (`err`). */
static int schema_version(PGconn *pg, char *err, size_t errlen)
{
        PGresult *r = PQexec(pg, "SELECT to_regclass('schema_migrations') IS NOT NULL");
        bool exists = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
                      strcmp(PQgetvalue(r, 0, 0), "t") == 0;
        bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
        PQclear(r);
        if (!ok) {
                snprintf(err, errlen, "cannot read the schema: %s", PQerrorMessage(pg));
                return -1;
        }
        if (!exists)
                return 0;
        r = PQexec(pg, "SELECT coalesce(max(version), 0) FROM schema_migrations");
        int version = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
                          ? atoi(PQgetvalue(r, 0, 0))
                          : -1;
        if (version < 0)
                snprintf(err, errlen, "cannot read the schema version: %s", PQerrorMessage(pg));
        PQclear(r);
        return version;
}

static int record_version(PGconn *pg, int version, char *err, size_t errlen)
{
        char sql[160];
        snprintf(sql, sizeof(sql),
                 "INSERT INTO schema_migrations (version, applied_at) VALUES (%d, "
                 "extract(epoch FROM now())::bigint)",
                 version);
        return run(pg, sql, "cannot record the schema version", err, errlen);
}

/* Inside the locked transaction: creates or updates the schema; 0 or -1. */
static int prepare_locked(PGconn *pg, char *err, size_t errlen)
{
        int version = schema_version(pg, err, errlen);
        if (version < 0)
                return -1;
        if (version > AKD_PG_SCHEMA_VERSION) {
                snprintf(err, errlen,
                         "the database was written by a newer authkeepd (schema %d; this one "
                         "knows %d)",
                         version, AKD_PG_SCHEMA_VERSION);
                return -1;
        }
        if (version == 0) {
                if (run(pg,
                        "CREATE TABLE schema_migrations (version integer PRIMARY KEY,"
                        " applied_at bigint NOT NULL)",
                        "cannot create the schema", err, errlen) != 0 ||
                    run(pg, create_sql, "cannot create the schema", err, errlen) != 0 ||
                    run(pg, akd_pg_shared_sql, "cannot create the schema", err, errlen) != 0 ||
                    run(pg, akd_pg_lifecycle_sql, "cannot create the schema", err, errlen) != 0 ||
                    run(pg, akd_pg_nonces_sql, "cannot create the schema", err, errlen) != 0)
                        return -1;
                return record_version(pg, AKD_PG_SCHEMA_VERSION, err, errlen);
        }
        for (; version < AKD_PG_SCHEMA_VERSION; version++) {
                char what[80];
                snprintf(what, sizeof(what), "cannot update the schema to version %d", version + 1);
                if (migrations[version] == NULL) {
                        snprintf(err, errlen, "%s: no step from version %d", what, version);
                        return -1;
                }
                if (run(pg, migrations[version], what, err, errlen) != 0 ||
                    record_version(pg, version + 1, err, errlen) != 0)
                        return -1;
        }
        return 0;
}

int akd_pg_schema_prepare(PGconn *pg, char *err, size_t errlen)
{
        char lock[96];
        snprintf(lock, sizeof(lock), "SELECT pg_advisory_xact_lock(%d, 0)", AKD_PG_LOCK_SCHEMA);
        if (run(pg, "BEGIN", "cannot begin", err, errlen) != 0)
                return -1;
        if (run(pg, lock, "cannot lock the schema", err, errlen) != 0 ||
            prepare_locked(pg, err, errlen) != 0) {
                PQclear(PQexec(pg, "ROLLBACK"));
                return -1;
        }
        return run(pg, "COMMIT", "cannot commit the schema", err, errlen);
}
