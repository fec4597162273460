/*
 * Sorting entries into new, identical, conflicting and unreadable against
 * the accounts already present. Import and
 * recovery share it: recovery turns a backup's accounts into entries
 * (ak_import_from_list) and classifies them against the device's.
 *
 * Two chained hash indexes, one by secret (for "identical") and one by
 * case-folded label (for "conflicting"), keep classifying 10,000 entries
 * against 10,000 accounts linear. The label hash folds ASCII letters only:
 * ak_account_same_label compares with strcasecmp, which folds no byte of a
 * multi-byte UTF-8 character either, so labels that compare equal hash alike.
 */
#include <stdlib.h>
#include <string.h>

#include "import_internal.h"

struct index {
        size_t nbuckets;
        size_t *heads; /* item + 1, 0 = empty */
        size_t *next;
        const struct ak_account **items;
        size_t count, capacity;
        bool by_label;
};

const char *ak_import_status_name(enum ak_import_status status)
{
        switch (status) {
        case AK_IMPORT_NEW:
                return "new";
        case AK_IMPORT_IDENTICAL:
                return "identical";
        case AK_IMPORT_CONFLICT:
                return "conflicting";
        case AK_IMPORT_UNREADABLE:
                return "unreadable";
        }
        return "unknown";
}

static uint64_t hash_account(const struct ak_account *a, bool by_label)
{
        uint64_t h = AK__HASH_SEED;

        if (!by_label)
                return ak__hash(h, a->secret, a->secret_len, false);
        h = ak__hash(h, a->issuer, strlen(a->issuer), true);
        h = ak__hash(h, "\0", 1, false);
        return ak__hash(h, a->name, strlen(a->name), true);
}

static enum ak_err index_init(struct index *ix, size_t expected, bool by_label)
{
        memset(ix, 0, sizeof(*ix));
        ix->by_label = by_label;
        ix->nbuckets = 64;
        while (ix->nbuckets < expected * 2)
                ix->nbuckets *= 2;
        ix->capacity = expected ? expected : 1;
        ix->heads = calloc(ix->nbuckets, sizeof(*ix->heads));
        ix->next = calloc(ix->capacity, sizeof(*ix->next));
        ix->items = calloc(ix->capacity, sizeof(*ix->items));
        if (ix->heads == NULL || ix->next == NULL || ix->items == NULL)
                return AK_ERR_NOMEM;
        return AK_OK;
}

static void index_free(struct index *ix)
{
        free(ix->heads);
        free(ix->next);
        free(ix->items);
}

/* Adds `a` (borrowed: it must outlive the index). The capacity was sized at init. */
static void index_add(struct index *ix, const struct ak_account *a)
{
        size_t b = hash_account(a, ix->by_label) & (ix->nbuckets - 1);

        if (ix->count >= ix->capacity)
                return;
        ix->items[ix->count] = a;
        ix->next[ix->count] = ix->heads[b];
        ix->heads[b] = ++ix->count;
}

/* The first indexed account equal to `a` (identical, or same label); NULL when none. */
static const struct ak_account *index_find(const struct index *ix, const struct ak_account *a)
{
        size_t b = hash_account(a, ix->by_label) & (ix->nbuckets - 1);

        for (size_t i = ix->heads[b]; i != 0; i = ix->next[i - 1]) {
                const struct ak_account *c = ix->items[i - 1];
                if (ix->by_label ? ak_account_same_label(c, a) : ak_account_identical(c, a))
                        return c;
        }
        return NULL;
}

/* Renames a conflicting entry to "NAME (imported[ N])", a label free in `labels`. */
static enum ak_err rename_conflict(struct ak_import_entry *e, const struct index *labels)
{
        char *base = e->account.name;

        for (unsigned n = 1; n < 100000; n++) {
                char *candidate = n == 1 ? ak__import_printf("%s (imported)", base)
                                         : ak__import_printf("%s (imported %u)", base, n);
                if (candidate == NULL)
                        return AK_ERR_NOMEM;
                e->account.name = candidate;
                if (index_find(labels, &e->account) == NULL) {
                        e->original_name = base;
                        return AK_OK;
                }
                free(candidate);
                e->account.name = base;
        }
        return ak__fail(AK_ERR_LIMIT, "%s: no free name", e->where);
}

enum ak_err ak_import_classify(struct ak_import *imp, const struct ak_account_list *existing)
{
        struct index secrets, labels;
        size_t total = existing->count + imp->count;
        enum ak_err rc;

        rc = index_init(&secrets, total, false);
        if (rc == AK_OK)
                rc = index_init(&labels, total, true);
        else
                memset(&labels, 0, sizeof(labels));
        if (rc != AK_OK)
                goto done;
        for (size_t i = 0; i < existing->count; i++) {
                index_add(&secrets, &existing->items[i]);
                index_add(&labels, &existing->items[i]);
        }
        for (size_t i = 0; i < imp->count; i++) {
                struct ak_import_entry *e = &imp->entries[i];
                ak__import_progress("sorting", i + 1, imp->count);
                if (e->original_name != NULL) { /* classified before: start over */
                        free(e->account.name);
                        e->account.name = e->original_name;
                        e->original_name = NULL;
                }
                if (e->reason != NULL) {
                        e->status = AK_IMPORT_UNREADABLE;
                        continue;
                }
                if (index_find(&secrets, &e->account) != NULL) {
                        e->status = AK_IMPORT_IDENTICAL;
                        continue;
                }
                if (index_find(&labels, &e->account) != NULL) {
                        e->status = AK_IMPORT_CONFLICT;
                        rc = rename_conflict(e, &labels);
                        if (rc != AK_OK)
                                goto done;
                } else {
                        e->status = AK_IMPORT_NEW;
                }
                index_add(&secrets, &e->account);
                index_add(&labels, &e->account);
        }
done:
        index_free(&secrets);
        index_free(&labels);
        return rc;
}
