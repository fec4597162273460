/*
 * A reader of CSV as RFC 4180 describes it, for the exports that are
 * tables (Bitwarden's): records end with CRLF or a lone LF (a lone CR too);
 * fields are separated by commas; a field in double quotes may hold commas,
 * line ends and doubled quotes (""), and nothing may follow its closing
 * quote but a comma or the end of the record. A UTF-8 byte order mark before
 * the first record is skipped, empty lines are no records, and a quote in
 * an unquoted field is taken as it is (as spreadsheets do). Errors name the
 * record's line. Fields are copies, wiped when freed: they may hold secrets.
 */
#include <stdlib.h>
#include <string.h>

#include "import_internal.h"

void ak__csv_init(struct ak__csv *c, const char *data, size_t len)
{
        memset(c, 0, sizeof(*c));
        c->p = data;
        c->len = len;
        c->line = 1;
        if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
                c->at = 3;
}

void ak__csv_free(struct ak__csv_record *r)
{
        for (size_t i = 0; i < r->count; i++)
                ak__free_secret_str(r->fields[i]);
        free(r->fields);
        memset(r, 0, sizeof(*r));
}

/* Consumes one line end at c->at (CRLF, LF or CR); false when there is none. */
static bool line_end(struct ak__csv *c)
{
        if (c->at < c->len && c->p[c->at] == '\r') {
                c->at++;
                if (c->at < c->len && c->p[c->at] == '\n')
                        c->at++;
        } else if (c->at < c->len && c->p[c->at] == '\n') {
                c->at++;
        } else {
                return false;
        }
        c->line++;
        return true;
}

static enum ak_err add_field(struct ak__csv_record *r, const char *text, size_t n)
{
        char **grown, *copy;

        if (r->count >= AK__CSV_MAX_FIELDS)
                return ak__fail(AK_ERR_LIMIT, "CSV: more than %d fields in a record",
                                AK__CSV_MAX_FIELDS);
        copy = ak__text_of(text, n);
        if (copy == NULL)
                return AK_ERR_NOMEM;
        grown = realloc(r->fields, (r->count + 1) * sizeof(*grown));
        if (grown == NULL) {
                ak__free_secret_str(copy);
                return AK_ERR_NOMEM;
        }
        r->fields = grown;
        r->fields[r->count++] = copy;
        return AK_OK;
}

/* A quoted field from the opening quote at c->at: its text, unescaped, into `r`. */
static enum ak_err quoted_field(struct ak__csv *c, struct ak__csv_record *r, size_t first_line)
{
        size_t start = ++c->at, n = 0;
        char *buf = malloc(c->len - start + 1);
        enum ak_err rc;

        if (buf == NULL)
                return AK_ERR_NOMEM;
        for (;;) {
                char ch;
                if (c->at >= c->len) {
                        ak__free_secret(buf, c->len - start + 1);
                        return ak__fail(AK_ERR_FORMAT,
                                        "CSV: line %zu: a quoted field is not closed", first_line);
                }
                ch = c->p[c->at++];
                if (ch == '"') {
                        if (c->at < c->len && c->p[c->at] == '"') {
                                buf[n++] = '"';
                                c->at++;
                                continue;
                        }
                        break;
                }
                if (ch == '\n' || (ch == '\r' && (c->at >= c->len || c->p[c->at] != '\n')))
                        c->line++;
                buf[n++] = ch;
        }
        rc = add_field(r, buf, n);
        ak__free_secret(buf, c->len - start + 1);
        if (rc == AK_OK && c->at < c->len && c->p[c->at] != ',' && c->p[c->at] != '\r' &&
            c->p[c->at] != '\n')
                rc = ak__fail(AK_ERR_FORMAT,
                              "CSV: line %zu: text after a closing quote (a quote inside a "
                              "quoted field is written twice)",
                              c->line);
        return rc;
}

enum ak_err ak__csv_next(struct ak__csv *c, struct ak__csv_record *r, bool *end)
{
        enum ak_err rc = AK_OK;

        memset(r, 0, sizeof(*r));
        *end = false;
        while (line_end(c)) /* empty lines are no records */
                ;
        if (c->at >= c->len) {
                *end = true;
                return AK_OK;
        }
        if (memchr(c->p + c->at, '\0', c->len - c->at) != NULL)
                return ak__fail(AK_ERR_FORMAT, "CSV: holds a NUL byte (not text)");
        r->line = c->line;
        for (;;) {
                if (c->at < c->len && c->p[c->at] == '"') {
                        rc = quoted_field(c, r, c->line);
                } else {
                        size_t start = c->at;
                        while (c->at < c->len && c->p[c->at] != ',' && c->p[c->at] != '\r' &&
                               c->p[c->at] != '\n')
                                c->at++;
                        rc = add_field(r, c->p + start, c->at - start);
                }
                if (rc != AK_OK)
                        break;
                if (c->at < c->len && c->p[c->at] == ',') {
                        c->at++;
                        continue;
                }
                line_end(c);
                break;
        }
        if (rc != AK_OK)
                ak__csv_free(r);
        return rc;
}
