/*
 * Fuzz target: pam_authkeep.so's options (pam/pam_config.c,
 * pam_ak_config_parse). The input is split into arguments at NUL bytes, as
 * PAM hands them over after splitting a line. Options accepted must be
 * within their bounds; a refusal always says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pam_authkeep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ARGS_MAX 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *copy = malloc(size + 1), why[PAM_AK_WHY_MAX];
        const char *argv[ARGS_MAX];
        struct pam_ak_config c;
        int argc = 0;

        if (copy == NULL)
                abort();
        memcpy(copy, data, size);
        copy[size] = '\0';
        for (size_t i = 0; i <= size && argc < ARGS_MAX;) {
                argv[argc++] = copy + i;
                i += strlen(copy + i) + 1;
        }
        if (pam_ak_config_parse(&c, argc, argv, why) == 0) {
                if (c.server == NULL || c.timeout < PAM_AK_TIMEOUT_MIN ||
                    c.timeout > PAM_AK_TIMEOUT_MAX ||
                    (c.app != NULL && strlen(c.app) > PAM_AK_APP_MAX) ||
                    (c.user_map != NULL && c.user_map[0] != '/'))
                        abort();
        } else if (why[0] == '\0') {
                abort();
        }
        free(copy);
        return 0;
}
