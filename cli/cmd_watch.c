/* Placeholder until this part is written. */
#include "cli.h"

int cmd_watch(int argc, char **argv) { (void)argc; return cli_error("%s: not available yet", argv[0]); }
