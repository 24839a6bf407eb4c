/* comm.h -- the few collective operations the batch driver needs, the same
 * calls whether MPI is compiled in, started, or neither (then the "world" is
 * this one process and every operation is a copy or a no-op).
 *
 * MPI is started only when the process was launched by an MPI launcher
 * (mpirun/mpiexec, srun with PMI/PMIx): a batch run from a shell, a job array
 * task, and every single-file command never initialise MPI, so they pay no
 * start-up and fork no helper daemon (Open MPI 4 singletons spawn `orted`).
 * Only the main thread calls these functions (MPI_THREAD_FUNNELED).
 *
 * Errors: functions return 0, or -1 with a message in ctx. A failed
 * collective leaves the world inconsistent: callers stop the batch. */
#ifndef QTR_COMM_H
#define QTR_COMM_H

#include <stddef.h>
#include <stdint.h>
#include "qtr.h"

typedef struct qtr_comm {
    int rank, size;
    int local_size;      /* ranks on this node (MPI_COMM_TYPE_SHARED), >= 1 */
    int mpi;             /* 1 when this process initialised MPI */
    int parallel_io;     /* 1 when results are written by every rank (MPI-IO) */
    int64_t fapl, dxpl;  /* HDF5 property lists for parallel I/O, or -1 */
    void   *ibarrier;    /* pending MPI_Ibarrier request (owned), or NULL */
    /* called, if set, while a collective or a transfer of results waits
     * for another rank; the wait naps between calls rather than spin */
    void  (*waiting)(void *ud);
    void   *waiting_ud;
} qtr_comm;

/** Start MPI if launched by an MPI launcher (FUNNELED threads). With
 *  @p parallel_writes, and parallel HDF5 built in, every rank will write its
 *  own rows (c->parallel_io); else rank 0 writes them all.
 *  @return 0, or -1 with a message (MPI could not start). */
int qtr_comm_init(qtr_comm *c, int *argc, char ***argv, int parallel_writes, qtr_ctx *ctx);
/** Finalise MPI if started and release property lists. */
void qtr_comm_fini(qtr_comm *c);
/** Stop every rank now (an unrecoverable error on one rank). */
void qtr_comm_abort(qtr_comm *c, int code);
/** A one-line description: "2 ranks (MPI), parallel HDF5" / "1 process". */
const char *qtr_comm_describe(const qtr_comm *c, char *buf, size_t len);
/** 1 when the build has MPI; 1 when HDF5 writes are parallel-capable. */
int qtr_comm_built_with_mpi(void);
int qtr_comm_built_with_parallel_hdf5(void);

int qtr_comm_barrier(qtr_comm *c);
/** Start a non-blocking barrier (at most one pending): the caller goes on
 *  working and polls qtr_comm_ibarrier_done, which returns 1 once every rank
 *  has started it (0 while pending, -1 on an MPI error). */
int qtr_comm_ibarrier(qtr_comm *c);
int qtr_comm_ibarrier_done(qtr_comm *c);
int qtr_comm_bcast(qtr_comm *c, void *buf, size_t bytes, int root);
/** *v becomes the maximum over ranks. */
int qtr_comm_max_int(qtr_comm *c, int *v);
/** As qtr_comm_max_int, but waits at most @p seconds (<= 0: no limit) for
 *  the other ranks: 1 when they have not all arrived by then. The
 *  reduction is then still posted (and *v undefined): the caller can only
 *  stop the job (qtr_comm_abort). For a rank that knows the others may be
 *  held elsewhere, in a collective it left (rounds.c). */
int qtr_comm_max_int_within(qtr_comm *c, int *v, double seconds);
/** *v becomes the sum over ranks. */
int qtr_comm_sum_u64(qtr_comm *c, uint64_t *v);

/** Gather @p n bytes from each rank at rank 0: *out (malloc'ed, caller
 *  frees) holds them in rank order, (*counts)[r] the size from rank r
 *  (malloc'ed). Other ranks get NULLs. */
int qtr_comm_gather(qtr_comm *c, const void *buf, size_t n, void **out, size_t **counts,
                    qtr_ctx *ctx);
/** The reverse: rank 0 sends counts[r] bytes of @p buf (rank order) to rank
 *  r; each rank receives into @p out, which holds @p n bytes. */
int qtr_comm_scatter(qtr_comm *c, const void *buf, const size_t *counts, void *out, size_t n,
                     qtr_ctx *ctx);

/** Send @p nseg byte ranges (@p seg[i], @p len[i] bytes) to rank @p dest
 *  as one stream, mostly straight from where they lie: a round's output
 *  circuits travel to rank 0 this way. It goes in pieces of 4 MiB of the
 *  ranges' concatenation; a piece inside one range is sent from there, a
 *  piece across ranges through one 4 MiB staging buffer. The receiver
 *  takes the stream with qtr_comm_recv_segments. */
int qtr_comm_send_segments(qtr_comm *c, int dest, int tag, size_t nseg, const void *const *seg,
                           const size_t *len, qtr_ctx *ctx);
/** Receive a stream sent by qtr_comm_send_segments from rank @p src into
 *  @p nseg byte ranges (@p seg[i], @p len[i] bytes), filled in order; the
 *  ranges' total must be the stream's. */
int qtr_comm_recv_segments(qtr_comm *c, int src, int tag, size_t nseg, void *const *seg,
                           const size_t *len, qtr_ctx *ctx);

/** Let MPI make progress (one-sided operations targeting this rank). */
void qtr_comm_progress(qtr_comm *c);

/* ---- dynamic chunk counter (mpi/counter.c) ---------------------------------- */

/** Chunk counters on rank 0 that ranks increment with one-sided
 *  MPI_Fetch_and_op, so no rank has to answer requests. */
typedef struct qtr_counter qtr_counter;
int qtr_counter_new(qtr_comm *c, qtr_counter **out, qtr_ctx *ctx);
/** Claim the next of @p nchunks chunks of round @p round (rounds counted
 *  from 0, at most QTR_NSLOTS in flight) from its counter @p part (0: big
 *  rows, 1: the other chunks): its index, or UINT64_MAX when that part
 *  has none left. */
uint64_t qtr_counter_claim(qtr_counter *k, uint32_t round, int part, uint64_t nchunks);
/** Rank 0: set round @p round's counter back to 0 for round + QTR_NSLOTS. Call only
 *  once every rank has stopped claiming in that round (see counter.c). */
void qtr_counter_release(qtr_counter *k, uint32_t round);
void qtr_counter_free(qtr_counter *k);

#endif
