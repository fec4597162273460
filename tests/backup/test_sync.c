/*
 * The backup engine (include/authkeep/sync.h, docs/backup.md), state by
 * state and transition by transition, against a real authkeepd on loopback
 * (sync_world.c). Every case checks what a user would see through
 * ak_sync_status, and what the server then holds, never the engine's
 * stored values. Time is the engine's fake clock, except the budgets,
 * which are bounded on the monotonic clock with two seconds to spare.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "sync_world.h"

#define NEW_PASSWORD "another horse, another battery"
#define SLACK_MS 2000 /* what a budget may be exceeded by on a busy machine */

/* Backup is off: nothing of a recovery account, a session or a version. */
static void assert_off(const struct device *d)
{
        struct ak_sync_status st = device_status(d);

        assert_int_equal(st.state, AK_SYNC_OFF);
        assert_string_equal(st.server, "");
        assert_string_equal(st.email, "");
        assert_string_equal(st.account_id, "");
        assert_string_equal(st.device_name, "");
        assert_int_equal(st.version, 0);
        assert_int_equal(st.backed_up_at, 0);
        assert_false(st.pending);
        assert_int_equal(st.pending_since, 0);
        assert_int_equal(st.error, AK_OK);
        assert_string_equal(st.reason, "");
        assert_int_equal(st.other_version, 0);
        assert_string_equal(st.other_device, "");
        assert_int_equal(st.other_at, 0);
        assert_false(st.session_known_expired);
}

/* Backed up as `version`, at the time the server gives for it, made by `d`. */
static void assert_backed_up(struct world *w, const struct device *d, uint64_t version,
                             const char *password)
{
        struct ak_sync_status st = device_status(d);
        struct ak_backup_info latest;

        assert_int_equal(st.state, AK_SYNC_BACKED_UP);
        assert_int_equal(st.version, version);
        assert_false(st.pending);
        assert_string_equal(st.reason, "");
        assert_string_equal(st.other_device, "");
        server_latest(w, password, &latest);
        assert_int_equal(latest.version, version);
        assert_string_equal(latest.device_id, ak_vault_device_id(d->vault));
        /* The time is the server's, so that every device shows one time for a version. */
        assert_int_equal(st.backed_up_at, latest.created_at);
}

/* A device with backup on as "laptop", its accounts uploaded as version 1. */
static void laptop_backed_up(struct world *w, struct device *laptop)
{
        device_new(w, laptop, "laptop");
        device_add(laptop, "Forge", "alice", "secret of the forge");
        device_create_account(w, laptop);
        device_enable(w, laptop, "laptop");
        assert_backed_up(w, laptop, 1, WORLD_PASSWORD);
}

static void test_off_to_backed_up(void **state)
{
        struct world *w = *state;
        struct device d;
        struct ak_sync_status st;
        char *code = NULL;

        device_new(w, &d, "laptop");
        assert_off(&d);
        /* Off, a change is only saved; the explicit operations say backup is off. */
        assert_int_equal(device_change(&d, "Forge", "alice"), AK_OK);
        assert_off(&d);
        assert_int_equal(ak_sync_now(d.sync, false), AK_ERR_BACKUP_OFF);
        assert_int_equal(ak_sync_sign_in(d.sync, WORLD_PASSWORD, strlen(WORLD_PASSWORD)),
                         AK_ERR_BACKUP_OFF);
        assert_int_equal(ak_sync_refresh(d.sync), AK_OK);
        assert_int_equal(ak_sync_send_pending(d.sync), AK_OK);
        assert_off(&d);

        /* The recovery account alone does not turn backup on; its email is taken after. */
        device_create_account(w, &d);
        assert_off(&d);
        assert_int_equal(ak_sync_create_account(d.sync, w->url, false, WORLD_EMAIL, "other",
                                                strlen("other"), &code),
                         AK_ERR_ACCOUNT_EXISTS);
        assert_null(code);

        w->now += 60;
        device_enable(w, &d, "laptop");
        st = device_status(&d);
        assert_string_equal(st.server, w->url);
        assert_string_equal(st.email, WORLD_EMAIL);
        assert_string_equal(st.device_name, "laptop");
        assert_true(strlen(st.account_id) > 0);
        assert_false(st.session_known_expired);
        assert_backed_up(w, &d, 1, WORLD_PASSWORD);

        assert_int_equal(device_change(&d, "Mail", "alice@example.org"), AK_OK);
        assert_backed_up(w, &d, 2, WORLD_PASSWORD);

        /* What the next command sees: the state was saved with the vault. */
        device_reopen(w, &d);
        assert_backed_up(w, &d, 2, WORLD_PASSWORD);
        assert_string_equal(device_status(&d).device_name, "laptop");

        /* Nothing to send: `backup now` and `status` leave the version as it is. */
        assert_int_equal(ak_sync_now(d.sync, false), AK_OK);
        assert_int_equal(ak_sync_refresh(d.sync), AK_OK);
        assert_backed_up(w, &d, 2, WORLD_PASSWORD);
        device_free(&d);
}

static void test_server_stopped(void **state)
{
        struct world *w = *state;
        struct device d;
        struct ak_sync_status st;
        long long start, took;
        int64_t first;

        w->options.change_budget_ms = 1000;
        laptop_backed_up(w, &d);
        server_stop(w);

        w->now += 100;
        first = w->now;
        start = mono_ms();
        assert_int_equal(device_change(&d, "Mail", "alice"), AK_ERR_NETWORK);
        took = mono_ms() - start;
        assert_true(took < 1000 + SLACK_MS);
        st = device_status(&d);
        assert_int_equal(st.state, AK_SYNC_PENDING);
        assert_true(st.pending);
        assert_int_equal(st.why, AK_SYNC_UNREACHABLE);
        assert_int_equal(st.pending_since, first);
        assert_int_equal(st.version, 1);
        assert_true(strlen(st.reason) > 0);

        /* A second change waits with the first: pending since the first. */
        w->now += 100;
        assert_int_equal(device_change(&d, "Bank", "alice"), AK_ERR_NETWORK);
        assert_int_equal(ak_sync_send_pending(d.sync), AK_ERR_NETWORK);
        /* `status` cannot reach the server either: it says so and changes nothing. */
        assert_int_equal(ak_sync_refresh(d.sync), AK_ERR_NETWORK);
        device_save(&d);
        device_reopen(w, &d);
        st = device_status(&d);
        assert_int_equal(st.state, AK_SYNC_PENDING);
        assert_int_equal(st.why, AK_SYNC_UNREACHABLE);
        assert_int_equal(st.pending_since, first);
        assert_int_equal(st.version, 1);

        /* The server back: both changes go up as one version. */
        server_start(w, NULL);
        assert_int_equal(ak_sync_send_pending(d.sync), AK_OK);
        device_save(&d);
        assert_backed_up(w, &d, 2, WORLD_PASSWORD);
        assert_int_equal(device_status(&d).pending_since, 0);
        device_free(&d);
}

/* A listener on `port` that never answers: the kernel completes each connection, nobody reads. */
static int silent_listener(int port)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

        assert_true(fd >= 0);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
        assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
        assert_int_equal(listen(fd, 64), 0);
        return fd;
}

static void test_server_never_answers(void **state)
{
        struct world *w = *state;
        struct device d;
        struct ak_sync_status st;
        long long start, took;
        int listener;

        /* The client's own timeout stays 60 s: only the budgets bound the wait. */
        w->options.change_budget_ms = 1000;
        w->options.explicit_budget_ms = 1500;
        laptop_backed_up(w, &d);
        server_stop(w);
        listener = silent_listener(w->port);

        start = mono_ms();
        assert_int_not_equal(device_change(&d, "Mail", "alice"), AK_OK);
        took = mono_ms() - start;
        assert_true(took < 1000 + SLACK_MS);
        st = device_status(&d);
        assert_int_equal(st.state, AK_SYNC_PENDING);
        assert_int_equal(st.why, AK_SYNC_UNREACHABLE);
        assert_int_equal(st.version, 1);

        start = mono_ms();
        assert_int_not_equal(ak_sync_send_pending(d.sync), AK_OK);
        assert_true(mono_ms() - start < 1000 + SLACK_MS);
        start = mono_ms();
        assert_int_not_equal(ak_sync_refresh(d.sync), AK_OK);
        assert_true(mono_ms() - start < 1500 + SLACK_MS);
        start = mono_ms();
        assert_int_not_equal(ak_sync_now(d.sync, false), AK_OK);
        assert_true(mono_ms() - start < 1500 + SLACK_MS);
        st = device_status(&d);
        assert_int_equal(st.state, AK_SYNC_PENDING);
        assert_int_equal(st.why, AK_SYNC_UNREACHABLE);

        close(listener);
        server_start(w, NULL);
        assert_int_equal(ak_sync_send_pending(d.sync), AK_OK);
        assert_backed_up(w, &d, 2, WORLD_PASSWORD);
        device_free(&d);
}

static void test_session_expired_on_clock(void **state)
{
        struct world *w = *state;
        static const char *const hour[] = {"--session-ttl", "1h", NULL};
        struct device d;
        struct ak_sync_status st;
        long long start;

        server_restart(w, hour);
        laptop_backed_up(w, &d);

        /* Two hours later on the device's clock: known expired, without asking anyone. */
        w->now += 2 * 3600;
        st = device_status(&d);
        assert_int_equal(st.state, AK_SYNC_BACKED_UP);
        assert_true(st.session_known_expired);
        server_stop(w);
        start = mono_ms();
        assert_int_equal(device_change(&d, "Mail", "alice"), AK_ERR_SESSION_EXPIRED);
        assert_true(mono_ms() - start < 1000);
        st = device_status(&d);
        assert_int_equal(st.state, AK_SYNC_SESSION_EXPIRED);
        assert_true(st.pending);
        assert_int_equal(st.pending_since, w->now);
        assert_int_equal(st.version, 1);
        assert_true(strlen(st.reason) > 0);

        /*
         * The session waits for the user: nothing is sent automatically, and
         * `backup now` asks to sign in. The server is restarted with sessions
         * that outlast the device's clock, which the server does not share.
         */
        static const char *const month[] = {"--session-ttl", "30d", NULL};
        server_start(w, month);
        assert_int_not_equal(ak_sync_send_pending(d.sync), AK_OK);
        assert_int_equal(ak_sync_now(d.sync, false), AK_ERR_SESSION_EXPIRED);
        assert_int_equal(ak_sync_delete(d.sync), AK_ERR_SESSION_EXPIRED);
        assert_int_equal(ak_sync_refresh(d.sync), AK_OK);
        st = device_status(&d);
        assert_int_equal(st.state, AK_SYNC_SESSION_EXPIRED);
        assert_true(st.pending);

        assert_int_equal(ak_sync_sign_in(d.sync, WORLD_PASSWORD, strlen(WORLD_PASSWORD)), AK_OK);
        device_save(&d);
        st = device_status(&d);
        assert_int_equal(st.state, AK_SYNC_PENDING);
        assert_int_equal(st.why, AK_SYNC_NOT_SENT);
        assert_false(st.session_known_expired);
        assert_int_equal(ak_sync_send_pending(d.sync), AK_OK);
        /* The refused delete deleted nothing. */
        assert_backed_up(w, &d, 2, WORLD_PASSWORD);
        device_free(&d);
}

static void test_session_revoked(void **state)
{
        struct world *w = *state;
        struct device laptop, phone;
        struct ak_sync_status st;
        struct ak_backup_info other;
        char label[128];

        laptop_backed_up(w, &laptop);
        device_new(w, &phone, "phone");
        device_recover(w, &phone, "phone", WORLD_PASSWORD);
        st = device_status(&phone);
        assert_int_equal(st.state, AK_SYNC_BACKED_UP);
        assert_int_equal(st.version, 1);

        /* A password change needs a session signed in just now, not the one the vault holds. */
        device_reopen(w, &phone);
        assert_int_equal(ak_sync_change_password(phone.sync, WORLD_PASSWORD, strlen(WORLD_PASSWORD),
                                                 NEW_PASSWORD, strlen(NEW_PASSWORD)),
                         AK_ERR_SESSION_EXPIRED);
        assert_int_equal(ak_sync_sign_in(phone.sync, WORLD_PASSWORD, strlen(WORLD_PASSWORD)),
                         AK_OK);
        /* The session alone is not enough: a wrong current password changes nothing. */
        assert_int_equal(ak_sync_change_password(phone.sync, "not the password", 16, NEW_PASSWORD,
                                                 strlen(NEW_PASSWORD)),
                         AK_ERR_AUTH);
        assert_int_equal(ak_sync_change_password(phone.sync, WORLD_PASSWORD, strlen(WORLD_PASSWORD),
                                                 NEW_PASSWORD, strlen(NEW_PASSWORD)),
                         AK_OK);
        device_save(&phone);

        /* The server revoked the laptop's session: `status` notices, a change waits. */
        assert_int_equal(ak_sync_refresh(laptop.sync), AK_OK);
        st = device_status(&laptop);
        assert_int_equal(st.state, AK_SYNC_SESSION_EXPIRED);
        assert_false(st.pending);
        assert_int_equal(device_change(&laptop, "Mail", "alice"), AK_ERR_SESSION_EXPIRED);
        st = device_status(&laptop);
        assert_int_equal(st.state, AK_SYNC_SESSION_EXPIRED);
        assert_true(st.pending);
        assert_int_equal(st.version, 1);
        assert_int_equal(ak_sync_now(laptop.sync, false), AK_ERR_SESSION_EXPIRED);
        assert_int_equal(device_status(&laptop).state, AK_SYNC_SESSION_EXPIRED);

        /* The old password is refused and changes nothing. */
        assert_int_equal(ak_sync_sign_in(laptop.sync, WORLD_PASSWORD, strlen(WORLD_PASSWORD)),
                         AK_ERR_AUTH);
        st = device_status(&laptop);
        assert_int_equal(st.state, AK_SYNC_SESSION_EXPIRED);
        assert_true(st.pending);

        /*
         * `backup on` again to the same account only signs in and sends what
         * waits; to another account while on, it is refused.
         */
        assert_int_equal(ak_sync_enable(laptop.sync, w->url, false, "bob@example.com", "laptop",
                                        NEW_PASSWORD, strlen(NEW_PASSWORD), &other),
                         AK_ERR_INVALID);
        assert_int_equal(device_status(&laptop).state, AK_SYNC_SESSION_EXPIRED);
        assert_int_equal(ak_sync_enable(laptop.sync, w->url, false, "Alice@Example.com", NULL,
                                        NEW_PASSWORD, strlen(NEW_PASSWORD), &other),
                         AK_OK);
        device_save(&laptop);
        assert_string_equal(device_status(&laptop).device_name, "laptop");
        assert_backed_up(w, &laptop, 2, NEW_PASSWORD);

        /* The phone kept its session: it sees the laptop's version. */
        assert_int_equal(ak_sync_refresh(phone.sync), AK_OK);
        st = device_status(&phone);
        assert_int_equal(st.state, AK_SYNC_NEWER_ELSEWHERE);
        assert_int_equal(st.other_version, 2);
        device_label(label, sizeof(label), &laptop, "laptop");
        assert_string_equal(st.other_device, label);
        device_free(&laptop);
        device_free(&phone);
}

static void test_newer_elsewhere(void **state)
{
        struct world *w = *state;
        struct device laptop, phone, tablet;
        struct ak_sync_status st;
        struct ak_backup_info other, latest;
        char label[128];

        laptop_backed_up(w, &laptop);
        device_new(w, &phone, "phone");
        device_recover(w, &phone, "phone", WORLD_PASSWORD);
        assert_int_equal(device_change(&phone, "Bank", "alice"), AK_OK);
        assert_backed_up(w, &phone, 2, WORLD_PASSWORD);
        device_label(label, sizeof(label), &phone, "phone");

        /* `status` on the laptop: the phone's version, nothing pending. */
        assert_int_equal(ak_sync_refresh(laptop.sync), AK_OK);
        st = device_status(&laptop);
        assert_int_equal(st.state, AK_SYNC_NEWER_ELSEWHERE);
        assert_int_equal(st.version, 1);
        assert_int_equal(st.other_version, 2);
        assert_string_equal(st.other_device, label);
        server_latest(w, WORLD_PASSWORD, &latest);
        assert_int_equal(st.other_at, latest.created_at);
        assert_false(st.pending);

        /* A change on the laptop is kept: it would overwrite the phone's accounts. */
        assert_int_equal(device_change(&laptop, "Mail", "alice"), AK_ERR_NEWER_BACKUP);
        st = device_status(&laptop);
        assert_int_equal(st.state, AK_SYNC_NEWER_ELSEWHERE);
        assert_true(st.pending);
        assert_int_equal(st.other_version, 2);
        assert_string_equal(st.other_device, label);
        assert_int_not_equal(ak_sync_send_pending(laptop.sync), AK_OK);
        assert_int_equal(ak_sync_now(laptop.sync, false), AK_ERR_NEWER_BACKUP);
        assert_int_equal(device_status(&laptop).state, AK_SYNC_NEWER_ELSEWHERE);
        server_latest(w, WORLD_PASSWORD, &latest);
        assert_int_equal(latest.version, 2);
        assert_string_equal(latest.device_id, ak_vault_device_id(phone.vault));

        /* `backup now --force`: the laptop's accounts are the latest. */
        assert_int_equal(ak_sync_now(laptop.sync, true), AK_OK);
        device_save(&laptop);
        assert_backed_up(w, &laptop, 3, WORLD_PASSWORD);
        assert_int_equal(ak_sync_after_save(phone.sync), AK_ERR_NEWER_BACKUP);
        st = device_status(&phone);
        assert_int_equal(st.state, AK_SYNC_NEWER_ELSEWHERE);
        assert_int_equal(st.other_version, 3);
        device_label(label, sizeof(label), &laptop, "laptop");
        assert_string_equal(st.other_device, label);

        /* A third device may not turn backup on over them: it is told whose backup is there. */
        device_new(w, &tablet, "tablet");
        memset(&other, 0, sizeof(other));
        assert_int_equal(ak_sync_enable(tablet.sync, w->url, false, WORLD_EMAIL, "tablet",
                                        WORLD_PASSWORD, strlen(WORLD_PASSWORD), &other),
                         AK_ERR_NEWER_BACKUP);
        assert_int_equal(other.version, 3);
        assert_string_equal(other.device_id, ak_vault_device_id(laptop.vault));
        assert_string_equal(other.device_name, "laptop");
        assert_off(&tablet);
        device_free(&tablet);
        device_free(&laptop);
        device_free(&phone);
}

static void test_deleted_elsewhere(void **state)
{
        struct world *w = *state;
        struct device laptop, phone;
        struct ak_sync_status st;
        struct ak_recovery_plan *plan = NULL;
        struct ak_recovery_failure why;
        char label[128];

        laptop_backed_up(w, &laptop);
        device_new(w, &phone, "phone");
        device_recover(w, &phone, "phone", WORLD_PASSWORD);
        assert_int_equal(ak_sync_delete(phone.sync), AK_OK);
        device_save(&phone);
        assert_off(&phone);
        device_label(label, sizeof(label), &phone, "phone");

        assert_int_equal(ak_sync_refresh(laptop.sync), AK_OK);
        st = device_status(&laptop);
        assert_int_equal(st.state, AK_SYNC_DELETED);
        assert_string_equal(st.other_device, label);
        assert_true(st.other_at > 0);
        assert_false(st.pending);
        assert_int_equal(st.version, 1);

        /* A change is kept, not uploaded behind the user's back. */
        assert_int_equal(device_change(&laptop, "Mail", "alice"), AK_ERR_BACKUP_DELETED);
        st = device_status(&laptop);
        assert_int_equal(st.state, AK_SYNC_DELETED);
        assert_true(st.pending);
        assert_string_equal(st.other_device, label);
        assert_int_not_equal(ak_sync_send_pending(laptop.sync), AK_OK);
        assert_int_equal(device_status(&laptop).state, AK_SYNC_DELETED);

        /* Recovery says who deleted it. */
        assert_int_equal(ak_recovery_plan_new(&plan, &w->options, w->url, false, WORLD_EMAIL,
                                              WORLD_PASSWORD, strlen(WORLD_PASSWORD), false, 0,
                                              NULL, &why),
                         AK_ERR_BACKUP_DELETED);
        assert_null(plan);
        assert_string_equal(why.deleted.device_id, ak_vault_device_id(phone.vault));
        assert_string_equal(why.deleted.device_name, "phone");

        /* `backup now` uploads again, as a new version: numbers are never reused. */
        assert_int_equal(ak_sync_now(laptop.sync, false), AK_OK);
        device_save(&laptop);
        assert_backed_up(w, &laptop, 2, WORLD_PASSWORD);
        device_free(&laptop);
        device_free(&phone);
}

static void test_server_behind(void **state)
{
        struct world *w = *state;
        struct device d;
        struct ak_sync_status st;

        laptop_backed_up(w, &d);
        server_stop(w);
        server_db_copy(w, "v1", false);
        server_start(w, NULL);
        assert_int_equal(device_change(&d, "Mail", "alice"), AK_OK);
        assert_backed_up(w, &d, 2, WORLD_PASSWORD);

        /* The server comes back from a copy made before version 2. */
        server_stop(w);
        server_db_copy(w, "v1", true);
        server_start(w, NULL);

        assert_int_equal(ak_sync_refresh(d.sync), AK_OK);
        st = device_status(&d);
        assert_int_equal(st.state, AK_SYNC_SERVER_BEHIND);
        assert_int_equal(st.version, 2);
        assert_int_equal(st.other_version, 1);
        assert_false(st.pending);

        /* Neither a change nor `backup now` guesses what to replace. */
        assert_int_equal(device_change(&d, "Bank", "alice"), AK_ERR_NEWER_BACKUP);
        st = device_status(&d);
        assert_int_equal(st.state, AK_SYNC_SERVER_BEHIND);
        assert_true(st.pending);
        assert_int_equal(st.other_version, 1);
        assert_int_equal(ak_sync_now(d.sync, false), AK_ERR_NEWER_BACKUP);
        assert_int_equal(device_status(&d).state, AK_SYNC_SERVER_BEHIND);

        /* `backup now --force` uploads the device's accounts on top of version 1. */
        assert_int_equal(ak_sync_now(d.sync, true), AK_OK);
        device_save(&d);
        assert_backed_up(w, &d, 2, WORLD_PASSWORD);
        device_free(&d);
}

static void test_disable(void **state)
{
        struct world *w = *state;
        struct device d;
        struct ak_recovery_plan *plan = NULL;

        laptop_backed_up(w, &d);
        /* Off works with the server gone, and forgets a pending change with the rest. */
        server_stop(w);
        assert_int_equal(device_change(&d, "Mail", "alice"), AK_ERR_NETWORK);
        assert_int_equal(ak_sync_disable(d.sync), AK_OK);
        device_save(&d);
        assert_off(&d);
        device_reopen(w, &d);
        assert_off(&d);
        assert_int_equal(ak_account_list_carried(ak_vault_accounts(d.vault)), 2);
        assert_int_equal(device_change(&d, "Bank", "alice"), AK_OK);
        assert_off(&d);
        assert_int_equal(ak_sync_now(d.sync, false), AK_ERR_BACKUP_OFF);
        assert_int_equal(ak_sync_disable(d.sync), AK_OK);

        /* The server keeps the backup; the same device may turn backup on again. */
        server_start(w, NULL);
        assert_int_equal(ak_recovery_plan_new(&plan, &w->options, w->url, false, WORLD_EMAIL,
                                              WORLD_PASSWORD, strlen(WORLD_PASSWORD), false, 0,
                                              NULL, NULL),
                         AK_OK);
        assert_int_equal(plan->latest, 1);
        ak_recovery_plan_free(plan);
        device_enable(w, &d, NULL);
        assert_backed_up(w, &d, 2, WORLD_PASSWORD);
        assert_string_equal(device_status(&d).device_name, "device");
        device_free(&d);
}

static void test_wrong_password(void **state)
{
        struct world *w = *state;
        struct device d, other;
        struct ak_sync_status before, after;
        struct ak_backup_info info;
        char account_id[256];

        device_new(w, &other, "other");
        device_create_account(w, &other);
        device_free(&other);

        device_new(w, &d, "laptop");
        assert_int_equal(ak_sync_enable(d.sync, w->url, false, WORLD_EMAIL, "laptop", "wrong",
                                        strlen("wrong"), &info),
                         AK_ERR_AUTH);
        assert_int_equal(ak_sync_enable(d.sync, w->url, false, "nobody@example.com", "laptop",
                                        WORLD_PASSWORD, strlen(WORLD_PASSWORD), &info),
                         AK_ERR_AUTH); /* an unknown email fails like a wrong password */
        assert_off(&d);
        device_enable(w, &d, "laptop");
        assert_backed_up(w, &d, 1, WORLD_PASSWORD);

        ak_sync_status(d.sync, &before);
        /* The strings point into the vault, which is opened again below. */
        snprintf(account_id, sizeof(account_id), "%s", before.account_id);
        assert_int_equal(ak_sync_sign_in(d.sync, "wrong", strlen("wrong")), AK_ERR_AUTH);
        /* The third failure from this address slows its next sign-in down by a second. */
        usleep(1100 * 1000);
        device_save(&d);
        device_reopen(w, &d);
        ak_sync_status(d.sync, &after);
        assert_int_equal(after.state, before.state);
        assert_int_equal(after.version, before.version);
        assert_int_equal(after.backed_up_at, before.backed_up_at);
        assert_false(after.pending);
        assert_false(after.session_known_expired);
        assert_string_equal(after.reason, "");
        assert_string_equal(after.account_id, account_id);
        /* The session the vault holds still works. */
        assert_int_equal(device_change(&d, "Mail", "alice"), AK_OK);
        assert_backed_up(w, &d, 2, WORLD_PASSWORD);
        device_free(&d);
}

/*
 * An error that trying again will not fix: the server refuses the upload
 * as too large (413). The change stays pending as a lasting error
 * (AK_SYNC_LASTING_ERROR, AK_ERR_LIMIT, with the bytes refused), not as an
 * unreachable server, and only `backup now` sends it again.
 */
static void test_lasting_error(void **state)
{
        struct world *w = *state;
        static const char *const small[] = {"--max-body", "16384", NULL};
        struct device d;
        struct ak_sync_status st;
        char secret[1001], name[32];

        laptop_backed_up(w, &d);
        server_restart(w, small);
        memset(secret, 'k', sizeof(secret) - 1);
        secret[sizeof(secret) - 1] = '\0';
        for (int i = 0; i < 40; i++) {
                snprintf(name, sizeof(name), "user%d", i);
                device_add(&d, "Large", name, secret);
        }
        assert_int_equal(ak_sync_after_save(d.sync), AK_ERR_LIMIT);
        device_save(&d);
        st = device_status(&d);
        assert_int_equal(st.state, AK_SYNC_PENDING);
        assert_true(st.pending);
        assert_int_equal(st.version, 1);
        assert_int_equal(st.why, AK_SYNC_LASTING_ERROR);
        assert_int_equal(st.error, AK_ERR_LIMIT);
        assert_true(st.refused_bytes > 16384);
        /* It waits for the user: only `backup now` tries again. */
        assert_int_not_equal(ak_sync_send_pending(d.sync), AK_ERR_LIMIT);
        assert_int_equal(ak_sync_now(d.sync, false), AK_ERR_LIMIT);
        assert_int_equal(device_status(&d).why, AK_SYNC_LASTING_ERROR);
        device_free(&d);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_off_to_backed_up, world_setup, world_teardown),
            cmocka_unit_test_setup_teardown(test_server_stopped, world_setup, world_teardown),
            cmocka_unit_test_setup_teardown(test_server_never_answers, world_setup, world_teardown),
            cmocka_unit_test_setup_teardown(test_session_expired_on_clock, world_setup,
                                            world_teardown),
            cmocka_unit_test_setup_teardown(test_session_revoked, world_setup, world_teardown),
            cmocka_unit_test_setup_teardown(test_newer_elsewhere, world_setup, world_teardown),
            cmocka_unit_test_setup_teardown(test_deleted_elsewhere, world_setup, world_teardown),
            cmocka_unit_test_setup_teardown(test_server_behind, world_setup, world_teardown),
            cmocka_unit_test_setup_teardown(test_disable, world_setup, world_teardown),
            cmocka_unit_test_setup_teardown(test_wrong_password, world_setup, world_teardown),
            cmocka_unit_test_setup_teardown(test_lasting_error, world_setup, world_teardown),
        };

        ak_init();
        return cmocka_run_group_tests(tests, NULL, NULL);
}
