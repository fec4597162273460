/* Fuzz target: authkeepd's parser of the body of a device's answer to a sign-in request (see
 * server_fuzz.h). */
#include "server_fuzz.h"

FUZZ_REQUEST_PARSER(akd_answer_req, akd_parse_answer_req, fuzz_request_keep)
