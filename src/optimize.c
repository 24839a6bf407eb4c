/* optimize.c -- the optimisation stage's loop and the init stage's clean-up
 * passes for levels 1-3, as Qiskit's preset pass managers run them
 * (design/ALGORITHMS.md §2.3, §2.5), built from the passes in pass_*.c.
 *
 * Borrows: the target (read only). Rewrites: the circuit in place. Owns while
 * it runs: at level 3, the best circuit seen so far (a clone, freed before
 * returning). On failure the circuit is valid and equivalent to the input
 * (every pass either completes or leaves it unchanged), possibly partly
 * optimised; at level 3 it may be the best circuit seen before the failure.
 *
 * Loops (loop_level1 and the list loop_l23 below), as Qiskit 2.2
 * (ALGORITHMS.md §2.9; resynth_2q is ConsolidateBlocks + UnitarySynthesis,
 * src/pass_consolidate.c):
 *   L1  do { merge1q, cancel_inverse } until depth and size both stay the same;
 *   L2  resynth_2q once, then do { remove_identity, merge1q, commute_cancel,
 *       cancel_inverse } until depth and size both stay the same (running
 *       resynth_2q inside the loop too gave the same 2q counts on the device
 *       benchmark at twice the stage time);
 *   L3  do { resynth_2q, then the L2 passes } under Qiskit's
 *       MinimumPoint(depth, size, backtrack 5): a lexicographically better
 *       (depth, size) saves a copy and resets the count to 1, a worse one
 *       counts up and at 5 restores the saved copy and stops, an equal one
 *       stops. The first iteration only records its score against (∞, ∞), as
 *       Qiskit does.
 * cancel_inverse is not in Qiskit's L2/L3 loops; it is here because our
 * CommutativeCancellation does not cancel gates that have no commutation
 * type on a wire (ecr ecr, swap swap, h h on a 2q-gate-free wire is merge1q's):
 * it costs one linear scan. Init (qtr_optimize_init) at L2/L3 also
 * folds phases (pass_phase_fold.c) and turns the cx stars of star-shaped
 * circuits into ladders (pass_star_ladder.c), which Qiskit does not, and
 * consolidates 2q blocks on the virtual circuit, as Qiskit's init stage does;
 * at L1 it removes identity-equivalent gates before the inverse cancellation,
 * which Qiskit's L1 does not (see there why).
 *
 * Each loop also stops after OPT_MAX_ITER iterations, a guard Qiskit does not
 * have: every pass here lowers or keeps (2q count, size) on basis-form input
 * (resynth_2q may trade 1q gates for fewer 2q ones), so the loops end long
 * before (typically in 2-4 iterations).
 *
 * Precondition: the circuit is already in the target's basis (after the
 * translation stage); then every pass here emits only basis gates and no
 * re-translation is needed inside the loop (Qiskit's "unroll" step). */
#include <string.h>

#include "opt_internal.h"
#include "pass.h"

#define OPT_MAX_ITER 100

/* ======================================================================
 * Pass lists
 * ====================================================================== */

static const qtr_pass_desc loop_l23[] = {
    {"remove_identity", qtr_pass_remove_identity},
    {"merge1q", qtr_pass_merge1q},
    {"commute_cancel", qtr_pass_commute_cancel},
    {"cancel_inverse", qtr_pass_cancel_inverse},
    {NULL, NULL},
};

static qtr_status run_list(const qtr_pass_desc *list, qtr_circuit *c, const qtr_target *t,
                           qtr_ctx *ctx)
{
    for (const qtr_pass_desc *p = list; p->run; p++) {
        qtr_status st = p->run(c, t, ctx);
        if (st) return st;
    }
    return QTR_OK;
}

/* One loop body: 2q block resynthesis first when the level runs it inside
 * the loop (L3), then the level's list. */
typedef struct {
    const qtr_pass_desc *list;
    int resynth;          /* run qtr_pass_resynth_2q_approx before the list */
    double degree;        /* its approximation degree */
} body_t;

static qtr_status run_body(const body_t *b, qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    if (b->resynth) {
        qtr_status st = qtr_pass_resynth_2q_approx(c, t, b->degree, ctx);
        if (st) return st;
    }
    return run_list(b->list, c, t, ctx);
}

/* Level 1: do { merge1q, cancel_inverse } until cancel_inverse removes
 * nothing. That is where Qiskit's "depth and size both stay the same"
 * stops too, one iteration earlier: on basis-form input merge1q never adds
 * gates, and on its own output it keeps every run (a run stays either as
 * it was or as its best synthesis; tests/unit/test_opt.cc checks this), so
 * an iteration whose cancel_inverse removes something shrinks the circuit
 * (the score cannot repeat) and one whose cancel_inverse removes nothing
 * leaves a circuit the next iteration would not change.
 *
 * After the first iteration, merge1q need only look at the runs that the
 * removed records bordered (opt_merge1q_touched): on hwb12 that second
 * merge1q took 0.128 s for 2.3 M records and changed 67. And cancel_inverse
 * can then only find something where merge1q removed a whole run: its
 * input was cancel_inverse's own output (one pass finds every pair), a
 * resynthesised run holds no pair (that would make a shorter synthesis),
 * and a 1q gate has no inverse among the multi-qubit gates next to its run.
 * Without an emptied run the loop stops there. */
static qtr_status loop_level1(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    qtr_status st = qtr_pass_merge1q(c, t, ctx);
    for (int it = 0; !st && it < OPT_MAX_ITER; it++) {
        size_t removed = 0, emptied = 0;
        if ((st = opt_cancel_inverse_marked(c, &removed, ctx)) || !removed) break;
        if ((st = opt_merge1q_touched(c, t, &emptied, ctx)) || !emptied) break;
    }
    return st; /* merge1q_touched compacted what cancel_inverse removed */
}

/* ======================================================================
 * Parameter pool
 * ====================================================================== */

/* Passes leave the parameters of rewritten records in the pool (only
 * compaction moves records, and nothing moves pool entries). After a loop,
 * copy the live ones into a fresh pool when at least half is garbage. Not
 * needed for correctness, so an allocation failure just keeps the old pool. */
static void repack_params(qtr_circuit *c)
{
    size_t live = 0;
    for (size_t i = 0; i < c->ninst; i++) live += qtr_gate((qtr_op)c->inst[i].op)->nparams;
    if (c->nparams < 1024 || live * 2 > c->nparams) return;
    size_t cap = live ? live : 1;
    double *np = opt_scratch(c, cap, sizeof *np);
    if (!np) return;
    size_t w = 0;
    for (size_t i = 0; i < c->ninst; i++) {
        qtr_inst *in = &c->inst[i];
        uint32_t k = qtr_gate((qtr_op)in->op)->nparams;
        if (!k) continue;
        const double *p = qtr_inst_params(c, in);
        memcpy(np + w, p, k * sizeof *np);
        if (in->flags & QTR_IF_EXT)
            c->args[in->p + in->nargs] = (uint32_t)w;
        else
            in->p = (uint32_t)w;
        w += k;
    }
    qtr_realloc(&c->alloc, c->params, c->capparams * sizeof *c->params, 0);
    c->params = np;
    c->capparams = cap;
    c->nparams = w;
}

/* ======================================================================
 * Loops
 * ====================================================================== */

typedef struct {
    uint64_t depth, size;
} score_t;

static int score_cmp(score_t a, score_t b)
{
    if (a.depth != b.depth) return a.depth < b.depth ? -1 : 1;
    if (a.size != b.size) return a.size < b.size ? -1 : 1;
    return 0;
}

static qtr_status score_of(const qtr_circuit *c, score_t *s, qtr_ctx *ctx)
{
    qtr_stats st;
    qtr_status r = qtr_circuit_stats(c, &st, ctx);
    s->depth = st.depth;
    s->size = st.size;
    return r;
}

/* Replace c's contents by those of *from, which is consumed. Each struct
 * keeps counting the blocks it now holds; c keeps its own call count, failure
 * setting and the higher of the two peaks. */
static void adopt(qtr_circuit *c, qtr_circuit *from)
{
    qtr_circuit tmp = *c;
    *c = *from;
    *from = tmp;
    c->alloc.calls = from->alloc.calls;
    c->alloc.fail_at = from->alloc.fail_at;
    if (from->alloc.peak > c->alloc.peak) c->alloc.peak = from->alloc.peak;
    qtr_circuit_free(from);
}

static qtr_status fixed_point(const body_t *body, qtr_circuit *c, const qtr_target *t,
                              qtr_ctx *ctx)
{
    score_t prev, now;
    qtr_status st = score_of(c, &prev, ctx);
    for (int it = 0; !st && it < OPT_MAX_ITER; it++) {
        if ((st = run_body(body, c, t, ctx)) || (st = score_of(c, &now, ctx))) break;
        if (score_cmp(now, prev) == 0) break;
        prev = now;
    }
    return st;
}

static qtr_status minimum_point(const body_t *body, qtr_circuit *c, const qtr_target *t,
                                qtr_ctx *ctx)
{
    const int backtrack = 5;
    qtr_circuit *best = NULL;
    score_t best_score = {UINT64_MAX, UINT64_MAX}, now;
    int since = 0, first = 1;
    qtr_status st = QTR_OK;
    for (int it = 0; it < OPT_MAX_ITER; it++) {
        if ((st = run_body(body, c, t, ctx)) || (st = score_of(c, &now, ctx))) break;
        if (first) { /* Qiskit's state starts at (∞, ∞) without a saved circuit */
            first = 0;
            best_score = now;
            continue;
        }
        int cmp = score_cmp(now, best_score);
        if (cmp < 0) {
            qtr_circuit *copy = NULL;
            if ((st = qtr_circuit_clone(c, &copy, ctx))) break;
            qtr_circuit_free(best);
            best = copy;
            best_score = now;
            since = 1;
        } else if (cmp > 0) {
            if (++since == backtrack) {
                if (best) {
                    adopt(c, best);
                    best = NULL;
                }
                break;
            }
        } else {
            break;
        }
    }
    qtr_circuit_free(best);
    return st;
}

qtr_status qtr_optimize_loop_approx(qtr_circuit *c, const qtr_target *t, int level,
                                    double approx_degree, qtr_ctx *ctx)
{
    if (!c || !t) return qtr_fail(ctx, QTR_EINVAL, "optimize_loop: no circuit or target");
    if (level < 0 || level > 3)
        return qtr_fail(ctx, QTR_EINVAL, "optimize_loop: level %d outside 0..3", level);
    if (!(approx_degree > 0 && approx_degree <= 1))
        return qtr_fail(ctx, QTR_EINVAL, "optimize_loop: approximation degree %g outside (0, 1]",
                        approx_degree);
    qtr_status st = QTR_OK;
    if (level == 1) {
        st = loop_level1(c, t, ctx);
    } else if (level == 2) {
        const body_t b = {loop_l23, 0, approx_degree};
        st = qtr_pass_resynth_2q_approx(c, t, approx_degree, ctx);
        if (!st) st = fixed_point(&b, c, t, ctx);
    } else if (level == 3) {
        const body_t b = {loop_l23, 1, approx_degree};
        st = minimum_point(&b, c, t, ctx);
    }
    if (!st) repack_params(c);
    return st;
}

qtr_status qtr_optimize_loop(qtr_circuit *c, const qtr_target *t, int level, qtr_ctx *ctx)
{
    return qtr_optimize_loop_approx(c, t, level, 1.0, ctx);
}

qtr_status qtr_optimize_init(qtr_circuit *c, const qtr_target *t, int level, uint32_t *perm,
                             qtr_ctx *ctx)
{
    if (!c) return qtr_fail(ctx, QTR_EINVAL, "optimize_init: no circuit");
    if (level < 0 || level > 3)
        return qtr_fail(ctx, QTR_EINVAL, "optimize_init: level %d outside 0..3", level);
    if (perm)
        for (uint32_t v = 0; v < c->nqubits; v++) perm[v] = v;
    qtr_status st = QTR_OK;
    if (level == 1) {
        /* Qiskit's level 1 runs only the inverse cancellation here. Removing
         * identity-equivalent gates first (one linear scan) lets it cancel
         * the pairs they separate: qft_N100's 5,310 rz(0) kept 10,050 cx
         * apart, which level 1 then routed with 7,759 swaps. */
        st = qtr_pass_remove_identity(c, NULL, ctx);
        return st ? st : qtr_pass_cancel_inverse(c, NULL, ctx);
    }
    if (level < 2) return QTR_OK;
    if (perm) st = qtr_pass_elide_swaps(c, NULL, perm, ctx);
    /* no target: these run before translation, so any gate may be emitted */
    if (!st) st = qtr_pass_remove_diag_before_measure(c, NULL, ctx);
    if (!st) st = qtr_pass_remove_identity(c, NULL, ctx);
    if (!st) st = qtr_pass_cancel_inverse(c, NULL, ctx);
    if (!st) st = qtr_pass_commute_cancel(c, NULL, ctx);
    /* beyond Qiskit: phase folding, then the cancellations it enables
     * (device benchmark, torino, level 2: 2q geometric mean 0.864 -> 0.845
     * on its own); cx stars of star-shaped circuits as ladders
     * (tests/bench/star.sh: BV, fan-outs of 200 qubits on heavy-hex:11
     * without a swap) */
    if (!st) {
        size_t before = c->ninst;
        st = qtr_pass_phase_fold(c, NULL, ctx);
        if (!st && c->ninst < before) st = qtr_pass_cancel_inverse(c, NULL, ctx);
        if (!st && c->ninst < before) st = qtr_pass_commute_cancel(c, NULL, ctx);
    }
    /* beyond Qiskit: dense Clifford regions resynthesised from their
     * tableau where that needs fewer 2q gates (device benchmark, torino,
     * level 2: 2q geometric mean 0.770 -> 0.764; hwb8-12 7-12% fewer) */
    if (!st) {
        size_t before = c->ninst;
        st = qtr_pass_clifford_resynth(c, NULL, ctx);
        if (!st && c->ninst != before) st = qtr_pass_cancel_inverse(c, NULL, ctx);
        if (!st && c->ninst != before) st = qtr_pass_commute_cancel(c, NULL, ctx);
    }
    if (!st) st = qtr_pass_star_ladder(c, t, ctx);
    /* Qiskit's init ConsolidateBlocks (+ Split2QUnitaries): blocks that
     * need fewer CX than they hold become cx + u here, so layout and routing
     * see the cheaper circuit (square_heisenberg_N100: 2160 -> 810 cx) */
    if (!st) st = opt_resynth_2q_virtual(c, 1.0, ctx);
    return st;
}
