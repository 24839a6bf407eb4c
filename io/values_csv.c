/* values_csv.c -- parameter values as CSV (values_csv.h).
 *
 * Owns nothing past a call. One pass over the text, line by line: the
 * header maps each column to a parameter of the template (so columns may
 * come in any order), every later line fills one row in the template's
 * parameter order. Numbers go through strtod, and must fill their field. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "values_csv.h"

typedef struct {
    const char *path;
    const char *text;
    size_t      len;
    size_t      pos;      /* start of the current line */
    uint64_t    line;     /* 1-based */
} csv;

/* The next line that is neither blank nor a comment: [*b, *e) without its
 * line end. 0 at the end of the text. */
static int next_line(csv *c, const char **b, const char **e)
{
    while (c->pos < c->len) {
        const char *s = c->text + c->pos, *end = c->text + c->len;
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        c->pos = (size_t)(le - c->text) + (nl ? 1 : 0);
        c->line++;
        const char *x = le;
        if (x > s && x[-1] == '\r') x--;
        const char *y = s;
        while (y < x && (*y == ' ' || *y == '\t')) y++;
        if (y == x || *y == '#') continue;
        *b = s;
        *e = x;
        return 1;
    }
    return 0;
}

/* The field starting at @p p (up to a comma or @p e), blanks trimmed:
 * [*fb, *fe); returns where the next field starts (after the comma), or
 * NULL when this was the last. */
static const char *field(const char *p, const char *e, const char **fb, const char **fe)
{
    const char *comma = memchr(p, ',', (size_t)(e - p));
    const char *end = comma ? comma : e;
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    const char *q = end;
    while (q > p && (q[-1] == ' ' || q[-1] == '\t')) q--;
    *fb = p;
    *fe = q;
    return comma ? comma + 1 : NULL;
}

static qtr_status at(qtr_ctx *ctx, const csv *c, const char *line, const char *where,
                     const char *what, const char *arg, int arglen)
{
    return qtr_fail(ctx, QTR_EPARSE, "%s:%llu:%ld: %s%s%.*s%s", c->path,
                    (unsigned long long)c->line, (long)(where - line) + 1, what, arg ? " '" : "",
                    arg ? arglen : 0, arg ? arg : "", arg ? "'" : "");
}

/* Map the header's columns to parameters: col[k] = parameter of column k. */
static qtr_status read_header(csv *c, char *const *pnames, size_t np, size_t *col, qtr_ctx *ctx)
{
    const char *b, *e;
    if (!next_line(c, &b, &e))
        return qtr_fail(ctx, QTR_EPARSE, "%s:1:1: empty file: expected a header naming the "
                        "parameters (%zu of them)", c->path, np);
    uint8_t *seen = calloc(np + 1, 1);
    if (!seen) return qtr_fail(ctx, QTR_ENOMEM, "%s: header", c->path);
    size_t k = 0;
    qtr_status st = QTR_OK;
    for (const char *p = b; p && !st;) {
        const char *fb, *fe;
        p = field(p, e, &fb, &fe);
        if (fe - fb >= 2 && *fb == '"' && fe[-1] == '"') fb++, fe--;
        size_t i = 0;
        while (i < np && !(strlen(pnames[i]) == (size_t)(fe - fb) && !memcmp(pnames[i], fb, (size_t)(fe - fb))))
            i++;
        if (fe == fb) st = at(ctx, c, b, fb, "empty column name", NULL, 0);
        else if (i == np) st = at(ctx, c, b, fb, "the template has no parameter", fb, (int)(fe - fb));
        else if (seen[i]) st = at(ctx, c, b, fb, "parameter named twice:", fb, (int)(fe - fb));
        else if (k >= np) st = at(ctx, c, b, fb, "more columns than parameters", NULL, 0);
        else {
            seen[i] = 1;
            col[k++] = i;
        }
    }
    for (size_t i = 0; i < np && !st; i++)
        if (!seen[i])
            st = qtr_fail(ctx, QTR_EPARSE, "%s:%llu:%ld: no column for parameter '%s' (the "
                          "header must name every parameter of the template)", c->path,
                          (unsigned long long)c->line, (long)(e - b) + 1, pnames[i]);
    free(seen);
    return st;
}

/* One row of values into @p row (template order). */
static qtr_status read_row(csv *c, const char *b, const char *e, const size_t *col, size_t np,
                           double *row, qtr_ctx *ctx)
{
    size_t k = 0;
    for (const char *p = b; p;) {
        const char *fb, *fe;
        p = field(p, e, &fb, &fe);
        if (k == np)
            return at(ctx, c, b, fb, "more fields than the header's columns", NULL, 0);
        char buf[64], *end;
        size_t n = (size_t)(fe - fb);
        if (!n) return at(ctx, c, b, fb, "empty field: expected a number", NULL, 0);
        if (n >= sizeof buf) return at(ctx, c, b, fb, "not a number:", fb, (int)n);
        memcpy(buf, fb, n);
        buf[n] = '\0';
        errno = 0;
        double v = strtod(buf, &end);
        if (*end || end == buf) return at(ctx, c, b, fb, "not a number:", fb, (int)n);
        if (!isfinite(v)) return at(ctx, c, b, fb, "not a finite number:", fb, (int)n);
        row[col[k++]] = v;
    }
    if (k < np)
        return qtr_fail(ctx, QTR_EPARSE, "%s:%llu:%ld: %zu fields, the header has %zu columns",
                        c->path, (unsigned long long)c->line, (long)(e - b) + 1, k, np);
    return QTR_OK;
}

qtr_status qtr_values_csv_parse(const char *text, size_t len, const char *path,
                                char *const *pnames, size_t np, double **values, uint64_t *nrows,
                                qtr_ctx *ctx)
{
    csv c = {path, text, len, 0, 0};
    *values = NULL;
    *nrows = 0;
    size_t *col = calloc(np + 1, sizeof *col);
    if (!col) return qtr_fail(ctx, QTR_ENOMEM, "%s", path);
    qtr_status st = read_header(&c, pnames, np, col, ctx);
    size_t cap = 0, n = 0;
    double *v = NULL;
    const char *b, *e;
    while (!st && next_line(&c, &b, &e)) {
        if ((n + 1) * (np ? np : 1) > cap) {
            size_t ncap = cap ? 2 * cap : 64 * (np ? np : 1);
            double *nv = realloc(v, ncap * sizeof *nv);
            if (!nv) {
                st = qtr_fail(ctx, QTR_ENOMEM, "%s: %zu rows", path, n);
                break;
            }
            v = nv;
            cap = ncap;
        }
        st = read_row(&c, b, e, col, np, v + n * np, ctx);
        if (!st) n++;
    }
    free(col);
    if (st) {
        free(v);
        return st;
    }
    *values = v;
    *nrows = n;
    return QTR_OK;
}

qtr_status qtr_values_csv_read(const char *path, char *const *pnames, size_t np, double **values,
                               uint64_t *nrows, qtr_ctx *ctx)
{
    FILE *f = fopen(path, "rb");
    if (!f) return qtr_fail(ctx, QTR_EIO, "%s: %s", path, strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 65536 > cap) {
            char *nb = realloc(buf, cap = cap ? 2 * cap : 65536 * 2);
            if (!nb) {
                free(buf);
                fclose(f);
                return qtr_fail(ctx, QTR_ENOMEM, "%s", path);
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (!got) break;
    }
    int err = ferror(f);
    fclose(f);
    qtr_status st = err ? qtr_fail(ctx, QTR_EIO, "%s: read error", path)
                        : qtr_values_csv_parse(buf, len, path, pnames, np, values, nrows, ctx);
    free(buf);
    return st;
}

int qtr_values_csv_write(FILE *f, char *const *pnames, size_t np, const double *values,
                         uint64_t nrows)
{
    for (size_t k = 0; k < np; k++) fprintf(f, "%s%s", k ? "," : "", pnames[k]);
    fputc('\n', f);
    for (uint64_t r = 0; r < nrows; r++) {
        for (size_t k = 0; k < np; k++) fprintf(f, "%s%.17g", k ? "," : "", values[r * np + k]);
        fputc('\n', f);
    }
    return ferror(f) ? -1 : 0;
}
