/* sim.h -- the reference statevector / unitary simulator: ground truth for
 * the tests of every pass and for the CLI's --verify.
 *
 * Scope: the unitary part of a qtr_circuit. Directives (barrier, nop) are
 * skipped, every table gate is applied through qtr_gate_matrix(), the
 * circuit's global_phase is applied. Measurements are handled only by
 * qtr_sim_equivalent()/qtr_sim_compare(), and only when they are final;
 * reset, mid-circuit measurement and classical conditions give
 * QTR_EUNSUPPORTED there. qtr_sim_branches() follows every outcome of
 * measurements and resets instead, with conditions read from each branch's
 * classical bits.
 *
 * Memory: state vectors and unitaries are plain malloc() blocks, not circuit
 * memory. qtr_sim_statevector() and qtr_sim_unitary() hand the caller a block
 * to release with free(); every other function allocates and frees its
 * scratch within the call. All functions report allocation failure as
 * QTR_ENOMEM.
 *
 * Layout of amplitudes: interleaved (re, im) doubles; qubit k is bit k of the
 * basis index (Qiskit's little-endian order, as in qtr_gate_matrix()).
 *
 * Threads: no state is kept between calls, so different threads may
 * simulate different circuits at once; each call runs serially.
 */
#ifndef QTR_SIM_H
#define QTR_SIM_H

#include "qtr.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most qubits of a simulated state vector (2^24 amplitudes = 256 MiB). */
#define QTR_SIM_MAX_QUBITS 24
/** Most qubits of a full unitary (4096 × 4096 = 256 MiB). */
#define QTR_SIM_MAX_UNITARY_QUBITS 12

/* Flags of qtr_sim_compare(). */
/** Require equality including the global phase (circuits' global_phase
 *  fields count), instead of equality up to a global phase. */
#define QTR_SIM_EXACT_PHASE    0x1u
/** Allow a separate phase for each outcome of the finally measured qubits,
 *  i.e. accept diagonal gates removed (or added) just before final
 *  measurements: the measured statistics and post-measurement states of the
 *  unmeasured qubits are still compared exactly. Always uses random states. */
#define QTR_SIM_MEASURE_PHASES 0x2u

/** Apply a k-qubit matrix to a state.
 *  @param state   2^nqubits amplitudes, updated in place
 *  @param nqubits qubits of the state, ≤ QTR_SIM_MAX_QUBITS
 *  @param m       2^k × 2^k matrix, row-major, interleaved (as qtr_gate_matrix)
 *  @param k       1..5
 *  @param qubits  the state qubit of each matrix operand (distinct, < nqubits)
 *  @return QTR_OK, or QTR_EINVAL / QTR_EQUBIT with the reason in @p ctx. */
qtr_status qtr_sim_apply_matrix(double *state, uint32_t nqubits, const double *m, uint32_t k,
                                const uint32_t *qubits, qtr_ctx *ctx);

/** Apply table gate @p op with @p params (NULL when it has none) to @p qubits.
 *  Directives do nothing. @return QTR_OK, QTR_EINVAL/QTR_EQUBIT for bad
 *  operands, QTR_EUNSUPPORTED for measure and reset. */
qtr_status qtr_sim_apply_gate(double *state, uint32_t nqubits, qtr_op op, const double *params,
                              const uint32_t *qubits, qtr_ctx *ctx);

/** Apply every instruction of @p c, then its global phase, to @p state.
 *  @param qubit_map NULL: circuit qubit q is state qubit q (then
 *                   c->nqubits ≤ nqubits). Else circuit qubit q is state qubit
 *                   qubit_map[q] (c->nqubits entries, distinct where used);
 *                   UINT32_MAX marks a circuit qubit that no gate may touch.
 *  @return QTR_OK; QTR_EUNSUPPORTED for measure, reset or a conditioned
 *          instruction (message names the instruction); QTR_EINVAL/QTR_EQUBIT
 *          for a malformed circuit or map. On failure the state is partly
 *          updated. */
qtr_status qtr_sim_run(const qtr_circuit *c, double *state, uint32_t nqubits,
                       const uint32_t *qubit_map, qtr_ctx *ctx);

/** The state c|0…0> (c->nqubits ≤ QTR_SIM_MAX_QUBITS, else QTR_ELIMIT).
 *  @param state receives a malloc() block of 2^n interleaved amplitudes;
 *               the caller frees it with free(). Unchanged on failure. */
qtr_status qtr_sim_statevector(const qtr_circuit *c, double **state, qtr_ctx *ctx);

/** The unitary of @p c (c->nqubits ≤ QTR_SIM_MAX_UNITARY_QUBITS, else
 *  QTR_ELIMIT), global phase included.
 *  @param u receives a malloc() block of 2^n × 2^n entries, row-major,
 *           interleaved, U[r][col] at u[2*(r*2^n + col)]; free() it. */
qtr_status qtr_sim_unitary(const qtr_circuit *c, double **u, qtr_ctx *ctx);

/** Is @p out (on N physical qubits) a correct transpilation of @p in (on
 *  n ≤ N virtual qubits), up to global phase?
 *
 *  The claim checked: for every state |ψ> of the n virtual qubits, running
 *  @p out on |ψ> placed at physical qubits initial_layout[v] (every other
 *  physical qubit |0>) gives, up to one global phase for all ψ, in|ψ> placed
 *  at physical qubits output_permutation[v], every other physical qubit back
 *  in |0>.
 *
 *  Only active physical qubits (touched by a non-directive instruction of
 *  @p out, or in either layout) are simulated, renumbered densely: a 4-qubit
 *  circuit routed on a 133-qubit device is a 4..12-qubit simulation.
 *  With ≤ 10 active qubits and a modest gate count the check is exhaustive
 *  over the 2^n basis inputs (i.e. the full unitary restricted to the
 *  layout's subspace, one common phase); otherwise it uses seeded random
 *  input states (see sim.c for why one random state already suffices).
 *
 *  Final measurements: a measure of virtual v into clbit k in @p in that no
 *  later instruction touches must match a final measure of physical
 *  output_permutation[v] into clbit k in @p out (and @p out may have no
 *  other measurements); they are then removed and the rest compared.
 *
 *  @param initial_layout     n entries (< N, distinct), or NULL for v ↦ v
 *  @param output_permutation n entries (< N, distinct), or NULL for v ↦ v
 *  @param tol  largest accepted Euclidean distance between expected and
 *              actual normalised output states after aligning the phase;
 *              1e-6 is a good value (below ~1e-7 rounding dominates)
 *  @return QTR_OK when equivalent; QTR_EVERIFY with the distance, overlap
 *          and input that differ (or the measurement that does not match)
 *          in @p ctx; QTR_ELIMIT beyond QTR_SIM_MAX_QUBITS active qubits;
 *          QTR_EUNSUPPORTED for reset, mid-circuit measurement or classical
 *          conditions; QTR_EINVAL for bad layouts or tol; QTR_ENOMEM. */
qtr_status qtr_sim_equivalent(const qtr_circuit *in, const qtr_circuit *out,
                              const uint32_t *initial_layout, const uint32_t *output_permutation,
                              double tol, qtr_ctx *ctx);

/** qtr_sim_equivalent() with @p flags (QTR_SIM_EXACT_PHASE,
 *  QTR_SIM_MEASURE_PHASES); flags 0 is qtr_sim_equivalent(). */
qtr_status qtr_sim_compare(const qtr_circuit *in, const qtr_circuit *out,
                           const uint32_t *initial_layout, const uint32_t *output_permutation,
                           double tol, unsigned flags, qtr_ctx *ctx);

/** What qtr_sim_branches reports at the end of each branch: the classical
 *  bits (c->nclbits, 0 or 1 each), the branch's probability and its
 *  (normalised) state of @p nqubits qubits, valid during the call. */
typedef void (*qtr_sim_leaf_fn)(void *user, const uint8_t *clbits, double prob,
                                const double *state, uint32_t nqubits);

/** Run @p c on a copy of @p state (2^nqubits amplitudes; circuit qubits
 *  mapped by @p qubit_map as in qtr_sim_run) with every classical bit 0,
 *  following every outcome of each measurement and reset whose probability
 *  exceeds @p min_prob: the state is projected onto the outcome and
 *  renormalised, the measured bit set, conditions read from the bits. Calls
 *  @p leaf once per branch. Cost: one state copy per measurement on the
 *  path; branches double with each measurement of an undetermined qubit.
 *  @return QTR_OK; QTR_EUNSUPPORTED for a gate without a definition;
 *  QTR_EINVAL (unbound parameters), QTR_EQUBIT, QTR_ELIMIT, QTR_ENOMEM. */
qtr_status qtr_sim_branches(const qtr_circuit *c, const double *state, uint32_t nqubits,
                            const uint32_t *qubit_map, double min_prob, qtr_sim_leaf_fn leaf,
                            void *user, qtr_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* QTR_SIM_H */
