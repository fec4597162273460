/*
 * The PostgreSQL store's hints (store.h, hints_listen): one connection of
 * its own, outside the pool, that LISTENs on the channel the wake triggers
 * NOTIFY (store_pg_shared.c), and a thread that hands each key it hears to
 * the hint function. A notification carries only a key (an account or a
 * push sign-in request id); the database is the truth, and the waits look
 * there when woken. This process hears its own commits the same way.
 *
 * When the connection breaks (PostgreSQL restarted, a network cut: TCP
 * keepalives find a silent one), the thread connects again with a backoff
 * from 100 ms to 5 s and LISTENs again. Hints sent meanwhile are lost: the
 * waits' re-read of the stamps (server/waiters.c) finds what they said.
 * An engine without LISTEN/NOTIFY leaves the thread retrying, one log line
 * at the first failure; the re-read alone then wakes the waits.
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_pg.h"

#define CHANNEL "authkeep_wake"
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 5000
#define POLL_MS 200 /* how soon the thread sees it must stop */

struct akd_pg_listener {
        struct akd_pg_store *s;
        pthread_t thread;
        atomic_bool stop;
        pthread_mutex_t lock; /* held while a hint is delivered */
        akd_hint_fn fn;
        void *ctx;
};

/* The listening connection, LISTENing; NULL with the reason in `err`. */
static PGconn *listen_connect(struct akd_pg_store *s, char *err, size_t errlen)
{
        const char *const keys[] = {
            "connect_timeout",     "application_name", "keepalives", "keepalives_idle",
            "keepalives_interval", "keepalives_count", "dbname",     NULL};
        const char *const values[] = {"5", "authkeepd-listen", "1", "10", "5",
                                      "3", s->conninfo,        NULL};
        PGconn *pg = PQconnectdbParams(keys, values, 1);
        if (pg != NULL && PQstatus(pg) == CONNECTION_OK) {
                PGresult *r = PQexec(pg, "LISTEN " CHANNEL);
                bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
                PQclear(r);
                if (ok)
                        return pg;
        }
        snprintf(err, errlen, "%s",
                 pg != NULL && PQerrorMessage(pg)[0] != '\0' ? PQerrorMessage(pg)
                                                             : "out of memory");
        err[strcspn(err, "\n")] = '\0';
        PQfinish(pg);
        return NULL;
}

/* Hands every notification that arrived to the hint function; false when the connection broke. */
static bool deliver(struct akd_pg_listener *l, PGconn *pg)
{
        if (PQconsumeInput(pg) != 1)
                return false;
        PGnotify *n;
        while ((n = PQnotifies(pg)) != NULL) {
                size_t len = strlen(n->extra);
                if (len > 0 && len <= AKD_ACCOUNT_ID_LEN) {
                        pthread_mutex_lock(&l->lock);
                        if (l->fn != NULL)
                                l->fn(l->ctx, n->extra);
                        pthread_mutex_unlock(&l->lock);
                }
                PQfreemem(n);
        }
        return PQstatus(pg) == CONNECTION_OK;
}

/* Sleeps `ms` in steps, unless told to stop; false when told. */
static bool nap(struct akd_pg_listener *l, unsigned ms)
{
        for (unsigned slept = 0; slept < ms; slept += POLL_MS) {
                if (atomic_load(&l->stop))
                        return false;
                usleep(POLL_MS * 1000);
        }
        return !atomic_load(&l->stop);
}

static void *listen_main(void *arg)
{
        struct akd_pg_listener *l = arg;
        unsigned backoff = BACKOFF_FIRST_MS;
        bool failing = false;
        while (!atomic_load(&l->stop)) {
                char err[300];
                PGconn *pg = listen_connect(l->s, err, sizeof(err));
                if (pg == NULL) {
                        if (!failing)
                                akd_log_event("store: cannot listen for changes on %s: %s; "
                                              "waits re-read the database meanwhile",
                                              l->s->display, err);
                        failing = true;
                        if (!nap(l, backoff))
                                break;
                        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
                        continue;
                }
                if (failing)
                        akd_log_event("store: listening for changes on %s again", l->s->display);
                failing = false;
                backoff = BACKOFF_FIRST_MS;
                struct pollfd p = {.fd = PQsocket(pg), .events = POLLIN};
                while (!atomic_load(&l->stop)) {
                        int rc = poll(&p, 1, POLL_MS);
                        if (rc < 0 || (rc > 0 && !deliver(l, pg)))
                                break;
                }
                if (!atomic_load(&l->stop)) {
                        akd_log_event("store: the connection listening for changes on %s broke",
                                      l->s->display);
                        failing = true;
                }
                PQfinish(pg);
        }
        return NULL;
}

static void listener_stop(struct akd_pg_store *s)
{
        struct akd_pg_listener *l = s->listener;
        if (l == NULL)
                return;
        atomic_store(&l->stop, true);
        pthread_join(l->thread, NULL);
        pthread_mutex_destroy(&l->lock);
        free(l);
        s->listener = NULL;
}

void akd_pg_hints_listen(struct akd_store *st, akd_hint_fn fn, void *ctx)
{
        struct akd_pg_store *s = (struct akd_pg_store *)st;
        if (fn == NULL) {
                listener_stop(s);
                return;
        }
        struct akd_pg_listener *l = s->listener;
        if (l != NULL) {
                pthread_mutex_lock(&l->lock);
                l->fn = fn;
                l->ctx = ctx;
                pthread_mutex_unlock(&l->lock);
                return;
        }
        if ((l = calloc(1, sizeof(*l))) == NULL) {
                akd_log_event("store: out of memory to listen for changes");
                return;
        }
        l->s = s;
        l->fn = fn;
        l->ctx = ctx;
        pthread_mutex_init(&l->lock, NULL);
        if (pthread_create(&l->thread, NULL, listen_main, l) != 0) {
                akd_log_event("store: cannot start the thread that listens for changes");
                pthread_mutex_destroy(&l->lock);
                free(l);
                return;
        }
        s->listener = l;
}
