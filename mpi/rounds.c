/* rounds.c -- placement and writing of one round (rounds.h).
 *
 * Owns: the temporary arrays of one commit. Borrows everything else.
 * Invariant after a successful commit: every row of the round has its data
 * and, last, its status on disk; the pools end at r->base (rank 0). */
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli_opts.h" /* QTR_PROG, QTR_EXIT_USAGE */
#include "killpoint.h"
#include "mpiio_journal.h"
#include "rounds.h"
#include "worker.h" /* qtr_thread_cpu */

const char *const qtr_commit_phase_names[QTR_COMMIT_NPHASES] = {"place", "write", "flush", "status",
                                                                 "stop"};

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Charge the time since the last mark to phase @p ph. */
typedef struct {
    double wall, cpu;
} mark;

static void charge(qtr_rounds *r, int ph, mark *m)
{
    double w = wall_now(), c = qtr_thread_cpu();
    r->wall[ph] += w - m->wall;
    r->cpu[ph] += c - m->cpu;
    m->wall = w;
    m->cpu = c;
}

/* The message that carries a rank's pools to rank 0 (the only
 * point-to-point message of a commit). */
#define POOLS_TAG 7

/* What rank 0 learns about each row: its number, status, pool sizes. */
enum { TUPLE = 2 + QTR_H5_NFILEPOOLS };

/* ---- block serialisation ------------------------------------------------- */

typedef struct {
    uint64_t n, ninst, nparams, nargs, nregs, nlayout, nmsgs, npre, npredata;
} pack_head;

#define ALIGN8(x) (((x) + 7u) & ~(size_t)7u)

static size_t pack_size(const pack_head *h)
{
    return ALIGN8(sizeof *h) + ALIGN8(h->n * sizeof(qtr_h5_row)) +
           ALIGN8(h->ninst * sizeof(qtr_inst)) + ALIGN8(h->nparams * sizeof(double)) +
           ALIGN8(h->nargs * sizeof(uint32_t)) + ALIGN8(h->nregs * sizeof(qtr_h5_reg)) +
           2 * ALIGN8(h->nlayout * sizeof(uint32_t)) + ALIGN8(h->nmsgs) +
           ALIGN8(h->npre * sizeof(qtr_h5_prechunk)) + ALIGN8(h->npredata);
}

/* The three big pools travel apart from the rest (qtr_block_move_pools):
 * inst, params, args, in this order, contiguous in a packed buffer (their
 * sections are whole multiples of 8 bytes but the last). */
enum { NBIG = 3 };
static const int bigp[NBIG] = {QTR_H5_POOL_INST, QTR_H5_POOL_PARAMS, QTR_H5_POOL_ARGS};
static const size_t bigsz[NBIG] = {sizeof(qtr_inst), sizeof(double), sizeof(uint32_t)};

static size_t pools_bytes(const pack_head *h)
{
    return h->ninst * sizeof(qtr_inst) + h->nparams * sizeof(double) + h->nargs * sizeof(uint32_t);
}

/* Offset of the inst section in a packed buffer. */
static size_t pools_at(const pack_head *h)
{
    return ALIGN8(sizeof *h) + ALIGN8(h->n * sizeof(qtr_h5_row));
}

int qtr_block_pack_meta(const qtr_h5_block *b, void **buf, size_t *len)
{
    uint64_t nbig[NBIG] = {0, 0, 0};
    for (size_t k = 0; k < b->n; k++)
        for (int j = 0; j < NBIG; j++) nbig[j] += b->row[k].count[bigp[j]];
    uint64_t npredata = 0;
    for (size_t i = 0; i < b->npre; i++) npredata += b->pre[i].size;
    pack_head h = {b->n, nbig[0], nbig[1], nbig[2], b->nregs, b->nlayout, b->nmsgs, b->npre, npredata};
    if (pools_bytes(&h) > (size_t)INT32_MAX) return -1;
    size_t total = pack_size(&h) - ALIGN8(nbig[0] * bigsz[0]) - ALIGN8(nbig[1] * bigsz[1]) -
                   ALIGN8(nbig[2] * bigsz[2]);
    char *p = calloc(1, total);
    if (!p) return -1;
    size_t at = 0;
#define PUT(src, bytes)                            \
    do {                                           \
        if ((bytes) != 0) memcpy(p + at, (src), (bytes)); \
        at += ALIGN8(bytes);                       \
    } while (0)
    PUT(&h, sizeof h);
    qtr_h5_row *rows = (qtr_h5_row *)(void *)(p + at);
    PUT(b->row, h.n * sizeof(qtr_h5_row));
    /* where each row's elements will be in the receiver's pools */
    uint64_t fill[NBIG] = {0, 0, 0};
    for (size_t k = 0; k < b->n; k++)
        for (int j = 0; j < NBIG; j++) {
            rows[k].local[bigp[j]] = fill[j];
            fill[j] += b->row[k].count[bigp[j]];
        }
    PUT(b->regs, h.nregs * sizeof(qtr_h5_reg));
    PUT(b->layout0, h.nlayout * sizeof(uint32_t));
    PUT(b->layout1, h.nlayout * sizeof(uint32_t));
    PUT(b->msgs, h.nmsgs);
    /* compressed chunks: the table, then their bytes one after another */
    qtr_h5_prechunk *pre = (qtr_h5_prechunk *)(void *)(p + at);
    PUT(b->pre, h.npre * sizeof(qtr_h5_prechunk));
    for (size_t i = 0, off = 0; i < h.npre; i++) {
        memcpy(p + at + off, b->pre[i].data, b->pre[i].size);
        pre[i].offset = off;
        pre[i].data = NULL;
        off += b->pre[i].size;
    }
    at += ALIGN8(h.npredata);
#undef PUT
    *buf = p;
    *len = total;
    return 0;
}

int qtr_block_unpack_meta(const void *meta, size_t mlen, void **buf, size_t *len)
{
    pack_head h;
    if (mlen < sizeof h) return -1;
    memcpy(&h, meta, sizeof h);
    size_t at0 = pools_at(&h), sect = ALIGN8(h.ninst * sizeof(qtr_inst)) +
                                      ALIGN8(h.nparams * sizeof(double)) +
                                      ALIGN8(h.nargs * sizeof(uint32_t));
    size_t total = pack_size(&h);
    if (total - sect != mlen || mlen < at0) return -1;
    char *p = malloc(total);
    if (!p) return -1;
    memcpy(p, meta, at0);
    memcpy(p + at0 + sect, (const char *)meta + at0, mlen - at0);
    *buf = p;
    *len = total;
    return 0;
}


/* The byte ranges of block @p b's big pools that travel to rank 0: each
 * row's elements of inst, params and args, in this order, less the
 * elements of its precompressed chunks (b->pre). The sender (a block of
 * references) and rank 0 (a view of the buffer it made room in) derive the
 * same list from the same rows and table. */
static int travel_ranges(const qtr_h5_block *b, void ***seg_out, size_t **len_out, size_t *nseg)
{
    size_t cap = NBIG * b->n + b->npre + 1, ns = 0, xi = 0;
    void **seg = malloc(cap * sizeof *seg);
    size_t *len = malloc(cap * sizeof *len);
    if (!seg || !len) {
        free(seg);
        free(len);
        return -1;
    }
    for (int j = 0; j < NBIG; j++) {
        int p = bigp[j];
        uint64_t clen = 1;
        size_t es;
        if (qtr_h5_chunk_geometry(p, &clen, &es)) clen = 1;
        for (size_t k = 0; k < b->n; k++) {
            uint64_t s = b->row[k].start[p], e = s + b->row[k].count[p], at = s;
            if (s == e) continue;  /* failed rows have no circuit */
            char *base = (char *)qtr_h5_block_elems(b, k, p);
            while (at < e) {
                while (xi < b->npre && ((int)b->pre[xi].pool < p ||
                                        ((int)b->pre[xi].pool == p && (b->pre[xi].chunk + 1) * clen <= at)))
                    xi++;
                int in_pre = xi < b->npre && (int)b->pre[xi].pool == p;
                uint64_t c0 = in_pre ? b->pre[xi].chunk * clen : UINT64_MAX;
                if (c0 <= at) {  /* inside a precompressed chunk: skip it */
                    uint64_t c1 = c0 + clen;
                    at = c1 < e ? c1 : e;
                    continue;
                }
                uint64_t to = c0 < e ? c0 : e;
                seg[ns] = base + (at - s) * bigsz[j];
                len[ns++] = (to - at) * bigsz[j];
                at = to;
            }
        }
    }
    *seg_out = seg;
    *len_out = len;
    *nseg = ns;
    return 0;
}

int qtr_block_move_pools(qtr_comm *c, const qtr_h5_block *b, int peer, int tag, int sending,
                         qtr_ctx *ctx)
{
    void **seg = NULL;
    size_t *len = NULL, nseg = 0;
    if (travel_ranges(b, &seg, &len, &nseg)) {
        qtr_fail(ctx, QTR_ENOMEM, "segments of a round's results");
        return -1;
    }
    int rc = !nseg    ? 0
             : sending ? qtr_comm_send_segments(c, peer, tag, nseg, (const void *const *)seg, len, ctx)
                       : qtr_comm_recv_segments(c, peer, tag, nseg, seg, len, ctx);
    free(seg);
    free(len);
    return rc;
}

int qtr_block_view(const void *buf, size_t len, qtr_h5_block *v)
{
    memset(v, 0, sizeof *v);
    if (len < sizeof(pack_head)) return -1;
    pack_head h;
    memcpy(&h, buf, sizeof h);
    if (pack_size(&h) != len) return -1;
    char *p = (char *)buf;
    size_t at = ALIGN8(sizeof h);
#define TAKE(dst, type, count)          \
    do {                                \
        dst = (type *)(void *)(p + at); \
        at += ALIGN8((count) * sizeof(type)); \
    } while (0)
    TAKE(v->row, qtr_h5_row, h.n);
    TAKE(v->inst, qtr_inst, h.ninst);
    TAKE(v->params, double, h.nparams);
    TAKE(v->args, uint32_t, h.nargs);
    TAKE(v->regs, qtr_h5_reg, h.nregs);
    TAKE(v->layout0, uint32_t, h.nlayout);
    TAKE(v->layout1, uint32_t, h.nlayout);
    TAKE(v->msgs, char, h.nmsgs);
    qtr_h5_prechunk *pre;
    unsigned char *predata;
    TAKE(pre, qtr_h5_prechunk, h.npre);
    TAKE(predata, unsigned char, h.npredata);
    for (size_t i = 0; i < h.npre; i++) {
        if (pre[i].offset > h.npredata || pre[i].size > h.npredata - pre[i].offset) return -1;
        pre[i].data = predata + pre[i].offset;
    }
    v->pre = pre;
    v->npre = h.npre;
#undef TAKE
    v->n = v->cap = h.n;
    v->ninst = h.ninst;
    v->nparams = h.nparams;
    v->nargs = h.nargs;
    v->nregs = h.nregs;
    v->nlayout = h.nlayout;
    v->nmsgs = h.nmsgs;
    return 0;
}

/* ---- placement -------------------------------------------------------------- */

/* Rank 0: given every rank's tuples (rank order) and the committed rows,
 * compute the starts for each gathered row, in gathered order, into
 * starts[]; advance r->base. */
static int place(qtr_rounds *r, uint64_t first, size_t n, const uint8_t *committed,
                 const uint64_t *tup, size_t ntup, uint64_t *starts, qtr_ctx *ctx)
{
    int rc = -1;
    /* per round row: pool counts and where its tuple is (or SIZE_MAX) */
    uint64_t *cnt = calloc(n ? n * QTR_H5_NFILEPOOLS : 1, sizeof *cnt);
    size_t *from = malloc((n ? n : 1) * sizeof *from);
    uint64_t *fs = NULL, *fc = NULL;
    if (!cnt || !from) {
        qtr_fail(ctx, QTR_ENOMEM, "placing a round of %zu rows", n);
        goto done;
    }
    for (size_t i = 0; i < n; i++) from[i] = SIZE_MAX;
    for (size_t t = 0; t < ntup; t++) {
        const uint64_t *u = tup + t * TUPLE;
        if (u[0] < first || u[0] - first >= n || from[u[0] - first] != SIZE_MAX) {
            qtr_fail(ctx, QTR_EINVAL, "internal: row %llu reported twice or outside the round",
                     (unsigned long long)u[0]);
            goto done;
        }
        from[u[0] - first] = t;
        memcpy(cnt + (u[0] - first) * QTR_H5_NFILEPOOLS, u + 2, QTR_H5_NFILEPOOLS * sizeof *u);
    }
    int any_committed = 0;
    for (size_t i = 0; i < n; i++) {
        int done_before = committed && committed[i] != QTR_H5_PENDING;
        if (done_before && from[i] != SIZE_MAX) {
            qtr_fail(ctx, QTR_EINVAL, "internal: row %llu is done and was redone",
                     (unsigned long long)(first + i));
            goto done;
        }
        if (!done_before && from[i] == SIZE_MAX) {
            qtr_fail(ctx, QTR_EINVAL, "internal: row %llu was not transpiled by any rank",
                     (unsigned long long)(first + i));
            goto done;
        }
        any_committed |= done_before;
    }
    if (any_committed) {
        fs = malloc(n * QTR_H5_NFILEPOOLS * sizeof *fs);
        fc = malloc(n * QTR_H5_NFILEPOOLS * sizeof *fc);
        if (!fs || !fc) {
            qtr_fail(ctx, QTR_ENOMEM, "placement of a round");
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t row = first + i;
            if (!(committed[i] != QTR_H5_PENDING)) continue;
            if (row < r->done_lo || row >= r->done_hi || !r->done_start) {
                qtr_fail(ctx, QTR_EINVAL, "internal: row %llu is done but outside the resume window",
                         (unsigned long long)row);
                goto done;
            }
            memcpy(fs + i * QTR_H5_NFILEPOOLS, r->done_start + (row - r->done_lo) * QTR_H5_NFILEPOOLS,
                   QTR_H5_NFILEPOOLS * sizeof *fs);
            memcpy(fc + i * QTR_H5_NFILEPOOLS, r->done_count + (row - r->done_lo) * QTR_H5_NFILEPOOLS,
                   QTR_H5_NFILEPOOLS * sizeof *fc);
        }
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t *c = cnt + i * QTR_H5_NFILEPOOLS;
        if (from[i] == SIZE_MAX) {
            /* done by an earlier run: it must sit exactly where this run
             * would have put it, or the file is not the one we think */
            for (int p = 0; p < QTR_H5_NFILEPOOLS; p++) {
                c[p] = fc[i * QTR_H5_NFILEPOOLS + p];
                r->base[p] = qtr_h5_segment_start(p, r->base[p], c[p]);
                if (c[p] && fs[i * QTR_H5_NFILEPOOLS + p] != r->base[p]) {
                    qtr_fail(ctx, QTR_EPARSE,
                             "%s: row %llu is stored at %llu, expected %llu: the file was not "
                             "written by this kind of run; start it again without --resume",
                             qtr_h5_path(r->out), (unsigned long long)(first + i),
                             (unsigned long long)fs[i * QTR_H5_NFILEPOOLS + p],
                             (unsigned long long)r->base[p]);
                    goto done;
                }
                r->base[p] += c[p];
            }
            continue;
        }
        uint64_t *s = starts + from[i] * QTR_H5_NFILEPOOLS;
        for (int p = 0; p < QTR_H5_NFILEPOOLS; p++) {
            s[p] = qtr_h5_segment_start(p, r->base[p], c[p]);
            r->base[p] = s[p] + c[p];
        }
    }
    rc = 0;
done:
    free(cnt);
    free(from);
    free(fs);
    free(fc);
    return rc;
}

/* Flush the results: the data before the status that marks it done, the
 * status before the next round (the kill points bracket it). 0 or -1. */
static int flush(qtr_rounds *r, qtr_ctx *ctx)
{
    qtr_killpoint("flush");
    if (qtr_h5_flush(r->out, ctx)) return -1;
    qtr_killpoint("flushed");
    return 0;
}

static void feed(qtr_rounds *r)
{
    if (r->feed) r->feed(r->feed_ud);
}

/* Agree on failure: 0 when every rank succeeded. A rank that failed keeps
 * its message; the others get a pointer to rank 0's log. */
static int all_ok(qtr_comm *c, int rc, qtr_ctx *ctx, const char *what)
{
    int bad = rc != 0;
    if (qtr_comm_max_int(c, &bad)) {
        qtr_fail(ctx, QTR_EIO, "MPI failed while %s", what);
        return -1;
    }
    if (bad && !rc) qtr_fail(ctx, QTR_EIO, "another rank failed while %s", what);
    return bad ? -1 : 0;
}

/* How long a rank whose collective write step failed waits for the other
 * ranks to agree before it ends the job (QTR_TEST_AGREE_WAIT overrides).
 * By then the others are either already waiting in the agreement -- they
 * finished the step, which cannot take them long after this rank left it
 * (a whole commit's two dozen collective steps took 0.6-1.2 s on the
 * bench) -- or held inside the collective this rank left, where they would
 * stay until the job's time limit. 60 s leaves a slow parallel file
 * system's flush ample time, and is nothing against a time limit. Ending
 * the job early loses nothing: this commit has failed in any case (every
 * rank stops after it), and --resume undoes it from the rank journals. */
#define AGREE_WAIT_SECONDS 60.0

/* all_ok after a --writer=all step that runs HDF5 collectives (HDF5 makes
 * its MPI-IO calls on a communicator of its own). A rank whose step failed
 * may have left such a collective early, or never entered it: the others
 * then wait in it forever while this rank would wait for them here. So it
 * waits only AGREE_WAIT_SECONDS, then says why and ends the job
 * (MPI_Abort). Ranks whose step succeeded cannot tell slow from stuck:
 * they wait as all_ok does, and the failed rank decides. */
static int all_ok_collective(qtr_rounds *r, int rc, qtr_ctx *ctx, const char *what)
{
    qtr_comm *c = r->comm;
    if (!rc) return all_ok(c, rc, ctx, what);
    double wait = qtr_killpoint_agree_wait(AGREE_WAIT_SECONDS);
    int bad = 1, got = qtr_comm_max_int_within(c, &bad, wait);
    if (got == 0) return -1;  /* every rank is here: they all stop, with this rank's message */
    if (got < 0) {
        qtr_fail(ctx, QTR_EIO, "MPI failed while %s", what);
        return -1;
    }
    fprintf(stderr, QTR_PROG ": rank %d: %s failed: %s\n", c->rank, what, ctx->msg);
    fprintf(stderr,
            QTR_PROG ": rank %d: the other ranks did not agree on that step within %g s: they are "
            "presumably held inside the collective write this rank left, and would wait there "
            "until the job's time limit; ending the whole job (MPI_Abort). Run the same command "
            "with --resume: it undoes this unfinished commit from the rank journals "
            "(%s.journal.RANK) and completes the batch\n",
            c->rank, wait, qtr_h5_path(r->out));
    fflush(stderr);
    qtr_comm_abort(c, QTR_EXIT_USAGE);
    return -1;  /* not reached: only a world of several ranks gets here */
}

/* QTR_TEST_FAIL: this rank's run of --writer=all commit step @p step
 * fails here, HDF5 not called, as if its disk had failed. 1 if so. */
static int injected(const char *step, const char *path, qtr_ctx *ctx)
{
    if (!qtr_killpoint_fail(step)) return 0;
    qtr_fail(ctx, QTR_EIO, "%s: the %s step failed on purpose (QTR_TEST_FAIL; HDF5 not called)",
             path, step);
    return 1;
}

/* This rank's rows' precompressed chunks (@p rc, one entry per row of @p b)
 * as one table for the block, now that the rows are placed: chunk numbers
 * from each segment's start become the file's, sorted by pool, then chunk
 * (rows are in row order, so their segments are in file order). Sets
 * b->pre (malloc'ed; the caller frees it). */
static int place_prechunks(qtr_h5_block *b, const qtr_row_chunks *rc)
{
    size_t n = 0;
    for (size_t k = 0; rc && k < b->n; k++) n += rc[k].npre;
    if (!n) return 0;
    qtr_h5_prechunk *tab = malloc(n * sizeof *tab);
    if (!tab) return -1;
    size_t nt = 0;
    for (int j = 0; j < NBIG; j++) {
        int p = bigp[j];
        uint64_t clen = qtr_h5_pool_chunk_len(p);
        for (size_t k = 0; k < b->n; k++) {
            uint64_t s = b->row[k].start[p];
            if (s % clen) continue;  /* not where it was compressed for: left to the writer */
            for (size_t i = 0; i < rc[k].npre; i++) {
                if ((int)rc[k].pre[i].pool != p) continue;
                tab[nt] = rc[k].pre[i];
                tab[nt++].chunk += s / clen;
            }
        }
    }
    b->pre = tab;
    b->npre = nt;
    return 0;
}

int qtr_rounds_commit(qtr_rounds *r, uint32_t seq, uint64_t first, size_t n,
                      const uint8_t *committed, qtr_h5_block *mine, const qtr_row_chunks *chunks,
                      int local_failed, int *stop,
                      uint64_t *nok, uint64_t *nerr, qtr_ctx *ctx)
{
    qtr_comm *c = r->comm;
    int rc = -1, step;
    uint64_t *tup = NULL, *starts = NULL, *all_starts = NULL, ext[QTR_H5_NFILEPOOLS];
    void *gathered = NULL, *packed = NULL, *blocks = NULL;
    size_t *gcount = NULL, *bcount = NULL, *scount = NULL;
    /* rank 0: each rank's round as a packed block, its size, where its
     * pools start in it and their bytes */
    void **full = NULL;
    size_t *flen = NULL;
    qtr_h5_block *views = NULL;  /* rank 0: each rank's block in full[] */
    *nok = *nerr = 0;
    mark m = {wall_now(), qtr_thread_cpu()};
    qtr_killpoint("commit");

    /* 1. tuples to rank 0 */
    tup = malloc((mine->n ? mine->n : 1) * TUPLE * sizeof *tup);
    starts = malloc((mine->n ? mine->n : 1) * QTR_H5_NFILEPOOLS * sizeof *starts);
    /* a rank that could not read or transpile its part says so here: every
     * rank learns it at the same point and stops */
    step = local_failed ? -1 : 0;
    if (!step && r->write_failed) step = qtr_fail(ctx, QTR_EIO, "%s", r->write_msg);
    if (!step && (!tup || !starts)) step = qtr_fail(ctx, QTR_ENOMEM, "round tuples");
    if (all_ok(c, step, ctx, "preparing a round")) goto done;
    /* every rank is here, so none claims in this round any more: its
     * counter can serve round seq + 2 (visible to all before they leave the
     * commit's last collective) */
    if (r->counter) qtr_counter_release(r->counter, seq);
    for (size_t k = 0; k < mine->n; k++) {
        uint64_t *u = tup + k * TUPLE;
        u[0] = mine->row[k].index;
        u[1] = mine->row[k].status;
        memcpy(u + 2, mine->row[k].count, QTR_H5_NFILEPOOLS * sizeof *u);
    }
    step = qtr_comm_gather(c, tup, mine->n * TUPLE * sizeof *tup, &gathered, &gcount, ctx);
    if (all_ok(c, step, ctx, "gathering a round")) goto done;
    feed(r);

    /* 2. rank 0 places every row; starts go back in the order they came */
    step = 0;
    if (c->rank == 0) {
        size_t ntup = 0;
        for (int k = 0; k < c->size; k++) ntup += gcount[k] / (TUPLE * sizeof(uint64_t));
        all_starts = malloc((ntup ? ntup : 1) * QTR_H5_NFILEPOOLS * sizeof *all_starts);
        scount = malloc((size_t)c->size * sizeof *scount);
        if (!all_starts || !scount) step = qtr_fail(ctx, QTR_ENOMEM, "round starts");
        else step = place(r, first, n, committed, gathered, ntup, all_starts, ctx);
        for (size_t t = 0; t < ntup && !step; t++) {
            uint64_t st = ((uint64_t *)gathered)[t * TUPLE + 1];
            if (st == QTR_H5_OK) (*nok)++;
            else (*nerr)++;
        }
        for (int k = 0; scount && k < c->size; k++)
            scount[k] = gcount[k] / (TUPLE * sizeof(uint64_t)) * QTR_H5_NFILEPOOLS * sizeof(uint64_t);
        memcpy(ext, r->base, sizeof ext);
    }
    if (all_ok(c, step, ctx, "placing a round")) goto done;
    step = qtr_comm_scatter(c, all_starts, scount, starts,
                            mine->n * QTR_H5_NFILEPOOLS * sizeof *starts, ctx);
    if (!step) step = qtr_comm_bcast(c, ext, sizeof ext, 0);
    if (all_ok(c, step, ctx, "sending placements")) goto done;
    feed(r);
    for (size_t k = 0; k < mine->n; k++)
        memcpy(mine->row[k].start, starts + k * QTR_H5_NFILEPOOLS,
               QTR_H5_NFILEPOOLS * sizeof *starts);
    /* a serial writer stores the chunks the workers compressed as they are */
    if (!c->parallel_io && place_prechunks(mine, chunks)) {
        qtr_fail(ctx, QTR_ENOMEM, "a round's table of compressed chunks");
        step = -1;
    }
    if (all_ok(c, step, ctx, "listing compressed chunks")) goto done;

    charge(r, QTR_COMMIT_PLACE, &m);

    /* 3. write */
    if (c->parallel_io) {
        /* every rank writes its own rows; each step is collective, so a
         * failure anywhere stops everyone at the same step (or, when the
         * failed rank left the others inside HDF5's collective, ends the
         * job: all_ok_collective). Parallel HDF5
         * has no undo journal of its own: every rank starts its rank
         * journal (mpiio_journal.h), then rank 0 marks the commit under
         * way (qtr_h5_mark_commit), and removes the mark once every rank's
         * flush of the status is done; a kill in between is undone by
         * --resume from the rank journals */
        const char *path = qtr_h5_path(r->out);
        step = qtr_mpiio_journal_begin(path, c->rank)
                   ? qtr_fail(ctx, QTR_EIO, "%s: cannot start rank %d's undo journal: %s", path,
                              c->rank, strerror(errno))
                   : 0;
        if (all_ok(c, step, ctx, "starting a commit's journals")) goto done;
        step = c->rank == 0 && qtr_h5_mark_commit(path, c->size, ctx) ? -1 : 0;
        if (all_ok(c, step, ctx, "marking a commit")) goto done;
        /* the steps below are HDF5 collectives: a rank that fails one
         * agrees with a deadline (all_ok_collective) */
        step = (injected("grow", path, ctx) || qtr_h5_grow(r->out, ext, ctx)) ? -1 : 0;
        if (all_ok_collective(r, step, ctx, "extending the results")) goto done;
        qtr_killpoint("grow");
        feed(r);
        step = (injected("data", path, ctx) || qtr_h5_write_block(r->out, mine, c->dxpl, ctx)) ? -1 : 0;
        if (all_ok_collective(r, step, ctx, "writing results")) goto done;
        qtr_killpoint("data");
        charge(r, QTR_COMMIT_WRITE, &m);
        step = injected("flush", path, ctx) ? -1 : flush(r, ctx);
        if (all_ok_collective(r, step, ctx, "flushing results")) goto done;
        feed(r);
        charge(r, QTR_COMMIT_FLUSH, &m);
        step = (injected("status", path, ctx) || qtr_h5_write_status(r->out, mine, c->dxpl, ctx)) ? -1 : 0;
        if (all_ok_collective(r, step, ctx, "writing status")) goto done;
        qtr_killpoint("status");
        feed(r);
        step = injected("flush", path, ctx) ? -1 : flush(r, ctx);
        if (!step && qtr_mpiio_journal_failed())
            step = qtr_fail(ctx, QTR_EIO, "%s.journal.%d: %s", path, c->rank,
                            strerror(qtr_mpiio_journal_failed()));
        if (all_ok_collective(r, step, ctx, "flushing status")) goto done;
        step = c->rank == 0 && qtr_h5_mark_commit(path, 0, ctx) ? -1 : 0;
        if (all_ok(c, step, ctx, "ending a commit")) goto done;
        qtr_mpiio_journal_end();   /* after the mark is gone on every rank's view */
        charge(r, QTR_COMMIT_STATUS, &m);
        rc = 0;
        goto agree_stop;
    }
    /* rank-0 writer: blocks travel to rank 0, their pools straight from
     * the output circuits (one copy of a round's results in all: rank 0's) */
    size_t plen = 0;
    step = 0;
    if (c->rank != 0 && qtr_block_pack_meta(mine, &packed, &plen))
        step = qtr_fail(ctx, QTR_ENOMEM, "packing a round's results (over 2 GiB on one rank: use "
                                         "a smaller --round)");
    if (all_ok(c, step, ctx, "packing results")) goto done;
    step = qtr_comm_gather(c, packed, plen, &blocks, &bcount, ctx);
    if (all_ok(c, step, ctx, "sending results to rank 0")) goto done;
    /* rank 0 makes room for every rank's pools before any is sent, so a
     * failure stops everyone before a send could wait forever */
    step = 0;
    if (c->rank == 0) {
        full = calloc((size_t)c->size, sizeof *full);
        flen = calloc((size_t)c->size, sizeof *flen);
        views = calloc((size_t)c->size, sizeof *views);
        if (!full || !flen || !views)
            step = qtr_fail(ctx, QTR_ENOMEM, "round buffers");
        size_t at = bcount ? bcount[0] : 0;
        for (int k = 1; k < c->size && !step; k++) {
            if (qtr_block_unpack_meta((char *)blocks + at, bcount[k], &full[k], &flen[k]))
                step = qtr_fail(ctx, QTR_ENOMEM, "room for rank %d's results of a round", k);
            else if (qtr_block_view(full[k], flen[k], &views[k]))
                step = qtr_fail(ctx, QTR_EIO, "internal: malformed block from rank %d", k);
            at += bcount[k];
        }
    }
    if (all_ok(c, step, ctx, "making room for results")) goto done;
    step = 0;
    if (c->rank == 0) {
        for (int k = 1; k < c->size && !step; k++)
            step = qtr_block_move_pools(c, &views[k], k, POOLS_TAG, 0, ctx);
    } else if (mine->n) {
        step = qtr_block_move_pools(c, mine, 0, POOLS_TAG, 1, ctx);
    }
    if (all_ok(c, step, ctx, "sending results to rank 0")) goto done;
    /* the stop is agreed now: the other ranks leave here and go on with
     * their next rounds while rank 0 writes this one (no collective until
     * the next commit, which tells them if the write failed) */
    if (qtr_comm_max_int(c, stop)) goto done;
    charge(r, QTR_COMMIT_STOP, &m);
    feed(r);
    rc = 0;
    if (c->rank != 0) goto done;
    step = qtr_h5_grow(r->out, ext, ctx) ? -1 : 0;
    if (!step) qtr_killpoint("grow");
    /* pass 1: data of every rank's rows; pass 2: their status */
    for (int pass = 0; pass < 2 && !step; pass++) {
        for (int k = 0; k < c->size && !step; k++) {
            const qtr_h5_block *b = k > 0 ? &views[k] : mine;
            if (!b->n) continue;
            step = (pass == 0 ? qtr_h5_write_block(r->out, b, -1, ctx)
                              : qtr_h5_write_status(r->out, b, -1, ctx))
                       ? -1
                       : 0;
        }
        if (!step) qtr_killpoint(pass == 0 ? "data" : "status");
        if (pass == 0) charge(r, QTR_COMMIT_WRITE, &m);
        if (!step) step = flush(r, ctx);
        charge(r, pass == 0 ? QTR_COMMIT_FLUSH : QTR_COMMIT_STATUS, &m);
    }
    if (step && c->size == 1) rc = -1;
    else if (step) {
        r->write_failed = 1;
        snprintf(r->write_msg, sizeof r->write_msg, "%s", ctx->msg);
    }
    goto done;
agree_stop:
    /* a stop signal seen by any rank stops every rank after the same round */
    if (qtr_comm_max_int(c, stop)) rc = -1;
    charge(r, QTR_COMMIT_STOP, &m);
done:
    free(tup);
    free(starts);
    free(all_starts);
    free(gathered);
    free(gcount);
    free(scount);
    free(packed);
    free(blocks);
    free(bcount);
    for (int k = 0; full && k < c->size; k++) free(full[k]);
    free(views);
    /* the table of place_prechunks (the chunks are the workers') */
    free((void *)mine->pre);
    mine->pre = NULL;
    mine->npre = 0;
    free(full);
    free(flen);
    return rc;
}

int qtr_rounds_finish(qtr_rounds *r, qtr_ctx *ctx)
{
    int step = 0;
    if (r->write_failed) step = qtr_fail(ctx, QTR_EIO, "%s", r->write_msg);
    return all_ok(r->comm, step, ctx, "writing the last round");
}
