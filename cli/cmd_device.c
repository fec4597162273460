/* Placeholder until this part is written. */
#include "cli.h"

int cmd_init(int argc, char **argv) { (void)argc; return cli_error("%s: not available yet", argv[0]); }
int cmd_unlock(int argc, char **argv) { (void)argc; return cli_error("%s: not available yet", argv[0]); }
int cmd_lock(int argc, char **argv) { (void)argc; return cli_error("%s: not available yet", argv[0]); }
