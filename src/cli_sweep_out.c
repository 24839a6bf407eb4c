/* cli_sweep_out.c -- `unpack` and `info` of sweep files and sweep results
 * (doc/batch.md, "Sweeps").
 *
 *   unpack: each template as DIR/NAME.qasm (OpenQASM 3 with its `input`
 *   declarations; transpiled in results, with the `// initial_layout` and
 *   `// output_permutation` lines of the single-file output) and its values
 *   as DIR/NAME.csv; with --bind, or for --per-instance results, one file
 *   per row, DIR/NAME-ROW.qasm (ROW from 0 within its template). Rows come
 *   from the results' records when the run stored them, else they are bound
 *   here from the transpiled template.
 *   info: templates, parameters, rows, the mode and each template's outcome.
 *
 * Owns: the sweep read, the files and circuits of the command. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_opts.h"
#include "cli_output.h"
#include "h5_store.h"
#include "h5_sweep.h"
#include "qtr_io.h"
#include "values_csv.h"

#define WINDOW 256

/* A file name from a template name: letters, digits, '-', '_', '.' kept,
 * anything else '_'; "template_T" when empty. */
static void safe_name(const char *name, size_t t, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = name; *p && n + 1 < cap && n < 64; p++) {
        int keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                   (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || (*p == '.' && n);
        out[n++] = keep ? *p : '_';
    }
    out[n] = '\0';
    if (!n) snprintf(out, cap, "template_%zu", t);
}

/* @p c to @p path as OpenQASM (3 unless --format says), after the layout
 * lines when @p nv > 0. */
static qtr_status write_circuit(const qtr_cli_options *o, const char *path, const qtr_circuit *c,
                                uint32_t nv, const uint32_t *l0, const uint32_t *l1, qtr_ctx *ctx)
{
    qtr_qasm_writer *w = NULL;
    qtr_status st = qtr_qasm_writer_open(&w, path, ctx);
    if (st) return st;
    st = qtr_qasm_writer_set_format(w, qtr_cli_out_version(o, NULL, 3),
                                    o->physical ? QTR_QASM_PHYSICAL : 0, ctx);
    if (!st && nv && l0) st = qtr_cli_layout_comment(w, "initial_layout", l0, nv, ctx);
    if (!st && nv && l1) st = qtr_cli_layout_comment(w, "output_permutation", l1, nv, ctx);
    if (!st) st = qtr_qasm_writer_write(w, c, 0, ctx);
    qtr_ctx scratch;
    qtr_ctx_init(&scratch, 0);
    qtr_status cst = qtr_qasm_writer_close(w, st ? &scratch : ctx);
    return st ? st : cst;
}

static qtr_status write_csv(const char *path, const qtr_sweep_template *t, qtr_ctx *ctx)
{
    FILE *f = fopen(path, "w");
    if (!f) return qtr_fail(ctx, QTR_EIO, "%s: %s", path, strerror(errno));
    int bad = qtr_values_csv_write(f, t->pnames, t->nparams, t->values, t->nrows);
    bad |= fclose(f) != 0;
    return bad ? qtr_fail(ctx, QTR_EIO, "%s: write error", path) : QTR_OK;
}

typedef struct {
    const qtr_cli_options *o;
    const char *dir;
    char      **names;       /* file names of the templates */
    uint64_t    written, failed, pending, bad;
    char       *path;        /* scratch */
    size_t      cap;
} unpacker;

static const char *file_path(unpacker *u, size_t t, const char *suffix)
{
    size_t dl = strlen(u->dir);
    snprintf(u->path, u->cap, "%s%s%s%s", u->dir, dl && u->dir[dl - 1] == '/' ? "" : "/",
             u->names[t], suffix);
    return u->path;
}

static void count(unpacker *u, qtr_status st, const qtr_ctx *ctx)
{
    if (st) {
        qtr_cli_say("%s", qtr_ctx_message(ctx));
        u->bad++;
    } else {
        u->written++;
    }
}

/* The template as a circuit: the transpiled one in results, else the input. */
static qtr_status template_circuit(const qtr_sweep *s, size_t t, qtr_circuit **c, qtr_ctx *ctx)
{
    const char *text = s->out ? s->out[t].qasm : s->t[t].text;
    if (!text) return qtr_fail(ctx, QTR_EINVAL, "template %zu ('%s') has no transpiled form",
                               t, s->t[t].name);
    return qtr_qasm_read_mem(text, strlen(text), s->t[t].name, c, ctx);
}

/* NAME.qasm and NAME.csv of template @p t. */
static void unpack_template(unpacker *u, const qtr_sweep *s, size_t t)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    const qtr_sweep_outcome *oc = s->out ? &s->out[t] : NULL;
    count(u, write_csv(file_path(u, t, ".csv"), &s->t[t], &ctx), &ctx);
    if (oc && oc->status != QTR_H5_OK) {
        if (oc->status == QTR_H5_PENDING) u->pending++;
        else {
            u->failed++;
            qtr_cli_say("template %zu (%s): failed: %s", t, s->t[t].name,
                        oc->message ? oc->message : "");
        }
        return;
    }
    qtr_circuit *c = NULL;
    qtr_status st = template_circuit(s, t, &c, &ctx);
    if (!st)
        st = write_circuit(u->o, file_path(u, t, ".qasm"), c, oc ? oc->nvirtual : 0,
                           oc ? oc->initial_layout : NULL, oc ? oc->output_permutation : NULL, &ctx);
    count(u, st, &ctx);
    qtr_circuit_free(c);
}

/* NAME-ROW.qasm for every row of template @p t, bound here. */
static void unpack_bound_here(unpacker *u, const qtr_sweep *s, size_t t)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    const qtr_sweep_outcome *oc = s->out ? &s->out[t] : NULL;
    const qtr_sweep_template *tp = &s->t[t];
    if (oc && oc->status != QTR_H5_OK) {
        u->failed += tp->nrows;
        return;
    }
    qtr_circuit *c = NULL, *b = NULL;
    qtr_status st = template_circuit(s, t, &c, &ctx);
    if (st) {
        qtr_cli_say("%s", qtr_ctx_message(&ctx));
        u->bad += tp->nrows;
        return;
    }
    /* the file's columns may come in any order: take them by name */
    size_t *col = calloc(tp->nparams + 1, sizeof *col);
    double *v = malloc((tp->nparams + 1) * sizeof *v);
    for (size_t k = 0; col && k < c->npnames; k++) {
        size_t j = 0;
        while (j < tp->nparams && strcmp(tp->pnames[j], c->pnames[k])) j++;
        col[k] = j;
    }
    for (uint64_t r = 0; r < tp->nrows; r++) {
        char suffix[40];
        snprintf(suffix, sizeof suffix, "-%llu.qasm", (unsigned long long)r);
        int ok = col && v && c->npnames == tp->nparams;
        for (size_t k = 0; ok && k < tp->nparams; k++) {
            ok = col[k] < tp->nparams;
            if (ok) v[k] = tp->values[r * tp->nparams + col[k]];
        }
        st = ok ? qtr_circuit_bind(c, v, tp->nparams, &b, &ctx)
                : qtr_fail(&ctx, QTR_EINVAL, "%s: the values' columns are not the template's "
                           "parameters", tp->name);
        if (!st)
            st = write_circuit(u->o, file_path(u, t, suffix), b, oc ? oc->nvirtual : 0,
                               oc ? oc->initial_layout : NULL, oc ? oc->output_permutation : NULL,
                               &ctx);
        count(u, st, &ctx);
    }
    free(col);
    free(v);
    qtr_circuit_free(b);
    qtr_circuit_free(c);
}

/* NAME-ROW.qasm from the results' rows (bind and per-instance runs). */
static int unpack_rows(unpacker *u, const qtr_sweep *s, const char *path)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_h5_file *f = NULL;
    if (qtr_h5_open(path, &f, &ctx)) {
        qtr_cli_say("%s", ctx.msg);
        return -1;
    }
    uint64_t n = qtr_h5_count(f);
    qtr_h5_block b;
    qtr_h5_block_init(&b);
    int rc = 0;
    for (uint64_t a = 0; a < n && !rc; a += WINDOW) {
        size_t len = n - a < WINDOW ? (size_t)(n - a) : WINDOW;
        qtr_h5_block_clear(&b);
        if (qtr_h5_read_rows(f, a, len, &b, &ctx)) {
            qtr_cli_say("%s", ctx.msg);
            rc = -1;
            break;
        }
        for (size_t k = 0; k < b.n; k++) {
            const qtr_h5_row *r = &b.row[k];
            uint64_t local;
            size_t t = qtr_sweep_locate(s, r->index, &local);
            if (r->status != QTR_H5_OK) {
                if (r->status == QTR_H5_PENDING) u->pending++;
                else {
                    u->failed++;
                    qtr_cli_say("%s row %llu: failed: %s", s->t[t].name, (unsigned long long)local,
                                qtr_h5_block_message(&b, k));
                }
                continue;
            }
            char suffix[40];
            snprintf(suffix, sizeof suffix, "-%llu.qasm", (unsigned long long)local);
            qtr_circuit *c = NULL;
            qtr_status st = qtr_h5_block_circuit(&b, k, qtr_h5_opmap(f), &c, &ctx);
            if (!st)
                st = write_circuit(u->o, file_path(u, t, suffix), c, (uint32_t)r->count[QTR_H5_POOL_LAYOUT],
                                   qtr_h5_block_initial_layout(&b, k),
                                   qtr_h5_block_output_permutation(&b, k), &ctx);
            count(u, st, &ctx);
            qtr_circuit_free(c);
        }
    }
    qtr_h5_block_fini(&b);
    qtr_h5_close(f, &ctx);
    return rc;
}

/* The sweep of @p path, or -1 after saying why. */
static int read_sweep(const char *path, qtr_sweep *s)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    if (!qtr_h5_sweep_read(path, s, &ctx)) return 0;
    qtr_cli_say("%s", ctx.msg);
    return -1;
}

int qtr_cli_unpack_sweep(const qtr_cli_options *o)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_sweep s;
    if (read_sweep(o->input, &s)) return QTR_EXIT_USAGE;
    if (mkdir(o->output, 0777) && errno != EEXIST) {
        qtr_cli_say("%s: %s", o->output, strerror(errno));
        qtr_sweep_free(&s);
        return QTR_EXIT_USAGE;
    }
    unpacker u = {.o = o, .dir = o->output};
    u.cap = strlen(o->output) + 128;
    u.path = malloc(u.cap);
    u.names = calloc(s.n + 1, sizeof *u.names);
    int rc = u.path && u.names ? QTR_EXIT_OK : QTR_EXIT_USAGE;
    for (size_t t = 0; t < s.n && !rc; t++) {
        char base[80];
        safe_name(s.t[t].name, t, base, sizeof base);
        /* two templates of one name: the later ones get _T */
        for (size_t j = 0; j < t; j++)
            if (!strcmp(u.names[j], base)) {
                snprintf(base + strlen(base), sizeof base - strlen(base), "_%zu", t);
                break;
            }
        if (!(u.names[t] = strdup(base))) rc = QTR_EXIT_USAGE;
    }
    int rows_stored = s.out && s.mode != QTR_SWEEP_ONCE;
    for (size_t t = 0; t < s.n && !rc; t++) {
        if (s.mode != QTR_SWEEP_PER_INSTANCE || !s.out) unpack_template(&u, &s, t);
        else {
            count(&u, write_csv(file_path(&u, t, ".csv"), &s.t[t], &ctx), &ctx);
        }
        if (o->bind_rows && !rows_stored) unpack_bound_here(&u, &s, t);
    }
    if (!rc && (rows_stored && (o->bind_rows || s.mode == QTR_SWEEP_PER_INSTANCE)) &&
        unpack_rows(&u, &s, o->input))
        rc = QTR_EXIT_USAGE;
    if (!rc) {
        fprintf(stderr, QTR_PROG ": %s: %llu files written to %s", o->input,
                (unsigned long long)u.written, o->output);
        if (u.failed) fprintf(stderr, ", %llu failed", (unsigned long long)u.failed);
        if (u.pending) fprintf(stderr, ", %llu not done yet", (unsigned long long)u.pending);
        if (u.bad) fprintf(stderr, ", %llu could not be written", (unsigned long long)u.bad);
        fputc('\n', stderr);
        if (u.failed || u.pending || u.bad) rc = QTR_EXIT_FAILED;
    }
    for (size_t t = 0; u.names && t < s.n; t++) free(u.names[t]);
    free(u.names);
    free(u.path);
    qtr_sweep_free(&s);
    return rc;
}

int qtr_cli_info_sweep(const qtr_cli_options *o)
{
    qtr_sweep s;
    if (read_sweep(o->input, &s)) return QTR_EXIT_USAGE;
    if (s.out)
        printf("sweep: mode %s (%s), %zu templates, %llu value rows\n", qtr_sweep_mode_name(s.mode),
               s.mode == QTR_SWEEP_ONCE   ? "each template transpiled once"
               : s.mode == QTR_SWEEP_BIND ? "transpiled once, every row bound and stored"
                                          : "every row bound, then transpiled on its own",
               s.n, (unsigned long long)qtr_sweep_rows(&s));
    else
        printf("%s: qtranspile sweep file, %zu templates, %llu value rows\n", o->input, s.n,
               (unsigned long long)qtr_sweep_rows(&s));
    for (size_t t = 0; t < s.n; t++) {
        const qtr_sweep_template *tp = &s.t[t];
        printf("template %zu: %s, %zu parameters (", t, tp->name, tp->nparams);
        for (size_t k = 0; k < tp->nparams && k < 8; k++) printf("%s%s", k ? ", " : "", tp->pnames[k]);
        printf("%s), %llu rows", tp->nparams > 8 ? ", ..." : "", (unsigned long long)tp->nrows);
        const qtr_sweep_outcome *oc = s.out ? &s.out[t] : NULL;
        if (oc && oc->status == QTR_H5_OK)
            printf(", transpiled: 2q gates %llu -> %llu, depth %llu -> %llu, size %llu",
                   (unsigned long long)oc->stats[QTR_H5_STAT_N2Q_IN],
                   (unsigned long long)oc->stats[QTR_H5_STAT_N2Q],
                   (unsigned long long)oc->stats[QTR_H5_STAT_DEPTH_IN],
                   (unsigned long long)oc->stats[QTR_H5_STAT_DEPTH],
                   (unsigned long long)oc->stats[QTR_H5_STAT_SIZE]);
        else if (oc && oc->status == QTR_H5_ERROR)
            printf(", failed: %s", oc->message ? oc->message : "");
        putchar('\n');
    }
    int failed = 0;
    for (size_t t = 0; s.out && s.mode != QTR_SWEEP_PER_INSTANCE && t < s.n; t++)
        failed |= s.out[t].status != QTR_H5_OK;
    qtr_sweep_free(&s);
    return failed ? QTR_EXIT_FAILED : QTR_EXIT_OK;
}
