/*
 * What every store backend shares: choosing the backend from the --db URL,
 * the reads made of other operations where a backend has no operation of
 * its own for them, and the in-memory caches of sessions and latest
 * backups (see store.h for why they are correct). A backend reads and
 * writes its database; these
 * functions decide what to keep, when to answer from memory and what a
 * commit makes stale, so that a second backend gets them unchanged.
 *
 * Each table has its own lock and generation: a session lookup never waits
 * behind the copy of a large envelope.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

/* ---- choosing a backend ---- */

/* SQLite's readers are its own: it has no pool to size. */
static struct akd_store *sqlite_open(const char *rest, unsigned pool, char *err, size_t errlen)
{
        (void)pool;
        return akd_store_sqlite_open(rest, err, errlen);
}

static const struct backend {
        const char *scheme; /* with its colon */
        struct akd_store *(*open)(const char *rest, unsigned pool, char *err, size_t errlen);
        struct akd_store *(*open_shared)(const char *rest, char *err, size_t errlen);
} backends[] = {
    {"sqlite:", sqlite_open, akd_store_sqlite_open_shared},
    {"postgres:", akd_store_pg_open, akd_store_pg_open_shared},
    {"postgresql:", akd_store_pg_open, akd_store_pg_open_shared},
};

static struct akd_store *open_url(const char *url, bool shared, unsigned pool, char *err,
                                  size_t errlen)
{
        for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
                size_t n = strlen(backends[i].scheme);
                if (strncmp(url, backends[i].scheme, n) != 0 || url[n] == '\0')
                        continue;
                return shared ? backends[i].open_shared(url + n, err, errlen)
                              : backends[i].open(url + n, pool, err, errlen);
        }
        /* Only the scheme: the rest of a URL may hold a password. */
        snprintf(err, errlen, "--db: '%.*s' is not supported (use sqlite:PATH or postgres://...)",
                 (int)strcspn(url, ":/@"), url);
        return NULL;
}

struct akd_store *akd_store_open(const char *url, unsigned pool, char *err, size_t errlen)
{
        return open_url(url, false, pool, err, errlen);
}

struct akd_store *akd_store_open_shared(const char *url, char *err, size_t errlen)
{
        return open_url(url, true, 0, err, errlen);
}

/* ---- reads for every backend ---- */

enum akd_store_result akd_store_session_backup_get(struct akd_store *st,
                                                   const uint8_t hash[AKD_TOKEN_HASH_LEN],
                                                   int64_t now, uint64_t version,
                                                   struct akd_session *session,
                                                   struct akd_backup_read *backup)
{
        if (st->ops->session_backup_get != NULL)
                return st->ops->session_backup_get(st, hash, now, version, session, backup);
        enum akd_store_result r = st->ops->session_get(st, hash, now, session);
        if (r != AKD_STORE_OK)
                return r;
        memset(backup, 0, sizeof(*backup));
        backup->result = st->ops->backup_get(st, session->account_id, version, &backup->meta,
                                             &backup->envelope, &backup->deleted);
        return AKD_STORE_OK;
}

/* ---- caches ---- */

#define CACHE_BUCKETS 4096
#define SESSION_CACHE_MAX 100000
#define BACKUP_CACHE_BYTES (64u << 20)

struct session_entry {
        uint8_t hash[AKD_TOKEN_HASH_LEN];
        struct akd_session session;
        struct session_entry *next;
};

struct backup_entry {
        char account_id[AKD_ACCOUNT_ID_LEN + 1];
        struct akd_backup_meta meta;
        uint8_t *envelope;
        struct backup_entry *next;
};

struct akd_store_cache {
        struct {
                pthread_mutex_t lock;
                uint64_t generation; /* counts the drops */
                size_t count;
                struct session_entry *buckets[CACHE_BUCKETS];
        } sessions;
        struct {
                pthread_mutex_t lock;
                uint64_t generation;
                size_t bytes; /* of envelopes held */
                struct backup_entry *buckets[CACHE_BUCKETS];
        } backups;
};

/* FNV-1a: keys are token hashes and random ids, so no attacker picks them. */
static unsigned bucket_of(const void *key, size_t len)
{
        const unsigned char *k = key;
        unsigned h = 2166136261u;
        for (size_t i = 0; i < len; i++)
                h = (h ^ k[i]) * 16777619u;
        return h % CACHE_BUCKETS;
}

static void backup_entry_free(struct backup_entry *e)
{
        if (e == NULL)
                return;
        free(e->envelope);
        free(e);
}

/* Empties the session table; caller holds its lock. */
static void sessions_clear_locked(struct akd_store_cache *c)
{
        for (int b = 0; b < CACHE_BUCKETS; b++) {
                while (c->sessions.buckets[b] != NULL) {
                        struct session_entry *e = c->sessions.buckets[b];
                        c->sessions.buckets[b] = e->next;
                        free(e);
                }
        }
        c->sessions.count = 0;
}

/* Empties the backup table; caller holds its lock. */
static void backups_clear_locked(struct akd_store_cache *c)
{
        for (int b = 0; b < CACHE_BUCKETS; b++) {
                while (c->backups.buckets[b] != NULL) {
                        struct backup_entry *e = c->backups.buckets[b];
                        c->backups.buckets[b] = e->next;
                        backup_entry_free(e);
                }
        }
        c->backups.bytes = 0;
}

struct akd_store_cache *akd_store_cache_new(void)
{
        struct akd_store_cache *c = calloc(1, sizeof(*c));
        if (c == NULL)
                return NULL;
        pthread_mutex_init(&c->sessions.lock, NULL);
        pthread_mutex_init(&c->backups.lock, NULL);
        return c;
}

void akd_store_cache_free(struct akd_store_cache *c)
{
        if (c == NULL)
                return;
        sessions_clear_locked(c);
        backups_clear_locked(c);
        pthread_mutex_destroy(&c->sessions.lock);
        pthread_mutex_destroy(&c->backups.lock);
        free(c);
}

/* ---- sessions ---- */

static bool session_lookup(struct akd_store_cache *c, const uint8_t *hash, struct akd_session *out,
                           uint64_t *generation)
{
        bool hit = false;
        pthread_mutex_lock(&c->sessions.lock);
        for (struct session_entry *e = c->sessions.buckets[bucket_of(hash, AKD_TOKEN_HASH_LEN)];
             e != NULL; e = e->next) {
                if (memcmp(e->hash, hash, AKD_TOKEN_HASH_LEN) == 0) {
                        *out = e->session;
                        hit = true;
                        break;
                }
        }
        *generation = c->sessions.generation;
        pthread_mutex_unlock(&c->sessions.lock);
        return hit;
}

static void session_keep(struct akd_store_cache *c, uint64_t generation, const uint8_t *hash,
                         const struct akd_session *session)
{
        struct session_entry *e = calloc(1, sizeof(*e));
        if (e == NULL)
                return;
        memcpy(e->hash, hash, AKD_TOKEN_HASH_LEN);
        e->session = *session;
        pthread_mutex_lock(&c->sessions.lock);
        if (c->sessions.generation == generation) {
                if (c->sessions.count >= SESSION_CACHE_MAX)
                        sessions_clear_locked(c);
                unsigned b = bucket_of(hash, AKD_TOKEN_HASH_LEN);
                e->next = c->sessions.buckets[b];
                c->sessions.buckets[b] = e;
                c->sessions.count++;
                e = NULL;
        }
        pthread_mutex_unlock(&c->sessions.lock);
        free(e);
}

enum akd_store_result akd_store_cached_session(
    struct akd_store_cache *c, struct akd_store *st, const uint8_t hash[AKD_TOKEN_HASH_LEN],
    int64_t now, struct akd_session *out,
    enum akd_store_result (*load)(struct akd_store *st, const uint8_t hash[AKD_TOKEN_HASH_LEN],
                                  struct akd_session *out))
{
        struct akd_session session;
        uint64_t generation;
        bool hit = session_lookup(c, hash, &session, &generation);
        if (!hit) {
                enum akd_store_result r = load(st, hash, &session);
                if (r != AKD_STORE_OK)
                        return r;
        }
        if (session.expires_at <= now)
                return AKD_STORE_NOT_FOUND;
        if (!hit)
                session_keep(c, generation, hash, &session);
        *out = session;
        return AKD_STORE_OK;
}

void akd_store_cache_drop_sessions(struct akd_store_cache *c)
{
        pthread_mutex_lock(&c->sessions.lock);
        sessions_clear_locked(c);
        c->sessions.generation++;
        pthread_mutex_unlock(&c->sessions.lock);
}

/* ---- latest backups ---- */

/* The cached latest backup of `account_id`, copied out; false on a miss. */
static bool backup_lookup(struct akd_store_cache *c, const char *account_id,
                          struct akd_backup_meta *meta, uint8_t **envelope)
{
        bool hit = false;
        pthread_mutex_lock(&c->backups.lock);
        for (struct backup_entry *e = c->backups.buckets[bucket_of(account_id, AKD_ACCOUNT_ID_LEN)];
             e != NULL; e = e->next) {
                if (strcmp(e->account_id, account_id) == 0) {
                        uint8_t *copy = malloc(e->meta.size > 0 ? e->meta.size : 1);
                        if (copy != NULL) {
                                memcpy(copy, e->envelope, e->meta.size);
                                *meta = e->meta;
                                *envelope = copy;
                                hit = true;
                        }
                        break;
                }
        }
        pthread_mutex_unlock(&c->backups.lock);
        return hit;
}

static uint64_t backup_generation(struct akd_store_cache *c)
{
        pthread_mutex_lock(&c->backups.lock);
        uint64_t generation = c->backups.generation;
        pthread_mutex_unlock(&c->backups.lock);
        return generation;
}

static void backup_keep(struct akd_store_cache *c, uint64_t generation, const char *account_id,
                        const struct akd_backup_meta *meta, const uint8_t *envelope)
{
        struct backup_entry *e = calloc(1, sizeof(*e));
        if (e == NULL || (e->envelope = malloc(meta->size > 0 ? meta->size : 1)) == NULL) {
                free(e);
                return;
        }
        memcpy(e->envelope, envelope, meta->size);
        snprintf(e->account_id, sizeof(e->account_id), "%s", account_id);
        e->meta = *meta;
        pthread_mutex_lock(&c->backups.lock);
        unsigned b = bucket_of(account_id, AKD_ACCOUNT_ID_LEN);
        bool present = false;
        for (struct backup_entry *o = c->backups.buckets[b]; o != NULL; o = o->next)
                present |= strcmp(o->account_id, account_id) == 0;
        if (c->backups.generation == generation && !present) {
                if (c->backups.bytes + meta->size > BACKUP_CACHE_BYTES)
                        backups_clear_locked(c);
                e->next = c->backups.buckets[b];
                c->backups.buckets[b] = e;
                c->backups.bytes += meta->size;
                e = NULL;
        }
        pthread_mutex_unlock(&c->backups.lock);
        backup_entry_free(e);
}

enum akd_store_result akd_store_cached_backup(
    struct akd_store_cache *c, struct akd_store *st, const char *account_id, uint64_t version,
    struct akd_backup_meta *meta, uint8_t **envelope, struct akd_backup_deleted *deleted,
    enum akd_store_result (*load)(struct akd_store *st, const char *account_id, uint64_t version,
                                  struct akd_backup_meta *meta, uint8_t **envelope,
                                  struct akd_backup_deleted *deleted, bool *is_latest))
{
        if (version == 0 && backup_lookup(c, account_id, meta, envelope))
                return AKD_STORE_OK;
        uint64_t generation = backup_generation(c);
        bool is_latest = false;
        enum akd_store_result r =
            load(st, account_id, version, meta, envelope, deleted, &is_latest);
        if (r == AKD_STORE_OK && is_latest)
                backup_keep(c, generation, account_id, meta, *envelope);
        return r;
}

void akd_store_cache_drop_backup(struct akd_store_cache *c, const char *account_id)
{
        pthread_mutex_lock(&c->backups.lock);
        struct backup_entry **pp = &c->backups.buckets[bucket_of(account_id, AKD_ACCOUNT_ID_LEN)];
        while (*pp != NULL) {
                if (strcmp((*pp)->account_id, account_id) == 0) {
                        struct backup_entry *dead = *pp;
                        *pp = dead->next;
                        c->backups.bytes -= dead->meta.size;
                        backup_entry_free(dead);
                } else {
                        pp = &(*pp)->next;
                }
        }
        c->backups.generation++;
        pthread_mutex_unlock(&c->backups.lock);
}
