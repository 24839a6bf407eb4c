/* pass_unroll.c -- qtr_pass_unroll3q: every gate on 3+ qubits into 1q and 2q
 * gates through the same equivalence rules and search as basis translation.
 * The search may end on any 1q gate and on cx (so ccx becomes the standard
 * 6-cx form and cswap, c3x, ... their cx forms); gates on ≤ 2 qubits are
 * copied unchanged, and so is a 3+q gate the target lists as native.
 * Owns only a temporary plan.
 */
#include <string.h>
#include "basis_internal.h"
#include "common.h"

qtr_status qtr_pass_unroll3q(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    if (!c) return qtr_fail(ctx, QTR_EINVAL, "qtr_pass_unroll3q: NULL circuit");
    uint8_t leaves[QTR_OP_COUNT], keep[QTR_OP_COUNT];
    for (unsigned op = 0; op < QTR_OP_COUNT; op++) {
        const qtr_gate_info *g = qtr_gate((qtr_op)op);
        int native_big = t && t->basis[op] && g->nqubits > 2;
        leaves[op] = g->nqubits == 1 || op == QTR_OP_CX || native_big;
        /* barrier has nqubits 0: kept whatever its width */
        keep[op] = op != QTR_OP_NOP && (g->nqubits <= 2 || native_big);
    }
    size_t i = 0;
    while (i < c->ninst && c->inst[i].op < QTR_OP_COUNT && keep[c->inst[i].op]) i++;
    if (i == c->ninst) return QTR_OK;
    qtr_basis_plan *p = NULL;
    qtr_status st = qtr_basis_plan_build(leaves, keep, -1, "1q and cx gates", &p, ctx);
    if (!st) st = qtr_basis_rewrite(p, c, i, NULL, ctx);
    qtr_basis_plan_free(p);
    return st;
}
