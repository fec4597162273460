/*
 * This device on its personal account (SPEC §4 "Identity", docs/api.md
 * "Devices" and "Push sign-in"): registering it with its Ed25519 public
 * key, the personal entry whose code is the per-device TOTP the server
 * issues, the account's list of devices, and answering push sign-ins.
 *
 * The per-device TOTP secret is kept in the personal entry of the vault
 * and never leaves the library: a backup holds only the entry's reference
 * (server, email, kind), and every export skips it. The device key signs
 * inside the library (ak_signin_sign, ak_device_auth_make).
 */
#ifndef AUTHKEEP_DEVICE_H
#define AUTHKEEP_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "authkeep/client.h"
#include "authkeep/err.h"
#include "authkeep/signin.h"
#include "authkeep/vault.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AK_DEVICE_NAME_MAX 64          /* bytes of a device's name on the server */
#define AK_DEVICE_TOTP_BYTES 20        /* the per-device secret: 160 bits */
#define AK_DEVICES_MAX 1000            /* cap on the devices list */
#define AK_SIGNIN_REQUESTS_MAX 64      /* cap on the pending requests in one answer */
#define AK_DEVICE_WAIT_MAX 30          /* the longest wait a device may ask for, seconds */
#define AK_DEVICE_WAIT_SLACK_MS 10000u /* a long-poll's timeout is its wait plus this */

/* ---- the personal entry ---- */

/*
 * Whether `name` can name a device: UTF-8 without control characters (the
 * server refuses them, and other devices show the name). AK_ERR_INVALID,
 * with the reason, when it cannot. Length is not checked: registration cuts
 * a name to AK_DEVICE_NAME_MAX bytes.
 */
enum ak_err ak_device_name_check(const char *name) __attribute__((warn_unused_result));

/*
 * The personal entry of (`server`, `email`) in `accounts`: kind personal,
 * issuer the server's URL (without a trailing slash), name the email
 * (compared case-insensitively). AK_ERR_NOT_FOUND when there is none.
 */
enum ak_err ak_device_personal_find(const struct ak_account_list *accounts, const char *server,
                                    const char *email, size_t *index);

/* What registering this device gave. */
struct ak_device_registration {
        /*
         * AK_OK: registered, the personal entry holds its own code.
         * AK_ERR_UNSUPPORTED: the server has no devices (too old);
         * AK_ERR_LIMIT: the account has max_devices already; else the
         * failure to reach the server or its refusal.
         */
        enum ak_err err;
        uint64_t max_devices;  /* for AK_ERR_LIMIT, 0 when the server did not say */
        int64_t registered_at; /* unix seconds */
        bool added;            /* the personal entry was new in the vault */
        bool waits;            /* the device waits for verification (authkeep/verify.h) */
        char detail[256];      /* on failure: what went wrong, in words (never a secret) */
};

/*
 * Registers this device (POST /v1/devices: its id, `name` cut to
 * AK_DEVICE_NAME_MAX bytes, "device" when empty, and its public key) with
 * `client`, signed in to the account `email` on `server`. On success the
 * personal entry of (server, email) is added or updated with the new
 * per-device secret (SHA1, 6 digits, 30 s); on failure the vault is left
 * as it was. Changes the vault in memory only: the caller saves it.
 * Returns out->err (out may be NULL).
 */
enum ak_err ak_device_register(struct ak_client *client, struct ak_vault *vault, const char *server,
                               const char *email, const char *name,
                               struct ak_device_registration *out)
    __attribute__((warn_unused_result));

/*
 * The same under the device id `device_id` (NULL: the vault's own), for a
 * personal account that is not the backup's (ak_personal_device_id).
 */
enum ak_err ak_device_register_as(struct ak_client *client, struct ak_vault *vault,
                                  const char *device_id, const char *server, const char *email,
                                  const char *name, struct ak_device_registration *out)
    __attribute__((warn_unused_result));

/* ---- personal accounts besides the backup's (lib/account_add.c) ---- */

/*
 * The device id of `vault` on the personal account (`server`, `email`):
 * the vault's own for the account backup goes to, else derived as a work
 * account's (authkeep/work.h) but over "authkeep-personal", so that one
 * device can be on several accounts of one server (the server's device ids
 * are unique per server). AK_ERR_INVALID for a bad server or email.
 */
enum ak_err ak_personal_device_id(char out[AK_DEVICE_ID_LEN + 1], const struct ak_vault *vault,
                                  const char *server, const char *email)
    __attribute__((warn_unused_result));

/*
 * The device id the server knows for the personal or work entry `index`:
 * the one an added personal account was registered with (kept on the
 * device), the vault's own for the backup's, the derived one for a work
 * account. AK_ERR_INVALID for another entry.
 */
enum ak_err ak_device_entry_id(char out[AK_DEVICE_ID_LEN + 1], const struct ak_vault *vault,
                               size_t index) __attribute__((warn_unused_result));

/*
 * Whether the entry `index` is a personal account added with
 * ak_account_add on this device (registered under a derived id), rather
 * than the backup's.
 */
bool ak_device_entry_added(const struct ak_vault *vault, size_t index);

/*
 * A client of the server of the personal or work entry `index`, with
 * `options` (plain HTTP to a host that is not loopback also when the
 * account was added with `insecure`). Free it with ak_client_free.
 */
enum ak_err ak_device_entry_client(struct ak_client **out, const struct ak_vault *vault,
                                   size_t index, const struct ak_client_options *options)
    __attribute__((warn_unused_result));

/*
 * Whether ak_account_add may add (`server`, `email`) to this vault, before
 * a password is asked: AK_ERR_INVALID for a bad server or email,
 * AK_ERR_EXISTS (with the reason) for the backup's account or one the
 * vault has a registered entry of already.
 */
enum ak_err ak_account_add_check(const struct ak_vault *vault, const char *server,
                                 const char *email) __attribute__((warn_unused_result));

/*
 * Adds the personal account `email` on `server` to this device: signs in
 * with its password (SRP; `password_len` bytes, never sent), registers
 * this device under ak_personal_device_id as `name` (cut to
 * AK_DEVICE_NAME_MAX bytes), stores the personal entry with its
 * per-device code and whether it waits for verification (the account has
 * verified devices already), and signs out. An entry that came back
 * without a secret (a recovery) is filled, not doubled. `options` make
 * the client (`insecure` is remembered for later calls). Refused with
 * AK_ERR_EXISTS when (server, email) is the backup's account or the vault
 * has its registered entry already; AK_ERR_INVALID for a bad server or
 * email; else the sign-in's or registration's failure (AK_ERR_AUTH,
 * AK_ERR_UNKNOWN_ACCOUNT, AK_ERR_NETWORK, ...). Changes the vault in
 * memory only, and not at all on failure: the caller saves it. Returns
 * out->err (out may be NULL).
 */
enum ak_err ak_account_add(struct ak_vault *vault, const char *server, const char *email,
                           const char *password, size_t password_len, const char *name,
                           const struct ak_client_options *options,
                           struct ak_device_registration *out) __attribute__((warn_unused_result));

/* ---- the account's devices (signed in) ---- */

struct ak_device_entry {
        char id[AK_DEVICE_ID_LEN + 1];
        char name[AK_DEVICE_NAME_MAX + 1];
        int64_t registered, last_used; /* unix seconds; last_used 0: never */
        bool this_device;
        bool verified; /* false: waits for verification (authkeep/verify.h) */
};

struct ak_device_list {
        struct ak_device_entry *items; /* oldest first, as the server lists them */
        size_t count;
};

/* Frees the list; accepts NULL. */
void ak_device_list_clear(struct ak_device_list *list);

/* GET /v1/devices; this_device is set for `this_device_id`. */
enum ak_err ak_client_devices(struct ak_client *client, const char *this_device_id,
                              struct ak_device_list *out) __attribute__((warn_unused_result));

/*
 * DELETE /v1/devices/ID (`force`: even the last one). AK_ERR_NOT_FOUND
 * for a device the account does not have; AK_ERR_CONFLICT when it is the
 * last device and `force` is not set. Nothing changes then.
 */
enum ak_err ak_client_device_remove(struct ak_client *client, const char *device_id, bool force)
    __attribute__((warn_unused_result));

/*
 * Finds the device `query` names in `list`: an exact id, or a name that
 * one device alone has (case-insensitive). AK_ERR_NOT_FOUND, AK_ERR_AMBIGUOUS.
 */
enum ak_err ak_device_list_find(const struct ak_device_list *list, const char *query,
                                size_t *index);

/* ---- push sign-in, the device's side ---- */

struct ak_signin_requests {
        struct ak_signin_challenge *items;
        size_t count;
};

/* Frees the list; accepts NULL. */
void ak_signin_requests_clear(struct ak_signin_requests *list);

/*
 * GET /v1/device/requests?wait=WAIT with the device header of `vault` at
 * `now`: the pending requests for this device's accounts, waiting up to
 * `wait_seconds` (0..AK_DEVICE_WAIT_MAX) for one. The client's timeout
 * must be longer than the wait (AK_DEVICE_WAIT_SLACK_MS more). AK_ERR_AUTH
 * when the server does not know this device (or it was removed).
 */
enum ak_err ak_client_signin_requests(struct ak_client *client, const struct ak_vault *vault,
                                      unsigned wait_seconds, int64_t now,
                                      struct ak_signin_requests *out)
    __attribute__((warn_unused_result));

/*
 * The same naming the device id `device_id` (NULL: the vault's own) in its
 * device header, for an account whose device id is derived from the
 * vault's (a work account, authkeep/work.h).
 */
enum ak_err ak_client_signin_requests_as(struct ak_client *client, const struct ak_vault *vault,
                                         const char *device_id, unsigned wait_seconds, int64_t now,
                                         struct ak_signin_requests *out)
    __attribute__((warn_unused_result));

/* How the server took an answer. */
enum ak_signin_outcome {
        AK_SIGNIN_APPROVED = 0,
        AK_SIGNIN_DENIED,           /* denied (or reported) as asked */
        AK_SIGNIN_WRONG_NUMBER,     /* approved with a number that did not match: denied */
        AK_SIGNIN_ALREADY_ANSWERED, /* answered before (here or on another device) */
        AK_SIGNIN_EXPIRED,          /* too late */
        AK_SIGNIN_NOT_REGISTERED,   /* the server does not know this device or its key */
        AK_SIGNIN_REPLAYED,         /* the device header was used before: try again */
        AK_SIGNIN_UNKNOWN,          /* no such request */
};

/*
 * Answers `c` (as ak_client_signin_requests gave it): signs the decision
 * (and the number typed, for an approval) with the device key and POSTs
 * /v1/signin/ID/answer with the device header. AK_OK with *outcome when
 * the server said how it took it; else the failure to reach it.
 */
enum ak_err ak_client_signin_answer(struct ak_client *client, const struct ak_vault *vault,
                                    const struct ak_signin_challenge *c,
                                    enum ak_signin_decision decision, unsigned number, int64_t now,
                                    enum ak_signin_outcome *outcome)
    __attribute__((warn_unused_result));

/* The same signed and sent as device `device_id` (NULL: the vault's own), as above. */
enum ak_err ak_client_signin_answer_as(struct ak_client *client, const struct ak_vault *vault,
                                       const char *device_id, const struct ak_signin_challenge *c,
                                       enum ak_signin_decision decision, unsigned number,
                                       int64_t now, enum ak_signin_outcome *outcome)
    __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif
#endif
