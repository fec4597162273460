/* Fuzz target: authkeepd's parser of POST /v1/account/undelete's body (see server_fuzz.h). */
#include "lifecycle.h"
#include "server_fuzz.h"

FUZZ_REQUEST_PARSER(akd_undelete_req, akd_parse_undelete_req, fuzz_request_keep)
