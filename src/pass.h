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

/* ---- 2-qubit synthesis: Weyl / KAK decomposition (src/synth_kak.c) ------- */

/* 4×4 matrices below are row-major, interleaved (re, im), operand k = bit k of
 * the index: the layout of qtr_gate_matrix for a 2-qubit gate. A "local pair"
 * m[2][8] is m[0] on operand 0 (bit 0) and m[1] on operand 1 (bit 1), i.e.
 * the 4×4 matrix m[1] ⊗ m[0]; in Qiskit's names K1l = k1[1], K1r = k1[0].
 * Can(a, b, c) = exp(i(a·XX + b·YY + c·ZZ)). */

/** Coordinates within this distance (radians) of a gate-count class count
 *  as on it when synthesising exactly: dropping them changes the matrix by
 *  at most ~3× this, far below what the tests and --verify resolve. */
#define QTR_KAK_EXACT_TOL 1e-11

/** u = e^{i·phase} · (k1[1] ⊗ k1[0]) · Can(a, b, c) · (k2[1] ⊗ k2[0]), with
 *  (a, b, c) in the Weyl chamber π/4 ≥ a ≥ b ≥ |c| (and c ≥ 0 when a is
 *  π/4 to within 1e-12). */
typedef struct {
    double a, b, c;
    double phase;
    double k1[2][8];
    double k2[2][8];
} qtr_kak;

/** Weyl decomposition of the 4×4 unitary @p u.
 *  @return QTR_OK; QTR_EINVAL (message says why) for NULL arguments, a
 *  NaN/Inf entry, or a matrix that is not unitary to 1e-6; QTR_EUNSUPPORTED
 *  if the eigensolver fails (not seen in practice). Thread-safe, no
 *  allocation beyond what LAPACK does internally (none for dsyev). */
qtr_status qtr_kak_decompose(const double u[32], qtr_kak *out, qtr_ctx *ctx);

/** A fixed 2q gate prepared as a synthesis basis:
 *  gate = e^{i·beta} (b1[1] ⊗ b1[0]) · Can(π/4, 0, 0) · (b2[1] ⊗ b2[0]),
 *  the gate acting with its first operand on operand 0. */
typedef struct {
    uint8_t op;          /* qtr_op */
    double  beta;
    double  b1[2][8], b2[2][8];
} qtr_kak_basis;

/** Prepare @p op (any parameterless gate locally equivalent to CX: cx, cy,
 *  cz, ch, ecr) as a basis. @return QTR_OK, QTR_EINVAL for a gate that is
 *  not a parameterless 2-qubit gate, QTR_EUNSUPPORTED for a 2q gate of
 *  another class (iswap, dcx, swap, ...). */
qtr_status qtr_kak_basis_init(qtr_kak_basis *kb, qtr_op op, qtr_ctx *ctx);

/** How many CX-class gates synthesise @p k (0..3), and (if @p fidelity is
 *  not NULL) the average gate fidelity (4 + |Tr(U†V)|²)/20 of that
 *  synthesis V against U. @p approx_degree ≥ 1: exact (coordinates within
 *  QTR_KAK_EXACT_TOL of the class); < 1: the fewest gates whose best
 *  approximation (Qiskit's: drop c; or project onto (π/4,0,0); or onto
 *  the identity) has fidelity ≥ approx_degree. */
int qtr_kak_num_basis_gates(const qtr_kak *k, double approx_degree, double *fidelity);

/** A 2q synthesis as matrices: layer[0] (one 2×2 per operand) acts first,
 *  then the basis gate on (operand 0, operand 1), then layer[1], ..., the
 *  basis gate n2q times, then layer[n2q]. Times e^{i·phase} that product is
 *  the synthesised unitary (u itself when exact). */
typedef struct {
    int    n2q;
    double layer[4][2][8];
    double phase;
    double fidelity;     /* average gate fidelity against u (1 when exact) */
} qtr_kak_synthesis;

/** Synthesise the 4×4 unitary @p u with the fewest applications of @p kb
 *  (see qtr_kak_num_basis_gates for @p approx_degree). Errors as
 *  qtr_kak_decompose, plus QTR_EINVAL for a NULL basis or an
 *  approx_degree that is NaN or ≤ 0. */
qtr_status qtr_kak_synth(const double u[32], const qtr_kak_basis *kb, double approx_degree,
                         qtr_kak_synthesis *out, qtr_ctx *ctx);

/** One gate of a 2q sequence: a 1q gate on operand q[0], or the basis gate
 *  on (q[0], q[1]); operands are 0/1 within the pair. */
typedef struct {
    uint8_t op;          /* qtr_op */
    uint8_t q[2];
    double  params[3];
} qtr_kak_gate;

/** Enough room for any qtr_kak_gates result: 3 basis gates, 8 Euler runs. */
#define QTR_KAK_MAX_GATES (3 + 8 * QTR_EULER_MAX_GATES)

/** Expand @p s into gates: each layer matrix Euler-synthesised in @p eb
 *  (identity layers vanish), the basis gate kb->op between layers. out[0]
 *  acts first; the product times e^{i·*phase} is the synthesised unitary.
 *  @return the gate count, or -1 (nothing written) for NULL arguments, a bad
 *  basis, or more than @p cap gates. */
int qtr_kak_gates(const qtr_kak_synthesis *s, const qtr_kak_basis *kb, qtr_euler_basis eb,
                  qtr_kak_gate *out, int cap, double *phase);

/* ---- 2q block consolidation + resynthesis (src/pass_consolidate.c) ------ */

/** Collect maximal runs of unconditioned 1q/2q gates on one qubit pair,
 *  resynthesise each as a 4×4 unitary with the target's 2q gate (in an
 *  allowed direction of t->edges) and best Euler basis, and replace the run
 *  when that lowers its 2q count, or keeps it and lowers its 1q count.
 *  Exact (approximation degree 1). A target whose 2q gate is not CX-class
 *  (iswap, rzz, none) or with no Euler basis leaves the circuit unchanged.
 *  @return QTR_OK, QTR_EINVAL (NULL circuit or target), QTR_ENOMEM (circuit
 *  unchanged). */
qtr_status qtr_pass_resynth_2q(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);
/** qtr_pass_resynth_2q with approximate synthesis: a run may drop to fewer
 *  2q gates when the average gate fidelity of the result is ≥
 *  @p approx_degree (in (0, 1]; 1 = exact). */
qtr_status qtr_pass_resynth_2q_approx(qtr_circuit *c, const qtr_target *t, double approx_degree,
                                      qtr_ctx *ctx);

/* ---- translation passes (src/pass_basis.c, src/pass_direction.c) -------- */

/** Unroll every gate on 3+ qubits into 1q and 2q gates. */
qtr_status qtr_pass_unroll3q(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);
/** Rewrite every gate outside t->basis into basis gates (equivalence rules +
 *  search; 1q runs synthesised in the best Euler basis). */
qtr_status qtr_pass_basis(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);
/** Flip 2q gates that sit on an edge only in the other direction. */
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
