/* Fuzz target: authkeepd's parser of the account request body (see server_fuzz.h). */
#include "server_fuzz.h"

FUZZ_REQUEST_PARSER(akd_account_req, akd_parse_account_req, fuzz_request_keep)
