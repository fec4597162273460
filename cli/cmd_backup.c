/* Placeholder until this part is written. */
#include "cli.h"

int cmd_backup(int argc, char **argv) { (void)argc; return cli_error("%s: not available yet", argv[0]); }
int cmd_recover(int argc, char **argv) { (void)argc; return cli_error("%s: not available yet", argv[0]); }
int cli_backup_after_save(struct ak_vault *vault) { (void)vault; return 0; }
void cli_backup_state_line(struct ak_vault *vault, char *buf, size_t len) { (void)vault; if (len) buf[0] = 0; }
