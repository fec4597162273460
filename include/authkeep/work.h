/*
 * This device on work or school accounts (SPEC §1 and §4 "Identity",
 * docs/api.md "POST /v1/activate"): enrolment with an administrator's
 * activation code (authkeep/activation.h), and the work entry whose code is
 * the per-device TOTP the organisation's server issues.
 *
 * A work entry has kind AK_KIND_WORK, issuer the server's URL (no trailing
 * slash) and name the email. Its TOTP secret is this device's alone, as the
 * personal entry's (authkeep/device.h): a backup carries only the reference,
 * and after a recovery the entry waits for a new activation code.
 *
 * The device id a work account knows is not the vault's own, so that one
 * device can be on a personal and a work account of the same server: it
 * is the hex of BLAKE2b-128, keyed with the vault's device id (its 32
 * characters), over "authkeep-work", a 0 byte, the server's URL, a 0 byte
 * and the email (lower-cased). The device key is the vault's all the same.
 */
#ifndef AUTHKEEP_WORK_H
#define AUTHKEEP_WORK_H

#include <stdbool.h>
#include <stdint.h>

#include "authkeep/activation.h"
#include "authkeep/client.h"
#include "authkeep/err.h"
#include "authkeep/vault.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The device id of `vault` on the work account (`server`, `email`), as above. */
enum ak_err ak_work_device_id(char out[AK_DEVICE_ID_LEN + 1], const struct ak_vault *vault,
                              const char *server, const char *email)
    __attribute__((warn_unused_result));

/* The work entry of (`server`, `email`) in `accounts`; AK_ERR_NOT_FOUND when there is none. */
enum ak_err ak_work_find(const struct ak_account_list *accounts, const char *server,
                         const char *email, size_t *index);

/* Why the server refused an activation. */
enum ak_work_refusal {
        AK_WORK_ACCEPTED = 0,
        AK_WORK_BAD_CODE,     /* no such code for this organisation and email */
        AK_WORK_USED,         /* the code was used already */
        AK_WORK_EXPIRED,      /* the code expired */
        AK_WORK_REMOVED,      /* the organisation removed the user */
        AK_WORK_DEVICE_TAKEN, /* the device id is another account's */
        AK_WORK_TOO_MANY,     /* the user has the most devices it may have */
        AK_WORK_OTHER,        /* another failure: see err and detail */
};

/* What an enrolment gave. */
struct ak_work_enrolment {
        enum ak_err err;              /* AK_OK, AK_ERR_AUTH for a refusal, or the failure */
        enum ak_work_refusal refusal; /* for AK_ERR_AUTH */
        char device_id[AK_DEVICE_ID_LEN + 1];
        int64_t registered_at;
        bool added;       /* the work entry was new in the vault */
        char detail[256]; /* on failure: what went wrong, in words (never the code) */
};

/*
 * Enrols this device with the activation `a` (POST /v1/activate to
 * a->server through `client`, a client of that server): the derived device
 * id, `name` cut to AK_DEVICE_NAME_MAX bytes ("device" when empty) and the
 * vault's public key. On success the work entry of (a->server, a->email) is
 * added or given the new per-device secret; on failure the vault is left
 * as it was. Changes the vault in memory only: the caller saves it.
 * Returns out->err (out may be NULL).
 */
enum ak_err ak_work_enrol(struct ak_client *client, struct ak_vault *vault,
                          const struct ak_activation *a, const char *name,
                          struct ak_work_enrolment *out) __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif
#endif
