/* pass_misc.c -- the small clean-up passes of Qiskit's init and optimisation
 * stages (design/ALGORITHMS.md §6.9–§6.11):
 *   RemoveIdentityEquivalent      qtr_pass_remove_identity
 *   RemoveDiagonalGatesBeforeMeasure  qtr_pass_remove_diag_before_measure
 *   RemoveResetInZeroState        qtr_pass_remove_reset_zero
 *   ElidePermutations             qtr_pass_elide_permutations (trailing swaps)
 *                                 qtr_pass_elide_swaps (every swap, Qiskit's form)
 *
 * Borrows: the circuit, rewritten in place (removed records become NOP and are
 * compacted away; relabelled records keep their place), and the target, which
 * none of them needs. Owns while running: at most one byte or word per qubit
 * or record of scratch, from the circuit's allocator. On failure (QTR_ENOMEM)
 * the circuit is unchanged. Each is one linear scan. */
#include <complex.h>
#include <math.h>
#include <string.h>

#include "opt_internal.h"
#include "pass.h"

/* ======================================================================
 * RemoveIdentityEquivalent
 * ====================================================================== */

/* Removes `id` and every parametrised gate (≤ 2 qubits; the table has no
 * parametrised gate on more) whose unitary U is the identity up to a phase:
 * with d = 2^n and the process fidelity f = |Tr U|²/d², the average gate
 * fidelity against the identity is F = (d·f + 1)/(d + 1) (Nielsen 2002), and
 * the gate goes when 1 − F < OPT_IDENTITY_TOL = 1e-12, its phase arg(Tr U)
 * going to the global phase. This is Qiskit's rule at approximation degree 1
 * (remove_identity_equiv.rs); for a rotation R(θ) it means |θ| (mod 4π, or
 * mod 2π with a phase of π) below √(6e-12) ≈ 2.4e-6 for 1q gates. Fixed gates
 * other than id (x, cx, ...) are never the identity. */
qtr_status qtr_pass_remove_identity(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    (void)t;
    if (!c) return qtr_fail(ctx, QTR_EINVAL, "remove_identity: no circuit");
    double phase = 0;
    size_t removed = 0;
    for (size_t i = 0; i < c->ninst; i++) {
        qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP || !opt_is_plain_gate(in)) continue;
        const qtr_gate_info *g = qtr_gate((qtr_op)in->op);
        if (in->op == QTR_OP_ID) {
            in->op = QTR_OP_NOP;
            removed++;
            continue;
        }
        if (!g->nparams || g->nqubits > 2 || qtr_inst_is_symbolic(c, in)) continue;
        double m[2 * 16];
        if (qtr_gate_matrix((qtr_op)in->op, qtr_inst_params(c, in), m) != QTR_OK) continue;
        int d = 1 << g->nqubits;
        double complex tr = 0;
        for (int k = 0; k < d; k++) tr += m[2 * (k * d + k)] + I * m[2 * (k * d + k) + 1];
        double f = (creal(tr) * creal(tr) + cimag(tr) * cimag(tr)) / (double)(d * d);
        double fav = (d * f + 1) / (d + 1);
        if (!(1 - fav < OPT_IDENTITY_TOL)) continue; /* also false for NaN */
        phase += carg(tr);
        in->op = QTR_OP_NOP;
        removed++;
    }
    if (removed) {
        qtr_circuit_compact(c);
        opt_add_phase(c, phase);
    }
    return QTR_OK;
}

/* ======================================================================
 * RemoveDiagonalGatesBeforeMeasure
 * ====================================================================== */

/* A gate diagonal in the computational basis (gates.def QTR_GP_DIAG: rz p u1
 * z s sdg t tdg id, cz crz cp cu1 cs csdg rzz, ccz) whose next instruction on
 * every one of its wires is an unconditioned measurement changes only the
 * phase of each measurement outcome: D = Σ d_s |s><s| on its wires, and the
 * measurements that follow project onto one |s>, leaving d_s as a phase of
 * that branch alone, which nothing can observe (the branches are never
 * recombined). So the gate goes, whether or not the measured qubits are used
 * again. Qiskit asks the same (remove_diagonal_gates_before_measure.rs:
 * the direct successor of a 1q gate, all successors of a 2q gate); scanning
 * backwards also removes chains (rz; s; measure). A barrier in between keeps
 * the gate. */
qtr_status qtr_pass_remove_diag_before_measure(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    (void)t;
    if (!c) return qtr_fail(ctx, QTR_EINVAL, "remove_diag_before_measure: no circuit");
    if (c->ninst == 0) return QTR_OK;
    /* meas[q]: the next live instruction on q is an unconditioned measure */
    uint8_t *meas = opt_scratch_zero(c, c->nqubits, 1);
    if (!meas)
        return qtr_fail(ctx, QTR_ENOMEM, "remove_diag_before_measure: %u flags", c->nqubits);
    size_t removed = 0;
    for (size_t i = c->ninst; i-- > 0;) {
        qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP) continue;
        const uint32_t *q = qtr_inst_operands(c, in);
        if (in->op == QTR_OP_MEASURE) {
            meas[q[0]] = !(in->flags & QTR_IF_COND);
            continue;
        }
        uint32_t nq = in->nargs, all = 1;
        for (uint32_t k = 0; k < nq; k++) all &= meas[q[k]];
        if (all && opt_is_plain_gate(in) && (qtr_gate((qtr_op)in->op)->props & QTR_GP_DIAG)) {
            in->op = QTR_OP_NOP; /* the measures stay next on its wires */
            removed++;
            continue;
        }
        for (uint32_t k = 0; k < nq; k++) meas[q[k]] = 0;
    }
    opt_scratch_free(c, meas, c->nqubits, 1);
    if (removed) qtr_circuit_compact(c);
    return QTR_OK;
}

/* ======================================================================
 * RemoveResetInZeroState
 * ====================================================================== */

/* Qubits start in |0>; a reset before anything else acts on its qubit (only
 * barriers, or other such resets, before it) resets |0> to |0> and goes,
 * conditioned or not (it does nothing on either branch). */
qtr_status qtr_pass_remove_reset_zero(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    (void)t;
    if (!c) return qtr_fail(ctx, QTR_EINVAL, "remove_reset_zero: no circuit");
    if (c->ninst == 0) return QTR_OK;
    uint8_t *used = opt_scratch_zero(c, c->nqubits, 1);
    if (!used) return qtr_fail(ctx, QTR_ENOMEM, "remove_reset_zero: %u flags", c->nqubits);
    size_t removed = 0;
    for (size_t i = 0; i < c->ninst; i++) {
        qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP || in->op == QTR_OP_BARRIER) continue;
        const uint32_t *q = qtr_inst_operands(c, in);
        if (in->op == QTR_OP_RESET && !used[q[0]]) {
            in->op = QTR_OP_NOP;
            removed++;
            continue;
        }
        uint32_t nq = in->op == QTR_OP_MEASURE ? 1 : in->nargs;
        for (uint32_t k = 0; k < nq; k++) used[q[k]] = 1;
    }
    opt_scratch_free(c, used, c->nqubits, 1);
    if (removed) qtr_circuit_compact(c);
    return QTR_OK;
}

/* ======================================================================
 * ElidePermutations
 * ====================================================================== */

/* Replace the qubit operands of record in through loc (measure: its qubit
 * only), keeping the inline copy of EXT records in step. */
static void relabel(qtr_circuit *c, qtr_inst *in, const uint32_t *loc)
{
    uint32_t nq = in->op == QTR_OP_MEASURE ? 1 : in->nargs;
    uint32_t *q = (in->flags & QTR_IF_EXT) ? c->args + in->p : in->q;
    for (uint32_t k = 0; k < nq; k++) q[k] = loc[q[k]];
    if (in->flags & QTR_IF_EXT) {
        in->q[0] = q[0];
        if (in->nargs > 1 && in->op != QTR_OP_MEASURE) in->q[1] = q[1];
    }
}

static int is_plain_swap(const qtr_inst *in)
{
    return in->op == QTR_OP_SWAP && !(in->flags & QTR_IF_COND);
}

/* The swap at an elided record: the state that the input circuit has on
 * wire a from here on is the one the output has on loc[b], and vice versa. */
static void elide(qtr_inst *in, uint32_t *loc)
{
    uint32_t a = in->q[0], b = in->q[1], x = loc[a];
    loc[a] = loc[b];
    loc[b] = x;
    in->op = QTR_OP_NOP;
}

qtr_status qtr_pass_elide_permutations(qtr_circuit *c, const qtr_target *t, uint32_t *perm,
                                       qtr_ctx *ctx)
{
    (void)t;
    if (!c || !perm) return qtr_fail(ctx, QTR_EINVAL, "elide_permutations: no circuit or permutation");
    const uint32_t nq = c->nqubits;
    for (uint32_t v = 0; v < nq; v++) perm[v] = v;
    const size_t n0 = c->ninst;
    if (n0 == 0) return QTR_OK;
    /* mark[i]: 1 = swap to elide, 2 = tail record to relabel */
    uint8_t *tail = opt_scratch(c, nq, 1), *mark = opt_scratch_zero(c, c->ninst, 1);
    if (!tail || !mark) {
        opt_scratch_free(c, tail, nq, 1);
        opt_scratch_free(c, mark, c->ninst, 1);
        return qtr_fail(ctx, QTR_ENOMEM, "elide_permutations: flags for %zu records", c->ninst);
    }
    memset(tail, 1, nq ? nq : 1);
    size_t nelided = 0;
    /* backwards: tail[q] while everything after this point on q is a measure,
     * an elided swap or a tail barrier */
    for (size_t i = c->ninst; i-- > 0;) {
        const qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP) continue;
        const uint32_t *q = qtr_inst_operands(c, in);
        uint32_t n = in->op == QTR_OP_MEASURE ? 1 : in->nargs, all = 1;
        for (uint32_t k = 0; k < n; k++) all &= tail[q[k]];
        int keeps_tail = in->op == QTR_OP_BARRIER ||
                         (in->op == QTR_OP_MEASURE && !(in->flags & QTR_IF_COND));
        if (all && is_plain_swap(in)) {
            mark[i] = 1;
            nelided++;
        } else if (all && keeps_tail) {
            mark[i] = 2;
        } else {
            for (uint32_t k = 0; k < n; k++) tail[q[k]] = 0;
        }
    }
    if (nelided) {
        for (size_t i = 0; i < c->ninst; i++) {
            if (mark[i] == 1)
                elide(&c->inst[i], perm);
            else if (mark[i] == 2)
                relabel(c, &c->inst[i], perm);
        }
        qtr_circuit_compact(c);
    }
    opt_scratch_free(c, tail, nq, 1);
    opt_scratch_free(c, mark, n0, 1);
    return QTR_OK;
}

qtr_status qtr_pass_elide_swaps(qtr_circuit *c, const qtr_target *t, uint32_t *perm, qtr_ctx *ctx)
{
    (void)t;
    if (!c || !perm) return qtr_fail(ctx, QTR_EINVAL, "elide_swaps: no circuit or permutation");
    for (uint32_t v = 0; v < c->nqubits; v++) perm[v] = v;
    size_t nelided = 0;
    for (size_t i = 0; i < c->ninst; i++) {
        qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_NOP) continue;
        if (is_plain_swap(in)) {
            elide(in, perm);
            nelided++;
            continue;
        }
        relabel(c, in, perm);
    }
    if (nelided) qtr_circuit_compact(c);
    return QTR_OK;
}
