/*
 * Fuzz target: authkeepd's parser of the password request body
 * (server/request.c, docs/api.md). Any input must give either a filled
 * request or a 400 with a message, never a crash or a leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct akd_password_req *req = calloc(1, sizeof(*req));
        struct akd_error e = {0};
        if (req == NULL)
                return 0;
        int rc = akd_parse_password_req(req, (const char *)data, size, &e);
        /* Every refusal is a 400 with a sentence. */
        if (rc != 0 && (e.status != 400 || e.code == NULL || e.message[0] == '\0'))
                abort();
        akd_error_clear(&e);
        free(req);
        return 0;
}
