/*
 * The server client's pure parts: which URLs it accepts, how each error
 * answer of docs/api.md maps to an error code, and that malformed answers
 * are refused (AK_ERR_PROTOCOL) rather than trusted. The network parts are
 * tested end to end against a real authkeepd (the scripts in tests/backup).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "authkeep/authkeep.h"
#include "authkeep/client.h"
#include "client_internal.h"

static void test_urls(void **state)
{
        (void)state;
        assert_int_equal(ak_client_check_url("https://backup.example.com", false), AK_OK);
        assert_int_equal(ak_client_check_url("https://backup.example.com:8443/", false), AK_OK);
        assert_int_equal(ak_client_check_url("http://127.0.0.1:8080", false), AK_OK);
        assert_int_equal(ak_client_check_url("http://127.9.9.9", false), AK_OK);
        assert_int_equal(ak_client_check_url("http://localhost:1234", false), AK_OK);
        assert_int_equal(ak_client_check_url("http://LOCALHOST", false), AK_OK);
        assert_int_equal(ak_client_check_url("http://[::1]:8080", false), AK_OK);
        assert_int_equal(ak_client_check_url("http://backup.example.com", false), AK_ERR_INSECURE);
        assert_int_equal(ak_client_check_url("http://10.0.0.1:8080", false), AK_ERR_INSECURE);
        assert_int_equal(ak_client_check_url("http://128.0.0.1", false), AK_ERR_INSECURE);
        assert_int_equal(ak_client_check_url("http://[::2]", false), AK_ERR_INSECURE);
        /* A host name that merely starts like loopback is not loopback. */
        assert_int_equal(ak_client_check_url("http://127.0.0.1.example.com", false),
                         AK_ERR_INSECURE);
        assert_int_equal(ak_client_check_url("http://localhost.example.com", false),
                         AK_ERR_INSECURE);
        assert_int_equal(ak_client_check_url("http://backup.example.com", true), AK_OK);
        assert_int_equal(ak_client_check_url("ftp://backup.example.com", true), AK_ERR_INVALID);
        assert_int_equal(ak_client_check_url("file:///etc/passwd", true), AK_ERR_INVALID);
        assert_int_equal(ak_client_check_url("backup.example.com", false), AK_ERR_INVALID);
        assert_int_equal(ak_client_check_url("", false), AK_ERR_INVALID);
        assert_int_equal(ak_client_check_url(NULL, false), AK_ERR_INVALID);
}

/* Maps one error answer; returns the code. */
static enum ak_err map(long status, const char *body, long *retry, struct ak_backup_info *info)
{
        return ak_client_parse_error(status, body, strlen(body), retry, info);
}

static void test_errors(void **state)
{
        struct ak_backup_info info;
        long retry = -1;

        (void)state;
        assert_int_equal(map(409, "{\"error\":\"account_exists\",\"message\":\"x\"}", &retry, NULL),
                         AK_ERR_ACCOUNT_EXISTS);
        assert_int_equal(map(404, "{\"error\":\"unknown_account\"}", &retry, NULL),
                         AK_ERR_UNKNOWN_ACCOUNT);
        assert_int_equal(map(401, "{\"error\":\"bad_password\"}", &retry, NULL), AK_ERR_AUTH);
        assert_int_equal(map(401, "{\"error\":\"session_expired\"}", &retry, NULL),
                         AK_ERR_SESSION_EXPIRED);
        assert_int_equal(map(401, "{\"error\":\"unauthorized\"}", &retry, NULL),
                         AK_ERR_SESSION_EXPIRED);
        assert_int_equal(map(401, "", &retry, NULL), AK_ERR_SESSION_EXPIRED);
        assert_int_equal(map(404, "{\"error\":\"no_backup\"}", &retry, NULL), AK_ERR_NO_BACKUP);
        assert_int_equal(map(404, "{\"error\":\"unknown_version\"}", &retry, NULL),
                         AK_ERR_NOT_FOUND);
        assert_int_equal(
            map(500, "{\"error\":\"internal\",\"message\":\"disk full\"}", &retry, NULL),
            AK_ERR_SERVER);
        assert_non_null(strstr(ak_error_detail(), "HTTP 500 internal: disk full"));
        assert_int_equal(map(502, "<html>bad gateway</html>", &retry, NULL), AK_ERR_SERVER);
        /* Too large is lasting: the same body is refused again. */
        assert_int_equal(map(413, "{\"error\":\"too_large\"}", &retry, NULL), AK_ERR_LIMIT);
        assert_int_equal(map(413,
                             "{\"error\":\"too_large\",\"message\":\"over the cap\","
                             "\"max_bytes\":1048576}",
                             &retry, NULL),
                         AK_ERR_LIMIT);
        assert_string_equal(ak_error_detail(), "over the cap");
        assert_int_equal(
            ak_client_parse_max_bytes("{\"error\":\"too_large\",\"max_bytes\":2048}",
                                      strlen("{\"error\":\"too_large\",\"max_bytes\":2048}")),
            2048);
        assert_int_equal(ak_client_parse_max_bytes("{\"max_bytes\":-1}", 15), 0);
        assert_int_equal(ak_client_parse_max_bytes("<html>", 6), 0);

        assert_int_equal(map(429,
                             "{\"error\":\"locked_out\",\"retry_after\":8,\"scope\":\"account\","
                             "\"message\":\"try again in 8 seconds\"}",
                             &retry, NULL),
                         AK_ERR_RATE_LIMITED);
        assert_int_equal(retry, 8);
        assert_string_equal(ak_error_detail(), "try again in 8 seconds");
        assert_int_equal(map(503, "{\"error\":\"busy\",\"retry_after\":2}", &retry, NULL),
                         AK_ERR_RATE_LIMITED);
        assert_int_equal(retry, 2);
        /* The server's database away: temporary, with its wait and its words. */
        assert_int_equal(map(503,
                             "{\"error\":\"unavailable\",\"retry_after\":3,\"message\":"
                             "\"the database cannot be reached for now; try again in 3 seconds\"}",
                             &retry, NULL),
                         AK_ERR_SERVER);
        assert_int_equal(retry, 3);
        assert_non_null(strstr(ak_error_detail(), "HTTP 503 unavailable: the database cannot be "
                                                  "reached for now; try again in 3 seconds"));
        assert_int_equal(map(429, "{\"error\":\"rate_limited\",\"retry_after\":-5}", &retry, NULL),
                         AK_ERR_RATE_LIMITED);
        assert_int_equal(retry, 0);

        assert_int_equal(
            map(409,
                "{\"error\":\"newer_backup\",\"latest_version\":4,\"device_id\":\"d1\","
                "\"device_name\":\"laptop\",\"created_at\":1767225600}",
                &retry, &info),
            AK_ERR_NEWER_BACKUP);
        assert_int_equal(info.version, 4);
        assert_string_equal(info.device_id, "d1");
        assert_string_equal(info.device_name, "laptop");
        assert_int_equal(info.created_at, 1767225600);
        assert_int_equal(
            map(410,
                "{\"error\":\"backup_deleted\",\"deleted_at\":1767225601,\"device_id\":\"d2\","
                "\"device_name\":\"phone\",\"latest_version\":7}",
                &retry, &info),
            AK_ERR_BACKUP_DELETED);
        assert_int_equal(info.version, 7);
        assert_int_equal(info.created_at, 1767225601);
        assert_string_equal(info.device_name, "phone");
        /* A device name with a control character is not trusted: the description is empty. */
        assert_int_equal(
            map(409,
                "{\"error\":\"newer_backup\",\"latest_version\":4,\"device_name\":\"a\\u001b[2J\"}",
                &retry, &info),
            AK_ERR_NEWER_BACKUP);
        assert_string_equal(info.device_name, "");
        assert_int_equal(info.version, 0);
}

static void test_backup_answers(void **state)
{
        struct ak_backup_info info;
        struct ak_backup_versions versions;
        unsigned char *env = NULL;
        size_t env_len = 0;
        const char *ok = "{\"version\":3,\"device_id\":\"a\",\"device_name\":\"b\",\"created_at\":"
                         "5,\"envelope\":\"aGVsbG8=\"}";

        (void)state;
        assert_int_equal(ak_client_parse_backup(&info, &env, &env_len, ok, strlen(ok)), AK_OK);
        assert_int_equal(env_len, 5);
        assert_memory_equal(env, "hello", 5);
        assert_int_equal(info.version, 3);
        free(env);
        static const char *const bad[] = {
            "",
            "[]",
            "{}",
            "{\"version\":3}",
            "{\"version\":0,\"envelope\":\"aGVsbG8=\"}",
            "{\"version\":-1,\"envelope\":\"aGVsbG8=\"}",
            "{\"version\":3,\"envelope\":\"not base64!\"}",
            "{\"version\":\"3\",\"envelope\":\"aGVsbG8=\"}",
            "{\"version\":3,\"envelope\":\"aGVsbG8=\",\"created_at\":-4}",
            "{\"version\":3,\"version\":4,\"envelope\":\"aGVsbG8=\"}",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(
                    ak_client_parse_backup(&info, &env, &env_len, bad[i], strlen(bad[i])),
                    AK_ERR_PROTOCOL);

        const char *list =
            "{\"versions\":[{\"version\":2,\"device_id\":\"x\",\"device_name\":\"\",\"created_at\":"
            "9,"
            "\"size\":10},{\"version\":1,\"device_id\":\"y\",\"created_at\":8,\"size\":11}],"
            "\"deleted\":false}";
        assert_int_equal(ak_client_parse_versions(&versions, list, strlen(list)), AK_OK);
        assert_int_equal(versions.count, 2);
        assert_int_equal(versions.items[1].size, 11);
        assert_false(versions.deleted);
        ak_backup_versions_clear(&versions);
        const char *gone = "{\"versions\":[],\"deleted\":true,\"deleted_at\":77,\"device_id\":"
                           "\"z\",\"device_name\":\"n\"}";
        assert_int_equal(ak_client_parse_versions(&versions, gone, strlen(gone)), AK_OK);
        assert_true(versions.deleted);
        assert_int_equal(versions.deleted_by.created_at, 77);
        assert_string_equal(versions.deleted_by.device_id, "z");
        ak_backup_versions_clear(&versions);
        const char *nolist = "{\"versions\":{}}";
        assert_int_equal(ak_client_parse_versions(&versions, nolist, strlen(nolist)),
                         AK_ERR_PROTOCOL);
        const char *notobj = "{\"versions\":[1]}";
        assert_int_equal(ak_client_parse_versions(&versions, notobj, strlen(notobj)),
                         AK_ERR_PROTOCOL);

        const char *up = "{\"version\":4,\"created_at\":1767225600}";
        assert_int_equal(ak_client_parse_upload(&info, up, strlen(up)), AK_OK);
        assert_int_equal(info.version, 4);
        const char *up0 = "{\"created_at\":1}";
        assert_int_equal(ak_client_parse_upload(&info, up0, strlen(up0)), AK_ERR_PROTOCOL);
}

static void test_times(void **state)
{
        int64_t t = 0;

        (void)state;
        assert_int_equal(ak_client_parse_time(&t, "1767225600"), AK_OK);
        assert_int_equal(t, 1767225600);
        assert_int_equal(ak_client_parse_time(&t, "2026-01-01T00:00:00Z"), AK_OK);
        assert_int_equal(t, 1767225600);
        assert_int_equal(ak_client_parse_time(&t, "2026-01-01T01:30:00.25+01:30"), AK_OK);
        assert_int_equal(t, 1767225600);
        assert_int_equal(ak_client_parse_time(&t, "1970-01-01T00:00:00Z"), AK_OK);
        assert_int_equal(t, 0);
        assert_int_equal(ak_client_parse_time(&t, "2000-02-29T12:00:00Z"), AK_OK);
        assert_int_equal(t, 951825600);
        assert_int_equal(ak_client_parse_time(&t, "2026-01-01T00:00:00"), AK_ERR_PROTOCOL);
        assert_int_equal(ak_client_parse_time(&t, "2026-13-01T00:00:00Z"), AK_ERR_PROTOCOL);
        assert_int_equal(ak_client_parse_time(&t, "yesterday"), AK_ERR_PROTOCOL);
        assert_int_equal(ak_client_parse_time(&t, "99999999999999999999999"), AK_ERR_PROTOCOL);
        assert_int_equal(ak_client_parse_time(&t, ""), AK_ERR_PROTOCOL);
}

/* Reads a seed of the fuzz corpus (its first byte chooses the parser there). */
static char *seed(const char *name, size_t *len)
{
        char path[1024];
        FILE *f;
        char *buf = calloc(1, 8192);

        snprintf(path, sizeof(path), "%s/fuzz/corpus/client_answers/%s",
                 getenv("AUTHKEEP_SOURCE_ROOT"), name);
        f = fopen(path, "rb");
        assert_non_null(f);
        *len = fread(buf, 1, 8191, f);
        fclose(f);
        return buf;
}

/* Replaces the first `from` in `text` (a seed body) with `to`; the result is malloc'd. */
static char *replace(const char *text, const char *from, const char *to)
{
        const char *at = strstr(text, from);
        char *out = calloc(1, strlen(text) + strlen(to) + 1);

        assert_non_null(at);
        memcpy(out, text, (size_t)(at - text));
        strcat(out, to);
        strcat(out, at + strlen(from));
        return out;
}

static void test_sign_in_answers(void **state)
{
        struct ak_auth_challenge c;
        struct ak_auth_answer a;
        size_t len;
        char *start = seed("auth-start", &len), *finish = seed("auth-finish", &len), *bad;

        (void)state;
        assert_int_equal(ak_client_parse_auth_start(&c, start + 1, strlen(start + 1)), AK_OK);
        assert_string_equal(c.login_id, "abc123");
        assert_int_equal(c.srp_salt_len, 16);
        assert_int_equal(c.B_len, 512);
        assert_int_equal(c.kdf.opslimit, 1);
        /* A hostile server cannot make the device spend 64 GiB on Argon2id. */
        bad = replace(start + 1, "\"memlimit\":8192", "\"memlimit\":68719476736");
        assert_int_equal(ak_client_parse_auth_start(&c, bad, strlen(bad)), AK_ERR_PROTOCOL);
        free(bad);
        bad = replace(start + 1, "\"alg\":\"argon2id13\"", "\"alg\":\"scrypt\"");
        assert_int_equal(ak_client_parse_auth_start(&c, bad, strlen(bad)), AK_ERR_PROTOCOL);
        free(bad);
        bad = replace(start + 1, "\"login_id\":\"abc123\"", "\"login_id\":\"\"");
        assert_int_equal(ak_client_parse_auth_start(&c, bad, strlen(bad)), AK_ERR_PROTOCOL);
        free(bad);

        assert_int_equal(ak_client_parse_auth_finish(&a, finish + 1, strlen(finish + 1)), AK_OK);
        assert_int_equal(a.expires_at, 1769817600);
        assert_string_equal(a.account_id, "0123456789abcdef0123456789abcdef");
        /* The token goes into a header: no line breaks, no spaces. */
        bad = replace(finish + 1, "q8Vb3mX_", "q8Vb\\r\\nX: y");
        assert_int_equal(ak_client_parse_auth_finish(&a, bad, strlen(bad)), AK_ERR_PROTOCOL);
        free(bad);
        bad = replace(finish + 1, "q8Vb3mX_", "q8Vb 3mX");
        assert_int_equal(ak_client_parse_auth_finish(&a, bad, strlen(bad)), AK_ERR_PROTOCOL);
        free(bad);
        bad = replace(finish + 1, "\"M2\":\"AAAA", "\"M2\":\"");
        assert_int_equal(ak_client_parse_auth_finish(&a, bad, strlen(bad)), AK_ERR_PROTOCOL);
        free(bad);
        bad = replace(finish + 1, "\"nonce\":\"AAAA", "\"nonce\":\"");
        assert_int_equal(ak_client_parse_auth_finish(&a, bad, strlen(bad)), AK_ERR_PROTOCOL);
        free(bad);
        free(start);
        free(finish);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_urls),
            cmocka_unit_test(test_errors),
            cmocka_unit_test(test_backup_answers),
            cmocka_unit_test(test_times),
            cmocka_unit_test(test_sign_in_answers),
        };

        ak_init();
        return cmocka_run_group_tests(tests, NULL, NULL);
}
