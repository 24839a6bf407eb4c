/* sweep_run.c -- the sweep modes' core under the batch driver
 * (sweep_run.h).
 *
 * Borrows: the comm, the target, the options. Owns: the sweep read from
 * the file, the templates' outcomes and circuits. The template phase is
 * short (one transpile per template); its outcomes travel as one byte
 * string per rank: per template its index, status, code, message, OpenQASM
 * 3 text, layouts and statistics. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdlib.h>
#include <string.h>

#include "h5_chunk.h"
#include "partition.h"
#include "qtr_io.h"
#include "sweep_run.h"
#include "worker.h"

/* Put template @p t's value columns in the template's parameter order (a
 * file may list them in any order, matched by name). -1 when the names
 * are not the template's, or it does not parse. */
static int order_columns(qtr_sweep_template *tp, const char *path, qtr_ctx *ctx)
{
    qtr_circuit *c = NULL;
    if (qtr_qasm_read_mem(tp->text, strlen(tp->text), tp->name, &c, ctx)) return -1;
    size_t np = tp->nparams, *col = calloc(np + 1, sizeof *col);
    double *v = malloc((tp->nrows * np + 1) * sizeof *v);
    int rc = col && v ? 0 : (qtr_fail(ctx, QTR_ENOMEM, "%s: values", path), -1);
    if (!rc && c->npnames != np)
        rc = (qtr_fail(ctx, QTR_EINVAL, "%s: template '%s' has %zu parameters, its values %zu "
                       "columns", path, tp->name, c->npnames, np), -1);
    for (size_t k = 0; !rc && k < np; k++) {
        size_t j = 0;
        while (j < np && strcmp(tp->pnames[j], c->pnames[k])) j++;
        if (j == np)
            rc = (qtr_fail(ctx, QTR_EINVAL, "%s: template '%s': no value column for parameter "
                           "'%s'", path, tp->name, c->pnames[k]), -1);
        col[k] = j;
    }
    for (uint64_t r = 0; !rc && r < tp->nrows; r++)
        for (size_t k = 0; k < np; k++) v[r * np + k] = tp->values[r * np + col[k]];
    for (size_t k = 0; !rc && k < np; k++) {
        char *nm = strdup(c->pnames[k]);
        if (!nm) rc = (qtr_fail(ctx, QTR_ENOMEM, "%s: values", path), -1);
        else free(tp->pnames[k]), tp->pnames[k] = nm;
    }
    if (!rc) {
        free(tp->values);
        tp->values = v;
        v = NULL;
    }
    free(v);
    free(col);
    qtr_circuit_free(c);
    return rc;
}

int qtr_sweep_run_load(qtr_sweep_run *r, const char *path, qtr_sweep_mode mode, qtr_ctx *ctx)
{
    memset(r, 0, sizeof *r);
    if (qtr_h5_sweep_read(path, &r->sw, ctx)) return -1;
    if (r->sw.out) {
        qtr_sweep_free(&r->sw);
        qtr_fail(ctx, QTR_EINVAL, "%s holds the results of a sweep; the input must be a sweep "
                 "file (see '" "qtranspile sweep')", path);
        return -1;
    }
    for (size_t t = 0; t < r->sw.n; t++)
        if (order_columns(&r->sw.t[t], path, ctx)) {
            qtr_sweep_free(&r->sw);
            return -1;
        }
    r->sw.mode = mode;
    size_t n = r->sw.n + 1;
    r->tmpl = calloc(n, sizeof *r->tmpl);
    r->ninst = calloc(n, sizeof *r->ninst);
    r->nqubits = calloc(n, sizeof *r->nqubits);
    r->sw.out = calloc(n, sizeof *r->sw.out);
    r->bound = calloc(n, sizeof *r->bound);
    r->chunks = calloc(n, sizeof *r->chunks);
    r->nchunks = calloc(n, sizeof *r->nchunks);
    r->chunk_data = calloc(n, sizeof *r->chunk_data);
    if (!r->tmpl || !r->ninst || !r->nqubits || !r->sw.out || !r->bound || !r->chunks ||
        !r->nchunks || !r->chunk_data) {
        qtr_sweep_run_free(r);
        qtr_fail(ctx, QTR_ENOMEM, "%s: sweep", path);
        return -1;
    }
    return 0;
}

void qtr_sweep_run_free(qtr_sweep_run *r)
{
    for (size_t t = 0; r->tmpl && t < r->sw.n; t++) qtr_circuit_free(r->tmpl[t]);
    for (size_t t = 0; r->bound && t < r->sw.n; t++) qtr_circuit_free(r->bound[t]);
    free(r->bound);
    for (size_t t = 0; r->chunks && t < r->sw.n; t++) {
        free(r->chunks[t]);
        free(r->chunk_data[t]);
    }
    free(r->chunks);
    free(r->nchunks);
    free(r->chunk_data);
    free(r->tmpl);
    free(r->ninst);
    free(r->nqubits);
    qtr_sweep_free(&r->sw);
    memset(r, 0, sizeof *r);
}

uint64_t qtr_sweep_run_rows(const qtr_sweep_run *r)
{
    return r->sw.mode == QTR_SWEEP_ONCE ? 0 : qtr_sweep_rows(&r->sw);
}

/* ---- the template phase ------------------------------------------------------- */

static char *dup_msg(const char *m) { return strdup(m && m[0] ? m : "failed"); }

static void outcome_failed(qtr_sweep_outcome *o, qtr_status st, const qtr_ctx *ctx)
{
    o->status = QTR_H5_ERROR;
    o->code = (uint8_t)st;
    o->message = dup_msg(qtr_ctx_message(ctx));
}

/* Transpile template @p t into its outcome. */
static void transpile_template(qtr_sweep_run *r, size_t t, const qtr_target *tg,
                               const qtr_options *opts, size_t max_memory)
{
    const qtr_sweep_template *tp = &r->sw.t[t];
    qtr_sweep_outcome *o = &r->sw.out[t];
    qtr_options opt = *opts;
    opt.seed = qtr_seed_for(opts->seed, t);
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, opt.seed);
    ctx.max_memory = max_memory;
    qtr_circuit *c = NULL;
    qtr_result res;
    memset(&res, 0, sizeof res);
    size_t len = 0;
    qtr_status st = qtr_qasm_read_mem(tp->text, strlen(tp->text), tp->name, &c, &ctx);
    if (!st && c->npnames != tp->nparams)
        st = qtr_fail(&ctx, QTR_EINVAL, "%s: the template declares %zu parameters, its values "
                      "have %zu columns", tp->name, c->npnames, tp->nparams);
    if (!st) st = qtr_transpile(c, tg, &opt, &res, &ctx);
    if (!st) st = qtr_qasm_write_mem_format(c, 3, 0, &o->qasm, &len, &ctx);
    if (st) {
        outcome_failed(o, st, &ctx);
    } else {
        o->status = QTR_H5_OK;
        o->nvirtual = res.nvirtual;
        o->initial_layout = res.initial_layout;
        o->output_permutation = res.output_permutation;
        res.initial_layout = res.output_permutation = NULL;
        uint64_t *s = o->stats;
        s[QTR_H5_STAT_N2Q_IN] = res.in.n2q;
        s[QTR_H5_STAT_DEPTH_IN] = res.in.depth;
        s[QTR_H5_STAT_SIZE_IN] = res.in.size;
        s[QTR_H5_STAT_N2Q] = res.out.n2q;
        s[QTR_H5_STAT_DEPTH] = res.out.depth;
        s[QTR_H5_STAT_DEPTH_2Q] = res.out.depth_2q;
        s[QTR_H5_STAT_SIZE] = res.out.size;
        s[QTR_H5_STAT_SWAPS] = res.swaps;
        s[QTR_H5_STAT_PEAK_BYTES] = res.peak_bytes;
    }
    qtr_result_free(&res);
    qtr_circuit_free(c);
}

/* A growing byte string. */
typedef struct {
    unsigned char *b;
    size_t n, cap;
    int oom;
} bytes;

static void put(bytes *w, const void *p, size_t n)
{
    if (w->oom) return;
    if (w->n + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->n + n) cap *= 2;
        unsigned char *nb = realloc(w->b, cap);
        if (!nb) {
            w->oom = 1;
            return;
        }
        w->b = nb;
        w->cap = cap;
    }
    if (n) memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void put_str(bytes *w, const char *s)
{
    uint64_t n = s ? strlen(s) : 0;
    put(w, &n, sizeof n);
    put(w, s, (size_t)n);
}

static void pack_outcome(bytes *w, uint64_t t, const qtr_sweep_outcome *o)
{
    put(w, &t, sizeof t);
    put(w, &o->status, 1);
    put(w, &o->code, 1);
    put_str(w, o->message);
    put_str(w, o->qasm);
    put(w, &o->nvirtual, sizeof o->nvirtual);
    put(w, o->initial_layout, o->nvirtual * sizeof(uint32_t));
    put(w, o->output_permutation, o->nvirtual * sizeof(uint32_t));
    put(w, o->stats, sizeof o->stats);
}

/* A reader over packed outcomes; fails (returns NULL) past the end. */
typedef struct {
    const unsigned char *p, *end;
} reader;

static const void *take(reader *r, size_t n)
{
    if ((size_t)(r->end - r->p) < n) return NULL;
    const void *at = r->p;
    r->p += n;
    return at;
}

static char *take_str(reader *r, int *bad)
{
    uint64_t n;
    const void *p = take(r, sizeof n);
    if (!p) return *bad = 1, NULL;
    memcpy(&n, p, sizeof n);
    const char *s = take(r, (size_t)n);
    if (!s) return *bad = 1, NULL;
    if (!n) return NULL;
    char *c = strndup(s, (size_t)n);
    if (!c) *bad = 1;
    return c;
}

static int unpack_outcomes(qtr_sweep_run *r, const unsigned char *buf, size_t len)
{
    reader rd = {buf, buf + len};
    while (rd.p < rd.end) {
        uint64_t t;
        const void *p = take(&rd, sizeof t);
        if (!p) return -1;
        memcpy(&t, p, sizeof t);
        if (t >= r->sw.n) return -1;
        qtr_sweep_outcome *o = &r->sw.out[t];
        int bad = 0;
        const uint8_t *sc = take(&rd, 2);
        if (!sc) return -1;
        o->status = sc[0];
        o->code = sc[1];
        o->message = take_str(&rd, &bad);
        o->qasm = take_str(&rd, &bad);
        const void *nv = take(&rd, sizeof o->nvirtual);
        if (bad || !nv) return -1;
        memcpy(&o->nvirtual, nv, sizeof o->nvirtual);
        size_t lb = o->nvirtual * sizeof(uint32_t);
        const void *l0 = take(&rd, lb), *l1 = take(&rd, lb), *st = take(&rd, sizeof o->stats);
        if (!l0 || !l1 || !st) return -1;
        o->initial_layout = malloc(lb + 1);
        o->output_permutation = malloc(lb + 1);
        if (!o->initial_layout || !o->output_permutation) return -1;
        memcpy(o->initial_layout, l0, lb);
        memcpy(o->output_permutation, l1, lb);
        memcpy(o->stats, st, sizeof o->stats);
    }
    return 0;
}

/* Every rank's outcomes at every rank: gather at rank 0, broadcast. */
static int share_outcomes(qtr_sweep_run *r, qtr_comm *c, const bytes *mine, qtr_ctx *ctx)
{
    void *all = NULL;
    size_t *counts = NULL;
    uint64_t total = 0;
    int rc = -1;
    if (qtr_comm_gather(c, mine->b, mine->n, &all, &counts, ctx)) goto done;
    if (c->rank == 0)
        for (int k = 0; k < c->size; k++) total += counts[k];
    if (qtr_comm_bcast(c, &total, sizeof total, 0)) goto done;
    if (c->rank != 0) {
        free(all);
        all = malloc(total ? (size_t)total : 1);
        if (!all) {
            qtr_fail(ctx, QTR_ENOMEM, "sweep outcomes");
            qtr_comm_abort(c, 2);
            goto done;
        }
    }
    if (qtr_comm_bcast(c, all, (size_t)total, 0)) goto done;
    /* outcomes this rank made are already in place: start over from all */
    for (size_t t = 0; t < r->sw.n; t++) {
        qtr_sweep_outcome *o = &r->sw.out[t];
        free(o->message);
        free(o->qasm);
        free(o->initial_layout);
        free(o->output_permutation);
        memset(o, 0, sizeof *o);
    }
    if (unpack_outcomes(r, all, (size_t)total)) {
        qtr_fail(ctx, QTR_ENOMEM, "sweep outcomes: out of memory or malformed");
        goto done;
    }
    rc = 0;
done:
    free(all);
    free(counts);
    return rc;
}

/* The circuit rows of template @p t are bound from. */
static void read_template(qtr_sweep_run *r, size_t t)
{
    qtr_sweep_outcome *o = &r->sw.out[t];
    const qtr_sweep_template *tp = &r->sw.t[t];
    int transpiled = r->sw.mode != QTR_SWEEP_PER_INSTANCE;
    if (transpiled && o->status != QTR_H5_OK) return;
    const char *text = transpiled ? o->qasm : tp->text;
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    qtr_circuit *c = NULL;
    qtr_status st = qtr_qasm_read_mem(text ? text : "", text ? strlen(text) : 0, tp->name, &c, &ctx);
    if (!st && c->npnames != tp->nparams)
        st = qtr_fail(&ctx, QTR_EINVAL, "%s: the template declares %zu parameters, its values "
                      "have %zu columns", tp->name, c->npnames, tp->nparams);
    for (size_t k = 0; !st && k < tp->nparams; k++)
        if (strcmp(c->pnames[k], tp->pnames[k]))
            st = qtr_fail(&ctx, QTR_EINVAL, "%s: parameter %zu is '%s' in the template, '%s' in "
                          "its values", tp->name, k, c->pnames[k], tp->pnames[k]);
    if (st) {
        qtr_circuit_free(c);
        if (!transpiled) outcome_failed(o, st, &ctx);
        else {
            free(o->qasm);
            o->qasm = NULL;
            outcome_failed(o, st, &ctx);
        }
        return;
    }
    r->tmpl[t] = c;
    r->ninst[t] = (uint32_t)(c->ninst < UINT32_MAX ? c->ninst : UINT32_MAX);
    r->nqubits[t] = c->nqubits;
}

static void encode_template_chunks(qtr_sweep_run *r, size_t t);

int qtr_sweep_run_prepare(qtr_sweep_run *r, qtr_comm *c, const qtr_target *t,
                          const qtr_options *opts, size_t max_memory, qtr_ctx *ctx)
{
    if (r->sw.mode != QTR_SWEEP_PER_INSTANCE) {
        bytes mine = {0};
        for (size_t k = (size_t)c->rank; k < r->sw.n; k += (size_t)c->size) {
            transpile_template(r, k, t, opts, max_memory);
            pack_outcome(&mine, k, &r->sw.out[k]);
        }
        int failed = mine.oom;
        if (failed) qtr_fail(ctx, QTR_ENOMEM, "sweep outcomes");
        int any = failed;
        if (qtr_comm_max_int(c, &any) || any || share_outcomes(r, c, &mine, ctx)) {
            free(mine.b);
            if (!failed && !ctx->msg[0]) qtr_fail(ctx, QTR_ENOMEM, "sweep outcomes on another rank");
            return -1;
        }
        free(mine.b);
    }
    if (r->sw.mode != QTR_SWEEP_ONCE)
        for (size_t k = 0; k < r->sw.n; k++) read_template(r, k);
    if (r->sw.mode == QTR_SWEEP_BIND)
        for (size_t k = 0; k < r->sw.n; k++) encode_template_chunks(r, k);
    return 0;
}

/* Template @p t's records as every bound row has them, from a row bound to
 * any values (records do not depend on them), and their whole chunks
 * compressed. Without them (no rows, out of memory) each row holds and
 * compresses its own; short records have no whole chunks to share. */
static void encode_template_chunks(qtr_sweep_run *r, size_t t)
{
    const qtr_sweep_template *tp = &r->sw.t[t];
    if (!r->tmpl[t] || !tp->nrows) return;
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    size_t ndata = 0;
    if (qtr_circuit_bind(r->tmpl[t], tp->values, tp->nparams, &r->bound[t], &ctx)) return;
    const qtr_circuit *b = r->bound[t];
    if (!qtr_h5_segment_aligned(QTR_H5_POOL_INST, b->ninst)) return;
    if (!qtr_h5_chunk_encode_segment(QTR_H5_POOL_INST, b->inst, b->ninst, &r->chunks[t],
                                     &r->nchunks[t], &r->chunk_data[t], &ndata)) {
        for (size_t i = 0; i < r->nchunks[t]; i++)
            r->chunks[t][i].data = r->chunk_data[t] + r->chunks[t][i].offset;
    } else {
        r->nchunks[t] = 0;
    }
}

const qtr_h5_prechunk *qtr_sweep_run_inst_chunks(void *ud, uint64_t row, size_t *n)
{
    const qtr_sweep_run *r = ud;
    uint64_t local;
    size_t t = qtr_sweep_locate(&r->sw, row, &local);
    *n = r->nchunks[t];
    return *n ? r->chunks[t] : NULL;
}

/* ---- rows ----------------------------------------------------------------------- */

void qtr_sweep_run_row_cost(const qtr_sweep_run *r, uint64_t row, double *cost, uint64_t *ninst,
                            uint32_t *nq)
{
    uint64_t local;
    size_t t = qtr_sweep_locate(&r->sw, row, &local);
    *ninst = r->ninst[t];
    *nq = r->nqubits[t];
    /* a bound row borrows its records (qtr_sweep_run_make): what it holds
     * until committed is its parameters and operands, counted here in
     * records' worth of bytes, so that rounds bound memory, not rows */
    const qtr_circuit *b = r->sw.mode == QTR_SWEEP_BIND ? r->bound[t] : NULL;
    if (b) *ninst = (b->nparams * sizeof(double) + b->nargs * sizeof(uint32_t)) / sizeof(qtr_inst);
    /* binding and storing a row costs about what reading it does: far
     * below transpiling it (tests/bench/sweep.sh) */
    *cost = r->sw.mode == QTR_SWEEP_PER_INSTANCE ? qtr_cost_estimate(*ninst, *nq)
                                                 : 1.0 + (double)r->ninst[t] / 64.0;
}

const char *qtr_sweep_run_row_name(const qtr_sweep_run *r, uint64_t row)
{
    uint64_t local;
    return r->sw.t[qtr_sweep_locate(&r->sw, row, &local)].name;
}

qtr_status qtr_sweep_run_make(void *ud, uint64_t row, qtr_circuit **c, qtr_result *res, int *done,
                              qtr_ctx *ctx)
{
    const qtr_sweep_run *r = ud;
    uint64_t local;
    size_t t = qtr_sweep_locate(&r->sw, row, &local);
    const qtr_sweep_template *tp = &r->sw.t[t];
    const qtr_sweep_outcome *o = &r->sw.out[t];
    *done = r->sw.mode == QTR_SWEEP_BIND ? QTR_ROW_MADE : 0;
    if (!r->tmpl[t])
        return qtr_fail(ctx, o->code ? (qtr_status)o->code : QTR_EINVAL, "template %zu ('%s'): %s",
                        t, tp->name, o->message ? o->message : "failed");
    qtr_status st = qtr_circuit_bind(r->tmpl[t], tp->values + local * tp->nparams, tp->nparams, c,
                                     ctx);
    if (st || !*done) return st;
    memset(res, 0, sizeof *res);
    size_t lb = o->nvirtual * sizeof(uint32_t);
    res->initial_layout = malloc(lb + 1);
    res->output_permutation = malloc(lb + 1);
    if (!res->initial_layout || !res->output_permutation)
        return qtr_fail(ctx, QTR_ENOMEM, "row %llu: layouts", (unsigned long long)row);
    memcpy(res->initial_layout, o->initial_layout, lb);
    memcpy(res->output_permutation, o->output_permutation, lb);
    res->nvirtual = o->nvirtual;
    res->nphysical = (*c)->nqubits;
    const uint64_t *s = o->stats;
    res->in.n2q = s[QTR_H5_STAT_N2Q_IN];
    res->in.depth = s[QTR_H5_STAT_DEPTH_IN];
    res->in.size = s[QTR_H5_STAT_SIZE_IN];
    res->out.n2q = s[QTR_H5_STAT_N2Q];
    res->out.depth = s[QTR_H5_STAT_DEPTH];
    res->out.depth_2q = s[QTR_H5_STAT_DEPTH_2Q];
    res->out.size = s[QTR_H5_STAT_SIZE];
    res->swaps = s[QTR_H5_STAT_SWAPS];
    res->peak_bytes = (size_t)s[QTR_H5_STAT_PEAK_BYTES];
    /* the records are the template's: borrow them, hold only the values */
    const qtr_circuit *b = r->bound[t];
    if (b && b->ninst == (*c)->ninst) {
        qtr_realloc(&(*c)->alloc, (*c)->inst, (*c)->capinst * sizeof *(*c)->inst, 0);
        (*c)->inst = b->inst;
        (*c)->capinst = b->ninst;
        *done |= QTR_ROW_SHARES_INST;
    }
    return QTR_OK;
}

int qtr_sweep_run_check(const qtr_sweep_run *r, const char *path, qtr_ctx *ctx)
{
    qtr_sweep old;
    if (qtr_h5_sweep_read(path, &old, ctx)) return -1;
    int same = old.out && old.mode == r->sw.mode && old.n == r->sw.n;
    for (size_t t = 0; same && t < old.n; t++)
        same = old.t[t].nrows == r->sw.t[t].nrows && old.t[t].nparams == r->sw.t[t].nparams &&
               !strcmp(old.t[t].text, r->sw.t[t].text) &&
               !memcmp(old.t[t].values, r->sw.t[t].values,
                       old.t[t].nrows * old.t[t].nparams * sizeof(double));
    if (!same)
        qtr_fail(ctx, QTR_EINVAL, "%s holds the results of another sweep (%zu templates, mode %s); "
                 "resume with the same sweep file and mode, or drop --resume to start over",
                 path, old.n, old.out ? qtr_sweep_mode_name(old.mode) : "none");
    qtr_sweep_free(&old);
    return same ? 0 : -1;
}
