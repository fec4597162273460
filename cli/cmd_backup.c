/*
 * Cloud backup and recovery on the device (SPEC §1.2, §1.3, §1.7):
 * `authkeep backup on|off|now|status|delete|password`, `authkeep recover`,
 * and the hooks that back every change up (cli_backup_after_save) and show
 * the state in `watch` (cli_backup_state_line).
 *
 * What the device keeps about backup lives in the vault's device-local
 * state (ak_vault_local: encrypted with the vault, never backed up), under
 * "backup.*":
 *   server, insecure, email         where the recovery account is
 *   account_id, token, expires      the session (token expires at `expires`)
 *   key                             the backup key (base64), unwrapped at sign-in
 *   device_name                     shown to other devices
 *   version, at                     the version this device last uploaded or
 *                                   restored, and when
 *   pending, pending_since          a change not yet on the server, since when
 *   problem, reason                 why not: unreachable, session_expired,
 *                                   deleted, newer_backup, error; and a sentence
 *   other_version, other_device, other_at
 *                                   the newer backup, or who deleted the backup
 * Backup is on when "backup.server" is set.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "authkeep/client.h"
#include "cli.h"

/* The problems a device can be in, as "backup.problem" stores them. */
#define P_UNREACHABLE "unreachable"
#define P_SESSION "session_expired"
#define P_DELETED "deleted"
#define P_NEWER "newer_backup"
#define P_ERROR "error"

/* ------------------------------------------------------------------ */
/* Device-local state                                                   */

static const char *st(const struct ak_vault *vault, const char *key)
{
        char name[64];

        snprintf(name, sizeof(name), "backup.%s", key);
        return ak_vault_local(vault, name);
}

/* Sets (or with NULL removes) one state value; remembers the first failure in *err. */
static void st_set(struct ak_vault *vault, const char *key, const char *value, enum ak_err *err)
{
        char name[64];
        enum ak_err e;

        snprintf(name, sizeof(name), "backup.%s", key);
        e = ak_vault_set_local(vault, name, value);
        if (e != AK_OK && *err == AK_OK)
                *err = e;
}

static void st_set_num(struct ak_vault *vault, const char *key, long long value, enum ak_err *err)
{
        char buf[32];

        snprintf(buf, sizeof(buf), "%lld", value);
        st_set(vault, key, buf, err);
}

static long long st_num(const struct ak_vault *vault, const char *key)
{
        const char *s = st(vault, key);
        unsigned long long v = 0;

        if (s == NULL || !cli_parse_uint(s, INT64_MAX, &v))
                return 0;
        return (long long)v;
}

static bool backup_is_on(const struct ak_vault *vault)
{
        return st(vault, "server") != NULL;
}

static const char *const state_keys[] = {
    "server",  "insecure",    "email",         "account_id",   "token",    "expires",
    "key",     "device_name", "version",       "at",           "pending",  "pending_since",
    "problem", "reason",      "other_version", "other_device", "other_at",
};

/* Forgets every backup value: backup is then off on this device. */
static void st_clear_all(struct ak_vault *vault, enum ak_err *err)
{
        for (size_t i = 0; i < sizeof(state_keys) / sizeof(state_keys[0]); i++)
                st_set(vault, state_keys[i], NULL, err);
}

static void clear_problem(struct ak_vault *vault, enum ak_err *err)
{
        st_set(vault, "problem", NULL, err);
        st_set(vault, "reason", NULL, err);
        st_set(vault, "other_version", NULL, err);
        st_set(vault, "other_device", NULL, err);
        st_set(vault, "other_at", NULL, err);
}

/* Marks the vault as holding a change the server does not have yet. */
static void mark_pending(struct ak_vault *vault, enum ak_err *err)
{
        if (st(vault, "pending") == NULL) {
                st_set(vault, "pending", "1", err);
                st_set_num(vault, "pending_since", (long long)time(NULL), err);
        }
}

/* "2026-11-29 09:30:12 UTC"; "an unknown time" for 0. */
static const char *fmt_time(long long t, char *buf, size_t len)
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (t <= 0 || gmtime_r(&tt, &tm) == NULL) {
                snprintf(buf, len, "an unknown time");
                return buf;
        }
        strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
        return buf;
}

/* "NAME (1a2b3c4d)", or the id alone when the device has no name. */
static void device_label(char *buf, size_t len, const char *id, const char *name)
{
        if (name != NULL && *name != '\0')
                snprintf(buf, len, "%s (%.8s)", name, id ? id : "?");
        else
                snprintf(buf, len, "%.8s", id && *id ? id : "an unknown device");
}

/* This device's name as other devices see it: AUTHKEEP_DEVICE_NAME, else the host name. */
static void default_device_name(char *buf, size_t len)
{
        const char *env = getenv("AUTHKEEP_DEVICE_NAME");

        if (env != NULL && *env != '\0' && strlen(env) <= 128) {
                snprintf(buf, len, "%s", env);
                return;
        }
        if (gethostname(buf, len) != 0)
                snprintf(buf, len, "device");
        buf[len - 1] = '\0';
}

/* The backup key kept in the vault, decoded. */
static enum ak_err load_key(const struct ak_vault *vault, unsigned char key[AK_BACKUP_KEY_BYTES])
{
        const char *b64 = st(vault, "key");
        size_t len = 0;

        if (b64 == NULL ||
            sodium_base642bin(key, AK_BACKUP_KEY_BYTES, b64, strlen(b64), NULL, &len, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0 ||
            len != AK_BACKUP_KEY_BYTES)
                return AK_ERR_BACKUP_OFF;
        return AK_OK;
}

/* Stores what a sign-in gave: the session and the backup key. */
static void store_session(struct ak_vault *vault, const struct ak_session *session,
                          enum ak_err *err)
{
        char b64[sodium_base64_ENCODED_LEN(AK_BACKUP_KEY_BYTES, sodium_base64_VARIANT_ORIGINAL)];

        sodium_bin2base64(b64, sizeof(b64), session->backup_key, AK_BACKUP_KEY_BYTES,
                          sodium_base64_VARIANT_ORIGINAL);
        st_set(vault, "key", b64, err);
        sodium_memzero(b64, sizeof(b64));
        st_set(vault, "token", session->token, err);
        st_set(vault, "account_id", session->account_id, err);
        if (session->expires_at > 0)
                st_set_num(vault, "expires", session->expires_at, err);
        else
                st_set(vault, "expires", NULL, err);
}

/* ------------------------------------------------------------------ */
/* Talking to the server                                                */

/*
 * A client with the options the environment gives: AUTHKEEP_CA_FILE and
 * AUTHKEEP_KDF_COST=min (test suites).
 */
static enum ak_err new_client(struct ak_client **out, const char *url, bool insecure)
{
        const char *cost = getenv("AUTHKEEP_KDF_COST");
        struct ak_client_options o = {0};

        o.ca_file = getenv("AUTHKEEP_CA_FILE");
        o.insecure = insecure;
        o.kdf_cost =
            cost != NULL && strcmp(cost, "min") == 0 ? AK_KDF_COST_MIN : AK_KDF_COST_DEFAULT;
        return ak_client_new(out, url, &o);
}

/* A client for the device's server with its session token. Prints nothing. */
static enum ak_err open_client(const struct ak_vault *vault, struct ak_client **out)
{
        struct ak_client *client = NULL;
        enum ak_err err;

        err = new_client(&client, st(vault, "server"), st(vault, "insecure") != NULL);
        if (err == AK_OK && st(vault, "token") != NULL)
                err = ak_client_set_token(client, st(vault, "token"));
        if (err != AK_OK) {
                ak_client_free(client);
                return err;
        }
        *out = client;
        return AK_OK;
}

/* True for failures after which the change is simply kept and sent later. */
static bool is_transient(enum ak_err err)
{
        return err == AK_ERR_NETWORK || err == AK_ERR_HTTP || err == AK_ERR_RATE_LIMITED ||
               err == AK_ERR_PROTOCOL;
}

/* Records why the last attempt failed, so that status and watch can say it. */
static void record_problem(struct ak_vault *vault, enum ak_err why,
                           const struct ak_backup_info *other, enum ak_err *err)
{
        char reason[600], dev[300], detail[512];

        /* Copied first: recording the state may set a detail of its own. */
        snprintf(detail, sizeof(detail), "%s", ak_error_detail());

        clear_problem(vault, err);
        if (is_transient(why)) {
                snprintf(reason, sizeof(reason), "%s%s%s", ak_strerror(why), *detail ? ": " : "",
                         detail);
                st_set(vault, "problem", P_UNREACHABLE, err);
        } else if (why == AK_ERR_SESSION_EXPIRED) {
                snprintf(reason, sizeof(reason), "the session expired or was revoked");
                st_set(vault, "problem", P_SESSION, err);
        } else if (why == AK_ERR_NEWER_BACKUP || why == AK_ERR_BACKUP_DELETED) {
                device_label(dev, sizeof(dev), other ? other->device_id : NULL,
                             other ? other->device_name : NULL);
                snprintf(reason, sizeof(reason), "%s", ak_strerror(why));
                st_set(vault, "problem", why == AK_ERR_NEWER_BACKUP ? P_NEWER : P_DELETED, err);
                if (other != NULL) {
                        st_set_num(vault, "other_version", (long long)other->version, err);
                        st_set(vault, "other_device", dev, err);
                        st_set_num(vault, "other_at", other->created_at, err);
                }
        } else {
                snprintf(reason, sizeof(reason), "%s%s%s", ak_strerror(why), *detail ? ": " : "",
                         detail);
                st_set(vault, "problem", P_ERROR, err);
        }
        st_set(vault, "reason", reason, err);
}

/*
 * Whether a version later than `known` was made by another device: a
 * version this device made itself (an upload whose answer was lost) is
 * not another device's work and may be replaced. *latest gets the latest
 * version and *newest its description.
 */
static bool newer_from_elsewhere(const struct ak_backup_versions *versions, uint64_t known,
                                 const char *device_id, uint64_t *latest,
                                 struct ak_backup_info *newest)
{
        bool other = false;

        *latest = 0;
        for (size_t i = 0; i < versions->count; i++) {
                const struct ak_backup_info *v = &versions->items[i];

                if (v->version > *latest) {
                        *latest = v->version;
                        *newest = v->version > 0 ? *v : *newest;
                }
                if (v->version > known && strcmp(v->device_id, device_id) != 0)
                        other = true;
        }
        if (*latest < known)
                other = true; /* the server lost versions this device made: do not guess */
        return other;
}

/*
 * After a delete the next upload replaces the deleted latest version
 * (version numbers are never reused); GET /v1/backup says which it was.
 */
static enum ak_err deleted_latest(struct ak_client *client, const struct ak_vault *vault,
                                  const unsigned char key[AK_BACKUP_KEY_BYTES], uint64_t *latest)
{
        struct ak_backup_info info;
        char *payload = NULL;
        size_t len = 0;
        enum ak_err err;

        memset(&info, 0, sizeof(info));
        err = ak_client_backup_download(client, &info, &payload, &len, key, st(vault, "account_id"),
                                        0);
        if (err == AK_OK) {
                /* Uploaded again meanwhile: the caller finds it in the versions next time. */
                ak_backup_plaintext_free((unsigned char *)payload, len);
                return AK_ERR_NEWER_BACKUP;
        }
        if (err != AK_ERR_BACKUP_DELETED)
                return err;
        *latest = info.version;
        return AK_OK;
}

enum sync_mode {
        SYNC_AUTO,     /* after a change: stop at a deleted or newer backup */
        SYNC_EXPLICIT, /* `backup now`: upload again after a delete */
        SYNC_FORCE,    /* `backup now --force`: replace a newer backup too */
};

/*
 * Sends this device's accounts (the backup payload) as the next version
 * and records the outcome in the state (not saved here). Returns AK_OK or
 * why it was not sent; *info then describes the new version, or the newer
 * or deleted backup.
 */
static enum ak_err sync_backup(struct ak_vault *vault, struct ak_client *client,
                               enum sync_mode mode, struct ak_backup_info *info)
{
        unsigned char key[AK_BACKUP_KEY_BYTES];
        struct ak_backup_versions versions = {0};
        struct ak_backup_info newest, got;
        uint64_t known = (uint64_t)st_num(vault, "version"), latest = 0, replaces;
        char *payload = NULL;
        size_t payload_len = 0;
        bool was_pending;
        enum ak_err err, serr = AK_OK;

        memset(&newest, 0, sizeof(newest));
        memset(&got, 0, sizeof(got));
        was_pending = st(vault, "pending") != NULL || st(vault, "problem") != NULL;
        mark_pending(vault, &serr);
        err = load_key(vault, key);
        if (err != AK_OK)
                return err;
        err = ak_client_backup_versions(client, &versions);
        if (err != AK_OK)
                goto done;
        if (versions.deleted) {
                got = versions.deleted_by;
                if (mode == SYNC_AUTO) {
                        err = AK_ERR_BACKUP_DELETED;
                        goto done;
                }
                err = deleted_latest(client, vault, key, &replaces);
                if (err != AK_OK)
                        goto done;
        } else if (newer_from_elsewhere(&versions, known, ak_vault_device_id(vault), &latest,
                                        &newest) &&
                   mode != SYNC_FORCE) {
                got = newest;
                err = AK_ERR_NEWER_BACKUP;
                goto done;
        } else {
                replaces = latest;
                if (mode == SYNC_EXPLICIT && !was_pending && latest == known && latest > 0) {
                        got = newest; /* the server has this device's accounts already */
                        goto done;
                }
        }
        err = ak_vault_backup_payload(vault, &payload, &payload_len);
        if (err != AK_OK)
                goto done;
        err = ak_client_backup_upload(client, &got, key, st(vault, "account_id"), replaces,
                                      ak_vault_device_id(vault), st(vault, "device_name"), payload,
                                      payload_len);
done:
        sodium_memzero(key, sizeof(key));
        if (payload != NULL) {
                sodium_memzero(payload, payload_len);
                free(payload);
        }
        ak_backup_versions_clear(&versions);
        if (err == AK_OK) {
                st_set_num(vault, "version", (long long)got.version, &serr);
                st_set_num(vault, "at", got.created_at > 0 ? got.created_at : (long long)time(NULL),
                           &serr);
                st_set(vault, "pending", NULL, &serr);
                st_set(vault, "pending_since", NULL, &serr);
                clear_problem(vault, &serr);
        } else {
                record_problem(vault, err, &got, &serr);
        }
        if (info != NULL)
                *info = got;
        if (err == AK_OK && serr != AK_OK)
                err = serr;
        return err;
}

/* ------------------------------------------------------------------ */
/* Describing the state                                                 */

/* What status, watch and the warnings after a change say. */
struct view {
        const char
            *state; /* off, backed_up, pending, session_expired, deleted, newer_backup, error */
        char headline[800]; /* "backed up at T (version 3)", "pending since T because ..." */
        char advice[600];   /* what to do, "" when nothing */
};

static void describe(const struct ak_vault *vault, struct view *v)
{
        const char *problem = st(vault, "problem"), *reason = st(vault, "reason");
        const char *other_dev = st(vault, "other_device");
        char t1[40], t2[40];
        bool pending = st(vault, "pending") != NULL;

        memset(v, 0, sizeof(*v));
        if (reason == NULL)
                reason = "of an unknown problem";
        if (other_dev == NULL)
                other_dev = "an unknown device";
        if (!backup_is_on(vault)) {
                v->state = "off";
                snprintf(v->headline, sizeof(v->headline), "off");
                snprintf(
                    v->advice, sizeof(v->advice),
                    "turn it on with 'authkeep backup on --server URL --email EMAIL [--create]'");
        } else if (problem != NULL && strcmp(problem, P_SESSION) == 0) {
                v->state = "session_expired";
                snprintf(v->headline, sizeof(v->headline), "sign in again: the session expired%s%s",
                         pending ? "; changes since " : "",
                         pending ? fmt_time(st_num(vault, "pending_since"), t1, sizeof(t1)) : "");
                if (pending)
                        strncat(v->headline, " are not backed up",
                                sizeof(v->headline) - strlen(v->headline) - 1);
                snprintf(v->advice, sizeof(v->advice),
                         "run 'authkeep backup now' and enter the recovery account's password");
        } else if (problem != NULL && strcmp(problem, P_DELETED) == 0) {
                v->state = "deleted";
                snprintf(v->headline, sizeof(v->headline),
                         "the backup was deleted on the server by %s at %s", other_dev,
                         fmt_time(st_num(vault, "other_at"), t1, sizeof(t1)));
                snprintf(v->advice, sizeof(v->advice),
                         "'authkeep backup now' uploads this device's accounts again; 'authkeep "
                         "backup off' stops "
                         "backup");
        } else if (problem != NULL && strcmp(problem, P_NEWER) == 0) {
                v->state = "newer_backup";
                snprintf(v->headline, sizeof(v->headline),
                         "a newer backup exists (version %lld from device %s at %s)",
                         st_num(vault, "other_version"), other_dev,
                         fmt_time(st_num(vault, "other_at"), t1, sizeof(t1)));
                snprintf(v->advice, sizeof(v->advice),
                         "'authkeep recover --merge' adds its accounts to this device and backs up "
                         "both; "
                         "'authkeep backup now --force' replaces it with this device's accounts");
        } else if (pending) {
                bool error = problem != NULL && strcmp(problem, P_ERROR) == 0;

                v->state = error ? "error" : "pending";
                snprintf(v->headline, sizeof(v->headline), "pending since %s because %s",
                         fmt_time(st_num(vault, "pending_since"), t1, sizeof(t1)),
                         problem != NULL ? reason : "it has not been sent yet");
                snprintf(v->advice, sizeof(v->advice), "%s",
                         error ? "run 'authkeep backup now' to try again"
                               : "nothing: the change is kept on this device and sent with the "
                                 "next change or "
                                 "'authkeep backup now'");
        } else {
                v->state = "backed_up";
                snprintf(v->headline, sizeof(v->headline), "backed up at %s (version %lld)",
                         fmt_time(st_num(vault, "at"), t2, sizeof(t2)), st_num(vault, "version"));
        }
}

void cli_backup_state_line(struct ak_vault *vault, char *buf, size_t len)
{
        struct view v;

        if (len == 0)
                return;
        describe(vault, &v);
        snprintf(buf, len, "%s", v.headline);
}

/* The session is known to have expired (no need to ask the server). */
static bool session_expired_here(const struct ak_vault *vault)
{
        long long expires = st_num(vault, "expires");

        return st(vault, "token") == NULL || (expires > 0 && (long long)time(NULL) >= expires);
}

/* Saves the vault after a state change; prints the error itself. */
static int save_state(struct ak_vault *vault, enum ak_err serr)
{
        enum ak_err err = serr != AK_OK ? serr : ak_vault_save(vault);

        if (err != AK_OK)
                return cli_fail(err, "saving the backup state in the vault");
        return CLI_EXIT_OK;
}

int cli_backup_after_save(struct ak_vault *vault)
{
        struct ak_client *client = NULL;
        struct view v;
        enum ak_err err, serr = AK_OK;

        if (!backup_is_on(vault))
                return CLI_EXIT_OK;
        mark_pending(vault, &serr);
        if (session_expired_here(vault)) {
                err = AK_ERR_SESSION_EXPIRED;
                record_problem(vault, err, NULL, &serr);
        } else if ((err = open_client(vault, &client)) != AK_OK) {
                record_problem(vault, err, NULL, &serr);
        } else {
                err = sync_backup(vault, client, SYNC_AUTO, NULL);
        }
        ak_client_free(client);
        if (serr == AK_OK && (serr = ak_vault_save(vault)) == AK_ERR_VAULT_CHANGED) {
                /*
                 * The change itself is saved; only what this device knows about its
                 * backup could not be written, since another command saved the vault
                 * meanwhile. The next change or `backup now` finds out again.
                 */
                fflush(stdout);
                fprintf(stderr, "authkeep: saved on this device; another command saved the vault "
                                "meanwhile, so the backup state was not recorded: 'authkeep backup "
                                "status' checks it\n");
                return CLI_EXIT_OK;
        }
        if (serr != AK_OK)
                return cli_fail(serr, "saving the backup state in the vault");
        if (err != AK_OK) {
                /* The change is saved; only its backup waits. Say so, and what to do. */
                describe(vault, &v);
                fflush(stdout);
                fprintf(stderr, "authkeep: saved on this device, not backed up yet: %s; %s\n",
                        v.headline, v.advice);
        }
        return CLI_EXIT_OK;
}

/*
 * A change that waits only for the server (it could not be reached) is
 * sent by the next command, even one that changes nothing. Quiet: on
 * failure the change stays pending, as `backup status` says. Problems that
 * need the user (an expired session, a newer or deleted backup) wait for
 * them.
 */
void cli_backup_send_pending(struct ak_vault *vault)
{
        struct ak_client *client = NULL;
        const char *problem = st(vault, "problem");

        if (!backup_is_on(vault) || st(vault, "pending") == NULL || session_expired_here(vault) ||
            (problem != NULL && strcmp(problem, P_UNREACHABLE) != 0))
                return;
        if (open_client(vault, &client) != AK_OK)
                return;
        /*
         * Sent or not, sync_backup recorded the outcome: save it. A save refused
         * because another command saved meanwhile loses only that record; the
         * change stays pending for the next command.
         */
        sync_backup(vault, client, SYNC_AUTO, NULL);
        if (ak_vault_save(vault) != AK_OK)
                ak_error_clear();
        ak_client_free(client);
}

/* ------------------------------------------------------------------ */
/* Errors people read                                                   */

/*
 * Prints one line for a failure talking to the server, distinct for each
 * cause, ending with `after` (like "; nothing was changed"). Returns
 * CLI_EXIT_FAIL.
 */
static int report(enum ak_err err, const char *what, const char *email,
                  const struct ak_client *client, const char *after)
{
        const char *detail = ak_error_detail();

        switch (err) {
        case AK_ERR_UNKNOWN_ACCOUNT:
                return cli_error("%s: no recovery account %s on this server (check the email, or "
                                 "create one with "
                                 "'authkeep backup on --create')%s",
                                 what, email, after);
        case AK_ERR_AUTH:
                /* A typing mistake in a recovery code is found on the device: say which. */
                if (strncmp(detail, "recovery code:", 14) == 0)
                        return cli_error("%s: wrong password or recovery code for %s (%s)%s", what,
                                         email, detail, after);
                return cli_error("%s: wrong password or recovery code for %s%s", what, email,
                                 after);
        case AK_ERR_RATE_LIMITED:
                if (client != NULL && ak_client_retry_after(client) > 0)
                        return cli_error("%s: too many attempts: retry in %ld seconds%s%s%s", what,
                                         ak_client_retry_after(client), *detail ? " (" : "", detail,
                                         *detail ? ")" : "");
                break;
        case AK_ERR_NETWORK:
                return cli_error("%s: the server cannot be reached (%s)%s", what, detail, after);
        case AK_ERR_BACKUP_TAMPERED:
                return cli_error("%s: the backup was modified or damaged on the server%s%s%s", what,
                                 *detail ? ": " : "", detail, after);
        case AK_ERR_INSECURE:
                return cli_error(
                    "%s: refusing plain HTTP to a host that is not loopback (%s): use https:// or "
                    "--insecure",
                    what, detail);
        default:
                break;
        }
        if (*detail)
                return cli_error("%s: %s: %s%s", what, ak_strerror(err), detail, after);
        return cli_error("%s: %s%s", what, ak_strerror(err), after);
}

/* Reads the recovery account's password (AUTHKEEP_PASSWORD or the terminal). */
static enum ak_err read_password(char **out, const char *email, bool confirm, bool is_new)
{
        char prompt[400];

        snprintf(prompt, sizeof(prompt),
                 "%s for the recovery account %s: ", is_new ? "New password" : "Password", email);
        return cli_read_secret(out, prompt, "AUTHKEEP_PASSWORD", confirm);
}

/* Signs in with the password; prints the error itself. Returns 0 or CLI_EXIT_FAIL. */
static int sign_in_password(struct ak_client *client, struct ak_session *session, const char *email,
                            const char *what, const char *after)
{
        char *password = NULL;
        enum ak_err err;

        err = read_password(&password, email, false, false);
        if (err != AK_OK)
                return cli_fail(err, "reading the password");
        if (*password == '\0') {
                cli_free_secret(password);
                return cli_error("%s: the password is empty", what);
        }
        err = ak_client_sign_in(client, session, email, password, strlen(password), false);
        cli_free_secret(password);
        if (err != AK_OK)
                return report(err, what, email, client, after);
        return CLI_EXIT_OK;
}

/* Prints the new recovery code, to be written down; it is never shown again. */
static void show_recovery_code(const char *code)
{
        printf(
            "\nRecovery code (shown only this once; write it down and keep it apart from this "
            "device):\n\n"
            "    %s\n\n"
            "It replaces a forgotten password: 'authkeep recover --recovery-code -' reads it.\n\n",
            code);
}

/* ------------------------------------------------------------------ */
/* authkeep backup on                                                   */

static const char on_help[] =
    "usage: authkeep backup on --server URL --email EMAIL [--create] [--insecure]\n"
    "                          [--device-name NAME]\n"
    "\n"
    "Turns on end-to-end-encrypted cloud backup of this device's accounts to the\n"
    "recovery account EMAIL on an authkeepd server. With --create the recovery\n"
    "account is made: the password is asked twice (or taken from AUTHKEEP_PASSWORD)\n"
    "and a one-time recovery code is shown once. Without it, signs in to an existing\n"
    "account (also how to sign in again after the session expired).\n"
    "\n"
    "From then on every change to the vault is backed up before the command returns.\n"
    "The password never leaves this device; the server stores only ciphertext.\n"
    "\n"
    "  --server URL        the server (default: AUTHKEEP_SERVER); plain http:// only\n"
    "                      to loopback unless --insecure\n"
    "  --email EMAIL       the recovery account\n"
    "  --create            create the recovery account\n"
    "  --insecure          allow plain http:// to a host that is not loopback\n"
    "  --device-name NAME  how other devices name this one (default: AUTHKEEP_DEVICE_NAME\n"
    "                      or the host name)\n";

/* Options shared by `backup on` and `recover`. */
struct server_opts {
        const char *server;
        const char *email;
        const char *device_name;
        bool insecure;
};

/* Checks the server options; prints the error itself. */
static int check_server_opts(const char *cmd, struct server_opts *o)
{
        enum ak_err err;

        if (o->server == NULL || *o->server == '\0')
                o->server = getenv("AUTHKEEP_SERVER");
        if (o->server == NULL || *o->server == '\0')
                return cli_usage_error(cmd, "--server URL is needed (or set AUTHKEEP_SERVER)");
        if (o->email == NULL || *o->email == '\0')
                return cli_usage_error(cmd, "--email EMAIL is needed");
        if (strchr(o->email, '@') == NULL || strlen(o->email) > 254)
                return cli_usage_error(cmd, "--email: '%s' is not an email address", o->email);
        if (o->device_name != NULL && strlen(o->device_name) > 128)
                return cli_usage_error(cmd, "--device-name: longer than 128 bytes");
        err = ak_client_check_url(o->server, o->insecure);
        if (err == AK_ERR_INSECURE)
                return cli_error("%s: refusing plain HTTP to %s, which is not loopback: use "
                                 "https:// or --insecure",
                                 cmd, o->server);
        if (err != AK_OK)
                return cli_fail(err, cmd);
        return CLI_EXIT_OK;
}

/* Turns backup on in the state for the account just signed in to. */
static void start_state(struct ak_vault *vault, const struct server_opts *o,
                        const struct ak_session *session, enum ak_err *serr)
{
        char name[256];

        st_clear_all(vault, serr);
        if (o->device_name != NULL)
                snprintf(name, sizeof(name), "%s", o->device_name);
        else
                default_device_name(name, sizeof(name));
        st_set(vault, "server", o->server, serr);
        st_set(vault, "insecure", o->insecure ? "1" : NULL, serr);
        st_set(vault, "email", o->email, serr);
        st_set(vault, "device_name", name, serr);
        st_set(vault, "version", "0", serr);
        store_session(vault, session, serr);
}

/* Whether a backup exists that this device does not know (so turning on would replace it). */
static enum ak_err existing_backup(struct ak_client *client, const char *device_id,
                                   struct ak_backup_info *newest, bool *exists)
{
        struct ak_backup_versions versions = {0};
        uint64_t latest = 0;
        enum ak_err err = ak_client_backup_versions(client, &versions);

        if (err != AK_OK)
                return err;
        memset(newest, 0, sizeof(*newest));
        *exists =
            !versions.deleted && newer_from_elsewhere(&versions, 0, device_id, &latest, newest);
        ak_backup_versions_clear(&versions);
        return AK_OK;
}

/*
 * Creates the recovery account (the password asked twice), shows the
 * recovery code once, and signs in. Prints errors itself.
 */
static int create_and_sign_in(struct ak_client *client, struct ak_session *session,
                              const struct server_opts *o)
{
        char *password = NULL, *code = NULL;
        enum ak_err err;
        int rc = CLI_EXIT_FAIL;

        err = read_password(&password, o->email, true, true);
        if (err != AK_OK)
                return cli_fail(err, "reading the password");
        if (strlen(password) < 8) {
                cli_error("backup on: the password is too short (at least 8 characters)");
                goto done;
        }
        err = ak_client_create_account(client, o->email, password, strlen(password), &code);
        if (err == AK_ERR_ACCOUNT_EXISTS) {
                cli_error("backup on: a recovery account %s exists on this server already: sign in "
                          "without --create",
                          o->email);
                goto done;
        }
        if (err != AK_OK) {
                report(err, "backup on: creating the recovery account", o->email, client, "");
                goto done;
        }
        printf("Created the recovery account %s on %s.\n", o->email, o->server);
        show_recovery_code(code);
        fflush(stdout);
        err = ak_client_sign_in(client, session, o->email, password, strlen(password), false);
        if (err != AK_OK) {
                report(err, "backup on: signing in", o->email, client, "");
                goto done;
        }
        rc = CLI_EXIT_OK;
done:
        cli_free_secret(code);
        cli_free_secret(password);
        return rc;
}

/*
 * Turning backup on where another device's backup exists would replace it:
 * refused (and signed out), with the way to combine both. Prints the error
 * itself; CLI_EXIT_OK when there is nothing in the way.
 */
static int refuse_existing(struct ak_client *client, const struct ak_vault *vault,
                           const struct server_opts *o)
{
        struct ak_backup_info info;
        bool exists = false;
        char dev[300], t1[40];
        enum ak_err err;

        err = existing_backup(client, ak_vault_device_id(vault), &info, &exists);
        if (err != AK_OK)
                report(err, "backup on", o->email, client, "; backup stays off");
        else if (exists) {
                device_label(dev, sizeof(dev), info.device_id, info.device_name);
                cli_error("backup on: %s holds a backup already (version %" PRIu64
                          " from device %s at %s); turning backup on here would replace it: run "
                          "'authkeep recover --merge --server %s --email %s' to combine it with "
                          "this device's accounts (backup is then on)",
                          o->email, info.version, dev, fmt_time(info.created_at, t1, sizeof(t1)),
                          o->server, o->email);
        }
        if (err == AK_OK && !exists)
                return CLI_EXIT_OK;
        (void)ak_client_sign_out(client);
        return CLI_EXIT_FAIL;
}

static int backup_on(int argc, char **argv)
{
        static const struct option options[] = {
            {"server", required_argument, NULL, 's'},
            {"email", required_argument, NULL, 'e'},
            {"create", no_argument, NULL, 'c'},
            {"insecure", no_argument, NULL, 'k'},
            {"device-name", required_argument, NULL, 'n'},
            {NULL, 0, NULL, 0},
        };
        struct server_opts o = {0};
        bool create = false, again = false;
        struct ak_vault *vault = NULL;
        struct ak_client *client = NULL;
        struct ak_session session;
        struct ak_backup_info info;
        char t1[40];
        enum ak_err err, serr = AK_OK;
        int opt, rc = CLI_EXIT_FAIL;

        memset(&session, 0, sizeof(session));
        memset(&info, 0, sizeof(info));
        if (cli_help(argc, argv, on_help))
                return CLI_EXIT_OK;
        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                switch (opt) {
                case 's':
                        o.server = optarg;
                        break;
                case 'e':
                        o.email = optarg;
                        break;
                case 'c':
                        create = true;
                        break;
                case 'k':
                        o.insecure = true;
                        break;
                case 'n':
                        o.device_name = optarg;
                        break;
                default:
                        return cli_option_error("backup on", opt, argv);
                }
        }
        if (optind < argc)
                return cli_usage_error("backup on", "unexpected argument '%s'", argv[optind]);
        if ((rc = check_server_opts("backup on", &o)) != CLI_EXIT_OK)
                return rc;
        rc = CLI_EXIT_FAIL;
        vault = cli_open_vault();
        if (vault == NULL)
                return CLI_EXIT_FAIL;
        if (backup_is_on(vault)) {
                again = strcmp(st(vault, "server"), o.server) == 0 &&
                        strcasecmp(st(vault, "email"), o.email) == 0;
                if (!again || create) {
                        cli_error("backup on: backup is on already, to %s at %s: run 'authkeep "
                                  "backup off' first",
                                  st(vault, "email"), st(vault, "server"));
                        goto done;
                }
        }
        err = new_client(&client, o.server, o.insecure);
        if (err != AK_OK) {
                report(err, "backup on", o.email, NULL, "");
                goto done;
        }

        if ((create ? create_and_sign_in(client, &session, &o)
                    : sign_in_password(client, &session, o.email, "backup on", "")) != CLI_EXIT_OK)
                goto done;

        if (again) {
                /* Signing in again: keep what this device knows, take the new session. */
                store_session(vault, &session, &serr);
                if (st(vault, "problem") != NULL && strcmp(st(vault, "problem"), P_SESSION) == 0)
                        clear_problem(vault, &serr);
                err = st(vault, "pending") != NULL ? sync_backup(vault, client, SYNC_AUTO, &info)
                                                   : AK_OK;
        } else {
                if (!create && refuse_existing(client, vault, &o) != CLI_EXIT_OK)
                        goto done;
                start_state(vault, &o, &session, &serr);
                err = sync_backup(vault, client, SYNC_EXPLICIT, &info);
        }
        if (save_state(vault, serr) != CLI_EXIT_OK)
                goto done;
        rc = CLI_EXIT_OK;
        if (err == AK_OK) {
                printf("Backup is on: %zu account%s backed up to %s (version %lld at %s).\n",
                       ak_vault_accounts(vault)->count,
                       ak_vault_accounts(vault)->count == 1 ? "" : "s", o.email,
                       st_num(vault, "version"), fmt_time(st_num(vault, "at"), t1, sizeof(t1)));
        } else {
                struct view v;

                describe(vault, &v);
                printf("Backup is on for %s; not backed up yet: %s.\n", o.email, v.headline);
                fflush(stdout);
                fprintf(stderr, "authkeep: backup on: %s\n", v.advice);
        }
done:
        ak_session_wipe(&session);
        ak_client_free(client);
        ak_vault_free(vault);
        return rc;
}

/* ------------------------------------------------------------------ */
/* authkeep backup off | now | status | delete | password               */

/* Opens the vault and checks backup is on; prints the error itself. */
static struct ak_vault *open_backed_up_vault(const char *what)
{
        struct ak_vault *vault = cli_open_vault();

        if (vault != NULL && !backup_is_on(vault)) {
                cli_error("%s: backup is off on this device: turn it on with 'authkeep backup on "
                          "--server URL --email "
                          "EMAIL [--create]'",
                          what);
                ak_vault_free(vault);
                return NULL;
        }
        return vault;
}

/* Signs in again with the password after the session expired; stores the new session. */
static int sign_in_again(struct ak_vault *vault, struct ak_client *client, const char *what,
                         enum ak_err *serr)
{
        struct ak_session session;
        int rc;

        memset(&session, 0, sizeof(session));
        rc = sign_in_password(client, &session, st(vault, "email"), what, "");
        if (rc == CLI_EXIT_OK) {
                store_session(vault, &session, serr);
                if (st(vault, "problem") != NULL && strcmp(st(vault, "problem"), P_SESSION) == 0)
                        clear_problem(vault, serr);
        }
        ak_session_wipe(&session);
        return rc;
}

static const char off_help[] =
    "usage: authkeep backup off\n"
    "\n"
    "Turns cloud backup off on this device and signs out. The backups already on\n"
    "the server are kept ('authkeep backup delete', while backup is on, removes them).\n";

static int backup_off(int argc, char **argv)
{
        struct ak_vault *vault;
        struct ak_client *client = NULL;
        enum ak_err serr = AK_OK;
        int rc;

        if (cli_help(argc, argv, off_help))
                return CLI_EXIT_OK;
        if (argc > 1)
                return cli_usage_error("backup off", "unexpected argument '%s'", argv[1]);
        vault = cli_open_vault();
        if (vault == NULL)
                return CLI_EXIT_FAIL;
        if (!backup_is_on(vault)) {
                printf("Backup is off already.\n");
                ak_vault_free(vault);
                return CLI_EXIT_OK;
        }
        /* Signing out is a courtesy to the server: off works without it too. */
        if (!session_expired_here(vault) && open_client(vault, &client) == AK_OK)
                (void)ak_client_sign_out(client);
        ak_client_free(client);
        st_clear_all(vault, &serr);
        rc = save_state(vault, serr);
        if (rc == CLI_EXIT_OK)
                printf("Backup is off on this device. The backups on the server are kept.\n");
        ak_vault_free(vault);
        return rc;
}

static const char now_help[] =
    "usage: authkeep backup now [--force]\n"
    "\n"
    "Sends this device's accounts to the server now: what is pending, or again\n"
    "after the backup was deleted on the server. When the session has expired,\n"
    "signs in again (AUTHKEEP_PASSWORD or a prompt).\n"
    "\n"
    "  --force   replace a newer backup made by another device with this device's\n"
    "            accounts (otherwise refused: 'authkeep recover --merge' combines them)\n";

static int backup_now(int argc, char **argv)
{
        static const struct option options[] = {{"force", no_argument, NULL, 'f'},
                                                {NULL, 0, NULL, 0}};
        struct ak_vault *vault = NULL;
        struct ak_client *client = NULL;
        struct ak_backup_info info;
        struct view v;
        bool force = false;
        enum ak_err err, serr = AK_OK;
        char t1[40];
        int opt, rc = CLI_EXIT_FAIL;

        if (cli_help(argc, argv, now_help))
                return CLI_EXIT_OK;
        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                if (opt != 'f')
                        return cli_option_error("backup now", opt, argv);
                force = true;
        }
        if (optind < argc)
                return cli_usage_error("backup now", "unexpected argument '%s'", argv[optind]);
        vault = open_backed_up_vault("backup now");
        if (vault == NULL)
                return CLI_EXIT_FAIL;
        err = open_client(vault, &client);
        if (err != AK_OK) {
                report(err, "backup now", st(vault, "email"), NULL, "");
                goto done;
        }
        if (session_expired_here(vault) &&
            sign_in_again(vault, client, "backup now", &serr) != CLI_EXIT_OK)
                goto done;
        err = sync_backup(vault, client, force ? SYNC_FORCE : SYNC_EXPLICIT, &info);
        if (err == AK_ERR_SESSION_EXPIRED) {
                if (sign_in_again(vault, client, "backup now", &serr) != CLI_EXIT_OK) {
                        (void)save_state(vault, serr);
                        goto done;
                }
                err = sync_backup(vault, client, force ? SYNC_FORCE : SYNC_EXPLICIT, &info);
        }
        if (save_state(vault, serr) != CLI_EXIT_OK)
                goto done;
        if (err != AK_OK) {
                describe(vault, &v);
                cli_error("backup now: not backed up: %s; %s", v.headline, v.advice);
                goto done;
        }
        printf("Backed up %zu account%s (version %lld at %s).\n", ak_vault_accounts(vault)->count,
               ak_vault_accounts(vault)->count == 1 ? "" : "s", st_num(vault, "version"),
               fmt_time(st_num(vault, "at"), t1, sizeof(t1)));
        rc = CLI_EXIT_OK;
done:
        ak_client_free(client);
        ak_vault_free(vault);
        return rc;
}

/*
 * Asks the server how things stand and brings the state up to date: sends
 * a pending change, notices an expired session, a deleted or a newer
 * backup. Returns the failure to reach the server, if any (then the state
 * is left as it was).
 */
static enum ak_err refresh_state(struct ak_vault *vault, enum ak_err *serr)
{
        struct ak_client *client = NULL;
        struct ak_backup_versions versions = {0};
        struct ak_backup_info newest;
        uint64_t latest = 0;
        enum ak_err err;

        memset(&newest, 0, sizeof(newest));
        if (session_expired_here(vault)) {
                record_problem(vault, AK_ERR_SESSION_EXPIRED, NULL, serr);
                return AK_OK;
        }
        err = open_client(vault, &client);
        if (err != AK_OK)
                return err;
        if (st(vault, "pending") != NULL) {
                err = sync_backup(vault, client, SYNC_AUTO, NULL);
                goto done;
        }
        err = ak_client_backup_versions(client, &versions);
        if (err == AK_OK && versions.deleted)
                record_problem(vault, AK_ERR_BACKUP_DELETED, &versions.deleted_by, serr);
        else if (err == AK_OK && newer_from_elsewhere(&versions, (uint64_t)st_num(vault, "version"),
                                                      ak_vault_device_id(vault), &latest, &newest))
                record_problem(vault, AK_ERR_NEWER_BACKUP, &newest, serr);
        else if (err == AK_OK) {
                clear_problem(vault, serr);
                /* A later version of this device's own (an answer that was lost): known now. */
                if (latest > (uint64_t)st_num(vault, "version")) {
                        st_set_num(vault, "version", (long long)latest, serr);
                        st_set_num(vault, "at", newest.created_at, serr);
                }
        } else if (!is_transient(err))
                record_problem(vault, err, NULL, serr);
done:
        ak_backup_versions_clear(&versions);
        ak_client_free(client);
        return is_transient(err) ? err : AK_OK;
}

static const char status_help[] =
    "usage: authkeep backup status [--json] [--offline]\n"
    "\n"
    "Says whether this device's accounts are backed up, and if not, why and what\n"
    "to do: backed up at T; pending since T because ...; sign in again: the session\n"
    "expired; the backup was deleted on the server; a newer backup from device D\n"
    "exists. Asks the server first (and sends a pending change) unless --offline.\n"
    "\n"
    "  --json      one JSON object: state, server, email, device_id, device_name,\n"
    "              version, backed_up_at, pending, pending_since, reason, other,\n"
    "              server_reachable, headline, advice\n"
    "  --offline   report what this device knows without asking the server\n";

static int print_status_json(const struct ak_vault *vault, const struct view *v, bool reachable)
{
        json_t *j;
        char *text;
        bool on = backup_is_on(vault);

        j = json_pack("{s:s, s:s, s:s}", "state", v->state, "headline", v->headline, "advice",
                      v->advice);
        if (j == NULL)
                return cli_fail(AK_ERR_NOMEM, "backup status");
        json_object_set_new(j, "device_id", json_string(ak_vault_device_id(vault)));
        if (on) {
                json_object_set_new(j, "server", json_string(st(vault, "server")));
                json_object_set_new(j, "email", json_string(st(vault, "email")));
                json_object_set_new(
                    j, "account_id",
                    json_string(st(vault, "account_id") ? st(vault, "account_id") : ""));
                json_object_set_new(
                    j, "device_name",
                    json_string(st(vault, "device_name") ? st(vault, "device_name") : ""));
                json_object_set_new(j, "version", json_integer(st_num(vault, "version")));
                json_object_set_new(j, "backed_up_at", json_integer(st_num(vault, "at")));
                json_object_set_new(j, "pending", json_boolean(st(vault, "pending") != NULL));
                json_object_set_new(j, "pending_since",
                                    json_integer(st_num(vault, "pending_since")));
                json_object_set_new(j, "reason",
                                    st(vault, "reason") ? json_string(st(vault, "reason"))
                                                        : json_null());
                json_object_set_new(j, "server_reachable", json_boolean(reachable));
                if (st(vault, "other_device") != NULL)
                        json_object_set_new(j, "other",
                                            json_pack("{s:I, s:s, s:I}", "version",
                                                      (json_int_t)st_num(vault, "other_version"),
                                                      "device", st(vault, "other_device"), "at",
                                                      (json_int_t)st_num(vault, "other_at")));
        }
        text = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
        json_decref(j);
        if (text == NULL)
                return cli_fail(AK_ERR_NOMEM, "backup status");
        printf("%s\n", text);
        free(text);
        return CLI_EXIT_OK;
}

static int backup_status(int argc, char **argv)
{
        static const struct option options[] = {{"json", no_argument, NULL, 'j'},
                                                {"offline", no_argument, NULL, 'o'},
                                                {NULL, 0, NULL, 0}};
        struct ak_vault *vault;
        struct view v;
        bool json = false, offline = false, reachable = true;
        enum ak_err reach = AK_OK, serr = AK_OK;
        char dev[300], why[512] = "";
        int opt, rc = CLI_EXIT_OK;

        if (cli_help(argc, argv, status_help))
                return CLI_EXIT_OK;
        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                switch (opt) {
                case 'j':
                        json = true;
                        break;
                case 'o':
                        offline = true;
                        break;
                default:
                        return cli_option_error("backup status", opt, argv);
                }
        }
        if (optind < argc)
                return cli_usage_error("backup status", "unexpected argument '%s'", argv[optind]);
        vault = cli_open_vault();
        if (vault == NULL)
                return CLI_EXIT_FAIL;
        if (backup_is_on(vault) && !offline) {
                reach = refresh_state(vault, &serr);
                reachable = reach == AK_OK;
                snprintf(why, sizeof(why), "%s", reachable ? "" : ak_error_detail());
                rc = save_state(vault, serr);
        }
        describe(vault, &v);
        if (json) {
                if (print_status_json(vault, &v, reachable && !offline) != CLI_EXIT_OK)
                        rc = CLI_EXIT_FAIL;
                goto done;
        }
        if (!backup_is_on(vault)) {
                printf("Backup: off\nWhat to do: %s\n", v.advice);
                goto done;
        }
        device_label(dev, sizeof(dev), ak_vault_device_id(vault), st(vault, "device_name"));
        printf("Backup: on, to %s at %s\n", st(vault, "email"), st(vault, "server"));
        printf("This device: %s\n", dev);
        printf("State: %s\n", v.headline);
        if (v.advice[0] != '\0')
                printf("What to do: %s\n", v.advice);
        if (!reachable)
                printf("Note: the server cannot be reached right now (%s)\n", why);
        else if (offline)
                printf("Note: not checked with the server (--offline)\n");
done:
        ak_vault_free(vault);
        return rc;
}

static const char delete_help[] =
    "usage: authkeep backup delete [--yes]\n"
    "\n"
    "Deletes every backup version of the recovery account on the server, then turns\n"
    "backup off on this device. Other devices are told the backup was deleted.\n"
    "Asks for confirmation on a terminal; --yes confirms without asking.\n";

static int backup_delete(int argc, char **argv)
{
        static const struct option options[] = {{"yes", no_argument, NULL, 'y'},
                                                {NULL, 0, NULL, 0}};
        struct ak_vault *vault = NULL;
        struct ak_client *client = NULL;
        bool yes = false;
        enum ak_err err, serr = AK_OK;
        char *email = NULL;
        int opt, rc = CLI_EXIT_FAIL;

        if (cli_help(argc, argv, delete_help))
                return CLI_EXIT_OK;
        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                if (opt != 'y')
                        return cli_option_error("backup delete", opt, argv);
                yes = true;
        }
        if (optind < argc)
                return cli_usage_error("backup delete", "unexpected argument '%s'", argv[optind]);
        vault = open_backed_up_vault("backup delete");
        if (vault == NULL)
                return CLI_EXIT_FAIL;
        if (!yes) {
                char answer[16];

                if (!isatty(STDIN_FILENO)) {
                        cli_error("backup delete: add --yes to delete every backup version on the "
                                  "server");
                        goto done;
                }
                printf("Delete every backup version of %s on %s? [y/N] ", st(vault, "email"),
                       st(vault, "server"));
                fflush(stdout);
                if (fgets(answer, sizeof(answer), stdin) == NULL ||
                    (answer[0] != 'y' && answer[0] != 'Y')) {
                        printf("Nothing was deleted.\n");
                        rc = CLI_EXIT_OK;
                        goto done;
                }
        }
        err = open_client(vault, &client);
        if (err == AK_OK && session_expired_here(vault) &&
            sign_in_again(vault, client, "backup delete", &serr) != CLI_EXIT_OK)
                goto done;
        if (err == AK_OK)
                err = ak_client_backup_delete(client, ak_vault_device_id(vault),
                                              st(vault, "device_name"));
        if (err == AK_ERR_SESSION_EXPIRED) {
                if (sign_in_again(vault, client, "backup delete", &serr) != CLI_EXIT_OK)
                        goto done;
                err = ak_client_backup_delete(client, ak_vault_device_id(vault),
                                              st(vault, "device_name"));
        }
        if (err != AK_OK && err != AK_ERR_NO_BACKUP) {
                report(err, "backup delete", st(vault, "email"), client, "; nothing was deleted");
                goto done;
        }
        email = strdup(st(vault, "email"));
        (void)ak_client_sign_out(client);
        st_clear_all(vault, &serr);
        if (save_state(vault, serr) != CLI_EXIT_OK)
                goto done;
        printf("Deleted every backup version of %s on the server; backup is off on this device.\n",
               email ? email : "the recovery account");
        rc = CLI_EXIT_OK;
done:
        free(email);
        ak_client_free(client);
        ak_vault_free(vault);
        return rc;
}

static const char password_help[] =
    "usage: authkeep backup password\n"
    "\n"
    "Changes the recovery account's password: asks for the current one (or takes\n"
    "AUTHKEEP_PASSWORD), then the new one twice (or AUTHKEEP_NEW_PASSWORD). The\n"
    "backup key is re-wrapped on this device; backups stay as they are. Other\n"
    "devices sign in again with the new password.\n";

static int backup_password(int argc, char **argv)
{
        struct ak_vault *vault = NULL;
        struct ak_client *client = NULL;
        struct ak_session session;
        char *password = NULL, prompt[400];
        enum ak_err err, serr = AK_OK;
        int rc = CLI_EXIT_FAIL;

        memset(&session, 0, sizeof(session));
        if (cli_help(argc, argv, password_help))
                return CLI_EXIT_OK;
        if (argc > 1)
                return cli_usage_error("backup password", "unexpected argument '%s'", argv[1]);
        vault = open_backed_up_vault("backup password");
        if (vault == NULL)
                return CLI_EXIT_FAIL;
        err = open_client(vault, &client);
        if (err != AK_OK) {
                report(err, "backup password", st(vault, "email"), NULL, "");
                goto done;
        }
        /* Proving the current password first: a stolen unlocked device alone cannot change it. */
        if (sign_in_password(client, &session, st(vault, "email"), "backup password",
                             "; the password is unchanged") != CLI_EXIT_OK)
                goto done;
        snprintf(prompt, sizeof(prompt),
                 "New password for the recovery account %s: ", st(vault, "email"));
        err = cli_read_secret(&password, prompt, "AUTHKEEP_NEW_PASSWORD", true);
        if (err != AK_OK) {
                cli_fail(err, "reading the new password");
                goto done;
        }
        if (strlen(password) < 8) {
                cli_error("backup password: the new password is too short (at least 8 characters)");
                goto done;
        }
        err = ak_client_change_password(client, st(vault, "email"), password, strlen(password),
                                        session.backup_key, NULL);
        if (err != AK_OK) {
                report(err, "backup password", st(vault, "email"), client,
                       "; the password is unchanged");
                goto done;
        }
        store_session(vault, &session, &serr);
        if (save_state(vault, serr) != CLI_EXIT_OK)
                goto done;
        printf("Changed the password of %s. Other devices sign in again with the new password.\n",
               st(vault, "email"));
        rc = CLI_EXIT_OK;
done:
        ak_session_wipe(&session);
        cli_free_secret(password);
        ak_client_free(client);
        ak_vault_free(vault);
        return rc;
}

static const char backup_help[] =
    "usage: authkeep backup on --server URL --email EMAIL [--create] [--insecure]\n"
    "       authkeep backup off | now [--force] | status [--json] | delete [--yes] | password\n"
    "\n"
    "End-to-end-encrypted cloud backup to a recovery account on an authkeepd server.\n"
    "Once on, every change to the vault is backed up before the command returns; if\n"
    "the server cannot be reached the change is kept and sent later.\n"
    "\n"
    "  on        turn backup on (--create makes the recovery account)\n"
    "  off       turn it off on this device (backups on the server are kept)\n"
    "  now       send what is pending now\n"
    "  status    is everything backed up, and if not, why and what to do\n"
    "  delete    delete every backup version on the server\n"
    "  password  change the recovery account's password\n"
    "\n"
    "Run 'authkeep backup SUBCOMMAND --help' for its options. Environment:\n"
    "AUTHKEEP_SERVER, AUTHKEEP_PASSWORD, AUTHKEEP_DEVICE_NAME, AUTHKEEP_CA_FILE.\n";

int cmd_backup(int argc, char **argv)
{
        static const struct {
                const char *name;
                int (*run)(int argc, char **argv);
        } subs[] = {
            {"on", backup_on},         {"off", backup_off},       {"now", backup_now},
            {"status", backup_status}, {"delete", backup_delete}, {"password", backup_password},
        };

        if (argc < 2)
                return cli_usage_error(
                    "backup", "a subcommand is needed: on, off, now, status, delete or password");
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
            strcmp(argv[1], "help") == 0) {
                fputs(backup_help, stdout);
                return CLI_EXIT_OK;
        }
        for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
                if (strcmp(argv[1], subs[i].name) == 0)
                        return subs[i].run(argc - 1, argv + 1);
        return cli_usage_error("backup", "unknown subcommand '%s'", argv[1]);
}

/* ------------------------------------------------------------------ */
/* authkeep recover                                                     */

static const char recover_help[] =
    "usage: authkeep recover --server URL --email EMAIL [--dry-run] [--merge]\n"
    "                        [--version N] [--recovery-code -] [--insecure]\n"
    "                        [--device-name NAME]\n"
    "\n"
    "Restores a backup onto this device: signs in to the recovery account (password\n"
    "from AUTHKEEP_PASSWORD or a prompt), downloads and decrypts the backup, and adds\n"
    "every account in the same order, with the same codes. Creates the vault when\n"
    "this device has none (passphrase from AUTHKEEP_PASSPHRASE or a prompt). Backup is\n"
    "then on for this device.\n"
    "\n"
    "Recovery never overwrites: if an account of the backup already exists here,\n"
    "nothing changes and the accounts in the way are listed.\n"
    "\n"
    "  --dry-run          show each account as new, identical or conflicting; change nothing\n"
    "  --merge            add only the accounts that are missing; replace nothing\n"
    "  --version N        restore version N instead of the latest\n"
    "  --recovery-code -  sign in with the recovery code (read from standard input)\n"
    "                     instead of the forgotten password, then set a new password\n"
    "                     (AUTHKEEP_PASSWORD, or the next line of input, or a prompt)\n"
    "  --insecure         allow plain http:// to a host that is not loopback\n"
    "  --device-name NAME how other devices name this one\n";

enum match { M_NEW, M_IDENTICAL, M_CONFLICT };

/* How a backed-up account relates to the device's accounts: by id first, then by label. */
static enum match match_account(const struct ak_account_list *device, const struct ak_account *acct)
{
        const struct ak_account *found = NULL;

        for (size_t i = 0; i < device->count && found == NULL; i++)
                if (acct->id[0] != '\0' && strcmp(device->items[i].id, acct->id) == 0)
                        found = &device->items[i];
        for (size_t i = 0; i < device->count && found == NULL; i++)
                if (ak_account_same_label(&device->items[i], acct))
                        found = &device->items[i];
        if (found == NULL)
                return M_NEW;
        if (ak_account_same_label(found, acct) && ak_account_identical(found, acct))
                return M_IDENTICAL;
        return M_CONFLICT;
}

/* Adds the settings of the backup that this device does not have (never replaces one). */
static enum ak_err merge_settings(struct ak_vault *vault, const char *settings_json)
{
        json_t *j;
        const char *name;
        json_t *value;
        enum ak_err err = AK_OK;

        if (settings_json == NULL || *settings_json == '\0')
                return AK_OK;
        j = json_loads(settings_json, 0, NULL);
        if (!json_is_object(j)) {
                json_decref(j);
                return AK_OK;
        }
        json_object_foreach(j, name, value)
        {
                if (json_is_string(value) && ak_vault_setting(vault, name) == NULL) {
                        err = ak_vault_set_setting(vault, name, json_string_value(value));
                        if (err != AK_OK)
                                break;
                }
        }
        json_decref(j);
        return err;
}

/* Prints each account of the backup as new, identical or conflicting. */
static void print_plan(const struct ak_account_list *backup, const enum match *plan)
{
        static const char *const words[] = {"new", "identical", "conflicting"};
        struct cli_table *table = cli_table_new(3);

        if (table == NULL)
                return;
        cli_table_add(table, "", "ACCOUNT", "TYPE");
        for (size_t i = 0; i < backup->count; i++) {
                char *label = ak_account_label(&backup->items[i]);

                cli_table_add(table, words[plan[i]], label ? label : "?",
                              ak_otp_type_name(backup->items[i].type));
                free(label);
        }
        cli_table_print(table, stdout);
        cli_table_free(table);
}

/* "A:x, B:y" of the accounts with `which` in the plan; malloc'd. */
static char *labels_of(const struct ak_account_list *backup, const enum match *plan,
                       enum match which)
{
        size_t cap = 1, len = 0;
        char *out;

        for (size_t i = 0; i < backup->count; i++)
                if (plan[i] == which)
                        cap += strlen(backup->items[i].issuer) + strlen(backup->items[i].name) + 4;
        out = calloc(1, cap);
        if (out == NULL)
                return NULL;
        for (size_t i = 0; i < backup->count; i++) {
                char *label;

                if (plan[i] != which || (label = ak_account_label(&backup->items[i])) == NULL)
                        continue;
                len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? ", " : "", label);
                free(label);
        }
        return out;
}

struct recover_opts {
        struct server_opts server;
        bool dry_run, merge, with_code;
        unsigned long long version;
};

/* Parses recover's options; returns -1 to go on, else the exit status. */
static int recover_options(int argc, char **argv, struct recover_opts *o)
{
        static const struct option options[] = {
            {"server", required_argument, NULL, 's'},
            {"email", required_argument, NULL, 'e'},
            {"dry-run", no_argument, NULL, 'd'},
            {"merge", no_argument, NULL, 'm'},
            {"version", required_argument, NULL, 'v'},
            {"recovery-code", required_argument, NULL, 'r'},
            {"insecure", no_argument, NULL, 'k'},
            {"device-name", required_argument, NULL, 'n'},
            {NULL, 0, NULL, 0},
        };
        int opt, rc;

        memset(o, 0, sizeof(*o));
        opterr = 0;
        optind = 1;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                switch (opt) {
                case 's':
                        o->server.server = optarg;
                        break;
                case 'e':
                        o->server.email = optarg;
                        break;
                case 'd':
                        o->dry_run = true;
                        break;
                case 'm':
                        o->merge = true;
                        break;
                case 'k':
                        o->server.insecure = true;
                        break;
                case 'n':
                        o->server.device_name = optarg;
                        break;
                case 'v':
                        if (!cli_parse_uint(optarg, (1ULL << 53), &o->version) || o->version == 0)
                                return cli_usage_error(
                                    "recover", "--version: '%s' is not a version number", optarg);
                        break;
                case 'r':
                        if (strcmp(optarg, "-") != 0)
                                return cli_usage_error(
                                    "recover",
                                    "--recovery-code: give '-' and type the code on standard input "
                                    "(a "
                                    "code on the command line is visible to other users)");
                        o->with_code = true;
                        break;
                default:
                        return cli_option_error("recover", opt, argv);
                }
        }
        if (optind < argc)
                return cli_usage_error("recover", "unexpected argument '%s'", argv[optind]);
        rc = check_server_opts("recover", &o->server);
        return rc == CLI_EXIT_OK ? -1 : rc;
}

/* Signs in with the password, or with the recovery code from standard input. Prints errors itself.
 */
static int recover_sign_in(struct ak_client *client, struct ak_session *session,
                           const struct recover_opts *o)
{
        const char *email = o->server.email;
        char *code = NULL;
        enum ak_err err;

        if (!o->with_code)
                return sign_in_password(client, session, email, "recover",
                                        "; nothing was changed on this device");
        err = cli_read_stdin_line(&code);
        if (err != AK_OK)
                return cli_fail(err, "recover: reading the recovery code from standard input");
        err = ak_client_sign_in(client, session, email, code, strlen(code), true);
        cli_free_secret(code);
        if (err != AK_OK)
                return report(err, "recover", email, client,
                              "; nothing was changed on this device");
        return CLI_EXIT_OK;
}

/*
 * After signing in with the recovery code: sets the new password
 * (AUTHKEEP_PASSWORD, the next line of input, or a prompt) and shows a new
 * recovery code, since the used one is spent. Prints errors itself.
 */
static int recover_new_password(struct ak_client *client, const struct ak_session *session,
                                const char *email)
{
        char *password = NULL, *new_code = NULL;
        enum ak_err err;
        int rc = CLI_EXIT_FAIL;

        err = read_password(&password, email, true, true);
        if (err != AK_OK) {
                cli_fail(err, "recover: reading the new password");
                goto done;
        }
        if (strlen(password) < 8) {
                cli_error("recover: the new password is too short (at least 8 characters); nothing "
                          "was changed");
                goto done;
        }
        err = ak_client_change_password(client, email, password, strlen(password),
                                        session->backup_key, &new_code);
        if (err != AK_OK) {
                report(err, "recover: setting the new password", email, client,
                       "; nothing was changed on this device");
                goto done;
        }
        printf("Set a new password for %s; the recovery code that was used no longer works.\n",
               email);
        show_recovery_code(new_code);
        rc = CLI_EXIT_OK;
done:
        cli_free_secret(new_code);
        cli_free_secret(password);
        return rc;
}

int cmd_recover(int argc, char **argv)
{
        struct recover_opts o;
        struct ak_vault *vault = NULL;
        struct ak_client *client = NULL;
        struct ak_session session;
        struct ak_backup_versions versions = {0};
        struct ak_backup_info info, newest;
        struct ak_account_list backup = {0};
        enum match *plan = NULL;
        char *payload = NULL, *settings = NULL, *list = NULL, vault_id[AK_DEVICE_ID_LEN + 1],
             t1[40], dev[300];
        size_t payload_len = 0, counts[3] = {0, 0, 0}, device_before = 0;
        uint64_t latest = 0;
        bool have_vault, need_upload;
        enum ak_err err, serr = AK_OK;
        int rc;

        memset(&session, 0, sizeof(session));
        memset(&info, 0, sizeof(info));
        memset(&newest, 0, sizeof(newest));
        if (cli_help(argc, argv, recover_help))
                return CLI_EXIT_OK;
        if ((rc = recover_options(argc, argv, &o)) >= 0)
                return rc;
        rc = CLI_EXIT_FAIL;

        /* Everything that can fail happens before this device's vault is touched. */
        err = ak_vault_peek_id(vault_id, cli_vault_path());
        have_vault = !(err == AK_ERR_VAULT_MISSING || err == AK_ERR_NOT_FOUND);
        if (have_vault) {
                vault = cli_open_vault();
                if (vault == NULL)
                        return CLI_EXIT_FAIL;
                if (backup_is_on(vault) && !o.dry_run &&
                    (strcmp(st(vault, "server"), o.server.server) != 0 ||
                     strcasecmp(st(vault, "email"), o.server.email) != 0)) {
                        cli_error("recover: backup on this device goes to %s at %s: run 'authkeep "
                                  "backup off' first; "
                                  "nothing was changed",
                                  st(vault, "email"), st(vault, "server"));
                        goto done;
                }
                device_before = ak_vault_accounts(vault)->count;
        }
        err = new_client(&client, o.server.server, o.server.insecure);
        if (err != AK_OK) {
                report(err, "recover", o.server.email, NULL, "");
                goto done;
        }
        if (recover_sign_in(client, &session, &o) != CLI_EXIT_OK)
                goto done;
        err = ak_client_backup_versions(client, &versions);
        if (err != AK_OK) {
                report(err, "recover", o.server.email, client,
                       "; nothing was changed on this device");
                goto signout;
        }
        if (versions.deleted) {
                device_label(dev, sizeof(dev), versions.deleted_by.device_id,
                             versions.deleted_by.device_name);
                cli_error("recover: the backup of %s was deleted on the server by %s at %s; "
                          "nothing to recover",
                          o.server.email, dev,
                          fmt_time(versions.deleted_by.created_at, t1, sizeof(t1)));
                goto signout;
        }
        (void)newer_from_elsewhere(&versions, 0, "", &latest, &newest);
        if (latest == 0) {
                cli_error("recover: %s holds no backup yet; nothing to recover", o.server.email);
                goto signout;
        }
        err = ak_client_backup_download(client, &info, &payload, &payload_len, session.backup_key,
                                        session.account_id, o.version);
        if (err == AK_ERR_NOT_FOUND) {
                cli_error("recover: there is no version %llu of the backup on the server (the "
                          "latest is %" PRIu64 "; the server keeps the last few)",
                          o.version, latest);
                goto signout;
        }
        if (err != AK_OK) {
                report(err, "recover", o.server.email, client,
                       "; nothing was changed on this device");
                goto signout;
        }
        err = ak_backup_payload_parse(&backup, &settings, payload, payload_len);
        if (err != AK_OK) {
                cli_error("recover: the backup's content cannot be read (%s%s%s); nothing was "
                          "changed on this device",
                          ak_strerror(err), *ak_error_detail() ? ": " : "", ak_error_detail());
                goto signout;
        }

        /* Compare with what is on this device. */
        plan = calloc(backup.count ? backup.count : 1, sizeof(*plan));
        if (plan == NULL) {
                cli_fail(AK_ERR_NOMEM, "recover");
                goto signout;
        }
        for (size_t i = 0; i < backup.count; i++) {
                plan[i] = vault ? match_account(ak_vault_accounts(vault), &backup.items[i]) : M_NEW;
                counts[plan[i]]++;
        }
        device_label(dev, sizeof(dev), info.device_id, info.device_name);
        if (o.dry_run) {
                printf("Backup version %" PRIu64 " of %s, made by device %s at %s: %zu account%s\n",
                       info.version, o.server.email, dev, fmt_time(info.created_at, t1, sizeof(t1)),
                       backup.count, backup.count == 1 ? "" : "s");
                print_plan(&backup, plan);
                printf("%zu new, %zu identical, %zu conflicting. Dry run: nothing was changed.\n",
                       counts[M_NEW], counts[M_IDENTICAL], counts[M_CONFLICT]);
                rc = CLI_EXIT_OK;
                goto signout;
        }
        if (counts[M_IDENTICAL] + counts[M_CONFLICT] > 0 && !o.merge) {
                char *same = labels_of(&backup, plan, M_IDENTICAL),
                     *diff = labels_of(&backup, plan, M_CONFLICT);

                cli_error(
                    "recover: %zu account%s of the backup already exist%s on this device "
                    "(%s%s%s%s%s); nothing was changed ('--merge' adds only the missing ones, "
                    "'--dry-run' compares)",
                    counts[M_IDENTICAL] + counts[M_CONFLICT],
                    counts[M_IDENTICAL] + counts[M_CONFLICT] == 1 ? "" : "s",
                    counts[M_IDENTICAL] + counts[M_CONFLICT] == 1 ? "s" : "",
                    counts[M_CONFLICT] ? "different here: " : "",
                    counts[M_CONFLICT] && diff ? diff : "",
                    counts[M_CONFLICT] && counts[M_IDENTICAL] ? "; " : "",
                    counts[M_IDENTICAL] ? "the same: " : "",
                    counts[M_IDENTICAL] && same ? same : "");
                free(same);
                free(diff);
                goto signout;
        }

        /* Change the server's password (recovery code) first, then this device. */
        if (o.with_code && recover_new_password(client, &session, o.server.email) != CLI_EXIT_OK)
                goto signout;
        if (vault == NULL && (vault = cli_create_vault("recover")) == NULL)
                goto signout;
        for (size_t i = 0; i < backup.count; i++) {
                struct ak_account copy;

                if (plan[i] != M_NEW)
                        continue;
                ak_account_init(&copy);
                err = ak_account_copy(&copy, &backup.items[i]);
                if (err == AK_OK)
                        err = ak_account_list_push(ak_vault_accounts(vault), &copy);
                ak_account_clear(&copy);
                if (err != AK_OK) {
                        cli_fail(err, "recover: adding an account");
                        goto signout;
                }
        }
        err = merge_settings(vault, settings);
        if (err != AK_OK) {
                cli_fail(err, "recover: settings");
                goto signout;
        }
        start_state(vault, &o.server, &session, &serr);
        st_set_num(vault, "version", (long long)latest, &serr);
        st_set_num(vault, "at", newest.created_at, &serr);
        /*
         * The server must learn what differs from its latest backup: accounts of
         * this device that were not identical to the backup's (its own, or its
         * own version of one), or an older version brought back.
         */
        need_upload = device_before > counts[M_IDENTICAL] || info.version != latest;
        err = need_upload ? sync_backup(vault, client, SYNC_AUTO, NULL) : AK_OK;
        if (save_state(vault, serr) != CLI_EXIT_OK)
                goto done;
        if (o.merge)
                printf("Added %zu missing account%s from backup version %" PRIu64
                       " (made by device %s at %s); %zu "
                       "identical and %zu conflicting left as they are on this device.\n",
                       counts[M_NEW], counts[M_NEW] == 1 ? "" : "s", info.version, dev,
                       fmt_time(info.created_at, t1, sizeof(t1)), counts[M_IDENTICAL],
                       counts[M_CONFLICT]);
        else
                printf("Recovered %zu account%s from backup version %" PRIu64
                       " (made by device %s at %s).\n",
                       counts[M_NEW], counts[M_NEW] == 1 ? "" : "s", info.version, dev,
                       fmt_time(info.created_at, t1, sizeof(t1)));
        if (counts[M_CONFLICT] > 0 && (list = labels_of(&backup, plan, M_CONFLICT)) != NULL)
                printf("Kept this device's version of: %s\n", list);
        device_label(dev, sizeof(dev), ak_vault_device_id(vault), st(vault, "device_name"));
        if (err == AK_OK)
                printf("Backup is on for this device, %s, to %s.\n", dev, o.server.email);
        else {
                struct view v;

                describe(vault, &v);
                printf("Backup is on for this device, %s; not backed up yet: %s.\n", dev,
                       v.headline);
        }
        rc = CLI_EXIT_OK;
        goto done;
signout:
        (void)ak_client_sign_out(client);
done:
        free(list);
        free(plan);
        if (settings != NULL)
                free(settings);
        ak_account_list_clear(&backup);
        ak_backup_plaintext_free((unsigned char *)payload, payload_len);
        ak_backup_versions_clear(&versions);
        ak_session_wipe(&session);
        ak_client_free(client);
        ak_vault_free(vault);
        return rc;
}
