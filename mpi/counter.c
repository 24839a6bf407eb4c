/* counter.c -- the dynamic chunk counters: uint64s in an MPI window on
 * rank 0, under a passive-target epoch that lasts the whole batch
 * (MPI_Win_lock_all), so claiming a chunk costs one MPI_Fetch_and_op round
 * trip and rank 0 never has to answer a request.
 *
 * QTR_NSLOTS rounds can be in flight, so there are as many pairs of
 * counters (big rows, the other chunks: partition.h), by the round number
 * modulo QTR_NSLOTS. Round r's counter is set back to 0 by
 * rank 0 during round r's commit, after the commit's first collective (every
 * rank has stopped claiming in round r before it enters the commit) and
 * before its last (no rank claims in round r+QTR_NSLOTS before leaving the
 * commit). So starting
 * a round needs no barrier of its own, and a rank may begin round r+1 while
 * others still work on round r.
 *
 * (MPI_Compare_and_swap would allow one tagged counter, but Open MPI 4.1's
 * osc/rdma crashes emulating it over shared memory when the target is the
 * caller itself; fetch-and-add works everywhere.)
 *
 * Owns: the window. Without MPI (or with one rank) they are plain integers. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdlib.h>
#include <string.h>
#ifdef QTR_HAVE_MPI
#include <mpi.h>
#endif
#include "comm.h"
#include "worker.h" /* QTR_NSLOTS */

struct qtr_counter {
    qtr_comm *comm;
    uint64_t  slot[2 * QTR_NSLOTS];  /* one-process round counters */
#ifdef QTR_HAVE_MPI
    MPI_Win   win;
    uint64_t *base;      /* rank 0: the counter */
    int       shared;
#endif
};

int qtr_counter_new(qtr_comm *c, qtr_counter **out, qtr_ctx *ctx)
{
    qtr_counter *k = calloc(1, sizeof *k);
    if (!k) {
        qtr_fail(ctx, QTR_ENOMEM, "counter");
        return -1;
    }
    k->comm = c;
#ifdef QTR_HAVE_MPI
    if (c->mpi && c->size > 1) {
        MPI_Aint size = c->rank == 0 ? (MPI_Aint)((2 * QTR_NSLOTS + 1) * sizeof(uint64_t)) : 0;
        int bad = MPI_Win_allocate(size, sizeof(uint64_t), MPI_INFO_NULL, MPI_COMM_WORLD,
                                   &k->base, &k->win) != MPI_SUCCESS;
        /* window memory starts undefined: rank 0 zeroes it before any rank
         * can reach it (the barrier) */
        if (!bad && c->rank == 0) memset(k->base, 0, (2 * QTR_NSLOTS + 1) * sizeof(uint64_t));
        if (bad || MPI_Barrier(MPI_COMM_WORLD) != MPI_SUCCESS ||
            MPI_Win_lock_all(0, k->win) != MPI_SUCCESS) {
            free(k);
            qtr_fail(ctx, QTR_EIO, "MPI one-sided window for the chunk counter");
            return -1;
        }
        k->shared = 1;
    }
#endif
    *out = k;
    return 0;
}

uint64_t qtr_counter_claim(qtr_counter *k, uint32_t round, int part, uint64_t nchunks)
{
    if (!nchunks) return UINT64_MAX;
    /* displacement 0 is unused */
    int slot = 1 + (part ? QTR_NSLOTS : 0) + (int)(round % QTR_NSLOTS);
    uint64_t idx;
#ifdef QTR_HAVE_MPI
    if (k->shared) {
        uint64_t one = 1;
        MPI_Fetch_and_op(&one, &idx, MPI_UINT64_T, 0, slot, MPI_SUM, k->win);
        MPI_Win_flush(0, k->win);
        return idx < nchunks ? idx : UINT64_MAX;
    }
#endif
    idx = k->slot[slot - 1]++;
    return idx < nchunks ? idx : UINT64_MAX;
}

void qtr_counter_release(qtr_counter *k, uint32_t round)
{
    for (int part = 0; part < 2; part++) {
        int slot = 1 + (part ? QTR_NSLOTS : 0) + (int)(round % QTR_NSLOTS);
#ifdef QTR_HAVE_MPI
        if (k->shared) {
            if (k->comm->rank == 0) {
                uint64_t zero = 0, old;
                MPI_Fetch_and_op(&zero, &old, MPI_UINT64_T, 0, slot, MPI_REPLACE, k->win);
                MPI_Win_flush(0, k->win);
            }
            continue;
        }
#endif
        k->slot[slot - 1] = 0;
    }
}

void qtr_counter_free(qtr_counter *k)
{
    if (!k) return;
#ifdef QTR_HAVE_MPI
    if (k->shared) {
        MPI_Win_unlock_all(k->win);
        MPI_Win_free(&k->win);
    }
#endif
    free(k);
}
