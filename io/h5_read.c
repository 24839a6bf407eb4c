/* h5_read.c -- reading rows of an HDF5 batch file (format v1:
 * doc/hdf5-format.md) into a block: the index columns, then each pool's
 * segments (one hyperslab over a span when it is dense enough, else one read
 * per row), or the QASM texts of a qasm-storage file; and the status,
 * placement and cost columns the driver reads on their own.
 *
 * Owns: only scratch buffers of a call. Borrows: the file and the block it
 * fills. A row whose index is inconsistent with the pools (a segment outside
 * its pool, sizes beyond the memory budget) becomes a row defect reported
 * for that circuit, never a crash or a failed batch. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "h5_internal.h"

/* ---- reading strings (fixed or variable length) ---- */

/* Read @p n strings of dataset @p d from row @p first into @p out, @p width+1
 * bytes each, NUL-terminated, truncated to @p width bytes. */
int qtr_h5_read_fixed_strings(qtr_h5_file *f, hid_t d, uint64_t first, size_t n, size_t width,
                              char *out)
{
    if (!n) return 0;
    int rc = -1;
    hid_t t = H5Dget_type(d), fs = H5Dget_space(d), ms = -1, m = -1;
    hsize_t off = first, cnt = n;
    if (t < 0 || fs < 0 || H5Tget_class(t) != H5T_STRING) goto done;
    if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, &off, NULL, &cnt, NULL) < 0) goto done;
    ms = H5Screate_simple(1, &cnt, NULL);
    if (H5Tis_variable_str(t) > 0) {
        char **v = calloc(n, sizeof *v);
        m = H5Tcopy(H5T_C_S1);
        H5Tset_size(m, H5T_VARIABLE);
        H5Tset_cset(m, H5Tget_cset(t));
        if (v && H5Dread(d, m, ms, fs, H5P_DEFAULT, v) < 0) qtr_h5_cap(f);
        else if (v) {
            for (size_t i = 0; i < n; i++)
                snprintf(out + i * (width + 1), width + 1, "%s", v[i] ? v[i] : "");
            H5Dvlen_reclaim(m, ms, H5P_DEFAULT, v);
            rc = 0;
        }
        free(v);
    } else {
        m = qtr_h5_fixed_str(width + 1, H5T_STR_NULLTERM);
        H5Tset_cset(m, H5Tget_cset(t));
        rc = H5Dread(d, m, ms, fs, H5P_DEFAULT, out) < 0 ? -1 : 0;
        if (rc) qtr_h5_cap(f);
    }
done:
    if (m >= 0) H5Tclose(m);
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    if (t >= 0) H5Tclose(t);
    return rc;
}

/* ======================================================================
 * Reading rows
 * ====================================================================== */

/* Read rows [first, first+n) of row column @p c into @p buf with memory
 * type @p mt. Absent columns leave buf untouched (the caller zeroed it). */
static int read_col(qtr_h5_file *f, int c, uint64_t first, size_t n, hid_t mt, void *buf)
{
    hid_t d = f->d[c];
    if (d < 0 || !n) return 0;
    hsize_t off = first, cnt = n;
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, &cnt, NULL);
    int rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, &off, NULL, &cnt, NULL) < 0 ||
                     H5Dread(d, mt, ms, fs, H5P_DEFAULT, buf) < 0
                 ? -1
                 : 0;
    if (rc) qtr_h5_cap(f);
    H5Sclose(ms);
    H5Sclose(fs);
    return rc;
}

/* Read elements [lo, hi) of pool dataset @p c. */
static int read_span(qtr_h5_file *f, int c, uint64_t lo, uint64_t hi, hid_t mt, void *buf)
{
    if (hi <= lo) return 0;
    hsize_t off = lo, cnt = hi - lo;
    hid_t fs = H5Dget_space(f->d[c]), ms = H5Screate_simple(1, &cnt, NULL);
    int rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, &off, NULL, &cnt, NULL) < 0 ||
                     H5Dread(f->d[c], mt, ms, fs, H5P_DEFAULT, buf) < 0
                 ? -1
                 : 0;
    if (rc) qtr_h5_cap(f);
    H5Sclose(ms);
    H5Sclose(fs);
    return rc;
}

qtr_status qtr_h5_read_status(qtr_h5_file *f, uint64_t first, size_t n, uint8_t *status,
                              qtr_ctx *ctx)
{
    if (f->content != QTR_H5_RESULTS)
        return qtr_fail(ctx, QTR_EINVAL, "%s: not a results file", f->path);
    if (first > f->n || n > f->n - first)
        return qtr_fail(ctx, QTR_EINVAL, "%s: rows %llu..+%zu outside 0..%llu", f->path,
                        (unsigned long long)first, n, (unsigned long long)f->n);
    qtr_h5_quiet q = qtr_h5_quiet_begin();
    qtr_status st = QTR_OK;
    if (read_col(f, C_STATUS, first, n, H5T_NATIVE_UINT8, status) < 0)
        st = qtr_h5_fail(f, ctx, QTR_EIO, "%s: reading status", f->path);
    qtr_h5_quiet_end(q);
    return st;
}

qtr_status qtr_h5_read_placement(qtr_h5_file *f, uint64_t first, size_t n, uint64_t *start,
                                 uint64_t *count, qtr_ctx *ctx)
{
    if (first > f->n || n > f->n - first)
        return qtr_fail(ctx, QTR_EINVAL, "%s: rows %llu..+%zu outside 0..%llu", f->path,
                        (unsigned long long)first, n, (unsigned long long)f->n);
    qtr_h5_quiet q = qtr_h5_quiet_begin();
    qtr_status st = QTR_OK;
    uint64_t *tmp = calloc(n ? n : 1, sizeof *tmp);
    if (!tmp) {
        st = qtr_fail(ctx, QTR_ENOMEM, "placement of %zu rows", n);
        goto done;
    }
    memset(start, 0, n * QTR_H5_NFILEPOOLS * sizeof *start);
    memset(count, 0, n * QTR_H5_NFILEPOOLS * sizeof *count);
    for (int p = 0; p < QTR_H5_NFILEPOOLS; p++)
        for (int role = 0; role < 2; role++) {
            int c = role ? qtr_h5_count_col(p) : qtr_h5_start_col(p);
            if (f->d[c] < 0) continue;
            if (read_col(f, c, first, n, H5T_NATIVE_UINT64, tmp) < 0) {
                st = qtr_h5_fail(f, ctx, QTR_EIO, "%s: reading '%s'", f->path, qtr_h5_cols[c].name);
                goto done;
            }
            uint64_t *o = role ? count : start;
            for (size_t k = 0; k < n; k++) o[k * QTR_H5_NFILEPOOLS + p] = tmp[k];
        }
done:
    free(tmp);
    qtr_h5_quiet_end(q);
    return st;
}

qtr_status qtr_h5_read_costs(qtr_h5_file *f, uint64_t first, size_t n, double *cost,
                             uint64_t *ninst, uint32_t *nqubits, qtr_ctx *ctx)
{
    if (first > f->n || n > f->n - first)
        return qtr_fail(ctx, QTR_EINVAL, "%s: rows %llu..+%zu outside 0..%llu", f->path,
                        (unsigned long long)first, n, (unsigned long long)f->n);
    qtr_h5_quiet q = qtr_h5_quiet_begin();
    qtr_status st = QTR_OK;
    memset(cost, 0, n * sizeof *cost);
    if (ninst) memset(ninst, 0, n * sizeof *ninst);
    if (nqubits) memset(nqubits, 0, n * sizeof *nqubits);
    if (read_col(f, C_COST, first, n, H5T_NATIVE_DOUBLE, cost) < 0 ||
        (ninst && read_col(f, C_INST_COUNT, first, n, H5T_NATIVE_UINT64, ninst) < 0) ||
        (nqubits && read_col(f, C_NQUBITS, first, n, H5T_NATIVE_UINT32, nqubits) < 0))
        st = qtr_h5_fail(f, ctx, QTR_EIO, "%s: reading the index of rows %llu..%llu", f->path,
                     (unsigned long long)first, (unsigned long long)(first + n));
    for (size_t k = 0; k < n && !st; k++)
        if (!isfinite(cost[k]) || cost[k] < 0) cost[k] = 0;
    qtr_h5_quiet_end(q);
    return st;
}

/* Mark row k of the block unusable with status @p code and a reason; its
 * pools stay empty. */
static void row_defect(qtr_h5_block *b, size_t k, qtr_status code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void row_defect(qtr_h5_block *b, size_t k, qtr_status code, const char *fmt, ...)
{
    char m[QTR_H5_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    qtr_h5_row *r = &b->row[k];
    if (!r->defect) {
        r->defect = qtr_h5_block_put_msg(b, m);
        r->defect_code = (uint8_t)code;
    }
    for (int p = 0; p < QTR_H5_NPOOLS; p++) r->count[p] = 0;
}

/* Bytes row @p r's circuit will hold at least, from its pool counts
 * (saturating; the layouts are two arrays). */
static double row_bytes(const qtr_h5_row *r)
{
    static const double elem[QTR_H5_NFILEPOOLS] = {
        sizeof(qtr_inst), sizeof(double), sizeof(uint32_t), sizeof(qtr_h5_reg),
        2 * sizeof(uint32_t)};
    double sum = 0;
    for (int p = 0; p < QTR_H5_NFILEPOOLS; p++) sum += (double)r->count[p] * elem[p];
    return sum;
}

/* Memory type and element size of pool dataset column c. */
static hid_t pool_mem(const qtr_h5_file *f, int c, size_t *elem)
{
    switch (c) {
    case C_INST: *elem = sizeof(qtr_inst); return f->ty.inst_mem;
    case C_PARAMS: *elem = sizeof(double); return H5T_NATIVE_DOUBLE;
    case C_ARGS: case C_LAYOUT0: case C_LAYOUT1: *elem = sizeof(uint32_t); return H5T_NATIVE_UINT32;
    case C_REGS: *elem = sizeof(qtr_h5_reg); return f->ty.reg_mem;
    }
    *elem = 0;
    return -1;
}

/* Destination array in the block for pool column c (grown to hold need). */
static void *pool_dest(qtr_h5_block *b, int c, size_t need)
{
    switch (c) {
    case C_INST: return QTR_GROW(&b->alloc, b->inst, b->capinst, need) ? NULL : (void *)b->inst;
    case C_PARAMS: return QTR_GROW(&b->alloc, b->params, b->capparams, need) ? NULL : (void *)b->params;
    case C_ARGS: return QTR_GROW(&b->alloc, b->args, b->capargs, need) ? NULL : (void *)b->args;
    case C_REGS: return QTR_GROW(&b->alloc, b->regs, b->capregs, need) ? NULL : (void *)b->regs;
    case C_LAYOUT0: return qtr_h5_block_grow_layout(b, need) ? NULL : (void *)b->layout0;
    case C_LAYOUT1: return qtr_h5_block_grow_layout(b, need) ? NULL : (void *)b->layout1;
    }
    return NULL;
}

static size_t *pool_len(qtr_h5_block *b, int c)
{
    switch (c) {
    case C_INST: return &b->ninst;
    case C_PARAMS: return &b->nparams;
    case C_ARGS: return &b->nargs;
    case C_REGS: return &b->nregs;
    default: return &b->nlayout;
    }
}

/* Copy the segments of rows [k0, b->n) of pool dataset @p c into the block.
 * Reads the span covering them in one hyperslab when it is not much larger
 * than what the rows need, else one read per row. */
static qtr_status read_pool(qtr_h5_file *f, qtr_h5_block *b, size_t k0, int c, qtr_ctx *ctx)
{
    int p = qtr_h5_cols[c].pool;
    size_t elem;
    hid_t mt = pool_mem(f, c, &elem);
    uint64_t lo = UINT64_MAX, hi = 0, need = 0;
    for (size_t k = k0; k < b->n; k++) {
        qtr_h5_row *r = &b->row[k];
        if (!r->count[p]) continue;
        lo = r->start[p] < lo ? r->start[p] : lo;
        hi = r->start[p] + r->count[p] > hi ? r->start[p] + r->count[p] : hi;
        need += r->count[p];
    }
    size_t *len = pool_len(b, c);
    size_t base = *len;
    /* the layout pool is read twice (two datasets) into the same offsets */
    if (c == C_LAYOUT1) base = b->row[k0].local[QTR_H5_POOL_LAYOUT];
    if (!need) return QTR_OK;
    char *dst = pool_dest(b, c, base + need);
    if (!dst) return qtr_fail(ctx, QTR_ENOMEM, "%s: %llu elements of '%s'", f->path,
                              (unsigned long long)need, qtr_h5_cols[c].name);
    size_t at = base;
    if (hi - lo <= 2 * need + 65536) {
        void *tmp = malloc((size_t)(hi - lo) * elem);
        if (!tmp) return qtr_fail(ctx, QTR_ENOMEM, "%s: reading '%s'", f->path, qtr_h5_cols[c].name);
        if (read_span(f, c, lo, hi, mt, tmp) < 0) {
            free(tmp);
            return qtr_h5_fail(f, ctx, QTR_EIO, "%s: reading '%s' [%llu, %llu)", f->path, qtr_h5_cols[c].name,
                           (unsigned long long)lo, (unsigned long long)hi);
        }
        for (size_t k = k0; k < b->n; k++) {
            qtr_h5_row *r = &b->row[k];
            r->local[p] = at;
            if (!r->count[p]) continue;
            memcpy(dst + at * elem, (char *)tmp + (r->start[p] - lo) * elem, r->count[p] * elem);
            at += r->count[p];
        }
        free(tmp);
    } else {
        for (size_t k = k0; k < b->n; k++) {
            qtr_h5_row *r = &b->row[k];
            r->local[p] = at;
            if (!r->count[p]) continue;
            if (read_span(f, c, r->start[p], r->start[p] + r->count[p], mt, dst + at * elem) < 0)
                return qtr_h5_fail(f, ctx, QTR_EIO, "%s: reading '%s' of row %llu", f->path,
                               qtr_h5_cols[c].name, (unsigned long long)r->index);
            at += r->count[p];
        }
    }
    if (c != C_LAYOUT0) *len = at;
    /* a name that fills its field in the file arrives without its NUL */
    if (c == C_REGS)
        for (size_t i = base; i < at; i++) b->regs[i].name[QTR_H5_REGNAME_LEN] = '\0';
    return QTR_OK;
}

/* QASM text of rows [k0, b->n), first file row @p first. */
static qtr_status read_texts(qtr_h5_file *f, qtr_h5_block *b, size_t k0, uint64_t first,
                             qtr_ctx *ctx)
{
    size_t n = b->n - k0;
    hid_t d = f->d[C_QASM], t = H5Dget_type(d), m = -1;
    hsize_t off = first, cnt = n;
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, &cnt, NULL);
    qtr_status st = QTR_OK;
    char **v = NULL, *fixed = NULL;
    size_t width = 0;
    int var = H5Tis_variable_str(t) > 0;
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, &off, NULL, &cnt, NULL);
    if (var) {
        m = H5Tcopy(H5T_C_S1);
        H5Tset_size(m, H5T_VARIABLE);
        H5Tset_cset(m, H5Tget_cset(t));
        v = calloc(n, sizeof *v);
        if (!v) { st = qtr_fail(ctx, QTR_ENOMEM, "QASM texts"); goto done; }
        if (H5Dread(d, m, ms, fs, H5P_DEFAULT, v) < 0) {
            qtr_h5_cap(f);
            free(v);
            v = NULL;
            st = qtr_h5_fail(f, ctx, QTR_EIO, "%s: reading '%s'", f->path, QTR_H5_QASM);
            goto done;
        }
    } else {
        width = H5Tget_size(t);
        m = qtr_h5_fixed_str(width + 1, H5T_STR_NULLTERM);
        fixed = calloc(n, width + 1);
        if (!fixed) { st = qtr_fail(ctx, QTR_ENOMEM, "QASM texts"); goto done; }
        if (H5Dread(d, m, ms, fs, H5P_DEFAULT, fixed) < 0) {
            qtr_h5_cap(f);
            st = qtr_h5_fail(f, ctx, QTR_EIO, "%s: reading '%s'", f->path, QTR_H5_QASM);
            goto done;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const char *s = var ? (v[i] ? v[i] : "") : fixed + i * (width + 1);
        size_t len = strlen(s);
        qtr_h5_row *r = &b->row[k0 + i];
        if (QTR_GROW(&b->alloc, b->text, b->captext, b->ntext + len + 1)) {
            st = qtr_fail(ctx, QTR_ENOMEM, "%zu bytes of QASM", len);
            goto done;
        }
        memcpy(b->text + b->ntext, s, len + 1);
        r->local[QTR_H5_POOL_TEXT] = b->ntext;
        r->count[QTR_H5_POOL_TEXT] = len;
        b->ntext += len + 1;
    }
done:
    if (v) {
        H5Dvlen_reclaim(m, ms, H5P_DEFAULT, v);
        free(v);
    }
    free(fixed);
    if (m >= 0) H5Tclose(m);
    H5Sclose(ms);
    H5Sclose(fs);
    H5Tclose(t);
    return st;
}

qtr_status qtr_h5_read_rows(qtr_h5_file *f, uint64_t first, size_t n, qtr_h5_block *b,
                            qtr_ctx *ctx)
{
    if (first > f->n || n > f->n - first)
        return qtr_fail(ctx, QTR_EINVAL, "%s: rows %llu..+%zu outside 0..%llu", f->path,
                        (unsigned long long)first, n, (unsigned long long)f->n);
    if (!n) return QTR_OK;
    if (b->n && first <= b->row[b->n - 1].index)
        return qtr_fail(ctx, QTR_EINVAL, "%s: rows out of order", __func__);
    qtr_h5_quiet q = qtr_h5_quiet_begin();
    qtr_status st = QTR_OK;
    size_t k0 = b->n;
    uint64_t *u64 = NULL;
    double *f64 = NULL;
    char *str = NULL;
    if (QTR_GROW(&b->alloc, b->row, b->cap, k0 + n)) goto nomem;
    u64 = malloc(n * sizeof *u64);
    f64 = malloc(n * sizeof *f64);
    str = malloc(n * (QTR_H5_MSG_LEN + 1));
    if (!u64 || !f64 || !str) goto nomem;
    for (size_t i = 0; i < n; i++) {
        memset(&b->row[k0 + i], 0, sizeof b->row[0]);
        b->row[k0 + i].index = first + i;
    }
    b->n = k0 + n;

    /* index columns */
#define ROWS_U(col, field)                                                          \
    if (f->d[col] >= 0) {                                                           \
        if (read_col(f, col, first, n, H5T_NATIVE_UINT64, u64) < 0) goto ioerr;     \
        for (size_t i = 0; i < n; i++) b->row[k0 + i].field = u64[i];               \
    }
    ROWS_U(C_NQUBITS, nqubits)
    ROWS_U(C_NCLBITS, nclbits)
    ROWS_U(C_STATUS, status)
    ROWS_U(C_CODE, code)
    for (int p = 0; p < QTR_H5_NFILEPOOLS; p++) {
        ROWS_U(qtr_h5_start_col(p), start[p])
        ROWS_U(qtr_h5_count_col(p), count[p])
    }
    if (f->d[C_STATS] >= 0) {
        uint64_t *st = malloc(n * QTR_H5_NSTATS * sizeof *st);
        if (!st) goto nomem;
        if (read_col(f, C_STATS, first, n, f->ty.stats, st) < 0) {
            free(st);
            goto ioerr;
        }
        for (size_t i = 0; i < n; i++)
            memcpy(b->row[k0 + i].stats, st + i * QTR_H5_NSTATS, sizeof b->row[0].stats);
        free(st);
    }
#undef ROWS_U
#define ROWS_F(col, field)                                                          \
    if (f->d[col] >= 0) {                                                           \
        if (read_col(f, col, first, n, H5T_NATIVE_DOUBLE, f64) < 0) goto ioerr;     \
        for (size_t i = 0; i < n; i++) b->row[k0 + i].field = f64[i];               \
    }
    ROWS_F(C_PHASE, global_phase)
    ROWS_F(C_COST, cost)
    ROWS_F(C_SECONDS, seconds)
#undef ROWS_F
    if (f->d[C_NAME] >= 0) {
        if (qtr_h5_read_fixed_strings(f, f->d[C_NAME], first, n, QTR_H5_NAME_LEN, str) < 0) goto ioerr;
        for (size_t i = 0; i < n; i++)
            memcpy(b->row[k0 + i].name, str + i * (QTR_H5_NAME_LEN + 1), QTR_H5_NAME_LEN + 1);
    }
    if (f->d[C_MESSAGE] >= 0) {
        if (qtr_h5_read_fixed_strings(f, f->d[C_MESSAGE], first, n, QTR_H5_MSG_LEN, str) < 0) goto ioerr;
        for (size_t i = 0; i < n; i++) {
            const char *m = str + i * (QTR_H5_MSG_LEN + 1);
            if (m[0] && !(b->row[k0 + i].message = qtr_h5_block_put_msg(b, m))) goto nomem;
        }
    }

    if (f->storage == QTR_H5_QASMTEXT) {
        st = read_texts(f, b, k0, first, ctx);
        goto done;
    }
    /* pool segments: validate against the pool lengths, then read */
    for (size_t k = k0; k < b->n; k++) {
        qtr_h5_row *r = &b->row[k];
        for (int p = 0; p < QTR_H5_NFILEPOOLS; p++) {
            if (r->count[p] && (r->start[p] > f->ext[p] || r->count[p] > f->ext[p] - r->start[p])) {
                row_defect(b, k, QTR_EPARSE,
                           "circuit %llu ('%s'): %s segment [%llu, +%llu) lies outside the pool "
                           "of %llu",
                           (unsigned long long)r->index, r->name, qtr_h5_cols[qtr_h5_start_col(p)].name,
                           (unsigned long long)r->start[p], (unsigned long long)r->count[p],
                           (unsigned long long)f->ext[p]);
                break;
            }
        }
        /* a row's sizes are the file's word: never allocate from them beyond
         * the budget (a row may claim 2^40 records of a pool declared that
         * long) */
        if (!r->defect && ctx->max_memory && row_bytes(r) > (double)ctx->max_memory)
            row_defect(b, k, QTR_EMEMORY,
                       "circuit %llu ('%s'): %llu instructions, %llu parameters and %llu operand "
                       "words need %.0f MiB, more than its memory budget of %.0f MiB "
                       "(--max-memory)",
                       (unsigned long long)r->index, r->name,
                       (unsigned long long)r->count[QTR_H5_POOL_INST],
                       (unsigned long long)r->count[QTR_H5_POOL_PARAMS],
                       (unsigned long long)r->count[QTR_H5_POOL_ARGS], row_bytes(r) / 1048576.0,
                       (double)ctx->max_memory / 1048576.0);
    }
    static const int pool_cols[] = {C_INST, C_PARAMS, C_ARGS, C_REGS, C_LAYOUT0, C_LAYOUT1};
    for (size_t i = 0; i < sizeof pool_cols / sizeof *pool_cols && !st; i++)
        if (f->d[pool_cols[i]] >= 0) st = read_pool(f, b, k0, pool_cols[i], ctx);
    goto done;
nomem:
    st = qtr_fail(ctx, QTR_ENOMEM, "%s: block of %zu rows", f->path, n);
    goto done;
ioerr:
    st = qtr_h5_fail(f, ctx, QTR_EIO, "%s: reading rows %llu..%llu", f->path, (unsigned long long)first,
                 (unsigned long long)(first + n));
done:
    if (st) b->n = k0;  /* nothing half-read stays in the block */
    free(u64);
    free(f64);
    free(str);
    qtr_h5_quiet_end(q);
    return st;
}
