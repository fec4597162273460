/*
 * Aligned columns for people to read (cli/cli.h, cli_table_new): each cell
 * is copied made safe for a terminal by cli/output.c and measured in
 * display columns, so that a name from an import can neither rewrite the
 * screen nor break the alignment of the rows after it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Widest a column is padded to: a longer cell pushes the rest of its row. */
#define CLI_COLUMN_CAP 40

struct cli_table {
        size_t ncols;
        size_t nrows;
        size_t capacity;
        char **cells;   /* nrows * ncols printable copies */
        size_t *widths; /* display width of each cell */
};

struct cli_table *cli_table_new(size_t ncols)
{
        struct cli_table *table = calloc(1, sizeof(*table));

        if (table != NULL)
                table->ncols = ncols;
        return table;
}

enum ak_err cli_table_add(struct cli_table *table, ...)
{
        size_t base;
        va_list ap;

        if (table->nrows == table->capacity) {
                size_t cap = table->capacity ? table->capacity * 2 : 16;
                char **cells = realloc(table->cells, cap * table->ncols * sizeof(*cells));
                size_t *widths;

                if (cells == NULL)
                        return AK_ERR_NOMEM;
                table->cells = cells;
                widths = realloc(table->widths, cap * table->ncols * sizeof(*widths));
                if (widths == NULL)
                        return AK_ERR_NOMEM;
                table->widths = widths;
                table->capacity = cap;
        }
        base = table->nrows * table->ncols;
        va_start(ap, table);
        for (size_t c = 0; c < table->ncols; c++) {
                const char *text = va_arg(ap, const char *);

                if (text == NULL)
                        text = "";
                table->cells[base + c] =
                    cli_safe_copy(text, strlen(text), &table->widths[base + c]);
                if (table->cells[base + c] == NULL) {
                        for (size_t k = 0; k < c; k++)
                                free(table->cells[base + k]);
                        va_end(ap);
                        return AK_ERR_NOMEM;
                }
        }
        va_end(ap);
        table->nrows++;
        return AK_OK;
}

void cli_table_print_indented(const struct cli_table *table, FILE *out, int indent)
{
        size_t col_width[16] = {0};
        size_t ncols = table->ncols < 16 ? table->ncols : 16;

        for (size_t r = 0; r < table->nrows; r++)
                for (size_t c = 0; c < ncols; c++) {
                        size_t w = table->widths[r * table->ncols + c];

                        if (w > CLI_COLUMN_CAP)
                                w = CLI_COLUMN_CAP;
                        if (w > col_width[c])
                                col_width[c] = w;
                }
        for (size_t r = 0; r < table->nrows; r++) {
                size_t pending = (size_t)indent; /* spaces owed before the next non-empty cell */

                for (size_t c = 0; c < ncols; c++) {
                        size_t i = r * table->ncols + c;

                        if (table->cells[i][0] != '\0') {
                                fprintf(out, "%*s%s", (int)pending, "", table->cells[i]);
                                pending = 0;
                        }
                        if (c + 1 < ncols)
                                pending += (col_width[c] > table->widths[i]
                                                ? col_width[c] - table->widths[i]
                                                : 0) +
                                           2;
                }
                fputc('\n', out);
        }
}

void cli_table_print(const struct cli_table *table, FILE *out)
{
        cli_table_print_indented(table, out, 0);
}

void cli_table_free(struct cli_table *table)
{
        if (table == NULL)
                return;
        for (size_t i = 0; i < table->nrows * table->ncols; i++)
                free(table->cells[i]);
        free(table->cells);
        free(table->widths);
        free(table);
}
