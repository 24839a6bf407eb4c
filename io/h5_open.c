/* h5_open.c -- opening an HDF5 batch file (format v1: doc/hdf5-format.md)
 * and checking what it claims before anything is read from it: the format
 * attributes and version, the gate table, the groups, and every dataset's
 * shape, type class, element size and chunk size. Also the questions asked
 * of a path before opening it: is it held by another process, is it a
 * results file in the making, does its journal hold an interrupted commit.
 *
 * Owns: nothing beyond the call (the handle it returns: h5_file.c).
 * Borrows: the path and the access list. Every value read from a file is
 * untrusted: a file that fails a check is refused with a message naming
 * the file and what is wrong, never opened half-checked. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common.h"
#include "h5_internal.h"

/* ---- what HDF5 would trust, checked first (h5_raw.h) ---- */

/* A hard link only: never a soft or external one, which would open other
 * files (h5_internal.h). */
qtr_status qtr_h5_check_object(qtr_h5_file *f, hid_t loc, const char *name, qtr_h5_raw_dset *ds,
                               uint64_t *addr, qtr_ctx *ctx)
{
    H5L_info_t li;
    char why[200];
    if (H5Lget_info(loc, name, &li, H5P_DEFAULT) < 0)
        return qtr_h5_fail(f, ctx, QTR_EPARSE, "%s: cannot look up '%s'", f->path, name);
    if (li.type != H5L_TYPE_HARD)
        return qtr_fail(ctx, QTR_EPARSE, "%s: '%s' is a soft or external link, not an object of "
                        "the file", f->path, name);
    if (qtr_h5_raw_check_object(&f->raw, li.u.address, ds, why, sizeof why))
        return qtr_fail(ctx, QTR_EPARSE, "%s: '%s' is damaged: %s", f->path, name, why);
    if (addr) *addr = li.u.address;
    return QTR_OK;
}

/* ---- attributes, read from the object header at @p obj (h5_raw.c: HDF5
 * 1.10 copies an attribute's data without checking its message's size) ---- */

/* A scalar string attribute, fixed or variable length, as a new malloc'ed
 * string; NULL when absent or not a string. */
static char *get_attr_str(qtr_h5_file *f, uint64_t obj, const char *name)
{
    qtr_h5_raw_value v;
    char why[200];
    if (qtr_h5_raw_attr(&f->raw, obj, name, &v, why, sizeof why) || v.cls != 3) {
        free(v.str);
        return NULL;
    }
    return v.str;
}

/* A scalar attribute of class @p cls (0 integer, 1 float) into *v; -1 when
 * absent or of another kind. */
static int get_attr_num(qtr_h5_file *f, uint64_t obj, const char *name, int cls,
                        qtr_h5_raw_value *v)
{
    char why[200];
    int rc = qtr_h5_raw_attr(&f->raw, obj, name, v, why, sizeof why) || v->cls != cls ? -1 : 0;
    free(v->str);
    return rc;
}

static int get_attr_i64(qtr_h5_file *f, uint64_t obj, const char *name, int64_t *out)
{
    qtr_h5_raw_value v;
    if (get_attr_num(f, obj, name, 0, &v)) return -1;
    *out = v.i;
    return 0;
}

static int get_attr_f64(qtr_h5_file *f, uint64_t obj, const char *name, double *out)
{
    qtr_h5_raw_value v;
    if (get_attr_num(f, obj, name, 1, &v)) return -1;
    *out = v.d;
    return 0;
}

/* ---- validation at open ---- */

static qtr_status check_storage(qtr_h5_file *f, hid_t ds, hid_t t, const col_desc *d,
                                size_t esize, qtr_ctx *ctx);

static qtr_status read_gate_names(qtr_h5_file *f, qtr_ctx *ctx)
{
    if (H5Lexists(f->fid, QTR_H5_GATE_NAMES, H5P_DEFAULT) <= 0)
        return qtr_fail(ctx, QTR_EPARSE, "%s: no %s dataset (the op codes would have no meaning)",
                        f->path, QTR_H5_GATE_NAMES);
    qtr_h5_raw_dset raw;
    qtr_status st = qtr_h5_check_object(f, f->fid, QTR_H5_GATE_NAMES, &raw, NULL, ctx);
    if (st) return st;
    hid_t d = H5Dopen2(f->fid, QTR_H5_GATE_NAMES, H5P_DEFAULT);
    if (d < 0) return qtr_h5_fail(f, ctx, QTR_EPARSE, "%s: cannot open %s", f->path, QTR_H5_GATE_NAMES);
    hid_t s = H5Dget_space(d);
    hssize_t g = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
    if (s >= 0) H5Sclose(s);
    char *names = NULL;
    if (g < 0 || g > 256 || H5Sget_simple_extent_ndims(s = H5Dget_space(d)) != 1) {
        if (s >= 0) H5Sclose(s);
        st = qtr_fail(ctx, QTR_EPARSE, "%s: %s must be a list of at most 256 names", f->path,
                      QTR_H5_GATE_NAMES);
        goto done;
    }
    H5Sclose(s);
    /* its element and chunk sizes, as any column's */
    static const col_desc gate_desc = {QTR_H5_GATE_NAMES, T_NAME, IN_BOTH, G_ABS, K_ROW, -1, 0};
    hid_t t = H5Dget_type(d);
    st = check_storage(f, d, t, &gate_desc, t >= 0 ? H5Tget_size(t) : 0, ctx);
    if (t >= 0) H5Tclose(t);
    if (st) goto done;
    names = calloc((size_t)g ? (size_t)g : 1, QTR_H5_GATENAME_LEN + 1);
    if (!names) {
        st = qtr_fail(ctx, QTR_ENOMEM, "gate names");
        goto done;
    }
    if (qtr_h5_read_fixed_strings(f, d, &raw, 0, (size_t)g, QTR_H5_GATENAME_LEN, names) < 0) {
        st = qtr_h5_fail(f, ctx, QTR_EPARSE, "%s: cannot read %s as strings", f->path, QTR_H5_GATE_NAMES);
        goto done;
    }
    for (hssize_t k = 0; k < g; k++) {
        const char *nm = names + k * (QTR_H5_GATENAME_LEN + 1);
        int op = qtr_gate_lookup(nm, strlen(nm));
        f->opmap[k] = (int16_t)(op >= 0 ? op : -1);
    }
done:
    free(names);
    H5Dclose(d);
    return st;
}

static qtr_status read_extents(qtr_h5_file *f, qtr_ctx *ctx)
{
    for (int p = 0; p < QTR_H5_NFILEPOOLS; p++) {
        static const int pc[QTR_H5_NFILEPOOLS] = {C_INST, C_PARAMS, C_ARGS, C_REGS, C_LAYOUT0};
        f->ext[p] = 0;
        hid_t d = f->d[pc[p]];
        if (d < 0) continue;
        hid_t s = H5Dget_space(d);
        hsize_t dim = 0;
        int nd = s >= 0 ? H5Sget_simple_extent_ndims(s) : -1;
        if (nd != 1 || H5Sget_simple_extent_dims(s, &dim, NULL) < 0) {
            if (s >= 0) H5Sclose(s);
            return qtr_fail(ctx, QTR_EPARSE, "%s: pool '%s' is not one-dimensional", f->path,
                            qtr_h5_cols[pc[p]].name);
        }
        H5Sclose(s);
        f->ext[p] = dim;
        if (p == QTR_H5_POOL_LAYOUT && f->d[C_LAYOUT1] >= 0) {
            s = H5Dget_space(f->d[C_LAYOUT1]);
            H5Sget_simple_extent_dims(s, &dim, NULL);
            H5Sclose(s);
            if (dim < f->ext[p]) f->ext[p] = dim;
        }
        f->from[p] = f->ext[p];
    }
    return QTR_OK;
}

/* Reopen @p ds (named @p name in @p loc) with a one-chunk cache; @p ds
 * itself when that fails. */
static hid_t reopen_one_chunk(hid_t loc, const char *name, hid_t ds)
{
    hid_t dcpl = H5Dget_create_plist(ds), t = H5Dget_type(ds);
    hid_t dapl = dcpl >= 0 && t >= 0 ? qtr_h5_one_chunk_dapl(dcpl, t) : H5P_DEFAULT;
    if (dcpl >= 0) H5Pclose(dcpl);
    if (t >= 0) H5Tclose(t);
    if (dapl == H5P_DEFAULT) return ds;
    hid_t again = H5Dopen2(loc, name, dapl);
    H5Pclose(dapl);
    if (again < 0) {
        H5Eclear2(H5E_DEFAULT);
        return ds;
    }
    H5Dclose(ds);
    return again;
}

/* HDF5 sizes its buffers from the file: a type conversion holds elements
 * of the file's type, a chunked read a whole chunk. Refuse element types and
 * chunks no writer of the format makes (a 100-byte integer, a 1 GiB chunk)
 * before any read allocates for them. */
#define MAX_ELEM_BYTES 4096u
#define MAX_CHUNK_BYTES ((uint64_t)64 << 20)
static qtr_status check_storage(qtr_h5_file *f, hid_t ds, hid_t t, const col_desc *d,
                                size_t esize, qtr_ctx *ctx)
{
    size_t most = d->type <= T_F64 ? 8 : MAX_ELEM_BYTES;
    if (esize == 0 || esize > most)
        return qtr_fail(ctx, QTR_EPARSE, "%s: '%s' has elements of %zu bytes, expected at most %zu",
                        f->path, d->name, esize, most);
    /* HDF5 1.10 converts a record member at whatever offset the file says */
    int nm = H5Tget_class(t) == H5T_COMPOUND ? H5Tget_nmembers(t) : 0;
    for (int i = 0; i < nm; i++) {
        hid_t mt = H5Tget_member_type(t, (unsigned)i);
        size_t off = H5Tget_member_offset(t, (unsigned)i), msize = mt >= 0 ? H5Tget_size(mt) : 0;
        if (mt >= 0) H5Tclose(mt);
        if (mt < 0 || msize == 0 || off > esize || msize > esize - off) {
            H5Eclear2(H5E_DEFAULT);
            return qtr_fail(ctx, QTR_EPARSE, "%s: '%s': member %d lies outside its %zu-byte record",
                            f->path, d->name, i, esize);
        }
    }
    hid_t dcpl = H5Dget_create_plist(ds);
    hsize_t chunk = 0;
    int chunked = dcpl >= 0 && H5Pget_layout(dcpl) == H5D_CHUNKED &&
                  H5Pget_chunk(dcpl, 1, &chunk) == 1;
    if (dcpl >= 0) H5Pclose(dcpl);
    H5Eclear2(H5E_DEFAULT);
    if (chunked && (chunk == 0 || chunk > MAX_CHUNK_BYTES / esize))
        return qtr_fail(ctx, QTR_EPARSE, "%s: '%s' has chunks of %llu elements of %zu bytes, at most "
                        "%llu MiB per chunk",
                        f->path, d->name, (unsigned long long)chunk, esize,
                        (unsigned long long)(MAX_CHUNK_BYTES >> 20));
    return QTR_OK;
}

/* Open the datasets of the main group and check shapes and type classes. */
static qtr_status open_columns(qtr_h5_file *f, qtr_ctx *ctx)
{
    int64_t nrows = -1;
    for (int c = 0; c < NCOLS; c++) {
        const col_desc *d = &qtr_h5_cols[c];
        if (!qtr_h5_col_applies(c, f->content, f->storage)) continue;
        hid_t loc = d->group == G_ABS ? f->fid : f->grp;
        if (loc < 0 || H5Lexists(loc, d->name, H5P_DEFAULT) <= 0) continue;
        qtr_status hdr = qtr_h5_check_object(f, loc, d->name, &f->raw_ds[c], NULL, ctx);
        if (hdr) return hdr;
        hid_t ds = H5Dopen2(loc, d->name, H5P_DEFAULT);
        if (ds < 0) return qtr_h5_fail(f, ctx, QTR_EPARSE, "%s: cannot open '%s'", f->path, d->name);
        if (f->writable) ds = reopen_one_chunk(loc, d->name, ds);  /* a resumed results file */
        f->d[c] = ds;
        qtr_h5_chunk_shape(ds, &f->chunk_len[c], &f->esize[c]);
        hid_t s = H5Dget_space(ds), t = H5Dget_type(ds);
        hsize_t dim = 0;
        int nd = H5Sget_simple_extent_ndims(s);
        H5Sget_simple_extent_dims(s, &dim, NULL);
        H5T_class_t cl = H5Tget_class(t);
        size_t esize = H5Tget_size(t);
        qtr_status bad = check_storage(f, ds, t, d, esize, ctx);
        H5Sclose(s);
        H5Tclose(t);
        if (bad) return bad;
        int want_cl = d->type == T_F64                     ? H5T_FLOAT
                      : d->type <= T_U64                   ? H5T_INTEGER
                      : d->type == T_INST || d->type == T_REG || d->type == T_STATS ? H5T_COMPOUND
                                                              : H5T_STRING;
        if (nd != 1 || (int)cl != want_cl)
            return qtr_fail(ctx, QTR_EPARSE, "%s: '%s' must be a one-dimensional %s dataset",
                            f->path, d->name,
                            want_cl == H5T_FLOAT     ? "float"
                            : want_cl == H5T_INTEGER ? "integer"
                            : want_cl == H5T_COMPOUND ? "compound"
                                                      : "string");
        if (d->kind == K_ROW) {
            if (nrows < 0) nrows = (int64_t)dim;
            else if ((int64_t)dim != nrows)
                return qtr_fail(ctx, QTR_EPARSE,
                                "%s: '%s' has %llu rows, other index columns have %lld", f->path,
                                d->name, (unsigned long long)dim, (long long)nrows);
        }
    }
    f->n = nrows < 0 ? 0 : (uint64_t)nrows;
    /* what a reader cannot do without */
    static const int need_cols[] = {C_NQUBITS, C_NCLBITS, C_INST_START, C_INST_COUNT, C_INST};
    if (f->storage == QTR_H5_QASMTEXT) {
        if (f->d[C_QASM] < 0)
            return qtr_fail(ctx, QTR_EPARSE, "%s: storage is 'qasm' but there is no '%s' dataset",
                            f->path, QTR_H5_QASM);
    } else {
        for (size_t i = 0; i < sizeof need_cols / sizeof *need_cols; i++)
            if (f->d[need_cols[i]] < 0 && (f->n > 0 || need_cols[i] != C_INST))
                return qtr_fail(ctx, QTR_EPARSE, "%s: missing required dataset '%s/%s'", f->path,
                                f->content == QTR_H5_RESULTS ? QTR_H5_GROUP_RESULTS
                                                             : QTR_H5_GROUP_CIRCUITS,
                                qtr_h5_cols[need_cols[i]].name);
        for (int p = 0; p < QTR_H5_NFILEPOOLS; p++) {
            static const int pc[QTR_H5_NFILEPOOLS] = {C_INST, C_PARAMS, C_ARGS, C_REGS, C_LAYOUT0};
            int has_s = f->d[qtr_h5_start_col(p)] >= 0, has_c = f->d[qtr_h5_count_col(p)] >= 0,
                has_p = f->d[pc[p]] >= 0;
            if (has_s != has_c || (has_c && !has_p && f->n > 0))
                return qtr_fail(ctx, QTR_EPARSE,
                                "%s: pool '%s' needs '%s', '%s' and the pool dataset together",
                                f->path, qtr_h5_cols[pc[p]].name, qtr_h5_cols[qtr_h5_start_col(p)].name,
                                qtr_h5_cols[qtr_h5_count_col(p)].name);
        }
    }
    if (f->content == QTR_H5_RESULTS && (f->d[C_STATUS] < 0 || f->d[C_MESSAGE] < 0))
        return qtr_fail(ctx, QTR_EPARSE, "%s: results without '%s' or '%s'", f->path,
                        QTR_H5_STATUS, QTR_H5_MESSAGE);
    return read_extents(f, ctx);
}

static qtr_status open_common(qtr_h5_file *f, qtr_ctx *ctx)
{
    char *fmt = get_attr_str(f, f->raw.root, QTR_H5_ATTR_FORMAT);
    int64_t ver = 0;
    qtr_status st = QTR_OK;
    if (!fmt || strcmp(fmt, QTR_H5_FORMAT_NAME)) {
        st = qtr_fail(ctx, QTR_EPARSE,
                      "%s: not a qtranspile batch (root attribute '%s' is %s%s%s, expected '%s')",
                      f->path, QTR_H5_ATTR_FORMAT, fmt ? "'" : "missing", fmt ? fmt : "",
                      fmt ? "'" : "", QTR_H5_FORMAT_NAME);
        goto done;
    }
    if (get_attr_i64(f, f->raw.root, QTR_H5_ATTR_VERSION, &ver) < 0) {
        st = qtr_fail(ctx, QTR_EPARSE, "%s: root attribute '%s' missing or not an integer",
                      f->path, QTR_H5_ATTR_VERSION);
        goto done;
    }
    if (ver != QTR_H5_FORMAT_VERSION) {
        st = qtr_fail(ctx, QTR_EUNSUPPORTED,
                      "%s: format version %lld; this build reads version %d", f->path,
                      (long long)ver, QTR_H5_FORMAT_VERSION);
        goto done;
    }
    if (qtr_h5_types_open(&f->ty) < 0) {
        st = qtr_h5_fail(f, ctx, QTR_ENOMEM, "HDF5 types");
        goto done;
    }
    if ((st = read_gate_names(f, ctx))) goto done;
    int has_res = H5Lexists(f->fid, QTR_H5_GROUP_RESULTS, H5P_DEFAULT) > 0;
    int has_circ = H5Lexists(f->fid, QTR_H5_GROUP_CIRCUITS, H5P_DEFAULT) > 0;
    if (!has_res && !has_circ) {
        st = qtr_fail(ctx, QTR_EPARSE, "%s: neither a '%s' nor a '%s' group", f->path,
                      QTR_H5_GROUP_CIRCUITS, QTR_H5_GROUP_RESULTS);
        goto done;
    }
    f->content = has_res ? QTR_H5_RESULTS : QTR_H5_CIRCUITS;
    uint64_t g = 0;
    if ((st = qtr_h5_check_object(f, f->fid, has_res ? QTR_H5_GROUP_RESULTS : QTR_H5_GROUP_CIRCUITS, NULL,
                           &g, ctx)))
        goto done;
    f->grp = H5Gopen2(f->fid, has_res ? QTR_H5_GROUP_RESULTS : QTR_H5_GROUP_CIRCUITS, H5P_DEFAULT);
    if (f->grp < 0) {
        st = qtr_h5_fail(f, ctx, QTR_EPARSE, "%s: cannot open the circuits group", f->path);
        goto done;
    }
    f->storage = QTR_H5_COLUMNS;
    if (!has_res) {
        char *sto = get_attr_str(f, g, QTR_H5_ATTR_STORAGE);
        if (sto && !strcmp(sto, "qasm")) f->storage = QTR_H5_QASMTEXT;
        else if (sto && strcmp(sto, "columns")) {
            st = qtr_fail(ctx, QTR_EPARSE, "%s: storage '%s' is neither 'columns' nor 'qasm'",
                          f->path, sto);
            free(sto);
            goto done;
        } else if (!sto && H5Lexists(f->grp, QTR_H5_QASM, H5P_DEFAULT) > 0 &&
                   H5Lexists(f->grp, QTR_H5_INST, H5P_DEFAULT) <= 0)
            f->storage = QTR_H5_QASMTEXT;  /* a writer that skipped the attribute */
        free(sto);
    } else {
        f->run_input = get_attr_str(f, g, QTR_H5_ATTR_INPUT);
        f->run_target = get_attr_str(f, g, QTR_H5_ATTR_TARGET);
        f->run_basis = get_attr_str(f, g, QTR_H5_ATTR_BASIS);
        int64_t v = 0;
        if (!get_attr_i64(f, g, QTR_H5_ATTR_LEVEL, &v)) f->run_level = (int)v;
        if (!get_attr_i64(f, g, QTR_H5_ATTR_SEED, &v)) f->run_seed = (uint64_t)v;
        /* absent in files from before these options: the level's, exact */
        if (!get_attr_i64(f, g, QTR_H5_ATTR_LAYOUT_TRIALS, &v)) f->run_layout_trials = (uint32_t)v;
        if (!get_attr_i64(f, g, QTR_H5_ATTR_SWAP_TRIALS, &v)) f->run_swap_trials = (uint32_t)v;
        double d;
        f->run_approx = !get_attr_f64(f, g, QTR_H5_ATTR_APPROX, &d) && d > 0 && d <= 1 ? d : 1;
    }
    /* /timing holds a column: HDF5 loads its header to look anything up in it */
    if (has_res && H5Lexists(f->fid, QTR_H5_GROUP_TIMING, H5P_DEFAULT) > 0 &&
        (st = qtr_h5_check_object(f, f->fid, QTR_H5_GROUP_TIMING, NULL, NULL, ctx)))
        goto done;
    st = open_columns(f, ctx);
done:
    free(fmt);
    return st;
}

/* After HDF5 failed to open or create @p path: does another process hold
 * it? HDF5 locks a file it opens (flock: shared to read, exclusive to
 * write) until it closes it, so a run in progress -- or the ranks of a
 * killed mpirun, which live on a few seconds -- keep others out. */
int qtr_h5_held_elsewhere(const char *path, int rw)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return 0;
    int held = flock(fd, (rw ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0 && errno == EWOULDBLOCK;
    close(fd);
    return held;
}

qtr_status qtr_h5_held_fail(const char *path, qtr_ctx *ctx)
{
    H5Eclear2(H5E_DEFAULT);
    return qtr_fail(ctx, QTR_EIO,
                    "%s: another process holds this file (a run still in progress, or the "
                    "ranks of a killed mpirun that have not exited yet); wait for it to end, "
                    "then run the command again", path);
}

qtr_status qtr_h5_check_free(const char *path, qtr_ctx *ctx)
{
    return qtr_h5_held_elsewhere(path, 1) ? qtr_h5_held_fail(path, ctx) : QTR_OK;
}

int qtr_h5_unfinished(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) || !S_ISREG(sb.st_mode)) return 0;
    if (sb.st_size == 0) return 1;
    qtr_h5_quiet q = qtr_h5_quiet_begin();
    int empty = 0;
    if (H5Fis_hdf5(path) > 0) {
        hid_t fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        H5O_info_t info;
        H5G_info_t g;
        if (fid >= 0 && H5Oget_info(fid, &info) >= 0 && H5Gget_info(fid, &g) >= 0)
            empty = info.num_attrs == 0 && g.nlinks == 0;
        if (fid >= 0) H5Fclose(fid);
    }
    H5Eclear2(H5E_DEFAULT);
    qtr_h5_quiet_end(q);
    return empty;
}

qtr_status qtr_h5_set_path(qtr_h5_file *f, const char *path, qtr_ctx *ctx)
{
    char *p = strdup(path);
    if (!p) return qtr_fail(ctx, QTR_ENOMEM, "%s", path);
    free(f->path);
    f->path = p;
    if (f->journal && qtr_h5_journal_start(f->journal, path))
        return qtr_fail(ctx, QTR_EIO, "%s: cannot start its journal: %s", path, strerror(errno));
    return QTR_OK;
}

qtr_status qtr_h5_recover(const char *path, int *rolled_back, qtr_ctx *ctx)
{
    return qtr_h5_journal_recover(path, rolled_back, ctx);
}

int qtr_h5_interrupted(const char *path) { return qtr_h5_journal_pending(path); }

qtr_status qtr_h5_mark_commit(const char *path, int on, qtr_ctx *ctx)
{
    if (qtr_h5_journal_mark(path, on > 0, on))
        return qtr_fail(ctx, QTR_EIO, "%s: cannot %s its commit mark %s.journal: %s", path,
                        on ? "write" : "remove", path, strerror(errno));
    return QTR_OK;
}

void qtr_h5_set_write_hook(qtr_h5_file *f, void (*fn)(void *), void *ud)
{
    if (f->journal) qtr_h5_journal_on_write(f->journal, fn, ud);
}

/* Open @p path into @p f (fid, raw) after checking what HDF5 would trust
 * on opening it (or, with @p image, the file image of @p len bytes that
 * @p fapl holds in memory). */
static qtr_status open_checked(qtr_h5_file *f, const char *path, const void *image, size_t len,
                               int64_t fapl, int rw, qtr_ctx *ctx)
{
    /* a file image (qtr_h5_open_image) has no path to look at */
    htri_t is = fapl >= 0 && H5Pget_driver(fapl) == H5FD_CORE ? 1 : H5Fis_hdf5(path);
    if (is <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return is == 0 ? qtr_fail(ctx, QTR_EPARSE, "%s: not an HDF5 file", path)
                       : qtr_fail(ctx, QTR_EIO, "%s: cannot open (missing or unreadable)", path);
    }
    /* before HDF5 loads anything (the root group's header, the superblock
     * extension's), check what it would trust */
    char why[200];
    if (qtr_h5_raw_open(&f->raw, path, image, len, why, sizeof why))
        return qtr_fail(ctx, QTR_EPARSE, "%s: damaged HDF5 file: %s", path, why);
    if (f->raw.eof > f->raw.size - f->raw.base)
        return qtr_fail(ctx, QTR_EPARSE, "%s: cannot open: the file is truncated (%llu bytes, its "
                      "superblock says %llu)", path, (unsigned long long)f->raw.size,
                      (unsigned long long)(f->raw.base + f->raw.eof));
    if ((f->raw.ext && qtr_h5_raw_check_object(&f->raw, f->raw.ext, NULL, why, sizeof why)) ||
        qtr_h5_raw_check_object(&f->raw, f->raw.root, NULL, why, sizeof why))
        return qtr_fail(ctx, QTR_EPARSE, "%s: damaged HDF5 file: %s", path, why);
    hid_t p = qtr_h5_file_fapl(f, fapl, rw && fapl < 0);
    if (p < 0)
        return qtr_h5_fail(f, ctx, QTR_EIO, "%s: cannot set up the journal", path);
    f->fid = H5Fopen(path, rw ? H5F_ACC_RDWR : H5F_ACC_RDONLY, p);
    if (f->fid < 0) qtr_h5_cap(f);   /* before fapl_done's H5Pclose clears HDF5's error stack */
    qtr_h5_fapl_done(p, fapl);
    if (f->fid < 0) {
        /* the commonest damage, said plainly: a copy or a write cut short */
        int cut = strstr(f->err, "truncated file") != NULL;
        return qtr_h5_held_elsewhere(path, rw) ? qtr_h5_held_fail(path, ctx)
               : qtr_h5_fail(f, ctx, cut ? QTR_EPARSE : QTR_EIO, "%s: cannot open%s", path,
                             cut ? ": the file is truncated" : "");
    }
    return QTR_OK;
}

/* Open @p path (or, with @p image, the file image of @p len bytes that
 * @p fapl holds in memory). */
static qtr_status open_any(const char *path, const void *image, size_t len, int64_t fapl, int rw,
                           qtr_h5_file **out, qtr_ctx *ctx)
{
    *out = NULL;
    qtr_h5_quiet q = qtr_h5_quiet_begin();
    qtr_status st = QTR_OK;
    qtr_h5_file *f = qtr_h5_file_new(path);
    if (!f) {
        st = qtr_fail(ctx, QTR_ENOMEM, "%s", path);
        goto done;
    }
    if ((st = open_checked(f, path, image, len, fapl, rw, ctx))) goto done;
    f->writable = rw;
    if ((st = open_common(f, ctx))) goto done;
    if (rw && f->content != QTR_H5_RESULTS) {
        st = qtr_fail(ctx, QTR_EINVAL, "%s: not a results file", path);
        goto done;
    }
    if (rw && H5Lexists(f->fid, QTR_H5_GROUP_TIMING, H5P_DEFAULT) > 0)  /* checked: open_common */
        f->timing = H5Gopen2(f->fid, QTR_H5_GROUP_TIMING, H5P_DEFAULT);
    if (f->journal && qtr_h5_journal_start(f->journal, path)) {
        st = qtr_fail(ctx, QTR_EIO, "%s: cannot start its journal: %s", path, strerror(errno));
        goto done;
    }
    *out = f;
    f = NULL;
done:
    if (f) qtr_h5_file_discard(f);
    qtr_h5_quiet_end(q);
    return st;
}

qtr_status qtr_h5_open(const char *path, qtr_h5_file **out, qtr_ctx *ctx)
{
    return open_any(path, NULL, 0, -1, 0, out, ctx);
}

qtr_status qtr_h5_open_rw(const char *path, int64_t fapl, qtr_h5_file **out, qtr_ctx *ctx)
{
    return open_any(path, NULL, 0, fapl, 1, out, ctx);
}

/* A read-only core-driver access list holding a copy of @p image (never
 * written back); -1 when it cannot be made. */
static hid_t image_fapl(const void *image, size_t len)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0 && (H5Pset_fapl_core(fapl, 64u << 10, 0) < 0 ||
                      H5Pset_file_image(fapl, (void *)image, len) < 0)) {
        H5Pclose(fapl);
        fapl = -1;
    }
    return fapl;
}

qtr_status qtr_h5_open_image(const void *image, size_t len, const char *name, qtr_h5_file **out,
                             qtr_ctx *ctx)
{
    *out = NULL;
    qtr_h5_quiet q = qtr_h5_quiet_begin();
    hid_t fapl = image_fapl(image, len);
    qtr_status st = fapl < 0 ? qtr_fail(ctx, QTR_ENOMEM, "%s: cannot hold the file image of %zu "
                                        "bytes", name, len)
                             : open_any(name, image, len, fapl, 0, out, ctx);
    if (fapl >= 0) H5Pclose(fapl);
    H5Eclear2(H5E_DEFAULT);
    qtr_h5_quiet_end(q);
    return st;
}

qtr_status qtr_h5_open_plain(const char *path, const void *image, size_t len, qtr_h5_file **out,
                             qtr_ctx *ctx)
{
    *out = NULL;
    qtr_h5_quiet q = qtr_h5_quiet_begin();
    qtr_h5_file *f = qtr_h5_file_new(path);
    hid_t fapl = image ? image_fapl(image, len) : -1;
    qtr_status st = !f || (image && fapl < 0) ? qtr_fail(ctx, QTR_ENOMEM, "%s", path)
                                              : open_checked(f, path, image, len, fapl, 0, ctx);
    if (fapl >= 0) H5Pclose(fapl);
    if (st && f) qtr_h5_file_discard(f);
    else *out = f;
    H5Eclear2(H5E_DEFAULT);
    qtr_h5_quiet_end(q);
    return st;
}
