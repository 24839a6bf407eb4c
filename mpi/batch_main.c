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
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "cli_opts.h" /* src/ */
#include "comm.h"
#include "h5_store.h"
#include "killpoint.h"
#include "mpiio_journal.h"
#include "partition.h"
#include "progress.h"
#include "qtr_io.h"
#include "rounds.h"
#include "signals.h"
#include "sweep_run.h"
#include "worker.h"

#define PROG QTR_PROG

/* A round's size, with QTR_NSLOTS (4) rounds in flight: at most
 * ROWS_PER_THREAD rows per worker thread, and fewer once the rows'
 * estimated cost (partition.h) passes COST_PER_THREAD per worker thread, or
 * their stored instructions WEIGHT_PER_RANK per rank. The cost budget is
 * what sizes rounds in practice: about a second of one thread's work at
 * level 1 on the machines measured (~270 cost units per ms: random circuits
 * of ~330 units take ~1.5 ms, hwb12's ~386k units 1.5-3 s), so
 *   - the three rounds a rank may run ahead hold seconds of work: a rank on
 *     a long circuit idles the others only if it lasts longer than that,
 *     and a commit slowed by a loaded machine (each collective step waits
 *     for the other ranks' coordinators to be scheduled) does not starve
 *     the workers. With rounds of 64 rows every hwb12 of the
 *     10,000-circuit bench idled the other rank;
 *   - a round's fixed costs (placement, two dozen collective writes, two
 *     flushes) are paid ~40 times for that batch instead of 157;
 *   - the results in flight stay bounded by the budget, not by the batch;
 *   - a killed run loses at most four rounds: a few seconds of work.
 * A row costing more than the budget is a round of its own. */
#define ROWS_PER_THREAD   1024
#define COST_PER_THREAD   262144.0
#define WEIGHT_PER_RANK   (1u << 20)
/* Share of a round's cost handed out as static blocks; the rest goes in
 * chunks through the counter. */
#define STATIC_FRACTION   0.5
/* The same when rank 0 writes every rank's rows: its coordinator then
 * spends seconds compressing (8 CPU s of the 10,000-circuit bench), so
 * less of each round is fixed in advance and the chunks even it out
 * (2 ranks x 1 thread, a core each: 29.6 s with 0.5, 28.2 with 0, 28.0
 * and 27.2 with 0.25). */
#define STATIC_FRACTION_WRITER 0.25
/* A *big* row: one whose input has at least this many instructions. Its
 * transpile peaks at tens of MB (hwb10-12 of the bench: ~460 bytes per
 * input instruction; hwb11, 88k instructions: 41 MB; hwb12, 171k: 80 MB)
 * and its result is about as large until committed. Big rows are handed
 * out first, from a counter of their own (partition.h), and a rank holding
 * as many big rows as it has threads in older rounds (queued, running, or
 * done and waiting for their commit) claims none of a younger round: it
 * would otherwise transpile the next block's hwb12 while committing hwb11,
 * the peak that made a rank's memory depend on how often that coincided
 * (2 ranks: 133 MiB for 1,000 circuits, 172-192 MiB for 10,000). Rank 0,
 * writing for everyone, counts the other ranks' big rows too (big_allowed). */
#define BIG_ROW_INST      65536u

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

/* The approximation degree a run records: 1 (exact) unless given. */
static double o_approx(const qtr_cli_options *o) { return o->approx > 0 ? o->approx : 1; }

/* The transpiler's options from the command line's (seed: the run's). */
static void transpile_options(const qtr_cli_options *o, qtr_options *out)
{
    qtr_options_default(out);
    out->opt_level = o->opt_level;
    out->seed = o->seed;
    out->layout_trials = o->layout_trials;
    out->swap_trials = o->swap_trials;
    out->approximation_degree = o_approx(o);
}

typedef struct {
    qtr_comm    *comm;
    qtr_cli_options  *o;
    qtr_h5_file *in, *out;
    qtr_target  *target;
    uint64_t     n;
    uint64_t     first_pending;   /* rows before it are all done */
    uint64_t     last_done;       /* one past the last row done before this run */
    uint64_t     done, failed;    /* rank 0: rows done / failed so far */
    uint64_t     base[QTR_H5_NFILEPOOLS];
    /* rank 0, resuming: rows [first_pending, last_done) as an earlier run
     * left them: status, and placement of the done ones */
    uint8_t     *win_status;
    uint64_t    *win_start, *win_count;
    int          rolled_back;     /* rank 0: an interrupted commit was undone */
    int          close_mark;      /* rank 0: marked the timing and close as a commit */
    int          journaled;       /* --writer=all: the close is under the rank journals */
    qtr_sweep_run *sweep;         /* a sweep (sweep_run.h): rows are made, not read; else NULL */
} run_state;

/* Does the results file @p f belong to this batch and these options? */
static int same_run(const run_state *s, qtr_h5_file *f, qtr_ctx *ctx)
{
    qtr_h5_run r;
    qtr_h5_run_of(f, &r);
    const qtr_cli_options *o = s->o;
    if (s->sweep && qtr_sweep_run_check(s->sweep, o->output, ctx)) return -1;
    if (qtr_h5_count(f) != s->n || strcmp(r.input, base_name(o->input)) ||
        strcmp(r.target, o->target) || strcmp(r.basis, o->basis ? o->basis : "") ||
        r.opt_level != o->opt_level || r.seed != o->seed || r.layout_trials != o->layout_trials ||
        r.swap_trials != o->swap_trials || r.approx_degree != o_approx(o)) {
        char trials[96] = "";
        int tl = 0;
        if (r.layout_trials)
            tl = snprintf(trials, sizeof trials, " --layout-trials %u", r.layout_trials);
        if (r.swap_trials && tl >= 0 && (size_t)tl < sizeof trials)
            tl += snprintf(trials + tl, sizeof trials - (size_t)tl, " --swap-trials %u", r.swap_trials);
        if (r.approx_degree != 1 && tl >= 0 && (size_t)tl < sizeof trials)
            snprintf(trials + tl, sizeof trials - (size_t)tl, " --approximation-degree %.15g",
                     r.approx_degree);
        qtr_fail(ctx, QTR_EINVAL,
                 "%s holds results of another run (%llu circuits of '%s', -t %s%s%s -O %d "
                 "--seed %llu%s); resume with the same input and options, or drop --resume to "
                 "start over",
                 o->output, (unsigned long long)qtr_h5_count(f), r.input, r.target,
                 r.basis[0] ? " --basis " : "", r.basis, r.opt_level, (unsigned long long)r.seed,
                 trials);
        return -1;
    }
    return 0;
}

/* Rank 0, resuming: find what is done, from @p f opened read-only. Reads
 * the status column in windows; keeps the status and the placement of the
 * rows between the first pending one and the last done one (the rounds an
 * earlier run had in flight). */
static int scan_done(run_state *s, qtr_h5_file *f, qtr_ctx *ctx)
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
        if (qtr_h5_read_status(f, a, len, st, ctx)) {
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
        if (qtr_h5_read_placement(f, s->first_pending - 1, 1, st0, ct0, ctx)) return -1;
        for (int p = 0; p < QTR_H5_NFILEPOOLS; p++) s->base[p] = st0[p] + ct0[p];
    }
    if (s->last_done > s->first_pending) {
        size_t w = (size_t)(s->last_done - s->first_pending);
        s->win_status = malloc(w);
        s->win_start = malloc(w * QTR_H5_NFILEPOOLS * sizeof *s->win_start);
        s->win_count = malloc(w * QTR_H5_NFILEPOOLS * sizeof *s->win_count);
        if (!s->win_status || !s->win_start || !s->win_count) {
            qtr_fail(ctx, QTR_ENOMEM, "resume window of %zu rows", w);
            return -1;
        }
        if (qtr_h5_read_status(f, s->first_pending, w, s->win_status, ctx) ||
            qtr_h5_read_placement(f, s->first_pending, w, s->win_start, s->win_count, ctx))
            return -1;
    }
    return 0;
}

/* Make the rename of @p path durable: sync the directory that holds it
 * (its header was synced by the flush before). 0 or -1 (errno set). */
static int sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir) return -1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = fd < 0 ? -1 : fsync(fd);
    /* file systems that cannot sync a directory keep the rename anyway */
    if (rc && (errno == EINVAL || errno == EROFS)) rc = 0;
    if (fd >= 0) close(fd);
    free(dir);
    return rc;
}

/* Create the results for this run: under a temporary name (RESULTS.part),
 * header and index written and flushed, then renamed into place. So the
 * file at RESULTS is always a complete results header: a kill before the
 * rename leaves only the temporary file, which the next run truncates, and
 * an earlier file of that name stays whole until the new one replaces it.
 * Collective when every rank writes (parallel I/O); the rename is rank 0's. */
static int create_output(run_state *s, const qtr_h5_run *run, qtr_ctx *ctx)
{
    qtr_comm *c = s->comm;
    int mine = c->parallel_io || c->rank == 0, failed = 0;
    size_t len = strlen(s->o->output);
    char *tmp = malloc(len + sizeof ".part");
    if (!tmp) failed = qtr_fail(ctx, QTR_ENOMEM, "%s", s->o->output) != QTR_OK;
    else memcpy(tmp, s->o->output, len), memcpy(tmp + len, ".part", sizeof ".part");
    /* a run still using the old file keeps it: not replaced under its feet */
    if (!failed && c->rank == 0 && qtr_h5_check_free(s->o->output, ctx)) failed = 1;
    if (!failed && mine &&
        qtr_h5_create(tmp, c->fapl, QTR_H5_RESULTS, QTR_H5_COLUMNS, s->n, run, &s->out, ctx))
        failed = 1;
    /* a sweep's templates, values and transpiled templates, before the
     * header's flush: a published results file always has them */
    if (!failed && mine && s->sweep && qtr_h5_sweep_add(s->out, &s->sweep->sw, ctx)) failed = 1;
    if (!failed && mine) qtr_killpoint("create");
    if (!failed && mine && qtr_h5_flush(s->out, ctx)) failed = 1;
    if (any_failed(c, failed, ctx)) goto done;
    if (mine) qtr_killpoint("header");
    if (c->rank == 0 && (rename(tmp, s->o->output) || sync_parent(s->o->output)))
        failed = qtr_fail(ctx, QTR_EIO, "%s: cannot rename to %s: %s", tmp, s->o->output,
                          strerror(errno)) != QTR_OK;
    if (!failed && mine && qtr_h5_set_path(s->out, s->o->output, ctx)) failed = 1;
    if (any_failed(c, failed, ctx)) goto done;
    if (mine) qtr_killpoint("publish");
done:
    free(tmp);
    return failed ? -1 : 0;
}

/* Open or create the results. Parallel I/O: every rank; else rank 0.
 * Resuming, rank 0 first reads what it needs through a read-only handle of
 * its own and closes it: the writers never read. (With parallel HDF5, a
 * chunk read through the writing handle stays in that rank's chunk cache,
 * and a later collective write to a compressed chunk can then drop that
 * rank's part: HDF5 1.10.8, seen as lost placement columns on resume.)
 * A commit a kill interrupted is first rolled back (qtr_h5_recover); a file
 * left by a creation cut short (qtr_h5_unfinished) is started over. */
static int open_output(run_state *s, qtr_ctx *ctx)
{
    qtr_comm *c = s->comm;
    int exists = 0, failed = 0;
    if (c->rank == 0 && s->o->resume && qtr_h5_recover(s->o->output, &s->rolled_back, ctx))
        failed = 1;
    if (any_failed(c, failed, ctx)) return -1;
    if (c->rank == 0) {
        struct stat sb;
        exists = !stat(s->o->output, &sb) && !qtr_h5_unfinished(s->o->output);
    }
    if (qtr_comm_bcast(c, &exists, sizeof exists, 0)) return -1;
    int mine = c->parallel_io || c->rank == 0;
    qtr_h5_run run = {base_name(s->o->input), s->o->target, s->o->basis ? s->o->basis : "",
                      s->o->opt_level,         s->o->seed,
                      s->o->layout_trials,     s->o->swap_trials,
                      o_approx(s->o)};
    if (s->o->resume && exists) {
        if (c->rank == 0) {
            qtr_h5_file *ro = NULL;
            if (qtr_h5_open(s->o->output, &ro, ctx) || same_run(s, ro, ctx) || scan_done(s, ro, ctx))
                failed = 1;
            qtr_ctx cc;
            qtr_ctx_init(&cc, 0);
            qtr_h5_close(ro, &cc);
        }
        if (any_failed(c, failed, ctx)) return -1;
        if (mine && qtr_h5_open_rw(s->o->output, c->fapl, &s->out, ctx)) failed = 1;
        if (any_failed(c, failed, ctx)) return -1;
        if (mine) qtr_killpoint("open");
    } else {
        if (create_output(s, &run, ctx)) return -1;
        s->first_pending = 0;
    }
    uint64_t pos[2] = {s->first_pending, s->last_done};
    if (qtr_comm_bcast(c, pos, sizeof pos, 0)) return -1;
    s->first_pending = pos[0];
    s->last_done = pos[1];
    return 0;
}

/* ======================================================================
 * Rounds in flight
 * ====================================================================== */

/* A round being worked on: its plan, the rows read for it (one block per
 * read, never reallocated while workers run), its place in the counter. */
typedef struct {
    int            used;
    uint32_t       seq;           /* round number: the counter's tag */
    uint64_t       first;         /* first row */
    size_t         n;
    qtr_round_plan plan;
    double        *cost;          /* n: estimated cost of each row */
    uint32_t       nbig;          /* big rows (BIG_ROW_INST) queued here in this round */
    uint8_t       *committed;     /* n: done by an earlier run (resume), or NULL */
    int            big_phase, heavy_phase, static_done, counter_done;
    int            exhausted;     /* static block queued and counter done */
    qtr_h5_block  *blk;
    size_t         nblk, capblk;
    int            failed;        /* a read failed; reported at the commit */
    qtr_ctx        ctx;
} round_slot;

/* Everything the coordinator works with. */
typedef struct {
    run_state   *s;
    qtr_comm    *c;
    qtr_cli_options  *o;
    qtr_h5_file *in;
    qtr_team    *team;
    qtr_counter *counter;
    qtr_rounds   rounds;
    round_slot   rs[QTR_NSLOTS];    /* round seq lives in rs[seq % QTR_NSLOTS] */
    uint32_t     oldest_seq;        /* rounds [oldest_seq, next_seq) are in flight */
    uint64_t     next_first;        /* first row of the next round to set up */
    uint32_t     next_seq;
    size_t       rows_round;        /* rows per round (all ranks) */
    uint64_t     weight_round;      /* instructions per round (all ranks) */
    double       cost_round;        /* estimated cost per round (all ranks) */
    double      *fcost;             /* scratch for the index window */
    uint8_t     *big;               /* scratch: big rows of a round being planned */
    uint64_t    *ninst;
    uint32_t    *nq;
    uint8_t     *resume;            /* status of rows [resume_lo, resume_hi) */
    uint64_t     resume_lo, resume_hi;
    qtr_h5_block outb;              /* a commit's rows of this rank */
    int          stopping, stop_sig, failed;
    int          ready_posted;      /* the oldest round's barrier is pending */
    int          trace;
    long         delay_ms;
    qtr_progress prog;
    /* where the time goes on this rank */
    double       t_start;
    double       t_read, t_commit, t_work, c_work, c_commit;
    uint64_t     nmine;             /* circuits transpiled here */
    qtr_ctx     *ctx;               /* the run's failure message */
} coord;

/* Peak resident memory so far, MiB (Linux /proc; 0 elsewhere). */
static double peak_mib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    double kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) kb = strtod(line + 6, NULL);
    if (f) fclose(f);
    return kb / 1024.0;
}

/* Bytes the C library has handed out and not got back, MiB (glibc). */
static double heap_mib(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return (double)(mi.uordblks + mi.hblkhd) / 1048576.0;
#else
    return 0;
#endif
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

static qtr_h5_block *next_block(round_slot *r)
{
    if (r->nblk == r->capblk) return NULL;  /* sized for the round at set-up */
    qtr_h5_block *b = &r->blk[r->nblk++];
    qtr_h5_block_clear(b);
    return b;
}

/* Heaviest first: the order items are queued in a rank (longest first again,
 * for the threads). Ties by position, so the order is reproducible. */
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

/* Rows [first, first+n) into @p b: read from the batch, or for a sweep
 * placeholders the workers make the circuits of (qtr_sweep_run_make). */
static int read_rows(coord *k, uint64_t first, size_t n, qtr_h5_block *b, qtr_ctx *ctx)
{
    if (!k->s->sweep) return qtr_h5_read_rows(k->in, first, n, b, ctx) ? -1 : 0;
    for (uint64_t i = first; i < first + n; i++) {
        double cost;
        uint64_t ninst;
        uint32_t nq;
        qtr_sweep_run_row_cost(k->s->sweep, i, &cost, &ninst, &nq);
        if (qtr_h5_block_add_text(b, i, "", 0, qtr_sweep_run_row_name(k->s->sweep, i), cost, ctx))
            return -1;
        b->row[b->n - 1].count[QTR_H5_POOL_INST] = ninst;  /* for the big-row rule */
    }
    return 0;
}

/* The cost columns of rows [first, first+n) (qtr_h5_read_costs), for a
 * sweep from its templates. They only guide scheduling: where a damaged
 * chunk of the index hides them, the rows it covers are read one by one,
 * and one still unreadable is scheduled at cost 0; reading the row itself
 * then fails that row alone, with its name. */
static int read_costs(coord *k, uint64_t first, size_t n, qtr_ctx *ctx)
{
    if (!k->s->sweep) {
        if (!qtr_h5_read_costs(k->in, first, n, k->fcost, k->ninst, k->nq, ctx)) return 0;
        for (size_t i = 0; i < n; i++)
            if (qtr_h5_read_costs(k->in, first + i, 1, &k->fcost[i], &k->ninst[i], &k->nq[i], ctx)) {
                k->fcost[i] = 0;
                k->ninst[i] = 0;
                k->nq[i] = 0;
            }
        ctx->msg[0] = '\0';   /* the failures above are left to the rows */
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        qtr_sweep_run_row_cost(k->s->sweep, first + i, &k->fcost[i], &k->ninst[i], &k->nq[i]);
    return 0;
}

/* Read the rows of [s, e) (relative to the round) that chunk @p ch takes
 * (SIZE_MAX: a static block) and that are not done yet into a new block,
 * and queue them in @p slot heaviest first. */
static int queue_rows(coord *k, round_slot *r, qtr_slot *slot, size_t s, size_t e, size_t ch)
{
    qtr_h5_block *b = next_block(r);
    if (!b) {
        qtr_fail(&r->ctx, QTR_EINVAL, "internal: more reads than blocks in a round");
        return -1;
    }
#define WANTED(i) (qtr_plan_takes(&r->plan, ch, (i)) && \
                   !(r->committed && r->committed[(i)] != QTR_H5_PENDING))
    for (size_t i = s; i < e;) {
        if (!WANTED(i)) {
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < e && WANTED(j)) j++;
        if (read_rows(k, r->first + i, j - i, b, &r->ctx)) return -1;
        i = j;
    }
#undef WANTED
    by_cost *ord = malloc((b->n ? b->n : 1) * sizeof *ord);
    if (!ord) {
        qtr_fail(&r->ctx, QTR_ENOMEM, "queue order");
        return -1;
    }
    for (size_t i = 0; i < b->n; i++) {
        size_t at = b->row[i].index - r->first;
        ord[i] = (by_cost){r->cost[at], i};
        /* QASM text: ~20 bytes an instruction (hwb11: 1.7 MB, 88k) */
        uint64_t size = k->team->storage == QTR_H5_QASMTEXT ? b->row[i].count[QTR_H5_POOL_TEXT] / 20
                                                            : b->row[i].count[QTR_H5_POOL_INST];
        if (size >= BIG_ROW_INST) r->nbig++;
        if (k->trace && size >= BIG_ROW_INST / 4)
            fprintf(stderr, "qtranspile: trace: rank %d round %u queues row %llu (size %llu%s), at %.2f s\n",
                    k->c->rank, r->seq, (unsigned long long)b->row[i].index,
                    (unsigned long long)size, size >= BIG_ROW_INST ? ", big" : "", now() - k->t_start);
    }
    qsort(ord, b->n, sizeof *ord, cmp_cost_desc);
    int full = 0;
    for (size_t i = 0; i < b->n; i++) full |= qtr_slot_push(slot, b, ord[i].k);
    free(ord);
    qtr_slot_publish(slot);
    if (full) {
        qtr_fail(&r->ctx, QTR_EINVAL, "internal: round queue overflow");
        return -1;
    }
    return 0;
}

/* 1 on rank 0 when it writes every rank's rows (--writer=rank0, several
 * ranks). It may then leave a round's big rows to the others (it never
 * waits for them): the others take every one in the end. */
static int writes_for_others(const coord *k)
{
    return k->c->rank == 0 && k->c->size > 1 && !k->c->parallel_io;
}

/* 1 when this rank may claim big rows (BIG_ROW_INST) of slot @p si's
 * round now: it holds fewer big rows than it has threads in older rounds
 * (queued, running, or done and waiting for their commit). Rank 0 writing
 * every rank's rows also holds the other ranks' big results while it
 * writes them, so it counts every big row of the older rounds (2 ranks x
 * 1 thread: its peak was 144-164 MiB when it took hwb11 or hwb12 while a
 * round with the other's hwb12 waited for its commit). The oldest round is
 * never blocked, so rounds always get done. */
static int big_allowed(const coord *k, int si)
{
    uint32_t seq = k->rs[si].seq, nbig = 0;
    int all = writes_for_others(k);
    for (uint32_t q = k->oldest_seq; q != seq; q++) {
        const round_slot *o = &k->rs[q % QTR_NSLOTS];
        nbig += all ? (uint32_t)o->plan.nbig : o->nbig;
    }
    return nbig < (uint32_t)k->team->nthreads;
}

/* One refill of round @p r, longest first: big rows from their counter
 * (one per refill, when allowed), then heavy rows from the other counter
 * (one per refill, so every rank gets its share), then the rank's static
 * block of light rows, then light chunks until the counter has none left. */
static void refill(coord *k, int si)
{
    round_slot *r = &k->rs[si];
    qtr_slot *slot = &k->team->slot[si];
    int rank = k->c->rank, rc = 0;
    size_t nbig = r->plan.nbig, nrest = r->plan.nchunks - nbig;
    double t0 = now();
    if (r->big_phase && big_allowed(k, si)) {
        uint64_t ch = qtr_counter_claim(k->counter, r->seq, 0, nbig);
        if (ch == UINT64_MAX) r->big_phase = 0;
        else rc = queue_rows(k, r, slot, r->plan.chunk_first[ch], r->plan.chunk_end[ch], (size_t)ch);
    } else if (r->heavy_phase) {
        uint64_t ch = qtr_counter_claim(k->counter, r->seq, 1, nrest);
        if (ch == UINT64_MAX) {
            r->heavy_phase = 0;
            r->counter_done = 1;
        } else {
            size_t c = nbig + (size_t)ch, f = r->plan.chunk_first[c], e = r->plan.chunk_end[c];
            if (!(e == f + 1 && r->plan.heavy[f])) r->heavy_phase = 0;
            rc = queue_rows(k, r, slot, f, e, c);
        }
    } else if (!r->static_done) {
        r->static_done = 1;
        rc = queue_rows(k, r, slot, r->plan.block[rank], r->plan.block[rank + 1], SIZE_MAX);
    } else if (!r->counter_done) {
        uint64_t ch = qtr_counter_claim(k->counter, r->seq, 1, nrest);
        if (ch == UINT64_MAX) r->counter_done = 1;
        else
            rc = queue_rows(k, r, slot, r->plan.chunk_first[nbig + ch], r->plan.chunk_end[nbig + ch],
                            nbig + (size_t)ch);
    }
    if (rc) {
        r->failed = 1;  /* told to everyone at this round's commit */
        r->static_done = r->counter_done = 1;
        r->heavy_phase = r->big_phase = 0;
    }
    r->exhausted = r->static_done && r->counter_done &&
                   (!r->big_phase || (writes_for_others(k) && !big_allowed(k, si)));
    k->t_read += now() - t0;
}

/* A row's instructions: from the index, or for QASM text (no count
 * there) from its cost, stored as about statements x (1 + qubits/16). */
static double est_instructions(uint64_t ninst, double cost, uint32_t nq)
{
    return ninst ? (double)ninst : cost / (1.0 + (double)nq / 16.0);
}

/* Plan the next round in slot @p si. Only this rank's reads: no collective,
 * so a rank may start it while others still finish the previous round. */
static int setup_round(coord *k, int si, qtr_ctx *ctx)
{
    run_state *s = k->s;
    round_slot *r = &k->rs[si];
    uint64_t a = k->next_first;
    size_t avail = s->n - a < k->rows_round ? (size_t)(s->n - a) : k->rows_round;
    if (read_costs(k, a, avail, ctx)) return -1;
    for (size_t i = 0; i < avail; i++) k->ninst[i] += 64;  /* a row is never weightless */
    size_t len = qtr_partition_round_len(k->ninst, avail, k->rows_round, k->weight_round);
    r->first = a;
    r->n = len;
    r->seq = k->next_seq++;
    r->committed = NULL;
    /* rows an earlier run finished (resume): known from the start */
    uint8_t *mask = NULL;
    if (a < k->resume_hi && a + len > k->resume_lo) {
        mask = (uint8_t *)(r->cost + k->rows_round);  /* the byte tail of the cost buffer */
        for (size_t i = 0; i < len; i++) {
            uint64_t row = a + i;
            mask[i] = row >= k->resume_lo && row < k->resume_hi ? k->resume[row - k->resume_lo]
                                                                 : QTR_H5_PENDING;
        }
        r->committed = mask;
    }
    r->nbig = 0;
    for (size_t i = 0; i < len; i++)
        r->cost[i] = mask && mask[i] != QTR_H5_PENDING ? 0
                     : k->fcost[i] > 0                 ? k->fcost[i]
                                                       : qtr_cost_estimate(k->ninst[i] - 64, k->nq[i]);
    len = qtr_partition_cut_by_cost(r->cost, len, k->cost_round);
    r->n = len;

    qtr_round_plan_free(&r->plan);
    double sf = k->c->parallel_io ? STATIC_FRACTION : STATIC_FRACTION_WRITER;
    if (qtr_plan_round(r->cost, len, k->c->size, k->team->nthreads, sf, &r->plan, ctx))
        return -1;
    /* big rows first, on a counter of their own (big_allowed) */
    uint8_t *big = k->big;
    for (size_t i = 0; i < len; i++)
        big[i] = est_instructions(k->ninst[i] - 64, k->fcost[i], k->nq[i]) >= BIG_ROW_INST;
    qtr_plan_big_first(&r->plan, big);
    if (r->capblk < r->plan.nchunks + 1) {
        qtr_h5_block *nb = realloc(r->blk, (r->plan.nchunks + 1) * sizeof *nb);
        if (!nb) {
            qtr_fail(ctx, QTR_ENOMEM, "round blocks");
            return -1;
        }
        for (size_t i = r->capblk; i < r->plan.nchunks + 1; i++) qtr_h5_block_init(&nb[i]);
        r->blk = nb;
        r->capblk = r->plan.nchunks + 1;
    }
    r->nblk = 0;
    r->big_phase = r->plan.nbig > 0;
    r->heavy_phase = 1;
    r->static_done = 0;
    r->counter_done = 0;
    r->exhausted = 0;
    r->failed = 0;
    qtr_ctx_init(&r->ctx, 0);
    r->ctx.max_memory = k->team->max_memory;   /* rows larger than that fail alone */
    r->used = 1;
    k->next_first = a + len;
    return 0;
}

/* Commit the oldest round: this rank's results in row order, then the
 * collective placement and writes (rounds.c). */
static int commit_round(coord *k, int si, qtr_ctx *ctx)
{
    round_slot *r = &k->rs[si];
    qtr_slot *slot = &k->team->slot[si];
    qtr_comm *c = k->c;
    double t0 = now(), c0 = qtr_thread_cpu();
    double pk0 = k->trace ? peak_mib() : 0, rs0 = k->trace ? rss_mib() : 0, pk1 = 0, rs1 = 0;
    int failed = r->failed;
    if (failed) memcpy(ctx->msg, r->ctx.msg, sizeof ctx->msg);
    qtr_h5_block_clear(&k->outb);
    /* The block refers to the output circuits rather than copying them: the
     * copy of a round holding hwb12's result (55 MB) was the peak of a
     * rank's memory (2 ranks, 10,000 circuits: +40-50 MiB during those
     * commits). Rows that travel to rank 0 are sent from the circuits too
     * (rounds.h). */
    by_cost *ord = malloc((slot->npush ? slot->npush : 1) * sizeof *ord);
    qtr_row_chunks *chunks = malloc((slot->npush ? slot->npush : 1) * sizeof *chunks);
    if ((!ord || !chunks) && !failed) failed = qtr_fail(ctx, QTR_ENOMEM, "result order") != QTR_OK;
    /* items were queued heaviest first: sort back into row order (by -row,
     * descending) */
    for (size_t i = 0; ord && i < slot->npush; i++)
        ord[i] = (by_cost){-(double)slot->item[i].blk->row[slot->item[i].k].index, i};
    if (ord) qsort(ord, slot->npush, sizeof *ord, cmp_cost_desc);
    for (size_t j = 0; ord && j < slot->npush && !failed; j++) {
        size_t i = ord[j].k;
        const qtr_work_item *it = &slot->item[i];
        const qtr_h5_row *row = &it->blk->row[it->k];
        qtr_work_out *o = &slot->out[i];
        k->t_work += o->seconds;
        k->c_work += o->cpu;
        if (qtr_h5_block_add_result_ref(&k->outb, row->index, row->name, o->status, o->circ,
                                        o->have_res ? &o->res : NULL, o->code, o->msg,
                                        o->seconds, ctx))
            failed = 1;
        else chunks[k->outb.n - 1] = (qtr_row_chunks){o->pre, o->npre};
    }
    k->nmine += slot->npush;
    free(ord);
    /* Give the round's input rows back now. A cleared block keeps its
     * capacity, and blocks are reused by position, so each would keep the
     * largest read it ever held: memory would grow with the batch (peak
     * RSS 222 MiB for 1,000 circuits, 289 MiB for 2,000 of the same mix). */
    for (size_t b = 0; b < r->nblk; b++) qtr_h5_block_fini(&r->blk[b]);
    r->nblk = 0;
    if (k->trace) {
        pk1 = peak_mib();
        rs1 = rss_mib();
    }
    int stop = qtr_signals_pending();
    uint64_t nok = 0, nerr = 0;
    int rc = qtr_rounds_commit(&k->rounds, r->seq, r->first, r->n,
                               c->rank == 0 ? r->committed : NULL, &k->outb, failed ? NULL : chunks,
                               failed, &stop, &nok,
                               &nerr, ctx);
    qtr_slot_reset(slot);  /* the circuits the block referred to */
    free(chunks);
    double t1 = now();
    k->t_commit += t1 - t0;
    k->c_commit += qtr_thread_cpu() - c0;
    if (k->trace) {
        /* resident and peak memory when the commit began, once its rows
         * were gathered, after it: where a rank's peak comes from */
        fprintf(stderr,
                "qtranspile: trace: rank %d round %u RSS/peak MiB: start %.1f/%.1f, gathered "
                "%.1f/%.1f, written %.1f/%.1f\n",
                c->rank, r->seq, rs0, pk0, rs1, pk1, rss_mib(), peak_mib());
        fprintf(stderr, "qtranspile: trace: rank %d round %u rows %llu+%zu: %zu here, commit %.3f s, "
                        "RSS %.1f MiB (peak %.1f, malloc'ed %.1f, HDF5 metadata caches %.1f + "
                        "%.1f), at %.2f s, workers idle %.2f s\n",
                c->rank, r->seq, (unsigned long long)r->first, r->n, k->outb.n, t1 - t0, rss_mib(),
                peak_mib(), heap_mib(), (double)qtr_h5_cache_bytes(k->in) / 1048576.0,
                (double)qtr_h5_cache_bytes(k->s->out) / 1048576.0,
                t1 - k->t_start, 1e-9 * (double)atomic_load(&k->team->idle_ns));
    }
    qtr_h5_block_fini(&k->outb);  /* likewise: a round's results, not the largest round's */
    qtr_h5_release_memory();
#if defined(__GLIBC__)
    /* and hand the freed pages back to the system: glibc keeps them in its
     * heaps otherwise, and a round of heavy circuits late in a batch would
     * add its peak on top of what earlier rounds left */
    malloc_trim(0);
#endif
    r->used = 0;
    k->oldest_seq++;
    atomic_store(&k->team->oldest, (int)(k->oldest_seq % QTR_NSLOTS));
    if (rc) return -1;
    if (c->rank == 0) {
        k->s->done += nok + nerr;
        k->s->failed += nerr;
        qtr_progress_update(&k->prog, k->s->done, k->s->failed, 0);
    }
    if (k->delay_ms > 0) {
        struct timespec ts = {k->delay_ms / 1000, (k->delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (stop && !k->stopping) {
        k->stopping = 1;
        k->stop_sig = stop;
    }
    return 0;
}

/* Refill when the workers are about to run dry: light rows with a few
 * waiting per thread, so no thread waits for a read; heavy rows only when a
 * thread is about to be free, so a rank never holds heavy rows it cannot
 * start while another rank could (longest first works only if the long
 * ones are not hoarded). */
static int wants_refill(coord *k, int young)
{
    const qtr_team *t = k->team;
    const round_slot *r = &k->rs[young];
    if (r->exhausted) return 0;
    int big = r->big_phase && big_allowed(k, young);
    /* only big rows are left, and this rank may not take one yet */
    if (!big && !r->heavy_phase && r->static_done && r->counter_done) return 0;
    size_t waiting = 0, unfinished = 0;
    for (int i = 0; i < QTR_NSLOTS; i++) {
        waiting += qtr_slot_waiting(&t->slot[i]);
        unfinished += qtr_slot_unfinished(&t->slot[i]);
    }
    /* four light rows per thread: the coordinator may nap 2 ms (worker.c) */
    return big || r->heavy_phase ? unfinished < (size_t)t->nthreads
                                 : waiting < 4 * (size_t)t->nthreads;
}

/* Called between the collective steps of a commit (rounds.h): a commit of
 * heavy results can take seconds while a rank waits for another's
 * compression, and workers that ran dry meanwhile would idle (2,000
 * circuits, 2 ranks x 1 thread under load: 4-6 s idle per worker, most of
 * it inside the commits of the rounds with the benchmark circuits). */
static void feed_workers(void *ud)
{
    coord *k = ud;
    if (k->failed || k->next_seq == k->oldest_seq) return;
    int young = (int)((k->next_seq - 1) % QTR_NSLOTS);
    if (young != (int)(k->oldest_seq % QTR_NSLOTS) && wants_refill(k, young)) refill(k, young);
}

/* One step of the coordinator (worker.h): set up, refill, commit. */
static int coordinate(void *ud, qtr_team *t)
{
    coord *k = ud;
    qtr_ctx *ctx = k->ctx;
    if (k->failed) return QTR_TEAM_FINISHED;
    uint32_t inflight = k->next_seq - k->oldest_seq;
    int young = inflight ? (int)((k->next_seq - 1) % QTR_NSLOTS) : -1;
    int old = inflight ? (int)(k->oldest_seq % QTR_NSLOTS) : -1;
    /* a new round when the youngest has nothing more to hand out */
    if (inflight < QTR_NSLOTS && !k->stopping && k->next_first < k->s->n &&
        (young < 0 || k->rs[young].exhausted)) {
        if (setup_round(k, (int)(k->next_seq % QTR_NSLOTS), ctx)) {
            /* the index of a file that opened fine cannot be read: no round
             * can be agreed on any more, so this rank stops the others */
            say(k->c->size > 1 ? k->c : NULL, "%s", ctx->msg);
            qtr_comm_abort(k->c, QTR_EXIT_USAGE);
            k->failed = 1;
            return QTR_TEAM_FINISHED;
        }
        return QTR_TEAM_BUSY;
    }
    /* refill when the workers are about to run dry (wants_refill) */
    if (young >= 0 && wants_refill(k, young)) {
        refill(k, young);
        return QTR_TEAM_BUSY;
    }
    /* The oldest round is done here: say so with a non-blocking barrier and
     * keep refilling the next round until every rank has said so; only then
     * enter the commit's blocking collectives, which are quick with every
     * rank present. A rank that finished early thus keeps its workers busy
     * instead of waiting inside MPI for a rank still on a long circuit. */
    if (old >= 0 && k->rs[old].exhausted && qtr_slot_done(&t->slot[old])) {
        if (!k->ready_posted) {
            if (qtr_comm_ibarrier(k->c)) {
                qtr_fail(ctx, QTR_EIO, "MPI_Ibarrier failed");
                k->failed = 1;
                return QTR_TEAM_FINISHED;
            }
            k->ready_posted = 1;
        }
        int all = qtr_comm_ibarrier_done(k->c);
        if (all < 0) {
            qtr_fail(ctx, QTR_EIO, "MPI_Test on a barrier failed");
            k->failed = 1;
            return QTR_TEAM_FINISHED;
        }
        if (all) {
            k->ready_posted = 0;
            /* feed the workers for the time of the collectives */
            for (int i = 0; i < 2 && young != old && !k->rs[young].exhausted; i++) refill(k, young);
            if (commit_round(k, old, ctx)) {
                k->failed = 1;
                return QTR_TEAM_FINISHED;
            }
            return QTR_TEAM_BUSY;
        }
    }
    if (!inflight && (k->stopping || k->next_first >= k->s->n)) return QTR_TEAM_FINISHED;
    qtr_comm_progress(k->c);
    return QTR_TEAM_IDLE;
}

/* A run that stopped on an error: the error, and what is kept. The system's
 * reason, when the error carries one, says whether space is what to free. */
static void say_failed(const run_state *s, const qtr_ctx *ctx)
{
    int full = strstr(ctx->msg, strerror(ENOSPC)) != NULL;
#ifdef EDQUOT
    full = full || strstr(ctx->msg, strerror(EDQUOT)) != NULL;
#endif
    say(NULL, "%s", ctx->msg);
    say(NULL, "%s keeps every row marked done; run the same command with --resume to do the "
              "rest, once %s", s->o->output, full ? "space is free" : "the cause above is fixed");
}

/* The rounds of the run, pipelined: returns the exit status. */
static int run_rounds(run_state *s, qtr_ctx *ctx)
{
    qtr_comm *c = s->comm;
    qtr_cli_options *o = s->o;
    int nthreads = o->threads ? o->threads : qtr_work_default_threads();
    if (nthreads > 1 && !qtr_work_threads_supported()) {
        if (c->rank == 0) say(NULL, "this build has no OpenMP: --threads %d ignored, one thread per rank", nthreads);
        nthreads = 1;
    }
    size_t rows_rank = o->round_rows ? o->round_rows : (size_t)ROWS_PER_THREAD * (size_t)nthreads;
    int rc = QTR_EXIT_OK, failed = 0;
    double t_start = now();
    qtr_team team;
    memset(&team, 0, sizeof team);
    coord k;
    memset(&k, 0, sizeof k);
    k.s = s;
    k.c = c;
    k.o = o;
    k.ctx = ctx;
    k.in = s->in;
    k.team = &team;
    k.next_first = s->first_pending;
    k.rows_round = rows_rank * (size_t)c->size;
    k.weight_round = (uint64_t)WEIGHT_PER_RANK * (uint64_t)c->size;
    k.cost_round = COST_PER_THREAD * (double)nthreads * (double)c->size;
    k.trace = getenv("QTR_BATCH_TRACE") != NULL;
    k.t_start = t_start;
    const char *delay_env = getenv("QTR_BATCH_ROUND_DELAY_MS");
    k.oldest_seq = k.next_seq = 0;
    k.delay_ms = delay_env ? strtol(delay_env, NULL, 10) : 0;
    k.rounds = (qtr_rounds){.comm = c, .out = s->out, .done_lo = s->first_pending,
                            .done_hi = s->last_done, .done_start = s->win_start,
                            .done_count = s->win_count};
    memcpy(k.rounds.base, s->base, sizeof s->base);
    qtr_h5_block_init(&k.outb);
    k.fcost = malloc(k.rows_round * sizeof *k.fcost);
    k.ninst = malloc(k.rows_round * sizeof *k.ninst);
    k.nq = malloc(k.rows_round * sizeof *k.nq);
    k.big = malloc(k.rows_round);
    for (int i = 0; i < QTR_NSLOTS; i++) {
        /* costs, then the resume mask in the same buffer's tail */
        k.rs[i].cost = malloc(k.rows_round * (sizeof(double) + 1));
        if (!k.rs[i].cost || qtr_slot_init(&team.slot[i], k.rows_round, nthreads)) failed = 1;
    }
    if (!k.fcost || !k.ninst || !k.nq || !k.big || failed) {
        qtr_fail(ctx, QTR_ENOMEM, "round buffers for %zu circuits", k.rows_round);
        failed = 1;
    }
    /* resuming: the status of the rows an earlier run may have finished out
     * of order (at most its last rounds), read by rank 0 for everyone */
    if (!failed && s->last_done > s->first_pending) {
        k.resume_lo = s->first_pending;
        k.resume_hi = s->last_done;
        size_t len = (size_t)(k.resume_hi - k.resume_lo);
        k.resume = malloc(len);
        if (!k.resume) failed = qtr_fail(ctx, QTR_ENOMEM, "resume window") != QTR_OK;
        else if (c->rank == 0) memcpy(k.resume, s->win_status, len);
    }
    if (any_failed(c, failed, ctx) ||
        (k.resume && qtr_comm_bcast(c, k.resume, (size_t)(k.resume_hi - k.resume_lo), 0)) ||
        qtr_counter_new(c, &k.counter, ctx)) {
        rc = QTR_EXIT_USAGE;
        goto done;
    }
    k.rounds.counter = k.counter;
    k.rounds.feed = feed_workers;
    k.rounds.feed_ud = &k;
    c->waiting = feed_workers;
    c->waiting_ud = &k;
    if (s->out) qtr_h5_set_between(s->out, feed_workers, &k);
    /* tests: small pool write windows, so a small batch uses several */
    const char *win_env = getenv("QTR_BATCH_WRITE_WINDOW");
    if (s->out && win_env) qtr_h5_set_write_window(s->out, strtoull(win_env, NULL, 10));
    team.target = s->target;
    transpile_options(o, &team.opts);
    team.opmap = s->in ? qtr_h5_opmap(s->in) : NULL;
    team.storage = s->in ? qtr_h5_storage_of(s->in) : QTR_H5_COLUMNS;
    if (s->sweep) {
        team.make_row = qtr_sweep_run_make;
        team.row_inst_chunks = qtr_sweep_run_inst_chunks;
        team.make_ud = s->sweep;
    }
    team.nthreads = nthreads;
    team.max_memory = qtr_cli_memory_budget(o, c->local_size, nthreads);
    /* H5Dwrite_chunk is for one writer: with --writer=all, HDF5 compresses */
    team.precompress = !c->parallel_io;
    team.coordinate = coordinate;
    team.ud = &k;
    atomic_init(&team.oldest, 0);
    atomic_init(&team.idle_ns, 0);
    if (c->rank == 0) {
        qtr_progress_init(&k.prog, o->progress, stderr, s->n, s->done, s->failed);
        char d[96], resumed[112] = "";
        if (s->done || s->rolled_back)
            snprintf(resumed, sizeof resumed, ", resuming: %llu done before%s",
                     (unsigned long long)s->done,
                     s->rolled_back ? " (a round cut short by a kill or a full disk undone)" : "");
        if (k.prog.mode == QTR_PROGRESS_LOG || k.prog.mode == QTR_PROGRESS_BAR)
            qtr_progress_say(&k.prog, "%s: %llu circuits, %s, %d thread%s per rank%s", o->input,
                             (unsigned long long)s->n, qtr_comm_describe(c, d, sizeof d), nthreads,
                             nthreads == 1 ? "" : "s", resumed);
    }

    double coord_cpu = qtr_thread_cpu();
    qtr_team_run(&team);
    coord_cpu = qtr_thread_cpu() - coord_cpu;  /* thread 0: the coordinator */

    if (k.failed) {
        if (c->rank == 0 || c->size == 1) say_failed(s, ctx);
        rc = QTR_EXIT_USAGE;
        goto done;
    }
    /* rank 0 may have failed writing the last round after the others left it */
    if (qtr_rounds_finish(&k.rounds, ctx)) {
        if (c->rank == 0) say_failed(s, ctx);
        rc = QTR_EXIT_USAGE;
        goto done;
    }
    if (k.stopping && s->done < s->n) rc = QTR_EXIT_STOPPED;
    /* where the time went, every rank's figures at rank 0: wall and CPU
     * seconds of the workers' circuits, of reading, of committing (per
     * phase), and the coordinator thread's CPU over the whole run (its
     * commits, reads and polling; any excess over the commits is spent
     * waiting actively) */
    enum { NFIG = 8 + 2 * QTR_COMMIT_NPHASES };
    double mine[NFIG] = {k.t_work, k.c_work, k.t_read, k.t_commit, k.c_commit, coord_cpu,
                         (double)k.nmine, 1e-9 * (double)atomic_load(&team.idle_ns)},
           *all = NULL;
    for (int p = 0; p < QTR_COMMIT_NPHASES; p++) {
        mine[8 + 2 * p] = k.rounds.wall[p];
        mine[9 + 2 * p] = k.rounds.cpu[p];
    }
    size_t *cnt = NULL;
    if (o->verbose && !qtr_comm_gather(c, mine, sizeof mine, (void **)&all, &cnt, ctx) &&
        c->rank == 0)
        for (int r = 0; r < c->size; r++) {
            const double *a = all + NFIG * r;
            char ph[256];
            size_t at = 0;
            for (int p = 0; p < QTR_COMMIT_NPHASES && at < sizeof ph; p++)
                at += (size_t)snprintf(ph + at, sizeof ph - at, "%s%s %.1f/%.1f", p ? ", " : "",
                                       qtr_commit_phase_names[p], a[8 + 2 * p], a[9 + 2 * p]);
            qtr_progress_say(&k.prog,
                             "rank %d: %.0f circuits, %.1f s of transpiling (all threads; CPU "
                             "%.1f s), %.1f s reading, %.1f s committing (writes and waiting for "
                             "other ranks; CPU %.1f s), coordinator CPU %.1f s, workers idle "
                             "%.1f s",
                             r, a[6], a[0], a[1], a[2], a[3], a[4], a[5], a[7]);
            qtr_progress_say(&k.prog, "rank %d: commit phases, wall/CPU s: %s", r, ph);
        }
    free(all);
    free(cnt);
    /* run figures, outside the compared data; the same values on every rank */
    double wall = now() - t_start;
    /* parallel HDF5 rewrites metadata for them: the timing and the close
     * are a commit like a round's (rank journals, then rank 0's mark),
     * unless a round's commit was cut short and left its mark and journals */
    int fresh = s->out && c->parallel_io && (c->rank != 0 || !qtr_h5_interrupted(s->o->output));
    if (s->out && c->parallel_io) {
        int left = !fresh;
        if (qtr_comm_max_int(c, &left)) left = 1;
        fresh = !left && !qtr_mpiio_journal_begin(s->o->output, c->rank);
        int bad = !fresh;
        if (qtr_comm_max_int(c, &bad) || bad) fresh = 0;
    }
    qtr_comm_bcast(c, &wall, sizeof wall, 0);
    if (fresh && c->rank == 0) s->close_mark = !qtr_h5_mark_commit(s->o->output, c->size, ctx);
    s->journaled = fresh;
    if (s->out && (c->parallel_io || c->rank == 0) &&
        !qtr_h5_set_timing(s->out, c->size, nthreads, wall, ctx))
        qtr_killpoint("timing");
    if (c->rank == 0) {
        if (rc == QTR_EXIT_STOPPED) {
            qtr_progress_finish(&k.prog, "stopped");
            say(NULL, "stopped by signal %d after a complete round: %llu of %llu circuits done; "
                      "run the same command with --resume to finish",
                k.stop_sig, (unsigned long long)s->done, (unsigned long long)s->n);
        } else {
            qtr_progress_finish(&k.prog, "finished");
            if (s->failed) rc = QTR_EXIT_FAILED;
        }
    }
    if (qtr_comm_bcast(c, &rc, sizeof rc, 0)) rc = QTR_EXIT_USAGE;
done:
    if (s->out) qtr_h5_set_between(s->out, NULL, NULL);  /* k ends here */
    for (int i = 0; i < QTR_NSLOTS; i++) {
        qtr_round_plan_free(&k.rs[i].plan);
        for (size_t b = 0; b < k.rs[i].capblk; b++) qtr_h5_block_fini(&k.rs[i].blk[b]);
        free(k.rs[i].blk);
        free(k.rs[i].cost);
        qtr_slot_fini(&team.slot[i]);
    }
    c->waiting = NULL;  /* k goes out of scope */
    qtr_h5_block_fini(&k.outb);
    qtr_counter_free(k.counter);
    free(k.fcost);
    free(k.ninst);
    free(k.nq);
    free(k.big);
    free(k.resume);
    return rc;
}

static void killpoint_write(void *ud)
{
    (void)ud;
    qtr_killpoint("write");
}

/* A sweep's set-up on every rank: read it, load the target, transpile the
 * templates (sweep_run.h). -1 after saying why. */
static int prepare_sweep(run_state *s, qtr_sweep_run *sw, qtr_ctx *ctx)
{
    const qtr_cli_options *o = s->o;
    qtr_comm *c = s->comm;
    qtr_sweep_mode mode = o->per_instance ? QTR_SWEEP_PER_INSTANCE
                          : o->bind_rows  ? QTR_SWEEP_BIND
                                          : QTR_SWEEP_ONCE;
    int failed = qtr_sweep_run_load(sw, o->input, mode, ctx) != 0;
    if (!failed && (qtr_target_load(o->target, &s->target, ctx) ||
                    (o->basis && qtr_target_set_basis(s->target, o->basis, ctx))))
        failed = 1;
    if (any_failed(c, failed, ctx)) return -1;
    s->sweep = sw;
    s->n = qtr_sweep_run_rows(sw);
    qtr_options opts;
    transpile_options(o, &opts);
    size_t budget = qtr_cli_memory_budget(o, c->local_size, 1);
    double t0 = now();
    if (qtr_sweep_run_prepare(sw, c, s->target, &opts, budget, ctx)) failed = 1;
    if (any_failed(c, failed, ctx)) return -1;
    if (c->rank == 0 && o->progress != QTR_PROGRESS_NONE) {
        size_t bad = 0;
        for (size_t t = 0; mode != QTR_SWEEP_PER_INSTANCE && t < sw->sw.n; t++)
            if (sw->sw.out[t].status != QTR_H5_OK) {
                bad++;
                say(NULL, "template %zu (%s): failed: %s", t, sw->sw.t[t].name,
                    sw->sw.out[t].message ? sw->sw.out[t].message : "");
            }
        say(NULL, "sweep %s: %zu templates (%zu failed), %llu value rows, mode %s; templates %s "
                  "in %.2f s", o->input, sw->sw.n, bad, (unsigned long long)qtr_sweep_rows(&sw->sw),
            qtr_sweep_mode_name(mode), mode == QTR_SWEEP_PER_INSTANCE ? "read" : "transpiled",
            now() - t0);
    }
    return 0;
}

static int run_batch(qtr_cli_options *o, qtr_comm *c)
{
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, o->seed);
    run_state s;
    memset(&s, 0, sizeof s);
    s.comm = c;
    s.o = o;
    int rc = QTR_EXIT_USAGE, failed = 0;
    if (qtr_killpoint_init(c->rank, ctx.msg, sizeof ctx.msg)) {
        say(NULL, "%s", ctx.msg);
        return QTR_EXIT_USAGE;
    }

    /* a sweep: templates and values (every rank), templates transpiled */
    qtr_sweep_run sweep;
    memset(&sweep, 0, sizeof sweep);
    if (qtr_h5_is_sweep(o->input)) {
        if (prepare_sweep(&s, &sweep, &ctx)) goto done;
        if (open_output(&s, &ctx)) goto done;
        if (s.out) qtr_h5_set_write_hook(s.out, killpoint_write, NULL);
        qtr_signals_install();
        rc = run_rounds(&s, &ctx);
        qtr_signals_restore();
        for (size_t t = 0; rc == QTR_EXIT_OK && !o->per_instance && t < sweep.sw.n; t++)
            if (sweep.sw.out[t].status != QTR_H5_OK) rc = QTR_EXIT_FAILED;
        goto done;
    }
    if (o->bind_rows || o->per_instance) {
        say(c->rank ? c : NULL, "%s is not a sweep file: --bind and --per-instance are sweep modes "
                                "(see '" PROG " sweep')", o->input);
        goto done;
    }

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
    if (s.out) qtr_h5_set_write_hook(s.out, killpoint_write, NULL);

    qtr_signals_install();
    rc = run_rounds(&s, &ctx);
    qtr_signals_restore();
done:
    if (s.out) {
        qtr_ctx cctx;
        qtr_ctx_init(&cctx, 0);
        int bad = qtr_h5_close(s.out, &cctx) != QTR_OK;
        if (bad) {
            say(c, "%s", cctx.msg);
            rc = QTR_EXIT_USAGE;
        } else {
            qtr_killpoint("close");
        }
        /* every rank's close done: the commit point of the timing; once the
         * mark is gone (a collective later), the rank journals go too */
        if (c->parallel_io && !qtr_comm_max_int(c, &bad) && !bad) {
            int left = s.close_mark && qtr_h5_mark_commit(o->output, 0, &cctx);
            if (left) {
                say(c, "%s", cctx.msg);
                rc = QTR_EXIT_USAGE;
            }
            if (!qtr_comm_max_int(c, &left) && !left && s.journaled) qtr_mpiio_journal_finish();
        }
    }
    qtr_ctx cctx;
    qtr_ctx_init(&cctx, 0);
    qtr_h5_close(s.in, &cctx);
    qtr_target_free(s.target);
    qtr_sweep_run_free(&sweep);
    free(s.win_status);
    free(s.win_start);
    free(s.win_count);
    return rc;
}

/* What the batch form needs beyond the table's checks. -1 to go on. */
static int check_options(const qtr_cli_options *o)
{
    if (!o->output || !o->output[0])
        return qtr_cli_usage("a batch needs -o RESULTS.h5 (results are an HDF5 file, not standard output)");
    if (!o->target) return qtr_cli_usage("a batch needs -t TARGET");
    if (o->writer_all && qtr_h5_is_sweep(o->input))
        return qtr_cli_usage("--writer=all: a sweep's results are written through rank 0");
    if (o->writer_all && !qtr_comm_built_with_parallel_hdf5())
        return qtr_cli_usage("--writer=all needs MPI and parallel HDF5; this build writes through "
                             "rank 0 (see '" PROG " info --build')");
    return -1;
}

int qtr_cli_batch(const qtr_cli_options *opts, int argc, char **argv)
{
#if defined(__GLIBC__)
    /* Blocks of 256 KiB and more (a long circuit's instructions and its
     * passes' arrays, a round's results) come from mmap and go back to the
     * system when freed. By default glibc raises this threshold to 32 MiB
     * after the first such free, and such blocks then stay in the heaps:
     * the peak of a long circuit came on top of what earlier rounds had
     * left (10,000 circuits, 1 process: peak RSS 204 -> 153 MiB, 1,000:
     * 174 -> 141, with 4 MiB). 4 MiB still left hwb12's later transpiles
     * 15 MiB above its first (2 ranks x 1 thread, a core each, largest
     * rank: 1,000 circuits 108, 10,000 133 MiB; with 256 KiB medians of
     * three 110 and 120). GLIBC_TUNABLES' own setting wins. */
    const char *tun = getenv("GLIBC_TUNABLES");
    if (!tun || !strstr(tun, "mmap_threshold")) mallopt(M_MMAP_THRESHOLD, 256 << 10);
#endif
    qtr_cli_options o = *opts;
    int rc = check_options(&o);
    if (rc >= 0) return rc;
    qtr_comm comm;
    qtr_ctx ctx;
    qtr_ctx_init(&ctx, 0);
    if (qtr_comm_init(&comm, &argc, &argv, o.writer_all, &ctx)) {
        say(NULL, "%s", ctx.msg);
        qtr_comm_fini(&comm);
        return QTR_EXIT_USAGE;
    }
    rc = run_batch(&o, &comm);
    qtr_comm_fini(&comm);
    return rc;
}
