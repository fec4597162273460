/*
 * authkeep import, authkeep export, and add --qr.
 *
 * An import reads the whole input first, sorts every entry into new,
 * identical, conflicting or unreadable against the vault, prints that list,
 * and only then changes the vault, in one save: a crash or an error before
 * the save leaves the vault as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authkeep/import.h"
#include "cli.h"
#include "grow.h"

#define STDIN_MAX AK_IMPORT_MAX_BYTES

static const char import_help[] =
    "usage: authkeep import FILE|URI|- [--format FORMAT] [--dry-run] [--partial]\n"
    "                       [--verbose]\n"
    "\n"
    "Imports the accounts of another authenticator's export, an otpauth:// or\n"
    "otpauth-migration:// URI, or a PNG/JPEG image of QR codes.\n"
    "\n"
    "  --format F  auto (default), uris, gauth, aegis, 2fas, andotp, proton,\n"
    "              bitwarden, gauth-db, msauth-db, image,\n"
    "              freeotp, freeotp-plus, authy, battlenet, totp-authenticator,\n"
    "              authenticator-plus, stratum, stratum-db, steam, duo,\n"
    "              bitwarden-csv, winauth (steam also reads Steam Desktop\n"
    "              Authenticator's maFiles/manifest.json, plain or encrypted;\n"
    "              winauth its text export or its zip, with a password or not)\n"
    "  --dry-run   list each entry as new, identical, conflicting or unreadable;\n"
    "              change nothing\n"
    "  --partial   import the readable entries even when some are unreadable\n"
    "  --verbose   list every entry; without it, an import of more than 20\n"
    "              lists only those not simply added (identical, conflicting,\n"
    "              unreadable), then the counts\n"
    "\n"
    "New accounts are added; identical ones (same secret and parameters) are\n"
    "skipped; conflicting ones (same issuer and account, another secret) are\n"
    "added as \"NAME (imported)\", never replacing anything. Any unreadable entry\n"
    "makes the exit status non-zero. Encrypted exports ask for their password,\n"
    "or take it from AUTHKEEP_IMPORT_PASSWORD.\n";

static const char export_help[] =
    "usage: authkeep export --format uris|aegis|gauth|qr [--out FILE|DIR] [--encrypt]\n"
    "\n"
    "  uris    otpauth:// URIs, one a line\n"
    "  aegis   an Aegis vault (JSON); --encrypt protects it with a password\n"
    "          (asked, or AUTHKEEP_EXPORT_PASSWORD), as Aegis does\n"
    "  gauth   Google Authenticator otpauth-migration:// URIs, one a line, each\n"
    "          small enough for one QR code\n"
    "  qr      one QR code an account: PNG files in the folder DIR, or drawn in\n"
    "          the terminal without --out\n"
    "\n"
    "Files are written with mode 0600. Plain exports hold every secret: keep\n"
    "them safe and delete them when done. Accounts bound to this device\n"
    "(personal and work accounts) are never exported.\n";

/*
 * Reads all of standard input (up to the import cap). *out is malloc'd; the
 * caller wipes and frees it. The input is an export full of secrets, so the
 * buffer grows by copy and wipe rather than realloc(), which would leave the
 * old bytes in freed memory.
 */
static int read_stdin_all(char **out, size_t *len)
{
        size_t cap = 65536, n = 0;
        char *buf = malloc(cap);

        if (buf == NULL)
                return cli_fail(AK_ERR_NOMEM, "standard input");
        for (;;) {
                size_t got;
                if (n == cap && cap >= STDIN_MAX) {
                        /* Exactly the cap is allowed, as for a file; one byte more is not. */
                        if (fgetc(stdin) == EOF)
                                break;
                        explicit_bzero(buf, n);
                        free(buf);
                        return cli_error("standard input: larger than %u bytes", STDIN_MAX);
                }
                if (n == cap && !cli_grow_secret(&buf, &cap, n))
                        return cli_fail(AK_ERR_NOMEM, "standard input");
                got = fread(buf + n, 1, cap - n, stdin);
                n += got;
                if (got == 0)
                        break;
        }
        *out = buf;
        *len = n;
        return 0;
}

/* More entries than this are listed only when not simply added, without --verbose. */
#define LIST_ALL_MAX 20

/*
 * One line per entry: status, where, and what happens to it; of a large
 * import, only the entries not simply added unless `verbose`. Names come
 * from the imported file: the table makes them safe for a terminal.
 */
static void print_entries(const struct ak_import *imp, FILE *out, bool verbose)
{
        struct cli_table *t = cli_table_new(3);
        bool all = verbose || imp->count <= LIST_ALL_MAX;
        size_t left_out = 0;

        for (size_t i = 0; t != NULL && i < imp->count; i++) {
                const struct ak_import_entry *e = &imp->entries[i];
                char *detail = NULL;
                if (!all && e->status == AK_IMPORT_NEW) {
                        left_out++;
                        continue;
                }
                if (e->status == AK_IMPORT_UNREADABLE)
                        detail = strdup(e->reason);
                else if (e->status == AK_IMPORT_CONFLICT)
                        detail = ak_account_label(&e->account);
                if (e->status == AK_IMPORT_CONFLICT && detail != NULL) {
                        char *as = NULL;
                        if (asprintf(&as, "added as '%s'", detail) < 0)
                                as = NULL;
                        free(detail);
                        detail = as;
                }
                if (cli_table_add(t, ak_import_status_name(e->status), e->where,
                                  detail ? detail : "") != AK_OK) {
                        free(detail);
                        break;
                }
                free(detail);
        }
        if (t != NULL)
                cli_table_print(t, out);
        cli_table_free(t);
        if (left_out > 0)
                cli_fprintf(out, "(%zu new %s not listed: --verbose lists every entry)\n", left_out,
                            left_out == 1 ? "entry" : "entries");
}

/* Names the unreadable entries in one line on stderr. */
static void report_unreadable(const struct ak_import *imp, const char *source, size_t unreadable,
                              bool imported)
{
        struct cli_table *t = cli_table_new(1);
        char *line = NULL;
        size_t len = 0, shown = 0;
        FILE *msg = open_memstream(&line, &len);

        if (msg == NULL || t == NULL) {
                if (msg != NULL)
                        fclose(msg);
                free(line);
                cli_table_free(t);
                cli_error("%s: %zu entries could not be read", source, unreadable);
                return;
        }
        cli_fprintf(msg, "authkeep: %s: %zu %s could not be read:", source, unreadable,
                    unreadable == 1 ? "entry" : "entries");
        for (size_t i = 0; i < imp->count && shown < 5; i++) {
                const struct ak_import_entry *e = &imp->entries[i];
                if (e->status != AK_IMPORT_UNREADABLE)
                        continue;
                cli_fprintf(msg, "%s %s (%s)", shown ? ";" : "", e->where, e->reason);
                shown++;
        }
        if (unreadable > shown)
                cli_fprintf(msg, "; and %zu more", unreadable - shown);
        cli_fprintf(msg, "%s",
                    imported ? "; the readable ones were imported"
                             : "; nothing was imported (--partial imports the readable ones)");
        fclose(msg);
        if (cli_table_add(t, line) == AK_OK)
                cli_table_print(t, stderr);
        cli_table_free(t);
        free(line);
}

/* How many entries to be added have a secret shorter than AK_SECRET_SHORT_BYTES. */
static size_t count_short(const struct ak_import *imp, size_t *first_short)
{
        size_t n = 0;

        for (size_t i = 0; i < imp->count; i++) {
                const struct ak_import_entry *e = &imp->entries[i];

                if ((e->status == AK_IMPORT_NEW || e->status == AK_IMPORT_CONFLICT) &&
                    e->account.secret_len > 0 && e->account.secret_len < AK_SECRET_SHORT_BYTES &&
                    n++ == 0)
                        *first_short = i;
        }
        return n;
}

/*
 * Classifies, prints, and (unless dry_run) adds the entries of `imp` to the
 * vault with one save. Secrets shorter than 80 bits are imported with a
 * note (other apps' exports are what they are), or, for `add --qr`
 * (`refuse_short`), refused. Returns the exit status.
 */
static int apply_import(struct ak_vault *vault, struct ak_import *imp, const char *source,
                        bool dry_run, bool partial, bool refuse_short, bool verbose)
{
        size_t first_short = 0, nshort;

        struct ak_import_counts c;
        struct ak_account_list *accounts;
        enum ak_err err;
        bool write;

        /* Held before sorting the entries: they are sorted against what is stored. */
        if (!dry_run && cli_hold_vault(vault) != 0)
                return CLI_EXIT_FAIL;
        accounts = ak_vault_accounts(vault);
        err = ak_import_classify(imp, accounts);
        if (err != AK_OK)
                return cli_fail(err, source);
        if (imp->count == 0)
                return cli_error("%s: no accounts found in it; nothing was imported", source);
        ak_import_count(imp, &c);
        nshort = count_short(imp, &first_short);
        if (refuse_short && nshort > 0)
                return cli_short_secret_error(source, imp->entries[first_short].account.secret_len);
        print_entries(imp, stdout, verbose);
        if (dry_run) {
                cli_printf(
                    "dry run: %zu new, %zu identical, %zu conflicting, %zu unreadable; nothing "
                    "changed\n",
                    c.added, c.identical, c.conflicts, c.unreadable);
                if (c.unreadable > 0) {
                        report_unreadable(imp, source, c.unreadable, false);
                        return CLI_EXIT_FAIL;
                }
                return CLI_EXIT_OK;
        }
        if (c.unreadable > 0 && !partial) {
                report_unreadable(imp, source, c.unreadable, false);
                return CLI_EXIT_FAIL;
        }
        write = c.added + c.conflicts > 0;
        if (write) {
                err = ak_import_apply(imp, accounts);
                if (err != AK_OK)
                        return cli_fail(err, source); /* the vault is not saved: nothing changes */
                if (cli_save_vault(vault) != 0)
                        return CLI_EXIT_FAIL;
        }
        cli_printf(
            "imported: %zu added, %zu identical (skipped), %zu conflicting (added under a new "
            "name), "
            "%zu unreadable\n",
            c.added, c.identical, c.conflicts, c.unreadable);
        if (nshort > 0)
                cli_note("%zu imported %s a secret shorter than %d bits, whose codes can be "
                         "guessed (%s first): ask the site for a new one where it allows",
                         nshort, nshort == 1 ? "account has" : "accounts have",
                         AK_SECRET_SHORT_BYTES * 8, imp->entries[first_short].where);
        if (c.unreadable > 0) {
                report_unreadable(imp, source, c.unreadable, true);
                return CLI_EXIT_FAIL;
        }
        return CLI_EXIT_OK;
}

/* Asks for the password of an encrypted export; NULL after printing the error. */
static char *import_password(const char *source)
{
        char *password = NULL;
        char prompt[256];
        enum ak_err err;

        snprintf(prompt, sizeof(prompt), "Password of %s: ", source);
        err = cli_read_secret(&password, prompt, "AUTHKEEP_IMPORT_PASSWORD", false);
        if (err != AK_OK) {
                cli_secret_error(err, "import password", "AUTHKEEP_IMPORT_PASSWORD");
                return NULL;
        }
        return password;
}

int cmd_import(int argc, char **argv)
{
        static const struct option options[] = {
            {"format", required_argument, NULL, 'f'},
            {"dry-run", no_argument, NULL, 'n'},
            {"partial", no_argument, NULL, 'p'},
            {"verbose", no_argument, NULL, 'v'},
            {NULL, 0, NULL, 0},
        };
        enum ak_import_format format = AK_IMPORT_AUTO;
        bool dry_run = false, partial = false, encrypted = false, verbose = false, in_memory;
        struct ak_import imp;
        struct ak_vault *vault = NULL;
        const char *source;
        char *data = NULL, *password = NULL;
        size_t len = 0;
        enum ak_err err;
        int opt, rc = CLI_EXIT_FAIL;

        if (cli_help(argc, argv, import_help))
                return CLI_EXIT_OK;
        optind = 1;
        opterr = 0;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                switch (opt) {
                case 'f':
                        if (ak_import_format_parse(&format, optarg) != AK_OK)
                                return cli_usage_error("import", "%s", ak_error_detail());
                        break;
                case 'n':
                        dry_run = true;
                        break;
                case 'p':
                        partial = true;
                        break;
                case 'v':
                        verbose = true;
                        break;
                default:
                        return cli_option_error("import", opt, argv);
                }
        }
        if (optind != argc - 1)
                return cli_usage_error("import", "give one FILE, URI or -");
        source = argv[optind];
        {
                struct stat st;

                if (stat(source, &st) == 0 && S_ISDIR(st.st_mode))
                        return cli_error("import: %s is a folder; give an export file, a URI or "
                                         "- for standard input",
                                         source);
        }
        ak_import_init(&imp);
        /* A URI on the command line or standard input is parsed from memory; a file where it lies.
         */
        in_memory = strncasecmp(source, "otpauth", 7) == 0 || strcmp(source, "-") == 0;
        if (strcmp(source, "-") == 0) {
                if (read_stdin_all(&data, &len) != 0)
                        return CLI_EXIT_FAIL;
                source = "standard input";
        } else if (in_memory) {
                data = strdup(source);
                if (data == NULL)
                        return cli_fail(AK_ERR_NOMEM, "import");
                len = strlen(data);
                source = "the URI";
        }
        /*
         * The vault first: opening it makes jansson wipe what it frees, so the
         * export's secrets in parsed JSON are wiped too.
         */
        vault = cli_open_vault();
        if (vault == NULL)
                goto done;
        if (in_memory) {
                enum ak_import_format detected = AK_IMPORT_AUTO;
                err = ak_import_detect(&detected, &encrypted, data, len);
                if (format != AK_IMPORT_AUTO) {
                        /* Named explicitly: the parser says whether it fits; a password only for
                         * its encrypted kind. */
                        encrypted = err == AK_OK && detected == format && encrypted;
                        err = AK_OK;
                }
        } else {
                enum ak_import_format detected;
                err = ak_import_probe_file(&detected, &encrypted, source, format);
        }
        if (err == AK_ERR_FORMAT && format == AK_IMPORT_AUTO) {
                rc = cli_error("%s: %s: %s (use --format to name it)", source, ak_strerror(err),
                               ak_error_detail());
                goto done;
        }
        if (err != AK_OK) {
                rc = cli_fail(err, source);
                goto done;
        }
        if (encrypted && (password = import_password(source)) == NULL)
                goto done;
        if (in_memory)
                err = ak_import_parse(&imp, format, data, len, password,
                                      password ? strlen(password) : 0);
        else
                err =
                    ak_import_file(&imp, format, source, password, password ? strlen(password) : 0);
        if (err != AK_OK) {
                rc = cli_fail(err, source);
                goto done;
        }
        ak_import_set_progress(cli_progress, "import");
        rc = apply_import(vault, &imp, source, dry_run, partial, false, verbose);
        ak_import_set_progress(NULL, NULL);
done:
        if (data != NULL) {
                explicit_bzero(data, len);
                free(data);
        }
        if (password != NULL)
                cli_free_secret(password);
        ak_import_clear(&imp);
        ak_vault_free(vault);
        return rc;
}

int cli_add_qr(struct ak_vault *vault, const char *image_path, bool allow_short)
{
        struct ak_import imp;
        enum ak_err err;
        int rc;

        /* An administrator's activation code enrols in a work account instead. */
        if (cli_work_qr(vault, image_path, &rc))
                return rc;
        ak_import_init(&imp);
        err = ak_import_file(&imp, AK_IMPORT_IMAGE, image_path, NULL, 0);
        if (err != AK_OK) {
                rc = cli_fail(err, image_path);
                goto done;
        }
        rc = apply_import(vault, &imp, image_path, false, false, !allow_short, false);
done:
        ak_import_clear(&imp);
        return rc;
}

/* ----- export ----- */

/*
 * Writes `len` bytes to `path`, created or truncated with mode 0600 (also
 * when it existed with another mode). Returns 0 or the exit status.
 */
static int write_private(const char *path, const void *data, size_t len)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        const char *p = data;

        if (fd < 0 && errno == ELOOP)
                return cli_error("%s: is a symbolic link; refusing to write through a symbolic "
                                 "link (name the file itself)",
                                 path);
        if (fd < 0 && errno == EISDIR)
                return cli_error("%s: is a folder; --out names the file to write", path);
        if (fd < 0)
                return cli_error("%s: cannot write: %s", path, strerror(errno));
        if (fchmod(fd, 0600) != 0) {
                close(fd);
                return cli_error("%s: cannot make it private: %s", path, strerror(errno));
        }
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        close(fd);
                        return cli_error("%s: cannot write: %s", path, strerror(errno));
                }
                p += n;
                len -= (size_t)n;
        }
        if (fsync(fd) != 0 || close(fd) != 0)
                return cli_error("%s: cannot write: %s", path, strerror(errno));
        return 0;
}

/* A file name part from `text`: letters, digits, '.', '-' and '_' kept, the rest '_'. */
static void file_part(char *out, size_t cap, const char *text)
{
        size_t o = 0;

        for (const char *c = text; *c && o + 1 < cap; c++) {
                unsigned char u = (unsigned char)*c;
                out[o++] = ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
                            (u >= '0' && u <= '9') || u == '.' || u == '-' || u == '_')
                               ? (char)u
                               : '_';
        }
        out[o] = '\0';
}

/* QR codes of every exportable account: PNG files in `dir`, or drawn on stdout. */
static int export_qr(const struct ak_account_list *accounts, const char *dir)
{
        size_t n = 0;
        struct stat st;

        if (dir != NULL && lstat(dir, &st) == 0 && S_ISLNK(st.st_mode))
                return cli_error("%s: is a symbolic link; refusing to write through a symbolic "
                                 "link (name the folder itself)",
                                 dir);
        if (dir != NULL && lstat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
                return cli_error("%s: is not a folder; --format qr writes one file an account "
                                 "into the folder --out names",
                                 dir);
        if (dir != NULL && mkdir(dir, 0700) != 0 && errno != EEXIST)
                return cli_error("%s: cannot create the folder: %s", dir, strerror(errno));
        for (size_t i = 0; i < accounts->count; i++) {
                const struct ak_account *a = &accounts->items[i];
                char *uri = NULL, *label;
                enum ak_err err;
                int rc = 0;
                if (a->kind != AK_KIND_THIRD_PARTY || a->secret_len == 0)
                        continue;
                err = ak_uri_format(&uri, a);
                if (err != AK_OK)
                        return cli_fail(err, "export");
                label = ak_account_label(a);
                n++;
                if (dir != NULL) {
                        unsigned char *png = NULL;
                        size_t png_len = 0;
                        char issuer[64], name[64], path[4096];
                        file_part(issuer, sizeof(issuer), a->issuer);
                        file_part(name, sizeof(name), a->name);
                        snprintf(path, sizeof(path), "%s/%03zu-%s-%s.png", dir, n, issuer, name);
                        err = ak_qr_png(&png, &png_len, uri, 8);
                        rc =
                            err != AK_OK ? cli_fail(err, label) : write_private(path, png, png_len);
                        if (rc == 0)
                                cli_printf("%s\n", path);
                        free(png);
                } else {
                        char *drawing = NULL;
                        err = ak_qr_terminal(&drawing, uri);
                        if (err != AK_OK) {
                                rc = cli_fail(err, label);
                        } else {
                                /* The drawing is ours: block characters and newlines. */
                                cli_printf("%s\n", label ? label : "");
                                cli_write_raw(stdout, drawing, strlen(drawing));
                                cli_printf("\n");
                                ak_export_free(drawing, strlen(drawing));
                        }
                }
                free(label);
                ak_uri_free(uri);
                if (rc != 0)
                        return rc;
        }
        return 0;
}

int cmd_export(int argc, char **argv)
{
        static const struct option options[] = {
            {"format", required_argument, NULL, 'f'},
            {"out", required_argument, NULL, 'o'},
            {"encrypt", no_argument, NULL, 'e'},
            {NULL, 0, NULL, 0},
        };
        const char *format = NULL, *out_path = NULL;
        bool encrypt = false;
        struct ak_vault *vault = NULL;
        struct ak_account_list *accounts;
        char *text = NULL, *password = NULL;
        size_t len = 0, skipped = 0, device_bound = 0;
        enum ak_err err = AK_OK;
        int opt, rc = CLI_EXIT_FAIL;

        if (cli_help(argc, argv, export_help))
                return CLI_EXIT_OK;
        optind = 1;
        opterr = 0;
        while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
                switch (opt) {
                case 'f':
                        format = optarg;
                        break;
                case 'o':
                        out_path = optarg;
                        break;
                case 'e':
                        encrypt = true;
                        break;
                default:
                        return cli_option_error("export", opt, argv);
                }
        }
        if (optind != argc)
                return cli_usage_error("export", "unexpected argument '%s'", argv[optind]);
        if (format == NULL || (strcmp(format, "uris") && strcmp(format, "aegis") &&
                               strcmp(format, "gauth") && strcmp(format, "qr")))
                return cli_usage_error("export", "--format must be uris, aegis, gauth or qr");
        if (encrypt && strcmp(format, "aegis") != 0)
                return cli_usage_error("export", "--encrypt goes with --format aegis only");
        vault = cli_open_vault();
        if (vault == NULL)
                return CLI_EXIT_FAIL;
        accounts = ak_vault_accounts(vault);
        for (size_t i = 0; i < accounts->count; i++)
                if (accounts->items[i].kind != AK_KIND_THIRD_PARTY)
                        device_bound++;
        if (strcmp(format, "qr") == 0) {
                rc = export_qr(accounts, out_path);
                if (rc == 0)
                        cli_eprintf("authkeep: warning: these QR codes hold your secrets: keep "
                                    "them private\n");
                goto notes;
        }
        if (encrypt) {
                err = cli_read_secret(
                    &password, "Password for the Aegis export: ", "AUTHKEEP_EXPORT_PASSWORD", true);
                if (err != AK_OK) {
                        rc = cli_secret_error(err, "export password", "AUTHKEEP_EXPORT_PASSWORD");
                        goto done;
                }
                if (password[0] == '\0') {
                        rc = cli_error("export: the password is empty");
                        goto done;
                }
        }
        if (strcmp(format, "uris") == 0)
                err = ak_export_uris(&text, &len, accounts);
        else if (strcmp(format, "aegis") == 0)
                err = ak_export_aegis(&text, &len, accounts, password,
                                      password ? strlen(password) : 0);
        else
                err = ak_export_gauth(&text, &len, &skipped, accounts);
        if (err != AK_OK) {
                rc = cli_fail(err, "export");
                goto done;
        }
        if (out_path != NULL) {
                rc = write_private(out_path, text, len);
        } else {
                /* The library wrote it: percent-encoded URIs, or JSON with its escapes. */
                rc = cli_write_raw(stdout, text, len) && fflush(stdout) == 0
                         ? 0
                         : cli_error("export: cannot write");
        }
        if (rc != 0)
                goto done;
        if (!encrypt)
                cli_eprintf("authkeep: warning: this export holds your secrets unencrypted: "
                            "keep it private and "
                            "delete it when done\n");
        if (skipped > device_bound) {
                cli_eprintf(
                    "authkeep: warning: %zu accounts left out: Google Authenticator's format "
                    "holds only "
                    "TOTP or HOTP with 6 or 8 digits and a 30-second period:",
                    skipped - device_bound);
                for (size_t i = 0; i < accounts->count; i++) {
                        const struct ak_account *a = &accounts->items[i];
                        if (a->kind == AK_KIND_THIRD_PARTY && !ak_export_gauth_supports(a)) {
                                char *label = ak_account_label(a);
                                cli_eprintf(" %s", label ? label : a->name);
                                free(label);
                        }
                }
                cli_eprintf("\n");
        }
notes:
        if (rc == 0 && device_bound > 0)
                cli_eprintf("authkeep: note: %zu accounts bound to this device were not exported\n",
                            device_bound);
done:
        if (text != NULL)
                ak_export_free(text, len);
        if (password != NULL)
                cli_free_secret(password);
        ak_vault_free(vault);
        return rc;
}
