/* Fuzz target: authkeepd's parser of the body of a TOTP code check (see server_fuzz.h). */
#include "server_fuzz.h"

FUZZ_REQUEST_PARSER(akd_totp_req, akd_parse_totp_req, fuzz_request_keep)
