/* Fuzz target: authkeepd's parser of the auth finish request body (see server_fuzz.h). */
#include "server_fuzz.h"

FUZZ_REQUEST_PARSER(akd_auth_finish_req, akd_parse_auth_finish_req, fuzz_request_keep)
