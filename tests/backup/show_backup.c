/*
 * show_backup DB: opens this device's vault ($AUTHKEEP_HOME, passphrase from
 * AUTHKEEP_PASSPHRASE), takes the backup key and recovery account id it keeps,
 * reads the latest backup envelope of that account straight from the server's
 * SQLite file, and decrypts it. Prints:
 *   payload <the decrypted payload, one line per line>
 *   fact NAME VALUE   things of the device that must never be in a backup: its
 *                     ids, its key pair, the session, the backup key, and the
 *                     device-bound secret of each personal or work entry
 *   accounts N        accounts ak_backup_payload_parse reads from it
 * A test then checks what is and is not in the payload.
 *
 * show_backup add-work ISSUER NAME: adds a work account holding a
 * device-bound secret, as an enrolment would (no command makes one yet).
 *
 * show_backup setting NAME [VALUE]: prints this device's setting NAME
 * (settings are backed up; no command of the app sets one yet), after
 * setting it to VALUE and saving when VALUE is given.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "authkeep/authkeep.h"
#include "authkeep/backup.h"
#include "vault_internal.h"

static int die(const char *what)
{
        fprintf(stderr, "show_backup: %s (%s)\n", what, ak_error_detail());
        return 1;
}

static int setting(const char *home, const char *pass, const char *name, const char *value)
{
        char path[4096];
        struct ak_vault *vault = NULL;
        const char *now;

        if (ak_init() != AK_OK)
                return die("init");
        snprintf(path, sizeof(path), "%s/%s", home, AK_VAULT_FILE);
        if (ak_vault_open(&vault, path, pass, strlen(pass)) != AK_OK)
                return die("opening the vault");
        if (value != NULL &&
            (ak_vault_set_setting(vault, name, value) != AK_OK || ak_vault_save(vault) != AK_OK))
                return die("setting");
        now = ak_vault_setting(vault, name);
        printf("%s\n", now ? now : "");
        ak_vault_free(vault);
        return 0;
}

static int add_work(const char *home, const char *pass, const char *issuer, const char *name)
{
        static const unsigned char secret[] = "work-device-secret!!";
        char path[4096];
        struct ak_vault *vault = NULL;
        struct ak_account a;

        if (ak_init() != AK_OK)
                return die("init");
        snprintf(path, sizeof(path), "%s/%s", home, AK_VAULT_FILE);
        if (ak_vault_open(&vault, path, pass, strlen(pass)) != AK_OK)
                return die("opening the vault");
        ak_account_init(&a);
        a.kind = AK_KIND_WORK;
        if (ak_account_set_text(&a.issuer, issuer) != AK_OK ||
            ak_account_set_text(&a.name, name) != AK_OK ||
            ak_account_set_secret(&a, secret, sizeof(secret) - 1) != AK_OK ||
            ak_account_list_push(ak_vault_accounts(vault), &a) != AK_OK ||
            ak_vault_save(vault) != AK_OK)
                return die("adding the work account");
        ak_account_clear(&a);
        ak_vault_free(vault);
        return 0;
}

/* The device-bound secret of every personal and work entry, as base32 and hex. */
static void secret_facts(struct ak_vault *vault)
{
        const struct ak_account_list *list = ak_vault_accounts(vault);
        char b32[2 * AK_SECRET_MAX], hex[2 * AK_SECRET_MAX + 1];

        for (size_t i = 0; i < list->count; i++) {
                const struct ak_account *a = &list->items[i];
                const char *kind = a->kind == AK_KIND_PERSONAL ? "personal" : "work";

                if (a->kind == AK_KIND_THIRD_PARTY || a->secret_len == 0 ||
                    ak_base32_encode(b32, sizeof(b32), a->secret, a->secret_len) != AK_OK)
                        continue;
                b32[strcspn(b32, "=")] = '\0';
                sodium_bin2hex(hex, sizeof(hex), a->secret, a->secret_len);
                printf("fact %s_secret_b32 %s\nfact %s_secret_hex %s\n", kind, b32, kind, hex);
        }
}

int main(int argc, char **argv)
{
        char path[4096], hex[2 * AK_DEVICE_PK_BYTES + 1], b64[128];
        unsigned char key[AK_BACKUP_KEY_BYTES], pk[AK_DEVICE_PK_BYTES], *plain = NULL;
        const char *home = getenv("AUTHKEEP_HOME"), *pass = getenv("AUTHKEEP_PASSPHRASE"), *key_b64,
                   *account_id;
        struct ak_vault *vault = NULL;
        struct ak_account_list accounts = {0};
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        size_t key_len = 0, plain_len = 0;
        long long version;

        if (argc == 4 && strcmp(argv[1], "add-work") == 0 && home != NULL && pass != NULL)
                return add_work(home, pass, argv[2], argv[3]);
        if (argc >= 3 && strcmp(argv[1], "setting") == 0 && home != NULL && pass != NULL)
                return setting(home, pass, argv[2], argc > 3 ? argv[3] : NULL);
        if (argc != 2 || home == NULL || pass == NULL)
                return fprintf(stderr,
                               "usage: AUTHKEEP_HOME=... AUTHKEEP_PASSPHRASE=... show_backup DB\n"),
                       2;
        if (ak_init() != AK_OK)
                return die("init");
        snprintf(path, sizeof(path), "%s/%s", home, AK_VAULT_FILE);
        if (ak_vault_open(&vault, path, pass, strlen(pass)) != AK_OK)
                return die("opening the vault");
        key_b64 = ak_vault_local(vault, "backup.key");
        account_id = ak_vault_local(vault, "backup.account_id");
        if (key_b64 == NULL || account_id == NULL ||
            sodium_base642bin(key, sizeof(key), key_b64, strlen(key_b64), NULL, &key_len, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0 ||
            key_len != sizeof(key))
                return die("backup is not on in this vault");

        if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(db,
                               "SELECT version, envelope FROM backups WHERE account_id = ? "
                               "ORDER BY version DESC LIMIT 1",
                               -1, &st, NULL) != SQLITE_OK)
                return fprintf(stderr, "show_backup: %s\n", sqlite3_errmsg(db)), 1;
        sqlite3_bind_text(st, 1, account_id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_ROW)
                return fprintf(stderr, "show_backup: no backup of account %s in %s\n", account_id,
                               argv[1]),
                       1;
        version = sqlite3_column_int64(st, 0);
        if (ak_backup_open(&plain, &plain_len, sqlite3_column_blob(st, 1),
                           (size_t)sqlite3_column_bytes(st, 1), key, account_id,
                           (uint64_t)version) != AK_OK)
                return die("the envelope does not open with the device's backup key");
        printf("version %lld\n", version);
        for (char *line = strtok((char *)plain, "\n"); line != NULL; line = strtok(NULL, "\n"))
                printf("payload %s\n", line);
        ak_backup_plaintext_free(plain, plain_len);
        plain = NULL;
        /* Parse a second copy: strtok cut the first. */
        if (ak_backup_open(&plain, &plain_len, sqlite3_column_blob(st, 1),
                           (size_t)sqlite3_column_bytes(st, 1), key, account_id,
                           (uint64_t)version) != AK_OK ||
            ak_backup_payload_parse(&accounts, NULL, (const char *)plain, plain_len) != AK_OK)
                return die("parsing the payload");
        printf("accounts %zu\n", accounts.count);

        ak_vault_device_public_key(vault, pk);
        sodium_bin2hex(hex, sizeof(hex), pk, sizeof(pk));
        printf("fact device_id %s\nfact vault_id %s\nfact device_public_key_hex %s\n",
               ak_vault_device_id(vault), ak_vault_id(vault), hex);
        sodium_bin2base64(b64, sizeof(b64), pk, sizeof(pk), sodium_base64_VARIANT_ORIGINAL);
        printf("fact device_public_key_b64 %.40s\n", b64);
        sodium_bin2base64(b64, sizeof(b64), pk, sizeof(pk),
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        printf("fact device_public_key_b64url %.40s\n", b64);
        printf("fact backup_key %s\nfact session_token %s\n", key_b64,
               ak_vault_local(vault, "backup.token"));
        sodium_bin2base64(b64, sizeof(b64), vault->secrets->device_sk,
                          sizeof(vault->secrets->device_sk), sodium_base64_VARIANT_ORIGINAL);
        printf("fact device_private_key_b64 %.40s\n", b64);
        sodium_bin2hex(hex, sizeof(hex), vault->secrets->device_sk, AK_DEVICE_PK_BYTES);
        printf("fact device_private_seed_hex %s\n", hex);
        secret_facts(vault);

        sodium_memzero(key, sizeof(key));
        ak_backup_plaintext_free(plain, plain_len);
        ak_account_list_clear(&accounts);
        sqlite3_finalize(st);
        sqlite3_close(db);
        ak_vault_free(vault);
        return 0;
}
