/* Fuzz target: authkeepd's parser of the body of POST /v1/activate (see server_fuzz.h). */
#include "server_fuzz.h"

FUZZ_REQUEST_PARSER(akd_activate_req, akd_parse_activate_req, fuzz_request_keep)
