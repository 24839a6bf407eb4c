/* worker.c -- the OpenMP loop over one round (worker.h). The only file that
 * includes <omp.h>.
 *
 * Shape: an OpenMP team of nthreads + 1. Thread 0 (the main thread, the only
 * one allowed to call MPI under MPI_THREAD_FUNNELED, and the only one that
 * calls HDF5, which is not thread-safe) keeps the queue topped up and
 * otherwise sleeps; threads 1..nthreads claim items and transpile them. A
 * dedicated coordinator costs a mostly idle thread, and buys that a slow
 * circuit never stops the queue from being refilled: the other threads keep
 * claiming chunks while one works on it.
 *
 * Owns: the queue arrays, each item's output until cleared.
 * Borrows: blocks (rows), the target. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "qtr_io.h"
#include "worker.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void nap(long us)
{
    struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
}

int qtr_work_default_threads(void)
{
#ifdef _OPENMP
    int n = omp_get_max_threads();
    return n > 0 ? n : 1;
#else
    return 1;
#endif
}

int qtr_work_init(qtr_work *w, size_t cap)
{
    w->item = calloc(cap ? cap : 1, sizeof *w->item);
    w->out = calloc(cap ? cap : 1, sizeof *w->out);
    w->cap = cap;
    w->npush = 0;
    atomic_init(&w->nitem, 0);
    atomic_init(&w->next, 0);
    atomic_init(&w->ndone, 0);
    qtr_ctx_init(&w->ctx, 0);
    return w->item && w->out ? 0 : -1;
}

void qtr_work_clear(qtr_work *w)
{
    for (size_t i = 0; i < w->npush; i++) {
        qtr_work_out *o = &w->out[i];
        qtr_circuit_free(o->circ);
        qtr_result_free(&o->res);
        free(o->msg);
        memset(o, 0, sizeof *o);
    }
    w->npush = 0;
    atomic_store(&w->nitem, 0);
    atomic_store(&w->next, 0);
    atomic_store(&w->ndone, 0);
}

void qtr_work_fini(qtr_work *w)
{
    if (w->out) qtr_work_clear(w);
    free(w->item);
    free(w->out);
    w->item = NULL;
    w->out = NULL;
}

void qtr_work_push(qtr_work *w, const qtr_h5_block *blk, size_t k)
{
    if (w->npush >= w->cap) return;  /* the driver sizes the queue for a round */
    w->item[w->npush].blk = blk;
    w->item[w->npush].k = k;
    w->npush++;
}

void qtr_work_publish(qtr_work *w)
{
    /* release: each item, and the block rows it points to, are visible
     * before the count that lets a worker claim it */
    atomic_store_explicit(&w->nitem, w->npush, memory_order_release);
}

/* Transpile item @p i into its output slot. Runs on any thread. */
static void work_one(qtr_work *w, size_t i)
{
    const qtr_work_item *it = &w->item[i];
    const qtr_h5_row *row = &it->blk->row[it->k];
    qtr_work_out *o = &w->out[i];
    uint64_t seed = qtr_seed_for(w->opts.seed, row->index);
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, seed);
    double t0 = now();
    qtr_circuit *c = NULL;
    qtr_status st;
    if (w->storage == QTR_H5_QASMTEXT) {
        char display[sizeof row->name + 32];
        if (row->name[0]) snprintf(display, sizeof display, "%s", row->name);
        else snprintf(display, sizeof display, "circuit %llu", (unsigned long long)row->index);
        st = qtr_qasm_read_mem(qtr_h5_block_text(it->blk, it->k), row->count[QTR_H5_POOL_TEXT],
                               display, &c, &ctx);
    } else {
        st = qtr_h5_block_circuit(it->blk, it->k, w->opmap, &c, &ctx);
    }
    if (!st) {
        qtr_options opt = w->opts;
        opt.seed = seed;
        st = qtr_transpile(c, w->target, &opt, &o->res, &ctx);
        o->have_res = 1;
    }
    o->seconds = now() - t0;
    o->code = st;
    if (st) {
        o->status = QTR_H5_ERROR;
        const char *m = qtr_ctx_message(&ctx);
        o->msg = strdup(m[0] ? m : qtr_status_text(st));
        qtr_circuit_free(c);
        qtr_result_free(&o->res);
        /* the input statistics came before the failure only if stats ran */
        o->have_res = o->have_res && o->res.in.size;
    } else {
        o->status = QTR_H5_OK;
        o->circ = c;
    }
}

/* Claim the next published item: its index, or SIZE_MAX when none is
 * published right now. */
static size_t claim(qtr_work *w)
{
    size_t i = atomic_load_explicit(&w->next, memory_order_relaxed);
    for (;;) {
        size_t n = atomic_load_explicit(&w->nitem, memory_order_acquire);
        if (i >= n) return SIZE_MAX;
        if (atomic_compare_exchange_weak_explicit(&w->next, &i, i + 1, memory_order_acq_rel,
                                                  memory_order_relaxed))
            return i;
    }
}

/* One thread does everything: refill when the queue is empty. */
static int run_serial(qtr_work *w)
{
    int rc = 0, more = 1;
    for (;;) {
        size_t i = claim(w);
        if (i != SIZE_MAX) {
            work_one(w, i);
            atomic_fetch_add(&w->ndone, 1);
            continue;
        }
        if (!more) return rc;
        int r = w->refill(w->ud, w);
        if (r < 0) rc = -1;
        if (r != 0) more = 0;
    }
}

int qtr_work_run(qtr_work *w)
{
    if (w->nthreads <= 1) return run_serial(w);
#ifdef _OPENMP
    int rc = 0;
    atomic_int done_flag;
    atomic_init(&done_flag, 0);
    /* refill when fewer than this many items wait: enough that no worker
     * finds the queue empty while the coordinator reads the next chunk */
    size_t low = 2 * (size_t)w->nthreads;
#pragma omp parallel num_threads(w->nthreads + 1) default(shared)
    {
        int tid = omp_get_thread_num(), team = omp_get_num_threads();
        if (team < 2) {
            /* the runtime gave us one thread (thread limit): work alone */
            if (run_serial(w) < 0) rc = -1;
        } else if (tid == 0) {
            int more = 1;
            for (;;) {
                size_t n = atomic_load(&w->nitem), next = atomic_load(&w->next);
                if (more && n - (next < n ? next : n) < low) {
                    int r = w->refill(w->ud, w);
                    if (r < 0) rc = -1;
                    if (r != 0) more = 0;
                    continue;
                }
                if (!more && atomic_load(&w->ndone) == atomic_load(&w->nitem)) break;
                if (w->idle) w->idle(w->ud);
                nap(200);
            }
            atomic_store(&done_flag, 1);
        } else {
            for (;;) {
                size_t i = claim(w);
                if (i != SIZE_MAX) {
                    work_one(w, i);
                    atomic_fetch_add(&w->ndone, 1);
                    continue;
                }
                if (atomic_load(&done_flag)) break;
                nap(100);
            }
        }
    }
    return rc;
#else
    return run_serial(w);
#endif
}
