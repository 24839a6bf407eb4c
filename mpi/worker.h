/* worker.h -- one round's work on one rank: a queue of rows, filled by the
 * main thread (static block first, then chunks claimed from the shared
 * counter), drained by OpenMP threads that each transpile whole circuits.
 *
 * Threads: the main thread is the coordinator. It alone calls refill (which
 * may call MPI and HDF5); worker threads only read published rows, call the
 * reentrant library (reader, pipeline) and write their own output slot.
 * Rows are published by an atomic store of the item count after the item is
 * written, so a worker never sees an item before its row.
 *
 * Ownership: the work owns its item and output arrays; outputs own their
 * circuits and messages until qtr_work_clear. Blocks pushed are borrowed and
 * must stay unchanged until the round's work is done. */
#ifndef QTR_WORKER_H
#define QTR_WORKER_H

#include <stdatomic.h>
#include <stddef.h>
#include "h5_store.h"
#include "qtr.h"

typedef struct {
    const qtr_h5_block *blk;
    size_t              k;         /* row of blk */
} qtr_work_item;

typedef struct {
    qtr_circuit *circ;             /* output circuit (status ok), owned */
    qtr_result   res;              /* layouts and statistics, owned */
    int          have_res;         /* res.in is valid (the input was read) */
    uint8_t      status;           /* QTR_H5_OK or QTR_H5_ERROR */
    qtr_status   code;
    char        *msg;              /* failure message (malloc'ed) or NULL */
    double       seconds;
} qtr_work_out;

typedef struct qtr_work qtr_work;

/** Refill: append items with qtr_work_push and return 0, or 1 when there
 *  is nothing more this round, or -1 on an error (message in the work's
 *  ctx). Called on the main thread only. */
typedef int (*qtr_refill_fn)(void *ud, qtr_work *w);

struct qtr_work {
    /* configuration (set by the caller) */
    const qtr_target *target;
    qtr_options       opts;         /* seed: the batch's global seed */
    const int16_t    *opmap;        /* file op codes -> ours */
    qtr_h5_storage    storage;
    int               nthreads;     /* worker threads (>= 1) */
    qtr_refill_fn     refill;
    void             *ud;
    void            (*idle)(void *ud);  /* main thread, while waiting (MPI progress) */
    qtr_ctx           ctx;          /* the refill's failure */
    /* the queue */
    qtr_work_item    *item;
    qtr_work_out     *out;
    size_t            cap, npush;   /* npush: pushed so far (main thread only) */
    atomic_size_t     nitem, next, ndone;
};

/** Empty queue for at most @p cap items per round. 0 or -1 (no memory). */
int qtr_work_init(qtr_work *w, size_t cap);
/** Release outputs and empty the queue for the next round. */
void qtr_work_clear(qtr_work *w);
void qtr_work_fini(qtr_work *w);
/** Add row @p k of @p blk (main thread; published by qtr_work_publish). */
void qtr_work_push(qtr_work *w, const qtr_h5_block *blk, size_t k);
/** Make pushed items visible to the workers. */
void qtr_work_publish(qtr_work *w);
/** Run the round: refill until it reports the end, every item done.
 *  @return 0, or -1 when refill failed (the items published are still done). */
int qtr_work_run(qtr_work *w);
/** How many worker threads the runtime gives by default (OMP_NUM_THREADS),
 *  1 without OpenMP. */
int qtr_work_default_threads(void);

#endif
