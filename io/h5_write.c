/* h5_write.c -- writing blocks of rows into an HDF5 batch file (format v1:
 * doc/hdf5-format.md): extending the pools, the index columns, the pools (in
 * windows of whole chunks, so a collective write never holds a whole round's
 * buffers; precompressed chunks stored as they are), and the status column
 * that commits rows.
 *
 * Owns: only scratch buffers of a call. Borrows: the file and the block
 * (and, for a block of references, the circuits it refers to). With an MPI-IO
 * access list every function here is collective: each rank derives the same
 * windows from the extents alone, so the calls pair up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "h5_internal.h"

void qtr_h5_set_write_window(qtr_h5_file *f, uint64_t bytes) { f->window = bytes; }

void qtr_h5_set_between(qtr_h5_file *f, qtr_h5_between_fn fn, void *ud)
{
    f->between = fn;
    f->between_ud = ud;
}

static void between(qtr_h5_file *f)
{
    if (f->between) f->between(f->between_ud);
}

qtr_status qtr_h5_grow(qtr_h5_file *f, const uint64_t ext[QTR_H5_NFILEPOOLS], qtr_ctx *ctx)
{
    static const int pc[QTR_H5_NFILEPOOLS] = {C_INST, C_PARAMS, C_ARGS, C_REGS, C_LAYOUT0};
    qtr_h5_quiet q = qtr_h5_quiet_begin();
    qtr_status st = QTR_OK;
    memcpy(f->from, f->ext, sizeof f->from);
    for (int p = 0; p < QTR_H5_NFILEPOOLS && !st; p++) {
        if (f->d[pc[p]] < 0 || ext[p] <= f->ext[p]) continue;
        hsize_t dim = ext[p];
        if (H5Dset_extent(f->d[pc[p]], &dim) < 0 ||
            (p == QTR_H5_POOL_LAYOUT && f->d[C_LAYOUT1] >= 0 && H5Dset_extent(f->d[C_LAYOUT1], &dim) < 0))
            st = qtr_h5_fail(f, ctx, QTR_EIO, "%s: extending '%s' to %llu", f->path, qtr_h5_cols[pc[p]].name,
                         (unsigned long long)ext[p]);
        else f->ext[p] = ext[p];
    }
    qtr_h5_quiet_end(q);
    return st;
}

/* Select the rows of @p b in file space @p fs (runs of consecutive rows as
 * one hyperslab each). */
static int select_rows(hid_t fs, const qtr_h5_block *b)
{
    if (H5Sselect_none(fs) < 0) return -1;
    for (size_t k = 0; k < b->n;) {
        size_t e = k + 1;
        while (e < b->n && b->row[e].index == b->row[e - 1].index + 1) e++;
        hsize_t off = b->row[k].index, cnt = e - k;
        if (H5Sselect_hyperslab(fs, H5S_SELECT_OR, &off, NULL, &cnt, NULL) < 0) return -1;
        k = e;
    }
    return 0;
}

/* Write @p nmem elements from @p buf into the selection of @p fs. */
static int write_sel(qtr_h5_file *f, hid_t d, hid_t mt, hid_t fs, size_t nmem, const void *buf,
                     hid_t dxpl)
{
    hsize_t cnt = nmem ? nmem : 1;
    hid_t ms = H5Screate_simple(1, &cnt, NULL);
    if (!nmem) H5Sselect_none(ms);
    /* HDF5 wants a buffer even for an empty selection in a collective call */
    static const uint64_t dummy[8];
    int rc = H5Dwrite(d, mt, ms, fs, dxpl, nmem ? buf : (const void *)dummy) < 0 ? -1 : 0;
    if (rc) qtr_h5_cap(f);
    H5Sclose(ms);
    return rc;
}

/* Pool data goes out in windows of at most this many bytes of the file
 * range the last qtr_h5_grow added. A collective write to a compressed
 * dataset (parallel HDF5 1.10 with Open MPI's MPI-IO) holds buffers for
 * everything it writes at once: committing a round with hwb11's or hwb12's
 * result (30-55 MB) took 50-60 MiB more resident memory for the time of
 * the write (10,000 circuits, 2 ranks). Windows start at a chunk boundary
 * and are whole chunks, so no chunk is written by two windows. Every rank
 * derives the same windows from the extents alone, so the collective calls
 * pair up; a round of light rows fits in one window. */
#define WRITE_WINDOW_BYTES ((uint64_t)8 << 20)

const void *qtr_h5_block_elems(const qtr_h5_block *b, size_t k, int pool)
{
    if (b->refs) {
        const qtr_circuit *c = b->src[k];
        if (!c) return NULL;
        return pool == QTR_H5_POOL_INST     ? (const void *)c->inst
               : pool == QTR_H5_POOL_PARAMS ? (const void *)c->params
                                            : (const void *)c->args;
    }
    uint64_t at = b->row[k].local[pool];
    return pool == QTR_H5_POOL_INST     ? (const void *)(b->inst + at)
           : pool == QTR_H5_POOL_PARAMS ? (const void *)(b->params + at)
                                        : (const void *)(b->args + at);
}

/* The block's precompressed chunks of pool @p p: [*first, *first + return). */
static size_t pre_of_pool(const qtr_h5_block *b, int p, size_t *first)
{
    size_t i = 0, n = 0;
    while (i < b->npre && (int)b->pre[i].pool != p) i++;
    *first = i;
    while (i + n < b->npre && (int)b->pre[i + n].pool == p) n++;
    return n;
}

/* Store the precompressed chunks b->pre[first, first + n) of dataset @p d
 * as they are. The dataset must be chunked as this build creates it, with
 * shuffle then deflate, or the bytes would be read back wrong. */
static int write_prechunks(qtr_h5_file *f, const qtr_h5_block *b, hid_t d, int p, size_t first,
                           size_t n)
{
    uint64_t clen;
    size_t es;
    if (qtr_h5_chunk_geometry(p, &clen, &es)) return -1;
    hid_t dcpl = H5Dget_create_plist(d);
    hsize_t dim = 0;
    int ok = dcpl >= 0 && H5Pget_chunk(dcpl, 1, &dim) == 1 && dim == clen &&
             H5Pget_nfilters(dcpl) == 2;
    for (unsigned i = 0; ok && i < 2; i++) {
        unsigned flags, cd[8];
        size_t ncd = 8;
        H5Z_filter_t id = H5Pget_filter2(dcpl, i, &flags, &ncd, cd, 0, NULL, NULL);
        ok = id == (i == 0 ? H5Z_FILTER_SHUFFLE : H5Z_FILTER_DEFLATE);
    }
    if (dcpl >= 0) H5Pclose(dcpl);
    if (!ok) {
        qtr_h5_cap(f);
        return -1;
    }
    for (size_t i = first; i < first + n; i++) {
        const qtr_h5_prechunk *c = &b->pre[i];
        hsize_t off = c->chunk * clen;
        if (H5Dwrite_chunk(d, H5P_DEFAULT, c->mask, &off, (size_t)c->size, c->data) < 0) {
            qtr_h5_cap(f);
            return -1;
        }
    }
    return 0;
}

/* @p buf: the block's own pool array; with @p gather, each window's
 * elements are gathered from the rows' circuits (b->refs) instead. */
static int write_pool(qtr_h5_file *f, const qtr_h5_block *b, int c, hid_t mt, const void *buf,
                      int gather, hid_t dxpl)
{
    hid_t d = f->d[c];
    int p = qtr_h5_cols[c].pool;
    uint64_t es = H5Tget_size(mt);
    uint64_t chunk = qtr_h5_cols[c].type == T_INST || qtr_h5_cols[c].type == T_REG ? QTR_H5_CHUNK_POOL
                                                                      : QTR_H5_CHUNK_SMALL;
    uint64_t per = (f->window ? f->window : WRITE_WINDOW_BYTES) / (es ? es : 1) / chunk * chunk;
    if (per < chunk) per = chunk;
    uint64_t lo = f->from[p] - f->from[p] % chunk, hi = f->ext[p];
    uint64_t nwin = hi > lo ? (hi - lo + per - 1) / per : 1;
    /* elements in precompressed chunks are left out: their chunks are
     * stored as they are afterwards */
    size_t xi, nx = pre_of_pool(b, p, &xi), xend = xi + nx;
    uint64_t clen = chunk;
    if (nx) gather = 1;
    hid_t fs = H5Dget_space(d);
    if (fs < 0) return -1;
    int rc = 0;
    size_t k = 0, mpos = 0;
    uint64_t done_in_row = 0;  /* elements of row k's segment already written */
    char *stage = NULL;        /* gathered elements of the window */
    uint64_t capstage = 0;
    for (uint64_t w = 0; w < nwin && !rc; w++) {
        /* the first window also takes anything below lo, the last anything
         * above: a segment outside [from, ext) is still written once */
        uint64_t wh = w + 1 == nwin ? UINT64_MAX : lo + (w + 1) * per;
        uint64_t cnt = 0, run_lo = 0, run_hi = 0;
        int have = 0;
        if (H5Sselect_none(fs) < 0) rc = -1;
        while (!rc && k < b->n) {
            const qtr_h5_row *r = &b->row[k];
            if (!r->count[p]) {
                k++;
                continue;
            }
            uint64_t s0 = r->start[p] + done_in_row, e0 = r->start[p] + r->count[p];
            if (s0 >= wh) break;
            while (xi < xend && (b->pre[xi].chunk + 1) * clen <= s0) xi++;
            if (xi < xend && b->pre[xi].chunk * clen <= s0) {
                uint64_t ce = (b->pre[xi].chunk + 1) * clen, to = ce < e0 ? ce : e0;
                done_in_row += to - s0;
                if (to == e0) {
                    k++;
                    done_in_row = 0;
                }
                continue;
            }
            uint64_t e = e0 < wh ? e0 : wh;
            if (xi < xend && b->pre[xi].chunk * clen < e) e = b->pre[xi].chunk * clen;
            if (gather) {
                if ((cnt + (e - s0)) * es > capstage) {
                    uint64_t want = (cnt + (e - s0)) * es;
                    if (want < per * es) want = per * es;
                    char *ns = realloc(stage, want);
                    if (!ns) {
                        rc = -1;
                        break;
                    }
                    stage = ns;
                    capstage = want;
                }
                memcpy(stage + cnt * es, (const char *)qtr_h5_block_elems(b, k, p) + done_in_row * es,
                       (e - s0) * es);
            }
            if (have && s0 == run_hi) {
                run_hi = e;
            } else {
                if (have) {
                    hsize_t off = run_lo, len = run_hi - run_lo;
                    if (H5Sselect_hyperslab(fs, H5S_SELECT_OR, &off, NULL, &len, NULL) < 0) rc = -1;
                }
                run_lo = s0;
                run_hi = e;
                have = 1;
            }
            cnt += e - s0;
            if (e < e0) {
                done_in_row += e - s0;
                if (e == wh) break;
                continue;  /* cut by a precompressed chunk */
            }
            k++;
            done_in_row = 0;
        }
        if (!rc && have) {
            hsize_t off = run_lo, len = run_hi - run_lo;
            if (H5Sselect_hyperslab(fs, H5S_SELECT_OR, &off, NULL, &len, NULL) < 0) rc = -1;
        }
        if (!rc)
            rc = write_sel(f, d, mt, fs, (size_t)cnt,
                           gather ? (const char *)stage : (const char *)buf + mpos * es, dxpl) < 0 ? -1 : 0;
        mpos += (size_t)cnt;
        /* HDF5 keeps the window's freed chunk buffers in free lists, one
         * per block size; compressed chunks come in many sizes, so the
         * lists would hold every window's buffers until the commit ends
         * (2 ranks, 1,000 circuits: peak 134 -> 118 MiB) */
        if (nwin > 1) H5garbage_collect();
        if (!rc && w + 1 < nwin) between(f);
    }
    H5Sclose(fs);
    free(stage);
    if (!rc && nx) rc = write_prechunks(f, b, d, p, xend - nx, nx);
    return rc;
}

static int write_row_col(qtr_h5_file *f, const qtr_h5_block *b, int c, hid_t mt, const void *buf,
                         hid_t dxpl)
{
    hid_t d = f->d[c];
    if (d < 0) return 0;
    hid_t fs = H5Dget_space(d);
    int rc = select_rows(fs, b) < 0 || write_sel(f, d, mt, fs, b->n, buf, dxpl) < 0 ? -1 : 0;
    H5Sclose(fs);
    return rc;
}

/* Write integer column @p c from the values in @p v (one per row), narrowed
 * to the column's own width first. Writers always pass memory types equal
 * to the file types: HDF5 turns a transfer that needs a conversion into an
 * independent one, and 1.10 refuses independent writes to compressed
 * datasets (and they would not be collective anyway). */
static int write_int_col(qtr_h5_file *f, const qtr_h5_block *b, int c, const uint64_t *v,
                         void *scratch, hid_t dxpl)
{
    if (f->d[c] < 0) return 0;
    switch (qtr_h5_cols[c].type) {
    case T_U8:
        for (size_t k = 0; k < b->n; k++) ((uint8_t *)scratch)[k] = (uint8_t)v[k];
        return write_row_col(f, b, c, H5T_NATIVE_UINT8, scratch, dxpl);
    case T_U32:
        for (size_t k = 0; k < b->n; k++) ((uint32_t *)scratch)[k] = (uint32_t)v[k];
        return write_row_col(f, b, c, H5T_NATIVE_UINT32, scratch, dxpl);
    default:
        return write_row_col(f, b, c, H5T_NATIVE_UINT64, v, dxpl);
    }
}

static int rows_in_range(const qtr_h5_file *f, const qtr_h5_block *b)
{
    return !b->n || b->row[b->n - 1].index < f->n;
}

/* Fixed-length strings as the file stores them: @p width bytes, NUL-padded. */
static void pad_string(char *dst, const char *src, size_t width)
{
    size_t len = strnlen(src, width);
    memcpy(dst, src, len);
    memset(dst + len, 0, width - len);
}

qtr_status qtr_h5_write_block(qtr_h5_file *f, const qtr_h5_block *b, int64_t dxpl, qtr_ctx *ctx)
{
    if (!rows_in_range(f, b))
        return qtr_fail(ctx, QTR_EINVAL, "%s: row %llu outside the file's %llu", f->path,
                        (unsigned long long)b->row[b->n - 1].index, (unsigned long long)f->n);
    for (size_t k = 0; k < b->n && f->storage == QTR_H5_COLUMNS; k++)
        for (int p = 0; p < QTR_H5_NFILEPOOLS; p++)
            if (b->row[k].count[p] && b->row[k].start[p] + b->row[k].count[p] > f->ext[p])
                return qtr_fail(ctx, QTR_EINVAL, "%s: row %llu placed beyond pool '%s' (grow first)",
                                f->path, (unsigned long long)b->row[k].index,
                                qtr_h5_cols[qtr_h5_start_col(p)].name);
    qtr_h5_quiet q = qtr_h5_quiet_begin();
    qtr_status st = QTR_OK;
    hid_t xp = dxpl < 0 ? H5P_DEFAULT : dxpl;
    size_t n = b->n, nn = n ? n : 1;
    uint64_t *u64 = malloc(nn * sizeof *u64);
    void *narrow = malloc(nn * sizeof(uint64_t));
    double *f64 = malloc(nn * sizeof *f64);
    char *str = NULL;
    if (!u64 || !narrow || !f64) goto nomem;

#define WRITE_U(col, expr)                                                       \
    if (f->d[col] >= 0) {                                                        \
        for (size_t k = 0; k < n; k++) u64[k] = (uint64_t)(expr);                \
        if (write_int_col(f, b, col, u64, narrow, xp) < 0) goto ioerr;           \
        between(f);                                                              \
    }
#define WRITE_F(col, expr)                                                       \
    if (f->d[col] >= 0) {                                                        \
        for (size_t k = 0; k < n; k++) f64[k] = (expr);                          \
        if (write_row_col(f, b, col, H5T_NATIVE_DOUBLE, f64, xp) < 0) goto ioerr; \
        between(f);                                                              \
    }
    WRITE_U(C_NQUBITS, b->row[k].nqubits)
    WRITE_U(C_NCLBITS, b->row[k].nclbits)
    WRITE_F(C_PHASE, b->row[k].global_phase)
    WRITE_F(C_COST, b->row[k].cost)
    if (f->storage == QTR_H5_COLUMNS)
        for (int p = 0; p < QTR_H5_NFILEPOOLS; p++) {
            WRITE_U(qtr_h5_start_col(p), b->row[k].start[p])
            WRITE_U(qtr_h5_count_col(p), b->row[k].count[p])
        }
    if (f->content == QTR_H5_RESULTS) {
        WRITE_U(C_CODE, b->row[k].code)
        if (f->d[C_STATS] >= 0) {
            uint64_t *st = malloc(nn * QTR_H5_NSTATS * sizeof *st);
            if (!st) goto nomem;
            for (size_t k = 0; k < n; k++)
                memcpy(st + k * QTR_H5_NSTATS, b->row[k].stats, sizeof b->row[0].stats);
            int rc = write_row_col(f, b, C_STATS, f->ty.stats, st, xp);
            free(st);
            if (rc < 0) goto ioerr;
            between(f);
        }
        WRITE_F(C_SECONDS, b->row[k].seconds)
    }
#undef WRITE_U
#undef WRITE_F
    if (f->d[C_NAME] >= 0) {
        str = malloc(nn * QTR_H5_NAME_LEN);
        if (!str) goto nomem;
        for (size_t k = 0; k < n; k++)
            pad_string(str + k * QTR_H5_NAME_LEN, b->row[k].name, QTR_H5_NAME_LEN);
        if (write_row_col(f, b, C_NAME, f->ty.name_file, str, xp) < 0) goto ioerr;
        free(str);
        str = NULL;
        between(f);
    }
    if (f->d[C_MESSAGE] >= 0) {
        str = malloc(nn * QTR_H5_MSG_LEN);
        if (!str) goto nomem;
        for (size_t k = 0; k < n; k++)
            pad_string(str + k * QTR_H5_MSG_LEN, qtr_h5_block_message(b, k), QTR_H5_MSG_LEN);
        if (write_row_col(f, b, C_MESSAGE, f->ty.msg_file, str, xp) < 0) goto ioerr;
        free(str);
        str = NULL;
        between(f);
    }
    if (f->storage == QTR_H5_QASMTEXT) {
        /* variable-length strings: serial writers only (pack) */
        const char **v = malloc(nn * sizeof *v);
        if (!v) goto nomem;
        for (size_t k = 0; k < n; k++) v[k] = qtr_h5_block_text(b, k);
        int rc = write_row_col(f, b, C_QASM, f->ty.vstr, v, xp);
        free(v);
        if (rc < 0) goto ioerr;
    } else {
        static const int pool_cols[] = {C_INST, C_PARAMS, C_ARGS, C_REGS, C_LAYOUT0, C_LAYOUT1};
        for (size_t i = 0; i < sizeof pool_cols / sizeof *pool_cols; i++) {
            int c = pool_cols[i];
            hid_t d = f->d[c];
            if (d < 0) continue;
            const void *buf;
            hid_t mt;
            char *packed = NULL;
            switch (c) {
            /* records: the same 16 bytes in memory and in the file */
            case C_INST: buf = b->refs ? NULL : b->inst; mt = f->ty.inst_file; break;
            case C_PARAMS: buf = b->refs ? NULL : b->params; mt = H5T_NATIVE_DOUBLE; break;
            case C_ARGS: buf = b->refs ? NULL : b->args; mt = H5T_NATIVE_UINT32; break;
            case C_LAYOUT0: buf = b->layout0; mt = H5T_NATIVE_UINT32; break;
            case C_LAYOUT1: buf = b->layout1; mt = H5T_NATIVE_UINT32; break;
            default: {
                /* registers: packed {u8, u32, char[32]} records, the file's layout */
                enum { RSZ = 1 + 4 + QTR_H5_REGNAME_LEN };
                packed = malloc((b->nregs ? b->nregs : 1) * RSZ);
                if (!packed) goto nomem;
                for (size_t r = 0; r < b->nregs; r++) {
                    char *o = packed + r * RSZ;
                    uint32_t sz = b->regs[r].size;
                    o[0] = (char)b->regs[r].kind;
                    for (int by = 0; by < 4; by++) o[1 + by] = (char)(sz >> (8 * by));
                    pad_string(o + 5, b->regs[r].name, QTR_H5_REGNAME_LEN);
                }
                buf = packed;
                mt = f->ty.reg_file;
            }
            }
            int rc = write_pool(f, b, c, mt, buf, b->refs && (c == C_INST || c == C_PARAMS || c == C_ARGS), xp);
            free(packed);
            if (rc < 0) goto ioerr;
            between(f);
        }
    }
    goto done;
nomem:
    st = qtr_fail(ctx, QTR_ENOMEM, "%s: writing %zu rows", f->path, n);
    goto done;
ioerr:
    st = qtr_h5_fail(f, ctx, QTR_EIO, "%s: writing %zu rows failed", f->path, n);
done:
    free(u64);
    free(narrow);
    free(f64);
    free(str);
    qtr_h5_quiet_end(q);
    return st;
}

qtr_status qtr_h5_write_status(qtr_h5_file *f, const qtr_h5_block *b, int64_t dxpl, qtr_ctx *ctx)
{
    if (f->d[C_STATUS] < 0) return qtr_fail(ctx, QTR_EINVAL, "%s: not a results file", f->path);
    if (!rows_in_range(f, b))
        return qtr_fail(ctx, QTR_EINVAL, "%s: row outside the file", f->path);
    qtr_h5_quiet q = qtr_h5_quiet_begin();
    qtr_status st = QTR_OK;
    uint8_t *s = malloc(b->n ? b->n : 1);
    if (!s) st = qtr_fail(ctx, QTR_ENOMEM, "status of %zu rows", b->n);
    else {
        for (size_t k = 0; k < b->n; k++) s[k] = b->row[k].status;
        if (write_row_col(f, b, C_STATUS, H5T_NATIVE_UINT8, s, dxpl < 0 ? H5P_DEFAULT : dxpl) < 0)
            st = qtr_h5_fail(f, ctx, QTR_EIO, "%s: writing status", f->path);
    }
    free(s);
    qtr_h5_quiet_end(q);
    return st;
}
