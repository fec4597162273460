/*
 * Progress of long work on a terminal: one line on standard error, drawn
 * over itself, and erased when the stage is done. Nothing when standard
 * error is not a terminal (a log file gets only the lines that matter).
 */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

void cli_progress(void *ctx, const char *what, size_t done, size_t total)
{
        const char *cmd = ctx;

        if (!isatty(STDERR_FILENO) || total == 0)
                return;
        if (done >= total)
                cli_eprintf("\r\033[K");
        else
                cli_eprintf("\rauthkeep: %s: %s %zu of %zu entries (%zu%%)...\033[K", cmd, what,
                            done, total, done * 100 / total);
        fflush(stderr);
}
