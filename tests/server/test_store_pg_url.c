/*
 * Unit tests of the PostgreSQL store's --db URL check (server/store_pg_url.c):
 * what libpq accepts passes, anything else gets one sentence, and what is
 * shown of a URL (in errors and the log) never holds its password.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store_pg.h"

static void accepted(const char *url, const char *shown)
{
        char display[256], err[256] = "";
        assert_int_equal(akd_pg_url_check(url, display, sizeof(display), err, sizeof(err)), 0);
        assert_string_equal(display, shown);
}

static void refused(const char *url, const char *why)
{
        char display[256], err[256] = "";
        assert_int_equal(akd_pg_url_check(url, display, sizeof(display), err, sizeof(err)), -1);
        assert_non_null(strstr(err, why));
        assert_null(strchr(err, '\n'));
}

static void test_plain_urls_pass_as_they_are(void **state)
{
        (void)state;
        accepted("postgres://authkeep@db.example:5432/authkeep",
                 "postgres://authkeep@db.example:5432/authkeep");
        accepted("postgresql://127.0.0.1/keys", "postgresql://127.0.0.1/keys");
        accepted("postgresql:///keys?host=/run/postgresql", "postgresql:///keys?host=/run/postgresql");
        accepted("postgres://[::1]:6543/keys?sslmode=require",
                 "postgres://[::1]:6543/keys?sslmode=require");
}

static void test_passwords_are_never_shown(void **state)
{
        (void)state;
        accepted("postgres://authkeep:s3cret@db.example/authkeep",
                 "postgres://authkeep@db.example/authkeep");
        accepted("postgres://authkeep:p%40ss@db.example/authkeep",
                 "postgres://authkeep@db.example/authkeep");
        accepted("postgresql://u@h/db?password=s3cret", "postgresql://u@h/db");
        accepted("postgresql://u@h/db?password=s3cret&sslmode=require",
                 "postgresql://u@h/db?sslmode=require");
        accepted("postgresql://u@h/db?sslmode=require&password=s3cret&connect_timeout=3",
                 "postgresql://u@h/db?sslmode=require&connect_timeout=3");
        accepted("postgresql://u@h/db?sslmode=require&password=s3cret",
                 "postgresql://u@h/db?sslmode=require");
}

static void test_other_schemes_are_refused(void **state)
{
        (void)state;
        refused("mysql://u@h/db", "postgres://USER@HOST");
        refused("postgres:db", "postgres://USER@HOST");
        refused("host=db dbname=keys", "postgres://USER@HOST");
}

static void test_bad_urls_say_so_without_the_password(void **state)
{
        char display[256], err[256] = "";
        (void)state;
        refused("postgres://u@h/db?frobnicate=1", "not a valid PostgreSQL URL");
        refused("postgres://u@[::1/db", "not a valid PostgreSQL URL");
        assert_int_equal(akd_pg_url_check("postgres://u:hunter2@[::1/db", display,
                                          sizeof(display), err, sizeof(err)),
                         -1);
        assert_null(strstr(err, "hunter2"));
        assert_int_equal(akd_pg_url_check("postgres://u@h/db?password=hunter2&bogus=1", display,
                                          sizeof(display), err, sizeof(err)),
                         -1);
        assert_null(strstr(err, "hunter2"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_plain_urls_pass_as_they_are),
            cmocka_unit_test(test_passwords_are_never_shown),
            cmocka_unit_test(test_other_schemes_are_refused),
            cmocka_unit_test(test_bad_urls_say_so_without_the_password),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
