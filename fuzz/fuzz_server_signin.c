/* Fuzz target: authkeepd's parser of the body of a push sign-in request (see server_fuzz.h). */
#include "server_fuzz.h"

FUZZ_REQUEST_PARSER(akd_signin_req, akd_parse_signin_req, fuzz_request_keep)
