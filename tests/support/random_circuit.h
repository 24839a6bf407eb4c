/* random_circuit.h -- seeded random circuits for the tests of every area
 * (test-only: built into tests/libqtr_testsupport.la, never into the library).
 *
 * The circuit returned belongs to the caller (qtr_circuit_free). The same
 * (nqubits, ngates, ops, seed) always gives the same circuit.
 */
#ifndef QTR_RANDOM_CIRCUIT_H
#define QTR_RANDOM_CIRCUIT_H

#include <stddef.h>
#include <stdint.h>
#include "qtr.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Build a random circuit on @p nqubits qubits (one register "q", no clbits)
 *  with @p ngates gates.
 *  @param ops   the gates to draw from, uniformly; NULL (or @p nops 0) means
 *               every unitary table gate (not directive, not measure/reset)
 *               that fits in @p nqubits qubits
 *  @param seed  all randomness comes from it: operands are distinct qubits
 *               drawn uniformly, angles uniform in (-2π, 2π)
 *  @param out   receives the new circuit
 *  @return QTR_OK; QTR_EINVAL when @p nqubits is 0, or an op in @p ops is
 *          not a unitary gate or needs more than @p nqubits qubits;
 *          QTR_ENOMEM. */
qtr_status qtr_random_circuit(uint32_t nqubits, size_t ngates, const qtr_op *ops, size_t nops,
                              uint64_t seed, qtr_circuit **out, qtr_ctx *ctx);

/** Append @p ngates more random gates to @p c (same rules as above), drawing
 *  from @p rng. Useful to grow a circuit that already has registers. */
qtr_status qtr_random_append(qtr_circuit *c, size_t ngates, const qtr_op *ops, size_t nops,
                             qtr_ctx *rng, qtr_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
