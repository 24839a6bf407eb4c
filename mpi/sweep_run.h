/* sweep_run.h -- a sweep under the batch driver (doc/batch.md, "Sweeps"):
 * the templates transpiled once, spread over the ranks, then (--bind,
 * --per-instance) one result row per value row, made by the workers.
 *
 * Every rank reads the sweep file itself (templates and values). Templates
 * are transpiled by rank t % ranks, each with its own seed
 * (qtr_seed_for(seed, t)); their outcomes (OpenQASM 3 text, layouts,
 * statistics) go to rank 0 and back to every rank, and every rank reads the
 * transpiled text back: the circuit rows are bound from is the one the file
 * keeps, on every rank and on every resume (a resumed run transpiles the
 * templates again, which gives the same text: the results stay
 * byte-identical). Result row i is global value row i (templates in order).
 *
 * Ownership: a qtr_sweep_run owns the sweep, the circuits and the template
 * results. qtr_sweep_run_make runs on worker threads concurrently: it only
 * reads the run. */
#ifndef QTR_SWEEP_RUN_H
#define QTR_SWEEP_RUN_H

#include <stdint.h>
#include "comm.h"
#include "h5_sweep.h"
#include "qtr.h"

typedef struct {
    qtr_sweep     sw;        /* templates, values; outcomes after prepare */
    qtr_circuit **tmpl;      /* per template: what rows are bound from (the
                              * transpiled template; per-instance: the
                              * input), NULL when it failed */
    uint32_t     *ninst;     /* per template: its instructions (row cost) */
    /* BIND: per template, its records' whole chunks compressed once (every
     * bound row has the template's records, so the same chunks), when its
     * records are long enough to start at a chunk boundary (h5_chunk.h) */
    qtr_circuit     **bound;  /* BIND: a row of each template, bound: its
                               * records are every row's (rows borrow them) */
    qtr_h5_prechunk **chunks;
    size_t           *nchunks;
    unsigned char   **chunk_data;
    uint32_t     *nqubits;
} qtr_sweep_run;

/** Read the sweep file @p path for mode @p mode (every rank). */
int qtr_sweep_run_load(qtr_sweep_run *r, const char *path, qtr_sweep_mode mode, qtr_ctx *ctx);
/** Transpile the templates (ONCE, BIND) or read them (PER_INSTANCE).
 *  Collective. A template that fails is recorded, not an error. */
int qtr_sweep_run_prepare(qtr_sweep_run *r, qtr_comm *c, const qtr_target *t,
                          const qtr_options *opts, size_t max_memory, qtr_ctx *ctx);
/** Rows of the results' results/ group: 0 for ONCE, else every value row. */
uint64_t qtr_sweep_run_rows(const qtr_sweep_run *r);
/** Cost estimate, instructions and qubits of result row @p row (planning). */
void qtr_sweep_run_row_cost(const qtr_sweep_run *r, uint64_t row, double *cost, uint64_t *ninst,
                            uint32_t *nq);
/** The template name of result row @p row. */
const char *qtr_sweep_run_row_name(const qtr_sweep_run *r, uint64_t row);
/** The worker's input for result row @p row: PER_INSTANCE, the bound input
 *  (*@p done 0: transpile it); BIND, the bound transpiled template with its
 *  layouts and statistics in @p res (*@p done QTR_ROW_MADE), its records
 *  borrowed from the run (| QTR_ROW_SHARES_INST; worker.h). */
qtr_status qtr_sweep_run_make(void *r, uint64_t row, qtr_circuit **c, qtr_result *res, int *done,
                              qtr_ctx *ctx);
/** BIND: the compressed chunks of row @p row's records (*@p n of them;
 *  borrowed for the run), or NULL. */
const qtr_h5_prechunk *qtr_sweep_run_inst_chunks(void *r, uint64_t row, size_t *n);
/** 0 when the results file @p path (being resumed) was made by this sweep
 *  in this mode; -1 with a message otherwise. */
int qtr_sweep_run_check(const qtr_sweep_run *r, const char *path, qtr_ctx *ctx);
void qtr_sweep_run_free(qtr_sweep_run *r);

#endif
