/* batch_main.c -- `qtranspile BATCH.h5 -o RESULTS.h5 ...`: the batch driver.
 *
 *   every rank: open the batch (read-only), load the target
 *   rank 0 (or all ranks, with parallel HDF5): create or reopen the results
 *   for each round of consecutive rows (planned from the index alone, the
 *   same on every rank):
 *       read own static block, transpile it with the OpenMP workers, claim
 *       dynamic chunks from the shared counter until none are left
 *       commit the round (rounds.c): place in row order, write, flush,
 *       mark done
 *       stop after the round on SIGTERM / SIGINT / SIGUSR1 (exit 3)
 *
 * Owns: the files, target, queue and blocks of the run, all released before
 * returning. Messages go to stderr; a failure seen on several ranks is
 * reported once (by the lowest failing rank). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_batch.h"
#include "comm.h"
#include "h5_store.h"
#include "partition.h"
#include "progress.h"
#include "qtr_io.h"
#include "rounds.h"
#include "signals.h"
#include "worker.h"

#define PROG "qtranspile"
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_STOPPED = 3 };

/* Rows per worker thread per round, and instructions per rank per round:
 * large enough that a round's fixed costs (placement, a dozen collective
 * writes, two flushes) are small next to its transpiling, small enough that
 * a round's circuits fit comfortably in memory and a killed run loses
 * little. */
#define ROWS_PER_THREAD   256
#define WEIGHT_PER_RANK   (4u << 20)
/* Share of a round's cost handed out as static blocks; the rest goes in
 * chunks through the counter. */
#define STATIC_FRACTION   0.5

typedef struct {
    const char *input, *output, *target, *basis;
    int         opt_level;
    uint64_t    seed;
    int         resume;
    qtr_progress_mode progress;
    int         threads;        /* 0: the OpenMP default */
    size_t      round_rows;     /* per rank; 0: ROWS_PER_THREAD x threads */
} batch_opts;

/* ======================================================================
 * Messages
 * ====================================================================== */

static void say(const qtr_comm *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(const qtr_comm *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (c && c->size > 1) fprintf(stderr, PROG ": rank %d: ", c->rank);
    else fputs(PROG ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(PROG ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fputs("Try '" PROG " --help' for more information.\n", stderr);
    return EXIT_USAGE;
}

/* Every rank says whether it failed; the lowest failing rank prints its
 * message (so an error every rank hits is printed once). 1 if any failed. */
static int any_failed(qtr_comm *c, int failed, const qtr_ctx *ctx)
{
    int who = failed ? c->size - c->rank : 0;
    if (qtr_comm_max_int(c, &who)) who = c->size - c->rank;
    if (!who) return 0;
    if (c->size - who == c->rank) say(c->size > 1 && c->rank ? c : NULL, "%s", ctx->msg);
    return 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* ======================================================================
 * Command line
 * ====================================================================== */

static void print_help(void)
{
    fputs(
"Usage: " PROG " BATCH.h5 -o RESULTS.h5 -t TARGET [options]   transpile a batch\n"
"       mpirun -n RANKS " PROG " BATCH.h5 -o RESULTS.h5 -t TARGET [options]\n"
"\n"
"Transpile options (as for one circuit):\n"
"  -o, --output FILE          results file (HDF5, doc/hdf5-format.md)\n"
"  -t, --target TARGET        device: built-in name, generator or JSON file\n"
"  -O, --optimization-level N 0..3 (default 2)\n"
"      --basis LIST           comma-separated basis gates (replaces the target's)\n"
"      --seed N               global seed; circuit i uses a seed derived from\n"
"                             it and i (default 0)\n"
"Batch options:\n"
"      --resume               keep the rows RESULTS.h5 already has, do the rest\n"
"      --progress=MODE        auto (bar on a terminal, else log lines), bar, log,\n"
"                             none (default auto)\n"
"      --threads N            OpenMP worker threads per rank (default\n"
"                             OMP_NUM_THREADS, else all cores)\n"
"      --round N              circuits per rank per round (default 256 x threads)\n"
"\n"
"Exit status: 0 all ok; 1 some circuits failed (recorded in RESULTS.h5);\n"
"2 usage, input or I/O error; 3 stopped by a signal, run again with --resume.\n"
"See doc/batch.md.\n",
          stdout);
}

static int parse_u64(const char *s, uint64_t *out)
{
    if (!s || s[0] < '0' || s[0] > '9') return -1;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return -1;
    *out = (uint64_t)v;
    return 0;
}

enum { OPT_BASIS = 256, OPT_SEED, OPT_RESUME, OPT_PROGRESS, OPT_THREADS, OPT_ROUND,
       OPT_STATS, OPT_VERIFY, OPT_STREAM };

static const struct option long_opts[] = {
    {"output", required_argument, NULL, 'o'},
    {"target", required_argument, NULL, 't'},
    {"optimization-level", required_argument, NULL, 'O'},
    {"basis", required_argument, NULL, OPT_BASIS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"resume", no_argument, NULL, OPT_RESUME},
    {"progress", required_argument, NULL, OPT_PROGRESS},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"round", required_argument, NULL, OPT_ROUND},
    {"stats", required_argument, NULL, OPT_STATS},
    {"verify", no_argument, NULL, OPT_VERIFY},
    {"stream", no_argument, NULL, OPT_STREAM},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* -1 to go on, else an exit status. */
static int parse_args(int argc, char **argv, batch_opts *o)
{
    opterr = 0;
    optind = 1;
    uint64_t v;
    for (;;) {
        int ch = getopt_long(argc, argv, ":o:t:O:h", long_opts, NULL);
        if (ch == -1) break;
        switch (ch) {
        case 'h': print_help(); return EXIT_OK;
        case 'o': o->output = optarg; break;
        case 't':
            if (!optarg[0]) return usage("-t: empty target");
            o->target = optarg;
            break;
        case 'O':
            if (!(optarg[0] >= '0' && optarg[0] <= '3' && optarg[1] == '\0'))
                return usage("-O: optimization level must be 0, 1, 2 or 3, not '%s'", optarg);
            o->opt_level = optarg[0] - '0';
            break;
        case OPT_BASIS:
            if (!optarg[0]) return usage("--basis: empty list");
            o->basis = optarg;
            break;
        case OPT_SEED:
            if (parse_u64(optarg, &o->seed))
                return usage("--seed: expected a non-negative integer below 2^64, not '%s'", optarg);
            break;
        case OPT_RESUME: o->resume = 1; break;
        case OPT_PROGRESS:
            if (qtr_progress_parse(optarg, &o->progress))
                return usage("--progress: expected auto, bar, log or none, not '%s'", optarg);
            break;
        case OPT_THREADS:
            if (parse_u64(optarg, &v) || v < 1 || v > 4096)
                return usage("--threads: expected 1..4096, not '%s'", optarg);
            o->threads = (int)v;
            break;
        case OPT_ROUND:
            if (parse_u64(optarg, &v) || v < 1 || v > (1u << 24))
                return usage("--round: expected 1..16777216 circuits, not '%s'", optarg);
            o->round_rows = (size_t)v;
            break;
        case OPT_STATS:
        case OPT_VERIFY:
        case OPT_STREAM:
            return usage("--%s is for single circuits; a batch records statistics in its "
                         "results file",
                         ch == OPT_STATS ? "stats" : ch == OPT_VERIFY ? "verify" : "stream");
        case ':': return usage("option '%s' needs an argument", argv[optind - 1]);
        default: return usage("unknown option '%s'", argv[optind - 1]);
        }
    }
    int npos = argc - optind;
    if (npos == 0) return usage("missing input batch");
    if (npos > 1) return usage("expected one input batch, got %d ('%s', '%s'...)", npos,
                               argv[optind], argv[optind + 1]);
    o->input = argv[optind];
    if (!o->output || !o->output[0])
        return usage("a batch needs -o RESULTS.h5 (results are an HDF5 file, not standard output)");
    if (!o->target) return usage("a batch needs -t TARGET");
    struct stat a, b;
    if (!stat(o->input, &a) && !stat(o->output, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        return usage("output '%s' is the input batch; choose another name", o->output);
    return -1;
}

/* ======================================================================
 * One round
 * ====================================================================== */

/* What the refill callback needs: the plan, the input, the blocks rows are
 * read into (one per read, never reallocated while workers run). */
typedef struct {
    qtr_comm       *comm;
    qtr_h5_file    *in;
    qtr_counter    *counter;
    qtr_round_plan  plan;
    uint64_t        first;        /* round's first row */
    const uint8_t  *committed;    /* per round row: done by an earlier run */
    const double   *cost;         /* per round row: estimated cost */
    int             static_done, heavy_phase, exhausted;
    qtr_h5_block   *blk;          /* nblk used of capblk */
    size_t          nblk, capblk;
    double          t_read;       /* seconds in refill (HDF5 reads, counter) */
} round_state;

static qtr_h5_block *next_block(round_state *rs)
{
    if (rs->nblk == rs->capblk) return NULL;  /* sized for the round by the caller */
    qtr_h5_block *b = &rs->blk[rs->nblk++];
    qtr_h5_block_clear(b);
    return b;
}

/* Heaviest first: the order items are queued in a rank (LPT again, for the
 * threads). Ties by row, so the order is reproducible. */
typedef struct {
    double cost;
    size_t k;
} by_cost;

static int cmp_cost_desc(const void *x, const void *y)
{
    const by_cost *a = x, *b = y;
    if (a->cost != b->cost) return a->cost > b->cost ? -1 : 1;
    return a->k < b->k ? -1 : a->k > b->k;
}

/* Read the rows of [s, e) (relative to the round) that chunk @p c takes
 * (SIZE_MAX: a static block) and that are not done yet into a new block, and
 * queue them heaviest first. */
static int queue_rows(round_state *rs, qtr_work *w, size_t s, size_t e, size_t c)
{
    qtr_h5_block *b = next_block(rs);
    if (!b) {
        qtr_fail(&w->ctx, QTR_EINVAL, "internal: more reads than blocks in a round");
        return -1;
    }
#define WANTED(i) (qtr_plan_takes(&rs->plan, c, (i)) && \
                   !(rs->committed && rs->committed[(i)] != QTR_H5_PENDING))
    for (size_t i = s; i < e;) {
        if (!WANTED(i)) {
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < e && WANTED(j)) j++;
        if (qtr_h5_read_rows(rs->in, rs->first + i, j - i, b, &w->ctx)) return -1;
        i = j;
    }
#undef WANTED
    by_cost *ord = malloc((b->n ? b->n : 1) * sizeof *ord);
    if (!ord) {
        qtr_fail(&w->ctx, QTR_ENOMEM, "queue order");
        return -1;
    }
    for (size_t k = 0; k < b->n; k++)
        ord[k] = (by_cost){rs->cost[b->row[k].index - rs->first], k};
    qsort(ord, b->n, sizeof *ord, cmp_cost_desc);
    for (size_t k = 0; k < b->n; k++) qtr_work_push(w, b, ord[k].k);
    free(ord);
    qtr_work_publish(w);
    return 0;
}

/* The order a rank takes its work in, longest first: chunks from the
 * counter while they are heavy rows (each refill one, so every rank gets
 * its share of them), then its static block of light rows, then light
 * chunks until the counter runs out. */
static int refill_once(round_state *rs, qtr_work *w)
{
    int r = rs->comm->rank;
    if (rs->heavy_phase) {
        uint64_t c = rs->plan.nchunks ? qtr_counter_next(rs->counter) : UINT64_MAX;
        if (c >= rs->plan.nchunks) {
            rs->heavy_phase = 0;
            rs->exhausted = 1;
        } else {
            size_t f = rs->plan.chunk_first[c], e = rs->plan.chunk_end[c];
            if (!(e == f + 1 && rs->plan.heavy[f])) rs->heavy_phase = 0;
            return queue_rows(rs, w, f, e, (size_t)c) ? -1 : 0;
        }
    }
    if (!rs->static_done) {
        rs->static_done = 1;
        if (queue_rows(rs, w, rs->plan.block[r], rs->plan.block[r + 1], SIZE_MAX)) return -1;
        return 0;
    }
    if (rs->exhausted || !rs->plan.nchunks) return 1;
    uint64_t c = qtr_counter_next(rs->counter);
    if (c >= rs->plan.nchunks) return 1;
    return queue_rows(rs, w, rs->plan.chunk_first[c], rs->plan.chunk_end[c], (size_t)c) ? -1 : 0;
}

static int refill(void *ud, qtr_work *w)
{
    round_state *rs = ud;
    double t0 = now();
    int rc = refill_once(rs, w);
    rs->t_read += now() - t0;
    return rc;
}

/* Resident memory now, MiB (Linux /proc; 0 elsewhere). */
static double rss_mib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (!f) return 0;
    if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
    fclose(f);
    return (double)res * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

static void idle(void *ud)
{
    round_state *rs = ud;
    qtr_comm_progress(rs->comm);
}

/* ======================================================================
 * The run
 * ====================================================================== */

typedef struct {
    qtr_comm    *comm;
    batch_opts  *o;
    qtr_h5_file *in, *out;
    qtr_target  *target;
    uint64_t     n;
    uint64_t     first_pending;   /* rows before it are all done */
    uint64_t     last_done;       /* one past the last row done before this run */
    uint64_t     done, failed;    /* rank 0: rows done / failed so far */
    uint64_t     base[QTR_H5_NFILEPOOLS];
} run_state;

/* Does the results file belong to this batch and these options? */
static int same_run(const run_state *s, qtr_ctx *ctx)
{
    qtr_h5_run r;
    qtr_h5_run_of(s->out, &r);
    const batch_opts *o = s->o;
    if (qtr_h5_count(s->out) != s->n || strcmp(r.input, base_name(o->input)) ||
        strcmp(r.target, o->target) || strcmp(r.basis, o->basis ? o->basis : "") ||
        r.opt_level != o->opt_level || r.seed != o->seed) {
        qtr_fail(ctx, QTR_EINVAL,
                 "%s holds results of another run (%llu circuits of '%s', -t %s%s%s -O %d "
                 "--seed %llu); resume with the same input and options, or drop --resume to "
                 "start over",
                 o->output, (unsigned long long)qtr_h5_count(s->out), r.input, r.target,
                 r.basis[0] ? " --basis " : "", r.basis, r.opt_level, (unsigned long long)r.seed);
        return -1;
    }
    return 0;
}

/* Rank 0, resuming: find what is done. Reads the status column in windows. */
static int scan_done(run_state *s, qtr_ctx *ctx)
{
    enum { WIN = 1 << 20 };
    uint8_t *st = malloc(WIN);
    if (!st) {
        qtr_fail(ctx, QTR_ENOMEM, "status window");
        return -1;
    }
    s->first_pending = s->n;
    s->last_done = 0;
    for (uint64_t a = 0; a < s->n; a += WIN) {
        size_t len = s->n - a < WIN ? (size_t)(s->n - a) : WIN;
        if (qtr_h5_read_status(s->out, a, len, st, ctx)) {
            free(st);
            return -1;
        }
        for (size_t i = 0; i < len; i++) {
            if (st[i] == QTR_H5_PENDING) {
                if (s->first_pending == s->n) s->first_pending = a + i;
                continue;
            }
            s->done++;
            if (st[i] != QTR_H5_OK) s->failed++;
            s->last_done = a + i + 1;
        }
    }
    free(st);
    /* the rows before the first pending one end where its predecessor ends */
    memset(s->base, 0, sizeof s->base);
    if (s->first_pending > 0 && s->first_pending <= s->n) {
        uint64_t st0[QTR_H5_NFILEPOOLS], ct0[QTR_H5_NFILEPOOLS];
        if (qtr_h5_read_placement(s->out, s->first_pending - 1, 1, st0, ct0, ctx)) return -1;
        for (int p = 0; p < QTR_H5_NFILEPOOLS; p++) s->base[p] = st0[p] + ct0[p];
    }
    return 0;
}

/* Open or create the results. Parallel I/O: every rank; else rank 0. */
static int open_output(run_state *s, qtr_ctx *ctx)
{
    qtr_comm *c = s->comm;
    int exists = 0, failed = 0;
    if (c->rank == 0) {
        struct stat sb;
        exists = !stat(s->o->output, &sb);
    }
    if (qtr_comm_bcast(c, &exists, sizeof exists, 0)) return -1;
    int mine = c->parallel_io || c->rank == 0;
    qtr_h5_run run = {base_name(s->o->input), s->o->target, s->o->basis ? s->o->basis : "",
                      s->o->opt_level, s->o->seed};
    if (s->o->resume && exists) {
        if (mine && qtr_h5_open_rw(s->o->output, c->fapl, &s->out, ctx)) failed = 1;
        if (!failed && c->rank == 0 && (same_run(s, ctx) || scan_done(s, ctx))) failed = 1;
    } else {
        if (mine && qtr_h5_create(s->o->output, c->fapl, QTR_H5_RESULTS, QTR_H5_COLUMNS, s->n, &run,
                                  &s->out, ctx))
            failed = 1;
        s->first_pending = 0;
    }
    if (any_failed(c, failed, ctx)) return -1;
    uint64_t pos[2] = {s->first_pending, s->last_done};
    if (qtr_comm_bcast(c, pos, sizeof pos, 0)) return -1;
    s->first_pending = pos[0];
    s->last_done = pos[1];
    return 0;
}

/* The round loop. Returns the exit status. */
static int run_rounds(run_state *s, qtr_ctx *ctx)
{
    qtr_comm *c = s->comm;
    batch_opts *o = s->o;
    int nthreads = o->threads ? o->threads : qtr_work_default_threads();
    if (nthreads > 1 && !qtr_work_threads_supported()) {
        if (c->rank == 0) say(NULL, "this build has no OpenMP: --threads %d ignored, one thread per rank", nthreads);
        nthreads = 1;
    }
    size_t rows_rank = o->round_rows ? o->round_rows : (size_t)ROWS_PER_THREAD * (size_t)nthreads;
    size_t rows_round = rows_rank * (size_t)c->size;
    uint64_t weight_round = (uint64_t)WEIGHT_PER_RANK * (uint64_t)c->size;
    int rc = EXIT_OK, failed = 0, stop = 0;
    double t_start = now();
    double *cost = malloc(rows_round * sizeof *cost);
    double *fcost = malloc(rows_round * sizeof *fcost);
    uint64_t *ninst = malloc(rows_round * sizeof *ninst);
    uint32_t *nq = malloc(rows_round * sizeof *nq);
    uint8_t *committed = malloc(rows_round);
    qtr_counter *counter = NULL;
    qtr_work w;
    memset(&w, 0, sizeof w);
    qtr_h5_block outb;
    qtr_h5_block_init(&outb);
    round_state rs;
    memset(&rs, 0, sizeof rs);
    qtr_rounds rounds = {c, s->out, {0}};
    memcpy(rounds.base, s->base, sizeof s->base);
    qtr_progress prog;
    if (!cost || !fcost || !ninst || !nq || !committed || qtr_work_init(&w, rows_round)) {
        qtr_fail(ctx, QTR_ENOMEM, "round buffers for %zu circuits", rows_round);
        failed = 1;
    }
    if (any_failed(c, failed, ctx) || qtr_counter_new(c, &counter, ctx)) {
        rc = EXIT_USAGE;
        goto done;
    }
    w.target = s->target;
    qtr_options_default(&w.opts);
    w.opts.opt_level = o->opt_level;
    w.opts.seed = o->seed;
    w.opmap = qtr_h5_opmap(s->in);
    w.storage = qtr_h5_storage_of(s->in);
    w.nthreads = nthreads;
    w.refill = refill;
    w.idle = idle;
    w.ud = &rs;
    rs.comm = c;
    rs.in = s->in;
    rs.counter = counter;
    if (c->rank == 0) {
        qtr_progress_init(&prog, o->progress, stderr, s->n, s->done, s->failed);
        char d[96], resumed[64] = "";
        if (s->done)
            snprintf(resumed, sizeof resumed, ", resuming: %llu done before",
                     (unsigned long long)s->done);
        if (prog.mode == QTR_PROGRESS_LOG || prog.mode == QTR_PROGRESS_BAR)
            qtr_progress_say(&prog, "%s: %llu circuits, %s, %d thread%s per rank%s", o->input,
                             (unsigned long long)s->n, qtr_comm_describe(c, d, sizeof d), nthreads,
                             nthreads == 1 ? "" : "s", resumed);
    }
    /* where the time goes, per rank: reading rows (in refill), transpiling
     * (the work loop, less its reads), waiting for the other ranks at the
     * end of a round, committing (placement and writes) */
    double t_read = 0, t_work = 0, t_wait = 0, t_commit = 0;
    int trace = getenv("QTR_BATCH_TRACE") != NULL;
    const char *delay_env = getenv("QTR_BATCH_ROUND_DELAY_MS");
    long delay_ms = delay_env ? strtol(delay_env, NULL, 10) : 0;

    for (uint64_t a = s->first_pending; a < s->n && !stop;) {
        size_t avail = s->n - a < rows_round ? (size_t)(s->n - a) : rows_round;
        failed = qtr_h5_read_costs(s->in, a, avail, fcost, ninst, nq, ctx) != QTR_OK;
        if (any_failed(c, failed, ctx)) {
            rc = EXIT_USAGE;
            break;
        }
        for (size_t i = 0; i < avail; i++) ninst[i] += 64;  /* a row is never weightless */
        size_t len = qtr_partition_round_len(ninst, avail, rows_round, weight_round);
        /* rows an earlier run finished: only below the last such row */
        int resuming = a < s->last_done;
        memset(committed, QTR_H5_PENDING, len);
        if (resuming) {
            failed = c->rank == 0 && qtr_h5_read_status(s->out, a, len, committed, ctx);
            if (any_failed(c, failed, ctx) || qtr_comm_bcast(c, committed, len, 0)) {
                rc = EXIT_USAGE;
                break;
            }
        }
        for (size_t i = 0; i < len; i++)
            cost[i] = committed[i] != QTR_H5_PENDING ? 0
                      : fcost[i] > 0                 ? fcost[i]
                                                     : qtr_cost_estimate(ninst[i] - 64, nq[i]);
        qtr_round_plan_free(&rs.plan);
        if (qtr_plan_round(cost, len, c->size, nthreads, STATIC_FRACTION, &rs.plan, ctx)) {
            failed = 1;
        } else if (rs.capblk < rs.plan.nchunks + 1) {
            qtr_h5_block *nb = realloc(rs.blk, (rs.plan.nchunks + 1) * sizeof *nb);
            if (!nb) {
                failed = 1;
                qtr_fail(ctx, QTR_ENOMEM, "round blocks");
            } else {
                for (size_t k = rs.capblk; k < rs.plan.nchunks + 1; k++) qtr_h5_block_init(&nb[k]);
                rs.blk = nb;
                rs.capblk = rs.plan.nchunks + 1;
            }
        }
        if (any_failed(c, failed, ctx) || qtr_counter_reset(counter)) {
            rc = EXIT_USAGE;
            break;
        }
        rs.first = a;
        rs.cost = cost;
        rs.committed = resuming ? committed : NULL;
        rs.static_done = 0;
        rs.heavy_phase = 1;
        rs.exhausted = 0;
        rs.nblk = 0;
        rs.t_read = 0;

        double t0 = now();
        failed = qtr_work_run(&w) != 0;
        double t1 = now();
        if (failed) memcpy(ctx->msg, w.ctx.msg, sizeof ctx->msg);

        /* this rank's results, in row order (items were queued heaviest first) */
        qtr_h5_block_clear(&outb);
        by_cost *ord = malloc((w.npush ? w.npush : 1) * sizeof *ord);
        if (!ord) {
            failed = 1;
            qtr_fail(ctx, QTR_ENOMEM, "result order");
        }
        for (size_t i = 0; ord && i < w.npush; i++)
            ord[i] = (by_cost){-(double)w.item[i].blk->row[w.item[i].k].index, i};
        if (ord) qsort(ord, w.npush, sizeof *ord, cmp_cost_desc);  /* -index desc = index asc */
        for (size_t j = 0; ord && j < w.npush && !failed; j++) {
            size_t i = ord[j].k;
            const qtr_work_item *it = &w.item[i];
            const qtr_h5_row *row = &it->blk->row[it->k];
            qtr_work_out *r = &w.out[i];
            if (qtr_h5_block_add_result(&outb, row->index, row->name, r->status, r->circ,
                                        r->have_res ? &r->res : NULL, r->code, r->msg, r->seconds,
                                        ctx))
                failed = 1;
            /* the copy is made: release the circuit now, not at round end */
            qtr_circuit_free(r->circ);
            r->circ = NULL;
        }
        free(ord);
        qtr_work_clear(&w);
        double t2 = now();
        if (any_failed(c, failed, ctx)) {
            rc = EXIT_USAGE;
            break;
        }
        double t3 = now();
        uint64_t nok = 0, nerr = 0;
        if (qtr_rounds_commit(&rounds, a, len, c->rank == 0 && resuming ? committed : NULL, &outb,
                              &nok, &nerr, ctx)) {
            if (c->rank == 0) say(NULL, "%s", ctx->msg);
            rc = EXIT_USAGE;
            break;
        }
        double t4 = now();
        t_read += rs.t_read;
        t_work += t2 - t0 - rs.t_read;
        t_wait += t3 - t2;
        t_commit += t4 - t3;
        if (trace)
            fprintf(stderr,
                    "qtranspile: trace: rank %d rows %llu+%zu: read %.3f s, transpile %.3f s, "
                    "wait %.3f s, commit %.3f s, %zu rows here, RSS %.1f MiB\n",
                    c->rank, (unsigned long long)a, len, rs.t_read, t2 - t0 - rs.t_read, t3 - t2,
                    t4 - t3, w.cap ? (size_t)(outb.n) : 0, rss_mib());
        (void)t1;
        a += len;
        if (c->rank == 0) {
            s->done += nok + nerr;
            s->failed += nerr;
            qtr_progress_update(&prog, s->done, s->failed, 0);
        }
        if (delay_ms > 0) {
            struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
        int sig = qtr_signals_pending();
        if (qtr_comm_max_int(c, &sig)) sig = 1;
        if (sig && a < s->n) {
            stop = sig;
            rc = EXIT_STOPPED;
        }
    }
    /* where the time went, every rank's figures at rank 0 */
    double mine[4] = {t_read, t_work, t_wait, t_commit}, *all = NULL;
    size_t *cnt = NULL;
    if (!qtr_comm_gather(c, mine, sizeof mine, (void **)&all, &cnt, ctx) && c->rank == 0 &&
        o->progress != QTR_PROGRESS_NONE)
        for (int k = 0; k < c->size; k++)
            qtr_progress_say(&prog, "rank %d: reading %.1f s, transpiling %.1f s, waiting for "
                                    "other ranks %.1f s, writing %.1f s",
                             k, all[4 * k], all[4 * k + 1], all[4 * k + 2], all[4 * k + 3]);
    free(all);
    free(cnt);
    /* run figures, outside the compared data; the same values on every rank */
    double wall = now() - t_start;
    qtr_comm_bcast(c, &wall, sizeof wall, 0);
    if (s->out && (c->parallel_io || c->rank == 0))
        qtr_h5_set_timing(s->out, c->size, nthreads, wall, ctx);
    if (c->rank == 0) {
        if (rc == EXIT_STOPPED) {
            qtr_progress_finish(&prog, "stopped");
            say(NULL, "stopped by signal %d after a complete round: %llu of %llu circuits done; "
                      "run the same command with --resume to finish",
                stop, (unsigned long long)s->done, (unsigned long long)s->n);
        } else if (rc == EXIT_OK) {
            qtr_progress_finish(&prog, "finished");
            if (s->failed) rc = EXIT_FAILED;
        }
    }
    if (qtr_comm_bcast(c, &rc, sizeof rc, 0)) rc = EXIT_USAGE;
done:
    qtr_round_plan_free(&rs.plan);
    for (size_t k = 0; k < rs.capblk; k++) qtr_h5_block_fini(&rs.blk[k]);
    free(rs.blk);
    qtr_h5_block_fini(&outb);
    qtr_work_fini(&w);
    qtr_counter_free(counter);
    free(cost);
    free(fcost);
    free(ninst);
    free(nq);
    free(committed);
    return rc;
}

static int run_batch(batch_opts *o, qtr_comm *c)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, o->seed);
    run_state s;
    memset(&s, 0, sizeof s);
    s.comm = c;
    s.o = o;
    int rc = EXIT_USAGE, failed = 0;

    /* every rank reads the batch itself: no rank ships circuits to another */
    if (qtr_h5_open(o->input, &s.in, &ctx)) failed = 1;
    else if (qtr_h5_content_of(s.in) != QTR_H5_CIRCUITS) {
        qtr_fail(&ctx, QTR_EINVAL, "%s is a results file; the input must be a batch of circuits "
                                   "(see '" PROG " pack')", o->input);
        failed = 1;
    }
    if (any_failed(c, failed, &ctx)) goto done;
    s.n = qtr_h5_count(s.in);
    if (qtr_target_load(o->target, &s.target, &ctx) ||
        (o->basis && qtr_target_set_basis(s.target, o->basis, &ctx)))
        failed = 1;
    if (any_failed(c, failed, &ctx)) goto done;
    if (open_output(&s, &ctx)) goto done;

    qtr_signals_install();
    rc = run_rounds(&s, &ctx);
    qtr_signals_restore();
done:
    if (s.out) {
        qtr_ctx cctx;
        qtr_ctx_init(&cctx, 0);
        if (qtr_h5_close(s.out, &cctx)) {
            say(c, "%s", cctx.msg);
            rc = EXIT_USAGE;
        }
    }
    qtr_ctx cctx;
    qtr_ctx_init(&cctx, 0);
    qtr_h5_close(s.in, &cctx);
    qtr_target_free(s.target);
    return rc;
}

int qtr_cli_batch(int argc, char **argv)
{
    batch_opts o;
    memset(&o, 0, sizeof o);
    o.opt_level = 2;  /* as the single-circuit form */
    o.progress = QTR_PROGRESS_AUTO;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0) return rc;
    qtr_comm comm;
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    if (qtr_comm_init(&comm, &argc, &argv, &ctx)) {
        say(NULL, "%s", ctx.msg);
        qtr_comm_fini(&comm);
        return EXIT_USAGE;
    }
    rc = run_batch(&o, &comm);
    qtr_comm_fini(&comm);
    return rc;
}
