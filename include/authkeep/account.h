/*
 * An account: what one OTP code is computed from, and a list of them in the
 * user's order.
 */
#ifndef AUTHKEEP_ACCOUNT_H
#define AUTHKEEP_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "authkeep/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AK_ID_BYTES 8 /* an account id is 16 hex characters */
#define AK_ID_LEN (AK_ID_BYTES * 2)
#define AK_SECRET_MAX 1024 /* bytes of a decoded secret */
/*
 * Secrets shorter than this (80 bits) give guessable codes: `authkeep add`
 * refuses them unless asked, imports keep them with a note. RFC 4226 asks
 * for 128 bits and recommends 160.
 */
#define AK_SECRET_SHORT_BYTES 10
#define AK_TEXT_MAX 512 /* bytes of an issuer or account name */

enum ak_otp_type {
        AK_OTP_TOTP = 0,
        AK_OTP_HOTP,
        AK_OTP_STEAM, /* Steam Guard: TOTP, SHA-1, 5 characters of Steam's alphabet */
};

enum ak_hash {
        AK_HASH_SHA1 = 0,
        AK_HASH_SHA256,
        AK_HASH_SHA512,
};

/* Who issues the account (SPEC §1): only third-party accounts carry an OTP secret that is backed
 * up. */
enum ak_account_kind {
        AK_KIND_THIRD_PARTY = 0,
        AK_KIND_PERSONAL,
        AK_KIND_WORK,
};

struct ak_account {
        char id[AK_ID_LEN + 1]; /* random, stable; "" until the account joins a vault */
        char *issuer;           /* never NULL once filled; may be "" */
        char *name;             /* the account name ("alice@example.com"); never NULL; may be "" */
        char *label_issuer;     /* the issuer an otpauth label named when it differed from the
                                   issuer parameter (kept and reported); else NULL */
        enum ak_account_kind kind;
        enum ak_otp_type type;
        enum ak_hash hash;
        unsigned digits;       /* 6..8; 5 for Steam */
        uint32_t period;       /* seconds, > 0 (TOTP and Steam) */
        uint64_t counter;      /* next HOTP counter */
        unsigned char *secret; /* raw key bytes, malloc'd, wiped on clear */
        size_t secret_len;     /* 1..AK_SECRET_MAX */
        int64_t created;       /* unix seconds, 0 when unknown */
};

/* Sets every field to its default: TOTP, SHA1, 6 digits, 30 s, no secret. */
void ak_account_init(struct ak_account *acct);

/* Wipes the secret and frees every field; the account is then as after init. Accepts NULL. */
void ak_account_clear(struct ak_account *acct);

/* Deep copy into `dst` (which must be initialised or cleared; it is overwritten). */
enum ak_err ak_account_copy(struct ak_account *dst, const struct ak_account *src)
    __attribute__((warn_unused_result));

/* Replaces a string field (issuer, name, label_issuer) with a copy of `value` (NULL allowed only
 * for label_issuer). */
enum ak_err ak_account_set_text(char **field, const char *value)
    __attribute__((warn_unused_result));

/* Replaces the secret with a copy of `len` bytes. */
enum ak_err ak_account_set_secret(struct ak_account *acct, const unsigned char *secret, size_t len)
    __attribute__((warn_unused_result));

/*
 * Checks the fields: a secret, digits 6..8 (5 for Steam), period > 0,
 * text within AK_TEXT_MAX. AK_ERR_OTP_PARAM (or AK_ERR_INVALID) with a detail naming the field.
 */
enum ak_err ak_account_validate(const struct ak_account *acct);

/* Same secret and same parameters (type, hash, digits, period; counter is ignored). */
bool ak_account_identical(const struct ak_account *a, const struct ak_account *b);

/* Same issuer and account name, compared case-insensitively. */
bool ak_account_same_label(const struct ak_account *a, const struct ak_account *b);

/* "Issuer:account", or "account" when the issuer is empty. Caller frees with free(). */
char *ak_account_label(const struct ak_account *acct);

const char *ak_otp_type_name(enum ak_otp_type type); /* "totp", "hotp", "steam" */
const char *ak_hash_name(enum ak_hash hash);         /* "SHA1", "SHA256", "SHA512" */
/* Case-insensitive; AK_ERR_OTP_PARAM when unknown. */
enum ak_err ak_otp_type_parse(enum ak_otp_type *out, const char *name);
enum ak_err ak_hash_parse(enum ak_hash *out, const char *name);

/* A list of accounts in the user's order. Zero-initialise or call ak_account_list_init. */
struct ak_account_list {
        struct ak_account *items;
        size_t count;
        size_t capacity;
};

void ak_account_list_init(struct ak_account_list *list);
/* Clears every account and frees the array. Accepts NULL. */
void ak_account_list_clear(struct ak_account_list *list);

/*
 * The accounts whose own secret a backup carries: third-party ones. A
 * personal or work entry goes into a backup only as a reference, and each
 * device gets its own credential for it, so counts of what is backed up or
 * recovered leave those out.
 */
size_t ak_account_list_carried(const struct ak_account_list *list);
/*
 * Appends `acct`, taking ownership of its fields (on success `acct` is left
 * initialised and empty). Gives it a fresh id when its id is "".
 */
enum ak_err ak_account_list_push(struct ak_account_list *list, struct ak_account *acct)
    __attribute__((warn_unused_result));
/* Removes and clears the account at `index`. */
void ak_account_list_remove(struct ak_account_list *list, size_t index);
/* Moves the account at `from` so that it ends at position `to` (0-based); others keep their order.
 */
enum ak_err ak_account_list_move(struct ak_account_list *list, size_t from, size_t to);

/*
 * Finds the one account `query` names (SPEC §4): an exact id, an exact
 * "Issuer:account" (case-insensitive), or a unique case-insensitive substring
 * of "Issuer:account". On success *index is set. AK_ERR_NOT_FOUND when
 * nothing matches; AK_ERR_AMBIGUOUS when several do, and then, if
 * `candidates` is not NULL, *candidates gets a malloc'd array of their
 * indexes and *ncandidates its length (the caller frees it).
 */
enum ak_err ak_account_list_find(const struct ak_account_list *list, const char *query,
                                 size_t *index, size_t **candidates, size_t *ncandidates);

#ifdef __cplusplus
}
#endif
#endif
