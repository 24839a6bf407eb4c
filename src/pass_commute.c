/* pass_commute.c -- CommutativeCancellation: merge and cancel gates that
 * become adjacent once commuting gates are moved out of the way
 * (design/ALGORITHMS.md §6.7; Qiskit's commutation_cancellation.rs, but with
 * a per-wire commutation rule instead of a matrix-based checker).
 *
 * Borrows: the target (read only; may be NULL: then any gate may be emitted).
 * Rewrites: the circuit, in place (merged gates take the record of the first
 * gate of their group; the rest become NOP and are compacted away). Owns
 * while it runs: per-wire run state, member chains, a hash table of 2q gates
 * (scratch from the circuit's allocator). On failure (QTR_ENOMEM) the circuit
 * is unchanged: everything is allocated before the first record changes.
 *
 * ---- The commutation rule -------------------------------------------------
 * Every gate has a type on each of its wires (opt_wire_type, opt_util.c):
 * Z, X or Y when it commutes with that Pauli on that qubit (its matrix is
 * block diagonal in the Pauli's eigenbasis there), else none. E.g. cx is
 * (Z, X), cz (Z, Z), rzz (Z, Z), rxx (X, X), crx (Z, X), ecr (none, X);
 * rz, p, u1, z, s, sdg, t, tdg are Z; rx, x, sx, sxdg are X; ry, y are Y;
 * h, u, u3 and every non-unitary or conditioned instruction are none.
 *
 *   Lemma. Two gates commute if, on every wire they share, they have the
 *   same type (not none).
 *   Proof. On a shared wire w with type P, both gates are block diagonal
 *   w.r.t. the two eigenprojectors of P_w; so both are block diagonal w.r.t.
 *   the product projectors Π over all shared wires (rank one on those wires):
 *   A = Σ_s Π_s ⊗ A_s, B = Σ_s Π_s ⊗ B_s, where A_s and B_s act on the wires
 *   the gates do not share, hence on disjoint wires, hence commute. Then
 *   AB = Σ_s Π_s ⊗ A_s B_s = Σ_s Π_s ⊗ B_s A_s = BA.  ∎
 *
 * So along each wire the gates fall into "runs": maximal stretches of
 * consecutive gates of one type on that wire (a gate of type none is a run
 * by itself). Two gates that are in the same run on every wire they touch
 * commute with every gate between them that touches those wires (by the
 * lemma), so the later one can be moved back next to the earlier one. That
 * gives the three rewrites, each tested by simulation in test_opt.cc:
 *
 *   1. 1q rotations of one family (Z: rz p u1 z s sdg t tdg id; X: rx x sx
 *      sxdg; Y: ry y) in one run of a wire merge into one gate at the place
 *      of the first: angles add (each gate is e^{iφ}·R(θ), opt_rotation),
 *      phases go to the global phase, R(θ + 2πk) = (−1)^k R(θ) is tracked,
 *      and a total ≡ 0 (mod 2π, within 1e-12) leaves no gate. The gate
 *      emitted: a named gate (z s sdg t tdg / x sx sxdg / y) when the total
 *      is exactly its angle and the target has it, else rz/p/u1 (the kind
 *      used first in the run, then rz, p, u1 in that order), rx, or ry, the
 *      first the target has (without a target, p when the run had only named
 *      Z gates). A group the target cannot express in one gate is left as is.
 *   2. Self-inverse 2q gates with a type on both wires (cx, cy, cz) cancel
 *      in pairs when both are in the same run on both wires:
 *      cx a,b; rz a; x b; cx a,b  →  rz a; x b.
 *   3. 2q rotations with a type on both wires (crx cry crz cp cu1 rxx ryy
 *      rzz rzx) on the same operands, in the same runs, merge: angles add
 *      (each is exp(−iθ/2·G) for a fixed G, or a controlled rotation).
 * Symbolic angles. A gate with a symbolic angle keeps its wire types (they
 * hold whatever the angle). 1q rotations with one merge with the rest of
 * their group as expressions (rz(a)·cx·rz(θ) on the control → rz(θ + a),
 * Qiskit skips them here, ALGORITHMS.md §11.1 item 2): every gate is
 * e^{iφ}·R(θ) with θ and φ affine in its angle, so the total and its phase
 * are built with qtr_expr_affine; a total that is still symbolic becomes one
 * rz (else p, u1) / rx / ry the target has, with no reduction mod 2π, and
 * a total that folds to a number goes the numeric way below, its phase
 * possibly symbolic (c->sym_phase). 2q rotations with a symbolic angle are
 * left alone (numeric ones merge across them). If an expression cannot be
 * built (out of memory) the group stays as it is.
 * One call does one sweep; a rewrite can join runs that a further call
 * then uses (the optimisation loop repeats until nothing changes). */
#include <math.h>
#include <string.h>

#include "mat2.h"
#include "opt_internal.h"
#include "pass.h"

/* ======================================================================
 * 2q gates by (op, operands): the most recent candidate per key
 * ====================================================================== */

typedef struct {
    uint32_t q0, q1;     /* operands, ordered (or sorted when the gate is symmetric) */
    uint32_t j;          /* record, UINT32_MAX when none (cancelled) */
    uint32_t r0, r1;     /* run ids of q0, q1 when j was seen */
    uint8_t  op, used;
} slot_t;

typedef struct {
    slot_t *s;
    size_t  cap;         /* power of two, more than twice the candidates */
} table_t;

static size_t slot_of(const table_t *h, uint8_t op, uint32_t q0, uint32_t q1)
{
    uint64_t x = ((uint64_t)q0 << 32 | q1) * 0x9e3779b97f4a7c15u ^ (uint64_t)op * 0xbf58476d1ce4e5b9u;
    x ^= x >> 29;
    size_t i = (size_t)x & (h->cap - 1);
    while (h->s[i].used && (h->s[i].op != op || h->s[i].q0 != q0 || h->s[i].q1 != q1))
        i = (i + 1) & (h->cap - 1);
    return i;
}

/* 2q gates rewrite 2 (cancel) and 3 (merge) act on. */
static int is_cancel2(qtr_op op)
{
    return op == QTR_OP_CX || op == QTR_OP_CY || op == QTR_OP_CZ;
}

static int is_merge2(qtr_op op)
{
    switch (op) {
    case QTR_OP_CRX: case QTR_OP_CRY: case QTR_OP_CRZ: case QTR_OP_CP: case QTR_OP_CU1:
    case QTR_OP_RXX: case QTR_OP_RYY: case QTR_OP_RZZ: case QTR_OP_RZX:
        return 1;
    default:
        return 0;
    }
}

/* ======================================================================
 * Pass state
 * ====================================================================== */

typedef struct {
    qtr_circuit      *c;
    const qtr_target *t;
    uint32_t *run;      /* per wire: id of its current run */
    uint8_t  *rtype;    /* per wire: type of its current run (OPT_T_NONE: closed) */
    uint32_t *first;    /* per wire: first rotation of the current run, UINT32_MAX if none */
    uint32_t *lastm;    /* per wire: last rotation so far */
    uint32_t *count;    /* per wire: rotations so far */
    uint32_t *next;     /* per record: next rotation of its group */
    table_t   h;
    double    phase;
    size_t    removed;
    qtr_ctx   scratch;  /* messages of expression building (failures skip a group) */
} commute_t;

static int allowed(const commute_t *s, qtr_op op)
{
    return !s->t || s->t->basis[op];
}

/* Named gates per family: (op, angle, phase) with op = e^{i·phase} R(angle). */
static const struct {
    uint8_t fam, op;
} named[] = {
    {OPT_T_Z, QTR_OP_Z}, {OPT_T_Z, QTR_OP_S}, {OPT_T_Z, QTR_OP_SDG}, {OPT_T_Z, QTR_OP_T},
    {OPT_T_Z, QTR_OP_TDG}, {OPT_T_X, QTR_OP_X}, {OPT_T_X, QTR_OP_SX}, {OPT_T_X, QTR_OP_SXDG},
    {OPT_T_Y, QTR_OP_Y},
};

/* The first member becomes @p out (NOP: nothing), the others go. */
static void rewrite_group(commute_t *s, uint32_t first, qtr_op out, double param)
{
    qtr_circuit *c = s->c;
    for (uint32_t i = first, n = 0; i != UINT32_MAX; i = s->next[i], n++) {
        if (n == 0 && out != QTR_OP_NOP) {
            opt_set_1q(c, i, out, &param);
        } else {
            c->inst[i].op = QTR_OP_NOP;
            s->removed++;
        }
    }
}

static int group_is_symbolic(const qtr_circuit *c, const commute_t *s, uint32_t first)
{
    if (!c->nexpr) return 0;
    for (uint32_t i = first; i != UINT32_MAX; i = s->next[i])
        if (qtr_inst_is_symbolic(c, &c->inst[i])) return 1;
    return 0;
}

/* The group's total angle *a and phase *ph as expressions (or numbers when
 * they fold). Each member is e^{i·φ}·R(θ) with θ = x + θ0, φ = k·x + φ0 for
 * its angle x (k = 1/2 for p and u1, else 0), or constants (opt_rotation).
 * Returns nonzero when an expression could not be built. */
static int symbolic_total(qtr_circuit *c, commute_t *s, uint32_t first, double *a, double *ph)
{
    enum { CHUNK = 32 };
    double x[CHUNK], ka[CHUNK], kp[CHUNK], a0 = 0, p0 = 0, acc_a = 0, acc_p = 0;
    unsigned n = 0;
    for (uint32_t i = first;; i = s->next[i]) {
        if (i == UINT32_MAX || n == CHUNK - 2) {   /* fold what is gathered so far */
            x[n] = acc_a, ka[n] = 1, kp[n] = 0, n++;
            x[n] = acc_p, ka[n] = 0, kp[n] = 1, n++;
            if (qtr_expr_affine(c, a0, ka, x, n, &acc_a, &s->scratch) ||
                qtr_expr_affine(c, p0, kp, x, n, &acc_p, &s->scratch))
                return 1;
            a0 = p0 = 0;
            n = 0;
            if (i == UINT32_MAX) break;
        }
        const qtr_inst *in = &c->inst[i];
        const double zero[1] = {0};
        double ga, gp;
        opt_rotation((qtr_op)in->op, zero, &ga, &gp);   /* the constant parts */
        a0 += ga;
        p0 += gp;
        if (qtr_gate((qtr_op)in->op)->nparams) {
            x[n] = qtr_inst_params(c, in)[0];
            ka[n] = 1;
            kp[n] = in->op == QTR_OP_P || in->op == QTR_OP_U1 ? 0.5 : 0;
            n++;
        }
    }
    *a = acc_a;
    *ph = acc_p;
    return 0;
}

/* A group whose total @p a is symbolic becomes one rotation the target has:
 * rz (else p, u1) / rx / ry, with the phase @p ph less the gate's own. */
static void merge_symbolic(commute_t *s, uint32_t first, int fam, double a, double ph)
{
    qtr_circuit *c = s->c;
    static const qtr_op zs[] = {QTR_OP_RZ, QTR_OP_P, QTR_OP_U1};
    qtr_op out = QTR_OP_NOP;
    if (fam == OPT_T_Z) {
        for (int k = 0; k < 3 && out == QTR_OP_NOP; k++)
            if (allowed(s, zs[k])) out = zs[k];
    } else {
        qtr_op r = fam == OPT_T_X ? QTR_OP_RX : QTR_OP_RY;
        if (allowed(s, r)) out = r;
    }
    if (out == QTR_OP_NOP) return;
    double rest = ph, k[2] = {1, -0.5}, x[2] = {ph, a}, total = c->sym_phase;
    if (out == QTR_OP_P || out == QTR_OP_U1) {   /* p(a) = e^{ia/2} R(a) */
        if (qtr_expr_affine(c, 0, k, x, 2, &rest, &s->scratch)) return;
    }
    if (qtr_angle_is_sym(rest) && qtr_expr_binary(c, QTR_EX_ADD, total, rest, &total, &s->scratch))
        return;
    rewrite_group(s, first, out, a);
    if (qtr_angle_is_sym(rest)) c->sym_phase = total;
    else s->phase += rest;
}

/* Close the rotation group of wire w's current run: merge it when it has
 * two or more members and the result fits in one allowed gate. */
static void close_group(commute_t *s, uint32_t w)
{
    uint32_t m = s->count[w], first = s->first[w];
    int fam = s->rtype[w];
    s->count[w] = 0;
    s->first[w] = UINT32_MAX;
    if (m < 2) return;
    qtr_circuit *c = s->c;
    s->next[s->lastm[w]] = UINT32_MAX;

    /* total: the group is e^{i·ph}·R(a) (e^{i·sym_ph} more when symbolic) */
    double a = 0, ph = 0, sym_ph = 0, new_phase = c->sym_phase;
    qtr_op kind = QTR_OP_NOP; /* first parametric kind in the group */
    if (group_is_symbolic(c, s, first)) {
        double sa;
        if (symbolic_total(c, s, first, &sa, &sym_ph)) return;
        if (qtr_angle_is_sym(sa)) {
            merge_symbolic(s, first, fam, sa, sym_ph);
            return;
        }
        a = sa;   /* folded to a number: the numeric way, sym_ph beside */
        if (qtr_angle_is_sym(sym_ph) && qtr_expr_binary(c, QTR_EX_ADD, c->sym_phase, sym_ph,
                                                        &new_phase, &s->scratch))
            return;
        if (!qtr_angle_is_sym(sym_ph)) ph = sym_ph;
        for (uint32_t i = first; i != UINT32_MAX && kind == QTR_OP_NOP; i = s->next[i])
            if (qtr_gate((qtr_op)c->inst[i].op)->nparams) kind = (qtr_op)c->inst[i].op;
    } else {
        for (uint32_t i = first; i != UINT32_MAX; i = s->next[i]) {
            const qtr_inst *in = &c->inst[i];
            double ga, gp;
            int f = opt_rotation((qtr_op)in->op, qtr_inst_params(c, in), &ga, &gp);
            QTR_ASSERT(f == fam);
            (void)f;
            a += ga;
            ph += gp;
            if (kind == QTR_OP_NOP && qtr_gate((qtr_op)in->op)->nparams) kind = (qtr_op)in->op;
        }
    }
    double k;
    a = qtr_m2_wrap(a, &k); /* R(a + 2πk) = (−1)^k R(a) */
    ph += QTR_PI * k;

    qtr_op out = QTR_OP_NOP;
    double param = 0;
    if (!(fabs(a) < OPT_ANGLE_EPS)) {
        /* a named gate whose angle is the total */
        for (size_t n = 0; n < sizeof named / sizeof named[0] && out == QTR_OP_NOP; n++) {
            double na, np, k2;
            if (named[n].fam != fam || !allowed(s, (qtr_op)named[n].op)) continue;
            opt_rotation((qtr_op)named[n].op, NULL, &na, &np);
            double d = qtr_m2_wrap(a - na, &k2);
            if (fabs(d) < OPT_ANGLE_EPS) { /* R(a) = (−1)^k2 R(na) = (−1)^k2 e^{−i·np} op */
                out = (qtr_op)named[n].op;
                ph += QTR_PI * k2 - np;
            }
        }
        if (out == QTR_OP_NOP) {
            qtr_op order[4] = {kind, QTR_OP_NOP, QTR_OP_NOP, QTR_OP_NOP};
            if (fam == OPT_T_Z) {
                if (!s->t && kind == QTR_OP_NOP) order[0] = QTR_OP_P;
                order[1] = QTR_OP_RZ;
                order[2] = QTR_OP_P;
                order[3] = QTR_OP_U1;
            } else {
                order[1] = fam == OPT_T_X ? QTR_OP_RX : QTR_OP_RY;
            }
            for (int n = 0; n < 4 && out == QTR_OP_NOP; n++)
                if (order[n] != QTR_OP_NOP && allowed(s, order[n])) out = order[n];
            if (out == QTR_OP_NOP) return; /* nothing the target has: leave the group */
            param = a;
            double ga, gp;
            opt_rotation(out, &param, &ga, &gp); /* out(a) = e^{i·gp} R(a) */
            ph -= gp;
        }
    }

    rewrite_group(s, first, out, param);
    s->phase += ph;
    c->sym_phase = new_phase;
}

/* Start a new run on wire w of type ty (none: a run of its own). */
static void enter(commute_t *s, uint32_t w, int ty)
{
    if (ty != OPT_T_NONE && s->rtype[w] == ty) return;
    close_group(s, w);
    s->run[w]++;
    s->rtype[w] = (uint8_t)ty;
}

static void visit_2q(commute_t *s, size_t i)
{
    qtr_circuit *c = s->c;
    qtr_inst *in = &c->inst[i];
    qtr_op op = (qtr_op)in->op;
    int cancel = is_cancel2(op);
    if (!cancel && !is_merge2(op)) return;
    uint32_t q0 = in->q[0], q1 = in->q[1];
    if ((qtr_gate(op)->props & QTR_GP_SYMMETRIC) && q1 < q0) {
        uint32_t x = q0;
        q0 = q1;
        q1 = x;
    }
    slot_t *e = &s->h.s[slot_of(&s->h, in->op, q0, q1)];
    if (e->used && e->j != UINT32_MAX && e->r0 == s->run[q0] && e->r1 == s->run[q1]) {
        if (cancel) {
            c->inst[e->j].op = QTR_OP_NOP;
            e->j = UINT32_MAX;
            s->removed++;
        } else {
            /* same generator, same operands: exp(−i a G)·exp(−i b G) = exp(−i(a+b)G) */
            c->params[c->inst[e->j].p] += c->params[in->p];
        }
        in->op = QTR_OP_NOP;
        s->removed++;
        return;
    }
    *e = (slot_t){q0, q1, (uint32_t)i, s->run[q0], s->run[q1], in->op, 1};
}

qtr_status qtr_pass_commute_cancel(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    if (!c) return qtr_fail(ctx, QTR_EINVAL, "commute_cancel: no circuit");
    if (c->ninst == 0) return QTR_OK;
    if (c->ninst >= UINT32_MAX)
        return qtr_fail(ctx, QTR_ELIMIT, "commute_cancel: %zu records", c->ninst);
    const size_t n0 = c->ninst;
    const uint32_t nq = c->nqubits;
    commute_t s;
    memset(&s, 0, sizeof s);
    s.c = c;
    s.t = t;
    qtr_ctx_init(&s.scratch, 0);
    qtr_status st = QTR_OK;

    /* everything is sized up front so the sweep itself cannot fail */
    size_t n2 = 0, npool = 0;
    for (size_t i = 0; i < n0; i++) {
        const qtr_inst *in = &c->inst[i];
        if (!opt_is_plain_gate(in)) continue;
        if (in->nargs == 2 && (is_cancel2((qtr_op)in->op) || is_merge2((qtr_op)in->op))) n2++;
        if (in->nargs == 1 && qtr_gate((qtr_op)in->op)->nparams == 0) npool++;
    }
    s.h.cap = 16;
    while (s.h.cap < 2 * n2 + 1) s.h.cap *= 2;
    s.run = opt_scratch_zero(c, nq, sizeof *s.run);
    s.rtype = opt_scratch_zero(c, nq, sizeof *s.rtype);
    s.first = opt_scratch(c, nq, sizeof *s.first);
    s.lastm = opt_scratch(c, nq, sizeof *s.lastm);
    s.count = opt_scratch_zero(c, nq, sizeof *s.count);
    s.next = opt_scratch(c, n0, sizeof *s.next);
    s.h.s = opt_scratch_zero(c, s.h.cap, sizeof *s.h.s);
    if (!s.run || !s.rtype || !s.first || !s.lastm || !s.count || !s.next || !s.h.s ||
        QTR_GROW(&c->alloc, c->params, c->capparams, c->nparams + npool)) {
        st = qtr_fail(ctx, QTR_ENOMEM, "commute_cancel: scratch for %zu records", n0);
        goto done;
    }
    for (uint32_t q = 0; q < nq; q++) s.first[q] = UINT32_MAX;

    for (size_t i = 0; i < n0; i++) {
        qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP) continue;
        const uint32_t *q = qtr_inst_operands(c, in);
        uint32_t nqi = in->op == QTR_OP_MEASURE ? 1 : in->nargs;
        int plain = opt_is_plain_gate(in);
        for (uint32_t k = 0; k < nqi; k++)
            enter(&s, q[k], plain ? opt_wire_type((qtr_op)in->op, k) : OPT_T_NONE);
        if (!plain) continue;
        if (nqi == 1) {
            double a, p;
            uint32_t w = q[0];
            if (opt_rotation((qtr_op)in->op, qtr_inst_params(c, in), &a, &p) == OPT_T_NONE) continue;
            if (s.count[w]++ == 0)
                s.first[w] = (uint32_t)i;
            else
                s.next[s.lastm[w]] = (uint32_t)i;
            s.lastm[w] = (uint32_t)i;
        } else if (nqi == 2 && !qtr_inst_is_symbolic(c, in)) {
            visit_2q(&s, i);
        }
    }
    for (uint32_t q = 0; q < nq; q++) close_group(&s, q);
    if (s.removed) qtr_circuit_compact(c);
    opt_add_phase(c, s.phase);

done:
    opt_scratch_free(c, s.run, nq, sizeof *s.run);
    opt_scratch_free(c, s.rtype, nq, sizeof *s.rtype);
    opt_scratch_free(c, s.first, nq, sizeof *s.first);
    opt_scratch_free(c, s.lastm, nq, sizeof *s.lastm);
    opt_scratch_free(c, s.count, nq, sizeof *s.count);
    opt_scratch_free(c, s.next, n0, sizeof *s.next);
    opt_scratch_free(c, s.h.s, s.h.cap, sizeof *s.h.s);
    return st;
}
