/* random_circuit.c -- seeded random circuits for tests (see random_circuit.h).
 * Owns nothing beyond the circuit it hands to the caller. */
#include "random_circuit.h"
#include "common.h"

static qtr_status check_op(qtr_op op, uint32_t nqubits, qtr_ctx *ctx)
{
    if ((unsigned)op >= QTR_OP_COUNT)
        return qtr_fail(ctx, QTR_EINVAL, "random circuit: invalid op code %d", (int)op);
    const qtr_gate_info *g = qtr_gate(op);
    if (g->props & (QTR_GP_DIRECTIVE | QTR_GP_NONUNITARY))
        return qtr_fail(ctx, QTR_EINVAL, "random circuit: '%s' is not a unitary gate", g->name);
    if (g->nqubits > nqubits)
        return qtr_fail(ctx, QTR_EINVAL, "random circuit: '%s' needs %u qubits, circuit has %u",
                        g->name, g->nqubits, nqubits);
    return QTR_OK;
}

qtr_status qtr_random_append(qtr_circuit *c, size_t ngates, const qtr_op *ops, size_t nops,
                             qtr_ctx *rng, qtr_ctx *ctx)
{
    qtr_op all[QTR_OP_COUNT];
    uint32_t n = c->nqubits;
    if (n == 0) return qtr_fail(ctx, QTR_EINVAL, "random circuit: no qubits");
    if (!ops || !nops) {
        nops = 0;
        for (int op = 0; op < QTR_OP_COUNT; op++)
            if (check_op((qtr_op)op, n, NULL) == QTR_OK) all[nops++] = (qtr_op)op;
        ops = all;
    } else {
        for (size_t i = 0; i < nops; i++) {
            qtr_status st = check_op(ops[i], n, ctx);
            if (st) return st;
        }
    }
    for (size_t i = 0; i < ngates; i++) {
        qtr_op op = ops[qtr_rng_next(rng) % nops];
        const qtr_gate_info *g = qtr_gate(op);
        uint32_t q[5];
        double p[4];
        for (uint32_t j = 0; j < g->nqubits; j++) { /* distinct operands by rejection */
            int dup;
            do {
                q[j] = (uint32_t)(qtr_rng_next(rng) % n);
                dup = 0;
                for (uint32_t k = 0; k < j; k++) dup |= q[k] == q[j];
            } while (dup);
        }
        for (uint32_t j = 0; j < g->nparams; j++) p[j] = (2 * qtr_rng_uniform(rng) - 1) * 2 * QTR_PI;
        qtr_status st = qtr_circuit_append(c, op, q, g->nqubits, p, ctx);
        if (st) return st;
    }
    return QTR_OK;
}

qtr_status qtr_random_circuit(uint32_t nqubits, size_t ngates, const qtr_op *ops, size_t nops,
                              uint64_t seed, qtr_circuit **out, qtr_ctx *ctx)
{
    if (nqubits == 0) return qtr_fail(ctx, QTR_EINVAL, "random circuit: no qubits");
    qtr_circuit *c = qtr_circuit_new(0);
    if (!c) return qtr_fail(ctx, QTR_ENOMEM, "random circuit");
    qtr_ctx rng;
    qtr_ctx_init(&rng, seed);
    qtr_status st = qtr_circuit_add_qreg(c, "q", nqubits, ctx);
    if (!st) st = qtr_random_append(c, ngates, ops, nops, &rng, ctx);
    if (st) {
        qtr_circuit_free(c);
        return st;
    }
    *out = c;
    return QTR_OK;
}
