/* Placeholder until this part is written. */
#include "cli.h"

int cmd_add(int argc, char **argv) { (void)argc; return cli_error("%s: not available yet", argv[0]); }
int cmd_list(int argc, char **argv) { (void)argc; return cli_error("%s: not available yet", argv[0]); }
int cmd_code(int argc, char **argv) { (void)argc; return cli_error("%s: not available yet", argv[0]); }
int cmd_remove(int argc, char **argv) { (void)argc; return cli_error("%s: not available yet", argv[0]); }
int cmd_move(int argc, char **argv) { (void)argc; return cli_error("%s: not available yet", argv[0]); }
int cmd_rename(int argc, char **argv) { (void)argc; return cli_error("%s: not available yet", argv[0]); }
