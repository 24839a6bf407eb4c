/* pass_direction.c -- qtr_pass_direction: on a target whose coupling edges
 * are directed, rewrite each 2q gate that sits on an edge only in the other
 * direction: cx with h on both sides, ecr with its 1q corrections, rzx/dcx/crz
 * by their flip identities, symmetric gates (cz, swap, rzz, cp, ...) by
 * swapping operands (equiv_rules.c, flip table). The 1q gates a flip adds are
 * translated into the target's basis through a translation plan, so a circuit
 * in the basis stays in the basis. A multi-qubit gate on a pair that is not an
 * edge is an error: routing is a separate pass.
 * Owns nothing: the plan is kept by the target (qtr_target_plan).
 */
#include <string.h>
#include "basis_internal.h"
#include "common.h"

/* The plan of flips, whose added 1q gates it translates into t's basis
 * (any gate when t has none); kept by the target (qtr_target_plan). */
static qtr_status flip_plan(const qtr_target *t, qtr_basis_plan **out, qtr_ctx *ctx)
{
    uint8_t leaves[QTR_OP_COUNT], keep[QTR_OP_COUNT];
    int any = 0;
    for (unsigned op = 0; op < QTR_OP_COUNT; op++) any |= t->basis[op] && op != QTR_OP_NOP &&
        !(qtr_gate((qtr_op)op)->props & (QTR_GP_DIRECTIVE | QTR_GP_NONUNITARY));
    for (unsigned op = 0; op < QTR_OP_COUNT; op++) {
        /* without a basis every gate is acceptable */
        leaves[op] = any ? t->basis[op] : 1;
        keep[op] = op != QTR_OP_NOP;
    }
    char what[200] = "any gate set";
    if (any) qtr_basis_describe(t->basis, what, sizeof what);
    qtr_basis_plan *p = NULL;
    qtr_status st = qtr_basis_plan_build(leaves, keep, any ? qtr_euler_basis_for(t->basis) : -1,
                                         what, &p, ctx);
    if (!st) st = qtr_basis_plan_add_flips(p, ctx);
    if (st) {
        qtr_basis_plan_free(p);
        return st;
    }
    *out = p;
    return QTR_OK;
}


qtr_status qtr_pass_direction(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    if (!c || !t) return qtr_fail(ctx, QTR_EINVAL, "qtr_pass_direction: NULL argument");
    if (t->nedges == 0) return QTR_OK;   /* no coupling map: nothing to orient */

    /* quick scan: anything to flip or reject? Per op: 0 nothing to check,
     * 1 a 2q gate whose edge to check, 2 stop here (more than 2 qubits). */
    uint8_t scan[256] = {0};
    for (unsigned op = 0; op < QTR_OP_COUNT; op++) {
        const qtr_gate_info *g = qtr_gate((qtr_op)op);
        if ((g->props & (QTR_GP_DIRECTIVE | QTR_GP_NONUNITARY)) || g->nqubits < 2) continue;
        scan[op] = g->nqubits > 2 ? 2 : 1;
    }
    for (unsigned op = QTR_OP_COUNT; op < 256; op++) scan[op] = 2;   /* invalid: the full pass reports it */
    size_t i = 0;
    for (; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        uint8_t k = scan[in->op];
        if (QTR_LIKELY(!k)) continue;
        if (k == 2) break;
        const uint32_t *q = qtr_inst_operands(c, in);
        if (!qtr_target_has_edge(t, q[0], q[1])) break;
    }
    if (i == c->ninst) return QTR_OK;
    const qtr_basis_plan *p;
    qtr_basis_plan *own;
    qtr_status st = qtr_target_plan(t, QTR_PLAN_DIRECTION, flip_plan, &p, &own, ctx);
    if (!st) st = qtr_basis_rewrite(p, c, i, t, ctx);
    qtr_basis_plan_free(own);
    return st;
}
