/*
 * authkeepd's settings: defaults, the command line's long options and the
 * config file share one table, so every setting has one name, one parser and
 * one line of help.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "authkeep/signin.h"
#include "notify.h"
#include "server.h"

/* OPT_LIST: a repeatable string; each use (line of the file, option) adds one. */
enum opt_kind { OPT_STRING, OPT_UINT, OPT_SIZE, OPT_DURATION, OPT_RATE, OPT_LIST };

struct option_def {
        const char *name; /* with underscores */
        enum opt_kind kind;
        size_t offset;
        const char *help;
};

#define OFF(f) offsetof(struct akd_config, f)

static const struct option_def options[] = {
    {"listen", OPT_STRING, OFF(listen), "ADDR:PORT to listen on (127.0.0.1:8080)"},
    {"db", OPT_STRING, OFF(db), "store: sqlite:PATH (kept mode 0600) or postgres://..."},
    {"db_pool", OPT_UINT, OFF(db_pool),
     "PostgreSQL connections for requests, 1 to 256; SQLite ignores it (8)"},
    {"tls_cert", OPT_STRING, OFF(tls_cert), "PEM certificate chain: serve HTTPS"},
    {"tls_key", OPT_STRING, OFF(tls_key), "PEM private key of --tls-cert"},
    {"log", OPT_STRING, OFF(log), "request log file (default: standard error)"},
    {"threads", OPT_UINT, OFF(threads), "HTTP threads (4)"},
    {"max_body", OPT_SIZE, OFF(max_body),
     "largest upload body in bytes (25165824, the largest backup a device makes)"},
    {"max_connections", OPT_UINT, OFF(max_connections),
     "connections at once (16384, or what the open-files limit allows)"},
    {"max_connections_per_address", OPT_UINT, OFF(max_connections_per_address),
     "connections at once from one address (64)"},
    {"header_timeout", OPT_DURATION, OFF(header_timeout),
     "time for a request line and headers, in all (10s)"},
    {"rate_address", OPT_RATE, OFF(rate_address), "requests per second per address, 0 off (100)"},
    {"burst_address", OPT_RATE, OFF(burst_address), "burst of requests per address (200)"},
    {"rate_account", OPT_RATE, OFF(rate_account),
     "authenticated requests per second per account, 0 off (50)"},
    {"burst_account", OPT_RATE, OFF(burst_account), "burst of requests per account (100)"},
    {"rate_signin", OPT_RATE, OFF(rate_signin),
     "sign-in requests per second per account and address, 0 off (2)"},
    {"burst_signin", OPT_RATE, OFF(burst_signin),
     "burst of sign-in requests per account and address (20)"},
    {"max_rate_keys", OPT_UINT, OFF(max_rate_keys),
     "addresses or accounts each rate table holds, least recently seen dropped (65536)"},
    {"max_logins", OPT_UINT, OFF(max_logins), "sign-ins in progress at once (10000)"},
    {"max_logins_per_account", OPT_UINT, OFF(max_logins_per_account),
     "sign-ins in progress at once for one account, 0 off (10)"},
    {"max_logins_per_address", OPT_UINT, OFF(max_logins_per_address),
     "sign-ins in progress at once from one address, 0 off (100)"},
    {"accounts_per_address", OPT_UINT, OFF(accounts_per_address),
     "recovery accounts created per hour from one address, 0 off (10)"},
    {"login_ttl", OPT_DURATION, OFF(login_ttl), "time to finish a sign-in (60s)"},
    {"session_ttl", OPT_DURATION, OFF(session_ttl), "session lifetime (30d)"},
    {"keep_versions", OPT_UINT, OFF(keep_versions), "backup versions kept per account (10)"},
    {"slow_after", OPT_UINT, OFF(slow_after), "failed sign-ins before slowing down (3)"},
    {"lockout_account_address", OPT_UINT, OFF(lockout_account_address),
     "failed sign-ins that lock an address out of an account (10)"},
    {"lockout_account", OPT_UINT, OFF(lockout_account),
     "failed sign-ins that lock an account for new addresses (100)"},
    {"lockout_address", OPT_UINT, OFF(lockout_address),
     "failed sign-ins that lock an address out of every account (30)"},
    {"lockout_time", OPT_DURATION, OFF(lockout_time), "length of a lockout (15m)"},
    {"known_address_ttl", OPT_DURATION, OFF(known_address_ttl),
     "how long a sign-in exempts its address from account lockouts, 0 never (30d)"},
    {"max_devices", OPT_UINT, OFF(max_devices), "active devices per recovery account (10)"},
    {"signin_ttl", OPT_DURATION, OFF(signin_ttl),
     "time a push sign-in request waits for a device's answer (120s)"},
    {"signin_max", OPT_UINT, OFF(signin_max),
     "push sign-in requests per account in --signin-window (5)"},
    {"signin_window", OPT_DURATION, OFF(signin_window), "the window of --signin-max (5m)"},
    {"signin_mute", OPT_DURATION, OFF(signin_mute),
     "how long a device's report mutes an account's push sign-ins (20m)"},
    {"public_url", OPT_STRING, OFF(public_url),
     "the server's URL as devices see it, signed in every answer (http:// + --listen)"},
    {"max_waiting", OPT_UINT, OFF(max_waiting), "long-polls waiting at once, 0 no cap (100000)"},
    {"notify", OPT_LIST, OFF(notify),
     "where codes go: smtp://HOST:PORT, webhook:URL or file:PATH (repeatable; none)"},
    {"notify_from", OPT_STRING, OFF(notify_from),
     "the From address of --notify smtp:// mail (authkeep@HOSTNAME)"},
    {"code_ttl", OPT_DURATION, OFF(code_ttl),
     "how long a verification code sent to a contact is valid (10m)"},
    {"code_interval", OPT_DURATION, OFF(code_interval),
     "the least time between two codes sent for one account (1m)"},
    {"codes_per_hour", OPT_UINT, OFF(codes_per_hour), "codes sent for one account an hour (5)"},
    {"web_dir", OPT_STRING, OFF(web_dir),
     "the folder of the web pages' templates (the installed share/authkeep/web)"},
    {"portal_ttl", OPT_DURATION, OFF(portal_ttl),
     "how long a sign-in to the account page lasts (15m)"},
    {"deleted_grace", OPT_DURATION, OFF(deleted_grace),
     "how long deleted backups and accounts are kept before they are purged (30d)"},
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

/* An OPT_LIST's field is its char ** array, followed by its size_t count. */
#define LIST_ITEMS(field) ((char ***)(field))
#define LIST_COUNT(field) ((size_t *)((char *)(field) + sizeof(char **)))
#define LIST_MAX AKD_NOTIFIERS_MAX
_Static_assert(OFF(notify_count) == OFF(notify) + sizeof(char **),
               "notify_count follows notify, as LIST_COUNT expects");

_Static_assert(AKD_MAX_BODY_DEFAULT >= AKD_B64_LEN(AKD_ENVELOPE_MAX) + 4096,
               "the default body cap holds the largest backup a device makes");

void akd_config_defaults(struct akd_config *cfg)
{
        memset(cfg, 0, sizeof(*cfg));
        cfg->db_pool = AKD_DB_POOL_DEFAULT;
        cfg->threads = 4;
        cfg->max_body = AKD_MAX_BODY_DEFAULT;
        cfg->max_connections = 16384;
        cfg->header_timeout = 10;
        cfg->max_connections_per_address = 64;
        cfg->rate_address = 100;
        cfg->burst_address = 200;
        cfg->rate_account = 50;
        cfg->burst_account = 100;
        cfg->rate_signin = 2;
        cfg->burst_signin = 20;
        cfg->max_rate_keys = 65536;
        cfg->max_logins = 10000;
        cfg->max_logins_per_account = 10;
        cfg->max_logins_per_address = 100;
        cfg->accounts_per_address = 10;
        cfg->login_ttl = 60;
        cfg->session_ttl = 30 * 86400;
        cfg->keep_versions = 10;
        cfg->slow_after = 3;
        cfg->lockout_account_address = 10;
        cfg->lockout_account = 100;
        cfg->lockout_address = 30;
        cfg->lockout_time = 900;
        cfg->known_address_ttl = 30 * 86400;
        cfg->max_devices = 10;
        cfg->signin_ttl = 120;
        cfg->signin_max = 5;
        cfg->signin_window = 300;
        cfg->signin_mute = 1200;
        cfg->max_waiting = 100000;
        cfg->code_ttl = 600;
        cfg->code_interval = 60;
        cfg->codes_per_hour = 5;
        cfg->portal_ttl = 900;
        cfg->deleted_grace = 30 * 86400;
}

void akd_config_free(struct akd_config *cfg)
{
        if (cfg == NULL)
                return;
        for (size_t i = 0; i < N_OPTIONS; i++) {
                if (options[i].kind == OPT_STRING) {
                        char **field = (char **)((char *)cfg + options[i].offset);
                        free(*field);
                        *field = NULL;
                } else if (options[i].kind == OPT_LIST) {
                        char ***items = LIST_ITEMS((char *)cfg + options[i].offset);
                        size_t *count = LIST_COUNT((char *)cfg + options[i].offset);
                        for (size_t j = 0; j < *count; j++)
                                free((*items)[j]);
                        free(*items);
                        *items = NULL;
                        *count = 0;
                }
        }
}

int64_t akd_parse_duration(const char *text)
{
        char *end;
        errno = 0;
        if (!isdigit((unsigned char)text[0]))
                return -1;
        unsigned long long n = strtoull(text, &end, 10);
        if (errno != 0 || n > 100000000ULL)
                return -1;
        int64_t unit = 1;
        if (*end == 's')
                end++;
        else if (*end == 'm')
                unit = 60, end++;
        else if (*end == 'h')
                unit = 3600, end++;
        else if (*end == 'd')
                unit = 86400, end++;
        if (*end != '\0')
                return -1;
        return (int64_t)n * unit;
}

static int set_err(char *err, size_t errlen, const char *fmt, ...) AKD_PRINTF(3, 4);
static int set_err(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        return -1;
}

int akd_config_set(struct akd_config *cfg, const char *name, const char *value, char *err,
                   size_t errlen)
{
        char key[64];
        size_t n = strlen(name);
        if (n == 0 || n >= sizeof(key))
                return set_err(err, errlen, "unknown setting");
        for (size_t i = 0; i <= n; i++)
                key[i] = name[i] == '-' ? '_' : name[i];

        const struct option_def *opt = NULL;
        for (size_t i = 0; i < N_OPTIONS; i++)
                if (strcmp(options[i].name, key) == 0)
                        opt = &options[i];
        if (opt == NULL)
                return set_err(err, errlen, "unknown setting '%.63s'", key);

        void *field = (char *)cfg + opt->offset;
        char *end;
        switch (opt->kind) {
        case OPT_STRING: {
                if (value[0] == '\0')
                        return set_err(err, errlen, "%s: empty value", key);
                char *copy = strdup(value);
                if (copy == NULL)
                        return set_err(err, errlen, "out of memory");
                free(*(char **)field);
                *(char **)field = copy;
                return 0;
        }
        case OPT_LIST: {
                char ***items = LIST_ITEMS(field);
                size_t *count = LIST_COUNT(field);
                if (value[0] == '\0')
                        return set_err(err, errlen, "%s: empty value", key);
                if (*count >= LIST_MAX)
                        return set_err(err, errlen, "%s: at most %d of them", key, LIST_MAX);
                char **grown = realloc(*items, (*count + 1) * sizeof(**items));
                if (grown == NULL)
                        return set_err(err, errlen, "out of memory");
                *items = grown;
                if ((grown[*count] = strdup(value)) == NULL)
                        return set_err(err, errlen, "out of memory");
                (*count)++;
                return 0;
        }
        case OPT_UINT:
        case OPT_SIZE: {
                errno = 0;
                if (!isdigit((unsigned char)value[0]))
                        return set_err(err, errlen, "%s: '%.40s' is not a whole number", key,
                                       value);
                unsigned long long v = strtoull(value, &end, 10);
                if (errno != 0 || *end != '\0' || v > 1000000000ULL)
                        return set_err(err, errlen, "%s: '%.40s' is not a whole number up to 10^9",
                                       key, value);
                if (opt->kind == OPT_UINT)
                        *(unsigned *)field = (unsigned)v;
                else
                        *(size_t *)field = (size_t)v;
                return 0;
        }
        case OPT_DURATION: {
                int64_t d = akd_parse_duration(value);
                if (d < 0)
                        return set_err(err, errlen,
                                       "%s: '%.40s' is not a duration (like 30, 15m, 12h, 30d)",
                                       key, value);
                *(int64_t *)field = d;
                return 0;
        }
        case OPT_RATE: {
                errno = 0;
                if (!isdigit((unsigned char)value[0]))
                        return set_err(err, errlen, "%s: '%.40s' is not a number", key, value);
                double v = strtod(value, &end);
                if (errno != 0 || *end != '\0' || !(v >= 0 && v <= 1e9))
                        return set_err(err, errlen, "%s: '%.40s' is not a number from 0 to 10^9",
                                       key, value);
                *(double *)field = v;
                return 0;
        }
        }
        return set_err(err, errlen, "unknown setting");
}

/* Trims spaces and tabs at both ends of [*s, *e). */
static void trim(const char **s, const char **e)
{
        while (*s < *e && (**s == ' ' || **s == '\t' || **s == '\r'))
                (*s)++;
        while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
                (*e)--;
}

int akd_config_parse(struct akd_config *cfg, const char *text, size_t len, char *err, size_t errlen)
{
        const char *p = text, *end = text + len;
        unsigned line = 0;
        char key[64], value[1024], why[200];

        while (p < end) {
                line++;
                const char *eol = memchr(p, '\n', (size_t)(end - p));
                if (eol == NULL)
                        eol = end;
                const char *ls = p, *le = eol;
                p = eol < end ? eol + 1 : end;

                if (memchr(ls, '\0', (size_t)(le - ls)) != NULL)
                        return set_err(err, errlen, "line %u: a NUL byte", line);
                const char *hash = memchr(ls, '#', (size_t)(le - ls));
                if (hash != NULL)
                        le = hash;
                trim(&ls, &le);
                if (ls == le)
                        continue;
                const char *eq = memchr(ls, '=', (size_t)(le - ls));
                if (eq == NULL)
                        return set_err(err, errlen, "line %u: expected 'key = value'", line);
                const char *ks = ls, *ke = eq, *vs = eq + 1, *ve = le;
                trim(&ks, &ke);
                trim(&vs, &ve);
                if (ks == ke || (size_t)(ke - ks) >= sizeof(key))
                        return set_err(err, errlen, "line %u: missing or overlong key", line);
                if ((size_t)(ve - vs) >= sizeof(value))
                        return set_err(err, errlen, "line %u: value longer than %zu bytes", line,
                                       sizeof(value) - 1);
                memcpy(key, ks, (size_t)(ke - ks));
                key[ke - ks] = '\0';
                memcpy(value, vs, (size_t)(ve - vs));
                value[ve - vs] = '\0';
                if (akd_config_set(cfg, key, value, why, sizeof(why)) != 0)
                        return set_err(err, errlen, "line %u: %s", line, why);
        }
        return 0;
}

int akd_config_check(const struct akd_config *cfg, char *err, size_t errlen)
{
        if (cfg->db == NULL)
                return set_err(err, errlen, "--db is required (sqlite:PATH or postgres://...)");
        if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL))
                return set_err(err, errlen, "--tls-cert and --tls-key go together");
        if (cfg->threads < 1 || cfg->threads > 256)
                return set_err(err, errlen, "threads: from 1 to 256");
        if (cfg->db_pool < 1 || cfg->db_pool > AKD_DB_POOL_MAX)
                return set_err(err, errlen, "db_pool: from 1 to %d connections", AKD_DB_POOL_MAX);
        if (cfg->max_body < 1024)
                return set_err(err, errlen, "max_body: at least 1024 bytes");
        if (cfg->keep_versions < 1)
                return set_err(err, errlen, "keep_versions: at least 1");
        if (cfg->session_ttl < 1 || cfg->login_ttl < 1 || cfg->header_timeout < 1)
                return set_err(err, errlen,
                               "session_ttl, login_ttl and header_timeout: at least 1 second");
        if (cfg->signin_ttl < 1 || cfg->signin_window < 1)
                return set_err(err, errlen, "signin_ttl and signin_window: at least 1 second");
        if (cfg->code_ttl < 1 || cfg->code_ttl > 86400 || cfg->codes_per_hour < 1)
                return set_err(err, errlen,
                               "code_ttl: from 1 second to 1 day; codes_per_hour: at least 1");
        if (cfg->portal_ttl < 60 || cfg->portal_ttl > 86400)
                return set_err(err, errlen, "portal_ttl: from 1 minute to 1 day");
        if (cfg->deleted_grace < 1 || cfg->deleted_grace > 3650 * 86400)
                return set_err(err, errlen, "deleted_grace: from 1 second to 3650 days");
        if (cfg->max_devices < 1 || cfg->signin_max < 1)
                return set_err(err, errlen, "max_devices and signin_max: at least 1");
        if (cfg->public_url != NULL && strlen(cfg->public_url) > AK_SIGNIN_ORIGIN_MAX)
                return set_err(err, errlen, "public_url: at most %d bytes", AK_SIGNIN_ORIGIN_MAX);
        if (cfg->max_connections < 1 || cfg->max_logins < 1 || cfg->max_rate_keys < 1)
                return set_err(err, errlen,
                               "max_connections, max_logins and max_rate_keys: at least 1");
        return 0;
}

void akd_config_usage(FILE *out)
{
        fputs("usage: authkeepd --listen ADDR:PORT --db sqlite:PATH|postgres://... [--config FILE] "
              "[options]\n"
              "Serves Authkeep's backup and recovery API (docs/api.md) and its web pages\n"
              "(docs/web.md).\n\n"
              "  --config FILE   read 'key = value' settings (names as below, without --)\n"
              "  --help          show this help\n",
              out);
        for (size_t i = 0; i < N_OPTIONS; i++) {
                char flag[64];
                size_t j = 0;
                for (; options[i].name[j] != '\0' && j < sizeof(flag) - 1; j++)
                        flag[j] = options[i].name[j] == '_' ? '-' : options[i].name[j];
                flag[j] = '\0';
                fprintf(out, "  --%-30s %s\n", flag, options[i].help);
        }
        fputs("\nDurations take s, m, h or d (30d). Options on the command line win over the "
              "file;\n--notify adds to the file's notify lines.\n",
              out);
}

int akd_config_load(struct akd_config *cfg, const char *path, char *err, size_t errlen)
{
        FILE *f = fopen(path, "rb");
        if (f == NULL)
                return set_err(err, errlen, "cannot read %s", path);
        size_t cap = 1 << 20;
        char *text = malloc(cap);
        size_t n = text != NULL ? fread(text, 1, cap, f) : 0;
        bool too_big = n == cap;
        fclose(f);
        if (text == NULL || too_big) {
                free(text);
                return set_err(err, errlen, "%s: %s", path,
                               too_big ? "larger than 1 MiB" : "out of memory");
        }
        char why[256];
        int rc = akd_config_parse(cfg, text, n, why, sizeof(why));
        free(text);
        if (rc != 0)
                set_err(err, errlen, "%s: %s", path, why);
        return rc;
}
