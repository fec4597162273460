/*
 * An import's entries: their lifetime, appending one (readable or with the
 * reason it is not), an import built from a list of accounts, parsing an
 * input of any format into entries (detect.c names the format, one file a
 * format reads it), and adding the classified entries to a list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_internal.h"

void ak_import_init(struct ak_import *imp)
{
        memset(imp, 0, sizeof(*imp));
}

static void entry_clear(struct ak_import_entry *e)
{
        free(e->where);
        free(e->reason);
        free(e->original_name);
        ak_account_clear(&e->account);
}

void ak_import_clear(struct ak_import *imp)
{
        if (imp == NULL)
                return;
        for (size_t i = 0; i < imp->count; i++)
                entry_clear(&imp->entries[i]);
        free(imp->entries);
        ak_import_init(imp);
}

/* Grows the entry array to hold `more` entries beyond `count`; AK_ERR_LIMIT past the cap. */
static enum ak_err reserve(struct ak_import *imp, size_t more, size_t first_capacity)
{
        size_t cap;
        struct ak_import_entry *grown;

        if (more > AK_IMPORT_MAX_ENTRIES - imp->count)
                return ak__fail(AK_ERR_LIMIT, "entries: more than %u in one import",
                                AK_IMPORT_MAX_ENTRIES);
        if (imp->count + more <= imp->capacity)
                return AK_OK;
        cap = imp->capacity ? imp->capacity * 2 : first_capacity;
        if (cap < imp->count + more)
                cap = imp->count + more;
        grown = realloc(imp->entries, cap * sizeof(*grown));
        if (grown == NULL)
                return AK_ERR_NOMEM;
        imp->entries = grown;
        imp->capacity = cap;
        return AK_OK;
}

enum ak_err ak__import_push(struct ak_import *imp, enum ak_err err, struct ak_account *acct,
                            const char *where, const char *label)
{
        struct ak_import_entry e;
        enum ak_err rc;

        rc = reserve(imp, 1, 16);
        if (rc != AK_OK) {
                ak_account_clear(acct);
                return rc;
        }
        memset(&e, 0, sizeof(e));
        ak_account_init(&e.account);
        if (label != NULL && label[0] != '\0')
                e.where = ak__import_printf("%s (%s)", where, label);
        else
                e.where = ak__strdup(where);
        if (err != AK_OK) {
                const char *detail = ak_error_detail();
                e.reason = detail[0] ? ak__import_printf("%s: %s", ak_strerror(err), detail)
                                     : ak__strdup(ak_strerror(err));
                e.status = AK_IMPORT_UNREADABLE;
                ak_account_clear(acct);
        } else {
                e.account = *acct;
                e.account.id[0] = '\0';
                ak_account_init(acct);
        }
        if (e.where == NULL || (err != AK_OK && e.reason == NULL)) {
                entry_clear(&e);
                return AK_ERR_NOMEM;
        }
        imp->entries[imp->count++] = e;
        return AK_OK;
}

enum ak_err ak__import_take(struct ak_import *dst, struct ak_import *src)
{
        enum ak_err rc = reserve(dst, src->count, src->count);

        if (rc != AK_OK)
                return rc;
        if (src->count > 0)
                memcpy(dst->entries + dst->count, src->entries, src->count * sizeof(*src->entries));
        dst->count += src->count;
        free(src->entries);
        src->entries = NULL;
        src->count = src->capacity = 0;
        return AK_OK;
}

enum ak_err ak_import_from_list(struct ak_import *out, const struct ak_account_list *accounts)
{
        struct ak_import tmp;
        enum ak_err rc = AK_OK;

        ak_import_clear(out);
        ak_import_init(&tmp);
        for (size_t i = 0; i < accounts->count && rc == AK_OK; i++) {
                const struct ak_account *src = &accounts->items[i];
                struct ak_account copy;
                char where[40], *label;
                ak_account_init(&copy);
                rc = ak_account_copy(&copy, src);
                if (rc != AK_OK)
                        break;
                label = ak_account_label(src);
                snprintf(where, sizeof(where), "account %zu", i + 1);
                rc = label != NULL ? ak__import_push(&tmp, AK_OK, &copy, where, label)
                                   : AK_ERR_NOMEM;
                free(label);
                ak_account_clear(&copy);
                /* Pushing drops the id (parsed entries have none); a copy keeps it. */
                if (rc == AK_OK)
                        memcpy(tmp.entries[tmp.count - 1].account.id, src->id, sizeof(src->id));
        }
        if (rc == AK_OK)
                *out = tmp;
        else
                ak_import_clear(&tmp);
        return rc;
}

static void count_entries(const struct ak_import *imp, bool carried_only,
                          struct ak_import_counts *counts)
{
        memset(counts, 0, sizeof(*counts));
        for (size_t i = 0; i < imp->count; i++) {
                if (carried_only && imp->entries[i].account.kind != AK_KIND_THIRD_PARTY)
                        continue;
                switch (imp->entries[i].status) {
                case AK_IMPORT_NEW:
                        counts->added++;
                        break;
                case AK_IMPORT_IDENTICAL:
                        counts->identical++;
                        break;
                case AK_IMPORT_CONFLICT:
                        counts->conflicts++;
                        break;
                case AK_IMPORT_UNREADABLE:
                        counts->unreadable++;
                        break;
                }
        }
}

void ak_import_count(const struct ak_import *imp, struct ak_import_counts *counts)
{
        count_entries(imp, false, counts);
}

void ak_import_count_carried(const struct ak_import *imp, struct ak_import_counts *counts)
{
        count_entries(imp, true, counts);
}

enum ak_err ak_import_apply(struct ak_import *imp, struct ak_account_list *dst)
{
        for (size_t i = 0; i < imp->count; i++) {
                struct ak_import_entry *e = &imp->entries[i];
                enum ak_err rc;
                ak__import_progress("adding", i + 1, imp->count);
                if (e->status != AK_IMPORT_NEW && e->status != AK_IMPORT_CONFLICT)
                        continue;
                e->account.id[0] = '\0';
                rc = ak_account_list_push(dst, &e->account);
                if (rc != AK_OK)
                        return rc;
        }
        return AK_OK;
}
