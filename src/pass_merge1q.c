/* pass_merge1q.c -- Optimize1qGatesDecomposition: every maximal run of
 * 1-qubit gates on a wire is multiplied into one 2×2 unitary and
 * resynthesised in the target's Euler basis when that is better
 * (design/ALGORITHMS.md §6.1; Qiskit's
 * crates/transpiler/src/passes/optimize_1q_gates_decomposition.rs).
 *
 * Borrows: the target (read only). Rewrites: the circuit, in place; a new
 * instruction array replaces the old one only when some run grows (a run
 * holding gates outside the basis, e.g. one h becoming rz·sx·rz). Owns while
 * it runs: per-qubit run state, a chain of run members, the replacement list
 * (all scratch from the circuit's allocator, freed before returning).
 * On failure (QTR_ENOMEM) the circuit is unchanged.
 *
 * Runs. A flat scan over the instruction array keeps one open run per qubit:
 * an unconditioned 1q unitary gate joins its qubit's run; any other
 * instruction touching the qubit (2q gate, measure, reset, barrier, a
 * conditioned gate) closes it. No DAG is built: a closed run's members are
 * linked through next[], and the replacement goes into the members' own
 * records (order on the wire is what matters, and nothing else touches the
 * wire between the first and last member).
 *
 * Choice. Every Euler basis whose gates the target has is tried (Qiskit
 * drops U3 when U321 fits and ZSX when ZSXX fits); a candidate scores
 * (gate count, error), compared in that order, where the error is
 * 1 − Π(1 − e) over its gates with e = t->err1q[q] for gates that are not
 * diagonal and 0 for diagonal ones (rz, p, u1 are virtual frame changes on
 * the devices that report err1q; NaN or missing err1q counts as 0). The run is
 * replaced by the best candidate when it holds a gate outside the target's
 * basis, or when the candidate's score is lower than the run's own. So on
 * basis-form input the gate count never grows, and identity runs vanish
 * (Euler synthesis returns 0 gates within 1e-12 rad), their phase going to
 * c->global_phase.
 *
 * Symbolic angles. A gate whose angle is an expression has no matrix: it
 * closes the runs around it like a 2q gate (Qiskit's collect_1q_runs does
 * the same), so the numeric stretches on either side are resynthesised on
 * their own. Before the scan, neighbouring rotations about one axis of which
 * at least one is symbolic are merged by adding their angles as expressions
 * (merge_symbolic_rotations): rz(a)·rz(θ) → rz(θ + a), p(a)·p(θ) → p(θ + a),
 * a mixed Z pair → rz with p(a) = e^{ia/2} rz(a) putting a/2 in the phase,
 * rx·rx, ry·ry. A sum that folds to a number (θ + (−θ) = 0) leaves a numeric
 * gate, which the runs then treat as any other (an rz(0) vanishes). A
 * failure while merging (out of memory for an expression) stops the merging
 * with the circuit valid and equivalent, the pairs merged so far merged. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mat2.h"
#include "opt_internal.h"
#include "pass.h"

/* ======================================================================
 * Candidate Euler bases
 * ====================================================================== */

static const struct {
    qtr_euler_basis basis;
    uint8_t nops;
    uint8_t ops[3];
} bases[] = {
    /* same preference order as qtr_euler_basis_for, which decides ties */
    {QTR_EULER_U321, 3, {QTR_OP_U1, QTR_OP_U2, QTR_OP_U3}},
    {QTR_EULER_U3, 1, {QTR_OP_U3}},
    {QTR_EULER_U, 1, {QTR_OP_U}},
    {QTR_EULER_ZYZ, 2, {QTR_OP_RZ, QTR_OP_RY}},
    {QTR_EULER_ZXZ, 2, {QTR_OP_RZ, QTR_OP_RX}},
    {QTR_EULER_XYX, 2, {QTR_OP_RX, QTR_OP_RY}},
    {QTR_EULER_ZSXX, 3, {QTR_OP_RZ, QTR_OP_SX, QTR_OP_X}},
    {QTR_EULER_ZSX, 2, {QTR_OP_RZ, QTR_OP_SX}},
    {QTR_EULER_PSX, 2, {QTR_OP_P, QTR_OP_SX}},
};
#define NBASES (sizeof bases / sizeof bases[0])

/* The Euler bases fitting t's gate set, in preference order; returns count. */
static int candidate_bases(const qtr_target *t, qtr_euler_basis out[NBASES])
{
    int fits[QTR_EULER_COUNT] = {0}, n = 0;
    for (size_t i = 0; i < NBASES; i++) {
        int ok = 1;
        for (int j = 0; j < bases[i].nops; j++) ok &= t->basis[bases[i].ops[j]] != 0;
        fits[bases[i].basis] = ok;
    }
    /* Qiskit: U321 makes U3 redundant, ZSXX makes ZSX redundant */
    if (fits[QTR_EULER_U321]) fits[QTR_EULER_U3] = 0;
    if (fits[QTR_EULER_ZSXX]) fits[QTR_EULER_ZSX] = 0;
    for (size_t i = 0; i < NBASES; i++)
        if (fits[bases[i].basis]) out[n++] = bases[i].basis;
    return n;
}

/* ======================================================================
 * Runs
 * ====================================================================== */

typedef struct {
    uint32_t first, last, n;
    uint8_t  outside;   /* a member is not in the target's basis */
    uint8_t  touched;   /* spans a removed record (see opt_merge1q_touched) */
} run_t;

/* A run queued for synthesis (close_run -> synth_job -> settle_job). */
typedef struct {
    uint32_t first, q, nold;    /* first member, qubit, member count */
    double   fid;               /* the run's Π (1 − e) */
    uint8_t  outside;           /* a member is not in the target's basis */
    int8_t   n;                 /* synthesis: gate count, −1 when none */
    uint8_t  op[QTR_EULER_MAX_GATES];
    double   par[3], phase, err;
} job_t;

/* Runs are synthesised in batches of MERGE_JOBS (a bounded 1.2 MiB queue);
 * a batch of at least MERGE_PAR_JOBS goes to the OpenMP threads. The
 * first merge1q of hwb12 at level 1 synthesises about 240,000 runs. */
#define MERGE_JOBS 16384
#define MERGE_PAR_JOBS 512

/* A decided replacement: the run starting at record `first` becomes
 * n gates op[0..n) (op[0] first in time), whose parameters are par[],
 * gate after gate (3 in all at most: every Euler form has ≤ 3 angles). */
typedef struct {
    uint32_t first;
    uint8_t  n;
    uint8_t  op[QTR_EULER_MAX_GATES];
    double   par[3];
} repl_t;

typedef struct {
    qtr_circuit       *c;
    const qtr_target  *t;
    qtr_euler_basis    cand[NBASES];
    int                ncand;
    run_t             *run;      /* per qubit */
    job_t             *jobs;     /* queued runs, MERGE_JOBS at most */
    size_t             njobs;
    uint32_t          *next;     /* per record: next member of its run, UINT32_MAX at the end */
    repl_t            *repl;
    size_t             nrepl, caprepl;
    size_t             new_params; /* parameters the replacements hold */
    size_t             grow;       /* records added beyond the runs' own */
    double             phase;      /* global phase the replacements add */
    int                touched_only; /* resynthesise touched runs only */
    int                zsx_only;   /* the one candidate is ZSX or ZSXX (see zsx_kept) */
} merge_t;

/* Error of 1q gate op on qubit q: diagonal gates are free (see the header). */
static double gate_err(const qtr_target *t, uint32_t q, qtr_op op)
{
    if (!t->err1q || q >= t->nqubits || (qtr_gate(op)->props & QTR_GP_DIAG)) return 0;
    double e = t->err1q[q];
    return isfinite(e) && e > 0 ? e : 0;
}

static void member_matrix(const merge_t *s, uint32_t i, double g[8])
{
    const qtr_inst *in = &s->c->inst[i];
    qtr_status st = qtr_gate_matrix((qtr_op)in->op, qtr_inst_params(s->c, in), g);
    QTR_ASSERT(st == QTR_OK);
    (void)st;
}

/* A run of one gate the target has stays as it is unless it is an identity:
 * a single non-diagonal gate has the same error as any other on its qubit,
 * a diagonal one none, so no candidate can score lower except an empty one.
 * Most runs are such lone gates (74% on hwb10 at level 1), so they skip the
 * matrix and the synthesis unless they may be identities: `id`, or a Z
 * rotation within 1e-6 rad of a multiple of 2π (synthesis decides those). */
static int lone_kept(const qtr_circuit *c, const qtr_inst *in)
{
    const qtr_gate_info *g = qtr_gate((qtr_op)in->op);
    if (g->nparams == 0) return in->op != QTR_OP_ID;
    if (in->op != QTR_OP_RZ && in->op != QTR_OP_P && in->op != QTR_OP_U1) return 0;
    double a = qtr_inst_params(c, in)[0];
    return isfinite(a) && fabs(remainder(a, 2 * QTR_PI)) > 1e-6;
}

/* Π (1 − e) over the members of the run starting at record first, on
 * qubit q: only for runs that get synthesised. */
static double run_fidelity(const merge_t *s, uint32_t first, uint32_t q)
{
    double fid = 1;
    for (uint32_t i = first; i != UINT32_MAX; i = s->next[i])
        fid *= 1 - gate_err(s->t, q, (qtr_op)s->c->inst[i].op);
    return fid;
}

/* Product of the members of the run starting at record first, the last
 * one leftmost, multiplied in time order along the chain. Computed only for
 * runs that get synthesised. */
static void run_matrix(const merge_t *s, uint32_t first, double m[8])
{
    member_matrix(s, first, m);
    for (uint32_t i = s->next[first]; i != UINT32_MAX; i = s->next[i]) {
        double g[8];
        member_matrix(s, i, g);
        qtr_m2_mul(g, m, m);
    }
}

/* Synthesise job j's run: its fidelity into j->fid, its best candidate into
 * j->n, j->op, j->par, j->err and j->phase (j->n = -1 when no candidate
 * could, e.g. NaN parameters). Reads
 * the circuit and writes only *j, so jobs run in parallel. */
static void synth_job(const merge_t *s, job_t *j)
{
    double m[8];
    run_matrix(s, j->first, m);
    j->fid = run_fidelity(s, j->first, j->q);
    qtr_gate1q best[QTR_EULER_MAX_GATES], g[QTR_EULER_MAX_GATES];
    int nbest = -1;
    double best_err = 0, best_phase = 0;
    for (int b = 0; b < s->ncand; b++) {
        double ph;
        int k = qtr_euler_synth(m, s->cand[b], g, QTR_EULER_MAX_GATES, &ph);
        if (k < 0) continue; /* NaN/Inf parameters: leave the run alone */
        double fid = 1;
        for (int i = 0; i < k; i++) fid *= 1 - gate_err(s->t, j->q, (qtr_op)g[i].op);
        double err = 1 - fid;
        if (nbest < 0 || k < nbest || (k == nbest && err < best_err - 1e-15)) {
            nbest = k;
            best_err = err;
            best_phase = ph;
            memcpy(best, g, (size_t)k * sizeof *g);
        }
    }
    j->n = (int8_t)nbest;
    j->err = best_err;
    j->phase = best_phase;
    int np = 0;
    for (int i = 0; i < nbest; i++) {
        j->op[i] = best[i].op;
        for (int k = 0; k < qtr_gate((qtr_op)best[i].op)->nparams; k++) {
            QTR_ASSERT(np < 3);
            j->par[np++] = best[i].params[k];
        }
    }
}

/* Keep job j's synthesis when the run holds a gate outside the basis or
 * the synthesis scores lower than the run. Jobs are settled in the order
 * their runs closed, so the result does not depend on the thread count. */
static qtr_status settle_job(merge_t *s, const job_t *j)
{
    if (j->n < 0) return QTR_OK;
    double old_err = 1 - j->fid;
    uint32_t nbest = (uint32_t)j->n;
    int better = nbest < j->nold || (nbest == j->nold && j->err < old_err - 1e-15);
    if (!j->outside && !better) return QTR_OK;

    if (QTR_GROW(&s->c->alloc, s->repl, s->caprepl, s->nrepl + 1)) return QTR_ENOMEM;
    repl_t *rp = &s->repl[s->nrepl++];
    memset(rp, 0, sizeof *rp);
    rp->first = j->first;
    rp->n = (uint8_t)nbest;
    int np = 0;
    for (uint32_t i = 0; i < nbest; i++) {
        rp->op[i] = j->op[i];
        np += qtr_gate((qtr_op)j->op[i])->nparams;
    }
    memcpy(rp->par, j->par, sizeof rp->par);
    s->new_params += (size_t)np;
    if (nbest > j->nold) s->grow += (size_t)nbest - j->nold;
    /* product of the old members = m = e^{i·ph} · (product of the new gates) */
    s->phase += j->phase;
    return QTR_OK;
}

/* Synthesise the queued jobs (in parallel when there are enough and the
 * caller is not already inside a parallel region), then settle them. */
static qtr_status flush_jobs(merge_t *s)
{
    const int njobs = (int)s->njobs;
    const int par = njobs >= MERGE_PAR_JOBS;
    (void)par;
#pragma omp parallel for schedule(static) if (par)
    for (int k = 0; k < njobs; k++) synth_job(s, &s->jobs[k]);
    s->njobs = 0;
    for (int k = 0; k < njobs; k++) {
        qtr_status st = settle_job(s, &s->jobs[k]);
        if (st) return st;
    }
    return QTR_OK;
}

/* Is z rotation record i well away from the identity (see lone_kept)? */
static int rz_kept(const qtr_circuit *c, uint32_t i)
{
    const qtr_inst *in = &c->inst[i];
    if (in->op != QTR_OP_RZ) return 0;
    double a = qtr_inst_params(c, in)[0];
    return isfinite(a) && fabs(remainder(a, 2 * QTR_PI)) > 1e-6;
}

/* With ZSX or ZSXX as the only candidate, a run rz·sx·rz, rz·sx or sx·rz
 * (each rz well away from the identity) is what synthesis returns for it:
 * its θ is π/2, whose form is one sx between two z rotations, and those
 * come out as the run's own (within rounding, far from the 1e-12 at which
 * synthesis drops one). Same count, same error: kept. A third of the runs
 * of hwb12's first merge1q at level 1 are such. */
static int zsx_kept(const merge_t *s, const run_t *r, uint32_t n)
{
    if (!s->zsx_only || n < 2 || n > 3) return 0;
    uint32_t a = r->first, b = s->next[a];
    const qtr_inst *in = s->c->inst;
    if (n == 3) return in[b].op == QTR_OP_SX && rz_kept(s->c, a) && rz_kept(s->c, r->last);
    return (in[a].op == QTR_OP_SX && rz_kept(s->c, b)) ||
           (in[b].op == QTR_OP_SX && rz_kept(s->c, a));
}

/* Close qubit q's open run: queue it for synthesis unless it is certain to
 * stay as it is. */
static qtr_status close_run(merge_t *s, uint32_t q)
{
    run_t *r = &s->run[q];
    int touched = r->touched;
    r->touched = 0;
    if (r->n == 0) return QTR_OK;
    uint32_t nold = r->n;
    r->n = 0;
    s->next[r->last] = UINT32_MAX;
    if (s->touched_only && !touched && !r->outside) return QTR_OK;
    if (!r->outside && (nold == 1 ? lone_kept(s->c, &s->c->inst[r->first]) : zsx_kept(s, r, nold)))
        return QTR_OK;
    job_t *j = &s->jobs[s->njobs++];
    j->first = r->first;
    j->q = q;
    j->nold = nold;
    j->outside = r->outside;
    return s->njobs == MERGE_JOBS ? flush_jobs(s) : QTR_OK;
}

static void add_to_run(merge_t *s, uint32_t q, size_t i, const qtr_inst *in)
{
    run_t *r = &s->run[q];
    if (r->n == 0) {
        r->first = (uint32_t)i;
        r->outside = 0;
    } else {
        s->next[r->last] = (uint32_t)i;
    }
    r->last = (uint32_t)i;
    r->n++;
    if (!s->t->basis[in->op]) r->outside = 1;
}

/* Records to insert after record pos when a run grows (sorted by pos). */
typedef struct {
    uint32_t pos;
    uint32_t repl;  /* index into repl[] */
    uint8_t  from;  /* first of its gates still to place */
    uint8_t  par;   /* index of that gate's first parameter in par[] */
} extra_t;

static int extra_cmp(const void *a, const void *b)
{
    uint32_t x = ((const extra_t *)a)->pos, y = ((const extra_t *)b)->pos;
    return (x > y) - (x < y);
}

/* Apply every replacement. All memory is reserved before the first record
 * changes, so a failure leaves the circuit as it was. */
static qtr_status apply(merge_t *s)
{
    qtr_circuit *c = s->c;
    extra_t *extra = NULL;
    size_t nextra = 0;
    qtr_inst *ninst = NULL;
    size_t capn = 0;
    for (size_t r = 0; r < s->nrepl; r++) {
        uint32_t k = 0;
        for (uint32_t i = s->repl[r].first; i != UINT32_MAX; i = s->next[i]) k++;
        if (s->repl[r].n > k) nextra++;
    }
    if (QTR_GROW(&c->alloc, c->params, c->capparams, c->nparams + s->new_params)) goto oom;
    if (nextra) {
        extra = opt_scratch(c, nextra, sizeof *extra);
        capn = c->ninst + s->grow;
        ninst = opt_scratch(c, capn, sizeof *ninst);
        if (!extra || !ninst) goto oom;
    }

    /* ---- in place: member records take the new gates, in order ---- */
    nextra = 0;
    for (size_t r = 0; r < s->nrepl; r++) {
        repl_t *rp = &s->repl[r];
        uint32_t j = 0, last = rp->first;
        int par = 0;
        for (uint32_t i = rp->first; i != UINT32_MAX; i = s->next[i]) {
            if (j < rp->n) {
                opt_set_1q(c, i, (qtr_op)rp->op[j], rp->par + par);
                par += qtr_gate((qtr_op)rp->op[j])->nparams;
            } else {
                c->inst[i].op = QTR_OP_NOP;
            }
            j++;
            last = i;
        }
        if (j < rp->n) extra[nextra++] = (extra_t){last, (uint32_t)r, (uint8_t)j, (uint8_t)par};
    }

    /* ---- grown runs: rebuild the array with the extra records ---- */
    if (nextra) {
        qsort(extra, nextra, sizeof *extra, extra_cmp);
        size_t w = 0, e = 0;
        for (size_t i = 0; i < c->ninst; i++) {
            if (c->inst[i].op != QTR_OP_NOP) ninst[w++] = c->inst[i];
            for (; e < nextra && extra[e].pos == i; e++) {
                const repl_t *rp = &s->repl[extra[e].repl];
                int par = extra[e].par;
                for (int j = extra[e].from; j < rp->n; j++) {
                    qtr_op op = (qtr_op)rp->op[j];
                    uint32_t np = qtr_gate(op)->nparams;
                    qtr_inst in = {(uint8_t)op, 0, 1, {c->inst[i].q[0], 0}, 0};
                    if (np) {
                        in.p = (uint32_t)c->nparams;
                        memcpy(c->params + c->nparams, rp->par + par, np * sizeof(double));
                        c->nparams += np;
                        par += (int)np;
                    }
                    QTR_ASSERT(w < capn);
                    ninst[w++] = in;
                }
            }
        }
        qtr_realloc(&c->alloc, c->inst, c->capinst * sizeof *c->inst, 0);
        c->inst = ninst;
        c->capinst = capn;
        c->ninst = w;
        opt_scratch_free(c, extra, nextra, sizeof *extra);
    } else {
        qtr_circuit_compact(c);
    }
    opt_add_phase(c, s->phase);
    return QTR_OK;
oom:
    opt_scratch_free(c, extra, nextra, sizeof *extra);
    opt_scratch_free(c, ninst, capn, sizeof *ninst);
    return QTR_ENOMEM;
}

/* A removed record (NOP) on a wire: the run open there, or the next one to
 * open before anything else closes the wire, may have changed members. */
static void touch_wires(merge_t *s, const qtr_inst *in)
{
    const uint32_t *q = qtr_inst_operands(s->c, in);
    for (uint32_t k = 0; k < in->nargs; k++)
        if (q[k] < s->c->nqubits) s->run[q[k]].touched = 1;
}

/* Rotation family of a 1q gate with one angle: 'z', 'x', 'y', or 0. */
static int sym_family(qtr_op op)
{
    switch (op) {
    case QTR_OP_RZ: case QTR_OP_P: case QTR_OP_U1: return 'z';
    case QTR_OP_RX: return 'x';
    case QTR_OP_RY: return 'y';
    default: return 0;
    }
}

/* Merge record i into record j (both plain 1q rotations of one family on
 * one qubit, nothing between them on it): see the header. */
static qtr_status merge_pair(qtr_circuit *c, uint32_t j, uint32_t i, qtr_ctx *ctx)
{
    qtr_inst *a = &c->inst[j], *b = &c->inst[i];
    double x = c->params[a->p], y = c->params[b->p], sum, ph = 0;
    qtr_op out = (qtr_op)a->op;
    if (sym_family(out) == 'z' && a->op != b->op) {
        /* mixed: rz(x)·p(y) = e^{iy/2} rz(x + y); every p/u1 member adds half its angle */
        double k[2] = {a->op == QTR_OP_RZ ? 0 : 0.5, b->op == QTR_OP_RZ ? 0 : 0.5}, v[2] = {x, y};
        qtr_status st = qtr_expr_affine(c, 0, k, v, 2, &ph, ctx);
        if (st) return st;
        out = QTR_OP_RZ;
    }
    qtr_status st = qtr_expr_binary(c, QTR_EX_ADD, x, y, &sum, ctx);
    if (!st && (qtr_angle_is_sym(ph) || ph != 0)) st = qtr_sym_phase_add(c, ph, ctx);
    if (st) return st;
    a->op = (uint8_t)out;
    c->params[a->p] = sum;
    b->op = QTR_OP_NOP;
    return QTR_OK;
}

/* The symbolic pre-step (see the header). Returns the records it emptied. */
static size_t merge_symbolic_rotations(qtr_circuit *c, qtr_ctx *ctx)
{
    uint32_t *last = opt_scratch(c, c->nqubits, sizeof *last);   /* last record per qubit */
    if (!last) return 0;
    size_t merged = 0;
    for (uint32_t q = 0; q < c->nqubits; q++) last[q] = UINT32_MAX;
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP) continue;
        int fam = opt_is_plain_gate(in) && !(in->flags & QTR_IF_EXT) ? sym_family((qtr_op)in->op) : 0;
        if (fam) {
            uint32_t q = in->q[0], j = last[q];
            if (j != UINT32_MAX && sym_family((qtr_op)c->inst[j].op) == fam &&
                (qtr_inst_is_symbolic(c, in) || qtr_inst_is_symbolic(c, &c->inst[j]))) {
                if (merge_pair(c, j, (uint32_t)i, ctx)) break;
                merged++;
                continue;
            }
            last[q] = (uint32_t)i;
            continue;
        }
        const uint32_t *q = qtr_inst_operands(c, in);
        uint32_t nq = in->op == QTR_OP_MEASURE ? 1 : in->nargs;
        for (uint32_t k = 0; k < nq; k++)
            if (q[k] < c->nqubits) last[q[k]] = UINT32_MAX;
    }
    opt_scratch_free(c, last, c->nqubits, sizeof *last);
    return merged;
}

static qtr_status merge1q(qtr_circuit *c, const qtr_target *t, int touched_only,
                          size_t *emptied, qtr_ctx *ctx)
{
    *emptied = 0;
    if (!c) return qtr_fail(ctx, QTR_EINVAL, "merge1q: no circuit");
    if (!t || qtr_euler_basis_for(t->basis) < 0 || c->ninst == 0 || c->ninst >= UINT32_MAX) {
        if (touched_only) qtr_circuit_compact(c); /* drop the removed records given to us */
        if (c->ninst >= UINT32_MAX)
            return qtr_fail(ctx, QTR_ELIMIT, "merge1q: %zu records", c->ninst);
        return QTR_OK;
    }

    /* symbolic neighbours first; touched_only keeps the NOPs (they mark wires) */
    if (c->nexpr && merge_symbolic_rotations(c, ctx) && !touched_only) qtr_circuit_compact(c);
    const size_t n0 = c->ninst; /* apply() changes c->ninst */
    merge_t s;
    memset(&s, 0, sizeof s);
    s.c = c;
    s.t = t;
    s.touched_only = touched_only;
    s.ncand = candidate_bases(t, s.cand);
    s.zsx_only = s.ncand == 1 && (s.cand[0] == QTR_EULER_ZSX || s.cand[0] == QTR_EULER_ZSXX);
    s.run = opt_scratch_zero(c, c->nqubits, sizeof *s.run);
    s.next = opt_scratch(c, n0, sizeof *s.next);
    s.jobs = opt_scratch(c, MERGE_JOBS, sizeof *s.jobs);
    qtr_status st = QTR_OK;
    int compacted = 0;
    if (!s.run || !s.next || !s.jobs) {
        st = QTR_ENOMEM;
        goto done;
    }

    for (size_t i = 0; i < c->ninst && !st; i++) {
        const qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP) {
            if (touched_only) touch_wires(&s, in);
            continue;
        }
        if (opt_is_plain_gate(in) && qtr_gate((qtr_op)in->op)->nqubits == 1 &&
            !qtr_inst_is_symbolic(c, in)) {
            add_to_run(&s, in->q[0], i, in);
            continue;
        }
        const uint32_t *q = qtr_inst_operands(c, in);
        uint32_t nq = in->op == QTR_OP_MEASURE ? 1 : in->nargs;
        for (uint32_t k = 0; k < nq && !st; k++) st = close_run(&s, q[k]);
    }
    for (uint32_t q = 0; q < c->nqubits && !st; q++) st = close_run(&s, q);
    if (!st) st = flush_jobs(&s);
    if (!st && s.nrepl) compacted = !(st = apply(&s));
    for (size_t r = 0; compacted && r < s.nrepl; r++) *emptied += s.repl[r].n == 0;

done:
    if (touched_only && !compacted) qtr_circuit_compact(c); /* the removed records given to us */
    opt_scratch_free(c, s.run, c->nqubits, sizeof *s.run);
    opt_scratch_free(c, s.next, n0, sizeof *s.next);
    opt_scratch_free(c, s.jobs, MERGE_JOBS, sizeof *s.jobs);
    qtr_realloc(&c->alloc, s.repl, s.caprepl * sizeof *s.repl, 0);
    if (st == QTR_ENOMEM) return qtr_fail(ctx, st, "merge1q: scratch for %zu records", n0);
    return st;
}

qtr_status qtr_pass_merge1q(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    size_t emptied;
    return merge1q(c, t, 0, &emptied, ctx);
}

qtr_status opt_merge1q_touched(qtr_circuit *c, const qtr_target *t, size_t *emptied,
                               qtr_ctx *ctx)
{
    return merge1q(c, t, 1, emptied, ctx);
}
