/* rounds.h -- committing one round of results to the output file.
 *
 * Every rank holds a block with the rows it transpiled in the round (sorted,
 * not contiguous: dynamic chunks interleave). Committing:
 *   1. rank 0 gathers each row's pool sizes and status, adds the rows an
 *      earlier run already committed (resume), and places every row of the
 *      round in row order after the previous rounds: start = running sum.
 *      The file layout therefore depends only on the rows, never on which
 *      rank or thread did what or in which order they finished;
 *   2. the starts go back to their ranks;
 *   3. write: with parallel HDF5 every rank extends the pools (collective)
 *      and writes its own rows at their offsets (one collective call per
 *      dataset: HDF5 1.10 writes compressed datasets only collectively),
 *      flush, then the status column (the commit), flush again. With serial
 *      HDF5, or without MPI, rank 0 receives the blocks and writes them the
 *      same way.
 *
 * Ownership: borrows the comm, the file, the blocks. */
#ifndef QTR_ROUNDS_H
#define QTR_ROUNDS_H

#include <stddef.h>
#include <stdint.h>
#include "comm.h"
#include "h5_store.h"

/** Phases of a commit: placement (gather, place, scatter), writing the
 *  rows' data (extend, write), flushing it, the status column (write and
 *  flush), agreeing on stop signals (for --writer=rank0 also sending the
 *  rows to rank 0). */
enum { QTR_COMMIT_PLACE, QTR_COMMIT_WRITE, QTR_COMMIT_FLUSH, QTR_COMMIT_STATUS, QTR_COMMIT_STOP,
       QTR_COMMIT_NPHASES };

/** A row's whole chunks compressed where it was transpiled (chunk numbers
 *  from its segments' starts; h5_chunk.h). */
typedef struct {
    const qtr_h5_prechunk *pre;
    size_t                 npre;
} qtr_row_chunks;
extern const char *const qtr_commit_phase_names[QTR_COMMIT_NPHASES];

typedef struct {
    qtr_comm    *comm;
    qtr_counter *counter;    /* the round's chunk counter is released in its commit */
    qtr_h5_file *out;        /* open on rank 0, and on every rank with parallel I/O */
    uint64_t     base[QTR_H5_NFILEPOOLS];  /* rank 0: where the next round's rows start */
    /* rank 0, resuming: placement of rows [done_lo, done_hi) as an earlier
     * run left them (n x QTR_H5_NFILEPOOLS each), read before this run
     * opened the file for writing: the writers never read the file */
    uint64_t        done_lo, done_hi;
    const uint64_t *done_start, *done_count;
    /* where the commits' time went on this rank, wall and this thread's CPU
     * seconds per phase (QTR_COMMIT_*), summed over the run: CPU well below
     * wall is waiting (asleep or for other ranks), CPU near wall with little
     * written is MPI polling */
    double       wall[QTR_COMMIT_NPHASES], cpu[QTR_COMMIT_NPHASES];
    /* called between the commit's collective steps (and, set on the file
     * with qtr_h5_set_between, between its datasets), so the caller keeps
     * its workers fed while a commit waits for other ranks; may be NULL */
    void       (*feed)(void *ud);
    void        *feed_ud;
    /* rank 0 writer: a write that failed after the round was handed over,
     * told to every rank at the next commit or at qtr_rounds_finish */
    int          write_failed;
    char         write_msg[sizeof(((qtr_ctx *)0)->msg)];
} qtr_rounds;

/** Commit rows [first, first+n): @p mine holds this rank's new rows;
 *  @p committed (rank 0 only; n entries, may be NULL when none) marks rows an
 *  earlier run already finished, whose placement (r->done_*) is checked.
 *  @p chunks (one per row of @p mine, or NULL): their compressed chunks,
 *  which a serial writer stores as they are. @p local_failed: this rank could not do its part (its message in
 *  ctx): every rank then fails the commit. *@p stop becomes the maximum over
 *  ranks (a stop signal). Collective. On return *nok and *nerr (rank 0)
 *  count the new rows by status. @p seq is the round's number: its chunk
 *  counter is released once every rank is in the commit. @return 0 or -1
 *  (message in ctx). */
int qtr_rounds_commit(qtr_rounds *r, uint32_t seq, uint64_t first, size_t n,
                      const uint8_t *committed, qtr_h5_block *mine, const qtr_row_chunks *chunks,
                      int local_failed, int *stop,
                      uint64_t *nok, uint64_t *nerr, qtr_ctx *ctx);

/** After the last commit: every rank learns whether rank 0's last write
 *  failed. Collective. @return 0 or -1 (message in ctx). */
int qtr_rounds_finish(qtr_rounds *r, qtr_ctx *ctx);

/** Serialise a block for rank 0 in two parts: everything but its
 *  instructions, parameters and operands (qtr_block_pack_meta: a copy, small;
 *  it carries the block's compressed chunks, b->pre, and their bytes),
 *  then those pools (qtr_block_move_pools: sent from where they lie, the
 *  output circuits of a block of references). Rank 0 makes room for the
 *  whole block from the first part (qtr_block_unpack_meta), views the
 *  buffer as a read-only block (qtr_block_view) and receives the pools
 *  into the view (qtr_block_move_pools). Same binary on every rank, so rows
 *  are copied as they are. @return 0 or -1 (pack_meta: out of memory or
 *  over 2 GiB of pools). */
int qtr_block_pack_meta(const qtr_h5_block *b, void **buf, size_t *len);
int qtr_block_unpack_meta(const void *meta, size_t mlen, void **buf, size_t *len);
/** Send block @p b's pools to rank @p peer (@p sending), or receive them
 *  from rank @p peer into @p b, a view made by qtr_block_view from
 *  qtr_block_unpack_meta's buffer. Elements of the block's precompressed
 *  chunks (b->pre, packed with the meta part) do not travel: rank 0 stores
 *  those chunks as they are. Nothing travels when nothing is left (failed
 *  rows only, or every element in a precompressed chunk): both sides derive
 *  that from the same rows. */
int qtr_block_move_pools(qtr_comm *c, const qtr_h5_block *b, int peer, int tag, int sending,
                         qtr_ctx *ctx);
int qtr_block_view(const void *buf, size_t len, qtr_h5_block *view);

#endif
