/*
 * Verification after recovery (SPEC §1.4, docs/api.md "Verification"). A
 * device registered on a personal account that another device or an
 * alternate contact already vouches for waits for verification: its
 * personal entry holds its own code, but the code is not shown and no push
 * reaches it until the person proves who they are, from this device, with
 * the account's password (SRP: the password is never sent) and a one-time
 * code sent to an alternate email address or phone number. An account
 * without alternate contacts has only its password to prove.
 *
 * Alternate contacts are managed by a verified device of the account; a new
 * one receives a code first, so that only a contact its owner controls is
 * added.
 */
#ifndef AUTHKEEP_VERIFY_H
#define AUTHKEEP_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "authkeep/client.h"
#include "authkeep/err.h"
#include "authkeep/vault.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AK_CONTACT_MAX 254 /* bytes of an alternate contact */
#define AK_CONTACTS_MAX 10 /* contacts an account may have (the server's cap) */
#define AK_VERIFY_CODE_LEN 6

/*
 * Whether the personal or work entry `index` of the vault can show its code
 * and answer push: it has its own secret and does not wait for
 * verification. True for every third-party entry.
 */
bool ak_device_entry_verified(const struct ak_vault *vault, size_t index);

/*
 * Marks the personal or work entry `index` as waiting for verification, or
 * (`waits` false) verified. Changes the vault in memory only.
 */
enum ak_err ak_device_entry_set_waiting(struct ak_vault *vault, size_t index, bool waits)
    __attribute__((warn_unused_result));

/* How the server took a verification call. */
enum ak_verify_outcome {
        AK_VERIFY_VERIFIED = 0, /* done: the device is verified (or the contact added) */
        AK_VERIFY_SENT,         /* a code went to `sent_to` */
        AK_VERIFY_WRONG_CODE,   /* not the code; `tries_left` */
        AK_VERIFY_EXPIRED,      /* the code expired, was used, or was tried too often */
        AK_VERIFY_NO_CODE,      /* no code was sent for this */
        AK_VERIFY_NO_CONTACT,   /* no contact of the kind asked; `kinds` has those there are */
        AK_VERIFY_TOO_SOON,     /* a code was sent a moment ago; `retry_after` */
        AK_VERIFY_NOT_SENT,     /* the server could not send the code; `detail` says why */
        AK_VERIFY_UNAVAILABLE,  /* the server sends no codes of that kind */
        AK_VERIFY_EXISTS,       /* the contact is there already */
        AK_VERIFY_TOO_MANY,     /* the account has AK_CONTACTS_MAX contacts */
};

struct ak_verify_result {
        enum ak_verify_outcome outcome;
        char sent_to[AK_CONTACT_MAX + 8]; /* SENT: where, masked ("a***@example.com") */
        char kind[8];                     /* SENT: "email" or "phone" */
        int64_t expires_at;               /* SENT: unix seconds */
        unsigned tries_left;              /* WRONG_CODE */
        long retry_after;                 /* TOO_SOON: seconds */
        char kinds[16];                   /* NO_CONTACT: "email", "phone" or "email,phone" */
        char detail[256];                 /* the server's words (never a code) */
};

/*
 * Proves the password of the personal entry `index`'s account (a fresh SRP
 * proof; AK_ERR_AUTH when it is wrong) from this device, and asks for a code
 * to the account's alternate contact of `send` ("email", "phone", or NULL:
 * the first there is). AK_OK with out->outcome: VERIFIED when the account
 * has no contact (or the device was verified), then the entry no longer
 * waits; SENT; or the refusal. The caller saves the vault.
 */
enum ak_err ak_verify_start(struct ak_client *client, struct ak_vault *vault, size_t index,
                            const char *password, size_t password_len, const char *send,
                            int64_t now, struct ak_verify_result *out)
    __attribute__((warn_unused_result));

/*
 * Gives the code that ak_verify_start sent. AK_OK with out->outcome:
 * VERIFIED (the entry no longer waits; the caller saves the vault),
 * WRONG_CODE, EXPIRED or NO_CODE.
 */
enum ak_err ak_verify_finish(struct ak_client *client, struct ak_vault *vault, size_t index,
                             const char *code, int64_t now, struct ak_verify_result *out)
    __attribute__((warn_unused_result));

/* ---- alternate contacts (a verified device's calls) ---- */

struct ak_contact {
        char kind[8]; /* "email" or "phone" */
        char value[AK_CONTACT_MAX + 1];
        int64_t added_at;
};

struct ak_contact_list {
        struct ak_contact *items;
        size_t count;
};

void ak_contact_list_clear(struct ak_contact_list *list);

/*
 * The contacts of the account of the personal entry `index`, with this
 * device's header. As for every call of this file, AK_ERR_NOT_FOUND when
 * the server does not know this device (removed, or never registered),
 * AK_ERR_AUTH when it waits for verification (or, for ak_verify_start,
 * when the password is wrong).
 */
enum ak_err ak_client_contacts(struct ak_client *client, const struct ak_vault *vault, size_t index,
                               int64_t now, struct ak_contact_list *out)
    __attribute__((warn_unused_result));

/*
 * Asks to add `value` as a contact of `kind` ("email" or "phone"): a code
 * goes to it. AK_OK with out->outcome SENT, EXISTS, TOO_MANY, TOO_SOON,
 * NOT_SENT or UNAVAILABLE.
 */
enum ak_err ak_client_contact_add(struct ak_client *client, const struct ak_vault *vault,
                                  size_t index, const char *kind, const char *value, int64_t now,
                                  struct ak_verify_result *out) __attribute__((warn_unused_result));

/* Gives the code sent to `value`: VERIFIED (added), WRONG_CODE, EXPIRED, NO_CODE, TOO_MANY. */
enum ak_err ak_client_contact_confirm(struct ak_client *client, const struct ak_vault *vault,
                                      size_t index, const char *value, const char *code,
                                      int64_t now, struct ak_verify_result *out)
    __attribute__((warn_unused_result));

/* Removes a contact; AK_ERR_NOT_FOUND when the account has no such contact. */
enum ak_err ak_client_contact_remove(struct ak_client *client, const struct ak_vault *vault,
                                     size_t index, const char *value, int64_t now)
    __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif
#endif
