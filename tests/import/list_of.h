/*
 * Shared by the import unit tests: a list of accounts made from URIs. Include
 * after cmocka.h and authkeep/authkeep.h.
 */
#ifndef AUTHKEEP_TESTS_LIST_OF_H
#define AUTHKEEP_TESTS_LIST_OF_H

/* Fills `list` (initialised here) with one account a URI, each with a fresh id as in a vault. */
static inline void list_of(struct ak_account_list *list, const char *const *uris)
{
        ak_account_list_init(list);
        for (size_t i = 0; uris[i] != NULL; i++) {
                struct ak_account a;
                ak_account_init(&a);
                assert_int_equal(ak_uri_parse(&a, uris[i]), AK_OK);
                assert_int_equal(ak_account_list_push(list, &a), AK_OK);
        }
}

#endif
