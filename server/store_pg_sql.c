/*
 * The text of every statement of the PostgreSQL store (store_pg.h says how
 * to add one). They mirror store_sqlite.c's, with PostgreSQL's words:
 * ON CONFLICT for INSERT OR REPLACE, GREATEST and LEAST, a seq column where
 * SQLite orders by rowid, COLLATE "C" where SQLite compares bytes, and
 * FOR UPDATE (or an advisory lock) where a check and the change it allows
 * must hold against another authkeepd process on the same database.
 */
#include "store_pg.h"

#define CRED_COLS(p)                                                                               \
        p "kdf_salt, " p "kdf_ops, " p "kdf_mem, " p "srp_salt, " p "srp_verifier, " p             \
          "wrap_nonce, " p "wrap_ct"
#define ACCOUNT_COLS "id, email, created_at, " CRED_COLS("pw_") ", " CRED_COLS("rec_")
/* The columns above, the generation (17), a work user's organisation and removal (18, 19). */
#define ACCOUNT_READ_COLS ACCOUNT_COLS ", generation, org_id, removed_at"
#define DEVICE_COLS                                                                                \
        "id, account_id, name, public_key, totp_secret, last_step, registered_at, last_used, "     \
        "verified_at"
#define PUSH_COLS                                                                                  \
        "id, account_id, nonce, number, origin, account, from_addr, app, created_at, expires_at, " \
        "state"
#define LC_BACKUP_COLS "account_id, version, device_id, device_name, created_at, size, envelope"
#define ORG_COLS                                                                                   \
        "o.id, o.name, o.created_at, (SELECT count(*) FROM accounts a WHERE a.org_id = o.id AND "  \
        "a.removed_at IS NULL)"

const char *const akd_pg_sql[Q__COUNT] = {
    [Q_HEALTH] = "SELECT 1",
    /* Orders every write of one account, in this process or another. */
    [Q_LOCK_ACCOUNT] = "SELECT generation FROM accounts WHERE id = $1 FOR UPDATE",
    [Q_LOCK_KEY] = "SELECT pg_advisory_xact_lock($1::integer, hashtext($2))",
    [Q_ACCOUNT_INSERT] = "INSERT INTO accounts (" ACCOUNT_COLS ") VALUES ($1, $2, $3, $4, $5, $6, "
                         "$7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) ON CONFLICT DO "
                         "NOTHING RETURNING id",
    [Q_ACCOUNT_BY_EMAIL] = "SELECT " ACCOUNT_READ_COLS " FROM accounts WHERE email = $1",
    [Q_ACCOUNT_BY_ID] = "SELECT " ACCOUNT_READ_COLS " FROM accounts WHERE id = $1",
    [Q_ACCOUNT_BUMP_GENERATION] = "UPDATE accounts SET generation = generation + 1 WHERE id = $1",
    [Q_ACCOUNT_SET_PASSWORD] = "UPDATE accounts SET pw_kdf_salt = $2, pw_kdf_ops = $3, "
                               "pw_kdf_mem = $4, pw_srp_salt = $5, pw_srp_verifier = $6, "
                               "pw_wrap_nonce = $7, pw_wrap_ct = $8 WHERE id = $1",
    [Q_ACCOUNT_SET_RECOVERY] = "UPDATE accounts SET rec_kdf_salt = $2, rec_kdf_ops = $3, "
                               "rec_kdf_mem = $4, rec_srp_salt = $5, rec_srp_verifier = $6, "
                               "rec_wrap_nonce = $7, rec_wrap_ct = $8 WHERE id = $1",
    [Q_SESSION_INSERT] = "INSERT INTO sessions (token_hash, account_id, recovery, created_at, "
                         "expires_at) VALUES ($1, $2, $3, $4, $5)",
    [Q_SESSION_GET] = "SELECT account_id, recovery, created_at, expires_at FROM sessions "
                      "WHERE token_hash = $1",
    [Q_SESSION_DELETE] = "DELETE FROM sessions WHERE token_hash = $1",
    [Q_SESSION_DELETE_ALL] = "DELETE FROM sessions WHERE account_id = $1",
    [Q_SESSION_DELETE_OTHERS] = "DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2",
    [Q_SESSION_COUNT] = "SELECT count(*) FROM sessions WHERE account_id = $1 AND expires_at > $2",
    [Q_SESSION_SWEEP] = "DELETE FROM sessions WHERE expires_at <= $1",
    [Q_BACKUP_STATE] = "SELECT latest_version, deleted_at, deleted_device_id, "
                       "deleted_device_name FROM accounts WHERE id = $1 FOR UPDATE",
    [Q_BACKUP_META] = "SELECT version, device_id, device_name, created_at, size FROM backups "
                      "WHERE account_id = $1 AND version = $2",
    [Q_BACKUP_INSERT] = "INSERT INTO backups (account_id, version, device_id, device_name, "
                        "created_at, size, envelope) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    [Q_BACKUP_PRUNE] = "DELETE FROM backups WHERE account_id = $1 AND version <= $2",
    [Q_BACKUP_SET_LATEST] = "UPDATE accounts SET latest_version = $2, deleted_at = NULL, "
                            "deleted_device_id = NULL, deleted_device_name = NULL WHERE id = $1",
    [Q_BACKUP_GET] = "SELECT a.latest_version, a.deleted_at, a.deleted_device_id, "
                     "a.deleted_device_name, b.version, b.device_id, b.device_name, "
                     "b.created_at, b.size, b.envelope FROM accounts a LEFT JOIN backups b "
                     "ON b.account_id = a.id AND b.version = (CASE WHEN $2::bigint = 0 THEN "
                     "a.latest_version ELSE $2::bigint END) WHERE a.id = $1",
    /*
     * A download's session (unexpired at $2) and then Q_BACKUP_GET's
     * columns: one round trip for what session_get and backup_get read.
     */
    [Q_SESSION_BACKUP_GET] =
        "SELECT s.account_id, s.recovery, s.created_at, s.expires_at, a.latest_version, "
        "a.deleted_at, a.deleted_device_id, a.deleted_device_name, b.version, b.device_id, "
        "b.device_name, b.created_at, b.size, b.envelope FROM sessions s LEFT JOIN accounts a "
        "ON a.id = s.account_id LEFT JOIN backups b ON b.account_id = a.id AND b.version = "
        "(CASE WHEN $3::bigint = 0 THEN a.latest_version ELSE $3::bigint END) "
        "WHERE s.token_hash = $1 AND s.expires_at > $2",
    /* One statement, so one snapshot: the state and the versions agree. */
    [Q_BACKUP_LIST] = "SELECT a.latest_version, a.deleted_at, a.deleted_device_id, "
                      "a.deleted_device_name, b.version, b.device_id, b.device_name, "
                      "b.created_at, b.size FROM accounts a LEFT JOIN backups b "
                      "ON b.account_id = a.id WHERE a.id = $1 ORDER BY b.version DESC",
    [Q_BACKUP_DELETE_ALL] = "DELETE FROM backups WHERE account_id = $1",
    [Q_BACKUP_SET_DELETED] = "UPDATE accounts SET deleted_at = $2, deleted_device_id = $3, "
                             "deleted_device_name = $4 WHERE id = $1",
    [Q_SERVER_KEY_ADD] = "INSERT INTO server_keys (name, value) VALUES ($1, $2) "
                         "ON CONFLICT DO NOTHING",
    [Q_SERVER_KEY_GET] = "SELECT value FROM server_keys WHERE name = $1",
    /* The scopes are enum akd_fail_scope's numbers; 3 is the address's last sign-in. */
    [Q_SIGNIN_COUNTS] = "SELECT CASE WHEN account_id = '' THEN 2 WHEN address = '' THEN 1 "
                        "ELSE 0 END, failures, last_failure FROM signin_failures "
                        "WHERE (account_id = $1 AND address IN ($2, '')) "
                        "OR (account_id = '' AND address = $2) "
                        "UNION ALL SELECT 3, 0, signed_in_at FROM signin_addresses "
                        "WHERE account_id = $1 AND address = $2",
    /* A count is made first and then locked, so that failures at once all count. */
    [Q_SIGNIN_COUNT_ENSURE] = "INSERT INTO signin_failures (account_id, address, failures, "
                              "last_failure) VALUES ($1, $2, 0, 0) ON CONFLICT DO NOTHING",
    [Q_SIGNIN_COUNT_GET] = "SELECT failures, last_failure FROM signin_failures "
                           "WHERE account_id = $1 AND address = $2 FOR UPDATE",
    [Q_SIGNIN_COUNT_SET] = "UPDATE signin_failures SET failures = $3, last_failure = $4 "
                           "WHERE account_id = $1 AND address = $2",
    [Q_SIGNIN_COUNT_DELETE] = "DELETE FROM signin_failures WHERE account_id = $1 AND "
                              "address = $2",
    [Q_SIGNIN_COUNT_SWEEP] = "DELETE FROM signin_failures WHERE last_failure < $1",
    [Q_SIGNIN_ADDRESS_PUT] = "INSERT INTO signin_addresses (account_id, address, signed_in_at) "
                             "VALUES ($1, $2, $3) ON CONFLICT (account_id, address) DO UPDATE "
                             "SET signed_in_at = excluded.signed_in_at",
    [Q_SIGNIN_ADDRESS_SWEEP] = "DELETE FROM signin_addresses WHERE account_id = $1 AND "
                               "signed_in_at < $2",
    [Q_DEVICE_GET] = "SELECT " DEVICE_COLS " FROM devices WHERE id = $1 AND removed_at IS NULL",
    [Q_DEVICE_OWNER] = "SELECT account_id FROM devices WHERE id = $1 AND removed_at IS NULL",
    [Q_DEVICE_COUNT] = "SELECT count(*) FROM devices WHERE account_id = $1 AND removed_at IS NULL "
                       "AND id <> $2",
    /* A device registered again keeps its place in the list; its secret's steps start over. */
    [Q_DEVICE_PUT] = "INSERT INTO devices (" DEVICE_COLS ") VALUES ($1, $2, $3, $4, $5, 0, $6, 0, "
                     "$7) ON CONFLICT (id) DO UPDATE SET registered_at = CASE WHEN "
                     "devices.removed_at IS NULL AND devices.account_id = excluded.account_id "
                     "THEN devices.registered_at ELSE excluded.registered_at END, "
                     "account_id = excluded.account_id, name = excluded.name, "
                     "public_key = excluded.public_key, totp_secret = excluded.totp_secret, "
                     "last_step = 0, removed_at = NULL, verified_at = excluded.verified_at "
                     "RETURNING registered_at",
    [Q_DEVICE_LIST] = "SELECT " DEVICE_COLS " FROM devices WHERE account_id = $1 AND "
                      "removed_at IS NULL ORDER BY registered_at, seq",
    [Q_DEVICE_REMOVE] = "UPDATE devices SET removed_at = $3 WHERE account_id = $1 AND id = $2 "
                        "AND removed_at IS NULL",
    [Q_DEVICE_TOUCH] = "UPDATE devices SET last_used = $2 WHERE id = $1 AND last_used < $2",
    [Q_TOTP_ACCEPT] = "UPDATE devices SET last_step = $3, last_used = GREATEST(last_used, $4) "
                      "WHERE account_id = $1 AND id = $2 AND removed_at IS NULL AND last_step < $3",
    [Q_EVENT_ADD] = "INSERT INTO events (account_id, at, kind, device_id, from_addr, app) "
                    "VALUES ($1, $2, $3, $4, $5, $6)",
    [Q_EVENT_ADD_SIGNIN] = "INSERT INTO events (account_id, at, kind, device_id, from_addr, app) "
                           "SELECT account_id, $2, $3, $4, from_addr, app FROM signin_requests "
                           "WHERE id = $1",
    [Q_EVENT_LIST] = "SELECT at, kind, device_id, from_addr, app FROM events WHERE account_id = $1 "
                     "ORDER BY at DESC, seq DESC LIMIT 100",
    [Q_PUSH_MUTED] = "SELECT push_muted_until FROM accounts WHERE id = $1",
    [Q_PUSH_MUTE] = "UPDATE accounts SET push_muted_until = $2 WHERE id = $1",
    [Q_PUSH_RECENT] = "SELECT count(*) FROM signin_requests WHERE account = $1 AND created_at > $2",
    [Q_PUSH_REPLACE] = "UPDATE signin_requests SET state = 'expired' WHERE account = $1 AND "
                       "state = 'pending' RETURNING id",
    [Q_PUSH_INSERT] = "INSERT INTO signin_requests (" PUSH_COLS ") VALUES ($1, $2, $3, $4, $5, "
                      "$6, $7, $8, $9, $10, 'pending')",
    [Q_PUSH_SWEEP] = "DELETE FROM signin_requests WHERE expires_at < $1",
    [Q_PUSH_GET] = "SELECT " PUSH_COLS " FROM signin_requests WHERE id = $1",
    [Q_PUSH_PENDING] = "SELECT " PUSH_COLS " FROM signin_requests WHERE account_id = $1 AND "
                       "state = 'pending' AND expires_at > $2 ORDER BY created_at, seq",
    [Q_PUSH_ANSWER] = "UPDATE signin_requests SET state = $2, device_id = $3, answered_at = $4 "
                      "WHERE id = $1 AND account_id = $5 AND state = 'pending' AND expires_at > $4",
    [Q_DEVICE_KEY] = "SELECT public_key, verified_at FROM devices WHERE id = $1 AND "
                     "account_id = $2 AND removed_at IS NULL",
    [Q_DEVICE_VOUCHED] = "SELECT (SELECT count(*) FROM devices WHERE account_id = $1 AND "
                         "removed_at IS NULL AND verified_at IS NOT NULL AND id <> $2) + "
                         "(SELECT count(*) FROM contacts WHERE account_id = $1)",
    [Q_DEVICE_VERIFY] = "UPDATE devices SET verified_at = $3 WHERE account_id = $1 AND id = $2 "
                        "AND removed_at IS NULL AND verified_at IS NULL",
    [Q_CONTACT_LIST] = "SELECT kind, value, added_at FROM contacts WHERE account_id = $1 "
                       "ORDER BY added_at, value COLLATE \"C\"",
    [Q_CONTACT_COUNT] = "SELECT count(*) FROM contacts WHERE account_id = $1",
    [Q_CONTACT_ADD] = "INSERT INTO contacts (account_id, kind, value, added_at) VALUES "
                      "($1, $2, $3, $4) ON CONFLICT (account_id, value) DO UPDATE SET kind = "
                      "excluded.kind RETURNING added_at",
    [Q_CONTACT_REMOVE] = "DELETE FROM contacts WHERE account_id = $1 AND value = $2",
    [Q_CODE_SENT] = "SELECT count(*), coalesce(max(at), 0), coalesce(min(at), 0) FROM "
                    "verify_sends WHERE account_id = $1 AND at > $2",
    [Q_CODE_PUT] = "INSERT INTO verify_codes (account_id, purpose, target, kind, destination, "
                   "code_hash, created_at, expires_at, tries) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                   "$8, 0) ON CONFLICT (account_id, purpose, target) DO UPDATE SET kind = "
                   "excluded.kind, destination = excluded.destination, code_hash = "
                   "excluded.code_hash, created_at = excluded.created_at, expires_at = "
                   "excluded.expires_at, tries = 0",
    [Q_CODE_SEND] = "INSERT INTO verify_sends (account_id, at) VALUES ($1, $2)",
    [Q_CODE_SENDS_SWEEP] = "DELETE FROM verify_sends WHERE at < $1",
    [Q_CODE_GET] = "SELECT kind, destination, code_hash, expires_at, tries FROM verify_codes "
                   "WHERE account_id = $1 AND purpose = $2 AND target = $3 FOR UPDATE",
    [Q_CODE_TRY] = "UPDATE verify_codes SET tries = tries + 1 WHERE account_id = $1 AND "
                   "purpose = $2 AND target = $3",
    [Q_CODE_DELETE] = "DELETE FROM verify_codes WHERE account_id = $1 AND purpose = $2 AND "
                      "target = $3",
    [Q_CODE_UNSEND] = "DELETE FROM verify_sends WHERE seq = (SELECT max(seq) FROM verify_sends "
                      "WHERE account_id = $1 AND at = $2)",
    [Q_PORTAL_INSERT] = "INSERT INTO portal_sessions (token_hash, account_id, csrf, created_at, "
                        "expires_at) VALUES ($1, $2, $3, $4, $5)",
    [Q_PORTAL_GET] = "SELECT account_id, csrf, created_at, expires_at FROM portal_sessions "
                     "WHERE token_hash = $1",
    [Q_PORTAL_DELETE] = "DELETE FROM portal_sessions WHERE token_hash = $1",
    [Q_PORTAL_DELETE_ACCOUNT] = "DELETE FROM portal_sessions WHERE account_id = $1",
    [Q_PORTAL_SWEEP] = "DELETE FROM portal_sessions WHERE expires_at <= $1",
    [Q_PORTAL_USE_SIGNIN] = "UPDATE signin_requests SET used_at = $2 WHERE id = $1 AND "
                            "state = 'approved' AND used_at IS NULL AND account_id <> '' AND "
                            "expires_at + $3 > $2 RETURNING account_id",
    [Q_PORTAL_SIGNIN_STATE] = "SELECT state, used_at FROM signin_requests WHERE id = $1",
    [Q_ORG_GET] = "SELECT " ORG_COLS " FROM orgs o WHERE o.name = $1",
    [Q_ORG_LIST] = "SELECT " ORG_COLS " FROM orgs o ORDER BY o.name COLLATE \"C\"",
    [Q_ORG_INSERT] = "INSERT INTO orgs (id, name, created_at) VALUES ($1, $2, $3) "
                     "ON CONFLICT DO NOTHING RETURNING id",
    [Q_ORG_ID] = "SELECT id FROM orgs WHERE name = $1",
    [Q_OWNER_OF] = "SELECT a.id, a.org_id, o.name, a.removed_at FROM accounts a "
                   "LEFT JOIN orgs o ON o.id = a.org_id WHERE a.email = $1",
    [Q_USER_RESTORE] = "UPDATE accounts SET removed_at = NULL WHERE id = $1",
    [Q_USER_INSERT] = "INSERT INTO accounts (id, email, created_at, pw_kdf_salt, pw_kdf_ops, "
                      "pw_kdf_mem, pw_srp_salt, pw_srp_verifier, pw_wrap_nonce, pw_wrap_ct, "
                      "org_id) VALUES ($1, $2, $4, '', 0, 0, '', '', '', '', $3) "
                      "ON CONFLICT DO NOTHING RETURNING id",
    [Q_USER_REMOVE] = "UPDATE accounts SET removed_at = $2 WHERE id = $1",
    /* Every device at once: their calls and codes are refused from now on. */
    [Q_USER_REMOVE_DEVICES] = "UPDATE devices SET removed_at = $2 WHERE account_id = $1 AND "
                              "removed_at IS NULL",
    /* Unused codes are voided (kept, for what they were). */
    [Q_USER_VOID_ACTIVATIONS] = "UPDATE activations SET expires_at = LEAST(expires_at, $2) WHERE "
                                "account_id = $1 AND used_at IS NULL",
    [Q_USER_EXPIRE_SIGNINS] = "UPDATE signin_requests SET state = 'expired' WHERE account_id = $1 "
                              "AND state = 'pending'",
    [Q_USER_REMOVED_EVENT] = "INSERT INTO events (account_id, at, kind, device_id, from_addr, "
                             "app) VALUES ($1, $2, 'user_removed', '', 'admin', '')",
    [Q_USER_LIST] = "SELECT a.id, a.email, a.created_at, coalesce(a.removed_at, 0), (SELECT "
                    "count(*) FROM devices d WHERE d.account_id = a.id AND d.removed_at IS NULL), "
                    "(SELECT coalesce(max(d.last_used), 0) FROM devices d WHERE d.account_id = "
                    "a.id), (SELECT count(*) FROM activations v WHERE v.account_id = a.id AND "
                    "v.used_at IS NULL AND v.expires_at > $2) FROM accounts a JOIN orgs o ON "
                    "o.id = a.org_id WHERE o.name = $1 ORDER BY a.email COLLATE \"C\"",
    [Q_ACTIVATION_INSERT] = "INSERT INTO activations (code_hash, account_id, created_at, "
                            "expires_at) VALUES ($2, $1, $3, $4)",
    [Q_ACTIVATION_FIND] = "SELECT v.account_id, v.used_at, v.expires_at, acc.removed_at "
                          "FROM activations v JOIN accounts acc ON acc.id = v.account_id "
                          "JOIN orgs o ON o.id = acc.org_id WHERE o.name = $1 AND "
                          "acc.email = $2 AND v.code_hash = $3",
    [Q_DEVICE_OTHERS] = "SELECT count(*) FROM devices WHERE id = $1 AND removed_at IS NULL AND "
                        "account_id <> $2",
    /* The code is taken once: unused, unexpired, its user not removed. */
    [Q_ACTIVATION_TAKE] = "UPDATE activations SET used_at = $2, device_id = $1 WHERE "
                          "code_hash = $3 AND used_at IS NULL AND expires_at > $2 AND EXISTS "
                          "(SELECT 1 FROM accounts WHERE id = activations.account_id AND "
                          "removed_at IS NULL)",
    [Q_ACTIVATION_DEVICE] =
        "INSERT INTO devices (" DEVICE_COLS ") VALUES ($1, $2, $3, $4, $5, 0, $6, 0, $6) "
        "ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, name = excluded.name, "
        "public_key = excluded.public_key, totp_secret = excluded.totp_secret, last_step = 0, "
        "registered_at = excluded.registered_at, last_used = 0, removed_at = NULL, "
        "verified_at = excluded.verified_at",
    /* State shared by several processes (store_pg_shared.c). */
    [Q_UNSYNCED] = "SELECT set_config('synchronous_commit', 'off', true)",
    [Q_LOGIN_SWEEP] = "DELETE FROM srp_logins WHERE expires_at <= $1::float8",
    [Q_LOGIN_COUNTS] = "SELECT (SELECT count(*) FROM srp_logins WHERE expires_at > $3::float8), "
                       "(SELECT count(*) FROM srp_logins WHERE account_id = $1 AND expires_at > "
                       "$3::float8), (SELECT count(*) FROM srp_logins WHERE address = $2 AND "
                       "expires_at > $3::float8)",
    [Q_LOGIN_INSERT] = "INSERT INTO srp_logins (id, account_id, address, recovery, fake, "
                       "generation, expires_at, sealed) VALUES ($1, $2, $3, $4::int <> 0, "
                       "$5::int <> 0, $6, $7, $8)",
    [Q_LOGIN_TAKE] = "DELETE FROM srp_logins WHERE id = $1 RETURNING account_id, address, "
                     "recovery::int, fake::int, generation, expires_at, sealed",
    /* $2 rate, $3 burst, $4 now: a token taken only when one is there. */
    [Q_RATE_TAKE] = "INSERT INTO rate_buckets AS b (key, tokens, refilled, full_at) VALUES ($1, "
                    "$3::float8 - 1, $4::float8, $4::float8 + 1 / $2::float8) ON CONFLICT (key) "
                    "DO UPDATE SET tokens = least($3, b.tokens + greatest(0, $4 - b.refilled) * "
                    "$2) - 1, refilled = greatest(b.refilled, $4), full_at = greatest(b.refilled, "
                    "$4) + ($3 - least($3, b.tokens + greatest(0, $4 - b.refilled) * $2) + 1) / $2 "
                    "WHERE least($3, b.tokens + greatest(0, $4 - b.refilled) * $2) >= 1 "
                    "RETURNING tokens",
    [Q_RATE_GET] = "SELECT tokens, refilled FROM rate_buckets WHERE key = $1",
    [Q_RATE_SWEEP] = "DELETE FROM rate_buckets WHERE full_at <= $1::float8",
    [Q_WAKE_GET] = "SELECT key, stamp FROM wake_stamps WHERE key = ANY($1::text[])",
    [Q_WAKE_SWEEP] = "DELETE FROM wake_stamps WHERE at < $1",
    /* $2 until, $3 now: a nonce new, or remembered only until before now, is (again) taken. */
    [Q_NONCE_USE] = "INSERT INTO device_nonces AS n (key, until) VALUES ($1, $2) ON CONFLICT "
                    "(key) DO UPDATE SET until = excluded.until WHERE n.until < $3",
    [Q_NONCE_SWEEP] = "DELETE FROM device_nonces WHERE until < $1",
    /* Deleted backups and accounts (store_pg_lifecycle.c), store_sqlite_lifecycle.c's. */
    [Q_LC_BACKUP_COUNT] = "SELECT count(*) FROM backups WHERE account_id = $1",
    [Q_LC_KEEP] = "INSERT INTO deleted_backups (" LC_BACKUP_COLS
                  ", deleted_at) SELECT " LC_BACKUP_COLS ", $2 FROM backups WHERE account_id = $1",
    [Q_LC_KEPT_DROP] = "DELETE FROM deleted_backups WHERE account_id = $1",
    [Q_LC_KEPT_LOCK] = "SELECT version FROM deleted_backups WHERE account_id = $1 FOR UPDATE",
    [Q_LC_RESTORE] = "INSERT INTO backups (" LC_BACKUP_COLS ") SELECT " LC_BACKUP_COLS
                     " FROM deleted_backups WHERE account_id = $1",
    [Q_LC_UNMARK_BACKUP] = "UPDATE accounts SET deleted_at = NULL, deleted_device_id = NULL, "
                           "deleted_device_name = NULL WHERE id = $1",
    [Q_LC_KEPT_LIST] = "SELECT version, device_id, device_name, created_at, size FROM "
                       "deleted_backups WHERE account_id = $1 ORDER BY version DESC",
    [Q_LC_KEPT_GET] = "SELECT d.version, d.device_id, d.device_name, d.created_at, d.size, "
                      "d.envelope FROM deleted_backups d JOIN accounts a ON a.id = d.account_id "
                      "WHERE d.account_id = $1 AND a.deleted_at IS NOT NULL AND (d.version = "
                      "$2::bigint OR ($2::bigint = 0 AND d.version = (SELECT max(version) FROM "
                      "deleted_backups WHERE account_id = $1)))",
    [Q_LC_ACCOUNT_STATE] = "SELECT account_deleted_at, account_deleted_device_id, "
                           "account_deleted_device_name FROM accounts WHERE id = $1",
    [Q_LC_ACCOUNT_LOCK] = "SELECT account_deleted_at FROM accounts WHERE id = $1 FOR UPDATE",
    [Q_LC_ACCOUNT_MARK] = "UPDATE accounts SET account_deleted_at = $2, "
                          "account_deleted_device_id = $3, account_deleted_device_name = $4, "
                          "generation = generation + 1 WHERE id = $1",
    [Q_LC_ACCOUNT_UNMARK] = "UPDATE accounts SET account_deleted_at = NULL, "
                            "account_deleted_device_id = NULL, account_deleted_device_name = "
                            "NULL WHERE id = $1",
    [Q_LC_PURGE_SESSIONS] = "DELETE FROM sessions WHERE account_id = $1",
    [Q_LC_PURGE_PORTAL] = "DELETE FROM portal_sessions WHERE account_id = $1",
    [Q_LC_PURGE_BACKUPS] = "DELETE FROM backups WHERE account_id = $1",
    [Q_LC_PURGE_KEPT] = "DELETE FROM deleted_backups WHERE account_id = $1",
    [Q_LC_PURGE_EVENTS] = "DELETE FROM events WHERE account_id = $1",
    [Q_LC_PURGE_CONTACTS] = "DELETE FROM contacts WHERE account_id = $1",
    [Q_LC_PURGE_CODES] = "DELETE FROM verify_codes WHERE account_id = $1",
    [Q_LC_PURGE_SENDS] = "DELETE FROM verify_sends WHERE account_id = $1",
    [Q_LC_PURGE_SIGNINS] = "DELETE FROM signin_requests WHERE account_id = $1",
    [Q_LC_PURGE_FAILURES] = "DELETE FROM signin_failures WHERE account_id = $1",
    [Q_LC_PURGE_ADDRESSES] = "DELETE FROM signin_addresses WHERE account_id = $1",
    [Q_LC_PURGE_ACTIVATIONS] = "DELETE FROM activations WHERE account_id = $1",
    [Q_LC_PURGE_LOGINS] = "DELETE FROM srp_logins WHERE account_id = $1",
    [Q_LC_PURGE_DEVICES] = "DELETE FROM devices WHERE account_id = $1",
    [Q_LC_PURGE_ACCOUNT] = "DELETE FROM accounts WHERE id = $1",
    [Q_LC_TOMBSTONE_PUT] = "INSERT INTO email_tombstones (email_hash, deleted_at) VALUES ($1, $2) "
                           "ON CONFLICT (email_hash) DO UPDATE SET deleted_at = "
                           "excluded.deleted_at",
    [Q_LC_TOMBSTONE_GET] = "SELECT deleted_at FROM email_tombstones WHERE email_hash = $1 AND "
                           "deleted_at > $2",
    [Q_LC_PURGE_DUE] = "SELECT id, email, account_deleted_at FROM accounts WHERE "
                       "account_deleted_at <= $1",
    [Q_LC_SWEEP_KEPT] = "DELETE FROM deleted_backups WHERE deleted_at <= $1",
    [Q_LC_SWEEP_TOMBSTONES] = "DELETE FROM email_tombstones WHERE deleted_at <= $1",
};
