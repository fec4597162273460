/*
 * One frame of `authkeep watch`: the header, the filter, the codes with a
 * bar of the seconds each has left, the backup state and the last note.
 * Each line is cut to the terminal's width in display columns (a wide
 * character is never split, and the terminal never wraps a line), and the
 * frame has no more lines than the terminal: a line too many would scroll
 * the whole view up.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "watch.h"

#define BAR_WIDTH 20
/* The widest an issuer or account name is shown, as tables do (cli/output.c). */
#define NAME_CAP 40u

/* "[#########...........]" for `remaining` of `period` seconds. */
static void progress_bar(char *out, uint32_t remaining, uint32_t period)
{
        size_t filled = period ? (size_t)((uint64_t)remaining * BAR_WIDTH / period) : 0;

        if (filled == 0 && remaining > 0)
                filled = 1;
        out[0] = '[';
        for (size_t i = 0; i < BAR_WIDTH; i++)
                out[1 + i] = i < filled ? '#' : '.';
        out[BAR_WIDTH + 1] = ']';
        out[BAR_WIDTH + 2] = '\0';
}

/* True when `acct`'s "Issuer:account" holds `filter` in any case ("" holds everything). */
static bool matches(const struct ak_account *acct, const char *filter)
{
        char *label;
        bool found;

        if (filter[0] == '\0')
                return true;
        label = ak_account_label(acct);
        found = label != NULL && strcasestr(label, filter) != NULL;
        free(label);
        return found;
}

/* The indices of the accounts the filter shows; *count of them. NULL with *count 0 for none. */
static size_t *shown_accounts(struct ak_vault *vault, const char *filter, size_t *count)
{
        struct ak_account_list *list = ak_vault_accounts(vault);
        size_t *shown = calloc(list->count + 1, sizeof(*shown));

        *count = 0;
        for (size_t i = 0; shown != NULL && i < list->count; i++)
                if (matches(&list->items[i], filter))
                        shown[(*count)++] = i;
        return shown;
}

bool watch_selected(struct ak_vault *vault, const struct watch_view *view, size_t *index)
{
        size_t count, *shown = shown_accounts(vault, view->filter, &count);
        bool found = shown != NULL && view->selected < count;

        if (found)
                *index = shown[view->selected];
        free(shown);
        return found;
}

/*
 * How wide the names may be: on a narrow terminal the bar goes and the
 * names are cut, so that every code still shows.
 */
struct row_layout {
        size_t issuer, account; /* columns */
        bool narrow;
};

static struct row_layout layout_for(size_t cols)
{
        /* The code, the seconds left and the gaps between the columns; the bar when wide. */
        size_t fixed = AK_CODE_MAX + 2 + 4 + 2 * 2 + (cols < 80 ? 0 : BAR_WIDTH + 2 + 2);
        size_t names = cols > fixed + 8 ? cols - fixed : 8;
        struct row_layout layout = {.narrow = cols < 80};

        layout.issuer = names / 2 < NAME_CAP ? names / 2 : NAME_CAP;
        layout.account = names - layout.issuer < NAME_CAP ? names - layout.issuer : NAME_CAP;
        return layout;
}

/* `text` cut to `cols` display columns, into `out`. */
static const char *cut(char *out, size_t len, const char *text, size_t cols)
{
        size_t n = cli_fit_columns(text, strlen(text), cols, NULL);

        snprintf(out, len, "%.*s", (int)n, text);
        return out;
}

/* Adds the row of account `i` to the table. */
static enum ak_err add_row(struct cli_table *t, struct ak_vault *vault, size_t i, long long now,
                           const struct row_layout *layout)
{
        const struct ak_account *acct = &ak_vault_accounts(vault)->items[i];
        char code[AK_CODE_MAX + 1] = "-", bar[BAR_WIDTH + 3] = "", left[40] = "";
        char issuer[AK_TEXT_MAX + 1], name[AK_TEXT_MAX + 1];
        enum ak_err err = AK_OK;

        if (acct->type == AK_OTP_HOTP) {
                snprintf(left, sizeof(left), layout->narrow ? "HOTP" : "HOTP: authkeep code QUERY");
        } else if (!ak_device_entry_verified(vault, i)) {
                snprintf(left, sizeof(left), layout->narrow ? "verify" : "verification needed");
        } else if ((err = ak_account_code(code, acct, now)) != AK_OK) {
                snprintf(code, sizeof(code), "-");
                snprintf(left, sizeof(left), "%s", ak_strerror(err));
        } else {
                uint32_t remaining = ak_totp_remaining(now, acct->period);

                progress_bar(bar, remaining, acct->period);
                snprintf(left, sizeof(left), "%2us", (unsigned)remaining);
        }
        cut(issuer, sizeof(issuer), acct->issuer ? acct->issuer : "", layout->issuer);
        cut(name, sizeof(name), acct->name ? acct->name : "", layout->account);
        if (layout->narrow)
                err = cli_table_add(t, issuer, name, code, left);
        else
                err = cli_table_add(t, issuer, name, code, bar, left);
        sodium_memzero(code, sizeof(code));
        return err;
}

/* Writes every line of the frame, made safe, to `out`; *selected_line the selected row's. */
static void frame_lines(FILE *out, struct ak_vault *vault, long long now, struct watch_view *view,
                        size_t cols, size_t rows_fit, size_t *selected_line)
{
        struct ak_account_list *list = ak_vault_accounts(vault);
        struct row_layout layout = layout_for(cols);
        struct cli_table *t = cli_table_new(layout.narrow ? 4 : 5);
        size_t count = 0, *shown = shown_accounts(vault, view->filter, &count);
        size_t first, drawn = 0;
        char clock[64], backup[256];

        if (view->selected >= count)
                view->selected = count > 0 ? count - 1 : 0;
        first = view->selected >= rows_fit ? view->selected - rows_fit + 1 : 0;
        cli_clock(now, clock, sizeof(clock));
        cli_fprintf(out, "Authkeep  %s  %zu account%s    q: quit  /: filter  Enter: copy\n", clock,
                    list->count, list->count == 1 ? "" : "s");
        if (view->filtering)
                cli_fprintf(out, "Filter: %s_   (Enter: keep it, Esc: clear it)\n", view->filter);
        else if (view->filter[0] != '\0')
                cli_fprintf(out, "Filter: %s   (%zu of %zu; /: change it, Esc: clear it)\n",
                            view->filter, count, list->count);
        else
                cli_fprintf(out, "\n");
        *selected_line = SIZE_MAX;
        if (t != NULL &&
            (layout.narrow ? cli_table_add(t, "ISSUER", "ACCOUNT", "CODE", "LEFT")
                           : cli_table_add(t, "ISSUER", "ACCOUNT", "CODE", "", "LEFT")) != AK_OK) {
                cli_table_free(t);
                t = NULL;
        }
        for (size_t k = first; t != NULL && k < count && drawn < rows_fit; k++, drawn++) {
                if (k == view->selected)
                        *selected_line = 3 + drawn; /* after the header, filter and table header */
                if (add_row(t, vault, shown[k], now, &layout) != AK_OK)
                        break;
        }
        if (t != NULL)
                cli_table_print(t, out);
        cli_table_free(t);
        if (list->count == 0)
                cli_fprintf(out, "No accounts yet: add one with 'authkeep add' in another "
                                 "terminal.\n");
        else if (count == 0)
                cli_fprintf(out, "No account matches '%s'.\n", view->filter);
        else if (drawn < count)
                cli_fprintf(out, "... and %zu more (make the window taller)\n", count - drawn);
        for (size_t i = 0; i < list->count; i++)
                if (!ak_device_entry_verified(vault, i))
                        cli_fprintf(out, "%s: run 'authkeep verify %s' to verify this device\n",
                                    list->items[i].name, list->items[i].id);
        backup[0] = '\0';
        cli_backup_state_line(vault, backup, sizeof(backup));
        cli_fprintf(out, "\nBackup: %s\n", backup[0] ? backup : "off");
        if (view->note[0] != '\0')
                cli_fprintf(out, "%s\n", view->note);
        free(shown);
}

void watch_draw(FILE *out, struct ak_vault *vault, long long now, struct watch_view *view)
{
        /* A terminal that does not know its size (0x0) gets every line whole. */
        size_t cols = SIZE_MAX / 2, rows = SIZE_MAX / 2, rows_fit, selected_line, line_no = 0, text_len = 0;
        char *text = NULL;
        struct winsize ws;
        FILE *mem;

        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
                cols = ws.ws_col;
                rows = ws.ws_row;
        }
        {
                /* Header, filter, table header, "more", verification notes, blank, backup, note. */
                struct ak_account_list *list = ak_vault_accounts(vault);
                size_t other = 6 + (view->note[0] != '\0');

                for (size_t i = 0; i < list->count; i++)
                        other += !ak_device_entry_verified(vault, i);
                rows_fit = rows > other ? rows - other : 1;
        }
        mem = open_memstream(&text, &text_len);
        if (mem == NULL)
                return;
        frame_lines(mem, vault, now, view, cols, rows_fit, &selected_line);
        fclose(mem);
        fputs(view->resized ? "\033[H\033[2J" : "\033[H", out);
        view->resized = false;
        for (char *line = text, *nl; (nl = strchr(line, '\n')) != NULL && line_no < rows;
             line = nl + 1, line_no++) {
                size_t used, fit = cli_fit_columns(line, (size_t)(nl - line), cols, &used);
                bool selected = line_no == selected_line;

                if (line_no > 0)
                        fputs("\n", out);
                /* The text is made safe already: written as it is. */
                fprintf(out, "%s%.*s%s%s", selected ? "\033[7m" : "", (int)fit, line,
                        selected ? "\033[m" : "", used < cols ? "\033[K" : "");
        }
        fputs("\033[J", out);
        sodium_memzero(text, text_len);
        free(text);
}
