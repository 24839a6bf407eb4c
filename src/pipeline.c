/* pipeline.c -- optimisation levels as tables of stages, run top to bottom.
 *
 * Level 0 (Qiskit's preset level 0): init unrolls 3+-qubit gates when the
 * target has a coupling map; layout is trivial (virtual i on physical i);
 * routing is only checked (SABRE routing lands with the routing work: a
 * circuit that needs it fails with a clear message); translation rewrites into
 * the target's basis and fixes 2q gate directions. Levels 1-3 run the same
 * stages until layout, routing and optimisation passes exist.
 *
 * Borrows: the target (read only). Rewrites: the circuit. Owns: the layout
 * arrays it hands over in qtr_result. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common.h"
#include "pass.h"

static const char *const stage_names[QTR_STAGE_COUNT] = {
    [QTR_STAGE_INIT] = "init",           [QTR_STAGE_LAYOUT] = "layout",
    [QTR_STAGE_ROUTING] = "routing",     [QTR_STAGE_TRANSLATION] = "translation",
    [QTR_STAGE_OPTIMIZATION] = "optimization",
};

const char *qtr_stage_name(qtr_stage s)
{
    return (unsigned)s < QTR_STAGE_COUNT ? stage_names[s] : "?";
}

void qtr_options_default(qtr_options *o)
{
    o->opt_level = 2;
    o->seed = 0;
}

void qtr_result_free(qtr_result *r)
{
    if (!r) return;
    free(r->initial_layout);
    free(r->output_permutation);
    r->initial_layout = r->output_permutation = NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- stages ------------------------------------------------------------ */

/* Qiskit unrolls 3+-qubit gates in init only when there is connectivity to
 * respect; an all-to-all target leaves them for translation. */
static qtr_status stage_init(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    return qtr_pass_unroll3q(c, t, ctx);
}

/* Trivial layout: virtual qubit v on physical qubit v. */
static qtr_status stage_layout_trivial(qtr_circuit *c, const qtr_target *t, uint32_t *layout,
                                       qtr_ctx *ctx)
{
    if (c->nqubits > t->nqubits)
        return qtr_fail(ctx, QTR_ETARGET, "circuit has %u qubits, target '%s' only %u", c->nqubits,
                        t->name, t->nqubits);
    for (uint32_t v = 0; v < c->nqubits; v++) layout[v] = v;
    return qtr_circuit_remap_qubits(c, layout, t->nqubits, ctx);
}

/* Without a router, a laid-out circuit must already have every 2q gate on a
 * coupling edge (either direction: translation fixes directions). */
qtr_status qtr_pass_check_routing(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    for (size_t i = 0; i < c->ninst; i++) {
        const qtr_inst *in = &c->inst[i];
        if (in->op == QTR_OP_BARRIER || in->op == QTR_OP_MEASURE || in->nargs < 2) continue;
        const uint32_t *q = qtr_inst_operands(c, in);
        if (in->nargs > 2)
            return qtr_fail(ctx, QTR_EUNSUPPORTED, "instruction %zu: '%s' on %u qubits after unrolling",
                            i, qtr_gate((qtr_op)in->op)->name, in->nargs);
        if (!qtr_target_connected(t, q[0], q[1]))
            return qtr_fail(ctx, QTR_EUNSUPPORTED,
                            "instruction %zu: '%s' on physical qubits %u and %u, which are not "
                            "coupled on '%s': this circuit needs routing, which this build does "
                            "not have yet",
                            i, qtr_gate((qtr_op)in->op)->name, q[0], q[1], t->name);
    }
    return QTR_OK;
}

static qtr_status stage_translation(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    qtr_status st = qtr_pass_basis(c, t, ctx);
    if (!st) st = qtr_pass_direction(c, t, ctx);
    return st;
}

qtr_status qtr_transpile_chunk_level0(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx)
{
    qtr_status st = stage_init(c, t, ctx);
    if (!st) st = qtr_pass_check_routing(c, t, ctx);
    if (!st) st = stage_translation(c, t, ctx);
    return st;
}

/* ---- the driver ------------------------------------------------------------ */

qtr_status qtr_transpile(qtr_circuit *c, const qtr_target *t, const qtr_options *o,
                         qtr_result *r, qtr_ctx *ctx)
{
    qtr_result local;
    if (!r) r = &local;
    memset(r, 0, sizeof *r);
    if (o->opt_level < 0 || o->opt_level > 3)
        return qtr_fail(ctx, QTR_EINVAL, "optimization level %d outside 0..3", o->opt_level);
    qtr_status st = qtr_circuit_stats(c, &r->in, ctx);
    if (st) return st;

    uint32_t n = c->nqubits;
    r->nvirtual = n;
    r->nphysical = t->nqubits;
    r->initial_layout = malloc((n ? n : 1) * sizeof *r->initial_layout);
    r->output_permutation = malloc((n ? n : 1) * sizeof *r->output_permutation);
    if (!r->initial_layout || !r->output_permutation) {
        st = qtr_fail(ctx, QTR_ENOMEM, "layout of %u qubits", n);
        goto fail;
    }

    double t0 = now();
    if ((st = stage_init(c, t, ctx))) goto fail;
    double t1 = now();
    if ((st = stage_layout_trivial(c, t, r->initial_layout, ctx))) goto fail;
    double t2 = now();
    if ((st = qtr_pass_check_routing(c, t, ctx))) goto fail;
    memcpy(r->output_permutation, r->initial_layout, n * sizeof *r->initial_layout);
    double t3 = now();
    if ((st = stage_translation(c, t, ctx))) goto fail;
    double t4 = now();
    r->seconds[QTR_STAGE_INIT] = t1 - t0;
    r->seconds[QTR_STAGE_LAYOUT] = t2 - t1;
    r->seconds[QTR_STAGE_ROUTING] = t3 - t2;
    r->seconds[QTR_STAGE_TRANSLATION] = t4 - t3;

    /* the output must conform: a failure here is our bug, reported not hidden */
    if ((st = qtr_target_check_circuit(t, c, ctx))) {
        char why[sizeof ctx->msg];
        memcpy(why, ctx->msg, sizeof why);
        st = qtr_fail(ctx, QTR_ETARGET, "internal: output does not conform: %s", why);
        goto fail;
    }
    if ((st = qtr_circuit_stats(c, &r->out, ctx))) goto fail;
    r->peak_bytes = c->alloc.peak;
    if (r == &local) qtr_result_free(r);
    return QTR_OK;
fail:
    qtr_result_free(r);
    return st;
}
