/* Fuzz target: authkeepd's parser of the password request body (see server_fuzz.h). */
#include "server_fuzz.h"

FUZZ_REQUEST_PARSER(akd_password_req, akd_parse_password_req, fuzz_request_keep)
