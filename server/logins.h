/*
 * SRP sign-ins between their two steps (logins.c), for api_auth.c: kept in
 * the store, so that step 2 may reach another authkeepd process than step 1,
 * with the server's secret ephemeral and the SRP identity sealed under a
 * server key; and the stand-in credentials of emails without an account.
 */
#ifndef AUTHKEEPD_LOGINS_H
#define AUTHKEEPD_LOGINS_H

#include "authkeep/srp.h"
#include "http.h"

/* A sign-in in progress as api_auth.c works with it. */
struct akd_login_state {
        char id[AKD_LOGIN_ID_LEN + 1];
        /* The account, or for an email without one a stand-in id derived from it. */
        char account_id[AKD_ACCOUNT_ID_LEN + 1];
        char client[AKD_ADDRESS_KEY_MAX]; /* the address key that started it */
        char identity[AK_SRP_IDENTITY_MAX + 1];
        bool recovery;
        bool fake;                  /* no such account or recovery code: the proof cannot pass */
        uint64_t generation;        /* the account's credential generation at the start */
        struct akd_credential cred; /* the one being proved */
        unsigned char b[AK_SRP_EPHEMERAL_BYTES];
};

/* Wipes and frees `l`; accepts NULL. */
void akd_login_free(struct akd_login_state *l);

/* What became of a sign-in put or taken. */
enum akd_login_outcome {
        AKD_LOGIN_OK,
        AKD_LOGIN_FULL,         /* max_logins in the whole server */
        AKD_LOGIN_ACCOUNT_FULL, /* max_logins_per_account */
        AKD_LOGIN_ADDRESS_FULL, /* max_logins_per_address */
        AKD_LOGIN_EXPIRED,      /* unknown, used or expired */
        AKD_LOGIN_MOVED,        /* the account's credentials changed since the start */
        AKD_LOGIN_ERROR,        /* the store failed (logged) */
};

/* Stores `l` (a new id is given) for login_ttl seconds, within the caps. */
enum akd_login_outcome akd_logins_put(struct akd_server *srv, struct akd_login_state *l);
/*
 * Takes the sign-in `id`, once, wherever it started: *out (free with
 * akd_login_free) with its credential as it was at the start.
 */
enum akd_login_outcome akd_logins_take(struct akd_server *srv, const char *id,
                                       struct akd_login_state **out);

/* The stand-in account id of an email without an account. */
void akd_logins_fake_id(const struct akd_logins *ls, const char *email,
                        char out[AKD_ACCOUNT_ID_LEN + 1]);
/*
 * The credential shown for an email without an account, or for the recovery
 * code of an account without one (see logins.c).
 */
void akd_logins_fake_credential(const struct akd_logins *ls, const char *identity,
                                struct akd_credential *cred);

#endif
