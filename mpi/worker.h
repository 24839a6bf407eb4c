/* worker.h -- the threads of one rank: a coordinator (the main thread) and
 * N workers that transpile whole circuits.
 *
 * Work arrives in queue slots, one per round in flight: while the
 * coordinator waits for other ranks to finish round r and commits it, the
 * workers already transpile rounds r+1, r+2, ... Workers take from the
 * oldest slot first. The coordinator alone pushes items, calls MPI (MPI_THREAD_FUNNELED)
 * and HDF5 (not thread-safe); it is a callback run in a loop on the main
 * thread.
 *
 * Publication: an item is written, then the slot's item count is stored with
 * release order; workers load the count with acquire order before reading an
 * item, so they never see a half-written one. A slot is emptied only when
 * every item published in it is done; emptying stores the count (0) before
 * the claim index (0), so a worker can never claim a stale item.
 *
 * Ownership: a slot owns its item and output arrays; outputs own their
 * circuits and messages until qtr_slot_reset. Blocks pushed are borrowed and
 * must stay unchanged until the slot is reset. */
#ifndef QTR_WORKER_H
#define QTR_WORKER_H

#include <stdatomic.h>
#include <stddef.h>
#include "h5_store.h"
#include "keep.h"
#include "qtr.h"

typedef struct {
    const qtr_h5_block *blk;
    size_t              k;         /* row of blk */
} qtr_work_item;

typedef struct {
    qtr_circuit *circ;             /* output circuit (status ok), owned */
    qtr_result   res;              /* layouts and statistics, owned */
    int          kept;             /* circ, its arrays and res's layouts live
                                    * in the slot's keep (keep.h), not owned */
    int          have_res;         /* res.in is valid (the input was read) */
    int          borrowed_inst;    /* circ->inst is a sweep template's records
                                    * (QTR_ROW_SHARES_INST): not owned, never freed */
    uint8_t      status;           /* QTR_H5_OK or QTR_H5_ERROR */
    qtr_status   code;
    char        *msg;              /* failure message (malloc'ed) or NULL */
    double       seconds;          /* wall time (kept in /timing) */
    double       cpu;              /* this thread's CPU time (the run's breakdown) */
    /* whole chunks of circ's long segments, compressed by the worker
     * (team precompress; chunk numbers from each segment's start) */
    qtr_h5_prechunk *pre;
    size_t           npre;
    unsigned char   *predata;
} qtr_work_out;

/* What a team's make_row says of the circuit it made. */
#define QTR_ROW_MADE        1
#define QTR_ROW_SHARES_INST 2

/** Rounds in flight at once on a rank: a rank may run this many rounds
 *  ahead of the slowest, so a long circuit on one rank idles no other rank
 *  unless it lasts longer than NSLOTS-1 rounds of their work. */
#define QTR_NSLOTS 4

/** One round's queue. */
typedef struct {
    qtr_work_item *item;
    qtr_work_out  *out;
    size_t         cap, npush;     /* npush: pushed so far (coordinator only) */
    atomic_size_t  nitem, next, ndone;
    qtr_keep      *keep;           /* small results, one keep per thread of the team */
    int            nkeep;
} qtr_slot;

/** A slot for @p cap items, done by a team of @p nthreads workers. */
int qtr_slot_init(qtr_slot *s, size_t cap, int nthreads);
void qtr_slot_fini(qtr_slot *s);
/** Release the outputs and empty the slot (every published item done). */
void qtr_slot_reset(qtr_slot *s);
/** Add row @p k of @p blk; visible to workers after qtr_slot_publish.
 *  Returns -1 when the slot is full. */
int qtr_slot_push(qtr_slot *s, const qtr_h5_block *blk, size_t k);
void qtr_slot_publish(qtr_slot *s);
/** Items published and not yet claimed. */
size_t qtr_slot_waiting(const qtr_slot *s);
/** Items published and not yet done (waiting or being transpiled). */
size_t qtr_slot_unfinished(const qtr_slot *s);
/** 1 when every item pushed is published and done. */
int qtr_slot_done(const qtr_slot *s);

typedef struct qtr_team qtr_team;

/** One step of the coordinator. Returns QTR_TEAM_BUSY after doing
 *  something, QTR_TEAM_IDLE when it must wait (for workers to finish items),
 *  QTR_TEAM_FINISHED when all work is done. */
enum { QTR_TEAM_BUSY = 0, QTR_TEAM_FINISHED = 1, QTR_TEAM_IDLE = 2 };
typedef int (*qtr_coordinate_fn)(void *ud, qtr_team *t);

struct qtr_team {
    /* configuration */
    const qtr_target *target;
    qtr_options       opts;          /* seed: the batch's global seed */
    const int16_t    *opmap;         /* file op codes -> ours */
    qtr_h5_storage    storage;
    int               nthreads;      /* worker threads (>= 1) */
    size_t            max_memory;    /* each circuit's memory budget, bytes (0: none) */
    int               precompress;   /* workers compress whole chunks of long
                                      * results (h5_chunk.h) for a serial writer */
    qtr_coordinate_fn coordinate;
    void             *ud;
    /* sweeps (sweep_run.h): a row's circuit is made from its number, not
     * read from its block; *done has QTR_ROW_MADE when it is the output
     * already (res filled), so nothing is transpiled, and also
     * QTR_ROW_SHARES_INST when its records are borrowed for the run (the
     * slot detaches them rather than freeing them). NULL for an ordinary
     * batch. */
    qtr_status      (*make_row)(void *ud, uint64_t row, qtr_circuit **c, qtr_result *res,
                                int *done, qtr_ctx *ctx);
    /* sweeps: the compressed chunks of the instruction records of a row
     * made done (bound rows share their template's records, so these are
     * the same bytes for every row of a template), borrowed for the run;
     * NULL, or *n 0, when the worker must compress them itself */
    const qtr_h5_prechunk *(*row_inst_chunks)(void *ud, uint64_t row, size_t *n);
    void             *make_ud;
    /* one slot per round in flight; workers look at slot[oldest] first,
     * then the following ones in ring order */
    qtr_slot          slot[QTR_NSLOTS];
    atomic_int        oldest;
    /* figures: worker seconds spent with nothing to take (nanoseconds,
     * summed over the workers) */
    atomic_uint_least64_t idle_ns;
};

/** Run the coordinator until it reports FINISHED, with nthreads workers
 *  (without OpenMP, or with one thread granted, the coordinator transpiles
 *  items itself when idle). */
void qtr_team_run(qtr_team *t);
/** CPU seconds used so far by the calling thread (0 where unknown). */
double qtr_thread_cpu(void);
/** How many worker threads the runtime gives by default (OMP_NUM_THREADS),
 *  1 without OpenMP. */
int qtr_work_default_threads(void);
/** 0 in a build without OpenMP (--disable-openmp). */
int qtr_work_threads_supported(void);

#endif
