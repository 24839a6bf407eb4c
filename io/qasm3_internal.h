/* qasm3_internal.h -- what the OpenQASM 3 reader's files share, and the hook
 * by which the OpenQASM 2 reader (qasm_parse.c) hands a program whose version
 * line says 3 to it. Internal to io/: not installed. */
#ifndef QTR_QASM3_INTERNAL_H
#define QTR_QASM3_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "qasm_lex.h"
#include "qtr.h"

/* ---- the reader (io/qasm3_parse.c) --------------------------------------- */

typedef struct qtr_qasm3 qtr_qasm3;

/** A reader of the statements after "OPENQASM 3;" over lexer @p L, whose
 *  current token is the first one after the version line. @p L and @p name
 *  are borrowed and must outlive the reader. */
qtr_status qtr_qasm3_new(qtr_qasm3 **out, qtr_qasm_lex *L, const char *name, qtr_ctx *ctx);
/** As qtr_qasm_reader_next. */
qtr_status qtr_qasm3_next(qtr_qasm3 *p, qtr_circuit *c, size_t max_inst, int *eof, qtr_ctx *ctx);
/** 1 when the program names physical qubits ($0, $1, ...). */
int qtr_qasm3_physical(const qtr_qasm3 *p);
void qtr_qasm3_free(qtr_qasm3 *p);
/** A whole circuit read from a program on physical qubits: the registers
 *  that covered the qubits as they appeared become one register "q". */
qtr_status qtr_qasm3_merge_physical(qtr_circuit *c, qtr_ctx *ctx);

/* ---- gates under modifiers (io/qasm3_gates.c) ----------------------------- */

/* Where gates resolved from inv/pow/ctrl modifiers go: table instructions
 * through @p append, phases into *phase. @p budget counts the instructions
 * one statement may still append (QTR_QASM_MAX_EXPANSION at its start). */
typedef struct {
    qtr_status (*append)(void *user, qtr_op op, const uint32_t *q, uint32_t n, const double *p);
    void *user;
    double *phase;
    qtr_ctx *ctx;
} qtr_q3_sink;

/** Apply table gate @p op with @p params on its own qubits @p q, raised to
 *  the power @p pw (any real; integers repeat), inverted when @p inv, and
 *  controlled by @p nctrl qubits @p ctrl (all distinct from q). Emits the
 *  table gate itself when one fits, else a decomposition exact up to nothing
 *  (global phase included: it matters under a control). Failures:
 *  QTR_EUNSUPPORTED ("unsupported in this version: ...", no location),
 *  QTR_ELIMIT, QTR_ENOMEM, or what append returned. */
qtr_status qtr_q3_apply(qtr_q3_sink *s, qtr_op op, const double *params, const uint32_t *q,
                        const uint32_t *ctrl, uint32_t nctrl, int inv, double pw);
/** Apply the 2x2 unitary @p m (interleaved re/im, row-major) on @p q under
 *  @p nctrl controls. */
qtr_status qtr_q3_apply_matrix(qtr_q3_sink *s, const double m[8], uint32_t q, const uint32_t *ctrl,
                               uint32_t nctrl);
/** Apply the 4x4 unitary @p m (operand k = bit k of the index, as
 *  qtr_gate_matrix) on (q[0], q[1]) under @p nctrl controls: its KAK
 *  synthesis into cx and 1-qubit gates, phase included. */
qtr_status qtr_q3_apply_matrix4(qtr_q3_sink *s, const double m[32], const uint32_t q[2],
                                const uint32_t *ctrl, uint32_t nctrl);
/** The 4x4 unitary @p m to the real power @p k on the principal branch,
 *  into @p out; QTR_EUNSUPPORTED naming @p what if its eigenvectors cannot
 *  be found. */
qtr_status qtr_q3_matrix4_power(qtr_q3_sink *s, const double m[32], double k, const char *what,
                                double out[32]);
/** gphase(@p a): the global phase, or a phase gate on the controls. */
qtr_status qtr_q3_gphase(qtr_q3_sink *s, double a, const uint32_t *ctrl, uint32_t nctrl);
/** @p m to the real power @p k on the principal branch (eigenphases in
 *  (-pi, pi]), into @p out. */
void qtr_q3_matrix_power(const double m[8], double k, double out[8]);

/* ---- the writer's spelling (io/qasm3_write.c) ----------------------------- */

/** 1 when @p op is named by stdgates.inc (or is the builtin U): the writer
 *  needs no definition for it. */
int qtr_qasm3_stdgate(qtr_op op);
/** The name the OpenQASM 3 writer gives @p op ("U" for u, else the table's). */
const char *qtr_qasm3_op_name(qtr_op op);
/** Write @p v at @p d as Qiskit's exporter would: "pi/2", "-3*pi/4", "0.5",
 *  a multiple of pi only when reading it back gives the same double, else
 *  the shortest decimal that does. At most 32 bytes; returns the end. */
char *qtr_qasm3_put_real(char *d, double v);
/** Words a declared name may not take in OpenQASM 3 (keywords, types,
 *  constants, stdgates.inc names). */
int qtr_qasm3_reserved(const char *s);

#endif
