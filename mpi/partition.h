/* partition.h -- how a batch is cut into rounds and a round among ranks.
 * Pure functions of the index (no MPI, no HDF5, no clock), so every rank
 * computes the same plan from the same rows and GoogleTest can check them.
 *
 * A round is a run of consecutive rows [first, first+n) written to the
 * results file together. Inside a round:
 *   - *heavy* rows (estimated cost above a quarter of a chunk's worth) are
 *     set apart: each is a chunk of its own;
 *   - the first part of the remaining (light) rows, by cost, is cut into one
 *     contiguous static block per rank;
 *   - the rest of the light rows is cut into chunks of about equal cost.
 * Ranks claim chunks one at a time from a shared counter, in decreasing
 * order of cost (longest first, Graham's LPT rule): the heavy rows start
 * first, the small chunks fill the gaps at the end, so no rank waits long for
 * another at the end of a round.
 *
 * Ownership: a plan owns its arrays (qtr_round_plan_free). */
#ifndef QTR_PARTITION_H
#define QTR_PARTITION_H

#include <stddef.h>
#include <stdint.h>
#include "qtr.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Estimated cost of transpiling a circuit of @p ninst instructions on
 *  @p nqubits qubits: instructions × a factor growing with the qubits
 *  (routing looks at distances and front layers that grow with them), plus a
 *  fixed overhead per circuit (reading, layout, writing). */
double qtr_cost_estimate(uint64_t ninst, uint32_t nqubits);

/** Cut rows [0, n) into @p nparts contiguous blocks of about equal total
 *  cost: part r gets [first[r], first[r+1]); first[0] = 0, first[nparts] = n.
 *  @p first has nparts+1 entries. Costs of zero are allowed (skipped rows). */
void qtr_partition_blocks(const double *cost, size_t n, int nparts, size_t *first);

/** Number of rows of the next round from a window of @p avail rows whose
 *  instruction counts are @p weight: at most @p max_rows, and stopping before
 *  the total weight would pass @p max_weight; at least 1 when avail > 0. */
size_t qtr_partition_round_len(const uint64_t *weight, size_t avail, size_t max_rows,
                               uint64_t max_weight);
/** Of @p len rows with estimated costs @p cost, how many make the round:
 *  stop before the total would pass @p max_cost, so a row costing more than
 *  max_cost is a round of its own; at least 1 when len > 0. */
size_t qtr_partition_cut_by_cost(const double *cost, size_t len, double max_cost);

typedef struct {
    size_t   n;          /* rows in the round */
    int      nranks;
    uint8_t *heavy;      /* n entries: 1 = the row is a chunk of its own */
    size_t  *block;      /* nranks+1 entries: rank r's static rows are the light
                            rows of [block[r], block[r+1]) */
    size_t   dyn_first;  /* = block[nranks] */
    size_t   nchunks;    /* chunks in hand-out order (decreasing cost): chunk c
                            is the heavy row chunk_first[c] when chunk_end[c] ==
                            chunk_first[c] + 1 and heavy[] says so, else the
                            light rows of [chunk_first[c], chunk_end[c]) */
    size_t  *chunk_first, *chunk_end;
    size_t   nbig;       /* chunks [0, nbig) are big rows (qtr_plan_big_first) */
} qtr_round_plan;

/** Plan a round of @p n rows with costs @p cost for @p nranks ranks of
 *  @p nthreads threads each. @p static_frac (0..1) of the light rows' cost
 *  goes into the static blocks; chunks aim at a cost that gives each thread
 *  a few of them. With one rank there is nothing to balance between ranks:
 *  every row is static. @return QTR_OK or QTR_ENOMEM. */
qtr_status qtr_plan_round(const double *cost, size_t n, int nranks, int nthreads,
                          double static_frac, qtr_round_plan *plan, qtr_ctx *ctx);
void qtr_round_plan_free(qtr_round_plan *plan);

/** Move the chunks that are single heavy rows marked in @p big (plan->n
 *  entries; rows whose results take much memory) to the front of the
 *  hand-out order, each part keeping its order; plan->nbig counts them.
 *  Ranks claim them from a counter of their own, so a rank can leave them
 *  to others without skipping the rest (batch_main.c). */
void qtr_plan_big_first(qtr_round_plan *plan, const uint8_t *big);

/** 1 when row @p i of chunk @p c (or of a static block, @p c = SIZE_MAX) is
 *  processed there: heavy rows only in their own chunk, light rows only in
 *  ranges. */
static inline int qtr_plan_takes(const qtr_round_plan *p, size_t c, size_t i)
{
    if (c == (size_t)-1) return !p->heavy[i];
    if (p->heavy[i]) return p->chunk_end[c] == p->chunk_first[c] + 1 && p->chunk_first[c] == i;
    return 1;
}

#ifdef __cplusplus
}
#endif
#endif
