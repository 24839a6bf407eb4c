/* partition.c -- the cost model and the round/block/chunk plan (partition.h).
 * Pure: no MPI, no clock, no globals. Owns only the arrays of a plan. */
#include <stdlib.h>
#include <string.h>
#include "partition.h"

/* Per-circuit overhead in instruction equivalents: opening a row, building
 * the circuit, layout on a small device, writing the result. Measured order
 * of magnitude on level-0 runs of tiny circuits; it only has to keep a batch
 * of empty circuits from looking free. */
#define COST_OVERHEAD 64.0

double qtr_cost_estimate(uint64_t ninst, uint32_t nqubits)
{
    /* Routing and layout scale with the device distances and front layers,
     * which grow with the qubits; 1 + q/16 keeps a 2-qubit circuit near its
     * instruction count and weighs a 127-qubit one about 9x per instruction. */
    return ((double)ninst + COST_OVERHEAD) * (1.0 + (double)nqubits / 16.0);
}

void qtr_partition_blocks(const double *cost, size_t n, int nparts, size_t *first)
{
    double total = 0;
    for (size_t i = 0; i < n; i++) total += cost[i];
    first[0] = 0;
    if (total <= 0) {
        /* no cost information: equal row counts */
        for (int r = 1; r <= nparts; r++) first[r] = n * (size_t)r / (size_t)nparts;
        return;
    }
    /* part r ends at the first row where the running cost reaches
     * r/nparts of the total: each part's cost is within one row's cost of
     * the ideal share */
    double acc = 0;
    size_t i = 0;
    for (int r = 1; r < nparts; r++) {
        double goal = total * (double)r / (double)nparts;
        while (i < n && acc + cost[i] * 0.5 < goal) acc += cost[i++];
        first[r] = i;
    }
    first[nparts] = n;
}

size_t qtr_partition_round_len(const uint64_t *weight, size_t avail, size_t max_rows,
                               uint64_t max_weight)
{
    if (!avail) return 0;
    size_t lim = avail < max_rows ? avail : max_rows;
    if (lim == 0) lim = 1;
    uint64_t acc = 0;
    for (size_t i = 0; i < lim; i++) {
        uint64_t w = weight ? weight[i] : 0;
        if (i > 0 && (acc >= max_weight || w > max_weight - acc)) return i;
        acc = w > UINT64_MAX - acc ? UINT64_MAX : acc + w;
    }
    return lim;
}

qtr_status qtr_plan_round(const double *cost, size_t n, int nranks, int nthreads,
                          double static_frac, qtr_round_plan *plan, qtr_ctx *ctx)
{
    memset(plan, 0, sizeof *plan);
    if (nranks < 1) nranks = 1;
    if (nthreads < 1) nthreads = 1;
    if (!(static_frac >= 0)) static_frac = 0;
    if (static_frac > 1) static_frac = 1;
    plan->n = n;
    plan->nranks = nranks;
    plan->block = malloc((size_t)(nranks + 1) * sizeof *plan->block);
    if (!plan->block) return qtr_fail(ctx, QTR_ENOMEM, "round plan");

    double total = 0;
    for (size_t i = 0; i < n; i++) total += cost[i];
    if (nranks == 1) static_frac = 1;

    /* the static part: rows until static_frac of the cost */
    size_t dyn = n;
    if (static_frac < 1) {
        double goal = total * static_frac, acc = 0;
        dyn = 0;
        while (dyn < n && acc + cost[dyn] <= goal) acc += cost[dyn++];
        if (total <= 0) dyn = (size_t)((double)n * static_frac);
    }
    qtr_partition_blocks(cost, dyn, nranks, plan->block);
    plan->dyn_first = dyn;

    /* the dynamic part: chunks of about dyn_cost / (ranks × threads × 2), so
     * each thread can expect a couple of claims and a slow circuit leaves
     * plenty for the others */
    size_t rest = n - dyn;
    if (!rest) {
        plan->chunk = malloc(sizeof *plan->chunk);
        if (!plan->chunk) goto nomem;
        plan->chunk[0] = n;
        return QTR_OK;
    }
    double dcost = 0;
    for (size_t i = dyn; i < n; i++) dcost += cost[i];
    double target = dcost / ((double)nranks * (double)nthreads * 2.0);
    plan->chunk = malloc((rest + 1) * sizeof *plan->chunk);
    if (!plan->chunk) goto nomem;
    size_t nc = 0;
    plan->chunk[nc] = dyn;
    double acc = 0;
    for (size_t i = dyn; i < n; i++) {
        acc += cost[i];
        /* without cost information: chunks of one row per thread */
        int cut = dcost > 0 ? acc >= target : (i + 1 - plan->chunk[nc]) >= (size_t)nthreads;
        if (cut || i + 1 == n) {
            plan->chunk[++nc] = i + 1;
            acc = 0;
        }
    }
    plan->nchunks = nc;
    return QTR_OK;
nomem:
    qtr_round_plan_free(plan);
    return qtr_fail(ctx, QTR_ENOMEM, "round plan of %zu rows", n);
}

void qtr_round_plan_free(qtr_round_plan *plan)
{
    free(plan->block);
    free(plan->chunk);
    memset(plan, 0, sizeof *plan);
}
