/*
 * Steam Desktop Authenticator's folder through the public API: what a
 * manifest is in memory (detected as steam, never encrypted, refused by
 * ak_import_parse) and from its file (probed as encrypted or not, its plain
 * maFiles read from its folder), entries whose file is missing or whose
 * name is a path, and a lone encrypted maFile. Encrypted folders made by an
 * independent encoder are tests/import/sda.sh's.
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

#include "authkeep/authkeep.h"
#include "authkeep/import.h"

#define MAFILE "{\"shared_secret\":\"XF2Csnk3hwEuWIg5D1BoNCAyyI8=\",\"account_name\":\"gamer\"}"
/* Base64 text of two AES blocks, as an encrypted maFile holds. */
#define CIPHERTEXT "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA="

static void write_text(const char *dir, const char *name, const char *text)
{
        char path[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "w");
        assert_non_null(f);
        assert_int_equal(fputs(text, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
}

static const char *manifest(bool encrypted)
{
        return encrypted ? "{\"encrypted\":true,\"first_run\":false,\"entries\":[{"
                           "\"encryption_iv\":\"AAAAAAAAAAAAAAAAAAAAAA==\",\"encryption_salt\":"
                           "\"AAAAAAAAAAA=\",\"filename\":\"1.maFile\",\"steamid\":1}]}"
                         : "{\"encrypted\":false,\"entries\":[{\"encryption_iv\":null,"
                           "\"encryption_salt\":null,\"filename\":\"1.maFile\",\"steamid\":1},"
                           "{\"filename\":\"2.maFile\",\"steamid\":2},"
                           "{\"filename\":\"../1.maFile\",\"steamid\":3}]}";
}

static void test_in_memory(void **state)
{
        struct ak_import imp;
        enum ak_import_format format = AK_IMPORT_AUTO;
        bool encrypted = true;
        const char *m = manifest(true);
        (void)state;
        assert_int_equal(ak_import_detect(&format, &encrypted, m, strlen(m)), AK_OK);
        assert_int_equal(format, AK_IMPORT_STEAM);
        assert_false(encrypted);
        ak_import_init(&imp);
        assert_int_equal(ak_import_parse(&imp, AK_IMPORT_AUTO, m, strlen(m), "pk", 2),
                         AK_ERR_UNSUPPORTED);
        assert_non_null(strstr(ak_error_detail(), "import it from its file"));
        assert_int_equal(
            ak_import_parse(&imp, AK_IMPORT_STEAM, CIPHERTEXT, strlen(CIPHERTEXT), NULL, 0),
            AK_ERR_UNSUPPORTED);
        assert_non_null(strstr(ak_error_detail(), "import the manifest.json beside it"));
        assert_int_equal(imp.count, 0);
}

static void test_folder(void **state)
{
        char dir[] = "/tmp/authkeep-import-sda.XXXXXX", path[256], lone[256];
        struct ak_import imp;
        enum ak_import_format format = AK_IMPORT_AUTO;
        bool encrypted = false;
        (void)state;
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/manifest.json", dir);
        snprintf(lone, sizeof(lone), "%s/1.maFile", dir);

        /* Encrypted: probed as such, and a password is needed. */
        write_text(dir, "manifest.json", manifest(true));
        write_text(dir, "1.maFile", CIPHERTEXT);
        assert_int_equal(ak_import_probe_file(&format, &encrypted, path, AK_IMPORT_AUTO), AK_OK);
        assert_int_equal(format, AK_IMPORT_STEAM);
        assert_true(encrypted);
        encrypted = false;
        assert_int_equal(ak_import_probe_file(&format, &encrypted, path, AK_IMPORT_STEAM), AK_OK);
        assert_true(encrypted);
        ak_import_init(&imp);
        assert_int_equal(ak_import_file(&imp, AK_IMPORT_AUTO, path, NULL, 0),
                         AK_ERR_IMPORT_PASSWORD);
        assert_int_equal(ak_import_file(&imp, AK_IMPORT_AUTO, path, "pk", 2),
                         AK_ERR_IMPORT_PASSWORD);
        assert_int_equal(imp.count, 0);

        /* The lone encrypted maFile: steam by its name, and what to do instead. */
        assert_int_equal(ak_import_probe_file(&format, &encrypted, lone, AK_IMPORT_AUTO), AK_OK);
        assert_int_equal(format, AK_IMPORT_STEAM);
        assert_false(encrypted);
        assert_int_equal(ak_import_file(&imp, AK_IMPORT_AUTO, lone, NULL, 0), AK_ERR_UNSUPPORTED);

        /* Plain: the one maFile present is read, the missing one and the path are unreadable. */
        write_text(dir, "manifest.json", manifest(false));
        write_text(dir, "1.maFile", MAFILE);
        assert_int_equal(ak_import_probe_file(&format, &encrypted, path, AK_IMPORT_AUTO), AK_OK);
        assert_false(encrypted);
        assert_int_equal(ak_import_file(&imp, AK_IMPORT_AUTO, path, NULL, 0), AK_OK);
        assert_int_equal(imp.format, AK_IMPORT_STEAM);
        assert_int_equal(imp.count, 3);
        assert_string_equal(imp.entries[0].where, "1.maFile (Steam:gamer)");
        assert_null(imp.entries[0].reason);
        assert_string_equal(imp.entries[0].account.name, "gamer");
        assert_string_equal(imp.entries[1].where, "2.maFile");
        assert_non_null(strstr(imp.entries[1].reason, "no such file"));
        assert_string_equal(imp.entries[2].where, "manifest entry 3");
        assert_non_null(strstr(imp.entries[2].reason, "filename"));
        ak_import_clear(&imp);

        unlink(lone);
        unlink(path);
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_in_memory),
            cmocka_unit_test(test_folder),
        };

        assert_int_equal(ak_init(), AK_OK);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
