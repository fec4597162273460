/*
 * The crash test: a process rewrites a vault of 1,000 accounts (open,
 * rename every account, save) and is killed with SIGKILL at a random
 * moment, 200 times. After each kill the vault must open and hold either
 * the old or the new content, whole: every account of one generation.
 *
 * The rewriting process is a child of this test running the library (the
 * same open/change/save an `authkeep` command does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

#define ACCOUNTS 1000
#define ROUNDS 200

static char path[4200];

/* The generation every account's name carries ("acct-N gen-G"); -1 when they disagree. */
static long vault_generation(const struct ak_vault *v_const)
{
        struct ak_vault *v = (struct ak_vault *)v_const;
        struct ak_account_list *list = ak_vault_accounts(v);
        long gen = -1;

        for (size_t i = 0; i < list->count; i++) {
                const char *p = strstr(list->items[i].name, " gen-");
                long g;
                if (p == NULL)
                        return -1;
                g = strtol(p + 5, NULL, 10);
                if (i > 0 && g != gen)
                        return -1;
                gen = g;
        }
        return gen;
}

/* The child: one rewrite, as one command would do it. Exits 0 when saved. */
static void rewrite(void)
{
        struct ak_vault *v = NULL;
        struct ak_account_list *list;
        long gen;
        char name[64];

        if (ak_vault_open(&v, path, TEST_PASSPHRASE, strlen(TEST_PASSPHRASE)) != AK_OK)
                _exit(2);
        gen = vault_generation(v);
        list = ak_vault_accounts(v);
        for (size_t i = 0; i < list->count; i++) {
                snprintf(name, sizeof(name), "acct-%zu gen-%ld", i, gen + 1);
                if (ak_account_set_text(&list->items[i].name, name) != AK_OK)
                        _exit(3);
        }
        if (ak_vault_save(v) != AK_OK)
                _exit(4);
        ak_vault_free(v);
        _exit(0);
}

static double now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Opens the vault and returns its generation; fails the test when it does not open whole. */
static long check_vault(void)
{
        struct ak_vault *v = NULL;
        enum ak_err err = ak_vault_open(&v, path, TEST_PASSPHRASE, strlen(TEST_PASSPHRASE));
        long gen;

        if (err != AK_OK)
                fail_msg("the vault does not open after a kill: %s (%s)", ak_strerror(err),
                         ak_error_detail());
        assert_int_equal(ak_vault_accounts(v)->count, ACCOUNTS);
        gen = vault_generation(v);
        ak_vault_free(v);
        if (gen < 0)
                fail_msg("the vault mixes generations");
        return gen;
}

/* Runs one rewrite, killed after `delay_us` (or left to finish when negative); returns whether it
 * finished. */
static bool run_child(double delay_us)
{
        int status;
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0)
                rewrite();
        if (delay_us >= 0) {
                usleep((useconds_t)delay_us);
                kill(pid, SIGKILL);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
                fail_msg("the rewrite failed on its own with status %d", WEXITSTATUS(status));
        return WIFEXITED(status);
}

static void test_kill_during_rewrite(void **state)
{
        struct ak_vault *v = NULL;
        char *dir = make_temp_dir();
        char name[64];
        double start, duration;
        long gen, old_kept = 0, new_kept = 0;
        unsigned seed = (unsigned)time(NULL);

        (void)state;
        assert_non_null(dir);
        snprintf(path, sizeof(path), "%s/vault.json", dir);
        assert_int_equal(
            ak_vault_create(&v, path, TEST_PASSPHRASE, strlen(TEST_PASSPHRASE), test_kdf()), AK_OK);
        for (size_t i = 0; i < ACCOUNTS; i++) {
                assert_int_equal(
                    add_test_account(ak_vault_accounts(v), i, "x", AK_KIND_THIRD_PARTY), AK_OK);
                snprintf(name, sizeof(name), "acct-%zu gen-0", i);
                assert_int_equal(ak_account_set_text(&ak_vault_accounts(v)->items[i].name, name),
                                 AK_OK);
        }
        assert_int_equal(ak_vault_save(v), AK_OK);
        ak_vault_free(v);

        /* How long one whole rewrite takes here (the shortest of three): kills land anywhere in it.
         */
        duration = -1;
        for (gen = 1; gen <= 3; gen++) {
                start = now_us();
                assert_true(run_child(-1));
                if (duration < 0 || now_us() - start < duration)
                        duration = now_us() - start;
                assert_int_equal(check_vault(), gen);
        }
        gen = 3;

        srand(seed);
        for (int round = 0; round < ROUNDS; round++) {
                /* Up to half a rewrite past its end: on a busy machine the child often runs late.
                 */
                double delay = duration * 1.5 * rand() / RAND_MAX;
                bool finished = run_child(delay);
                long now = check_vault();

                if (now == gen) {
                        old_kept++;
                        if (finished)
                                fail_msg(
                                    "round %d: the rewrite finished but the old content is there",
                                    round);
                } else if (now == gen + 1) {
                        new_kept++;
                } else {
                        fail_msg("round %d: generation %ld after %ld", round, now, gen);
                }
                gen = now;
        }
        printf(
            "# %d kills (seed %u, rewrite %.1f ms): old content %ld times, new content %ld times\n",
            ROUNDS, seed, duration / 1e3, old_kept, new_kept);
        remove_tree(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_kill_during_rewrite),
        };

        if (ak_init() != AK_OK)
                return 1;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
