/* h5_sweep.c -- the /sweep group of qtranspile's HDF5 files (h5_sweep.h,
 * doc/hdf5-format.md "Sweeps").
 *
 * Borrows: an open results file of the store (h5_internal.h) when adding
 * the group beside its rows, and its helper that keeps HDF5 quiet; the
 * rows themselves (bound circuits) are written by the store (h5_write.c)
 * like any result. Owns: the group's layout,
 * which is small (one entry per template plus the value tables), so every
 * dataset is written whole in one call and read whole. Strings are
 * variable-length UTF-8 (what h5py writes for Python str); fixed-length
 * ones (numpy S arrays) are read too. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5_internal.h"
#include "h5_raw.h"
#include "h5_sweep.h"

static const char *const stat_fields[QTR_H5_NSTATS] = {
#define X(e, s) s,
    QTR_H5_STATS_LIST(X)
#undef X
};

/* ---- the in-memory form ------------------------------------------------------ */

void qtr_sweep_free(qtr_sweep *s)
{
    for (size_t i = 0; s->t && i < s->n; i++) {
        qtr_sweep_template *t = &s->t[i];
        free(t->name);
        free(t->text);
        for (size_t p = 0; t->pnames && p < t->nparams; p++) free(t->pnames[p]);
        free(t->pnames);
        free(t->values);
    }
    for (size_t i = 0; s->out && i < s->n; i++) {
        qtr_sweep_outcome *o = &s->out[i];
        free(o->message);
        free(o->qasm);
        free(o->initial_layout);
        free(o->output_permutation);
    }
    free(s->t);
    free(s->out);
    memset(s, 0, sizeof *s);
}

uint64_t qtr_sweep_rows(const qtr_sweep *s)
{
    uint64_t n = 0;
    for (size_t i = 0; i < s->n; i++) n += s->t[i].nrows;
    return n;
}

size_t qtr_sweep_locate(const qtr_sweep *s, uint64_t row, uint64_t *local)
{
    size_t t = 0;
    while (t + 1 < s->n && row >= s->t[t].nrows) row -= s->t[t++].nrows;
    *local = row;
    return t;
}

static const char *const mode_names[] = {"once", "bind", "per-instance"};

const char *qtr_sweep_mode_name(qtr_sweep_mode m)
{
    return (unsigned)m < 3 ? mode_names[m] : "?";
}

int qtr_sweep_mode_parse(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (name && !strcmp(name, mode_names[i])) return i;
    return -1;
}

/* ---- HDF5 helpers -------------------------------------------------------------- */

static hid_t vstr_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

/* Write a 1-D dataset (or attribute, when @p attr) of @p n strings. */
static int put_strings(hid_t loc, const char *name, int attr, const char *const *v, size_t n)
{
    hsize_t dim = n;
    hid_t t = vstr_type(), sp = H5Screate_simple(1, &dim, NULL), o;
    int rc = -1;
    if (attr) {
        o = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
        if (o >= 0) rc = (!n || H5Awrite(o, t, v) >= 0) ? 0 : -1, H5Aclose(o);
    } else {
        o = H5Dcreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (o >= 0) rc = (!n || H5Dwrite(o, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0) ? 0 : -1,
                    H5Dclose(o);
    }
    H5Sclose(sp);
    H5Tclose(t);
    return rc;
}

/* Write an N-D numeric dataset of memory type @p mt, file type @p ft. */
static int put_array(hid_t loc, const char *name, hid_t ft, hid_t mt, int rank,
                     const hsize_t *dims, const void *v)
{
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(loc, name, ft, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t n = 1;
    for (int i = 0; i < rank; i++) n *= dims[i];
    int rc = d >= 0 && (!n || H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0) ? 0 : -1;
    if (d >= 0) H5Dclose(d);
    H5Sclose(sp);
    return rc;
}

static int put_attr_str(hid_t loc, const char *name, const char *v)
{
    hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR);
    H5Tset_size(t, strlen(v) ? strlen(v) : 1);
    H5Tset_strpad(t, H5T_STR_NULLPAD);
    hid_t a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a >= 0 && H5Awrite(a, t, v) >= 0 ? 0 : -1;
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return rc;
}

static int put_attr_u64(hid_t loc, const char *name, uint64_t v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(loc, name, H5T_STD_U64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a >= 0 && H5Awrite(a, H5T_NATIVE_UINT64, &v) >= 0 ? 0 : -1;
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    return rc;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) free(v[i]);
    free(v);
}

/* ---- writing -------------------------------------------------------------------- */

/* The numeric columns of the templates' outcomes (results). */
typedef struct {
    uint8_t  *status, *code;
    uint32_t *nvirtual, *l0, *l1;
    uint64_t *stats;
} outcome_cols;

static void cols_free(outcome_cols *c)
{
    free(c->status);
    free(c->code);
    free(c->nvirtual);
    free(c->l0);
    free(c->l1);
    free(c->stats);
}

static int write_values(hid_t g, const qtr_sweep *s)
{
    hid_t vg = H5Gcreate2(g, "values", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (vg < 0) return -1;
    int rc = 0;
    for (size_t i = 0; i < s->n && !rc; i++) {
        const qtr_sweep_template *t = &s->t[i];
        char name[32];
        snprintf(name, sizeof name, "%zu", i);
        hsize_t dims[2] = {t->nrows, t->nparams};
        rc = put_array(vg, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dims, t->values);
        hid_t d = rc ? -1 : H5Dopen2(vg, name, H5P_DEFAULT);
        if (d < 0 || put_strings(d, "parameters", 1, (const char *const *)t->pnames, t->nparams))
            rc = -1;
        if (d >= 0) H5Dclose(d);
    }
    H5Gclose(vg);
    return rc;
}

/* The templates: names, texts, values (both kinds of file). */
static int write_templates(hid_t g, const qtr_sweep *s)
{
    const char **names = calloc(s->n + 1, sizeof *names), **texts = calloc(s->n + 1, sizeof *texts);
    int rc = !names || !texts ? -1 : 0;
    for (size_t i = 0; !rc && i < s->n; i++) {
        names[i] = s->t[i].name ? s->t[i].name : "";
        texts[i] = s->t[i].text ? s->t[i].text : "";
    }
    if (!rc) rc = put_attr_u64(g, "templates", s->n);
    if (!rc) rc = put_strings(g, "name", 0, names, s->n);
    if (!rc) rc = put_strings(g, "template", 0, texts, s->n);
    if (!rc) rc = write_values(g, s);
    free(names);
    free(texts);
    return rc;
}

/* The outcomes of transpiling each template once (results). */
static int write_outcomes(hid_t g, const qtr_sweep *s)
{
    size_t n = s->n, nlay = 0;
    for (size_t i = 0; s->out && i < n; i++) nlay += s->out[i].nvirtual;
    const char **qasm = calloc(n + 1, sizeof *qasm), **msg = calloc(n + 1, sizeof *msg);
    outcome_cols cols = {calloc(n + 1, 1), calloc(n + 1, 1), calloc(n + 1, 4), calloc(nlay + 1, 4),
                         calloc(nlay + 1, 4), calloc(n * QTR_H5_NSTATS + 1, 8)};
    uint8_t *st = cols.status, *code = cols.code;
    uint32_t *nv = cols.nvirtual, *l0 = cols.l0, *l1 = cols.l1;
    uint64_t *stats = cols.stats;
    int rc = qasm && msg && st && code && nv && l0 && l1 && stats ? 0 : -1;
    for (size_t i = 0, at = 0; !rc && i < n; i++) {
        const qtr_sweep_outcome *o = s->out ? &s->out[i] : NULL;
        qasm[i] = o && o->qasm ? o->qasm : "";
        msg[i] = o && o->message ? o->message : "";
        st[i] = o ? o->status : QTR_H5_PENDING;
        code[i] = o ? o->code : 0;
        nv[i] = o ? o->nvirtual : 0;
        for (uint32_t v = 0; o && v < o->nvirtual; v++, at++) {
            l0[at] = o->initial_layout ? o->initial_layout[v] : v;
            l1[at] = o->output_permutation ? o->output_permutation[v] : v;
        }
        if (o) memcpy(stats + i * QTR_H5_NSTATS, o->stats, sizeof o->stats);
    }
    hsize_t dn = n, dl = nlay, ds[2] = {n, QTR_H5_NSTATS};
    if (!rc) rc = put_strings(g, "transpiled", 0, qasm, n);
    if (!rc) rc = put_strings(g, QTR_H5_MESSAGE, 0, msg, n);
    if (!rc) rc = put_array(g, QTR_H5_STATUS, H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, &dn, st);
    if (!rc) rc = put_array(g, QTR_H5_CODE, H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, &dn, code);
    if (!rc) rc = put_array(g, QTR_H5_NVIRTUAL, H5T_STD_U32LE, H5T_NATIVE_UINT32, 1, &dn, nv);
    if (!rc) rc = put_array(g, QTR_H5_LAYOUT_INITIAL, H5T_STD_U32LE, H5T_NATIVE_UINT32, 1, &dl, l0);
    if (!rc) rc = put_array(g, QTR_H5_LAYOUT_FINAL, H5T_STD_U32LE, H5T_NATIVE_UINT32, 1, &dl, l1);
    if (!rc) rc = put_array(g, QTR_H5_STATS, H5T_STD_U64LE, H5T_NATIVE_UINT64, 2, ds, stats);
    hid_t d = rc ? -1 : H5Dopen2(g, QTR_H5_STATS, H5P_DEFAULT);
    if (d < 0 || put_strings(d, "fields", 1, stat_fields, QTR_H5_NSTATS)) rc = -1;
    if (d >= 0) H5Dclose(d);
    free(qasm);
    free(msg);
    cols_free(&cols);
    return rc;
}

qtr_status qtr_h5_sweep_write_file(const char *path, const qtr_sweep *s, qtr_ctx *ctx)
{
    qtr_h5_quiet q = qtr_h5_quiet_begin();
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), g = -1;
    int rc = f < 0;
    if (!rc) {
        hid_t root = f;
        rc = put_attr_str(root, QTR_H5_ATTR_FORMAT, QTR_H5_FORMAT_NAME) ||
             put_attr_u64(root, QTR_H5_ATTR_VERSION, QTR_H5_FORMAT_VERSION) ||
             put_attr_u64(root, QTR_H5_ATTR_MINOR, QTR_H5_FORMAT_MINOR) ||
             put_attr_str(root, QTR_H5_ATTR_CONTENT, QTR_H5_CONTENT_SWEEP);
    }
    if (!rc) rc = (g = H5Gcreate2(f, QTR_H5_GROUP_SWEEP, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0;
    if (!rc) rc = write_templates(g, s);
    if (g >= 0) H5Gclose(g);
    if (f >= 0 && H5Fclose(f) < 0) rc = 1;
    qtr_h5_quiet_end(q);
    return rc ? qtr_fail(ctx, QTR_EIO, "%s: cannot write the sweep file", path) : QTR_OK;
}

qtr_status qtr_h5_sweep_add(qtr_h5_file *file, const qtr_sweep *s, qtr_ctx *ctx)
{
    qtr_h5_quiet q = qtr_h5_quiet_begin();
    hid_t f = file->fid;
    hid_t g = H5Gcreate2(f, QTR_H5_GROUP_SWEEP, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = g < 0 || write_templates(g, s) || put_attr_str(g, "mode", qtr_sweep_mode_name(s->mode)) ||
             write_outcomes(g, s);
    if (g >= 0) H5Gclose(g);
    qtr_h5_quiet_end(q);
    return rc ? qtr_fail(ctx, QTR_EIO, "%s: cannot write the sweep group", qtr_h5_path(file))
              : QTR_OK;
}

/* ---- reading ------------------------------------------------------------------
 *
 * A sweep file comes from other programs, as batch files do, and is read
 * through the same checked path (h5_open.c, h5_raw.h): the file opened
 * after its superblock and root group are checked, every group and dataset
 * header checked before HDF5 decodes it, attributes and variable-length
 * strings read from the file's bytes, and a dataset read whole only once
 * all its elements are known to be stored (so nothing is allocated from a
 * size the file merely claims). Objects are named by absolute path. */

/* Open dataset @p name into *@p d after checking its header (into @p ds;
 * its address into *addr, may be NULL). */
static qtr_status open_dataset(qtr_h5_file *f, const char *name, qtr_h5_raw_dset *ds,
                               uint64_t *addr, hid_t *d, qtr_ctx *ctx)
{
    *d = -1;
    if (H5Lexists(f->fid, name, H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return qtr_fail(ctx, QTR_EPARSE, "%s: no dataset %s", f->path, name);
    }
    qtr_status st = qtr_h5_check_object(f, f->fid, name, ds, addr, ctx);
    if (st) return st;
    if ((*d = H5Dopen2(f->fid, name, H5P_DEFAULT)) < 0)
        return qtr_h5_fail(f, ctx, QTR_EPARSE, "%s: cannot open %s", f->path, name);
    return QTR_OK;
}

/* The strings of dataset @p name (one dimension, fixed or variable length). */
static qtr_status get_strings(qtr_h5_file *f, const char *name, size_t *n, char ***out,
                              qtr_ctx *ctx)
{
    qtr_h5_raw_dset ds;
    hid_t d;
    qtr_status st = open_dataset(f, name, &ds, NULL, &d, ctx);
    if (st) return st;
    char why[200];
    int bad = qtr_h5_read_all_strings(f, d, &ds, n, out, why, sizeof why);
    H5Dclose(d);
    return bad ? qtr_fail(ctx, QTR_EPARSE, "%s: %s: %s", f->path, name, why) : QTR_OK;
}

/* Numeric dataset @p name (one or two dimensions), whole, as memory type
 * @p mt of @p msize bytes: a new array in *out, its dimensions in @p dims
 * (dims[1] = 1 for one dimension); its address into *addr (may be NULL). */
static qtr_status get_numbers(qtr_h5_file *f, const char *name, hid_t mt, size_t msize, void **out,
                              hsize_t dims[2], uint64_t *addr, qtr_ctx *ctx)
{
    qtr_h5_raw_dset ds;
    hid_t d;
    qtr_status st = open_dataset(f, name, &ds, addr, &d, ctx);
    if (st) return st;
    char why[200];
    hid_t sp = H5Dget_space(d);
    dims[1] = 1;
    int rank = sp >= 0 ? H5Sget_simple_extent_dims(sp, dims, NULL) : -1;
    if (sp >= 0) H5Sclose(sp);
    H5Eclear2(H5E_DEFAULT);
    if (rank < 1 || rank > 2 || ds.rank != rank || (ds.dclass != 0 && ds.dclass != 1) ||
        ds.esize > 8 || dims[0] * dims[1] != ds.npoints) {
        st = qtr_fail(ctx, QTR_EPARSE, "%s: %s must be a one- or two-dimensional numeric dataset",
                      f->path, name);
    } else if (qtr_h5_check_stored(f, d, &ds, why, sizeof why)) {
        st = qtr_fail(ctx, QTR_EPARSE, "%s: %s: %s", f->path, name, why);
    } else if (ctx->max_memory && ds.npoints > ctx->max_memory / msize) {
        st = qtr_fail(ctx, QTR_EMEMORY, "%s: %s: %llu numbers need more than the memory budget of "
                      "%.0f MiB (--max-memory)", f->path, name, (unsigned long long)ds.npoints,
                      (double)ctx->max_memory / 1048576.0);
    } else if (!(*out = malloc(ds.npoints ? (size_t)ds.npoints * msize : 1))) {
        st = qtr_fail(ctx, QTR_ENOMEM, "%s: %s: %llu numbers", f->path, name,
                      (unsigned long long)ds.npoints);
    } else if (ds.npoints && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) < 0) {
        free(*out);
        *out = NULL;
        st = qtr_h5_fail(f, ctx, QTR_EPARSE, "%s: cannot read %s", f->path, name);
    }
    H5Dclose(d);
    return st;
}

/* Does @p path hold group @p group? Opened as every reader opens it; a
 * damaged file is none here (opening it for what it is says what is wrong). */
static int has_group(const char *path, const char *group)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 1);
    qtr_h5_file *f = NULL;
    if (qtr_h5_open_plain(path, NULL, 0, &f, &ctx)) return 0;
    qtr_h5_quiet q = qtr_h5_quiet_begin();
    int yes = H5Lexists(f->fid, group, H5P_DEFAULT) > 0;
    H5Eclear2(H5E_DEFAULT);
    qtr_h5_quiet_end(q);
    qtr_h5_close(f, &ctx);
    return yes;
}

int qtr_h5_is_sweep(const char *path) { return has_group(path, QTR_H5_GROUP_SWEEP); }
int qtr_h5_sweep_has_results(const char *path) { return has_group(path, QTR_H5_GROUP_RESULTS); }

/* Template @p i's values: /sweep/values/<i>, rows x parameters, with the
 * parameter names in its attribute. */
static qtr_status read_values(qtr_h5_file *f, size_t i, qtr_sweep_template *t, qtr_ctx *ctx)
{
    char name[64], why[200];
    snprintf(name, sizeof name, "/sweep/values/%zu", i);
    hsize_t dims[2];
    uint64_t addr = 0;
    qtr_status st = get_numbers(f, name, H5T_NATIVE_DOUBLE, sizeof(double), (void **)&t->values,
                                dims, &addr, ctx);
    if (st) {
        /* "PATH: what" becomes "PATH: template I ('NAME'): what" */
        char what[sizeof ctx->msg];
        size_t skip = strlen(f->path);
        snprintf(what, sizeof what, "%s",
                 strncmp(ctx->msg, f->path, skip) || strncmp(ctx->msg + skip, ": ", 2)
                     ? ctx->msg : ctx->msg + skip + 2);
        return qtr_fail(ctx, st, "%s: template %zu ('%s'): %s", f->path, i, t->name, what);
    }
    if (qtr_h5_raw_attr_strings(&f->raw, addr, "parameters", &t->nparams, &t->pnames, why,
                                sizeof why))
        return qtr_fail(ctx, QTR_EPARSE, "%s: %s: its 'parameters' attribute (the parameter "
                        "names, one per column): %s", f->path, name, why);
    if (dims[1] != t->nparams)
        return qtr_fail(ctx, QTR_EPARSE, "%s: %s has %llu columns for %zu parameters", f->path,
                        name, (unsigned long long)dims[1], t->nparams);
    t->nrows = dims[0];
    for (hsize_t k = 0; k < dims[0] * dims[1]; k++)
        if (!isfinite(t->values[k]))
            return qtr_fail(ctx, QTR_EPARSE, "%s: %s: row %llu, column %llu ('%s'): not a finite "
                            "number", f->path, name, (unsigned long long)(k / t->nparams),
                            (unsigned long long)(k % t->nparams), t->pnames[k % t->nparams]);
    return QTR_OK;
}

/* The numeric columns of the outcomes, each of @p want elements. */
static qtr_status read_outcome_cols(qtr_h5_file *f, size_t n, outcome_cols *c, uint64_t *nlay,
                                    qtr_ctx *ctx)
{
    static const char *const names[] = {"/sweep/" QTR_H5_STATUS, "/sweep/" QTR_H5_CODE,
                                        "/sweep/" QTR_H5_NVIRTUAL,
                                        "/sweep/" QTR_H5_LAYOUT_INITIAL,
                                        "/sweep/" QTR_H5_LAYOUT_FINAL, "/sweep/" QTR_H5_STATS};
    void **out[] = {(void **)&c->status, (void **)&c->code, (void **)&c->nvirtual,
                    (void **)&c->l0, (void **)&c->l1, (void **)&c->stats};
    const hid_t mt[] = {H5T_NATIVE_UINT8, H5T_NATIVE_UINT8, H5T_NATIVE_UINT32,
                        H5T_NATIVE_UINT32, H5T_NATIVE_UINT32, H5T_NATIVE_UINT64};
    const size_t ms[] = {1, 1, 4, 4, 4, 8};
    hsize_t len[6];
    for (int k = 0; k < 6; k++) {
        hsize_t dims[2];
        qtr_status st = get_numbers(f, names[k], mt[k], ms[k], out[k], dims, NULL, ctx);
        if (st) return st;
        len[k] = dims[0] * dims[1];
    }
    if (len[0] != n || len[1] != n || len[2] != n || len[3] != len[4] ||
        len[5] != n * QTR_H5_NSTATS)
        return qtr_fail(ctx, QTR_EPARSE, "%s: /sweep: the templates' results are not one entry "
                        "per template (%zu)", f->path, n);
    *nlay = len[3];
    return QTR_OK;
}

static qtr_status read_outcomes(qtr_h5_file *f, qtr_sweep *s, qtr_ctx *ctx)
{
    size_t nq = 0, nm = 0;
    char **qasm = NULL, **msg = NULL;
    outcome_cols cols = {0};
    uint64_t nlay = 0;
    qtr_status rc = get_strings(f, "/sweep/transpiled", &nq, &qasm, ctx);
    if (!rc) rc = get_strings(f, "/sweep/" QTR_H5_MESSAGE, &nm, &msg, ctx);
    if (!rc && (nq != s->n || nm != s->n))
        rc = qtr_fail(ctx, QTR_EPARSE, "%s: /sweep: %zu transpiled templates and %zu messages for "
                      "%zu templates", f->path, nq, nm, s->n);
    if (!rc) rc = read_outcome_cols(f, s->n, &cols, &nlay, ctx);
    if (rc) goto done;
    s->out = calloc(s->n + 1, sizeof *s->out);
    if (!s->out) {
        rc = qtr_fail(ctx, QTR_ENOMEM, "%s: sweep results", f->path);
        goto done;
    }
    uint64_t at = 0;
    for (size_t i = 0; i < s->n && !rc; i++) {
        qtr_sweep_outcome *o = &s->out[i];
        uint32_t nv = cols.nvirtual[i];
        o->status = cols.status[i];
        o->code = cols.code[i];
        o->nvirtual = nv;
        o->qasm = qasm[i][0] ? qasm[i] : NULL;
        o->message = msg[i][0] ? msg[i] : NULL;
        if (!o->qasm) free(qasm[i]);
        if (!o->message) free(msg[i]);
        qasm[i] = msg[i] = NULL;
        memcpy(o->stats, cols.stats + i * QTR_H5_NSTATS, sizeof o->stats);
        if (nv > nlay - at) {
            rc = qtr_fail(ctx, QTR_EPARSE, "%s: /sweep: template %zu ('%s'): its layouts run past "
                          "the %llu stored", f->path, i, s->t[i].name, (unsigned long long)nlay);
            break;
        }
        o->initial_layout = malloc(((size_t)nv + 1) * sizeof(uint32_t));
        o->output_permutation = malloc(((size_t)nv + 1) * sizeof(uint32_t));
        if (!o->initial_layout || !o->output_permutation) {
            rc = qtr_fail(ctx, QTR_ENOMEM, "%s: sweep layouts", f->path);
            break;
        }
        memcpy(o->initial_layout, cols.l0 + at, (size_t)nv * sizeof(uint32_t));
        memcpy(o->output_permutation, cols.l1 + at, (size_t)nv * sizeof(uint32_t));
        at += nv;
    }
done:
    free_strings(qasm, nq);
    free_strings(msg, nm);
    cols_free(&cols);
    return rc;
}

static qtr_status read_group(qtr_h5_file *f, qtr_sweep *s, qtr_ctx *ctx)
{
    uint64_t g = 0;
    if (H5Lexists(f->fid, QTR_H5_GROUP_SWEEP, H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return qtr_fail(ctx, QTR_EPARSE, "%s: no /sweep group: not a sweep file", f->path);
    }
    qtr_status rc = qtr_h5_check_object(f, f->fid, "/sweep", NULL, &g, ctx);
    if (rc) return rc;
    size_t nn = 0, nt = 0;
    char **names = NULL, **texts = NULL;
    rc = get_strings(f, "/sweep/name", &nn, &names, ctx);
    if (!rc) rc = get_strings(f, "/sweep/template", &nt, &texts, ctx);
    if (!rc && nn != nt)
        rc = qtr_fail(ctx, QTR_EPARSE, "%s: /sweep has %zu names and %zu templates (one of each "
                      "per template)", f->path, nn, nt);
    if (rc) goto done;
    s->n = nn;
    s->t = calloc(nn + 1, sizeof *s->t);
    if (!s->t) {
        rc = qtr_fail(ctx, QTR_ENOMEM, "%s: templates", f->path);
        goto done;
    }
    for (size_t i = 0; i < nn; i++) {
        s->t[i].name = names[i];
        s->t[i].text = texts[i];
        names[i] = texts[i] = NULL;
    }
    if (nn && H5Lexists(f->fid, "/sweep/values", H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        rc = qtr_fail(ctx, QTR_EPARSE, "%s: no /sweep/values group", f->path);
        goto done;
    }
    if (nn && (rc = qtr_h5_check_object(f, f->fid, "/sweep/values", NULL, NULL, ctx))) goto done;
    for (size_t i = 0; i < nn && !rc; i++) rc = read_values(f, i, &s->t[i], ctx);
    qtr_h5_raw_value mode;
    char why[200];
    if (!rc && qtr_h5_raw_attr(&f->raw, g, "mode", &mode, why, sizeof why))
        rc = qtr_fail(ctx, QTR_EPARSE, "%s: /sweep: %s", f->path, why);
    else if (!rc && mode.cls != -1) {
        int md = mode.cls == 3 ? qtr_sweep_mode_parse(mode.str) : -1;
        free(mode.str);
        if (md < 0) rc = qtr_fail(ctx, QTR_EPARSE, "%s: /sweep: unknown mode", f->path);
        else {
            s->mode = (qtr_sweep_mode)md;
            rc = read_outcomes(f, s, ctx);
        }
    }
done:
    free_strings(names, nn);
    free_strings(texts, nt);
    return rc;
}

static qtr_status read_any(const char *path, const void *image, size_t len, qtr_sweep *s,
                           qtr_ctx *ctx)
{
    memset(s, 0, sizeof *s);
    qtr_h5_file *f = NULL;
    qtr_status rc = qtr_h5_open_plain(path, image, len, &f, ctx);
    if (rc) return rc;
    qtr_h5_quiet q = qtr_h5_quiet_begin();
    rc = read_group(f, s, ctx);
    qtr_h5_quiet_end(q);
    qtr_ctx spare;
    qtr_ctx_init(&spare, 1);
    qtr_h5_close(f, rc ? &spare : ctx);
    if (rc) qtr_sweep_free(s);
    return rc;
}

qtr_status qtr_h5_sweep_read(const char *path, qtr_sweep *s, qtr_ctx *ctx)
{
    return read_any(path, NULL, 0, s, ctx);
}

qtr_status qtr_h5_sweep_read_image(const void *image, size_t len, const char *name, qtr_sweep *s,
                                   qtr_ctx *ctx)
{
    return read_any(name, image, len, s, ctx);
}
