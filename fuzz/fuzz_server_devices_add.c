/* Fuzz target: authkeepd's parser of the body of registering a device (see server_fuzz.h). */
#include "server_fuzz.h"

FUZZ_REQUEST_PARSER(akd_device_req, akd_parse_device_req, fuzz_request_keep)
