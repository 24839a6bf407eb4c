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

/* Read the strings of a 1-D dataset or attribute @p o (its type @p t,
 * space @p sp) into *@p out (n malloc'ed strings). */
static int get_strings_of(hid_t o, int attr, size_t *n_out, char ***out)
{
    hid_t t = attr ? H5Aget_type(o) : H5Dget_type(o);
    hid_t sp = attr ? H5Aget_space(o) : H5Dget_space(o);
    int rc = -1;
    char **v = NULL;
    hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (t < 0 || H5Tget_class(t) != H5T_STRING || n < 0 || H5Sget_simple_extent_ndims(sp) > 1)
        goto done;
    v = calloc((size_t)n + 1, sizeof *v);
    if (!v) goto done;
    if (H5Tis_variable_str(t) > 0) {
        hid_t m = H5Tcopy(H5T_C_S1);
        H5Tset_size(m, H5T_VARIABLE);
        H5Tset_cset(m, H5Tget_cset(t));
        char **raw = calloc((size_t)n + 1, sizeof *raw);
        if (raw && (!n || (attr ? H5Aread(o, m, raw) : H5Dread(o, m, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw)) >= 0)) {
            rc = 0;
            for (hssize_t i = 0; i < n; i++)
                if (!(v[i] = strdup(raw[i] ? raw[i] : ""))) rc = -1;
            if (n) H5Dvlen_reclaim(m, sp, H5P_DEFAULT, raw);
        }
        free(raw);
        H5Tclose(m);
    } else {
        size_t w = H5Tget_size(t);
        hid_t m = H5Tcopy(H5T_C_S1);
        H5Tset_size(m, w + 1);
        H5Tset_strpad(m, H5T_STR_NULLTERM);
        H5Tset_cset(m, H5Tget_cset(t));
        char *buf = calloc((size_t)n + 1, w + 1);
        if (buf && (!n || (attr ? H5Aread(o, m, buf) : H5Dread(o, m, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf)) >= 0)) {
            rc = 0;
            for (hssize_t i = 0; i < n; i++)
                if (!(v[i] = strndup(buf + (size_t)i * (w + 1), w))) rc = -1;
        }
        free(buf);
        H5Tclose(m);
    }
done:
    if (rc) {
        for (hssize_t i = 0; v && i < n; i++) free(v[i]);
        free(v);
    } else {
        *n_out = (size_t)n;
        *out = v;
    }
    if (t >= 0) H5Tclose(t);
    if (sp >= 0) H5Sclose(sp);
    return rc;
}

static int get_strings(hid_t loc, const char *name, int attr, size_t *n, char ***out)
{
    if (attr ? H5Aexists(loc, name) <= 0 : H5Lexists(loc, name, H5P_DEFAULT) <= 0) return -1;
    hid_t o = attr ? H5Aopen(loc, name, H5P_DEFAULT) : H5Dopen2(loc, name, H5P_DEFAULT);
    if (o < 0) return -1;
    int rc = get_strings_of(o, attr, n, out);
    if (attr) H5Aclose(o);
    else H5Dclose(o);
    return rc;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) free(v[i]);
    free(v);
}

/* Read a whole numeric dataset as @p mt into a new array; *@p n elements,
 * dimensions into @p dims (up to 2), rank into *@p rank. */
static int get_array(hid_t loc, const char *name, hid_t mt, size_t esize, void **out, hsize_t *n,
                     hsize_t dims[2], int *rank)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return -1;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t sp = H5Dget_space(d), t = H5Dget_type(d);
    int rc = -1, r = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    if (r >= 1 && r <= 2 && (cls == H5T_INTEGER || cls == H5T_FLOAT)) {
        dims[1] = 1;
        H5Sget_simple_extent_dims(sp, dims, NULL);
        *rank = r;
        *n = dims[0] * (r == 2 ? dims[1] : 1);
        void *v = malloc(*n ? (size_t)*n * esize : 1);
        if (v && (!*n || H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0)) {
            *out = v;
            rc = 0;
        } else {
            free(v);
        }
    }
    if (t >= 0) H5Tclose(t);
    if (sp >= 0) H5Sclose(sp);
    H5Dclose(d);
    return rc;
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

/* ---- reading -------------------------------------------------------------------- */

static int has_group(const char *path, const char *group)
{
    qtr_h5_quiet q = qtr_h5_quiet_begin();
    int yes = 0;
    /* HDF5 trusts the root group's structures; look at them first (h5_raw.h).
     * A damaged file is no sweep here; opening it says what is wrong. */
    qtr_h5_raw raw;
    char why[200];
    int sound = !qtr_h5_raw_open(&raw, path, NULL, 0, why, sizeof why) &&
                raw.eof <= raw.size - raw.base &&
                !(raw.ext && qtr_h5_raw_check_object(&raw, raw.ext, NULL, why, sizeof why)) &&
                !qtr_h5_raw_check_object(&raw, raw.root, NULL, why, sizeof why);
    qtr_h5_raw_close(&raw);
    if (sound && H5Fis_hdf5(path) > 0) {
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        if (f >= 0) {
            yes = H5Lexists(f, group, H5P_DEFAULT) > 0;
            H5Fclose(f);
        }
    }
    qtr_h5_quiet_end(q);
    return yes;
}

int qtr_h5_is_sweep(const char *path) { return has_group(path, QTR_H5_GROUP_SWEEP); }
int qtr_h5_sweep_has_results(const char *path) { return has_group(path, QTR_H5_GROUP_RESULTS); }

/* Template @p i's values: /sweep/values/<i>, rows x parameters, with the
 * parameter names in its attribute. */
static qtr_status read_values(hid_t vg, const char *path, size_t i, qtr_sweep_template *t,
                              qtr_ctx *ctx)
{
    char name[32];
    snprintf(name, sizeof name, "%zu", i);
    hsize_t n = 0, dims[2] = {0, 1};
    int rank = 0;
    if (get_array(vg, name, H5T_NATIVE_DOUBLE, sizeof(double), (void **)&t->values, &n, dims, &rank))
        return qtr_fail(ctx, QTR_EPARSE, "%s: template %zu ('%s'): no readable numeric dataset "
                        "/sweep/values/%s", path, i, t->name, name);
    hid_t d = H5Dopen2(vg, name, H5P_DEFAULT);
    int bad = d < 0 || get_strings(d, "parameters", 1, &t->nparams, &t->pnames);
    if (d >= 0) H5Dclose(d);
    if (bad)
        return qtr_fail(ctx, QTR_EPARSE, "%s: /sweep/values/%s: no 'parameters' attribute (the "
                        "parameter names, one per column)", path, name);
    if ((rank == 2 ? dims[1] : 1) != t->nparams)
        return qtr_fail(ctx, QTR_EPARSE, "%s: /sweep/values/%s has %llu columns for %zu parameters",
                        path, name, (unsigned long long)(rank == 2 ? dims[1] : 1), t->nparams);
    t->nrows = dims[0];
    for (hsize_t k = 0; k < n; k++)
        if (!isfinite(t->values[k]))
            return qtr_fail(ctx, QTR_EPARSE, "%s: /sweep/values/%s: row %llu, column %llu "
                            "('%s'): not a finite number", path, name,
                            (unsigned long long)(k / t->nparams), (unsigned long long)(k % t->nparams),
                            t->pnames[k % t->nparams]);
    return QTR_OK;
}

static qtr_status read_outcomes(hid_t g, const char *path, qtr_sweep *s, qtr_ctx *ctx)
{
    size_t nq = 0, nm = 0;
    char **qasm = NULL, **msg = NULL;
    outcome_cols cols = {0};
    hsize_t n[6], dims[2];
    int rank;
    qtr_status rc = QTR_OK;
    if (get_strings(g, "transpiled", 0, &nq, &qasm) || get_strings(g, QTR_H5_MESSAGE, 0, &nm, &msg) ||
        get_array(g, QTR_H5_STATUS, H5T_NATIVE_UINT8, 1, (void **)&cols.status, &n[0], dims, &rank) ||
        get_array(g, QTR_H5_CODE, H5T_NATIVE_UINT8, 1, (void **)&cols.code, &n[1], dims, &rank) ||
        get_array(g, QTR_H5_NVIRTUAL, H5T_NATIVE_UINT32, 4, (void **)&cols.nvirtual, &n[2], dims, &rank) ||
        get_array(g, QTR_H5_LAYOUT_INITIAL, H5T_NATIVE_UINT32, 4, (void **)&cols.l0, &n[3], dims, &rank) ||
        get_array(g, QTR_H5_LAYOUT_FINAL, H5T_NATIVE_UINT32, 4, (void **)&cols.l1, &n[4], dims, &rank) ||
        get_array(g, QTR_H5_STATS, H5T_NATIVE_UINT64, 8, (void **)&cols.stats, &n[5], dims, &rank) ||
        nq != s->n || nm != s->n || n[0] != s->n || n[1] != s->n || n[2] != s->n ||
        n[3] != n[4] || n[5] != s->n * QTR_H5_NSTATS) {
        rc = qtr_fail(ctx, QTR_EPARSE, "%s: /sweep: the templates' results are missing or "
                      "malformed", path);
        goto done;
    }
    s->out = calloc(s->n + 1, sizeof *s->out);
    if (!s->out) {
        rc = qtr_fail(ctx, QTR_ENOMEM, "%s: sweep results", path);
        goto done;
    }
    uint64_t at = 0;
    const uint8_t *st = cols.status, *code = cols.code;
    const uint32_t *nv = cols.nvirtual, *l0 = cols.l0, *l1 = cols.l1;
    const uint64_t *stats = cols.stats;
    for (size_t i = 0; i < s->n && !rc; i++) {
        qtr_sweep_outcome *o = &s->out[i];
        o->status = st[i];
        o->code = code[i];
        o->nvirtual = nv[i];
        o->qasm = qasm[i][0] ? qasm[i] : NULL;
        o->message = msg[i][0] ? msg[i] : NULL;
        if (!o->qasm) free(qasm[i]);
        if (!o->message) free(msg[i]);
        qasm[i] = msg[i] = NULL;
        memcpy(o->stats, stats + i * QTR_H5_NSTATS, sizeof o->stats);
        if (at + nv[i] > n[3]) {
            rc = qtr_fail(ctx, QTR_EPARSE, "%s: /sweep: layouts shorter than nvirtual says", path);
            break;
        }
        o->initial_layout = malloc((nv[i] + 1) * sizeof(uint32_t));
        o->output_permutation = malloc((nv[i] + 1) * sizeof(uint32_t));
        if (!o->initial_layout || !o->output_permutation) {
            rc = qtr_fail(ctx, QTR_ENOMEM, "%s: sweep layouts", path);
            break;
        }
        memcpy(o->initial_layout, l0 + at, nv[i] * sizeof(uint32_t));
        memcpy(o->output_permutation, l1 + at, nv[i] * sizeof(uint32_t));
        at += nv[i];
    }
done:
    free_strings(qasm, nq);
    free_strings(msg, nm);
    cols_free(&cols);
    return rc;
}

static qtr_status read_group(hid_t f, const char *path, qtr_sweep *s, qtr_ctx *ctx)
{
    hid_t g = H5Gopen2(f, QTR_H5_GROUP_SWEEP, H5P_DEFAULT), vg = -1;
    if (g < 0) return qtr_fail(ctx, QTR_EPARSE, "%s: no /sweep group: not a sweep file", path);
    size_t nn = 0, nt = 0;
    char **names = NULL, **texts = NULL;
    qtr_status rc = QTR_OK;
    if (get_strings(g, "name", 0, &nn, &names) || get_strings(g, "template", 0, &nt, &texts) ||
        nn != nt) {
        rc = qtr_fail(ctx, QTR_EPARSE, "%s: /sweep needs string datasets 'name' and 'template' of "
                      "one entry per template", path);
        goto done;
    }
    s->n = nn;
    s->t = calloc(nn + 1, sizeof *s->t);
    if (!s->t) {
        rc = qtr_fail(ctx, QTR_ENOMEM, "%s: templates", path);
        goto done;
    }
    for (size_t i = 0; i < nn; i++) {
        s->t[i].name = names[i];
        s->t[i].text = texts[i];
        names[i] = texts[i] = NULL;
    }
    vg = H5Gopen2(g, "values", H5P_DEFAULT);
    if (vg < 0 && nn) {
        rc = qtr_fail(ctx, QTR_EPARSE, "%s: no /sweep/values group", path);
        goto done;
    }
    for (size_t i = 0; i < nn && !rc; i++) rc = read_values(vg, path, i, &s->t[i], ctx);
    char *mode = NULL;
    if (!rc && H5Aexists(g, "mode") > 0) {
        size_t one = 0;
        char **m = NULL;
        hid_t a = H5Aopen(g, "mode", H5P_DEFAULT);
        /* a scalar string attribute reads as one string */
        if (a >= 0 && !get_strings_of(a, 1, &one, &m) && one == 1) mode = m[0], free(m);
        else free_strings(m, one);
        if (a >= 0) H5Aclose(a);
        int md = qtr_sweep_mode_parse(mode);
        free(mode);
        if (md < 0) rc = qtr_fail(ctx, QTR_EPARSE, "%s: /sweep: unknown mode", path);
        else {
            s->mode = (qtr_sweep_mode)md;
            rc = read_outcomes(g, path, s, ctx);
        }
    }
done:
    free_strings(names, nn);
    free_strings(texts, nt);
    if (vg >= 0) H5Gclose(vg);
    H5Gclose(g);
    return rc;
}

qtr_status qtr_h5_sweep_read(const char *path, qtr_sweep *s, qtr_ctx *ctx)
{
    memset(s, 0, sizeof *s);
    qtr_h5_quiet q = qtr_h5_quiet_begin();
    hid_t f = H5Fis_hdf5(path) > 0 ? H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
    qtr_status rc = f < 0 ? qtr_fail(ctx, QTR_EIO, "%s: cannot open as an HDF5 file", path)
                          : read_group(f, path, s, ctx);
    if (f >= 0) H5Fclose(f);
    qtr_h5_quiet_end(q);
    if (rc) qtr_sweep_free(s);
    return rc;
}
