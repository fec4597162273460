/*
 * The PostgreSQL store's statement parameters and result fields
 * (store_pg.h): every value goes to libpq as text or binary (a bytea), and
 * comes back from a row as the C type an operation wants.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store_pg.h"

static bool p_room(struct akd_pg_params *p)
{
        if (p->n < AKD_PG_PARAMS_MAX)
                return true;
        akd_log_event("store: too many parameters");
        return false;
}

void akd_pg_p_text(struct akd_pg_params *p, const char *text)
{
        if (!p_room(p))
                return;
        p->values[p->n] = text;
        p->lengths[p->n] = 0;
        p->is_number[p->n] = false;
        p->formats[p->n++] = 0;
}

/* The number at the next place: its text in numbers[], found at akd_pg_exec. */
static char *p_number(struct akd_pg_params *p)
{
        if (!p_room(p))
                return NULL;
        akd_pg_p_text(p, NULL);
        p->is_number[p->n - 1] = true;
        return p->numbers[p->n - 1];
}

void akd_pg_p_null(struct akd_pg_params *p)
{
        akd_pg_p_text(p, NULL);
}

struct akd_pg_params akd_pg_account_and(const char *account_id, int64_t n)
{
        struct akd_pg_params p = {0};
        akd_pg_p_text(&p, account_id);
        if (n >= 0)
                akd_pg_p_int(&p, n);
        return p;
}

void akd_pg_p_int(struct akd_pg_params *p, int64_t v)
{
        char *text = p_number(p);
        if (text != NULL)
                snprintf(text, sizeof(p->numbers[0]), "%lld", (long long)v);
}

void akd_pg_p_double(struct akd_pg_params *p, double v)
{
        char *text = p_number(p);
        if (text != NULL)
                snprintf(text, sizeof(p->numbers[0]), "%.17g", v);
}

void akd_pg_p_blob(struct akd_pg_params *p, const void *b, size_t len)
{
        static const char empty[1];
        if (!p_room(p))
                return;
        p->values[p->n] = b != NULL ? b : empty;
        p->lengths[p->n] = (int)len;
        p->formats[p->n++] = 1;
}

bool akd_pg_is_null(const PGresult *r, int row, int col)
{
        return PQgetisnull(r, row, col) != 0;
}

void akd_pg_get_text(const PGresult *r, int row, int col, char *out, size_t size)
{
        snprintf(out, size, "%s", PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

int64_t akd_pg_get_int(const PGresult *r, int row, int col)
{
        return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

double akd_pg_get_double(const PGresult *r, int row, int col)
{
        return PQgetisnull(r, row, col) ? 0 : strtod(PQgetvalue(r, row, col), NULL);
}

/* A bytea cell in text form ("\x" and hex) decoded into `out` of `max` bytes; its length or -1. */
static long decode_bytea(const PGresult *r, int row, int col, void *out, size_t max)
{
        const char *v = PQgetvalue(r, row, col);
        size_t n = 0;
        if (PQgetisnull(r, row, col) || strncmp(v, "\\x", 2) != 0 ||
            sodium_hex2bin(out, max, v + 2, strlen(v + 2), NULL, &n, NULL) != 0)
                return -1;
        return (long)n;
}

bool akd_pg_get_blob(const PGresult *r, int row, int col, void *out, size_t min, size_t max,
                     size_t *got)
{
        if (PQgetisnull(r, row, col) || (size_t)PQgetlength(r, row, col) < 2 ||
            ((size_t)PQgetlength(r, row, col) - 2) / 2 > max)
                return false;
        long n = decode_bytea(r, row, col, out, max);
        if (n < 0 || (size_t)n < min)
                return false;
        if (got != NULL)
                *got = (size_t)n;
        return true;
}

uint8_t *akd_pg_get_blob_copy(const PGresult *r, int row, int col, size_t *len)
{
        size_t max = PQgetlength(r, row, col) > 2 ? ((size_t)PQgetlength(r, row, col) - 2) / 2 : 0;
        uint8_t *out = malloc(max > 0 ? max : 1);
        if (out == NULL || !akd_pg_get_blob(r, row, col, out, 0, max, len)) {
                free(out);
                return NULL;
        }
        return out;
}
