/* Fuzz target: authkeepd's parser of the backup delete request body (see server_fuzz.h). */
#include "server_fuzz.h"

FUZZ_REQUEST_PARSER(akd_backup_delete_req, akd_parse_backup_delete_req, fuzz_request_keep)
