/*
 * SRP sign-ins between their two steps, kept in the store (login_put,
 * login_take) rather than in this process's memory: behind a load balancer
 * step 2 may reach another authkeepd than step 1. A sign-in is taken by one
 * delete, so that it is used once whichever process gets the proof, and it
 * expires after login_ttl seconds of wall-clock time, which the processes'
 * clocks share. The caps on sign-ins in progress (max_logins, per account,
 * per address) count what the store holds, so they hold for all processes.
 *
 * The server's secret ephemeral b and the SRP identity never reach the
 * database in clear: they are sealed with XChaCha20-Poly1305 under the
 * server key "srp-login" (made by the store the first time, the same for
 * every process), bound to the login id. The credential being proved is not
 * stored: step 2 reads it again, and a credential generation that moved
 * meanwhile ends the sign-in as a changed password does.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authkeep/backup.h"
#include "logins.h"

#define LOGIN_ID_BYTES (AKD_LOGIN_ID_LEN / 2)
#define FAKE_KEY_BYTES 32

_Static_assert(AKD_LOGIN_SEALED_LEN == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES +
                                           AKD_LOGIN_SECRET_LEN +
                                           crypto_aead_xchacha20poly1305_ietf_ABYTES,
               "store.h's sealed size is XChaCha20-Poly1305's");

struct akd_logins {
        struct akd_login_caps caps;
        /* The server's key for the challenges of unknown emails (kept in the store). */
        uint8_t fake_key[FAKE_KEY_BYTES];
        /* The key that seals b and the identity in the store. */
        uint8_t seal_key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
};

/* What is sealed: the secret ephemeral and the identity, NUL padded. */
struct secret {
        unsigned char b[AK_SRP_EPHEMERAL_BYTES];
        char identity[AK_SRP_IDENTITY_MAX + 1];
};
_Static_assert(sizeof(struct secret) == AKD_LOGIN_SECRET_LEN, "no padding in struct secret");

void akd_login_free(struct akd_login_state *l)
{
        if (l != NULL) {
                sodium_memzero(l, sizeof(*l));
                free(l);
        }
}

struct akd_logins *akd_logins_new(const struct akd_config *cfg, struct akd_store *st)
{
        struct akd_logins *ls = calloc(1, sizeof(*ls));
        if (ls == NULL)
                return NULL;
        if (st->ops->server_key(st, "fake-challenge", ls->fake_key, sizeof(ls->fake_key)) !=
                AKD_STORE_OK ||
            st->ops->server_key(st, "srp-login", ls->seal_key, sizeof(ls->seal_key)) !=
                AKD_STORE_OK) {
                akd_log_event("store: cannot read or make the server's sign-in keys");
                akd_logins_free(ls);
                return NULL;
        }
        ls->caps = (struct akd_login_caps){cfg->max_logins, cfg->max_logins_per_account,
                                           cfg->max_logins_per_address};
        return ls;
}

void akd_logins_free(struct akd_logins *ls)
{
        if (ls == NULL)
                return;
        sodium_memzero(ls, sizeof(*ls));
        free(ls);
}

/* ---- in the store ---- */

enum akd_login_outcome akd_logins_put(struct akd_server *srv, struct akd_login_state *l)
{
        struct akd_logins *ls = srv->logins;
        struct akd_store *st = srv->store;
        struct akd_login row = {0};
        struct secret sec = {0};
        uint8_t id[LOGIN_ID_BYTES];
        randombytes_buf(id, sizeof(id));
        sodium_bin2hex(l->id, sizeof(l->id), id, sizeof(id));
        memcpy(row.id, l->id, sizeof(row.id));
        memcpy(row.account_id, l->account_id, sizeof(row.account_id));
        memcpy(row.address, l->client, sizeof(row.address));
        row.recovery = l->recovery;
        row.fake = l->fake;
        row.generation = l->generation;
        double now = akd_wall();
        row.expires_at = now + (double)srv->cfg->login_ttl;
        memcpy(sec.b, l->b, sizeof(sec.b));
        memcpy(sec.identity, l->identity, sizeof(sec.identity));
        uint8_t *nonce = row.sealed;
        randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
        crypto_aead_xchacha20poly1305_ietf_encrypt(
            nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, NULL, (unsigned char *)&sec,
            sizeof(sec), (const unsigned char *)row.id, AKD_LOGIN_ID_LEN, NULL, nonce,
            ls->seal_key);
        sodium_memzero(&sec, sizeof(sec));
        enum akd_login_cap cap = AKD_LOGIN_CAP_ALL;
        switch (st->ops->login_put(st, &row, now, &ls->caps, &cap)) {
        case AKD_STORE_OK:
                return AKD_LOGIN_OK;
        case AKD_STORE_LIMITED:
                return cap == AKD_LOGIN_CAP_ACCOUNT   ? AKD_LOGIN_ACCOUNT_FULL
                       : cap == AKD_LOGIN_CAP_ADDRESS ? AKD_LOGIN_ADDRESS_FULL
                                                      : AKD_LOGIN_FULL;
        default:
                return AKD_LOGIN_ERROR;
        }
}

/* The credential `l` proves, as the sign-in's start saw it. */
static enum akd_login_outcome credential_again(struct akd_server *srv, struct akd_login_state *l)
{
        if (l->fake) {
                akd_logins_fake_credential(srv->logins, l->identity, &l->cred);
                return AKD_LOGIN_OK;
        }
        struct akd_account *acc = calloc(1, sizeof(*acc));
        if (acc == NULL)
                return AKD_LOGIN_ERROR;
        enum akd_login_outcome out = AKD_LOGIN_OK;
        switch (srv->store->ops->account_by_id(srv->store, l->account_id, acc)) {
        case AKD_STORE_OK:
                if (acc->generation != l->generation || (l->recovery && !acc->has_recovery))
                        out = AKD_LOGIN_MOVED;
                else
                        l->cred = l->recovery ? acc->recovery : acc->password;
                break;
        case AKD_STORE_NOT_FOUND:
                out = AKD_LOGIN_MOVED;
                break;
        default:
                out = AKD_LOGIN_ERROR;
        }
        sodium_memzero(acc, sizeof(*acc));
        free(acc);
        return out;
}

enum akd_login_outcome akd_logins_take(struct akd_server *srv, const char *id,
                                       struct akd_login_state **out)
{
        struct akd_store *st = srv->store;
        struct akd_login row;
        struct secret sec;
        *out = NULL;
        if (strlen(id) != AKD_LOGIN_ID_LEN)
                return AKD_LOGIN_EXPIRED;
        switch (st->ops->login_take(st, id, akd_wall(), &row)) {
        case AKD_STORE_OK:
                break;
        case AKD_STORE_NOT_FOUND:
                return AKD_LOGIN_EXPIRED;
        default:
                return AKD_LOGIN_ERROR;
        }
        const uint8_t *nonce = row.sealed;
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(
                (unsigned char *)&sec, NULL, NULL,
                row.sealed + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
                sizeof(row.sealed) - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
                (const unsigned char *)id, AKD_LOGIN_ID_LEN, nonce, srv->logins->seal_key) != 0) {
                akd_log_event("store: sign-in %.32s does not open under the server's key", id);
                return AKD_LOGIN_EXPIRED;
        }
        struct akd_login_state *l = calloc(1, sizeof(*l));
        if (l == NULL) {
                sodium_memzero(&sec, sizeof(sec));
                return AKD_LOGIN_ERROR;
        }
        memcpy(l->id, row.id, sizeof(l->id));
        memcpy(l->account_id, row.account_id, sizeof(l->account_id));
        memcpy(l->client, row.address, sizeof(l->client));
        memcpy(l->b, sec.b, sizeof(l->b));
        memcpy(l->identity, sec.identity, sizeof(l->identity));
        l->identity[AK_SRP_IDENTITY_MAX] = '\0';
        sodium_memzero(&sec, sizeof(sec));
        l->recovery = row.recovery;
        l->fake = row.fake;
        l->generation = row.generation;
        enum akd_login_outcome o = credential_again(srv, l);
        if (o != AKD_LOGIN_OK) {
                akd_login_free(l);
                return o;
        }
        *out = l;
        return AKD_LOGIN_OK;
}

/* ---- challenges for unknown emails ---- */

/* BLAKE2b-256 of `tag` and `text` under the server's challenge key. */
static void fake_seed(const struct akd_logins *ls, uint8_t out[randombytes_SEEDBYTES],
                      const char *tag, const char *text)
{
        crypto_generichash_state h;
        crypto_generichash_init(&h, ls->fake_key, sizeof(ls->fake_key), randombytes_SEEDBYTES);
        crypto_generichash_update(&h, (const unsigned char *)tag, strlen(tag) + 1);
        crypto_generichash_update(&h, (const unsigned char *)text, strlen(text));
        crypto_generichash_final(&h, out, randombytes_SEEDBYTES);
}

void akd_logins_fake_id(const struct akd_logins *ls, const char *email,
                        char out[AKD_ACCOUNT_ID_LEN + 1])
{
        uint8_t seed[randombytes_SEEDBYTES];
        fake_seed(ls, seed, "account", email);
        sodium_bin2hex(out, AKD_ACCOUNT_ID_LEN + 1, seed, AKD_ACCOUNT_ID_LEN / 2);
        sodium_memzero(seed, sizeof(seed));
}

/*
 * Derived from the SRP identity under the server's key, so the same email
 * gets the same salts on every try, after a restart and on every process,
 * shaped as a real credential (the KDF cost devices use by default, salts
 * of the usual lengths). Its verifier is a number of the group that no known
 * password gives, so the proof fails at finish like a wrong password, after
 * the same computation.
 */
void akd_logins_fake_credential(const struct akd_logins *ls, const char *identity,
                                struct akd_credential *cred)
{
        struct {
                uint8_t kdf_salt[AKD_KDF_SALT_LEN];
                uint8_t srp_salt[AK_SRP_SALT_BYTES];
                uint8_t verifier[AK_SRP_N_BYTES];
        } fake;
        uint8_t seed[randombytes_SEEDBYTES];
        struct ak_recovery_kdf kdf;

        fake_seed(ls, seed, "credential", identity);
        randombytes_buf_deterministic(&fake, sizeof(fake), seed);
        ak_recovery_kdf_default(&kdf, AK_KDF_COST_DEFAULT);
        memset(cred, 0, sizeof(*cred));
        memcpy(cred->kdf.salt, fake.kdf_salt, sizeof(cred->kdf.salt));
        cred->kdf.opslimit = kdf.opslimit;
        cred->kdf.memlimit = (uint64_t)kdf.memlimit;
        fake.srp_salt[0] |= 1; /* as ak_srp_salt: never a leading zero byte */
        memcpy(cred->srp_salt, fake.srp_salt, sizeof(fake.srp_salt));
        cred->srp_salt_len = sizeof(fake.srp_salt);
        fake.verifier[0] %= 0xff; /* N begins with 0xff bytes: below N */
        fake.verifier[0] |= 1;
        memcpy(cred->srp_verifier, fake.verifier, sizeof(fake.verifier));
        cred->srp_verifier_len = sizeof(fake.verifier);
        sodium_memzero(seed, sizeof(seed));
        sodium_memzero(&fake, sizeof(fake));
}
