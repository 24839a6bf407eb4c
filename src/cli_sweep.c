/* cli_sweep.c -- `qtranspile sweep TEMPLATE.qasm --values VALUES.csv|.h5
 * -o SWEEP.h5`: a sweep file from a template and its table of values
 * (doc/hdf5-format.md, "Sweeps").
 *
 * The template is parsed here only to learn its parameters and to fail
 * early with the reader's file:line:col message; the file keeps its text
 * as written. Values come from CSV (io/values_csv.c: columns matched to
 * the parameters by name) or from another sweep file (its first
 * template's values, columns matched by name likewise).
 *
 * Owns: the circuit and the sweep it builds, released before returning. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_opts.h"
#include "cli_output.h"
#include "h5_sweep.h"
#include "qtr_io.h"
#include "values_csv.h"

/* The whole file, NUL-terminated. */
static char *slurp(const char *path, size_t *len, qtr_ctx *ctx)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        qtr_fail(ctx, QTR_EIO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 > cap) {
            char *nb = realloc(buf, cap = cap ? 2 * cap : 65536);
            if (!nb) break;
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (!got) break;
    }
    int err = ferror(f) || !buf;
    fclose(f);
    if (err) {
        free(buf);
        qtr_fail(ctx, QTR_EIO, "%s: read error", path);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The file name without its directory and a .qasm/.qasm3 ending. */
static char *template_name(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (n > 6 && !strcmp(b + n - 6, ".qasm3")) n -= 6;
    else if (n > 5 && !strcmp(b + n - 5, ".qasm")) n -= 5;
    return strndup(b, n);
}

/* Values of another sweep file's first template, columns reordered to
 * @p t's parameters by name. */
static qtr_status values_from_h5(const char *path, qtr_sweep_template *t, qtr_ctx *ctx)
{
    qtr_sweep in;
    qtr_status st = qtr_h5_sweep_read(path, &in, ctx);
    if (st) return st;
    if (!in.n) {
        qtr_sweep_free(&in);
        return qtr_fail(ctx, QTR_EPARSE, "%s: holds no template, hence no values", path);
    }
    const qtr_sweep_template *s = &in.t[0];
    size_t *col = calloc(t->nparams + 1, sizeof *col);
    if (!col) st = qtr_fail(ctx, QTR_ENOMEM, "%s", path);
    for (size_t k = 0; !st && k < t->nparams; k++) {
        size_t j = 0;
        while (j < s->nparams && strcmp(s->pnames[j], t->pnames[k])) j++;
        if (j == s->nparams)
            st = qtr_fail(ctx, QTR_EPARSE, "%s: /sweep/values/0 has no column for parameter '%s'",
                          path, t->pnames[k]);
        col[k] = j;
    }
    if (!st && s->nparams != t->nparams)
        st = qtr_fail(ctx, QTR_EPARSE, "%s: /sweep/values/0 has %zu parameters, the template %zu",
                      path, s->nparams, t->nparams);
    if (!st && !(t->values = malloc((s->nrows * t->nparams + 1) * sizeof(double))))
        st = qtr_fail(ctx, QTR_ENOMEM, "%s: values", path);
    for (uint64_t r = 0; !st && r < s->nrows; r++)
        for (size_t k = 0; k < t->nparams; k++)
            t->values[r * t->nparams + k] = s->values[r * s->nparams + col[k]];
    if (!st) t->nrows = s->nrows;
    free(col);
    qtr_sweep_free(&in);
    return st;
}

static int ends_with(const char *s, const char *end)
{
    size_t n = strlen(s), m = strlen(end);
    return n >= m && !strcmp(s + n - m, end);
}

/* The one template of the command line, with its values. */
static qtr_status build(const qtr_cli_options *o, qtr_sweep_template *t, qtr_ctx *ctx)
{
    size_t len = 0;
    if (!(t->text = slurp(o->input, &len, ctx))) return QTR_EIO;
    if (!(t->name = template_name(o->input))) return qtr_fail(ctx, QTR_ENOMEM, "name");
    qtr_circuit *c = NULL;
    qtr_status st = qtr_qasm_read_mem(t->text, len, o->input, &c, ctx);
    if (!st && !c->npnames)
        st = qtr_fail(ctx, QTR_EINVAL, "%s: the template has no parameters (declare them as "
                      "'input float[64] NAME;' in OpenQASM 3)", o->input);
    if (!st) {
        t->nparams = c->npnames;
        t->pnames = calloc(c->npnames + 1, sizeof *t->pnames);
        if (!t->pnames) st = qtr_fail(ctx, QTR_ENOMEM, "parameters");
        for (size_t k = 0; !st && k < c->npnames; k++)
            if (!(t->pnames[k] = strdup(c->pnames[k]))) st = qtr_fail(ctx, QTR_ENOMEM, "parameters");
    }
    qtr_circuit_free(c);
    if (st) return st;
    if (ends_with(o->values_path, ".h5") || ends_with(o->values_path, ".hdf5") ||
        qtr_h5_is_sweep(o->values_path))
        return values_from_h5(o->values_path, t, ctx);
    return qtr_values_csv_read(o->values_path, t->pnames, t->nparams, &t->values, &t->nrows, ctx);
}

int qtr_cli_sweep(const qtr_cli_options *o)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_sweep s;
    memset(&s, 0, sizeof s);
    s.t = calloc(1, sizeof *s.t);
    if (!s.t) {
        qtr_cli_say("out of memory");
        return QTR_EXIT_USAGE;
    }
    s.n = 1;
    int rc = QTR_EXIT_OK;
    qtr_cli_out out;
    if (build(o, &s.t[0], &ctx)) {
        qtr_cli_say("%s", qtr_ctx_message(&ctx));
        rc = QTR_EXIT_USAGE;
    } else if (qtr_cli_out_begin(&out, o->output)) {
        qtr_cli_say("out of memory");
        rc = QTR_EXIT_USAGE;
    } else {
        int bad = qtr_h5_sweep_write_file(qtr_cli_out_path(&out), &s, &ctx) != QTR_OK;
        if (bad) qtr_cli_say("%s", qtr_ctx_message(&ctx));
        if (qtr_cli_out_end(&out, !bad) || bad) rc = QTR_EXIT_USAGE;
        else
            fprintf(stderr, QTR_PROG ": %s: template '%s', %zu parameters, %llu rows\n", o->output,
                    s.t[0].name, s.t[0].nparams, (unsigned long long)s.t[0].nrows);
    }
    qtr_sweep_free(&s);
    return rc;
}
