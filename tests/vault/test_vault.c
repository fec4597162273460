/*
 * The vault through its public API, on real files: creation, reopening,
 * every failure a file can cause (each changing nothing), modes, the device
 * key, settings, device-local state and the backup payload.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <jansson.h>
#include <keyutils.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "internal.h"
#include "vault_internal.h"

/* The master key of an open vault, read from its internals (the API never hands it out). */
static void master_key(const struct ak_vault *v, unsigned char key[AK_VAULT_KEY_BYTES])
{
        memcpy(key, v->secrets->master, AK_VAULT_KEY_BYTES);
}

struct fixture {
        char *dir;
        char path[4096];
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        assert_int_equal(ak_init(), AK_OK);
        f->dir = make_temp_dir();
        assert_non_null(f->dir);
        snprintf(f->path, sizeof(f->path), "%s/home/vault.json", f->dir);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        remove_tree(f->dir);
        free(f);
        return 0;
}

static __attribute__((noinline)) char *read_all(const char *path, size_t *len)
{
        char *data = NULL;

        assert_int_equal(ak__read_file(&data, len, path, (size_t)1 << 30), AK_OK);
        return data;
}

static void write_all(const char *path, const char *data, size_t len)
{
        FILE *fp = fopen(path, "wb");

        assert_non_null(fp);
        assert_int_equal(fwrite(data, 1, len, fp), len);
        assert_int_equal(fclose(fp), 0);
}

/* Compares the vault file with `before` (read earlier with read_all) and frees it. */
static void assert_unchanged(struct fixture *f, char *before, size_t before_len)
{
        size_t len;
        char *now = read_all(f->path, &len);

        assert_int_equal(len, before_len);
        assert_memory_equal(before, now, len);
        free(before);
        free(now);
}

/* A vault with a few accounts of every kind, settings and local state; closed. */
static void make_vault(struct fixture *f, size_t naccounts)
{
        struct ak_vault *v = NULL;

        assert_int_equal(
            ak_vault_create(&v, f->path, TEST_PASSPHRASE, strlen(TEST_PASSPHRASE), test_kdf()),
            AK_OK);
        for (size_t i = 0; i < naccounts; i++)
                assert_int_equal(add_test_account(ak_vault_accounts(v), i, "user",
                                                  i == 2   ? AK_KIND_PERSONAL
                                                  : i == 3 ? AK_KIND_WORK
                                                           : AK_KIND_THIRD_PARTY),
                                 AK_OK);
        assert_int_equal(ak_vault_set_setting(v, "theme", "dark"), AK_OK);
        assert_int_equal(ak_vault_set_local(v, "backup.session", "SESSION-TOKEN-SECRET"), AK_OK);
        assert_int_equal(ak_vault_save(v), AK_OK);
        ak_vault_free(v);
}

static enum ak_err open_vault(struct fixture *f, struct ak_vault **v, const char *passphrase)
{
        *v = NULL;
        return ak_vault_open(v, f->path, passphrase, strlen(passphrase));
}

static void assert_same_account(const struct ak_account *a, const struct ak_account *b)
{
        assert_string_equal(a->id, b->id);
        assert_int_equal(a->kind, b->kind);
        assert_string_equal(a->issuer, b->issuer);
        assert_string_equal(a->name, b->name);
        if (a->label_issuer == NULL)
                assert_null(b->label_issuer);
        else
                assert_string_equal(a->label_issuer, b->label_issuer);
        assert_int_equal(a->type, b->type);
        assert_int_equal(a->hash, b->hash);
        assert_int_equal(a->digits, b->digits);
        assert_int_equal(a->period, b->period);
        assert_true(a->counter == b->counter);
        assert_int_equal(a->secret_len, b->secret_len);
        assert_memory_equal(a->secret, b->secret, a->secret_len);
        assert_true(a->created == b->created);
}

static void test_create_and_reopen(void **state)
{
        struct fixture *f = *state;
        struct ak_vault *v = NULL, *w = NULL;
        struct ak_account_list *list;
        struct stat st;
        char folder[4200];

        assert_int_equal(
            ak_vault_create(&v, f->path, TEST_PASSPHRASE, strlen(TEST_PASSPHRASE), test_kdf()),
            AK_OK);
        assert_int_equal(strlen(ak_vault_id(v)), AK_DEVICE_ID_LEN);
        assert_int_equal(strlen(ak_vault_device_id(v)), AK_DEVICE_ID_LEN);
        list = ak_vault_accounts(v);
        assert_int_equal(list->count, 0);
        for (size_t i = 0; i < 6; i++)
                assert_int_equal(add_test_account(list, i, "user",
                                                  i == 4 ? AK_KIND_PERSONAL : AK_KIND_THIRD_PARTY),
                                 AK_OK);
        assert_int_equal(
            ak_account_set_text(&list->items[1].label_issuer, "Old \"Issuer\"\n\xc3\xa9"), AK_OK);
        list->items[2].counter = UINT64_MAX; /* past what a JSON integer holds */
        assert_int_equal(ak_vault_save(v), AK_OK);

        assert_int_equal(open_vault(f, &w, TEST_PASSPHRASE), AK_OK);
        assert_string_equal(ak_vault_id(v), ak_vault_id(w));
        assert_string_equal(ak_vault_device_id(v), ak_vault_device_id(w));
        assert_int_equal(ak_vault_accounts(w)->count, 6);
        for (size_t i = 0; i < 6; i++)
                assert_same_account(&list->items[i], &ak_vault_accounts(w)->items[i]);

        /* Reading made jansson free through the library's wiping free. */
        {
                json_malloc_t jmalloc;
                json_free_t jfree;
                json_get_alloc_funcs(&jmalloc, &jfree);
                assert_true(jfree != free);
        }

        /* 0600 file in a 0700 folder. */
        assert_int_equal(stat(f->path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        snprintf(folder, sizeof(folder), "%s/home", f->dir);
        assert_int_equal(stat(folder, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0700);
        ak_vault_free(v);
        ak_vault_free(w);
}

static void test_create_refuses_existing(void **state)
{
        struct fixture *f = *state;
        struct ak_vault *v = NULL;
        char *before;
        size_t n1;

        make_vault(f, 3);
        before = read_all(f->path, &n1);
        assert_int_equal(ak_vault_create(&v, f->path, "other", 5, test_kdf()), AK_ERR_VAULT_EXISTS);
        assert_null(v);
        assert_unchanged(f, before, n1);
}

static void test_missing(void **state)
{
        struct fixture *f = *state;
        struct ak_vault *v = NULL;
        char id[AK_DEVICE_ID_LEN + 1];

        assert_int_equal(open_vault(f, &v, TEST_PASSPHRASE), AK_ERR_VAULT_MISSING);
        assert_null(v);
        assert_int_equal(ak_vault_peek_id(id, f->path), AK_ERR_VAULT_MISSING);
}

static void test_wrong_passphrase(void **state)
{
        struct fixture *f = *state;
        struct ak_vault *v = NULL;
        char *before;
        size_t n1;

        make_vault(f, 3);
        before = read_all(f->path, &n1);
        assert_int_equal(open_vault(f, &v, "correct horse battery stapler"), AK_ERR_PASSPHRASE);
        assert_null(v);
        assert_int_equal(open_vault(f, &v, ""), AK_ERR_PASSPHRASE);
        assert_unchanged(f, before, n1);
        assert_non_null(strstr(ak_strerror(AK_ERR_PASSPHRASE), "passphrase"));
}

/* Every cut of the file, at every byte, is reported as truncated. */
static void test_truncated_everywhere(void **state)
{
        struct fixture *f = *state;
        struct ak_vault *v = NULL;
        char *data;
        size_t len, truncated = 0;

        make_vault(f, 2);
        data = read_all(f->path, &len);
        assert_true(len > 100);
        for (size_t cut = 0; cut < len; cut++) {
                enum ak_err err = ak__vault_open_buffer(&v, NULL, data, cut, TEST_PASSPHRASE,
                                                        strlen(TEST_PASSPHRASE), NULL);
                if (err != AK_ERR_VAULT_TRUNCATED)
                        fail_msg("cut at %zu of %zu: %s (%s)", cut, len, ak_strerror(err),
                                 ak_error_detail());
                assert_null(v);
                truncated++;
        }
        /* Through the file too: truncate(2) it and open. */
        assert_int_equal(truncate(f->path, (off_t)(len * 2 / 3)), 0);
        assert_int_equal(open_vault(f, &v, TEST_PASSPHRASE), AK_ERR_VAULT_TRUNCATED);
        assert_int_equal(truncate(f->path, 0), 0);
        assert_int_equal(open_vault(f, &v, TEST_PASSPHRASE), AK_ERR_VAULT_TRUNCATED);
        assert_int_equal(truncated, len);
        free(data);
}

/* Opens a file's bytes and expects `want` (and no vault). */
static void expect_open(const char *data, size_t len, enum ak_err want, const char *what)
{
        struct ak_vault *v = NULL;
        enum ak_err err = ak__vault_open_buffer(&v, NULL, data, len, TEST_PASSPHRASE,
                                                strlen(TEST_PASSPHRASE), NULL);

        if (err != want)
                fail_msg("%s: %s (%s), expected %s", what, ak_strerror(err), ak_error_detail(),
                         ak_strerror(want));
        assert_null(v);
}

/*
 * Edits the vault file's text in memory and expects `want` on opening: the
 * first `find` after `anchor` (when not NULL) is overwritten with `replace`;
 * an empty `replace` changes the character `offset` places into the value
 * instead (to another hex and base64 digit).
 */
static void expect_after_edit(struct fixture *f, const char *anchor, const char *find,
                              const char *replace, size_t offset, enum ak_err want)
{
        char *data, *p, what[128];
        size_t len;

        data = read_all(f->path, &len);
        p = strstr(anchor ? strstr(data, anchor) : data, find);
        assert_non_null(p);
        if (replace[0] != '\0') {
                memcpy(p, replace, strlen(replace));
        } else {
                p += strlen(find) + offset;
                /* Another character of both the hex and the base64 alphabets. */
                *p = *p == '0' ? '1' : '0';
        }
        snprintf(what, sizeof(what), "edit of %s at %zu", find, offset);
        expect_open(data, len, want, what);
        free(data);
}

/* Where the body's ciphertext starts: after the header line. */
static size_t body_offset(const char *data, size_t len)
{
        const char *nl = memchr(data, '\n', len);

        assert_non_null(nl);
        return (size_t)(nl - data) + 1;
}

/* Flips one bit of byte `off` of the body's ciphertext and expects `want`. */
static void expect_after_body_edit(struct fixture *f, size_t off, enum ak_err want)
{
        char *data, what[64];
        size_t len, at;

        data = read_all(f->path, &len);
        at = body_offset(data, len) + off;
        assert_true(at < len);
        data[at] ^= 0x01;
        snprintf(what, sizeof(what), "edit of the body at %zu", off);
        expect_open(data, len, want, what);
        free(data);
}

static void test_tampered(void **state)
{
        struct fixture *f = *state;
        char *data, *p;
        size_t len;

        make_vault(f, 3);
        /* The body: any changed byte of its ciphertext (the tag at its end too) or nonce. */
        data = read_all(f->path, &len);
        len -= body_offset(data, len);
        free(data);
        for (size_t off = 0; off < len; off += 7)
                expect_after_body_edit(f, off, AK_ERR_VAULT_TAMPERED);
        expect_after_body_edit(f, len - 1, AK_ERR_VAULT_TAMPERED);
        expect_after_edit(f, "\"body\":", "\"nonce\":\"", "", 10, AK_ERR_VAULT_TAMPERED);
        /* The header: the vault id and the key check are bound to the master key and the body. */
        expect_after_edit(f, NULL, "\"vault_id\":\"", "", 0, AK_ERR_VAULT_TAMPERED);
        expect_after_edit(f, NULL, "\"vault_id\":\"", "", 31, AK_ERR_VAULT_TAMPERED);
        expect_after_edit(f, NULL, "\"key_check\":\"", "", 3, AK_ERR_VAULT_TAMPERED);
        /* The slot's own fields change the derived key: that reads as a wrong passphrase. */
        expect_after_edit(f, NULL, "\"salt\":\"", "", 1, AK_ERR_PASSPHRASE);
        expect_after_edit(f, "\"slots\":", "\"nonce\":\"", "", 2, AK_ERR_PASSPHRASE);
        expect_after_edit(f, NULL, "\"wrapped_key\":\"", "", 5, AK_ERR_PASSPHRASE);
        /* Names the format does not know. */
        expect_after_edit(f, NULL, "argon2id13", "argon2i_13", 0, AK_ERR_VAULT_CORRUPT);
        expect_after_edit(f, NULL, "\"type\":\"passphrase", "\"type\":\"passphrasE", 0,
                          AK_ERR_VAULT_CORRUPT);
        expect_after_edit(f, "\"body\":", "xchacha20", "xchacha21", 0, AK_ERR_VAULT_CORRUPT);

        /*
         * The body's associated data is the header line's bytes: the same values
         * spelled differently (a space added) fail authentication too.
         */
        data = read_all(f->path, &len);
        p = malloc(len + 1);
        assert_non_null(p);
        memcpy(p, data, 10);
        p[10] = ' ';
        memcpy(p + 11, data + 10, len - 10);
        assert_memory_equal(p, "{\"format\": \"authkeep-vault\"", 27);
        expect_open(p, len + 1, AK_ERR_VAULT_TAMPERED, "a space in the header");
        free(p);
        free(data);
}

/* Bytes after the ciphertext the header announces: not a file this writer makes. */
static void test_trailing_bytes(void **state)
{
        struct fixture *f = *state;
        char *data;
        size_t len;

        make_vault(f, 2);
        data = read_all(f->path, &len);
        data = realloc(data, len + 1);
        assert_non_null(data);
        data[len] = '\n';
        expect_open(data, len + 1, AK_ERR_VAULT_CORRUPT, "a byte after the body");
        free(data);
}

/* A header line longer than the format allows is refused without reading on. */
static void test_header_too_long(void **state)
{
        size_t len = AK__VAULT_HEADER_MAX + 100;
        char *data = malloc(len);

        (void)state;
        assert_non_null(data);
        memset(data, ' ', len);
        memcpy(data, "{\"format\":\"authkeep-vault\",\"version\":1,", 40);
        data[len - 1] = '\n';
        expect_open(data, len, AK_ERR_VAULT_CORRUPT, "a header past the limit");
        expect_open(data, len - 1, AK_ERR_VAULT_CORRUPT, "a header past the limit, no newline");
        free(data);
}

/* The body's encoding: what is written reads back, and what is malformed is refused. */
static void test_body_encoding(void **state)
{
        struct fixture *f = *state;
        struct ak_vault *v = NULL, *w = NULL;
        char *body = NULL, *copy;
        size_t len = 0;

        make_vault(f, 4);
        assert_int_equal(open_vault(f, &v, TEST_PASSPHRASE), AK_OK);
        assert_int_equal(ak__vault_body(v, &body, &len), AK_OK);
        assert_memory_equal(body, "AKB\x01", 4);
        assert_int_equal(ak__vault_parse_body(&w, body, len), AK_OK);
        assert_int_equal(ak_vault_accounts(w)->count, 4);
        for (size_t i = 0; i < 4; i++)
                assert_same_account(&ak_vault_accounts(v)->items[i],
                                    &ak_vault_accounts(w)->items[i]);
        assert_string_equal(ak_vault_device_id(v), ak_vault_device_id(w));
        assert_string_equal(ak_vault_local(w, "backup.session"), "SESSION-TOKEN-SECRET");
        ak_vault_free(w);
        w = NULL;

        /* Every cut of the body is refused. */
        for (size_t cut = 0; cut < len; cut++) {
                assert_int_equal(ak__vault_parse_body(&w, body, cut), AK_ERR_VAULT_CORRUPT);
                assert_null(w);
        }
        copy = malloc(len + 1);
        assert_non_null(copy);
        /* Another encoding version; a byte too many. */
        memcpy(copy, body, len);
        copy[3] = 2;
        assert_int_equal(ak__vault_parse_body(&w, copy, len), AK_ERR_VAULT_CORRUPT);
        memcpy(copy, body, len);
        copy[len] = 0;
        assert_int_equal(ak__vault_parse_body(&w, copy, len + 1), AK_ERR_VAULT_CORRUPT);
        /* The second account's id made the first's: a repeated id. */
        {
                const char *first = ak_vault_accounts(v)->items[0].id;
                const char *second = ak_vault_accounts(v)->items[1].id;
                char *a, *b;

                memcpy(copy, body, len);
                a = memmem(copy, len, first, strlen(first));
                b = memmem(copy, len, second, strlen(second));
                assert_non_null(a);
                assert_non_null(b);
                assert_int_equal(strlen(first), strlen(second));
                memcpy(b, first, strlen(first));
                assert_int_equal(ak__vault_parse_body(&w, copy, len), AK_ERR_VAULT_CORRUPT);
                assert_non_null(strstr(ak_error_detail(), "twice"));
        }
        assert_null(w);
        free(copy);
        ak__free_secret(body, len + 1);
        ak_vault_free(v);
}

/* A ciphertext shorter than its stated length is a truncation. */
static void test_length_longer_than_ciphertext(void **state)
{
        struct fixture *f = *state;
        char *data, *p, num[32], *end;
        size_t len;
        long n;
        int w;

        make_vault(f, 3);
        data = read_all(f->path, &len);
        p = strstr(data, "\"length\":");
        assert_non_null(p);
        p += 9;
        n = strtol(p, &end, 10);
        w = snprintf(num, sizeof(num), "%ld", n + 3);
        assert_int_equal(w, end - p); /* same width, so the edit keeps the layout */
        memcpy(p, num, (size_t)w);
        expect_open(data, len, AK_ERR_VAULT_TRUNCATED, "length + 3");
        free(data);
}

static void test_not_a_vault(void **state)
{
        static const char *const inputs[] = {
            "hello, world\n",
            "{\"format\":\"something-else\",\"version\":1}\n",
            "[1,2,3]\n",
            "{\"format\":\"authkeep-vault\",\"version\":1}\n",
            "{\"format\":\"authkeep-vault\",\"version\":\"1\"}\n",
            "{\"format\":\"authkeep-vault\",\"version\":0}\n",
            "\x89PNG\r\n\x1a\n\0\0\0",
        };

        (void)state;
        for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
                expect_open(inputs[i], i == 6 ? 11 : strlen(inputs[i]), AK_ERR_VAULT_CORRUPT,
                            inputs[i]);
}

static void test_newer_version(void **state)
{
        struct fixture *f = *state;
        struct ak_vault *v = NULL;
        char *data, *p;
        size_t len;

        make_vault(f, 1);
        expect_after_edit(f, NULL, "\"version\":1,", "\"version\":9,", 0, AK_ERR_VAULT_VERSION);
        /* Through the file, with the detail a user sees. */
        data = read_all(f->path, &len);
        p = strstr(data, "\"version\":1,");
        assert_non_null(p);
        p[10] = '2';
        write_all(f->path, data, len);
        assert_int_equal(open_vault(f, &v, TEST_PASSPHRASE), AK_ERR_VAULT_VERSION);
        assert_null(v);
        assert_non_null(strstr(ak_error_detail(), "version 2"));
        free(data);
}

static void test_open_with_key_and_peek(void **state)
{
        struct fixture *f = *state;
        struct ak_vault *v = NULL, *w = NULL;
        char id[AK_DEVICE_ID_LEN + 1];

        make_vault(f, 4);
        assert_int_equal(open_vault(f, &v, TEST_PASSPHRASE), AK_OK);
        assert_int_equal(ak_vault_peek_id(id, f->path), AK_OK);
        assert_string_equal(id, ak_vault_id(v));
        assert_int_equal(ak_vault_reread(&w, v), AK_OK);
        assert_int_equal(ak_vault_accounts(w)->count, 4);
        ak_vault_free(w);
        w = NULL;
        /* A key that does not fit the file (the file is another vault's now). */
        v->secrets->master[0] ^= 1;
        assert_int_equal(ak_vault_reread(&w, v), AK_ERR_LOCKED);
        assert_null(w);
        ak_vault_free(v);
}

/* Learning the id reads only the header: a body cut or damaged does not matter to it. */
static void test_peek_reads_header_only(void **state)
{
        struct fixture *f = *state;
        struct ak_vault *v = NULL, *w = NULL;
        char id[AK_DEVICE_ID_LEN + 1], *data;
        size_t len, header_len;

        make_vault(f, 2);
        assert_int_equal(open_vault(f, &v, TEST_PASSPHRASE), AK_OK);
        data = read_all(f->path, &len);
        header_len = body_offset(data, len);
        assert_true(header_len < AK__VAULT_HEADER_MAX);
        assert_int_equal(truncate(f->path, (off_t)header_len + 5), 0);
        assert_int_equal(ak_vault_peek_id(id, f->path), AK_OK);
        assert_string_equal(id, ak_vault_id(v));
        assert_int_equal(open_vault(f, &w, TEST_PASSPHRASE), AK_ERR_VAULT_TRUNCATED);
        /* A header cut short is a truncation for the peek too. */
        assert_int_equal(truncate(f->path, (off_t)header_len - 1), 0);
        assert_int_equal(ak_vault_peek_id(id, f->path), AK_ERR_VAULT_TRUNCATED);
        write_all(f->path, "{\"format\":\"authkeep-vault\",\"version\":3}\n", 41);
        assert_int_equal(ak_vault_peek_id(id, f->path), AK_ERR_VAULT_VERSION);
        free(data);
        ak_vault_free(v);
}

/* One read of the file with the key kept in the kernel keyring; skipped without keyrings. */
static void test_open_unlocked(void **state)
{
        struct fixture *f = *state;
        struct ak_vault *v = NULL, *w = NULL;
        char *data;
        size_t len;

        if (keyctl_get_keyring_ID(KEY_SPEC_USER_KEYRING, 1) < 0)
                skip();
        make_vault(f, 3);
        assert_int_equal(open_vault(f, &v, TEST_PASSPHRASE), AK_OK);
        assert_int_equal(ak_vault_reopen(&w, f->path), AK_ERR_LOCKED);
        assert_null(w);
        assert_int_equal(ak_vault_unlock(v, 60), AK_OK);
        assert_int_equal(ak_vault_reopen(&w, f->path), AK_OK);
        assert_int_equal(ak_vault_accounts(w)->count, 3);
        for (size_t i = 0; i < 3; i++)
                assert_same_account(&ak_vault_accounts(v)->items[i],
                                    &ak_vault_accounts(w)->items[i]);
        /* What it opened saves like any vault, and the other handle sees the change. */
        assert_int_equal(ak_vault_set_setting(w, "theme", "light"), AK_OK);
        assert_int_equal(ak_vault_save(w), AK_OK);
        assert_int_equal(ak_vault_save(v), AK_ERR_VAULT_CHANGED);
        ak_vault_free(w);
        w = NULL;
        /* A damaged file is reported as it is; a kept key that does not fit is LOCKED. */
        data = read_all(f->path, &len);
        write_all(f->path, data, len / 2);
        assert_int_equal(ak_vault_reopen(&w, f->path), AK_ERR_VAULT_TRUNCATED);
        write_all(f->path, data, len);
        v->secrets->master[0] ^= 1;
        assert_int_equal(ak_vault_unlock(v, 60), AK_OK);
        v->secrets->master[0] ^= 1;
        assert_int_equal(ak_vault_reopen(&w, f->path), AK_ERR_LOCKED);
        assert_null(w);
        /* Locking forgets the key: the right key kept, then locked, no longer opens. */
        assert_int_equal(ak_vault_unlock(v, 60), AK_OK);
        assert_int_equal(ak_vault_lock(f->path), AK_OK);
        assert_int_equal(ak_vault_reopen(&w, f->path), AK_ERR_LOCKED);
        assert_int_equal(ak_vault_lock(f->path), AK_OK); /* nothing kept: still fine */
        unlink(f->path);
        assert_int_equal(ak_vault_reopen(&w, f->path), AK_ERR_VAULT_MISSING);
        assert_int_equal(ak_vault_lock(f->path), AK_ERR_VAULT_MISSING);
        free(data);
        ak_vault_free(v);
}

static void test_set_passphrase(void **state)
{
        struct fixture *f = *state;
        struct ak_vault *v = NULL;
        unsigned char k1[AK_VAULT_KEY_BYTES], k2[AK_VAULT_KEY_BYTES];

        make_vault(f, 2);
        assert_int_equal(open_vault(f, &v, TEST_PASSPHRASE), AK_OK);
        master_key(v, k1);
        assert_int_equal(ak_vault_set_passphrase(v, "new passphrase", 14, test_kdf()), AK_OK);
        ak_vault_free(v);
        assert_int_equal(open_vault(f, &v, TEST_PASSPHRASE), AK_ERR_PASSPHRASE);
        assert_int_equal(open_vault(f, &v, "new passphrase"), AK_OK);
        master_key(v, k2);
        assert_memory_equal(k1, k2, sizeof(k1)); /* same master key, new slot */
        assert_int_equal(ak_vault_accounts(v)->count, 2);
        ak_vault_free(v);
}

static void test_device_key(void **state)
{
        struct fixture *f = *state;
        struct ak_vault *v = NULL;
        unsigned char pk[AK_DEVICE_PK_BYTES], sig[AK_DEVICE_SIG_BYTES];
        static const unsigned char msg[] = "approve sign-in 42";

        make_vault(f, 0);
        assert_int_equal(open_vault(f, &v, TEST_PASSPHRASE), AK_OK);
        ak_vault_device_public_key(v, pk);
        assert_int_equal(ak_vault_device_sign(v, sig, msg, sizeof(msg)), AK_OK);
        assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof(msg), pk), 0);
        sig[0] ^= 1;
        assert_int_not_equal(crypto_sign_verify_detached(sig, msg, sizeof(msg), pk), 0);
        ak_vault_free(v);
}

static void test_settings_and_local(void **state)
{
        struct fixture *f = *state;
        struct ak_vault *v = NULL;

        make_vault(f, 0);
        assert_int_equal(open_vault(f, &v, TEST_PASSPHRASE), AK_OK);
        assert_string_equal(ak_vault_setting(v, "theme"), "dark");
        assert_null(ak_vault_setting(v, "missing"));
        assert_string_equal(ak_vault_local(v, "backup.session"), "SESSION-TOKEN-SECRET");
        assert_int_equal(ak_vault_set_setting(v, "Bad Name", "x"), AK_ERR_INVALID);
        assert_int_equal(ak_vault_set_setting(v, "", "x"), AK_ERR_INVALID);
        assert_int_equal(ak_vault_set_setting(v, "theme", NULL), AK_OK);
        assert_int_equal(ak_vault_set_setting(v, "sort", "manual"), AK_OK);
        assert_int_equal(ak_vault_set_local(v, "backup.version", "7"), AK_OK);
        assert_int_equal(ak_vault_save(v), AK_OK);
        ak_vault_free(v);
        assert_int_equal(open_vault(f, &v, TEST_PASSPHRASE), AK_OK);
        assert_null(ak_vault_setting(v, "theme"));
        assert_string_equal(ak_vault_setting(v, "sort"), "manual");
        assert_string_equal(ak_vault_local(v, "backup.version"), "7");
        assert_int_equal(ak_vault_set_settings_json(v, "{\"a\":\"1\",\"b\":\"2\"}"), AK_OK);
        assert_null(ak_vault_setting(v, "sort"));
        assert_string_equal(ak_vault_setting(v, "b"), "2");
        assert_int_equal(ak_vault_set_settings_json(v, "{\"a\":1}"), AK_ERR_INVALID);
        assert_int_equal(ak_vault_set_settings_json(v, "[]"), AK_ERR_INVALID);
        assert_string_equal(ak_vault_setting(v, "a"), "1"); /* unchanged by the failures */
        ak_vault_free(v);
}

/* The backup payload holds the accounts and settings, and nothing device-bound or local. */
static void test_backup_payload(void **state)
{
        struct fixture *f = *state;
        struct ak_vault *v = NULL;
        struct ak_account_list parsed;
        char *payload = NULL, *settings = NULL, *b64sk;
        size_t len = 0, b64len;
        unsigned char key[AK_VAULT_KEY_BYTES];
        char *body_pk;

        make_vault(f, 6);
        assert_int_equal(open_vault(f, &v, TEST_PASSPHRASE), AK_OK);
        assert_int_equal(ak_vault_backup_payload(v, &payload, &len), AK_OK);
        assert_int_equal(strlen(payload), len);
        assert_non_null(strstr(payload, "\"format\":\"authkeep-backup-payload\""));
        assert_non_null(strstr(payload, "\"theme\":\"dark\""));

        /* Nothing device-bound, nothing local. */
        assert_null(strstr(payload, "secret_key"));
        assert_null(strstr(payload, "device"));
        assert_null(strstr(payload, ak_vault_device_id(v)));
        assert_null(strstr(payload, "SESSION-TOKEN-SECRET"));
        assert_null(strstr(payload, "backup.session"));
        assert_null(strstr(payload, "local"));
        master_key(v, key);
        b64len = sodium_base64_ENCODED_LEN(sizeof(key), sodium_base64_VARIANT_ORIGINAL);
        b64sk = malloc(b64len);
        assert_non_null(b64sk);
        sodium_bin2base64(b64sk, b64len, key, sizeof(key), sodium_base64_VARIANT_ORIGINAL);
        assert_null(strstr(payload, b64sk));
        {
                /* The device's private key in any encoding we use. */
                unsigned char pk[AK_DEVICE_PK_BYTES];
                ak_vault_device_public_key(v, pk);
                body_pk = malloc(b64len);
                sodium_bin2base64(body_pk, b64len, pk, sizeof(pk), sodium_base64_VARIANT_ORIGINAL);
                assert_null(strstr(payload, body_pk));
                free(body_pk);
        }
        sodium_memzero(key, sizeof(key));
        free(b64sk);

        /* Parsed back: the same accounts in the same order; personal and work ones without secrets.
         */
        ak_account_list_init(&parsed);
        assert_int_equal(ak_backup_payload_parse(&parsed, &settings, payload, len), AK_OK);
        assert_string_equal(settings, "{\"theme\":\"dark\"}");
        assert_int_equal(parsed.count, 6);
        for (size_t i = 0; i < parsed.count; i++) {
                const struct ak_account *a = &ak_vault_accounts(v)->items[i], *b = &parsed.items[i];
                if (a->kind == AK_KIND_THIRD_PARTY) {
                        assert_same_account(a, b);
                } else {
                        assert_string_equal(a->id, b->id);
                        assert_int_equal(a->kind, b->kind);
                        assert_string_equal(a->issuer, b->issuer);
                        assert_string_equal(a->name, b->name);
                        assert_int_equal(b->secret_len, 0);
                }
        }

        /* Bad payloads change nothing. */
        assert_int_equal(ak_backup_payload_parse(&parsed, NULL, "{}", 2), AK_ERR_FORMAT);
        assert_int_equal(
            ak_backup_payload_parse(&parsed, NULL,
                                    "{\"format\":\"authkeep-backup-payload\",\"version\":2}", 48),
            AK_ERR_UNSUPPORTED);
        {
                static const char bad[] =
                    "{\"format\":\"authkeep-backup-payload\",\"version\":1,\"accounts\":[{\"id\":"
                    "\"x\",\"kind\":\"third_party\",\"issuer\":\"\",\"name\":\"\"}]}";
                assert_int_equal(ak_backup_payload_parse(&parsed, NULL, bad, strlen(bad)),
                                 AK_ERR_FORMAT);
        }
        assert_int_equal(parsed.count, 6);
        ak_account_list_clear(&parsed);
        free(settings);
        ak_secret_free(payload, len);
        ak_vault_free(v);
}

/* A save never leaves its temporary file behind, and sweeps those a killed save left. */
static void test_no_temp_files(void **state)
{
        struct fixture *f = *state;
        struct ak_vault *v = NULL;
        char stale[4300], cmd[4400];
        FILE *p;
        char line[256] = "";

        make_vault(f, 2);
        snprintf(stale, sizeof(stale), "%s/home/.vault.json.AbC123", f->dir);
        write_all(stale, "old", 3);
        assert_int_equal(open_vault(f, &v, TEST_PASSPHRASE), AK_OK);
        assert_int_equal(ak_vault_save(v), AK_OK);
        ak_vault_free(v);
        snprintf(cmd, sizeof(cmd), "ls -A '%s/home'", f->dir);
        p = popen(cmd, "r");
        assert_non_null(p);
        assert_non_null(fgets(line, sizeof(line), p));
        assert_string_equal(line, "vault.json\n");
        assert_null(fgets(line, sizeof(line), p));
        pclose(p);
}

/* The program chooses the cost; the environment changes nothing in the library. */
static void test_kdf_defaults(void **state)
{
        struct ak_kdf_params p;

        (void)state;
        setenv("AUTHKEEP_KDF_COST", "min", 1);
        ak_kdf_params_default(&p, AK_KDF_COST_DEFAULT);
        assert_true(p.opslimit >= 3);
        assert_true(p.memlimit >= (size_t)64 << 20);
        ak_kdf_params_default(&p, AK_KDF_COST_MIN);
        assert_int_equal(p.opslimit, crypto_pwhash_OPSLIMIT_MIN);
        assert_int_equal(p.memlimit, crypto_pwhash_MEMLIMIT_MIN);
}

/* What the notice before a derivation saw: how many calls and the last estimate. */
static int notices;
static unsigned long last_estimate;

static void count_notice(void *ctx, unsigned long estimated_ms)
{
        (void)ctx;
        notices++;
        last_estimate = estimated_ms;
}

/*
 * The estimate follows the reference machine's figures (NOTES), and the
 * program's notice is called before each derivation with it, so that a
 * long one can be announced: the defaults stay well under a second, 1 GiB
 * and 4 passes is about 5 s.
 */
static void test_kdf_notice(void **state)
{
        struct fixture *f = *state;
        struct ak_vault *v = NULL;
        struct ak_kdf_params min;

        assert_true(ak_kdf_estimate_ms(3, (size_t)64 << 20) < 200);
        assert_true(ak_kdf_estimate_ms(3, (size_t)256 << 20) > 400);
        assert_true(ak_kdf_estimate_ms(3, (size_t)256 << 20) < 1000);
        assert_true(ak_kdf_estimate_ms(4, (size_t)1 << 30) > 4000);
        assert_true(ak_kdf_estimate_ms(4, (size_t)1 << 30) < 7000);
        assert_true(ak_kdf_estimate_ms(1, 8192) < 5);

        ak_kdf_params_default(&min, AK_KDF_COST_MIN);
        ak_kdf_set_notice(count_notice, NULL);
        assert_int_equal(ak_vault_create(&v, f->path, "pass", 4, &min), AK_OK);
        assert_int_equal(notices, 1);
        assert_int_equal(last_estimate, ak_kdf_estimate_ms(min.opslimit, min.memlimit));
        ak_vault_free(v);
        v = NULL;
        assert_int_equal(ak_vault_open(&v, f->path, "pass", 4), AK_OK);
        assert_int_equal(notices, 2);
        ak_vault_free(v);
        ak_kdf_set_notice(NULL, NULL);
        assert_int_equal(ak_vault_open(&v, f->path, "pass", 4), AK_OK);
        assert_int_equal(notices, 2);
        ak_vault_free(v);
}

/* A real (default-cost) slot opens too; its parameters are in the file. */
static void test_default_cost_slot(void **state)
{
        struct fixture *f = *state;
        struct ak_vault *v = NULL;
        struct ak_kdf_params p = {3, (size_t)64 << 20};
        char *data;
        size_t len;

        assert_int_equal(ak_vault_create(&v, f->path, "pw", 2, &p), AK_OK);
        ak_vault_free(v);
        data = read_all(f->path, &len);
        assert_non_null(strstr(data, "\"opslimit\":3,\"memlimit\":67108864"));
        assert_non_null(strstr(data, "\"kdf\":\"argon2id13\""));
        assert_non_null(strstr(data, "\"cipher\":\"xchacha20poly1305-ietf\""));
        free(data);
        assert_int_equal(open_vault(f, &v, "pw"), AK_OK);
        ak_vault_free(v);
}

static void test_save_refuses_bad_account(void **state)
{
        struct fixture *f = *state;
        struct ak_vault *v = NULL;
        char *before;
        size_t n1;

        make_vault(f, 2);
        before = read_all(f->path, &n1);
        assert_int_equal(open_vault(f, &v, TEST_PASSPHRASE), AK_OK);
        assert_int_equal(
            ak_account_set_text(&ak_vault_accounts(v)->items[0].name, "bad \xff utf-8"), AK_OK);
        assert_int_equal(ak_vault_save(v), AK_ERR_INVALID);
        assert_unchanged(f, before, n1);
        ak_vault_free(v);
}

/* Two commands with the vault open: the second save refuses rather than drop the first's change. */
static void test_concurrent_change_refused(void **state)
{
        struct fixture *f = *state;
        struct ak_vault *first = NULL, *second = NULL, *v = NULL;
        char *before;
        size_t n1;

        make_vault(f, 2);
        assert_int_equal(open_vault(f, &first, TEST_PASSPHRASE), AK_OK);
        assert_int_equal(open_vault(f, &second, TEST_PASSPHRASE), AK_OK);
        assert_int_equal(
            add_test_account(ak_vault_accounts(first), 10, "first", AK_KIND_THIRD_PARTY), AK_OK);
        assert_int_equal(ak_vault_save(first), AK_OK);
        assert_int_equal(ak_vault_save(first), AK_OK); /* its own saves are known to it */
        before = read_all(f->path, &n1);
        ak_account_list_remove(ak_vault_accounts(second), 0);
        assert_int_equal(ak_vault_save(second), AK_ERR_VAULT_CHANGED);
        assert_unchanged(f, before, n1);
        assert_int_equal(open_vault(f, &v, TEST_PASSPHRASE), AK_OK);
        assert_int_equal(ak_vault_accounts(v)->count, 3);
        ak_vault_free(v);
        ak_vault_free(first);
        ak_vault_free(second);
}

/* Milliseconds between two readings of `clock`. */
static double ms_between(const struct timespec *a, const struct timespec *b)
{
        return (b->tv_sec - a->tv_sec) * 1e3 + (b->tv_nsec - a->tv_nsec) / 1e6;
}

/*
 * 10,000 accounts: load and save times, wall clock and CPU, are printed
 * (not asserted: the machine may be shared).
 */
static void test_ten_thousand(void **state)
{
        struct fixture *f = *state;
        struct ak_vault *v = NULL;
        struct timespec w0, w1, w2, c0, c1, c2;

        assert_int_equal(
            ak_vault_create(&v, f->path, TEST_PASSPHRASE, strlen(TEST_PASSPHRASE), test_kdf()),
            AK_OK);
        for (size_t i = 0; i < 10000; i++)
                assert_int_equal(
                    add_test_account(ak_vault_accounts(v), i, "user", AK_KIND_THIRD_PARTY), AK_OK);
        assert_int_equal(ak_vault_save(v), AK_OK);
        ak_vault_free(v);
        clock_gettime(CLOCK_MONOTONIC, &w0);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
        assert_int_equal(open_vault(f, &v, TEST_PASSPHRASE), AK_OK);
        clock_gettime(CLOCK_MONOTONIC, &w1);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
        assert_int_equal(ak_vault_save(v), AK_OK);
        clock_gettime(CLOCK_MONOTONIC, &w2);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c2);
        assert_int_equal(ak_vault_accounts(v)->count, 10000);
        printf("# 10,000 accounts: load %.1f ms (CPU %.1f ms), save %.1f ms (CPU %.1f ms)\n",
               ms_between(&w0, &w1), ms_between(&c0, &c1), ms_between(&w1, &w2),
               ms_between(&c1, &c2));
        ak_vault_free(v);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_create_and_reopen, setup, teardown),
            cmocka_unit_test_setup_teardown(test_create_refuses_existing, setup, teardown),
            cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
            cmocka_unit_test_setup_teardown(test_wrong_passphrase, setup, teardown),
            cmocka_unit_test_setup_teardown(test_truncated_everywhere, setup, teardown),
            cmocka_unit_test_setup_teardown(test_tampered, setup, teardown),
            cmocka_unit_test_setup_teardown(test_length_longer_than_ciphertext, setup, teardown),
            cmocka_unit_test_setup_teardown(test_trailing_bytes, setup, teardown),
            cmocka_unit_test(test_header_too_long),
            cmocka_unit_test_setup_teardown(test_body_encoding, setup, teardown),
            cmocka_unit_test_setup_teardown(test_not_a_vault, setup, teardown),
            cmocka_unit_test_setup_teardown(test_newer_version, setup, teardown),
            cmocka_unit_test_setup_teardown(test_open_with_key_and_peek, setup, teardown),
            cmocka_unit_test_setup_teardown(test_peek_reads_header_only, setup, teardown),
            cmocka_unit_test_setup_teardown(test_open_unlocked, setup, teardown),
            cmocka_unit_test_setup_teardown(test_set_passphrase, setup, teardown),
            cmocka_unit_test_setup_teardown(test_device_key, setup, teardown),
            cmocka_unit_test_setup_teardown(test_settings_and_local, setup, teardown),
            cmocka_unit_test_setup_teardown(test_backup_payload, setup, teardown),
            cmocka_unit_test_setup_teardown(test_no_temp_files, setup, teardown),
            cmocka_unit_test(test_kdf_defaults),
            cmocka_unit_test_setup_teardown(test_kdf_notice, setup, teardown),
            cmocka_unit_test_setup_teardown(test_default_cost_slot, setup, teardown),
            cmocka_unit_test_setup_teardown(test_save_refuses_bad_account, setup, teardown),
            cmocka_unit_test_setup_teardown(test_concurrent_change_refused, setup, teardown),
            cmocka_unit_test_setup_teardown(test_ten_thousand, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
