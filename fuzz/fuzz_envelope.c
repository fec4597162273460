/*
 * Opens arbitrary bytes as a backup envelope under a fixed key, account id
 * and version (the golden envelope in the corpus opens), and seals the
 * input as a payload and opens it again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authkeep/authkeep.h"

static const unsigned char key[AK_BACKUP_KEY_BYTES] = "backup key backup key backup key";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        unsigned char *plain = NULL, *env = NULL;
        size_t plain_len = 0, env_len = 0;
        enum ak_err err;

        if (ak_init() != AK_OK)
                abort();
        err = ak_backup_open(&plain, &plain_len, data, size, key, "acct-1", 7);
        if (err == AK_OK) {
                if (plain_len + AK_BACKUP_OVERHEAD != size || plain[plain_len] != '\0')
                        abort();
                ak_backup_plaintext_free(plain, plain_len);
        } else if (err != AK_ERR_FORMAT && err != AK_ERR_UNSUPPORTED &&
                   err != AK_ERR_BACKUP_TAMPERED) {
                abort();
        }

        if (ak_backup_seal(&env, &env_len, data, size, key, "acct-1", 8) != AK_OK)
                abort();
        if (ak_backup_open(&plain, &plain_len, env, env_len, key, "acct-1", 8) != AK_OK ||
            plain_len != size || (size > 0 && memcmp(plain, data, size) != 0))
                abort();
        ak_backup_plaintext_free(plain, plain_len);
        free(env);
        return 0;
}
