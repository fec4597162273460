/*
 * `authkeep watch` (cli/cmd_watch.c: the terminal, the keys, the loop;
 * cli/watch_view.c: what one frame shows).
 */
#ifndef AUTHKEEP_CLI_WATCH_H
#define AUTHKEEP_CLI_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli.h"

/* What the person chose: the filter, the row selected, and the last thing said. */
struct watch_view {
        char filter[128]; /* shown: the accounts whose Issuer:account holds it, any case */
        bool filtering;   /* typing the filter after '/' */
        size_t selected;  /* among the accounts the filter shows */
        char note[512];   /* one line under the backup state, "" for none */
        bool resized;     /* the terminal changed size: clear it all first */
};

/*
 * Draws one frame into `out` (a memory stream): every line fitted to the
 * terminal's width and no more lines than it has. Clamps view->selected.
 */
void watch_draw(FILE *out, struct ak_vault *vault, long long now, struct watch_view *view);

/* The vault's index of the account selected; false when the filter shows none. */
bool watch_selected(struct ak_vault *vault, const struct watch_view *view, size_t *index);

#endif
