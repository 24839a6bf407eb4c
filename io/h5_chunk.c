/* h5_chunk.c -- compressing whole pool chunks as the results file's
 * filters do (h5_chunk.h). */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "h5_chunk.h"
#include "h5_schema.h"
#include "h5_store.h"

static int little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

uint64_t qtr_h5_pool_chunk_len(int pool)
{
    switch (pool) {
    case QTR_H5_POOL_INST: return QTR_H5_CHUNK_POOL;
    case QTR_H5_POOL_PARAMS:
    case QTR_H5_POOL_ARGS: return QTR_H5_CHUNK_SMALL;
    default: return 0;
    }
}

int qtr_h5_segment_aligned(int pool, uint64_t count)
{
    uint64_t clen = qtr_h5_pool_chunk_len(pool);
    return clen && count >= (uint64_t)QTR_H5_ALIGN_CHUNKS * clen;
}

uint64_t qtr_h5_segment_start(int pool, uint64_t base, uint64_t count)
{
    if (!qtr_h5_segment_aligned(pool, count)) return base;
    uint64_t clen = qtr_h5_pool_chunk_len(pool);
    return (base + clen - 1) / clen * clen;
}

int qtr_h5_chunk_geometry(int pool, uint64_t *chunk_elems, size_t *elem_size)
{
    /* the file types are little-endian; the writer stores the pools'
     * memory bytes as they are (records: the same 16 bytes) */
    if (!little_endian()) return -1;
    *chunk_elems = qtr_h5_pool_chunk_len(pool);
    *elem_size = pool == QTR_H5_POOL_INST     ? sizeof(qtr_inst)
                 : pool == QTR_H5_POOL_PARAMS ? sizeof(double)
                                              : sizeof(uint32_t);
    return *chunk_elems ? 0 : -1;
}

size_t qtr_h5_chunk_bound(int pool)
{
    uint64_t n;
    size_t es;
    if (qtr_h5_chunk_geometry(pool, &n, &es)) return 0;
    return (size_t)compressBound((uLong)(n * es));
}

/* HDF5's shuffle filter on whole elements: byte j of element i goes to
 * j x n + i. */
static void shuffle(const unsigned char *src, unsigned char *dst, size_t n, size_t es)
{
    for (size_t j = 0; j < es; j++) {
        unsigned char *o = dst + j * n;
        const unsigned char *s = src + j;
        for (size_t i = 0; i < n; i++) o[i] = s[i * es];
    }
}

int qtr_h5_chunk_encode(int pool, const void *src, void *scratch, void *dst, size_t *len,
                        uint32_t *mask)
{
    uint64_t n;
    size_t es;
    if (qtr_h5_chunk_geometry(pool, &n, &es)) return -1;
    size_t bytes = (size_t)n * es;
    shuffle(src, scratch, (size_t)n, es);
    uLongf out = (uLongf)compressBound((uLong)bytes);
    if (compress2(dst, &out, scratch, (uLong)bytes, QTR_H5_DEFLATE) != Z_OK) return -1;
    *len = (size_t)out;
    *mask = 0;  /* shuffle and deflate both applied */
    return 0;
}

int qtr_h5_chunk_encode_segment(int pool, const void *elems, uint64_t nelem, qtr_h5_prechunk **tab,
                                size_t *ntab, unsigned char **data, size_t *ndata)
{
    uint64_t clen;
    size_t es;
    if (qtr_h5_chunk_geometry(pool, &clen, &es)) return 0;
    uint64_t nch = nelem / clen;
    if (!nch) return 0;
    size_t bound = qtr_h5_chunk_bound(pool), cap = *ndata;
    qtr_h5_prechunk *t = realloc(*tab, (*ntab + nch) * sizeof *t);
    if (!t) return -1;
    *tab = t;
    void *scratch = malloc(clen * es);
    if (!scratch) return -1;
    int rc = 0;
    for (uint64_t ch = 0; ch < nch; ch++) {
        if (*ndata + bound > cap) {
            /* compressed results are a fraction of the input: start at a
             * quarter of what is left and grow by half */
            size_t want = *ndata + bound + (size_t)((nch - ch) * clen * es / 4);
            if (want < cap + cap / 2) want = cap + cap / 2;
            unsigned char *d = realloc(*data, want);
            if (!d) {
                rc = -1;
                break;
            }
            *data = d;
            cap = want;
        }
        size_t len;
        uint32_t mask;
        if (qtr_h5_chunk_encode(pool, (const char *)elems + ch * clen * es, scratch, *data + *ndata,
                                &len, &mask))
            continue;
        t[(*ntab)++] = (qtr_h5_prechunk){(uint32_t)pool, mask, ch, *ndata, len, NULL};
        *ndata += len;
    }
    free(scratch);
    return rc;
}
