/*
 * Personal accounts besides the backup's (include/authkeep/device.h,
 * `authkeep account add`). The backup's account knows this device by the
 * vault's own device id; every other personal account, like a work
 * account, by an id derived from it, since the server's device ids are
 * unique per server and one device may be on several accounts of one.
 *
 * Which id an entry was registered with is device-local state
 * ("device.ID", never backed up), so that turning backup off or on with
 * another account later does not change the id the server knows; the
 * server's own URL rule (plain HTTP only to loopback, unless `insecure`)
 * is kept beside it ("insecure.ID").
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "authkeep/authkeep.h"
#include "client_internal.h"
#include "sync_internal.h"

static const char personal_tag[] = "authkeep-personal";

/* The device-local name `prefix`.ID of the entry `a`. */
static void local_name(char out[16 + AK_ID_LEN + 1], const char *prefix, const struct ak_account *a)
{
        snprintf(out, 16 + AK_ID_LEN + 1, "%s.%s", prefix, a->id);
}

/* Whether (server, email) is the account backup goes to on this device. */
static bool is_backup_account(const struct ak_vault *vault, const char *server, const char *email)
{
        const char *backup_server = ak__sync_get(vault, "server");
        const char *backup_email = ak__sync_get(vault, "email");
        char a[AK_TEXT_MAX + 1], b[AK_TEXT_MAX + 1];

        return backup_server != NULL && backup_email != NULL &&
               ak__device_server_key(a, sizeof(a), server) &&
               ak__device_server_key(b, sizeof(b), backup_server) && strcmp(a, b) == 0 &&
               strcasecmp(email, backup_email) == 0;
}

enum ak_err ak_personal_device_id(char out[AK_DEVICE_ID_LEN + 1], const struct ak_vault *vault,
                                  const char *server, const char *email)
{
        const char *own = ak_vault_device_id(vault);

        if (server == NULL || email == NULL)
                return ak__fail(AK_ERR_INVALID, "personal account: bad server or email");
        if (!is_backup_account(vault, server, email))
                return ak__device_derived_id(out, vault, personal_tag, server, email,
                                             "personal account");
        if (own == NULL || strlen(own) != AK_DEVICE_ID_LEN)
                return ak__fail(AK_ERR_INVALID, "personal account: the vault has no device id");
        memcpy(out, own, AK_DEVICE_ID_LEN + 1);
        return AK_OK;
}

/* The entry `index` when it is a personal or work entry naming an account; else NULL. */
static const struct ak_account *device_entry(const struct ak_vault *vault, size_t index)
{
        const struct ak_account_list *list = ak_vault_accounts((struct ak_vault *)vault);

        if (index >= list->count)
                return NULL;
        const struct ak_account *a = &list->items[index];
        if ((a->kind != AK_KIND_PERSONAL && a->kind != AK_KIND_WORK) || a->issuer == NULL ||
            a->name == NULL)
                return NULL;
        return a;
}

/* The device id kept for an added personal entry, or NULL. */
static const char *added_id(const struct ak_vault *vault, const struct ak_account *a)
{
        char name[16 + AK_ID_LEN + 1];
        const char *id;

        if (a->kind != AK_KIND_PERSONAL)
                return NULL;
        local_name(name, "device", a);
        id = ak_vault_local(vault, name);
        return id != NULL && strlen(id) == AK_DEVICE_ID_LEN ? id : NULL;
}

bool ak_device_entry_added(const struct ak_vault *vault, size_t index)
{
        const struct ak_account *a = device_entry(vault, index);

        return a != NULL && added_id(vault, a) != NULL;
}

enum ak_err ak_device_entry_id(char out[AK_DEVICE_ID_LEN + 1], const struct ak_vault *vault,
                               size_t index)
{
        const struct ak_account *a = device_entry(vault, index);
        const char *id;

        if (a == NULL)
                return ak__fail(AK_ERR_INVALID, "not a personal or work account's entry");
        if (a->kind == AK_KIND_WORK)
                return ak_work_device_id(out, vault, a->issuer, a->name);
        id = added_id(vault, a);
        if (id == NULL)
                id = ak_vault_device_id(vault);
        if (id == NULL || strlen(id) != AK_DEVICE_ID_LEN)
                return ak__fail(AK_ERR_INVALID, "personal account: the vault has no device id");
        memcpy(out, id, AK_DEVICE_ID_LEN + 1);
        return AK_OK;
}

enum ak_err ak_device_entry_client(struct ak_client **out, const struct ak_vault *vault,
                                   size_t index, const struct ak_client_options *options)
{
        const struct ak_account *a = device_entry(vault, index);
        struct ak_client_options o = *options;
        char name[16 + AK_ID_LEN + 1];

        if (a == NULL)
                return ak__fail(AK_ERR_INVALID, "not a personal or work account's entry");
        local_name(name, "insecure", a);
        if (a->kind == AK_KIND_PERSONAL && ak_vault_local(vault, name) != NULL)
                o.insecure = true;
        return ak_client_new(out, a->issuer, &o);
}

enum ak_err ak_account_add_check(const struct ak_vault *vault, const char *server,
                                 const char *email)
{
        const struct ak_account_list *accounts = ak_vault_accounts((struct ak_vault *)vault);
        char key[AK_TEXT_MAX + 1];
        size_t n = email != NULL ? strlen(email) : 0, index;
        const char *at = email != NULL ? strchr(email, '@') : NULL;

        if (server == NULL || !ak__device_server_key(key, sizeof(key), server))
                return ak__fail(AK_ERR_INVALID, "the server's URL is empty or too long");
        server = key;
        if (n < 3 || n > AK__EMAIL_MAX || at == NULL || at == email || at[1] == '\0' ||
            !ak__utf8_valid_str(email))
                return ak__fail(AK_ERR_INVALID, "'%.64s' is not an email address", email);
        for (const unsigned char *p = (const unsigned char *)email; *p != '\0'; p++)
                if (*p <= 0x20 || *p == 0x7f)
                        return ak__fail(AK_ERR_INVALID, "an email address has no spaces or "
                                                        "control characters");
        if (is_backup_account(vault, server, email))
                return ak__fail(AK_ERR_EXISTS, "%s is already this device's backup account", email);
        if (ak_device_personal_find(accounts, server, email, &index) == AK_OK &&
            accounts->items[index].secret_len > 0)
                return ak__fail(AK_ERR_EXISTS, "%s at %s is on this device already", email,
                                accounts->items[index].issuer);
        ak_error_clear();
        return AK_OK;
}

/*
 * Keeps the device id (and `insecure`) of the entry of (server, email);
 * on failure removes the entry when it was `added` just now.
 */
static enum ak_err mark_added(struct ak_vault *vault, const char *server, const char *email,
                              const char *device_id, bool insecure, bool added)
{
        struct ak_account_list *accounts = ak_vault_accounts(vault);
        char name[16 + AK_ID_LEN + 1];
        size_t index;
        enum ak_err err = ak_device_personal_find(accounts, server, email, &index);

        if (err != AK_OK)
                return err;
        local_name(name, "device", &accounts->items[index]);
        err = ak_vault_set_local(vault, name, device_id);
        local_name(name, "insecure", &accounts->items[index]);
        if (err == AK_OK)
                err = ak_vault_set_local(vault, name, insecure ? "1" : NULL);
        if (err != AK_OK && added) {
                /* Its device-local state goes with it ("verify.ID": lib/client_verify.c). */
                local_name(name, "verify", &accounts->items[index]);
                (void)ak_vault_set_local(vault, name, NULL);
                local_name(name, "device", &accounts->items[index]);
                (void)ak_vault_set_local(vault, name, NULL);
                ak_account_list_remove(accounts, index);
        }
        return err;
}

enum ak_err ak_account_add(struct ak_vault *vault, const char *server, const char *email,
                           const char *password, size_t password_len, const char *name,
                           const struct ak_client_options *options,
                           struct ak_device_registration *out)
{
        struct ak_device_registration r;
        struct ak_client *client = NULL;
        struct ak_session session;
        char key[AK_TEXT_MAX + 1], device_id[AK_DEVICE_ID_LEN + 1];
        enum ak_err err;

        memset(&r, 0, sizeof(r));
        memset(&session, 0, sizeof(session));
        err = ak_account_add_check(vault, server, email);
        if (err != AK_OK)
                goto done;
        (void)ak__device_server_key(key, sizeof(key), server); /* it fits: checked above */
        err = ak_personal_device_id(device_id, vault, key, email);
        if (err == AK_OK)
                err = ak_client_new(&client, key, options);
        if (err == AK_OK)
                err = ak_client_sign_in(client, &session, email, password, password_len, false);
        if (err != AK_OK)
                goto done;
        err = ak_device_register_as(client, vault, device_id, key, email, name, &r);
        if (err == AK_OK)
                err = mark_added(vault, key, email, device_id, options->insecure, r.added);
        if (err != AK_OK)
                snprintf(r.detail, sizeof(r.detail), "%s", ak_error_detail());
        /* The session was only for this: end it, whatever the registration gave. */
        (void)ak_client_sign_out(client);
        if (err == AK_OK)
                ak_error_clear();
        else
                (void)ak__fail(err, "%s", r.detail);
done:
        ak_session_wipe(&session);
        ak_client_free(client);
        r.err = err;
        if (err != AK_OK && r.detail[0] == '\0')
                snprintf(r.detail, sizeof(r.detail), "%s", ak_error_detail());
        if (out != NULL)
                *out = r;
        return err;
}
