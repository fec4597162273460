/* Fuzz target: authkeepd's parser of the body of POST /v1/contacts/confirm (see server_fuzz.h). */
#include "server_fuzz.h"
#include "verify.h"

FUZZ_REQUEST_PARSER(akd_contact_confirm_req, akd_parse_contact_confirm_req, fuzz_request_keep)
