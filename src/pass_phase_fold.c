/* pass_phase_fold.c -- qtr_pass_phase_fold: phase folding, i.e. rotation
 * merging across whole circuits (Amy, Maslov, Mosca, "Polynomial-time
 * T-depth optimization of Clifford+T circuits via matroid partitioning",
 * IEEE TCAD 2014, §4; Nam, Ross, Su, Childs, Maslov, "Automated
 * optimization of large quantum circuits with continuous parameters",
 * npj Quantum Information 4, 23, 2018, "rotation merging").
 *
 * Read the circuit as a sum over paths: every wire holds an affine function
 * (a parity plus a constant) of path variables. Each qubit starts as a
 * variable of its own; cx adds the control's function to the target's, x
 * flips the constant, swap exchanges two functions, diagonal gates change
 * none; any other gate gives each of its wires a fresh variable. A diagonal
 * 1q gate p(a) on a wire holding f ⊕ k multiplies the path's amplitude by
 * e^{ia(f⊕k)} = e^{iak} e^{±iaf}: a factor that depends only on the parity
 * f, wherever in the circuit it stands. So all the phase gates on one parity
 * merge into a single rz at the first of them (the others go, their
 * constants into the global phase), which lets the cx around the removed
 * ones cancel later (cancel_inverse, commute_cancel).
 *
 * Parities are kept as 128-bit fingerprints: each variable draws two random
 * words (splitmix64 of a counter, so runs are repeatable) and a parity is
 * the XOR of its variables' words. Two different parities share a
 * fingerprint only when a nonzero XOR of random 128-bit words vanishes,
 * probability 2^-128 per pair compared; exact bit sets would cost a
 * variable-length vector per wire. Barriers, measures, resets and
 * conditioned gates end the folding: every wire then takes a fresh variable,
 * so nothing merges across them.
 *
 * Borrows: the circuit, rewritten in place (merged records become NOP and
 * are compacted away; the kept one becomes rz, its parameter at the end of
 * the pool); the target is not used. Owns while it runs: the fingerprints,
 * a table of parities, one term index per record (scratch from the
 * circuit's allocator). On failure (QTR_ENOMEM) the circuit is unchanged. */
#include <math.h>
#include <string.h>

#include "mat2.h"
#include "opt_internal.h"
#include "pass.h"

typedef struct {
    uint64_t lo, hi;
} fp128;

typedef struct {
    fp128    key;
    size_t   first;    /* record of the first phase gate on this parity */
    double   angle;    /* sum of ±a: the gates' factor is e^{i·phase} e^{i·angle·parity} */
    double   phase;
    uint32_t count;    /* phase gates on it */
    uint8_t  neg;      /* the wire held parity ⊕ 1 at the first one */
} term;

typedef struct {
    qtr_circuit *c;
    fp128   *wire;     /* per qubit: fingerprint of its parity */
    uint8_t *flip;     /* per qubit: its constant */
    term    *terms;    /* open-addressed table, cap entries, count 0 = empty */
    size_t   cap, nterms;
    uint32_t *of;      /* per record: 1 + index of its term in terms[], 0 for none */
    uint64_t next;     /* variable counter */
    size_t   n0;       /* records when the pass began (size of of[]) */
} fold_t;

static uint64_t splitmix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static void fresh(fold_t *f, uint32_t q)
{
    f->wire[q].lo = splitmix(2 * f->next);
    f->wire[q].hi = splitmix(2 * f->next + 1);
    f->next++;
    f->flip[q] = 0;
}

static size_t find_term(const fold_t *f, fp128 k)
{
    size_t h = (size_t)(k.lo ^ (k.hi >> 7)) & (f->cap - 1);
    while (f->terms[h].count && (f->terms[h].key.lo != k.lo || f->terms[h].key.hi != k.hi))
        h = (h + 1) & (f->cap - 1);
    return h;
}

/* Record i, a phase gate e^{i·ph} rz(a) = e^{i(ph − a/2)} p(a) on qubit q,
 * joins its parity's term. On a wire holding f ⊕ k, p(a) is
 * e^{iak} e^{±iaf} (minus when k = 1). */
static void add_phase(fold_t *f, size_t i, uint32_t q, double a, double ph)
{
    size_t h = find_term(f, f->wire[q]);
    term *t = &f->terms[h];
    uint8_t k = f->flip[q];
    if (!t->count) {
        t->key = f->wire[q];
        t->first = i;
        t->angle = t->phase = 0;
        t->neg = k;
        f->nterms++;
    }
    t->count++;
    t->angle += k ? -a : a;
    t->phase += ph - 0.5 * a + (k ? a : 0);
    f->of[i] = (uint32_t)(h + 1);
}

/* A phase gate this pass folds: unconditioned, diagonal, one qubit, finite
 * angle. Fills a (the p angle) and ph (phase with rz: gate = e^{i·ph} rz(a)). */
static int phase_gate(const qtr_circuit *c, const qtr_inst *in, double *a, double *ph)
{
    if (!opt_is_plain_gate(in) || (in->flags & QTR_IF_EXT) || qtr_gate((qtr_op)in->op)->nqubits != 1 ||
        !(qtr_gate((qtr_op)in->op)->props & QTR_GP_DIAG) || in->op == QTR_OP_ID)
        return 0;
    if (opt_rotation((qtr_op)in->op, qtr_inst_params(c, in), a, ph) != OPT_T_Z) return 0;
    return isfinite(*a) && isfinite(*ph);
}

static void scan(fold_t *f)
{
    qtr_circuit *c = f->c;
    for (uint32_t q = 0; q < c->nqubits; q++) fresh(f, q);
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        const uint32_t *q = qtr_inst_operands(c, in);
        double a, ph;
        if (in->op == QTR_OP_NOP) continue;
        if (!opt_is_plain_gate(in)) {
            if (qtr_gate((qtr_op)in->op)->props & QTR_GP_DIRECTIVE && in->op != QTR_OP_BARRIER)
                continue;
            for (uint32_t k = 0; k < c->nqubits; k++) fresh(f, k);
            continue;
        }
        if (phase_gate(c, in, &a, &ph)) {
            add_phase(f, i, q[0], a, ph);
            continue;
        }
        switch (in->op) {
        case QTR_OP_X: f->flip[q[0]] ^= 1; break;
        case QTR_OP_CX:
            f->wire[q[1]].lo ^= f->wire[q[0]].lo;
            f->wire[q[1]].hi ^= f->wire[q[0]].hi;
            f->flip[q[1]] ^= f->flip[q[0]];
            break;
        case QTR_OP_SWAP: {
            fp128 w = f->wire[q[0]];
            uint8_t k = f->flip[q[0]];
            f->wire[q[0]] = f->wire[q[1]];
            f->flip[q[0]] = f->flip[q[1]];
            f->wire[q[1]] = w;
            f->flip[q[1]] = k;
            break;
        }
        default:
            if (qtr_gate((qtr_op)in->op)->props & QTR_GP_DIAG) break;
            for (uint32_t k = 0; k < in->nargs; k++) fresh(f, q[k]);
        }
    }
}

/* A term worth rewriting: several gates, or one that is the identity. */
static int folds(const term *t)
{
    return t->count > 1 || fabs(qtr_m2_wrap(t->angle, NULL)) <= OPT_ANGLE_EPS;
}

/* In every folding term the first record becomes rz(±angle), or NOP when
 * the angle is a multiple of 2π, and the others NOP; the constants go to the
 * global phase. The pool must have room for one parameter per first record. */
static void rewrite(fold_t *f)
{
    qtr_circuit *c = f->c;
    for (size_t i = 0; i < c->ninst; i++) {
        if (!f->of[i]) continue;
        term *t = &f->terms[f->of[i] - 1];
        if (!folds(t)) continue;
        if (i != t->first) {
            c->inst[i].op = QTR_OP_NOP;
            continue;
        }
        double a = qtr_m2_wrap(t->angle, NULL), kept = 0;
        if (fabs(a) <= OPT_ANGLE_EPS) {
            c->inst[i].op = QTR_OP_NOP;
        } else {
            /* rz(θ) = e^{−iθ/2} p(θ) on f ⊕ k: e^{i(θk − θ/2)} e^{±iθf}, θ = ±a */
            double theta = t->neg ? -a : a;
            opt_set_1q(c, i, QTR_OP_RZ, &theta);
            kept = theta * t->neg - 0.5 * theta;
        }
        opt_add_phase(c, t->phase - kept);
    }
}

qtr_status qtr_pass_phase_fold(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    (void)t;
    if (!c) return qtr_fail(ctx, QTR_EINVAL, "phase_fold: NULL circuit");
    size_t nphase = 0;
    for (size_t i = 0; i < c->ninst; i++) {
        double a, ph;
        nphase += phase_gate(c, &c->inst[i], &a, &ph);
    }
    if (nphase < 2 || nphase >= UINT32_MAX / 4) return QTR_OK;
    fold_t f = {.c = c, .n0 = c->ninst};
    f.cap = 16;
    while (f.cap < 2 * nphase) f.cap *= 2;
    f.wire = opt_scratch(c, c->nqubits, sizeof *f.wire);
    f.flip = opt_scratch(c, c->nqubits, sizeof *f.flip);
    f.terms = opt_scratch_zero(c, f.cap, sizeof *f.terms);
    f.of = opt_scratch_zero(c, c->ninst, sizeof *f.of);
    qtr_status st = QTR_OK;
    if (!f.wire || !f.flip || !f.terms || !f.of) {
        st = qtr_fail(ctx, QTR_ENOMEM, "phase_fold: scratch for %zu phase gates", nphase);
        goto done;
    }
    scan(&f);
    size_t need = 0, nfold = 0;
    for (size_t h = 0; h < f.cap; h++)
        if (f.terms[h].count && folds(&f.terms[h])) {
            nfold++;
            need += opt_set_1q_pool_need(c, f.terms[h].first, QTR_OP_RZ);
        }
    if (!nfold) goto done;
    if (QTR_GROW(&c->alloc, c->params, c->capparams, c->nparams + need)) {
        st = qtr_fail(ctx, QTR_ENOMEM, "phase_fold: %zu parameters", c->nparams + need);
        goto done;
    }
    rewrite(&f);
    qtr_circuit_compact(c);
done:
    opt_scratch_free(c, f.wire, c->nqubits, sizeof *f.wire);
    opt_scratch_free(c, f.flip, c->nqubits, sizeof *f.flip);
    opt_scratch_free(c, f.terms, f.cap, sizeof *f.terms);
    opt_scratch_free(c, f.of, f.n0, sizeof *f.of);
    return st;
}
