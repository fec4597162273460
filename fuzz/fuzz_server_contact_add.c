/* Fuzz target: authkeepd's parser of the body of POST /v1/contacts (see server_fuzz.h). */
#include "server_fuzz.h"
#include "verify.h"

FUZZ_REQUEST_PARSER(akd_contact_req, akd_parse_contact_req, fuzz_request_keep)
