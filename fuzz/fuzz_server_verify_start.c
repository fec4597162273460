/* Fuzz target: authkeepd's parser of the body of POST /v1/verify/start (see server_fuzz.h). */
#include "server_fuzz.h"
#include "verify.h"

FUZZ_REQUEST_PARSER(akd_verify_start_req, akd_parse_verify_start_req, fuzz_request_keep)
