/* h5_file.c -- the handle of an HDF5 batch file (format v1:
 * doc/hdf5-format.md): the table of its datasets, the HDF5 types they use,
 * creating a file, closing and flushing it, and how HDF5's errors become
 * messages.
 *
 * Owns: the HDF5 handles of an open file (qtr_h5_file; struct in
 * h5_internal.h), its property lists while it opens, and its journal (the
 * undo journal of a results file written with the serial driver:
 * h5_journal.h). Borrows: the property lists the caller passes in.
 *
 * HDF5 prints its error stack to stderr by default. Library code must not
 * print, so each public entry point silences automatic printing for its
 * duration (qtr_h5_quiet_begin/end) and turns the stack into the ctx message
 * instead (qtr_h5_cap, qtr_h5_fail). Opening and validating a file is in
 * h5_open.c, rows go through h5_read.c and h5_write.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "h5_internal.h"

_Static_assert(sizeof(hid_t) == sizeof(int64_t), "hid_t is passed as int64_t");

/* ======================================================================
 * Errors
 * ====================================================================== */

qtr_h5_quiet qtr_h5_quiet_begin(void)
{
    qtr_h5_quiet q;
    H5Eget_auto2(H5E_DEFAULT, &q.func, &q.data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return q;
}

void qtr_h5_quiet_end(qtr_h5_quiet q) { H5Eset_auto2(H5E_DEFAULT, q.func, q.data); }

typedef struct {
    char outer[150], inner[150];
    int  n;
} stack_summary;

static herr_t walk_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    stack_summary *s = data;
    const char *d = e->desc && e->desc[0] ? e->desc : e->func_name;
    if (!d) return 0;
    if (s->n == 0) snprintf(s->outer, sizeof s->outer, "%s", d);
    snprintf(s->inner, sizeof s->inner, "%s", d);
    s->n++;
    return 0;
}

static void summarise(char *out, size_t len)
{
    stack_summary s = {{0}, {0}, 0};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walk_cb, &s);
    H5Eclear2(H5E_DEFAULT);
    if (s.n == 0) out[0] = '\0';
    else if (s.n == 1 || !strcmp(s.outer, s.inner)) snprintf(out, len, "%s", s.outer);
    else snprintf(out, len, "%s: %s", s.outer, s.inner);
}

void qtr_h5_cap(qtr_h5_file *f)
{
    if (f && !f->err[0]) summarise(f->err, sizeof f->err);
}

qtr_status qtr_h5_fail(qtr_h5_file *f, qtr_ctx *ctx, qtr_status st, const char *fmt, ...)
{
    char head[384], why[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    /* the system's reason, when the journal's driver saw one (disk full) */
    int sys = f && f->journal ? qtr_h5_journal_errno(f->journal) : 0;
    if (sys) {
        size_t at = strlen(head);
        snprintf(head + at, sizeof head - at, ": %s", strerror(sys));
    }
    char *e = f ? f->err : NULL;
    if (e && e[0]) {
        snprintf(why, sizeof why, "%s", e);
        e[0] = '\0';
        H5Eclear2(H5E_DEFAULT);
    } else {
        summarise(why, sizeof why);
    }
    if (!why[0]) return qtr_fail(ctx, st, "%s", head);
    return qtr_fail(ctx, st, "%s (HDF5: %s)", head, why);
}

/* ======================================================================
 * Column table: every dataset of the format
 * ====================================================================== */

const col_desc qtr_h5_cols[NCOLS] = {
    [C_NAME] = {QTR_H5_NAME, T_NAME, IN_BOTH, G_MAIN, K_ROW, -1, 0},
    [C_NQUBITS] = {QTR_H5_NQUBITS, T_U32, IN_BOTH, G_MAIN, K_ROW, -1, 0},
    [C_NCLBITS] = {QTR_H5_NCLBITS, T_U32, IN_BOTH, G_MAIN, K_ROW, -1, 0},
    [C_PHASE] = {QTR_H5_PHASE, T_F64, IN_BOTH, G_MAIN, K_ROW, -1, 0},
    [C_COST] = {QTR_H5_COST, T_F64, IN_CIRCUITS, G_MAIN, K_ROW, -1, 0},
    [C_QASM] = {QTR_H5_QASM, T_VSTR, IN_CIRCUITS, G_MAIN, K_ROW, -1, 0},
    [C_INST_START] = {"inst_start", T_U64, IN_BOTH, G_MAIN, K_ROW, QTR_H5_POOL_INST, 1},
    [C_INST_COUNT] = {"inst_count", T_U64, IN_BOTH, G_MAIN, K_ROW, QTR_H5_POOL_INST, 2},
    [C_PARAM_START] = {"param_start", T_U64, IN_BOTH, G_MAIN, K_ROW, QTR_H5_POOL_PARAMS, 1},
    [C_PARAM_COUNT] = {"param_count", T_U64, IN_BOTH, G_MAIN, K_ROW, QTR_H5_POOL_PARAMS, 2},
    [C_ARG_START] = {"arg_start", T_U64, IN_BOTH, G_MAIN, K_ROW, QTR_H5_POOL_ARGS, 1},
    [C_ARG_COUNT] = {"arg_count", T_U64, IN_BOTH, G_MAIN, K_ROW, QTR_H5_POOL_ARGS, 2},
    [C_REG_START] = {"reg_start", T_U64, IN_BOTH, G_MAIN, K_ROW, QTR_H5_POOL_REGS, 1},
    [C_REG_COUNT] = {"reg_count", T_U64, IN_BOTH, G_MAIN, K_ROW, QTR_H5_POOL_REGS, 2},
    [C_LAYOUT_START] = {QTR_H5_LAYOUT_START, T_U64, IN_RESULTS, G_MAIN, K_ROW, QTR_H5_POOL_LAYOUT, 1},
    [C_NVIRTUAL] = {QTR_H5_NVIRTUAL, T_U32, IN_RESULTS, G_MAIN, K_ROW, QTR_H5_POOL_LAYOUT, 2},
    [C_STATUS] = {QTR_H5_STATUS, T_U8, IN_RESULTS, G_MAIN, K_ROW, -1, 0},
    [C_CODE] = {QTR_H5_CODE, T_U8, IN_RESULTS, G_MAIN, K_ROW, -1, 0},
    [C_MESSAGE] = {QTR_H5_MESSAGE, T_MSG, IN_RESULTS, G_MAIN, K_ROW, -1, 0},
    [C_STATS] = {QTR_H5_STATS, T_STATS, IN_RESULTS, G_MAIN, K_ROW, -1, 0},
    [C_INST] = {QTR_H5_INST, T_INST, IN_BOTH, G_MAIN, K_POOL, QTR_H5_POOL_INST, 0},
    [C_PARAMS] = {QTR_H5_PARAMS, T_F64, IN_BOTH, G_MAIN, K_POOL, QTR_H5_POOL_PARAMS, 0},
    [C_ARGS] = {QTR_H5_ARGS, T_U32, IN_BOTH, G_MAIN, K_POOL, QTR_H5_POOL_ARGS, 0},
    [C_REGS] = {QTR_H5_REGS, T_REG, IN_BOTH, G_MAIN, K_POOL, QTR_H5_POOL_REGS, 0},
    [C_LAYOUT0] = {QTR_H5_LAYOUT_INITIAL, T_U32, IN_RESULTS, G_MAIN, K_POOL, QTR_H5_POOL_LAYOUT, 0},
    [C_LAYOUT1] = {QTR_H5_LAYOUT_FINAL, T_U32, IN_RESULTS, G_MAIN, K_POOL, QTR_H5_POOL_LAYOUT, 0},
    [C_SECONDS] = {QTR_H5_SECONDS, T_F64, IN_RESULTS, G_ABS, K_ROW, -1, 0},
};

static const char *const stat_names[QTR_H5_NSTATS] = {
#define X(e, s) s,
    QTR_H5_STATS_LIST(X)
#undef X
};

const char *qtr_h5_stat_name(int k) { return k >= 0 && k < QTR_H5_NSTATS ? stat_names[k] : "?"; }

/* Is column @p c part of a file of this content and storage? */
int qtr_h5_col_applies(int c, qtr_h5_content content, qtr_h5_storage storage)
{
    const col_desc *d = &qtr_h5_cols[c];
    if (!(d->where & (content == QTR_H5_RESULTS ? IN_RESULTS : IN_CIRCUITS))) return 0;
    if (content == QTR_H5_CIRCUITS) {
        if (storage == QTR_H5_QASMTEXT) return c == C_NAME || c == C_COST || c == C_QASM;
        return c != C_QASM;
    }
    return 1;
}

/* ---- HDF5 types ---- */

void qtr_h5_types_close(typeset *t)
{
    hid_t *h = (hid_t *)t;
    for (size_t i = 0; i < sizeof *t / sizeof(hid_t); i++)
        if (h[i] > 0) H5Tclose(h[i]);
    memset(t, 0, sizeof *t);
}

hid_t qtr_h5_fixed_str(size_t len, H5T_str_t pad)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return t;
    H5Tset_size(t, len);
    H5Tset_strpad(t, pad);
    return t;
}

int qtr_h5_types_open(typeset *t)
{
    memset(t, 0, sizeof *t);
    /* the 16-byte record: identical in the file and in memory on
     * little-endian hosts; HDF5 converts on others */
    t->inst_file = H5Tcreate(H5T_COMPOUND, 16);
    H5Tinsert(t->inst_file, "op", 0, H5T_STD_U8LE);
    H5Tinsert(t->inst_file, "flags", 1, H5T_STD_U8LE);
    H5Tinsert(t->inst_file, "nargs", 2, H5T_STD_U16LE);
    H5Tinsert(t->inst_file, "q0", 4, H5T_STD_U32LE);
    H5Tinsert(t->inst_file, "q1", 8, H5T_STD_U32LE);
    H5Tinsert(t->inst_file, "p", 12, H5T_STD_U32LE);
    t->inst_mem = H5Tcreate(H5T_COMPOUND, sizeof(qtr_inst));
    H5Tinsert(t->inst_mem, "op", offsetof(qtr_inst, op), H5T_NATIVE_UINT8);
    H5Tinsert(t->inst_mem, "flags", offsetof(qtr_inst, flags), H5T_NATIVE_UINT8);
    H5Tinsert(t->inst_mem, "nargs", offsetof(qtr_inst, nargs), H5T_NATIVE_UINT16);
    H5Tinsert(t->inst_mem, "q0", offsetof(qtr_inst, q), H5T_NATIVE_UINT32);
    H5Tinsert(t->inst_mem, "q1", offsetof(qtr_inst, q) + 4, H5T_NATIVE_UINT32);
    H5Tinsert(t->inst_mem, "p", offsetof(qtr_inst, p), H5T_NATIVE_UINT32);

    hid_t rn_file = qtr_h5_fixed_str(QTR_H5_REGNAME_LEN, H5T_STR_NULLPAD);
    hid_t rn_mem = qtr_h5_fixed_str(QTR_H5_REGNAME_LEN + 1, H5T_STR_NULLTERM);
    t->reg_file = H5Tcreate(H5T_COMPOUND, 1 + 4 + QTR_H5_REGNAME_LEN);
    H5Tinsert(t->reg_file, "kind", 0, H5T_STD_U8LE);
    H5Tinsert(t->reg_file, "size", 1, H5T_STD_U32LE);
    H5Tinsert(t->reg_file, "name", 5, rn_file);
    t->reg_mem = H5Tcreate(H5T_COMPOUND, sizeof(qtr_h5_reg));
    H5Tinsert(t->reg_mem, "kind", offsetof(qtr_h5_reg, kind), H5T_NATIVE_UINT8);
    H5Tinsert(t->reg_mem, "size", offsetof(qtr_h5_reg, size), H5T_NATIVE_UINT32);
    H5Tinsert(t->reg_mem, "name", offsetof(qtr_h5_reg, name), rn_mem);
    H5Tclose(rn_file);
    H5Tclose(rn_mem);

    t->name_file = qtr_h5_fixed_str(QTR_H5_NAME_LEN, H5T_STR_NULLPAD);
    t->name_mem = qtr_h5_fixed_str(QTR_H5_NAME_LEN + 1, H5T_STR_NULLTERM);
    t->msg_file = qtr_h5_fixed_str(QTR_H5_MSG_LEN, H5T_STR_NULLPAD);
    t->msg_mem = qtr_h5_fixed_str(QTR_H5_MSG_LEN, H5T_STR_NULLTERM);
    t->stats = H5Tcreate(H5T_COMPOUND, QTR_H5_NSTATS * 8);
    for (int k = 0; k < QTR_H5_NSTATS; k++)
        H5Tinsert(t->stats, stat_names[k], (size_t)k * 8, H5T_STD_U64LE);
    t->vstr = H5Tcopy(H5T_C_S1);
    H5Tset_size(t->vstr, H5T_VARIABLE);
    H5Tset_cset(t->vstr, H5T_CSET_UTF8);
    hid_t *h = (hid_t *)t;
    for (size_t i = 0; i < sizeof *t / sizeof(hid_t); i++)
        if (h[i] < 0) return -1;
    return 0;
}

static hid_t file_type(const typeset *t, ctype ty)
{
    switch (ty) {
    case T_U8: return H5T_STD_U8LE;
    case T_U32: return H5T_STD_U32LE;
    case T_U64: return H5T_STD_U64LE;
    case T_F64: return H5T_IEEE_F64LE;
    case T_NAME: return t->name_file;
    case T_MSG: return t->msg_file;
    case T_VSTR: return t->vstr;
    case T_INST: return t->inst_file;
    case T_REG: return t->reg_file;
    case T_STATS: return t->stats;
    }
    return -1;
}

/* ======================================================================
 * Files
 * ====================================================================== */

const char *qtr_h5_path(const qtr_h5_file *f) { return f->path; }
uint64_t qtr_h5_count(const qtr_h5_file *f) { return f->n; }
qtr_h5_content qtr_h5_content_of(const qtr_h5_file *f) { return f->content; }
qtr_h5_storage qtr_h5_storage_of(const qtr_h5_file *f) { return f->storage; }
const int16_t *qtr_h5_opmap(const qtr_h5_file *f) { return f->opmap; }

void qtr_h5_extent(const qtr_h5_file *f, uint64_t ext[QTR_H5_NFILEPOOLS])
{
    memcpy(ext, f->ext, sizeof f->ext);
}

void qtr_h5_run_of(const qtr_h5_file *f, qtr_h5_run *run)
{
    run->input = f->run_input ? f->run_input : "";
    run->target = f->run_target ? f->run_target : "";
    run->basis = f->run_basis ? f->run_basis : "";
    run->opt_level = f->run_level;
    run->seed = f->run_seed;
    run->layout_trials = f->run_layout_trials;
    run->swap_trials = f->run_swap_trials;
    run->approx_degree = f->run_approx;
}


/* A file access list like @p fapl (or the default) whose metadata and chunk
 * caches stay small. Caller closes the list; -1 on failure (then the caller
 * uses @p fapl as it is).
 *
 * The metadata cache is fixed at 128 KiB. HDF5's cache is adaptive and keeps
 * whatever fits: the chunk indexes of the result pools, which grow with the
 * batch, and the input's global heap collections, as large as the longest
 * QASM text. It counts a chunk-index node by its size on disk, but holds it
 * decoded, several times larger: with 4 MiB, 1 process on the
 * 10,000-circuit bench mix, heaptrack saw H5B_create's blocks grow by
 * 1.4 MB from hwb12's row 1025 to row 6025 while the cache reported
 * 0.1-0.3 MiB, and the peak RSS grew ~0.8 MiB per 1,000 circuits. Files are
 * read and written front to back, so a small cache costs no rereads that
 * matter (same wall time within noise). */
static hid_t capped_fapl(hid_t fapl, qtr_h5_journal *journal)
{
    hid_t p = fapl < 0 ? H5Pcreate(H5P_FILE_ACCESS) : H5Pcopy(fapl);
    if (p < 0) return -1;
    if (journal && qtr_h5_journal_use(journal, p)) goto fail;
    H5AC_cache_config_t mdc;
    memset(&mdc, 0, sizeof mdc);
    mdc.version = H5AC__CURR_CACHE_CONFIG_VERSION;
    if (H5Pget_mdc_config(p, &mdc) < 0) goto fail;
    mdc.set_initial_size = 1;
    mdc.initial_size = mdc.min_size = mdc.max_size = 128u << 10;
    if (H5Pset_mdc_config(p, &mdc) < 0) goto fail;
    /* Likewise the chunk cache of every dataset, 1 MiB by default: files
     * are written and read front to back, so a cache never serves more than
     * the chunk being filled, yet with ~30 datasets of 32-64 KiB chunks it
     * filled by ~1 KiB per row for 100k+ rows (10,000 circuits, 1 process:
     * malloc'ed memory 30 -> 41 MiB over the run, peak RSS +12 MiB over
     * 1,000). 256 KiB keeps a few chunks. Datasets being written get a
     * cache of exactly one chunk instead (one_chunk_dapl). */
    if (H5Pset_cache(p, 0, 521, 256u << 10, 0.75) < 0) goto fail;
    return p;
fail:
    H5Pclose(p);
    H5Eclear2(H5E_DEFAULT);
    return -1;
}

/* The access properties to open or create @p f with: the capped caches,
 * and, for a results file written with the serial driver (@p journaled),
 * the undo journal (h5_journal.h); -1 when that cannot be set up. The
 * caller closes what is returned unless it is H5P_DEFAULT or @p fapl. */
hid_t qtr_h5_file_fapl(qtr_h5_file *f, hid_t fapl, int journaled)
{
    if (journaled && !(f->journal = qtr_h5_journal_new())) return -1;
    hid_t cap = capped_fapl(fapl, f->journal);
    if (cap < 0 && journaled) return -1;
    return cap >= 0 ? cap : fapl < 0 ? H5P_DEFAULT : fapl;
}

void qtr_h5_fapl_done(hid_t p, hid_t fapl)
{
    if (p >= 0 && p != H5P_DEFAULT && p != fapl) H5Pclose(p);
}

qtr_h5_file *qtr_h5_file_new(const char *path)
{
    qtr_h5_file *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->path = strdup(path);
    if (!f->path) {
        free(f);
        return NULL;
    }
    f->fid = f->grp = f->timing = -1;
    f->raw.fd = -1;
    for (int c = 0; c < NCOLS; c++) f->d[c] = -1;
    for (int i = 0; i < 256; i++) f->opmap[i] = -1;
    return f;
}

void qtr_h5_file_release(qtr_h5_file *f)
{
    for (int c = 0; c < NCOLS; c++)
        if (f->d[c] >= 0) H5Dclose(f->d[c]);
    if (f->timing >= 0) H5Gclose(f->timing);
    if (f->grp >= 0) H5Gclose(f->grp);
    qtr_h5_types_close(&f->ty);
    qtr_h5_raw_close(&f->raw);
}

void qtr_h5_file_discard(qtr_h5_file *f)
{
    qtr_h5_file_release(f);
    /* a file HDF5 could not close still uses the journal's driver */
    if (f->fid < 0 || H5Fclose(f->fid) >= 0) qtr_h5_journal_free(f->journal, 0);
    H5Eclear2(H5E_DEFAULT);
    free(f->run_input);
    free(f->run_target);
    free(f->run_basis);
    free(f->path);
    free(f);
}

qtr_status qtr_h5_close(qtr_h5_file *f, qtr_ctx *ctx)
{
    if (!f) return QTR_OK;
    qtr_h5_quiet q = qtr_h5_quiet_begin();
    qtr_status st = QTR_OK;
    qtr_h5_file_release(f);
    if (f->fid >= 0 && H5Fclose(f->fid) < 0)
        st = qtr_h5_fail(f, ctx, QTR_EIO, "%s: closing failed", f->path);
    /* closed cleanly: the file is whole, its journal has nothing to undo
     * (unless a write failed: the journal keeps it). Not closed: HDF5
     * keeps the file open and closes it again at exit, through this
     * driver, which must outlive it (left allocated). */
    if (st == QTR_OK) qtr_h5_journal_free(f->journal, 1);
    qtr_h5_quiet_end(q);
    free(f->run_input);
    free(f->run_target);
    free(f->run_basis);
    free(f->path);
    free(f);
    return st;
}



/* A dataset access list whose chunk cache holds one chunk of a dataset
 * created with @p dcpl and file type @p ftype (H5P_DEFAULT when it is not
 * chunked, or on failure). Results are written front to back: the only
 * chunk worth keeping is the one the next round completes. With the file's
 * 256 KiB per dataset, each of ~30 datasets kept up to 256 KiB of finished
 * chunks, filling slowly with the batch (heaptrack, 1 process, bench mix:
 * H5Dwrite's blocks +1.1 MB from row 1025 to row 9025; full only past
 * ~30,000 rows, at ~7 MiB). Caller closes a list it got. */
hid_t qtr_h5_one_chunk_dapl(hid_t dcpl, hid_t ftype)
{
    hsize_t chunk = 0;
    size_t esize = H5Tget_size(ftype);
    if (H5Pget_layout(dcpl) != H5D_CHUNKED || H5Pget_chunk(dcpl, 1, &chunk) != 1 || !esize) {
        H5Eclear2(H5E_DEFAULT);
        return H5P_DEFAULT;
    }
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    if (dapl < 0 || H5Pset_chunk_cache(dapl, 7, (size_t)chunk * esize, 1.0) < 0) {
        if (dapl >= 0) H5Pclose(dapl);
        H5Eclear2(H5E_DEFAULT);
        return H5P_DEFAULT;
    }
    return dapl;
}


/* ---- attributes ---- */

static int set_attr_str(hid_t obj, const char *name, const char *value)
{
    size_t len = strlen(value);
    hid_t t = qtr_h5_fixed_str(len ? len : 1, H5T_STR_NULLPAD);
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a < 0 || H5Awrite(a, t, len ? value : "") < 0 ? -1 : 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
    return rc;
}

static int set_attr_i64(hid_t obj, const char *name, hid_t ftype, int64_t v)
{
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, ftype, s, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a < 0 || H5Awrite(a, H5T_NATIVE_INT64, &v) < 0 ? -1 : 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(s);
    return rc;
}

static int set_attr_f64(hid_t obj, const char *name, double v)
{
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a < 0 || H5Awrite(a, H5T_NATIVE_DOUBLE, &v) < 0 ? -1 : 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(s);
    return rc;
}

/* ---- creating ---- */

static hid_t create_col(qtr_h5_file *f, int c, uint64_t n)
{
    const col_desc *d = &qtr_h5_cols[c];
    hid_t loc = d->group == G_ABS ? f->fid : f->grp;
    hsize_t dim = d->kind == K_ROW ? n : 0, maxdim = H5S_UNLIMITED, chunk;
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), s;
    if (c == C_STATUS) {
        /* the commit marker: contiguous and allocated up front, so marking a
         * row done is one small in-place write, never a chunk rewrite that
         * could tear other rows' marks */
        s = H5Screate_simple(1, &dim, NULL);
        H5Pset_layout(dcpl, H5D_CONTIGUOUS);
        H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
        uint8_t fill = QTR_H5_PENDING;
        H5Pset_fill_value(dcpl, H5T_NATIVE_UINT8, &fill);
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC);
    } else {
        s = H5Screate_simple(1, &dim, &maxdim);
        if (d->kind == K_ROW)
            chunk = d->type == T_MSG     ? QTR_H5_CHUNK_MSG
                    : d->type == T_STATS ? QTR_H5_CHUNK_INDEX / 4  /* 72-byte rows */
                                         : QTR_H5_CHUNK_INDEX;
        else chunk = d->type == T_INST || d->type == T_REG ? QTR_H5_CHUNK_POOL : QTR_H5_CHUNK_SMALL;
        if (d->kind == K_ROW && n && chunk > n) chunk = n;
        H5Pset_chunk(dcpl, 1, &chunk);
        if (d->type != T_VSTR) {
            H5Pset_shuffle(dcpl);
            H5Pset_deflate(dcpl, QTR_H5_DEFLATE);
        }
    }
    hid_t dapl = qtr_h5_one_chunk_dapl(dcpl, file_type(&f->ty, d->type));
    hid_t ds = H5Dcreate2(loc, d->name, file_type(&f->ty, d->type), s, H5P_DEFAULT, dcpl, dapl);
    if (ds < 0) qtr_h5_cap(f);
    if (dapl != H5P_DEFAULT) H5Pclose(dapl);
    H5Sclose(s);
    H5Pclose(dcpl);
    return ds;
}

static int write_gate_table(qtr_h5_file *f)
{
    hsize_t g = QTR_OP_COUNT;
    char names[QTR_OP_COUNT][QTR_H5_GATENAME_LEN];
    memset(names, 0, sizeof names);
    for (int k = 0; k < QTR_OP_COUNT; k++)
        strncpy(names[k], qtr_gate((qtr_op)k)->name, QTR_H5_GATENAME_LEN);
    hid_t t = qtr_h5_fixed_str(QTR_H5_GATENAME_LEN, H5T_STR_NULLPAD);
    hid_t s = H5Screate_simple(1, &g, NULL);
    hid_t d = H5Dcreate2(f->fid, QTR_H5_GATE_NAMES, t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = d < 0 || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, names) < 0 ? -1 : 0;
    if (d >= 0) H5Dclose(d);
    H5Sclose(s);
    H5Tclose(t);
    for (int k = 0; k < QTR_OP_COUNT; k++) f->opmap[k] = (int16_t)k;
    return rc;
}

qtr_status qtr_h5_create(const char *path, int64_t fapl, qtr_h5_content content,
                         qtr_h5_storage storage, uint64_t n, const qtr_h5_run *run,
                         qtr_h5_file **out, qtr_ctx *ctx)
{
    *out = NULL;
    if (content == QTR_H5_RESULTS && storage != QTR_H5_COLUMNS)
        return qtr_fail(ctx, QTR_EINVAL, "%s: results are always stored as columns", __func__);
    qtr_h5_quiet q = qtr_h5_quiet_begin();
    qtr_status st = QTR_OK;
    hid_t fcpl = -1;
    qtr_h5_file *f = qtr_h5_file_new(path);
    if (!f) {
        st = qtr_fail(ctx, QTR_ENOMEM, "%s", path);
        goto done;
    }
    f->content = content;
    f->storage = storage;
    f->n = n;
    f->writable = 1;
    if (qtr_h5_types_open(&f->ty) < 0) {
        st = qtr_h5_fail(f, ctx, QTR_ENOMEM, "HDF5 types");
        goto done;
    }
    /* No reuse of freed file space (aggregators only): a rewritten
     * compressed chunk moves, and the place it leaves is never handed out
     * again, so data the last flushed metadata points to is never
     * overwritten by a later round (see doc/hdf5-format.md, "Crashes"). */
    fcpl = H5Pcreate(H5P_FILE_CREATE);
    if (content == QTR_H5_RESULTS) H5Pset_file_space_strategy(fcpl, H5F_FSPACE_STRATEGY_AGGR, 0, 1);
    hid_t p = qtr_h5_file_fapl(f, fapl, content == QTR_H5_RESULTS && fapl < 0);
    if (p < 0) {
        st = qtr_h5_fail(f, ctx, QTR_EIO, "%s: cannot set up the journal", path);
        goto done;
    }
    f->fid = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, p);
    qtr_h5_fapl_done(p, fapl);
    if (f->fid < 0) {
        st = qtr_h5_held_elsewhere(path, 1) ? qtr_h5_held_fail(path, ctx)
                                     : qtr_h5_fail(f, ctx, QTR_EIO, "%s: cannot create", path);
        goto done;
    }
    int bad = set_attr_str(f->fid, QTR_H5_ATTR_FORMAT, QTR_H5_FORMAT_NAME) |
              set_attr_i64(f->fid, QTR_H5_ATTR_VERSION, H5T_STD_I32LE, QTR_H5_FORMAT_VERSION) |
              set_attr_i64(f->fid, QTR_H5_ATTR_MINOR, H5T_STD_I32LE, QTR_H5_FORMAT_MINOR) |
              set_attr_str(f->fid, QTR_H5_ATTR_CONTENT,
                           content == QTR_H5_RESULTS ? "results" : "circuits") |
              write_gate_table(f);
    f->grp = H5Gcreate2(f->fid, content == QTR_H5_RESULTS ? QTR_H5_GROUP_RESULTS
                                                           : QTR_H5_GROUP_CIRCUITS,
                        H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (bad || f->grp < 0) {
        st = qtr_h5_fail(f, ctx, QTR_EIO, "%s: writing the header failed", path);
        goto done;
    }
    if (content == QTR_H5_CIRCUITS) {
        bad = set_attr_str(f->grp, QTR_H5_ATTR_STORAGE,
                           storage == QTR_H5_QASMTEXT ? "qasm" : "columns");
    } else {
        qtr_h5_run none = {0};
        if (!run) run = &none;
        double approx = run->approx_degree > 0 && run->approx_degree <= 1 ? run->approx_degree : 1;
        bad = set_attr_str(f->grp, QTR_H5_ATTR_INPUT, run->input ? run->input : "") |
              set_attr_str(f->grp, QTR_H5_ATTR_TARGET, run->target ? run->target : "") |
              set_attr_str(f->grp, QTR_H5_ATTR_BASIS, run->basis ? run->basis : "") |
              set_attr_i64(f->grp, QTR_H5_ATTR_LEVEL, H5T_STD_I32LE, run->opt_level) |
              set_attr_i64(f->grp, QTR_H5_ATTR_SEED, H5T_STD_U64LE, (int64_t)run->seed) |
              set_attr_i64(f->grp, QTR_H5_ATTR_LAYOUT_TRIALS, H5T_STD_U32LE, run->layout_trials) |
              set_attr_i64(f->grp, QTR_H5_ATTR_SWAP_TRIALS, H5T_STD_U32LE, run->swap_trials) |
              set_attr_f64(f->grp, QTR_H5_ATTR_APPROX, approx) |
              set_attr_i64(f->grp, QTR_H5_ATTR_COUNT, H5T_STD_U64LE, (int64_t)n);
        f->run_input = strdup(run->input ? run->input : "");
        f->run_target = strdup(run->target ? run->target : "");
        f->run_basis = strdup(run->basis ? run->basis : "");
        f->run_level = run->opt_level;
        f->run_seed = run->seed;
        f->run_layout_trials = run->layout_trials;
        f->run_swap_trials = run->swap_trials;
        f->run_approx = approx;
        f->timing = H5Gcreate2(f->fid, QTR_H5_GROUP_TIMING, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (f->timing < 0) bad = -1;
    }
    for (int c = 0; c < NCOLS && !bad; c++)
        if (qtr_h5_col_applies(c, content, storage) && (f->d[c] = create_col(f, c, n)) < 0) bad = -1;
    if (bad) {
        st = qtr_h5_fail(f, ctx, QTR_EIO, "%s: creating the datasets failed", path);
        goto done;
    }
    *out = f;
    f = NULL;
done:
    if (fcpl >= 0) H5Pclose(fcpl);
    if (f) qtr_h5_file_discard(f);
    qtr_h5_quiet_end(q);
    return st;
}

qtr_status qtr_h5_set_timing(qtr_h5_file *f, int ranks, int threads, double wall_seconds,
                             qtr_ctx *ctx)
{
    if (f->timing < 0) return QTR_OK;
    qtr_h5_quiet q = qtr_h5_quiet_begin();
    qtr_status st = QTR_OK;
    static const char *const names[] = {"ranks", "threads", "wall_seconds"};
    for (int i = 0; i < 3; i++)
        if (H5Aexists(f->timing, names[i]) > 0) H5Adelete(f->timing, names[i]);
    if (set_attr_i64(f->timing, "ranks", H5T_STD_I32LE, ranks) |
        set_attr_i64(f->timing, "threads", H5T_STD_I32LE, threads) |
        set_attr_f64(f->timing, "wall_seconds", wall_seconds))
        st = qtr_h5_fail(f, ctx, QTR_EIO, "%s: writing /timing", f->path);
    qtr_h5_quiet_end(q);
    return st;
}

size_t qtr_h5_cache_bytes(const qtr_h5_file *f)
{
    size_t max = 0, min = 0, cur = 0;
    int n = 0;
    if (!f || H5Fget_mdc_size(f->fid, &max, &min, &cur, &n) < 0) return 0;
    return cur;
}

void qtr_h5_release_memory(void)
{
    H5garbage_collect();
}

qtr_status qtr_h5_flush(qtr_h5_file *f, qtr_ctx *ctx)
{
    qtr_h5_quiet q = qtr_h5_quiet_begin();
    qtr_status st = QTR_OK;
    /* on the disk before the commit point (parallel HDF5's flush syncs
     * through MPI_File_sync itself) */
    if (H5Fflush(f->fid, H5F_SCOPE_GLOBAL) < 0) st = qtr_h5_fail(f, ctx, QTR_EIO, "%s: flush failed", f->path);
    else if (qtr_h5_journal_sync(f->journal))
        st = qtr_fail(ctx, QTR_EIO, "%s: flush failed: %s", f->path, strerror(errno));
    else if (qtr_h5_journal_commit(f->journal))
        st = qtr_fail(ctx, QTR_EIO, "%s: emptying its journal failed: %s", f->path, strerror(errno));
    qtr_h5_quiet_end(q);
    return st;
}
