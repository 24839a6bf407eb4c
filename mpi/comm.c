/* comm.c -- MPI start-up, the collectives of comm.h, and the HDF5 MPI-IO
 * property lists. The only file besides counter.c that calls MPI.
 *
 * Owns: MPI's initialisation (when it started it) and the fapl/dxpl.
 * Without QTR_HAVE_MPI every function works on a world of one. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <hdf5.h>
#ifdef QTR_HAVE_MPI
#include <mpi.h>
#endif
#include "comm.h"

int qtr_comm_built_with_mpi(void)
{
#ifdef QTR_HAVE_MPI
    return 1;
#else
    return 0;
#endif
}

int qtr_comm_built_with_parallel_hdf5(void)
{
#if defined(QTR_HAVE_MPI) && defined(QTR_HDF5_PARALLEL)
    return 1;
#else
    return 0;
#endif
}

#ifdef QTR_HAVE_MPI
/* Launchers announce themselves in the environment: Open MPI's mpirun
 * (OMPI_COMM_WORLD_SIZE), PMIx (Open MPI 4/5, srun --mpi=pmix), PMI-1/2
 * (MPICH's hydra, srun --mpi=pmi2). Slurm's SLURM_PROCID alone is not enough:
 * it is also set in a plain batch script, where a singleton would start. */
static int launched_by_mpi(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK",
                                       "PMI_SIZE", "MPI_LOCALNRANKS"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        if (getenv(vars[i])) return 1;
    return 0;
}
#endif

/* srun starts every task of a step itself. Without an MPI plugin (srun
 * --mpi=none, which is Slurm's default MpiDefault) or in a build without
 * MPI, its N tasks are N worlds of one, each transpiling the whole batch
 * into the same results file, and the second to create it truncates the
 * file the first is writing (seen with Slurm 22.05, `srun -n 2`: the
 * results file was left unreadable). Refused before any file is touched. */
static int check_slurm_step(const qtr_comm *c, qtr_ctx *ctx)
{
    const char *v = getenv("SLURM_STEP_NUM_TASKS");
    long ntasks = v ? strtol(v, NULL, 10) : 0;
    if (ntasks <= 1 || c->size > 1) return 0;
    if (qtr_comm_built_with_mpi())
        qtr_fail(ctx, QTR_EINVAL,
                 "srun started %ld tasks, but not as the ranks of one MPI job: each would write "
                 "the whole batch into the same results file. Start them with `srun --mpi=pmix` "
                 "(`srun --mpi=list` shows this Slurm's plugins) or mpirun; for one batch per "
                 "task, use a job array (examples/sbatch/job_array.sbatch)", ntasks);
    else
        qtr_fail(ctx, QTR_EINVAL,
                 "srun started %ld tasks, but this qtranspile was built without MPI: each would "
                 "write the whole batch into the same results file. Run one task with threads "
                 "(`srun -n 1 --cpus-per-task=N`), or one batch per task in a job array", ntasks);
    return -1;
}

int qtr_comm_init(qtr_comm *c, int *argc, char ***argv, int parallel_writes, qtr_ctx *ctx)
{
    (void)parallel_writes;  /* meaningful with MPI and parallel HDF5 only */
    memset(c, 0, sizeof *c);
    c->size = c->local_size = 1;
    c->fapl = c->dxpl = -1;
#ifdef QTR_HAVE_MPI
    if (!launched_by_mpi()) return check_slurm_step(c, ctx);
    /* A rank waiting in a collective (the commit's writes, while another
     * rank compresses its chunks) polls in a busy loop by default, and takes
     * a core from its own worker threads: a rank runs threads + 1 threads.
     * Open MPI then yields the core between polls (sched_yield); the
     * launcher's or the user's own setting wins (overwrite 0). Measured on
     * 2,000 circuits, 2 ranks x 1 thread: the commits' CPU 6.3 -> 2.9 s,
     * the coordinators' 7.2 -> 3.3 s. Other MPIs ignore the variable. */
    setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        qtr_fail(ctx, QTR_EIO, "MPI_Init_thread failed");
        return -1;
    }
    c->mpi = 1;
    if (provided < MPI_THREAD_FUNNELED) {
        qtr_fail(ctx, QTR_EUNSUPPORTED,
                 "the MPI library gives thread level %d; OpenMP workers need FUNNELED", provided);
        return -1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &c->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &c->size);
    MPI_Comm node;   /* the ranks sharing this node's memory (--max-memory's default) */
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) ==
        MPI_SUCCESS) {
        MPI_Comm_size(node, &c->local_size);
        MPI_Comm_free(&node);
    }
    /* errors come back as codes so a rank can report and stop the others */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
#ifdef QTR_HDF5_PARALLEL
    if (c->size > 1 && parallel_writes) {
        hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), dxpl = H5Pcreate(H5P_DATASET_XFER);
        if (fapl < 0 || dxpl < 0 || H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL) < 0 ||
            H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE) < 0) {
            qtr_fail(ctx, QTR_EIO, "HDF5: cannot set up MPI-IO");
            return -1;
        }
        c->fapl = fapl;
        c->dxpl = dxpl;
        c->parallel_io = 1;
    }
#endif
#else
    (void)argc;
    (void)argv;
#endif
    return check_slurm_step(c, ctx);
}

void qtr_comm_fini(qtr_comm *c)
{
    free(c->ibarrier);  /* only left pending when the run failed */
    c->ibarrier = NULL;
    if (c->fapl >= 0) H5Pclose(c->fapl);
    if (c->dxpl >= 0) H5Pclose(c->dxpl);
    c->fapl = c->dxpl = -1;
#ifdef QTR_HAVE_MPI
    if (c->mpi) MPI_Finalize();
#endif
    c->mpi = 0;
}

void qtr_comm_abort(qtr_comm *c, int code)
{
#ifdef QTR_HAVE_MPI
    if (c->mpi && c->size > 1) MPI_Abort(MPI_COMM_WORLD, code);
#endif
    (void)c;
    (void)code;
}

const char *qtr_comm_describe(const qtr_comm *c, char *buf, size_t len)
{
    if (c->size == 1)
        snprintf(buf, len, "1 process%s", c->mpi ? " (MPI)" : "");
    else
        snprintf(buf, len, "%d ranks (MPI), %s HDF5 writes", c->size,
                 c->parallel_io ? "parallel" : "rank-0");
    return buf;
}

int qtr_comm_barrier(qtr_comm *c)
{
#ifdef QTR_HAVE_MPI
    if (c->mpi && c->size > 1) return MPI_Barrier(MPI_COMM_WORLD) == MPI_SUCCESS ? 0 : -1;
#endif
    (void)c;
    return 0;
}

int qtr_comm_ibarrier(qtr_comm *c)
{
#ifdef QTR_HAVE_MPI
    if (c->mpi && c->size > 1) {
        MPI_Request *r = malloc(sizeof *r);
        if (!r || MPI_Ibarrier(MPI_COMM_WORLD, r) != MPI_SUCCESS) {
            free(r);
            return -1;
        }
        c->ibarrier = r;
    }
#endif
    (void)c;
    return 0;
}

int qtr_comm_ibarrier_done(qtr_comm *c)
{
#ifdef QTR_HAVE_MPI
    if (c->ibarrier) {
        int flag = 0;
        if (MPI_Test((MPI_Request *)c->ibarrier, &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS) return -1;
        if (!flag) return 0;
        free(c->ibarrier);
        c->ibarrier = NULL;
    }
#endif
    (void)c;
    return 1;
}

#ifdef QTR_HAVE_MPI
/* Complete @p n requests without spinning: test, let the caller's hook
 * run (it keeps the workers fed), nap 50 us doubling to 1 ms. A blocking
 * MPI call polls at full speed, and the coordinator that waits shares its
 * core with a worker: rank 0 spent 3.3 s of CPU (2 ranks x 1 thread, a
 * core each) waiting for another rank to compress its results. */
static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* As wait_all, but for at most @p seconds (<= 0: no limit): 1 when the
 * requests are still pending then (they stay posted). */
static int wait_all_within(qtr_comm *c, int n, MPI_Request *req, MPI_Status *st, double seconds)
{
    long us = 50;
    double until = seconds > 0 ? mono_now() + seconds : 0;
    for (;;) {
        int done = 0;
        if (MPI_Testall(n, req, &done, st ? st : MPI_STATUSES_IGNORE) != MPI_SUCCESS) return -1;
        if (done) return 0;
        if (until > 0 && mono_now() >= until) return 1;
        if (c->waiting) c->waiting(c->waiting_ud);
        struct timespec ts = {0, us * 1000};
        nanosleep(&ts, NULL);
        if (us < 1000) us *= 2;
    }
}

static int wait_all(qtr_comm *c, int n, MPI_Request *req, MPI_Status *st)
{
    return wait_all_within(c, n, req, st, 0);
}

static int wait_one(qtr_comm *c, MPI_Request *req, MPI_Status *st)
{
    return wait_all(c, 1, req, st);
}
#endif

int qtr_comm_bcast(qtr_comm *c, void *buf, size_t bytes, int root)
{
#ifdef QTR_HAVE_MPI
    if (c->mpi && c->size > 1) {
        if (bytes > (size_t)1 << 30) return -1;
        MPI_Request rq;
        if (MPI_Ibcast(buf, (int)bytes, MPI_BYTE, root, MPI_COMM_WORLD, &rq) != MPI_SUCCESS) return -1;
        return wait_one(c, &rq, NULL);
    }
#endif
    (void)c;
    (void)buf;
    (void)bytes;
    (void)root;
    return 0;
}

int qtr_comm_max_int(qtr_comm *c, int *v)
{
#ifdef QTR_HAVE_MPI
    if (c->mpi && c->size > 1) {
        MPI_Request rq;
        if (MPI_Iallreduce(MPI_IN_PLACE, v, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD, &rq) != MPI_SUCCESS)
            return -1;
        return wait_one(c, &rq, NULL);
    }
#endif
    (void)c;
    (void)v;
    return 0;
}

int qtr_comm_max_int_within(qtr_comm *c, int *v, double seconds)
{
#ifdef QTR_HAVE_MPI
    if (c->mpi && c->size > 1) {
        MPI_Request rq;
        if (MPI_Iallreduce(MPI_IN_PLACE, v, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD, &rq) != MPI_SUCCESS)
            return -1;
        return wait_all_within(c, 1, &rq, NULL, seconds);
    }
#endif
    (void)c;
    (void)v;
    (void)seconds;
    return 0;
}

int qtr_comm_sum_u64(qtr_comm *c, uint64_t *v)
{
#ifdef QTR_HAVE_MPI
    if (c->mpi && c->size > 1)
        return MPI_Allreduce(MPI_IN_PLACE, v, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD) ==
                       MPI_SUCCESS
                   ? 0
                   : -1;
#endif
    (void)c;
    (void)v;
    return 0;
}

int qtr_comm_gather(qtr_comm *c, const void *buf, size_t n, void **out, size_t **counts,
                    qtr_ctx *ctx)
{
    *out = NULL;
    *counts = NULL;
    if (c->size == 1 || !c->mpi) {
        *counts = malloc(sizeof **counts);
        *out = malloc(n ? n : 1);
        if (!*counts || !*out) {
            free(*counts);
            free(*out);
            *out = NULL;
            *counts = NULL;
            qtr_fail(ctx, QTR_ENOMEM, "gather of %zu bytes", n);
            return -1;
        }
        (*counts)[0] = n;
        if (n) memcpy(*out, buf, n);
        return 0;
    }
#ifdef QTR_HAVE_MPI
    /* MPI counts are ints: a round's data per rank stays far below 2 GiB
     * (the round size bounds it), and we check rather than truncate */
    if (n > (size_t)INT32_MAX) {
        qtr_fail(ctx, QTR_ELIMIT, "a round's results on one rank exceed 2 GiB; use a smaller --round");
        return -1;
    }
    int mine = (int)n, *cnt = NULL, *disp = NULL, rc = -1;
    if (c->rank == 0) {
        cnt = malloc((size_t)c->size * sizeof *cnt);
        disp = malloc((size_t)c->size * sizeof *disp);
        if (!cnt || !disp) goto oom0;
    }
    MPI_Request rq;
    if (MPI_Igather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, 0, MPI_COMM_WORLD, &rq) != MPI_SUCCESS ||
        wait_one(c, &rq, NULL)) {
        qtr_fail(ctx, QTR_EIO, "MPI_Gather failed");
        goto done;
    }
    if (c->rank == 0) {
        size_t total = 0;
        for (int r = 0; r < c->size; r++) {
            if (total + (size_t)cnt[r] > (size_t)INT32_MAX) {
                qtr_fail(ctx, QTR_ELIMIT, "a round's results exceed 2 GiB at rank 0; use a smaller --round");
                cnt[0] = -1;
                break;
            }
            disp[r] = (int)total;
            total += (size_t)cnt[r];
        }
        if (cnt[0] >= 0) {
            *counts = malloc((size_t)c->size * sizeof **counts);
            *out = malloc(total ? total : 1);
            if (!*counts || !*out) goto oom0;
            for (int r = 0; r < c->size; r++) (*counts)[r] = (size_t)cnt[r];
        }
    }
    /* every rank must enter Gatherv: rank 0 signals a failure by a NULL out
     * and reports after */
    if (MPI_Igatherv(buf, mine, MPI_BYTE, *out, cnt, disp, MPI_BYTE, 0, MPI_COMM_WORLD, &rq) !=
            MPI_SUCCESS ||
        wait_one(c, &rq, NULL)) {
        qtr_fail(ctx, QTR_EIO, "MPI_Gatherv failed");
        goto done;
    }
    rc = c->rank == 0 && !*out ? -1 : 0;
    goto done;
oom0:
    qtr_fail(ctx, QTR_ENOMEM, "gathering a round at rank 0");
done:
    free(cnt);
    free(disp);
    if (rc) {
        free(*out);
        free(*counts);
        *out = NULL;
        *counts = NULL;
    }
    return rc;
#else
    return -1;
#endif
}

int qtr_comm_scatter(qtr_comm *c, const void *buf, const size_t *counts, void *out, size_t n,
                     qtr_ctx *ctx)
{
    if (c->size == 1 || !c->mpi) {
        if (n) memcpy(out, buf, n);
        return 0;
    }
#ifdef QTR_HAVE_MPI
    int *cnt = NULL, *disp = NULL, rc = -1;
    if (c->rank == 0) {
        cnt = malloc((size_t)c->size * sizeof *cnt);
        disp = malloc((size_t)c->size * sizeof *disp);
        if (!cnt || !disp) {
            qtr_fail(ctx, QTR_ENOMEM, "scatter");
            goto done;
        }
        size_t at = 0;
        for (int r = 0; r < c->size; r++) {
            cnt[r] = (int)counts[r];
            disp[r] = (int)at;
            at += counts[r];
        }
    }
    MPI_Request rq;
    if (MPI_Iscatterv(buf, cnt, disp, MPI_BYTE, out, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD, &rq) !=
            MPI_SUCCESS ||
        wait_one(c, &rq, NULL)) {
        qtr_fail(ctx, QTR_EIO, "MPI_Scatterv failed");
        goto done;
    }
    rc = 0;
done:
    free(cnt);
    free(disp);
    return rc;
#else
    (void)buf;
    (void)counts;
    (void)ctx;
    return -1;
#endif
}

void qtr_comm_progress(qtr_comm *c)
{
#ifdef QTR_HAVE_MPI
    /* some one-sided transports (emulated atomics over TCP) only advance
     * when the target calls into MPI; a probe is the cheapest such call */
    if (c->mpi && c->size > 1) {
        int flag;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
    }
#endif
    (void)c;
}

#ifdef QTR_HAVE_MPI
/* Byte range [p * PIECE, ...) of the n bytes in a segmented message. A
 * message travels as pieces of 4 MiB of the segments' concatenation, each
 * one contiguous on both sides: transports copy a contiguous message of
 * this size in one go (Open MPI over shared memory reads it straight from
 * the sender with CMA), where a message described by a derived datatype
 * was packed and unpacked in 32 KiB fragments, each a hand-off between
 * the two ranks' coordinators. Those share their cores with workers, so
 * every hand-off waited for the scheduler: 2 ranks x 1 thread with a core
 * each spent 5.3 s of a 30 s run moving results to rank 0 (hwb12's 49 MB
 * in 0.26-0.37 s). */
#define PIECE ((size_t)4 << 20)

static size_t piece_len(size_t n, size_t p)
{
    size_t at = p * PIECE;
    return n - at < PIECE ? n - at : PIECE;
}

/* Where a stream is in its ranges: range si, byte so of it. */
typedef struct {
    size_t si, so;
} stream_at;

/* The next @p pl bytes of the stream when they lie in one range (then the
 * position moves past them), else NULL. */
static char *piece_in_one(void *const *seg, const size_t *len, size_t nseg, stream_at *at, size_t pl)
{
    while (at->si < nseg && at->so == len[at->si]) at->si++, at->so = 0;
    if (len[at->si] - at->so < pl) return NULL;
    char *p = (char *)seg[at->si] + at->so;
    at->so += pl;
    return p;
}

/* Copy the next @p pl bytes of the stream, across ranges, into the
 * staging buffer (@p gather) or out of it. */
static void stage_copy(void *const *seg, const size_t *len, stream_at *at, char *stage, size_t pl,
                       int gather)
{
    for (size_t done = 0; done < pl;) {
        while (at->so == len[at->si]) at->si++, at->so = 0;
        size_t take = len[at->si] - at->so < pl - done ? len[at->si] - at->so : pl - done;
        char *r = (char *)seg[at->si] + at->so;
        if (gather) memcpy(stage + done, r, take);
        else memcpy(r, stage + done, take);
        done += take;
        at->so += take;
    }
}

/* The staging buffer of a transfer, allocated the first time a piece
 * crosses ranges; NULL (and the failure in @p ctx) when memory is short. */
static char *stage_buffer(char **stage, qtr_ctx *ctx)
{
    if (!*stage && !(*stage = malloc(PIECE))) qtr_fail(ctx, QTR_ENOMEM, "a staging buffer for results");
    return *stage;
}
#endif

int qtr_comm_send_segments(qtr_comm *c, int dest, int tag, size_t nseg, const void *const *seg,
                           const size_t *len, qtr_ctx *ctx)
{
#ifdef QTR_HAVE_MPI
    if (c->mpi && c->size > 1) {
        size_t total = 0;
        for (size_t i = 0; i < nseg; i++) total += len[i];
        size_t np = (total + PIECE - 1) / PIECE, nreq = 0;
        stream_at at = {0, 0};
        void *const *rs = (void *const *)seg;  /* only read here */
        MPI_Request *req = malloc((np ? np : 1) * sizeof *req);
        char *stage = NULL;
        int rc = 0, nomem = 0;
        if (!req) {
            qtr_fail(ctx, QTR_ENOMEM, "pieces of a message");
            return -1;
        }
        /* a piece inside one segment goes from there (zero copy, in flight
         * while the next is prepared); a piece across segments is gathered
         * into one staging buffer and sent before the buffer is reused */
        for (size_t p = 0; p < np && !rc; p++) {
            size_t pl = piece_len(total, p);
            const char *in_one = piece_in_one(rs, len, nseg, &at, pl);
            if (in_one) {
                if (MPI_Isend(in_one, (int)pl, MPI_BYTE, dest, tag, MPI_COMM_WORLD, &req[nreq++]) !=
                    MPI_SUCCESS)
                    rc = -1;
                continue;
            }
            if (!stage_buffer(&stage, ctx)) {
                rc = nomem = -1;
                break;
            }
            stage_copy(rs, len, &at, stage, pl, 1);
            MPI_Request one;
            if (MPI_Isend(stage, (int)pl, MPI_BYTE, dest, tag, MPI_COMM_WORLD, &one) != MPI_SUCCESS ||
                wait_one(c, &one, NULL))
                rc = -1;
        }
        if (nreq && wait_all(c, (int)nreq, req, NULL)) rc = -1;
        if (rc && !nomem)
            qtr_fail(ctx, QTR_EIO, "MPI_Send of %zu bytes to rank %d failed", total, dest);
        free(stage);
        free(req);
        return rc;
    }
#endif
    (void)c; (void)dest; (void)tag; (void)nseg; (void)seg; (void)len;
    qtr_fail(ctx, QTR_EINVAL, "internal: a message to another rank without MPI");
    return -1;
}

int qtr_comm_recv_segments(qtr_comm *c, int src, int tag, size_t nseg, void *const *seg,
                           const size_t *len, qtr_ctx *ctx)
{
#ifdef QTR_HAVE_MPI
    if (c->mpi && c->size > 1) {
        size_t total = 0;
        for (size_t i = 0; i < nseg; i++) total += len[i];
        size_t np = (total + PIECE - 1) / PIECE, nreq = 0;
        stream_at at = {0, 0};
        MPI_Request *req = malloc((np ? np : 1) * sizeof *req);
        MPI_Status *st = malloc((np ? np : 1) * sizeof *st);
        size_t *want = malloc((np ? np : 1) * sizeof *want);
        char *stage = NULL;
        int rc = 0, nomem = 0;
        if (!req || !st || !want) {
            rc = nomem = -1;
            qtr_fail(ctx, QTR_ENOMEM, "pieces of a message");
        }
        /* as the sender cuts: a piece inside one range is received there
         * (posted at once, so the sender never waits for this rank to ask
         * for the next); a piece across ranges into the staging buffer,
         * then spread over them */
        for (size_t p = 0; p < np && !rc; p++) {
            size_t pl = piece_len(total, p);
            char *in_one = piece_in_one(seg, len, nseg, &at, pl);
            if (in_one) {
                want[nreq] = pl;
                if (MPI_Irecv(in_one, (int)pl, MPI_BYTE, src, tag, MPI_COMM_WORLD, &req[nreq++]) !=
                    MPI_SUCCESS)
                    rc = -1;
                continue;
            }
            if (!stage_buffer(&stage, ctx)) {
                rc = nomem = -1;
                break;
            }
            MPI_Status one;
            MPI_Request rq;
            int got = 0;
            if (MPI_Irecv(stage, (int)pl, MPI_BYTE, src, tag, MPI_COMM_WORLD, &rq) != MPI_SUCCESS ||
                wait_one(c, &rq, &one) ||
                MPI_Get_count(&one, MPI_BYTE, &got) != MPI_SUCCESS || (size_t)got != pl) {
                rc = -1;
                break;
            }
            stage_copy(seg, len, &at, stage, pl, 0);
        }
        if (nreq && wait_all(c, (int)nreq, req, st)) rc = -1;
        for (size_t i = 0; i < nreq && !rc; i++) {
            int got = 0;
            if (MPI_Get_count(&st[i], MPI_BYTE, &got) != MPI_SUCCESS || (size_t)got != want[i]) rc = -1;
        }
        if (rc && !nomem)
            qtr_fail(ctx, QTR_EIO, "MPI: receiving %zu bytes of results from rank %d failed", total, src);
        free(stage);
        free(req);
        free(st);
        free(want);
        return rc;
    }
#endif
    (void)c; (void)src; (void)tag; (void)nseg; (void)seg; (void)len;
    qtr_fail(ctx, QTR_EINVAL, "internal: a message from another rank without MPI");
    return -1;
}
