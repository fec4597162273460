/*
 * Fuzz target: pam_authkeep.so's user map (pam/pam_config.c,
 * pam_ak_map_find). The input's first line is the PAM user, the rest the
 * map. A user found must be named on one line only and get an email that
 * passes the account rule; nothing is written on any other result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pam_authkeep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *text = (const char *)data, *nl = memchr(text, '\n', size);
        char user[128], email[PAM_AK_EMAIL_MAX + 1] = "", why[PAM_AK_WHY_MAX];
        size_t user_len = nl != NULL ? (size_t)(nl - text) : 0;
        enum pam_ak_map_result r;

        if (nl == NULL || user_len >= sizeof(user) || memchr(text, '\0', user_len) != NULL)
                return 0;
        memcpy(user, text, user_len);
        user[user_len] = '\0';
        r = pam_ak_map_find(nl + 1, size - user_len - 1, user, email, why);
        if (r == PAM_AK_MAP_FOUND && !ak__email_valid(email))
                abort();
        if (r != PAM_AK_MAP_FOUND && email[0] != '\0')
                abort();
        if (r == PAM_AK_MAP_BAD && why[0] == '\0')
                abort();
        return 0;
}
