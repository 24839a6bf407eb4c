/* pass.h -- the pass signature and the internal pass and synthesis entry
 * points. A pass rewrites the circuit in place (or into one new array that
 * replaces the old), returns QTR_OK or a status with the message in ctx, and
 * frees every analysis it built before returning. */
#ifndef QTR_PASS_H
#define QTR_PASS_H

#include "qtr.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef qtr_status (*qtr_pass_fn)(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);

typedef struct {
    const char *name;
    qtr_pass_fn run;
} qtr_pass_desc;

/* ---- 1-qubit Euler synthesis (src/synth_euler.c) ------------------------- */

typedef enum {
    QTR_EULER_ZSX,    /* rz, sx          */
    QTR_EULER_ZSXX,   /* rz, sx, x       */
    QTR_EULER_U3,     /* u3              */
    QTR_EULER_U,      /* u               */
    QTR_EULER_U321,   /* u3, u2, u1      */
    QTR_EULER_ZYZ,    /* rz, ry          */
    QTR_EULER_ZXZ,    /* rz, rx          */
    QTR_EULER_XYX,    /* rx, ry          */
    QTR_EULER_PSX,    /* p, sx           */
    QTR_EULER_COUNT
} qtr_euler_basis;

/** One synthesised 1q gate. */
typedef struct {
    uint8_t op;          /* qtr_op */
    double  params[3];
} qtr_gate1q;

/** Most gates qtr_euler_synth ever returns (rz·sx·rz·sx·rz). */
#define QTR_EULER_MAX_GATES 5

/** Decompose the 2×2 unitary @p m (interleaved re/im, row-major) into at most
 *  @p cap gates of @p basis, shortest form (identity → 0 gates). The product of
 *  the gates times exp(i *phase) equals m. @return number of gates written.
 *  Details: out[0] acts first (product = out[n-1]···out[0]); angles and
 *  *phase lie in (−π, π]; rotations within 1e-12 of 0 (mod 2π) are dropped.
 *  Returns -1 (nothing written) when @p m or @p phase is NULL, @p m has a
 *  NaN/Inf entry, @p basis is out of range, or the result needs more than
 *  @p cap gates (cap = QTR_EULER_MAX_GATES always suffices). m is assumed
 *  unitary and not checked. Thread-safe, no allocation. */
int qtr_euler_synth(const double m[8], qtr_euler_basis basis, qtr_gate1q *out, int cap,
                    double *phase);
/** The Euler basis whose gates are all in @p basis (a target's basis[] row),
 *  preferring the one that gives the fewest gates; -1 if none fits. */
int qtr_euler_basis_for(const uint8_t basis[QTR_OP_COUNT]);

/* ---- translation passes (src/pass_basis.c, src/pass_direction.c) -------- */

/** Unroll every gate on 3+ qubits into 1q and cx gates (ccx: 6 cx + 9 1q);
 *  gates on ≤ 2 qubits, and 3+q gates native on @p t (may be NULL), stay. */
qtr_status qtr_pass_unroll3q(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);
/** Rewrite every gate outside t->basis into basis gates (equivalence rules +
 *  cheapest-derivation search; a 1q gate is synthesised from its matrix in
 *  the best Euler basis instead when that is shorter). No-op when @p t is
 *  NULL or has no basis gates. QTR_ETARGET "cannot express 'g' in basis
 *  {...}" (circuit unchanged) when a gate has no derivation. */
qtr_status qtr_pass_basis(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);
/** Flip 2q gates that sit on an edge only in the other direction (cx, ecr,
 *  cy, ch, crx, cry, crz, csx, rzx, dcx, xx_plus_yy by identities, symmetric
 *  gates by swapping operands); added 1q gates are translated into t->basis.
 *  No-op when @p t has no edges. QTR_ETARGET for a gate on a non-edge, a 3+q
 *  gate, or a gate without a flip (cu, cu3). */
qtr_status qtr_pass_direction(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);

/* ---- translation plans: prepare once, translate many (src/pass_basis.c) --
 *
 * qtr_pass_basis() is qtr_basis_plan_new() + qtr_basis_translate(c, 0) +
 * qtr_basis_plan_free(). A streaming pipeline (reader -> translate -> writer
 * in constant memory) builds the plan once per target, then for each chunk:
 * append the chunk's instructions to a circuit (from = c->ninst before the
 * chunk, or clear the circuit with qtr_circuit_clear_ops() and use from = 0),
 * call qtr_basis_translate(plan, c, from, ctx), hand instructions
 * [from, c->ninst) to the writer. c->global_phase accumulates the phase of
 * the translated gates (unconditioned ones only: the phase of a classically
 * conditioned gate is not observable and is dropped).
 *
 * A plan is immutable after qtr_basis_plan_new() and may be shared by any
 * number of threads translating different circuits. It holds, for every
 * table gate, a flattened expansion into the target's basis found by a
 * cheapest-derivation search over the equivalence rules (src/equiv_rules.c);
 * 1q gates may instead be synthesised from their matrix in the basis's Euler
 * form (qtr_euler_synth) when that is shorter. */
typedef struct qtr_basis_plan qtr_basis_plan;

/** Plan the translation into t->basis. A gate that cannot be expressed is not
 *  an error here; translating it is (QTR_ETARGET).
 *  @return QTR_OK, QTR_EINVAL (NULL target or empty basis), QTR_ENOMEM. */
qtr_status qtr_basis_plan_new(const qtr_target *t, qtr_basis_plan **out, qtr_ctx *ctx);
void qtr_basis_plan_free(qtr_basis_plan *p);

/** Replace instructions [from, c->ninst) of @p c by their translation;
 *  [0, from) is left as it is. Basis gates, measure, reset and barrier are
 *  copied; a condition is copied onto every emitted gate. The instruction
 *  array is rebuilt once at its final size; parameters and operands of
 *  emitted gates are appended to the circuit's pools.
 *  @return QTR_OK; QTR_ETARGET "cannot express 'g' in basis {…}" (circuit
 *  unchanged); QTR_EINVAL for from > ninst or a corrupt record; QTR_ENOMEM,
 *  QTR_ELIMIT (circuit unchanged). */
qtr_status qtr_basis_translate(const qtr_basis_plan *p, qtr_circuit *c, size_t from, qtr_ctx *ctx);

/** What one @p op becomes: counts of emitted gates on 1, 2 and 3+ qubits
 *  (Euler-synthesised gates counted at their generic length).
 *  @return 1 when @p op is kept as is, 2 when it is expanded, 0 when it
 *  cannot be expressed. */
int qtr_basis_plan_counts(const qtr_basis_plan *p, qtr_op op, uint32_t *n1q, uint32_t *n2q,
                          uint32_t *nmore);

/* ---- pipeline pieces shared with the streaming driver (src/pipeline.c) -- */

/** Fail with QTR_EUNSUPPORTED naming the first 2q gate whose physical qubits
 *  are not coupled on @p t (the circuit needs routing). */
qtr_status qtr_pass_check_routing(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);
/** The level-0 stages after layout, on a chunk already on physical qubits:
 *  unroll 3+q gates, routing check, basis translation, direction. */
qtr_status qtr_transpile_chunk_level0(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);

#ifdef __cplusplus
}
#endif

#endif
