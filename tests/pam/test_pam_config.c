/*
 * pam_authkeep.so's parsers without a PAM stack (pam/pam_config.c,
 * pam/pam_http.c): the options and their refusals, the user map's lines
 * and every kind of bad one, the map file's ownership and mode checks, the
 * text a device is shown, and the shapes of the server's answers. The
 * module itself is tested end to end with pamtester (the scripts in tests/pam/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pam_authkeep.h"

#define ARGS(...) ((const char *[]){__VA_ARGS__})
#define NARGS(...) ((int)(sizeof(ARGS(__VA_ARGS__)) / sizeof(const char *)))
#define PARSE(c, why, ...) pam_ak_config_parse(c, NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), why)

/* Asserts that the options are refused with a reason that contains `reason`. */
#define REFUSED(reason, ...)                                                                       \
        do {                                                                                       \
                struct pam_ak_config c_;                                                           \
                char why_[PAM_AK_WHY_MAX];                                                         \
                assert_int_equal(PARSE(&c_, why_, __VA_ARGS__), -1);                               \
                if (strstr(why_, reason) == NULL)                                                  \
                        fail_msg("expected '%s' in '%s'", reason, why_);                           \
        } while (0)

static void test_options(void **state)
{
        struct pam_ak_config c;
        char why[PAM_AK_WHY_MAX];

        (void)state;
        assert_int_equal(PARSE(&c, why, "server=https://keep.example"), 0);
        assert_string_equal(c.server, "https://keep.example");
        assert_null(c.user_map);
        assert_null(c.ca_file);
        assert_null(c.app);
        assert_int_equal(c.timeout, PAM_AK_TIMEOUT_DEFAULT);
        assert_false(c.fail_open);
        assert_false(c.debug);

        assert_int_equal(PARSE(&c, why, "debug", "server=http://127.0.0.1:8080/", "timeout=300",
                               "fail=open", "user_map=/etc/authkeep/users", "app=ssh on gateway"),
                         0);
        assert_int_equal(c.timeout, 300);
        assert_true(c.fail_open);
        assert_true(c.debug);
        assert_string_equal(c.user_map, "/etc/authkeep/users");
        assert_string_equal(c.app, "ssh on gateway");
        assert_int_equal(PARSE(&c, why, "server=http://[::1]:8080", "fail=closed", "timeout=5"), 0);
        assert_false(c.fail_open);
        assert_int_equal(c.timeout, 5);
        assert_int_equal(PARSE(&c, why, "server=http://localhost:1", "ca_file=/dev/null"), -1);
        assert_int_equal(PARSE(&c, why, "server=https://k.example", "ca_file=/proc/self/status"),
                         0);
}

static void test_options_refused(void **state)
{
        (void)state;
        REFUSED("server=URL is required");
        REFUSED("server=URL is required", "debug");
        REFUSED("unknown option 'colour=blue'", "server=https://k.example", "colour=blue");
        REFUSED("unknown option 'server'", "server");
        REFUSED("unknown option 'debug=1'", "server=https://k.example", "debug=1");
        REFUSED("server= is given twice", "server=https://a.example", "server=https://b.example");
        REFUSED("server= has no value", "server=");
        REFUSED("plain http:// only to", "server=http://keep.example");
        REFUSED("plain http:// only to", "server=http://10.0.0.1:8080");
        REFUSED("unsupported scheme", "server=ftp://keep.example");
        REFUSED("is not a URL", "server=https://user@keep.example");
        REFUSED("timeout=4: expected seconds from 5 to 300", "server=https://k.example",
                "timeout=4");
        REFUSED("timeout=301", "server=https://k.example", "timeout=301");
        REFUSED("timeout=-5", "server=https://k.example", "timeout=-5");
        REFUSED("timeout=60s", "server=https://k.example", "timeout=60s");
        REFUSED("timeout=0000060", "server=https://k.example", "timeout=0000060");
        REFUSED("fail=maybe: expected closed or open", "server=https://k.example", "fail=maybe");
        REFUSED("app=: expected 1 to 64 bytes", "server=https://k.example",
                "app="
                "0123456789012345678901234567890123456789012345678901234567890123456789");
        REFUSED("app=: expected", "server=https://k.example", "app=line\nbreak");
        REFUSED("app=: expected", "server=https://k.example", "app=\xff\xfe");
        REFUSED("ca_file=relative.pem: expected an absolute path", "server=https://k.example",
                "ca_file=relative.pem");
        REFUSED("not a readable file", "server=https://k.example", "ca_file=/nonexistent/ca.pem");
        REFUSED("not a readable file", "server=https://k.example", "ca_file=/etc");
        REFUSED("user_map=users: expected an absolute path", "server=https://k.example",
                "user_map=users");
}

/* Looks `user` up in `text`; returns the result and leaves the email or the reason. */
static enum pam_ak_map_result find(const char *text, const char *user, char *email, char *why)
{
        return pam_ak_map_find(text, strlen(text), user, email, why);
}

static void test_map(void **state)
{
        const char *map = "# LOCAL_USER EMAIL\n"
                          "\n"
                          "   # indented comment\n"
                          "alice alice@example.com\n"
                          "bob\t\tBob.Smith@example.com   # a comment after the email\r\n"
                          "carol carol@example.com"; /* no newline at the end */
        char email[PAM_AK_EMAIL_MAX + 1] = "", why[PAM_AK_WHY_MAX];

        (void)state;
        assert_int_equal(find(map, "alice", email, why), PAM_AK_MAP_FOUND);
        assert_string_equal(email, "alice@example.com");
        assert_int_equal(find(map, "bob", email, why), PAM_AK_MAP_FOUND);
        assert_string_equal(email, "Bob.Smith@example.com");
        assert_int_equal(find(map, "carol", email, why), PAM_AK_MAP_FOUND);
        assert_string_equal(email, "carol@example.com");
        strcpy(email, "unchanged");
        assert_int_equal(find(map, "mallory", email, why), PAM_AK_MAP_UNKNOWN);
        assert_int_equal(find(map, "Alice", email, why), PAM_AK_MAP_UNKNOWN);
        assert_int_equal(find(map, "ali", email, why), PAM_AK_MAP_UNKNOWN);
        assert_int_equal(find(map, "", email, why), PAM_AK_MAP_UNKNOWN);
        assert_int_equal(find(map, "#", email, why), PAM_AK_MAP_UNKNOWN);
        assert_string_equal(email, "unchanged");
        assert_int_equal(find("", "alice", email, why), PAM_AK_MAP_UNKNOWN);
        assert_int_equal(find("\n\n# only comments\n", "alice", email, why), PAM_AK_MAP_UNKNOWN);
}

/* Asserts that `text` is refused for any user, with `reason`. */
static void map_refused(const char *text, size_t len, const char *reason)
{
        char email[PAM_AK_EMAIL_MAX + 1] = "unchanged", why[PAM_AK_WHY_MAX];

        assert_int_equal(pam_ak_map_find(text, len, "mallory", email, why), PAM_AK_MAP_BAD);
        if (strstr(why, reason) == NULL)
                fail_msg("expected '%s' in '%s'", reason, why);
        assert_string_equal(email, "unchanged");
}
#define MAP_REFUSED(text, reason) map_refused(text, sizeof(text) - 1, reason)

static void test_map_refused(void **state)
{
        char long_line[1100];

        (void)state;
        MAP_REFUSED("alice\n", "line 1: a user without an email");
        MAP_REFUSED("ok ok@example.com\nalice # alice@example.com\n",
                    "line 2: a user without an email");
        MAP_REFUSED("alice alice@example.com bob@example.com\n",
                    "line 1: more than a user and an email");
        MAP_REFUSED("# fine\nalice not-an-email\n",
                    "line 2: 'not-an-email' is not an email address");
        MAP_REFUSED("alice a@b@example.com\n", "is not an email address");
        MAP_REFUSED("alice @example.com\n", "is not an email address");
        MAP_REFUSED("alice alice@\n", "is not an email address");
        MAP_REFUSED("alice alice@exa\x01mple.com\n", "line 1: a control character");
        MAP_REFUSED("alice alice@example.com\x7f\n", "line 1: a control character");
        MAP_REFUSED("alice alice@example.com\0\n", "line 1: a control character");
        MAP_REFUSED("ok ok@example.com\nmallory m@example.com\nmallory n@example.com\n",
                    "line 3: mallory is mapped on line 2 too");
        memset(long_line, 'a', sizeof(long_line));
        memcpy(long_line, "alice ", 6);
        long_line[sizeof(long_line) - 1] = '\n';
        map_refused(long_line, sizeof(long_line), "line 1: longer than 1024 bytes");
}

static void test_map_file(void **state)
{
        char dir[] = "/tmp/pam-map-XXXXXX", path[64], open_dir[80], open_path[96], link_path[96];
        char why[PAM_AK_WHY_MAX], *text = NULL;
        size_t len = 0;
        FILE *f;

        (void)state;
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/users", dir);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs("alice alice@example.com\n", f);
        fclose(f);
        chmod(path, 0644);

        assert_int_equal(pam_ak_map_read("users", &text, &len, why), -1);
        assert_non_null(strstr(why, "expected an absolute path"));
        if (geteuid() == 0) {
                assert_int_equal(pam_ak_map_read(path, &text, &len, why), 0);
                assert_int_equal(len, 24);
                assert_string_equal(text, "alice alice@example.com\n");
                free(text);
                chmod(path, 0664);
                assert_int_equal(pam_ak_map_read(path, &text, &len, why), -1);
                assert_non_null(strstr(why, "must be owned by root and writable only by root"));
                chmod(path, 0644);
                snprintf(open_dir, sizeof(open_dir), "%s/open", dir);
                snprintf(open_path, sizeof(open_path), "%s/users", open_dir);
                assert_int_equal(mkdir(open_dir, 0755), 0);
                chmod(open_dir, 0777);
                assert_int_equal(link(path, open_path), 0);
                assert_int_equal(pam_ak_map_read(open_path, &text, &len, why), -1);
                assert_non_null(strstr(why, "others than root can change the folder"));
                /* A link there to a file in a trusted folder: whoever can swap the link decides. */
                snprintf(link_path, sizeof(link_path), "%s/link", open_dir);
                assert_int_equal(symlink(path, link_path), 0);
                assert_int_equal(pam_ak_map_read(link_path, &text, &len, why), -1);
                assert_non_null(strstr(why, "others than root can change the folder"));
                unlink(link_path);
                chmod(open_dir, 01777); /* sticky, as /tmp: others cannot rename root's file */
                assert_int_equal(pam_ak_map_read(open_path, &text, &len, why), 0);
                free(text);
                unlink(open_path);
                rmdir(open_dir);
        } else {
                /* Not root: the file is the caller's, which is refused. */
                assert_int_equal(pam_ak_map_read(path, &text, &len, why), -1);
        }
        assert_int_equal(pam_ak_map_read("/nonexistent/users", &text, &len, why), -1);
        assert_non_null(strstr(why, "No such file"));
        assert_int_equal(pam_ak_map_read(dir, &text, &len, why), -1);
        assert_non_null(strstr(why, "is not a regular file"));
        unlink(path);
        rmdir(dir);
}

static void test_app_text(void **state)
{
        char app[PAM_AK_APP_MAX + 1];

        (void)state;
        pam_ak_app_text(app, NULL, "sshd", "build-host", NULL);
        assert_string_equal(app, "sshd on build-host");
        pam_ak_app_text(app, NULL, "sshd", "build-host", "");
        assert_string_equal(app, "sshd on build-host");
        pam_ak_app_text(app, NULL, "sshd", "build-host", "203.0.113.7");
        assert_string_equal(app, "sshd on build-host from 203.0.113.7");
        pam_ak_app_text(app, NULL, NULL, NULL, NULL);
        assert_string_equal(app, "login on this host");
        pam_ak_app_text(app, "Gateway SSH", "sshd", "build-host", "203.0.113.7");
        assert_string_equal(app, "Gateway SSH");
        /* What a client controls is made printable, and the whole is cut to the server's cap. */
        pam_ak_app_text(app, NULL, "sudo", "h", "evil\n\x1b[2Jhost\xc3\xa9");
        assert_string_equal(app, "sudo on h from evil??[2Jhost??");
        pam_ak_app_text(app, NULL, "sshd", "a-very-long-host-name-that-goes-on.example.com",
                        "another-long-name.example.net");
        assert_int_equal(strlen(app), PAM_AK_APP_MAX);
}

static void test_answers(void **state)
{
        struct pam_ak_signin s;
        enum pam_ak_state st;
        char code[32];
        long retry;
#define S(text) text, sizeof(text) - 1

        (void)state;
        assert_true(pam_ak_parse_signin(
            S("{\"request_id\":\"0123456789abcdef0123456789abcdef\",\"number\":42,"
              "\"expires_at\":1700000000}"),
            &s));
        assert_string_equal(s.request_id, "0123456789abcdef0123456789abcdef");
        assert_int_equal(s.number, 42);
        assert_int_equal(s.expires_at, 1700000000);
        assert_false(pam_ak_parse_signin(
            S("{\"request_id\":\"0123456789ABCDEF0123456789abcdef\",\"number\":42,"
              "\"expires_at\":1}"),
            &s));
        assert_false(pam_ak_parse_signin(
            S("{\"request_id\":\"../../v1/devices/0123456789abcdef\",\"number\":42,"
              "\"expires_at\":1}"),
            &s));
        assert_false(pam_ak_parse_signin(
            S("{\"request_id\":\"0123456789abcdef0123456789abcdef\",\"number\":9,"
              "\"expires_at\":1}"),
            &s));
        assert_false(pam_ak_parse_signin(
            S("{\"request_id\":\"0123456789abcdef0123456789abcdef\",\"number\":\"42\","
              "\"expires_at\":1}"),
            &s));
        assert_false(pam_ak_parse_signin(S("[]"), &s));
        assert_false(pam_ak_parse_signin(NULL, 0, &s));

        assert_true(pam_ak_parse_state(S("{\"state\":\"approved\"}"), &st));
        assert_int_equal(st, PAM_AK_APPROVED);
        assert_true(
            pam_ak_parse_state(S("{\"state\":\"denied\",\"reason\":\"wrong_number\"}"), &st));
        assert_int_equal(st, PAM_AK_DENIED);
        assert_true(pam_ak_parse_state(S("{\"state\":\"pending\"}"), &st));
        assert_int_equal(st, PAM_AK_PENDING);
        assert_true(pam_ak_parse_state(S("{\"state\":\"expired\"}"), &st));
        assert_int_equal(st, PAM_AK_EXPIRED);
        assert_false(pam_ak_parse_state(S("{\"state\":\"Approved\"}"), &st));
        assert_false(pam_ak_parse_state(S("{\"state\":\"approved\",\"state\":\"denied\"}"), &st));
        assert_false(pam_ak_parse_state(S("{\"state\":1}"), &st));

        pam_ak_parse_refusal(S("{\"error\":\"rate_limited\",\"retry_after\":120}"), code,
                             sizeof(code), &retry);
        assert_string_equal(code, "rate_limited");
        assert_int_equal(retry, 120);
        pam_ak_parse_refusal(S("{\"error\":\"Bad Thing\\n\",\"retry_after\":-1}"), code,
                             sizeof(code), &retry);
        assert_string_equal(code, "");
        assert_int_equal(retry, 0);
        pam_ak_parse_refusal(S("<html>"), code, sizeof(code), &retry);
        assert_string_equal(code, "");
        pam_ak_parse_refusal(S("{\"error\":\"a_very_long_error_code_past_the_room\"}"), code, 8,
                             &retry);
        assert_string_equal(code, "");
#undef S
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_options),  cmocka_unit_test(test_options_refused),
            cmocka_unit_test(test_map),      cmocka_unit_test(test_map_refused),
            cmocka_unit_test(test_map_file), cmocka_unit_test(test_app_text),
            cmocka_unit_test(test_answers),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
