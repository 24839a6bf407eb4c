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

size_t qtr_partition_cut_by_cost(const double *cost, size_t len, double max_cost)
{
    double acc = 0;
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && acc + cost[i] > max_cost) return i;
        acc += cost[i];
    }
    return len;
}

/* Chunks in hand-out order: decreasing cost, ties by position (the order
 * must be the same on every rank). */
typedef struct {
    double cost;
    size_t first, end;
} chunk_tmp;

static int by_cost_desc(const void *x, const void *y)
{
    const chunk_tmp *a = x, *b = y;
    if (a->cost != b->cost) return a->cost > b->cost ? -1 : 1;
    return a->first < b->first ? -1 : a->first > b->first;
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
    plan->heavy = calloc(n ? n : 1, 1);
    plan->block = malloc((size_t)(nranks + 1) * sizeof *plan->block);
    double *light = malloc((n ? n : 1) * sizeof *light);
    chunk_tmp *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!plan->heavy || !plan->block || !light || !tmp) goto nomem;

    double total = 0;
    for (size_t i = 0; i < n; i++) total += cost[i];
    /* a chunk's worth: each thread of each rank can expect a couple */
    double target = total / ((double)nranks * (double)nthreads * 2.0);
    /* Rows above a quarter of that are handed out one by one, never put in
     * a static block: estimates are rough (a 12-qubit circuit of 100k gates
     * and a 100-qubit one of 25k can differ several-fold from their ratio),
     * and only many small rows average their errors out. */
    double heavy = target / 4.0;
    size_t nc = 0;
    if (nranks > 1)
        for (size_t i = 0; i < n; i++)
            if (cost[i] > heavy && cost[i] > 0) {
                plan->heavy[i] = 1;
                tmp[nc++] = (chunk_tmp){cost[i], i, i + 1};
            }
    double ltotal = 0;
    for (size_t i = 0; i < n; i++) ltotal += (light[i] = plan->heavy[i] ? 0 : cost[i]);

    /* static part: light rows until static_frac of their cost (one rank:
     * everything, there is no other rank to balance with) */
    size_t dyn = n;
    if (nranks > 1) {
        double goal = ltotal * static_frac, acc = 0;
        dyn = 0;
        while (dyn < n && acc + light[dyn] <= goal) acc += light[dyn++];
        if (ltotal <= 0) dyn = (size_t)((double)n * static_frac);
    }
    qtr_partition_blocks(light, dyn, nranks, plan->block);
    plan->dyn_first = dyn;

    /* light rows after the static part, cut into chunks of about `target`;
     * a chunk starts and ends on a light row, so no range chunk is mistaken
     * for a heavy row's own */
    size_t i = dyn;
    while (i < n) {
        while (i < n && plan->heavy[i]) i++;
        if (i >= n) break;
        size_t s = i, last = i;
        double acc = 0;
        int have_cost = ltotal > 0;
        for (; i < n; i++) {
            if (plan->heavy[i]) continue;
            acc += light[i];
            last = i;
            if (have_cost ? acc >= target : (i + 1 - s) >= (size_t)nthreads) {
                i++;
                break;
            }
        }
        tmp[nc++] = (chunk_tmp){acc, s, last + 1};
    }
    qsort(tmp, nc, sizeof *tmp, by_cost_desc);
    plan->nchunks = nc;
    plan->chunk_first = malloc((nc ? nc : 1) * sizeof *plan->chunk_first);
    plan->chunk_end = malloc((nc ? nc : 1) * sizeof *plan->chunk_end);
    if (!plan->chunk_first || !plan->chunk_end) goto nomem;
    for (size_t c = 0; c < nc; c++) {
        plan->chunk_first[c] = tmp[c].first;
        plan->chunk_end[c] = tmp[c].end;
    }
    free(light);
    free(tmp);
    return QTR_OK;
nomem:
    free(light);
    free(tmp);
    qtr_round_plan_free(plan);
    return qtr_fail(ctx, QTR_ENOMEM, "round plan of %zu rows", n);
}

void qtr_round_plan_free(qtr_round_plan *plan)
{
    free(plan->heavy);
    free(plan->block);
    free(plan->chunk_first);
    free(plan->chunk_end);
    memset(plan, 0, sizeof *plan);
}

void qtr_plan_big_first(qtr_round_plan *plan, const uint8_t *big)
{
    size_t nb = 0;
    /* a stable partition in place: rotate each big chunk down to the end of
     * the big prefix (few big chunks, so the moves stay cheap) */
    for (size_t c = 0; c < plan->nchunks; c++) {
        size_t f = plan->chunk_first[c], e = plan->chunk_end[c];
        if (!(e == f + 1 && plan->heavy[f] && big[f])) continue;
        for (size_t d = c; d > nb; d--) {
            plan->chunk_first[d] = plan->chunk_first[d - 1];
            plan->chunk_end[d] = plan->chunk_end[d - 1];
        }
        plan->chunk_first[nb] = f;
        plan->chunk_end[nb] = e;
        nb++;
    }
    plan->nbig = nb;
}
