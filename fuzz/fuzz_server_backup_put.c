/* Fuzz target: authkeepd's parser of the backup put request body (see server_fuzz.h). */
#include "server_fuzz.h"

/* A parsed upload owns its decoded envelope. */
static void release(struct akd_backup_put_req *req)
{
        free(req->envelope);
}

FUZZ_REQUEST_PARSER(akd_backup_put_req, akd_parse_backup_put_req, release)
