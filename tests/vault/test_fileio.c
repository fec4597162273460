/*
 * The file helpers: whole-file reads with a cap, atomic replace with modes,
 * and private folders.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "internal.h"

static int setup(void **state)
{
        *state = make_temp_dir();
        return *state ? 0 : -1;
}

static int teardown(void **state)
{
        remove_tree(*state);
        return 0;
}

static void test_write_and_read(void **state)
{
        char path[4200], *data = NULL;
        size_t len = 0;
        struct stat st;

        snprintf(path, sizeof(path), "%s/file", (char *)*state);
        assert_int_equal(ak__write_file_atomic(path, "hello", 5, 0600), AK_OK);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(ak__read_file(&data, &len, path, 100), AK_OK);
        assert_int_equal(len, 5);
        assert_string_equal(data, "hello");
        free(data);

        /* Replacing keeps exactly the new content and the asked mode. */
        assert_int_equal(ak__write_file_atomic(path, "hi", 2, 0644), AK_OK);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0644);
        assert_int_equal(ak__read_file(&data, &len, path, 100), AK_OK);
        assert_string_equal(data, "hi");
        free(data);

        /* An empty file reads as "" and not as a failure. */
        assert_int_equal(ak__write_file_atomic(path, "", 0, 0600), AK_OK);
        assert_int_equal(ak__read_file(&data, &len, path, 100), AK_OK);
        assert_int_equal(len, 0);
        assert_string_equal(data, "");
        free(data);
}

static void test_read_limits(void **state)
{
        char path[4200], *data = NULL;
        size_t len = 0;

        snprintf(path, sizeof(path), "%s/file", (char *)*state);
        assert_int_equal(ak__read_file(&data, &len, path, 100), AK_ERR_NOT_FOUND);
        assert_int_equal(ak__write_file_atomic(path, "0123456789", 10, 0600), AK_OK);
        assert_int_equal(ak__read_file(&data, &len, path, 9), AK_ERR_LIMIT);
        assert_null(data);
        assert_int_equal(ak__read_file(&data, &len, path, 10), AK_OK);
        free(data);
        /* A folder is not a file; nor is a FIFO, which must not hang the read. */
        assert_int_equal(ak__read_file(&data, &len, (char *)*state, 100), AK_ERR_IO);
        snprintf(path, sizeof(path), "%s/fifo", (char *)*state);
        assert_int_equal(mkfifo(path, 0600), 0);
        assert_int_equal(ak__read_file(&data, &len, path, 100), AK_ERR_IO);
}

static void test_write_failure_leaves_target(void **state)
{
        char path[4200], *data = NULL;
        size_t len;

        /* The folder does not exist: the write fails and nothing appears. */
        snprintf(path, sizeof(path), "%s/none/file", (char *)*state);
        assert_int_equal(ak__write_file_atomic(path, "x", 1, 0600), AK_ERR_IO);
        assert_int_equal(ak__read_file(&data, &len, path, 100), AK_ERR_NOT_FOUND);
}

static void test_mkdir_p(void **state)
{
        char path[4200], file[4300];
        struct stat st;

        snprintf(path, sizeof(path), "%s/a/b/c/", (char *)*state);
        assert_int_equal(ak__mkdir_p(path), AK_OK);
        assert_int_equal(stat(path, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(st.st_mode & 0777, 0700);
        assert_int_equal(ak__mkdir_p(path), AK_OK); /* already there */
        snprintf(file, sizeof(file), "%s/a/f", (char *)*state);
        assert_int_equal(ak__write_file_atomic(file, "x", 1, 0600), AK_OK);
        assert_int_equal(ak__mkdir_p(file), AK_ERR_IO); /* a file in the way */
        assert_int_equal(ak__mkdir_p(""), AK_ERR_INVALID);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_write_and_read, setup, teardown),
            cmocka_unit_test_setup_teardown(test_read_limits, setup, teardown),
            cmocka_unit_test_setup_teardown(test_write_failure_leaves_target, setup, teardown),
            cmocka_unit_test_setup_teardown(test_mkdir_p, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
