/* opt_internal.h -- helpers shared by the optimisation passes (pass_merge1q.c,
 * pass_cancel.c, pass_commute.c, pass_misc.c, optimize.c) and their unit test.
 * Internal, not installed.
 *
 * Ownership: nothing here keeps state. Scratch blocks come from the circuit's
 * own accounting allocator (opt_scratch / opt_scratch_free), so a pass's
 * working memory shows in the circuit's peak bytes and out-of-memory tests
 * can fail it; every pass frees its scratch before returning.
 *
 * Editing records in place: a pass never moves records (only
 * qtr_circuit_compact does); it rewrites a record's op/params or turns it
 * into QTR_OP_NOP, then compacts once at the end. */
#ifndef QTR_OPT_INTERNAL_H
#define QTR_OPT_INTERNAL_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- scratch memory --------------------------------------------------- */

/** n·size bytes of scratch from @p c's allocator (uninitialised), or NULL on
 *  failure or overflow. n = 0 still returns a (1-byte) block. */
void *opt_scratch(qtr_circuit *c, size_t n, size_t size);
/** Zeroed scratch, as opt_scratch. */
void *opt_scratch_zero(qtr_circuit *c, size_t n, size_t size);
/** Release a block of n·size bytes from opt_scratch (NULL is fine). */
void opt_scratch_free(qtr_circuit *c, void *p, size_t n, size_t size);

/* ---- records ---------------------------------------------------------- */

/** 1 when record @p in is an unconditioned unitary gate (not a directive,
 *  measure or reset): the only records optimisation passes rewrite. */
static inline int opt_is_plain_gate(const qtr_inst *in)
{
    return !(in->flags & QTR_IF_COND) &&
           !(qtr_gate((qtr_op)in->op)->props & (QTR_GP_DIRECTIVE | QTR_GP_NONUNITARY));
}

/** Overwrite record @p idx, an unconditioned 1-qubit gate, with 1-qubit
 *  gate @p op and its parameters. The record keeps its qubit. Parameters go
 *  into the record's own parameter slots when it has enough, else at the end
 *  of the pool, which the caller must have grown beforehand (this function
 *  never allocates). */
void opt_set_1q(qtr_circuit *c, size_t idx, qtr_op op, const double *params);

/** Parameters opt_set_1q(c, idx, op, ...) takes from the end of the pool. */
static inline size_t opt_set_1q_pool_need(const qtr_circuit *c, size_t idx, qtr_op op)
{
    size_t want = qtr_gate(op)->nparams, have = qtr_gate((qtr_op)c->inst[idx].op)->nparams;
    return want > have ? want : 0;
}

/** Add @p d to the global phase, keeping it in (−π, π]. */
void opt_add_phase(qtr_circuit *c, double d);

/* ---- level 1's loop (optimize.c) -------------------------------------- */

/** qtr_pass_cancel_inverse that leaves the cancelled records in place as
 *  QTR_OP_NOP (operands intact) for opt_merge1q_touched to find; sets
 *  *nremoved to their number. */
qtr_status opt_cancel_inverse_marked(qtr_circuit *c, size_t *nremoved, qtr_ctx *ctx);

/** qtr_pass_merge1q on a circuit that merge1q already optimised, from which
 *  opt_cancel_inverse_marked then removed records: only the runs those
 *  records bordered (and runs holding gates outside the basis) are
 *  resynthesised; merge1q would keep every other run as it is. Compacts the
 *  removed records away, also on failure. Sets *emptied to the number of
 *  runs it replaced by no gate at all. */
qtr_status opt_merge1q_touched(qtr_circuit *c, const qtr_target *t, size_t *emptied,
                               qtr_ctx *ctx);

/* ---- 2q resynthesis before layout (pass_consolidate.c) --------------------- */

/** qtr_pass_resynth_2q_approx for a virtual circuit (the init stage, before
 *  layout; Qiskit's ConsolidateBlocks without a target there): blocks go to
 *  cx and u in any direction; translation later maps them to the target.
 *  Replaces a block only when that lowers its 2q count. */
qtr_status opt_resynth_2q_virtual(qtr_circuit *c, double approx_degree, qtr_ctx *ctx);

/* ---- commutation types (pass_commute.c) ------------------------------- */

/* How a gate acts on one of its wires. A gate is of type Z (X, Y) on operand
 * k when it commutes with the Pauli Z (X, Y) on that qubit, i.e. its matrix is
 * block diagonal in that Pauli's eigenbasis of qubit k. OPT_T_NONE: neither
 * (or not a unitary gate). */
enum { OPT_T_NONE = 0, OPT_T_Z = 1, OPT_T_X = 2, OPT_T_Y = 3 };

/** Commutation type of gate @p op on its operand @p k (see above). */
int opt_wire_type(qtr_op op, unsigned k);

/** 1-qubit rotation families. If @p op is a 1-qubit gate equal to
 *  e^{i·phase}·R_F(angle) for F = Z, X or Y (R_Z = rz, R_X = rx, R_Y = ry),
 *  returns that family's OPT_T_* and fills *angle and *phase (params is the
 *  gate's parameter array, NULL when it has none); else returns OPT_T_NONE. */
int opt_rotation(qtr_op op, const double *params, double *angle, double *phase);

/* ---- tolerances ------------------------------------------------------- */

/** Angle below which a rotation is dropped as the identity (mod 4π, with the
 *  sign tracked in the phase). Qiskit's ANGLE_ZERO_EPSILON; see
 *  design/ALGORITHMS.md §6.12. */
#define OPT_ANGLE_EPS 1e-12
/** RemoveIdentityEquivalent: a gate goes when 1 − F_avg(U, I) < this
 *  (Qiskit's tolerance at approximation degree 1.0, §6.10 / §6.12). */
#define OPT_IDENTITY_TOL 1e-12

#ifdef __cplusplus
}
#endif
#endif
