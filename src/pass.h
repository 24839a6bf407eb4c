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

/** Add @p x (a number, or an angle of @p c) to the circuit's phase: a number
 *  to global_phase, an expression to sym_phase (src/basis_sym.c).
 *  @return QTR_OK, QTR_ENOMEM or QTR_ELIMIT (phase unchanged). */
qtr_status qtr_sym_phase_add(qtr_circuit *c, double x, qtr_ctx *ctx);

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
 *  when that lowers its 2q cost (each 2q gate counted as the CX-class gates
 *  its translation needs: 1, 2 for cp/rzz/..., 3 for swap), or keeps it and
 *  lowers its 1q count. Runs whose only 2q gate is the basis gate, and runs
 *  of exactly three basis gates that need three, are left as they are.
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

/** Pairs of unconditioned ccx on the same two controls, with only gates
 *  diagonal on those controls between them, become relative-phase Toffolis
 *  whose phases cancel (4 + 4 cx, or 3 + 3 as rccx when the target and
 *  control order match and the target is also left diagonal between);
 *  src/pass_rtof.c. Unpaired ccx stay. @return QTR_OK, QTR_EINVAL (NULL
 *  circuit), QTR_ENOMEM (circuit unchanged). */
qtr_status qtr_pass_rtof_pairs(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);
/** Phase folding: diagonal 1q gates on the same parity of path variables
 *  (cx, x and swap tracked; other non-diagonal gates start fresh variables;
 *  barriers, measures, resets and conditions end it) merge into one rz at
 *  the first of them; src/pass_phase_fold.c. Global phase kept exact.
 *  @return QTR_OK, QTR_EINVAL (NULL circuit), QTR_ENOMEM (unchanged). */
qtr_status qtr_pass_phase_fold(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);
/** Runs of at least 6 unconditioned cx sharing one hub qubit (all into it,
 *  or all from it), with nothing else on the hub or on a member between a
 *  member's cx and the run's last, become a cx ladder along a path through
 *  the members to the hub (2k-1 cx, no routing on any map with such a
 *  path), when such runs hold at least 3/4 of the circuit's cx and @p t's
 *  coupling graph has such a path (NULL or all-to-all
 *  targets: no change); src/pass_star_ladder.c. @return QTR_OK, QTR_EINVAL (NULL
 *  circuit), QTR_ENOMEM (circuit unchanged). */
qtr_status qtr_pass_star_ladder(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);
/** Clifford regions (convex sets of unconditioned x y z h s sdg sx sxdg cx
 *  cy cz swap id on 3 to 256 qubits) resynthesised from their tableau by a
 *  greedy elimination (Bravyi et al. 2021), replaced where that needs fewer
 *  2q gates (swap counted 3); src/pass_clifford.c. Global phase kept exact.
 *  @p t is not used. @return QTR_OK, QTR_EINVAL (NULL circuit), QTR_ENOMEM
 *  (circuit unchanged). */
qtr_status qtr_pass_clifford_resynth(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);
/** A circuit that is one Clifford (only the gates qtr_pass_clifford_resynth
 *  reads, at least 2 2q gates per qubit, 3 to 256 qubits) synthesised along
 *  @p t's coupling graph: every 2q gate of the result is on a pair that
 *  @p layout (filled, n entries: a connected set of physical qubits) puts
 *  on a coupling edge, so it needs no routing. The circuit stays virtual;
 *  *done 0 (circuit unchanged) when it does not apply; src/pass_clifford_device.c.
 *  @return QTR_OK, QTR_EINVAL, QTR_ENOMEM (circuit unchanged). */
qtr_status qtr_pass_clifford_device(qtr_circuit *c, const qtr_target *t, uint32_t *layout,
                                    int *done, qtr_ctx *ctx);
/** Unroll every gate on 3+ qubits into 1q and cx gates (ccx: 6 cx + 9 1q);
 *  gates on ≤ 2 qubits, and 3+q gates native on @p t (may be NULL), stay. */
qtr_status qtr_pass_unroll3q(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);
/** qtr_pass_unroll3q, with each ccx's (controls, target) given a ccz form
 *  whose operand roles (which pair's two cx come last, in which order)
 *  @p roles_seed picks (0: Qiskit's form, as qtr_pass_unroll3q). The same
 *  unitary for every seed; routing may need fewer swaps for some. */
qtr_status qtr_pass_unroll3q_roles(qtr_circuit *c, const qtr_target *t, uint64_t roles_seed,
                                   qtr_ctx *ctx);
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
 * qtr_pass_basis() is qtr_basis_plan_new() + qtr_basis_translate(c, 0), with
 * the plan kept in the target for the next circuit. A streaming pipeline (reader -> translate -> writer
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

/** Every opaque gate @p c applies is in the basis of @p t (by name) and acts
 *  on at most 2 qubits (src/target_check.c). @return QTR_OK, or
 *  QTR_EUNSUPPORTED naming the first gate that is not; QTR_ENOMEM. */
qtr_status qtr_target_check_opaque(const qtr_target *t, const qtr_circuit *c, qtr_ctx *ctx);

/** Free the plans the passes kept in t->plans (qtr_target_free does; a
 *  hand-built target must). */
void qtr_target_drop_plans(qtr_target *t);

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

/* ---- optimisation passes (src/pass_merge1q.c, pass_cancel.c, pass_commute.c,
 *      pass_misc.c, optimize.c; design/ALGORITHMS.md §6) ------------------
 * Each rewrites the circuit in place, keeps it equivalent (global phase
 * included: phases they drop go into c->global_phase), leaves no NOP records,
 * and on failure (QTR_ENOMEM, or QTR_EINVAL for a NULL circuit) leaves the
 * circuit unchanged. Classically conditioned gates, measure, reset and
 * barrier are never moved or merged and stop every rewrite on their wires.
 * All are deterministic, allocate only from the circuit's allocator and free
 * it before returning; safe from many threads on different circuits. */

/** Optimize1qGatesDecomposition: each maximal run of 1q gates on a wire is
 *  resynthesised in the target's Euler basis when that has fewer gates (then
 *  lower error by t->err1q), or always when the run holds a gate outside
 *  t->basis. Identity runs vanish. No-op when @p t is NULL or has no Euler
 *  basis (qtr_euler_basis_for < 0). */
qtr_status qtr_pass_merge1q(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);
/** InverseCancellation: adjacent gate/inverse pairs (cx cx, h h, s sdg,
 *  rz(a) rz(−a), ...) on the same operands cancel, repeatedly. @p t unused. */
qtr_status qtr_pass_cancel_inverse(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);
/** CommutativeCancellation: 1q Z/X/Y rotations merge and cx/cy/cz pairs
 *  cancel, 2q rotations on the same operands merge, across gates that commute
 *  with them (rules in pass_commute.c). Emits only gates of t->basis (any
 *  gate when @p t is NULL); a merge the target cannot express is skipped. */
qtr_status qtr_pass_commute_cancel(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);
/** RemoveIdentityEquivalent: id, and parametrised gates within 1e-12 average
 *  gate infidelity of the identity, go (phase kept). @p t unused. */
qtr_status qtr_pass_remove_identity(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);
/** RemoveDiagonalGatesBeforeMeasure: diagonal gates whose next instruction on
 *  every wire is a measurement go. Changes only per-outcome phases (compare
 *  with QTR_SIM_MEASURE_PHASES). @p t unused. */
qtr_status qtr_pass_remove_diag_before_measure(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);
/** RemoveResetInZeroState: resets before anything else acts on their qubit
 *  (qubits start in |0>) go. @p t unused. */
qtr_status qtr_pass_remove_reset_zero(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);
/** ElidePermutations, trailing form (safe on routed, physical circuits):
 *  unconditioned swaps followed on both wires only by unconditioned measures,
 *  other such swaps and barriers (on such wires only) are removed, and those
 *  measures and barriers are relabelled so they act on the same states.
 *  @param perm c->nqubits entries, written: perm[w] = the qubit on which the
 *         output circuit leaves the state the input circuit leaves on w
 *         (identity when nothing was elided). So the output, followed by
 *         moving qubit perm[w] to w, is the input; with the sim's convention
 *         qtr_sim_equivalent(in, out, NULL, perm, ...) holds. Composition: if
 *         a routed circuit had output_permutation R (virtual v ends on
 *         physical R[v]), after this pass v ends on perm[R[v]].
 *  @p t unused. */
qtr_status qtr_pass_elide_permutations(qtr_circuit *c, const qtr_target *t, uint32_t *perm,
                                       qtr_ctx *ctx);
/** ElidePermutations, Qiskit's form (for virtual circuits, before layout):
 *  every unconditioned swap is removed and every later instruction relabelled
 *  through the running permutation. @p perm as above: input wire w's final
 *  state is on output wire perm[w]. Composition: if layout and routing then
 *  place output wire x initially on L[x] and finally on R[x], input virtual
 *  qubit v starts on L[v] and ends on R[perm[v]]. @p t unused. */
qtr_status qtr_pass_elide_swaps(qtr_circuit *c, const qtr_target *t, uint32_t *perm, qtr_ctx *ctx);

/** The optimisation stage of levels 1-3 (src/optimize.c; Qiskit's loops,
 *  design/ALGORITHMS.md §2.3, §2.5): L1 repeats merge1q + cancel_inverse,
 *  L2 runs qtr_pass_resynth_2q once, then repeats remove_identity + merge1q +
 *  commute_cancel + cancel_inverse, both until depth and size stay the same;
 *  L3 runs resynth_2q + the L2 list to Qiskit's minimum point over
 *  (depth, size) with back-tracking after 5 worse iterations.
 *  Level 0 does nothing. @p c must already be in t->basis (after
 *  translation); it stays in it.
 *  @return QTR_OK, QTR_EINVAL (NULL circuit or target, level outside 0..3),
 *  QTR_ENOMEM (circuit valid and equivalent, possibly partly optimised). */
qtr_status qtr_optimize_loop(qtr_circuit *c, const qtr_target *t, int level, qtr_ctx *ctx);
/** qtr_optimize_loop with 2q resynthesis at @p approx_degree (in (0, 1];
 *  1 = exact, what qtr_optimize_loop uses); QTR_EINVAL outside. */
qtr_status qtr_optimize_loop_approx(qtr_circuit *c, const qtr_target *t, int level,
                                    double approx_degree, qtr_ctx *ctx);
/** The init-stage clean-up of levels 1-3 on the virtual circuit, before
 *  layout: L1 cancel_inverse; L2/L3 elide_swaps (only when @p perm is not
 *  NULL, i.e. routing is allowed), remove_diag_before_measure,
 *  remove_identity, cancel_inverse, commute_cancel, then 2q blocks that need
 *  fewer cx than translating their gates would become cx + u (Qiskit's init
 *  ConsolidateBlocks; any gate may be emitted: translation follows). @p perm (c->nqubits entries, may be NULL) receives
 *  the elided permutation as qtr_pass_elide_swaps defines it (identity when
 *  nothing was elided or the level does not elide). @p t is unused.
 *  Note remove_diag_before_measure changes per-outcome phases before final
 *  measurements (compare with QTR_SIM_MEASURE_PHASES). */
qtr_status qtr_optimize_init(qtr_circuit *c, const qtr_target *t, int level, uint32_t *perm,
                             qtr_ctx *ctx);

/* ---- pipeline pieces shared with the streaming driver (src/pipeline.c) -- */

/** Fail with QTR_EUNSUPPORTED naming the first 2q gate whose physical qubits
 *  are not coupled on @p t (the circuit needs routing). */
qtr_status qtr_pass_check_routing(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);
/** The level-0 stages after layout, on a chunk already on physical qubits:
 *  unroll 3+q gates, routing check, basis translation, direction. */
qtr_status qtr_transpile_chunk_level0(qtr_circuit *c, const qtr_target *t, qtr_ctx *ctx);

/** Levels 2-3: how many whole runs, with seeds seed, seed+1, ..., the best of
 *  seeds gives circuit @p c as it stands after init (1: none beside the
 *  first), if its first run uses a SABRE layout (pipeline.c). */
uint32_t qtr_pipeline_reseed_runs(const qtr_circuit *c, int level);

/** Levels 2-3: how many quick reruns (whole runs with a smaller SABRE
 *  layout search, other seeds) circuit @p c as it stands after init gets
 *  after its full reruns (0: none; pipeline.c). */
uint32_t qtr_pipeline_quick_reruns(const qtr_circuit *c, int level);

/** Levels 2-3: how many reroutes (routing to optimisation again from the
 *  kept layout, other routing seeds) circuit @p c as it stands after init
 *  gets after its SABRE-laid-out runs (0: none; pipeline.c). */
uint32_t qtr_pipeline_reroutes(const qtr_circuit *c, int level);
/** 1 when levels 2-3 try qtr_pass_clifford_device on post-init circuit
 *  @p c for @p t (3+ qubits, at least 2 2q gates per qubit, a coupled
 *  target; the pass itself checks that c is one Clifford). */
int qtr_pipeline_clifford_device(const qtr_circuit *c, const qtr_target *t);
/** Levels 2-3: how many runs with ccx role variants (each ccx unrolled with
 *  other operand roles, qtr_pass_unroll3q_roles) circuit @p c as it stands
 *  after init gets when its input has ccx gates (0: none; pipeline.c). */
uint32_t qtr_pipeline_role_variants(const qtr_circuit *c, int level);

/* ---- layout and routing (src/layout.c, src/pass_layout_sabre.c,
 *      src/pass_layout_vf2.c, src/pass_route_sabre.c, src/pass_vf2post.c) --
 * These take settings beyond the common pass signature, so they are called
 * directly by the pipeline. All are deterministic for a given seed and give
 * the same result for any OpenMP thread count. */

/** SABRE routing settings. */
typedef struct {
    int      basic;      /* 1: Qiskit's "basic" heuristic (level 0); 0: lookahead + decay */
    uint32_t trials;     /* seeded trials (0 means 1), best by (swaps, trial index) */
    uint64_t seed;
    double   absorb;     /* 0 or 1: off; < 1: favour swaps that 2q block resynthesis can
                            merge with the gate before them (qtr_sabre_heur.absorb) */
} qtr_route_opts;

/** Insert swaps so every 2q gate of @p c, already on physical qubits
 *  (c->nqubits == t->nqubits), sits on a coupling edge of @p t (either
 *  direction). @p perm (t->nqubits entries) receives, for each physical
 *  qubit p, the physical qubit where the state that started on p ends;
 *  *@p nswaps the swaps inserted. Gates on 3+ qubits must be unrolled first.
 *  @return QTR_OK, QTR_ETARGET (a gate between disconnected parts of the
 *  target), QTR_EUNSUPPORTED (3+q gate), QTR_ENOMEM, QTR_ELIMIT. */
qtr_status qtr_pass_route_sabre(qtr_circuit *c, const qtr_target *t, const qtr_route_opts *o,
                                uint32_t *perm, uint64_t *nswaps, qtr_ctx *ctx);

/** SABRE layout settings (ALGORITHMS.md §3.6; levels 1/2/3 use 2/2/4
 *  iterations, 5/20/20 layout trials and 5/20/20 swap trials). */
typedef struct {
    uint32_t iterations;     /* forward-backward refinements per layout trial */
    uint32_t layout_trials;  /* random starting layouts (dense, trivial and
                                reversed-trivial starts are added) */
    uint32_t swap_trials;    /* routing trials from each refined layout */
    uint64_t seed;
    uint32_t finalists;      /* layouts that get all swap_trials, ranked by
                                their first trial; the others get one.
                                0: all (Qiskit's behaviour) */
    uint32_t prefix_nodes;   /* refine the starting layouts on the routing
                                DAG's first prefix_nodes nodes only (0, or
                                more than the DAG has: the whole circuit) */
    int      rank_on_prefix; /* with prefix_nodes: rank the layouts by one
                                trial on the prefix too; the finalists then
                                get all swap_trials on the whole circuit */
    uint32_t chunk_nodes;    /* route each finalist in parts of at least
                                this many routing-DAG nodes (and at least
                                chunk_per_qubit per interacting qubit),
                                keeping the best of chunk_trials trials per
                                part instead of swap_trials whole ones (0,
                                or parts as long as the DAG: whole trials) */
    uint32_t chunk_per_qubit;
    uint32_t chunk_trials;
    double   absorb;         /* as in qtr_route_opts */
    uint32_t probe_trials;   /* trials per DAG that choose between the strict
                                and the commutation routing DAG, 1 or 2
                                (pass_layout_sabre.c: pick_dag); 0: 2 */
    uint32_t commute_layout_trials, commute_swap_trials;
                             /* when the probe chooses the commutation DAG:
                                at most this many layout / swap trials
                                (0: layout_trials / swap_trials) */
    uint64_t give_up_cost;   /* 0, or: when the probe's cheapest routing's
                                swaps cost at least this (qtr_sabre_result
                                cost), give up: *nswaps = UINT64_MAX and the
                                circuit is left as it was */
} qtr_sabre_layout_opts;

/** Choose a layout for the virtual circuit @p c with SABRE and route it:
 *  afterwards @p c acts on t->nqubits physical qubits, every 2q gate on a
 *  coupling edge. @p initial / @p final (c->nqubits entries on entry) receive
 *  where each virtual qubit starts and where its state ends.
 *  @return QTR_OK, QTR_ETARGET (circuit wider than the target, or its
 *  interacting qubits do not fit one connected component), QTR_EUNSUPPORTED,
 *  QTR_ENOMEM, QTR_ELIMIT. */
qtr_status qtr_pass_layout_sabre(qtr_circuit *c, const qtr_target *t,
                                 const qtr_sabre_layout_opts *o, uint32_t *initial,
                                 uint32_t *final, uint64_t *nswaps, qtr_ctx *ctx);

/** VF2 search limits (ALGORITHMS.md §2.4, §4.4). */
typedef struct {
    uint64_t call_limit;        /* candidate extensions tried before the first match */
    uint64_t call_limit_after;  /* total extensions allowed once a match exists */
    uint64_t max_trials;        /* improving matches to accept; 0: 15 + max(edges) */
} qtr_vf2_limits;

/** VF2Layout: look for a placement of @p c's interaction graph as a subgraph
 *  of the coupling graph (no swaps needed), scored by the target's error
 *  rates (−ln(1−e) over used qubits and edges; by degree when the target has
 *  none). On success *@p found = 1 and @p layout (c->nqubits entries) holds
 *  virtual → physical for every qubit; *@p found = 0 when none exists or the
 *  limits ran out. Does not change @p c. @return QTR_OK or QTR_ENOMEM. */
qtr_status qtr_pass_layout_vf2(const qtr_circuit *c, const qtr_target *t,
                               const qtr_vf2_limits *lim, uint32_t *layout, int *found,
                               qtr_ctx *ctx);

/** VF2PostLayout (non-strict): after routing, relabel the physical qubits
 *  of @p c (t->nqubits wide) onto an isomorphic placement with lower
 *  expected error, when one exists within the limits. @p perm (t->nqubits
 *  entries) receives old physical → new physical (identity when nothing
 *  better was found, *@p moved = 0). @return QTR_OK or QTR_ENOMEM. */
qtr_status qtr_pass_vf2post(qtr_circuit *c, const qtr_target *t, const qtr_vf2_limits *lim,
                            uint32_t *perm, int *moved, qtr_ctx *ctx);

#ifdef __cplusplus
}
#endif

#endif
