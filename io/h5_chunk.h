/* h5_chunk.h -- whole chunks of a results file's big pools (instruction
 * records, parameters, operand words) compressed outside HDF5, so that a
 * process that does not write the file can do the compressing and the
 * writer stores the bytes as they are (H5Dwrite_chunk).
 *
 * The encoding is the one the file's filter pipeline applies (format v1,
 * doc/hdf5-format.md): HDF5's shuffle (byte k of every element together),
 * then deflate at QTR_H5_DEFLATE. Any reader decodes such a chunk exactly
 * as one HDF5 compressed itself.
 *
 * Pure functions of their arguments, callable from any thread; no HDF5
 * call is made here.
 */
#ifndef QTR_H5_CHUNK_H
#define QTR_H5_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A chunk of one big pool, compressed by qtr_h5_chunk_encode. */
typedef struct {
    uint32_t pool;    /* QTR_H5_POOL_INST, _PARAMS or _ARGS */
    uint32_t mask;    /* HDF5 filter mask: bit i set = filter i skipped */
    uint64_t chunk;   /* chunk number: the pool's elements [chunk, chunk + 1) x chunk length
                       * (of a segment, counted from its start, until it is placed) */
    uint64_t offset;  /* where its bytes start in the data sent with a table of them */
    uint64_t size;    /* its bytes */
    const unsigned char *data;  /* its bytes in this process */
} qtr_h5_prechunk;

/** Segments of a big pool of at least this many chunks start at a chunk
 *  boundary of a results file (doc/hdf5-format.md), so their whole chunks
 *  can be compressed as soon as the circuit is transpiled, before anyone
 *  knows where it goes. 4 (16,384 records, 256 KiB): a sweep's bound rows
 *  (the QAOA of tests/bench/sweep.sh: 28,032 records each) then share
 *  their template's compressed chunks (mpi/sweep_run.c); 16 before. */
#define QTR_H5_ALIGN_CHUNKS 4

/** Elements per chunk of big pool @p pool in a results file, 0 for the
 *  other pools. */
uint64_t qtr_h5_pool_chunk_len(int pool);

/** 1 when a results segment of @p count elements of pool @p pool is long
 *  enough (QTR_H5_ALIGN_CHUNKS chunks of a big pool) to start at a chunk
 *  boundary. */
int qtr_h5_segment_aligned(int pool, uint64_t count);

/** Where a results segment of @p count elements of pool @p pool goes
 *  when the pool is filled up to @p base: @p base, or for a segment of
 *  QTR_H5_ALIGN_CHUNKS chunks or more of a big pool, the next chunk
 *  boundary. */
uint64_t qtr_h5_segment_start(int pool, uint64_t base, uint64_t count);

/** Elements per chunk and bytes per element of big pool @p pool in a
 *  results file, as this build creates them. Returns -1 when chunks of the
 *  pool cannot be compressed outside HDF5: not a big pool, or a host whose
 *  memory layout of the pool is not the file's (big-endian). */
int qtr_h5_chunk_geometry(int pool, uint64_t *chunk_elems, size_t *elem_size);

/** Bytes qtr_h5_chunk_encode may need at @p dst for one chunk of @p pool. */
size_t qtr_h5_chunk_bound(int pool);

/** Encode one whole chunk of @p pool (chunk length x element size bytes at
 *  @p src) into @p dst (qtr_h5_chunk_bound bytes); @p scratch holds one
 *  chunk. Sets *len and *mask; returns -1 if it cannot (the caller then
 *  leaves the chunk to HDF5). */
int qtr_h5_chunk_encode(int pool, const void *src, void *scratch, void *dst, size_t *len,
                        uint32_t *mask);

/** Encode the whole chunks of a segment of @p nelem elements of pool
 *  @p pool at @p elems, when it is to start at a chunk boundary
 *  (qtr_h5_segment_start); its last partial chunk is left out. Appends
 *  to *tab (*ntab entries, chunk numbers counted from the segment's start;
 *  their data pointers are set once all are encoded) and *data (*ndata
 *  bytes), both malloc'ed and grown here. A chunk that cannot be encoded
 *  is left out. Returns -1 when out of memory. */
int qtr_h5_chunk_encode_segment(int pool, const void *elems, uint64_t nelem, qtr_h5_prechunk **tab,
                                size_t *ntab, unsigned char **data, size_t *ndata);

#ifdef __cplusplus
}
#endif
#endif
