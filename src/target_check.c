/* target_check.c -- does a circuit conform to a target? Basis gates only
 * (plus measure, reset, barrier), operands on the device, 2q gates on edges in
 * an allowed direction. Borrows both; allocates nothing but a mark per opaque
 * gate. Used by the pipeline's self-check, --verify and the tests.
 *
 * Opaque gates (no definition) conform when the target's basis names them;
 * one on 2 qubits must sit on a coupled pair, in either direction: the
 * coupling map's direction is that of the device's calibrated 2q gate, which
 * says nothing of a gate the target does not list separately, and an opaque
 * gate cannot be flipped. */
#include <stdlib.h>
#include "common.h"
#include "pass.h"

qtr_status qtr_target_check_opaque(const qtr_target *t, const qtr_circuit *c, qtr_ctx *ctx)
{
    if (!c->nopaques) return QTR_OK;
    uint8_t *seen = calloc(c->nopaques, 1);
    if (!seen) return qtr_fail(ctx, QTR_ENOMEM, "checking %zu opaque gates", c->nopaques);
    qtr_status st = QTR_OK;
    for (size_t i = 0; i < c->ninst && !st; i++) {
        const qtr_inst *in = &c->inst[i];
        if (in->op != QTR_OP_OPAQUE) continue;
        uint32_t k = c->args[in->p + in->nargs];
        if (seen[k]) continue;
        seen[k] = 1;
        const qtr_opaque *o = &c->opaques[k];
        if (!qtr_target_has_gate_named(t, o->name))
            st = qtr_fail(ctx, QTR_EUNSUPPORTED, "the circuit applies the opaque gate '%s', which "
                          "has no definition and is not in the basis of target '%s': it cannot be "
                          "transpiled (convert passes it through)", o->name, t->name);
        else if (o->nqubits > 2)
            st = qtr_fail(ctx, QTR_EUNSUPPORTED, "the opaque gate '%s' acts on %u qubits: only "
                          "opaque gates on 1 or 2 qubits can be routed", o->name, o->nqubits);
    }
    free(seen);
    return st;
}

/* An opaque record: in the basis by name, on a coupled pair when on 2. */
static qtr_status check_opaque_record(const qtr_target *t, const qtr_circuit *c, size_t i,
                                      qtr_ctx *ctx)
{
    const double *prm;
    const qtr_inst *in = &c->inst[i];
    const qtr_opaque *o = qtr_inst_opaque(c, in, &prm);
    const uint32_t *q = qtr_inst_operands(c, in);
    if (!qtr_target_has_gate_named(t, o->name))
        return qtr_fail(ctx, QTR_ETARGET, "instruction %zu: '%s' is not a basis gate of '%s'", i,
                        o->name, t->name);
    if (in->nargs > 2)
        return qtr_fail(ctx, QTR_ETARGET, "instruction %zu: '%s' acts on %u qubits", i, o->name,
                        in->nargs);
    if (in->nargs == 2 && !qtr_target_connected(t, q[0], q[1]))
        return qtr_fail(ctx, QTR_ETARGET, "instruction %zu: '%s' on (%u, %u), not a coupling "
                        "edge of '%s'", i, o->name, q[0], q[1], t->name);
    return QTR_OK;
}

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
        if (op == QTR_OP_OPAQUE) {
            qtr_status st = check_opaque_record(t, c, i, ctx);
            if (st) return st;
            continue;
        }
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
