/* worker.c -- the threads of one rank (worker.h). The only file that
 * includes <omp.h>.
 *
 * Shape: an OpenMP team of nthreads + 1. Thread 0 (the main thread) runs the
 * coordinator; it sleeps in short naps when it has nothing to do, so it
 * costs little CPU, and buys that a slow circuit never stops the queue from
 * being refilled nor a round from being committed. Threads 1..nthreads claim
 * items, older slot first, and transpile them.
 *
 * Owns: the slots' arrays, each item's output until the slot is reset.
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

double qtr_thread_cpu(void)
{
#ifdef CLOCK_THREAD_CPUTIME_ID
    struct timespec ts;
    if (!clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
        return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
#endif
    return 0;
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

int qtr_work_threads_supported(void)
{
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

/* ---- slots ---------------------------------------------------------------- */

int qtr_slot_init(qtr_slot *s, size_t cap, int nthreads)
{
    s->item = calloc(cap ? cap : 1, sizeof *s->item);
    s->out = calloc(cap ? cap : 1, sizeof *s->out);
    /* thread 0, the coordinator, transpiles too when it runs alone */
    s->nkeep = nthreads + 1;
    s->keep = calloc((size_t)s->nkeep, sizeof *s->keep);
    s->cap = cap;
    s->npush = 0;
    atomic_init(&s->nitem, 0);
    atomic_init(&s->next, 0);
    atomic_init(&s->ndone, 0);
    return s->item && s->out && s->keep ? 0 : -1;
}

void qtr_slot_reset(qtr_slot *s)
{
    for (size_t i = 0; i < s->npush; i++) {
        qtr_work_out *o = &s->out[i];
        if (!o->kept) {
            if (o->borrowed_inst && o->circ) {
                o->circ->inst = NULL;  /* the template's, not this row's */
                o->circ->ninst = o->circ->capinst = 0;
            }
            qtr_circuit_free(o->circ);
            qtr_result_free(&o->res);
        }
        free(o->msg);
        free(o->pre);
        free(o->predata);
        memset(o, 0, sizeof *o);
    }
    for (int j = 0; j < s->nkeep; j++) qtr_keep_release(&s->keep[j]);
    s->npush = 0;
    /* count first, claim index second: a worker that sees the new claim
     * index also sees the count that makes it claim nothing */
    atomic_store_explicit(&s->nitem, 0, memory_order_release);
    atomic_store_explicit(&s->next, 0, memory_order_release);
    atomic_store_explicit(&s->ndone, 0, memory_order_release);
}

void qtr_slot_fini(qtr_slot *s)
{
    if (s->out && s->keep) qtr_slot_reset(s);
    free(s->item);
    free(s->out);
    free(s->keep);
    s->item = NULL;
    s->out = NULL;
    s->keep = NULL;
}

int qtr_slot_push(qtr_slot *s, const qtr_h5_block *blk, size_t k)
{
    if (s->npush >= s->cap) return -1;
    s->item[s->npush].blk = blk;
    s->item[s->npush].k = k;
    s->npush++;
    return 0;
}

void qtr_slot_publish(qtr_slot *s)
{
    /* release: each item, and the block rows it points to, are visible
     * before the count that lets a worker claim it */
    atomic_store_explicit(&s->nitem, s->npush, memory_order_release);
}

size_t qtr_slot_waiting(const qtr_slot *s)
{
    size_t n = atomic_load(&s->nitem), next = atomic_load(&s->next);
    return next < n ? n - next : 0;
}

size_t qtr_slot_unfinished(const qtr_slot *s)
{
    size_t n = atomic_load(&s->nitem), d = atomic_load(&s->ndone);
    return d < n ? n - d : 0;
}

int qtr_slot_done(const qtr_slot *s)
{
    return atomic_load(&s->nitem) == s->npush &&
           atomic_load_explicit(&s->ndone, memory_order_acquire) == s->npush;
}

/* Claim the next published item of @p s: its index, or SIZE_MAX. */
static size_t claim(qtr_slot *s)
{
    size_t i = atomic_load_explicit(&s->next, memory_order_acquire);
    for (;;) {
        size_t n = atomic_load_explicit(&s->nitem, memory_order_acquire);
        if (i >= n) return SIZE_MAX;
        if (atomic_compare_exchange_weak_explicit(&s->next, &i, i + 1, memory_order_acq_rel,
                                                  memory_order_acquire))
            return i;
    }
}

/* ---- long results: compressed chunks -------------------------------------------- */

/* Compress the whole chunks of the long segments of @p c's instructions,
 * parameters and operands (those that start at a chunk boundary,
 * qtr_h5_segment_start) into @p o, here on the worker rather than on the
 * rank that writes the file: with 2 ranks x 1 thread, rank 0 compressed
 * every rank's results, 8 of its coordinator's 9 s of CPU in a 29 s run.
 * Out of memory, the chunks are just left to the writer. */
static void compress_long_segments(const qtr_circuit *c, qtr_work_out *o,
                                   const qtr_h5_prechunk *inst_pre, size_t ninst_pre)
{
    const int pools[3] = {QTR_H5_POOL_INST, QTR_H5_POOL_PARAMS, QTR_H5_POOL_ARGS};
    const void *elems[3] = {c->inst, c->params, c->args};
    const uint64_t count[3] = {c->ninst, c->nparams, c->nargs};
    size_t ndata = 0;
    for (int j = 0; j < 3; j++) {
        if (!qtr_h5_segment_aligned(pools[j], count[j]) || (j == 0 && ninst_pre)) continue;
        if (qtr_h5_chunk_encode_segment(pools[j], elems[j], count[j], &o->pre, &o->npre, &o->predata,
                                        &ndata)) {
            free(o->pre);
            free(o->predata);
            o->pre = NULL;
            o->predata = NULL;
            o->npre = 0;
            return;
        }
    }
    if (o->predata && ndata) {
        unsigned char *d = realloc(o->predata, ndata);  /* give back the slack */
        if (d) o->predata = d;
    }
    for (size_t i = 0; i < o->npre; i++) o->pre[i].data = o->predata + o->pre[i].offset;
    if (!ninst_pre) return;
    /* shared instruction chunks (a sweep's bound rows) go first: the table
     * is sorted by pool, and the instruction pool is the first */
    qtr_h5_prechunk *t = realloc(o->pre, (o->npre + ninst_pre) * sizeof *t);
    if (!t) return;  /* the writer compresses them instead */
    memmove(t + ninst_pre, t, o->npre * sizeof *t);
    memcpy(t, inst_pre, ninst_pre * sizeof *t);
    o->pre = t;
    o->npre += ninst_pre;
}

/* ---- small results into the slot's keep ---------------------------------------- */

/* Results up to this size are copied into the keep: the short circuits that
 * make up most rounds. Longer ones keep their own arrays, which are mapped
 * on their own anyway (above the mmap threshold, batch_main.c). */
#define KEEP_MAX ((size_t)128 << 10)

static size_t regs_bytes(const qtr_reg *r, size_t n)
{
    size_t b = n * sizeof *r;
    for (size_t i = 0; i < n; i++) b += strlen(r[i].name) + 1;
    return b;
}

/* Bytes the copy of @p c and @p res takes, without alignment. */
static size_t result_bytes(const qtr_circuit *c, const qtr_result *res)
{
    return sizeof *c + c->ninst * sizeof *c->inst + c->nparams * sizeof *c->params +
           c->nargs * sizeof *c->args + regs_bytes(c->qregs, c->nqregs) +
           regs_bytes(c->cregs, c->ncregs) + (c->name ? strlen(c->name) + 1 : 0) +
           2 * (size_t)res->nvirtual * sizeof(uint32_t);
}

/* A copy of @p n bytes of @p src in @p k (NULL only when @p n is 0). */
static void *keep_copy(qtr_keep *k, const void *src, size_t n, int *oom)
{
    if (!n || *oom) return NULL;
    void *p = qtr_keep_alloc(k, n);
    if (!p) {
        *oom = 1;
        return NULL;
    }
    memcpy(p, src, n);
    return p;
}

static qtr_reg *keep_regs(qtr_keep *k, const qtr_reg *r, size_t n, int *oom)
{
    qtr_reg *copy = keep_copy(k, r, n * sizeof *r, oom);
    for (size_t i = 0; copy && i < n; i++)
        copy[i].name = keep_copy(k, r[i].name, strlen(r[i].name) + 1, oom);
    return *oom ? NULL : copy;
}

/* Move @p o's circuit and layouts into @p k when they are small. The
 * originals are freed; with too little memory they simply stay. */
static void keep_result(qtr_keep *k, qtr_work_out *o)
{
    const qtr_circuit *c = o->circ;
    if (o->borrowed_inst || result_bytes(c, &o->res) > KEEP_MAX) return;
    int oom = 0;
    qtr_circuit *copy = keep_copy(k, c, sizeof *c, &oom);
    if (oom) return;
    copy->inst = keep_copy(k, c->inst, c->ninst * sizeof *c->inst, &oom);
    copy->params = keep_copy(k, c->params, c->nparams * sizeof *c->params, &oom);
    copy->args = keep_copy(k, c->args, c->nargs * sizeof *c->args, &oom);
    copy->qregs = keep_regs(k, c->qregs, c->nqregs, &oom);
    copy->cregs = keep_regs(k, c->cregs, c->ncregs, &oom);
    copy->name = c->name ? keep_copy(k, c->name, strlen(c->name) + 1, &oom) : NULL;
    size_t nlay = (size_t)o->res.nvirtual * sizeof(uint32_t);
    uint32_t *init = keep_copy(k, o->res.initial_layout, o->res.initial_layout ? nlay : 0, &oom);
    uint32_t *perm = keep_copy(k, o->res.output_permutation, o->res.output_permutation ? nlay : 0, &oom);
    if (oom) return;  /* the keep's partial copy goes with the round */
    /* the copy's capacities are its counts: nothing grows it any more */
    copy->capinst = copy->ninst;
    copy->capparams = copy->nparams;
    copy->capargs = copy->nargs;
    copy->capqregs = copy->nqregs;
    copy->capcregs = copy->ncregs;
    qtr_circuit_free(o->circ);
    qtr_result_free(&o->res);
    o->circ = copy;
    o->res.initial_layout = init;
    o->res.output_permutation = perm;
    o->kept = 1;
}

/* ---- one circuit ------------------------------------------------------------ */

/* Transpile item @p i of slot @p s into its output, on team thread @p tid. */
static void work_one(const qtr_team *t, qtr_slot *s, size_t i, int tid)
{
    const qtr_work_item *it = &s->item[i];
    const qtr_h5_row *row = &it->blk->row[it->k];
    qtr_work_out *o = &s->out[i];
    uint64_t seed = qtr_seed_for(t->opts.seed, row->index);
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, seed);
    ctx.max_memory = t->max_memory;
    double t0 = now(), c0 = qtr_thread_cpu();
    qtr_circuit *c = NULL;
    qtr_status st;
    int made = 0;
    if (t->make_row) {
        st = t->make_row(t->make_ud, row->index, &c, &o->res, &made, &ctx);
        o->have_res = made && !st;
    } else if (t->storage == QTR_H5_QASMTEXT) {
        char display[sizeof row->name + 32];
        if (row->name[0]) snprintf(display, sizeof display, "%s", row->name);
        else snprintf(display, sizeof display, "circuit %llu", (unsigned long long)row->index);
        /* a text the reader could not take from the file: its own failure */
        st = row->defect ? qtr_fail(&ctx, row->defect_code ? (qtr_status)row->defect_code
                                                           : QTR_EPARSE,
                                    "%s", qtr_h5_block_defect(it->blk, it->k))
                         : qtr_qasm_read_mem(qtr_h5_block_text(it->blk, it->k),
                                             row->count[QTR_H5_POOL_TEXT], display, &c, &ctx);
    } else {
        st = qtr_h5_block_circuit(it->blk, it->k, t->opmap, &c, &ctx);
    }
    if (!st && !made) {
        qtr_options opt = t->opts;
        opt.seed = seed;
        st = qtr_transpile(c, t->target, &opt, &o->res, &ctx);
        o->have_res = 1;
    }
    o->seconds = now() - t0;
    o->cpu = qtr_thread_cpu() - c0;
    o->code = st;
    if (st) {
        o->status = QTR_H5_ERROR;
        const char *m = qtr_ctx_message(&ctx);
        o->msg = strdup(m[0] ? m : qtr_status_text(st));
        qtr_circuit_free(c);
        qtr_result_free(&o->res);
        /* input statistics exist only if the pipeline got as far as them */
        o->have_res = o->have_res && o->res.in.size;
    } else {
        o->status = QTR_H5_OK;
        o->circ = c;
        o->borrowed_inst = (made & QTR_ROW_SHARES_INST) != 0;
        if (t->precompress) {
            size_t nshared = 0;
            const qtr_h5_prechunk *shared =
                made && t->row_inst_chunks ? t->row_inst_chunks(t->make_ud, row->index, &nshared) : NULL;
            compress_long_segments(c, o, shared, shared ? nshared : 0);
        }
        keep_result(&s->keep[tid], o);
    }
    atomic_fetch_add_explicit(&s->ndone, 1, memory_order_release);
}

/* Take and do one item, oldest round first. 1 if one was done. */
static int take_one(qtr_team *t, int tid)
{
    int old = atomic_load_explicit(&t->oldest, memory_order_acquire);
    for (int k = 0; k < QTR_NSLOTS; k++) {
        qtr_slot *s = &t->slot[(old + k) % QTR_NSLOTS];
        size_t i = claim(s);
        if (i != SIZE_MAX) {
            work_one(t, s, i, tid);
            return 1;
        }
    }
    return 0;
}

/* ---- the team ------------------------------------------------------------------ */

/* The coordinator alone: it does the items itself when it has to wait. */
static void run_alone(qtr_team *t)
{
    for (;;) {
        int r = t->coordinate(t->ud, t);
        if (r == QTR_TEAM_FINISHED) return;
        if (r == QTR_TEAM_IDLE && !take_one(t, 0)) nap(100);
    }
}

void qtr_team_run(qtr_team *t)
{
#ifdef _OPENMP
    if (t->nthreads >= 1 && qtr_work_threads_supported()) {
        atomic_int finished;
        atomic_init(&finished, 0);
#pragma omp parallel num_threads(t->nthreads + 1) default(shared)
        {
            int tid = omp_get_thread_num(), team = omp_get_num_threads();
            /* A circuit is transpiled by one thread: parallel regions inside
             * the pipeline (SABRE trials) run nested, with one thread, and
             * must also count one thread. They size their scratch, and so
             * the peak_bytes statistic, by omp_get_max_threads(), which is
             * still OMP_NUM_THREADS in a nested region: with 2 threads per
             * rank, row 8002 of the 10,000-circuit bench (adder_8) reported
             * 157,861 bytes against 156,690 with one, the only value in
             * which the results of 1 x 2 and 1 x 1 differed. */
            omp_set_num_threads(1);
            if (team < 2) {
                /* the runtime gave us one thread (a thread limit) */
                run_alone(t);
            } else if (tid == 0) {
                /* naps double while nothing happens, up to 2 ms: at a
                 * constant 200 us the coordinator's polling took ~8% of a
                 * core (1,000 circuits, 1 x 1: coordinator CPU 1.3 s, of
                 * which 0.8 s commits and 0.1 s reads, for 4.5 s of
                 * transpiling), CPU a second rank's worker needs */
                long us = 200;
                for (;;) {
                    int r = t->coordinate(t->ud, t);
                    if (r == QTR_TEAM_FINISHED) break;
                    if (r == QTR_TEAM_IDLE) {
                        nap(us);
                        if (us < 2000) us *= 2;
                    } else {
                        us = 200;
                    }
                }
                atomic_store(&finished, 1);
            } else {
                while (!atomic_load(&finished))
                    if (!take_one(t, tid)) {
                        double t0 = now();
                        nap(100);
                        atomic_fetch_add_explicit(&t->idle_ns, (uint_least64_t)((now() - t0) * 1e9),
                                                  memory_order_relaxed);
                    }
            }
        }
        return;
    }
#endif
    run_alone(t);
}
