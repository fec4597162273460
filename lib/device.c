/*
 * This device on its personal account (include/authkeep/device.h): the
 * registration that gives it its own TOTP secret, and the personal entry
 * that shows its code. The entry names the account by server and email
 * (issuer and name); its secret is this device's alone, so that a backup
 * carries only the reference (lib/backup_payload.c) and a recovered device
 * registers itself and gets a secret of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "authkeep/authkeep.h"
#include "authkeep/verify.h"
#include "client_internal.h"

bool ak__device_server_key(char *buf, size_t size, const char *server)
{
        size_t n = strlen(server);

        while (n > 0 && server[n - 1] == '/')
                n--;
        if (n == 0 || n >= size || n > AK_TEXT_MAX)
                return false;
        memcpy(buf, server, n);
        buf[n] = '\0';
        return true;
}

enum ak_err ak__device_entry_find(const struct ak_account_list *accounts, enum ak_account_kind kind,
                                  const char *server, const char *email, size_t *index)
{
        char key[AK_TEXT_MAX + 1];
        const char *what = kind == AK_KIND_WORK ? "work" : "personal";

        if (!ak__device_server_key(key, sizeof(key), server))
                return ak__fail(AK_ERR_INVALID, "%s account: bad server", what);
        for (size_t i = 0; i < accounts->count; i++) {
                const struct ak_account *a = &accounts->items[i];

                if (a->kind == kind && a->issuer != NULL && a->name != NULL &&
                    strcmp(a->issuer, key) == 0 && strcasecmp(a->name, email) == 0) {
                        *index = i;
                        return AK_OK;
                }
        }
        return ak__fail(AK_ERR_NOT_FOUND, "no %s account %s at %s", what, email, key);
}

enum ak_err ak__device_derived_id(char out[AK_DEVICE_ID_LEN + 1], const struct ak_vault *vault,
                                  const char *tag, const char *server, const char *email,
                                  const char *what)
{
        char key[AK_TEXT_MAX + 1], lower[AK__EMAIL_MAX + 1];
        const char *id = ak_vault_device_id(vault);
        unsigned char hash[AK_DEVICE_ID_LEN / 2];
        crypto_generichash_state h;
        size_t n = email != NULL ? strlen(email) : 0;

        if (!ak__device_server_key(key, sizeof(key), server) || n == 0 || n > AK__EMAIL_MAX ||
            id == NULL || strlen(id) != AK_DEVICE_ID_LEN)
                return ak__fail(AK_ERR_INVALID, "%s: bad server or email", what);
        for (size_t i = 0; i <= n; i++)
                lower[i] = email[i] >= 'A' && email[i] <= 'Z' ? (char)(email[i] + 32) : email[i];
        crypto_generichash_init(&h, (const unsigned char *)id, AK_DEVICE_ID_LEN, sizeof(hash));
        crypto_generichash_update(&h, (const unsigned char *)tag, strlen(tag) + 1);
        crypto_generichash_update(&h, (const unsigned char *)key, strlen(key) + 1);
        crypto_generichash_update(&h, (const unsigned char *)lower, n);
        crypto_generichash_final(&h, hash, sizeof(hash));
        sodium_bin2hex(out, AK_DEVICE_ID_LEN + 1, hash, sizeof(hash));
        return AK_OK;
}

enum ak_err ak_device_personal_find(const struct ak_account_list *accounts, const char *server,
                                    const char *email, size_t *index)
{
        return ak__device_entry_find(accounts, AK_KIND_PERSONAL, server, email, index);
}

enum ak_err ak_device_name_check(const char *name)
{
        if (name == NULL || !ak__utf8_valid_str(name))
                return ak__fail(AK_ERR_INVALID, "device name: not UTF-8 text");
        for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
                /* C0 controls, DEL, and C1 controls (U+0080..U+009F: C2 80..9F). */
                if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
                        return ak__fail(AK_ERR_INVALID, "device name: no control characters");
        }
        return AK_OK;
}

void ak__device_name(char out[AK_DEVICE_NAME_MAX + 1], const char *name)
{
        size_t n = name != NULL ? strlen(name) : 0;

        if (n == 0) {
                snprintf(out, AK_DEVICE_NAME_MAX + 1, "device");
                return;
        }
        if (n > AK_DEVICE_NAME_MAX) {
                n = AK_DEVICE_NAME_MAX;
                while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
                        n--;
        }
        memcpy(out, name, n);
        out[n] = '\0';
}

enum ak_err ak__device_set_code(struct ak_account *a, const unsigned char *secret)
{
        a->type = AK_OTP_TOTP;
        a->hash = AK_HASH_SHA1;
        a->digits = 6;
        a->period = 30;
        a->counter = 0;
        return ak_account_set_secret(a, secret, AK_DEVICE_TOTP_BYTES);
}

/* Adds the entry of `kind` for (server, email) with `secret`. */
static enum ak_err add_entry(struct ak_vault *vault, enum ak_account_kind kind, const char *server,
                             const char *email, const unsigned char *secret, int64_t created)
{
        struct ak_account a;
        enum ak_err err;

        ak_account_init(&a);
        a.kind = kind;
        a.created = created;
        err = ak_account_set_text(&a.issuer, server);
        if (err == AK_OK)
                err = ak_account_set_text(&a.name, email);
        if (err == AK_OK)
                err = ak__device_set_code(&a, secret);
        if (err == AK_OK)
                err = ak_account_list_push(ak_vault_accounts(vault), &a);
        ak_account_clear(&a);
        return err;
}

enum ak_err ak__device_entry_store(struct ak_vault *vault, enum ak_account_kind kind,
                                   const char *server, const char *email,
                                   const unsigned char *secret, int64_t registered_at, bool *added)
{
        size_t index;

        *added = false;
        if (ak__device_entry_find(ak_vault_accounts(vault), kind, server, email, &index) == AK_OK)
                return ak__device_set_code(&ak_vault_accounts(vault)->items[index], secret);
        ak_error_clear();
        enum ak_err err = add_entry(vault, kind, server, email, secret,
                                    registered_at > 0 ? registered_at : (int64_t)time(NULL));
        *added = err == AK_OK;
        return err;
}

enum ak_err ak_device_register(struct ak_client *client, struct ak_vault *vault, const char *server,
                               const char *email, const char *name,
                               struct ak_device_registration *out)
{
        return ak_device_register_as(client, vault, NULL, server, email, name, out);
}

enum ak_err ak_device_register_as(struct ak_client *client, struct ak_vault *vault,
                                  const char *device_id, const char *server, const char *email,
                                  const char *name, struct ak_device_registration *out)
{
        struct ak_device_registration r;
        struct ak_device_registered got;
        char key[AK_TEXT_MAX + 1], cut[AK_DEVICE_NAME_MAX + 1];
        size_t index;
        enum ak_err err;

        memset(&r, 0, sizeof(r));
        memset(&got, 0, sizeof(got));
        if (!ak__device_server_key(key, sizeof(key), server) || email == NULL || *email == '\0') {
                err = ak__fail(AK_ERR_INVALID, "device: bad server or email");
                goto done;
        }
        ak__device_name(cut, name);
        err = ak__client_register_device(client, vault, device_id, cut, &got, &r.max_devices);
        if (err != AK_OK)
                goto done;
        r.registered_at = got.registered_at;
        r.waits = got.waits;
        err = ak__device_entry_store(vault, AK_KIND_PERSONAL, key, email, got.totp_secret,
                                     got.registered_at, &r.added);
        if (err == AK_OK)
                err = ak_device_personal_find(ak_vault_accounts(vault), key, email, &index);
        if (err == AK_OK)
                err = ak_device_entry_set_waiting(vault, index, got.waits);
done:
        sodium_memzero(&got, sizeof(got));
        r.err = err;
        if (err != AK_OK)
                snprintf(r.detail, sizeof(r.detail), "%s", ak_error_detail());
        if (out != NULL)
                *out = r;
        return err;
}
