/* pass_cancel.c -- InverseCancellation: a gate immediately followed, on every
 * one of its wires, by its inverse cancels with it (cx cx, h h, swap swap,
 * s sdg, t tdg, sx sxdg, rz(a) rz(−a), cs csdg, dcx(a,b) dcx(b,a), ...),
 * repeatedly, so nested pairs (h x x h) vanish too. design/ALGORITHMS.md §6.8;
 * this pass is a superset of Qiskit's default gate lists: every table gate
 * with a single-gate inverse (qtr_gate_inverse) takes part.
 *
 * Borrows: the circuit (rewritten in place; cancelled records become NOP and
 * are compacted away) and nothing else; the target is not used. Owns while it
 * runs: one stack per wire (scratch from the circuit's allocator). On failure
 * (QTR_ENOMEM) the circuit is unchanged.
 *
 * Method: one forward scan with a stack per wire holding that wire's live
 * records. A gate cancels with record j when j is on top of the stack of
 * every one of its wires, has the same arity, and is its inverse: operands in
 * the same order (exchanged for dcx, any order for gates marked symmetric in
 * gates.def) and parameters equal to the inverse's within 1e-12. Then j is
 * popped from all those stacks, exposing what came before it, so cancelling
 * is linear in the circuit size. Anything else (measure, reset, barrier, a
 * conditioned gate, a gate with no single-gate inverse) is pushed as a wall:
 * nothing below it is ever popped, so it needs no links. A stack is stored
 * as top[q] plus, for each pushed gate, links to the records under it. */
#include <math.h>
#include <string.h>

#include "opt_internal.h"
#include "pass.h"

typedef struct {
    qtr_circuit *c;
    uint8_t   inv[QTR_OP_COUNT];   /* op of each op's inverse (it does not depend on the
                                      parameters), QTR_OP_COUNT when it has none */
    uint32_t *top;    /* per qubit: record on top of its stack, UINT32_MAX if empty */
    uint32_t *below;  /* per record: two links (operands 0, 1) or, for 3+q gates,
                         below[2i] = offset into ovf */
    uint32_t *ovf;    /* links of 3+q gates, nargs each */
    size_t    novf, capovf;
} stacks_t;

/* below[2i] of a 3+q gate pushed without links */
#define NO_LINKS UINT32_MAX

static uint32_t *links_of(stacks_t *s, size_t i, uint32_t nq)
{
    return nq <= 2 ? s->below + 2 * i : s->ovf + s->below[2 * i];
}

/* Which op undoes each op, from qtr_gate_inverse with zero parameters (the
 * op is the same for any parameters; only their values change). Looked up
 * twice per record, so once per pass instead of a call each time. */
_Static_assert(QTR_OP_COUNT < 256, "op codes fit the inverse table's bytes");

static void inverse_ops(uint8_t inv[QTR_OP_COUNT])
{
    const double zero[4] = {0, 0, 0, 0};
    for (int op = 0; op < QTR_OP_COUNT; op++) {
        qtr_op io;
        double ip[4], ph = 0;
        int swap;
        inv[op] = qtr_gate_inverse((qtr_op)op, zero, &io, ip, &swap, &ph) == QTR_OK ? (uint8_t)io
                                                                                   : QTR_OP_COUNT;
    }
}

/* A gate with a symbolic angle undoes another only when both are one rotation
 * g(x), g(y) whose inverse is g(−x) with no phase (rz, rx, cp, rzz, ...),
 * on the same operands, and x + y folds to 0 (qtr_expr_sum_is_zero). */
static int undoes_symbolic(const qtr_circuit *c, const qtr_inst *a, const qtr_inst *b)
{
    const qtr_gate_info *g = qtr_gate((qtr_op)a->op);
    if (a->op != b->op || g->nparams != 1) return 0;
    qtr_op inv;
    const double probe = 0.375;
    double ip[4] = {0, 0, 0, 0}, ph = 0;
    int swap = 0;
    if (qtr_gate_inverse((qtr_op)a->op, &probe, &inv, ip, &swap, &ph) != QTR_OK ||
        inv != (qtr_op)a->op || swap || ip[0] != -probe || ph != 0)
        return 0;
    const uint32_t *qa = qtr_inst_operands(c, a), *qb = qtr_inst_operands(c, b);
    int same = 1, crossed = a->nargs == 2 && (g->props & QTR_GP_SYMMETRIC);
    for (uint32_t k = 0; k < a->nargs; k++) same &= qa[k] == qb[k];
    if (!same && !(crossed && qa[0] == qb[1] && qa[1] == qb[0])) return 0;
    return qtr_expr_sum_is_zero(c, qtr_inst_params(c, a)[0], qtr_inst_params(c, b)[0]);
}

/* Does record i undo record j? Both are plain gates; j is on top of every
 * stack of i's wires. Adds to *phase the phase their product leaves. */
static int undoes(const stacks_t *s, const qtr_inst *a, const qtr_inst *b, double *phase)
{
    const qtr_circuit *c = s->c;
    if (s->inv[b->op] != a->op) return 0;
    if (!opt_is_plain_gate(a) || !opt_is_plain_gate(b) || a->nargs != b->nargs) return 0;
    if (qtr_inst_is_symbolic(c, a) || qtr_inst_is_symbolic(c, b)) return undoes_symbolic(c, a, b);
    qtr_op inv;
    double ip[4] = {0, 0, 0, 0}, ph = 0;
    int swap = 0;
    if (qtr_gate_inverse((qtr_op)b->op, qtr_inst_params(c, b), &inv, ip, &swap, &ph) != QTR_OK ||
        inv != (qtr_op)a->op)
        return 0;
    const qtr_gate_info *g = qtr_gate(inv);
    const uint32_t *qa = qtr_inst_operands(c, a), *qb = qtr_inst_operands(c, b);
    if (!(g->props & QTR_GP_SYMMETRIC)) {
        for (uint32_t k = 0; k < a->nargs; k++) {
            uint32_t kb = swap && k < 2 ? 1 - k : k;
            if (qa[k] != qb[kb]) return 0;
        }
    }
    const double *pa = qtr_inst_params(c, a);
    for (uint32_t k = 0; k < g->nparams; k++)
        if (!(fabs(pa[k] - ip[k]) <= OPT_ANGLE_EPS)) return 0;
    /* the inverse gate times e^{i·ph} is b⁻¹, so a·b = e^{−i·ph}·I */
    *phase -= ph;
    return 1;
}

/* Can record in be popped again later (does it need links)? */
static int poppable(const stacks_t *s, const qtr_inst *in)
{
    return opt_is_plain_gate(in) && s->inv[in->op] != QTR_OP_COUNT;
}

static qtr_status cancel_inverse(qtr_circuit *c, int compact, size_t *nremoved, qtr_ctx *ctx)
{
    *nremoved = 0;
    if (!c) return qtr_fail(ctx, QTR_EINVAL, "cancel_inverse: no circuit");
    if (c->ninst == 0) return QTR_OK;
    if (c->ninst >= UINT32_MAX / 2)
        return qtr_fail(ctx, QTR_ELIMIT, "cancel_inverse: %zu records", c->ninst);
    stacks_t s;
    memset(&s, 0, sizeof s);
    s.c = c;
    inverse_ops(s.inv);
    const size_t n0 = c->ninst;
    qtr_status st = QTR_OK;
    s.top = opt_scratch(c, c->nqubits, sizeof *s.top);
    s.below = opt_scratch(c, 2 * n0, sizeof *s.below);
    if (!s.top || !s.below) goto oom;
    for (uint32_t q = 0; q < c->nqubits; q++) s.top[q] = UINT32_MAX;
    /* Links of 3+q gates: reserved now so the scan cannot fail midway. Their
     * operands live in the args pool, one range each, so the pool's size
     * bounds them (counting them instead cost a pass over the records,
     * a fifth of this pass on hwb12 at level 1). */
    if (c->nargs) {
        s.capovf = c->nargs;
        if (!(s.ovf = opt_scratch(c, s.capovf, sizeof *s.ovf))) goto oom;
    }

    double phase = 0;
    size_t removed = 0;
    for (size_t i = 0; i < n0; i++) {
        qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP) continue;
        const uint32_t *q = qtr_inst_operands(c, in);
        uint32_t nq = in->op == QTR_OP_MEASURE ? 1 : in->nargs;
        if (nq == 0) continue;
        uint32_t j = s.top[q[0]];
        int same = j != UINT32_MAX;
        for (uint32_t k = 1; k < nq && same; k++) same = s.top[q[k]] == j;
        if (same && (nq <= 2 || s.below[2 * j] != NO_LINKS) &&
            undoes(&s, in, &c->inst[j], &phase)) {
            /* pop j from each wire: the wire's top becomes what j covered */
            const uint32_t *qj = qtr_inst_operands(c, &c->inst[j]);
            const uint32_t *lj = links_of(&s, j, nq);
            for (uint32_t k = 0; k < nq; k++) s.top[qj[k]] = lj[k];
            c->inst[j].op = QTR_OP_NOP;
            in->op = QTR_OP_NOP;
            removed += 2;
            continue;
        }
        /* (a 3+q gate beyond the reserve, were records ever to share an
         * operand range, is a wall: fewer cancellations, never a wrong one) */
        if (nq > 2) s.below[2 * i] = NO_LINKS;
        if (poppable(&s, in) && (nq <= 2 || s.novf + nq <= s.capovf)) {
            uint32_t *l;
            if (nq <= 2) {
                l = s.below + 2 * i;
            } else {
                s.below[2 * i] = (uint32_t)s.novf;
                l = s.ovf + s.novf;
                s.novf += nq;
            }
            for (uint32_t k = 0; k < nq; k++) l[k] = s.top[q[k]];
        }
        for (uint32_t k = 0; k < nq; k++) s.top[q[k]] = (uint32_t)i;
    }
    if (removed) {
        if (compact) qtr_circuit_compact(c);
        opt_add_phase(c, phase);
    }
    *nremoved = removed;
    goto done;
oom:
    st = qtr_fail(ctx, QTR_ENOMEM, "cancel_inverse: stacks for %zu records", n0);
done:
    opt_scratch_free(c, s.top, c->nqubits, sizeof *s.top);
    opt_scratch_free(c, s.below, 2 * n0, sizeof *s.below);
    opt_scratch_free(c, s.ovf, s.capovf, sizeof *s.ovf);
    return st;
}

qtr_status qtr_pass_cancel_inverse(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    (void)t;
    size_t removed;
    return cancel_inverse(c, 1, &removed, ctx);
}

qtr_status opt_cancel_inverse_marked(qtr_circuit *c, size_t *nremoved, qtr_ctx *ctx)
{
    return cancel_inverse(c, 0, nremoved, ctx);
}
