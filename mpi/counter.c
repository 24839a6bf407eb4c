/* counter.c -- the dynamic chunk counter: one uint64 in an MPI window on
 * rank 0, incremented with MPI_Fetch_and_op under a passive-target epoch
 * that lasts the whole batch (MPI_Win_lock_all), so claiming a chunk costs
 * one atomic round trip and rank 0 never has to answer a request.
 *
 * Owns: the window. Without MPI (or with one rank) it is a plain integer. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdlib.h>
#ifdef QTR_HAVE_MPI
#include <mpi.h>
#endif
#include "comm.h"

struct qtr_counter {
    qtr_comm *comm;
    uint64_t  local;     /* one-process counter */
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
        MPI_Aint size = c->rank == 0 ? (MPI_Aint)sizeof(uint64_t) : 0;
        if (MPI_Win_allocate(size, sizeof(uint64_t), MPI_INFO_NULL, MPI_COMM_WORLD, &k->base,
                             &k->win) != MPI_SUCCESS ||
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

int qtr_counter_reset(qtr_counter *k)
{
    k->local = 0;
#ifdef QTR_HAVE_MPI
    if (k->shared) {
        if (k->comm->rank == 0) {
            uint64_t zero = 0, old;
            MPI_Fetch_and_op(&zero, &old, MPI_UINT64_T, 0, 0, MPI_REPLACE, k->win);
            MPI_Win_flush(0, k->win);
        }
        /* nobody claims before the reset is visible */
        return qtr_comm_barrier(k->comm);
    }
#endif
    return 0;
}

uint64_t qtr_counter_next(qtr_counter *k)
{
#ifdef QTR_HAVE_MPI
    if (k->shared) {
        uint64_t one = 1, old = 0;
        MPI_Fetch_and_op(&one, &old, MPI_UINT64_T, 0, 0, MPI_SUM, k->win);
        MPI_Win_flush(0, k->win);
        return old;
    }
#endif
    return k->local++;
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
