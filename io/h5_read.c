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
#include <zlib.h>
#include "common.h"
#include "h5_internal.h"

/* ---- variable-length strings, resolved without HDF5's global heap code ---- */

/* Bytes of a variable-length element on disk: its length and a heap ID. */
static size_t vlen_elem_size(const qtr_h5_file *f) { return 4 + f->raw.osize + 4; }

/* Undo HDF5's shuffle filter (byte k of every element stored together). */
static void unshuffle(const unsigned char *in, unsigned char *out, uint64_t len, uint64_t es)
{
    uint64_t n = len / es;
    for (uint64_t e = 0; e < n; e++)
        for (uint64_t k = 0; k < es; k++) out[e * es + k] = in[k * n + e];
    memcpy(out + n * es, in + n * es, (size_t)(len - n * es));
}

/* Decode a stored chunk of @p d through the filters writers put on string
 * columns (deflate, shuffle, Fletcher-32), last applied first. *data is
 * replaced by a new buffer of *len bytes. */
static int unfilter(hid_t d, uint32_t mask, unsigned char **data, uint64_t *len, uint64_t want,
                    uint64_t es, char *why, size_t wlen)
{
    hid_t dcpl = H5Dget_create_plist(d);
    int nf = dcpl >= 0 ? H5Pget_nfilters(dcpl) : -1, rc = 0;
    for (int i = nf - 1; i >= 0 && !rc; i--) {
        unsigned flags, cd[8];
        size_t ncd = 8;
        H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, 0, NULL, NULL);
        if (mask & (1u << i)) continue;
        unsigned char *o = NULL;
        uLongf olen = (uLongf)want;
        if (id == H5Z_FILTER_FLETCHER32 && *len >= 4) {
            *len -= 4;
            continue;
        }
        /* inflating makes the chunk's whole size; unshuffling keeps the stored one */
        uint64_t osize = id == H5Z_FILTER_SHUFFLE ? *len : want;
        if ((id != H5Z_FILTER_DEFLATE && id != H5Z_FILTER_SHUFFLE) || es == 0) {
            snprintf(why, wlen, "chunks stored through filter %d, which this reader does not undo",
                     (int)id);
            rc = -1;
        } else if (!(o = malloc(osize ? (size_t)osize : 1))) {
            snprintf(why, wlen, "out of memory undoing a chunk's filters");
            rc = -1;
        } else if (id == H5Z_FILTER_DEFLATE) {
            if (uncompress(o, &olen, *data, (uLong)*len) != Z_OK) {
                snprintf(why, wlen, "a compressed chunk does not inflate");
                rc = -1;
            }
        } else {
            olen = (uLongf)*len;
            unshuffle(*data, o, *len, es);
        }
        if (rc) {
            free(o);
            break;
        }
        free(*data);
        *data = o;
        *len = olen;
    }
    if (nf < 0) {
        snprintf(why, wlen, "cannot read the filters of the column");
        rc = -1;
    }
    if (dcpl >= 0) H5Pclose(dcpl);
    H5Eclear2(H5E_DEFAULT);
    return rc;
}

#define MAX_RAW_CHUNK ((uint64_t)64 << 20)

/* The chunk at element offsets @p off of chunked dataset @p d (its
 * header: @p ds; @p want bytes when whole) as HDF5 stores it, its filters
 * undone: *buf (malloc'ed) and *len, or *buf NULL when it was never
 * written. */
static int read_chunk_at(qtr_h5_file *f, hid_t d, const qtr_h5_raw_dset *ds, const hsize_t *off,
                         uint64_t want, unsigned char **buf, uint64_t *len, char *why, size_t wlen)
{
    hsize_t nbytes = 0;
    uint32_t mask = 0;
    *buf = NULL;
    *len = 0;
    if (H5Dget_chunk_storage_size(d, off, &nbytes) < 0 || nbytes == 0) {
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    if (nbytes > MAX_RAW_CHUNK || nbytes > f->raw.size)
        return snprintf(why, wlen, "a chunk of %llu bytes", (unsigned long long)nbytes), -1;
    /* H5Dread_chunk copies as many bytes as the chunk's index record says,
     * which a damaged file can make more than the storage size above */
    unsigned fmask = 0;
    haddr_t at = 0;
    hsize_t rbytes = 0;
    if (H5Dget_chunk_info_by_coord(d, off, &fmask, &at, &rbytes) < 0 || rbytes != nbytes) {
        H5Eclear2(H5E_DEFAULT);
        return snprintf(why, wlen, "a chunk whose index disagrees with its size"), -1;
    }
    if (!(*buf = malloc((size_t)nbytes))) return snprintf(why, wlen, "out of memory"), -1;
    *len = nbytes;
    if (H5Dread_chunk(d, H5P_DEFAULT, off, &mask, *buf) < 0) {
        H5Eclear2(H5E_DEFAULT);
        snprintf(why, wlen, "cannot read the chunk at element %llu", (unsigned long long)off[0]);
    } else if (!ds->filtered || !unfilter(d, mask, buf, len, want, ds->esize, why, wlen)) {
        return 0;
    }
    free(*buf);
    *buf = NULL;
    return -1;
}

/* Chunk @p k of the 1-D chunked dataset @p d, as read_chunk_at. */
static int read_chunk(qtr_h5_file *f, hid_t d, const qtr_h5_raw_dset *ds, uint64_t k,
                      unsigned char **buf, uint64_t *len, char *why, size_t wlen)
{
    hsize_t off = k * ds->chunk;
    return read_chunk_at(f, d, ds, &off, ds->chunk * ds->esize, buf, len, why, wlen);
}

void qtr_h5_chunk_shape(hid_t d, uint64_t *len, uint64_t *esize)
{
    hid_t dcpl = H5Dget_create_plist(d), t = H5Dget_type(d);
    hsize_t c = 0;
    *len = dcpl >= 0 && H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_chunk(dcpl, 1, &c) == 1 ? c : 0;
    *esize = t >= 0 ? H5Tget_size(t) : 0;
    if (dcpl >= 0) H5Pclose(dcpl);
    if (t >= 0) H5Tclose(t);
    H5Eclear2(H5E_DEFAULT);
}

/* HDF5 1.10 copies a whole chunk out of the buffer it read or inflated,
 * whatever that buffer's size: before HDF5 reads elements [lo, hi) of
 * dataset @p d (chunks of @p clen elements of @p esize bytes, as HDF5 sees
 * them; @p ds: its header), check that each chunk they lie in holds a whole
 * chunk. *@p done (may be NULL) remembers the last chunk checked, so a
 * column read front to back has each chunk checked once. */
static int check_chunks(qtr_h5_file *f, hid_t d, const qtr_h5_raw_dset *ds, uint64_t clen,
                        uint64_t esize, uint64_t *done, uint64_t lo, uint64_t hi)
{
    if (!clen || hi <= lo) return 0;
    if (!esize || clen > MAX_RAW_CHUNK / esize) {
        snprintf(f->err, sizeof f->err, "chunks of %llu elements", (unsigned long long)clen);
        return -1;
    }
    qtr_h5_raw_dset shape = *ds;
    shape.chunk = clen;
    shape.esize = esize;
    uint64_t want = clen * esize;
    for (uint64_t k = lo / clen; k <= (hi - 1) / clen; k++) {
        if (done && *done == k + 1) continue;
        hsize_t off = k * clen, nbytes = 0;
        uint64_t len = 0;
        unsigned char *buf = NULL;
        if (!ds->filtered) {
            /* the size the chunk index records (H5Dget_chunk_storage_size
             * says the layout's size instead): HDF5 reads that many bytes */
            haddr_t addr = HADDR_UNDEF;
            unsigned mask = 0;
            if (H5Dget_chunk_info_by_coord(d, &off, &mask, &addr, &nbytes) < 0 || addr == HADDR_UNDEF)
                nbytes = 0;  /* never written: HDF5 gives fill values */
            H5Eclear2(H5E_DEFAULT);
            if (nbytes && (addr > f->raw.size - f->raw.base || nbytes > f->raw.size - f->raw.base - addr)) {
                snprintf(f->err, sizeof f->err, "chunk %llu lies outside the file", (unsigned long long)k);
                return -1;
            }
            len = nbytes ? nbytes : want;
        } else if (read_chunk(f, d, &shape, k, &buf, &len, f->err, sizeof f->err)) {
            return -1;
        } else if (!buf) {
            len = want;
        }
        free(buf);
        if (len < want) {
            snprintf(f->err, sizeof f->err, "chunk %llu holds %llu bytes of its %llu",
                     (unsigned long long)k, (unsigned long long)len, (unsigned long long)want);
            return -1;
        }
        if (done) *done = k + 1;
    }
    return 0;
}

/* The stored elements of rows [first, first + n) of the 1-D variable-length
 * string dataset @p d (its header: @p ds) into @p out, n * 4+O+4 bytes:
 * read from the file's bytes (compact, contiguous) or as HDF5 stores each
 * chunk (H5Dread_chunk), never converted by HDF5. */
static int read_stored(qtr_h5_file *f, hid_t d, const qtr_h5_raw_dset *ds, uint64_t first,
                       size_t n, unsigned char *out, char *why, size_t wlen)
{
    uint64_t es = vlen_elem_size(f);
    if (!ds->vlen_string || ds->esize != es)
        return snprintf(why, wlen, "not a column of variable-length strings as HDF5 stores them"), -1;
    if (first + n < first || first + n > UINT64_MAX / es)
        return snprintf(why, wlen, "rows beyond any file"), -1;
    if (ds->layout == 0 || ds->layout == 1) {
        if (ds->layout == 1 && qtr_h5_raw_undefined(&f->raw, ds->data_at)) {
            memset(out, 0, n * es);  /* never written: the fill value, empty strings */
            return 0;
        }
        if ((first + n) * es > ds->data_len ||
            ds->data_at > f->raw.size - f->raw.base ||
            qtr_h5_raw_read(&f->raw, f->raw.base + ds->data_at + first * es, out, n * es))
            return snprintf(why, wlen, "its elements lie outside the file"), -1;
        return 0;
    }
    uint64_t c = ds->chunk;
    if (ds->layout != 2 || !c || c > MAX_RAW_CHUNK / es)
        return snprintf(why, wlen, "a layout this reader does not read"), -1;
    for (uint64_t k = first / c; k * c < first + n; k++) {
        uint64_t lo = k * c > first ? k * c : first, hi = (k + 1) * c < first + n ? (k + 1) * c : first + n;
        unsigned char *dst = out + (lo - first) * es, *buf;
        uint64_t len;
        if (read_chunk(f, d, ds, k, &buf, &len, why, wlen)) return -1;
        if (!buf) {
            memset(dst, 0, (hi - lo) * es);  /* chunk never written: empty strings */
            continue;
        }
        if (len < (hi - k * c) * es) {
            free(buf);
            return snprintf(why, wlen, "chunk %llu holds %llu bytes, fewer than its elements",
                            (unsigned long long)k, (unsigned long long)len), -1;
        }
        memcpy(dst, buf + (lo - k * c) * es, (size_t)((hi - lo) * es));
        free(buf);
    }
    return 0;
}

/* As qtr_h5_read_fixed_strings, for a column of variable-length strings. */
static int read_vlen_strings(qtr_h5_file *f, hid_t d, const qtr_h5_raw_dset *ds, uint64_t first,
                             size_t n, size_t width, char *out)
{
    size_t es = vlen_elem_size(f);
    unsigned char *elems = malloc(n * es);
    int rc = elems ? read_stored(f, d, ds, first, n, elems, f->err, sizeof f->err)
                   : (snprintf(f->err, sizeof f->err, "out of memory"), -1);
    for (size_t i = 0; i < n && !rc; i++) {
        char *s = NULL;
        rc = qtr_h5_raw_vlen(&f->raw, elems + i * es, &s, f->err, sizeof f->err);
        if (!rc) snprintf(out + i * (width + 1), width + 1, "%s", s);
        free(s);
    }
    free(elems);
    return rc;
}

/* ---- reading strings (fixed or variable length) ---- */

/* Read @p n strings of dataset @p d from row @p first into @p out, @p width+1
 * bytes each, NUL-terminated, truncated to @p width bytes. */
int qtr_h5_read_fixed_strings(qtr_h5_file *f, hid_t d, const qtr_h5_raw_dset *raw, uint64_t first,
                              size_t n, size_t width, char *out)
{
    if (!n) return 0;
    int rc = -1;
    hid_t t = H5Dget_type(d), fs = -1, ms = -1, m = -1;
    hsize_t off = first, cnt = n;
    if (t < 0 || H5Tget_class(t) != H5T_STRING) goto done;
    if (H5Tis_variable_str(t) > 0) {
        rc = read_vlen_strings(f, d, raw, first, n, width, out);
        goto done;
    }
    fs = H5Dget_space(d);
    uint64_t clen, esize;
    qtr_h5_chunk_shape(d, &clen, &esize);
    if (check_chunks(f, d, raw, clen, esize, NULL, first, first + n)) goto done;
    if (fs < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, &off, NULL, &cnt, NULL) < 0) goto done;
    ms = H5Screate_simple(1, &cnt, NULL);
    m = qtr_h5_fixed_str(width + 1, H5T_STR_NULLTERM);
    H5Tset_cset(m, H5Tget_cset(t));
    rc = H5Dread(d, m, ms, fs, H5P_DEFAULT, out) < 0 ? -1 : 0;
    if (rc) qtr_h5_cap(f);
done:
    if (m >= 0) H5Tclose(m);
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    if (t >= 0) H5Tclose(t);
    return rc;
}

/* ---- whole datasets (h5_sweep.c) ---- */

#define MAX_RANK 32

/* check_all_chunks, once the extent @p dims and the chunk dimensions
 * @p cdims are known. */
static int chunks_whole(qtr_h5_file *f, hid_t d, const qtr_h5_raw_dset *ds, const hsize_t *dims,
                        const hsize_t *cdims, char *why, size_t wlen)
{
    int rank = ds->rank;
    uint64_t room = f->raw.size - f->raw.base, per = 1;
    for (int i = 0; i < rank; i++) {
        if (!cdims[i] || per > MAX_RAW_CHUNK / ds->esize / cdims[i])
            return snprintf(why, wlen, "chunks of more than %llu MiB",
                            (unsigned long long)(MAX_RAW_CHUNK >> 20)), -1;
        per *= cdims[i];
        if (!dims[i]) return 0;
    }
    uint64_t want = per * ds->esize;
    /* the chunk grid in row-major order, each looked up in the chunk index:
     * the walk ends at the first chunk missing, so it is bounded by the
     * chunks the file stores */
    hsize_t off[MAX_RANK] = {0};
    for (;;) {
        unsigned mask = 0;
        haddr_t addr = HADDR_UNDEF;
        hsize_t size = 0;
        if (H5Dget_chunk_info_by_coord(d, off, &mask, &addr, &size) < 0 || addr == HADDR_UNDEF) {
            H5Eclear2(H5E_DEFAULT);
            return snprintf(why, wlen, "its chunk at element %llu was never written",
                            (unsigned long long)off[0]), -1;
        }
        uint64_t len = size;
        if (!ds->filtered) {
            if (addr > room || size > room - addr)
                return snprintf(why, wlen, "a chunk lies outside the file"), -1;
        } else {
            unsigned char *buf = NULL;
            if (read_chunk_at(f, d, ds, off, want, &buf, &len, why, wlen)) return -1;
            if (!buf) len = 0;
            free(buf);
        }
        if (len < want)
            return snprintf(why, wlen, "a chunk holds %llu bytes of its %llu",
                            (unsigned long long)len, (unsigned long long)want), -1;
        int k = rank - 1;
        while (k >= 0 && (off[k] += cdims[k]) >= dims[k]) off[k--] = 0;
        if (k < 0) return 0;
    }
}

/* Every chunk of chunked dataset @p d (header @p ds) inside its extent
 * stored, inside the file, and whole once its filters are undone. */
static int check_all_chunks(qtr_h5_file *f, hid_t d, const qtr_h5_raw_dset *ds, char *why,
                            size_t wlen)
{
    int rank = ds->rank;
    hsize_t dims[MAX_RANK], cdims[MAX_RANK];
    hid_t sp = H5Dget_space(d), dcpl = H5Dget_create_plist(d);
    int shaped = rank >= 1 && rank <= MAX_RANK && sp >= 0 && dcpl >= 0 &&
                 H5Sget_simple_extent_dims(sp, dims, NULL) == rank &&
                 H5Pget_chunk(dcpl, rank, cdims) == rank;
    if (sp >= 0) H5Sclose(sp);
    if (dcpl >= 0) H5Pclose(dcpl);
    H5Eclear2(H5E_DEFAULT);
    return shaped ? chunks_whole(f, d, ds, dims, cdims, why, wlen)
                  : (snprintf(why, wlen, "cannot read its chunk shape"), -1);
}

int qtr_h5_check_stored(qtr_h5_file *f, hid_t d, const qtr_h5_raw_dset *ds, char *why, size_t wlen)
{
    if (ds->rank < 0 || ds->dclass < 0 || !ds->esize)
        return snprintf(why, wlen, "its dataspace or datatype is shared or missing"), -1;
    if (!ds->npoints) return 0;
    uint64_t room = f->raw.size - f->raw.base;
    if (ds->npoints > UINT64_MAX / ds->esize)
        return snprintf(why, wlen, "%llu elements", (unsigned long long)ds->npoints), -1;
    uint64_t bytes = ds->npoints * ds->esize;
    switch (ds->layout) {
    case 0:  /* compact: its bytes cover its dataspace (qtr_h5_raw_check_object) */
        return 0;
    case 1:
        if (qtr_h5_raw_undefined(&f->raw, ds->data_at))
            return snprintf(why, wlen, "its elements were never written"), -1;
        if (ds->data_at > room || bytes > room - ds->data_at || ds->data_len < bytes)
            return snprintf(why, wlen, "its %llu elements of %llu bytes lie outside the file",
                            (unsigned long long)ds->npoints, (unsigned long long)ds->esize), -1;
        return 0;
    case 2:
        return check_all_chunks(f, d, ds, why, wlen);
    }
    return snprintf(why, wlen, "a layout this reader does not read"), -1;
}

int qtr_h5_read_all_strings(qtr_h5_file *f, hid_t d, const qtr_h5_raw_dset *ds, size_t *n,
                            char ***out, char *why, size_t wlen)
{
    if (ds->rank > 1 || (ds->dclass != 3 && !ds->vlen_string))
        return snprintf(why, wlen, "not a list of strings"), -1;
    if (qtr_h5_check_stored(f, d, ds, why, wlen)) return -1;
    size_t cnt = (size_t)ds->npoints, es = vlen_elem_size(f);
    char **v = calloc(cnt + 1, sizeof *v);
    unsigned char *elems = NULL;
    char *fixed = NULL;
    int rc = v ? 0 : (snprintf(why, wlen, "out of memory"), -1);
    if (!rc && ds->vlen_string) {
        if (!(elems = malloc(cnt * es + 1))) rc = (snprintf(why, wlen, "out of memory"), -1);
        else rc = read_stored(f, d, ds, 0, cnt, elems, why, wlen);
        for (size_t i = 0; i < cnt && !rc; i++)
            rc = qtr_h5_raw_vlen(&f->raw, elems + i * es, &v[i], why, wlen);
    } else if (!rc) {
        size_t w = (size_t)ds->esize;
        hid_t t = H5Dget_type(d), m = qtr_h5_fixed_str(w + 1, H5T_STR_NULLTERM);
        if (t >= 0) H5Tset_cset(m, H5Tget_cset(t));
        if (!(fixed = calloc(cnt, w + 1)) ||
            (cnt && H5Dread(d, m, H5S_ALL, H5S_ALL, H5P_DEFAULT, fixed) < 0))
            rc = (snprintf(why, wlen, fixed ? "cannot read its strings" : "out of memory"), -1);
        for (size_t i = 0; i < cnt && !rc; i++)
            if (!(v[i] = strndup(fixed + i * (w + 1), w)))
                rc = (snprintf(why, wlen, "out of memory"), -1);
        if (m >= 0) H5Tclose(m);
        if (t >= 0) H5Tclose(t);
        H5Eclear2(H5E_DEFAULT);
    }
    free(elems);
    free(fixed);
    if (rc) {
        for (size_t i = 0; v && i < cnt; i++) free(v[i]);
        free(v);
        return -1;
    }
    *n = cnt;
    *out = v;
    return 0;
}

/* ======================================================================
 * Reading rows
 * ====================================================================== */

/* Read rows [first, first+n) of row column @p c into @p buf with memory
 * type @p mt. Absent columns leave buf untouched (the caller zeroed it). */
static int read_span(qtr_h5_file *f, int c, uint64_t lo, uint64_t hi, hid_t mt, void *buf);

static int read_col(qtr_h5_file *f, int c, uint64_t first, size_t n, hid_t mt, void *buf)
{
    return f->d[c] < 0 || !n ? 0 : read_span(f, c, first, first + n, mt, buf);
}

/* Read elements [lo, hi) of dataset column @p c. */
static int read_span(qtr_h5_file *f, int c, uint64_t lo, uint64_t hi, hid_t mt, void *buf)
{
    if (hi <= lo) return 0;
    if (check_chunks(f, f->d[c], &f->raw_ds[c], f->chunk_len[c], f->esize[c], &f->chunk_ok[c], lo,
                     hi))
        return -1;
    /* a compact dataset's bytes are copied from a buffer of the size its
     * layout says, whatever its dataspace claims: HDF5 1.10 reads past it */
    if (f->raw_ds[c].layout == 0) {
        hid_t ft = H5Dget_type(f->d[c]);
        size_t tsize = ft >= 0 ? H5Tget_size(ft) : 0;
        if (ft >= 0) H5Tclose(ft);
        if (!tsize || hi > H5Dget_storage_size(f->d[c]) / tsize) {
            snprintf(f->err, sizeof f->err, "a compact dataset holds fewer elements than its rows");
            return -1;
        }
    }
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

/* QASM text of rows [k0, b->n), first file row @p first: variable-length
 * strings resolved by h5_raw.c (a reference outside the file or its heap
 * fails its row alone), fixed-length ones read by HDF5. */
static qtr_status read_texts(qtr_h5_file *f, qtr_h5_block *b, size_t k0, uint64_t first,
                             qtr_ctx *ctx)
{
    size_t n = b->n - k0, width = 0, es = vlen_elem_size(f);
    hid_t d = f->d[C_QASM], t = H5Dget_type(d);
    int var = t >= 0 && H5Tis_variable_str(t) > 0;
    qtr_status st = QTR_OK;
    unsigned char *elems = NULL;
    char *fixed = NULL, why[200];
    if (var) {
        if (!(elems = malloc(n * es))) {
            st = qtr_fail(ctx, QTR_ENOMEM, "QASM texts");
            goto done;
        }
        if (read_stored(f, d, &f->raw_ds[C_QASM], first, n, elems, why, sizeof why)) {
            st = qtr_fail(ctx, QTR_EPARSE, "%s: reading '%s' of rows %llu..%llu: %s", f->path,
                          QTR_H5_QASM, (unsigned long long)first,
                          (unsigned long long)(first + n), why);
            goto done;
        }
    } else {
        width = t >= 0 ? H5Tget_size(t) : 0;
        if (!(fixed = calloc(n, width + 1))) {
            st = qtr_fail(ctx, QTR_ENOMEM, "QASM texts");
            goto done;
        }
        hsize_t off = first, cnt = n;
        hid_t m = qtr_h5_fixed_str(width + 1, H5T_STR_NULLTERM);
        hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, &cnt, NULL);
        if (check_chunks(f, d, &f->raw_ds[C_QASM], f->chunk_len[C_QASM], f->esize[C_QASM],
                         &f->chunk_ok[C_QASM], first, first + n) ||
            H5Sselect_hyperslab(fs, H5S_SELECT_SET, &off, NULL, &cnt, NULL) < 0 ||
            H5Dread(d, m, ms, fs, H5P_DEFAULT, fixed) < 0) {
            qtr_h5_cap(f);
            st = qtr_h5_fail(f, ctx, QTR_EIO, "%s: reading '%s'", f->path, QTR_H5_QASM);
        }
        H5Tclose(m);
        H5Sclose(ms);
        H5Sclose(fs);
        if (st) goto done;
    }
    for (size_t i = 0; i < n; i++) {
        qtr_h5_row *r = &b->row[k0 + i];
        char *own = NULL;
        const char *s = var ? "" : fixed + i * (width + 1);
        if (var && qtr_h5_raw_vlen(&f->raw, elems + i * es, &own, why, sizeof why))
            row_defect(b, k0 + i, QTR_EPARSE, "circuit %llu ('%s'): its QASM text: %s",
                       (unsigned long long)r->index, r->name, why);
        else if (var)
            s = own;
        size_t len = strlen(s);
        if (QTR_GROW(&b->alloc, b->text, b->captext, b->ntext + len + 1)) {
            free(own);
            st = qtr_fail(ctx, QTR_ENOMEM, "%zu bytes of QASM", len);
            goto done;
        }
        memcpy(b->text + b->ntext, s, len + 1);
        free(own);
        r->local[QTR_H5_POOL_TEXT] = b->ntext;
        r->count[QTR_H5_POOL_TEXT] = len;
        b->ntext += len + 1;
    }
done:
    free(elems);
    free(fixed);
    if (t >= 0) H5Tclose(t);
    return st;
}

static qtr_status read_range(qtr_h5_file *f, uint64_t first, size_t n, qtr_h5_block *b,
                             qtr_ctx *ctx);

/* Row @p index as a defect of the block: its index could not be read. */
static qtr_status unreadable_row(qtr_h5_block *b, uint64_t index, const char *why, qtr_ctx *ctx)
{
    if (QTR_GROW(&b->alloc, b->row, b->cap, b->n + 1))
        return qtr_fail(ctx, QTR_ENOMEM, "block of %zu rows", b->n + 1);
    memset(&b->row[b->n], 0, sizeof b->row[0]);
    b->row[b->n].index = index;
    row_defect(b, b->n++, QTR_EPARSE, "circuit %llu: its index cannot be read (%s)",
               (unsigned long long)index, why);
    return QTR_OK;
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
    qtr_status st = read_range(f, first, n, b, ctx);
    if (st != QTR_EIO || n == 1) return st;
    /* A damaged chunk of an index column: the rows it covers fail alone,
     * each with its reason; the others are read one by one. */
    for (size_t i = 0; i < n && (st == QTR_OK || st == QTR_EIO); i++) {
        st = read_range(f, first + i, 1, b, ctx);
        if (st == QTR_EIO) {
            char why[sizeof ctx->msg];
            const char *at = strstr(ctx->msg, " (");
            snprintf(why, sizeof why, "%s", at ? at + 2 : ctx->msg);
            size_t len = strlen(why);
            if (at && len && why[len - 1] == ')') why[len - 1] = '\0';
            st = unreadable_row(b, first + i, why, ctx);
        }
    }
    return st;
}

/* qtr_h5_read_rows of rows [first, first+n), all or nothing. */
static qtr_status read_range(qtr_h5_file *f, uint64_t first, size_t n, qtr_h5_block *b,
                             qtr_ctx *ctx)
{
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
        if (qtr_h5_read_fixed_strings(f, f->d[C_NAME], &f->raw_ds[C_NAME], first, n, QTR_H5_NAME_LEN, str) < 0) goto ioerr;
        for (size_t i = 0; i < n; i++)
            memcpy(b->row[k0 + i].name, str + i * (QTR_H5_NAME_LEN + 1), QTR_H5_NAME_LEN + 1);
    }
    if (f->d[C_MESSAGE] >= 0) {
        if (qtr_h5_read_fixed_strings(f, f->d[C_MESSAGE], &f->raw_ds[C_MESSAGE], first, n, QTR_H5_MSG_LEN, str) < 0) goto ioerr;
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
