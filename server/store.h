/*
 * authkeepd's storage interface. The HTTP layer sees only this: an opaque
 * handle whose first member is a table of operations. store_sqlite.c is the
 * first implementation; a PostgreSQL one (store_pg.c) can follow behind the
 * same table, selected by the --db URL's scheme in store.c, which also holds
 * the caches that every backend shares.
 *
 * Every operation is safe to call from any thread at once. Writes are durable
 * when they return (or when their completion runs): committed and synced.
 * Results are enum akd_store_result; AKD_STORE_ERROR means the store failed
 * and the implementation has logged why.
 */
#ifndef AUTHKEEPD_STORE_H
#define AUTHKEEPD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "authkeep/signin.h"
#include "authkeep/srp.h"
#include "ratelimit.h"
#include "server.h"

#define AKD_ACCOUNT_ID_LEN 32 /* hex characters */
#define AKD_TOKEN_HASH_LEN 32 /* BLAKE2b-256 of a session token */

enum akd_store_result {
        AKD_STORE_OK = 0,
        AKD_STORE_NOT_FOUND, /* no such account, session or version */
        AKD_STORE_EXISTS,    /* the email has an account already */
        AKD_STORE_CONFLICT,  /* replaces_version is not the latest */
        AKD_STORE_DELETED,   /* every version was deleted */
        AKD_STORE_MOVED,     /* the account's credential generation is not the one given */
        AKD_STORE_LIMITED,   /* a cap was reached (devices, sign-in requests) */
        AKD_STORE_MUTED,     /* push sign-in is muted for the account after a report */
        AKD_STORE_GONE,      /* the sign-in request expired */
        AKD_STORE_ERROR,
};

/* A recovery account as stored. */
struct akd_account {
        char id[AKD_ACCOUNT_ID_LEN + 1];
        char email[AKD_EMAIL_MAX + 1];
        int64_t created_at;
        struct akd_credential password;
        bool has_recovery;
        struct akd_credential recovery;
        /*
         * The credential generation: moved on by every password change, every
         * revocation of all sessions and every sign-in with the recovery code.
         * A sign-in or a password change proved against one generation is
         * refused once it has moved (AKD_STORE_MOVED).
         */
        uint64_t generation;
        /*
         * A work user's (an organisation's member): its organisation's id, ""
         * for a recovery account. A work user has no password or recovery
         * code (`password` is zeroed), and `removed` once the organisation
         * removed it.
         */
        char org_id[AKD_ACCOUNT_ID_LEN + 1];
        bool removed;
};

struct akd_session {
        char account_id[AKD_ACCOUNT_ID_LEN + 1];
        bool recovery; /* signed in with the recovery code */
        int64_t created_at;
        int64_t expires_at;
};

/* One backup version without its envelope. */
struct akd_backup_meta {
        uint64_t version;
        char device_id[AKD_DEVICE_ID_MAX + 1];
        char device_name[AKD_DEVICE_NAME_MAX + 1];
        int64_t created_at;
        size_t size;
};

/* The state left by a delete: who deleted, when, and the last version then. */
struct akd_backup_deleted {
        int64_t deleted_at;
        char device_id[AKD_DEVICE_ID_MAX + 1];
        char device_name[AKD_DEVICE_NAME_MAX + 1];
        uint64_t latest_version;
};

/*
 * A backup version read with the session of its download
 * (akd_store_session_backup_get): `result` is backup_get's, and the other
 * members are filled as backup_get fills them (`envelope` only on OK, to
 * free()).
 */
struct akd_backup_read {
        enum akd_store_result result;
        struct akd_backup_meta meta;
        uint8_t *envelope;
        struct akd_backup_deleted deleted;
};

/*
 * An upload, run asynchronously so that concurrent uploads share one
 * transaction and one fsync (group commit). The caller fills the inputs and
 * `done`, and keeps the struct alive until `done` runs (on a store thread);
 * the outputs are valid in `done`.
 */
struct akd_backup_put {
        /* inputs */
        char account_id[AKD_ACCOUNT_ID_LEN + 1];
        uint64_t replaces_version;
        char device_id[AKD_DEVICE_ID_MAX + 1];
        char device_name[AKD_DEVICE_NAME_MAX + 1];
        const uint8_t *envelope;
        size_t envelope_len;
        int64_t now;
        unsigned keep_versions;
        void (*done)(struct akd_backup_put *put);
        void *ctx;
        /* outputs */
        enum akd_store_result result;
        long retry_after;                  /* ERROR: as unavailable_for answers it, 0 if not an outage */
        uint64_t version;                  /* OK: the new version */
        struct akd_backup_meta latest;     /* CONFLICT: the latest version */
        struct akd_backup_deleted deleted; /* DELETED */
};

/* ---- devices and push sign-in ---- */

#define AKD_DEVICE_LABEL_MAX 64  /* bytes of a device's name */
#define AKD_TOTP_SECRET_BYTES 20 /* 160 bits, RFC 4226's recommendation */

/* A registered device, with what the server needs to check its codes and calls. */
struct akd_device {
        char id[AK_DEVICE_ID_LEN + 1];
        char account_id[AKD_ACCOUNT_ID_LEN + 1];
        char name[AKD_DEVICE_LABEL_MAX + 1];
        uint8_t public_key[AK_DEVICE_PK_BYTES];
        uint8_t totp_secret[AKD_TOTP_SECRET_BYTES];
        uint64_t last_step; /* the last TOTP step accepted (0: none) */
        int64_t registered_at;
        int64_t last_used;   /* 0: never */
        int64_t verified_at; /* 0: waits for verification (docs/api.md, "Verification") */
};

enum akd_signin_state {
        AKD_SIGNIN_PENDING,
        AKD_SIGNIN_APPROVED,
        AKD_SIGNIN_DENIED,
        AKD_SIGNIN_EXPIRED,
};

/* One push sign-in request: what devices see (`c`), and what only the server knows. */
struct akd_signin {
        struct ak_signin_challenge c;
        char account_id[AKD_ACCOUNT_ID_LEN + 1]; /* "" for an email without an account */
        unsigned number;
        enum akd_signin_state state; /* as stored: a pending one may be past expires_at */
};

/* The answer of a device, applied by signin_answer. */
struct akd_signin_answer {
        const char *request_id;
        const char *account_id;
        const char *device_id;
        enum akd_signin_state state; /* APPROVED or DENIED */
        const char *event;           /* the kind of the event recorded */
        int64_t now;
        int64_t muted_until; /* > 0: mutes the account's push sign-ins until then */
};

/* One entry of an account's events (docs/api.md, "Events"). */
struct akd_event {
        int64_t at;
        char kind[24];
        char device_id[AK_DEVICE_ID_LEN + 1];
        char from[AK_SIGNIN_FROM_MAX + 1];
        char app[AK_SIGNIN_APP_MAX + 1];
};

#define AKD_EVENTS_MAX 100 /* listed at most, newest first */

/* ---- verification after recovery ---- */

#define AKD_CONTACT_MAX 254  /* bytes of an alternate contact: an email address or a phone number  \
                              */
#define AKD_CONTACTS_MAX 10  /* alternate contacts an account may have */
#define AKD_CODE_HASH_LEN 32 /* keyed BLAKE2b-256 of a one-time code */

enum akd_contact_kind { AKD_CONTACT_EMAIL, AKD_CONTACT_PHONE };

/* An alternate contact of an account. */
struct akd_contact {
        enum akd_contact_kind kind;
        char value[AKD_CONTACT_MAX + 1];
        int64_t added_at;
};

/* What a one-time code is for, and so what its right use does. */
enum akd_code_purpose {
        AKD_CODE_DEVICE,  /* target: a device id; its use verifies the device */
        AKD_CODE_CONTACT, /* target: a contact's value; its use adds the contact */
};

/* A one-time code to store (code_put); the code itself only as its hash. */
struct akd_code {
        char account_id[AKD_ACCOUNT_ID_LEN + 1];
        enum akd_code_purpose purpose;
        char target[AKD_CONTACT_MAX + 1];
        enum akd_contact_kind kind;            /* of the destination */
        char destination[AKD_CONTACT_MAX + 1]; /* where it was sent */
        uint8_t hash[AKD_CODE_HASH_LEN];
        int64_t created_at, expires_at;
};

/* The limits code_put and code_use hold to. */
struct akd_code_policy {
        int64_t resend_after; /* seconds between two codes of an account */
        unsigned per_hour;    /* codes an account may be sent in an hour */
        unsigned tries;       /* wrong tries before a code is void */
};

/* What code_use found. */
struct akd_code_use {
        /* inputs */
        const char *account_id;
        enum akd_code_purpose purpose;
        const char *target;
        /* the hash of the code given, computed as code_put's was */
        uint8_t hash[AKD_CODE_HASH_LEN];
        int64_t now;
        unsigned max_tries;
        /* outputs */
        unsigned tries_left;        /* CONFLICT: tries left */
        struct akd_contact contact; /* OK for AKD_CODE_CONTACT: the contact added */
};

/* ---- organisations and work users (store_sqlite_orgs.c) ---- */

#define AKD_ORG_NAME_MAX 64        /* 1 to 64 of A-Z a-z 0-9 . _ - */
#define AKD_ACTIVATION_HASH_LEN 32 /* BLAKE2b-256 of an activation code */

struct akd_org {
        char id[AKD_ACCOUNT_ID_LEN + 1];
        char name[AKD_ORG_NAME_MAX + 1];
        int64_t created_at;
        unsigned users; /* not removed */
};

/* A work user as its organisation's administrator sees it: nothing of its other accounts. */
struct akd_work_user {
        char account_id[AKD_ACCOUNT_ID_LEN + 1];
        char email[AKD_EMAIL_MAX + 1];
        int64_t created_at;
        int64_t removed_at;        /* 0: a member */
        unsigned devices;          /* active */
        int64_t last_used;         /* the latest of its devices' (0: never) */
        unsigned activations_open; /* unused and unexpired codes */
};

/*
 * An activation: its code's hash, the device it enrols, what it answers.
 * `device` comes in with id, name and public key, and goes out with its new
 * TOTP secret and registration time.
 */
struct akd_activate {
        uint8_t code_hash[AKD_ACTIVATION_HASH_LEN];
        const char *org;   /* the organisation's name */
        const char *email; /* normalized */
        struct akd_device *device;
        unsigned max_devices;
        const char *from;
        int64_t now;
};

/* ---- sessions of the account page (store_sqlite_portal.c) ---- */

/*
 * A session of the account page (server/web.c): short-lived, kept as the
 * hash of its cookie's token, with the CSRF token its forms carry.
 */
struct akd_portal_session {
        char account_id[AKD_ACCOUNT_ID_LEN + 1];
        char csrf[44]; /* 43 base64url characters */
        int64_t created_at;
        int64_t expires_at;
};

/* ---- deleted accounts (store_sqlite_lifecycle.c) ---- */

#define AKD_EMAIL_HASH_LEN 32 /* keyed BLAKE2b-256 of an email, in a tombstone */

/* A recovery account deleted and kept for its grace period: who, when. */
struct akd_account_deleted {
        int64_t deleted_at;
        char device_id[AKD_DEVICE_ID_MAX + 1];
        char device_name[AKD_DEVICE_NAME_MAX + 1];
};

/* An account whose grace period has ended (account_purge_due). */
struct akd_account_due {
        char account_id[AKD_ACCOUNT_ID_LEN + 1];
        char email[AKD_EMAIL_MAX + 1];
        int64_t deleted_at;
};

/* What a password change does to the recovery code. */
enum akd_recovery_change {
        AKD_RECOVERY_KEEP,
        AKD_RECOVERY_REPLACE,
        AKD_RECOVERY_REMOVE,
};

/* ---- state shared by several processes (store_sqlite_shared.c) ---- */

#define AKD_LOGIN_ID_LEN 32 /* hex characters of a sign-in's login_id */
/* A sealed sign-in secret: a 24-byte nonce, the sealed bytes and a 16-byte tag. */
#define AKD_LOGIN_SECRET_LEN (AK_SRP_EPHEMERAL_BYTES + AK_SRP_IDENTITY_MAX + 1)
#define AKD_LOGIN_SEALED_LEN (24 + AKD_LOGIN_SECRET_LEN + 16)

/*
 * An SRP sign-in between its two steps, as the store keeps it. `sealed` holds
 * the server's secret ephemeral and the SRP identity, encrypted by the HTTP
 * layer under a key of the store's server_key (server/logins.c): the store
 * never sees them in clear.
 */
struct akd_login {
        char id[AKD_LOGIN_ID_LEN + 1];
        /* The account, or for an email without one a stand-in id derived from it. */
        char account_id[AKD_ACCOUNT_ID_LEN + 1];
        char address[AKD_ADDRESS_KEY_MAX]; /* the address key that started it */
        bool recovery;
        bool fake;           /* no such account or recovery code: the proof cannot pass */
        uint64_t generation; /* the account's credential generation at the start */
        double expires_at;   /* wall-clock seconds */
        uint8_t sealed[AKD_LOGIN_SEALED_LEN];
};

/* The caps on sign-ins in progress (0: no cap, but for `max`). */
struct akd_login_caps {
        unsigned max, per_account, per_address;
};

/* Which cap a sign-in found reached. */
enum akd_login_cap { AKD_LOGIN_CAP_ALL, AKD_LOGIN_CAP_ACCOUNT, AKD_LOGIN_CAP_ADDRESS };

/*
 * Where a wake-up hint goes (hints_listen): `key` is what a long-poll waits
 * on (an account id, a push sign-in request id). It may come from any thread.
 */
typedef void (*akd_hint_fn)(void *ctx, const char *key);

struct akd_store;

struct akd_store_ops {
        const char *name;
        /* Stops the store's threads, closes it and frees `st`; accepts NULL. */
        void (*close)(struct akd_store *st);
        /* OK when the store answers. */
        enum akd_store_result (*health)(struct akd_store *st);
        /*
         * After an operation returned ERROR on the calling thread: 0 when
         * the failure was that operation's own, else (the database could
         * not be reached) the whole seconds, at least 1, until the store
         * tries to reach it again, for a client to wait. NULL: a failure is
         * never an outage (SQLite's file is always there). A queued upload
         * tells it in its own retry_after.
         */
        long (*unavailable_for)(struct akd_store *st);

        /* EXISTS when the email is taken. */
        enum akd_store_result (*account_create)(struct akd_store *st,
                                                const struct akd_account *acc);
        enum akd_store_result (*account_by_email)(struct akd_store *st, const char *email,
                                                  struct akd_account *out);
        enum akd_store_result (*account_by_id)(struct akd_store *st, const char *id,
                                               struct akd_account *out);
        /*
         * Replaces the password's credential and applies `change` to the recovery
         * code (`recovery` used for REPLACE), deletes every session of the
         * account but `keep_token_hash` and moves the generation on, in one
         * transaction, and only while the account's generation is still
         * `generation` (MOVED otherwise, and nothing changes).
         */
        enum akd_store_result (*credentials_set)(struct akd_store *st, const char *account_id,
                                                 uint64_t generation,
                                                 const struct akd_credential *password,
                                                 enum akd_recovery_change change,
                                                 const struct akd_credential *recovery,
                                                 const uint8_t keep_token_hash[AKD_TOKEN_HASH_LEN]);

        /*
         * Creates the session only while its account's generation is still
         * `generation` (MOVED otherwise); `consume` (a recovery-code sign-in)
         * moves the generation on in the same transaction, so that of two
         * sign-ins proved against one generation only the first gets a session.
         */
        enum akd_store_result (*session_create)(struct akd_store *st,
                                                const uint8_t hash[AKD_TOKEN_HASH_LEN],
                                                const struct akd_session *session,
                                                uint64_t generation, bool consume);
        /* NOT_FOUND for an unknown or expired (at `now`) session. */
        enum akd_store_result (*session_get)(struct akd_store *st,
                                             const uint8_t hash[AKD_TOKEN_HASH_LEN], int64_t now,
                                             struct akd_session *out);
        enum akd_store_result (*session_delete)(struct akd_store *st,
                                                const uint8_t hash[AKD_TOKEN_HASH_LEN]);
        /* Deletes every session of the account and moves its generation on. */
        enum akd_store_result (*session_delete_all)(struct akd_store *st, const char *account_id);
        /* Valid sessions of the account at `now`. */
        enum akd_store_result (*session_count)(struct akd_store *st, const char *account_id,
                                               int64_t now, unsigned *count);

        /* Queues an upload; put->done runs later on a store thread, always. */
        void (*backup_put)(struct akd_store *st, struct akd_backup_put *put);
        /*
         * Version `version` (0: the latest) with its envelope in *envelope
         * (free()). NOT_FOUND when none at all (or no such version), DELETED with
         * *deleted filled.
         */
        enum akd_store_result (*backup_get)(struct akd_store *st, const char *account_id,
                                            uint64_t version, struct akd_backup_meta *meta,
                                            uint8_t **envelope, struct akd_backup_deleted *deleted);
        /*
         * session_get and then backup_get of the session's account, in one
         * read of the database: session_get's result, and on OK backup_get's
         * in `backup`. NULL where two reads cost no more than one (the
         * SQLite store, in-process and cached): akd_store_session_backup_get
         * then makes them.
         */
        enum akd_store_result (*session_backup_get)(struct akd_store *st,
                                                    const uint8_t hash[AKD_TOKEN_HASH_LEN],
                                                    int64_t now, uint64_t version,
                                                    struct akd_session *session,
                                                    struct akd_backup_read *backup);
        /* Versions newest first in *list (free()); DELETED with *deleted filled. */
        enum akd_store_result (*backup_list)(struct akd_store *st, const char *account_id,
                                             struct akd_backup_meta **list, size_t *count,
                                             struct akd_backup_deleted *deleted);
        /* Deletes every version; NOT_FOUND when there was none. */
        enum akd_store_result (*backup_delete)(struct akd_store *st, const char *account_id,
                                               const char *device_id, const char *device_name,
                                               int64_t now);

        /* ---- keys of the server's own ---- */

        /*
         * The key `name` of `len` bytes (at most 64): made of random bytes and
         * stored the first time it is asked for, the same ever after.
         */
        enum akd_store_result (*server_key)(struct akd_store *st, const char *name, uint8_t *out,
                                            size_t len);

        /*
         * Failed sign-ins (ratelimit.h), kept here so that a restart does not
         * forget them and several processes can share them. `address` is an
         * address key (akd_address_key()); times are wall-clock seconds.
         *
         * signin_counts fills counts[AKD_FAIL_SCOPES] for a sign-in to
         * `account_id` (NULL: no such account; only the address's count then)
         * from `address`, with zeros where nothing is counted, and
         * *signed_in_at with the last successful sign-in of that address to
         * that account (0: none).
         */
        enum akd_store_result (*signin_counts)(struct akd_store *st, const char *account_id,
                                               const char *address,
                                               struct akd_fail_count counts[AKD_FAIL_SCOPES],
                                               double *signed_in_at);
        /*
         * Counts one failed sign-in at `now` in the three counts, each by its
         * policy, in one transaction. Counts forgotten by every policy go.
         */
        enum akd_store_result (*signin_failed)(
            struct akd_store *st, const char *account_id, const char *address, double now,
            const struct akd_fail_policy policies[AKD_FAIL_SCOPES]);
        /*
         * A successful sign-in at `now`: forgets the count of the account from
         * `address` and remembers that the address signed in; drops the
         * account's addresses that have not signed in since `forget_before`.
         * Queued: it commits with the next writes, nothing waits for it.
         */
        void (*signin_succeeded)(struct akd_store *st, const char *account_id, const char *address,
                                 double now, double forget_before);

        /* ---- devices and push sign-in ---- */

        /*
         * Registers d (id, account_id, name, public_key, totp_secret) at `now`,
         * or replaces the key, name and secret of the account's device of that
         * id (its last step forgotten), and records a device_added event from
         * `from`. *created tells which; d->registered_at is set, and
         * d->verified_at: kept when the device registers again with the key
         * it was verified with, else `now` only when the account has neither
         * another verified device nor an alternate contact, else 0 (the
         * device waits for verification). LIMITED when
         * the account has max_devices active devices already, EXISTS when the
         * id is an active device of another account.
         */
        enum akd_store_result (*device_put)(struct akd_store *st, struct akd_device *d,
                                            unsigned max_devices, const char *from, bool *created);
        /* The account's active devices, oldest first, in *list (free()). */
        enum akd_store_result (*device_list)(struct akd_store *st, const char *account_id,
                                             struct akd_device **list, size_t *count);
        /* The active device `device_id`; NOT_FOUND when unknown or removed. */
        enum akd_store_result (*device_get)(struct akd_store *st, const char *device_id,
                                            struct akd_device *out);
        /*
         * Removes the account's device at `now` with a device_removed event;
         * NOT_FOUND when it has no such active device, CONFLICT when it is the
         * last one and not `force`.
         */
        enum akd_store_result (*device_remove)(struct akd_store *st, const char *account_id,
                                               const char *device_id, bool force, int64_t now,
                                               const char *from);
        /* Sets the device's last use to `now`. Queued: nothing waits for it. */
        void (*device_touch)(struct akd_store *st, const char *device_id, int64_t now);
        /*
         * Accepts the device's TOTP code of `step`, once: OK only while the
         * device is active and its last accepted step is older (then `step`
         * and `now` as its last use), CONFLICT otherwise.
         */
        enum akd_store_result (*totp_accept)(struct akd_store *st, const char *account_id,
                                             const char *device_id, uint64_t step, int64_t now);
        /*
         * Stores the new pending request `r` after expiring the pending one of
         * the same email (its id in `replaced`, "" when none). MUTED (with
         * *muted_until) while the account is muted at r->c.created_at,
         * LIMITED when the email had `max_recent` requests since `since`.
         */
        enum akd_store_result (*signin_create)(struct akd_store *st, const struct akd_signin *r,
                                               unsigned max_recent, int64_t since,
                                               char replaced[AK_SIGNIN_ID_LEN + 1],
                                               int64_t *muted_until);
        /* The request `id`, any state; NOT_FOUND. */
        enum akd_store_result (*signin_get)(struct akd_store *st, const char *id,
                                            struct akd_signin *out);
        /* The account's requests pending at `now`, oldest first, in *list (free()). */
        enum akd_store_result (*signin_pending)(struct akd_store *st, const char *account_id,
                                                int64_t now, struct akd_signin **list,
                                                size_t *count);
        /*
         * Applies a device's answer in one transaction, only while the request
         * is pending and unexpired at a->now: its state, the event, the mute,
         * the device's last use. CONFLICT when it was answered already, GONE
         * when it expired (or was replaced), NOT_FOUND when unknown.
         */
        enum akd_store_result (*signin_answer)(struct akd_store *st,
                                               const struct akd_signin_answer *a);
        /* The account's last AKD_EVENTS_MAX events, newest first, in *list (free()). */
        enum akd_store_result (*events_list)(struct akd_store *st, const char *account_id,
                                             struct akd_event **list, size_t *count);

        /* ---- verification after recovery ---- */

        /* The account's alternate contacts, oldest first, in *list (free()). */
        enum akd_store_result (*contacts_list)(struct akd_store *st, const char *account_id,
                                               struct akd_contact **list, size_t *count);
        /* Removes one; NOT_FOUND when the account has no such contact. */
        enum akd_store_result (*contact_remove)(struct akd_store *st, const char *account_id,
                                                const char *value, int64_t now, const char *from);
        /*
         * Marks the account's waiting device verified at `now` with a
         * device_verified event, only while the account has no alternate
         * contact (CONFLICT otherwise): the password is then all there is to
         * prove. NOT_FOUND when the account has no such active device; OK
         * when it was verified already.
         */
        enum akd_store_result (*device_verify_bare)(struct akd_store *st, const char *account_id,
                                                    const char *device_id, int64_t now,
                                                    const char *from);
        /*
         * Stores `code`, replacing the account's code of the same purpose and
         * target, and counts it sent; LIMITED (nothing stored) when the
         * account was sent a code less than policy->resend_after seconds ago
         * or policy->per_hour codes in the last hour (*retry_after: seconds
         * until one may be sent).
         */
        enum akd_store_result (*code_put)(struct akd_store *st, const struct akd_code *code,
                                          const struct akd_code_policy *policy,
                                          int64_t *retry_after);
        /* Forgets a code that could not be sent (and its count). */
        enum akd_store_result (*code_drop)(struct akd_store *st, const struct akd_code *code);
        /*
         * Uses the code of (account, purpose, target) in one transaction: OK
         * when u->hash matches an unexpired code (it goes, and its purpose is
         * done: the device verified, or the contact added, each with an
         * event); CONFLICT (u->tries_left) when it does not match, and GONE
         * when that was the last try or the code had expired (it goes);
         * NOT_FOUND when there is no code; LIMITED for a contact when the
         * account has AKD_CONTACTS_MAX already.
         */
        enum akd_store_result (*code_use)(struct akd_store *st, struct akd_code_use *u,
                                          const char *from);
        /* ---- sessions of the account page ---- */

        /*
         * Stores the portal session `hash` (s->csrf, created_at, expires_at;
         * expired ones go). With `signin_id`, only from that push sign-in
         * request while it is approved and unused, and until `grace` seconds
         * past its expiry; its account goes into s->account_id and the request
         * is used in the same transaction, so that it opens one session at
         * most. Else s->account_id is the account's. NOT_FOUND for an unknown
         * or unapproved request, CONFLICT when it was used, GONE when too
         * late.
         */
        enum akd_store_result (*portal_create)(struct akd_store *st,
                                               const uint8_t hash[AKD_TOKEN_HASH_LEN],
                                               struct akd_portal_session *s, const char *signin_id,
                                               int64_t grace);
        /* The portal session `hash`; NOT_FOUND when unknown or expired at `now`. */
        enum akd_store_result (*portal_get)(struct akd_store *st,
                                            const uint8_t hash[AKD_TOKEN_HASH_LEN], int64_t now,
                                            struct akd_portal_session *out);
        /* Ends the portal session `hash` (sign out); NOT_FOUND when there was none. */
        enum akd_store_result (*portal_delete)(struct akd_store *st,
                                               const uint8_t hash[AKD_TOKEN_HASH_LEN]);

        /* ---- organisations and work users (written by `authkeepd admin`) ---- */

        /* Creates the organisation `name` at `now` into *out; EXISTS when it is there. */
        enum akd_store_result (*org_create)(struct akd_store *st, const char *name, int64_t now,
                                            struct akd_org *out);
        /* The organisation `name`; NOT_FOUND. */
        enum akd_store_result (*org_get)(struct akd_store *st, const char *name,
                                         struct akd_org *out);
        /* Every organisation by name in *list (free()). */
        enum akd_store_result (*org_list)(struct akd_store *st, struct akd_org **list,
                                          size_t *count);
        /*
         * Adds the work user `email` (normalized) to organisation `org` at
         * `now`, or takes back one the organisation removed. NOT_FOUND
         * without the organisation; EXISTS when the email is a member of it
         * already; CONFLICT when it belongs to a recovery account or to
         * another organisation (`taken_by` then holds "" or that
         * organisation's name, AKD_ORG_NAME_MAX + 1 bytes).
         */
        enum akd_store_result (*work_user_add)(struct akd_store *st, const char *org,
                                               const char *email, int64_t now, char *taken_by);
        /*
         * Removes the member `email` of `org` at `now` in one transaction:
         * every device of theirs is revoked and every unused activation code
         * voided. NOT_FOUND when the organisation has no such member.
         */
        enum akd_store_result (*work_user_remove)(struct akd_store *st, const char *org,
                                                  const char *email, int64_t now);
        /* The members of `org`, removed ones too, by email in *list (free()); NOT_FOUND. */
        enum akd_store_result (*work_user_list)(struct akd_store *st, const char *org, int64_t now,
                                                struct akd_work_user **list, size_t *count);
        /*
         * Stores an activation code's hash for the member `email` of `org`,
         * valid until `expires_at`. NOT_FOUND when there is no such member,
         * DELETED when the member was removed.
         */
        enum akd_store_result (*activation_create)(struct akd_store *st, const char *org,
                                                   const char *email,
                                                   const uint8_t hash[AKD_ACTIVATION_HASH_LEN],
                                                   int64_t now, int64_t expires_at);
        /*
         * Uses the activation a->code_hash of (a->org, a->email) and
         * registers a->device for its user, verified at once, in one
         * transaction: the code is taken by one conditional update (unused,
         * unexpired, user not removed). NOT_FOUND for an unknown code (or
         * one of another organisation or email), DELETED when the user was
         * removed, CONFLICT when the code was used, GONE when it expired,
         * EXISTS when the device id is another account's, LIMITED when the
         * user has max_devices devices. Nothing changes then.
         */
        enum akd_store_result (*activate)(struct akd_store *st, struct akd_activate *a);

        /*
         * ---- deleted backups and accounts (store_sqlite_lifecycle.c) ----
         *
         * A delete keeps what it deletes, out of every other call's sight,
         * until the server purges it: the grace period is the server's
         * rule (server/lifecycle.c), which gives these calls the times.
         * A purge leaves no trace of what it removed in the store's files
         * (SQLite: secure_delete, then VACUUM and a checkpoint that
         * truncates the WAL; PostgreSQL: VACUUM of the tables it changed).
         */

        /*
         * Deletes every version of the backup at `now` by the device named,
         * keeping them apart (the deleted copy, *versions of them) for
         * backup_undelete; a deleted copy kept from an earlier delete goes
         * for good. NOT_FOUND when there is no version, DELETED when the
         * backup is deleted already.
         */
        enum akd_store_result (*backup_delete_kept)(struct akd_store *st, const char *account_id,
                                                    const char *device_id, const char *device_name,
                                                    int64_t now, unsigned *versions);
        /* The versions of the deleted copy, newest first, in *list (free()); maybe none. */
        enum akd_store_result (*backup_deleted_list)(struct akd_store *st, const char *account_id,
                                                     struct akd_backup_meta **list, size_t *count);
        /*
         * Version `version` (0: the latest) of the deleted copy, with its
         * envelope in *envelope (free()), while the backup is deleted.
         * NOT_FOUND otherwise.
         */
        enum akd_store_result (*backup_deleted_get)(struct akd_store *st, const char *account_id,
                                                    uint64_t version, struct akd_backup_meta *meta,
                                                    uint8_t **envelope);
        /*
         * Brings the deleted copy back as the backup's versions, only while
         * the backup is deleted and was deleted after `since`: OK with
         * *latest and *versions. CONFLICT when the backup is not deleted,
         * GONE when nothing is kept of it (purged, or deleted at `since` or
         * before).
         */
        enum akd_store_result (*backup_undelete)(struct akd_store *st, const char *account_id,
                                                 int64_t since, uint64_t *latest,
                                                 unsigned *versions);
        /*
         * Purges every version of the backup, kept or deleted, and marks it
         * deleted at `now` by the device named (when it was not already);
         * NOT_FOUND when there was none at all.
         */
        enum akd_store_result (*backup_purge)(struct akd_store *st, const char *account_id,
                                              const char *device_id, const char *device_name,
                                              int64_t now);
        /* OK for an account in use, DELETED (*out) for one deleted and kept, NOT_FOUND. */
        enum akd_store_result (*account_state)(struct akd_store *st, const char *account_id,
                                               struct akd_account_deleted *out);
        /*
         * Marks the recovery account deleted at `now` by the device named,
         * ends every session of it (and of its account page) and moves its
         * credential generation on. DELETED when it is deleted already,
         * NOT_FOUND.
         */
        enum akd_store_result (*account_delete)(struct akd_store *st, const char *account_id,
                                                const char *device_id, const char *device_name,
                                                int64_t now);
        /*
         * Takes the account back into use, only while it is deleted and was
         * deleted after `since`. CONFLICT when it is not deleted, GONE when
         * deleted at `since` or before, NOT_FOUND.
         */
        enum akd_store_result (*account_undelete)(struct akd_store *st, const char *account_id,
                                                  int64_t since);
        /*
         * Purges the account and everything it holds (backups, sessions,
         * devices, events, contacts, codes, sign-in requests and counts).
         * With `email_hash`, a tombstone of that hash made at `now` is left
         * in its place. NOT_FOUND.
         */
        enum akd_store_result (*account_purge)(struct akd_store *st, const char *account_id,
                                               const uint8_t *email_hash, int64_t now);
        /* The accounts deleted at `before` or earlier, in *list (free()). */
        enum akd_store_result (*account_purge_due)(struct akd_store *st, int64_t before,
                                                   struct akd_account_due **list, size_t *count);
        /*
         * Purges the deleted copies of backups deleted at `before` or
         * earlier, and the tombstones made then; *purged says how many
         * versions and tombstones went.
         */
        enum akd_store_result (*lifecycle_sweep)(struct akd_store *st, int64_t before,
                                                 unsigned *purged);
        /*
         * account_create, refusing (GONE, *deleted_at: when) an email whose
         * tombstone (its keyed hash `email_hash`) was made after `since`.
         */
        enum akd_store_result (*account_create_fresh)(struct akd_store *st,
                                                      const struct akd_account *acc,
                                                      const uint8_t *email_hash, int64_t since,
                                                      int64_t *deleted_at);
        /* ---- state shared by several processes (docs/architecture.md) ---- */

        /*
         * Stores the sign-in `l` until l->expires_at, unless a cap is reached
         * among the sign-ins unexpired at `now` (LIMITED, *cap says which):
         * caps->max in all, per_account of l's account, per_address of l's
         * address. Expired ones go. Several processes at once hold the caps.
         */
        enum akd_store_result (*login_put)(struct akd_store *st, const struct akd_login *l,
                                           double now, const struct akd_login_caps *caps,
                                           enum akd_login_cap *cap);
        /*
         * Takes the sign-in `id` into *out and deletes it, in one statement, so
         * that of two takers (two processes, a replay) one gets it. NOT_FOUND
         * when unknown, taken already, or expired at `now`.
         */
        enum akd_store_result (*login_take)(struct akd_store *st, const char *id, double now,
                                            struct akd_login *out);
        /*
         * Takes one token from the bucket `key` (`rate` a second, `burst` at
         * most, full when new) at `now` (wall-clock seconds) by one atomic
         * conditional update: *wait is 0 when taken, else the whole seconds
         * until a token is there (nothing taken).
         */
        enum akd_store_result (*rate_take)(struct akd_store *st, const char *key, double rate,
                                           double burst, double now, long *wait);
        /*
         * The stamps of `n` wake keys into stamps[] (0 for a key never
         * stamped). A commit that changes what a long-poll on a key waits on
         * moves the key's stamp in the same transaction: a stamp that differs
         * from the one read before looking is a change missed.
         */
        enum akd_store_result (*wake_stamps)(struct akd_store *st, const char *const *keys,
                                             size_t n, uint64_t *stamps);
        /*
         * Remembers the nonce `key` of a Device header (api_devices.c) until
         * `until` (unix seconds) by one atomic conditional write: OK when it
         * is new, or was remembered only until before `now`; EXISTS when it
         * is remembered, so that of two processes given one header only one
         * accepts it. NULL in a store that one process alone serves
         * (SQLite): the caller keeps the nonces in its own memory, which is
         * as good there and costs no write.
         */
        enum akd_store_result (*nonce_use)(struct akd_store *st, const uint8_t key[16],
                                           int64_t until, int64_t now);
        /*
         * From now on, calls `fn` with each key whose stamp a commit moved,
         * soon after the commit (a hint: it may come late or twice, or be lost
         * when the database's connection breaks; wake_stamps is the truth).
         * SQLite gives this process's commits before their operation
         * returns; PostgreSQL gives every process's commits through LISTEN.
         * NULL stops the hints, and returns only once none is being
         * delivered.
         */
        void (*hints_listen)(struct akd_store *st, akd_hint_fn fn, void *ctx);
};

/* Every implementation's handle starts with this. */
struct akd_store {
        const struct akd_store_ops *ops;
};

/*
 * Opens the store that `url` names ("sqlite:PATH", "postgres://..."): the scheme picks the
 * backend, the rest is the backend's own. `pool` is the number of
 * connections for requests of a backend that keeps a pool (PostgreSQL, from
 * 1 to AKD_DB_POOL_MAX; 0: AKD_DB_POOL_DEFAULT); SQLite's readers are its
 * own. Returns NULL with a sentence in `err` on failure. Close with
 * st->ops->close(st).
 */
struct akd_store *akd_store_open(const char *url, unsigned pool, char *err, size_t errlen);

/*
 * The same for a process that runs beside the server on the same database
 * (`authkeepd admin`): it does not take the server's exclusive lock, and
 * must write only what the server does not cache (store_sqlite.c says why).
 */
struct akd_store *akd_store_open_shared(const char *url, char *err, size_t errlen);

/*
 * An authenticated download's reads (store.c): ops->session_backup_get, or
 * where a store has none, session_get and then backup_get. The session's
 * result; on OK, `backup` holds backup_get's (with its envelope to free()).
 */
enum akd_store_result akd_store_session_backup_get(struct akd_store *st,
                                                   const uint8_t hash[AKD_TOKEN_HASH_LEN],
                                                   int64_t now, uint64_t version,
                                                   struct akd_session *session,
                                                   struct akd_backup_read *backup);

/* The SQLite implementation (store_sqlite.c); `path` is the database file. */
struct akd_store *akd_store_sqlite_open(const char *path, char *err, size_t errlen);
/* The same without the exclusive lock (akd_store_open_shared). */
struct akd_store *akd_store_sqlite_open_shared(const char *path, char *err, size_t errlen);

/*
 * The PostgreSQL implementation (store_pg.c); `rest` is the URL after its
 * scheme ("//USER@HOST/DB"), `pool` as for akd_store_open. Several
 * processes may share the database.
 */
struct akd_store *akd_store_pg_open(const char *rest, unsigned pool, char *err, size_t errlen);
struct akd_store *akd_store_pg_open_shared(const char *rest, char *err, size_t errlen);

/*
 * ---- caches shared by every backend (store.c) ----
 *
 * Sessions and each account's latest backup, kept in memory so that an
 * authenticated download touches no database. They are correct only while
 * this process is the database's only writer, which the backend makes sure
 * of; it then calls akd_store_cache_drop_* after each commit that changed a
 * cached thing and before any request of that commit is answered. A read
 * fills a cache only if no drop happened since it began (a generation
 * count), so a slow reader never puts back what a commit just dropped.
 * The PostgreSQL store, shared by several processes, does not use them
 * (store_pg.c says why).
 */
struct akd_store_cache;

/* A new, empty cache; NULL on no memory. */
struct akd_store_cache *akd_store_cache_new(void);
/* Frees the cache and all it holds; accepts NULL. */
void akd_store_cache_free(struct akd_store_cache *c);

/*
 * session_get through the cache: a hit answers at once, a miss calls `load`
 * (which reads the session, expired or not: OK, NOT_FOUND or ERROR) and
 * keeps an unexpired result. NOT_FOUND for a session expired at `now`.
 */
enum akd_store_result akd_store_cached_session(
    struct akd_store_cache *c, struct akd_store *st, const uint8_t hash[AKD_TOKEN_HASH_LEN],
    int64_t now, struct akd_session *out,
    enum akd_store_result (*load)(struct akd_store *st, const uint8_t hash[AKD_TOKEN_HASH_LEN],
                                  struct akd_session *out));

/*
 * backup_get through the cache, with backup_get's results. The latest
 * version (`version` 0) can come from the cache; otherwise `load` reads it
 * and sets *is_latest when the version it read is the account's latest,
 * which the cache then keeps.
 */
enum akd_store_result akd_store_cached_backup(
    struct akd_store_cache *c, struct akd_store *st, const char *account_id, uint64_t version,
    struct akd_backup_meta *meta, uint8_t **envelope, struct akd_backup_deleted *deleted,
    enum akd_store_result (*load)(struct akd_store *st, const char *account_id, uint64_t version,
                                  struct akd_backup_meta *meta, uint8_t **envelope,
                                  struct akd_backup_deleted *deleted, bool *is_latest));

/* After a commit that deleted sessions: forgets every cached session. */
void akd_store_cache_drop_sessions(struct akd_store_cache *c);
/* After a commit that changed the backups of `account_id`. */
void akd_store_cache_drop_backup(struct akd_store_cache *c, const char *account_id);

#endif
