/*
 * Fuzz target for the vault reader. Each input is tried three ways:
 *   - as a whole vault file, opened with the passphrase "fuzz" (the seeds
 *     are real vaults made with it at libsodium's minimum Argon2id cost;
 *     files asking for more cost are refused, so runs stay fast);
 *   - as the plaintext body inside a vault, in its binary encoding (a
 *     mutated ciphertext never passes its MAC, so the body parser is
 *     reached directly too);
 *   - as a backup payload.
 * Whatever is read must write back into something that reads again.
 */
#include <stdint.h>
#include <stdlib.h>

#include <sodium.h>

#include "authkeep/authkeep.h"
#include "internal.h"
#include "vault_internal.h"

/* Writes the payload of a vault that was read, and reads it back: that must work. */
static void check_payload_round_trip(const struct ak_vault *v)
{
        struct ak_account_list list;
        char *payload = NULL, *settings = NULL;
        size_t len = 0;

        if (ak_vault_backup_payload(v, &payload, &len) != AK_OK)
                abort();
        ak_account_list_init(&list);
        if (ak_backup_payload_parse(&list, &settings, payload, len) != AK_OK)
                abort();
        ak_account_list_clear(&list);
        free(settings);
        ak__free_secret(payload, len);
}

/* Writes the body of a vault that was read, and reads it back: that must work. */
static void check_body_round_trip(const struct ak_vault *v)
{
        struct ak_vault *again = NULL;
        char *body = NULL;
        size_t len = 0;

        if (ak__vault_body(v, &body, &len) != AK_OK)
                abort();
        if (ak__vault_parse_body(&again, body, len) != AK_OK)
                abort();
        if (ak_vault_accounts(again)->count != ak_vault_accounts((struct ak_vault *)v)->count)
                abort();
        ak_vault_free(again);
        ak__free_secret(body, len + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const struct ak_kdf_params kdf_max = {crypto_pwhash_OPSLIMIT_MIN,
                                                     crypto_pwhash_MEMLIMIT_MIN};
        static int ready;
        struct ak_vault *v = NULL;
        struct ak_account_list list;
        char *settings = NULL;

        if (!ready) {
                if (ak_init() != AK_OK)
                        abort();
                ready = 1;
        }
        if (size > (1u << 20))
                return 0;

        if (ak__vault_open_buffer(&v, NULL, (const char *)data, size, "fuzz", 4, &kdf_max) ==
            AK_OK) {
                check_payload_round_trip(v);
                ak_vault_free(v);
                v = NULL;
        }
        if (ak__vault_parse_body(&v, (const char *)data, size) == AK_OK) {
                check_body_round_trip(v);
                check_payload_round_trip(v);
                ak_vault_free(v);
        }
        ak_account_list_init(&list);
        if (ak_backup_payload_parse(&list, &settings, (const char *)data, size) == AK_OK)
                free(settings);
        ak_account_list_clear(&list);
        return 0;
}
