/* target_check.c -- does a circuit conform to a target? Basis gates only
 * (plus measure, reset, barrier), operands on the device, 2q gates on edges in
 * an allowed direction. Borrows both; allocates nothing. Used by the pipeline's
 * self-check, --verify and the tests. */
#include "common.h"

qtr_status qtr_target_check_circuit(const qtr_target *t, const qtr_circuit *c, qtr_ctx *ctx)
{
    if (c->nqubits > t->nqubits)
        return qtr_fail(ctx, QTR_ETARGET, "circuit has %u qubits, target '%s' has %u", c->nqubits,
                        t->name, t->nqubits);
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        qtr_op op = (qtr_op)in->op;
        if (op == QTR_OP_NOP || op == QTR_OP_BARRIER || op == QTR_OP_MEASURE || op == QTR_OP_RESET)
            continue;
        /* the common case: a basis gate on 1 qubit, or on 2 along an edge */
        if (QTR_LIKELY(op < QTR_OP_COUNT && t->basis[op] && !(in->flags & QTR_IF_EXT) &&
                       (in->nargs == 1 || (in->nargs == 2 && qtr_target_has_edge(t, in->q[0], in->q[1])))))
            continue;
        const qtr_gate_info *g = qtr_gate(op);
        if (!t->basis[op])
            return qtr_fail(ctx, QTR_ETARGET, "instruction %zu: '%s' is not a basis gate of '%s'",
                            i, g->name, t->name);
        const uint32_t *q = qtr_inst_operands(c, in);
        if (in->nargs > 2)
            return qtr_fail(ctx, QTR_ETARGET, "instruction %zu: '%s' acts on %u qubits", i,
                            g->name, in->nargs);
        if (in->nargs == 2 && !qtr_target_has_edge(t, q[0], q[1]))
            return qtr_fail(ctx, QTR_ETARGET,
                            "instruction %zu: '%s' on (%u, %u), not a coupling edge of '%s'%s", i,
                            g->name, q[0], q[1], t->name,
                            qtr_target_has_edge(t, q[1], q[0]) ? " in this direction" : "");
    }
    return QTR_OK;
}
