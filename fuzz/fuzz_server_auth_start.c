/* Fuzz target: authkeepd's parser of the auth start request body (see server_fuzz.h). */
#include "server_fuzz.h"

FUZZ_REQUEST_PARSER(akd_auth_start_req, akd_parse_auth_start_req, fuzz_request_keep)
