/*
 * Importers and exporters on inputs this test makes itself: URI lists,
 * Google's migration payloads, Aegis, 2FAS and andOTP (plain and encrypted,
 * encrypted here with OpenSSL as those apps do), Proton, Bitwarden, the
 * SQLite databases, QR images, sorting into new/identical/conflicting/
 * unreadable, and the caps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <sqlite3.h>

#include "authkeep/authkeep.h"
#include "authkeep/import.h"
#include "list_of.h"
#include "import/import_internal.h"

/* The URI of every readable entry, one a line (for comparing imports). */
static char *uris_of(const struct ak_import *imp)
{
        struct ak_account_list list;
        char *text = NULL;
        size_t len = 0;

        ak_account_list_init(&list);
        for (size_t i = 0; i < imp->count; i++) {
                struct ak_account copy;
                if (imp->entries[i].reason != NULL)
                        continue;
                ak_account_init(&copy);
                assert_int_equal(ak_account_copy(&copy, &imp->entries[i].account), AK_OK);
                assert_int_equal(ak_account_list_push(&list, &copy), AK_OK);
        }
        assert_int_equal(ak_export_uris(&text, &len, &list), AK_OK);
        ak_account_list_clear(&list);
        return text;
}

static void parse_ok(struct ak_import *imp, enum ak_import_format format, const char *text,
                     const char *password)
{
        ak_import_init(imp);
        assert_int_equal(ak_import_parse(imp, format, text, strlen(text), password,
                                         password ? strlen(password) : 0),
                         AK_OK);
}

static const char *const sample[] = {
    "otpauth://totp/Deno:Mason?secret=4SJHB4GSD43FZBAI7C2HLRJGPQ&issuer=Deno",
    "otpauth://totp/"
    "SPDX:James?secret=5OM4WOOGPLQEF6UGN3CPEOOLWU&issuer=SPDX&algorithm=SHA256&digits=7&period=20",
    "otpauth://hotp/"
    "WWE:Mason?secret=5VAML3X35THCEBVRLV24CGBKOY&issuer=WWE&algorithm=SHA512&digits=8&counter="
    "10300",
    "otpauth://steam/Boeing:Sophia?secret=JRZCL47CMXVOQMNPZR2F7J4RGI&issuer=Boeing",
    NULL,
};

static void test_uri_list(void **state)
{
        struct ak_import imp;
        const char *text =
            "\xef\xbb\xbf# my codes\r\n"
            "otpauth://totp/Deno:Mason?secret=4SJHB4GSD43FZBAI7C2HLRJGPQ&issuer=Deno\r\n"
            "\n"
            "not a uri\n"
            "  steam://JRZCL47CMXVOQMNPZR2F7J4RGI  \n"
            "otpauth://totp/X:y?secret=!!!\n";
        (void)state;
        parse_ok(&imp, AK_IMPORT_AUTO, text, NULL);
        assert_int_equal(imp.format, AK_IMPORT_URIS);
        assert_int_equal(imp.count, 4);
        assert_null(imp.entries[0].reason);
        assert_string_equal(imp.entries[0].where, "line 2 (Deno:Mason)");
        assert_string_equal(imp.entries[1].where, "line 4");
        assert_non_null(strstr(imp.entries[1].reason, "not an otpauth:// URI"));
        assert_null(imp.entries[2].reason);
        assert_int_equal(imp.entries[2].account.type, AK_OTP_STEAM);
        assert_int_equal(imp.entries[2].account.digits, 5);
        assert_non_null(imp.entries[3].reason);
        /* A reason never repeats the input (which may hold a secret). */
        assert_null(strstr(imp.entries[3].reason, "!!!"));
        ak_import_clear(&imp);
}

/*
 * Google's documented example: secret "Hello!\xde\xad\xbe\xef", name
 * "Example:alice@google.com", issuer "Example", SHA1, 6 digits, TOTP.
 */
static void test_migration_known(void **state)
{
        struct ak_import imp;
        const char *uri = "otpauth-migration://"
                          "offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXh"
                          "hbXBsZSABKAEwAhABGAEgACiQo6qg%2Bv%2F%2F%2F%2F8B";
        (void)state;
        parse_ok(&imp, AK_IMPORT_AUTO, uri, NULL);
        assert_int_equal(imp.format, AK_IMPORT_GAUTH);
        assert_int_equal(imp.count, 1);
        assert_null(imp.entries[0].reason);
        assert_string_equal(imp.entries[0].account.issuer, "Example");
        assert_string_equal(imp.entries[0].account.name, "alice@google.com");
        assert_int_equal(imp.entries[0].account.period, 30); /* the format has no period */
        assert_int_equal(imp.entries[0].account.digits, 6);
        assert_int_equal(imp.entries[0].account.secret_len, 10);
        assert_memory_equal(imp.entries[0].account.secret, "Hello!\xde\xad\xbe\xef", 10);
        ak_import_clear(&imp);
}

static void test_migration_hand_made(void **state)
{
        /* Two accounts: HOTP SHA256 8 digits counter 7, and one with MD5 (unsupported). */
        static const unsigned char payload[] = {
            0x0a, 0x1a, 0x0a, 0x05, 'h',  'e',  'l',  'l',  'o',  0x12,
            0x01, 'a',  0x1a, 0x01, 'B',  0x20, 0x02, 0x28, 0x02, 0x30,
            0x01, 0x38, 0x07, 0x45, 1,    2,    3,    4, /* unknown fixed32 field 8, skipped */
            0x0a, 0x0c, 0x0a, 0x03, 'k',  'e',  'y',  0x12, 0x01, 'c',
            0x20, 0x04, 0x30, 0x02, 0x10, 0x01, 0x18, 0x01, 0x20, 0x00,
        };
        struct ak_import imp;
        (void)state;
        ak_import_init(&imp);
        assert_int_equal(ak_import_gauth_payload(&imp, payload, sizeof(payload), "code 1"), AK_OK);
        assert_int_equal(imp.count, 2);
        assert_null(imp.entries[0].reason);
        assert_int_equal(imp.entries[0].account.type, AK_OTP_HOTP);
        assert_int_equal(imp.entries[0].account.hash, AK_HASH_SHA256);
        assert_int_equal(imp.entries[0].account.digits, 8);
        assert_int_equal((int)imp.entries[0].account.counter, 7);
        assert_string_equal(imp.entries[0].where, "code 1, account 1 (B:a)");
        assert_non_null(imp.entries[1].reason);
        assert_non_null(strstr(imp.entries[1].reason, "MD5"));
        ak_import_clear(&imp);

        /* Truncated: a length running past the end. */
        ak_import_init(&imp);
        assert_int_equal(ak_import_gauth_payload(&imp, payload, 10, NULL), AK_ERR_FORMAT);
        assert_int_equal(imp.count, 0);
        ak_import_clear(&imp);
}

/* Exported in batches, every batch a URI short enough for a QR code; all come back. */
static void test_gauth_export_batches(void **state)
{
        struct ak_account_list list;
        struct ak_import imp;
        char *text = NULL, *back, *orig;
        size_t len = 0, skipped = 0, lines = 0;
        (void)state;
        ak_account_list_init(&list);
        for (int i = 0; i < 60; i++) {
                char uri[256];
                struct ak_account a;
                snprintf(
                    uri, sizeof(uri),
                    "otpauth://%s/"
                    "Issuer%%20number%%20%d:someone%d@example.com?secret=JBSWY3DPEHPK3PXP%c%cAAAAAA"
                    "&issuer=Issuer%%20number%%20%d%s",
                    i % 3 ? "totp" : "hotp", i, i, 'A' + i % 26, 'A' + i / 26, i,
                    i % 3 ? "&digits=8&algorithm=SHA256" : "&counter=5");
                ak_account_init(&a);
                assert_int_equal(ak_uri_parse(&a, uri), AK_OK);
                assert_int_equal(ak_account_list_push(&list, &a), AK_OK);
        }
        { /* one the format cannot hold */
                struct ak_account a;
                ak_account_init(&a);
                assert_int_equal(
                    ak_uri_parse(&a, "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&period=60"),
                    AK_OK);
                assert_int_equal(ak_account_list_push(&list, &a), AK_OK);
        }
        assert_int_equal(ak_export_gauth(&text, &len, &skipped, &list), AK_OK);
        assert_int_equal(skipped, 1);
        for (char *line = text; *line; lines++) {
                char *nl = strchr(line, '\n');
                assert_non_null(nl);
                assert_true((size_t)(nl - line) <= AK_GAUTH_BATCH_MAX_CHARS);
                line = nl + 1;
        }
        assert_true(lines > 1);
        parse_ok(&imp, AK_IMPORT_GAUTH, text, NULL);
        assert_int_equal(imp.count, 60);
        back = uris_of(&imp);
        ak_account_list_remove(&list, 60);
        assert_int_equal(ak_export_uris(&orig, &len, &list), AK_OK);
        assert_string_equal(back, orig);
        ak_export_free(orig, strlen(orig));
        ak_export_free(back, strlen(back));
        ak_export_free(text, strlen(text));
        ak_import_clear(&imp);
        ak_account_list_clear(&list);
}

/* Aegis: our export (plain and encrypted) reads back the same; wrong and missing passwords are
 * their own errors. */
static void test_aegis_round_trip(void **state)
{
        struct ak_account_list list;
        struct ak_import imp;
        char *text = NULL, *orig, *back;
        size_t len = 0, olen;
        bool encrypted;
        enum ak_import_format format;
        (void)state;
        list_of(&list, sample);
        assert_int_equal(ak_export_uris(&orig, &olen, &list), AK_OK);

        assert_int_equal(ak_export_aegis(&text, &len, &list, NULL, 0), AK_OK);
        assert_int_equal(ak_import_detect(&format, &encrypted, text, len), AK_OK);
        assert_int_equal(format, AK_IMPORT_AEGIS);
        assert_false(encrypted);
        parse_ok(&imp, AK_IMPORT_AUTO, text, NULL);
        back = uris_of(&imp);
        assert_string_equal(back, orig);
        ak_export_free(back, strlen(back));
        ak_import_clear(&imp);
        ak_export_free(text, len);

        assert_int_equal(ak_export_aegis(&text, &len, &list, "hunter2", 7), AK_OK);
        assert_null(strstr(text, "4SJHB4GSD43FZBAI7C2HLRJGPQ"));
        assert_int_equal(ak_import_detect(&format, &encrypted, text, len), AK_OK);
        assert_true(encrypted);
        ak_import_init(&imp);
        assert_int_equal(ak_import_parse(&imp, AK_IMPORT_AUTO, text, len, NULL, 0),
                         AK_ERR_IMPORT_PASSWORD);
        assert_int_equal(ak_import_parse(&imp, AK_IMPORT_AUTO, text, len, "hunter3", 7),
                         AK_ERR_IMPORT_PASSWORD);
        assert_int_equal(imp.count, 0);
        assert_int_equal(ak_import_parse(&imp, AK_IMPORT_AEGIS, text, len, "hunter2", 7), AK_OK);
        back = uris_of(&imp);
        assert_string_equal(back, orig);
        ak_export_free(back, strlen(back));
        ak_import_clear(&imp);
        ak_export_free(text, len);
        ak_export_free(orig, olen);
        ak_account_list_clear(&list);
}

static void test_aegis_entries(void **state)
{
        struct ak_import imp;
        const char *text = "{\"version\":1,\"header\":{\"slots\":null,\"params\":null},\"db\":{"
                           "\"version\":2,\"entries\":["
                           "{\"type\":\"totp\",\"name\":\"a\",\"issuer\":\"I\",\"info\":{"
                           "\"secret\":\"JBSWY3DPEHPK3PXP\","
                           "\"algo\":\"SHA1\",\"digits\":6,\"period\":30}},"
                           "{\"type\":\"motp\",\"name\":\"m\",\"issuer\":\"M\",\"info\":{"
                           "\"secret\":\"JBSWY3DPEHPK3PXP\"}},"
                           "{\"type\":\"totp\",\"name\":\"d\",\"issuer\":\"D\",\"info\":{"
                           "\"secret\":\"JBSWY3DPEHPK3PXP\","
                           "\"digits\":12}},"
                           "{\"type\":\"totp\",\"name\":\"n\",\"issuer\":\"N\"}]}}";
        (void)state;
        parse_ok(&imp, AK_IMPORT_AUTO, text, NULL);
        assert_int_equal(imp.count, 4);
        assert_null(imp.entries[0].reason);
        assert_non_null(strstr(imp.entries[1].reason, "motp"));
        assert_string_equal(imp.entries[1].where, "entry 2 (M:m)");
        assert_non_null(imp.entries[2].reason);
        assert_non_null(imp.entries[3].reason);
        ak_import_clear(&imp);
}

/* Encrypts `pt` as 2FAS does: base64(ct||tag):base64(salt):base64(iv). */
static char *twofas_seal(const char *pt, const unsigned char key[32], const unsigned char salt[256])
{
        unsigned char iv[12], *ct = malloc(strlen(pt) + 16);
        char *b_ct, *b_salt, *b_iv, *out;
        size_t n = strlen(pt);

        randombytes_buf(iv, sizeof(iv));
        assert_int_equal(
            ak__aes_gcm_encrypt(ct, ct + n, key, iv, sizeof(iv), (const unsigned char *)pt, n),
            AK_OK);
        assert_int_equal(ak__base64_encode(&b_ct, ct, n + 16), AK_OK);
        assert_int_equal(ak__base64_encode(&b_salt, salt, 256), AK_OK);
        assert_int_equal(ak__base64_encode(&b_iv, iv, sizeof(iv)), AK_OK);
        assert_true(asprintf(&out, "%s:%s:%s", b_ct, b_salt, b_iv) > 0);
        free(ct);
        free(b_ct);
        free(b_salt);
        free(b_iv);
        return out;
}

static void test_2fas(void **state)
{
        const char *services =
            "[{\"name\":\"Deno\",\"secret\":\"4SJHB4GSD43FZBAI7C2HLRJGPQ\",\"otp\":{\"account\":"
            "\"Mason\",\"digits\":6,\"period\":30,\"algorithm\":\"SHA1\",\"tokenType\":\"TOTP\"}},"
            "{\"name\":\"Steamy\",\"secret\":\"JRZCL47CMXVOQMNPZR2F7J4RGI\",\"otp\":{\"label\":"
            "\"me\","
            "\"tokenType\":\"STEAM\"}},"
            "{\"name\":\"Bad\",\"secret\":\"!!\",\"otp\":{\"tokenType\":\"TOTP\"}}]";
        unsigned char salt[256], key[32];
        char *enc, *ref, *doc;
        struct ak_import imp;
        (void)state;

        assert_true(asprintf(&doc, "{\"services\":%s,\"schemaVersion\":4}", services) > 0);
        parse_ok(&imp, AK_IMPORT_AUTO, doc, NULL);
        assert_int_equal(imp.format, AK_IMPORT_2FAS);
        assert_int_equal(imp.count, 3);
        assert_string_equal(imp.entries[0].account.issuer, "Deno");
        assert_string_equal(imp.entries[0].account.name, "Mason");
        assert_int_equal(imp.entries[1].account.type, AK_OTP_STEAM);
        assert_string_equal(imp.entries[1].account.name, "me");
        assert_non_null(imp.entries[2].reason);
        ak_import_clear(&imp);
        free(doc);

        randombytes_buf(salt, sizeof(salt));
        assert_int_equal(
            PKCS5_PBKDF2_HMAC("pw", 2, salt, sizeof(salt), 10000, EVP_sha256(), 32, key), 1);
        enc = twofas_seal(services, key, salt);
        ref = twofas_seal("reference text", key, salt);
        assert_true(
            asprintf(
                &doc,
                "{\"services\":[],\"schemaVersion\":3,\"servicesEncrypted\":\"%s\",\"reference\":"
                "\"%s\"}",
                enc, ref) > 0);
        ak_import_init(&imp);
        assert_int_equal(ak_import_parse(&imp, AK_IMPORT_AUTO, doc, strlen(doc), "wrong", 5),
                         AK_ERR_IMPORT_PASSWORD);
        assert_int_equal(ak_import_parse(&imp, AK_IMPORT_AUTO, doc, strlen(doc), NULL, 0),
                         AK_ERR_IMPORT_PASSWORD);
        assert_int_equal(ak_import_parse(&imp, AK_IMPORT_AUTO, doc, strlen(doc), "pw", 2), AK_OK);
        assert_int_equal(imp.count, 3);
        assert_string_equal(imp.entries[0].account.issuer, "Deno");
        ak_import_clear(&imp);
        free(doc);
        free(enc);
        free(ref);
        sodium_memzero(key, sizeof(key));
}

static void test_andotp(void **state)
{
        const char *json =
            "[{\"secret\":\"4SJHB4GSD43FZBAI7C2HLRJGPQ======\",\"issuer\":\"Deno\",\"label\":"
            "\"Mason\","
            "\"digits\":6,\"type\":\"TOTP\",\"algorithm\":\"SHA1\",\"period\":30},"
            "{\"secret\":\"YOOMIXWS5GN6RTBPUFFWKTW5M4\",\"label\":\"Issuu - James\",\"digits\":6,"
            "\"type\":\"HOTP\",\"counter\":4}]";
        unsigned char file[4096], key[32];
        size_t n = strlen(json), len = 4 + 12 + 12 + n + 16;
        struct ak_import imp;
        char *first;
        (void)state;

        parse_ok(&imp, AK_IMPORT_AUTO, json, NULL);
        assert_int_equal(imp.format, AK_IMPORT_ANDOTP);
        assert_int_equal(imp.count, 2);
        assert_string_equal(imp.entries[1].account.issuer, "Issuu");
        assert_string_equal(imp.entries[1].account.name, "James");
        assert_int_equal((int)imp.entries[1].account.counter, 4);
        first = uris_of(&imp);
        ak_import_clear(&imp);

        /* The encrypted form: iterations, salt, nonce, ciphertext, tag. */
        file[0] = 0;
        file[1] = 0;
        file[2] = 0x03;
        file[3] = 0xe8; /* 1000 iterations */
        randombytes_buf(file + 4, 24);
        assert_int_equal(PKCS5_PBKDF2_HMAC("pw", 2, file + 4, 12, 1000, EVP_sha1(), 32, key), 1);
        assert_int_equal(ak__aes_gcm_encrypt(file + 28, file + 28 + n, key, file + 16, 12,
                                             (const unsigned char *)json, n),
                         AK_OK);
        ak_import_init(&imp);
        {
                enum ak_import_format format;
                bool encrypted;
                assert_int_equal(ak_import_detect(&format, &encrypted, file, len), AK_OK);
                assert_int_equal(format, AK_IMPORT_ANDOTP);
                assert_true(encrypted);
        }
        assert_int_equal(ak_import_parse(&imp, AK_IMPORT_ANDOTP, file, len, "pW", 2),
                         AK_ERR_IMPORT_PASSWORD);
        assert_int_equal(ak_import_parse(&imp, AK_IMPORT_ANDOTP, file, len, "pw", 2), AK_OK);
        {
                char *second = uris_of(&imp);
                assert_string_equal(first, second);
                free(second);
        }
        free(first);
        ak_import_clear(&imp);
}

static void test_proton_bitwarden(void **state)
{
        const char *proton =
            "{\"version\":1,\"entries\":[{\"content\":{\"uri\":\"otpauth://totp/Deno:Mason?secret="
            "4SJHB4GSD43FZBAI7C2HLRJGPQ&issuer=Deno\",\"entry_type\":\"Totp\",\"name\":\"Mason\"}},"
            "{\"content\":{\"uri\":\"steam://JRZCL47CMXVOQMNPZR2F7J4RGI\",\"entry_type\":\"Steam\","
            "\"name\":\"gaben\"}}]}";
        const char *bitwarden = "{\"encrypted\":false,\"items\":[{\"type\":1,\"name\":\"GitHub\","
                                "\"login\":{\"username\":"
                                "\"octo\",\"totp\":\"JBSW Y3DP EHPK "
                                "3PXP\"}},{\"type\":1,\"name\":\"pw only\",\"login\":"
                                "{\"username\":\"x\",\"totp\":null}},{\"type\":1,\"name\":"
                                "\"Steam\",\"login\":{\"totp\":"
                                "\"steam://JRZCL47CMXVOQMNPZR2F7J4RGI\"}}]}";
        struct ak_import imp;
        (void)state;
        parse_ok(&imp, AK_IMPORT_AUTO, proton, NULL);
        assert_int_equal(imp.format, AK_IMPORT_PROTON);
        assert_int_equal(imp.count, 2);
        assert_int_equal(imp.entries[1].account.type, AK_OTP_STEAM);
        assert_string_equal(imp.entries[1].account.name, "gaben");
        ak_import_clear(&imp);

        parse_ok(&imp, AK_IMPORT_AUTO, bitwarden, NULL);
        assert_int_equal(imp.format, AK_IMPORT_BITWARDEN);
        assert_int_equal(imp.count, 2); /* the item without TOTP is not an entry */
        assert_string_equal(imp.entries[0].account.issuer, "GitHub");
        assert_string_equal(imp.entries[0].account.name, "octo");
        assert_int_equal(imp.entries[0].account.type, AK_OTP_TOTP);
        assert_int_equal(imp.entries[1].account.type, AK_OTP_STEAM);
        ak_import_clear(&imp);

        ak_import_init(&imp);
        {
                const char *enc = "{\"encrypted\":true,\"items\":[]}";
                assert_int_equal(ak_import_parse(&imp, AK_IMPORT_AUTO, enc, strlen(enc), NULL, 0),
                                 AK_ERR_UNSUPPORTED);
        }
        ak_import_clear(&imp);
}

/* Makes an SQLite database at `path` from SQL. */
static void make_db(const char *path, const char *sql)
{
        sqlite3 *db;
        unlink(path);
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
}

static void test_sqlite(void **state)
{
        char dir[] = "/tmp/authkeep-import-db.XXXXXX", path[256];
        struct ak_import imp;
        enum ak_import_format format;
        (void)state;
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/data?base #1.db",
                 dir); /* characters a file: URI must escape */

        make_db(path,
                "CREATE TABLE accounts (_id INTEGER PRIMARY KEY, email TEXT NOT NULL, secret TEXT "
                "NOT NULL, "
                "counter INTEGER DEFAULT 0, type INTEGER, provider INTEGER DEFAULT 0, issuer TEXT "
                "DEFAULT NULL, "
                "original_name TEXT DEFAULT NULL);"
                "INSERT INTO accounts VALUES (1,'ACME:alice','JBSWY3DPEHPK3PXP',0,0,0,NULL,NULL);"
                "INSERT INTO accounts VALUES (2,'bob','JBSWY3DPEHPK3PXQ',5,1,0,'Corp',NULL);"
                "INSERT INTO accounts VALUES (3,'eve','JBSWY3DPEHPK3PXR',0,7,0,'X',NULL);");
        assert_int_equal(ak__sqlite_detect(&format, path), AK_OK);
        assert_int_equal(format, AK_IMPORT_GAUTH_DB);
        ak_import_init(&imp);
        assert_int_equal(ak__import_sqlite(&imp, format, path), AK_OK);
        assert_int_equal(imp.count, 3);
        assert_string_equal(imp.entries[0].account.issuer, "ACME");
        assert_string_equal(imp.entries[0].account.name, "alice");
        assert_int_equal(imp.entries[1].account.type, AK_OTP_HOTP);
        assert_int_equal((int)imp.entries[1].account.counter, 5);
        assert_non_null(imp.entries[2].reason);
        ak_import_clear(&imp);

        make_db(path,
                "CREATE TABLE accounts (_id INTEGER PRIMARY KEY, name TEXT, username TEXT, "
                "oath_secret_key TEXT, "
                "account_type INTEGER);"
                "INSERT INTO accounts VALUES (1,'GitHub','octo','JBSWY3DPEHPK3PXP',0);"
                "INSERT INTO accounts VALUES (2,'Microsoft','me@outlook.com','SGVsbG8hIQ==',1);"
                "INSERT INTO accounts VALUES (3,'Work','me@corp.example','',2);");
        assert_int_equal(ak__sqlite_detect(&format, path), AK_OK);
        assert_int_equal(format, AK_IMPORT_MSAUTH_DB);
        ak_import_init(&imp);
        assert_int_equal(ak__import_sqlite(&imp, format, path), AK_OK);
        assert_int_equal(imp.count, 3);
        assert_string_equal(imp.entries[0].account.issuer, "GitHub");
        assert_int_equal(imp.entries[1].account.digits, 8);
        assert_memory_equal(imp.entries[1].account.secret, "Hello!!", 7);
        assert_non_null(imp.entries[2].reason);
        ak_import_clear(&imp);

        make_db(path, "CREATE TABLE other (x);");
        assert_int_equal(ak__sqlite_detect(&format, path), AK_ERR_FORMAT);
        unlink(path);
        rmdir(dir);
}

/* new / identical / conflicting / unreadable, within the import too, and renaming. */
static void test_classify(void **state)
{
        static const char *const present[] = {
            "otpauth://totp/Deno:Mason?secret=4SJHB4GSD43FZBAI7C2HLRJGPQ&issuer=Deno",
            "otpauth://totp/SPDX:James?secret=5OM4WOOGPLQEF6UGN3CPEOOLWU&issuer=SPDX",
            "otpauth://totp/SPDX:James%20(imported)?secret=7ELGJSGXNCCTV3O6LKJWYFV2RA&issuer=SPDX",
            NULL,
        };
        const char *text =
            "otpauth://totp/Other:name?secret=4SJHB4GSD43FZBAI7C2HLRJGPQ&issuer=Other\n" /* identical
                                                                                          */
            "otpauth://totp/spdx:JAMES?secret=YOOMIXWS5GN6RTBPUFFWKTW5M4&issuer=spdx\n"  /* conflict
                                                                                          */
            "otpauth://totp/New:one?secret=KUVJJOM753IHTNDSZVCNKL7GII&issuer=New\n"      /* new */
            "otpauth://totp/New:one?secret=KUVJJOM753IHTNDSZVCNKL7GII&issuer=New\n" /* identical */
            "otpauth://totp/New:one?secret=5VAML3X35THCEBVRLV24CGBKOY&issuer=New\n" /* conflict */
            "bogus\n"
            "otpauth://totp/Deno:Mason?secret=4SJHB4GSD43FZBAI7C2HLRJGPQ&issuer=Deno&digits=8\n";
        struct ak_account_list list;
        struct ak_import imp;
        struct ak_import_counts c;
        (void)state;
        list_of(&list, present);
        parse_ok(&imp, AK_IMPORT_URIS, text, NULL);
        for (int round = 0; round < 2; round++) { /* classifying again gives the same */
                assert_int_equal(ak_import_classify(&imp, &list), AK_OK);
                assert_int_equal(imp.entries[0].status, AK_IMPORT_IDENTICAL);
                assert_int_equal(imp.entries[1].status, AK_IMPORT_CONFLICT);
                assert_string_equal(imp.entries[1].account.name, "JAMES (imported 2)");
                assert_string_equal(imp.entries[1].original_name, "JAMES");
                assert_int_equal(imp.entries[2].status, AK_IMPORT_NEW);
                assert_int_equal(imp.entries[3].status, AK_IMPORT_IDENTICAL);
                assert_int_equal(imp.entries[4].status, AK_IMPORT_CONFLICT);
                assert_string_equal(imp.entries[4].account.name, "one (imported)");
                assert_int_equal(imp.entries[5].status, AK_IMPORT_UNREADABLE);
                /* Same label, other parameters: a conflict, never a replacement. */
                assert_int_equal(imp.entries[6].status, AK_IMPORT_CONFLICT);
        }
        ak_import_count(&imp, &c);
        assert_int_equal(c.added, 1);
        assert_int_equal(c.identical, 2);
        assert_int_equal(c.conflicts, 3);
        assert_int_equal(c.unreadable, 1);
        assert_int_equal(ak_import_apply(&imp, &list), AK_OK);
        assert_int_equal(list.count, 3 + 4);
        assert_string_equal(list.items[0].name, "Mason"); /* nothing present was touched */
        assert_string_equal(list.items[3].name, "JAMES (imported 2)");
        assert_int_equal(strlen(list.items[3].id), AK_ID_LEN);
        ak_import_clear(&imp);
        ak_account_list_clear(&list);
}

static void test_caps_and_detection(void **state)
{
        struct ak_import imp;
        enum ak_import_format format;
        bool encrypted;
        char small[8] = "otpauth";
        size_t n = (size_t)AK_IMPORT_MAX_ENTRIES + 1, len = n * 2;
        char *many = malloc(len + 1);
        (void)state;

        ak_import_init(&imp);
        assert_int_equal(
            ak_import_parse(&imp, AK_IMPORT_URIS, small, (size_t)AK_IMPORT_MAX_BYTES + 1, NULL, 0),
            AK_ERR_LIMIT);
        /* 100,001 unreadable lines: over the entry cap. */
        for (size_t i = 0; i < n; i++) {
                many[2 * i] = 'x';
                many[2 * i + 1] = '\n';
        }
        many[len] = '\0';
        assert_int_equal(ak_import_parse(&imp, AK_IMPORT_URIS, many, len, NULL, 0), AK_ERR_LIMIT);
        assert_int_equal(imp.count, 0);
        free(many);

        assert_int_equal(ak_import_detect(&format, &encrypted, "hello world", 11), AK_ERR_FORMAT);
        assert_int_equal(ak_import_detect(&format, &encrypted, "{\"a\":1}", 7), AK_ERR_FORMAT);
        assert_int_equal(ak_import_detect(&format, &encrypted, "{bad", 4), AK_ERR_FORMAT);
        assert_int_equal(ak_import_detect(&format, &encrypted, "SQLite format 3\0....", 20),
                         AK_ERR_FORMAT);
        assert_int_equal(ak_import_format_parse(&format, "2FAS"), AK_OK);
        assert_int_equal(format, AK_IMPORT_2FAS);
        assert_int_equal(ak_import_format_parse(&format, "keepass"), AK_ERR_INVALID);
        assert_int_equal(ak_import_parse(&imp, AK_IMPORT_AEGIS, "[]", 2, NULL, 0), AK_ERR_FORMAT);
        ak_import_clear(&imp);
}

static void test_qr(void **state)
{
        static const char uri[] =
            "otpauth://totp/ACME:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME";
        unsigned char *png = NULL;
        size_t len = 0, count = 0;
        char **texts = NULL, *drawing = NULL;
        struct ak_import imp;
        (void)state;

        assert_int_equal(ak_qr_png(&png, &len, uri, 4), AK_OK);
        assert_true(ak_qr_is_image(png, len));
        assert_int_equal(ak_qr_decode(&texts, &count, png, len), AK_OK);
        assert_int_equal(count, 1);
        assert_string_equal(texts[0], uri);
        ak_qr_texts_free(texts, count);

        ak_import_init(&imp);
        assert_int_equal(ak_import_parse(&imp, AK_IMPORT_AUTO, png, len, NULL, 0), AK_OK);
        assert_int_equal(imp.format, AK_IMPORT_IMAGE);
        assert_int_equal(imp.count, 1);
        assert_string_equal(imp.entries[0].where, "QR code 1 (ACME:alice@example.com)");
        ak_import_clear(&imp);
        /* Truncated PNG: an image error, not a crash. */
        assert_int_equal(ak_qr_decode(&texts, &count, png, len / 2), AK_ERR_IMAGE);
        free(png);

        assert_int_equal(ak_qr_decode(&texts, &count, "GIF89a....", 10), AK_ERR_IMAGE);
        assert_int_equal(ak_qr_terminal(&drawing, uri), AK_OK);
        assert_non_null(strstr(drawing, "\xe2\x96\x88"));
        free(drawing);
}

/* andOTP before 0.6.3: nonce, ciphertext, tag, keyed by SHA-256 of the password. */
static void test_andotp_old(void **state)
{
        const char *json = "[{\"secret\":\"GEZDGNBVGY3TQOJQ\",\"issuer\":\"Old\",\"label\":\"x\","
                           "\"type\":\"TOTP\"}]";
        unsigned char file[512], key[32];
        size_t n = strlen(json), len = 12 + n + 16;
        struct ak_import imp;
        unsigned int key_len = 0;
        enum ak_import_format format;
        bool encrypted;
        (void)state;

        randombytes_buf(file, 12);
        file[0] = 0x01; /* a control character early, as random bytes have */
        assert_int_equal(EVP_Digest("pw", 2, key, &key_len, EVP_sha256(), NULL), 1);
        assert_int_equal(ak__aes_gcm_encrypt(file + 12, file + 12 + n, key, file, 12,
                                             (const unsigned char *)json, n),
                         AK_OK);
        assert_int_equal(ak_import_detect(&format, &encrypted, file, len), AK_OK);
        assert_int_equal(format, AK_IMPORT_ANDOTP);
        assert_true(encrypted);
        ak_import_init(&imp);
        assert_int_equal(ak_import_parse(&imp, AK_IMPORT_ANDOTP, file, len, "no", 2),
                         AK_ERR_IMPORT_PASSWORD);
        assert_int_equal(ak_import_parse(&imp, AK_IMPORT_ANDOTP, file, len, "pw", 2), AK_OK);
        assert_int_equal(imp.count, 1);
        assert_string_equal(imp.entries[0].account.issuer, "Old");
        ak_import_clear(&imp);
}

/* Files: probing (format, encrypted) and reading, an SQLite database left unchanged. */
static void test_files(void **state)
{
        char dir[] = "/tmp/authkeep-import-file.XXXXXX", path[256], db_path[256];
        struct ak_account_list list;
        struct ak_import imp;
        enum ak_import_format format;
        bool encrypted = true;
        char *text = NULL;
        size_t len = 0;
        FILE *f;
        (void)state;
        assert_non_null(mkdtemp(dir));
        list_of(&list, sample);
        assert_int_equal(ak_export_aegis(&text, &len, &list, "pw", 2), AK_OK);
        snprintf(path, sizeof(path), "%s/vault.json", dir);
        f = fopen(path, "w");
        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, len, f), len);
        fclose(f);
        assert_int_equal(ak_import_probe_file(&format, &encrypted, path, AK_IMPORT_AUTO), AK_OK);
        assert_int_equal(format, AK_IMPORT_AEGIS);
        assert_true(encrypted);
        assert_int_equal(ak_import_probe_file(&format, &encrypted, path, AK_IMPORT_AEGIS), AK_OK);
        assert_true(encrypted);
        ak_import_init(&imp);
        assert_int_equal(ak_import_file(&imp, AK_IMPORT_AUTO, path, "pw", 2), AK_OK);
        assert_int_equal(imp.count, 4);
        ak_import_clear(&imp);

        snprintf(db_path, sizeof(db_path), "%s/db", dir);
        make_db(db_path, "CREATE TABLE accounts (_id INTEGER PRIMARY KEY, email TEXT, secret TEXT, "
                         "counter INTEGER, type INTEGER, issuer TEXT);"
                         "INSERT INTO accounts VALUES (1,'a','JBSWY3DPEHPK3PXP',0,0,'I');");
        assert_int_equal(ak_import_probe_file(&format, &encrypted, db_path, AK_IMPORT_AUTO), AK_OK);
        assert_int_equal(format, AK_IMPORT_GAUTH_DB);
        assert_false(encrypted);
        ak_import_init(&imp);
        assert_int_equal(ak_import_file(&imp, AK_IMPORT_AUTO, db_path, NULL, 0), AK_OK);
        assert_int_equal(imp.format, AK_IMPORT_GAUTH_DB);
        assert_int_equal(imp.count, 1);
        ak_import_clear(&imp);
        assert_int_equal(ak_import_file(&imp, AK_IMPORT_MSAUTH_DB, db_path, NULL, 0),
                         AK_ERR_FORMAT);
        snprintf(path, sizeof(path), "%s/absent", dir);
        assert_int_equal(ak_import_file(&imp, AK_IMPORT_AUTO, path, NULL, 0), AK_ERR_NOT_FOUND);
        assert_int_equal(imp.count, 0);

        ak_export_free(text, len);
        ak_account_list_clear(&list);
        unlink(db_path);
        snprintf(path, sizeof(path), "%s/vault.json", dir);
        unlink(path);
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_uri_list),
            cmocka_unit_test(test_migration_known),
            cmocka_unit_test(test_migration_hand_made),
            cmocka_unit_test(test_gauth_export_batches),
            cmocka_unit_test(test_aegis_round_trip),
            cmocka_unit_test(test_aegis_entries),
            cmocka_unit_test(test_2fas),
            cmocka_unit_test(test_andotp),
            cmocka_unit_test(test_proton_bitwarden),
            cmocka_unit_test(test_sqlite),
            cmocka_unit_test(test_classify),
            cmocka_unit_test(test_caps_and_detection),
            cmocka_unit_test(test_qr),
            cmocka_unit_test(test_andotp_old),
            cmocka_unit_test(test_files),
        };

        if (ak_init() != AK_OK)
                return 1;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
