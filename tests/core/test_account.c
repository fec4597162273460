/*
 * Accounts and account lists: copies, checks, names, ordering and the
 * QUERY matching of SPEC §4.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "authkeep/account.h"

static const unsigned char key[] = "12345678901234567890";

/* A valid TOTP account with `issuer` and `name`; the caller clears it. */
static void make(struct ak_account *a, const char *issuer, const char *name)
{
        ak_account_init(a);
        assert_int_equal(ak_account_set_text(&a->issuer, issuer), AK_OK);
        assert_int_equal(ak_account_set_text(&a->name, name), AK_OK);
        assert_int_equal(ak_account_set_secret(a, key, 20), AK_OK);
}

static void test_init_clear(void **state)
{
        struct ak_account a;

        (void)state;
        ak_account_init(&a);
        assert_int_equal(a.type, AK_OTP_TOTP);
        assert_int_equal(a.hash, AK_HASH_SHA1);
        assert_int_equal(a.digits, 6);
        assert_int_equal(a.period, 30);
        assert_int_equal(a.kind, AK_KIND_THIRD_PARTY);
        assert_null(a.secret);
        assert_string_equal(a.id, "");
        make(&a, "ACME", "alice");
        ak_account_clear(&a);
        assert_null(a.issuer);
        assert_null(a.secret);
        assert_int_equal(a.digits, 6);
        ak_account_clear(&a); /* twice is fine */
        ak_account_clear(NULL);
}

static void test_copy(void **state)
{
        struct ak_account a, b;

        (void)state;
        make(&a, "ACME", "alice");
        assert_int_equal(ak_account_set_text(&a.label_issuer, "Old"), AK_OK);
        a.counter = 5;
        strcpy(a.id, "0123456789abcdef");
        make(&b, "other", "x");
        assert_int_equal(ak_account_copy(&b, &a), AK_OK);
        assert_string_equal(b.issuer, "ACME");
        assert_string_equal(b.label_issuer, "Old");
        assert_string_equal(b.id, a.id);
        assert_ptr_not_equal(b.secret, a.secret);
        assert_true(ak_account_identical(&a, &b));
        assert_true(ak_account_same_label(&a, &b));
        ak_account_clear(&a);
        assert_string_equal(b.name, "alice"); /* deep: survives the original */
        ak_account_clear(&b);
}

static void test_set(void **state)
{
        struct ak_account a;
        char big[AK_TEXT_MAX + 2];
        unsigned char secret[AK_SECRET_MAX + 1] = {0};

        (void)state;
        ak_account_init(&a);
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        assert_int_equal(ak_account_set_text(&a.issuer, big), AK_ERR_LIMIT);
        assert_null(a.issuer);
        big[AK_TEXT_MAX] = '\0';
        assert_int_equal(ak_account_set_text(&a.issuer, big), AK_OK);
        assert_int_equal(ak_account_set_text(&a.label_issuer, NULL), AK_OK);
        assert_int_equal(ak_account_set_secret(&a, secret, 0), AK_ERR_OTP_PARAM);
        assert_int_equal(ak_account_set_secret(&a, secret, AK_SECRET_MAX + 1), AK_ERR_LIMIT);
        assert_int_equal(ak_account_set_secret(&a, secret, AK_SECRET_MAX), AK_OK);
        assert_int_equal(ak_account_set_secret(&a, key, 20), AK_OK);
        assert_int_equal(a.secret_len, 20);
        ak_account_clear(&a);
}

/* Asserts ak_account_validate gives `err` with `detail` in its detail. */
static void assert_invalid(const struct ak_account *a, enum ak_err err, const char *detail)
{
        assert_int_equal(ak_account_validate(a), err);
        if (strstr(ak_error_detail(), detail) == NULL)
                fail_msg("detail '%s' lacks '%s'", ak_error_detail(), detail);
}

static void test_validate(void **state)
{
        struct ak_account a;

        (void)state;
        ak_account_init(&a);
        assert_invalid(&a, AK_ERR_OTP_PARAM, "secret: missing");
        make(&a, "ACME", "alice");
        assert_int_equal(ak_account_validate(&a), AK_OK);
        a.digits = 9;
        assert_invalid(&a, AK_ERR_OTP_PARAM, "digits: 9 is outside 6..8");
        a.digits = 5;
        assert_invalid(&a, AK_ERR_OTP_PARAM, "digits: 5 is outside 6..8");
        a.type = AK_OTP_STEAM;
        assert_int_equal(ak_account_validate(&a), AK_OK);
        a.hash = AK_HASH_SHA256;
        assert_invalid(&a, AK_ERR_OTP_PARAM, "algorithm");
        a.hash = AK_HASH_SHA1;
        a.period = 0;
        assert_invalid(&a, AK_ERR_OTP_PARAM, "period");
        a.type = AK_OTP_HOTP; /* the period means nothing to HOTP */
        a.digits = 8;
        assert_int_equal(ak_account_validate(&a), AK_OK);
        assert_int_equal(ak_account_set_text(&a.name, "\xff"), AK_OK);
        assert_invalid(&a, AK_ERR_INVALID, "account: not valid UTF-8");
        assert_int_equal(ak_account_set_text(&a.name, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91"),
                         AK_OK);
        assert_int_equal(ak_account_validate(&a), AK_OK);
        assert_int_equal(ak_account_set_text(&a.name, "\xc0\xaf"), AK_OK); /* overlong '/' */
        assert_invalid(&a, AK_ERR_INVALID, "UTF-8");
        assert_int_equal(ak_account_set_text(&a.name, "\xed\xa0\x80"), AK_OK); /* surrogate */
        assert_invalid(&a, AK_ERR_INVALID, "UTF-8");
        ak_account_clear(&a);
}

static void test_compare_and_label(void **state)
{
        struct ak_account a, b;
        char *label;

        (void)state;
        make(&a, "GitHub", "octo");
        make(&b, "github", "OCTO");
        assert_true(ak_account_same_label(&a, &b));
        assert_true(ak_account_identical(&a, &b));
        b.counter = 99; /* ignored */
        assert_true(ak_account_identical(&a, &b));
        b.period = 60;
        assert_false(ak_account_identical(&a, &b));
        b.period = 30;
        assert_int_equal(ak_account_set_secret(&b, key, 19), AK_OK);
        assert_false(ak_account_identical(&a, &b));
        label = ak_account_label(&a);
        assert_string_equal(label, "GitHub:octo");
        free(label);
        assert_int_equal(ak_account_set_text(&a.issuer, ""), AK_OK);
        label = ak_account_label(&a);
        assert_string_equal(label, "octo");
        free(label);
        assert_false(ak_account_same_label(&a, &b));
        ak_account_clear(&a);
        ak_account_clear(&b);
}

static void test_names(void **state)
{
        enum ak_otp_type t;
        enum ak_hash h;

        (void)state;
        assert_string_equal(ak_otp_type_name(AK_OTP_TOTP), "totp");
        assert_string_equal(ak_otp_type_name(AK_OTP_HOTP), "hotp");
        assert_string_equal(ak_otp_type_name(AK_OTP_STEAM), "steam");
        assert_string_equal(ak_hash_name(AK_HASH_SHA1), "SHA1");
        assert_string_equal(ak_hash_name(AK_HASH_SHA256), "SHA256");
        assert_string_equal(ak_hash_name(AK_HASH_SHA512), "SHA512");
        assert_int_equal(ak_otp_type_parse(&t, "HOTP"), AK_OK);
        assert_int_equal(t, AK_OTP_HOTP);
        assert_int_equal(ak_otp_type_parse(&t, "Steam"), AK_OK);
        assert_int_equal(t, AK_OTP_STEAM);
        assert_int_equal(ak_otp_type_parse(&t, "motp"), AK_ERR_OTP_PARAM);
        assert_int_equal(ak_hash_parse(&h, "sha512"), AK_OK);
        assert_int_equal(h, AK_HASH_SHA512);
        assert_int_equal(ak_hash_parse(&h, "SHA-256"), AK_OK);
        assert_int_equal(h, AK_HASH_SHA256);
        assert_int_equal(ak_hash_parse(&h, "Sha1"), AK_OK);
        assert_int_equal(h, AK_HASH_SHA1);
        assert_int_equal(ak_hash_parse(&h, "MD5"), AK_ERR_OTP_PARAM);
        assert_int_equal(ak_hash_parse(&h, ""), AK_ERR_OTP_PARAM);
}

/* A list of: GitHub:octo, GitLab:octo, Google:alice@example.com, "bob" (no issuer). */
static void make_list(struct ak_account_list *list)
{
        static const char *const labels[][2] = {
            {"GitHub", "octo"}, {"GitLab", "octo"}, {"Google", "alice@example.com"}, {"", "bob"}};

        ak_account_list_init(list);
        for (size_t i = 0; i < 4; i++) {
                struct ak_account a;

                make(&a, labels[i][0], labels[i][1]);
                assert_int_equal(ak_account_list_push(list, &a), AK_OK);
                assert_null(a.issuer); /* ownership moved */
                assert_null(a.secret);
        }
}

static void test_list_push(void **state)
{
        struct ak_account_list list;
        struct ak_account a;

        (void)state;
        make_list(&list);
        assert_int_equal(list.count, 4);
        for (size_t i = 0; i < list.count; i++) {
                assert_int_equal(strlen(list.items[i].id), AK_ID_LEN);
                assert_int_equal(strspn(list.items[i].id, "0123456789abcdef"), AK_ID_LEN);
                for (size_t j = 0; j < i; j++)
                        assert_string_not_equal(list.items[i].id, list.items[j].id);
        }
        /* A given id is kept; a duplicate id is refused and the account stays with the caller. */
        make(&a, "X", "y");
        strcpy(a.id, "00000000000000aa");
        assert_int_equal(ak_account_list_push(&list, &a), AK_OK);
        assert_string_equal(list.items[4].id, "00000000000000aa");
        make(&a, "X", "z");
        strcpy(a.id, "00000000000000aa");
        assert_int_equal(ak_account_list_push(&list, &a), AK_ERR_EXISTS);
        assert_non_null(a.secret);
        ak_account_clear(&a);
        /* Growth past the first capacity. */
        for (int i = 0; i < 100; i++) {
                make(&a, "bulk", "n");
                assert_int_equal(ak_account_list_push(&list, &a), AK_OK);
        }
        assert_int_equal(list.count, 105);
        ak_account_list_clear(&list);
        assert_int_equal(list.count, 0);
        assert_null(list.items);
        ak_account_list_clear(NULL);
}

/* The names of the list's accounts in order, joined by ','. */
static void assert_order(const struct ak_account_list *list, const char *want)
{
        char got[256] = "";

        for (size_t i = 0; i < list->count; i++) {
                if (i)
                        strcat(got, ",");
                strcat(got, list->items[i].issuer[0] ? list->items[i].issuer : list->items[i].name);
        }
        assert_string_equal(got, want);
}

static void test_list_move_remove(void **state)
{
        struct ak_account_list list;

        (void)state;
        make_list(&list);
        assert_order(&list, "GitHub,GitLab,Google,bob");
        assert_int_equal(ak_account_list_move(&list, 0, 3), AK_OK);
        assert_order(&list, "GitLab,Google,bob,GitHub");
        assert_int_equal(ak_account_list_move(&list, 3, 1), AK_OK);
        assert_order(&list, "GitLab,GitHub,Google,bob");
        assert_int_equal(ak_account_list_move(&list, 2, 2), AK_OK);
        assert_order(&list, "GitLab,GitHub,Google,bob");
        assert_int_equal(ak_account_list_move(&list, 0, 4), AK_ERR_INVALID);
        assert_non_null(strstr(ak_error_detail(), "position: 5 is outside 1..4"));
        assert_int_equal(ak_account_list_move(&list, 9, 0), AK_ERR_INVALID);
        ak_account_list_remove(&list, 1);
        assert_order(&list, "GitLab,Google,bob");
        ak_account_list_remove(&list, 2);
        assert_order(&list, "GitLab,Google");
        ak_account_list_remove(&list, 7); /* out of range: nothing */
        assert_int_equal(list.count, 2);
        ak_account_list_clear(&list);
}

/* Asserts `query` finds exactly the account at `want`. */
static void assert_finds(const struct ak_account_list *list, const char *query, size_t want)
{
        size_t index = 999;

        if (ak_account_list_find(list, query, &index, NULL, NULL) != AK_OK)
                fail_msg("'%s' not found: %s", query, ak_error_detail());
        assert_int_equal(index, want);
}

static void test_list_find(void **state)
{
        struct ak_account_list list;
        size_t index = 999, *cands = NULL, ncands = 0;
        char id[AK_ID_LEN + 1];

        (void)state;
        make_list(&list);
        assert_finds(&list, list.items[2].id, 2);
        strcpy(id, list.items[1].id);
        id[0] = (char)(id[0] == 'a' ? 'A' : id[0]);
        assert_finds(&list, id, 1);
        assert_finds(&list, "github:OCTO", 0); /* exact label, any case */
        assert_finds(&list, "GitLab:octo", 1);
        assert_finds(&list, "alice", 2); /* unique substring */
        assert_finds(&list, "HUB", 0);
        assert_finds(&list, "bob", 3); /* label without issuer */
        assert_finds(&list, "gle:ali", 2);

        assert_int_equal(ak_account_list_find(&list, "octo", &index, &cands, &ncands),
                         AK_ERR_AMBIGUOUS);
        assert_int_equal(index, 999);
        assert_int_equal(ncands, 2);
        assert_int_equal(cands[0], 0);
        assert_int_equal(cands[1], 1);
        assert_non_null(strstr(ak_error_detail(), "matches 2 accounts"));
        free(cands);
        cands = NULL;
        assert_int_equal(ak_account_list_find(&list, "g", &index, NULL, NULL), AK_ERR_AMBIGUOUS);
        assert_int_equal(ak_account_list_find(&list, "nobody", &index, &cands, &ncands),
                         AK_ERR_NOT_FOUND);
        assert_null(cands);
        assert_int_equal(ak_account_list_find(&list, "", &index, NULL, NULL), AK_ERR_NOT_FOUND);

        /* An exact label beats a substring match of another account. */
        {
                struct ak_account a;

                make(&a, "GitHub", "octocat");
                assert_int_equal(ak_account_list_push(&list, &a), AK_OK);
                assert_finds(&list, "GitHub:octo", 0);
                assert_finds(&list, "octocat", 4);
        }
        ak_account_list_clear(&list);
        assert_int_equal(ak_account_list_find(&list, "x", &index, NULL, NULL), AK_ERR_NOT_FOUND);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_init_clear),
            cmocka_unit_test(test_copy),
            cmocka_unit_test(test_set),
            cmocka_unit_test(test_validate),
            cmocka_unit_test(test_compare_and_label),
            cmocka_unit_test(test_names),
            cmocka_unit_test(test_list_push),
            cmocka_unit_test(test_list_move_remove),
            cmocka_unit_test(test_list_find),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
