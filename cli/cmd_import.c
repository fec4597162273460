/* Placeholder until this part is written. */
#include "cli.h"

int cmd_import(int argc, char **argv) { (void)argc; return cli_error("%s: not available yet", argv[0]); }
int cmd_export(int argc, char **argv) { (void)argc; return cli_error("%s: not available yet", argv[0]); }
int cli_add_qr(struct ak_vault *vault, const char *image_path) { (void)vault; (void)image_path; return cli_error("QR images are not supported yet"); }
