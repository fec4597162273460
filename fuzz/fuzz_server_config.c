/*
 * Fuzz target: authkeepd's config file reader (server/config.c). Any input
 * must be read or refused with "line N: ..." and leave nothing allocated
 * after akd_config_free().
 */
#include <stdint.h>
#include <stdlib.h>

#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct akd_config cfg;
        char err[256];
        akd_config_defaults(&cfg);
        if (akd_config_parse(&cfg, (const char *)data, size, err, sizeof(err)) != 0 &&
            err[0] == '\0')
                abort();
        (void)akd_config_check(&cfg, err, sizeof(err));
        akd_config_free(&cfg);
        return 0;
}
