/*
 * `authkeepd admin`: an organisation's administrator manages its work or
 * school accounts on the server's database (docs/admin.md, "Organisations
 * and work accounts"):
 *
 *   authkeepd admin --db sqlite:PATH [--public-url URL] [--config FILE] COMMAND
 *     org create ORG | org list
 *     user add ORG EMAIL | user remove ORG EMAIL | user list ORG
 *     activation ORG EMAIL [--qr FILE.png] [--expires 7d]
 *
 * It runs beside a serving authkeepd: the store is opened in its shared
 * mode (store_sqlite.c), which takes no lock and writes only what the
 * server does not cache. It reads only organisations, their users, their
 * devices' counts and last use, and activation codes: never another
 * account, a backup or a contact. An activation code is printed once, as
 * text and optionally as a QR image, and kept only as its hash.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include <sodium.h>

#include "authkeep/activation.h"
#include "authkeep/import.h"
#include "store.h"

#define EXIT_USAGE 2
#define EXPIRES_DEFAULT (7 * 86400)
#define EXPIRES_MAX (90 * 86400)
#define QR_SCALE 8

static const char admin_help[] =
    "usage: authkeepd admin --db sqlite:PATH|postgres://... [--public-url URL] [--config FILE] "
    "COMMAND\n"
    "\n"
    "Manages the organisations of work or school accounts on this server's\n"
    "database. It runs beside a serving authkeepd on the same database.\n"
    "\n"
    "Commands:\n"
    "  org create ORG         a new organisation (1 to 64 of A-Z a-z 0-9 . _ -)\n"
    "  org list               the organisations and how many users each has\n"
    "  user add ORG EMAIL     a work user, who then needs an activation code\n"
    "  user remove ORG EMAIL  removes the user: every device of theirs is refused\n"
    "                         at once and their unused activation codes are void\n"
    "  user list ORG          the users: devices, last use, open activation codes\n"
    "  activation ORG EMAIL [--qr FILE.png] [--expires DURATION]\n"
    "                         a single-use activation code for one device of the\n"
    "                         user, printed as an authkeep-activate:// URI and as\n"
    "                         the code alone; --qr also writes it as a QR image\n"
    "                         (mode 0600); --expires: how long it works, like 30m,\n"
    "                         12h or 7d (the default), at most 90d\n"
    "\n"
    "Options:\n"
    "  --db sqlite:PATH       the database authkeepd serves (or 'db' in the config)\n"
    "  --public-url URL       the address devices reach the server at, put in\n"
    "                         activation codes (or 'public_url' in the config)\n"
    "  --config FILE          authkeepd's config file, for db and public_url\n"
    "  --help                 this help\n"
    "\n"
    "On the device: 'authkeep add --qr FILE.png', or 'authkeep add --activation -'\n"
    "with the URI on standard input; after a recovery, 'authkeep verify QUERY\n"
    "--activation -' or '--qr FILE.png'. A code is shown once: only its hash is kept.\n";

/* Prints "authkeepd admin: ..." and returns 1. */
static int fail(const char *fmt, ...) AKD_PRINTF(1, 2);
static int fail(const char *fmt, ...)
{
        va_list ap;
        fputs("authkeepd admin: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return 1;
}

/* A usage error with the hint to --help; returns EXIT_USAGE. */
static int usage(const char *fmt, ...) AKD_PRINTF(1, 2);
static int usage(const char *fmt, ...)
{
        va_list ap;
        fputs("authkeepd admin: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs(" (see 'authkeepd admin --help')\n", stderr);
        return EXIT_USAGE;
}

/* What the command line asked for. */
struct admin_args {
        const char *db, *public_url, *config, *qr, *expires;
        const char *words[4]; /* the command and its arguments */
        int nwords;
};

/* Parses argv (argv[0] is "admin"); 0, 1 for --help, or EXIT_USAGE (printed). */
static int parse_args(struct admin_args *a, int argc, char **argv)
{
        static const struct {
                const char *name;
                size_t field;
        } options[] = {
            {"db", offsetof(struct admin_args, db)},
            {"public-url", offsetof(struct admin_args, public_url)},
            {"config", offsetof(struct admin_args, config)},
            {"qr", offsetof(struct admin_args, qr)},
            {"expires", offsetof(struct admin_args, expires)},
        };
        memset(a, 0, sizeof(*a));
        for (int i = 1; i < argc; i++) {
                const char *arg = argv[i];
                if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
                        return 1;
                if (strncmp(arg, "--", 2) != 0) {
                        if (a->nwords == 4)
                                return usage("unexpected argument '%.64s'", arg);
                        a->words[a->nwords++] = arg;
                        continue;
                }
                const char *eq = strchr(arg, '=');
                size_t len = eq != NULL ? (size_t)(eq - arg - 2) : strlen(arg + 2);
                size_t k = 0;
                for (; k < sizeof(options) / sizeof(options[0]); k++)
                        if (strlen(options[k].name) == len &&
                            strncmp(options[k].name, arg + 2, len) == 0)
                                break;
                if (k == sizeof(options) / sizeof(options[0]))
                        return usage("unknown option '%.64s'", arg);
                const char *v = eq != NULL ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
                if (v == NULL || *v == '\0')
                        return usage("--%s needs a value", options[k].name);
                *(const char **)((char *)a + options[k].field) = v;
        }
        return 0;
}

/* "2026-11-29 09:30 UTC"; "never" for 0. */
static const char *when(int64_t t, char *buf, size_t len)
{
        time_t tt = (time_t)t;
        struct tm tm;
        if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
                snprintf(buf, len, "never");
        else
                strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
        return buf;
}

/* Checks ORG's name; 0 or EXIT_USAGE (printed). */
static int check_org(const char *org)
{
        if (!ak_activation_org_valid(org))
                return usage("'%.80s' cannot name an organisation: 1 to %d letters, digits, '.', "
                             "'_' or '-'",
                             org, AKD_ORG_NAME_MAX);
        return 0;
}

/* The lower-cased, checked EMAIL into `out`; 0 or EXIT_USAGE (printed). */
static int check_email(char out[AKD_EMAIL_MAX + 1], const char *email)
{
        struct akd_error e = {0};
        if (akd_normalize_email(out, email, &e) != 0) {
                akd_error_clear(&e);
                return usage("'%.80s' is not an email address like name@example.com", email);
        }
        return 0;
}

/* ---- org ---- */

static int org_create(struct akd_store *st, const char *org)
{
        struct akd_org o;
        switch (st->ops->org_create(st, org, akd_now(), &o)) {
        case AKD_STORE_OK:
                printf("Created the organisation %s. Add its users with 'authkeepd admin user add "
                       "%s EMAIL'.\n",
                       o.name, o.name);
                return 0;
        case AKD_STORE_EXISTS:
                return fail("the organisation %s exists already", org);
        default:
                return fail("the database failed; nothing was changed");
        }
}

static int org_list(struct akd_store *st)
{
        struct akd_org *list = NULL;
        size_t count = 0;
        char t[32];
        if (st->ops->org_list(st, &list, &count) != AKD_STORE_OK)
                return fail("the database failed");
        if (count == 0)
                printf("No organisations yet: create one with 'authkeepd admin org create ORG'.\n");
        for (size_t i = 0; i < count; i++)
                printf("%-24s %u user%s, created %s\n", list[i].name, list[i].users,
                       list[i].users == 1 ? "" : "s", when(list[i].created_at, t, sizeof(t)));
        free(list);
        return 0;
}

/* ---- user ---- */

static int user_add(struct akd_store *st, const char *org, const char *email)
{
        char taken_by[AKD_ORG_NAME_MAX + 1];
        switch (st->ops->work_user_add(st, org, email, akd_now(), taken_by)) {
        case AKD_STORE_OK:
                printf("Added %s to %s. Give them an activation code: 'authkeepd admin activation "
                       "%s %s --qr FILE.png'.\n",
                       email, org, org, email);
                return 0;
        case AKD_STORE_NOT_FOUND:
                return fail("there is no organisation %s ('authkeepd admin org list' shows them)",
                            org);
        case AKD_STORE_EXISTS:
                return fail("%s is a user of %s already", email, org);
        case AKD_STORE_CONFLICT:
                if (taken_by[0] == '\0')
                        return fail("%s has a personal account on this server; a work user needs "
                                    "an email address of its own",
                                    email);
                return fail("%s is a user of the organisation %s; an email belongs to one "
                            "organisation",
                            email, taken_by);
        default:
                return fail("the database failed; nothing was changed");
        }
}

static int user_remove(struct akd_store *st, const char *org, const char *email)
{
        switch (st->ops->work_user_remove(st, org, email, akd_now())) {
        case AKD_STORE_OK:
                printf("Removed %s from %s: every device of theirs is refused from now on, and "
                       "their unused activation codes are void.\n",
                       email, org);
                return 0;
        case AKD_STORE_NOT_FOUND:
                return fail("%s has no user %s (or it was removed already)", org, email);
        default:
                return fail("the database failed; nothing was changed");
        }
}

static int user_list(struct akd_store *st, const char *org)
{
        struct akd_work_user *list = NULL;
        size_t count = 0;
        char t[32];
        int64_t now = akd_now();
        switch (st->ops->work_user_list(st, org, now, &list, &count)) {
        case AKD_STORE_OK:
                break;
        case AKD_STORE_NOT_FOUND:
                return fail("there is no organisation %s ('authkeepd admin org list' shows them)",
                            org);
        default:
                return fail("the database failed");
        }
        if (count == 0)
                printf("%s has no users yet: add one with 'authkeepd admin user add %s EMAIL'.\n",
                       org, org);
        else
                printf("%-32s %-8s %-8s %-22s %s\n", "EMAIL", "STATE", "DEVICES", "LAST USED",
                       "OPEN CODES");
        for (size_t i = 0; i < count; i++)
                printf("%-32s %-8s %-8u %-22s %u\n", list[i].email,
                       list[i].removed_at > 0 ? "removed" : "member", list[i].devices,
                       when(list[i].last_used, t, sizeof(t)), list[i].activations_open);
        free(list);
        return 0;
}

/* ---- activation ---- */

/* Opens `path` for writing, mode 0600, not through a symbolic link; -1 after printing why. */
static int open_private(const char *path)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                fail("--qr: cannot write %s: %s", path, strerror(errno));
        else if (fchmod(fd, 0600) != 0) {
                fail("--qr: cannot make %s private: %s", path, strerror(errno));
                close(fd);
                fd = -1;
        }
        return fd;
}

/* Writes `len` bytes to `fd` and closes it; 0 or -1 after printing why. */
static int write_all(int fd, const unsigned char *p, size_t len, const char *path)
{
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        fail("--qr: cannot write %s: %s", path, strerror(errno));
                        close(fd);
                        return -1;
                }
                p += n;
                len -= (size_t)n;
        }
        if (fsync(fd) != 0 || close(fd) != 0) {
                fail("--qr: cannot write %s: %s", path, strerror(errno));
                return -1;
        }
        return 0;
}

static int activation(struct akd_store *st, const struct admin_args *a, const char *public_url,
                      const char *org, const char *email)
{
        struct ak_activation act;
        char uri[AK_ACTIVATION_URI_MAX + 1], t[32];
        uint8_t hash[AKD_ACTIVATION_HASH_LEN];
        unsigned char *png = NULL;
        size_t png_len = 0;
        int fd = -1, rc = 1;
        int64_t ttl = EXPIRES_DEFAULT, now = akd_now();

        if (a->expires != NULL) {
                ttl = akd_parse_duration(a->expires);
                if (ttl <= 0 || ttl > EXPIRES_MAX)
                        return usage("--expires: '%.40s' is not a duration from 1s to 90d (like "
                                     "30m, 12h, 7d)",
                                     a->expires);
        }
        if (public_url == NULL)
                return usage("activation: give --public-url URL (the address devices reach "
                             "this server at), or set public_url in the config");
        memset(&act, 0, sizeof(act));
        if (strlen(public_url) > AK_ACTIVATION_SERVER_MAX)
                return usage("--public-url: longer than %d bytes", AK_ACTIVATION_SERVER_MAX);
        snprintf(act.server, sizeof(act.server), "%s", public_url);
        snprintf(act.org, sizeof(act.org), "%s", org);
        snprintf(act.email, sizeof(act.email), "%s", email);
        ak_activation_code_new(act.code);
        if (ak_activation_format(uri, sizeof(uri), &act) != AK_OK) {
                rc = usage("--public-url: '%.100s' cannot go in an activation code: %s", public_url,
                           ak_error_detail());
                goto done;
        }
        if (a->qr != NULL) {
                if (ak_qr_png(&png, &png_len, uri, QR_SCALE) != AK_OK) {
                        rc = fail("--qr: cannot make the QR image: %s", ak_error_detail());
                        goto done;
                }
                if ((fd = open_private(a->qr)) < 0)
                        goto done;
        }
        crypto_generichash(hash, sizeof(hash), (const unsigned char *)act.code, strlen(act.code),
                           NULL, 0);
        switch (st->ops->activation_create(st, org, email, hash, now, now + ttl)) {
        case AKD_STORE_OK:
                break;
        case AKD_STORE_NOT_FOUND:
                rc = fail("%s has no user %s; add it first with 'authkeepd admin user add %s %s'",
                          org, email, org, email);
                goto done;
        case AKD_STORE_DELETED:
                rc = fail("%s was removed from %s; add it again with 'authkeepd admin user add "
                          "%s %s'",
                          email, org, org, email);
                goto done;
        default:
                rc = fail("the database failed; nothing was changed");
                goto done;
        }
        if (fd >= 0) {
                int w = write_all(fd, png, png_len, a->qr);
                fd = -1;
                if (w != 0)
                        goto done;
        }
        printf("Activation code for %s in %s, for one device, until %s:\n%s\n%s\n", email, org,
               when(now + ttl, t, sizeof(t)), uri, act.code);
        if (a->qr != NULL)
                printf("QR image: %s\n", a->qr);
        fflush(stdout);
        rc = 0;
done:
        if (fd >= 0) {
                close(fd);
                unlink(a->qr); /* nothing stored: no image of a code that does not work */
        }
        if (png != NULL) {
                sodium_memzero(png, png_len);
                free(png);
        }
        sodium_memzero(&act, sizeof(act));
        sodium_memzero(uri, sizeof(uri));
        return rc;
}

/* ---- the command ---- */

/* Checks the words' count for the command; 0 or EXIT_USAGE. */
static int want_words(const struct admin_args *a, int n, const char *form)
{
        if (a->nwords != n)
                return usage("usage: authkeepd admin %s", form);
        return 0;
}

static int run_command(struct akd_store *st, const struct admin_args *a, const char *public_url)
{
        const char *cmd = a->words[0], *sub = a->nwords > 1 ? a->words[1] : "";
        char email[AKD_EMAIL_MAX + 1];
        int rc;

        if (strcmp(cmd, "org") == 0 && strcmp(sub, "create") == 0) {
                if ((rc = want_words(a, 3, "org create ORG")) != 0 ||
                    (rc = check_org(a->words[2])) != 0)
                        return rc;
                return org_create(st, a->words[2]);
        }
        if (strcmp(cmd, "org") == 0 && strcmp(sub, "list") == 0)
                return want_words(a, 2, "org list") != 0 ? EXIT_USAGE : org_list(st);
        if (strcmp(cmd, "user") == 0 && strcmp(sub, "list") == 0) {
                if ((rc = want_words(a, 3, "user list ORG")) != 0 ||
                    (rc = check_org(a->words[2])) != 0)
                        return rc;
                return user_list(st, a->words[2]);
        }
        if (strcmp(cmd, "user") == 0 && (strcmp(sub, "add") == 0 || strcmp(sub, "remove") == 0)) {
                bool add = strcmp(sub, "add") == 0;
                if ((rc = want_words(a, 4, add ? "user add ORG EMAIL" : "user remove ORG EMAIL")) !=
                        0 ||
                    (rc = check_org(a->words[2])) != 0 ||
                    (rc = check_email(email, a->words[3])) != 0)
                        return rc;
                return add ? user_add(st, a->words[2], email) : user_remove(st, a->words[2], email);
        }
        if (strcmp(cmd, "activation") == 0) {
                if ((rc = want_words(a, 3,
                                     "activation ORG EMAIL [--qr FILE.png] [--expires 7d]")) != 0 ||
                    (rc = check_org(a->words[1])) != 0 ||
                    (rc = check_email(email, a->words[2])) != 0)
                        return rc;
                return activation(st, a, public_url, a->words[1], email);
        }
        if (strcmp(cmd, "org") == 0 || strcmp(cmd, "user") == 0)
                return usage("%s: '%.32s' is not a command of %s", cmd, sub, cmd);
        return usage("unknown command '%.32s' (org, user or activation)", cmd);
}

int akd_admin_main(int argc, char **argv)
{
        struct admin_args a;
        struct akd_config cfg;
        char err[300];
        int rc = parse_args(&a, argc, argv);

        if (rc == 1) {
                fputs(admin_help, stdout);
                return 0;
        }
        if (rc != 0)
                return rc;
        if (a.nwords == 0)
                return usage("give a command: org, user or activation");
        if ((a.qr != NULL || a.expires != NULL) && strcmp(a.words[0], "activation") != 0)
                return usage("--qr and --expires go with 'activation' only");
        akd_config_defaults(&cfg);
        if (a.config != NULL && akd_config_load(&cfg, a.config, err, sizeof(err)) != 0) {
                akd_config_free(&cfg);
                return fail("%s", err);
        }
        const char *db = a.db != NULL ? a.db : cfg.db;
        const char *public_url = a.public_url != NULL ? a.public_url : cfg.public_url;
        struct akd_store *st = NULL;
        if (db == NULL) {
                rc = usage("give --db sqlite:PATH (the database authkeepd serves)");
                goto done;
        }
        if (sodium_init() < 0) {
                rc = fail("libsodium failed to start");
                goto done;
        }
        st = akd_store_open_shared(db, err, sizeof(err));
        if (st == NULL) {
                rc = fail("%s", err);
                goto done;
        }
        rc = run_command(st, &a, public_url);
done:
        if (st != NULL)
                st->ops->close(st);
        akd_config_free(&cfg);
        return rc;
}
