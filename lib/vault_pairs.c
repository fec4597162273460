/*
 * The vault's settings and device-local state (lib/vault_internal.h):
 * name/value strings in insertion order, capped in number and size, whose
 * strings are wiped when they are freed or replaced.
 */
#include <stdlib.h>
#include <string.h>

#include "authkeep/vault.h"
#include "internal.h"
#include "vault_internal.h"

void ak__vault_pairs_clear(struct ak__vault_pairs *pairs)
{
        for (size_t i = 0; i < pairs->count; i++) {
                ak__free_secret_str(pairs->items[i].name);
                ak__free_secret_str(pairs->items[i].value);
        }
        free(pairs->items);
        pairs->items = NULL;
        pairs->count = 0;
}

const char *ak__vault_pairs_get(const struct ak__vault_pairs *pairs, const char *name)
{
        if (name == NULL)
                return NULL;
        for (size_t i = 0; i < pairs->count; i++)
                if (strcmp(pairs->items[i].name, name) == 0)
                        return pairs->items[i].value;
        return NULL;
}

/* Sets, replaces or (value NULL) removes one entry. */
enum ak_err ak__vault_pairs_set(struct ak__vault_pairs *pairs, const char *name, const char *value)
{
        char *copy = NULL;
        size_t i;

        if (!ak__vault_name_valid(name))
                return ak__fail(AK_ERR_INVALID, "setting name: must be 1 to %d of [a-z0-9_.-]",
                                AK__VAULT_NAME_MAX);
        if (value != NULL &&
            (strlen(value) > AK__VAULT_VALUE_MAX || !ak__utf8_valid(value, strlen(value))))
                return ak__fail(AK_ERR_INVALID, "%s: value too long or not UTF-8", name);
        for (i = 0; i < pairs->count; i++)
                if (strcmp(pairs->items[i].name, name) == 0)
                        break;
        if (value == NULL) {
                if (i == pairs->count)
                        return AK_OK;
                ak__free_secret_str(pairs->items[i].name);
                ak__free_secret_str(pairs->items[i].value);
                memmove(&pairs->items[i], &pairs->items[i + 1],
                        (pairs->count - i - 1) * sizeof(*pairs->items));
                pairs->count--;
                return AK_OK;
        }
        copy = ak__strdup(value);
        if (copy == NULL)
                return ak__fail(AK_ERR_NOMEM, NULL);
        if (i < pairs->count) {
                ak__free_secret_str(pairs->items[i].value);
                pairs->items[i].value = copy;
                return AK_OK;
        }
        if (pairs->count >= AK__VAULT_PAIRS_MAX) {
                ak__free_secret_str(copy);
                return ak__fail(AK_ERR_LIMIT, "%s: more than %d entries", name,
                                AK__VAULT_PAIRS_MAX);
        }
        struct ak__vault_pair *items = realloc(pairs->items, (pairs->count + 1) * sizeof(*items));
        char *name_copy = ak__strdup(name);
        if (items == NULL || name_copy == NULL) {
                if (items != NULL)
                        pairs->items = items;
                free(name_copy);
                ak__free_secret_str(copy);
                return ak__fail(AK_ERR_NOMEM, NULL);
        }
        pairs->items = items;
        items[pairs->count].name = name_copy;
        items[pairs->count].value = copy;
        pairs->count++;
        return AK_OK;
}

const char *ak_vault_setting(const struct ak_vault *vault, const char *name)
{
        return ak__vault_pairs_get(&vault->settings, name);
}

enum ak_err ak_vault_set_setting(struct ak_vault *vault, const char *name, const char *value)
{
        return ak__vault_pairs_set(&vault->settings, name, value);
}

const char *ak_vault_local(const struct ak_vault *vault, const char *name)
{
        return ak__vault_pairs_get(&vault->local, name);
}

enum ak_err ak_vault_set_local(struct ak_vault *vault, const char *name, const char *value)
{
        return ak__vault_pairs_set(&vault->local, name, value);
}
