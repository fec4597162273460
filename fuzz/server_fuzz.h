/*
 * Shared by the fuzz targets of authkeepd's request parsers
 * (server/request.c, docs/api.md): any input must give either a filled
 * request or a 400 with a message, never a crash or a leak.
 */
#ifndef AUTHKEEP_SERVER_FUZZ_H
#define AUTHKEEP_SERVER_FUZZ_H

#include <stdint.h>
#include <stdlib.h>

#include "server.h"

/* For requests that own nothing once parsed. */
static inline void fuzz_request_keep(const void *req)
{
        (void)req;
}

/*
 * Defines LLVMFuzzerTestOneInput for `parse` into a `struct type` on the
 * heap (so that ASan sees any write past it); `release` frees what a parsed
 * request owns. Every refusal must be a 400 with a sentence.
 */
#define FUZZ_REQUEST_PARSER(type, parse, release)                                                  \
        int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                              \
        int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                               \
        {                                                                                          \
                struct type *req = calloc(1, sizeof(*req));                                        \
                struct akd_error e = {0};                                                          \
                if (req == NULL)                                                                   \
                        return 0;                                                                  \
                int rc = parse(req, (const char *)data, size, &e);                                 \
                if (rc != 0 && (e.status != 400 || e.code == NULL || e.message[0] == '\0'))        \
                        abort();                                                                   \
                if (rc == 0)                                                                       \
                        release(req);                                                              \
                akd_error_clear(&e);                                                               \
                free(req);                                                                         \
                return 0;                                                                          \
        }

#endif
