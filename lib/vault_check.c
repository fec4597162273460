/*
 * What the vault accepts (lib/vault_internal.h): setting names, account
 * ids, texts and whole accounts, checked alike when a vault is saved, when
 * its body is read and when a backup payload is parsed, so that whatever
 * opens can be saved again; and the linear check that no account id
 * appears twice.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"
#include "vault_internal.h"

/* A setting's name: [a-z0-9_.-]{1,AK__VAULT_NAME_MAX}. */
bool ak__vault_name_valid(const char *name)
{
        size_t n = 0;

        if (name == NULL)
                return false;
        for (; name[n]; n++) {
                char c = name[n];
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                      c == '-'))
                        return false;
        }
        return n > 0 && n <= AK__VAULT_NAME_MAX;
}

/* The characters of an account id: [0-9A-Za-z_-]. */
static const bool id_chars[256] = {
    ['-'] = 1, ['_'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1,
    ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1,
    ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1,
    ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1,
    ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

/*
 * An account id: [0-9A-Za-z_-]{1,AK_ID_LEN}. A table rather than ranges:
 * random hex ids made the range tests mispredict on every character.
 */
bool ak__vault_id_valid(const char *id)
{
        size_t n = 0;

        while (n <= AK_ID_LEN && id_chars[(unsigned char)id[n]])
                n++;
        return n > 0 && n <= AK_ID_LEN && id[n] == '\0';
}

/* Lowercase hex of exactly AK_DEVICE_ID_LEN characters. */
bool ak__vault_hex_id_valid(const char *s)
{
        size_t n = 0;

        for (; s[n]; n++)
                if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
                        return false;
        return n == AK_DEVICE_ID_LEN;
}

bool ak__vault_text_valid(const char *s)
{
        size_t n = s ? strlen(s) : 0;

        return n <= AK_TEXT_MAX && ak__utf8_valid(s ? s : "", n);
}

const char *const ak__vault_kind_names[3] = {
    [AK_KIND_THIRD_PARTY] = "third_party",
    [AK_KIND_PERSONAL] = "personal",
    [AK_KIND_WORK] = "work",
};

/*
 * Checks that an account can be written and read back (the reader accepts
 * exactly what this lets through). `what` is "accounts[N]" for the detail.
 */
enum ak_err ak__vault_account_check(const struct ak_account *a, size_t index, enum ak_err bad)
{
        if ((unsigned)a->kind > AK_KIND_WORK)
                return ak__fail(bad, "accounts[%zu].kind: unknown", index);
        if ((unsigned)a->type > AK_OTP_STEAM)
                return ak__fail(bad, "accounts[%zu].type: unknown", index);
        if ((unsigned)a->hash > AK_HASH_SHA512)
                return ak__fail(bad, "accounts[%zu].algorithm: unknown", index);
        if (!ak__vault_text_valid(a->issuer))
                return ak__fail(bad, "accounts[%zu].issuer: too long or not UTF-8", index);
        if (!ak__vault_text_valid(a->name))
                return ak__fail(bad, "accounts[%zu].name: too long or not UTF-8", index);
        if (!ak__vault_text_valid(a->label_issuer))
                return ak__fail(bad, "accounts[%zu].label_issuer: too long or not UTF-8", index);
        if (a->digits < 1 || a->digits > 10)
                return ak__fail(bad, "accounts[%zu].digits: %u is outside 1..10", index, a->digits);
        if (a->period == 0)
                return ak__fail(bad, "accounts[%zu].period: 0", index);
        if (a->secret_len > AK_SECRET_MAX || (a->secret_len > 0 && a->secret == NULL))
                return ak__fail(bad, "accounts[%zu].secret: longer than %d bytes", index,
                                AK_SECRET_MAX);
        if (a->kind == AK_KIND_THIRD_PARTY && a->secret_len == 0)
                return ak__fail(bad, "accounts[%zu].secret: missing", index);
        return AK_OK;
}

/*
 * With a hash set of the ids (open addressing, at most half full): linear
 * in the number of accounts. The account list's own push looks ids up one
 * by one, which is quadratic for a vault of 10,000 accounts, and sorting
 * them cost more than reading the whole body.
 */
enum ak_err ak__vault_unique_ids(const struct ak_account_list *a, const struct ak_account_list *b,
                                 enum ak_err bad)
{
        size_t n = a->count + b->count, size = 16;
        const struct ak_account **set;
        enum ak_err err = AK_OK;

        if (n < 2)
                return AK_OK;
        while (size < 2 * n)
                size *= 2;
        set = calloc(size, sizeof(*set));
        if (set == NULL)
                return ak__fail(AK_ERR_NOMEM, NULL);
        for (size_t i = 0; i < n && err == AK_OK; i++) {
                const struct ak_account *acct =
                    i < a->count ? &a->items[i] : &b->items[i - a->count];
                size_t slot =
                    ak__hash(AK__HASH_SEED, acct->id, strlen(acct->id), false) & (size - 1);

                for (; set[slot] != NULL; slot = (slot + 1) & (size - 1)) {
                        if (strcmp(set[slot]->id, acct->id) == 0) {
                                err = ak__fail(bad, "accounts: the id %s appears twice", acct->id);
                                break;
                        }
                }
                set[slot] = acct;
        }
        free(set);
        return err;
}

/* Makes room for `more` accounts at the end of `list`. */
enum ak_err ak__vault_list_reserve(struct ak_account_list *list, size_t more)
{
        struct ak_account *items;

        if (list->count + more <= list->capacity)
                return AK_OK;
        if (more > SIZE_MAX / sizeof(*items) - list->count)
                return ak__fail(AK_ERR_NOMEM, NULL);
        items = realloc(list->items, (list->count + more) * sizeof(*items));
        if (items == NULL)
                return ak__fail(AK_ERR_NOMEM, NULL);
        list->items = items;
        list->capacity = list->count + more;
        return AK_OK;
}
