/*
 * Accounts and ordered lists of them: construction, deep copies, checks,
 * names of types and hashes, and the QUERY matching of SPEC §4.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "authkeep/account.h"
#include "internal.h"

void ak_account_init(struct ak_account *acct)
{
        if (acct == NULL)
                return;
        memset(acct, 0, sizeof(*acct));
        acct->kind = AK_KIND_THIRD_PARTY;
        acct->type = AK_OTP_TOTP;
        acct->hash = AK_HASH_SHA1;
        acct->digits = 6;
        acct->period = 30;
}

void ak_account_clear(struct ak_account *acct)
{
        if (acct == NULL)
                return;
        free(acct->issuer);
        free(acct->name);
        free(acct->label_issuer);
        ak__free_secret(acct->secret, acct->secret_len);
        sodium_memzero(acct, sizeof(*acct));
        ak_account_init(acct);
}

/* Copies `src` (NULL stays NULL) into *dst; false when out of memory. */
static bool copy_text(char **dst, const char *src)
{
        *dst = NULL;
        if (src == NULL)
                return true;
        *dst = ak__strdup(src);
        return *dst != NULL;
}

enum ak_err ak_account_copy(struct ak_account *dst, const struct ak_account *src)
{
        struct ak_account copy;

        if (dst == NULL || src == NULL)
                return ak__fail(AK_ERR_INVALID, "account: missing argument");
        /* Build the copy aside so that `dst` changes only on success. */
        copy = *src;
        copy.issuer = copy.name = copy.label_issuer = NULL;
        copy.secret = NULL;
        copy.secret_len = 0;
        if (!copy_text(&copy.issuer, src->issuer) || !copy_text(&copy.name, src->name) ||
            !copy_text(&copy.label_issuer, src->label_issuer))
                goto nomem;
        if (src->secret != NULL && src->secret_len > 0) {
                copy.secret = malloc(src->secret_len);
                if (copy.secret == NULL)
                        goto nomem;
                memcpy(copy.secret, src->secret, src->secret_len);
                copy.secret_len = src->secret_len;
        }
        ak_account_clear(dst);
        *dst = copy;
        return AK_OK;
nomem:
        ak_account_clear(&copy);
        return ak__fail(AK_ERR_NOMEM, "account: out of memory");
}

enum ak_err ak_account_set_text(char **field, const char *value)
{
        char *copy = NULL;

        if (field == NULL)
                return ak__fail(AK_ERR_INVALID, "account: missing argument");
        if (value != NULL) {
                if (strnlen(value, AK_TEXT_MAX + 1) > AK_TEXT_MAX)
                        return ak__fail(AK_ERR_LIMIT, "text: longer than %d bytes", AK_TEXT_MAX);
                copy = ak__strdup(value);
                if (copy == NULL)
                        return ak__fail(AK_ERR_NOMEM, "account: out of memory");
        }
        free(*field);
        *field = copy;
        return AK_OK;
}

enum ak_err ak_account_set_secret(struct ak_account *acct, const unsigned char *secret, size_t len)
{
        unsigned char *copy;

        if (acct == NULL || (secret == NULL && len > 0))
                return ak__fail(AK_ERR_INVALID, "secret: missing argument");
        if (len == 0)
                return ak__fail(AK_ERR_OTP_PARAM, "secret: empty");
        if (len > AK_SECRET_MAX)
                return ak__fail(AK_ERR_LIMIT, "secret: longer than %d bytes", AK_SECRET_MAX);
        copy = malloc(len);
        if (copy == NULL)
                return ak__fail(AK_ERR_NOMEM, "account: out of memory");
        memcpy(copy, secret, len);
        ak__free_secret(acct->secret, acct->secret_len);
        acct->secret = copy;
        acct->secret_len = len;
        return AK_OK;
}

/* Checks one text field: at most AK_TEXT_MAX bytes of UTF-8 (NULL counts as ""). */
static enum ak_err check_text(const char *field, const char *value)
{
        if (value == NULL)
                return AK_OK;
        if (strnlen(value, AK_TEXT_MAX + 1) > AK_TEXT_MAX)
                return ak__fail(AK_ERR_INVALID, "%s: longer than %d bytes", field, AK_TEXT_MAX);
        if (!ak__utf8_valid_str(value))
                return ak__fail(AK_ERR_INVALID, "%s: not valid UTF-8", field);
        return AK_OK;
}

enum ak_err ak_account_validate(const struct ak_account *acct)
{
        enum ak_err err;

        if (acct == NULL)
                return ak__fail(AK_ERR_INVALID, "account: missing argument");
        if ((unsigned)acct->type > AK_OTP_STEAM)
                return ak__fail(AK_ERR_OTP_PARAM, "type: unknown");
        if ((unsigned)acct->hash > AK_HASH_SHA512)
                return ak__fail(AK_ERR_OTP_PARAM, "algorithm: unknown");
        if ((unsigned)acct->kind > AK_KIND_WORK)
                return ak__fail(AK_ERR_INVALID, "kind: unknown");
        if (acct->secret == NULL || acct->secret_len == 0)
                return ak__fail(AK_ERR_OTP_PARAM, "secret: missing");
        if (acct->secret_len > AK_SECRET_MAX)
                return ak__fail(AK_ERR_OTP_PARAM, "secret: longer than %d bytes", AK_SECRET_MAX);
        if (acct->type == AK_OTP_STEAM) {
                if (acct->digits != 5)
                        return ak__fail(AK_ERR_OTP_PARAM, "digits: %u is not 5 (steam)",
                                        acct->digits);
                if (acct->hash != AK_HASH_SHA1)
                        return ak__fail(AK_ERR_OTP_PARAM, "algorithm: steam uses SHA1");
        } else if (acct->digits < 6 || acct->digits > 8) {
                return ak__fail(AK_ERR_OTP_PARAM, "digits: %u is outside 6..8", acct->digits);
        }
        if (acct->type != AK_OTP_HOTP && acct->period == 0)
                return ak__fail(AK_ERR_OTP_PARAM, "period: 0 is not a period (at least 1 second)");
        if ((err = check_text("issuer", acct->issuer)) != AK_OK ||
            (err = check_text("account", acct->name)) != AK_OK ||
            (err = check_text("label issuer", acct->label_issuer)) != AK_OK)
                return err;
        return AK_OK;
}

bool ak_account_identical(const struct ak_account *a, const struct ak_account *b)
{
        if (a == NULL || b == NULL)
                return false;
        if (a->type != b->type || a->hash != b->hash || a->digits != b->digits)
                return false;
        /* The period means nothing to an HOTP account. */
        if (a->type != AK_OTP_HOTP && a->period != b->period)
                return false;
        if (a->secret_len != b->secret_len || a->secret == NULL || b->secret == NULL)
                return false;
        return sodium_memcmp(a->secret, b->secret, a->secret_len) == 0;
}

/* NULL reads as "". */
static const char *text_or_empty(const char *s)
{
        return s == NULL ? "" : s;
}

bool ak_account_same_label(const struct ak_account *a, const struct ak_account *b)
{
        if (a == NULL || b == NULL)
                return false;
        return strcasecmp(text_or_empty(a->issuer), text_or_empty(b->issuer)) == 0 &&
               strcasecmp(text_or_empty(a->name), text_or_empty(b->name)) == 0;
}

char *ak_account_label(const struct ak_account *acct)
{
        const char *issuer, *name;
        size_t len;
        char *out;

        if (acct == NULL)
                return NULL;
        issuer = text_or_empty(acct->issuer);
        name = text_or_empty(acct->name);
        if (*issuer == '\0')
                return ak__strdup(name);
        len = strlen(issuer) + 1 + strlen(name) + 1;
        out = malloc(len);
        if (out != NULL)
                snprintf(out, len, "%s:%s", issuer, name);
        return out;
}

static const char *const type_names[] = {"totp", "hotp", "steam"};
static const char *const hash_names[] = {"SHA1", "SHA256", "SHA512"};

const char *ak_otp_type_name(enum ak_otp_type type)
{
        return (unsigned)type <= AK_OTP_STEAM ? type_names[type] : "unknown";
}

const char *ak_hash_name(enum ak_hash hash)
{
        return (unsigned)hash <= AK_HASH_SHA512 ? hash_names[hash] : "unknown";
}

enum ak_err ak_otp_type_parse(enum ak_otp_type *out, const char *name)
{
        if (out == NULL || name == NULL)
                return ak__fail(AK_ERR_INVALID, "type: missing argument");
        for (unsigned i = 0; i <= AK_OTP_STEAM; i++) {
                if (strcasecmp(name, type_names[i]) == 0) {
                        *out = (enum ak_otp_type)i;
                        return AK_OK;
                }
        }
        return ak__fail(AK_ERR_OTP_PARAM, "type: not totp, hotp or steam");
}

enum ak_err ak_hash_parse(enum ak_hash *out, const char *name)
{
        /* Also the spellings with a dash ("SHA-256") that some exports use. */
        static const char *const dashed[] = {"SHA-1", "SHA-256", "SHA-512"};

        if (out == NULL || name == NULL)
                return ak__fail(AK_ERR_INVALID, "algorithm: missing argument");
        for (unsigned i = 0; i <= AK_HASH_SHA512; i++) {
                if (strcasecmp(name, hash_names[i]) == 0 || strcasecmp(name, dashed[i]) == 0) {
                        *out = (enum ak_hash)i;
                        return AK_OK;
                }
        }
        return ak__fail(AK_ERR_OTP_PARAM, "algorithm: not SHA1, SHA256 or SHA512");
}

void ak_account_list_init(struct ak_account_list *list)
{
        if (list != NULL)
                memset(list, 0, sizeof(*list));
}

void ak_account_list_clear(struct ak_account_list *list)
{
        if (list == NULL)
                return;
        for (size_t i = 0; i < list->count; i++)
                ak_account_clear(&list->items[i]);
        free(list->items);
        ak_account_list_init(list);
}

size_t ak_account_list_carried(const struct ak_account_list *list)
{
        size_t n = 0;
        for (size_t i = 0; list != NULL && i < list->count; i++)
                n += list->items[i].kind == AK_KIND_THIRD_PARTY;
        return n;
}

/* Index of the account with id `id`, or list->count when none has it. */
static size_t find_id(const struct ak_account_list *list, const char *id)
{
        size_t i;

        for (i = 0; i < list->count; i++)
                if (strcmp(list->items[i].id, id) == 0)
                        break;
        return i;
}

enum ak_err ak_account_list_push(struct ak_account_list *list, struct ak_account *acct)
{
        if (list == NULL || acct == NULL)
                return ak__fail(AK_ERR_INVALID, "account list: missing argument");
        if (acct->id[0] != '\0' && find_id(list, acct->id) < list->count)
                return ak__fail(AK_ERR_EXISTS, "id: %s is in the list already", acct->id);
        if (list->count == list->capacity) {
                size_t capacity = list->capacity ? list->capacity * 2 : 16;
                struct ak_account *items;

                if (capacity > SIZE_MAX / sizeof(*items))
                        return ak__fail(AK_ERR_NOMEM, "account list: too many accounts");
                items = realloc(list->items, capacity * sizeof(*items));
                if (items == NULL)
                        return ak__fail(AK_ERR_NOMEM, "account list: out of memory");
                list->items = items;
                list->capacity = capacity;
        }
        /* 64 random bits practically never collide; drawing again when they do costs nothing. */
        if (acct->id[0] == '\0') {
                do
                        ak__random_hex(acct->id, AK_ID_BYTES);
                while (find_id(list, acct->id) < list->count);
        }
        list->items[list->count++] = *acct;
        ak_account_init(acct);
        return AK_OK;
}

void ak_account_list_remove(struct ak_account_list *list, size_t index)
{
        if (list == NULL || index >= list->count)
                return;
        ak_account_clear(&list->items[index]);
        memmove(&list->items[index], &list->items[index + 1],
                (list->count - index - 1) * sizeof(list->items[0]));
        list->count--;
}

enum ak_err ak_account_list_move(struct ak_account_list *list, size_t from, size_t to)
{
        struct ak_account moving;

        if (list == NULL)
                return ak__fail(AK_ERR_INVALID, "account list: missing argument");
        if (from >= list->count || to >= list->count)
                return ak__fail(AK_ERR_INVALID, "position: %zu is outside 1..%zu",
                                (from >= list->count ? from : to) + 1, list->count);
        if (from == to)
                return AK_OK;
        moving = list->items[from];
        if (from < to)
                memmove(&list->items[from], &list->items[from + 1],
                        (to - from) * sizeof(list->items[0]));
        else
                memmove(&list->items[to + 1], &list->items[to],
                        (from - to) * sizeof(list->items[0]));
        list->items[to] = moving;
        return AK_OK;
}

/*
 * Matching runs in rounds, strongest first: exact id, exact label, then
 * substring of the label. The first round that matches anything decides:
 * one match is the answer, several are ambiguous.
 */
enum match_round { MATCH_ID, MATCH_LABEL, MATCH_SUBSTRING };

/*
 * True when the label of `acct` ("Issuer:name", or the name alone) equals
 * `query` in any case, compared in place: `code QUERY` runs this over every
 * account, and making a thousand labels cost more than the match.
 */
static bool label_equals(const struct ak_account *acct, const char *query)
{
        const char *issuer = text_or_empty(acct->issuer), *name = text_or_empty(acct->name);
        size_t li = strlen(issuer);

        if (li == 0)
                return strcasecmp(name, query) == 0;
        return strncasecmp(query, issuer, li) == 0 && query[li] == ':' &&
               strcasecmp(query + li + 1, name) == 0;
}

/* True when `query` is part of the label of `acct`, in any case. */
static bool label_contains(const struct ak_account *acct, const char *query)
{
        const char *issuer = text_or_empty(acct->issuer), *name = text_or_empty(acct->name);
        size_t li = strlen(issuer), ln = strlen(name);
        char label[2 * AK_TEXT_MAX + 2];
        bool found;

        if (li == 0)
                return strcasestr(name, query) != NULL;
        if (li + ln + 2 > sizeof(label)) {
                char *copy = ak_account_label(acct);
                found = copy != NULL && strcasestr(copy, query) != NULL;
                free(copy);
                return found;
        }
        memcpy(label, issuer, li);
        label[li] = ':';
        memcpy(label + li + 1, name, ln + 1);
        return strcasestr(label, query) != NULL;
}

/* True when account `acct` matches `query` in `round`. */
static bool matches(const struct ak_account *acct, const char *query, enum match_round round)
{
        switch (round) {
        case MATCH_ID:
                return acct->id[0] != '\0' && strcasecmp(acct->id, query) == 0;
        case MATCH_LABEL:
                return label_equals(acct, query);
        case MATCH_SUBSTRING:
                return label_contains(acct, query);
        }
        return false;
}

enum ak_err ak_account_list_find(const struct ak_account_list *list, const char *query,
                                 size_t *index, size_t **candidates, size_t *ncandidates)
{
        size_t *found = NULL, nfound = 0;
        enum ak_err err = AK_OK;

        if (list == NULL || query == NULL || index == NULL)
                return ak__fail(AK_ERR_INVALID, "query: missing argument");
        if (*query == '\0')
                return ak__fail(AK_ERR_NOT_FOUND, "query: empty");
        if (list->count == 0)
                return ak__fail(AK_ERR_NOT_FOUND, "query: no account matches '%s'", query);
        found = malloc(list->count * sizeof(*found));
        if (found == NULL)
                return ak__fail(AK_ERR_NOMEM, "query: out of memory");
        for (int round = MATCH_ID; round <= MATCH_SUBSTRING && nfound == 0; round++)
                for (size_t i = 0; i < list->count; i++)
                        if (matches(&list->items[i], query, (enum match_round)round))
                                found[nfound++] = i;
        if (nfound == 0) {
                err = ak__fail(AK_ERR_NOT_FOUND, "query: no account matches '%s'", query);
        } else if (nfound == 1) {
                *index = found[0];
        } else {
                err = ak__fail(AK_ERR_AMBIGUOUS, "query: '%s' matches %zu accounts", query, nfound);
                if (candidates != NULL && ncandidates != NULL) {
                        *candidates = found;
                        *ncandidates = nfound;
                        found = NULL;
                }
        }
        free(found);
        return err;
}
